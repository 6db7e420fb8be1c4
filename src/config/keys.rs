//! The `[keys]` table: keys as written (`ctrl-r`, `F5`, `G`), the user's bindings, and their
//! checks against the actions the screen declares (unknown names, one key for two actions in the
//! same place).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// One key, as written in the `[keys]` table: `x`, `G`, `?`, `F5`, `ctrl-r`, `alt-enter`,
/// `shift-tab`, `pgdn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// What a key may be written as, for error messages.
pub const KEY_SYNTAX: &str = "a single character (x, G, ?), F1..F24, or one of enter, esc, tab, \
    backtab, backspace, delete, insert, home, end, pageup, pagedown, up, down, left, right, space; \
    optionally after ctrl-, alt- and shift- (ctrl-r, alt-enter, shift-tab)";

const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pgup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("pgdn", KeyCode::PageDown),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("space", KeyCode::Char(' ')),
];

impl FromStr for KeySpec {
    type Err = String;
    fn from_str(input: &str) -> Result<Self, String> {
        let bad = || format!("invalid key '{input}': use {KEY_SYNTAX}");
        let mut rest = input.trim();
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        loop {
            // A single character is a key even when it is '-'.
            if rest.chars().count() <= 1 {
                break;
            }
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-") {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-") {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift-") {
                shift = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err(bad()),
            (Some(c), None) if !c.is_whitespace() && !c.is_control() => KeyCode::Char(c),
            (Some(_), None) => return Err(bad()),
            _ => {
                let name = rest.to_ascii_lowercase();
                if let Some(n) = name.strip_prefix('f')
                    && let Ok(n) = n.parse::<u8>()
                {
                    if !(1..=24).contains(&n) {
                        return Err(bad());
                    }
                    KeyCode::F(n)
                } else {
                    NAMED_KEYS
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map(|&(_, c)| c)
                        .ok_or_else(bad)?
                }
            }
        };
        Ok(KeySpec {
            code,
            ctrl,
            alt,
            shift,
        })
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if self.shift {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            code => {
                let name = NAMED_KEYS
                    .iter()
                    .find(|(_, c)| *c == code)
                    .map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

impl KeySpec {
    /// Whether a terminal key event is this key. For characters Shift is ignored (`G` arrives as
    /// Shift+G, and `?` as Shift+? on many layouts); the character itself decides.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let m = ev.modifiers;
        let shift_ok =
            matches!(self.code, KeyCode::Char(_)) || self.shift == m.contains(KeyModifiers::SHIFT);
        let code_ok = match (self.code, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) if self.ctrl => a.eq_ignore_ascii_case(&b),
            (a, b) => a == b,
        };
        code_ok
            && shift_ok
            && self.ctrl == m.contains(KeyModifiers::CONTROL)
            && self.alt == m.contains(KeyModifiers::ALT)
    }
}

/// The `[keys]` table: action name (`refetch`, `toggle_mouse`, ...) to one key or a list of keys.
/// The screen decides which action names exist: it checks them with [`KeyBindings::check_actions`]
/// (through [`crate::settings::Settings::check_key_actions`]) at start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyBindings {
    keys: BTreeMap<String, Vec<KeySpec>>,
    /// The line of the file each action is on, for messages.
    lines: BTreeMap<String, usize>,
}

impl KeyBindings {
    /// The keys bound to an action by the user (names are lower-case, `-` read as `_`), if any.
    pub fn get(&self, action: &str) -> Option<&[KeySpec]> {
        self.keys.get(&normalize_action(action)).map(Vec::as_slice)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[KeySpec])> {
        self.keys.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn insert(&mut self, action: &str, keys: Vec<KeySpec>) {
        self.keys.insert(normalize_action(action), keys);
    }

    /// [`KeyBindings::insert`], remembering the line of the file the action is on.
    pub fn insert_at(&mut self, action: &str, keys: Vec<KeySpec>, line: usize) {
        self.insert(action, keys);
        self.lines.insert(normalize_action(action), line);
    }

    fn line(&self, action: &str) -> usize {
        self.lines.get(action).copied().unwrap_or(0)
    }

    /// The actions bound here that are not among `known` (names as [`KeyBindings::get`] takes
    /// them), each with its line in the file and a message listing the known ones.
    pub fn check_actions(&self, known: &[&str]) -> Vec<(usize, String)> {
        let known_norm: Vec<String> = known.iter().map(|k| normalize_action(k)).collect();
        self.keys
            .keys()
            .filter(|a| !known_norm.contains(a))
            .map(|a| {
                (
                    self.line(a),
                    format!(
                        "keys: unknown action '{a}': accepted actions are {}",
                        known_norm.join(", ")
                    ),
                )
            })
            .collect()
    }
}

fn normalize_action(a: &str) -> String {
    a.trim().to_ascii_lowercase().replace('-', "_")
}

/// What the screen declares about one of its actions, for the checks of `[keys]` and the default
/// file's list of actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo {
    /// The name in `[keys]`.
    pub name: &'static str,
    /// What it does, in a few words.
    pub help: &'static str,
    /// Its keys when `[keys]` does not name it.
    pub keys: Vec<KeySpec>,
    /// Where it works: each place (a mode of the screen) by the name people know it by, and
    /// whether a text field has the keyboard there (a plain character types there, so a
    /// user's plain key binds nothing in it).
    pub places: Vec<(&'static str, bool)>,
}

impl KeySpec {
    /// The key as the terminal tells it: Shift is part of a character (`G`), a Ctrl character has
    /// no case, and `shift-tab` is BackTab.
    fn event_key(self) -> KeySpec {
        let code = match (self.code, self.shift) {
            (KeyCode::Tab, true) => KeyCode::BackTab,
            (KeyCode::Char(c), _) if self.ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            (code, _) => code,
        };
        let shift = self.shift && !matches!(code, KeyCode::Char(_) | KeyCode::BackTab);
        KeySpec {
            code,
            shift,
            ..self
        }
    }

    /// A key that types a character in a text field.
    fn is_printable(self) -> bool {
        matches!(self.code, KeyCode::Char(_)) && !self.ctrl && !self.alt
    }
}

impl KeyBindings {
    /// Everything wrong with these bindings for the screen's `actions`: each unknown action name
    /// (as [`KeyBindings::check_actions`]), and each key bound to two actions that work in the
    /// same place, naming both. Each problem comes with its line in the file.
    pub fn check(&self, actions: &[ActionInfo]) -> Vec<(usize, String)> {
        let names: Vec<&str> = actions.iter().map(|a| a.name).collect();
        let mut problems = self.check_actions(&names);
        // The terminal's interrupt: the way out that always works.
        let ctrl_c = KeySpec {
            code: KeyCode::Char('c'),
            ctrl: true,
            alt: false,
            shift: false,
        };
        for (action, keys) in &self.keys {
            if !matches!(action.as_str(), "quit" | "quit_now")
                && keys.iter().any(|k| k.event_key() == ctrl_c)
            {
                problems.push((
                    self.line(action),
                    format!("keys.{action}: ctrl-c always quits: give {action} another key"),
                ));
            }
        }
        let bound: Vec<(&str, &ActionInfo, &[KeySpec])> = self
            .keys
            .iter()
            .filter_map(|(name, keys)| {
                let info = actions.iter().find(|a| normalize_action(a.name) == *name)?;
                Some((name.as_str(), info, keys.as_slice()))
            })
            .collect();
        for (i, &(a, a_info, a_keys)) in bound.iter().enumerate() {
            for &(b, b_info, b_keys) in &bound[i + 1..] {
                for key in a_keys {
                    let k = key.event_key();
                    if k == ctrl_c || !b_keys.iter().any(|o| o.event_key() == k) {
                        continue;
                    }
                    // The places both work in, where this key binds at all.
                    let places: Vec<&str> = a_info
                        .places
                        .iter()
                        .filter(|p| b_info.places.contains(p))
                        .filter(|&&(_, text)| !(text && k.is_printable()))
                        .map(|&(name, _)| name)
                        .collect();
                    if places.is_empty() {
                        continue;
                    }
                    let (mut first, mut second) = ((a, self.line(a)), (b, self.line(b)));
                    if first.1 > second.1 {
                        std::mem::swap(&mut first, &mut second);
                    }
                    problems.push((
                        second.1,
                        format!(
                            "keys: {key} is bound to both {} (line {}) and {} (line {}), which \
                             both work in {}: give one of them another key",
                            first.0,
                            first.1,
                            second.0,
                            second.1,
                            join_and(&places)
                        ),
                    ));
                }
            }
        }
        problems
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

impl<'de> Deserialize<'de> for KeySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeySpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key as a string (\"ctrl-r\")")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeySpec, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_syntax() {
        for (s, canon) in [
            ("x", "x"),
            ("G", "G"),
            ("?", "?"),
            ("-", "-"),
            ("F5", "F5"),
            ("f12", "F12"),
            ("Ctrl-R", "ctrl-R"),
            ("ctrl-r", "ctrl-r"),
            ("alt-enter", "alt-enter"),
            ("shift-tab", "shift-tab"),
            ("ctrl--", "ctrl--"),
            ("pgdn", "pagedown"),
            ("space", "space"),
            ("Esc", "esc"),
        ] {
            let k: KeySpec = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(k.to_string(), canon, "{s}");
            assert_eq!(canon.parse::<KeySpec>().unwrap(), k, "{canon} round trip");
        }
        for s in ["", "ctrl-", "F0", "F25", "hyper-x", "xx", "shift-", " "] {
            assert!(s.parse::<KeySpec>().is_err(), "{s:?} accepted");
        }
    }

    #[test]
    fn keys_match_terminal_events() {
        let ev = |code, m| KeyEvent::new(code, m);
        let ctrl_r: KeySpec = "ctrl-r".parse().unwrap();
        assert!(ctrl_r.matches(&ev(KeyCode::Char('r'), KeyModifiers::CONTROL)));
        assert!(!ctrl_r.matches(&ev(KeyCode::Char('r'), KeyModifiers::NONE)));
        let g: KeySpec = "G".parse().unwrap();
        assert!(g.matches(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)));
        assert!(!g.matches(&ev(KeyCode::Char('g'), KeyModifiers::NONE)));
        let f5: KeySpec = "F5".parse().unwrap();
        assert!(f5.matches(&ev(KeyCode::F(5), KeyModifiers::NONE)));
        let st: KeySpec = "shift-tab".parse().unwrap();
        assert!(st.matches(&ev(KeyCode::Tab, KeyModifiers::SHIFT)));
        assert!(!st.matches(&ev(KeyCode::Tab, KeyModifiers::NONE)));
    }

    fn bindings(entries: &[(&str, &[&str], usize)]) -> KeyBindings {
        let mut b = KeyBindings::default();
        for (action, keys, line) in entries {
            let keys = keys.iter().map(|k| k.parse().unwrap()).collect();
            b.insert_at(action, keys, *line);
        }
        b
    }

    fn action(name: &'static str, places: &[(&'static str, bool)]) -> ActionInfo {
        ActionInfo {
            name,
            help: "",
            keys: vec![],
            places: places.to_vec(),
        }
    }

    fn actions() -> Vec<ActionInfo> {
        let (list, detail, filter) = (
            ("the list", false),
            ("the detail pane", false),
            ("the filter field", true),
        );
        vec![
            action("refetch", &[list, detail]),
            action("zoom", &[list, detail]),
            action("toggle_sort", &[list]),
            action("copy_key_value", &[detail]),
            action("filter_done", &[filter]),
            action("quit", &[list, detail, filter]),
        ]
    }

    #[test]
    fn a_key_bound_to_two_actions_in_one_place_names_both() {
        let b = bindings(&[("refetch", &["x", "F5"], 2), ("zoom", &["X", "x"], 4)]);
        assert_eq!(
            b.check(&actions()),
            vec![(
                4,
                "keys: x is bound to both refetch (line 2) and zoom (line 4), which both work in \
                 the list and the detail pane: give one of them another key"
                    .to_string()
            )]
        );
    }

    #[test]
    fn one_key_in_places_apart_is_no_clash() {
        // toggle_sort works in the list only, copy_key_value in the detail pane only.
        let b = bindings(&[("toggle_sort", &["o"], 2), ("copy_key_value", &["o"], 3)]);
        assert!(b.check(&actions()).is_empty());
        // A plain character binds nothing in a text field: no clash there.
        let b = bindings(&[("filter_done", &["o"], 2), ("copy_key_value", &["o"], 3)]);
        assert!(b.check(&actions()).is_empty());
    }

    #[test]
    fn keys_that_the_terminal_cannot_tell_apart_clash() {
        for (a, b) in [
            ("ctrl-R", "ctrl-r"),
            ("shift-tab", "backtab"),
            ("G", "shift-G"),
        ] {
            let bs = bindings(&[("refetch", &[a], 2), ("zoom", &[b], 3)]);
            let p = bs.check(&actions());
            assert_eq!(p.len(), 1, "{a} / {b}: {p:?}");
        }
        let bs = bindings(&[("refetch", &["g"], 2), ("zoom", &["G"], 3)]);
        assert!(bs.check(&actions()).is_empty());
    }

    #[test]
    fn ctrl_c_stays_the_way_out() {
        let b = bindings(&[
            ("refetch", &["r", "Ctrl-C"], 2),
            ("quit", &["ctrl-c", "ctrl-q"], 3),
        ]);
        assert_eq!(
            b.check(&actions()),
            vec![(
                2,
                "keys.refetch: ctrl-c always quits: give refetch another key".to_string()
            )]
        );
    }

    #[test]
    fn unknown_actions_and_clashes_are_reported_together() {
        let b = bindings(&[
            ("refetch", &["x"], 2),
            ("fly", &["f"], 3),
            ("zoom", &["x"], 5),
        ]);
        let p = b.check(&actions());
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p.iter()
                .any(|(l, m)| *l == 3 && m.contains("unknown action 'fly'"))
        );
        assert!(
            p.iter()
                .any(|(l, m)| *l == 5 && m.contains("refetch (line 2) and zoom (line 5)"))
        );
    }
}
