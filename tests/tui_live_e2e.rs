//! End-to-end tests of live debugging: the real binary in a detached tmux session against its
//! embedded simulator (whose active conversations change their attributes every few seconds).
//! Every wait polls the screen for a marker.

mod tmux;

use std::process::Command;
use std::time::{Duration, Instant};

use tmux::{BIN, Launch, TIMEOUT, Tmux};

/// The browser on its demo, with OSC 52 landing in a tmux paste buffer.
fn start(name: &str, args: &str) -> Tmux {
    Launch::new(name, 160, 45, format!("{BIN} --demo --utc {args}"))
        .server_option("set-clipboard", "on")
        .start()
}

/// The selected row's line in the list.
fn selected(screen: &str) -> Option<&str> {
    screen.lines().find(|l| l.contains('▶') && l.contains("│▶"))
}

/// The selected conversation's id, whole, from the detail pane's first line (the list may show
/// only its first 8 characters when names need the room).
fn detail_id(screen: &str) -> Option<String> {
    screen.lines().find_map(|l| {
        let at = l.find("Conversation ")? + "Conversation ".len();
        let id = l[at..].split_whitespace().next()?;
        (id.len() == 36).then(|| id.to_string())
    })
}

#[test]
fn watching_a_live_conversation_shows_its_changes_and_the_timeline() {
    let t = start("watch", "--watch-interval 1");
    t.wait_for("Range · times in UTC");
    // The demo loads at once. The newest conversations of the demo are still going on.
    // The row and the detail pane's id from one whole frame.
    let s = t.settled("a live row selected, its id in the detail", |s| {
        // A live row's duration is the time so far: `+5m00s`, after the start's date and time.
        detail_id(s).is_some()
            && selected(s).is_some_and(|l| {
                l.split_whitespace()
                    .filter(|w| *w != "▶" && *w != "│" && *w != "│▶")
                    .nth(2)
                    .is_some_and(|d| d.starts_with('+'))
            })
    });
    let id = detail_id(&s).unwrap();
    t.keys(&["Tab"]);
    t.wait_for("attributes as read at");
    t.keys(&["w"]);
    // Fed by the demo's Notifications API: nothing polls.
    t.wait_for("● LIVE push");
    // The simulator's visitor keeps browsing: a change is marked with what it was.
    t.wait("a change marked, live by push", |s| {
        s.contains("was: ") && s.contains("LIVE: read at") && s.contains("● LIVE push")
    });
    // The timeline lists it.
    t.keys(&["t"]);
    let timeline = format!("Timeline {id}");
    t.wait("the timeline", |s| {
        s.contains(&timeline) && s.contains("~ context.pageViews") && s.contains("◆ customer")
    });
    // w again pauses; the status says so.
    t.keys(&["Escape"]);
    t.wait("the timeline to close", |s| !s.contains(&timeline));
    t.keys(&["w"]);
    t.wait_for("‖ paused");
    // q goes back to the list; there q asks once, as the timeline would be lost.
    t.keys(&["q"]);
    t.wait_for("q quit");
    t.keys(&["q"]);
    t.wait_for("the timeline of changes would be lost: q again to quit");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
}

#[test]
fn copy_reaches_the_terminal_clipboard_and_raw_json_opens() {
    let t = start("copy", "");
    t.wait_for("Range · times in UTC");
    let s = t.settled("a selected row", |s| {
        selected(s).is_some() && detail_id(s).is_some()
    });
    let id = detail_id(&s).unwrap();
    t.keys(&["y"]);
    t.wait_for("copied the conversation id");
    let start = Instant::now();
    loop {
        let out = t.cmd(&["show-buffer"]).output().unwrap();
        if String::from_utf8_lossy(&out.stdout) == id {
            break;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "the id never reached tmux's buffer"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // The raw JSON of the conversation, searchable.
    t.wait_for("attributes as read at");
    t.keys(&["J"]);
    t.wait_for("Raw JSON");
    t.keys(&["/"]);
    t.keys(&["-l", "participantType"]);
    t.keys(&["Enter"]);
    t.wait("a match", |s| s.contains("/participantType  1/"));
    // Esc clears the search, then closes (two quick ESCs would read as one Alt+Esc).
    t.keys(&["Escape"]);
    t.wait_for("/ search · n/N");
    t.keys(&["Escape"]);
    t.wait("the raw view to close", |s| !s.contains("Raw JSON"));
    // Open it again by id (pasted with spaces around).
    t.keys(&[":"]);
    t.wait_for("Open a conversation");
    t.keys(&["-l", &format!("  {id}  ")]);
    t.keys(&["Enter"]);
    t.wait_for("selected in the list");
    t.keys(&["C-c"]);
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
}

/// Whether the pane's terminal is back in cooked mode (`stty` run by the shell in the pane).
fn cooked(t: &Tmux, n: usize) -> bool {
    t.keys(&[
        "-l",
        &format!("stty -a | grep -q ' icanon' && stty -a | grep -q ' echo ' && echo COOKED-{n}"),
    ]);
    t.keys(&["Enter"]);
    t.wait(&format!("COOKED-{n}"), |s| {
        s.lines().any(|l| l.trim() == format!("COOKED-{n}"))
    });
    true
}

#[test]
fn ctrl_z_and_sigtstp_give_the_terminal_back_and_fg_resumes() {
    let t = Tmux::start("suspend", 160, 45, "bash --norc --noprofile -i");
    t.keys(&["-l", &format!("{BIN} --demo --utc --mouse")]);
    t.keys(&["Enter"]);
    t.wait_for("Range · times in UTC");
    t.keys(&["C-z"]);
    t.wait_for("Stopped");
    t.assert_screen_given_back();
    assert!(cooked(&t, 1));
    t.keys(&["-l", "fg"]);
    t.keys(&["Enter"]);
    // The whole screen is back, without a key pressed.
    t.wait("the screen to come back", |s| {
        s.contains("Range · times in UTC") && s.contains("Participants & attributes")
    });
    assert_eq!(
        t.display("#{mouse_any_flag}"),
        "1",
        "mouse capture on again"
    );
    // The same from outside: kill -TSTP, to the program of this pane (another test's may run
    // with the same command line).
    // The pane runs `sh -c 'bash …'`: the program is the interactive bash's child.
    let bash = t.program_pid().to_string();
    let pid = Command::new("pgrep").args(["-P", &bash]).output().unwrap();
    let pid = String::from_utf8_lossy(&pid.stdout)
        .lines()
        .next()
        .expect("the program runs")
        .trim()
        .to_string();
    assert!(
        Command::new("kill")
            .args(["-TSTP", &pid])
            .status()
            .unwrap()
            .success()
    );
    t.wait("the shell to take over", |s| {
        s.matches("Stopped").count() >= 2
    });
    t.assert_screen_given_back();
    assert!(cooked(&t, 2));
    t.keys(&["-l", "fg"]);
    t.keys(&["Enter"]);
    t.wait_for("Participants & attributes");
    t.keys(&["C-c"]);
    t.wait("the shell prompt", |s| {
        !s.contains("Participants & attributes")
    });
    t.assert_screen_given_back();
    assert!(cooked(&t, 3));
}

#[test]
fn live_queue_view_lists_what_goes_on_in_the_queue_fed_by_push() {
    let t = start("livequeue", r#"--live 'queue:"Retención España"'"#);
    // Loaded at once (no Enter): the header says what the list follows.
    let s = t.settled("the live queue view, subscribed", |s| {
        s.contains("LIVE Retención España")
            && s.contains(" live ")
            && !s.contains("connecting")
            && s.contains("queue:\"Retención España\" live")
    });
    // Every row is a conversation going on.
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.starts_with('│') && l.contains(" live "))
        .collect();
    assert!(!rows.is_empty(), "{s}");
    t.keys(&["q"]);
}

/// Quitting while the API hangs (a frozen simulator: the channel's topics cannot be removed)
/// is never a hang: the screen says what it waits for, and the program ends within its bound
/// with the terminal restored.
#[test]
fn quitting_while_the_api_hangs_says_so_and_ends() {
    let sim = tmux::SimProcess::start(&["--active", "20", "--conversations", "300"]);
    let t = Launch::new(
        "closing",
        160,
        45,
        format!(
            "{BIN} --utc --api-url {} --client-id demo --client-secret demo --from -2d",
            sim.url
        ),
    )
    .start();
    // Loaded at once (--from given), the list focused.
    t.wait("the list", |s| tmux::loaded(s).is_some());
    t.keys(&["Tab"]);
    t.wait_for("attributes as read at");
    t.keys(&["w"]);
    t.wait_for("● LIVE push");
    sim.signal("STOP");
    t.keys(&["C-c"]);
    t.wait_for("closing the notification channel");
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
    sim.signal("CONT");
}
