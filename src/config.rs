//! convoscope's own configuration file: a TOML file in the platform's config directory
//! (`~/.config/convoscope/config.toml` on Linux), or where `--config`/`CONVOSCOPE_CONFIG` says.
//!
//! Every key is optional. Nothing in it is silently ignored: an unknown key, a value of the wrong
//! type or out of range is an error reported at start-up with its line and what is accepted.
//! Secrets do not belong here (use the `gc` profile file or the environment).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use toml::Spanned;

use crate::genesys::query::Media;

/// The file name inside the config directory.
pub const FILE_NAME: &str = "config.toml";

/// Every key the file accepts, in the order `--print-default` shows them.
pub const KEYS: &[&str] = &[
    "region",
    "profile",
    "media",
    "from",
    "to",
    "utc",
    "watch_interval",
    "concurrency",
    "clipboard",
    "mouse",
    "theme",
    "log_level",
    "log_file",
    "keys",
];

/// The defaults every setting has when nothing sets it.
pub mod defaults {
    use super::{Clipboard, Theme};
    use crate::genesys::query::Media;

    pub const MEDIA: Media = Media::Webmessaging;
    pub const FROM: &str = "-24h";
    pub const TO: &str = "now";
    pub const UTC: bool = false;
    pub const WATCH_INTERVAL: u64 = 2;
    pub const CONCURRENCY: u16 = 4;
    pub const CLIPBOARD: Clipboard = Clipboard::Osc52;
    pub const MOUSE: bool = false;
    pub const THEME: Theme = Theme::Dark;
    /// An `EnvFilter` directive: API calls (logged at info) reach the file, other crates' chatter not.
    pub const LOG_LEVEL: &str = "warn,convoscope=info";
    /// The `gc` CLI's default profile name.
    pub const PROFILE: &str = "DEFAULT";
}

/// The longest watch interval accepted, in seconds (a day).
pub const MAX_WATCH_INTERVAL: u64 = 86_400;
/// The concurrency range accepted (as `--concurrency`).
pub const CONCURRENCY_RANGE: std::ops::RangeInclusive<u16> = 1..=16;

/// How values are copied to the clipboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clipboard {
    /// The OSC 52 terminal escape: works over SSH and in tmux (with `set-clipboard on`).
    #[default]
    Osc52,
    /// Never touch the clipboard: copying shows the value instead.
    Off,
}

impl Clipboard {
    pub const ACCEPTED: &str = "osc52, off";
    pub fn name(self) -> &'static str {
        match self {
            Clipboard::Osc52 => "osc52",
            Clipboard::Off => "off",
        }
    }
}

impl FromStr for Clipboard {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "osc52" => Ok(Clipboard::Osc52),
            "off" => Ok(Clipboard::Off),
            _ => Err(format!(
                "unknown clipboard mode '{s}': use one of {}",
                Self::ACCEPTED
            )),
        }
    }
}

/// The colour theme of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    Dark,
    Light,
    /// No colours at all: modifiers only (as with `NO_COLOR`).
    Mono,
}

impl Theme {
    pub const ACCEPTED: &str = "dark, light, mono";
    pub fn name(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
            Theme::Mono => "mono",
        }
    }
}

impl FromStr for Theme {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "dark" => Ok(Theme::Dark),
            "light" => Ok(Theme::Light),
            "mono" => Ok(Theme::Mono),
            _ => Err(format!(
                "unknown theme '{s}': use one of {}",
                Self::ACCEPTED
            )),
        }
    }
}

/// One key, as written in the `[keys]` table: `x`, `G`, `?`, `F5`, `ctrl-r`, `alt-enter`,
/// `shift-tab`, `pgdn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// What a key may be written as, for error messages.
pub const KEY_SYNTAX: &str = "a single character (x, G, ?), F1..F24, or one of enter, esc, tab, \
    backtab, backspace, delete, insert, home, end, pageup, pagedown, up, down, left, right, space; \
    optionally after ctrl-, alt- and shift- (ctrl-r, alt-enter, shift-tab)";

const NAMED_KEYS: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pgup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("pgdn", KeyCode::PageDown),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("space", KeyCode::Char(' ')),
];

impl FromStr for KeySpec {
    type Err = String;
    fn from_str(input: &str) -> Result<Self, String> {
        let bad = || format!("invalid key '{input}': use {KEY_SYNTAX}");
        let mut rest = input.trim();
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        loop {
            // A single character is a key even when it is '-'.
            if rest.chars().count() <= 1 {
                break;
            }
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower.strip_prefix("ctrl-") {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("alt-") {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift-") {
                shift = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (None, _) => return Err(bad()),
            (Some(c), None) if !c.is_whitespace() && !c.is_control() => KeyCode::Char(c),
            (Some(_), None) => return Err(bad()),
            _ => {
                let name = rest.to_ascii_lowercase();
                if let Some(n) = name.strip_prefix('f')
                    && let Ok(n) = n.parse::<u8>()
                {
                    if !(1..=24).contains(&n) {
                        return Err(bad());
                    }
                    KeyCode::F(n)
                } else {
                    NAMED_KEYS
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map(|&(_, c)| c)
                        .ok_or_else(bad)?
                }
            }
        };
        Ok(KeySpec {
            code,
            ctrl,
            alt,
            shift,
        })
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if self.shift {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            code => {
                let name = NAMED_KEYS
                    .iter()
                    .find(|(_, c)| *c == code)
                    .map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

impl KeySpec {
    /// Whether a terminal key event is this key. For characters Shift is ignored (`G` arrives as
    /// Shift+G, and `?` as Shift+? on many layouts); the character itself decides.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let m = ev.modifiers;
        let shift_ok =
            matches!(self.code, KeyCode::Char(_)) || self.shift == m.contains(KeyModifiers::SHIFT);
        let code_ok = match (self.code, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) if self.ctrl => a.eq_ignore_ascii_case(&b),
            (a, b) => a == b,
        };
        code_ok
            && shift_ok
            && self.ctrl == m.contains(KeyModifiers::CONTROL)
            && self.alt == m.contains(KeyModifiers::ALT)
    }
}

/// The `[keys]` table: action name (`refetch`, `toggle_mouse`, ...) to one key or a list of keys.
/// The screen decides which action names exist: it checks them with [`KeyBindings::check_actions`]
/// (through [`crate::settings::Settings::check_key_actions`]) at start-up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyBindings {
    keys: BTreeMap<String, Vec<KeySpec>>,
    /// The line of the file each action is on, for messages.
    lines: BTreeMap<String, usize>,
}

impl KeyBindings {
    /// The keys bound to an action by the user (names are lower-case, `-` read as `_`), if any.
    pub fn get(&self, action: &str) -> Option<&[KeySpec]> {
        self.keys.get(&normalize_action(action)).map(Vec::as_slice)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &[KeySpec])> {
        self.keys.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn insert(&mut self, action: &str, keys: Vec<KeySpec>) {
        self.keys.insert(normalize_action(action), keys);
    }

    /// The actions bound here that are not among `known` (names as [`KeyBindings::get`] takes
    /// them), each with its line in the file and a message listing the known ones.
    pub fn check_actions(&self, known: &[&str]) -> Vec<(usize, String)> {
        let known_norm: Vec<String> = known.iter().map(|k| normalize_action(k)).collect();
        self.keys
            .keys()
            .filter(|a| !known_norm.contains(a))
            .map(|a| {
                (
                    self.lines.get(a).copied().unwrap_or(0),
                    format!(
                        "keys: unknown action '{a}': accepted actions are {}",
                        known_norm.join(", ")
                    ),
                )
            })
            .collect()
    }
}

fn normalize_action(a: &str) -> String {
    a.trim().to_ascii_lowercase().replace('-', "_")
}

/// A validated config file: what it sets, nothing else.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub media: Option<Media>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub utc: Option<bool>,
    pub watch_interval: Option<u64>,
    pub concurrency: Option<u16>,
    pub clipboard: Option<Clipboard>,
    pub mouse: Option<bool>,
    pub theme: Option<Theme>,
    pub keys: KeyBindings,
    pub log_level: Option<String>,
    pub log_file: Option<PathBuf>,
}

/// The file as TOML sees it; checked into a [`Config`] with the line of every error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    region: Option<Spanned<String>>,
    profile: Option<Spanned<String>>,
    media: Option<Spanned<String>>,
    from: Option<Spanned<String>>,
    to: Option<Spanned<String>>,
    utc: Option<bool>,
    watch_interval: Option<Spanned<i64>>,
    concurrency: Option<Spanned<i64>>,
    clipboard: Option<Spanned<String>>,
    mouse: Option<bool>,
    theme: Option<Spanned<String>>,
    keys: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    log_level: Option<Spanned<String>>,
    log_file: Option<Spanned<String>>,
}

/// Everything wrong with a config file, one line per problem, each naming the file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub problems: Vec<(usize, String)>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (line, msg)) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            match line {
                0 => write!(f, "config file {}: {msg}", self.path.display())?,
                l => write!(f, "config file {}, line {l}: {msg}", self.path.display())?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

fn line_of(text: &str, span: &Range<usize>) -> usize {
    text[..span.start.min(text.len())].matches('\n').count() + 1
}

/// The key a line sets (`key = value`), for messages about values.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let (k, _) = l.split_once('=')?;
    let k = k.trim().trim_matches('"');
    (!k.is_empty() && !k.starts_with('#')).then(|| k.to_string())
}

impl Config {
    /// Reads the file at `path`: `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<Config>, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(ConfigError {
                path: path.to_path_buf(),
                problems: vec![(0, format!("cannot read it: {e}"))],
            }),
        }
    }

    /// Parses and checks the text of a config file; `path` is for messages and relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let err = |problems| ConfigError {
            path: path.to_path_buf(),
            problems,
        };
        let raw: Raw = match toml::from_str(text) {
            Ok(r) => r,
            Err(e) => {
                let line = e.span().map_or(1, |s| line_of(text, &s));
                let msg = e.message().trim().to_string();
                let msg = if let Some(rest) = msg.strip_prefix("unknown field `") {
                    let name = rest.split('`').next().unwrap_or(rest);
                    format!(
                        "unknown key '{name}': accepted keys are {}",
                        KEYS.join(", ")
                    )
                } else if let Some(key) = key_on_line(text, line) {
                    format!("{key}: {msg}")
                } else {
                    msg
                };
                return Err(err(vec![(line, msg)]));
            }
        };
        let mut problems = Vec::new();
        let mut cfg = Config::default();
        let mut check = |v: &Spanned<String>, key: &str, f: &dyn Fn(&str) -> Result<(), String>| {
            let r = f(v.get_ref());
            if let Err(m) = &r {
                problems.push((line_of(text, &v.span()), format!("{key}: {m}")));
            }
            r.is_ok().then(|| v.get_ref().clone())
        };
        if let Some(v) = &raw.region {
            cfg.region = check(v, "region", &|s| {
                crate::genesys::region::Region::find(s).map(|_| ())
            });
        }
        if let Some(v) = &raw.profile {
            cfg.profile = check(v, "profile", &|s| {
                if s.trim().is_empty() {
                    Err(
                        "empty profile name: give the name of a profile in ~/.gc/config.toml"
                            .into(),
                    )
                } else {
                    Ok(())
                }
            });
        }
        if let Some(v) = &raw.media {
            cfg.media = check(v, "media", &|s| Media::from_str(s).map(|_| ()))
                .and_then(|s| Media::from_str(&s).ok());
        }
        let time = |s: &str| {
            crate::timespec::parse(s, crate::timespec::Zone::Utc, chrono::Utc::now()).map(|_| ())
        };
        if let Some(v) = &raw.from {
            cfg.from = check(v, "from", &time);
        }
        if let Some(v) = &raw.to {
            cfg.to = check(v, "to", &time);
        }
        if let Some(v) = &raw.clipboard {
            cfg.clipboard = check(v, "clipboard", &|s| Clipboard::from_str(s).map(|_| ()))
                .and_then(|s| s.parse().ok());
        }
        if let Some(v) = &raw.theme {
            cfg.theme =
                check(v, "theme", &|s| Theme::from_str(s).map(|_| ())).and_then(|s| s.parse().ok());
        }
        if let Some(v) = &raw.log_level {
            cfg.log_level = check(v, "log_level", &check_log_level);
        }
        if let Some(v) = &raw.log_file {
            cfg.log_file = check(v, "log_file", &|s| {
                if s.trim().is_empty() {
                    Err("empty path".into())
                } else {
                    Ok(())
                }
            })
            .map(|s| resolve_path(&s, path));
        }
        cfg.utc = raw.utc;
        cfg.mouse = raw.mouse;
        if let Some(v) = &raw.watch_interval {
            let n = *v.get_ref();
            if (1..=MAX_WATCH_INTERVAL as i64).contains(&n) {
                cfg.watch_interval = Some(n as u64);
            } else {
                problems.push((
                    line_of(text, &v.span()),
                    format!(
                        "watch_interval: {n} is out of range: give seconds from 1 to {MAX_WATCH_INTERVAL}"
                    ),
                ));
            }
        }
        if let Some(v) = &raw.concurrency {
            let n = *v.get_ref();
            let (lo, hi) = (*CONCURRENCY_RANGE.start(), *CONCURRENCY_RANGE.end());
            if (lo as i64..=hi as i64).contains(&n) {
                cfg.concurrency = Some(n as u16);
            } else {
                problems.push((
                    line_of(text, &v.span()),
                    format!("concurrency: {n} is out of range: give {lo} to {hi}"),
                ));
            }
        }
        for (action, value) in raw.keys.iter().flatten() {
            let line = line_of(text, &value.span());
            let name = action.get_ref();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                problems.push((
                    line_of(text, &action.span()),
                    format!("keys: invalid action name '{name}': use letters, digits, '_' and '-'"),
                ));
                continue;
            }
            let strings: Vec<&toml::Value> = match value.get_ref() {
                toml::Value::Array(a) => a.iter().collect(),
                v => vec![v],
            };
            let mut specs = Vec::new();
            let before = problems.len();
            for s in strings {
                match s.as_str().map(KeySpec::from_str) {
                    Some(Ok(k)) => specs.push(k),
                    Some(Err(m)) => problems.push((line, format!("keys.{name}: {m}"))),
                    None => problems.push((
                        line,
                        format!(
                            "keys.{name}: give a key as a string (\"ctrl-r\") or a list of them \
                             ([\"r\", \"F5\"]), not {}",
                            s.type_str()
                        ),
                    )),
                }
            }
            if specs.is_empty() && problems.len() == before {
                problems.push((line, format!("keys.{name}: the list of keys is empty")));
            }
            cfg.keys.insert(name, specs);
            cfg.keys
                .lines
                .insert(normalize_action(name), line_of(text, &action.span()));
        }
        if problems.is_empty() {
            Ok(cfg)
        } else {
            problems.sort_by_key(|(l, _)| *l);
            Err(err(problems))
        }
    }
}

/// `~/x` from the home directory, a relative path from the config file's directory.
fn resolve_path(s: &str, config_file: &Path) -> PathBuf {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix("~/")
        && let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf())
    {
        return home.join(rest);
    }
    let p = PathBuf::from(s);
    if p.is_absolute() {
        p
    } else {
        config_file.parent().map_or(p.clone(), |dir| dir.join(&p))
    }
}

/// Checks a log level: `error`, `warn`, `info`, `debug`, `trace`, `off`, or a filter such as
/// `warn,convoscope=debug` (the `tracing` EnvFilter syntax).
pub fn check_log_level(s: &str) -> Result<(), String> {
    const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
    let accepted =
        "use error, warn, info, debug, trace, off, or a filter like 'warn,convoscope=debug'";
    if s.trim().is_empty() {
        return Err(format!("empty log level: {accepted}"));
    }
    for d in s.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let level = d.rsplit_once('=').map_or(d, |(_, l)| l);
        if !LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
            return Err(format!("invalid log level '{s}': {accepted}"));
        }
    }
    tracing_subscriber::EnvFilter::try_new(s)
        .map(|_| ())
        .map_err(|e| format!("invalid log level '{s}' ({e}): {accepted}"))
}

/// The file `convoscope config --print-default` prints: every key, commented out, with its
/// default value. Uncommenting a line sets the default explicitly.
pub fn default_file() -> String {
    use defaults as d;
    format!(
        r#"# convoscope configuration. Every key is optional; these are the defaults.
# Precedence: command-line flags, then environment variables, then this file, then the profile
# of the gc CLI (~/.gc/config.toml), then the defaults. `convoscope info` shows what is in effect.
# Secrets do not belong here: keep them in ~/.gc/config.toml or in GENESYSCLOUD_OAUTHCLIENT_SECRET.

# The region: a host (mypurecloud.ie) or an AWS-style id (eu-west-1).
# region = "{region}"

# The gc CLI profile to read the region, client id and secret from.
# profile = "{profile}"

# The media the browser starts with: webmessaging, message, voice, chat, email, callback, any.
# (export uses "any" unless this or --media says otherwise)
# media = "{media}"

# The range the browser and export start with: RFC 3339, YYYY-MM-DD, YYYY-MM-DD HH:MM,
# now, today, yesterday, -30m, -2h, -7d.
# from = "{from}"
# to = "{to}"

# Read and show every time in UTC instead of the local time zone.
# utc = {utc}

# Seconds between refreshes in live (watch) mode: 1 to {max_watch}.
# watch_interval = {watch}

# Requests in flight at once (query pages, GET conversation): 1 to 16.
# concurrency = {concurrency}

# How to copy: osc52 (works over SSH; in tmux set -g set-clipboard on) or off.
# clipboard = "{clipboard}"

# Capture the mouse (wheel and click) from the start.
# mouse = {mouse}

# Colours: dark, light or mono.
# theme = "{theme}"

# The log: level (error, warn, info, debug, trace, or a filter like "warn,convoscope=debug")
# and file (default: convoscope.log in the platform's state directory).
# log_level = "{log_level}"
# log_file = "/path/to/convoscope.log"

# Key bindings: action = "key" or ["key", "key"]. Keys: {keys}.
# [keys]
# refetch = ["r", "F5"]
# quit = "ctrl-q"
"#,
        region = crate::genesys::region::DEFAULT_REGION,
        profile = d::PROFILE,
        media = d::MEDIA.name(),
        from = d::FROM,
        to = d::TO,
        utc = d::UTC,
        max_watch = MAX_WATCH_INTERVAL,
        watch = d::WATCH_INTERVAL,
        concurrency = d::CONCURRENCY,
        clipboard = d::CLIPBOARD.name(),
        mouse = d::MOUSE,
        theme = d::THEME.name(),
        log_level = d::LOG_LEVEL,
        keys = "x, G, ?, F5, ctrl-r, alt-enter, shift-tab, pgdn, space",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("/x/config.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn an_empty_file_sets_nothing() {
        assert_eq!(parse("").unwrap(), Config::default());
    }

    #[test]
    fn every_key_is_read() {
        let c = parse(
            r#"
region = "eu-west-1"
profile = "dev"
media = "voice"
from = "-2h"
to = "now"
utc = true
watch_interval = 5
concurrency = 8
clipboard = "off"
mouse = true
theme = "light"
log_level = "debug"
log_file = "logs/c.log"
[keys]
refetch = ["r", "F5"]
quit = "ctrl-q"
"#,
        )
        .unwrap();
        assert_eq!(c.region.as_deref(), Some("eu-west-1"));
        assert_eq!(c.profile.as_deref(), Some("dev"));
        assert_eq!(c.media, Some(Media::Voice));
        assert_eq!(c.from.as_deref(), Some("-2h"));
        assert_eq!(c.utc, Some(true));
        assert_eq!(c.watch_interval, Some(5));
        assert_eq!(c.concurrency, Some(8));
        assert_eq!(c.clipboard, Some(Clipboard::Off));
        assert_eq!(c.mouse, Some(true));
        assert_eq!(c.theme, Some(Theme::Light));
        assert_eq!(c.log_level.as_deref(), Some("debug"));
        assert_eq!(c.log_file, Some(PathBuf::from("/x/logs/c.log")));
        let r: Vec<String> = c
            .keys
            .get("refetch")
            .unwrap()
            .iter()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(r, ["r", "F5"]);
        assert_eq!(c.keys.get("quit").unwrap()[0].to_string(), "ctrl-q");
    }

    #[test]
    fn an_unknown_key_names_the_line_and_the_accepted_keys() {
        let e = parse("utc = true\n\ncolour = \"red\"\n").unwrap_err();
        assert!(
            e.starts_with("config file /x/config.toml, line 3: unknown key 'colour': accepted keys are region, profile,"),
            "{e}"
        );
        assert!(e.contains("theme") && e.contains("keys"), "{e}");
        assert!(!e.contains('\n'), "one line: {e}");
    }

    #[test]
    fn a_wrong_type_names_the_line_and_the_key() {
        let e = parse("mouse = true\nutc = \"yes\"\n").unwrap_err();
        assert!(
            e.starts_with("config file /x/config.toml, line 2: utc:"),
            "{e}"
        );
        assert!(e.contains("bool"), "{e}");
        let e = parse("utc = tru\n").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn out_of_range_and_unknown_values_are_all_reported_with_what_is_accepted() {
        let e = parse(
            "concurrency = 40\nwatch_interval = 0\ntheme = \"pink\"\nclipboard = \"xclip\"\nmedia = \"fax\"\nregion = \"mars-1\"\nfrom = \"last tuesday\"\nlog_level = \"verbose\"\n",
        )
        .unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 8, "{e}");
        assert!(lines[0].contains("line 1: concurrency: 40 is out of range: give 1 to 16"));
        assert!(lines[1].contains("line 2: watch_interval: 0 is out of range"));
        assert!(
            lines[2].contains("line 3: theme: unknown theme 'pink': use one of dark, light, mono")
        );
        assert!(lines[3].contains("line 4: clipboard:") && lines[3].contains("osc52, off"));
        assert!(lines[4].contains("line 5: media:") && lines[4].contains("webmessaging"));
        assert!(lines[5].contains("line 6: region: unknown region 'mars-1'"));
        assert!(lines[6].contains("line 7: from:"));
        assert!(lines[7].contains("line 8: log_level:") && lines[7].contains("debug"));
    }

    #[test]
    fn bad_keys_are_reported() {
        let e = parse("[keys]\nrefetch = \"ctrl-\"\nquit = 3\n\"a b\" = \"x\"\nhelp = []\n")
            .unwrap_err();
        assert!(
            e.contains("line 5: keys.help: the list of keys is empty"),
            "{e}"
        );
        assert!(
            e.contains("line 2: keys.refetch: invalid key 'ctrl-'"),
            "{e}"
        );
        assert!(
            e.contains("line 3: keys.quit: give a key as a string"),
            "{e}"
        );
        assert!(e.contains("line 4: keys: invalid action name 'a b'"), "{e}");
    }

    #[test]
    fn unknown_actions_are_found_with_their_line() {
        let c = parse("[keys]\nrefetch = \"r\"\nfly-away = \"f\"\n").unwrap();
        assert_eq!(
            c.keys.check_actions(&["refetch", "quit"]),
            vec![(
                3,
                "keys: unknown action 'fly_away': accepted actions are refetch, quit".to_string()
            )]
        );
        assert!(c.keys.check_actions(&["refetch", "fly_away"]).is_empty());
    }

    #[test]
    fn key_syntax() {
        for (s, canon) in [
            ("x", "x"),
            ("G", "G"),
            ("?", "?"),
            ("-", "-"),
            ("F5", "F5"),
            ("f12", "F12"),
            ("Ctrl-R", "ctrl-R"),
            ("ctrl-r", "ctrl-r"),
            ("alt-enter", "alt-enter"),
            ("shift-tab", "shift-tab"),
            ("ctrl--", "ctrl--"),
            ("pgdn", "pagedown"),
            ("space", "space"),
            ("Esc", "esc"),
        ] {
            let k: KeySpec = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(k.to_string(), canon, "{s}");
            assert_eq!(canon.parse::<KeySpec>().unwrap(), k, "{canon} round trip");
        }
        for s in ["", "ctrl-", "F0", "F25", "hyper-x", "xx", "shift-", " "] {
            assert!(s.parse::<KeySpec>().is_err(), "{s:?} accepted");
        }
    }

    #[test]
    fn keys_match_terminal_events() {
        let ev = |code, m| KeyEvent::new(code, m);
        let ctrl_r: KeySpec = "ctrl-r".parse().unwrap();
        assert!(ctrl_r.matches(&ev(KeyCode::Char('r'), KeyModifiers::CONTROL)));
        assert!(!ctrl_r.matches(&ev(KeyCode::Char('r'), KeyModifiers::NONE)));
        let g: KeySpec = "G".parse().unwrap();
        assert!(g.matches(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)));
        assert!(!g.matches(&ev(KeyCode::Char('g'), KeyModifiers::NONE)));
        let f5: KeySpec = "F5".parse().unwrap();
        assert!(f5.matches(&ev(KeyCode::F(5), KeyModifiers::NONE)));
        let st: KeySpec = "shift-tab".parse().unwrap();
        assert!(st.matches(&ev(KeyCode::Tab, KeyModifiers::SHIFT)));
        assert!(!st.matches(&ev(KeyCode::Tab, KeyModifiers::NONE)));
    }

    /// The `# key = value` lines of the default file, uncommented, up to the `[keys]` example.
    fn uncommented(text: &str) -> String {
        text.lines()
            .take_while(|l| !l.contains("[keys]"))
            .filter_map(|l| l.strip_prefix("# "))
            .filter(|l| l.split_once(" = ").is_some_and(|(k, _)| KEYS.contains(&k)))
            .filter(|l| !l.starts_with("log_file"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_default_file_parses_back_to_the_defaults() {
        let text = default_file();
        assert_eq!(parse(&text).unwrap(), Config::default());
        let on = uncommented(&text);
        let c = parse(&on).unwrap_or_else(|e| panic!("{e}\n{on}"));
        use defaults as d;
        let expected = Config {
            region: Some(crate::genesys::region::DEFAULT_REGION.into()),
            profile: Some(d::PROFILE.into()),
            media: Some(d::MEDIA),
            from: Some(d::FROM.into()),
            to: Some(d::TO.into()),
            utc: Some(d::UTC),
            watch_interval: Some(d::WATCH_INTERVAL),
            concurrency: Some(d::CONCURRENCY),
            clipboard: Some(d::CLIPBOARD),
            mouse: Some(d::MOUSE),
            theme: Some(d::THEME),
            keys: KeyBindings::default(),
            log_level: Some(d::LOG_LEVEL.into()),
            log_file: None,
        };
        assert_eq!(c, expected);
        // Every key but log_file and keys appears as a commented default.
        assert_eq!(on.lines().count(), KEYS.len() - 2, "{on}");
        // The keys example is valid too.
        let keys: String = text
            .lines()
            .skip_while(|l| !l.contains("[keys]"))
            .filter_map(|l| l.strip_prefix("# "))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(parse(&keys).unwrap().keys.len(), 2);
    }
}
