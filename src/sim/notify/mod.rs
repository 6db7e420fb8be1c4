//! The Notifications API, as Genesys Cloud serves it: channels, topic subscriptions and each
//! channel's WebSocket on the simulator's own listener.
//!
//! - `POST /api/v2/notifications/channels` -> `Channel {id, connectUri, expires}`; `GET` lists
//!   the caller's channels; `HEAD …/channels/{id}` says whether one is still valid.
//! - `GET|PUT|POST|DELETE …/channels/{id}/subscriptions` with `[{"id": TOPIC}]` lists
//!   (`ChannelTopicEntityListing` answers).
//! - `ws://HOST/channels/{id}`: events `{topicName, version, eventBody, metadata}` as the live
//!   conversations change (see [`live`]), a `channel.metadata` heartbeat, a pong to
//!   `{"message": "ping"}`, and `v2.system.socket_closing` before a maintenance close.
//!
//! The documented limits hold: 1,000 topics a channel, 20 channels an OAuth client (a 21st
//! replaces the one least recently used, those without a connection first), one WebSocket a
//! channel (a second one closes the first), channels live 24 hours from their last
//! subscription, and a channel ends with the token that created it.

mod live;
mod rest;
mod socket;
mod topics;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::data::{Dataset, Rng, hash};
pub(crate) use rest::routes;
pub use topics::DETAIL_KINDS;
use topics::Topic;

// ---------------------------------------------------------------------------------------------
// Configuration

/// Faults of the WebSockets, each this long after a socket connects (so again after every
/// reconnect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WsFaults {
    /// The connection is dropped without a close frame.
    pub cut: Option<Duration>,
    /// `v2.system.socket_closing` is sent, and the socket closed `closing_grace` later.
    pub maintenance: Option<Duration>,
    /// The socket goes silent (no heartbeat, event or pong) but stays open: a hung feed.
    pub silence: Option<Duration>,
}

impl WsFaults {
    /// Parses `cut=30,maintenance=60,silence=90` (seconds, fractions allowed; empty: none).
    pub fn parse(spec: &str) -> Result<WsFaults, String> {
        let mut f = WsFaults::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (k, v) = item.split_once('=').ok_or_else(|| {
                format!("bad --ws-faults item '{item}': expected KIND=SECS, e.g. cut=30")
            })?;
            let d = secs(v.trim()).map_err(|e| format!("bad --ws-faults '{item}': {e}"))?;
            let slot = match k.trim() {
                "cut" => &mut f.cut,
                "maintenance" => &mut f.maintenance,
                "silence" => &mut f.silence,
                other => {
                    return Err(format!(
                        "bad --ws-faults kind '{other}': use cut, maintenance or silence"
                    ));
                }
            };
            *slot = Some(d);
        }
        Ok(f)
    }
}

/// Seconds (fractions allowed, more than 0) as a duration.
fn secs(s: &str) -> Result<Duration, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    if !(v > 0.0 && v <= 10.0 * 365.0 * 86_400.0) {
        return Err(format!(
            "{s} seconds: must be more than 0 and at most 10 years"
        ));
    }
    Ok(Duration::from_secs_f64(v))
}

/// The Notifications API's settings (the real service's values by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyConfig {
    /// Between two `channel.metadata` heartbeats (30 s).
    pub heartbeat: Duration,
    /// A channel lives this long after it was created or last subscribed (24 hours).
    pub channel_ttl: Duration,
    /// From the `v2.system.socket_closing` warning to the close (about a minute).
    pub closing_grace: Duration,
    /// Channels an OAuth client may have (20).
    pub max_channels: usize,
    /// Topics a channel may subscribe to (1,000).
    pub max_topics: usize,
    pub faults: WsFaults,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            heartbeat: Duration::from_secs(30),
            channel_ttl: Duration::from_secs(86_400),
            closing_grace: Duration::from_secs(60),
            max_channels: 20,
            max_topics: 1000,
            faults: WsFaults::default(),
        }
    }
}

/// The flags of `convoscope sim` for the Notifications API.
#[derive(Debug, Clone, clap::Args)]
pub struct NotifyArgs {
    /// Notifications API: seconds between WebSocket heartbeats (the real service: 30).
    #[arg(long, default_value = "30", value_name = "SECS")]
    pub ws_heartbeat: String,
    /// Notifications API: a channel lives this many seconds after it was created or last
    /// subscribed (the real service: 24 hours).
    #[arg(long, default_value = "86400", value_name = "SECS")]
    pub channel_ttl: String,
    /// Notifications API: seconds from the v2.system.socket_closing warning to the close (the
    /// real service: about a minute).
    #[arg(long, default_value = "60", value_name = "SECS")]
    pub ws_closing_grace: String,
    /// WebSocket faults, each SECS after a socket connects: `cut=SECS` drops it without a close
    /// frame, `maintenance=SECS` sends v2.system.socket_closing and closes it after the grace,
    /// `silence=SECS` stops its heartbeats, events and pongs (it stays open).
    #[arg(long, default_value = "", value_name = "SPEC")]
    pub ws_faults: String,
    /// Print the messages the channel WebSocket would send for every topic of the --active
    /// conversations, from their start to 10 minutes after --until (NDJSON), and exit.
    #[arg(long)]
    pub dump_events: bool,
}

impl NotifyArgs {
    pub fn to_config(&self) -> Result<NotifyConfig, String> {
        let flag = |name: &str, v: &str| secs(v.trim()).map_err(|e| format!("bad --{name}: {e}"));
        Ok(NotifyConfig {
            heartbeat: flag("ws-heartbeat", &self.ws_heartbeat)?,
            channel_ttl: flag("channel-ttl", &self.channel_ttl)?,
            closing_grace: flag("ws-closing-grace", &self.ws_closing_grace)?,
            faults: WsFaults::parse(&self.ws_faults)?,
            ..NotifyConfig::default()
        })
    }
}

/// Writes, one a line, the messages that subscribing to every topic of every live conversation
/// would bring, from each one's start to 10 minutes after `until` (`convoscope sim
/// --dump-events`): every kind of event body, for checking shapes against the SDK.
pub fn dump_events(cfg: &super::SimConfig, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let ds = Dataset::new(cfg);
    let stop = cfg.until.timestamp_millis() + 600_000;
    for i in (0..ds.len()).filter(|&i| ds.is_active(i)) {
        let id = ds.conversation_id(i);
        let mut t = live::Tracker::from_start(&ds, i);
        while t.next().is_some_and(|n| n <= stop) {
            let Some(ch) = t.advance(&ds, true) else {
                break;
            };
            let mut lines: Vec<(String, serde_json::Value)> = ch
                .detail
                .into_iter()
                .map(|(kind, body)| (format!("v2.detail.events.conversation.{id}.{kind}"), body))
                .collect();
            if let Some(body) = ch.queue {
                for q in &ch.queues {
                    lines.push((format!("v2.routing.queues.{q}.conversations"), body.clone()));
                }
            }
            for (topic, body) in lines {
                let m = serde_json::json!({
                    "topicName": topic,
                    "version": "2",
                    "eventBody": body,
                    "metadata": {"CorrelationId": super::data::uuid(hash(&[ch.time as u64, 1]), hash(&[ch.time as u64, 2]))},
                });
                writeln!(out, "{m}")?;
            }
        }
    }
    out.flush()
}

/// One line for `convoscope sim`'s start-up summary.
pub(crate) fn describe(cfg: &NotifyConfig) -> String {
    let f = cfg.faults;
    let faults: Vec<String> = [
        ("cut", f.cut),
        ("maintenance", f.maintenance),
        ("silence", f.silence),
    ]
    .into_iter()
    .filter_map(|(k, d)| d.map(|d| format!("{k}={}", d.as_secs_f64())))
    .collect();
    format!(
        "notifications: WebSocket heartbeat {} s; channels live {} s; maintenance grace {} s; WebSocket faults {}",
        cfg.heartbeat.as_secs_f64(),
        cfg.channel_ttl.as_secs_f64(),
        cfg.closing_grace.as_secs_f64(),
        if faults.is_empty() {
            "none".to_string()
        } else {
            faults.join(",")
        }
    )
}

// ---------------------------------------------------------------------------------------------
// State

/// What the hub asks of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmd {
    /// Its topics or expiry changed: read them again.
    Reload,
    /// Close it with a close frame (1001) giving this reason.
    Close(&'static str),
    /// Drop it without a close frame.
    Cut,
    /// Warn (`v2.system.socket_closing`) and close it after the grace.
    Maintenance,
    /// Go silent.
    Silence,
}

struct Conn {
    id: u64,
    tx: mpsc::UnboundedSender<Cmd>,
}

struct Channel {
    client: String,
    /// A hash of the token that created it (for `includechannels=token`).
    token_key: u64,
    token_expires: Instant,
    created: Instant,
    last_used: Instant,
    expires_at: Instant,
    expires: DateTime<Utc>,
    /// Subscribed topics, in the order they were added.
    topics: Vec<(String, Topic)>,
    conn: Option<Conn>,
    connect_uri: String,
}

impl Channel {
    fn valid(&self, now: Instant) -> bool {
        self.expires_at > now && self.token_expires > now
    }
}

/// Who called: the OAuth client, its token (hashed) and when the token expires.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub client: String,
    pub token_key: u64,
    pub token_expires: Instant,
}

/// What a socket needs to know of its channel.
pub(crate) struct SocketView {
    pub topics: Vec<(String, Topic)>,
    pub expires_at: Instant,
    pub token_expires: Instant,
    pub client: String,
}

#[derive(Default)]
struct Counters {
    channels_created: AtomicU64,
    channels_removed: AtomicU64,
    sockets_opened: AtomicU64,
    events: AtomicU64,
    heartbeats: AtomicU64,
    pongs: AtomicU64,
    max_lateness_ms: AtomicU64,
}

/// What the Notifications API did since the simulator started (for tests and figures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NotifyStats {
    pub channels_created: u64,
    /// Channels removed to make room for a 21st.
    pub channels_removed: u64,
    pub sockets_opened: u64,
    /// Sockets connected now.
    pub sockets_open: u64,
    /// Topic events sent (heartbeats, pongs and warnings not counted).
    pub events: u64,
    pub heartbeats: u64,
    pub pongs: u64,
    /// The longest an event was sent after its `eventTime`, milliseconds.
    pub max_lateness_ms: u64,
}

/// One channel, as [`Notifications::channels`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    pub id: String,
    pub connect_uri: String,
    pub connected: bool,
    pub topics: Vec<String>,
    pub expires: DateTime<Utc>,
}

/// The Notifications API's state: channels, their topics and their sockets.
pub(crate) struct Hub {
    cfg: NotifyConfig,
    ds: Arc<Dataset>,
    /// The listener, for `connectUri` when a request has no usable `Host`.
    addr: SocketAddr,
    forbid_channels: bool,
    forbid_topics: bool,
    channels: Mutex<HashMap<String, Channel>>,
    next_conn: AtomicU64,
    rng: Mutex<Rng>,
    shutdown: CancellationToken,
    counters: Counters,
}

impl Hub {
    pub(crate) fn new(cfg: &super::SimConfig, ds: Arc<Dataset>, addr: SocketAddr) -> Hub {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(11);
        Hub {
            cfg: cfg.notify.clone(),
            ds,
            addr,
            forbid_channels: cfg.forbid.notifications,
            forbid_topics: cfg.forbid.topics,
            channels: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            rng: Mutex::new(Rng::new(hash(&[seed, 0x5EB5]))),
            shutdown: CancellationToken::new(),
            counters: Counters::default(),
        }
    }

    fn random(&self) -> u64 {
        self.rng.lock().unwrap().next_u64()
    }

    /// A correlation id for a message.
    pub(crate) fn correlation_id(&self) -> String {
        super::data::uuid(self.random(), self.random())
    }

    /// `streaming-0-` and 26 lower-case letters and digits, like the real ids.
    fn channel_id(&self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut r = Rng::new(self.random());
        let tail: String = (0..26)
            .map(|_| ALPHABET[r.below(ALPHABET.len())] as char)
            .collect();
        format!("streaming-0-{tail}")
    }

    /// Drops the channels that expired or whose token did, closing their sockets.
    fn sweep(map: &mut HashMap<String, Channel>, now: Instant) {
        map.retain(|_, c| {
            let keep = c.valid(now);
            if !keep && let Some(conn) = &c.conn {
                let _ = conn.tx.send(Cmd::Close(if c.token_expires <= now {
                    "the access token of the channel expired"
                } else {
                    "the channel expired"
                }));
            }
            keep
        });
    }

    /// A new channel of the caller's OAuth client; past the limit, the one least recently
    /// used goes (those without a connection first).
    pub(crate) fn create(&self, caller: &Caller, host: Option<&str>) -> ChannelInfo {
        let now = Instant::now();
        let id = self.channel_id();
        let base = match host {
            Some(h)
                if !h.is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)) =>
            {
                h.to_string()
            }
            _ => self.addr.to_string(),
        };
        let expires = Utc::now()
            + chrono::Duration::from_std(self.cfg.channel_ttl).unwrap_or(chrono::Duration::days(1));
        let mut map = self.channels.lock().unwrap();
        Self::sweep(&mut map, now);
        let mut mine: Vec<(&String, &Channel)> = map
            .iter()
            .filter(|(_, c)| c.client == caller.client)
            .collect();
        let mut victims = Vec::new();
        if mine.len() >= self.cfg.max_channels {
            mine.sort_by_key(|(_, c)| (c.conn.is_some(), c.last_used, c.created));
            let excess = mine.len() + 1 - self.cfg.max_channels;
            victims = mine
                .into_iter()
                .take(excess)
                .map(|(k, _)| k.clone())
                .collect();
        }
        for v in victims {
            if let Some(c) = map.remove(&v) {
                self.counters.channels_removed.fetch_add(1, Relaxed);
                if let Some(conn) = c.conn {
                    let _ = conn.tx.send(Cmd::Close(
                        "the channel was removed: its OAuth client opened more channels than allowed",
                    ));
                }
            }
        }
        let channel = Channel {
            client: caller.client.clone(),
            token_key: caller.token_key,
            token_expires: caller.token_expires,
            created: now,
            last_used: now,
            expires_at: now + self.cfg.channel_ttl,
            expires,
            topics: Vec::new(),
            conn: None,
            connect_uri: format!("ws://{base}/channels/{id}"),
        };
        let info = ChannelInfo {
            id: id.clone(),
            connect_uri: channel.connect_uri.clone(),
            connected: false,
            topics: Vec::new(),
            expires,
        };
        map.insert(id.clone(), channel);
        self.counters.channels_created.fetch_add(1, Relaxed);
        info
    }

    /// The caller's channels, oldest first, as `(id, connectUri, expires)`: those of its token,
    /// and with `all` those of its OAuth client's other tokens too, which show only their
    /// expiry (as the API does).
    pub(crate) fn list(
        &self,
        caller: &Caller,
        all: bool,
    ) -> Vec<(Option<String>, Option<String>, DateTime<Utc>)> {
        let mut map = self.channels.lock().unwrap();
        Self::sweep(&mut map, Instant::now());
        let mut v: Vec<_> = map
            .iter()
            .filter(|(_, c)| c.client == caller.client && (all || c.token_key == caller.token_key))
            .map(|(id, c)| {
                let own = c.token_key == caller.token_key;
                (
                    c.created,
                    own.then(|| id.clone()),
                    own.then(|| c.connect_uri.clone()),
                    c.expires,
                )
            })
            .collect();
        v.sort_by_key(|e| e.0);
        v.into_iter().map(|(_, a, b, c)| (a, b, c)).collect()
    }

    /// Runs `f` on the caller's valid channel `id` (`None`: there is none).
    fn with_channel<T>(
        &self,
        caller: &Caller,
        id: &str,
        f: impl FnOnce(&mut Channel) -> T,
    ) -> Option<T> {
        let mut map = self.channels.lock().unwrap();
        Self::sweep(&mut map, Instant::now());
        map.get_mut(id).filter(|c| c.client == caller.client).map(f)
    }

    pub(crate) fn exists(&self, caller: &Caller, id: &str) -> bool {
        self.with_channel(caller, id, |_| ()).is_some()
    }

    pub(crate) fn topics(&self, caller: &Caller, id: &str) -> Option<Vec<String>> {
        self.with_channel(caller, id, |c| {
            c.topics.iter().map(|(n, _)| n.clone()).collect()
        })
    }

    /// Replaces (`replace`) or extends the channel's topics; renews its lifetime. `Err` holds
    /// the number of topics it would have had, over the limit.
    pub(crate) fn subscribe(
        &self,
        caller: &Caller,
        id: &str,
        add: Vec<(String, Topic)>,
        replace: bool,
    ) -> Option<Result<Vec<String>, usize>> {
        let ttl = self.cfg.channel_ttl;
        let max = self.cfg.max_topics;
        self.with_channel(caller, id, |c| {
            let mut topics = if replace {
                Vec::new()
            } else {
                c.topics.clone()
            };
            for (name, t) in add {
                if !topics.iter().any(|(n, _)| *n == name) {
                    topics.push((name, t));
                }
            }
            if topics.len() > max {
                return Err(topics.len());
            }
            c.topics = topics;
            let now = Instant::now();
            c.last_used = now;
            c.expires_at = now + ttl;
            c.expires =
                Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(1));
            if let Some(conn) = &c.conn {
                let _ = conn.tx.send(Cmd::Reload);
            }
            Ok(c.topics.iter().map(|(n, _)| n.clone()).collect())
        })
    }

    /// A new socket on channel `id` (any client: the channel id is the credential): closes
    /// the one it had. `None`: no such valid channel.
    pub(crate) fn attach(&self, id: &str) -> Option<(u64, mpsc::UnboundedReceiver<Cmd>)> {
        let mut map = self.channels.lock().unwrap();
        let now = Instant::now();
        Self::sweep(&mut map, now);
        let c = map.get_mut(id)?;
        let (tx, rx) = mpsc::unbounded_channel();
        let conn = self.next_conn.fetch_add(1, Relaxed);
        if let Some(old) = c.conn.replace(Conn { id: conn, tx }) {
            let _ = old
                .tx
                .send(Cmd::Close("another connection to this channel was opened"));
        }
        c.last_used = now;
        self.counters.sockets_opened.fetch_add(1, Relaxed);
        Some((conn, rx))
    }

    /// Socket `conn` of channel `id` ended.
    pub(crate) fn detach(&self, id: &str, conn: u64) {
        let mut map = self.channels.lock().unwrap();
        if let Some(c) = map.get_mut(id)
            && c.conn.as_ref().is_some_and(|k| k.id == conn)
        {
            c.conn = None;
            c.last_used = Instant::now();
        }
    }

    /// What socket `conn` of channel `id` follows (`None`: the channel is gone or has another
    /// socket).
    pub(crate) fn view(&self, id: &str, conn: u64) -> Option<SocketView> {
        let map = self.channels.lock().unwrap();
        let c = map.get(id)?;
        c.conn.as_ref().filter(|k| k.id == conn)?;
        Some(SocketView {
            topics: c.topics.clone(),
            expires_at: c.expires_at,
            token_expires: c.token_expires,
            client: c.client.clone(),
        })
    }

    /// Sends `cmd` to every socket; how many there were.
    fn broadcast(&self, cmd: Cmd) -> usize {
        let map = self.channels.lock().unwrap();
        map.values()
            .filter_map(|c| c.conn.as_ref())
            .filter(|k| k.tx.send(cmd).is_ok())
            .count()
    }

    /// Closes every socket (the simulator stops).
    pub(crate) fn shutdown(&self) {
        self.shutdown.cancel();
    }

    fn stats(&self) -> NotifyStats {
        let c = &self.counters;
        let open = self
            .channels
            .lock()
            .unwrap()
            .values()
            .filter(|c| c.conn.is_some())
            .count() as u64;
        NotifyStats {
            channels_created: c.channels_created.load(Relaxed),
            channels_removed: c.channels_removed.load(Relaxed),
            sockets_opened: c.sockets_opened.load(Relaxed),
            sockets_open: open,
            events: c.events.load(Relaxed),
            heartbeats: c.heartbeats.load(Relaxed),
            pongs: c.pongs.load(Relaxed),
            max_lateness_ms: c.max_lateness_ms.load(Relaxed),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The handle tests and `Sim` use

/// The simulator's Notifications API, to fault its sockets at will and read what it did.
#[derive(Clone)]
pub struct Notifications(pub(crate) Arc<Hub>);

impl std::fmt::Debug for Notifications {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifications")
            .field("stats", &self.stats())
            .finish()
    }
}

impl Notifications {
    /// Drops every WebSocket without a close frame; how many.
    pub fn cut_sockets(&self) -> usize {
        self.0.broadcast(Cmd::Cut)
    }

    /// Sends `v2.system.socket_closing` on every WebSocket, and closes each the configured
    /// grace later; how many.
    pub fn announce_maintenance(&self) -> usize {
        self.0.broadcast(Cmd::Maintenance)
    }

    /// Every WebSocket stops sending anything (heartbeats, events, pongs) and stays open.
    pub fn silence_sockets(&self) -> usize {
        self.0.broadcast(Cmd::Silence)
    }

    pub fn stats(&self) -> NotifyStats {
        self.0.stats()
    }

    /// The channels there are (of every client), oldest first.
    pub fn channels(&self) -> Vec<ChannelInfo> {
        let mut map = self.0.channels.lock().unwrap();
        Hub::sweep(&mut map, Instant::now());
        let mut v: Vec<_> = map
            .iter()
            .map(|(id, c)| {
                (
                    c.created,
                    ChannelInfo {
                        id: id.clone(),
                        connect_uri: c.connect_uri.clone(),
                        connected: c.conn.is_some(),
                        topics: c.topics.iter().map(|(n, _)| n.clone()).collect(),
                        expires: c.expires,
                    },
                )
            })
            .collect();
        v.sort_by_key(|e| e.0);
        v.into_iter().map(|e| e.1).collect()
    }
}
