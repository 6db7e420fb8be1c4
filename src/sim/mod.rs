//! A faithful local Genesys Cloud API: OAuth client credentials, the analytics details query,
//! async details jobs, `GET /api/v2/conversations/{id}` and the directories (users, queues,
//! wrap-up codes, divisions), with the real JSON shapes, limits and error bodies, deterministic
//! data from a seed, and optional faults and latency.
//!
//! It stands in for an org that does not know us, strict by default as Genesys Cloud is: agents
//! unnamed in analytics, voice callers `external`, 7 days at most for a query without filters,
//! daily indexes and overlap, async jobs that lag behind and cut long attributes, 300 requests a
//! minute per OAuth client announced on every answer. Benches relax what they must
//! (`rate_limit: 0`, `data_lag: 0`).
//!
//! Used by `convoscope --demo`, `convoscope sim`, and every test (on `127.0.0.1:0`).

pub mod breakage;
pub mod data;
mod directory;
pub(crate) mod filter;
pub mod hostile;
pub mod notify;
mod select;
mod server;

#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use data::{Dataset, LivePlan};
pub use notify::{ChannelInfo, Notifications, NotifyArgs, NotifyConfig, NotifyStats, WsFaults};

/// The details query's filter parser (`segmentFilters`, `conversationFilters`), for fuzzing.
pub fn parse_filters(seg: &serde_json::Value, conv: &serde_json::Value) -> Result<(), String> {
    filter::Filters::parse(seg, conv).map(|_| ())
}

/// The flags of `convoscope sim`.
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8642")]
    pub addr: String,
    /// Seed of the generated data: the same flags give the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// How many conversations to generate.
    #[arg(long, default_value_t = 2000)]
    pub conversations: usize,
    /// Conversations are spread over this many days, ending at --until.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// End of the generated span (RFC 3339); default now.
    #[arg(long)]
    pub until: Option<String>,
    // The credentials it accepts are the shared connection flags `--client-id` and
    // `--client-secret` (default demo/demo), passed to `run`.
    /// Lifetime of access tokens, seconds.
    #[arg(long, default_value_t = 86_400)]
    pub token_ttl: u64,
    /// Requests a minute per OAuth client, as the real API's default (0: no limit, no
    /// inin-ratelimit-* headers); over it: 429 with Retry-After.
    #[arg(long, default_value_t = DEFAULT_RATE_LIMIT)]
    pub rate_limit: u32,
    /// The window of --rate-limit, seconds (the real API's is a minute).
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub rate_window: u64,
    /// Faults: share of requests answered with a status or dropped mid-response, e.g.
    /// `429=0.1,500=0.05,503=0.05,reset=0.02` (also 502, 504; `stall`: headers then no body;
    /// `garbage`: a 200 whose body is not JSON). Faults of content: `empty`, `short`, `repeat`
    /// (the page before's), `nototal` (query pages); `badrecord` (that share of conversations
    /// have a damaged record in query pages and job results, always the same ones); `endless`
    /// (job results never end), `flakyresults` (each job results page fails once); `huge` (a
    /// 256 MB body); `get500` (GET conversation fails); `gone` (that share of conversations are
    /// 404 to GET conversation); `job`: share of async jobs that end FAILED.
    #[arg(long, default_value = "")]
    pub faults: String,
    /// Delay every response by this many milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// How many of the most recent conversations are still going on (attributes change every
    /// few seconds).
    #[arg(long, default_value_t = 0)]
    pub active: usize,
    /// The first active conversation ends this many seconds after --until (default: a few
    /// minutes after; see the README for the whole schedule).
    #[arg(long, value_name = "SECS")]
    pub active_end_after: Option<u64>,
    /// An async job is QUEUED, then PENDING, then FULFILLED after this many milliseconds.
    #[arg(long, default_value_t = 500)]
    pub job_delay_ms: u64,
    /// An async job EXPIRES this many seconds after it was submitted.
    #[arg(long, default_value_t = 2 * 86_400, value_name = "SECS")]
    pub job_ttl: u64,
    /// How far the analytics data lake lags: async jobs only see conversations that ended
    /// before now minus this many seconds (the data availability date).
    #[arg(long, default_value_t = DEFAULT_DATA_LAG, value_name = "SECS")]
    pub data_lag: u64,
    /// Print the data set as NDJSON, exactly as `convoscope export --media any --attributes`
    /// writes it over the whole span (attributes whole, as GET conversation gives them), and exit
    /// without serving: the reference for round trips.
    #[arg(long)]
    pub dump: bool,
    /// Put hostile text in names and attributes (escape sequences, C1 controls, BiDi overrides,
    /// zero-width characters, 20,000-character values), to test what reaches a terminal.
    #[arg(long)]
    pub hostile: bool,
    /// Answer 403 for these areas: comma list of query, jobs, conversations, queues,
    /// wrapupcodes (missing permissions), notifications (every Notifications API call) and
    /// topics (subscriptions).
    #[arg(long, default_value = "")]
    pub forbid: String,
    #[command(flatten)]
    pub notify: Box<NotifyArgs>,
}

/// The real API's default rate limit: requests a minute per OAuth client.
pub const DEFAULT_RATE_LIMIT: u32 = 300;
/// How far the data lake lags by default, seconds: a few hours.
pub const DEFAULT_DATA_LAG: u64 = 3 * 3_600;

/// Shares (0..=1) of requests answered with a fault.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Faults {
    pub s429: f64,
    pub s500: f64,
    pub s502: f64,
    pub s503: f64,
    pub s504: f64,
    /// Headers and part of the body are sent, then the connection is dropped.
    pub reset: f64,
    /// Headers are sent, then the body never comes (clients must time out).
    pub stall: f64,
    /// A complete 200 answer whose body is not valid JSON.
    pub garbage: f64,
    /// A query page without its conversations.
    pub empty: f64,
    /// A query page with half its conversations.
    pub short: f64,
    /// A query page (after the first) answered with the page before's conversations.
    pub repeat: f64,
    /// A query page without `totalHits`.
    pub nototal: f64,
    /// The share of conversations whose record is damaged (see [`breakage::damage`]).
    pub badrecord: f64,
    /// Job results that carry a cursor past their end, and on.
    pub endless: f64,
    /// Every job results page fails (500) the first time it is asked (any share above 0).
    pub flakyresults: f64,
    /// A 200 answer of [`breakage::HUGE_BODY`] bytes.
    pub huge: f64,
    /// GET conversation answered 500.
    pub get500: f64,
    /// The share of conversations GET conversation answers 404 for (see [`breakage::is_gone`]).
    pub gone: f64,
    /// Share of async jobs that end FAILED (not of requests).
    pub job: f64,
}

impl Faults {
    /// Parses `429=0.1,500=0.05,503=0.05,reset=0.02` (empty: no faults).
    pub fn parse(spec: &str) -> Result<Faults, String> {
        let mut f = Faults::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (k, v) = item.split_once('=').ok_or_else(|| {
                format!("bad --faults item '{item}': expected KIND=SHARE, e.g. 500=0.05")
            })?;
            let v: f64 = v.trim().parse().map_err(|_| {
                format!("bad --faults share '{v}' in '{item}': expected a number between 0 and 1")
            })?;
            if !(0.0..=1.0).contains(&v) {
                return Err(format!(
                    "bad --faults share {v} in '{item}': must be between 0 and 1"
                ));
            }
            let slot = match k.trim() {
                "429" => &mut f.s429,
                "500" => &mut f.s500,
                "502" => &mut f.s502,
                "503" => &mut f.s503,
                "504" => &mut f.s504,
                "reset" => &mut f.reset,
                "stall" => &mut f.stall,
                "garbage" => &mut f.garbage,
                "empty" => &mut f.empty,
                "short" => &mut f.short,
                "repeat" => &mut f.repeat,
                "nototal" => &mut f.nototal,
                "badrecord" => &mut f.badrecord,
                "endless" => &mut f.endless,
                "flakyresults" => &mut f.flakyresults,
                "huge" => &mut f.huge,
                "get500" => &mut f.get500,
                "gone" => &mut f.gone,
                "job" => &mut f.job,
                other => {
                    return Err(format!(
                        "bad --faults kind '{other}': use 429, 500, 502, 503, 504, reset, stall, \
                         garbage, empty, short, repeat, nototal, badrecord, endless, \
                         flakyresults, huge, get500, gone or job"
                    ));
                }
            };
            *slot = v;
        }
        if f.total() > 1.0 + 1e-9 {
            return Err(format!(
                "bad --faults '{spec}': the shares add up to {:.3}, more than 1",
                f.total()
            ));
        }
        Ok(f)
    }

    /// The share of requests answered with a fault (`job` counts jobs, not requests).
    pub fn total(&self) -> f64 {
        self.s429
            + self.s500
            + self.s502
            + self.s503
            + self.s504
            + self.reset
            + self.stall
            + self.garbage
    }

    /// Whether no fault is on, of status or of content.
    pub fn is_none(&self) -> bool {
        self.total() == 0.0
            && [
                self.empty,
                self.short,
                self.repeat,
                self.nototal,
                self.badrecord,
                self.endless,
                self.flakyresults,
                self.huge,
                self.get500,
                self.gone,
                self.job,
            ]
            .iter()
            .all(|&s| s == 0.0)
    }
}

/// Which areas answer 403 missing.permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Forbid {
    pub query: bool,
    pub jobs: bool,
    pub conversations: bool,
    pub queues: bool,
    pub wrapupcodes: bool,
    /// The Notifications API refuses every call (channels, subscriptions).
    pub notifications: bool,
    /// Subscriptions to topics are refused for missing permissions.
    pub topics: bool,
}

impl Forbid {
    pub fn parse(list: &str) -> Result<Forbid, String> {
        let mut f = Forbid::default();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match item {
                "query" => f.query = true,
                "jobs" => f.jobs = true,
                "conversations" => f.conversations = true,
                "queues" => f.queues = true,
                "wrapupcodes" => f.wrapupcodes = true,
                "notifications" => f.notifications = true,
                "topics" => f.topics = true,
                other => {
                    return Err(format!(
                        "bad --forbid item '{other}': use query, jobs, conversations, queues, \
                         wrapupcodes, notifications, topics"
                    ));
                }
            }
        }
        Ok(f)
    }
}

/// The simulator's configuration (see [`SimArgs`] for the meaning of each field).
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub addr: String,
    pub seed: u64,
    pub conversations: usize,
    pub days: u32,
    pub until: DateTime<Utc>,
    pub client_id: String,
    pub client_secret: String,
    pub token_ttl: u64,
    pub rate_limit: u32,
    /// The window `rate_limit` counts over, seconds (60 like the real API; less in tests).
    pub rate_window_secs: u64,
    pub faults: Faults,
    pub latency_ms: u64,
    pub active: usize,
    /// The first active conversation ends this many seconds after `until` (else its schedule's
    /// default: see [`data::LivePlan`]).
    pub active_end_after: Option<u64>,
    pub job_delay_ms: u64,
    /// Async jobs EXPIRE this many seconds after they were submitted.
    pub job_ttl_secs: u64,
    /// How far the data lake lags, seconds: jobs see conversations that ended before now minus
    /// this.
    pub data_lag: u64,
    pub forbid: Forbid,
    pub hostile: bool,
    /// The Notifications API (heartbeat, channel lifetime, WebSocket faults).
    pub notify: NotifyConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            addr: "127.0.0.1:8642".into(),
            seed: 1,
            conversations: 2000,
            days: 7,
            until: Utc::now(),
            client_id: "demo".into(),
            client_secret: "demo".into(),
            token_ttl: 86_400,
            rate_limit: DEFAULT_RATE_LIMIT,
            rate_window_secs: 60,
            faults: Faults::default(),
            latency_ms: 0,
            active: 0,
            active_end_after: None,
            job_delay_ms: 500,
            job_ttl_secs: 2 * 86_400,
            data_lag: DEFAULT_DATA_LAG,
            forbid: Forbid::default(),
            hostile: false,
            notify: NotifyConfig::default(),
        }
    }
}

impl SimArgs {
    pub fn to_config(&self) -> Result<SimConfig, String> {
        let until = match &self.until {
            None => Utc::now(),
            Some(s) => DateTime::parse_from_rfc3339(s.trim())
                .map_err(|e| {
                    format!("bad --until '{s}': {e}; expected RFC 3339, e.g. 2026-11-24T18:00:00Z")
                })?
                .with_timezone(&Utc),
        };
        if self.days == 0 {
            return Err("bad --days 0: must be at least 1".into());
        }
        if self.rate_window == 0 {
            return Err("bad --rate-window 0: must be at least 1 second".into());
        }
        if self.conversations > u32::MAX as usize / 2 {
            return Err(format!(
                "bad --conversations {}: too many",
                self.conversations
            ));
        }
        Ok(SimConfig {
            addr: self.addr.clone(),
            seed: self.seed,
            conversations: self.conversations,
            days: self.days,
            until,
            client_id: "demo".into(),
            client_secret: "demo".into(),
            token_ttl: self.token_ttl,
            rate_limit: self.rate_limit,
            rate_window_secs: self.rate_window,
            faults: Faults::parse(&self.faults)?,
            latency_ms: self.latency_ms,
            active: self.active,
            active_end_after: self.active_end_after,
            job_delay_ms: self.job_delay_ms,
            job_ttl_secs: self.job_ttl,
            data_lag: self.data_lag,
            forbid: Forbid::parse(&self.forbid)?,
            hostile: self.hostile,
            notify: self.notify.to_config()?,
        })
    }
}

/// The name of the simulator's organization (`GET /api/v2/organizations/me`).
pub const ORG_NAME: &str = "convoscope simulator";

/// What the simulator counted since it started (for tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SimStats {
    /// Requests answered (the last 20,000 at most).
    pub requests: u64,
    /// Requests being answered now.
    pub in_flight: u32,
    /// The most requests answered at once.
    pub peak_in_flight: u32,
    /// Requests answered 429 (by `rate_limit` or a fault).
    pub rate_limited: u64,
    pub jobs_created: u64,
    /// Jobs cancelled with DELETE.
    pub jobs_deleted: u64,
}

/// One request the simulator answered, in the order they ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub path: String,
    /// Requests in flight when this one arrived, itself included.
    pub in_flight: u32,
    pub status: u16,
}

/// A running simulator.
pub struct Sim {
    addr: SocketAddr,
    dataset: Arc<Dataset>,
    stats: Arc<server::Stats>,
    notify: Arc<notify::Hub>,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").field("addr", &self.addr).finish()
    }
}

impl Sim {
    /// Binds `cfg.addr` and serves in a tokio task.
    pub async fn start(cfg: SimConfig) -> std::io::Result<Sim> {
        let listener = tokio::net::TcpListener::bind(&cfg.addr).await?;
        let addr = listener.local_addr()?;
        let dataset = Arc::new(Dataset::new(&cfg));
        let stats = Arc::new(server::Stats::default());
        let hub = Arc::new(notify::Hub::new(&cfg, dataset.clone(), addr));
        let app = server::router(cfg, dataset.clone(), stats.clone(), hub.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Sim {
            addr,
            dataset,
            stats,
            notify: hub,
            shutdown: Some(tx),
            task,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn dataset(&self) -> Arc<Dataset> {
        self.dataset.clone()
    }

    /// What it counted so far.
    pub fn stats(&self) -> SimStats {
        self.stats.snapshot()
    }

    /// The requests it answered (the last 20,000), in the order they ended.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.stats.requests()
    }

    /// What it answered since it started, for people: `answered 1,234 requests, 5 of them 429`.
    pub fn totals_line(&self) -> String {
        let (answered, too_many) = self.stats.totals();
        format!(
            "answered {}, {} of them 429",
            crate::human::count(answered, "request"),
            crate::human::num(too_many)
        )
    }

    /// Its Notifications API: fault the WebSockets, read what it sent.
    pub fn notifications(&self) -> Notifications {
        Notifications(self.notify.clone())
    }

    /// Graceful shutdown: stops accepting, closes the WebSockets, lets requests in flight
    /// finish (at most 5 s).
    pub async fn stop(mut self) {
        self.notify.shutdown();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let abort = self.task.abort_handle();
        if tokio::time::timeout(std::time::Duration::from_secs(5), &mut self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

/// Writes every conversation with its whole attributes (as GET conversation gives them), in start
/// order, one a line: what `convoscope export --media any --attributes` writes (values a job cut
/// at 1,024 characters are read again whole).
fn dump(cfg: &SimConfig) -> std::io::Result<()> {
    use crate::export::{ConversationWriter, NdjsonWriter};
    let ds = Dataset::new(cfg);
    let now = Utc::now();
    let mut w = NdjsonWriter::new(std::io::BufWriter::new(std::io::stdout().lock()));
    for i in 0..ds.len() {
        let c = ds.analytics_with_whole_attributes(i, now);
        w.write(&c)?;
    }
    w.finish()
}

/// Runs `convoscope sim`: `credentials` are the client id and secret it accepts (default
/// demo/demo), from the shared `--client-id`/`--client-secret` flags.
pub async fn run(
    args: SimArgs,
    credentials: (Option<String>, Option<String>),
) -> Result<(), String> {
    use std::io::Write;
    let mut cfg = args.to_config()?;
    if let Some(id) = credentials.0 {
        cfg.client_id = id;
    }
    if let Some(secret) = credentials.1 {
        cfg.client_secret = secret;
    }
    if args.dump {
        return dump(&cfg).map_err(|e| format!("cannot write the dump: {e}"));
    }
    if args.notify.dump_events {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        return notify::dump_events(&cfg, &mut out)
            .map_err(|e| format!("cannot write the events: {e}"));
    }
    let signal = shutdown_signal().map_err(|e| format!("cannot install signal handlers: {e}"))?;
    let t = std::time::Instant::now();
    let sim = Sim::start(cfg.clone())
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cfg.addr))?;
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", sim.url());
        let _ = out.flush();
    }
    eprintln!(
        "convoscope sim: {} (ready in {} ms)",
        sim.dataset().describe(),
        t.elapsed().as_millis()
    );
    eprintln!(
        "  client id/secret: {} / {}; token ttl {} s; rate limit {}; faults {}; latency {} ms; job delay {} ms; data lag {} s (--rate-limit 0 --data-lag 0 for benches)",
        cfg.client_id,
        if cfg.client_secret == "demo" {
            "demo"
        } else {
            "<set>"
        },
        cfg.token_ttl,
        if cfg.rate_limit == 0 {
            "off".to_string()
        } else if cfg.rate_window_secs == 60 {
            format!("{}/min", cfg.rate_limit)
        } else {
            format!("{}/{} s", cfg.rate_limit, cfg.rate_window_secs)
        },
        if cfg.faults.is_none() {
            "none".to_string()
        } else {
            args.faults.clone()
        },
        cfg.latency_ms,
        cfg.job_delay_ms,
        cfg.data_lag,
    );
    eprintln!(
        "  API and login base URL: {} (POST /oauth/token); Ctrl-C stops",
        sim.url()
    );
    eprintln!("  {}", notify::describe(&cfg.notify));
    signal.await;
    // What the clients asked of it, and how often the rate limit (or a fault) refused them.
    eprintln!("convoscope sim: stopping; {}", sim.totals_line());
    sim.stop().await;
    Ok(())
}

/// Ctrl-C or SIGTERM. The handlers are installed when this is called (before the listening
/// line is printed), so a signal sent right after it is not lost.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
