//! The client of the Notifications API (`genesys::notify`) against the simulator over loopback
//! HTTP and WebSockets: one shared channel, topics added and removed, events applied as they
//! come, what a watch costs in requests, and every way the feed breaks (a cut socket,
//! maintenance, silence, an expired channel or token, refused topics or channels).

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use convoscope::genesys::client::CallOpts;
use convoscope::genesys::notify::events::{detail_topics, queue_topic};
use convoscope::genesys::notify::{Feed, Message, Notifier, NotifierConfig, Status, Subscription};
use convoscope::genesys::{Client, model::Conversation};
use convoscope::sim::{Forbid, NotifyConfig, Sim, SimConfig};
use convoscope::tui::watch;

const WAIT: Duration = Duration::from_secs(20);

fn cfg(active: usize) -> SimConfig {
    SimConfig {
        addr: "127.0.0.1:0".into(),
        conversations: 300,
        days: 2,
        until: Utc::now(),
        active,
        rate_limit: 0,
        ..SimConfig::default()
    }
}

fn fast() -> NotifierConfig {
    NotifierConfig {
        min_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(500),
        retry_refused: Duration::from_millis(500),
        ..NotifierConfig::default()
    }
}

async fn start(c: SimConfig, n: NotifierConfig) -> (Sim, Arc<Client>, Notifier) {
    let sim = common::sim(c).await;
    let client = common::client(&sim);
    let notifier = Notifier::start(client.clone(), n);
    (sim, client, notifier)
}

/// The id of a live conversation that goes on for a while (pattern 4: never ends).
fn live_id(sim: &Sim) -> String {
    let ds = sim.dataset();
    let live: Vec<usize> = (0..ds.len()).filter(|&i| ds.is_active(i)).collect();
    // The k-th live one (oldest first) follows pattern k mod 5.
    ds.conversation_id(live[4 % live.len()])
}

/// The next status (events skipped), within the wait.
async fn status(sub: &mut Subscription, want: impl Fn(&Status) -> bool) -> Status {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let f = tokio::time::timeout_at(deadline, sub.rx.recv())
            .await
            .expect("a status within the wait")
            .expect("the feed goes on");
        if let Feed::Status(s) = f
            && want(&s)
        {
            return s;
        }
    }
}

fn api_requests(sim: &Sim) -> Vec<String> {
    sim.requests()
        .into_iter()
        .map(|r| r.path)
        // The token, and the WebSocket's upgrade (not an API call).
        .filter(|p| !p.starts_with("/oauth") && !p.starts_with("/channels/"))
        .collect()
}

#[tokio::test]
async fn a_watch_by_push_keeps_the_conversation_exact_with_one_read_and_two_calls() {
    let (sim, client, notifier) = start(cfg(5), fast()).await;
    let id = live_id(&sim);
    let mut sub = notifier.subscribe(detail_topics(&id));
    assert_eq!(status(&mut sub, |_| true).await, Status::Live);
    let (mut conv, _) = client.conversation(&id, CallOpts::default()).await.unwrap();
    let baseline_at = Utc::now();
    // Follow 12 s of it (two or three of the simulator's 5-second periods).
    let mut events = 0;
    let mut changes = 0;
    let mut lateness_ms = Vec::new();
    let until = tokio::time::Instant::now() + Duration::from_secs(12);
    while let Ok(Some(f)) = tokio::time::timeout_at(until, sub.rx.recv()).await {
        if let Feed::Event {
            message: Message::Detail(ev),
            ..
        } = f
        {
            let t = ev.body.event_time.unwrap();
            if t <= baseline_at.timestamp_millis() - 1000 {
                continue;
            }
            lateness_ms.push(Utc::now().timestamp_millis() - t);
            events += 1;
            changes += watch::apply(&mut conv, &ev).0.len();
        }
    }
    assert!(events >= 2, "the conversation changes every 5 s: {events}");
    assert!(changes >= 2, "{changes}");
    // What the events made equals what the API says now (attributes are the pushed part). A
    // change made just before the read may still be on its way: its event is given a moment
    // (then the API is read again).
    let attrs = |c: &Conversation| {
        c.participants
            .iter()
            .map(|p| (p.id.clone(), p.attributes.clone()))
            .collect::<Vec<_>>()
    };
    let mut reads = 0;
    loop {
        let (now, _) = client.conversation(&id, CallOpts::default()).await.unwrap();
        reads += 1;
        if attrs(&conv) == attrs(&now) {
            break;
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        let ev = loop {
            match tokio::time::timeout_at(deadline, sub.rx.recv()).await {
                Ok(Some(Feed::Event {
                    message: Message::Detail(ev),
                    ..
                })) => break Some(ev),
                Ok(Some(_)) => continue,
                _ => break None,
            }
        };
        let Some(ev) = ev else {
            panic!("{:?} != {:?} and no event came", attrs(&conv), attrs(&now));
        };
        watch::apply(&mut conv, &ev);
        assert!(reads < 5, "the events never caught up with the API");
    }
    // The watch cost: a channel, its topics, the baseline (the later reads are the check's).
    let calls = api_requests(&sim);
    assert_eq!(calls.len(), 3 + reads, "{calls:?}");
    assert!(calls[0].ends_with("/notifications/channels"));
    assert!(calls[1].ends_with("/subscriptions"));
    lateness_ms.sort_unstable();
    eprintln!(
        "push lateness on loopback over {events} events: median {} ms, max {} ms",
        lateness_ms[lateness_ms.len() / 2],
        lateness_ms.last().unwrap()
    );
    // On exit: the topics go at once, the socket closes.
    notifier.close().await;
    let ch = sim.notifications().channels();
    assert!(ch.iter().all(|c| c.topics.is_empty()), "{ch:?}");
    let deadline = tokio::time::Instant::now() + WAIT;
    while sim.notifications().stats().sockets_open > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the socket is closed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn one_channel_is_shared_and_topics_follow_the_subscriptions() {
    let (sim, _client, notifier) = start(cfg(5), fast()).await;
    let ds = sim.dataset();
    let live: Vec<usize> = (0..ds.len()).filter(|&i| ds.is_active(i)).collect();
    let a = ds.conversation_id(live[1]);
    let b = ds.conversation_id(live[3]);
    let mut sa = notifier.subscribe(detail_topics(&a));
    assert_eq!(status(&mut sa, |_| true).await, Status::Live);
    let mut sb = notifier.subscribe(detail_topics(&b));
    assert_eq!(status(&mut sb, |_| true).await, Status::Live);
    let ch = sim.notifications().channels();
    assert_eq!(ch.len(), 1, "one channel per process");
    assert_eq!(ch[0].topics.len(), 2 * detail_topics(&a).len());
    drop(sa);
    // The topics of a subscription dropped leave the channel.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let ch = sim.notifications().channels();
        if ch[0].topics.len() == detail_topics(&b).len() {
            assert!(ch[0].topics.iter().all(|t| t.contains(&b)));
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{ch:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(sb);
    notifier.close().await;
}

#[tokio::test]
async fn a_watch_moving_to_another_conversation_changes_the_topics_in_one_put() {
    let (sim, _client, notifier) = start(cfg(5), fast()).await;
    let ds = sim.dataset();
    let live: Vec<usize> = (0..ds.len()).filter(|&i| ds.is_active(i)).collect();
    let a = ds.conversation_id(live[1]);
    let b = ds.conversation_id(live[3]);
    let mut sa = notifier.subscribe(detail_topics(&a));
    assert_eq!(status(&mut sa, |_| true).await, Status::Live);
    let before = api_requests(&sim).len();
    let mut sb = notifier.replace(Some(sa.id()), detail_topics(&b));
    assert_eq!(status(&mut sb, |_| true).await, Status::Live);
    // The old one's handle goes afterwards (as the screen's task ends): nothing more to do.
    drop(sa);
    let ch = sim.notifications().channels();
    assert!(
        ch[0].topics.len() == detail_topics(&b).len()
            && ch[0].topics.iter().all(|t| t.contains(&b)),
        "{ch:?}"
    );
    // A status round trip through the hub: the drop was handled by then.
    let mut sc = notifier.replace(Some(sb.id()), detail_topics(&b));
    assert_eq!(status(&mut sc, |_| true).await, Status::Live);
    let calls = api_requests(&sim)[before..].to_vec();
    assert_eq!(
        calls.len(),
        1,
        "one PUT for the move, none for the same topics again: {calls:?}"
    );
    assert!(calls[0].ends_with("/subscriptions"), "{calls:?}");
    drop(sb);
    drop(sc);
    notifier.close().await;
}

#[tokio::test]
async fn a_cut_socket_and_maintenance_reconnect_to_the_same_channel_and_say_so() {
    let mut c = cfg(5);
    c.notify = NotifyConfig {
        closing_grace: Duration::from_secs(30),
        ..NotifyConfig::default()
    };
    let (sim, _client, notifier) = start(c, fast()).await;
    let id = live_id(&sim);
    let mut sub = notifier.subscribe(detail_topics(&id));
    assert_eq!(status(&mut sub, |_| true).await, Status::Live);
    let n = sim.notifications();
    assert_eq!(n.cut_sockets(), 1);
    let down = status(&mut sub, |_| true).await;
    assert!(matches!(&down, Status::Down { .. }), "{down:?}");
    let back = status(&mut sub, |s| !matches!(s, Status::Alive(_))).await;
    assert!(matches!(back, Status::Resumed(_)), "{back:?}");
    // Maintenance: reconnects at once, without waiting for the close.
    assert_eq!(n.announce_maintenance(), 1);
    let down = status(&mut sub, |s| !matches!(s, Status::Alive(_))).await;
    assert!(
        matches!(&down, Status::Down { why, .. } if why.contains("maintenance")),
        "{down:?}"
    );
    let back = status(&mut sub, |s| !matches!(s, Status::Alive(_))).await;
    assert!(matches!(back, Status::Resumed(_)), "{back:?}");
    let stats = n.stats();
    assert_eq!(stats.channels_created, 1, "the channel survived: {stats:?}");
    assert_eq!(stats.sockets_opened, 3);
    notifier.close().await;
}

#[tokio::test]
async fn an_expired_channel_or_token_makes_a_new_channel_with_the_topics() {
    let mut c = cfg(5);
    c.notify = NotifyConfig {
        channel_ttl: Duration::from_secs(2),
        ..NotifyConfig::default()
    };
    let (sim, _client, notifier) = start(c, fast()).await;
    let id = live_id(&sim);
    let mut sub = notifier.subscribe(detail_topics(&id));
    assert_eq!(status(&mut sub, |_| true).await, Status::Live);
    let down = status(&mut sub, |s| matches!(s, Status::Down { .. })).await;
    assert!(
        matches!(&down, Status::Down { why, .. } if why.contains("expired")),
        "{down:?}"
    );
    let back = status(&mut sub, |s| !matches!(s, Status::Alive(_))).await;
    assert!(matches!(back, Status::Resumed(_)), "{back:?}");
    let n = sim.notifications();
    assert!(n.stats().channels_created >= 2);
    let ch = n.channels();
    assert!(
        ch.iter()
            .any(|c| c.connected && c.topics.len() == detail_topics(&id).len()),
        "{ch:?}"
    );
    drop(sub);
    notifier.close().await;

    // The token: the channel ends with it; the client renews the token, and makes another.
    let mut c = cfg(5);
    c.token_ttl = 2;
    let (sim, _client, notifier) = start(c, fast()).await;
    let id = live_id(&sim);
    let mut sub = notifier.subscribe(detail_topics(&id));
    assert_eq!(status(&mut sub, |_| true).await, Status::Live);
    let down = status(&mut sub, |s| matches!(s, Status::Down { .. })).await;
    assert!(
        matches!(&down, Status::Down { why, .. } if why.contains("token")),
        "{down:?}"
    );
    let back = status(&mut sub, |s| !matches!(s, Status::Alive(_))).await;
    assert!(matches!(back, Status::Resumed(_)), "{back:?}");
    notifier.close().await;
}

#[tokio::test]
async fn a_silent_socket_is_stale_and_replaced() {
    let n = NotifierConfig {
        stale_after: Duration::from_millis(1500),
        ping_after: Duration::from_millis(500),
        ..fast()
    };
    let (sim, _client, notifier) = start(cfg(5), n).await;
    let id = live_id(&sim);
    let mut sub = notifier.subscribe(detail_topics(&id));
    assert_eq!(status(&mut sub, |_| true).await, Status::Live);
    // Our ping is answered: the feed says it is alive without a heartbeat (30 s away).
    let alive = status(&mut sub, |s| matches!(s, Status::Alive(_))).await;
    assert!(matches!(alive, Status::Alive(_)));
    assert!(sim.notifications().stats().pongs >= 1);
    sim.notifications().silence_sockets();
    let down = status(&mut sub, |s| matches!(s, Status::Down { .. })).await;
    assert!(
        matches!(&down, Status::Down { why, .. } if why.contains("no heartbeat")),
        "{down:?}"
    );
    let back = status(&mut sub, |s| !matches!(s, Status::Alive(_))).await;
    assert!(matches!(back, Status::Resumed(_)), "{back:?}");
    notifier.close().await;
}

#[tokio::test]
async fn refused_topics_or_channels_are_said_and_push_is_tried_again() {
    for forbid in ["topics", "notifications"] {
        let mut c = cfg(5);
        c.forbid = Forbid::parse(forbid).unwrap();
        let (sim, _client, notifier) = start(c, fast()).await;
        let id = live_id(&sim);
        let mut sub = notifier.subscribe(detail_topics(&id));
        let s = status(&mut sub, |_| true).await;
        let Status::Refused(why) = &s else {
            panic!("{forbid}: {s:?}")
        };
        assert!(
            why.contains("permission") || why.contains("not authorized"),
            "{why}"
        );
        // It tries again later (and is refused again), never gives up silently.
        let again = status(&mut sub, |_| true).await;
        assert!(matches!(again, Status::Refused(_)), "{again:?}");
        if forbid == "notifications" {
            // A newcomer while push is refused hears at once, and why.
            let mut other = notifier.subscribe(detail_topics(&id));
            let s = status(&mut other, |_| true).await;
            assert!(
                matches!(&s, Status::Refused(why) if why.contains("not authorized")),
                "{s:?}"
            );
        }
        notifier.close().await;
    }
}

#[tokio::test]
async fn an_unknown_topic_is_refused_to_its_subscriber_only() {
    let (sim, _client, notifier) = start(cfg(5), fast()).await;
    let id = live_id(&sim);
    let mut good = notifier.subscribe(detail_topics(&id));
    assert_eq!(status(&mut good, |_| true).await, Status::Live);
    let mut bad = notifier.subscribe(vec![queue_topic("no-such-queue")]);
    let s = status(&mut bad, |_| true).await;
    assert!(
        matches!(&s, Status::Refused(why) if why.contains("Invalid topic")),
        "{s:?}"
    );
    // The good one goes on: its topics are still on the channel.
    let ch = sim.notifications().channels();
    assert_eq!(ch[0].topics.len(), detail_topics(&id).len());
    notifier.close().await;
}

#[tokio::test]
async fn a_subscriptions_topics_change_in_place_and_growth_past_the_limit_is_refused() {
    use convoscope::genesys::notify::MAX_TOPICS;
    use convoscope::genesys::notify::record::row_topics;
    let (sim, client, notifier) = start(cfg(5), fast()).await;
    let ds = sim.dataset();
    let ids: Vec<String> = (0..ds.len()).map(|i| ds.conversation_id(i)).collect();
    // A list's subscription starts with no topic and grows as rows come.
    let mut list = notifier.subscribe(vec![]);
    assert_eq!(status(&mut list, |_| true).await, Status::Live);
    let topics = list.topics();
    let before = api_requests(&sim).len();
    topics.set(row_topics(&ids[0]));
    assert_eq!(status(&mut list, |_| true).await, Status::Live);
    let on = |sim: &Sim| {
        let mut t = sim.notifications().channels()[0].topics.clone();
        t.sort();
        t
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(on(&sim), sorted(row_topics(&ids[0])));
    topics.set(row_topics(&ids[1]));
    assert_eq!(status(&mut list, |_| true).await, Status::Live);
    assert_eq!(on(&sim), sorted(row_topics(&ids[1])));
    // One PUT a change, nothing else.
    let calls = api_requests(&sim)[before..].to_vec();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|p| p.ends_with("/subscriptions")));

    // Another subscriber fills the channel but for a few topics: the list cannot grow past.
    let per = row_topics(&ids[0]).len();
    let many: Vec<String> = ids[10..]
        .iter()
        .flat_map(|id| row_topics(id))
        .take(MAX_TOPICS - 2 * per)
        .collect();
    let mut other = notifier.subscribe(many.clone());
    assert_eq!(status(&mut other, |_| true).await, Status::Live);
    topics.set(ids[..3].iter().flat_map(|id| row_topics(id)).collect());
    let s = status(&mut list, |_| true).await;
    assert!(
        matches!(&s, Status::Refused(why) if why.contains("1000 topics")),
        "{s:?}"
    );
    // Its old topics leave with it; the other's stay.
    let deadline = tokio::time::Instant::now() + WAIT;
    while on(&sim).len() != many.len() {
        assert!(tokio::time::Instant::now() < deadline, "{}", on(&sim).len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Room again: it comes back, told of the gap.
    drop(other);
    let s = status(&mut list, |s| !matches!(s, Status::Refused(_))).await;
    assert!(matches!(s, Status::Resumed(_)), "{s:?}");
    assert_eq!(on(&sim).len(), 3 * per);
    notifier.close().await;
    drop(client);
}
