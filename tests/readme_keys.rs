//! The README's key table is generated from the keymap (`Keymap::default()`), the same data that
//! drives dispatch, the `?` overlay and the footer. This test renders it and compares it with the
//! README between `<!-- keys:start -->` and `<!-- keys:end -->`: on a mismatch it fails and
//! prints the table it expects; `UPDATE_README=1 cargo test --test readme_keys` rewrites it.

use std::path::PathBuf;

use convoscope::tui::keymap::{Binding, Keymap, Mode};

const START: &str = "<!-- keys:start -->";
const END: &str = "<!-- keys:end -->";

/// Every mode, in the order the table names them. The match makes a new mode a compile error
/// here, so that it cannot be left out of the README.
const MODES: [Mode; 13] = [
    Mode::FormText,
    Mode::FormMedia,
    Mode::List,
    Mode::Detail,
    Mode::Filter,
    Mode::Help,
    Mode::OpenId,
    Mode::RawJson,
    Mode::Search,
    Mode::Timeline,
    Mode::Popup,
    Mode::ApiLog,
    Mode::Summary,
];

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::FormText => "From/To fields",
        Mode::FormMedia => "media selector",
        Mode::List => "list",
        Mode::Detail => "detail",
        Mode::Filter => "filter",
        Mode::Help => "help",
        Mode::OpenId => "id prompt",
        Mode::RawJson => "raw JSON",
        Mode::Search => "search",
        Mode::Timeline => "timeline",
        Mode::Popup => "copy popup",
        Mode::ApiLog => "API log",
        Mode::Summary => "summary",
    }
}

/// Where a binding works, in words.
fn where_label(modes: &[Mode]) -> String {
    let has = |m: &Mode| modes.contains(m);
    if MODES.iter().all(has) {
        return "everywhere".into();
    }
    if MODES.iter().filter(|m| **m != Mode::Help).all(has) && !has(&Mode::Help) {
        return "everywhere but help".into();
    }
    let form = has(&Mode::FormText) && has(&Mode::FormMedia);
    let mut names: Vec<&str> = Vec::new();
    for m in MODES.iter().filter(|m| has(m)) {
        match m {
            Mode::FormText if form => names.push("form"),
            Mode::FormMedia if form => {}
            m => names.push(mode_name(*m)),
        }
    }
    match names.as_slice() {
        [] => "nowhere".into(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{}, {last}", rest.join(", ")),
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The markdown table: one row per binding, grouped by where it works (groups in the order of
/// their first binding in the key table).
fn render(keymap: &Keymap) -> String {
    // Every binding once, in table order.
    let mut all: Vec<&Binding> = MODES.iter().flat_map(|m| keymap.active(*m)).collect();
    all.sort_by_key(|b| *b as *const Binding as usize);
    all.dedup_by_key(|b| *b as *const Binding as usize);
    let mut groups: Vec<(String, Vec<&Binding>)> = Vec::new();
    for b in all {
        let label = where_label(b.modes);
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, v)) => v.push(b),
            None => groups.push((label, vec![b])),
        }
    }
    let mut out = String::from("| where | keys | what it does |\n|---|---|---|\n");
    for (label, bindings) in groups {
        for (i, b) in bindings.iter().enumerate() {
            let keys: Vec<String> = b
                .keys
                .iter()
                .map(|k| format!("`{}`", cell(&convoscope::tui::keymap::key_name(k))))
                .collect();
            let place = if i == 0 {
                format!("**{}**", cell(&label))
            } else {
                String::new()
            };
            out.push_str(&format!(
                "| {place} | {} | {} |\n",
                keys.join(" "),
                cell(b.help)
            ));
        }
    }
    out
}

fn readme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md")
}

#[test]
fn the_readme_key_table_matches_the_keymap() {
    let path = readme();
    let text = std::fs::read_to_string(&path).expect("README.md");
    let (Some(a), Some(b)) = (text.find(START), text.find(END)) else {
        panic!("README.md lacks the markers {START} and {END}");
    };
    assert!(a < b, "{START} comes after {END}");
    let table = render(&Keymap::default());
    let current = text[a + START.len()..b].trim();
    if current == table.trim() {
        return;
    }
    if std::env::var_os("UPDATE_README").is_some_and(|v| v == "1") {
        let new = format!("{}{START}\n{table}{}", &text[..a], &text[b..]);
        std::fs::write(&path, new).expect("README.md written");
        eprintln!("README.md: key table rewritten");
        return;
    }
    panic!(
        "the README's key table is out of date with src/tui/keymap.rs. \
         Run `UPDATE_README=1 cargo test --test readme_keys`, or put this between \
         {START} and {END}:\n\n{table}"
    );
}

#[test]
fn the_table_has_every_binding_and_every_mode() {
    let keymap = Keymap::default();
    let table = render(&keymap);
    for m in MODES {
        for b in keymap.active(m) {
            assert!(table.contains(b.help), "{:?} missing", b.action);
        }
    }
    assert!(table.contains("**everywhere**"));
    assert!(table.contains("`C-c`"));
}
