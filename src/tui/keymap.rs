//! The key table: one list of (modes, keys) -> action + description. Dispatch, the `?` overlay
//! and the footer all read it, so they cannot disagree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What has the keyboard, which decides which bindings apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The From or To text field: printable keys type.
    FormText,
    /// The Media selector.
    FormMedia,
    List,
    Detail,
    /// Typing the list filter: printable keys type.
    Filter,
    Help,
}

impl Mode {
    /// Whether a text field has the keyboard (so `q`, `j`, `/` type instead of acting).
    pub fn is_text(self) -> bool {
        matches!(self, Mode::FormText | Mode::Filter)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    FocusNext,
    FocusPrev,
    Submit,
    FieldUp,
    FieldDown,
    MediaNext,
    MediaPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    StartFilter,
    /// Esc: close, clear or stop, whichever applies (see `app::escape`).
    Escape,
    FilterDone,
    ToggleSort,
    ToggleMouse,
    Refetch,
    /// Enter on a row: read its detail.
    OpenDetail,
    Zoom,
    Help,
    Redraw,
}

/// A key with its modifiers (Shift is ignored for characters: `G` arrives as Shift+G).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn k(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}
const fn c(ch: char) -> Key {
    Key {
        code: KeyCode::Char(ch),
        ctrl: false,
    }
}
const fn ctrl(ch: char) -> Key {
    Key {
        code: KeyCode::Char(ch),
        ctrl: true,
    }
}

impl Key {
    /// The table's view of a terminal key event; `None` for releases.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        Some(Key {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
        })
    }

    /// How the key is written in the footer and help.
    pub fn name(self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(ch) => ch.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.ctrl { format!("C-{base}") } else { base }
    }
}

pub struct Binding {
    pub modes: &'static [Mode],
    pub keys: &'static [Key],
    pub action: Action,
    /// A word or two for the footer.
    pub short: &'static str,
    /// What it does, for the help overlay (short: two columns of it fit 80 columns).
    pub help: &'static str,
    /// Whether the footer shows it (the help overlay shows them all).
    pub footer: bool,
}

impl Binding {
    /// The keys as shown: `↑/k`.
    pub fn keys_label(&self) -> String {
        self.keys
            .iter()
            .map(|k| k.name())
            .collect::<Vec<_>>()
            .join("/")
    }
}

use Mode::*;

const ALL: &[Mode] = &[FormText, FormMedia, List, Detail, Filter, Help];
const PANES: &[Mode] = &[FormText, FormMedia, List, Detail, Filter];
/// Modes where printable keys are commands.
const COMMAND: &[Mode] = &[FormMedia, List, Detail];
const FORM: &[Mode] = &[FormText, FormMedia];
const SCROLL: &[Mode] = &[List, Detail];

pub const BINDINGS: &[Binding] = &[
    Binding {
        modes: FORM,
        keys: &[k(KeyCode::Enter)],
        action: Action::Submit,
        short: "search",
        help: "Load the range",
        footer: true,
    },
    Binding {
        modes: PANES,
        keys: &[k(KeyCode::Tab)],
        action: Action::FocusNext,
        short: "next",
        help: "Next field or pane",
        footer: true,
    },
    Binding {
        modes: PANES,
        keys: &[k(KeyCode::BackTab)],
        action: Action::FocusPrev,
        short: "prev",
        help: "Previous field or pane",
        footer: false,
    },
    Binding {
        modes: FORM,
        keys: &[k(KeyCode::Up)],
        action: Action::FieldUp,
        short: "field",
        help: "Previous form field",
        footer: false,
    },
    Binding {
        modes: FORM,
        keys: &[k(KeyCode::Down)],
        action: Action::FieldDown,
        short: "field",
        help: "Next form field",
        footer: false,
    },
    Binding {
        modes: &[FormMedia],
        keys: &[k(KeyCode::Right), c(' ')],
        action: Action::MediaNext,
        short: "media",
        help: "Next media type",
        footer: true,
    },
    Binding {
        modes: &[FormMedia],
        keys: &[k(KeyCode::Left)],
        action: Action::MediaPrev,
        short: "media",
        help: "Previous media type",
        footer: false,
    },
    Binding {
        modes: SCROLL,
        keys: &[k(KeyCode::Down), c('j')],
        action: Action::Down,
        short: "down",
        help: "Down a row / scroll down",
        footer: true,
    },
    Binding {
        modes: SCROLL,
        keys: &[k(KeyCode::Up), c('k')],
        action: Action::Up,
        short: "up",
        help: "Up a row / scroll up",
        footer: true,
    },
    Binding {
        modes: SCROLL,
        keys: &[k(KeyCode::PageDown), ctrl('d')],
        action: Action::PageDown,
        short: "page",
        help: "One page down",
        footer: false,
    },
    Binding {
        modes: SCROLL,
        keys: &[k(KeyCode::PageUp), ctrl('u')],
        action: Action::PageUp,
        short: "page",
        help: "One page up",
        footer: false,
    },
    Binding {
        modes: SCROLL,
        keys: &[k(KeyCode::Home), c('g')],
        action: Action::Home,
        short: "first",
        help: "First row / top",
        footer: false,
    },
    Binding {
        modes: SCROLL,
        keys: &[k(KeyCode::End), c('G')],
        action: Action::End,
        short: "last",
        help: "Last row / bottom",
        footer: false,
    },
    Binding {
        modes: &[List],
        keys: &[k(KeyCode::Enter)],
        action: Action::OpenDetail,
        short: "detail",
        help: "Open the row's detail",
        footer: false,
    },
    Binding {
        modes: &[List],
        keys: &[c('/')],
        action: Action::StartFilter,
        short: "filter",
        help: "Filter (id, names, attrs)",
        footer: true,
    },
    Binding {
        modes: &[Filter],
        keys: &[k(KeyCode::Enter), k(KeyCode::Down)],
        action: Action::FilterDone,
        short: "keep filter",
        help: "Keep filter, back to list",
        footer: true,
    },
    Binding {
        modes: &[List],
        keys: &[c('s')],
        action: Action::ToggleSort,
        short: "sort",
        help: "Newest/oldest first",
        footer: true,
    },
    Binding {
        modes: SCROLL,
        keys: &[c('r')],
        action: Action::Refetch,
        short: "refetch",
        help: "Fetch attributes again",
        footer: true,
    },
    Binding {
        modes: SCROLL,
        keys: &[c('z')],
        action: Action::Zoom,
        short: "zoom",
        help: "Zoom the focused pane",
        footer: true,
    },
    Binding {
        modes: COMMAND,
        keys: &[c('m')],
        action: Action::ToggleMouse,
        short: "mouse",
        help: "Mouse on/off",
        footer: false,
    },
    Binding {
        modes: PANES,
        keys: &[k(KeyCode::Esc)],
        action: Action::Escape,
        short: "stop/clear",
        help: "Stop, clear or unzoom",
        footer: true,
    },
    Binding {
        modes: COMMAND,
        keys: &[c('?'), k(KeyCode::F(1))],
        action: Action::Help,
        short: "help",
        help: "This help",
        footer: true,
    },
    Binding {
        modes: &[FormText, Filter],
        keys: &[k(KeyCode::F(1))],
        action: Action::Help,
        short: "help",
        help: "This help",
        footer: true,
    },
    Binding {
        modes: &[Help],
        keys: &[k(KeyCode::Esc), c('?'), c('q'), k(KeyCode::F(1))],
        action: Action::Help,
        short: "close",
        help: "Close this help",
        footer: true,
    },
    Binding {
        modes: COMMAND,
        keys: &[c('q')],
        action: Action::Quit,
        short: "quit",
        help: "Quit",
        footer: true,
    },
    Binding {
        modes: ALL,
        keys: &[ctrl('l')],
        action: Action::Redraw,
        short: "redraw",
        help: "Redraw the screen",
        footer: false,
    },
    Binding {
        modes: ALL,
        keys: &[ctrl('c')],
        action: Action::Quit,
        short: "quit",
        help: "Quit, from anywhere",
        footer: false,
    },
];

/// The action bound to `key` in `mode`, if any.
pub fn lookup(mode: Mode, key: Key) -> Option<Action> {
    active(mode)
        .find(|b| b.keys.contains(&key))
        .map(|b| b.action)
}

/// The bindings that work in `mode`, in table order.
pub fn active(mode: Mode) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.modes.contains(&mode))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_bind_no_printable_key() {
        // Otherwise typing `q` or `s` in a date field or the filter would act instead of type.
        for mode in [FormText, Filter] {
            for b in active(mode) {
                for key in b.keys {
                    let printable = matches!(key.code, KeyCode::Char(_)) && !key.ctrl;
                    assert!(!printable, "{mode:?} binds {:?}", key.code);
                }
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_a_mode() {
        for &mode in ALL {
            let keys: Vec<Key> = active(mode).flat_map(|b| b.keys.iter().copied()).collect();
            for (i, a) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(a), "{mode:?}: {a:?} twice");
            }
        }
    }

    #[test]
    fn ctrl_c_quits_everywhere_and_q_only_outside_text() {
        for &mode in ALL {
            assert_eq!(lookup(mode, ctrl('c')), Some(Action::Quit), "{mode:?}");
        }
        assert_eq!(lookup(List, c('q')), Some(Action::Quit));
        assert_eq!(lookup(FormText, c('q')), None);
        assert_eq!(lookup(Filter, c('q')), None);
    }

    #[test]
    fn help_texts_fit_two_columns_at_80() {
        for b in BINDINGS {
            assert!(b.help.chars().count() <= 26, "{}", b.help);
        }
    }

    #[test]
    fn key_names() {
        assert_eq!(ctrl('c').name(), "C-c");
        assert_eq!(k(KeyCode::Up).name(), "↑");
        assert_eq!(c(' ').name(), "Space");
    }
}
