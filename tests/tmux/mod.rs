//! A tmux server of our own for end-to-end tests of the screen: the real binary in a detached
//! session, driven by keys, read back with `capture-pane`. Every wait polls for a marker; none
//! sleeps blindly. tmux is required (`.ci/run` installs it): without it these tests fail.
//!
//! Every pane runs with a home of its own (like `common::convoscope()`): the program never reads
//! the machine's `~/.gc` profiles or config file, never writes the machine's log, and sees none of
//! the caller's Genesys or convoscope variables (tests pass the ones they mean).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_convoscope");

/// How long a wait polls before failing with the last screen (generous: the machine is shared).
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Between the two captures of [`Tmux::settled`]: far longer than the program takes to write
/// a frame, far shorter than a live duration's tick.
pub const SETTLE: Duration = Duration::from_millis(150);

/// Printed by the pane's shell once the program has ended, with its exit code.
pub const EXITED: &str = "CONVOSCOPE-EXITED";

/// The pane's shell prints the terminal's line modes after the program ends, on one line between
/// these markers: `TTY: isig icanon echo :TTY` when raw mode is off.
const TTY_START: &str = "TTY:";
const TTY_END: &str = ":TTY";

/// Removes the caller's Genesys, convoscope, XDG and tmux variables and gives `c` a home of its
/// own under `home`.
pub fn isolate(c: &mut Command, home: &Path) {
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("GENESYSCLOUD_")
            || k.starts_with("CONVOSCOPE_")
            || k.starts_with("XDG_")
            || k == "TMUX"
            || k == "TMUX_PANE"
            || k == "NO_COLOR"
        {
            c.env_remove(&*k);
        }
    }
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_STATE_HOME", home.join(".local/state"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_DATA_HOME", home.join(".local/share"));
}

/// What a pane starts with.
pub struct Launch<'a> {
    pub name: &'a str,
    pub width: u16,
    pub height: u16,
    /// A shell command line (run by `/bin/sh -c`).
    pub command: String,
    /// Extra environment for the program.
    pub env: Vec<(String, String)>,
    /// tmux server options set before the program starts, e.g. `("set-clipboard", "on")`.
    pub server_options: Vec<(&'a str, &'a str)>,
}

impl<'a> Launch<'a> {
    pub fn new(name: &'a str, width: u16, height: u16, command: impl Into<String>) -> Self {
        Launch {
            name,
            width,
            height,
            command: command.into(),
            env: Vec::new(),
            server_options: Vec::new(),
        }
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn server_option(mut self, k: &'a str, v: &'a str) -> Self {
        self.server_options.push((k, v));
        self
    }

    pub fn start(self) -> Tmux {
        Tmux::launch(self)
    }
}

/// A tmux server of our own (unique socket), killed on drop, and the home its pane runs in.
pub struct Tmux {
    socket: String,
    home: tempfile::TempDir,
}

impl Tmux {
    /// Starts `command` in a detached session with an isolated home.
    pub fn start(name: &str, width: u16, height: u16, command: &str) -> Tmux {
        Launch::new(name, width, height, command).start()
    }

    fn launch(l: Launch) -> Tmux {
        let socket = format!("convoscope-e2e-{}-{}", l.name, std::process::id());
        let home = tempfile::Builder::new()
            .prefix(&format!("convoscope-e2e-{}-", l.name))
            .tempdir()
            .expect("a temporary home");
        let t = Tmux { socket, home };
        // After the program: its exit code, then the terminal's line modes (raw mode must be
        // off), then a sleep that keeps the pane (and its last screen) until the server dies.
        let shell = format!(
            "{}; echo {EXITED} rc=$?; printf '{TTY_START} '; stty -a | tr ' ;' '\\n\\n' \
             | grep -xE -- '-?(isig|icanon|echo)' | tr '\\n' ' '; echo '{TTY_END}'; exec sleep 600",
            l.command
        );
        let mut args: Vec<String> = vec!["start-server".into()];
        for (k, v) in &l.server_options {
            args.extend([";".into(), "set".into(), "-s".into(), k.to_string()]);
            args.push(v.to_string());
        }
        args.extend(
            [
                ";",
                "new-session",
                "-d",
                "-x",
                &l.width.to_string(),
                "-y",
                &l.height.to_string(),
                &shell,
            ]
            .map(String::from),
        );
        let mut c = t.cmd(&args.iter().map(String::as_str).collect::<Vec<_>>());
        // The server (and so the pane) inherits this environment.
        isolate(&mut c, t.home());
        c.env("SHELL", "/bin/sh").envs(l.env);
        let out = c
            .output()
            .expect("tmux runs (is it installed? .ci/run installs it)");
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    /// The pane's home directory (HOME and the XDG directories are under it).
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        c
    }

    /// Runs a tmux command; returns its stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The visible screen, as text.
    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p"])
    }

    /// The visible screen and the scrollback above it.
    pub fn history(&self) -> String {
        self.run(&["capture-pane", "-p", "-S", "-"])
    }

    /// A tmux format, e.g. `#{alternate_on}`.
    pub fn display(&self, format: &str) -> String {
        self.run(&["display", "-p", format]).trim().to_string()
    }

    /// Sends keys (tmux key names: `Enter`, `Escape`, `j`, `C-c`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Types literal text.
    pub fn type_text(&self, text: &str) {
        // `--`: text that starts with `-` is text, not a flag of tmux.
        self.run(&["send-keys", "-l", "--", text]);
    }

    /// Polls the screen until `pred` holds; panics with the last screen after the timeout.
    pub fn wait<F: Fn(&str) -> bool>(&self, what: &str, pred: F) -> String {
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

    /// Like [`Tmux::wait`], for a screen the test reads further: `pred` holds on two captures
    /// in a row, [`SETTLE`] apart, that are the same. tmux may be caught while the program is
    /// still writing a frame (it reads a frame in parts, and version 3.3 does not hold back a
    /// synchronized update): such a screen is half the old frame and half the new one, and the
    /// next capture differs from it.
    pub fn settled<F: Fn(&str) -> bool>(&self, what: &str, pred: F) -> String {
        let start = Instant::now();
        let mut last: Option<String> = None;
        loop {
            let s = self.screen();
            if pred(&s) && last.as_deref() == Some(s.as_str()) {
                return s;
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out waiting for {what} (and the screen to settle); screen:\n{s}");
            }
            let held = pred(&s);
            last = held.then_some(s);
            std::thread::sleep(if held {
                SETTLE
            } else {
                Duration::from_millis(50)
            });
        }
    }

    /// Waits for a finished load whose count is not `not` and returns it with the screen: the
    /// status says `✓ loaded N of N` and the list's title says the same N. A frame caught while
    /// it is being written (old status, new title) matches neither, so it is never taken.
    pub fn wait_loaded(&self, not: Option<usize>) -> (usize, String) {
        let s = self.settled("a finished load", |s| {
            loaded(s).is_some_and(|n| Some(n) != not)
        });
        (loaded(&s).expect("checked"), s)
    }

    pub fn wait_for(&self, marker: &str) -> String {
        self.wait(marker, |s| s.contains(marker))
    }

    pub fn wait_display(&self, format: &str, want: &str) {
        let start = Instant::now();
        loop {
            let got = self.display(format);
            if got == want {
                return;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "{format} never became {want} (is {got}); screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the program to end; returns its exit code.
    pub fn wait_exit(&self) -> i32 {
        let s = self.wait("the program to end", |s| {
            s.contains(EXITED) && s.contains(TTY_END)
        });
        let line = s.lines().find(|l| l.contains(EXITED)).unwrap();
        // Only the digits: a program that left its screen behind has text after them.
        let rc: String = line
            .split("rc=")
            .nth(1)
            .unwrap_or("")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        rc.parse()
            .unwrap_or_else(|_| panic!("no exit code in {line:?}"))
    }

    /// After the program ended: the terminal is back as it was. Normal screen, cursor shown,
    /// mouse capture off, and raw mode off (the line discipline's `icanon`, `echo` and `isig` on,
    /// as `stty -a` in the pane prints them).
    pub fn assert_restored(&self) {
        self.assert_screen_given_back();
        let s = self.wait("the line modes", |s| s.contains(TTY_END));
        let modes = s
            .lines()
            .find_map(|l| {
                let rest = l.split(TTY_START).nth(1)?;
                Some(rest.split(TTY_END).next()?.to_string())
            })
            .unwrap_or_else(|| panic!("no line modes on the screen:\n{s}"));
        let words: Vec<&str> = modes.split_whitespace().collect();
        for mode in ["icanon", "echo", "isig"] {
            assert!(
                words.contains(&mode),
                "raw mode is still on: {mode} is off ({modes}); screen:\n{s}"
            );
        }
    }

    /// The screen is the terminal's own again: normal screen, cursor shown, mouse capture off.
    pub fn assert_screen_given_back(&self) {
        assert_eq!(
            self.display("#{alternate_on}"),
            "0",
            "left the alternate screen"
        );
        assert_eq!(self.display("#{cursor_flag}"), "1", "cursor shown");
        assert_eq!(self.display("#{mouse_any_flag}"), "0", "mouse capture off");
    }

    /// The pid of the program (the child of the pane's shell).
    pub fn program_pid(&self) -> u32 {
        let shell = self.display("#{pane_pid}");
        let start = Instant::now();
        loop {
            let out = Command::new("pgrep")
                .args(["-P", &shell])
                .output()
                .expect("pgrep runs");
            if let Some(pid) = String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .and_then(|l| l.trim().parse().ok())
            {
                return pid;
            }
            assert!(start.elapsed() < TIMEOUT, "the program has no pid");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}

/// `convoscope sim` as a process of its own on 127.0.0.1:0, with an isolated home; killed on
/// drop.
pub struct SimProcess {
    child: Child,
    pub url: String,
    _home: tempfile::TempDir,
}

impl SimProcess {
    /// Starts `convoscope sim --addr 127.0.0.1:0 ARGS` and waits for its `listening on` line.
    pub fn start(args: &[&str]) -> SimProcess {
        let home = tempfile::tempdir().expect("a temporary home");
        let mut c = Command::new(BIN);
        isolate(&mut c, home.path());
        c.args(["sim", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("the simulator starts");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line)
            .expect("the simulator's first line");
        let Some(url) = line
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_string)
        else {
            let _ = child.kill();
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("the simulator did not start: {line:?} {err}");
        };
        // Keep its pipes drained, so that it never blocks on a full one.
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let mut err = child.stderr.take().unwrap();
        std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
        SimProcess {
            child,
            url,
            _home: home,
        }
    }
}

impl SimProcess {
    /// Sends it a signal (`STOP` freezes it: every request to it hangs; `CONT` thaws it).
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill -{sig}");
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Single-quotes `s` for `/bin/sh`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The binary, quoted for the shell.
pub fn bin() -> String {
    sh_quote(BIN)
}

/// A path, quoted for the shell.
pub fn sh_path(p: &Path) -> String {
    sh_quote(&p.to_string_lossy())
}

/// A fresh directory for files a test writes (under cargo's target tmpdir).
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("e2e-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The count of a finished load on `screen`: the status's `✓ loaded N of N` when the list's
/// title (`Conversations N`) agrees and nothing is loading.
pub fn loaded(screen: &str) -> Option<usize> {
    // Counts are written as people read them: `1,234`.
    fn number(s: &str) -> Option<usize> {
        let digits: String = s
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .filter(|c| *c != ',')
            .collect();
        digits.parse().ok()
    }
    let after = |marker: &str| screen.find(marker).map(|at| &screen[at + marker.len()..]);
    let status = after("✓ loaded ")?;
    let loaded = number(status)?;
    let total = number(status.split_once(" of ")?.1)?;
    let title = number(after("Conversations ")?)?;
    (loaded == total && title == loaded && !screen.contains("Loading…")).then_some(loaded)
}
