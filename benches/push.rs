//! The watch fed by push, against the simulator on loopback. Run with `cargo bench --bench push`.
//!
//! First, a minute of watching one live conversation (`--active 20`, the one that gets a
//! transfer within the minute) through the screen's own `update`, the effects it asks for
//! carried out as the runner does: it prints, from each event's `eventTime` to the screen's
//! state holding it, the median, 99th percentile and maximum, and the API requests the minute
//! cost. Then divan times `update` for one pushed attribute event alone.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use chrono::Utc;
use convoscope::genesys::client::CallOpts;
use convoscope::genesys::model::AnalyticsConversation;
use convoscope::genesys::notify::events::{DetailBody, detail_topics};
use convoscope::genesys::notify::{
    DetailEvent, DetailKind, Feed, Message, Notifier, NotifierConfig, Status,
};
use convoscope::genesys::{Client, ClientConfig, Credentials, Secret};
use convoscope::paging::PageEvent;
use convoscope::sim::{Sim, SimConfig};
use convoscope::timespec::Zone;
use convoscope::tui::app::{Effect, Event, Focus, Init, State, update};
use convoscope::tui::detail::Fresh;
use divan::Bencher;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
});

fn main() {
    let secs = std::env::var("PUSH_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    RT.block_on(a_minute_of_watching(Duration::from_secs(secs)));
    divan::main();
}

/// A screen watching `id` (its row selected, `w` pressed), as the key leaves it.
fn watching(id: &str) -> (State, u64) {
    let mut s = State::new(Init {
        zone: Zone::Utc,
        zone_label: "UTC".into(),
        connection: "DEMO".into(),
        ..Default::default()
    });
    update(
        &mut s,
        Event::Resize {
            width: 160,
            height: 45,
        },
    );
    s.query_seq = 1;
    s.list.reset(1);
    let row: AnalyticsConversation =
        serde_json::from_value(serde_json::json!({ "conversationId": id })).unwrap();
    update(
        &mut s,
        Event::Page(PageEvent::Page {
            query_id: 1,
            page_number: 1,
            total_hits: 1,
            conversations: vec![row],
        }),
    );
    s.focus = Focus::List;
    update(
        &mut s,
        Event::Key {
            key: KeyEvent::new(KeyCode::Char('w'), KeyModifiers::NONE),
            now: Utc::now(),
        },
    );
    let g = s.watch.as_ref().expect("watching").generation;
    (s, g)
}

/// The watch's read, as the runner makes it.
async fn read(s: &mut State, client: &Client, id: &str, generation: u64) -> Vec<Effect> {
    let (conv, raw) = client.conversation(id, CallOpts::default()).await.unwrap();
    update(
        s,
        Event::Watched {
            id: id.to_string(),
            generation,
            result: Ok(Fresh { conv, raw }),
            at: Utc::now(),
        },
    )
}

async fn a_minute_of_watching(span: Duration) {
    let sim = Sim::start(SimConfig {
        addr: "127.0.0.1:0".into(),
        conversations: 2000,
        days: 2,
        until: Utc::now(),
        active: 20,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let url = sim.url();
    let client = Arc::new(
        Client::new(ClientConfig::new(
            &url,
            &url,
            Credentials::ClientCredentials {
                client_id: "demo".into(),
                secret: Secret::new("demo"),
            },
        ))
        .unwrap(),
    );
    client.authenticate().await.unwrap();
    let ds = sim.dataset();
    let live: Vec<usize> = (0..ds.len()).filter(|&i| ds.is_active(i)).collect();
    // Pattern 1 (k mod 5 == 1): a second agent 15-45 s from now.
    let id = ds.conversation_id(live[1]);
    let before = sim.requests().len();
    let notifier = Notifier::start(client.clone(), NotifierConfig::default());
    let (mut s, generation) = watching(&id);
    let mut sub = notifier.subscribe(detail_topics(&id));
    // The state asks for its read once the channel has the topics (`Status::Live`).
    let mut pending: Vec<Effect> = Vec::new();
    let mut to_state_ms: Vec<f64> = Vec::new();
    let until = tokio::time::Instant::now() + span;
    while let Ok(Some(feed)) = tokio::time::timeout_at(until, sub.rx.recv()).await {
        let event_time = match &feed {
            Feed::Event {
                message: Message::Detail(ev),
                ..
            } => ev.body.event_time,
            _ => None,
        };
        let fx = update(
            &mut s,
            Event::Pushed {
                generation,
                feed,
                at: Utc::now(),
            },
        );
        if let Some(t) = event_time {
            // The state holds it now: from the event's time on the simulator to here.
            let done = Utc::now().timestamp_micros();
            to_state_ms.push((done - t * 1000) as f64 / 1000.0);
        }
        pending.extend(fx);
        for fx in std::mem::take(&mut pending) {
            if let Effect::WatchFetch { .. } = fx {
                pending.extend(read(&mut s, &client, &id, generation).await);
            }
        }
    }
    let calls: Vec<String> = sim.requests()[before..]
        .iter()
        .map(|r| r.path.rsplit('/').take(2).collect::<Vec<_>>().join("<"))
        .collect();
    let requests = calls.len();
    let changes = s.timelines.len(&id);
    notifier.close().await;
    to_state_ms.sort_by(f64::total_cmp);
    let q = |p: f64| {
        to_state_ms
            .get(((to_state_ms.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    println!(
        "watching one live conversation by push for {} s: {} events, {} changes in the timeline, \
         {} requests (the WebSocket's upgrade and the token included; polling every 2 s: {})",
        span.as_secs(),
        to_state_ms.len(),
        changes,
        requests,
        span.as_secs() / 2
    );
    println!(
        "event time -> screen state: median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        q(0.5),
        q(0.99),
        q(1.0)
    );
    println!("the requests (last parts of their paths, reversed): {calls:?}");
    let status = s.live_text();
    println!("status line: {}", status.trim());
    sim.stop().await;
}

/// One pushed attribute update, applied to a watched conversation's state (the diff, the
/// timeline, the list row, the detail document).
#[divan::bench]
fn pushed_attribute_event_to_state(bencher: Bencher) {
    let id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    let (mut s, generation) = watching(id);
    let conv: convoscope::genesys::model::Conversation =
        serde_json::from_value(serde_json::json!({
            "id": id,
            "participants": [
                {"id": "p1", "purpose": "customer", "name": "Jane",
                 "attributes": {"context.pageViews": "3", "lastPage": "/a"}},
                {"id": "p2", "purpose": "agent", "name": "Bob", "attributes": {}}
            ]
        }))
        .unwrap();
    let raw = serde_json::to_string(&conv).unwrap();
    update(
        &mut s,
        Event::Watched {
            id: id.into(),
            generation,
            result: Ok(Fresh { conv, raw }),
            at: Utc::now(),
        },
    );
    update(
        &mut s,
        Event::Pushed {
            generation,
            feed: Feed::Status(Status::Live),
            at: Utc::now(),
        },
    );
    let mut n = 0u64;
    bencher.bench_local(|| {
        n += 1;
        let ev = DetailEvent {
            conversation_id: id.into(),
            family: String::new(),
            kind: DetailKind::Attributes,
            body: DetailBody {
                event_time: Some(Utc::now().timestamp_millis()),
                conversation_id: Some(id.into()),
                participant_id: Some("p1".into()),
                attributes: [
                    ("context.pageViews".to_string(), n.to_string()),
                    ("lastPage".to_string(), format!("/{n}")),
                ]
                .into_iter()
                .collect(),
                ..Default::default()
            },
        };
        update(
            &mut s,
            Event::Pushed {
                generation,
                feed: Feed::Event {
                    topic: format!("v2.detail.events.conversation.{id}.attributes"),
                    message: Message::Detail(Box::new(ev)),
                },
                at: Utc::now(),
            },
        )
    });
}
