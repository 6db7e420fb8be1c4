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
    OpenId,
    /// The raw JSON view.
    RawJson,
    /// Typing a search (`/` in the raw JSON, the detail pane, the timeline or the API log):
    /// printable keys type.
    Search,
    /// The change timeline.
    Timeline,
    /// A value shown for copying by hand.
    Popup,
    /// The log of API calls.
    ApiLog,
    /// The summary of the rows shown, focused (it takes the detail pane's place).
    Summary,
}

impl Mode {
    /// Whether a text field has the keyboard (so `q`, `j`, `/` type instead of acting).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Mode::FormText | Mode::Filter | Mode::OpenId | Mode::Search
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
            /// Every action.
            pub const ALL: &[Action] = &[$(Action::$variant,)*];

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
    /// `q`: asks once first when a watch or a timeline would be lost.
    Quit = "quit",
    /// Ctrl-C: quits at once, from anywhere.
    QuitNow = "quit_now",
    /// The last messages in full.
    Messages = "messages",
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
    First = "first",
    Last = "last",
    Filter = "filter",
    /// Esc: close, clear or stop, whichever applies (see `app::escape`).
    Escape = "escape",
    FilterDone = "filter_done",
    ToggleSort = "toggle_sort",
    /// Sort by the column left of the one sorted by (htop's `<`).
    SortLeft = "sort_left",
    /// Sort by the column right of it (`>`).
    SortRight = "sort_right",
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
    RawJson = "raw_json",
    /// Open a conversation by id.
    OpenId = "open_id",
    /// Enter in a prompt or search.
    Accept = "accept",
    NextMatch = "next_match",
    PrevMatch = "prev_match",
    Copy = "copy",
    CopyKeyValue = "copy_key_value",
    Export = "export",
    ExportCsv = "export_csv",
    /// Ctrl-Z: give the terminal back to the shell (`fg` resumes).
    Suspend = "suspend",
    /// The last API calls.
    ApiLog = "api_log",
    /// Enter on a long attribute value: show it whole, or fold it again.
    Unfold = "unfold",
    /// An unfolded value in its box: a line down or up, a window down or up.
    ValueDown = "value_down",
    ValueUp = "value_up",
    ValuePageDown = "value_page_down",
    ValuePageUp = "value_page_up",
    /// The summary of the rows shown; again: the next grouping (after the last it closes).
    Summary = "summary",
    /// The summary's next or previous attribute key to count by.
    SummaryNextKey = "summary_next_key",
    SummaryPrevKey = "summary_prev_key",
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
/// A character key.
const fn c(ch: char) -> KeySpec {
    spec(KeyCode::Char(ch), false)
}
/// Ctrl and a character.
const fn ctrl(ch: char) -> KeySpec {
    spec(KeyCode::Char(ch), true)
}
const ENTER: KeySpec = k(KeyCode::Enter);
const ESC: KeySpec = k(KeyCode::Esc);
const TAB: KeySpec = k(KeyCode::Tab);
const BACKTAB: KeySpec = k(KeyCode::BackTab);
const UP: KeySpec = k(KeyCode::Up);
const DOWN: KeySpec = k(KeyCode::Down);
const LEFT: KeySpec = k(KeyCode::Left);
const RIGHT: KeySpec = k(KeyCode::Right);
const PGUP: KeySpec = k(KeyCode::PageUp);
const PGDN: KeySpec = k(KeyCode::PageDown);
const HOME: KeySpec = k(KeyCode::Home);
const END: KeySpec = k(KeyCode::End);
const F1: KeySpec = k(KeyCode::F(1));

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

/// A default binding (a line of [`DEFAULTS`]).
struct DefaultBinding {
    modes: &'static [Mode],
    keys: &'static [KeySpec],
    action: Action,
    short: &'static str,
    help: &'static str,
    footer: bool,
    /// Not replaced by the user's keys (Ctrl-C always quits).
    fixed: bool,
}

/// A binding the footer shows (when there is room).
const fn foot(
    modes: &'static [Mode],
    keys: &'static [KeySpec],
    action: Action,
    short: &'static str,
    help: &'static str,
) -> DefaultBinding {
    DefaultBinding {
        modes,
        keys,
        action,
        short,
        help,
        footer: true,
        fixed: false,
    }
}

/// A binding only the help overlay shows.
const fn bind(
    modes: &'static [Mode],
    keys: &'static [KeySpec],
    action: Action,
    short: &'static str,
    help: &'static str,
) -> DefaultBinding {
    DefaultBinding {
        footer: false,
        ..foot(modes, keys, action, short, help)
    }
}

impl DefaultBinding {
    /// The user's keys do not replace it.
    const fn fixed(self) -> DefaultBinding {
        DefaultBinding {
            fixed: true,
            ..self
        }
    }
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
    /// Looked up before everything else, and its keys are nobody else's (Ctrl-C quits).
    pub fixed: bool,
}

impl Binding {
    /// The keys as shown: `↑/k`.
    pub fn keys_label(&self) -> String {
        self.keys.iter().map(key_name).collect::<Vec<_>>().join("/")
    }
}

use Action as A;
use Mode::*;

const ALL: &[Mode] = &[
    FormText, FormMedia, List, Detail, Filter, Help, OpenId, RawJson, Search, Timeline, Popup,
    ApiLog, Summary,
];
const PANES: &[Mode] = &[FormText, FormMedia, List, Detail, Filter, Summary];
/// Modes where printable keys are commands.
const COMMAND: &[Mode] = &[FormMedia, List, Detail];
const FORM: &[Mode] = &[FormText, FormMedia];
/// The list and the detail pane: where a conversation is at hand.
const SCROLL: &[Mode] = &[List, Detail];
/// Where the movement keys move something.
const NAV: &[Mode] = &[List, Detail, RawJson, Timeline, Popup, ApiLog, Summary];
/// Overlays (and the summary) that close with Esc or q.
const VIEWS: &[Mode] = &[RawJson, Timeline, Popup, ApiLog, Summary];
/// Everything Esc closes, clears or stops.
const ESC_MODES: &[Mode] = &[
    FormText, FormMedia, List, Detail, Filter, OpenId, RawJson, Search, Timeline, Popup, ApiLog,
    Summary,
];
/// Text fields of the overlays.
const OVERLAY_TEXT: &[Mode] = &[OpenId, Search];
/// Views with text to search (`/`, `n`, `N`).
const SEARCHABLE: &[Mode] = &[Detail, RawJson, Timeline, ApiLog];
/// Everywhere but the From/To fields, where the footer shows Ctrl-C (`q` types there).
const NOT_TIME: &[Mode] = &[
    FormMedia, List, Detail, Filter, Help, OpenId, RawJson, Search, Timeline, Popup, ApiLog,
    Summary,
];
/// Where printable keys type.
const TYPING: &[Mode] = &[FormText, Filter, OpenId, Search];
/// Where they do not (help is open: its own keys close it).
const NOT_TYPING: &[Mode] = &[
    FormMedia, List, Detail, RawJson, Timeline, Popup, ApiLog, Summary,
];

/// The default bindings, in the order help lists them.
#[rustfmt::skip]
const DEFAULTS: &[DefaultBinding] = &[
    foot(FORM,           &[ENTER],             A::Submit,       "search",      "Load the range"),
    foot(PANES,          &[TAB],               A::FocusNext,    "next",        "Next field or pane"),
    bind(PANES,          &[BACKTAB],           A::FocusPrev,    "prev",        "Previous field or pane"),
    bind(FORM,           &[UP],                A::FieldUp,      "field",       "Previous form field"),
    bind(FORM,           &[DOWN],              A::FieldDown,    "field",       "Next form field"),
    foot(&[FormMedia],   &[RIGHT, c(' ')],     A::MediaNext,    "media",       "Next media type"),
    bind(&[FormMedia],   &[LEFT],              A::MediaPrev,    "media",       "Previous media type"),
    foot(NAV,            &[DOWN, c('j')],      A::Down,         "down",        "Down a row / scroll down"),
    foot(NAV,            &[UP, c('k')],        A::Up,           "up",          "Up a row / scroll up"),
    bind(NAV,            &[PGDN, ctrl('d')],   A::PageDown,     "page",        "One page down"),
    bind(NAV,            &[PGUP, ctrl('u')],   A::PageUp,       "page",        "One page up"),
    bind(NAV,            &[HOME, c('g')],      A::First,        "first",       "First row / top"),
    bind(NAV,            &[END, c('G')],       A::Last,         "last",        "Last row / bottom"),
    bind(&[List],        &[ENTER],             A::OpenDetail,   "detail",      "Open the row's detail"),
    foot(&[List, Summary], &[c('/')],          A::Filter,       "filter",      "Filter: words, field:value"),
    foot(&[Detail],      &[ENTER],             A::Unfold,       "unfold",      "Show a long value whole"),
    bind(&[Detail],      &[c(']')],            A::ValueDown,    "value",       "Unfolded value: line down"),
    bind(&[Detail],      &[c('[')],            A::ValueUp,      "value",       "Unfolded value: line up"),
    bind(&[Detail],      &[c('}')],            A::ValuePageDown, "value page", "Unfolded value: page down"),
    bind(&[Detail],      &[c('{')],            A::ValuePageUp,  "value page",  "Unfolded value: page up"),
    foot(&[List, Detail, Summary], &[c('S')],  A::Summary,      "summary",     "Summary (again: grouping)"),
    bind(&[Summary],     &[RIGHT, c('l')],     A::SummaryNextKey, "key",       "Next attribute to count"),
    bind(&[Summary],     &[LEFT, c('h')],      A::SummaryPrevKey, "key",       "Previous attribute"),
    foot(SEARCHABLE,     &[c('/')],            A::Filter,       "search",      "Search the text"),
    foot(SEARCHABLE,     &[c('n')],            A::NextMatch,    "next",        "Next match"),
    bind(SEARCHABLE,     &[c('N')],            A::PrevMatch,    "prev",        "Previous match"),
    foot(OVERLAY_TEXT,   &[ENTER],             A::Accept,       "ok",          "Open / keep the search"),
    foot(SCROLL,         &[c('w')],            A::Watch,        "watch",       "Watch live (again: pause)"),
    foot(&[List, Detail, Timeline], &[c('t')], A::Timeline,     "timeline",    "Timeline of changes"),
    foot(COMMAND,        &[c(':'), c('i')],    A::OpenId,       "open id",     "Open a conversation by id"),
    foot(&[List, Detail, RawJson, ApiLog], &[c('y')], A::Copy,  "copy",        "Copy id/value/JSON/corr id"),
    bind(&[Detail, RawJson], &[c('Y')],        A::CopyKeyValue, "copy k=v",    "Copy key=value / JSON"),
    foot(&[List, Detail, RawJson], &[c('J')],  A::RawJson,      "json",        "Raw JSON (again: close)"),
    bind(&[FormMedia, List, Detail, ApiLog], &[c('L')], A::ApiLog, "api log",  "API calls (again: close)"),
    bind(SCROLL,         &[c('F')],            A::Follow,       "follow",      "Refresh the list (on/off)"),
    bind(SCROLL,         &[c('x')],            A::Export,       "export",      "Export shown rows (NDJSON)"),
    bind(SCROLL,         &[c('X')],            A::ExportCsv,    "csv",         "Export shown rows (CSV)"),
    foot(&[Filter],      &[ENTER, DOWN],       A::FilterDone,   "keep filter", "Keep filter, back to list"),
    foot(&[List],        &[c('s')],            A::ToggleSort,   "order",       "Reverse the sort order"),
    foot(&[List],        &[c('<')],            A::SortLeft,     "sort col",    "Sort by the column left"),
    foot(&[List],        &[c('>')],            A::SortRight,    "sort col",    "Sort by the column right"),
    foot(SCROLL,         &[c('r')],            A::Refetch,      "refetch",     "Refetch / resume a load"),
    foot(SCROLL,         &[c('z')],            A::Zoom,         "zoom",        "Zoom the focused pane"),
    bind(COMMAND,        &[c('m')],            A::ToggleMouse,  "mouse",       "Mouse on/off"),
    foot(ESC_MODES,      &[ESC],               A::Escape,       "back",        "Back: close, clear, stop"),
    bind(VIEWS,          &[c('q')],            A::Escape,       "close",       "Close"),
    foot(&[Detail],      &[c('q')],            A::Escape,       "back",        "Back to the list"),
    foot(NOT_TYPING,     &[c('?'), F1],        A::Help,         "help",        "This help"),
    foot(TYPING,         &[F1],                A::Help,         "help",        "This help"),
    foot(&[Help],        &[ESC, c('?'), c('q'), F1], A::Help,   "close",       "Close this help"),
    foot(&[FormMedia, List], &[c('q')],        A::Quit,         "quit",        "Quit (asks if work lost)"),
    bind(COMMAND,        &[c('M')],            A::Messages,     "messages",    "Recent messages in full"),
    bind(ALL,            &[ctrl('l')],         A::Redraw,       "redraw",      "Redraw the screen"),
    bind(ALL,            &[ctrl('z')],         A::Suspend,      "suspend",     "Suspend (fg resumes)"),
    foot(&[FormText],    &[ctrl('c')],         A::QuitNow,      "quit",        "Quit at once").fixed(),
    bind(NOT_TIME,       &[ctrl('c')],         A::QuitNow,      "quit",        "Quit now, from anywhere").fixed(),
];

/// The bindings in effect: the defaults, with the user's keys in place of an action's own.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::new(&KeyBindings::default())
    }
}

impl Keymap {
    /// Builds the keymap. Keys the user gives an action replace its default keys, except in text
    /// fields, where a plain character must keep typing (there the defaults stay), and except
    /// the keys of a fixed binding (Ctrl-C quits, whatever the config says).
    pub fn new(user: &KeyBindings) -> Keymap {
        let fixed: Vec<KeySpec> = DEFAULTS
            .iter()
            .filter(|d| d.fixed)
            .flat_map(|d| d.keys.iter().copied())
            .collect();
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
                    fixed: d.fixed,
                };
                if let (false, Some(keys)) = (d.fixed, user.get(d.action.name())) {
                    let text = d.modes.iter().any(|m| m.is_text());
                    let keys: Vec<KeySpec> = keys
                        .iter()
                        .copied()
                        // Typing keys stay typing; the fixed keys stay theirs.
                        .filter(|k| !(fixed.contains(k) || text && is_printable(k)))
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

    /// The action bound to `ev` in `mode`, if any: the fixed bindings first, then the user's,
    /// then the defaults.
    pub fn lookup(&self, mode: Mode, ev: &KeyEvent) -> Option<Action> {
        let mut active: Vec<&Binding> = self.active(mode).collect();
        active.sort_by_key(|b| (!b.fixed, !b.user));
        active
            .into_iter()
            .find(|b| b.keys.iter().any(|k| matches(k, ev)))
            .map(|b| b.action)
    }

    /// The keys of `action` in `mode` as help writes them (`]`, `↑/k`); empty when unbound.
    pub fn label(&self, mode: Mode, action: Action) -> String {
        self.active(mode)
            .find(|b| b.action == action)
            .map(Binding::keys_label)
            .unwrap_or_default()
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
            assert_eq!(
                keymap.lookup(mode, &ctrl_c),
                Some(Action::QuitNow),
                "{mode:?}"
            );
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
        assert_eq!(keymap.lookup(List, &big_g), Some(Action::Last));
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
        assert_eq!(keymap.lookup(FormText, &ctrl('c')), Some(Action::QuitNow));
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
    fn ctrl_c_quits_whatever_the_users_keys_say() {
        let mut user = KeyBindings::default();
        user.insert(
            "refetch",
            vec!["ctrl-c".parse().unwrap(), "x".parse().unwrap()],
        );
        user.insert("zoom", vec!["ctrl-c".parse().unwrap()]);
        let keymap = Keymap::new(&user);
        let ctrl_c = ev(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for &mode in ALL {
            assert_eq!(
                keymap.lookup(mode, &ctrl_c),
                Some(Action::QuitNow),
                "{mode:?}"
            );
        }
        // Help shows what works: the user's other keys, or the defaults when none is left.
        let keys = |a: Action| {
            let b = keymap.active(List).find(|b| b.action == a).unwrap();
            b.keys_label()
        };
        assert_eq!(keys(Action::Refetch), "x");
        assert_eq!(keys(Action::Zoom), "z");
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
    fn an_action_has_one_name_its_config_name() {
        // `Action::ApiLog` is `api_log` in the config file, the README and the code alike.
        for &action in Action::ALL {
            let mut snake = String::new();
            for ch in format!("{action:?}").chars() {
                if ch.is_ascii_uppercase() && !snake.is_empty() {
                    snake.push('_');
                }
                snake.push(ch.to_ascii_lowercase());
            }
            assert_eq!(snake, action.name());
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
