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
