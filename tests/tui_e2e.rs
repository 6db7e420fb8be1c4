//! End-to-end tests of the browse screen: the real binary in a detached tmux session, driven by
//! keys, read back with `capture-pane`. Every wait polls the screen for a marker; none sleeps
//! blindly. Skipped (with the reason printed) when tmux is missing, or while the binary has no
//! `--demo` yet.

use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_convoscope");
const TIMEOUT: Duration = Duration::from_secs(20);

/// A tmux server of our own (unique socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, width: u16, height: u16, command: &str) -> Tmux {
        let socket = format!("convoscope-e2e-{name}-{}", std::process::id());
        let t = Tmux { socket };
        // `; sleep` keeps the pane (and its last screen) after the program exits.
        let status = t
            .cmd(&[
                "new-session",
                "-d",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                &format!("{command}; echo CONVOSCOPE-EXITED rc=$?; sleep 60"),
            ])
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        t
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        c
    }

    fn screen(&self) -> String {
        let out = self
            .cmd(&["capture-pane", "-p"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn display(&self, format: &str) -> String {
        let out = self
            .cmd(&["display", "-p", format])
            .output()
            .expect("display");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Sends keys (tmux key names: `Enter`, `Escape`, `j`, `C-c`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status().unwrap().success());
    }

    /// Types literal text.
    fn type_text(&self, text: &str) {
        assert!(
            self.cmd(&["send-keys", "-l", text])
                .status()
                .unwrap()
                .success()
        );
    }

    /// Polls the screen until `pred` holds; panics with the last screen after the timeout.
    fn wait<F: Fn(&str) -> bool>(&self, what: &str, pred: F) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_for(&self, marker: &str) -> String {
        self.wait(marker, |s| s.contains(marker))
    }

    fn wait_display(&self, format: &str, want: &str) {
        let start = Instant::now();
        while self.display(format) != want {
            assert!(start.elapsed() < TIMEOUT, "{format} never became {want}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn pane_pid(&self) -> u32 {
        self.display("#{pane_pid}").parse().unwrap()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}

/// Why the tests cannot run here, if they cannot.
fn skip_reason() -> Option<String> {
    if Command::new("tmux").arg("-V").output().is_err() {
        return Some("tmux is not installed".into());
    }
    if std::env::var_os("CONVOSCOPE_E2E_CMD").is_some() {
        return None;
    }
    let help = match Command::new(BIN).arg("--help").output() {
        Ok(h) => h,
        Err(e) => return Some(format!("cannot run {BIN}: {e}")),
    };
    if !String::from_utf8_lossy(&help.stdout).contains("--demo") {
        return Some("the binary has no --demo yet".into());
    }
    None
}

macro_rules! skip_unless_ready {
    () => {
        if let Some(why) = skip_reason() {
            eprintln!("skipping: {why}");
            return;
        }
    };
}

/// Starts the command and waits for the form. `None` (the test then skips, saying why) when the
/// program ends without ever showing it: the binary does not open the screen yet.
fn open_screen(name: &str, width: u16, height: u16, command: &str) -> Option<Tmux> {
    let t = Tmux::start(name, width, height, command);
    let s = t.wait("the form or an exit", |s| {
        s.contains(FORM) || s.contains("CONVOSCOPE-EXITED")
    });
    if s.contains(FORM) {
        Some(t)
    } else {
        eprintln!("skipping: `{command}` did not open the screen (browse not wired yet?)");
        None
    }
}

/// The form's title: the screen is up.
const FORM: &str = "Range · times in UTC";

macro_rules! open_or_skip {
    ($name:expr, $w:expr, $h:expr, $cmd:expr) => {
        match open_screen($name, $w, $h, &$cmd) {
            Some(t) => t,
            None => return,
        }
    };
}

/// The command under test: the demo, or `CONVOSCOPE_E2E_CMD` (another harness serving the
/// same screen, e.g. while the demo is not wired).
fn demo() -> String {
    std::env::var("CONVOSCOPE_E2E_CMD").unwrap_or_else(|_| format!("{BIN} --demo --utc"))
}

/// The selected row's line in the list.
fn selected_line(screen: &str) -> Option<String> {
    screen.lines().find(|l| l.contains('▶')).map(str::to_string)
}

#[test]
fn browse_a_range_read_attributes_open_help_and_quit() {
    skip_unless_ready!();
    let t = open_or_skip!("browse", 160, 45, demo());
    t.wait_display("#{alternate_on}", "1");
    let s = t.wait_for(FORM);
    assert!(s.contains("DEMO"), "the header names the connection:\n{s}");

    // Submit the prefilled range: rows arrive and the first is selected at once.
    t.keys(&["Enter"]);
    let s = t.wait("a selected row", |s| selected_line(s).is_some());
    let first = selected_line(&s).unwrap();
    t.wait("the load to finish", |s| s.contains("✓ loaded"));

    // Move down: the selection moves and the detail pane shows the participants.
    t.keys(&["j"]);
    t.wait("the selection to move", |s| {
        selected_line(s).is_some_and(|l| l != first)
    });
    let s = t.wait("participants in the detail", |s| {
        s.contains("◆ customer") && !s.contains("loading attributes")
    });
    assert!(s.contains("Participants & attributes"), "detail pane:\n{s}");

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
    t.wait_for("CONVOSCOPE-EXITED rc=0");
    assert_eq!(
        t.display("#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
    assert_eq!(t.display("#{cursor_flag}"), "1", "cursor shown");
    assert_eq!(t.display("#{mouse_any_flag}"), "0", "mouse capture off");
}

#[test]
fn ctrl_c_quits_from_a_text_field() {
    skip_unless_ready!();
    let t = open_or_skip!("ctrlc", 100, 30, demo());
    t.type_text("q");
    // q typed into From: still running, and the form says it cannot read it.
    t.wait_for("cannot read");
    t.keys(&["C-c"]);
    t.wait_for("CONVOSCOPE-EXITED rc=0");
    assert_eq!(t.display("#{alternate_on}"), "0");
}

#[test]
fn sigterm_restores_the_terminal() {
    skip_unless_ready!();
    let t = open_or_skip!("sigterm", 100, 30, format!("{} --mouse", demo()));
    t.wait_display("#{mouse_any_flag}", "1");
    // The program is the pane shell's child.
    let out = Command::new("pgrep")
        .args(["-P", &t.pane_pid().to_string()])
        .output()
        .expect("pgrep");
    let pid = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .expect("the program's pid")
        .trim()
        .to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    t.wait_for("CONVOSCOPE-EXITED");
    assert_eq!(t.display("#{alternate_on}"), "0");
    assert_eq!(t.display("#{mouse_any_flag}"), "0");
    assert_eq!(t.display("#{cursor_flag}"), "1");
}

#[test]
fn narrow_terminal_shows_list_and_detail_in_turn() {
    skip_unless_ready!();
    let t = open_or_skip!("narrow", 80, 24, demo());
    t.keys(&["Enter"]);
    t.wait("a selected row", |s| selected_line(s).is_some());
    t.keys(&["Tab"]);
    t.wait_for("Participants & attributes");
    t.keys(&["q"]);
    t.wait_for("CONVOSCOPE-EXITED rc=0");
}
