//! End to end in tmux, what a supervisor sees of the list and the Query field in the real binary
//! on the embedded simulator: widths that follow the names shown (measured on the rows drawn,
//! which only the running program has), and Tab completion from the directories (a background
//! job answering through the event loop). Every wait polls the screen for a marker.

mod tmux;

use tmux::{Launch, Tmux, bin};
use unicode_width::UnicodeWidthChar;

fn demo(args: &str) -> String {
    format!("{} --demo --utc {args}", bin())
}

fn open(launch: Launch) -> Tmux {
    let t = launch.start();
    let s = t.wait("the load or an exit", |s| {
        s.contains("✓ loaded") || s.contains(tmux::EXITED)
    });
    assert!(s.contains("✓ loaded"), "the list never loaded:\n{s}");
    t
}

/// A screen line as terminal cells: a wide character takes two (its second one is `\0`), so
/// that columns line up as drawn.
fn cells(line: &str) -> Vec<char> {
    let mut out = Vec::new();
    for c in line.chars() {
        out.push(c);
        if c.width().unwrap_or(0) == 2 {
            out.push('\0');
        }
    }
    out
}

/// Whether every agent cell of the list is a name (or empty), not a short id.
fn agents_named(screen: &str) -> bool {
    let lines: Vec<&str> = screen.lines().collect();
    let Some(h) = lines
        .iter()
        .position(|l| l.contains("Agent(s)") && l.contains("Conversation id"))
    else {
        return false;
    };
    let header = cells(lines[h]);
    let at = starts(&header, &["Agent(s)", "Conversation id"]);
    lines[h + 1..]
        .iter()
        .take_while(|l| !l.starts_with('└'))
        .filter(|l| l.contains(':'))
        .all(|l| {
            let r = cells(l);
            let cell: String = r[at[0].min(r.len())..at[1].min(r.len())].iter().collect();
            let cell = cell.trim_matches([' ', '\0']);
            let id_like = cell.len() >= 8 && cell.chars().take(8).all(|c| c.is_ascii_hexdigit());
            !id_like
        })
}

/// Where each title starts in the list's header (in cells).
fn starts(header: &[char], titles: &[&str]) -> Vec<usize> {
    titles
        .iter()
        .map(|t| {
            let t: Vec<char> = t.chars().collect();
            header
                .windows(t.len())
                .position(|w| w == t.as_slice())
                .unwrap_or_else(|| panic!("no {t:?} in the header"))
        })
        .collect()
}

/// At 250 columns the names are whole (nothing cut with …), and no column is wider than its
/// widest cell and a little room: the width left over is not blank space between columns.
#[test]
fn at_250_columns_names_are_whole_and_columns_as_wide_as_their_cells() {
    let t = open(Launch::new(
        "wide",
        250,
        40,
        demo("--media voice --from -2d"),
    ));
    // The list as it stays: loaded, the agents named (before the directory answers they are
    // short ids, and the widths follow those), the frame whole.
    let s = t.settled("the rows loaded and their agents named", |s| {
        tmux::loaded(s).is_some() && agents_named(s)
    });
    let titles = [
        "Start",
        "Dur",
        "Dir",
        "Queue",
        "Wrap-up",
        "Customer",
        "Address",
        "Agent(s)",
        "Conversation id",
    ];
    let lines: Vec<&str> = s.lines().collect();
    let h = lines
        .iter()
        .position(|l| l.contains("Wrap-up") && l.contains("Agent(s)"))
        .unwrap_or_else(|| panic!("no header:\n{s}"));
    let header = cells(lines[h]);
    let at = starts(&header, &titles);
    let rows: Vec<Vec<char>> = lines[h + 1..]
        .iter()
        .take_while(|l| !l.starts_with('└'))
        .filter(|l| l.contains(':'))
        .map(|l| cells(l))
        .collect();
    assert!(rows.len() > 5, "{s}");
    for k in 0..titles.len() - 1 {
        // Start, Dur and Dir have fixed widths (a duration ticks up to `+59m59s`).
        let fixed = k < 3;
        // The widest text in the column, its title included.
        let mut widest = titles[k].chars().count();
        for r in &rows {
            let cell: String = r[at[k]..at[k + 1].min(r.len())].iter().collect();
            let text = cell.trim_end_matches([' ', '\0']);
            assert!(!text.contains('…'), "{}: {text:?} cut\n{s}", titles[k]);
            widest = widest.max(text.chars().count());
        }
        // The column's width, less its widest text: the room given to each gap, at most.
        let blank = at[k + 1] - at[k] - widest;
        assert!(
            fixed || blank <= 3,
            "{} leaves {blank} blank cells before {}\n{s}",
            titles[k],
            titles[k + 1]
        );
    }
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
}

/// Tab in the Query field completes a queue from the directory, lists the agents a last name
/// finds, and the completed query loads that queue's conversations.
#[test]
fn tab_completes_names_in_the_query_field_and_the_query_loads_them() {
    let t = open(Launch::new("complete", 160, 40, demo("--media any")));
    let (all, _) = t.wait_loaded(None);
    t.keys(&["BTab"]);
    t.wait("the Query field focused", |s| s.contains("▸Query"));
    t.type_text("queue:retenc");
    t.keys(&["Tab"]);
    t.wait_for(r#"queue:"Retención España" "#);
    t.type_text("agent:gom");
    t.keys(&["Tab"]);
    // What was typed stays.
    t.wait("the names a last name finds, and what was typed", |s| {
        s.contains("names: ") && s.contains("Gómez") && s.contains("agent:gom")
    });
    for _ in 0.."agent:gom".len() {
        t.keys(&["BSpace"]);
    }
    t.keys(&["Enter"]);
    let (queue, s) = t.wait_loaded(Some(all));
    assert!(queue < all, "{s}");
    let lines: Vec<&str> = s.lines().collect();
    let h = lines
        .iter()
        .position(|l| l.contains("Queue") && l.contains("Customer"))
        .unwrap_or_else(|| panic!("no header:\n{s}"));
    let header = cells(lines[h]);
    let at = starts(&header, &["Queue", "Wrap-up"]);
    let queues: Vec<String> = lines[h + 1..]
        .iter()
        .take_while(|l| !l.starts_with('└'))
        .filter(|l| l.contains(':'))
        .map(|l| cells(l)[at[0]..at[1]].iter().collect::<String>())
        .collect();
    assert!(!queues.is_empty(), "{s}");
    // Each row went through that queue (a cell cut short may show another queue first).
    for q in &queues {
        assert!(q.contains("Retención") || q.contains('…'), "{q:?}\n{s}");
    }
    assert!(queues.iter().any(|q| q.contains("Retención España")), "{s}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
}

/// `X` on a filtered list writes the report CSV of the rows shown in the working directory: one
/// row per conversation, a byte-order mark first, the queue by its name (the list's rows keep no
/// segments: the CSV is made from what they kept), the division named though the list never
/// shows one.
#[test]
fn x_writes_the_report_csv_of_the_rows_shown_by_name() {
    let dir = tmux::scratch("supervisor-csv");
    let t = open(Launch::new(
        "xcsv",
        160,
        40,
        format!(
            "cd {} && {}",
            tmux::sh_path(&dir),
            demo("--media voice --from -7d")
        ),
    ));
    t.keys(&["/"]);
    t.type_text("queue:\"support - tier 1\"");
    t.keys(&["Enter"]);
    let s = t.wait("the filtered list", |s| {
        s.contains(" of ") && s.contains("/queue:")
    });
    let shown: usize = s
        .lines()
        .find_map(|l| {
            let rest = l.split("Conversations ").nth(1)?;
            rest.split(" of ")
                .next()?
                .replace(',', "")
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no count:\n{s}"));
    assert!(shown > 0, "{s}");
    t.keys(&["X"]);
    t.wait("the export's message", |s| s.contains("wrote "));
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "csv"))
        .expect("the CSV");
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "a byte-order mark first"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..3], ["conversationId", "start", "end"]);
    let queue = header.iter().position(|h| *h == "queue").unwrap();
    let divisions = header.iter().position(|h| *h == "divisions").unwrap();
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), shown, "one row per conversation shown");
    // Names contain no comma here: a plain split reads the cells (quoted ones aside).
    for r in &rows {
        assert!(r.contains("Support - Tier 1"), "{r}");
        let cells: Vec<&str> = r.split(',').collect();
        if !r.contains('"') {
            assert_eq!(cells[queue], "Support - Tier 1", "{r}");
            // A division's name, not its short id.
            let d = cells[divisions];
            assert!(
                !d.is_empty() && !d.chars().all(|c| c.is_ascii_hexdigit() || c == '…'),
                "{r}"
            );
        }
    }
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}
