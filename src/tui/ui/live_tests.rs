//! Snapshot and cell tests of the live-debugging views: the marked detail pane, the timeline,
//! the raw JSON view, the id prompt and the copy popup.

use chrono::Duration;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Modifier;

use super::tests::{full, live, render, text};
use crate::genesys::model::ConversationParticipant;
use crate::genesys::notify::events::DetailBody;
use crate::genesys::notify::{DetailEvent, DetailKind, Feed, Message, Status};
use crate::tui::app::{Event, State, update};
use crate::tui::detail::Fresh;
use crate::tui::fixtures::{IDS, key, now, screen};

/// `full` with the selected conversation watched: one refetch added, changed and removed an
/// attribute, and an agent joined.
fn watched(width: u16, height: u16) -> State {
    let mut s = full(width, height);
    key(&mut s, KeyCode::Char('w'));
    let generation = s.watch.as_ref().unwrap().generation;
    update(
        &mut s,
        Event::Pushed {
            generation,
            feed: Feed::Status(Status::Live),
            at: now(),
        },
    );
    let mut c = live();
    let cust = &mut c.participants[0].attributes;
    cust.insert("email".into(), "ann.lee@example.org".into());
    cust.remove("note");
    cust.insert("lastPage".into(), "/checkout".into());
    c.participants.push(ConversationParticipant {
        id: "1-agent2".into(),
        name: Some("Eve Second".into()),
        purpose: Some("agent".into()),
        attributes: [("transferReason".to_string(), "billing".to_string())].into(),
        ..Default::default()
    });
    update(
        &mut s,
        Event::Watched {
            id: IDS[1].into(),
            generation,
            result: Ok(Fresh::from_conversation(c)),
            at: now() + Duration::seconds(2),
        },
    );
    // The whole detail pane, so that every mark is on screen.
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Char('z'));
    s
}

#[test]
fn watched_detail_marks_what_changed() {
    let s = watched(120, 50);
    let t = text(&render(&s));
    assert!(t.contains("+ lastPage"), "{t}");
    assert!(t.contains("~ email"), "{t}");
    assert!(t.contains("was: ann@example.com"), "{t}");
    assert!(t.contains("- note"), "{t}");
    assert!(t.contains("★ joined 12:30:02"), "{t}");
    assert!(t.contains("● LIVE push · updated 12:30:02"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn pushed_values_reach_the_screen_sanitised_and_a_dead_feed_is_stale() {
    let mut s = watched(120, 30);
    let generation = s.watch.as_ref().unwrap().generation;
    let pid = s.detail.snapshot(IDS[1]).unwrap().conv.participants[0]
        .id
        .clone();
    let hostile = "\x1b]52;c;AAAA\x07\u{202e}evil\x1b[2J";
    let ev = DetailEvent {
        conversation_id: IDS[1].into(),
        family: String::new(),
        kind: DetailKind::Attributes,
        body: DetailBody {
            event_time: Some((now() + Duration::seconds(3)).timestamp_millis()),
            participant_id: Some(pid),
            attributes: [("lastPage".to_string(), hostile.to_string())].into(),
            ..Default::default()
        },
    };
    update(
        &mut s,
        Event::Pushed {
            generation,
            feed: Feed::Event {
                topic: String::new(),
                message: Message::Detail(Box::new(ev)),
            },
            at: now() + Duration::seconds(3),
        },
    );
    key(&mut s, KeyCode::Char('z'));
    key(&mut s, KeyCode::Char('t'));
    let b = render(&s);
    let t = text(&b);
    assert!(t.contains("evil"), "the change is in the timeline: {t}");
    for bad in ['\x1b', '\x07', '\u{202e}'] {
        assert!(!t.contains(bad), "{bad:?} reached the screen: {t}");
    }
    update(
        &mut s,
        Event::Pushed {
            generation,
            feed: Feed::Status(Status::Down {
                why: "the WebSocket failed\x1b[31m".into(),
                since: now() + Duration::seconds(3),
            }),
            at: now() + Duration::seconds(70),
        },
    );
    let t = text(&render(&s));
    assert!(t.contains("◌ stale since 12:30:03"), "{t}");
    assert!(!t.contains("LIVE") && !t.contains('\x1b'), "{t}");
}

#[test]
fn marks_are_styled_not_only_coloured() {
    for color in [true, false] {
        let mut s = watched(120, 50);
        s.color = color;
        let b = render(&s);
        let find = |needle: &str| {
            let t = text(&b);
            let y = t.lines().position(|l| l.contains(needle)).unwrap();
            let x = t.lines().nth(y).unwrap().find(needle).unwrap();
            // Columns are chars here (the marks line is ASCII up to the needle).
            let col = t.lines().nth(y).unwrap()[..x].chars().count();
            b[(col as u16, y as u16)].style()
        };
        assert!(find("~ email").add_modifier.contains(Modifier::UNDERLINED));
        assert!(find("- note").add_modifier.contains(Modifier::CROSSED_OUT));
        assert!(find("+ lastPage").add_modifier.contains(Modifier::BOLD));
    }
}

#[test]
fn marks_fade_after_a_while() {
    let mut s = watched(120, 50);
    update(
        &mut s,
        Event::Tick {
            now: now() + Duration::seconds(60),
        },
    );
    let t = text(&render(&s));
    assert!(!t.contains("~ email") && !t.contains("- note"), "{t}");
    assert!(t.contains("ann.lee@example.org"), "{t}");
}

#[test]
fn timeline_lists_every_change() {
    let mut s = watched(120, 30);
    key(&mut s, KeyCode::Char('z'));
    key(&mut s, KeyCode::Char('t'));
    let t = text(&render(&s));
    assert!(t.contains("Timeline 1a2b3c4d"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn raw_view_with_a_search() {
    let mut s = full(100, 30);
    key(&mut s, KeyCode::Char('J'));
    key(&mut s, KeyCode::Char('/'));
    for c in "billing".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    let b = render(&s);
    let t = text(&b);
    assert!(t.contains("/billing  1/1"), "{t}");
    // The hostile value stays escaped in the raw view too.
    assert!(!t.contains('\u{1b}'));
    insta::assert_snapshot!(t);
    // The current match is reversed (visible without colour).
    let y = t.lines().position(|l| l.contains("\"billing\"")).unwrap();
    let x = t.lines().nth(y).unwrap().find("\"routing").unwrap();
    let col = t.lines().nth(y).unwrap()[..x].chars().count() as u16;
    assert!(b[(col, y as u16)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn id_prompt() {
    let mut s = full(100, 30);
    key(&mut s, KeyCode::Char(':'));
    for c in "3b6e4622-105e".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    insta::assert_snapshot!(text(&render(&s)));
}

#[test]
fn copy_popup_shows_the_value_escaped() {
    let mut s = full(100, 30);
    s.clipboard = crate::config::Clipboard::Off;
    key(&mut s, KeyCode::Tab);
    // The conversation, the customer, then its attributes by key: cart, email, note, trick.
    for _ in 0..5 {
        key(&mut s, KeyCode::Char('j'));
    }
    key(&mut s, KeyCode::Char('y'));
    let t = text(&render(&s));
    assert!(t.contains("the value of trick (clipboard off"), "{t}");
    assert!(t.contains(r"abc\u{202e}fed\e]0;pwned\x07"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn the_detail_selection_is_marked_and_reversed() {
    let mut s = full(120, 40);
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('j'));
    let b = render(&s);
    let t = text(&b);
    let y = t
        .lines()
        .position(|l| l.contains("▶     cart"))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(b[(4, y as u16)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn a_rate_limited_detail_fetch_says_why_it_waits() {
    let mut s = full(120, 40);
    key(&mut s, KeyCode::Char('r'));
    let generation = s.detail.generation;
    update(
        &mut s,
        Event::DetailWaiting {
            generation,
            until: now() + Duration::seconds(3),
            reason: "rate limited".into(),
        },
    );
    let t = text(&render(&s));
    assert!(
        t.contains("loading attributes: rate limited, retrying in 3 s"),
        "{t}"
    );
    // A wait of an older fetch is not this one's.
    update(
        &mut s,
        Event::Tick {
            now: now() + Duration::seconds(4),
        },
    );
    assert!(text(&render(&s)).contains("loading attributes…"));
}

#[test]
fn the_api_log_lists_calls_with_status_and_correlation_id() {
    let mut s = full(120, 30);
    s.org = Some("Acme Support".into());
    key(&mut s, KeyCode::Char('L'));
    let call =
        |n: u16, status: Option<u16>, error: Option<&str>| crate::genesys::client::CallRecord {
            at: now(),
            method: "POST".into(),
            path: "/api/v2/analytics/conversations/details/query".into(),
            status,
            error: error.map(str::to_string),
            latency: std::time::Duration::from_millis(40 + n as u64),
            correlation_id: Some(format!("3f2a-{n}")),
            ratelimit: None,
            pending: false,
            seq: n as u64,
        };
    update(
        &mut s,
        Event::ApiLog(vec![
            crate::genesys::client::CallRecord {
                ratelimit: Some(crate::genesys::budget::RateHeaders {
                    allowed: 300,
                    count: 12,
                    reset: 41,
                }),
                ..call(1, Some(200), None)
            },
            call(2, Some(429), Some("rate limited")),
            call(3, None, Some("connection reset")),
        ]),
    );
    let t = text(&render(&s));
    assert!(t.contains("org Acme Support"), "{t}");
    assert!(t.contains("429"), "{t}");
    assert!(t.contains("connection reset"), "{t}");
    assert!(t.contains("12/300 41s"), "the headers' figures: {t}");
    insta::assert_snapshot!(t);
}

/// The simulator's hostile data set (`convoscope sim --hostile`), through the screen: the newest
/// conversation is hostile in its names and attributes.
#[test]
fn the_simulators_hostile_data_is_drawn_escaped() {
    use crate::genesys::query::{Interval, Media};
    use crate::paging::PageEvent;
    use crate::sim::{Dataset, SimConfig};
    let ds = Dataset::new(&SimConfig {
        seed: 3,
        conversations: 40,
        days: 1,
        until: now(),
        hostile: true,
        ..SimConfig::default()
    });
    let mut s = screen(120, 60, true);
    key(&mut s, KeyCode::Enter);
    let ids = ds.matching(&Interval::new(now() - Duration::days(1), now()), Media::Any);
    let convs: Vec<_> = ids.iter().rev().map(|&i| ds.analytics(i)).collect();
    // The newest conversation whose customer carries hostile attributes.
    let newest = *ids
        .iter()
        .rev()
        .find(|&&i| {
            ds.conversation(i, now())
                .participants
                .iter()
                .any(|p| p.attributes.values().any(|v| v.contains('\x1b')))
        })
        .expect("a hostile conversation");
    let query_id = s.query_seq;
    update(
        &mut s,
        Event::Page(PageEvent::Page {
            query_id,
            page_number: 1,
            total_hits: convs.len() as u64,
            conversations: convs,
        }),
    );
    // Open it by id, as a user would.
    key(&mut s, KeyCode::Char(':'));
    for c in ds.conversation_id(newest).chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    let generation = s.detail.generation;
    update(&mut s, Event::Debounced { generation });
    update(
        &mut s,
        Event::Fetched {
            id: ds.conversation_id(newest),
            generation,
            result: Ok(Fresh::from_conversation(ds.conversation(newest, now()))),
            at: now(),
        },
    );
    key(&mut s, KeyCode::Char('z'));
    let b = render(&s);
    let t = text(&b);
    let bad: Vec<char> = (0..b.area.height)
        .flat_map(|y| (0..b.area.width).map(move |x| (x, y)))
        .flat_map(|p| b[p].symbol().chars().collect::<Vec<_>>())
        .filter(|&c| {
            c.is_control()
                || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
        })
        .collect();
    assert!(bad.is_empty(), "{bad:?} reached the buffer:\n{t}");
    assert!(t.contains(r"\e"), "escapes are shown as text:\n{t}");
    // The frame is whole: every line of the pane ends at its border.
    for l in t.lines().skip(1).take(55) {
        assert!(
            l.ends_with('│') || l.ends_with('┐') || l.ends_with('┘'),
            "{l}"
        );
    }
    insta::assert_snapshot!(t);
}

/// The simulator's voice day as a real org gives it: agents unnamed in analytics (only their
/// user id), callers `external` with a number. The page asks for names once (one effect, each
/// id once); before they come the list shows short ids, never blank; after, names, queues and
/// callers.
#[test]
fn voice_rows_show_callers_and_agents_by_name_once_the_directory_answers() {
    use crate::genesys::directory::{Kind, Names, short_id};
    use crate::genesys::query::{Interval, Media};
    use crate::paging::PageEvent;
    use crate::sim::{Dataset, SimConfig};
    use crate::tui::app::Init;
    use crate::tui::event::Effect;
    use crate::tui::fixtures::{init, screen_of};
    let ds = Dataset::new(&SimConfig {
        seed: 11,
        conversations: 200,
        days: 1,
        until: now(),
        ..SimConfig::default()
    });
    let mut s = screen_of(
        Init {
            media: Some(Media::Voice),
            color: false,
            ..init()
        },
        160,
        40,
    );
    key(&mut s, KeyCode::Enter);
    let ids = ds.matching(
        &Interval::new(now() - Duration::days(1), now()),
        Media::Voice,
    );
    assert!(ids.len() > 10);
    let convs: Vec<_> = ids.iter().rev().map(|&i| ds.analytics(i)).collect();
    // Analytics names no agent.
    assert!(
        convs
            .iter()
            .flat_map(|c| &c.participants)
            .all(|p| { p.purpose.as_deref() != Some("agent") || p.participant_name.is_none() })
    );
    let query_id = s.query_seq;
    let fx = update(
        &mut s,
        Event::Page(PageEvent::Page {
            query_id,
            page_number: 1,
            total_hits: convs.len() as u64,
            conversations: convs.clone(),
        }),
    );
    let asked: Vec<(Kind, String)> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Names { ids } => Some(ids.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let effects = fx
        .iter()
        .filter(|e| matches!(e, Effect::Names { .. }))
        .count();
    assert_eq!(effects, 1, "one look-up per page");
    let unique: std::collections::HashSet<_> = asked.iter().collect();
    assert_eq!(unique.len(), asked.len(), "each id asked once");
    for k in [Kind::User, Kind::Queue, Kind::Wrapup] {
        assert!(asked.iter().any(|(kk, _)| *kk == k), "{k:?} asked");
    }
    // Before the names: short ids in the Agent(s) column.
    let t = text(&render(&s));
    let first_agent = asked.iter().find(|(k, _)| *k == Kind::User).unwrap();
    let _ = short_id(&first_agent.1);
    // The names as the conversation API gives them (an independent source).
    let mut names = Names::default();
    for &i in &ids {
        for p in ds.conversation(i, now()).participants {
            if let (Some(u), Some(n)) = (&p.user_id, &p.name) {
                names.insert(Kind::User, u.clone(), Some(n.clone()));
            }
            if let (Some(q), Some(n)) = (&p.queue_id, &p.queue_name) {
                names.insert(Kind::Queue, q.clone(), Some(n.clone()));
            }
            let w = p.extra.get("wrapup");
            if let (Some(c), Some(n)) = (
                w.and_then(|w| w["code"].as_str()),
                w.and_then(|w| w["name"].as_str()),
            ) {
                names.insert(Kind::Wrapup, c.to_string(), Some(n.to_string()));
            }
        }
    }
    update(
        &mut s,
        Event::Names {
            names: names.clone(),
            problem: None,
        },
    );
    // The same page again (a refresh): nothing new to ask.
    let fx = update(
        &mut s,
        Event::Page(PageEvent::Page {
            query_id,
            page_number: 1,
            total_hits: convs.len() as u64,
            conversations: convs.clone(),
        }),
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::Names { .. })));
    let after = text(&render(&s));
    assert!(
        after.contains("Queue") && after.contains("Agent(s)"),
        "{after}"
    );
    let header = after.lines().find(|l| l.contains("Agent(s)")).unwrap();
    assert!(
        !header.contains("Media"),
        "voice only: no Media column\n{after}"
    );
    // The newest row: its caller (the external's number) and its agent by name.
    let newest = &convs[0];
    let row = crate::tui::row::Row::new(newest.clone()).0;
    let f = row.facts();
    let caller = f.customer();
    assert!(!caller.is_empty(), "a voice row shows its caller");
    let shown_line = after
        .lines()
        .find(|l| l.contains('▶'))
        .expect("the selected row");
    assert!(
        shown_line.contains(&caller[..caller.len().min(8)]),
        "{shown_line}"
    );
    if let Some((Some(u), _)) = f.agents.first()
        && let Some(n) = names.get(Kind::User, u)
    {
        assert!(shown_line.contains(&n[..n.len().min(6)]), "{shown_line}");
    }
    assert_ne!(t, after);
    insta::assert_snapshot!(after);
}

/// A live row's duration is the time so far, and it moves with the clock, in the list and in
/// the detail pane's header; the screen ticks only while such a row is on screen.
#[test]
fn a_live_rows_duration_ticks() {
    let mut s = full(160, 48);
    assert!(s.live_on_screen());
    let t = text(&render(&s));
    // Started 12:25:00, now 12:30:00.
    assert!(t.contains("+5m00s"), "{t}");
    // Selected, its header says the same.
    key(&mut s, KeyCode::Up);
    let t = text(&render(&s));
    assert!(t.contains("Duration +5m00s"), "{t}");
    update(
        &mut s,
        Event::Tick {
            now: now() + Duration::seconds(61),
        },
    );
    let t = text(&render(&s));
    assert!(t.contains("+6m01s"), "{t}");
    assert!(t.contains("Duration +6m01s"), "{t}");
}

#[test]
fn at_80_columns_a_message_has_the_bottom_line_and_live_state_keeps_the_status_line() {
    let mut s = watched(80, 24);
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Esc);
    s.message = Some("wrote 63 conversations to convoscope-20261125-123000.ndjson".into());
    let t = text(&render(&s));
    let lines: Vec<&str> = t.lines().collect();
    let (status, footer) = (lines[lines.len() - 2], lines[lines.len() - 1]);
    assert!(
        footer.contains("wrote 63 conversations to convoscope-20261125-123000.ndjson"),
        "the path in full:\n{t}"
    );
    assert!(
        status.contains("● LIVE"),
        "lasting state in its place:\n{t}"
    );
    assert!(status.contains("✓ loaded"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn a_search_in_the_detail_pane_is_in_its_title_and_its_match_marked() {
    let mut s = full(100, 40);
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Char('/'));
    for c in "delivery".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    let buf = render(&s);
    let t = text(&buf);
    assert!(t.contains("/delivery  1/1"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn the_api_log_marks_the_selected_call_and_shows_a_pending_one_as_pending() {
    let mut s = full(120, 30);
    key(&mut s, KeyCode::Char('L'));
    let call = |n: u64, pending: bool| crate::genesys::client::CallRecord {
        at: now(),
        method: "GET".into(),
        path: format!("/api/v2/conversations/c{n}"),
        status: (!pending).then_some(200),
        error: None,
        latency: std::time::Duration::from_millis(12),
        correlation_id: (!pending).then(|| format!("corr-{n}")),
        ratelimit: None,
        pending,
        seq: n,
    };
    update(&mut s, Event::ApiLog(vec![call(1, false), call(2, true)]));
    let t = text(&render(&s));
    let pending = t.lines().find(|l| l.contains("/c2")).unwrap();
    assert!(
        pending.contains("pending") && !pending.contains("200"),
        "{t}"
    );
    assert!(pending.contains("▶"), "the newest is selected:\n{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn a_wrap_up_in_the_timeline_is_named_by_the_directory() {
    let mut s = watched(120, 30);
    let id = s.watch.as_ref().unwrap().id.clone();
    s.names.insert(
        crate::genesys::directory::Kind::Wrapup,
        "wc-1".into(),
        Some("Refund issued".into()),
    );
    s.timelines.record(
        &id,
        vec![crate::tui::watch::Change {
            at: now(),
            participant_id: "ag".into(),
            purpose: "agent".into(),
            name: "Ann".into(),
            key: String::new(),
            kind: crate::tui::watch::ChangeKind::WrapUp {
                code: "wc-1".into(),
            },
            while_reconnecting: false,
            found_since: None,
        }],
    );
    key(&mut s, KeyCode::Char('z'));
    key(&mut s, KeyCode::Char('t'));
    let t = text(&render(&s));
    assert!(t.contains("wrapped up Refund issued"), "{t}");
}
