//! End-to-end tests of live debugging: the real binary in a detached tmux session against its
//! embedded simulator (whose active conversations change their attributes every few seconds).
//! Every wait polls the screen for a marker.

use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_convoscope");
const TIMEOUT: Duration = Duration::from_secs(30);

/// A tmux server of our own (unique socket), killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, command: &str) -> Tmux {
        let t = Tmux {
            socket: format!("convoscope-live-{name}-{}", std::process::id()),
        };
        let home = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("home-live");
        let status = t
            .cmd(&[
                "new-session",
                "-d",
                "-x",
                "160",
                "-y",
                "45",
                "-c",
                env!("CARGO_TARGET_TMPDIR"),
                // A home of its own: never the machine's ~/.gc, config or log.
                "-e",
                &format!("HOME={}", home.display()),
                "-e",
                &format!("XDG_CONFIG_HOME={}/.config", home.display()),
                "-e",
                &format!("XDG_STATE_HOME={}/.local/state", home.display()),
                &format!("{command}; echo CONVOSCOPE-EXITED rc=$?; sleep 60"),
            ])
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        // OSC 52 from the program lands in a tmux paste buffer.
        t.cmd(&["set", "-g", "set-clipboard", "on"])
            .status()
            .unwrap();
        t
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        c
    }

    fn screen(&self) -> String {
        let out = self.cmd(&["capture-pane", "-p"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        assert!(self.cmd(&args).status().unwrap().success());
    }

    fn wait<F: Fn(&str) -> bool>(&self, what: &str, pred: F) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_for(&self, marker: &str) -> String {
        self.wait(marker, |s| s.contains(marker))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}

/// The selected row's line in the list.
fn selected(screen: &str) -> Option<&str> {
    screen.lines().find(|l| l.contains('▶') && l.contains("│▶"))
}

/// The conversation id at the end of a list row.
fn row_id(line: &str) -> String {
    line.trim_end_matches('│')
        .split_whitespace()
        .last()
        .unwrap()
        .to_string()
}

#[test]
fn watching_a_live_conversation_shows_its_changes_and_the_timeline() {
    let t = Tmux::start("watch", &format!("{BIN} --demo --utc --watch-interval 1"));
    t.wait_for("Range · times in UTC");
    t.keys(&["Enter"]);
    // The newest conversations of the demo are still going on.
    let s = t.wait("a live row selected", |s| {
        selected(s).is_some_and(|l| l.contains(" live "))
    });
    let id = row_id(selected(&s).unwrap());
    t.keys(&["Tab"]);
    t.wait_for("attributes as read at");
    t.keys(&["w"]);
    t.wait_for("● LIVE 1s");
    // The simulator's visitor keeps browsing: a change is marked with what it was.
    let s = t.wait("a change marked", |s| s.contains("was: "));
    assert!(s.contains("LIVE: read at"), "{s}");
    // The timeline lists it.
    t.keys(&["t"]);
    let s = t.wait("the timeline", |s| {
        s.contains(&format!("Timeline {id}")) && s.contains("~ context.pageViews")
    });
    assert!(s.contains("◆ customer"), "{s}");
    // w again pauses; the status says so.
    t.keys(&["Escape"]);
    t.wait("the timeline to close", |s| !s.contains("Timeline "));
    t.keys(&["w"]);
    t.wait_for("‖ paused");
    t.keys(&["q"]);
    t.wait_for("CONVOSCOPE-EXITED rc=0");
}

#[test]
fn copy_reaches_the_terminal_clipboard_and_raw_json_opens() {
    let t = Tmux::start("copy", &format!("{BIN} --demo --utc"));
    t.wait_for("Range · times in UTC");
    t.keys(&["Enter"]);
    let s = t.wait("a selected row", |s| selected(s).is_some());
    let id = row_id(selected(&s).unwrap());
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
    t.wait_for("CONVOSCOPE-EXITED rc=0");
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
    let t = Tmux::start("suspend", "bash --norc --noprofile -i");
    t.keys(&["-l", &format!("{BIN} --demo --utc --mouse")]);
    t.keys(&["Enter"]);
    t.wait_for("Range · times in UTC");
    t.keys(&["C-z"]);
    t.wait_for("Stopped");
    assert_eq!(
        display(&t, "#{alternate_on}"),
        "0",
        "left the alternate screen"
    );
    assert_eq!(display(&t, "#{mouse_any_flag}"), "0", "mouse capture off");
    assert_eq!(display(&t, "#{cursor_flag}"), "1", "cursor shown");
    assert!(cooked(&t, 1));
    t.keys(&["-l", "fg"]);
    t.keys(&["Enter"]);
    // The whole screen is back, without a key pressed.
    t.wait("the screen to come back", |s| {
        s.contains("Range · times in UTC") && s.contains("Participants & attributes")
    });
    assert_eq!(
        display(&t, "#{mouse_any_flag}"),
        "1",
        "mouse capture on again"
    );
    // The same from outside: kill -TSTP.
    let pid = Command::new("pgrep")
        .args(["-f", &format!("{BIN} --demo --utc --mouse")])
        .output()
        .unwrap();
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
    assert_eq!(display(&t, "#{alternate_on}"), "0");
    assert!(cooked(&t, 2));
    t.keys(&["-l", "fg"]);
    t.keys(&["Enter"]);
    t.wait_for("Participants & attributes");
    t.keys(&["C-c"]);
    t.wait("the shell prompt", |s| {
        !s.contains("Participants & attributes")
    });
    assert_eq!(display(&t, "#{alternate_on}"), "0");
    assert!(cooked(&t, 3));
}

fn display(t: &Tmux, format: &str) -> String {
    let out = t.cmd(&["display", "-p", format]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
