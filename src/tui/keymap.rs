//! The key table: one list of (modes, keys) -> action + description. Dispatch, the `?` overlay
//! and the footer all read it, so they cannot disagree. The defaults are a constant table; the
//! user's `[keys]` (config file) replace an action's keys when the screen starts.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::config::{KeyBindings, KeySpec};

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
    /// Typing a conversation id after `:`: printable keys type.
    Prompt,
    /// The raw JSON view.
    Raw,
    /// Typing a search in the raw JSON view: printable keys type.
    RawSearch,
    /// The change timeline.
    Timeline,
    /// A value shown for copying by hand.
    Popup,
    /// The log of API calls.
    Log,
}

impl Mode {
    /// Whether a text field has the keyboard (so `q`, `j`, `/` type instead of acting).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Mode::FormText | Mode::Filter | Mode::Prompt | Mode::RawSearch
        )
    }
}

macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        impl Action {
            /// The name used in the config file's `[keys]` table.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }
        }

        /// Every action name the `[keys]` table accepts.
        pub const ACTION_NAMES: &[&str] = &[$($name,)*];
    };
}

actions! {
    Quit = "quit",
    FocusNext = "focus_next",
    FocusPrev = "focus_prev",
    Submit = "submit",
    FieldUp = "field_up",
    FieldDown = "field_down",
    MediaNext = "media_next",
    MediaPrev = "media_prev",
    Up = "up",
    Down = "down",
    PageUp = "page_up",
    PageDown = "page_down",
    Home = "first",
    End = "last",
    StartFilter = "filter",
    /// Esc: close, clear or stop, whichever applies (see `app::escape`).
    Escape = "escape",
    FilterDone = "filter_done",
    ToggleSort = "toggle_sort",
    ToggleMouse = "toggle_mouse",
    Refetch = "refetch",
    /// Enter on a row: read its detail.
    OpenDetail = "open_detail",
    Zoom = "zoom",
    Help = "help",
    Redraw = "redraw",
    /// Watch the conversation shown: refetch it every few seconds and mark what changes.
    Watch = "watch",
    /// Refresh the list every few seconds.
    Follow = "follow",
    Timeline = "timeline",
    Raw = "raw_json",
    /// Open a conversation by id.
    Jump = "open_id",
    /// Enter in a prompt or search.
    Accept = "accept",
    NextMatch = "next_match",
    PrevMatch = "prev_match",
    Copy = "copy",
    CopyPair = "copy_key_value",
    Export = "export",
    ExportCsv = "export_csv",
    /// Ctrl-Z: give the terminal back to the shell (`fg` resumes).
    Suspend = "suspend",
    /// The last API calls.
    Log = "api_log",
}

const fn spec(code: KeyCode, ctrl: bool) -> KeySpec {
    KeySpec {
        code,
        ctrl,
        alt: false,
        shift: false,
    }
}
const fn k(code: KeyCode) -> KeySpec {
    spec(code, false)
}
const fn c(ch: char) -> KeySpec {
    spec(KeyCode::Char(ch), false)
}
const fn ctrl(ch: char) -> KeySpec {
    spec(KeyCode::Char(ch), true)
}

/// Whether a terminal key event is `key`. Shift is ignored for characters (`G` arrives as
/// Shift+G) and for BackTab; `shift-tab` is BackTab. Alt is required only when the key names
/// it (a fast `Esc q` arrives as Alt+q).
pub fn matches(key: &KeySpec, ev: &KeyEvent) -> bool {
    if ev.kind == KeyEventKind::Release {
        return false;
    }
    let m = ev.modifiers;
    let code = match (key.code, key.shift) {
        (KeyCode::Tab, true) => KeyCode::BackTab,
        (code, _) => code,
    };
    let code_ok = match (code, ev.code) {
        (KeyCode::Char(a), KeyCode::Char(b)) if key.ctrl => a.eq_ignore_ascii_case(&b),
        (a, b) => a == b,
    };
    let shift_ok = matches!(code, KeyCode::Char(_) | KeyCode::BackTab)
        || key.shift == m.contains(KeyModifiers::SHIFT);
    code_ok
        && shift_ok
        && key.ctrl == m.contains(KeyModifiers::CONTROL)
        && (!key.alt || m.contains(KeyModifiers::ALT))
}

/// How a key is written in the footer and help.
pub fn key_name(key: &KeySpec) -> String {
    let base = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(ch) => ch.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab if key.shift => "S-Tab".into(),
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
    let mut out = String::new();
    if key.ctrl {
        out.push_str("C-");
    }
    if key.alt {
        out.push_str("M-");
    }
    if key.shift && !matches!(key.code, KeyCode::Char(_) | KeyCode::Tab) {
        out.push_str("S-");
    }
    out + &base
}

/// A default binding (the constant table).
struct Default {
    modes: &'static [Mode],
    keys: &'static [KeySpec],
    action: Action,
    short: &'static str,
    help: &'static str,
    footer: bool,
    /// Not replaced by the user's keys (Ctrl-C always quits).
    fixed: bool,
}

/// One binding in effect.
#[derive(Debug, Clone)]
pub struct Binding {
    pub modes: &'static [Mode],
    pub keys: Vec<KeySpec>,
    pub action: Action,
    /// A word or two for the footer.
    pub short: &'static str,
    /// What it does, for the help overlay (short: two columns of it fit 80 columns).
    pub help: &'static str,
    /// Whether the footer shows it (the help overlay shows them all).
    pub footer: bool,
    /// Set from the user's `[keys]`: looked up before the defaults, so it wins a clash.
    pub user: bool,
}

impl Binding {
    /// The keys as shown: `↑/k`.
    pub fn keys_label(&self) -> String {
        self.keys.iter().map(key_name).collect::<Vec<_>>().join("/")
    }
}

use Mode::*;

const ALL: &[Mode] = &[
    FormText, FormMedia, List, Detail, Filter, Help, Prompt, Raw, RawSearch, Timeline, Popup, Log,
];
const PANES: &[Mode] = &[FormText, FormMedia, List, Detail, Filter];
/// Modes where printable keys are commands.
const COMMAND: &[Mode] = &[FormMedia, List, Detail];
const FORM: &[Mode] = &[FormText, FormMedia];
/// The list and the detail pane: where a conversation is at hand.
const SCROLL: &[Mode] = &[List, Detail];
/// Where the movement keys move something.
const NAV: &[Mode] = &[List, Detail, Raw, Timeline, Popup, Log];
/// Overlays that close with Esc or q.
const VIEWS: &[Mode] = &[Raw, Timeline, Popup, Log];
/// Everything Esc closes, clears or stops.
const ESC: &[Mode] = &[
    FormText, FormMedia, List, Detail, Filter, Prompt, Raw, RawSearch, Timeline, Popup, Log,
];
/// Text fields of the overlays.
const OVERLAY_TEXT: &[Mode] = &[Prompt, RawSearch];

const DEFAULTS: &[Default] = &[
    Default {
        modes: FORM,
        keys: &[k(KeyCode::Enter)],
        action: Action::Submit,
        short: "search",
        help: "Load the range",
        footer: true,
        fixed: false,
    },
    Default {
        modes: PANES,
        keys: &[k(KeyCode::Tab)],
        action: Action::FocusNext,
        short: "next",
        help: "Next field or pane",
        footer: true,
        fixed: false,
    },
    Default {
        modes: PANES,
        keys: &[k(KeyCode::BackTab)],
        action: Action::FocusPrev,
        short: "prev",
        help: "Previous field or pane",
        footer: false,
        fixed: false,
    },
    Default {
        modes: FORM,
        keys: &[k(KeyCode::Up)],
        action: Action::FieldUp,
        short: "field",
        help: "Previous form field",
        footer: false,
        fixed: false,
    },
    Default {
        modes: FORM,
        keys: &[k(KeyCode::Down)],
        action: Action::FieldDown,
        short: "field",
        help: "Next form field",
        footer: false,
        fixed: false,
    },
    Default {
        modes: &[FormMedia],
        keys: &[k(KeyCode::Right), c(' ')],
        action: Action::MediaNext,
        short: "media",
        help: "Next media type",
        footer: true,
        fixed: false,
    },
    Default {
        modes: &[FormMedia],
        keys: &[k(KeyCode::Left)],
        action: Action::MediaPrev,
        short: "media",
        help: "Previous media type",
        footer: false,
        fixed: false,
    },
    Default {
        modes: NAV,
        keys: &[k(KeyCode::Down), c('j')],
        action: Action::Down,
        short: "down",
        help: "Down a row / scroll down",
        footer: true,
        fixed: false,
    },
    Default {
        modes: NAV,
        keys: &[k(KeyCode::Up), c('k')],
        action: Action::Up,
        short: "up",
        help: "Up a row / scroll up",
        footer: true,
        fixed: false,
    },
    Default {
        modes: NAV,
        keys: &[k(KeyCode::PageDown), ctrl('d')],
        action: Action::PageDown,
        short: "page",
        help: "One page down",
        footer: false,
        fixed: false,
    },
    Default {
        modes: NAV,
        keys: &[k(KeyCode::PageUp), ctrl('u')],
        action: Action::PageUp,
        short: "page",
        help: "One page up",
        footer: false,
        fixed: false,
    },
    Default {
        modes: NAV,
        keys: &[k(KeyCode::Home), c('g')],
        action: Action::Home,
        short: "first",
        help: "First row / top",
        footer: false,
        fixed: false,
    },
    Default {
        modes: NAV,
        keys: &[k(KeyCode::End), c('G')],
        action: Action::End,
        short: "last",
        help: "Last row / bottom",
        footer: false,
        fixed: false,
    },
    Default {
        modes: &[List],
        keys: &[k(KeyCode::Enter)],
        action: Action::OpenDetail,
        short: "detail",
        help: "Open the row's detail",
        footer: false,
        fixed: false,
    },
    Default {
        modes: &[List],
        keys: &[c('/')],
        action: Action::StartFilter,
        short: "filter",
        help: "Filter (words, attr:k=v)",
        footer: true,
        fixed: false,
    },
    Default {
        modes: &[Raw],
        keys: &[c('/')],
        action: Action::StartFilter,
        short: "search",
        help: "Search the JSON",
        footer: true,
        fixed: false,
    },
    Default {
        modes: &[Raw],
        keys: &[c('n')],
        action: Action::NextMatch,
        short: "next",
        help: "Next match",
        footer: true,
        fixed: false,
    },
    Default {
        modes: &[Raw],
        keys: &[c('N')],
        action: Action::PrevMatch,
        short: "prev",
        help: "Previous match",
        footer: false,
        fixed: false,
    },
    Default {
        modes: OVERLAY_TEXT,
        keys: &[k(KeyCode::Enter)],
        action: Action::Accept,
        short: "ok",
        help: "Open / keep the search",
        footer: true,
        fixed: false,
    },
    Default {
        modes: SCROLL,
        keys: &[c('w')],
        action: Action::Watch,
        short: "watch",
        help: "Watch live (again: pause)",
        footer: true,
        fixed: false,
    },
    Default {
        modes: &[List, Detail, Timeline],
        keys: &[c('t')],
        action: Action::Timeline,
        short: "timeline",
        help: "Timeline of changes",
        footer: true,
        fixed: false,
    },
    Default {
        modes: COMMAND,
        keys: &[c(':'), c('i')],
        action: Action::Jump,
        short: "open id",
        help: "Open a conversation by id",
        footer: true,
        fixed: false,
    },
    Default {
        modes: &[List, Detail, Raw],
        keys: &[c('y')],
        action: Action::Copy,
        short: "copy",
        help: "Copy id / value / JSON",
        footer: true,
        fixed: false,
    },
    Default {
        modes: &[Detail, Raw],
        keys: &[c('Y')],
        action: Action::CopyPair,
        short: "copy k=v",
        help: "Copy key=value / JSON",
        footer: false,
        fixed: false,
    },
    Default {
        modes: &[List, Detail, Raw],
        keys: &[c('J')],
        action: Action::Raw,
        short: "json",
        help: "Raw JSON (again: close)",
        footer: true,
        fixed: false,
    },
    Default {
        modes: &[FormMedia, List, Detail, Log],
        keys: &[c('L')],
        action: Action::Log,
        short: "api log",
        help: "API calls (again: close)",
        footer: false,
        fixed: false,
    },
    Default {
        modes: SCROLL,
        keys: &[c('F')],
        action: Action::Follow,
        short: "follow",
        help: "Refresh the list (on/off)",
        footer: false,
        fixed: false,
    },
    Default {
        modes: SCROLL,
        keys: &[c('x')],
        action: Action::Export,
        short: "export",
        help: "Export shown rows (NDJSON)",
        footer: false,
        fixed: false,
    },
    Default {
        modes: SCROLL,
        keys: &[c('X')],
        action: Action::ExportCsv,
        short: "csv",
        help: "Export shown rows (CSV)",
        footer: false,
        fixed: false,
    },
    Default {
        modes: &[Filter],
        keys: &[k(KeyCode::Enter), k(KeyCode::Down)],
        action: Action::FilterDone,
        short: "keep filter",
        help: "Keep filter, back to list",
        footer: true,
        fixed: false,
    },
    Default {
        modes: &[List],
        keys: &[c('s')],
        action: Action::ToggleSort,
        short: "sort",
        help: "Newest/oldest first",
        footer: true,
        fixed: false,
    },
    Default {
        modes: SCROLL,
        keys: &[c('r')],
        action: Action::Refetch,
        short: "refetch",
        help: "Refetch / resume a load",
        footer: true,
        fixed: false,
    },
    Default {
        modes: SCROLL,
        keys: &[c('z')],
        action: Action::Zoom,
        short: "zoom",
        help: "Zoom the focused pane",
        footer: true,
        fixed: false,
    },
    Default {
        modes: COMMAND,
        keys: &[c('m')],
        action: Action::ToggleMouse,
        short: "mouse",
        help: "Mouse on/off",
        footer: false,
        fixed: false,
    },
    Default {
        modes: ESC,
        keys: &[k(KeyCode::Esc)],
        action: Action::Escape,
        short: "back",
        help: "Close, stop, clear, unzoom",
        footer: true,
        fixed: false,
    },
    Default {
        modes: VIEWS,
        keys: &[c('q')],
        action: Action::Escape,
        short: "close",
        help: "Close",
        footer: false,
        fixed: false,
    },
    Default {
        modes: &[FormMedia, List, Detail, Raw, Timeline, Popup, Log],
        keys: &[c('?'), k(KeyCode::F(1))],
        action: Action::Help,
        short: "help",
        help: "This help",
        footer: true,
        fixed: false,
    },
    Default {
        modes: &[FormText, Filter, Prompt, RawSearch],
        keys: &[k(KeyCode::F(1))],
        action: Action::Help,
        short: "help",
        help: "This help",
        footer: true,
        fixed: false,
    },
    Default {
        modes: &[Help],
        keys: &[k(KeyCode::Esc), c('?'), c('q'), k(KeyCode::F(1))],
        action: Action::Help,
        short: "close",
        help: "Close this help",
        footer: true,
        fixed: false,
    },
    Default {
        modes: COMMAND,
        keys: &[c('q')],
        action: Action::Quit,
        short: "quit",
        help: "Quit",
        footer: true,
        fixed: false,
    },
    Default {
        modes: ALL,
        keys: &[ctrl('l')],
        action: Action::Redraw,
        short: "redraw",
        help: "Redraw the screen",
        footer: false,
        fixed: false,
    },
    Default {
        modes: ALL,
        keys: &[ctrl('z')],
        action: Action::Suspend,
        short: "suspend",
        help: "Suspend (fg resumes)",
        footer: false,
        fixed: false,
    },
    Default {
        modes: ALL,
        keys: &[ctrl('c')],
        action: Action::Quit,
        short: "quit",
        help: "Quit, from anywhere",
        footer: false,
        fixed: true,
    },
];

/// The bindings in effect: the defaults, with the user's keys in place of an action's own.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl std::default::Default for Keymap {
    fn default() -> Self {
        Keymap::new(&KeyBindings::default())
    }
}

impl Keymap {
    /// Builds the keymap. Keys the user gives an action replace its default keys, except in text
    /// fields, where a plain character must keep typing (there the defaults stay).
    pub fn new(user: &KeyBindings) -> Keymap {
        let bindings = DEFAULTS
            .iter()
            .map(|d| {
                let mut b = Binding {
                    modes: d.modes,
                    keys: d.keys.to_vec(),
                    action: d.action,
                    short: d.short,
                    help: d.help,
                    footer: d.footer,
                    user: false,
                };
                if let (false, Some(keys)) = (d.fixed, user.get(d.action.name())) {
                    let text = d.modes.iter().any(|m| m.is_text());
                    let keys: Vec<KeySpec> = keys
                        .iter()
                        .copied()
                        .filter(|k| !(text && is_printable(k)))
                        .collect();
                    if !keys.is_empty() {
                        b.keys = keys;
                        b.user = true;
                    }
                }
                b
            })
            .collect();
        Keymap { bindings }
    }

    /// The action bound to `ev` in `mode`, if any (the user's bindings first).
    pub fn lookup(&self, mode: Mode, ev: &KeyEvent) -> Option<Action> {
        let mut active: Vec<&Binding> = self.active(mode).collect();
        active.sort_by_key(|b| !b.user);
        active
            .into_iter()
            .find(|b| b.keys.iter().any(|k| matches(k, ev)))
            .map(|b| b.action)
    }

    /// The bindings that work in `mode`, in table order.
    pub fn active(&self, mode: Mode) -> impl Iterator<Item = &Binding> {
        self.bindings
            .iter()
            .filter(move |b| b.modes.contains(&mode))
    }
}

/// A key that types a character in a text field.
fn is_printable(k: &KeySpec) -> bool {
    matches!(k.code, KeyCode::Char(_)) && !k.ctrl && !k.alt
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }
    fn plain(code: KeyCode) -> KeyEvent {
        ev(code, KeyModifiers::NONE)
    }

    #[test]
    fn text_fields_bind_no_printable_key() {
        // Otherwise typing `q` or `s` in a date field or the filter would act instead of type.
        let user: KeyBindings = {
            let mut u = KeyBindings::default();
            u.insert("submit", vec!["x".parse().unwrap()]);
            u.insert("help", vec!["h".parse().unwrap()]);
            u
        };
        for keymap in [Keymap::default(), Keymap::new(&user)] {
            for mode in [FormText, Filter] {
                for b in keymap.active(mode) {
                    for key in &b.keys {
                        assert!(!is_printable(key), "{mode:?} binds {:?}", key.code);
                    }
                }
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_a_mode() {
        let keymap = Keymap::default();
        for &mode in ALL {
            let keys: Vec<KeySpec> = keymap
                .active(mode)
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            for (i, a) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(a), "{mode:?}: {a:?} twice");
            }
        }
    }

    #[test]
    fn ctrl_c_quits_everywhere_and_q_only_outside_text() {
        let keymap = Keymap::default();
        let ctrl_c = ev(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for &mode in ALL {
            assert_eq!(keymap.lookup(mode, &ctrl_c), Some(Action::Quit), "{mode:?}");
        }
        let q = plain(KeyCode::Char('q'));
        assert_eq!(keymap.lookup(List, &q), Some(Action::Quit));
        assert_eq!(keymap.lookup(FormText, &q), None);
        assert_eq!(keymap.lookup(Filter, &q), None);
    }

    #[test]
    fn shifted_and_back_tab_keys_match() {
        let keymap = Keymap::default();
        let big_g = ev(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(keymap.lookup(List, &big_g), Some(Action::End));
        let back = ev(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(keymap.lookup(List, &back), Some(Action::FocusPrev));
        let mut release = plain(KeyCode::Char('q'));
        release.kind = KeyEventKind::Release;
        assert_eq!(keymap.lookup(List, &release), None);
    }

    #[test]
    fn user_keys_replace_an_actions_keys_but_never_ctrl_c() {
        let mut user = KeyBindings::default();
        user.insert("refetch", vec!["F5".parse().unwrap(), "x".parse().unwrap()]);
        user.insert("quit", vec!["ctrl-q".parse().unwrap()]);
        user.insert("down", vec!["n".parse().unwrap()]);
        let keymap = Keymap::new(&user);
        assert_eq!(
            keymap.lookup(List, &plain(KeyCode::F(5))),
            Some(Action::Refetch)
        );
        assert_eq!(
            keymap.lookup(List, &plain(KeyCode::Char('x'))),
            Some(Action::Refetch)
        );
        assert_eq!(keymap.lookup(List, &plain(KeyCode::Char('r'))), None);
        let ctrl = |c| ev(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(keymap.lookup(List, &ctrl('q')), Some(Action::Quit));
        assert_eq!(keymap.lookup(List, &plain(KeyCode::Char('q'))), None);
        assert_eq!(keymap.lookup(FormText, &ctrl('c')), Some(Action::Quit));
        assert_eq!(
            keymap.lookup(List, &plain(KeyCode::Char('n'))),
            Some(Action::Down)
        );
        // Help and footer show the user's keys.
        let refetch = keymap
            .active(List)
            .find(|b| b.action == Action::Refetch)
            .unwrap();
        assert_eq!(refetch.keys_label(), "F5/x");
    }

    #[test]
    fn a_users_key_wins_a_clash_with_a_default() {
        let mut user = KeyBindings::default();
        user.insert("refetch", vec!["j".parse().unwrap()]);
        let keymap = Keymap::new(&user);
        assert_eq!(
            keymap.lookup(List, &plain(KeyCode::Char('j'))),
            Some(Action::Refetch)
        );
    }

    #[test]
    fn every_action_has_a_name_the_config_accepts() {
        assert!(ACTION_NAMES.contains(&"refetch"));
        assert!(ACTION_NAMES.contains(&"toggle_mouse"));
        assert!(ACTION_NAMES.contains(&"quit"));
        for d in DEFAULTS {
            assert!(ACTION_NAMES.contains(&d.action.name()));
        }
    }

    #[test]
    fn key_names() {
        assert_eq!(key_name(&ctrl('c')), "C-c");
        assert_eq!(key_name(&k(KeyCode::Up)), "↑");
        assert_eq!(key_name(&c(' ')), "Space");
        assert_eq!(key_name(&"shift-tab".parse().unwrap()), "S-Tab");
        assert_eq!(key_name(&"alt-enter".parse().unwrap()), "M-Enter");
    }

    #[test]
    fn help_texts_fit_two_columns_at_80() {
        for d in DEFAULTS {
            assert!(d.help.chars().count() <= 26, "{}", d.help);
        }
    }
}
