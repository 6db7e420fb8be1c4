//! State tests of the live queue view: the first page seeds it and starts the queues' feed;
//! events add, update and remove rows; the header says LIVE and the queues; a gap reads the
//! first page again; refused push polls; another query ends the feed.

use super::queue_live::QueueFeed;
use super::*;
use crate::genesys::model::Conversation;
use crate::genesys::notify::{Feed, Message, Status};
use crate::genesys::search::{Entity, Resolved};
use crate::tui::fixtures::{conv, init, now, page, screen_of};

fn queue_scope() -> Scope {
    let interval = crate::genesys::query::Interval::new(now() - chrono::Duration::days(7), now());
    Scope::new(interval, crate::genesys::query::Media::Any).with_search(Resolved {
        text: r#"queue:"Support - Tier 1" live"#.into(),
        queues: vec![Entity {
            id: "q1".into(),
            name: "Support - Tier 1".into(),
        }],
        live: true,
        ..Default::default()
    })
}

fn going_on(id: &str, minute: u32) -> crate::genesys::model::AnalyticsConversation {
    let mut c = conv(id, minute, "Ann", "Bob");
    c.conversation_end = None;
    c
}

/// The query effect's id among `fx`.
fn query_in(fx: &[Effect]) -> Option<u64> {
    fx.iter().find_map(|e| match e {
        Effect::Query { query_id, .. } => Some(*query_id),
        _ => None,
    })
}

/// `--live` started on `s`: the queues' feed first, the first page once the channel has the
/// topics. The view's generation and the first page's query id.
fn open(s: &mut State) -> (u64, u64) {
    let fx = update(
        s,
        Event::Resolved {
            id: 0,
            result: Ok(queue_scope()),
        },
    );
    let g = s.queue_view.as_ref().expect("the view").generation;
    assert!(
        fx.contains(&Effect::QueuePush {
            queues: vec!["q1".into()],
            generation: g
        }),
        "{fx:?}"
    );
    assert_eq!(
        query_in(&fx),
        None,
        "nothing read before the channel has the topics"
    );
    assert!(screen(s).contains("LIVE Support - Tier 1 (connecting)"));
    let fx = fed(s, g, Feed::Status(Status::Live));
    let qid = query_in(&fx).expect("the first page is asked for once the channel has them");
    (g, qid)
}

/// `--live` started: the first page (c1, c2 going on) loaded.
fn seeded() -> (State, u64) {
    let mut s = screen_of(
        Init {
            live_queues: true,
            ..init()
        },
        140,
        30,
    );
    update(
        &mut s,
        Event::Resize {
            width: 140,
            height: 30,
        },
    );
    let (g, qid) = open(&mut s);
    update(
        &mut s,
        page(qid, 2, vec![going_on("c1", 1), going_on("c2", 2)]),
    );
    let fx = update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: qid,
            loaded: 2,
        }),
    );
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::QueuePush { .. })),
        "subscribed once: {fx:?}"
    );
    (s, g)
}

fn fed(s: &mut State, g: u64, feed: Feed) -> Vec<Effect> {
    update(
        s,
        Event::QueueFed {
            generation: g,
            feed,
            at: now(),
        },
    )
}

fn event(body: serde_json::Value) -> Feed {
    let c: Conversation = serde_json::from_value(body).unwrap();
    Feed::Event {
        topic: "v2.routing.queues.q1.conversations".into(),
        message: Message::Queue {
            queue_id: "q1".into(),
            conversation: Box::new(c),
        },
    }
}

fn ids(s: &State) -> Vec<String> {
    let mut v: Vec<String> = s.list.rows.iter().map(|r| r.id().to_string()).collect();
    v.sort();
    v
}

/// What the header and status line say, and the rows' names as the list shows them.
fn screen(s: &State) -> String {
    let mut out = s
        .queue_view
        .as_ref()
        .map(|v| v.header(s.zone()))
        .unwrap_or_default();
    out.push_str(&format!(" · {}", s.message.clone().unwrap_or_default()));
    for r in &s.list.rows {
        let c = r.cells(s.zone(), &s.names);
        out.push_str(&format!(
            "\n{} {} {} {}",
            c.customer, c.agents, c.media, c.duration
        ));
    }
    out
}

#[test]
fn the_first_page_then_events_keep_the_list() {
    let (mut s, g) = seeded();
    assert_eq!(ids(&s), ["c1", "c2"]);
    assert!(fed(&mut s, g, Feed::Status(Status::Live)).is_empty());
    let text = screen(&s);
    assert!(text.starts_with("LIVE Support - Tier 1 ·"), "{text}");

    // A conversation enters the queue: a row like the others (customer, media, live).
    let entering = serde_json::json!({"id": "c3", "participants": [
        {"id": "p1", "purpose": "customer", "name": "Zoe",
         "messages": [{"id": "m", "state": "connected", "direction": "inbound", "type": "webmessaging",
                       "connectedTime": "2026-11-24T08:30:00.000Z"}]},
        {"id": "p2", "purpose": "acd", "name": "Support - Tier 1", "queueId": "q1",
         "messages": [{"id": "m2", "state": "connected"}]}]});
    assert!(fed(&mut s, g, event(entering.clone())).is_empty());
    assert_eq!(ids(&s), ["c1", "c2", "c3"]);
    let text = screen(&s);
    assert!(text.contains("Zoe"), "{text}");
    // An agent answers: the row updates in place.
    let mut answered = entering.clone();
    answered["participants"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!(
        {"id": "p3", "purpose": "agent", "name": "Yuri", "userId": "u9",
         "messages": [{"id": "m3", "state": "connected"}]}));
    fed(&mut s, g, event(answered.clone()));
    assert_eq!(ids(&s), ["c1", "c2", "c3"]);
    assert!(screen(&s).contains("Yuri"));
    // It ends: every participant left.
    let mut ended = answered;
    for p in ended["participants"].as_array_mut().unwrap() {
        p["endTime"] = "2026-11-24T08:40:00.000Z".into();
    }
    fed(&mut s, g, event(ended));
    assert_eq!(ids(&s), ["c1", "c2"]);
    assert_eq!(s.queue_view.as_ref().unwrap().events, 3);
    // A feed of another generation (an old view) changes nothing.
    fed(&mut s, g + 100, event(entering));
    assert_eq!(ids(&s), ["c1", "c2"]);
}

#[test]
fn gaps_catch_up_refusals_poll_and_another_query_ends_the_feed() {
    let (mut s, g) = seeded();
    fed(&mut s, g, Feed::Status(Status::Live));
    // Down: the header says the list may be stale.
    fed(
        &mut s,
        g,
        Feed::Status(Status::Down {
            why: "cut".into(),
            since: now(),
        }),
    );
    assert!(matches!(
        s.queue_view.as_ref().unwrap().feed,
        QueueFeed::Stale(_)
    ));
    assert!(screen(&s).contains("stale since"));
    // Back after a gap: the first page is read again (and re-seeds when done).
    let fx = fed(
        &mut s,
        g,
        Feed::Status(Status::Resumed("a reconnect".into())),
    );
    let qid = fx
        .iter()
        .find_map(|e| match e {
            Effect::Query { query_id, .. } => Some(*query_id),
            _ => None,
        })
        .expect("a catch-up read");
    update(&mut s, page(qid, 1, vec![going_on("c2", 2)]));
    let fx = update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: qid,
            loaded: 1,
        }),
    );
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::QueuePush { .. })),
        "the same feed goes on: {fx:?}"
    );
    assert_eq!(ids(&s), ["c2"]);
    assert_eq!(s.queue_view.as_ref().unwrap().set.ids(), ["c2"]);
    // Refused: says so and polls (the list refresh).
    let fx = fed(&mut s, g, Feed::Status(Status::Refused("403".into())));
    assert!(
        fx.iter().any(|e| matches!(e, Effect::FollowAfter { .. })),
        "{fx:?}"
    );
    assert!(s.follow.is_some());
    assert!(screen(&s).contains("push refused"));
    // Push back: polling stops, the first page is read again.
    let fx = fed(&mut s, g, Feed::Status(Status::Live));
    assert!(s.follow.is_none());
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Query { .. })),
        "{fx:?}"
    );
    // A query that is not `queue:… live`: the feed ends.
    let other = Scope::new(queue_scope().interval, crate::genesys::query::Media::Any);
    s.resolving = 7;
    let fx = update(
        &mut s,
        Event::Resolved {
            id: 7,
            result: Ok(other),
        },
    );
    assert!(fx.contains(&Effect::StopQueuePush), "{fx:?}");
    assert!(s.queue_view.is_none());
    assert!(!screen(&s).contains("LIVE"));
}

#[test]
fn an_event_keeps_the_queue_and_address_the_first_page_gave() {
    let mut s = screen_of(
        Init {
            live_queues: true,
            ..init()
        },
        140,
        30,
    );
    s.names.insert(
        crate::genesys::directory::Kind::Queue,
        "q1".into(),
        Some("Support - Tier 1".into()),
    );
    let (g, qid) = open(&mut s);
    // The details query's record: the customer's session with its address, the acd
    // participant's segment naming the queue (the list's row keeps neither whole).
    let mut c = going_on("c1", 1);
    c.participants[0].sessions[0].session_id = Some("m1".into());
    c.participants[0].sessions[0]
        .extra
        .insert("addressFrom".into(), "+15551234".into());
    c.participants[1].purpose = Some("acd".into());
    c.participants[1].sessions[0].session_id = Some("m2".into());
    c.participants[1].sessions[0].extra.insert(
        "segments".into(),
        serde_json::json!([{"segmentType": "interact", "queueId": "q1",
                            "segmentStart": "2026-11-24T08:01:00.000Z"}]),
    );
    update(&mut s, page(qid, 1, vec![c]));
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: qid,
            loaded: 1,
        }),
    );
    let cells = |s: &State| s.list.rows[0].cells(s.zone(), &s.names);
    assert_eq!(cells(&s).queue, "Support - Tier 1");
    // An agent answers: the event has the sessions (same ids), not their segments.
    fed(
        &mut s,
        g,
        event(serde_json::json!({"id": "c1", "participants": [
            {"id": "c1-p1", "purpose": "customer", "name": "Ann",
             "messages": [{"id": "m1", "state": "connected", "direction": "inbound",
                           "type": "webmessaging"}]},
            {"id": "c1-p2", "purpose": "acd", "name": "Support - Tier 1", "queueId": "q1",
             "messages": [{"id": "m2", "state": "connected"}]},
            {"id": "c1-p4", "purpose": "agent", "name": "Yuri", "userId": "u9", "queueId": "q1",
             "messages": [{"id": "m4", "state": "connected"}]}]})),
    );
    let c = cells(&s);
    assert_eq!(c.queue, "Support - Tier 1", "{c:?}");
    assert_eq!(c.address, "+15551234", "{c:?}");
    assert!(c.agents.contains("Yuri"), "{c:?}");
}

/// A fresh `--live` screen.
fn fresh_screen() -> State {
    screen_of(
        Init {
            live_queues: true,
            ..init()
        },
        140,
        30,
    )
}

fn waiting_event(id: &str, ended: bool) -> Feed {
    let end = if ended {
        serde_json::json!("2026-11-24T08:40:00.000Z")
    } else {
        serde_json::Value::Null
    };
    event(serde_json::json!({"id": id, "participants": [
        {"id": format!("{id}-p1"), "purpose": "customer", "name": "Zoe", "endTime": end,
         "messages": [{"id": "m", "state": "connected", "direction": "inbound",
                       "type": "webmessaging", "connectedTime": "2026-11-24T08:30:00.000Z"}]},
        {"id": format!("{id}-p2"), "purpose": "acd", "name": "Support - Tier 1", "queueId": "q1",
         "endTime": end, "messages": [{"id": "m2", "state": "connected"}]}]}))
}

#[test]
fn what_happens_while_the_first_page_loads_is_not_lost_or_undone() {
    let mut s = fresh_screen();
    let (g, qid) = open(&mut s);
    // While the page is read: c3 enters, c1 ends (the page, made before, still has c1).
    fed(&mut s, g, waiting_event("c3", false));
    fed(&mut s, g, waiting_event("c1", true));
    update(
        &mut s,
        page(qid, 2, vec![going_on("c1", 1), going_on("c2", 2)]),
    );
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: qid,
            loaded: 2,
        }),
    );
    assert_eq!(ids(&s), ["c2", "c3"]);
    assert_eq!(s.queue_view.as_ref().unwrap().set.ids(), ["c2", "c3"]);
}

#[test]
fn a_slow_channel_does_not_hold_the_first_page_and_is_caught_up_with() {
    let mut s = fresh_screen();
    update(
        &mut s,
        Event::Resolved {
            id: 0,
            result: Ok(queue_scope()),
        },
    );
    let g = s.queue_view.as_ref().unwrap().generation;
    let fx = update(
        &mut s,
        Event::Due {
            timer: crate::tui::event::Timer::QueueFirstPage { generation: g },
            now: now(),
        },
    );
    let qid = query_in(&fx).expect("read after the grace");
    update(&mut s, page(qid, 1, vec![going_on("c1", 1)]));
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: qid,
            loaded: 1,
        }),
    );
    // The channel has the topics at last: the first page once more (what happened between).
    let fx = fed(&mut s, g, Feed::Status(Status::Live));
    assert!(query_in(&fx).is_some(), "{fx:?}");
    // A late grace timer does nothing.
    let fx = update(
        &mut s,
        Event::Due {
            timer: crate::tui::event::Timer::QueueFirstPage { generation: g },
            now: now(),
        },
    );
    assert_eq!(query_in(&fx), None);
}

#[test]
fn push_refused_at_once_still_reads_the_first_page_and_polls() {
    let mut s = fresh_screen();
    update(
        &mut s,
        Event::Resolved {
            id: 0,
            result: Ok(queue_scope()),
        },
    );
    let g = s.queue_view.as_ref().unwrap().generation;
    let fx = fed(&mut s, g, Feed::Status(Status::Refused("403".into())));
    assert!(query_in(&fx).is_some(), "{fx:?}");
    assert!(s.follow.is_some(), "the list refresh polls");
    assert!(screen(&s).contains("(push refused: polling)"));
}

#[test]
fn f_in_the_live_queue_view_adds_no_second_feed() {
    let (mut s, g) = seeded();
    fed(&mut s, g, Feed::Status(Status::Live));
    s.focus = Focus::List;
    let fx = crate::tui::fixtures::key(&mut s, ratatui::crossterm::event::KeyCode::Char('F'));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(s.follow.is_none());
    assert!(
        s.message
            .as_deref()
            .is_some_and(|m| m.contains("keeps itself current")),
        "{:?}",
        s.message
    );
}
