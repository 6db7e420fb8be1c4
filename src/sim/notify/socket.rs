//! One channel's WebSocket: events when they happen, heartbeats, pongs, warnings and faults.
//!
//! The task owns the connection and waits for whichever comes first: a message from the
//! client, a command from the hub, the next instant a followed conversation changes, the next
//! heartbeat, or a deadline (the channel or its token expires, a configured fault). Every send
//! is bounded: a client that stops reading is dropped.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::super::data::Dataset;
use super::live::Tracker;
use super::topics::{DETAIL_KINDS, Topic};
use super::{Cmd, Hub};

/// The longest one send may take before the client counts as gone.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// The most changes published in one go (a bound on catching up; never reached in practice).
const MAX_CHANGES_AT_ONCE: usize = 100_000;
/// Close code "going away" (RFC 6455).
const GOING_AWAY: u16 = 1001;

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// One event ready to send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Published {
    pub topic: String,
    pub time: i64,
    pub body: Value,
}

/// What a socket follows: a tracker per conversation, and which topics want what of it.
#[derive(Default)]
pub(crate) struct Follow {
    trackers: BTreeMap<usize, Tracker>,
    /// Per conversation: (kind, topic name) of its detail topics.
    detail: HashMap<usize, Vec<(&'static str, String)>>,
    /// (queue id, topic name).
    queues: Vec<(String, String)>,
}

impl Follow {
    /// Follows `topics` from `now` on (trackers of conversations still followed are kept).
    pub fn set(&mut self, ds: &Dataset, topics: &[(String, Topic)], now: i64) {
        self.detail.clear();
        self.queues.clear();
        for (name, t) in topics {
            match t {
                Topic::Detail { conv, kind } => self
                    .detail
                    .entry(*conv)
                    .or_default()
                    .push((DETAIL_KINDS[*kind], name.clone())),
                Topic::Queue { queue_id } => self.queues.push((queue_id.clone(), name.clone())),
            }
        }
        // Queue topics follow every live conversation: any may reach the queue.
        let mut wanted: Vec<usize> = self.detail.keys().copied().collect();
        if !self.queues.is_empty() {
            wanted.extend((ds.first_active()..ds.len()).filter(|&i| ds.is_active(i)));
        }
        wanted.retain(|&i| ds.is_active(i));
        self.trackers.retain(|i, _| wanted.contains(i));
        for i in wanted {
            self.trackers
                .entry(i)
                .or_insert_with(|| Tracker::new(ds, i, now));
        }
        if !self.queues.is_empty() {
            for t in self.trackers.values_mut() {
                t.watch_queue(ds);
            }
        }
    }

    /// The next instant something followed changes.
    pub fn next(&self) -> Option<i64> {
        self.trackers.values().filter_map(Tracker::next).min()
    }

    /// Everything that happened up to `now`, in the order it happened.
    pub fn due(&mut self, ds: &Dataset, now: i64) -> Vec<Published> {
        let mut out = Vec::new();
        let queue = !self.queues.is_empty();
        for _ in 0..MAX_CHANGES_AT_ONCE {
            let Some((&i, _)) = self
                .trackers
                .iter()
                .filter(|(_, t)| t.next().is_some_and(|n| n <= now))
                .min_by_key(|(_, t)| t.next())
            else {
                break;
            };
            let Some(ch) = self.trackers.get_mut(&i).and_then(|t| t.advance(ds, queue)) else {
                continue;
            };
            if let Some(subs) = self.detail.get(&i) {
                for (kind, body) in &ch.detail {
                    for (k, name) in subs {
                        if k == kind {
                            out.push(Published {
                                topic: name.clone(),
                                time: ch.time,
                                body: body.clone(),
                            });
                        }
                    }
                }
            }
            if let Some(body) = &ch.queue {
                for (q, name) in &self.queues {
                    if ch.queues.contains(q) {
                        out.push(Published {
                            topic: name.clone(),
                            time: ch.time,
                            body: body.clone(),
                        });
                    }
                }
            }
        }
        out
    }
}

/// How a socket ends.
enum End {
    /// A close frame with this reason.
    Close(&'static str),
    /// Dropped without one.
    Cut,
    /// The client went away (or stopped reading).
    Gone,
}

fn text(v: &Value) -> Message {
    Message::Text(v.to_string().into())
}

/// A `channel.metadata` message: the heartbeat, a pong.
fn metadata(message: &str) -> Message {
    text(&json!({"topicName": "channel.metadata", "eventBody": {"message": message}}))
}

/// The whole life of socket `conn` on channel `id`.
pub(crate) async fn serve(
    hub: Arc<Hub>,
    id: String,
    conn: u64,
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
    ws: WebSocket,
) {
    let (mut tx, mut rx) = ws.split();
    let cfg = hub.cfg.clone();
    let opened = Instant::now();
    let mut follow = Follow::default();
    let Some(mut view) = hub.view(&id, conn) else {
        let _ = tokio::time::timeout(SEND_TIMEOUT, tx.close()).await;
        return;
    };
    follow.set(&hub.ds, &view.topics, now_ms());
    let mut heartbeat_at = opened + cfg.heartbeat;
    let at = |d: Option<Duration>| d.map(|d| opened + d);
    let (cut_at, mut maintenance_at, mut silence_at) = (
        at(cfg.faults.cut),
        at(cfg.faults.maintenance),
        at(cfg.faults.silence),
    );
    let mut closing_at: Option<Instant> = None;
    let mut silent = false;

    let warning = |hub: &Hub, client: &str| {
        json!({
            "topicName": "v2.system.socket_closing",
            "version": "2",
            "eventBody": {
                "channelId": id,
                "oauthClientId": client,
                "message": format!(
                    "The WebSocket will close for maintenance in {} seconds: connect again.",
                    cfg.closing_grace.as_secs()
                ),
            },
            "metadata": {"CorrelationId": hub.correlation_id()},
        })
    };

    let end = loop {
        let next_event = (!silent)
            .then(|| follow.next())
            .flatten()
            .map(|t| Instant::now() + Duration::from_millis((t - now_ms()).max(0) as u64));
        let deadline = [
            (!silent).then_some(heartbeat_at),
            next_event,
            cut_at,
            maintenance_at,
            silence_at,
            closing_at,
            Some(view.expires_at),
            Some(view.token_expires),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(opened + Duration::from_secs(86_400));

        tokio::select! {
            biased;
            _ = hub.shutdown.cancelled() => break End::Close("the service is shutting down"),
            cmd = cmds.recv() => match cmd {
                None => break End::Gone,
                Some(Cmd::Close(why)) => break End::Close(why),
                Some(Cmd::Cut) => break End::Cut,
                Some(Cmd::Silence) => silent = true,
                Some(Cmd::Maintenance) => {
                    if closing_at.is_none()
                        && !silent
                        && !send(&mut tx, [text(&warning(&hub, &view.client))]).await
                    {
                        break End::Gone;
                    }
                    closing_at.get_or_insert(Instant::now() + cfg.closing_grace);
                }
                Some(Cmd::Reload) => {
                    let Some(v) = hub.view(&id, conn) else {
                        break End::Close("the channel was removed");
                    };
                    // Publish what is due under the old topics before following the new ones.
                    let due = follow.due(&hub.ds, now_ms());
                    if !send(&mut tx, events(&hub, &due)).await {
                        break End::Gone;
                    }
                    follow.set(&hub.ds, &v.topics, now_ms());
                    view = v;
                }
            },
            msg = rx.next() => match msg {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break End::Gone,
                Some(Ok(Message::Text(t))) => {
                    let ping = serde_json::from_str::<Value>(t.as_str())
                        .is_ok_and(|v| v.get("message").and_then(Value::as_str) == Some("ping"));
                    if ping && !silent {
                        if !send(&mut tx, [metadata("pong")]).await {
                            break End::Gone;
                        }
                        hub.counters.pongs.fetch_add(1, Relaxed);
                    }
                }
                // Protocol pings are answered by the WebSocket layer.
                Some(Ok(_)) => {}
            },
            _ = tokio::time::sleep_until(deadline.into()) => {
                let now = Instant::now();
                if view.token_expires <= now {
                    break End::Close("the access token of the channel expired");
                }
                if view.expires_at <= now {
                    break End::Close("the channel expired");
                }
                if cut_at.is_some_and(|t| t <= now) {
                    break End::Cut;
                }
                if closing_at.is_some_and(|t| t <= now) {
                    break End::Close("closed for maintenance");
                }
                if maintenance_at.is_some_and(|t| t <= now) {
                    maintenance_at = None;
                    if !silent && !send(&mut tx, [text(&warning(&hub, &view.client))]).await {
                        break End::Gone;
                    }
                    closing_at.get_or_insert(now + cfg.closing_grace);
                }
                if silence_at.is_some_and(|t| t <= now) {
                    silence_at = None;
                    silent = true;
                }
                if silent {
                    continue;
                }
                let due = follow.due(&hub.ds, now_ms());
                if !send(&mut tx, events(&hub, &due)).await {
                    break End::Gone;
                }
                if heartbeat_at <= now {
                    if !send(&mut tx, [metadata("WebSocket Heartbeat")]).await {
                        break End::Gone;
                    }
                    hub.counters.heartbeats.fetch_add(1, Relaxed);
                    heartbeat_at += cfg.heartbeat;
                    if heartbeat_at <= now {
                        heartbeat_at = now + cfg.heartbeat;
                    }
                }
            }
        }
    };
    match end {
        End::Close(why) => {
            let frame = CloseFrame {
                code: GOING_AWAY,
                reason: why.into(),
            };
            let _ = tokio::time::timeout(SEND_TIMEOUT, tx.send(Message::Close(Some(frame)))).await;
            // Give the client a moment to answer the close, then let go.
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(m)) = rx.next().await {
                    if matches!(m, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
        }
        End::Cut | End::Gone => {}
    }
    hub.detach(&id, conn);
}

/// Sends each message (each within [`SEND_TIMEOUT`]); false when the client is gone.
async fn send(
    tx: &mut futures::stream::SplitSink<WebSocket, Message>,
    msgs: impl IntoIterator<Item = Message>,
) -> bool {
    for m in msgs {
        match tokio::time::timeout(SEND_TIMEOUT, tx.send(m)).await {
            Ok(Ok(())) => {}
            _ => return false,
        }
    }
    true
}

fn events(hub: &Hub, due: &[Published]) -> Vec<Message> {
    due.iter().map(|e| event(hub, e)).collect()
}

/// An event as the service sends it.
fn event(hub: &Hub, e: &Published) -> Message {
    hub.counters.events.fetch_add(1, Relaxed);
    let late = (now_ms() - e.time).max(0) as u64;
    hub.counters.max_lateness_ms.fetch_max(late, Relaxed);
    text(&json!({
        "topicName": e.topic,
        "version": "2",
        "eventBody": e.body,
        "metadata": {"CorrelationId": hub.correlation_id()},
    }))
}
