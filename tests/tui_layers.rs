//! The screen's layers (ARCHITECTURE.md): the state (`tui/app`) never names the drawing
//! (`tui/ui`), and the data below them and the runtime (`effects.rs`, `jobs.rs`) name neither.
//! Read from the sources, so that a new `use` breaks the build of the test suite, not the design.

use std::path::{Path, PathBuf};

/// `tui/` and every `.rs` file under it, relative to `src/tui`.
fn sources() -> Vec<(String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src/tui");
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, code(&path)));
            }
        }
    }
    out.sort();
    out
}

/// The file without its comments (a doc comment may name any module).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where `text` names `tui::<module>`: as `crate::tui::module`, `super::module` (at any depth),
/// or inside a `{...}` group of either.
fn names(text: &str, module: &str) -> Vec<String> {
    let mut found = Vec::new();
    for prefix in ["crate::tui::", "super::"] {
        let mut rest = text;
        while let Some(i) = rest.find(prefix) {
            let after = rest[i + prefix.len()..].trim_start_matches("super::");
            let named = if let Some(group) = after.strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                group
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| w == module)
            } else {
                let word: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                word == module
            };
            if named {
                let line = &rest[i..];
                found.push(line[..line.find('\n').unwrap_or(line.len())].to_string());
            }
            rest = after;
        }
    }
    found
}

fn is_app(file: &str) -> bool {
    file == "app.rs" || file.starts_with("app/")
}

fn is_ui(file: &str) -> bool {
    file.starts_with("ui/")
}

/// Above everything: the loop owns the terminal (`headless.rs` is the loop without one); the
/// fixtures serve tests; `mod.rs` declares.
fn is_top(file: &str) -> bool {
    matches!(
        file,
        "event_loop.rs" | "headless.rs" | "fixtures.rs" | "mod.rs"
    )
}

#[test]
fn the_state_never_names_the_drawing() {
    for (file, text) in sources().iter().filter(|(f, _)| is_app(f)) {
        let found = names(text, "ui");
        assert!(found.is_empty(), "tui/{file} names ui: {found:?}");
    }
}

#[test]
fn nothing_below_the_state_names_it_or_the_drawing() {
    let below: Vec<_> = sources()
        .into_iter()
        .filter(|(f, _)| !is_app(f) && !is_ui(f) && !is_top(f))
        .collect();
    assert!(below.iter().any(|(f, _)| f == "layout/mod.rs"));
    assert!(below.iter().any(|(f, _)| f == "effects.rs"));
    for (file, text) in &below {
        for module in ["app", "ui"] {
            let found = names(text, module);
            assert!(found.is_empty(), "tui/{file} names {module}: {found:?}");
        }
    }
}

#[test]
fn the_check_sees_the_ways_a_module_is_named() {
    assert_eq!(names("use crate::tui::app::State;", "app").len(), 1);
    assert_eq!(names("use super::super::ui::theme;", "ui").len(), 1);
    assert_eq!(
        names("use super::{BrowseOptions, jobs, ui};", "ui").len(),
        1
    );
    assert!(names("use super::{uix, build_ui};", "ui").is_empty());
    assert!(names("use ratatui::layout::Rect;", "ui").is_empty());
}
