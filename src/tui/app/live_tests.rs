//! State tests of live debugging: watch, timeline, open by id, raw JSON, copy, export from the
//! screen, the list refreshing itself, and the `attr:` filter's background fetch.

use super::*;
use crate::genesys::Error;
use crate::genesys::model::Conversation;
use crate::genesys::query::Interval;
use crate::tui::detail::Fresh;
use crate::tui::fixtures::update;
use crate::tui::fixtures::{conv, fresh, key, live, now, page, state, typ};
use crate::tui::watch::{ChangeKind, WatchState};
use chrono::Duration as Dur;
use ratatui::crossterm::event::KeyCode;

const ID: &str = "3b6e4622-105e-4916-b343-cfc18db433a8";

/// A list of two rows (`c1` newest, selected), with `c1`'s conversation fetched.
pub(super) fn loaded() -> State {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        page(
            1,
            2,
            vec![conv("c1", 10, "Jane", "Bob"), conv("c2", 5, "Ann", "Carl")],
        ),
    );
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 1,
            loaded: 2,
        }),
    );
    update(&mut s, Event::Debounced { generation: 1 });
    update(
        &mut s,
        Event::Fetched {
            id: "c1".into(),
            generation: 1,
            result: Ok(fresh(live("c1", &[("a", "1")]))),
            at: now(),
        },
    );
    s
}

fn watched(s: &mut State, c: Conversation, secs: i64) -> Vec<Effect> {
    let generation = s.watch.as_ref().unwrap().generation;
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

#[test]
fn w_watches_the_conversation_shown_and_records_each_change() {
    let mut s = loaded();
    let fx = key(&mut s, KeyCode::Char('w'));
    let generation = s.watch.as_ref().unwrap().generation;
    assert_eq!(
        fx,
        vec![
            Effect::CancelWatch,
            Effect::WatchPush {
                id: "c1".into(),
                generation
            },
            Effect::WatchAfter {
                delay: super::live::SUBSCRIBE_GRACE,
                generation
            }
        ]
    );
    assert!(s.watch.as_ref().unwrap().is_live());
    // Push is refused (the push tests cover it fed by push): the watch reads, then polls.
    let fx = update(
        &mut s,
        Event::Pushed {
            generation,
            feed: crate::genesys::notify::Feed::Status(crate::genesys::notify::Status::Refused(
                "no channel".into(),
            )),
            at: now(),
        },
    );
    assert_eq!(
        fx,
        vec![Effect::WatchFetch {
            id: "c1".into(),
            generation
        }]
    );
    // The first answer: "a" changed since the detail read it, "b" appeared.
    let fx = watched(&mut s, live("c1", &[("a", "2"), ("b", "x")]), 2);
    assert_eq!(
        fx,
        vec![Effect::WatchAfter {
            delay: DEFAULT_WATCH_INTERVAL,
            generation
        }]
    );
    let kinds: Vec<ChangeKind> = s
        .timelines
        .get("c1")
        .unwrap()
        .iter()
        .map(|c| c.kind.clone())
        .collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::Changed {
                old: "1".into(),
                new: "2".into()
            },
            ChangeKind::Added { value: "x".into() }
        ]
    );
    // Found by the watch's first read: they happened since the detail's read (at `now()`).
    assert!(
        s.timelines
            .get("c1")
            .unwrap()
            .iter()
            .all(|c| c.found_since == Some(now()) && !c.while_reconnecting)
    );
    // The timer goes off: refetch; "a" is removed.
    let fx = update(
        &mut s,
        Event::WatchDue {
            generation,
            now: now() + Dur::seconds(4),
        },
    );
    assert_eq!(
        fx,
        vec![Effect::WatchFetch {
            id: "c1".into(),
            generation
        }]
    );
    watched(&mut s, live("c1", &[("b", "x")]), 5);
    let last = s.timelines.get("c1").unwrap().back().unwrap().clone();
    assert_eq!(last.kind, ChangeKind::Removed { old: "2".into() });
    assert_eq!(last.found_since, None, "seen by the watch itself");
    assert_eq!(last.key, "a");
    // The attributes reached the list row: searchable.
    assert!(s.list.haystack("c1").unwrap().contains('x'));
    let status = s.live_text();
    assert!(
        status.contains("LIVE poll 2s (no channel) · updated 12:30:05"),
        "{status}"
    );
}

#[test]
fn w_again_pauses_and_then_resumes() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('w'));
    watched(&mut s, live("c1", &[("a", "1")]), 1);
    let g = s.watch.as_ref().unwrap().generation;
    assert_eq!(
        key(&mut s, KeyCode::Char('w')),
        vec![Effect::CancelWatch, Effect::StopPush]
    );
    assert_eq!(s.watch.as_ref().unwrap().state, WatchState::Paused);
    assert!(s.live_text().contains("paused"));
    // A timer of before the pause does nothing.
    assert!(
        update(
            &mut s,
            Event::WatchDue {
                generation: g,
                now: now()
            }
        )
        .is_empty()
    );
    let fx = key(&mut s, KeyCode::Char('w'));
    assert!(matches!(fx[1], Effect::WatchPush { .. }), "{fx:?}");
    assert!(s.watch.as_ref().unwrap().is_live());
    // Paused, nothing ticks: watching costs nothing when off.
    key(&mut s, KeyCode::Char('w'));
    assert!(!s.animating());
}

#[test]
fn the_watch_backs_off_on_errors_and_stops_when_the_conversation_ends() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('w'));
    let g = s.watch.as_ref().unwrap().generation;
    let fx = update(
        &mut s,
        Event::Watched {
            id: "c1".into(),
            generation: g,
            result: Err(Error::RateLimited {
                retry_after: Some(9),
                limit: None,
                context_id: None,
            }),
            at: now(),
        },
    );
    assert_eq!(
        fx,
        vec![Effect::WatchAfter {
            delay: std::time::Duration::from_secs(9),
            generation: g
        }]
    );
    assert!(s.live_text().contains("next try in 9 s"));
    // It ended: the watch stops and says so.
    let mut ended = live("c1", &[("a", "1")]);
    ended.end_time = Some("2026-11-25T12:31:00.000Z".into());
    let fx = watched(&mut s, ended, 70);
    assert_eq!(fx, vec![Effect::CancelWatch, Effect::StopPush]);
    assert!(matches!(
        &s.watch.as_ref().unwrap().state,
        WatchState::Stopped(why) if why.contains("ended at 12:31:00")
    ));
    assert!(s.message.as_deref().unwrap().contains("the watch stopped"));
}

#[test]
fn a_gone_conversation_stops_the_watch() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('w'));
    let g = s.watch.as_ref().unwrap().generation;
    let fx = update(
        &mut s,
        Event::Watched {
            id: "c1".into(),
            generation: g,
            result: Err(Error::NotFound {
                what: "conversation c1".into(),
                context_id: None,
            }),
            at: now(),
        },
    );
    assert_eq!(fx, vec![Effect::StopPush]);
    assert!(matches!(
        s.watch.as_ref().unwrap().state,
        WatchState::Stopped(_)
    ));
}

#[test]
fn the_timeline_survives_switching_conversations() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('w'));
    watched(&mut s, live("c1", &[("a", "9")]), 1);
    key(&mut s, KeyCode::Char('t'));
    assert_eq!(s.mode(), Mode::Timeline);
    assert_eq!(s.timeline.as_ref().unwrap().id, "c1");
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.subject(), Some("c2"));
    key(&mut s, KeyCode::Char('k'));
    key(&mut s, KeyCode::Char('t'));
    assert_eq!(s.timelines.len(s.timeline.as_ref().unwrap().id.as_str()), 1);
    // The watch went on meanwhile: same conversation, same timeline.
    assert_eq!(s.watch.as_ref().unwrap().id, "c1");
}

#[test]
fn colon_opens_a_conversation_by_id_even_outside_the_list() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char(':'));
    assert_eq!(s.mode(), Mode::OpenId);
    // A pasted URL, with a q in it that must type.
    typ(
        &mut s,
        &format!("https://apps.mypurecloud.ie/#/q/interactions/{ID}/details"),
    );
    assert_eq!(s.mode(), Mode::OpenId);
    let fx = key(&mut s, KeyCode::Enter);
    assert_eq!(s.pinned.as_deref(), Some(ID));
    assert_eq!(s.focus, Focus::Detail);
    assert_eq!(s.subject(), Some(ID));
    // Its attributes are fetched like a row's.
    assert!(matches!(fx[..], [Effect::Debounce { .. }]));
    // Esc goes back to the list's selection.
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.subject(), Some("c1"));
}

#[test]
fn an_id_in_the_list_selects_its_row() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('i'));
    typ(&mut s, " c2 ");
    key(&mut s, KeyCode::Enter);
    assert!(
        s.message
            .as_deref()
            .unwrap()
            .contains("not a conversation id")
    );
    assert_eq!(s.subject(), Some("c1"));
    key(&mut s, KeyCode::Char(':'));
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.mode(), Mode::List, "Esc cancels the prompt");
}

#[test]
fn y_copies_the_id_in_the_list_and_the_selected_value_in_the_detail() {
    let mut s = loaded();
    let fx = key(&mut s, KeyCode::Char('y'));
    assert_eq!(
        fx,
        vec![Effect::Copy(
            crate::tui::clipboard::osc52("c1", Target::Plain).unwrap()
        )]
    );
    assert!(
        s.message
            .as_deref()
            .unwrap()
            .contains("copied the conversation id")
    );
    // In the detail: the conversation, then the participant, then its attribute.
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.mode(), Mode::Detail);
    let fx = key(&mut s, KeyCode::Char('y'));
    assert_eq!(
        fx,
        vec![Effect::Copy(
            crate::tui::clipboard::osc52("c1", Target::Plain).unwrap()
        )]
    );
    key(&mut s, KeyCode::Char('j'));
    let fx = key(&mut s, KeyCode::Char('y'));
    assert_eq!(
        fx,
        vec![Effect::Copy(
            crate::tui::clipboard::osc52("c1-p1", Target::Plain).unwrap()
        )]
    );
    key(&mut s, KeyCode::Char('j'));
    let fx = key(&mut s, KeyCode::Char('y'));
    assert_eq!(
        fx,
        vec![Effect::Copy(
            crate::tui::clipboard::osc52("1", Target::Plain).unwrap()
        )]
    );
    assert!(s.message.as_deref().unwrap().contains("the value of a"));
    let fx = key(&mut s, KeyCode::Char('Y'));
    assert_eq!(
        fx,
        vec![Effect::Copy(
            crate::tui::clipboard::osc52("a=1", Target::Plain).unwrap()
        )]
    );
}

#[test]
fn without_a_clipboard_the_value_is_shown_to_copy_by_hand() {
    let mut s = loaded();
    s.clipboard = crate::config::Clipboard::Off;
    assert!(key(&mut s, KeyCode::Char('y')).is_empty());
    let p = s.popup.as_ref().unwrap();
    assert_eq!(p.text, "c1");
    assert!(p.title.contains("clipboard off"));
    assert_eq!(s.mode(), Mode::Popup);
    key(&mut s, KeyCode::Esc);
    assert!(s.popup.is_none());
    // Too large for OSC 52: shown too.
    s.clipboard = crate::config::Clipboard::Osc52;
    let big = "x".repeat(crate::tui::clipboard::MAX_COPY_BYTES + 1);
    update(
        &mut s,
        Event::Fetched {
            id: "c1".into(),
            generation: 9,
            result: Ok(fresh(live("c1", &[("big", &big)]))),
            at: now(),
        },
    );
    key(&mut s, KeyCode::Tab);
    // The conversation, the customer, its one attribute.
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('j'));
    assert!(key(&mut s, KeyCode::Char('y')).is_empty());
    assert!(s.popup.as_ref().unwrap().title.contains("too large"));
}

#[test]
fn tmux_gets_the_wrapped_sequence() {
    let mut s = loaded();
    s.clip_target = Target::Tmux;
    let fx = key(&mut s, KeyCode::Char('y'));
    assert_eq!(
        fx,
        vec![Effect::Copy(
            crate::tui::clipboard::osc52("c1", Target::Tmux).unwrap()
        )]
    );
    assert!(s.message.as_deref().unwrap().starts_with("copied"));
}

#[test]
fn a_tmux_that_would_block_the_copy_says_not_copied_and_shows_the_value() {
    let mut s = loaded();
    s.clip_target = Target::TmuxBlocked;
    assert!(key(&mut s, KeyCode::Char('y')).is_empty(), "nothing sent");
    let m = s.message.as_deref().unwrap();
    assert!(
        m.starts_with("not copied: tmux needs set-clipboard on"),
        "{m}"
    );
    let p = s.popup.as_ref().unwrap();
    assert_eq!(p.text, "c1", "shown to select by hand");
}

#[test]
fn j_shows_the_raw_json_searchable_with_n() {
    let mut s = loaded();
    update(
        &mut s,
        Event::Fetched {
            id: "c1".into(),
            generation: 9,
            result: Ok(Fresh {
                conv: live("c1", &[]),
                raw: r#"{"id":"c1","b":"needle","c":{"d":"NEEDLE"}}"#.into(),
            }),
            at: now(),
        },
    );
    key(&mut s, KeyCode::Char('J'));
    assert_eq!(s.mode(), Mode::RawJson);
    assert_eq!(s.raw_json.as_ref().unwrap().lines.len(), 7);
    key(&mut s, KeyCode::Char('/'));
    assert_eq!(s.mode(), Mode::Search);
    typ(&mut s, "needle");
    let r = s.raw_json.as_ref().unwrap();
    assert_eq!(r.search.matches, vec![2, 4]);
    assert_eq!(r.search.current, 0);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.mode(), Mode::RawJson);
    key(&mut s, KeyCode::Char('n'));
    assert_eq!(s.raw_json.as_ref().unwrap().search.current, 1);
    key(&mut s, KeyCode::Char('n'));
    assert_eq!(
        s.raw_json.as_ref().unwrap().search.current,
        0,
        "wraps around"
    );
    key(&mut s, KeyCode::Char('N'));
    assert_eq!(s.raw_json.as_ref().unwrap().search.current, 1);
    // y copies the JSON as received.
    let fx = key(&mut s, KeyCode::Char('y'));
    assert!(matches!(&fx[..], [Effect::Copy(_)]));
    // Esc clears the search, then closes.
    key(&mut s, KeyCode::Esc);
    assert!(s.raw_json.as_ref().unwrap().search.matches.is_empty());
    key(&mut s, KeyCode::Esc);
    assert!(s.raw_json.is_none());
}

#[test]
fn j_without_a_fetched_conversation_says_why() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 1, vec![conv("c1", 10, "Jane", "Bob")]));
    key(&mut s, KeyCode::Char('J'));
    assert!(s.raw_json.is_none());
    assert!(s.message.as_deref().unwrap().contains("not here yet"));
}

#[test]
fn x_exports_the_rows_shown_with_the_attributes_known() {
    let mut s = loaded();
    s.now = now();
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "jane");
    key(&mut s, KeyCode::Enter);
    let fx = key(&mut s, KeyCode::Char('x'));
    let [
        Effect::Export {
            path,
            format,
            conversations,
            ..
        },
    ] = &fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(path.to_str(), Some("convoscope-20261125-123000.ndjson"));
    assert_eq!(*format, Format::Ndjson);
    assert_eq!(conversations.len(), 1, "only the filtered rows");
    let cust = &conversations[0].participants[0];
    assert_eq!(
        cust.attributes
            .as_ref()
            .unwrap()
            .get("a")
            .map(String::as_str),
        Some("1")
    );
    // X: the report CSV, which names what the list names.
    s.names.insert(
        crate::genesys::directory::Kind::Queue,
        "q-1".into(),
        Some("Support".into()),
    );
    let fx = key(&mut s, KeyCode::Char('X'));
    let [
        Effect::Export {
            path,
            format: Format::Csv,
            names,
            ..
        },
    ] = &fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!(path.to_str(), Some("convoscope-20261125-123000.csv"));
    assert_eq!(
        names.get(crate::genesys::directory::Kind::Queue, "q-1"),
        Some("Support")
    );
    update(
        &mut s,
        Event::Exported {
            path: "/tmp/x.csv".into(),
            result: Ok(1),
        },
    );
    assert_eq!(
        s.message.as_deref(),
        Some("wrote 1 conversation to /tmp/x.csv")
    );
}

#[test]
fn f_refreshes_the_list_keeping_the_selection_and_sliding_the_window() {
    let mut s = loaded();
    // The rows start on the 24th: a range from two days back holds them.
    s.last_query.as_mut().unwrap().from = "-2d".into();
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.subject(), Some("c2"));
    let fx = key(&mut s, KeyCode::Char('F'));
    let g = s.follow.as_ref().unwrap().generation;
    let every = live::follow_interval(DEFAULT_WATCH_INTERVAL);
    // The rows have ended: the subscription follows no row (and no queue) yet.
    assert_eq!(
        fx,
        vec![
            Effect::FollowAfter {
                delay: every,
                generation: g
            },
            Effect::FollowPush {
                topics: vec![],
                generation: s.follow.as_ref().unwrap().feed.generation,
            }
        ]
    );
    // Ten minutes later the "-24h .. now" window has moved.
    let later = now() + Dur::minutes(10);
    let fx = update(
        &mut s,
        Event::FollowDue {
            generation: g,
            now: later,
        },
    );
    let Effect::Query {
        query_id, scope, ..
    } = fx[0].clone()
    else {
        panic!("{fx:?}")
    };
    // Only the tail is asked for: from a little before the newest start seen (the query's
    // overlap brings back the rows still going on); the range itself slid.
    let newest = s.list.rows.iter().filter_map(|r| r.start).max().unwrap();
    assert_eq!(
        scope.interval,
        Interval::new(newest - live::FOLLOW_OVERLAP, later)
    );
    assert_eq!(
        s.last_query.as_ref().unwrap().scope.interval,
        Interval::new(later - Dur::days(2), later)
    );
    assert_eq!(s.list.rows.len(), 2, "the rows stay while refreshing");
    // The refresh brings a new conversation and an update of c2.
    update(
        &mut s,
        page(
            query_id,
            3,
            vec![conv("c0", 20, "New", "Agent"), conv("c2", 5, "Ann", "Carl")],
        ),
    );
    let fx = update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id,
            loaded: 3,
        }),
    );
    assert_eq!(s.list.rows.len(), 3);
    assert_eq!(
        s.subject(),
        Some("c2"),
        "the selection stays on its conversation"
    );
    assert!(fx.contains(&Effect::FollowAfter {
        delay: every,
        generation: g
    }));
    // F again stops it.
    key(&mut s, KeyCode::Char('F'));
    assert!(s.follow.is_none());
    assert!(
        update(
            &mut s,
            Event::FollowDue {
                generation: g,
                now: later
            }
        )
        .is_empty()
    );
}

#[test]
fn a_sliding_window_drops_the_rows_it_left_behind() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('F'));
    let g = s.follow.as_ref().unwrap().generation;
    // A day later every loaded row is outside "-24h .. now".
    let fx = update(
        &mut s,
        Event::FollowDue {
            generation: g,
            now: now() + Dur::days(1),
        },
    );
    let Effect::Query { query_id, .. } = fx[0].clone() else {
        panic!()
    };
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id,
            loaded: 0,
        }),
    );
    assert!(s.list.rows.is_empty());
}

#[test]
fn f_needs_a_range_first() {
    let mut s = state();
    s.focus = Focus::List;
    assert!(key(&mut s, KeyCode::Char('F')).is_empty());
    assert!(s.follow.is_none());
    assert!(s.message.as_deref().unwrap().contains("load a range first"));
}

#[test]
fn an_attr_filter_fetches_missing_attributes_in_the_background() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('/'));
    let mut fx = Vec::new();
    for c in "attr:tier=gold".chars() {
        fx.extend(key(&mut s, KeyCode::Char(c)));
    }
    // c1's attributes are known (fetched for the detail): only c2 is asked for, once.
    let fetches: Vec<&Effect> = fx
        .iter()
        .filter(|e| matches!(e, Effect::FetchAttributes { .. }))
        .collect();
    assert_eq!(fetches.len(), 1);
    let Effect::FetchAttributes {
        fetch_id,
        wanted,
        bulk,
    } = fetches[0].clone()
    else {
        unreachable!()
    };
    let ids: Vec<&str> = wanted.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(ids, ["c2"]);
    assert_eq!(bulk, None, "few rows: one GET each");
    assert!(s.list.visible.is_empty());
    assert!(s.animating(), "progress is shown");
    update(
        &mut s,
        Event::Attributes {
            fetch_id,
            id: "c2".into(),
            result: Ok(vec![(
                "c2-p1".into(),
                [("tier".to_string(), "Gold".to_string())].into(),
            )]),
        },
    );
    assert_eq!(s.list.visible.len(), 1);
    assert_eq!(s.subject(), Some("c2"));
    update(
        &mut s,
        Event::AttributesDone {
            fetch_id,
            error: None,
        },
    );
    assert!(s.attr_fetch.as_ref().unwrap().finished());
    assert!(s.live_text().contains("attributes 1/1 read"));
}

#[test]
fn a_new_submit_cancels_the_attribute_fetch() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "attr:x");
    key(&mut s, KeyCode::Enter);
    s.focus = Focus::Form;
    let fx = key(&mut s, KeyCode::Enter);
    assert!(fx.contains(&Effect::CancelAttributes));
    assert!(s.attr_fetch.is_none());
}

#[test]
fn s_on_a_partly_loaded_range_loads_it_again_in_the_new_order() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 500, vec![conv("c1", 10, "Jane", "Bob")]));
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.list.load, Load::Stopped);
    let fx = key(&mut s, KeyCode::Char('s'));
    assert!(
        matches!(
            &fx[..],
            [
                Effect::CancelQuery,
                Effect::Query {
                    query_id: 2,
                    order: Order::Asc,
                    ..
                }
            ]
        ),
        "{fx:?}"
    );
    assert!(s.message.as_deref().unwrap().contains("only 1 of 500"));
    assert!(s.list.rows.is_empty());
    // A whole list is only re-sorted.
    let mut s = loaded();
    assert!(key(&mut s, KeyCode::Char('s')).is_empty());
    assert_eq!(s.list.order, Order::Asc);
}

/// Issue 12.3: a load that lacks conversations the API counted says so in the failed state,
/// keeping what it has; a record that could not be decoded is named in the status line.
#[test]
fn an_incomplete_load_says_how_many_are_missing_and_keeps_the_rows() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 300, vec![conv("c1", 10, "Jane", "Bob")]));
    update(
        &mut s,
        Event::Page(PageEvent::Warning {
            query_id: 1,
            message: "conversation c9 could not be decoded (invalid type): kept as the API sent it"
                .into(),
        }),
    );
    assert!(s.message.as_deref().unwrap().contains("conversation c9"));
    update(
        &mut s,
        Event::Page(PageEvent::Failed {
            query_id: 1,
            error: Error::Incomplete {
                missing: Some(100),
                detail: "page 2 of 2026-11-13T00:00:00.000Z/2026-11-20T00:00:00.000Z came back \
                         empty (5 times)"
                    .into(),
            },
            loaded: 1,
            resume: None,
        }),
    );
    let (text, bad) = s.load_text();
    assert!(bad, "{text}");
    assert!(
        text.contains("100 conversation(s) missing") && text.contains("page 2 of"),
        "{text}"
    );
    assert!(text.contains("1 rows kept"), "{text}");
    assert_eq!(s.list.rows.len(), 1);
}

#[test]
fn r_resumes_a_failed_load_from_the_page_that_failed() {
    let mut s = state();
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 300, vec![conv("c1", 10, "Jane", "Bob")]));
    let resume = crate::paging::Resume {
        part: s.last_query.as_ref().unwrap().scope.interval,
        page: 2,
        loaded: 1,
        loaded_in_part: 1,
        total: 300,
    };
    update(
        &mut s,
        Event::Page(PageEvent::Failed {
            query_id: 1,
            error: Error::Network {
                message: "connection reset".into(),
            },
            loaded: 1,
            resume: Some(resume.clone()),
        }),
    );
    let (text, bad) = s.load_text();
    assert!(bad && text.contains("1 rows kept · r resumes"), "{text}");
    let fx = key(&mut s, KeyCode::Char('r'));
    let [
        Effect::Query {
            query_id,
            resume: Some(r),
            ..
        },
    ] = &fx[..]
    else {
        panic!("{fx:?}")
    };
    assert_eq!((*query_id, r), (2, &resume));
    assert_eq!(s.list.rows.len(), 1, "the rows stay");
    assert!(s.list.is_loading());
    assert!(
        s.message
            .as_deref()
            .unwrap()
            .contains("resuming from page 2")
    );
    // The pages that follow add to the rows kept (a repeated one replaces its row).
    update(
        &mut s,
        page(
            2,
            300,
            vec![conv("c1", 10, "Jane", "Bob"), conv("c2", 5, "Ann", "Carl")],
        ),
    );
    assert_eq!(s.list.rows.len(), 2);
    // Without a failure, r refetches the detail as before.
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 2,
            loaded: 2,
        }),
    );
    let fx = key(&mut s, KeyCode::Char('r'));
    assert!(
        matches!(&fx[..], [Effect::CancelFetch, Effect::Fetch { .. }]),
        "{fx:?}"
    );
}

#[test]
fn l_shows_the_api_calls_and_follows_them() {
    let mut s = loaded();
    let fx = key(&mut s, KeyCode::Char('L'));
    assert_eq!(fx, vec![Effect::WatchApiLog(true)]);
    assert_eq!(s.mode(), Mode::ApiLog);
    let call = |n: u16| crate::genesys::client::CallRecord {
        at: now(),
        method: "GET".into(),
        path: format!("/api/v2/conversations/c{n}"),
        status: Some(if n == 3 { 429 } else { 200 }),
        error: None,
        latency: std::time::Duration::from_millis(12),
        correlation_id: Some(format!("corr-{n}")),
        ratelimit: None,
        pending: false,
        seq: n as u64,
    };
    update(&mut s, Event::ApiLog((1..=3).map(call).collect()));
    assert_eq!(s.api_log.as_ref().unwrap().records.len(), 3);
    assert_eq!(key(&mut s, KeyCode::Esc), vec![Effect::WatchApiLog(false)]);
    assert!(s.api_log.is_none());
    // Late reports after closing change nothing.
    update(&mut s, Event::ApiLog(vec![call(4)]));
    assert!(s.api_log.is_none());
}

#[test]
fn the_organizations_name_reaches_the_header_sanitised() {
    let mut s = loaded();
    update(
        &mut s,
        Event::Organization(Ok("Acme\x1b]0;x\x07 Support".into())),
    );
    assert_eq!(s.org.as_deref(), Some("Acme\\e]0;x\\x07 Support"));
    update(&mut s, Event::Organization(Err("403".into())));
    assert!(s.org.is_some(), "an error keeps what is known");
}

#[test]
fn y_copies_a_value_with_control_characters_escaped_and_says_so() {
    let mut s = loaded();
    // Pasted raw, this ends bash's bracketed paste and runs a command.
    let evil = "x\x1b[201~rm -rf ~\r\u{202e}";
    update(
        &mut s,
        Event::Fetched {
            id: "c1".into(),
            generation: 1,
            result: Ok(fresh(live("c1", &[("a", evil)]))),
            at: now(),
        },
    );
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('j'));
    let fx = key(&mut s, KeyCode::Char('y'));
    let want = "x\\e[201~rm -rf ~\\r\\u{202e}";
    assert_eq!(
        fx,
        vec![Effect::Copy(
            crate::tui::clipboard::osc52(want, Target::Plain).unwrap()
        )]
    );
    let msg = s.message.clone().unwrap();
    assert!(
        msg.contains("the value of a") && msg.contains("control characters escaped"),
        "{msg}"
    );
    let fx = key(&mut s, KeyCode::Char('Y'));
    assert_eq!(
        fx,
        vec![Effect::Copy(
            crate::tui::clipboard::osc52(&format!("a={want}"), Target::Plain).unwrap()
        )]
    );
    // A plain value says nothing of escapes.
    update(
        &mut s,
        Event::Fetched {
            id: "c1".into(),
            generation: 1,
            result: Ok(fresh(live("c1", &[("a", "plain")]))),
            at: now(),
        },
    );
    key(&mut s, KeyCode::Char('y'));
    assert!(!s.message.clone().unwrap().contains("escaped"));
}

#[test]
fn y_in_the_raw_view_copies_the_json_with_invisible_characters_in_json_escapes() {
    let mut s = loaded();
    let raw = "{\"id\":\"c1\",\"v\":\"a\u{9b}31m\u{202e}b\"}";
    update(
        &mut s,
        Event::Fetched {
            id: "c1".into(),
            generation: 9,
            result: Ok(Fresh {
                conv: live("c1", &[]),
                raw: raw.into(),
            }),
            at: now(),
        },
    );
    key(&mut s, KeyCode::Char('J'));
    for k in ['y', 'Y'] {
        let fx = key(&mut s, KeyCode::Char(k));
        let copied = r#"{"id":"c1","v":"a\u009b31m\u202eb"}"#;
        assert_eq!(
            fx,
            vec![Effect::Copy(
                crate::tui::clipboard::osc52(copied, Target::Plain).unwrap()
            )]
        );
        let a: serde_json::Value = serde_json::from_str(raw).unwrap();
        let b: serde_json::Value = serde_json::from_str(copied).unwrap();
        assert_eq!(a, b, "the same JSON value");
        assert!(
            s.message
                .clone()
                .unwrap()
                .contains("control characters escaped")
        );
    }
}

/// Issue 14: the status line says when requests are held back for the rate budget, and whose
/// doing it is (our own pacing, or a 429 from the API); it says nothing once the hold is over.
#[test]
fn the_status_line_says_when_the_budget_holds_requests_back() {
    use crate::tui::event::BudgetHold;
    let mut s = loaded();
    let at = s.now;
    assert!(!s.live_text().contains('⏸'));
    update(
        &mut s,
        Event::BudgetHold(Some(BudgetHold {
            rate_limited: false,
            until: at + Dur::milliseconds(2500),
            others: None,
        })),
    );
    assert!(
        s.live_text().contains("⏸ pacing for the rate budget: 3 s"),
        "{}",
        s.live_text()
    );
    update(
        &mut s,
        Event::BudgetHold(Some(BudgetHold {
            rate_limited: true,
            until: at + Dur::seconds(5),
            others: None,
        })),
    );
    assert!(
        s.live_text()
            .contains("⏸ API rate limit (429): waiting 5 s"),
        "{}",
        s.live_text()
    );
    // Another client of the OAuth client (a colleague's tool) spent the window: said so.
    update(
        &mut s,
        Event::BudgetHold(Some(BudgetHold {
            rate_limited: true,
            until: at + Dur::seconds(38),
            others: Some(crate::genesys::budget::Others {
                spent: 295,
                allowed: 300,
            }),
        })),
    );
    assert!(
        s.live_text()
            .contains("⏸ API rate limit (429): waiting 38 s · 295 of 300 spent by others"),
        "{}",
        s.live_text()
    );
    update(&mut s, Event::BudgetHold(None));
    assert!(!s.live_text().contains('⏸'), "{}", s.live_text());
}

/// Audit of issue 14: a refresh of `F` held back by a 429 (a colleague's tool spent the
/// budget) says so, and the list's counts stay its rows: never "loaded 0 of 2".
#[test]
fn a_refresh_held_back_keeps_the_lists_counts() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('F'));
    let g = s.follow.as_ref().unwrap().generation;
    let fx = update(
        &mut s,
        Event::FollowDue {
            generation: g,
            now: now() + Dur::seconds(10),
        },
    );
    let Some(Effect::Query { query_id, .. }) = fx.first().cloned() else {
        panic!("{fx:?}")
    };
    let (text, _) = s.load_text();
    assert!(text.contains("refreshing… loaded 2 of 2"), "{text}");
    update(
        &mut s,
        Event::Page(PageEvent::Waiting {
            query_id,
            seconds: 41,
            reason: "rate limited".into(),
        }),
    );
    let (text, bad) = s.load_text();
    assert!(!bad);
    assert!(
        text.contains("refresh: rate limited, retrying in 41 s · loaded 2 of 2"),
        "{text}"
    );
    assert_eq!(s.list.rows.len(), 2);
}

/// Issue 14: a refresh of `F` multi-gets the rows still going on that its tail cannot bring
/// back (started on an earlier UTC day), and their answer replaces them.
#[test]
fn f_multi_gets_rows_going_on_since_an_earlier_day() {
    let range = Interval::new(now() - Dur::days(2), now());
    let day = now() - Dur::days(1);
    let rows = [
        ("old-going-on", Some(day - Dur::hours(1)), None),
        (
            "old-ended",
            Some(day - Dur::hours(2)),
            Some(day - Dur::hours(1)),
        ),
        ("new", Some(now() - Dur::minutes(1)), None),
    ];
    let (tail, ids) = live::follow_plan(range, rows.iter().map(|&(id, s, e)| (id, s, e)));
    assert_eq!(tail, Interval::new(now() - Dur::minutes(6), now()));
    assert_eq!(ids, ["old-going-on"]);
    // An empty list asks for the whole range, and nothing else.
    let (tail, ids) = live::follow_plan(range, std::iter::empty());
    assert_eq!((tail, ids.len()), (range, 0));
}
