//! Shared set-up for the integration tests: a simulator on 127.0.0.1:0 and a client for it.
#![allow(dead_code)]

pub mod ws;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use convoscope::genesys::retry::RetryPolicy;
use convoscope::genesys::{Client, ClientConfig, Credentials, Secret};
use convoscope::sim::{Sim, SimConfig};

/// The end of the simulated data: fixed, so that every run sees the same conversations.
pub fn until() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()
}

pub fn config(conversations: usize) -> SimConfig {
    SimConfig {
        addr: "127.0.0.1:0".into(),
        seed: 7,
        conversations,
        days: 7,
        until: until(),
        active: 0,
        job_delay_ms: 50,
        // The subject of these tests is not the rate limit (those that test it set their own):
        // 300 requests a minute would make paging and export crawl.
        rate_limit: 0,
        ..SimConfig::default()
    }
}

pub async fn sim(cfg: SimConfig) -> Sim {
    Sim::start(cfg).await.expect("the simulator starts")
}

/// Retries fast: tests must not wait seconds for backoffs.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 20,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(2),
    }
}

/// The configuration of a client for the simulator (with `id` and `secret`), retrying fast:
/// change what a test needs, then `Client::new` it.
pub fn config_with(sim: &Sim, id: &str, secret: &str) -> ClientConfig {
    let url = sim.url();
    let mut cfg = ClientConfig::new(
        &url,
        &url,
        Credentials::ClientCredentials {
            client_id: id.into(),
            secret: Secret::new(secret),
        },
    );
    cfg.retry = fast_retries();
    cfg.timeout = Duration::from_secs(10);
    cfg
}

/// [`config_with`] the simulator's demo credentials.
pub fn client_config(sim: &Sim) -> ClientConfig {
    config_with(sim, "demo", "demo")
}

pub fn client_with(sim: &Sim, id: &str, secret: &str) -> Client {
    Client::new(config_with(sim, id, secret)).unwrap()
}

pub fn client(sim: &Sim) -> Arc<Client> {
    Arc::new(client_with(sim, "demo", "demo"))
}

/// The convoscope binary with a home of its own: it never reads the machine's `~/.gc` profiles or
/// config file, never writes the machine's log, and sees none of the caller's Genesys or
/// convoscope variables (tests set the ones they mean).
pub fn convoscope() -> std::process::Command {
    let home = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("home");
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_convoscope"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("GENESYSCLOUD_") || k.starts_with("CONVOSCOPE_") || k.starts_with("XDG_") {
            c.env_remove(&*k);
        }
    }
    c.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".local/state"));
    c
}
