//! The three themes on a whole screen (ratatui `TestBackend`): the cell styles of the selected
//! row, a participant's role tag and an error, as dark, light and mono draw them.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::crossterm::event::KeyCode;
use ratatui::style::{Color, Modifier};

use super::{Palette, Theme};
use crate::genesys::Error;
use crate::genesys::model::{AnalyticsConversation, Conversation, ConversationParticipant};
use crate::paging::PageEvent;
use crate::tui::app::{Event, Init, update};
use crate::tui::fixtures::{self, IDS, now};

/// Conversation `IDS[n]`, ended, with a customer (Jane Doe) and an agent (Bob Agent).
fn conv(n: usize) -> AnalyticsConversation {
    fixtures::conversation(n, 10 * (n as i64 + 1), false, "Jane Doe", &["Bob Agent"])
}

/// Two conversations loaded, the first selected, and its detail answered with `result`.
fn screen(color: bool, palette: Palette, result: Result<Conversation, Error>) -> Buffer {
    let init = Init {
        color,
        palette,
        ..fixtures::init()
    };
    let mut s = fixtures::screen_of(init, 140, 40);
    fixtures::key(&mut s, KeyCode::Enter);
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
