//! State tests of `F` fed by push: what it subscribes to, how events change rows, what each
//! refresh asks for (push, poll, catching up, queues), and what the status line says.

use super::*;
use crate::genesys::model::{AnalyticsConversation, format_time};
use crate::genesys::notify::events::{DetailBody, queue_topic};
use crate::genesys::notify::record::{ROW_KINDS, row_topics};
use crate::genesys::notify::{DetailEvent, DetailKind, Feed, Message, Status};
use crate::genesys::search::{Entity, Resolved};
use crate::tui::fixtures::{IDS, conversation, key, now, page, state, update};
use chrono::Duration as Dur;
use ratatui::crossterm::event::KeyCode;
use serde_json::json;

/// Conversation `IDS[n]` with segments: its customer, queue (closed: an agent answered) and
/// agent, live or ended.
fn rec(n: usize, minutes_ago: i64, live: bool) -> AnalyticsConversation {
    let mut c = conversation(n, minutes_ago, live, "Jane", &["Bob"]);
    let start = now() - Dur::minutes(minutes_ago);
    let end = (!live).then(|| format_time(start + Dur::seconds(754)));
    for p in &mut c.participants {
        let seg = match p.purpose.as_deref() {
            Some("workflow") | Some("acd") => json!({"segmentStart": format_time(start),
                "segmentEnd": format_time(start + Dur::seconds(30)), "segmentType": "interact",
                "queueId": "q1", "disconnectType": "transfer"}),
            _ => json!({"segmentStart": format_time(start), "segmentEnd": end,
                "segmentType": "interact"}),
        };
        p.sessions[0].extra.insert("segments".into(), json!([seg]));
    }
    c
}

/// A list loaded with `rows` (query 1), `F` pressed: its effects.
fn following(rows: Vec<AnalyticsConversation>) -> (State, Vec<Effect>) {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    let n = rows.len() as u64;
    update(&mut s, page(1, n, rows));
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 1,
            loaded: n,
        }),
    );
    let fx = key(&mut s, KeyCode::Char('F'));
    (s, fx)
}

fn feed(s: &State) -> &FollowFeed {
    &s.follow.as_ref().unwrap().feed
}

fn fed(s: &mut State, f: Feed, secs: i64) -> Vec<Effect> {
    let generation = feed(s).generation;
    update(
        s,
        Event::FollowFed {
            generation,
            feed: f,
            at: now() + Dur::seconds(secs),
        },
    )
}

fn due(s: &mut State, secs: i64) -> Vec<Effect> {
    let generation = s.follow.as_ref().unwrap().generation;
    update(
        s,
        Event::FollowDue {
            generation,
            now: now() + Dur::seconds(secs),
        },
    )
}

/// A row event of conversation `IDS[n]`'s participant `pid`, `secs` after `now()`.
fn event(n: usize, family: &str, kind: DetailKind, pid: &str, secs: i64) -> Feed {
    let what = match kind {
        DetailKind::Start => format!("{family}.start"),
        DetailKind::End => format!("{family}.end"),
        _ => "wrapup".into(),
    };
    Feed::Event {
        topic: format!("v2.detail.events.conversation.{}.{what}", IDS[n]),
        message: Message::Detail(Box::new(DetailEvent {
            conversation_id: IDS[n].into(),
            family: family.into(),
            kind,
            body: DetailBody {
                event_time: Some((now() + Dur::seconds(secs)).timestamp_millis()),
                participant_id: Some(pid.into()),
                disconnect_type: Some("CLIENT".into()),
                user_id: Some("user-9".into()),
                ..Default::default()
            },
        })),
    }
}

fn query_of(fx: &[Effect]) -> Option<(u64, crate::genesys::Scope)> {
    fx.iter().find_map(|e| match e {
        Effect::Query {
            query_id,
            scope,
            follow: true,
            ..
        } => Some((*query_id, scope.clone())),
        _ => None,
    })
}

/// The `since` of a refresh's tail (`Some`: only its new conversations are asked for).
fn since_of(fx: &[Effect]) -> Option<chrono::DateTime<chrono::Utc>> {
    fx.iter().find_map(|e| match e {
        Effect::Query { since, .. } => *since,
        _ => None,
    })
}

fn multi_get(fx: &[Effect]) -> Option<Vec<String>> {
    fx.iter().find_map(|e| match e {
        Effect::RefreshRows { ids, .. } => Some(ids.clone()),
        _ => None,
    })
}

/// Answers a refresh's tail with `rows` (and its end).
fn answer(s: &mut State, query_id: u64, rows: Vec<AnalyticsConversation>) -> Vec<Effect> {
    let n = rows.len() as u64;
    update(s, page(query_id, n, rows));
    update(
        s,
        Event::Page(PageEvent::Done {
            query_id,
            loaded: n,
        }),
    )
}

/// Two live rows and an ended one, `F` on, push live and caught up.
fn live_and_caught_up() -> State {
    let rows = vec![rec(0, 3, true), rec(1, 20, true), rec(2, 40, false)];
    let (mut s, fx) = following(rows.clone());
    let mut want: Vec<String> = row_topics(IDS[0]);
    want.extend(row_topics(IDS[1]));
    let topics = fx
        .iter()
        .find_map(|e| match e {
            Effect::FollowPush { topics, .. } => Some(topics.clone()),
            _ => None,
        })
        .expect("F subscribes");
    let mut sorted = topics.clone();
    sorted.sort();
    want.sort();
    assert_eq!(sorted, want, "the live rows' topics, not the ended one's");
    assert!(
        s.live_text().contains("connecting push"),
        "{}",
        s.live_text()
    );
    // The channel has them: every live row is read once (the tail brings them back).
    let fx = fed(&mut s, Feed::Status(Status::Live), 1);
    let (q, scope) = query_of(&fx).expect("a catch-up at once");
    assert_eq!(scope.interval.end, now() + Dur::seconds(1));
    assert_eq!(since_of(&fx), None, "a catch-up reads the whole tail");
    assert_eq!(multi_get(&fx), None, "the tail brings them all back");
    answer(&mut s, q, rows);
    assert_eq!(feed(&s).kept.len(), 2);
    assert!(
        s.live_text().contains("↻ list push · new every 10s"),
        "{}",
        s.live_text()
    );
    s
}

#[test]
fn a_row_ends_with_its_last_participants_end_event_and_leaves_the_channel() {
    let mut s = live_and_caught_up();
    let id = IDS[1];
    // The agent leaves: still going on (the customer is there).
    assert!(fed(&mut s, event(1, "user", DetailKind::End, "1-agent0", 5), 5).is_empty());
    assert_eq!(s.list.row(id).unwrap().end(), None);
    // The customer leaves: over, at the event's time, at once and without a read.
    let fx = fed(
        &mut s,
        event(1, "customer", DetailKind::End, "1-cust", 6),
        6,
    );
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.list.row(id).unwrap().end(), Some(now() + Dur::seconds(6)));
    assert_eq!((feed(&s).events, feed(&s).ended), (2, 1));
    // The next refresh asks for the tail (new conversations; it brings the ended row's
    // final record) and reads nothing else.
    let fx = due(&mut s, 10);
    let (q, tail) = query_of(&fx).expect("the tail");
    assert_eq!(
        since_of(&fx),
        Some(tail.interval.start),
        "its new conversations only"
    );
    assert_eq!(multi_get(&fx), None);
    let mut done = rec(1, 20, true);
    done.conversation_end = Some(format_time(now() + Dur::seconds(6)));
    let fx = answer(&mut s, q, vec![rec(0, 3, true), done]);
    // Its topics stay a while (a removal loses nothing by waiting): its wrap-up comes by them.
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::FollowTopics { .. })),
        "{fx:?}"
    );
    let mut w = event(1, "", DetailKind::Wrapup, "1-agent0", 30);
    if let Feed::Event {
        message: Message::Detail(d),
        ..
    } = &mut w
    {
        d.body.wrapup_code = Some("code-3".into());
    }
    fed(&mut s, w, 30);
    assert_eq!(s.list.row(id).unwrap().facts().wrapups, ["code-3"]);
    // A minute after the last change, the next refresh takes them off, in one PUT.
    let fx = due(&mut s, 60);
    let fx = answer(&mut s, query_of(&fx).unwrap().0, vec![rec(0, 3, true)])
        .into_iter()
        .chain(fx)
        .collect::<Vec<_>>();
    assert!(
        fx.contains(&Effect::FollowTopics {
            topics: row_topics(IDS[0])
        }),
        "{fx:?}"
    );
    assert!(!feed(&s).kept.contains_key(id));
}

#[test]
fn a_row_ended_by_push_is_read_once_more_two_minutes_later_unless_something_brings_it() {
    let mut s = live_and_caught_up();
    fed(&mut s, event(1, "user", DetailKind::End, "1-agent0", 5), 5);
    fed(
        &mut s,
        event(1, "customer", DetailKind::End, "1-cust", 6),
        6,
    );
    // Refreshes whose tail does not bring it (it started before): no read of its own yet.
    for t in [10, 20, 60, 120] {
        let fx = due(&mut s, t);
        assert_eq!(multi_get(&fx), None, "at {t} s");
        answer(&mut s, query_of(&fx).unwrap().0, vec![rec(0, 3, true)]);
    }
    // Two minutes after its end: its final record (the metrics).
    let fx = due(&mut s, 130);
    assert_eq!(multi_get(&fx), Some(vec![IDS[1].to_string()]));
    assert!(feed(&s).settle.is_empty());
}

#[test]
fn an_answer_asked_before_an_event_never_undoes_it() {
    let mut s = live_and_caught_up();
    let fx = due(&mut s, 10);
    let (q, _) = query_of(&fx).unwrap();
    // The row ends while the tail is on its way; the tail, read before, says it goes on.
    fed(
        &mut s,
        event(1, "user", DetailKind::End, "1-agent0", 11),
        11,
    );
    fed(
        &mut s,
        event(1, "customer", DetailKind::End, "1-cust", 11),
        11,
    );
    answer(&mut s, q, vec![rec(0, 3, true), rec(1, 20, true)]);
    assert_eq!(
        s.list.row(IDS[1]).unwrap().end(),
        Some(now() + Dur::seconds(11)),
        "still ended"
    );
    // It is read again, and its record kept until then.
    assert!(feed(&s).stale.contains(IDS[1]));
    assert!(feed(&s).kept.contains_key(IDS[1]));
}

#[test]
fn someone_joining_is_shown_at_once_and_read_with_the_next_multi_get() {
    // A row that started yesterday: the tail (today's) cannot bring it back.
    let old = rec(1, 14 * 60, true);
    let (mut s, _) = following(vec![rec(0, 3, true), old.clone()]);
    let fx = fed(&mut s, Feed::Status(Status::Live), 1);
    let (q, _) = query_of(&fx).unwrap();
    assert_eq!(multi_get(&fx), Some(vec![IDS[1].to_string()]));
    answer(&mut s, q, vec![rec(0, 3, true)]);
    let query_id = s.list.query_id;
    update(
        &mut s,
        Event::Refreshed {
            query_id,
            result: Ok(vec![old]),
        },
    );
    assert_eq!(feed(&s).kept.len(), 2);
    // Caught up: a refresh asks for the tail only.
    let fx = due(&mut s, 10);
    assert_eq!(multi_get(&fx), None);
    answer(&mut s, query_of(&fx).unwrap().0, vec![rec(0, 3, true)]);
    // A second agent joins the old row: on the row at once, by user id, looked up by name.
    let fx = fed(
        &mut s,
        event(1, "user", DetailKind::Start, "1-agent1", 12),
        12,
    );
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Names { ids }
            if ids.iter().any(|(_, id)| id == "user-9"))),
        "{fx:?}"
    );
    let row = s.list.row(IDS[1]).unwrap();
    assert!(
        row.facts()
            .agents
            .iter()
            .any(|(u, _)| u.as_deref() == Some("user-9")),
        "{:?}",
        row.facts()
    );
    // Its purpose and name come with one multi-get, at the next refresh.
    let fx = due(&mut s, 20);
    assert_eq!(multi_get(&fx), Some(vec![IDS[1].to_string()]));
}

/// With `live` in the query the tail brings back only what is still going on: polling reads
/// every live row with the multi-get, or a row that ended would never be seen to end.
#[test]
fn a_live_only_query_polls_every_live_row_with_the_multi_get() {
    let (mut s, _) = following(vec![rec(0, 3, true), rec(1, 14 * 60, true)]);
    s.last_query.as_mut().unwrap().scope.search.live = true;
    fed(
        &mut s,
        Feed::Status(Status::Refused("topics refused: 403".into())),
        1,
    );
    let fx = due(&mut s, 10);
    let (q, scope) = query_of(&fx).expect("the tail, for new conversations");
    assert!(scope.search.live);
    let mut ids = multi_get(&fx).expect("a multi-get");
    ids.sort();
    assert_eq!(ids, [IDS[0].to_string(), IDS[1].to_string()]);
    // The tail answers without the row that ended; the multi-get says it ended.
    answer(&mut s, q, vec![]);
    let query_id = s.list.query_id;
    update(
        &mut s,
        Event::Refreshed {
            query_id,
            result: Ok(vec![rec(0, 3, false), rec(1, 14 * 60, true)]),
        },
    );
    let ended = s.list.rows.iter().find(|r| r.id() == IDS[0]).unwrap();
    assert!(ended.end().is_some(), "the row that ended shows it");
}

#[test]
fn refused_topics_poll_and_push_comes_back_with_a_catch_up() {
    let (mut s, _) = following(vec![rec(0, 3, true), rec(1, 14 * 60, true)]);
    fed(
        &mut s,
        Feed::Status(Status::Refused("topics refused: 403".into())),
        1,
    );
    assert!(
        s.message.as_deref().unwrap().contains("push refused"),
        "{:?}",
        s.message
    );
    let text = s.live_text();
    assert!(
        text.contains("↻ list poll every 10s (topics refused: 403)"),
        "{text}"
    );
    // Polling: the tail, and every live row it cannot bring back.
    let fx = due(&mut s, 10);
    assert!(query_of(&fx).is_some());
    assert_eq!(multi_get(&fx), Some(vec![IDS[1].to_string()]));
    answer(&mut s, query_of(&fx).unwrap().0, vec![rec(0, 3, true)]);
    let query_id = s.list.query_id;
    update(
        &mut s,
        Event::Refreshed {
            query_id,
            result: Ok(vec![rec(1, 14 * 60, true)]),
        },
    );
    // Push again (tried again a minute later): what happened meanwhile is read once, now.
    let fx = fed(&mut s, Feed::Status(Status::Live), 70);
    assert!(s.message.as_deref().unwrap().contains("push is back"));
    assert!(query_of(&fx).is_some(), "{fx:?}");
    assert_eq!(multi_get(&fx), Some(vec![IDS[1].to_string()]));
    assert!(s.live_text().contains("↻ list push"), "{}", s.live_text());
}

#[test]
fn a_gap_says_stale_and_is_caught_up_with_one_tail_and_one_multi_get() {
    let (mut s, _) = following(vec![rec(0, 3, true), rec(1, 14 * 60, true)]);
    fed(&mut s, Feed::Status(Status::Live), 1);
    let fx = fed(
        &mut s,
        Feed::Status(Status::Down {
            why: "the WebSocket ended".into(),
            since: now() + Dur::seconds(2),
        }),
        3,
    );
    assert!(fx.is_empty());
    let text = s.live_text();
    assert!(text.contains("◌ list push stale since 12:30:02"), "{text}");
    // The refresh in flight answered; then the socket is back.
    let q = s.list.query_id;
    answer(&mut s, q, vec![rec(0, 3, true)]);
    update(
        &mut s,
        Event::Refreshed {
            query_id: q,
            result: Ok(vec![rec(1, 14 * 60, true)]),
        },
    );
    let fx = fed(
        &mut s,
        Feed::Status(Status::Resumed("the WebSocket ended".into())),
        4,
    );
    assert!(
        s.message.as_deref().unwrap().contains("catching up"),
        "{:?}",
        s.message
    );
    let queries = fx
        .iter()
        .filter(|e| matches!(e, Effect::Query { .. }))
        .count();
    assert_eq!(queries, 1, "{fx:?}");
    assert_eq!(multi_get(&fx), Some(vec![IDS[1].to_string()]));
    // The timer set before is dropped: the catch-up's answer sets the next one.
    let old = s.follow.as_ref().unwrap().generation;
    assert!(
        update(
            &mut s,
            Event::FollowDue {
                generation: old - 1,
                now: now()
            }
        )
        .is_empty()
    );
}

#[test]
fn a_queue_scope_learns_new_conversations_from_its_queues_and_asks_no_tail() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    // The query's names resolved to queue q1 only.
    if let Some(q) = &mut s.last_query {
        q.scope.media = crate::genesys::query::Media::Any;
        q.scope.search = Resolved {
            queues: vec![Entity {
                id: "q1".into(),
                name: "Support".into(),
            }],
            ..Default::default()
        };
    }
    update(&mut s, page(1, 1, vec![rec(0, 3, true)]));
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 1,
            loaded: 1,
        }),
    );
    let fx = key(&mut s, KeyCode::Char('F'));
    let Some(Effect::FollowPush { topics, .. }) =
        fx.iter().find(|e| matches!(e, Effect::FollowPush { .. }))
    else {
        panic!("{fx:?}")
    };
    assert_eq!(topics[0], queue_topic("q1"));
    assert_eq!(topics.len(), 1 + ROW_KINDS.len());
    let fx = fed(&mut s, Feed::Status(Status::Live), 1);
    let (q, _) = query_of(&fx).expect("the catch-up reads the tail once");
    answer(&mut s, q, vec![rec(0, 3, true)]);
    assert!(
        s.live_text().contains("↻ list push (queues)"),
        "{}",
        s.live_text()
    );
    // Nothing changed: a refresh asks nothing.
    let fx = due(&mut s, 10);
    let g = s.follow.as_ref().unwrap().generation;
    assert_eq!(
        fx,
        vec![Effect::FollowAfter {
            delay: Duration::from_secs(10),
            generation: g
        }]
    );
    // A conversation enters the queue: a row at once, its topics followed.
    let body: crate::genesys::model::Conversation = serde_json::from_value(json!({
        "id": IDS[3],
        "participants": [
            {"id": "p1", "purpose": "customer", "name": "Ann",
             "messages": [{"id": "m1", "state": "connected", "direction": "inbound",
                           "type": "webmessaging",
                           "connectedTime": format_time(now() + Dur::seconds(11))}]},
            {"id": "p2", "purpose": "acd", "name": "Support", "queueId": "q1",
             "messages": [{"id": "m2", "state": "connected"}]}
        ]
    }))
    .unwrap();
    let arrival = |q: &str| Feed::Event {
        topic: queue_topic(q),
        message: Message::Queue {
            queue_id: q.into(),
            conversation: Box::new(body.clone()),
        },
    };
    // Not ours: nothing.
    assert!(fed(&mut s, arrival("q9"), 12).is_empty());
    assert!(s.list.row(IDS[3]).is_none());
    let fx = fed(&mut s, arrival("q1"), 12);
    assert!(s.list.row(IDS[3]).is_some());
    let Some(Effect::FollowTopics { topics }) = fx.first() else {
        panic!("{fx:?}")
    };
    assert!(topics.contains(&row_topics(IDS[3])[0]));
    // Not read before the channel has its topics…
    assert_eq!(multi_get(&due(&mut s, 20)), None);
    // …then read once, and no tail.
    fed(&mut s, Feed::Status(Status::Live), 21);
    let fx = due(&mut s, 30);
    assert!(query_of(&fx).is_none(), "{fx:?}");
    assert_eq!(multi_get(&fx), Some(vec![IDS[3].to_string()]));
    assert_eq!(feed(&s).arrived, 1);
}

#[test]
fn the_topic_budget_takes_the_rows_on_screen_first_and_the_rest_are_polled() {
    let many: Vec<AnalyticsConversation> = (0..150)
        .map(|i| {
            let mut c = rec(0, 3 + i, true);
            c.conversation_id = format!("c{i:03}");
            c
        })
        .collect();
    let (mut s, fx) = following(many);
    let cap = FOLLOW_TOPICS / ROW_KINDS.len();
    let f = feed(&s);
    assert_eq!((f.followed.len(), f.overflow), (cap, 150 - cap));
    let Some(Effect::FollowPush { topics, .. }) =
        fx.iter().find(|e| matches!(e, Effect::FollowPush { .. }))
    else {
        panic!()
    };
    assert_eq!(topics.len(), FOLLOW_TOPICS);
    // Scrolled to the oldest: they are followed from the next refresh on.
    key(&mut s, KeyCode::End);
    fed(&mut s, Feed::Status(Status::Live), 1);
    let shown: Vec<String> = s
        .list
        .visible
        .iter()
        .skip(s.list.offset)
        .take(s.layout.list_rows)
        .map(|&i| s.list.rows[i].id().to_string())
        .collect();
    assert!(shown.contains(&"c149".to_string()), "{shown:?}");
    let q = s.list.query_id;
    let fx = answer(&mut s, q, vec![]);
    assert!(
        fx.iter().any(|e| matches!(e, Effect::FollowTopics { .. })),
        "{fx:?}"
    );
    assert!(shown.iter().all(|id| feed(&s).followed.contains(id)));
    assert!(
        s.live_text().contains("50 live polled"),
        "{}",
        s.live_text()
    );
    // F off: the topics go.
    assert_eq!(
        key(&mut s, KeyCode::Char('F')),
        vec![Effect::StopFollowPush]
    );
}

#[test]
fn an_event_before_a_rows_first_reading_has_it_read_again() {
    let rows = vec![rec(0, 3, true), rec(1, 20, true)];
    let (mut s, _) = following(rows.clone());
    let fx = fed(&mut s, Feed::Status(Status::Live), 1);
    let (q, _) = query_of(&fx).unwrap();
    // The catch-up's tail is on its way; an agent of row 1 leaves meanwhile.
    fed(&mut s, event(1, "user", DetailKind::End, "1-agent0", 2), 2);
    assert!(feed(&s).stale.contains(IDS[1]));
    // The tail, asked before, knows nothing of it: the row is read again.
    answer(&mut s, q, rows);
    assert!(feed(&s).stale.contains(IDS[1]));
    let fx = due(&mut s, 10);
    assert_eq!(multi_get(&fx), Some(vec![IDS[1].to_string()]));
    // Row 0 had no such event: nothing to read.
    assert!(!feed(&s).stale.contains(IDS[0]));
}
