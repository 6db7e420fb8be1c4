//! What the screen's keymap says about its actions, in the terms of the config file: the names
//! `[keys]` accepts, their keys by default, and the places (modes) each works in. The config file
//! is checked against it at start-up, and `config --print-default` lists it.

use crate::config::{self, ActionInfo};
use crate::tui::keymap::{ACTION_NAMES, Keymap, Mode};

/// Every mode, the list first so that an action's main keys and help come first.
const MODES: [Mode; 13] = [
    Mode::List,
    Mode::Detail,
    Mode::FormMedia,
    Mode::FormText,
    Mode::Filter,
    Mode::RawJson,
    Mode::Search,
    Mode::Timeline,
    Mode::ApiLog,
    Mode::Popup,
    Mode::OpenId,
    Mode::Help,
    Mode::Summary,
];

/// A mode by the name people know it by, for messages.
fn place_name(mode: Mode) -> &'static str {
    match mode {
        Mode::FormText => "the form's date fields",
        Mode::FormMedia => "the form's media field",
        Mode::List => "the list",
        Mode::Detail => "the detail pane",
        Mode::Filter => "the filter field",
        Mode::Help => "the help",
        Mode::OpenId => "the id prompt",
        Mode::RawJson => "the raw JSON view",
        Mode::Search => "a search field (raw JSON, detail, timeline, API log)",
        Mode::Timeline => "the timeline",
        Mode::Popup => "the value popup",
        Mode::ApiLog => "the API log",
        Mode::Summary => "the summary",
    }
}

/// The screen's actions, in the keymap's order of names.
pub fn screen_actions() -> Vec<ActionInfo> {
    let keymap = Keymap::default();
    let mut out: Vec<ActionInfo> = ACTION_NAMES
        .iter()
        .map(|&name| ActionInfo {
            name,
            help: "",
            keys: Vec::new(),
            places: Vec::new(),
        })
        .collect();
    for mode in MODES {
        for b in keymap.active(mode) {
            let Some(a) = out.iter_mut().find(|a| a.name == b.action.name()) else {
                continue;
            };
            if a.help.is_empty() {
                a.help = b.help;
            }
            for k in &b.keys {
                if !a.keys.contains(k) {
                    a.keys.push(*k);
                }
            }
            let place = (place_name(mode), mode.is_text());
            if !a.places.contains(&place) {
                a.places.push(place);
            }
        }
    }
    out
}

/// The file `convoscope config --print-default` prints, with the screen's actions.
pub fn default_file() -> String {
    config::default_file(&screen_actions())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_described_with_its_keys_and_places() {
        let actions = screen_actions();
        assert_eq!(actions.len(), ACTION_NAMES.len());
        for a in &actions {
            assert!(!a.help.is_empty(), "{} has no help", a.name);
            assert!(!a.keys.is_empty(), "{} has no keys", a.name);
            assert!(!a.places.is_empty(), "{} works nowhere", a.name);
        }
        let quit = actions.iter().find(|a| a.name == "quit").unwrap();
        let keys: Vec<String> = quit.keys.iter().map(|k| k.to_string()).collect();
        assert_eq!(keys, ["q"]);
        assert!(quit.places.contains(&("the list", false)));
        // Ctrl-C is an action of its own: it quits at once, from anywhere.
        let now = actions.iter().find(|a| a.name == "quit_now").unwrap();
        let keys: Vec<String> = now.keys.iter().map(|k| k.to_string()).collect();
        assert_eq!(keys, ["ctrl-c"]);
        assert!(now.places.contains(&("the filter field", true)));
    }

    #[test]
    fn the_default_file_lists_every_action_with_keys_that_read_back() {
        let text = default_file();
        for a in screen_actions() {
            let line = text
                .lines()
                .find(|l| l.split_whitespace().nth(1) == Some(a.name))
                .unwrap_or_else(|| panic!("{} not listed:\n{text}", a.name));
            assert!(line.starts_with("#   "), "{line}");
            assert!(line.contains(a.help), "{line}");
            // The keys are written as [keys] takes them.
            for k in &a.keys {
                let written = k.to_string();
                assert!(line.contains(&written), "{line}");
                assert_eq!(written.parse::<config::KeySpec>().unwrap(), *k);
            }
        }
    }
}
