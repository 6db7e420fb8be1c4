//! `F` fed by push, against the simulator over loopback HTTP and WebSockets: the screen's own
//! state and runner (`tui::headless`), nothing stubbed. Live rows end the moment their last
//! `.end` event arrives, with no multi-get; refused topics fall back to polling; a cut socket
//! is caught up with one tail query; a scope of queues only learns new conversations from the
//! queues' topics and asks no tail while push is healthy. After each, the list equals what the
//! details query answers.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use convoscope::genesys::client::CallOpts;
use convoscope::genesys::directory::{Directory, Kind};
use convoscope::genesys::model::AnalyticsConversation;
use convoscope::genesys::query::{DetailsQuery, Media, Order};
use convoscope::genesys::records::Record;
use convoscope::genesys::{Client, Scope};
use convoscope::sim::{Forbid, Sim, SimConfig};
use convoscope::timespec::Zone;
use convoscope::tui::app::{Event, FeedVia, Init, State};
use convoscope::tui::headless::Headless;
use convoscope::tui::list::Load;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::time::Instant;

const WAIT: Duration = Duration::from_secs(30);

fn cfg(end_after: u64) -> SimConfig {
    SimConfig {
        addr: "127.0.0.1:0".into(),
        conversations: 2000,
        days: 1,
        until: Utc::now(),
        active: 20,
        active_end_after: Some(end_after),
        rate_limit: 0,
        ..SimConfig::default()
    }
}

/// The screen over the last 6 hours (`query` in the Query field), loaded, with `F` pressed.
async fn following(sim: &Sim, query: Option<&str>) -> (Headless, Arc<Client>) {
    let client = common::client(sim);
    client.authenticate().await.unwrap();
    let state = State::new(Init {
        from: Some("-6h".into()),
        to: Some("now".into()),
        query: query.map(str::to_string),
        zone: Zone::Utc,
        zone_label: "UTC".into(),
        connection: "SIM".into(),
        // `F` refreshes every 5 s (five watch intervals).
        watch_interval: Some(Duration::from_secs(1)),
        now: Some(Utc::now()),
        ..Default::default()
    });
    let mut h = Headless::new(client.clone(), state, 200, 50);
    h.send(Event::Submit { now: Utc::now() });
    let loaded = h
        .run_until(Instant::now() + WAIT, |s| {
            s.list.load == Load::Done && !s.list.rows.is_empty()
        })
        .await;
    assert!(loaded, "the range loads: {:?}", h.state.list.load);
    h.send(Event::Key {
        key: KeyEvent::new(KeyCode::Char('F'), KeyModifiers::NONE),
        now: Utc::now(),
    });
    assert!(h.state.follow.is_some());
    (h, client)
}

fn via(s: &State) -> FeedVia {
    s.follow.as_ref().expect("following").feed.via.clone()
}

/// Push is live and the catch-up that follows it answered.
async fn caught_up(h: &mut Headless) {
    let ok = h
        .run_until(Instant::now() + WAIT, |s| {
            let f = s.follow.as_ref().unwrap();
            f.feed.is_push() && !f.refreshing && f.feed.reading.is_empty() && !f.feed.catch_up
        })
        .await;
    assert!(ok, "push, caught up: {:?}", via(&h.state));
}

/// The API calls made since `from` (the token and the WebSocket upgrades aside).
fn calls(sim: &Sim, from: usize) -> Vec<String> {
    sim.requests()[from..]
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| !p.starts_with("/oauth") && !p.starts_with("/channels/"))
        .collect()
}

fn is_multi_get(p: &str) -> bool {
    p.ends_with("/analytics/conversations/details")
}

fn is_query(p: &str) -> bool {
    p.ends_with("/details/query")
}

/// Every conversation of `scope` as the details query answers now, by id.
async fn truth(client: &Client, scope: &Scope) -> BTreeMap<String, AnalyticsConversation> {
    let mut out = BTreeMap::new();
    for n in 1..=50 {
        let q = DetailsQuery {
            scope: scope.clone(),
            order: Order::Desc,
            page_size: 100,
            page_number: n,
        };
        let page = client.query_page(&q, CallOpts::default()).await.unwrap();
        let got = page.records.len();
        for r in page.records {
            if let Record::Conversation(c) = r {
                out.insert(c.conversation_id.clone(), c);
            }
        }
        if got < 100 {
            break;
        }
    }
    out
}

/// The list equals the details query over its range: the same conversations (those that
/// started in it), each ended or not as the API says, at the same end. An event in flight is
/// given a moment.
async fn list_equals_the_details_query(h: &mut Headless, client: &Client) {
    let mut tries = 0;
    loop {
        let scope = h.state.last_query.as_ref().unwrap().scope.clone();
        let range = scope.interval;
        let want: BTreeMap<String, Option<String>> = truth(client, &scope)
            .await
            .into_values()
            .filter(|c| c.start().is_some_and(|t| range.contains(t)))
            .map(|c| (c.conversation_id, c.conversation_end))
            .collect();
        let have: BTreeMap<String, Option<String>> = h
            .state
            .list
            .rows
            .iter()
            .filter(|r| r.start.is_some_and(|t| range.contains(t)))
            .map(|r| {
                let c = r.conversation();
                (c.conversation_id, c.conversation_end)
            })
            .collect();
        if want == have {
            return;
        }
        tries += 1;
        if tries > 20 {
            let diff: Vec<_> = want
                .iter()
                .filter(|(k, v)| have.get(*k) != Some(v))
                .map(|(k, v)| (k, v, have.get(k)))
                .collect();
            let extra: Vec<_> = have.keys().filter(|k| !want.contains_key(*k)).collect();
            panic!("the list differs from the details query: {diff:?}; not in it: {extra:?}");
        }
        h.run_until(Instant::now() + Duration::from_millis(200), |_| false)
            .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_rows_end_by_push_with_no_multi_get() {
    let sim = common::sim(cfg(20)).await;
    let ds = sim.dataset();
    let first = (0..ds.len()).find(|&i| ds.is_active(i)).unwrap();
    let id = ds.conversation_id(first);
    let ends_at = ds.end_at(first).expect("the first live one ends");
    let (mut h, client) = following(&sim, None).await;
    caught_up(&mut h).await;
    let f = h.state.follow.as_ref().unwrap();
    assert!(f.feed.followed.contains(&id), "its row is followed");
    assert!(
        h.state.live_text().contains("↻ list push"),
        "{}",
        h.state.live_text()
    );
    let from = sim.requests().len();
    let ended = h
        .run_until(Instant::now() + WAIT, |s| {
            s.list.row(&id).is_some_and(|r| r.end().is_some())
        })
        .await;
    let seen = Utc::now();
    assert!(ended, "the row ends");
    let f = h.state.follow.as_ref().unwrap();
    assert!(f.feed.ended >= 1, "ended by its event");
    let row = h.state.list.row(&id).unwrap();
    assert_eq!(row.end(), Some(ends_at), "at the end the API has");
    let made = calls(&sim, from);
    assert!(
        !made.iter().any(|p| is_multi_get(p)),
        "no multi-get: {made:?}"
    );
    // Its topics leave the channel with the next change of topics (a minute after the last).
    let gone = h
        .run_until(Instant::now() + Duration::from_secs(90), |s| {
            !s.follow.as_ref().unwrap().feed.followed.contains(&id)
        })
        .await;
    assert!(gone);
    let deadline = Instant::now() + WAIT;
    while sim.notifications().channels()[0]
        .topics
        .iter()
        .any(|t| t.contains(&id))
    {
        assert!(Instant::now() < deadline, "its topics stay on the channel");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "the end at {ends_at} shown at {seen}: {} ms later",
        (seen - ends_at).num_milliseconds()
    );
    list_equals_the_details_query(&mut h, &client).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_topics_fall_back_to_polling_and_the_rows_still_end() {
    let mut c = cfg(12);
    c.forbid = Forbid::parse("topics").unwrap();
    let sim = common::sim(c).await;
    let ds = sim.dataset();
    let first = (0..ds.len()).find(|&i| ds.is_active(i)).unwrap();
    let id = ds.conversation_id(first);
    let (mut h, client) = following(&sim, None).await;
    let refused = h
        .run_until(Instant::now() + WAIT, |s| {
            matches!(via(s), FeedVia::Poll(_))
        })
        .await;
    assert!(refused, "{:?}", via(&h.state));
    let text = h.state.live_text();
    assert!(text.contains("↻ list poll every 5s"), "{text}");
    assert!(
        h.state
            .message
            .as_deref()
            .unwrap_or("")
            .contains("push refused"),
        "{:?}",
        h.state.message
    );
    // Polling keeps the list: the row ends with a refresh.
    let ended = h
        .run_until(Instant::now() + WAIT, |s| {
            s.list.row(&id).is_some_and(|r| r.end().is_some())
        })
        .await;
    assert!(ended, "the row ends by polling");
    assert_eq!(h.state.follow.as_ref().unwrap().feed.ended, 0);
    list_equals_the_details_query(&mut h, &client).await;
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_socket_is_caught_up_with_one_tail_query() {
    let sim = common::sim(cfg(3600)).await;
    let (mut h, client) = following(&sim, None).await;
    caught_up(&mut h).await;
    let from = sim.requests().len();
    // Refreshes other than the catch-up (the 5 s tick, which polls while the feed is stale and
    // asks the tail while it is push: a slow machine can meet one meanwhile), and whether the
    // catch-up began the moment the feed said it was back.
    let mut seen = Refreshes {
        was: h.state.follow.as_ref().unwrap().refreshing,
        ..Refreshes::default()
    };
    assert_eq!(sim.notifications().cut_sockets(), 1);
    let down = h
        .run_until(Instant::now() + WAIT, |s| {
            seen.note(s);
            matches!(via(s), FeedVia::Stale { .. })
        })
        .await;
    assert!(down, "{:?}", via(&h.state));
    assert!(
        h.state.live_text().contains("stale since"),
        "{}",
        h.state.live_text()
    );
    let back = h
        .run_until(Instant::now() + WAIT, |s| {
            seen.note(s);
            let f = s.follow.as_ref().unwrap();
            f.feed.is_push() && !f.refreshing && f.feed.reading.is_empty() && !f.feed.catch_up
        })
        .await;
    assert!(back, "push, caught up: {:?}", via(&h.state));
    assert!(
        h.state
            .message
            .as_deref()
            .unwrap_or("")
            .contains("catching up"),
        "{:?}",
        h.state.message
    );
    let made = calls(&sim, from);
    // Back at once, not at the refresh's next tick: the catch-up's refresh began with the
    // event that said the feed was back. It is one tail query (one page), and a multi-get
    // only for rows the tail cannot bring back (none started before today here, unless the
    // test runs just after midnight); each other refresh met meanwhile adds its own.
    assert_eq!(seen.catch_up_began_at_once, Some(true), "{seen:?}");
    assert_eq!(
        made.iter().filter(|p| is_query(p)).count(),
        1 + seen.others,
        "{made:?} {seen:?}"
    );
    assert!(
        made.iter().filter(|p| is_multi_get(p)).count() <= 1 + seen.others,
        "{made:?} {seen:?}"
    );
    list_equals_the_details_query(&mut h, &client).await;
    h.shutdown().await;
}

/// The refreshes `F` began, seen event by event.
#[derive(Debug, Default)]
struct Refreshes {
    /// Whether a refresh was under way after the last event.
    was: bool,
    /// Refreshes begun other than the catch-up after a reconnect.
    others: usize,
    /// At the event that reported the reconnect: whether the catch-up's refresh began with it.
    catch_up_began_at_once: Option<bool>,
}

impl Refreshes {
    fn note(&mut self, s: &State) {
        let f = s.follow.as_ref().unwrap();
        let reconnected = s
            .message
            .as_deref()
            .is_some_and(|m| m.contains("catching up"));
        let began = f.refreshing && !self.was;
        self.was = f.refreshing;
        if reconnected && self.catch_up_began_at_once.is_none() {
            self.catch_up_began_at_once = Some(began && !f.feed.catch_up);
        } else if began {
            self.others += 1;
        }
    }
}

/// A live conversation that a transfer brings into a queue it was not in, after `after` (and
/// within two minutes), and that queue.
fn transferred_into_a_new_queue(sim: &Sim, after: DateTime<Utc>) -> Option<(String, String)> {
    let ds = sim.dataset();
    let queues = |c: &AnalyticsConversation| -> Vec<String> {
        c.participants
            .iter()
            .flat_map(|p| &p.sessions)
            .flat_map(|s| s.extra["segments"].as_array().cloned().unwrap_or_default())
            .filter_map(|s| s["queueId"].as_str().map(str::to_string))
            .collect()
    };
    let later = Utc::now() + chrono::Duration::minutes(2);
    (0..ds.len()).filter(|&i| ds.is_active(i)).find_map(|i| {
        let now = queues(&ds.analytics_at(i, after));
        let then = queues(&ds.analytics_at(i, later));
        let new = then.into_iter().find(|q| !now.contains(q))?;
        // Of the media the form asks for by default.
        Media::Webmessaging
            .admits(&ds.analytics_at(i, later))
            .then(|| (ds.conversation_id(i), new))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_scope_learns_new_conversations_from_the_queue_topic_and_asks_no_tail() {
    let sim = common::sim(cfg(3600)).await;
    // Pattern 1 of the live schedule: transferred 15-45 s from now, often to another queue.
    let (id, queue) = transferred_into_a_new_queue(&sim, Utc::now() + chrono::Duration::seconds(8))
        .expect("the simulator's data has a live conversation transferred to a new queue");
    let client = common::client(&sim);
    let dir = Directory::new(client.clone(), None);
    let name = dir
        .names(Kind::Queue)
        .await
        .unwrap()
        .entities
        .iter()
        .find(|e| e.id == queue)
        .unwrap()
        .name
        .clone();
    let query = format!("queue:\"{name}\"");
    let (mut h, client) = following(&sim, Some(&query)).await;
    assert!(h.state.list.row(&id).is_none(), "not in the queue yet");
    caught_up(&mut h).await;
    let f = h.state.follow.as_ref().unwrap();
    assert_eq!(f.feed.queues, std::slice::from_ref(&queue));
    assert!(
        h.state.live_text().contains("↻ list push (queues)"),
        "{}",
        h.state.live_text()
    );
    let from = sim.requests().len();
    let arrived = h
        .run_until(Instant::now() + Duration::from_secs(60), |s| {
            s.list.row(&id).is_some()
        })
        .await;
    assert!(arrived, "the transfer brings it into the queue");
    assert!(h.state.follow.as_ref().unwrap().feed.arrived >= 1);
    // Its record is read once (the multi-get of the next refresh), its topics followed.
    let read = h
        .run_until(Instant::now() + WAIT, |s| {
            let f = s.follow.as_ref().unwrap();
            f.feed.kept.contains_key(&id) && f.feed.followed.contains(&id)
        })
        .await;
    assert!(read);
    // A refresh or two more: still no tail query.
    h.run_until(Instant::now() + Duration::from_secs(6), |_| false)
        .await;
    let made = calls(&sim, from);
    assert!(!made.iter().any(|p| is_query(p)), "no tail query: {made:?}");
    assert!(
        made.iter().filter(|p| is_multi_get(p)).count() <= 2,
        "{made:?}"
    );
    list_equals_the_details_query(&mut h, &client).await;
    h.shutdown().await;
}
