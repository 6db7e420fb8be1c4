//! The three themes on a whole screen (ratatui `TestBackend`): the cell styles of the selected
//! row, a participant's role tag and an error, as dark, light and mono draw them.

use chrono::{DateTime, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};

use super::{Palette, Theme};
use crate::genesys::Error;
use crate::genesys::model::{
    AnalyticsConversation, AnalyticsParticipant, AnalyticsSession, Conversation,
    ConversationParticipant, format_time,
};
use crate::paging::PageEvent;
use crate::timespec::Zone;
use crate::tui::app::{Event, Init, State, update};

const IDS: [&str; 2] = [
    "0f8e2c1a-6b3d-4e5f-9a7b-1c2d3e4f5a6b",
    "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6",
];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 30, 0).unwrap()
}

fn conv(n: usize) -> AnalyticsConversation {
    let start = now() - chrono::Duration::minutes(10 * (n as i64 + 1));
    let session = AnalyticsSession {
        media_type: Some("message".into()),
        message_type: Some("webmessaging".into()),
        direction: Some("inbound".into()),
        ..Default::default()
    };
    let part = |id: &str, name: &str, purpose: &str| AnalyticsParticipant {
        participant_id: format!("{n}-{id}"),
        participant_name: Some(name.into()),
        purpose: Some(purpose.into()),
        sessions: vec![session.clone()],
        ..Default::default()
    };
    AnalyticsConversation {
        conversation_id: IDS[n].into(),
        conversation_start: Some(format_time(start)),
        conversation_end: Some(format_time(start + chrono::Duration::minutes(5))),
        originating_direction: Some("inbound".into()),
        participants: vec![
            part("cust", "Jane Doe", "customer"),
            part("acd", "Support", "acd"),
            part("agent", "Bob Agent", "agent"),
        ],
        ..Default::default()
    }
}

/// Two conversations loaded, the first selected, and its detail answered with `result`.
fn screen(color: bool, palette: Palette, result: Result<Conversation, Error>) -> Buffer {
    let mut s = State::new(Init {
        zone: Zone::Utc,
        zone_label: "UTC".into(),
        connection: "DEMO".into(),
        color,
        palette,
        ..Default::default()
    });
    update(
        &mut s,
        Event::Resize {
            width: 140,
            height: 40,
        },
    );
    update(
        &mut s,
        Event::Key {
            key: KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            now: now(),
        },
    );
    for ev in [
        PageEvent::Page {
            query_id: 1,
            page_number: 1,
            total_hits: 2,
            conversations: vec![conv(0), conv(1)],
        },
        PageEvent::Done {
            query_id: 1,
            loaded: 2,
        },
    ] {
        update(&mut s, Event::Page(ev));
    }
    let generation = s.detail.generation;
    update(&mut s, Event::Debounced { generation });
    update(
        &mut s,
        Event::Fetched {
            id: IDS[0].into(),
            generation,
            result: result.map(crate::tui::detail::Fresh::from_conversation),
            at: now(),
        },
    );
    let mut t = Terminal::new(TestBackend::new(s.width, s.height)).unwrap();
    t.draw(|f| super::super::draw(f, &s)).unwrap();
    t.backend().buffer().clone()
}

fn loaded() -> Result<Conversation, Error> {
    Ok(Conversation {
        id: IDS[0].into(),
        participants: vec![ConversationParticipant {
            id: "0-cust".into(),
            purpose: Some("customer".into()),
            attributes: [("context.email".to_string(), "jane@example.com".to_string())]
                .into_iter()
                .collect(),
            ..Default::default()
        }],
        ..Default::default()
    })
}

fn failed() -> Result<Conversation, Error> {
    Err(Error::Permission {
        permission: Some("conversation:communication:view".into()),
        message: "Missing permission".into(),
        context_id: Some("ctx-42".into()),
    })
}

/// The cell where `needle` starts on a line that also holds `on_line`.
fn cell<'a>(b: &'a Buffer, on_line: &str, needle: &str) -> &'a Cell {
    for y in 0..b.area.height {
        let cells: Vec<(u16, &str)> = (0..b.area.width).map(|x| (x, b[(x, y)].symbol())).collect();
        let line: String = cells.iter().map(|c| c.1).collect();
        if !line.contains(on_line) {
            continue;
        }
        for (i, &(x, _)) in cells.iter().enumerate() {
            let rest: String = cells[i..].iter().map(|c| c.1).collect();
            if rest.starts_with(needle) {
                return &b[(x, y)];
            }
        }
    }
    panic!("{needle:?} not on a line with {on_line:?}");
}

struct Expect {
    selected: Color,
    tag: Color,
    error: Color,
}

fn check(color: bool, palette: Palette, want: Expect) {
    let b = screen(color, palette, loaded());
    // The selected row: marked, reversed and bold in every theme; coloured only with colour.
    let sel = cell(&b, "▶", "Jane Doe");
    assert!(
        sel.modifier.contains(Modifier::REVERSED | Modifier::BOLD),
        "{sel:?}"
    );
    assert_eq!(sel.fg, want.selected, "selected row {sel:?}");
    // The customer's role tag in the detail pane: bold, with its symbol.
    let tag = cell(&b, "◆ customer", "customer");
    assert!(tag.modifier.contains(Modifier::BOLD), "{tag:?}");
    assert_eq!(tag.fg, want.tag, "role tag {tag:?}");
    let b = screen(color, palette, failed());
    // An error: bold, red with colour.
    let err = cell(&b, "✗ attributes unavailable", "✗");
    assert!(err.modifier.contains(Modifier::BOLD), "{err:?}");
    assert_eq!(err.fg, want.error, "error {err:?}");
}

#[test]
fn dark_draws_cyan_selection_magenta_customer_red_error() {
    check(
        true,
        Palette::Dark,
        Expect {
            selected: Color::Cyan,
            tag: Color::Magenta,
            error: Color::Red,
        },
    );
}

#[test]
fn light_draws_blue_selection_magenta_customer_red_error() {
    check(
        true,
        Palette::Light,
        Expect {
            selected: Color::Blue,
            tag: Color::Magenta,
            error: Color::Red,
        },
    );
}

#[test]
fn mono_draws_with_modifiers_only() {
    // `theme = "mono"` and `NO_COLOR` both set `color: false`, whatever the palette.
    for palette in [Palette::Dark, Palette::Light] {
        check(
            false,
            palette,
            Expect {
                selected: Color::Reset,
                tag: Color::Reset,
                error: Color::Reset,
            },
        );
        for b in [
            screen(false, palette, loaded()),
            screen(false, palette, failed()),
        ] {
            for c in b.content() {
                assert_eq!((c.fg, c.bg), (Color::Reset, Color::Reset), "{c:?}");
            }
        }
    }
}

#[test]
fn light_puts_no_faint_text_on_the_screen() {
    // Grey, yellow, cyan and bright colours are hard to read on a light background.
    for b in [
        screen(true, Palette::Light, loaded()),
        screen(true, Palette::Light, failed()),
    ] {
        for c in b.content() {
            let text = if c.modifier.contains(Modifier::REVERSED) {
                c.bg
            } else {
                c.fg
            };
            assert!(
                matches!(
                    text,
                    Color::Reset | Color::Black | Color::Red | Color::Blue | Color::Magenta
                ),
                "{c:?}"
            );
        }
    }
}

#[test]
fn dark_is_drawn_as_before() {
    // The default theme keeps its faint secondary text and its cyan focus.
    let b = screen(true, Palette::Dark, loaded());
    assert!(b.content().iter().any(|c| c.fg == Color::DarkGray));
    let d = Theme {
        color: true,
        palette: Palette::Dark,
    };
    assert_eq!(d.border(true).fg, Some(Color::Cyan));
}
