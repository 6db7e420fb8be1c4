//! The simulator's Notifications API over real loopback HTTP and WebSockets: channels and
//! subscriptions, live events as they happen, heartbeats, pings, maintenance warnings, faults
//! and the documented limits.

mod common;

use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::ws::{Api, Ended, Ws, is_event};
use convoscope::sim::{Dataset, Forbid, NotifyConfig, Sim, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const CHANNELS: &str = "/api/v2/notifications/channels";
const WAIT: Duration = Duration::from_secs(15);

/// A simulator whose data ends now, so that its `active` conversations change while the test
/// watches.
fn cfg(active: usize) -> SimConfig {
    SimConfig {
        addr: "127.0.0.1:0".into(),
        conversations: 400,
        days: 2,
        until: Utc::now(),
        active,
        ..SimConfig::default()
    }
}

fn notify(f: impl FnOnce(&mut NotifyConfig)) -> NotifyConfig {
    let mut n = NotifyConfig::default();
    f(&mut n);
    n
}

async fn start(c: SimConfig) -> (Sim, Api) {
    let sim = Sim::start(c).await.unwrap();
    let api = Api::new(&sim.url()).await;
    (sim, api)
}

fn topic(ds: &Dataset, i: usize, kind: &str) -> String {
    format!(
        "v2.detail.events.conversation.{}.{kind}",
        ds.conversation_id(i)
    )
}

fn live_ones(ds: &Dataset) -> Vec<usize> {
    (0..ds.len()).filter(|&i| ds.is_active(i)).collect()
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// A connected channel following `topics`.
async fn follow(api: &Api, topics: &[String]) -> (String, String, Ws) {
    let (id, uri) = api.channel().await;
    let (s, v) = api.subscribe(Method::PUT, &id, topics).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let ws = Ws::connect(&uri).await.unwrap();
    (id, uri, ws)
}

#[tokio::test]
async fn channels_and_subscriptions_answer_in_the_sdk_shapes() {
    let (sim, api) = start(cfg(2)).await;
    let ds = sim.dataset();
    let (s, ch) = api.call(Method::POST, CHANNELS, None).await;
    assert_eq!(s, StatusCode::OK);
    let id = ch["id"].as_str().unwrap();
    assert!(id.starts_with("streaming-"), "{id}");
    assert_eq!(
        ch["connectUri"],
        format!("ws://{}/channels/{id}", sim.addr()).as_str()
    );
    let expires = chrono::DateTime::parse_from_rfc3339(ch["expires"].as_str().unwrap()).unwrap();
    let left = expires.with_timezone(&Utc) - Utc::now();
    assert!(
        left > chrono::Duration::hours(23) && left <= chrono::Duration::hours(24),
        "{left}"
    );
    let mut keys: Vec<&String> = ch.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["connectUri", "expires", "id"]);

    let (s, list) = api.call(Method::GET, CHANNELS, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["entities"][0]["id"], id);
    let head = |id: String| {
        let api = &api;
        async move {
            api.http
                .head(format!("{}{CHANNELS}/{id}", api.url))
                .bearer_auth(&api.token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(head(id.to_string()).await, StatusCode::OK);
    assert_eq!(head("streaming-0-nope".into()).await, StatusCode::NOT_FOUND);

    let live = live_ones(&ds);
    let a = topic(&ds, live[0], "attributes");
    let b = topic(&ds, live[1], "user.end");
    let subs = format!("{CHANNELS}/{id}/subscriptions");
    let (s, v) = api
        .subscribe(Method::PUT, id, std::slice::from_ref(&a))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!({"entities": [{"id": a, "state": "Permitted"}]}));
    // POST adds (a topic already there once), PUT replaces, DELETE clears.
    let (s, v) = api
        .subscribe(Method::POST, id, &[b.clone(), a.clone()])
        .await;
    assert_eq!(s, StatusCode::OK);
    let ids = |v: &Value| -> Vec<String> {
        v["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&v), [a.clone(), b.clone()]);
    assert_eq!(
        ids(&api.call(Method::GET, &subs, None).await.1),
        [a.clone(), b.clone()]
    );
    let (_, v) = api
        .subscribe(Method::PUT, id, std::slice::from_ref(&b))
        .await;
    assert_eq!(ids(&v), std::slice::from_ref(&b));
    let (s, _) = api.call(Method::DELETE, &subs, None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        api.call(Method::GET, &subs, None).await.1,
        json!({"entities": []})
    );

    // A body that is not a topic list, an unknown channel, no token.
    let (s, v) = api.call(Method::PUT, &subs, Some(json!({"id": a}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["code"], "bad.request");
    let (s, v) = api
        .call(
            Method::GET,
            &format!("{CHANNELS}/streaming-0-nope/subscriptions"),
            None,
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not.found"))
    );
    let r = api
        .http
        .post(format!("{}{CHANNELS}", api.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    sim.stop().await;
}

#[tokio::test]
async fn topics_it_does_not_know_are_refused_naming_them_and_nothing_changes() {
    let (sim, api) = start(cfg(2)).await;
    let ds = sim.dataset();
    let (id, _) = api.channel().await;
    let good = topic(&ds, live_ones(&ds)[0], "attributes");
    api.subscribe(Method::PUT, &id, std::slice::from_ref(&good))
        .await;
    for bad in [
        "v2.detail.events.conversation.00000000-0000-4000-8000-000000000000.attributes".to_string(),
        topic(&ds, 0, "typing"),
        "v2.routing.queues.not-a-queue.conversations".to_string(),
        "v2.users.me.presence".to_string(),
    ] {
        let (s, v) = api
            .subscribe(Method::PUT, &id, &[good.clone(), bad.clone()])
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(v["message"].as_str().unwrap().contains(&bad), "{v}");
        assert!(v["contextId"].is_string());
    }
    let (_, v) = api
        .call(Method::GET, &format!("{CHANNELS}/{id}/subscriptions"), None)
        .await;
    assert_eq!(v["entities"][0]["id"], good.as_str());
    assert_eq!(v["entities"].as_array().unwrap().len(), 1);
    sim.stop().await;
}

#[tokio::test]
async fn forbidden_notifications_and_topics_answer_403() {
    let (sim, api) = start(SimConfig {
        forbid: Forbid {
            notifications: true,
            ..Forbid::default()
        },
        ..cfg(1)
    })
    .await;
    let (s, v) = api.call(Method::POST, CHANNELS, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v["contextId"].is_string() && v["message"].is_string());
    sim.stop().await;

    let (sim, api) = start(SimConfig {
        forbid: Forbid {
            topics: true,
            ..Forbid::default()
        },
        ..cfg(1)
    })
    .await;
    let ds = sim.dataset();
    let t = topic(&ds, live_ones(&ds)[0], "attributes");
    let (id, _) = api.channel().await;
    let (s, v) = api
        .subscribe(Method::PUT, &id, std::slice::from_ref(&t))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(v["code"], "missing.permissions");
    assert!(v["message"].as_str().unwrap().contains(&t));
    // ignoreErrors: the topic comes back Rejected, with the permission it lacks.
    let (s, v) = api
        .call(
            Method::PUT,
            &format!("{CHANNELS}/{id}/subscriptions?ignoreErrors=true"),
            Some(json!([{ "id": t }])),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let e = &v["entities"][0];
    assert_eq!(
        (e["id"].as_str(), e["state"].as_str()),
        (Some(t.as_str()), Some("Rejected"))
    );
    assert!(e["missingPermissions"][0].is_string());
    sim.stop().await;
}

#[tokio::test]
async fn attribute_events_arrive_in_order_as_they_happen_and_match_the_conversation() {
    let (sim, api) = start(cfg(3)).await;
    let ds = sim.dataset();
    let i = *live_ones(&ds).last().unwrap();
    let t = topic(&ds, i, "attributes");
    let (_, _, mut ws) = follow(&api, std::slice::from_ref(&t)).await;
    let subscribed = now_ms();
    let mut times = Vec::new();
    while times.len() < 3 {
        let v = ws.recv_where(WAIT, is_event).await.unwrap();
        assert_eq!(v["topicName"], t.as_str());
        assert_eq!(v["version"], "2");
        assert!(v["metadata"]["CorrelationId"].is_string());
        let b = &v["eventBody"];
        let time = b["eventTime"].as_i64().unwrap();
        assert!(
            time > subscribed - 1000 && time <= now_ms(),
            "sent once it happened"
        );
        assert_eq!(b["conversationId"], ds.conversation_id(i).as_str());
        // What GET conversation shows from that moment on.
        let at = Utc.timestamp_millis_opt(time).unwrap();
        let c = ds.conversation(i, at);
        let p = c
            .participants
            .iter()
            .find(|p| p.id == b["participantId"].as_str().unwrap())
            .unwrap();
        assert_eq!(b["attributes"], json!(p.attributes));
        times.push(time);
    }
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
    let stats = sim.notifications().stats();
    assert!(stats.events >= 3 && stats.sockets_open == 1, "{stats:?}");
    sim.stop().await;
}

#[tokio::test]
async fn a_burst_of_two_changes_within_300_ms_arrives_as_two_events() {
    let (sim, api) = start(cfg(5)).await;
    let ds = sim.dataset();
    // The live schedule says when the next burst comes: follow that conversation.
    let from = now_ms() + 2000;
    let mut best: Option<(i64, usize)> = None;
    for i in live_ones(&ds) {
        let mut t = from;
        while let Some(n) = ds.next_change(i, t).filter(|&n| n < from + 30_000) {
            if n - t <= 300 && t > from && t % 5000 == 0 && best.is_none_or(|b| t < b.0) {
                best = Some((t, i));
            }
            t = n;
        }
    }
    let (at, i) = best.expect("a burst within 30 s");
    let (_, _, mut ws) = follow(&api, &[topic(&ds, i, "attributes")]).await;
    let mut pages: Vec<(i64, String)> = Vec::new();
    while pages.last().is_none_or(|p| p.0 <= at) {
        let v = ws
            .recv_where(Duration::from_secs(40), is_event)
            .await
            .unwrap();
        let b = &v["eventBody"];
        pages.push((
            b["eventTime"].as_i64().unwrap(),
            b["attributes"]["lastPage"].as_str().unwrap().to_string(),
        ));
    }
    let n = pages.len();
    let (first, second) = (&pages[n - 2], &pages[n - 1]);
    assert_eq!(first.0, at);
    assert!(second.0 - first.0 <= 300, "{pages:?}");
    assert_ne!(first.1, second.1, "lastPage changed twice: {pages:?}");
    sim.stop().await;
}

#[tokio::test]
async fn an_ending_conversation_publishes_its_ends_with_the_time_it_ended() {
    let (sim, api) = start(SimConfig {
        active_end_after: Some(5),
        ..cfg(3)
    })
    .await;
    let ds = sim.dataset();
    let i = live_ones(&ds)[0];
    let end = ds.end_at(i).unwrap().timestamp_millis();
    let kinds = ["customer.end", "user.end", "attributes"];
    let topics: Vec<String> = kinds.iter().map(|k| topic(&ds, i, k)).collect();
    let (_, _, mut ws) = follow(&api, &topics).await;
    let mut ends = Vec::new();
    while ends.len() < 2 {
        let v = ws.recv_where(WAIT, is_event).await.unwrap();
        let name = v["topicName"].as_str().unwrap();
        if name.ends_with(".end") {
            assert_eq!(v["eventBody"]["eventTime"].as_i64(), Some(end));
            assert!(v["eventBody"]["disconnectType"].is_string());
            ends.push(name.to_string());
        }
    }
    ends.sort();
    assert_eq!(ends, [topics[0].clone(), topics[1].clone()]);
    // GET conversation agrees: it has ended (the API gives no top-level state).
    let c = ds.conversation(i, Utc::now());
    assert_eq!(
        c.end_time
            .as_deref()
            .and_then(convoscope::genesys::model::parse_time),
        Some(ds.end_at(i).unwrap())
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_queue_topic_publishes_the_queues_live_conversations() {
    let (sim, api) = start(cfg(3)).await;
    let ds = sim.dataset();
    let i = *live_ones(&ds).last().unwrap();
    let c = ds.conversation(i, Utc::now());
    let q = c
        .participants
        .iter()
        .find_map(|p| p.queue_id.clone())
        .unwrap();
    let t = format!("v2.routing.queues.{q}.conversations");
    let (_, _, mut ws) = follow(&api, std::slice::from_ref(&t)).await;
    let v = ws
        .recv_where(WAIT, |v| {
            is_event(v) && v["eventBody"]["id"] == ds.conversation_id(i).as_str()
        })
        .await
        .unwrap();
    assert_eq!(v["topicName"], t.as_str());
    let b = &v["eventBody"];
    assert!(
        b["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["queueId"] == q.as_str())
    );
    sim.stop().await;
}

#[tokio::test]
async fn heartbeats_come_on_time_and_a_ping_gets_a_pong() {
    let (sim, api) = start(SimConfig {
        notify: notify(|n| n.heartbeat = Duration::from_millis(200)),
        ..cfg(0)
    })
    .await;
    let (_, _, mut ws) = follow(&api, &[]).await;
    for _ in 0..3 {
        let v = ws.recv(Duration::from_secs(5)).await.unwrap();
        assert_eq!(
            v,
            json!({"topicName": "channel.metadata", "eventBody": {"message": "WebSocket Heartbeat"}})
        );
    }
    ws.send(&json!({"message": "ping"})).await;
    let v = ws
        .recv_where(Duration::from_secs(5), |v| {
            v["eventBody"]["message"] != "WebSocket Heartbeat"
        })
        .await
        .unwrap();
    assert_eq!(
        v,
        json!({"topicName": "channel.metadata", "eventBody": {"message": "pong"}})
    );
    let s = sim.notifications().stats();
    assert!(s.heartbeats >= 3 && s.pongs == 1, "{s:?}");
    sim.stop().await;
}

#[tokio::test]
async fn maintenance_warns_then_closes_and_the_channel_takes_a_new_socket() {
    let (sim, api) = start(SimConfig {
        notify: notify(|n| n.closing_grace = Duration::from_millis(500)),
        ..cfg(0)
    })
    .await;
    let (id, uri, mut ws) = follow(&api, &[]).await;
    let asked = std::time::Instant::now();
    assert_eq!(sim.notifications().announce_maintenance(), 1);
    let v = ws.recv(Duration::from_secs(5)).await.unwrap();
    assert_eq!(v["topicName"], "v2.system.socket_closing");
    assert_eq!(v["eventBody"]["channelId"], id.as_str());
    match ws.ended(Duration::from_secs(5)).await {
        Ended::Closed(Some((1001, why))) => assert!(why.contains("maintenance"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(
        asked.elapsed() >= Duration::from_millis(500),
        "closed after the grace"
    );
    // The channel lives on.
    let mut again = Ws::connect(&uri).await.unwrap();
    again.send(&json!({"message": "ping"})).await;
    assert_eq!(
        again.recv(Duration::from_secs(5)).await.unwrap()["eventBody"]["message"],
        "pong"
    );
    sim.stop().await;

    // The fault flag does it on its own, a while after each connection.
    let (sim, api) = start(SimConfig {
        notify: notify(|n| {
            n.closing_grace = Duration::from_millis(200);
            n.faults.maintenance = Some(Duration::from_millis(300));
        }),
        ..cfg(0)
    })
    .await;
    let (_, _, mut ws) = follow(&api, &[]).await;
    assert_eq!(
        ws.recv(Duration::from_secs(5)).await.unwrap()["topicName"],
        "v2.system.socket_closing"
    );
    assert!(matches!(
        ws.ended(Duration::from_secs(5)).await,
        Ended::Closed(Some((1001, _)))
    ));
    sim.stop().await;
}

#[tokio::test]
async fn a_cut_drops_the_socket_without_a_close_and_a_silence_keeps_it_open_and_mute() {
    let (sim, api) = start(SimConfig {
        notify: notify(|n| n.heartbeat = Duration::from_millis(100)),
        ..cfg(0)
    })
    .await;
    let (_, uri, mut ws) = follow(&api, &[]).await;
    ws.recv(Duration::from_secs(5)).await.unwrap();
    assert_eq!(sim.notifications().cut_sockets(), 1);
    match ws.ended(Duration::from_secs(5)).await {
        Ended::Dropped(_) => {}
        other => panic!("expected a drop without a close frame, got {other:?}"),
    }
    // Reconnecting works; then silence: no heartbeat, no pong, yet open.
    let mut ws = Ws::connect(&uri).await.unwrap();
    ws.recv(Duration::from_secs(5)).await.unwrap();
    assert_eq!(sim.notifications().silence_sockets(), 1);
    // Heartbeats already on their way may still come; then nothing.
    for _ in 0..50 {
        if ws.recv(Duration::from_millis(300)).await == Err(Ended::TimedOut) {
            break;
        }
    }
    ws.send(&json!({"message": "ping"})).await;
    assert_eq!(
        ws.recv(Duration::from_millis(800)).await,
        Err(Ended::TimedOut)
    );
    assert_eq!(sim.notifications().stats().sockets_open, 1);
    sim.stop().await;

    // The flag cuts each socket a while after it connects.
    let (sim, api) = start(SimConfig {
        notify: notify(|n| n.faults.cut = Some(Duration::from_millis(300))),
        ..cfg(0)
    })
    .await;
    let (_, uri, mut ws) = follow(&api, &[]).await;
    assert!(matches!(
        ws.ended(Duration::from_secs(5)).await,
        Ended::Dropped(_)
    ));
    let mut ws = Ws::connect(&uri).await.unwrap();
    assert!(matches!(
        ws.ended(Duration::from_secs(5)).await,
        Ended::Dropped(_)
    ));
    assert_eq!(sim.notifications().stats().sockets_opened, 2);
    sim.stop().await;
}

#[tokio::test]
async fn a_second_socket_disconnects_the_first() {
    let (sim, api) = start(SimConfig {
        notify: notify(|n| n.heartbeat = Duration::from_millis(200)),
        ..cfg(0)
    })
    .await;
    let (_, uri, mut first) = follow(&api, &[]).await;
    let mut second = Ws::connect(&uri).await.unwrap();
    match first.ended(Duration::from_secs(5)).await {
        Ended::Closed(Some((1001, why))) => assert!(why.contains("another connection"), "{why}"),
        other => panic!("{other:?}"),
    }
    second.recv(Duration::from_secs(5)).await.unwrap();
    assert_eq!(sim.notifications().stats().sockets_open, 1);
    sim.stop().await;
}

#[tokio::test]
async fn channels_expire_unless_resubscribed_and_end_with_their_token() {
    let (sim, api) = start(SimConfig {
        notify: notify(|n| n.channel_ttl = Duration::from_secs(2)),
        ..cfg(1)
    })
    .await;
    let ds = sim.dataset();
    let t = vec![topic(&ds, live_ones(&ds)[0], "attributes")];
    let (kept, _, _kept_ws) = follow(&api, &t).await;
    let (id, uri, mut ws) = follow(&api, &t).await;
    // Subscribing again renews a channel's lifetime: `kept` (the older one) is subscribed
    // again every half second, the other never, until the checks below are done (a single
    // renewal a second in would leave `kept` a second at most, which a loaded machine can
    // spend between two steps).
    let renewing = {
        let api = Api {
            http: api.http.clone(),
            url: api.url.clone(),
            token: api.token.clone(),
        };
        let (kept, t) = (kept.clone(), t.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(500)).await;
                assert_eq!(
                    api.subscribe(Method::PUT, &kept, &t).await.0,
                    StatusCode::OK
                );
            }
        })
    };
    match ws.ended(Duration::from_secs(5)).await {
        Ended::Closed(Some((1001, why))) => assert!(why.contains("expired"), "{why}"),
        other => panic!("{other:?}"),
    }
    let subs = format!("{CHANNELS}/{id}/subscriptions");
    assert_eq!(
        api.call(Method::GET, &subs, None).await.0,
        StatusCode::NOT_FOUND
    );
    match Ws::connect(&uri).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status(), StatusCode::NOT_FOUND)
        }
        other => panic!("an expired channel takes no socket: {:?}", other.is_ok()),
    }
    let left: Vec<String> = sim
        .notifications()
        .channels()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(left, [kept]);
    // It renewed `kept` throughout (a failed renewal ended the task with a panic).
    assert!(!renewing.is_finished(), "{:?}", renewing.await);
    renewing.abort();
    sim.stop().await;

    // A token that expires takes its channels with it.
    let (sim, api) = start(SimConfig {
        token_ttl: 2,
        ..cfg(0)
    })
    .await;
    let (_, _, mut ws) = follow(&api, &[]).await;
    match ws.ended(Duration::from_secs(5)).await {
        Ended::Closed(Some((1001, why))) => assert!(why.contains("token"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(sim.notifications().channels().is_empty());
    sim.stop().await;
}

#[tokio::test]
async fn a_channel_takes_at_most_1000_topics() {
    let (sim, api) = start(cfg(0)).await;
    let ds = sim.dataset();
    let topics: Vec<String> = (0..92)
        .flat_map(|i| convoscope::sim::notify::DETAIL_KINDS.map(|k| topic(&ds, i, k)))
        .collect();
    assert!(topics.len() > 1000);
    let (id, _) = api.channel().await;
    let (s, v) = api.subscribe(Method::PUT, &id, &topics[..1001]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].as_str().unwrap().contains("1000"), "{v}");
    let (s, v) = api.subscribe(Method::PUT, &id, &topics[..1000]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["entities"].as_array().unwrap().len(), 1000);
    // Adding one more is refused too, and the thousand stay.
    let (s, _) = api.subscribe(Method::POST, &id, &topics[1000..1001]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, v) = api
        .call(Method::GET, &format!("{CHANNELS}/{id}/subscriptions"), None)
        .await;
    assert_eq!(v["entities"].as_array().unwrap().len(), 1000);
    sim.stop().await;
}

#[tokio::test]
async fn a_21st_channel_replaces_the_least_recently_used_one_without_a_socket() {
    let (sim, api) = start(cfg(0)).await;
    let mut ids = Vec::new();
    let mut sockets = Vec::new();
    for k in 0..20 {
        let (id, uri) = api.channel().await;
        // The oldest has a socket: it stays; the second oldest has none: it goes.
        if k == 0 {
            sockets.push(Ws::connect(&uri).await.unwrap());
        }
        ids.push(id);
    }
    let (new, _) = api.channel().await;
    let now: Vec<String> = sim
        .notifications()
        .channels()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(now.len(), 20);
    assert!(now.contains(&ids[0]) && now.contains(&new));
    assert!(
        !now.contains(&ids[1]),
        "the oldest without a socket was removed"
    );
    let (s, _) = api
        .call(
            Method::GET,
            &format!("{CHANNELS}/{}/subscriptions", ids[1]),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // With a socket on every one, the least recently used goes, and its socket is closed.
    let mut all = Vec::new();
    for c in sim.notifications().channels() {
        if !c.connected {
            all.push(Ws::connect(&c.connect_uri).await.unwrap());
        }
    }
    let _ = api.channel().await;
    match sockets[0].ended(Duration::from_secs(5)).await {
        Ended::Closed(Some((1001, why))) => assert!(why.contains("removed"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.notifications().stats().channels_removed, 2);
    sim.stop().await;
}

#[test]
fn dump_events_prints_every_kind_of_event_in_time_order() {
    let out = common::convoscope()
        .args([
            "sim",
            "--seed",
            "3",
            "--conversations",
            "300",
            "--active",
            "5",
            "--until",
            "2026-11-24T18:00:00Z",
            "--dump-events",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    let mut last = std::collections::HashMap::<String, i64>::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let t = v["topicName"].as_str().unwrap();
        let kind = if t.starts_with("v2.routing.queues.") {
            "queue".to_string()
        } else {
            let rest = t.strip_prefix("v2.detail.events.conversation.").unwrap();
            let (id, kind) = rest.split_once('.').unwrap();
            let time = v["eventBody"]["eventTime"].as_i64().unwrap();
            let prev = last.insert(id.to_string(), time).unwrap_or(0);
            assert!(time >= prev, "{t}: in time order");
            kind.to_string()
        };
        *kinds.entry(kind).or_default() += 1;
    }
    for k in convoscope::sim::notify::DETAIL_KINDS
        .iter()
        .copied()
        .chain(["queue"])
    {
        assert!(kinds.get(k).is_some_and(|&n| n > 0), "no {k}: {kinds:?}");
    }
}
