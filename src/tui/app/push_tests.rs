//! State tests of the watch fed by push: events applied with their own time, bursts, joins and
//! leaves, the end, reconnects that catch up, refusals that poll, and honest liveness.

use super::*;
use crate::genesys::model::Conversation;
use crate::genesys::notify::events::DetailBody;
use crate::genesys::notify::{DetailEvent, DetailKind, Feed, Message, Status};
use crate::tui::fixtures::{conv, fresh, key, live, now, page, state, update};
use crate::tui::watch::{ChangeKind, Via, WatchState};
use chrono::Duration as Dur;
use ratatui::crossterm::event::KeyCode;

/// A list of one row `c1`, selected and read, watched: the watch's baseline read answered and
/// push live.
fn watching() -> State {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 1, vec![going_on("c1")]));
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 1,
            loaded: 1,
        }),
    );
    let fx = key(&mut s, KeyCode::Char('w'));
    let g = gen_of(&s);
    // Subscribed first: the read waits for the channel to have the topics (or the grace).
    assert_eq!(
        fx,
        vec![
            Effect::CancelWatch,
            Effect::WatchPush {
                id: "c1".into(),
                generation: g
            },
            Effect::WatchAfter {
                delay: super::live::SUBSCRIBE_GRACE,
                generation: g
            },
        ]
    );
    assert!(
        s.live_text().contains("connecting push"),
        "{}",
        s.live_text()
    );
    assert_eq!(
        push(&mut s, Feed::Status(Status::Live), 0),
        vec![Effect::WatchFetch {
            id: "c1".into(),
            generation: g
        }]
    );
    let fx = read(&mut s, live("c1", &[("page", "/")]), 0);
    assert!(fx.is_empty(), "no polling timer while push comes: {fx:?}");
    // The grace timer, late: nothing more to read.
    let due = Event::WatchDue {
        generation: g,
        now: now() + Dur::seconds(3),
    };
    assert!(update(&mut s, due).is_empty());
    s
}

/// Row `c1` of the list, still going on.
fn going_on(id: &str) -> crate::genesys::model::AnalyticsConversation {
    let mut c = conv(id, 10, "Jane", "Bob");
    c.conversation_end = None;
    c
}

fn gen_of(s: &State) -> u64 {
    s.watch.as_ref().unwrap().generation
}

fn read(s: &mut State, c: Conversation, secs: i64) -> Vec<Effect> {
    let generation = gen_of(s);
    update(
        s,
        Event::Watched {
            id: c.id.clone(),
            generation,
            result: Ok(fresh(c)),
            at: now() + Dur::seconds(secs),
        },
    )
}

fn push(s: &mut State, feed: Feed, secs: i64) -> Vec<Effect> {
    let generation = gen_of(s);
    update(
        s,
        Event::Pushed {
            generation,
            feed,
            at: now() + Dur::seconds(secs),
        },
    )
}

/// A detail event of `c1` at `ms` milliseconds after `now()`.
fn event(family: &str, kind: DetailKind, pid: &str, ms: i64, attrs: &[(&str, &str)]) -> Feed {
    let what = match kind {
        DetailKind::Attributes => "attributes".to_string(),
        DetailKind::Start => format!("{family}.start"),
        DetailKind::End => format!("{family}.end"),
        DetailKind::Acw => "acw".into(),
        DetailKind::Wrapup => "wrapup".into(),
    };
    Feed::Event {
        topic: format!("v2.detail.events.conversation.c1.{what}"),
        message: Message::Detail(Box::new(DetailEvent {
            conversation_id: "c1".into(),
            family: family.into(),
            kind,
            body: DetailBody {
                event_time: Some((now() + Dur::milliseconds(ms)).timestamp_millis()),
                conversation_id: Some("c1".into()),
                participant_id: Some(pid.into()),
                attributes: attrs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                wrapup_code: Some("code-1".into()),
                ..Default::default()
            },
        })),
    }
}

fn kinds(s: &State) -> Vec<(String, ChangeKind, i64, bool)> {
    s.timelines
        .get("c1")
        .map(|t| {
            t.iter()
                .map(|c| {
                    (
                        c.key.clone(),
                        c.kind.clone(),
                        (c.at - now()).num_milliseconds(),
                        c.while_reconnecting,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_burst_of_five_changes_within_a_second_is_all_in_the_timeline_with_event_times() {
    let mut s = watching();
    for (i, v) in ["/a", "/b", "/c", "/d", "/e"].iter().enumerate() {
        let fx = push(
            &mut s,
            event(
                "",
                DetailKind::Attributes,
                "c1-p1",
                200 * i as i64,
                &[("page", v)],
            ),
            1,
        );
        assert!(fx.is_empty(), "an event costs no request: {fx:?}");
    }
    let got = kinds(&s);
    assert_eq!(got.len(), 5, "{got:?}");
    let olds = ["/", "/a", "/b", "/c", "/d"];
    let news = ["/a", "/b", "/c", "/d", "/e"];
    for (i, (k, kind, ms, gap)) in got.iter().enumerate() {
        assert_eq!(k, "page");
        assert_eq!(
            kind,
            &ChangeKind::Changed {
                old: olds[i].into(),
                new: news[i].into()
            }
        );
        assert_eq!(*ms, 200 * i as i64, "the event's own time");
        assert!(!gap);
    }
    // The detail pane and the list row show the latest value.
    let snap = s.detail.snapshot("c1").unwrap();
    assert_eq!(snap.conv.participants[0].attributes["page"], "/e");
    assert!(s.list.haystack("c1").unwrap().contains("/e"));
    assert!(s.live_text().contains("● LIVE push"), "{}", s.live_text());
}

#[test]
fn joins_leaves_wrapups_and_the_end_come_from_events() {
    let mut s = watching();
    // An agent joins: marked at the event's time, and read once for its name.
    let fx = push(&mut s, event("user", DetailKind::Start, "ag", 1000, &[]), 1);
    assert_eq!(
        fx,
        vec![Effect::WatchFetch {
            id: "c1".into(),
            generation: gen_of(&s)
        }]
    );
    let mut with_agent = live("c1", &[("page", "/")]);
    with_agent
        .participants
        .push(crate::genesys::model::ConversationParticipant {
            id: "ag".into(),
            name: Some("Ann".into()),
            purpose: Some("agent".into()),
            ..Default::default()
        });
    assert!(read(&mut s, with_agent, 2).is_empty());
    push(&mut s, event("", DetailKind::Wrapup, "ag", 2500, &[]), 3);
    push(&mut s, event("user", DetailKind::End, "ag", 3000, &[]), 3);
    assert_eq!(
        kinds(&s)
            .iter()
            .map(|k| (k.1.clone(), k.2))
            .collect::<Vec<_>>(),
        vec![
            (ChangeKind::Joined, 1000),
            (
                ChangeKind::WrapUp {
                    code: "code-1".into()
                },
                2500
            ),
            (ChangeKind::Left, 3000)
        ]
    );
    assert!(s.watch.as_ref().unwrap().is_live());
    // The customer leaves last: the conversation is over, the watch stops and unsubscribes.
    let fx = push(
        &mut s,
        event("customer", DetailKind::End, "c1-p1", 4000, &[]),
        4,
    );
    assert_eq!(fx, vec![Effect::CancelWatch, Effect::StopPush]);
    assert!(matches!(
        &s.watch.as_ref().unwrap().state,
        WatchState::Stopped(why) if why.contains("ended at 12:30:04")
    ));
}

#[test]
fn a_reconnect_reads_once_and_marks_what_changed_meanwhile() {
    let mut s = watching();
    push(
        &mut s,
        Feed::Status(Status::Alive(now() + Dur::seconds(30))),
        30,
    );
    // The socket is cut: stale at once, since the last sign of life.
    push(
        &mut s,
        Feed::Status(Status::Down {
            why: "the WebSocket failed: reset".into(),
            since: now() + Dur::seconds(30),
        }),
        41,
    );
    let text = s.live_text();
    assert!(text.contains("stale since 12:30:30"), "{text}");
    assert!(
        !text.contains("LIVE"),
        "never a live marker over a dead feed: {text}"
    );
    // Back: one read catches up.
    let fx = push(
        &mut s,
        Feed::Status(Status::Resumed("the WebSocket failed".into())),
        42,
    );
    assert_eq!(
        fx,
        vec![Effect::WatchFetch {
            id: "c1".into(),
            generation: gen_of(&s)
        }]
    );
    assert!(read(&mut s, live("c1", &[("page", "/x")]), 43).is_empty());
    let got = kinds(&s);
    assert_eq!(got.len(), 1);
    assert!(got[0].3, "marked as changed while reconnecting");
    let text = s.live_text();
    assert!(text.contains("● LIVE push"), "{text}");
    // Events after it are not so marked.
    push(
        &mut s,
        event(
            "",
            DetailKind::Attributes,
            "c1-p1",
            44_000,
            &[("page", "/y")],
        ),
        44,
    );
    assert!(!kinds(&s)[1].3);
}

#[test]
fn refused_push_polls_says_why_and_goes_back_to_push() {
    let mut s = watching();
    let fx = push(
        &mut s,
        Feed::Status(Status::Refused(
            "topics refused: missing permission\x1b[31m".into(),
        )),
        5,
    );
    let g = gen_of(&s);
    // A read at once (what changed since push stopped), then every interval.
    assert_eq!(
        fx,
        vec![Effect::WatchFetch {
            id: "c1".into(),
            generation: g
        }]
    );
    let fx = read(&mut s, live("c1", &[("page", "/")]), 6);
    assert_eq!(
        fx,
        vec![Effect::WatchAfter {
            delay: DEFAULT_WATCH_INTERVAL,
            generation: g
        }]
    );
    let text = s.live_text();
    assert!(text.contains("● LIVE poll 2s (topics refused"), "{text}");
    assert!(!text.contains('\x1b'), "sanitised: {text:?}");
    assert!(s.message.as_deref().unwrap().contains("polling every 2 s"));
    // Push is back: one read covers the gap, and the timer no longer reads.
    let fx = push(&mut s, Feed::Status(Status::Live), 20);
    assert_eq!(fx.len(), 1);
    read(&mut s, live("c1", &[("page", "/")]), 21);
    assert!(
        update(
            &mut s,
            Event::WatchDue {
                generation: g,
                now: now() + Dur::seconds(22)
            }
        )
        .is_empty(),
        "nothing polls while push is healthy"
    );
    assert_eq!(s.watch.as_ref().unwrap().via, Via::Push);
}

#[test]
fn a_hanging_read_shows_stale_at_once() {
    let mut s = watching();
    let fx = push(
        &mut s,
        Feed::Status(Status::Resumed("maintenance".into())),
        5,
    );
    assert_eq!(fx.len(), 1);
    let generation = gen_of(&s);
    update(
        &mut s,
        Event::WatchSlow {
            generation,
            since: now() + Dur::seconds(5),
        },
    );
    let text = s.live_text();
    assert!(text.contains("stale since 12:30:05"), "{text}");
    read(&mut s, live("c1", &[("page", "/")]), 20);
    assert!(s.live_text().contains("● LIVE push"), "{}", s.live_text());
}

#[test]
fn pausing_unsubscribes_and_late_events_are_dropped() {
    let mut s = watching();
    let old = gen_of(&s);
    assert_eq!(
        key(&mut s, KeyCode::Char('w')),
        vec![Effect::CancelWatch, Effect::StopPush]
    );
    let fx = update(
        &mut s,
        Event::Pushed {
            generation: old,
            feed: event("", DetailKind::Attributes, "c1-p1", 1, &[("page", "/late")]),
            at: now(),
        },
    );
    assert!(fx.is_empty());
    assert!(kinds(&s).is_empty());
    // An event of another conversation on the same feed changes nothing.
    let fx = key(&mut s, KeyCode::Char('w'));
    assert!(fx.contains(&Effect::WatchPush {
        id: "c1".into(),
        generation: gen_of(&s)
    }));
}

#[test]
fn a_slow_channel_does_not_hold_the_baseline_and_is_caught_up_with_once_it_has_the_topics() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 1, vec![going_on("c1")]));
    let fx = key(&mut s, KeyCode::Char('w'));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::WatchFetch { .. })),
        "not read before the channel has the topics: {fx:?}"
    );
    let g = gen_of(&s);
    // The channel is slow: after the grace the baseline is read all the same.
    let due = |s: &mut State, secs| {
        update(
            s,
            Event::WatchDue {
                generation: g,
                now: now() + Dur::seconds(secs),
            },
        )
    };
    assert_eq!(
        due(&mut s, 3),
        vec![Effect::WatchFetch {
            id: "c1".into(),
            generation: g
        }]
    );
    assert!(read(&mut s, live("c1", &[("page", "/")]), 4).is_empty());
    assert!(due(&mut s, 5).is_empty(), "nothing polls while push comes");
    // The channel has them at last: what changed since that read is read once, and marked.
    let fx = push(&mut s, Feed::Status(Status::Live), 9);
    assert_eq!(fx.len(), 1, "{fx:?}");
    assert!(read(&mut s, live("c1", &[("page", "/b")]), 10).is_empty());
    let got = kinds(&s);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].3,
        "found by a read: marked as changed while reconnecting"
    );
    assert!(due(&mut s, 12).is_empty());
    assert_eq!(s.watch.as_ref().unwrap().via, Via::Push);
}

#[test]
fn a_read_asked_before_an_event_never_undoes_it() {
    let mut s = watching();
    // A reconnect: the catch-up read is asked at 42 s...
    let fx = push(
        &mut s,
        Feed::Status(Status::Resumed("the WebSocket failed".into())),
        42,
    );
    assert_eq!(fx.len(), 1);
    // ...an event comes while it is in flight...
    push(
        &mut s,
        event(
            "",
            DetailKind::Attributes,
            "c1-p1",
            42_300,
            &[("page", "/y")],
        ),
        42,
    );
    // ...and the answer was made before that event: it still says "/".
    assert!(read(&mut s, live("c1", &[("page", "/")]), 43).is_empty());
    let snap = s.detail.snapshot("c1").unwrap();
    assert_eq!(snap.conv.participants[0].attributes["page"], "/y");
    let got = kinds(&s);
    assert_eq!(
        got.iter().map(|k| k.1.clone()).collect::<Vec<_>>(),
        vec![ChangeKind::Changed {
            old: "/".into(),
            new: "/y".into()
        }],
        "no change back to the older value: {got:?}"
    );
    // A participant that joined by an event is not lost by an older answer either.
    push(
        &mut s,
        event("user", DetailKind::Start, "ag", 44_000, &[]),
        44,
    );
    let fx = read(&mut s, live("c1", &[("page", "/y")]), 45);
    assert!(fx.is_empty(), "{fx:?}");
    let snap = s.detail.snapshot("c1").unwrap();
    assert!(snap.conv.participants.iter().any(|p| p.id == "ag"));
}

#[test]
fn a_failed_read_under_push_is_tried_again_and_a_join_during_a_read_reads_once_more() {
    let mut s = watching();
    let g = gen_of(&s);
    // A reconnect's catch-up read fails: tried again after the backoff.
    push(&mut s, Feed::Status(Status::Resumed("cut".into())), 10);
    let fx = update(
        &mut s,
        Event::Watched {
            id: "c1".into(),
            generation: g,
            result: Err(crate::genesys::Error::Server {
                status: 503,
                message: "unavailable".into(),
                context_id: None,
            }),
            at: now() + Dur::seconds(11),
        },
    );
    assert!(
        matches!(fx.as_slice(), [Effect::WatchAfter { .. }]),
        "{fx:?}"
    );
    let fx = update(
        &mut s,
        Event::WatchDue {
            generation: g,
            now: now() + Dur::seconds(15),
        },
    );
    assert_eq!(
        fx,
        vec![Effect::WatchFetch {
            id: "c1".into(),
            generation: g
        }]
    );
    // While it is in flight an agent joins: that read may not name them, one more will.
    let fx = push(
        &mut s,
        event("user", DetailKind::Start, "ag", 15_500, &[]),
        16,
    );
    assert!(fx.is_empty(), "{fx:?}");
    let fx = read(&mut s, live("c1", &[("page", "/")]), 17);
    assert_eq!(
        fx,
        vec![Effect::WatchFetch {
            id: "c1".into(),
            generation: g
        }]
    );
    assert!(read(&mut s, live("c1", &[("page", "/")]), 18).is_empty());
}

/// The detail pane's text.
fn document(s: &State) -> String {
    s.detail
        .document
        .lines
        .iter()
        .map(|l| l.iter().map(|(t, _)| t.as_str()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_end_seen_by_the_watch_is_the_panes_end_though_the_row_was_loaded_live() {
    let mut s = watching();
    assert!(document(&s).contains("End live"), "{}", document(&s));
    // Going on: the time so far, as the list shows it.
    assert!(document(&s).contains("Duration +"), "{}", document(&s));
    push(
        &mut s,
        event("customer", DetailKind::End, "c1-p1", 4000, &[]),
        4,
    );
    assert!(!s.watch.as_ref().unwrap().is_live());
    let text = document(&s);
    // The row started at 08:10 (the fixture's day), the end pushed at 12:30:04 of `now()`.
    assert!(text.contains("End 2026-11-25 12:30:04"), "{text}");
    assert!(!text.contains("Duration +"), "{text}");
}

#[test]
fn w_on_a_conversation_that_ended_asks_nothing_and_keeps_the_watch_running() {
    let mut s = watching();
    let g = gen_of(&s);
    // Another row, over for a day: its end is known from the list.
    let mut old = conv("c0", 5, "Ann", "Carl");
    old.conversation_start = Some("2026-11-24T08:05:00.000Z".into());
    old.conversation_end = Some("2026-11-24T08:17:05.000Z".into());
    update(&mut s, page(1, 2, vec![old]));
    s.focus = Focus::List;
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.subject(), Some("c0"));
    let fx = key(&mut s, KeyCode::Char('w'));
    assert!(fx.is_empty(), "no channel, no topics, no read: {fx:?}");
    let msg = s.message.clone().unwrap_or_default();
    assert!(
        msg.contains("ended on 2026-11-24 at 08:17:05: nothing to watch"),
        "{msg}"
    );
    let w = s.watch.as_ref().unwrap();
    assert_eq!((w.id.as_str(), w.generation, w.is_live()), ("c1", g, true));
}

/// `watching()` with an agent on the conversation who must wrap up.
fn watching_with_agent() -> State {
    let mut s = watching();
    let mut c = live("c1", &[("page", "/")]);
    let mut agent = crate::genesys::model::ConversationParticipant {
        id: "ag".into(),
        name: Some("Ann".into()),
        purpose: Some("agent".into()),
        ..Default::default()
    };
    agent
        .extra
        .insert("wrapupRequired".into(), serde_json::json!(true));
    c.participants.push(agent);
    push(&mut s, Feed::Status(Status::Resumed("cut".into())), 1);
    read(&mut s, c, 1);
    s
}

#[test]
fn after_the_end_the_watch_waits_for_the_agents_wrap_up_then_stops() {
    let mut s = watching_with_agent();
    let g = gen_of(&s);
    push(&mut s, event("user", DetailKind::End, "ag", 3000, &[]), 3);
    let fx = push(
        &mut s,
        event("customer", DetailKind::End, "c1-p1", 3000, &[]),
        3,
    );
    // Over, but the agent's after-call work follows: only its wrap-up is awaited, no request.
    assert_eq!(
        fx,
        vec![
            Effect::CancelWatch,
            Effect::WatchAfter {
                delay: crate::tui::watch::WRAPUP_WAIT,
                generation: g
            }
        ]
    );
    let text = s.live_text();
    assert!(
        text.contains("ended at 12:30:03") && text.contains("waiting for the wrap-up"),
        "{text}"
    );
    assert!(!text.contains("LIVE"), "{text}");
    // Anything else is not taken any more.
    let n = kinds(&s).len();
    push(
        &mut s,
        event("", DetailKind::Attributes, "c1-p1", 5000, &[("page", "/z")]),
        5,
    );
    assert_eq!(kinds(&s).len(), n);
    // The wrap-up comes: recorded with its time, and the watch stops and unsubscribes.
    let fx = push(&mut s, event("", DetailKind::Wrapup, "ag", 95_000, &[]), 95);
    // Its code named by the directory (once: the list's rows did not hold it).
    assert_eq!(
        fx,
        vec![
            Effect::Names {
                ids: vec![(
                    crate::genesys::directory::Kind::Wrapup,
                    "code-1".to_string()
                )]
            },
            Effect::CancelWatch,
            Effect::StopPush
        ]
    );
    let last = kinds(&s).last().cloned().unwrap();
    assert_eq!(
        (last.1, last.2),
        (
            ChangeKind::WrapUp {
                code: "code-1".into()
            },
            95_000
        )
    );
    assert!(matches!(
        &s.watch.as_ref().unwrap().state,
        WatchState::Stopped(why) if why.contains("wrapped up")
    ));
}

#[test]
fn a_wrap_up_that_never_comes_stops_the_wait_and_w_stops_it_sooner() {
    let mut s = watching_with_agent();
    let g = gen_of(&s);
    push(&mut s, event("user", DetailKind::End, "ag", 3000, &[]), 3);
    push(
        &mut s,
        event("customer", DetailKind::End, "c1-p1", 3000, &[]),
        3,
    );
    let fx = update(
        &mut s,
        Event::WatchDue {
            generation: g,
            now: now() + Dur::seconds(603),
        },
    );
    assert_eq!(fx, vec![Effect::CancelWatch, Effect::StopPush]);
    assert!(matches!(
        &s.watch.as_ref().unwrap().state,
        WatchState::Stopped(why) if why.contains("no wrap-up came")
    ));
    // Again, stopped by w this time.
    let mut s = watching_with_agent();
    push(&mut s, event("user", DetailKind::End, "ag", 3000, &[]), 3);
    push(
        &mut s,
        event("customer", DetailKind::End, "c1-p1", 3000, &[]),
        3,
    );
    s.focus = Focus::Detail;
    let fx = key(&mut s, KeyCode::Char('w'));
    assert_eq!(fx, vec![Effect::CancelWatch, Effect::StopPush]);
    assert!(!matches!(
        s.watch.as_ref().unwrap().state,
        WatchState::Ending(_)
    ));
}
