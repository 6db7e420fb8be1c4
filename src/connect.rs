//! From connection options to a connected client: credentials, region or URLs, or the demo.

use std::sync::Arc;

use crate::cli::ConnectionArgs;
use crate::genesys::redact::redact_url;
use crate::genesys::{Client, ClientConfig, Credentials, Error, Secret};
use crate::settings::{ConnectionSettings, Given, Paths, Settings};
use crate::sim::{Sim, SimConfig};

/// A client, what to call the place it is connected to, and the embedded simulator if any.
pub struct Connection {
    pub client: Arc<Client>,
    /// `DEMO`, a region host (`mypurecloud.ie`), or an API URL.
    pub label: String,
    pub sim: Option<Sim>,
}

/// The simulator settings of `--demo`: a week of data with a few conversations still going on.
pub fn demo_config() -> SimConfig {
    SimConfig {
        addr: "127.0.0.1:0".into(),
        seed: 1,
        conversations: 3000,
        days: 7,
        active: 5,
        ..SimConfig::default()
    }
}

/// Builds the client the command line describes, resolving the environment, the config file and
/// the `gc` profile as [`Settings::resolve`] does (every value taken as a flag).
pub async fn connect(args: &ConnectionArgs) -> Result<Connection, Error> {
    let given = Given::from_args(args, &|k| std::env::var(k).ok());
    let settings = Settings::resolve(given, &Paths::system()).map_err(Error::Config)?;
    connect_with(&settings.connection).await
}

/// Builds the client the resolved settings describe, checking credentials before anything else.
pub async fn connect_with(c: &ConnectionSettings) -> Result<Connection, Error> {
    let conn = connect_unchecked(c).await?;
    if conn.sim.is_none() {
        conn.client.authenticate().await?;
    }
    Ok(conn)
}

/// Builds the client without logging in yet: the browser logs in behind its first frame
/// ("connecting to HOST…"), so that a slow login never leaves a blank screen.
pub async fn connect_unchecked(c: &ConnectionSettings) -> Result<Connection, Error> {
    if c.demo {
        let cfg = demo_config();
        let (id, secret) = (cfg.client_id.clone(), cfg.client_secret.clone());
        let sim = Sim::start(cfg)
            .await
            .map_err(|e| Error::Config(format!("cannot start the demo simulator: {e}")))?;
        let url = sim.url();
        let client = Client::new(ClientConfig::new(
            &url,
            &url,
            Credentials::ClientCredentials {
                client_id: id,
                secret: Secret::new(secret),
            },
        ))?;
        return Ok(Connection {
            client: Arc::new(client),
            label: "DEMO".into(),
            sim: Some(sim),
        });
    }
    let credentials = c.credentials()?;
    tracing::info!(
        api_url = %redact_url(&c.api_url.value),
        api_url_from = %c.api_url.source,
        login_url = %redact_url(&c.login_url.value),
        profile = c.profile.as_ref().map(|p| p.value.as_str()).unwrap_or(""),
        client_id = c.client_id.as_ref().map(|v| v.value.as_str()).unwrap_or(""),
        token = matches!(credentials, Credentials::Token(_)),
        "connecting"
    );
    let mut cfg = ClientConfig::new(&c.api_url.value, &c.login_url.value, credentials);
    // Login errors advise about the region only when one was used.
    cfg.region = c
        .region
        .map(|r| format!("{} ({}), from {}", r.id, r.host, c.api_url.source));
    let client = Client::new(cfg)?;
    Ok(Connection {
        client: Arc::new(client),
        label: c.label.clone(),
        sim: None,
    })
}
