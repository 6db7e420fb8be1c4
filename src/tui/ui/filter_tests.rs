//! The list's filter against what the screen shows: names that arrive from the directory after
//! the rows (`Event::Names`) make `agent:`, `queue:` and `wrapup:` find them, and the title's
//! count follows; every word of every column shown finds its row; malformed terms are errors in
//! the filter line. Whole screens in `TestBackend`.

use ratatui::crossterm::event::KeyCode;

use super::tests::{render, text};
use crate::genesys::directory::{Kind, Names};
use crate::paging::PageEvent;
use crate::tui::app::{Event, State, update};
use crate::tui::columns::COLUMNS;
use crate::tui::fixtures::{IDS, directory, key, messaging, page, screen, typ, voice_transfer};

/// The transferred voice call (IDS[0]) and the messaging conversation (IDS[1]) loaded, their
/// names not known yet: agents show as short ids, Billing too (no acd participant names it).
fn loaded(width: u16) -> State {
    let mut s = screen(width, 30, false);
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        page(1, 2, vec![voice_transfer(IDS[0]), messaging(IDS[1])]),
    );
    update(
        &mut s,
        Event::Page(PageEvent::Done {
            query_id: 1,
            loaded: 2,
        }),
    );
    s
}

/// The list's title line (the screen's first line of the list pane).
fn title(s: &State) -> String {
    let t = text(&render(s));
    t.lines()
        .find(|l| l.contains("Conversations"))
        .unwrap_or_default()
        .to_string()
}

fn names(s: &mut State, names: Names) {
    update(
        s,
        Event::Names {
            names,
            problem: None,
        },
    );
}

#[test]
fn names_arriving_after_the_rows_are_found_by_the_filter() {
    let mut s = loaded(200);
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "agent:gomez");
    assert!(title(&s).contains("0 of 2"), "{}", title(&s));
    let t = text(&render(&s));
    assert!(
        t.contains("No loaded conversation matches the filter"),
        "{t}"
    );
    // The directory answers: the list shows the agent by name, and the filter finds it.
    names(&mut s, directory());
    let t = text(&render(&s));
    assert!(title(&s).contains("1 of 2"), "{t}");
    assert!(t.contains("Ana Gómez"), "{t}");
    assert!(
        !t.contains("Jane Roe"),
        "the other row is filtered out\n{t}"
    );
    for (filter, count, shown) in [
        // Only a segment's queueId names Billing.
        ("queue:billing", "1 of 2", "Ann Lee"),
        ("wrapup:sold", "2 of 2", "Resolved - Sold"),
        ("-wrapup:transferred", "1 of 2", "Jane Roe"),
        ("agent:dupre|muller", "2 of 2", "Dee Dupré"),
        ("\"cy young\"", "1 of 2", "Jane Roe"),
    ] {
        for _ in 0..s.filter_input.value().chars().count() {
            key(&mut s, KeyCode::Backspace);
        }
        typ(&mut s, filter);
        let t = text(&render(&s));
        assert!(title(&s).contains(count), "{filter}: {}", title(&s));
        assert!(t.contains(shown), "{filter}\n{t}");
    }
}

#[test]
fn names_arriving_while_a_filter_is_kept_move_rows_in_and_out() {
    let mut s = loaded(200);
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "-queue:billing");
    key(&mut s, KeyCode::Enter);
    // Billing is only a short id yet: nothing names it.
    assert!(title(&s).contains("2 of 2"), "{}", title(&s));
    // Names come in two batches (two pages' look-ups): only the second names Billing.
    let mut users = Names::default();
    for (kind, id, name) in directory().iter() {
        if kind == Kind::User {
            users.insert(kind, id.into(), name.map(str::to_string));
        }
    }
    names(&mut s, users);
    assert!(title(&s).contains("2 of 2"), "{}", title(&s));
    names(&mut s, directory());
    let t = text(&render(&s));
    assert!(title(&s).contains("1 of 2"), "{t}");
    assert!(t.contains("Jane Roe") && !t.contains("Ann Lee"), "{t}");
}

#[test]
fn malformed_terms_are_errors_in_the_filter_line_and_the_filter_before_stays() {
    let mut s = loaded(200);
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "voice");
    assert!(title(&s).contains("1 of 2"));
    // Pasted whole: the filter before the paste stays.
    update(
        &mut s,
        Event::Paste {
            text: " dur>5x".into(),
            now: crate::tui::fixtures::now(),
        },
    );
    let line = title(&s);
    assert!(
        line.contains("cannot read '5x'") && line.contains("1 of 2"),
        "{line}"
    );
    for _ in 0..7 {
        key(&mut s, KeyCode::Backspace);
    }
    assert!(title(&s).contains("1 of 2"));
    for (typed, says) in [
        (" attr:", "name the attribute"),
        ("\x08\x08\x08\x08\x08dur>x", "cannot read 'x' as a duration"),
        ("\x08\x08\x08\x08\x08colour:red", "unknown field 'colour'"),
    ] {
        for c in typed.chars() {
            if c == '\x08' {
                key(&mut s, KeyCode::Backspace);
            } else {
                typ(&mut s, &c.to_string());
            }
        }
        let line = title(&s);
        assert!(line.contains(says), "{:?}: {line}", s.filter_input.value());
        // The last filter that could be read stays (typed letter by letter: `voice attr`,
        // `voice dur`, `voice colour`): never a match-all.
        assert!(!line.contains("2 of 2"), "{line}");
    }
    assert!(title(&s).contains("wrapup:"), "the error lists the fields");
}

/// At 80 columns the list's title cannot hold a filter's error: while it is typed, the bottom
/// line says it (in place of the key hints), and the hints come back once the filter reads.
#[test]
fn a_filters_error_has_the_bottom_line_on_a_narrow_terminal() {
    let mut s = screen(80, 24, false);
    key(&mut s, KeyCode::Enter);
    update(
        &mut s,
        page(1, 2, vec![voice_transfer(IDS[0]), messaging(IDS[1])]),
    );
    key(&mut s, KeyCode::Char('/'));
    typ(&mut s, "colour:red");
    let t = text(&render(&s));
    let last = t.lines().last().unwrap_or_default().to_string();
    assert!(
        last.contains("✗ unknown field 'colour': the fields are queue:, agent:"),
        "{t}"
    );
    for _ in 0.."colour:red".len() {
        key(&mut s, KeyCode::Backspace);
    }
    typ(&mut s, "voice");
    let t = text(&render(&s));
    let last = t.lines().last().unwrap_or_default().to_string();
    assert!(last.contains("keep filter"), "{t}");
}

/// Every word each column shows of a row finds that row (quoted, so that a word is a word), on
/// the simulator's conversations named through its directory: voice and messaging, inbound and
/// outbound, live and ended, callers known by number only.
#[test]
fn every_word_of_every_column_shown_finds_its_row() {
    let ds = crate::sim::Dataset::new(&crate::sim::SimConfig {
        conversations: 300,
        ..Default::default()
    });
    let now = crate::tui::fixtures::now();
    let mut s = screen(250, 30, false);
    key(&mut s, KeyCode::Enter);
    let convs: Vec<_> = (0..ds.len()).map(|i| ds.analytics_at(i, now)).collect();
    update(&mut s, page(1, convs.len() as u64, convs));
    let mut dir = Names::default();
    for u in &ds.users {
        dir.insert(Kind::User, u.id.clone(), Some(u.name.clone()));
    }
    for q in &ds.queues {
        dir.insert(Kind::Queue, q.id.clone(), Some(q.name.clone()));
    }
    for w in &ds.wrapups {
        dir.insert(Kind::Wrapup, w.id.clone(), Some(w.name.clone()));
    }
    names(&mut s, dir);
    let zone = s.zone();
    let mut tried = 0;
    let mut columns_seen = [false; 10];
    for i in (0..s.list.rows.len()).step_by(7) {
        let row = &s.list.rows[i];
        let id = row.id().to_string();
        let cells = row.cells(zone, &s.names);
        let mut words = Vec::new();
        for (c, col) in COLUMNS.iter().enumerate() {
            let shown = (col.cell)(row, &cells, u16::MAX);
            columns_seen[c] |= !shown.is_empty() && shown != "?";
            words.extend(
                shown
                    .split(|ch: char| ch.is_whitespace() || ch == ',' || ch == '→' || ch == '←')
                    .filter(|w| !w.is_empty() && *w != "?")
                    .map(|w| (col.title, w.to_string())),
            );
        }
        for (title, w) in words {
            s.list.set_filter(&format!("\"{w}\""), s.now);
            assert_eq!(s.list.filter_error, None, "{w}");
            assert!(
                s.list.position(&id).is_some(),
                "{title}: {w:?} does not find {id}: {:?}",
                s.list.haystack(&id)
            );
            tried += 1;
        }
    }
    assert!(tried > 500, "{tried}");
    assert_eq!(columns_seen, [true; 10], "every column showed something");
}

/// F1 while typing a filter: its keys, and the terms it reads.
#[test]
fn help_in_the_filter_lists_its_terms() {
    let mut s = loaded(120);
    key(&mut s, KeyCode::Char('/'));
    key(&mut s, KeyCode::F(1));
    let t = text(&render(&s));
    for term in [
        "queue:",
        "agent:",
        "wrapup:",
        "customer:",
        "dur>5m",
        "date:",
        "a|b",
    ] {
        assert!(t.contains(term), "{term}\n{t}");
    }
    insta::assert_snapshot!(t);
}
