//! Snapshot tests of whole screens (ratatui `TestBackend` + insta), and cell-style checks where
//! colour or reverse video matter (snapshots do not record styles). Fixed times, UTC.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::{Color, Modifier};

use crate::genesys::Error;
use crate::genesys::model::{AnalyticsConversation, Conversation, ConversationParticipant};
use crate::paging::PageEvent;
use crate::tui::app::{Event, State, update};
use crate::tui::fixtures::{IDS, conversation as conv, key, now, page, screen};

pub(super) fn render(s: &State) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(s.width, s.height)).unwrap();
    t.draw(|f| super::draw(f, s)).unwrap();
    t.backend().buffer().clone()
}

pub(super) fn text(b: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..b.area.height {
        let mut line = String::new();
        for x in 0..b.area.width {
            line.push_str(b[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn convs() -> Vec<AnalyticsConversation> {
    vec![
        conv(0, 5, true, "Jane Doe", &[]),
        conv(1, 42, false, "Ann Lee", &["Bob Agent"]),
        conv(
            2,
            95,
            false,
            "Zed \x1b[31mRed\x1b[0m",
            &["Carl Agent", "Dana Agent"],
        ),
        conv(3, 180, false, "Ivy", &["Bob Agent"]),
    ]
}

/// The live conversation of IDS[1], with attributes of every kind.
pub(super) fn live() -> Conversation {
    let attrs = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    Conversation {
        id: IDS[1].into(),
        participants: vec![
            ConversationParticipant {
                id: "1-cust".into(),
                purpose: Some("customer".into()),
                attributes: attrs(&[
                    ("email", "ann@example.com"),
                    ("cart", r#"{"items":3,"total":"59.90","sku":["A-1","B-2"]}"#),
                    (
                        "note",
                        "The customer asked about the delivery date of the order placed last week and wants a call back",
                    ),
                    ("trick", "abc\u{202e}fed\x1b]0;pwned\x07"),
                ]),
                ..Default::default()
            },
            ConversationParticipant {
                id: "1-flow".into(),
                purpose: Some("workflow".into()),
                ..Default::default()
            },
            ConversationParticipant {
                id: "1-acd".into(),
                purpose: Some("acd".into()),
                queue_name: Some("Support".into()),
                attributes: attrs(&[("routing.skill", "billing")]),
                ..Default::default()
            },
            ConversationParticipant {
                id: "1-agent0".into(),
                purpose: Some("agent".into()),
                user_id: Some("user-0".into()),
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}

/// Submitted, one page in, still loading.
fn loading(width: u16, height: u16) -> State {
    let mut s = screen(width, height, true);
    key(&mut s, KeyCode::Enter);
    update(&mut s, page(1, 840, convs()));
    update(
        &mut s,
        Event::Page(PageEvent::Progress {
            query_id: 1,
            loaded: 4,
            total: 840,
        }),
    );
    s
}

/// Everything loaded, the second row selected and its attributes fetched.
pub(super) fn full(width: u16, height: u16) -> State {
    let mut s = loading(width, height);
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 1,
            loaded: 4,
        }),
    );
    key(&mut s, KeyCode::Down);
    let generation = s.detail.generation;
    update(&mut s, Event::Debounced { generation });
    update(
        &mut s,
        Event::Fetched {
            id: IDS[1].into(),
            generation,
            result: Ok(crate::tui::detail::Fresh::from_conversation(live())),
            at: now(),
        },
    );
    s
}

#[test]
fn form_prefilled() {
    let s = screen(120, 30, true);
    insta::assert_snapshot!(text(&render(&s)));
}

#[test]
fn form_with_every_problem_shown() {
    let mut s = screen(120, 30, true);
    for _ in 0..4 {
        key(&mut s, KeyCode::Backspace);
    }
    for c in "soon".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    let b = render(&s);
    let t = text(&b);
    assert!(t.contains(" ✗ From: cannot read 'soon'"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn list_while_loading() {
    let s = loading(120, 30);
    let t = text(&render(&s));
    assert!(t.contains("loading… loaded 4 of 840"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn rate_limit_wait_is_shown() {
    let mut s = loading(120, 30);
    update(
        &mut s,
        Event::Page(PageEvent::Waiting {
            query_id: 1,
            seconds: 3,
            reason: "rate limited".into(),
        }),
    );
    assert!(text(&render(&s)).contains("rate limited, retrying in 3 s · loaded 4 of 840"));
}

#[test]
fn a_failed_load_says_what_to_do_in_full() {
    let mut s = screen(80, 24, true);
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        Event::Page(PageEvent::Failed {
            query_id: 1,
            resume: None,
            error: Error::Permission {
                permission: Some("analytics:conversationDetail:view".into()),
                message: "You are missing the following permission(s)".into(),
                context_id: Some("ctx-7".into()),
            },
            loaded: 0,
        }),
    );
    let t = text(&render(&s));
    // Wrapped in the list pane, whole, contextId included.
    assert!(t.contains("analytics:conversationDetail:view"), "{t}");
    assert!(t.contains("ctx-7"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn full_list_with_detail_at_160_columns() {
    let s = full(160, 48);
    let t = text(&render(&s));
    // Whole ids at 160 columns; the injected escape sequence is visible, not executed.
    assert!(t.contains(IDS[3]), "{t}");
    assert!(t.contains("Zed \\e[31mRed\\e[0m"), "{t}");
    assert!(t.contains("abc\\u{202e}fed\\e]0;pwned\\x07"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn help_overlay() {
    let mut s = full(120, 40);
    key(&mut s, KeyCode::Char('?'));
    insta::assert_snapshot!(text(&render(&s)));
}

#[test]
fn help_overlay_fits_a_small_terminal() {
    let mut s = full(80, 24);
    key(&mut s, KeyCode::Char('?'));
    let t = text(&render(&s));
    // Every binding of the mode is on screen, in two columns if need be.
    for b in s.keymap.active(crate::tui::keymap::Mode::List) {
        assert!(
            t.contains(&b.keys_label()),
            "{} missing:\n{t}",
            b.keys_label()
        );
    }
    insta::assert_snapshot!(t);
}

#[test]
fn error_in_the_detail_pane() {
    let mut s = loading(120, 36);
    let generation = s.detail.generation;
    update(&mut s, Event::Debounced { generation });
    update(
        &mut s,
        Event::Fetched {
            id: IDS[0].into(),
            generation,
            result: Err(Error::Permission {
                permission: Some("conversation:communication:view".into()),
                message: "Missing permission".into(),
                context_id: Some("ctx-42".into()),
            }),
            at: now(),
        },
    );
    let t = text(&render(&s));
    assert!(t.contains("lacks conversation:communication:view"), "{t}");
    insta::assert_snapshot!(t);
}

#[test]
fn narrow_terminal_takes_turns() {
    let mut s = full(80, 24);
    let list = text(&render(&s));
    insta::assert_snapshot!("narrow_list", list);
    key(&mut s, KeyCode::Tab);
    let detail = text(&render(&s));
    assert!(detail.contains("Participants & attributes"), "{detail}");
    insta::assert_snapshot!("narrow_detail", detail);
}

#[test]
fn zoom_gives_the_pane_the_whole_screen() {
    let mut s = full(120, 30);
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Char('z'));
    let t = text(&render(&s));
    assert!(!t.contains("Range · times in UTC"), "{t}");
    assert!(!t.contains("Conversations"), "{t}");
}

#[test]
fn selected_row_is_reversed_and_marked() {
    let s = full(160, 48);
    let b = render(&s);
    let areas = &s.layout;
    let list = areas.list.unwrap();
    // The second data row (below border and header) is the selected one.
    let y = list.y + 3;
    assert_eq!(b[(list.x + 1, y)].symbol(), "▶");
    assert!(b[(list.x + 5, y)].modifier.contains(Modifier::REVERSED));
    assert!(!b[(list.x + 5, y - 1)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn no_color_keeps_modifiers_and_drops_colours() {
    let mut s = full(160, 48);
    s.color = false;
    let b = render(&s);
    for cell in b.content() {
        assert_eq!(cell.fg, Color::Reset, "{cell:?}");
        assert_eq!(cell.bg, Color::Reset, "{cell:?}");
    }
    let list = s.layout.list.unwrap();
    assert!(
        b[(list.x + 5, list.y + 3)]
            .modifier
            .contains(Modifier::REVERSED)
    );
    // The connection banner stands out without colour.
    let demo = (0..s.width).find(|&x| b[(x, 0)].symbol() == "D").unwrap();
    assert!(b[(demo, 0)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn a_frame_makes_display_strings_for_the_rows_shown_only() {
    // Wall-clock figures (10,000 and 100,000 rows) are in benches/screen.rs (draw_frame).
    let mut s = screen(160, 48, true);
    key(&mut s, KeyCode::Enter);
    let base = conv(1, 1, false, "Jane", &["Bob"]);
    for page in 0..100u32 {
        let page_convs = (0..100)
            .map(|i| {
                let mut c = base.clone();
                c.conversation_id = format!("id-{page}-{i}");
                c
            })
            .collect();
        update(
            &mut s,
            Event::Page(PageEvent::Page {
                query_id: 1,
                page_number: page + 1,
                total_hits: 10_000,
                conversations: page_convs,
            }),
        );
    }
    key(&mut s, KeyCode::End);
    let made = || crate::tui::row::CELLS_MADE.with(|n| n.replace(0));
    made();
    let t = text(&render(&s));
    assert!(t.contains("id-99-99"), "{t}");
    let rows = made();
    assert!(rows > 0 && rows <= s.layout.list_rows as u64, "{rows}");
}

#[test]
fn tiny_terminals_do_not_panic() {
    for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 10), (79, 23), (300, 8)] {
        let mut s = full(w, h);
        render(&s);
        for code in [KeyCode::Tab, KeyCode::Char('z'), KeyCode::Char('?')] {
            key(&mut s, code);
            render(&s);
        }
    }
}

/// Whether a character could act on a terminal or hide what text says.
fn dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[test]
fn hostile_text_never_reaches_the_terminal() {
    use crate::sim::hostile::{CORPUS, KEYS, long_value};
    let mut convs = convs();
    for (i, c) in convs.iter_mut().enumerate() {
        for (j, p) in c.participants.iter_mut().enumerate() {
            p.participant_name = Some(CORPUS[(i * 5 + j) % CORPUS.len()].to_string());
        }
    }
    let mut live = live();
    let attrs = &mut live.participants[0].attributes;
    for (i, v) in CORPUS.iter().enumerate() {
        attrs.insert(format!("hostile.{i:02}"), v.to_string());
    }
    for k in KEYS {
        attrs.insert(k.to_string(), "\x1b[2J".into());
    }
    attrs.insert("long".into(), long_value());
    for (w, h) in [(160, 48), (80, 24)] {
        let mut s = screen(w, h, true);
        key(&mut s, KeyCode::Enter);
        update(&mut s, page(1, 4, convs.clone()));
        key(&mut s, KeyCode::Down);
        let generation = s.detail.generation;
        update(&mut s, Event::Debounced { generation });
        update(
            &mut s,
            Event::Fetched {
                id: IDS[1].into(),
                generation,
                result: Ok(crate::tui::detail::Fresh::from_conversation(live.clone())),
                at: now(),
            },
        );
        key(&mut s, KeyCode::Char('/'));
        for c in "\u{1b}[2J".chars() {
            key(&mut s, KeyCode::Char(c));
        }
        // The filter as typed shows escaped in the list's title.
        let b = render(&s);
        assert!(
            !b.content()
                .iter()
                .any(|c| c.symbol().chars().any(dangerous))
        );
        assert!(text(&b).contains("/\\e[2J"), "{}", text(&b));
        key(&mut s, KeyCode::Esc);
        key(&mut s, KeyCode::Tab);
        // Every screenful of the detail, from top to bottom.
        for _ in 0..400 {
            let b = render(&s);
            for cell in b.content() {
                assert!(
                    !cell.symbol().chars().any(dangerous),
                    "{:?} reached the screen at {w}x{h}",
                    cell.symbol()
                );
            }
            if s.detail.scroll >= s.detail.document.max_scroll(s.layout.detail_rows()) {
                break;
            }
            key(&mut s, KeyCode::PageDown);
        }
        let t = text(&render(&s));
        assert!(t.contains("long-value"), "{t}");
    }
}

#[test]
fn the_header_says_live_and_which_queues_first_at_every_width() {
    use crate::genesys::notify::live_queue::LiveQueues;
    use crate::tui::app::queue_live::{QueueFeed, QueueView};
    let view = |feed| QueueView {
        generation: 1,
        names: vec!["Support - Tier 1".into(), "Sales".into()],
        set: LiveQueues::new(vec!["q1".into(), "q2".into()]),
        feed,
        events: 0,
        catching_up: false,
        held: None,
        waiting: false,
        read_early: false,
        pending: Vec::new(),
    };
    let header = |w: u16, feed| {
        let mut s = screen(w, 20, false);
        s.connection = "http://127.0.0.1:18642".into();
        s.org = Some("convoscope simulator".into());
        s.queue_view = Some(view(feed));
        let top = text(&render(&s));
        top.lines().next().unwrap().to_string()
    };
    let h = header(140, QueueFeed::Live);
    assert!(
        h.starts_with(" convoscope · LIVE Support - Tier 1, Sales · connected to"),
        "{h}"
    );
    assert!(h.contains("org convoscope simulator · read-only"), "{h}");
    // Narrow: the org and the connection give way, never the LIVE marker or the feed's state.
    for w in [40u16, 60, 80, 100] {
        let h = header(w, QueueFeed::Live);
        assert!(h.contains(" · LIVE Support"), "{w}: {h}");
        assert!(w < 80 || h.ends_with("· read-only"), "{w}: {h}");
        assert!(
            crate::tui::layout::text::width(&h) <= w as usize,
            "{w}: {h}"
        );
        let h = header(w, QueueFeed::Stale(now()));
        assert!(h.contains("(stale ") && h.contains("12:30:00"), "{w}: {h}");
        assert!(h.contains("· LIVE"), "{w}: {h}");
        assert!(
            crate::tui::layout::text::width(&h) <= w as usize,
            "{w}: {h}"
        );
    }
    let h = header(120, QueueFeed::Stale(now()));
    assert!(h.contains("(stale since 12:30:00, reconnecting)"), "{h}");
    let h = header(100, QueueFeed::Live);
    assert!(h.contains("LIVE Support - Tier 1, Sales"), "{h}");
}

#[test]
fn counts_people_read_have_thousands_separators() {
    // 1,200 rows of a range of 12,345: the status line, the list's title (filtered too) and
    // the summary write them as people read them.
    let mut s = screen(160, 40, false);
    key(&mut s, KeyCode::Enter);
    let rows: Vec<AnalyticsConversation> = (0..1200)
        .map(|i| crate::tui::fixtures::conv(&format!("c{i:04}"), (i % 60) as u32, "Ann", "Bob"))
        .collect();
    update(&mut s, page(1, 12_345, rows));
    update(
        &mut s,
        Event::Page(PageEvent::Progress {
            query_id: 1,
            loaded: 1200,
            total: 12_345,
        }),
    );
    let t = text(&render(&s));
    assert!(t.contains("loaded 1,200 of 12,345"), "{t}");
    assert!(t.contains("Conversations 1,200 ·"), "{t}");
    key(&mut s, KeyCode::Char('/'));
    crate::tui::fixtures::typ(&mut s, "ann");
    let t = text(&render(&s));
    assert!(t.contains("1,200 of 1,200 ·"), "{t}");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('S'));
    let t = text(&render(&s));
    assert!(t.contains("1,200 conversations"), "{t}");
    assert!(t.contains("of the 1,200 rows shown"), "{t}");
    assert!(!t.contains("1200"), "{t}");
}
