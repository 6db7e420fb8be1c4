//! `F` (the list keeping itself current) on a 20,000-conversation day with 60 conversations
//! going on, by push and by polling, against the simulator on loopback with its default rate
//! limit (300 a minute). Run with `cargo bench --bench follow`.
//!
//! First, for each of: the whole day (a 12-hour range, any media) and one queue (`queue:NAME`),
//! by push and by polling (the simulator refusing the Notifications API's topics), the
//! screen's own state and runner (`tui::headless`) follow the list for `FOLLOW_BENCH_SECS`
//! (default 60) after `F` caught up: it prints the API requests per 30 s (tail pages, multi-gets,
//! subscription changes), the rows that ended meanwhile, and for each the time from its end (the
//! simulator's `conversationEnd`, the `.end` event's time) to the screen's state showing it
//! ended. The simulator's `--until` is 100 s back, so that live conversations end during the
//! run. Then divan times `update` for one pushed end event on a followed row.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use chrono::Utc;
use convoscope::genesys::directory::{Directory, Kind};
use convoscope::genesys::model::{AnalyticsConversation, format_time};
use convoscope::genesys::notify::events::DetailBody;
use convoscope::genesys::notify::{DetailEvent, DetailKind, Feed, Message, Status};
use convoscope::genesys::query::Media;
use convoscope::genesys::{Client, ClientConfig, Credentials, Secret};
use convoscope::paging::PageEvent;
use convoscope::sim::{Forbid, Sim, SimConfig};
use convoscope::timespec::Zone;
use convoscope::tui::app::{Event, FeedVia, Init, State, update};
use convoscope::tui::headless::Headless;
use convoscope::tui::list::Load;
use divan::Bencher;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tokio::time::Instant;

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
});

fn main() {
    let secs = std::env::var("FOLLOW_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    RT.block_on(async {
        for queue in [false, true] {
            for push in [true, false] {
                follow(Duration::from_secs(secs), queue, push).await;
            }
        }
    });
    divan::main();
}

fn client_of(sim: &Sim) -> Arc<Client> {
    let url = sim.url();
    Arc::new(
        Client::new(ClientConfig::new(
            &url,
            &url,
            Credentials::ClientCredentials {
                client_id: "demo".into(),
                secret: Secret::new("demo"),
            },
        ))
        .unwrap(),
    )
}

fn queues_of(c: &AnalyticsConversation) -> Vec<String> {
    c.participants
        .iter()
        .flat_map(|p| &p.sessions)
        .flat_map(|s| s.extra["segments"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["queueId"].as_str().map(str::to_string))
        .collect()
}

async fn follow(span: Duration, by_queue: bool, push: bool) {
    let until = Utc::now() - chrono::Duration::seconds(100);
    let sim = Sim::start(SimConfig {
        addr: "127.0.0.1:0".into(),
        seed: 5,
        conversations: 20_000,
        days: 1,
        until,
        active: 60,
        forbid: if push {
            Forbid::default()
        } else {
            Forbid::parse("topics").unwrap()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let client = client_of(&sim);
    client.authenticate().await.unwrap();
    let ds = sim.dataset();
    // The queue with the most live conversations now.
    let query = if by_queue {
        let mut count = std::collections::BTreeMap::<String, usize>::new();
        for i in (0..ds.len()).filter(|&i| ds.is_active(i)) {
            for q in queues_of(&ds.analytics(i)) {
                *count.entry(q).or_default() += 1;
            }
        }
        let (id, _) = count.into_iter().max_by_key(|(_, n)| *n).unwrap();
        let dir = Directory::new(client.clone(), None);
        let listing = dir.names(Kind::Queue).await.unwrap();
        let name = &listing.entities.iter().find(|e| e.id == id).unwrap().name;
        Some(format!("queue:\"{name}\""))
    } else {
        None
    };
    let state = State::new(Init {
        from: Some("-12h".into()),
        to: Some("now".into()),
        media: Some(Media::Any),
        query: query.clone(),
        zone: Zone::Utc,
        zone_label: "UTC".into(),
        connection: "SIM".into(),
        now: Some(Utc::now()),
        ..Default::default()
    });
    let mut h = Headless::new(client.clone(), state, 200, 50);
    h.send(Event::Submit { now: Utc::now() });
    let wait = Instant::now() + Duration::from_secs(120);
    assert!(
        h.run_until(wait, |s| s.list.load == Load::Done
            && !s.list.rows.is_empty())
            .await
    );
    let rows = h.state.list.rows.len();
    h.send(Event::Key {
        key: KeyEvent::new(KeyCode::Char('F'), KeyModifiers::NONE),
        now: Utc::now(),
    });
    // Push live and caught up, or refused; then a refresh answered.
    let ready = h
        .run_until(Instant::now() + Duration::from_secs(60), |s| {
            let f = s.follow.as_ref().unwrap();
            let settled = match &f.feed.via {
                FeedVia::Push => !f.feed.catch_up,
                FeedVia::Poll(_) => true,
                _ => false,
            };
            settled && f.updated.is_some() && !f.refreshing && f.feed.reading.is_empty()
        })
        .await;
    assert!(ready, "{:?}", h.state.follow.as_ref().map(|f| &f.feed.via));
    let live = |s: &State| -> std::collections::HashSet<String> {
        s.list
            .rows
            .iter()
            .filter(|r| r.end().is_none())
            .map(|r| r.id().to_string())
            .collect()
    };
    let mut going = live(&h.state);
    let live_at_start = going.len();
    let from = sim.requests().len();
    let mut to_screen_ms: Vec<f64> = Vec::new();
    h.run_for(Instant::now() + span, |s, _| {
        let now_live = live(s);
        for id in going.difference(&now_live) {
            if let Some(end) = s.list.row(id).and_then(|r| r.end()) {
                to_screen_ms.push((Utc::now() - end).num_microseconds().unwrap_or(0) as f64 / 1e3);
            }
        }
        going = now_live;
    })
    .await;
    let calls: Vec<String> = sim.requests()[from..]
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| !p.starts_with("/oauth") && !p.starts_with("/channels/"))
        .collect();
    let per_30 = |n: usize| n as f64 * 30.0 / span.as_secs_f64();
    let tails = calls
        .iter()
        .filter(|p| p.ends_with("/details/query"))
        .count();
    let multi = calls
        .iter()
        .filter(|p| p.ends_with("/analytics/conversations/details"))
        .count();
    let subs = calls
        .iter()
        .filter(|p| p.ends_with("/subscriptions") || p.ends_with("/notifications/channels"))
        .count();
    // The detail pane reading the selected row, names looked up: the screen's, not F's.
    let others: Vec<&String> = calls
        .iter()
        .filter(|p| {
            !p.ends_with("/details/query")
                && !p.ends_with("/analytics/conversations/details")
                && !p.ends_with("/subscriptions")
                && !p.ends_with("/notifications/channels")
        })
        .collect();
    let of_f = tails + multi + subs;
    to_screen_ms.sort_by(f64::total_cmp);
    let q = |p: f64| {
        to_screen_ms
            .get(((to_screen_ms.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    let f = h.state.follow.as_ref().unwrap();
    println!(
        "F on {} ({rows} rows, {live_at_start} going on), {}: {:.1} requests per 30 s \
         ({tails} tail pages, {multi} multi-gets, {subs} channel and topic changes in {} s; \
         besides, the screen's {others:?}); \
         {} rows ended: end -> screen median {:.0} ms, max {:.0} ms; {} events, status: {}",
        query
            .as_deref()
            .unwrap_or("a 12-hour range of a 20,000-conversation day"),
        if push {
            "by push"
        } else {
            "by polling (topics refused)"
        },
        per_30(of_f),
        span.as_secs(),
        to_screen_ms.len(),
        q(0.5),
        q(1.0),
        f.feed.events,
        h.state.live_text().trim(),
    );
    h.shutdown().await;
    sim.stop().await;
}

/// A followed live row (customer and agent on), `F` live and caught up.
fn followed_state() -> State {
    let id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    let mut s = State::new(Init {
        zone: Zone::Utc,
        zone_label: "UTC".into(),
        connection: "DEMO".into(),
        now: Some(Utc::now()),
        ..Default::default()
    });
    update(
        &mut s,
        Event::Resize {
            width: 160,
            height: 45,
        },
    );
    let start = format_time(Utc::now() - chrono::Duration::minutes(3));
    let row: AnalyticsConversation = serde_json::from_value(serde_json::json!({
        "conversationId": id, "conversationStart": start,
        "participants": [
            {"participantId": "p1", "purpose": "customer", "sessions": [{"mediaType": "message",
              "messageType": "webmessaging", "segments": [{"segmentStart": start, "segmentType": "interact"}]}]},
            {"participantId": "p2", "purpose": "agent", "userId": "u1", "sessions": [{"mediaType": "message",
              "segments": [{"segmentStart": start, "segmentType": "interact"}]}]}
        ]
    }))
    .unwrap();
    s.focus = convoscope::tui::app::Focus::Form;
    update(&mut s, Event::Submit { now: Utc::now() });
    let q = s.list.query_id;
    let page = |rows: Vec<AnalyticsConversation>, q: u64| {
        Event::Page(PageEvent::Page {
            query_id: q,
            page_number: 1,
            total_hits: rows.len() as u64,
            conversations: rows,
        })
    };
    update(&mut s, page(vec![row.clone()], q));
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: q,
            loaded: 1,
        }),
    );
    update(
        &mut s,
        Event::Key {
            key: KeyEvent::new(KeyCode::Char('F'), KeyModifiers::NONE),
            now: Utc::now(),
        },
    );
    let generation = s.follow.as_ref().unwrap().feed.generation;
    update(
        &mut s,
        Event::FollowFed {
            generation,
            feed: Feed::Status(Status::Live),
            at: Utc::now(),
        },
    );
    let q = s.list.query_id;
    update(&mut s, page(vec![row], q));
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: q,
            loaded: 1,
        }),
    );
    assert_eq!(s.follow.as_ref().unwrap().feed.kept.len(), 1);
    s
}

/// One pushed end event applied to a followed row (the record, the list row, the status), on
/// a list of one row: the agent leaves (the customer stays).
#[divan::bench]
fn pushed_end_event_to_state(bencher: Bencher) {
    let id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    bencher
        .with_inputs(followed_state)
        .bench_local_values(|mut s| {
            let generation = s.follow.as_ref().unwrap().feed.generation;
            let ev = DetailEvent {
                conversation_id: id.into(),
                family: "user".into(),
                kind: DetailKind::End,
                body: DetailBody {
                    event_time: Some(Utc::now().timestamp_millis()),
                    participant_id: Some("p2".into()),
                    disconnect_type: Some("CLIENT".into()),
                    ..Default::default()
                },
            };
            update(
                &mut s,
                Event::FollowFed {
                    generation,
                    feed: Feed::Event {
                        topic: format!("v2.detail.events.conversation.{id}.user.end"),
                        message: Message::Detail(Box::new(ev)),
                    },
                    at: Utc::now(),
                },
            );
            s
        });
}
