//! The Notifications API's client: one channel per process, shared by everything that
//! subscribes (a watch, a live queue view), its WebSocket read in one background task.
//!
//! - A [`Subscription`] names topics; the task adds them to the channel (`PUT` of the whole set,
//!   one request a change) and removes them when the subscription is dropped. Its topics may
//!   change ([`Topics::set`], for a list whose rows come and go): the subscriber hears
//!   [`Status::Live`] once the channel has the new set. Beyond the channel's 1,000 topics a
//!   subscription (or its growth) is refused, never a second channel.
//! - The socket is kept honest: a heartbeat (or anything) at least every `stale_after`, our own
//!   ping when it has been quiet; a close, a `v2.system.socket_closing` warning, an expired
//!   channel or token, or silence make it reconnect (a new channel when the old one is gone)
//!   with a bounded backoff, and every subscriber hears of the gap so it can catch up.
//! - When the API refuses channels or topics (403, limits) or the socket cannot connect, the
//!   subscribers hear why ([`Status::Refused`]) and the task tries again later.
//! - [`Notifier::close`] removes the topics and closes the socket, within a bounded wait.

pub mod events;
pub mod live_queue;
pub mod record;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::client::CallOpts;
use super::{Client, Error};
pub use events::{DetailEvent, DetailKind, Message};

/// Topics a channel may have (the API's limit).
pub const MAX_TOPICS: usize = 1000;
/// The longest text frame read (events are a few kB; a queue's conversation a few tens).
const MAX_FRAME: usize = 4 << 20;
/// Queued messages per subscriber before it is told it missed some.
const QUEUE: usize = 1024;

/// How the task keeps the socket honest (the real service's values by default).
#[derive(Debug, Clone, Copy)]
pub struct NotifierConfig {
    /// No message for this long: the feed is stale, and the socket is replaced.
    pub stale_after: Duration,
    /// Quiet for this long: send our own ping.
    pub ping_after: Duration,
    /// The first wait before reconnecting; it doubles up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// After a refusal (403, a limit, no WebSocket), the wait before trying push again.
    pub retry_refused: Duration,
    /// The WebSocket handshake.
    pub connect_timeout: Duration,
}

impl Default for NotifierConfig {
    fn default() -> Self {
        NotifierConfig {
            stale_after: Duration::from_secs(60),
            ping_after: Duration::from_secs(25),
            min_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            retry_refused: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// How a subscription's feed stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Subscribed, the socket open: events flow.
    Live,
    /// Live again after a gap (a reconnect, messages dropped): what happened meanwhile was not
    /// seen, read it once to catch up. Says what the gap was.
    Resumed(String),
    /// A heartbeat (or any message) came at this time.
    Alive(DateTime<Utc>),
    /// The socket is down or silent since this time; reconnecting.
    Down { why: String, since: DateTime<Utc> },
    /// Push is refused (403, a limit, the WebSocket cannot connect): poll; push is tried
    /// again later.
    Refused(String),
}

/// What a subscriber receives.
#[derive(Debug, Clone, PartialEq)]
pub enum Feed {
    Status(Status),
    /// An event of one of its topics.
    Event {
        topic: String,
        message: Message,
    },
}

enum Cmd {
    Subscribe {
        id: u64,
        topics: Vec<String>,
        tx: mpsc::Sender<Feed>,
        /// The subscription this one takes the place of (gone in the same `PUT`).
        replaces: Option<u64>,
    },
    Unsubscribe(u64),
    /// The subscription's topics are now these.
    Retopic {
        id: u64,
        topics: Vec<String>,
    },
    Close(oneshot::Sender<()>),
}

/// The process's channel. Cheap to clone; the task ends when every handle is gone or on
/// [`Notifier::close`].
#[derive(Clone)]
pub struct Notifier {
    cmd: mpsc::UnboundedSender<Cmd>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

/// Topics followed until dropped.
pub struct Subscription {
    pub rx: mpsc::Receiver<Feed>,
    id: u64,
    cmd: mpsc::UnboundedSender<Cmd>,
}

impl Subscription {
    /// Its id, for [`Notifier::replace`].
    pub fn id(&self) -> u64 {
        self.id
    }

    /// A handle that changes this subscription's topics (it does not keep it alive).
    pub fn topics(&self) -> Topics {
        Topics {
            id: self.id,
            cmd: self.cmd.clone(),
        }
    }
}

/// Changes a subscription's topics while it lives.
#[derive(Clone)]
pub struct Topics {
    id: u64,
    cmd: mpsc::UnboundedSender<Cmd>,
}

impl Topics {
    /// The subscription follows `topics` from now on (one `PUT` of the channel's set when it
    /// changes it); [`Status::Live`] says when the channel has them, [`Status::Refused`] that
    /// they do not fit (the subscription then has none until push is tried again).
    pub fn set(&self, topics: Vec<String>) {
        let _ = self.cmd.send(Cmd::Retopic {
            id: self.id,
            topics,
        });
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let _ = self.cmd.send(Cmd::Unsubscribe(self.id));
    }
}

impl Notifier {
    /// Starts the task (no request until something subscribes).
    pub fn start(client: Arc<Client>, cfg: NotifierConfig) -> Notifier {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(Hub::new(client, cfg).run(rx));
        Notifier {
            cmd: tx,
            next: Arc::default(),
        }
    }

    /// Follows `topics` until the subscription is dropped.
    pub fn subscribe(&self, topics: Vec<String>) -> Subscription {
        self.replace(None, topics)
    }

    /// Follows `topics` in the place of subscription `old` (by its [`Subscription::id`]), which
    /// ends now: one change of the channel's topics (one `PUT`), not two.
    pub fn replace(&self, old: Option<u64>, topics: Vec<String>) -> Subscription {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(QUEUE);
        let _ = self.cmd.send(Cmd::Subscribe {
            id,
            topics,
            tx,
            replaces: old,
        });
        Subscription {
            rx,
            id,
            cmd: self.cmd.clone(),
        }
    }

    /// Removes the channel's topics and closes its socket (at most a few seconds).
    pub async fn close(&self) {
        let (tx, rx) = oneshot::channel();
        if self.cmd.send(Cmd::Close(tx)).is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(5), rx).await;
        }
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubState {
    /// Its topics are not on the channel yet.
    Pending,
    /// On the channel, told it is live.
    Active,
    /// Refused; tried again at the hub's `retry_at`.
    Refused,
}

struct Sub {
    topics: Vec<String>,
    tx: mpsc::Sender<Feed>,
    state: SubState,
    /// It had a gap (a reconnect, or its queue was full): tell it `Resumed` when live.
    gap: Option<String>,
    /// Its topics changed: tell it `Live` once the channel has them.
    confirm: bool,
}

struct Hub {
    client: Arc<Client>,
    cfg: NotifierConfig,
    subs: HashMap<u64, Sub>,
    channel: Option<(String, String)>,
    ws: Option<Ws>,
    /// The topics the channel has now.
    on_channel: BTreeSet<String>,
    /// Topics changed since the last `PUT`.
    dirty: bool,
    backoff: Duration,
    /// When to try again after a failure or a refusal.
    retry_at: Option<Instant>,
    last_seen: Instant,
    last_seen_at: DateTime<Utc>,
    pinged: bool,
    /// Why push was last refused, until it works again: said to a newcomer refused at once.
    refused: Option<String>,
}

/// Waits for the socket's next frame; never when there is none.
async fn next_frame(ws: &mut Option<Ws>) -> Option<Result<WsMessage, String>> {
    match ws {
        Some(ws) => ws.next().await.map(|r| r.map_err(|e| e.to_string())),
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Why a close frame says the channel itself is gone (a new one is needed).
fn channel_gone(reason: &str) -> bool {
    let r = reason.to_ascii_lowercase();
    r.contains("expired") || r.contains("removed") || r.contains("not found")
}

impl Hub {
    fn new(client: Arc<Client>, cfg: NotifierConfig) -> Hub {
        Hub {
            client,
            cfg,
            subs: HashMap::new(),
            channel: None,
            ws: None,
            on_channel: BTreeSet::new(),
            dirty: false,
            backoff: cfg.min_backoff,
            retry_at: None,
            last_seen: Instant::now(),
            last_seen_at: Utc::now(),
            pinged: false,
            refused: None,
        }
    }

    fn wanted(&self) -> BTreeSet<String> {
        self.subs
            .values()
            .filter(|s| s.state != SubState::Refused)
            .flat_map(|s| s.topics.iter().cloned())
            .collect()
    }

    fn send(sub: &mut Sub, f: Feed) {
        if let Some(why) = sub.gap.clone()
            && sub.state == SubState::Active
            && !matches!(f, Feed::Status(_))
        {
            // Tell it of the gap before anything else it receives.
            if sub.tx.try_send(Feed::Status(Status::Resumed(why))).is_err() {
                return;
            }
            sub.gap = None;
        }
        if let Err(mpsc::error::TrySendError::Full(_)) = sub.tx.try_send(f) {
            sub.gap = Some("events came faster than the screen read them".into());
        }
    }

    fn tell_all(&mut self, status: Status, only: impl Fn(&Sub) -> bool) {
        for s in self.subs.values_mut().filter(|s| only(s)) {
            Self::send(s, Feed::Status(status.clone()));
        }
    }

    /// Refuses the subscribers not yet on the channel (or all, when push is down altogether),
    /// and schedules another try.
    fn refuse(&mut self, why: String, all: bool) {
        tracing::info!(%why, "push refused; polling");
        self.refused = Some(why.clone());
        for s in self.subs.values_mut() {
            if all || Self::refusable(s) {
                if s.state == SubState::Active {
                    s.gap = Some(why.clone());
                }
                s.confirm = false;
                s.state = SubState::Refused;
                let _ = s.tx.try_send(Feed::Status(Status::Refused(why.clone())));
            }
        }
        self.retry_at = Some(Instant::now() + self.cfg.retry_refused);
    }

    /// The socket went down: every active subscriber hears it; reconnect after the backoff.
    fn lost(&mut self, why: String, channel_too: bool) {
        tracing::info!(%why, "notification socket lost");
        self.ws = None;
        if channel_too {
            self.channel = None;
            self.on_channel.clear();
            self.dirty = true;
        }
        let since = self.last_seen_at;
        for s in self.subs.values_mut() {
            if s.state == SubState::Active {
                s.gap = Some(why.clone());
                s.state = SubState::Pending;
                let _ = s.tx.try_send(Feed::Status(Status::Down {
                    why: why.clone(),
                    since,
                }));
            }
        }
        self.retry_at = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(self.cfg.max_backoff);
    }

    fn seen(&mut self) {
        self.last_seen = Instant::now();
        self.last_seen_at = Utc::now();
        self.pinged = false;
    }

    /// Brings the channel, the socket and the topics to what the subscribers want; `Err`
    /// says why push cannot be had now (the caller refuses or retries).
    async fn converge(&mut self) -> Result<(), (String, bool)> {
        let opts = CallOpts::default();
        if self.channel.is_none() {
            let ch = self.client.create_channel(opts).await.map_err(|e| {
                let refused = matches!(e, Error::Permission { .. } | Error::BadRequest { .. });
                (format!("no notification channel: {}", e.summary()), refused)
            })?;
            self.channel = Some((ch.id, ch.connect_uri));
            self.on_channel.clear();
            self.dirty = true;
        }
        let (id, uri) = self.channel.clone().unwrap_or_default();
        if self.ws.is_none() {
            let config = WebSocketConfig::default()
                .max_message_size(Some(MAX_FRAME))
                .max_frame_size(Some(MAX_FRAME));
            let connect =
                tokio_tungstenite::connect_async_with_config(uri.as_str(), Some(config), true);
            match tokio::time::timeout(self.cfg.connect_timeout, connect).await {
                Ok(Ok((ws, _))) => {
                    self.ws = Some(ws);
                    self.seen();
                }
                Ok(Err(e)) => {
                    // A channel that is gone answers its WebSocket with a 404: make another.
                    if let tokio_tungstenite::tungstenite::Error::Http(r) = &e
                        && r.status().as_u16() == 404
                    {
                        self.channel = None;
                        return Err(("the channel is gone".into(), false));
                    }
                    return Err((format!("the WebSocket cannot connect: {e}"), true));
                }
                Err(_) => {
                    return Err((
                        format!(
                            "the WebSocket cannot connect: no answer in {} s",
                            self.cfg.connect_timeout.as_secs()
                        ),
                        true,
                    ));
                }
            }
        }
        let wanted = self.wanted();
        if wanted.len() > MAX_TOPICS {
            // Refuse the newest pending (or grown) subscribers until the rest fit.
            let mut pending: Vec<u64> = self
                .subs
                .iter()
                .filter(|(_, s)| Self::refusable(s))
                .map(|(k, _)| *k)
                .collect();
            pending.sort_unstable_by(|a, b| b.cmp(a));
            for k in pending {
                if self.wanted().len() <= MAX_TOPICS {
                    break;
                }
                if let Some(s) = self.subs.get_mut(&k) {
                    if s.state == SubState::Active {
                        // Its old topics leave the channel with it: what they would have
                        // said meanwhile is a gap.
                        s.gap = Some(format!("a channel has at most {MAX_TOPICS} topics"));
                    }
                    s.confirm = false;
                    s.state = SubState::Refused;
                    let _ = s.tx.try_send(Feed::Status(Status::Refused(format!(
                        "a channel has at most {MAX_TOPICS} topics"
                    ))));
                }
            }
            self.retry_at = Some(Instant::now() + self.cfg.retry_refused);
        }
        let wanted = self.wanted();
        if self.dirty || wanted != self.on_channel {
            let list: Vec<String> = wanted.iter().cloned().collect();
            let r = if list.is_empty() {
                self.client.clear_subscriptions(&id, opts).await.map(|_| ())
            } else {
                self.client
                    .set_subscriptions(&id, &list, opts)
                    .await
                    .and_then(|topics| {
                        let rejected: Vec<String> = topics
                            .iter()
                            .filter(|t| t.state.as_deref().is_some_and(|s| s != "Permitted"))
                            .map(|t| t.id.clone())
                            .collect();
                        if rejected.is_empty() {
                            Ok(())
                        } else {
                            Err(Error::Permission {
                                permission: None,
                                message: format!("topics rejected: {}", rejected.join(", ")),
                                context_id: None,
                            })
                        }
                    })
            };
            match r {
                Ok(()) => {
                    self.on_channel = wanted;
                    self.dirty = false;
                }
                Err(Error::NotFound { .. }) => {
                    self.channel = None;
                    self.ws = None;
                    return Err(("the channel is gone".into(), false));
                }
                Err(e) => {
                    let refused = matches!(e, Error::Permission { .. } | Error::BadRequest { .. });
                    let why = format!("topics refused: {}", e.summary());
                    if refused {
                        // Only the newcomers are refused: the channel keeps what it had.
                        self.refuse(why, false);
                        return Ok(());
                    }
                    return Err((why, false));
                }
            }
        }
        for s in self.subs.values_mut() {
            if s.state == SubState::Pending {
                s.state = SubState::Active;
                s.confirm = false;
                let status = match s.gap.take() {
                    Some(why) => Status::Resumed(why),
                    None => Status::Live,
                };
                if s.tx.try_send(Feed::Status(status)).is_err() {
                    s.gap = Some("events came faster than the screen read them".into());
                }
            } else if s.state == SubState::Active && s.confirm {
                // The channel has its new topics.
                s.confirm = false;
                if s.tx.try_send(Feed::Status(Status::Live)).is_err() {
                    s.gap = Some("events came faster than the screen read them".into());
                }
            }
        }
        self.backoff = self.cfg.min_backoff;
        self.refused = None;
        Ok(())
    }

    fn needs_work(&self) -> bool {
        self.subs
            .values()
            .any(|s| s.state == SubState::Pending || (s.confirm && s.state == SubState::Active))
            || self.wanted() != self.on_channel
    }

    /// Whether a subscriber may be refused when the topics do not fit: those not on the
    /// channel yet, and those whose topics just changed.
    fn refusable(s: &Sub) -> bool {
        s.state == SubState::Pending || (s.confirm && s.state == SubState::Active)
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Cmd>) {
        loop {
            if self.needs_work() && self.retry_at.is_none_or(|t| t <= Instant::now()) {
                self.retry_at = None;
                if let Err((why, refused)) = self.converge().await {
                    if refused {
                        self.ws = None;
                        self.refuse(why, true);
                    } else {
                        self.lost(why, false);
                    }
                }
            }
            let stale_at = self
                .ws
                .as_ref()
                .map(|_| self.last_seen + self.cfg.stale_after);
            let ping_at = self
                .ws
                .as_ref()
                .filter(|_| !self.pinged)
                .map(|_| self.last_seen + self.cfg.ping_after);
            tokio::select! {
                cmd = rx.recv() => {
                    let Some(cmd) = cmd else { break };
                    if self.command(cmd).await {
                        return;
                    }
                    // Everything already queued goes in the same change of the channel's
                    // topics (a watch moving on, F's rows): one `PUT`.
                    while let Ok(cmd) = rx.try_recv() {
                        if self.command(cmd).await {
                            return;
                        }
                    }
                }
                frame = next_frame(&mut self.ws) => self.frame(frame).await,
                _ = sleep_until(ping_at) => {
                    self.pinged = true;
                    if let Some(ws) = self.ws.as_mut() {
                        let ping = WsMessage::Text(r#"{"message":"ping"}"#.into());
                        let _ = tokio::time::timeout(Duration::from_secs(5), ws.send(ping)).await;
                    }
                }
                _ = sleep_until(stale_at) => {
                    let secs = self.cfg.stale_after.as_secs();
                    self.lost(format!("no heartbeat for {secs} s"), false);
                }
                _ = sleep_until(self.retry_at) => {
                    self.retry_at = None;
                    for s in self.subs.values_mut() {
                        if s.state == SubState::Refused {
                            s.state = SubState::Pending;
                        }
                    }
                }
            }
        }
        self.shut().await;
    }

    /// Takes one command; `true` once closed (the task ends).
    async fn command(&mut self, cmd: Cmd) -> bool {
        match cmd {
            Cmd::Subscribe {
                id,
                topics,
                tx,
                replaces,
            } => {
                if let Some(old) = replaces {
                    self.subs.remove(&old);
                }
                let state = if self.retry_at.is_some() && self.channel.is_none() {
                    // Push is refused for now: say so at once.
                    let why = self
                        .refused
                        .clone()
                        .unwrap_or_else(|| "push is unavailable for now".into());
                    let _ = tx.try_send(Feed::Status(Status::Refused(why)));
                    SubState::Refused
                } else {
                    SubState::Pending
                };
                self.subs.insert(
                    id,
                    Sub {
                        topics,
                        tx,
                        state,
                        gap: None,
                        confirm: false,
                    },
                );
            }
            Cmd::Unsubscribe(id) => {
                self.subs.remove(&id);
            }
            Cmd::Retopic { id, topics } => {
                if let Some(s) = self.subs.get_mut(&id) {
                    s.topics = topics;
                    // A refused one hears again when push is tried again.
                    s.confirm = s.state == SubState::Active;
                }
            }
            Cmd::Close(done) => {
                self.shut().await;
                let _ = done.send(());
                return true;
            }
        }
        false
    }

    async fn frame(&mut self, frame: Option<Result<WsMessage, String>>) {
        let text = match frame {
            None => return self.lost("the WebSocket ended".into(), false),
            Some(Err(e)) => return self.lost(format!("the WebSocket failed: {e}"), false),
            Some(Ok(WsMessage::Close(f))) => {
                let reason = f.map(|f| f.reason.as_str().to_string()).unwrap_or_default();
                let gone = channel_gone(&reason);
                let why = if reason.is_empty() {
                    "the WebSocket was closed".to_string()
                } else {
                    format!("the WebSocket was closed: {reason}")
                };
                return self.lost(why, gone);
            }
            Some(Ok(WsMessage::Text(t))) => t,
            Some(Ok(_)) => {
                self.seen();
                return;
            }
        };
        self.seen();
        let (topic, message) = events::parse(text.as_str());
        match message {
            Message::Heartbeat | Message::Pong => {
                let at = self.last_seen_at;
                self.tell_all(Status::Alive(at), |s| s.state == SubState::Active);
            }
            Message::SocketClosing => {
                // The channel survives: open a new socket to it now (the old one is closed
                // by the second connection), and catch up.
                if let Some(mut ws) = self.ws.take() {
                    let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
                }
                self.lost("the service announced maintenance".into(), false);
                self.retry_at = Some(Instant::now());
            }
            Message::Other => {}
            message => {
                let f = Feed::Event { topic, message };
                for s in self.subs.values_mut() {
                    if s.state == SubState::Active
                        && s.topics.iter().any(|t| Some(t.as_str()) == topic_of(&f))
                    {
                        Self::send(s, f.clone());
                    }
                }
            }
        }
    }

    /// Removes the topics and closes the socket, each within a bounded wait.
    async fn shut(&mut self) {
        if let Some((id, _)) = self.channel.take()
            && !self.on_channel.is_empty()
        {
            let _ = tokio::time::timeout(
                Duration::from_secs(3),
                self.client.clear_subscriptions(&id, CallOpts::default()),
            )
            .await;
        }
        if let Some(mut ws) = self.ws.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
        }
        self.subs.clear();
    }
}

fn topic_of(f: &Feed) -> Option<&str> {
    match f {
        Feed::Event { topic, .. } => Some(topic),
        Feed::Status(_) => None,
    }
}
