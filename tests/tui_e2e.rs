//! End-to-end tests of the browse screen: the real binary in a detached tmux session (a server
//! and a home of its own, see `tmux/mod.rs`), driven by keys, read back with `capture-pane`.
//! Every wait polls the screen for a marker; none sleeps blindly. tmux is required: `.ci/run`
//! installs it, and without it these tests fail.

mod tmux;

use std::process::{Command, Stdio};

use tmux::{Launch, SimProcess, Tmux, bin, isolate, sh_quote};

/// The form's title: the screen is up.
const FORM: &str = "Range · times in UTC";

/// The browser on the embedded simulator.
fn demo() -> String {
    format!("{} --demo --utc", bin())
}

/// Starts the pane and waits for the form; fails with the screen if the program ends first.
fn open(launch: Launch) -> Tmux {
    let t = launch.start();
    let s = t.wait("the form or an exit", |s| {
        s.contains(FORM) || s.contains(tmux::EXITED)
    });
    assert!(s.contains(FORM), "the screen never opened:\n{s}");
    t
}

/// The selected row's line in the list (the detail pane's cursor is a `▶` too, further down).
fn selected_line(screen: &str) -> Option<String> {
    screen.lines().find(|l| l.contains('▶')).map(str::to_string)
}

/// Where the selected row's line is on the screen.
fn selected_at(screen: &str) -> Option<usize> {
    screen.lines().position(|l| l.contains('▶'))
}

/// Sends a signal to the program running in the pane.
fn signal(t: &Tmux, sig: &str) {
    let pid = t.program_pid().to_string();
    assert!(
        Command::new("kill")
            .args([sig, &pid])
            .status()
            .expect("kill runs")
            .success()
    );
}

#[test]
fn browse_a_range_read_attributes_open_help_and_quit() {
    let t = open(Launch::new("browse", 160, 45, demo()));
    t.wait_display("#{alternate_on}", "1");
    // The header names the connection.
    t.wait("the form and the connection", |s| {
        s.contains(FORM) && s.contains("DEMO")
    });

    // The demo loads its range at once: rows arrive and the first is selected, in the list.
    let (_, s) = t.wait_loaded(None);
    let first = selected_at(&s).expect("a selected row");

    // Move down: the selection moves a line (its text changes on its own: a live row's
    // duration ticks, names arrive) and the detail pane shows the participants.
    t.keys(&["j"]);
    t.wait("the selection to move", |s| {
        selected_at(s) == Some(first + 1)
    });
    t.wait("participants in the detail", |s| {
        s.contains("◆ customer")
            && !s.contains("loading attributes")
            && s.contains("Participants & attributes")
    });

    // Help, from the same key table as the footer.
    t.keys(&["?"]);
    t.wait_for("Keys in the conversation list");
    t.keys(&["Escape"]);
    t.wait("help to close", |s| {
        !s.contains("Keys in the conversation list")
    });

    // Filter: typing q in the filter types it rather than quitting.
    t.keys(&["/"]);
    t.wait_for("/▏");
    t.type_text("zzq-no-such-row");
    t.wait_for("No loaded conversation matches");
    t.keys(&["Escape"]);
    t.wait("the filter to clear", |s| selected_line(s).is_some());

    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
}

#[test]
fn ctrl_c_quits_from_a_text_field() {
    let t = open(Launch::new("ctrlc", 100, 30, demo()));
    t.wait("a selected row", |s| selected_line(s).is_some());
    // Back to the From field (list -> media -> to -> from): the footer says how to quit there.
    t.keys(&["BTab", "BTab", "BTab"]);
    t.wait_for("C-c quit");
    t.type_text("q");
    // q typed into From: still running, and the form says it cannot read it.
    t.wait_for("cannot read");
    t.keys(&["C-c"]);
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
}

/// `sig` from outside (not a key) ends the browser with the screen's modes on: it restores the
/// terminal as quitting does and exits 128 + the signal's number, as shells report it.
fn a_signal_restores_the_terminal(name: &str, sig: &str, code: i32) {
    let t = open(Launch::new(name, 100, 30, format!("{} --mouse", demo())));
    t.wait_display("#{mouse_any_flag}", "1");
    t.wait_display("#{alternate_on}", "1");
    signal(&t, sig);
    assert_eq!(t.wait_exit(), code, "exit code after {sig}");
    t.assert_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    a_signal_restores_the_terminal("sigterm", "-TERM", 143);
}

#[test]
fn sighup_restores_the_terminal() {
    // What a dropped SSH connection or a closed terminal window sends.
    a_signal_restores_the_terminal("sighup", "-HUP", 129);
}

#[test]
fn sigint_from_outside_restores_the_terminal() {
    // `kill -INT`: in raw mode Ctrl-C is a key, so this one only ever comes from another process.
    a_signal_restores_the_terminal("sigint", "-INT", 130);
}

#[test]
fn sigquit_restores_the_terminal() {
    a_signal_restores_the_terminal("sigquit", "-QUIT", 131);
}

#[test]
fn a_panic_restores_the_terminal_then_prints_its_message() {
    // The test hook panics right after the first draw, with the mouse captured.
    let t = open_or_exit(
        Launch::new("panic", 100, 30, format!("{} --mouse", demo()))
            .env("CONVOSCOPE_DEBUG_PANIC", "1")
            .env("RUST_BACKTRACE", "0"),
    );
    assert_eq!(t.wait_exit(), 101, "a panic exits 101");
    t.assert_restored();
    // Printed after the restore, so it is on the normal screen (and not lost with the
    // alternate one).
    let s = t.screen();
    assert!(
        s.contains(convoscope::tui::DEBUG_PANIC_MESSAGE),
        "the panic message is visible:\n{s}"
    );
}

/// Starts the pane; the program may end before the form can be seen.
fn open_or_exit(launch: Launch) -> Tmux {
    let t = launch.start();
    t.wait("the form or an exit", |s| {
        s.contains(FORM) || s.contains(tmux::EXITED)
    });
    t
}

#[test]
fn narrow_terminal_shows_list_and_detail_in_turn() {
    let t = open(Launch::new("narrow", 80, 24, demo()));
    t.wait("a selected row", |s| selected_line(s).is_some());
    t.keys(&["Tab"]);
    t.wait("the detail in the list's place", |s| {
        s.contains("Participants & attributes") && !s.contains("Conversations ")
    });
    // q in the detail goes back to the list; q there quits.
    t.keys(&["q"]);
    t.wait("the list again", |s| {
        s.contains("Conversations ") && !s.contains("Participants & attributes")
    });
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
}

/// The frame is whole: the header on the first line, the footer on the last, and every line
/// between (except the status line) starts and ends with a box border.
fn assert_layout_intact(s: &str, height: usize, when: &str) {
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(
        lines.len(),
        height,
        "{when}: the screen has its height:\n{s}"
    );
    assert!(
        lines[0].contains("convoscope · connected to"),
        "{when}: the header is on the first line:\n{s}"
    );
    assert!(
        lines[height - 1].contains("?/F1 help"),
        "{when}: the footer is on the last line:\n{s}"
    );
    for (i, l) in lines[1..height - 2].iter().enumerate() {
        let first = l.chars().next();
        let last = l.chars().last();
        assert!(
            matches!(first, Some('┌' | '│' | '└')) && matches!(last, Some('┐' | '│' | '┘')),
            "{when}: line {} is not inside a box: {l:?}\n{s}",
            i + 1
        );
    }
}

/// The detail pane's title's `LAST/ALL`: its last line shown, of how many.
fn detail_position(screen: &str) -> Option<(usize, usize)> {
    let at = screen.find("Participants & attributes ")? + "Participants & attributes ".len();
    let (last, rest) = screen[at..].split_once('/')?;
    let all: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((last.parse().ok()?, all.parse().ok()?))
}

#[test]
fn hostile_data_shows_as_visible_escapes_and_never_reaches_the_terminal() {
    let sim = SimProcess::start(&[
        "--hostile",
        "--seed",
        "3",
        "--conversations",
        "300",
        "--days",
        "2",
        "--until",
        "2026-11-20T00:00:00Z",
    ]);
    let command = format!(
        "{} --api-url {} --client-id demo --client-secret demo --utc --from 2026-11-18 --to 2026-11-21 --media any",
        bin(),
        sh_quote(&sim.url)
    );
    // With set-clipboard on, an OSC 52 reaching tmux would land in a paste buffer.
    let t = open(Launch::new("hostile", 160, 45, command).server_option("set-clipboard", "on"));
    let title = t.display("#{pane_title}");
    assert!(!title.contains("pwned"));
    let buffers = || t.run(&["list-buffers"]);

    // A range on the command line: loaded at once.
    t.wait("the load to finish", |s| s.contains("✓ loaded"));
    // The newest conversation (the first row) is always hostile, every attribute of it.
    let mut seen = t.settled("the first row's hostile attributes", |s| {
        s.contains("hostile.00") && !s.contains("loading attributes")
    });
    assert_layout_intact(&seen, 45, "the first row");
    // Then move through the rows.
    let mut previous = None;
    for step in 0..8 {
        if step > 0 {
            t.keys(&["j"]);
        }
        let s = t.settled("the next row's detail", |s| {
            selected_line(s).is_some()
                && selected_line(s) != previous
                // The outside party: a customer, or a caller (`external` on voice).
                && (s.contains("◆ customer") || s.contains("↗ external"))
                && !s.contains("loading attributes")
        });
        previous = selected_line(&s);
        assert_layout_intact(&s, 45, &format!("row {step}"));
        seen.push_str(&s);
    }
    // Into the detail pane, and down through the attributes (the 20,000-character value too).
    t.keys(&["g"]);
    t.wait("the first row again", |s| {
        selected_line(s).is_some() && selected_line(s) != previous
    });
    t.wait("its detail again", |s| {
        s.contains("hostile.00") && !s.contains("loading attributes")
    });
    t.keys(&["Tab"]);
    let mut at = t.settled("the detail focused", |s| {
        s.contains("Enter unfold") && detail_position(s).is_some()
    });
    for page in 0..4 {
        let (was, _) = detail_position(&at).unwrap();
        t.keys(&["PageDown"]);
        // The page shown: the pane's last line further down, or the end reached.
        at = t.settled("the next page of the detail", |s| {
            detail_position(s).is_some_and(|(last, all)| last > was || last == all)
        });
        assert_layout_intact(&at, 45, &format!("detail page {page}"));
        seen.push_str(&at);
    }
    t.keys(&["z"]);
    let s = t.settled("the zoomed detail", |s| {
        !s.contains("Conversations ") && detail_position(s).is_some()
    });
    seen.push_str(&s);

    for visible in [
        r"\e[2J",
        r"\e]0;pwned-title\x07",
        r"\e]52;c;",
        r"\u{202e}",
        r"\x9b",
    ] {
        assert!(
            seen.contains(visible),
            "{visible} is shown as text:\n{seen}"
        );
    }
    assert_eq!(t.display("#{pane_title}"), title, "the pane title changed");
    assert_eq!(buffers(), "", "an OSC 52 reached tmux's clipboard");

    // q leaves the detail for the list, then quits.
    t.keys(&["q"]);
    t.wait_for("Conversations ");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
    assert_eq!(t.display("#{pane_title}"), title, "the pane title changed");
    assert_eq!(buffers(), "", "an OSC 52 reached tmux's clipboard");
}

#[test]
fn the_browser_without_a_terminal_says_to_use_export() {
    let home = tempfile::tempdir().unwrap();
    let mut c = Command::new(tmux::BIN);
    isolate(&mut c, home.path());
    let out = c
        .args(["--demo"])
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the browser needs a terminal; for scripts use `convoscope export`"),
        "{err}"
    );
    assert!(!err.contains("os error"), "{err}");
}

/// The number of conversations the list's title gives ("Conversations 86 · ...").
#[test]
fn a_query_from_the_command_line_loads_only_its_queue() {
    let cmd = format!(
        "{} --media any --from -2d --query {}",
        demo(),
        sh_quote(r#"queue:"Support - Tier 1""#)
    );
    let t = open(Launch::new("query", 200, 45, cmd));
    let s = t.wait_for("Support - Tier 1");
    assert!(s.contains("Query"), "the Query field is prefilled:\n{s}");
    // A range on the command line loads at once, the list focused.
    let (queue, s) = t.wait_loaded(None);
    assert!(queue > 0, "{s}");
    // The same range without the query: more conversations (the query went to the server;
    // tests/search.rs checks that exactly that queue's come back).
    t.keys(&["BTab"]);
    t.wait("the Query field focused", |s| s.contains("▸Query"));
    t.keys(&["C-u"]);
    for _ in 0..30 {
        t.keys(&["BSpace"]);
    }
    t.keys(&["Enter"]);
    let (all, s) = t.wait_loaded(Some(queue));
    assert!(all > queue, "{s}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
}

#[test]
fn a_query_that_cannot_be_read_stops_before_the_screen() {
    let cmd = format!("{} --query colour:red", demo());
    let t = Launch::new("badquery", 120, 20, cmd).start();
    let s = t.wait("the program to end", |s| s.contains(tmux::EXITED));
    assert!(
        s.contains("unknown field 'colour'") && s.contains("queue:NAME"),
        "{s}"
    );
    assert_eq!(t.wait_exit(), 2);
}

/// The text of a column in `line`, by where its title is in the list's `header` (characters,
/// not bytes: the cells hold names with accents).
fn cell(header: &str, line: &str, title: &str, next: &str) -> String {
    let h: Vec<char> = header.chars().collect();
    let at = |t: &str| {
        let t: Vec<char> = t.chars().collect();
        h.windows(t.len()).position(|w| w == t.as_slice())
    };
    let (Some(a), Some(b)) = (at(title), at(next)) else {
        panic!("no {title} or {next} in {header}");
    };
    let l: Vec<char> = line.chars().collect();
    l[a.min(l.len())..b.min(l.len())]
        .iter()
        .collect::<String>()
        .trim()
        .to_string()
}

/// The names the list shows for agents, queues and wrap-up codes come from the directory after
/// the rows; the filter finds the rows by them (`agent:`, `queue:`, `wrapup:`), as shown.
#[test]
fn the_filter_finds_rows_by_the_names_the_list_shows() {
    let t = open(Launch::new(
        "names",
        250,
        40,
        format!("{} --media voice", demo()),
    ));
    t.wait_loaded(None);
    t.keys(&["z"]);
    let header_of = |s: &str| {
        s.lines()
            .find(|l| l.contains("Wrap-up"))
            .map(str::to_string)
    };
    // Names read: the selected row's agent, queue and wrap-up code are names, not short ids.
    let named = |s: &str| {
        let (Some(h), Some(l)) = (header_of(s), selected_line(s)) else {
            return None;
        };
        let agent = cell(&h, &l, "Agent(s)", "Conversation id");
        let queue = cell(&h, &l, "Queue", "Wrap-up");
        let wrapup = cell(&h, &l, "Wrap-up", "Customer");
        let id_like = |c: &str| c.is_empty() || c.chars().take(8).all(|c| c.is_ascii_hexdigit());
        // Whole names only (not cut with …), the first of each.
        let first = |c: &str| c.split(", ").next().unwrap_or("").to_string();
        let (a, q, w) = (first(&agent), first(&queue), first(&wrapup));
        (![&a, &q, &w].iter().any(|c| id_like(c) || c.contains('…'))).then_some((a, q, w))
    };
    // Down the list until a row shows all three (some calls are never answered or wrapped up).
    let mut found = None;
    for _ in 0..40 {
        // A whole frame: cells are read by the header's columns.
        let s = t.settled("a selected row", |s| {
            header_of(s).is_some() && selected_line(s).is_some()
        });
        if let Some(n) = named(&s) {
            found = Some(n);
            break;
        }
        let before = selected_line(&s);
        t.keys(&["j"]);
        t.wait("the selection to move", |s| selected_line(s) != before);
    }
    let (agent, queue, wrapup) = found.unwrap_or_else(|| panic!("no named row:\n{}", t.screen()));
    for (filter, title, next, name) in [
        (
            format!("agent:\"{agent}\""),
            "Agent(s)",
            "Conversation id",
            &agent,
        ),
        (format!("queue:\"{queue}\""), "Queue", "Wrap-up", &queue),
        (
            format!("wrapup:\"{wrapup}\""),
            "Wrap-up",
            "Customer",
            &wrapup,
        ),
    ] {
        t.keys(&["/"]);
        t.wait_for("/▏");
        t.type_text(&filter);
        t.keys(&["Enter"]);
        let s = t.settled("the filter applied", |s| {
            s.contains(&format!("/{filter} ")) && selected_line(s).is_some()
        });
        // Every row shown has the name in that column (those on screen; cut ones aside).
        let h = header_of(&s).unwrap();
        let rows: Vec<String> = s
            .lines()
            .skip_while(|l| !l.contains("Wrap-up"))
            .skip(1)
            .take_while(|l| l.starts_with('│'))
            .filter(|l| l.contains(':'))
            .map(|l| cell(&h, l, title, next))
            .collect();
        assert!(!rows.is_empty(), "{filter}:\n{s}");
        for c in &rows {
            assert!(
                c.contains(name.as_str()) || c.contains('…'),
                "{filter}: {c:?}\n{s}"
            );
        }
        eprintln!("{filter}: {} rows shown", rows.len());
        t.keys(&["Escape"]);
        t.wait("the filter to clear", |s| !s.contains(&filter));
    }
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
}
