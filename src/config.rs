//! convoscope's own configuration file: a TOML file in the platform's config directory
//! (`~/.config/convoscope/config.toml` on Linux), or where `--config`/`CONVOSCOPE_CONFIG` says.
//!
//! Every key is optional. Nothing in it is silently ignored: an unknown key, a value of the wrong
//! type or out of range is an error reported at start-up with its line and what is accepted, and
//! every problem of the file is reported at once, one line each. Each value is read by its own
//! validating serde type ([`values`]); the `[keys]` table by [`keys`].
//! Secrets do not belong here (use the `gc` profile file or the environment).

pub mod keys;
pub mod values;

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::genesys::query::Media;

pub use keys::{ActionInfo, KEY_SYNTAX, KeyBindings, KeySpec};
pub use values::{CONCURRENCY_RANGE, Clipboard, MAX_WATCH_INTERVAL, Theme, check_log_level};

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
    "columns",
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
    /// The list's columns by title, in order.
    pub columns: Option<Vec<String>>,
    pub clipboard: Option<Clipboard>,
    pub mouse: Option<bool>,
    pub theme: Option<Theme>,
    pub keys: KeyBindings,
    pub log_level: Option<String>,
    pub log_file: Option<PathBuf>,
}

/// One problem of a file: its line (0: the file as a whole) and what is wrong.
pub type Problem = (usize, String);

/// Everything wrong with a config file, one line per problem, each naming the file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (line, msg)) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            let msg = one_line(msg);
            match line {
                0 => write!(f, "config file {}: {msg}", self.path.display())?,
                l => write!(f, "config file {}, line {l}: {msg}", self.path.display())?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A message on one line: line breaks and other control characters (say in a quoted value) are
/// shown escaped.
pub fn one_line(msg: &str) -> String {
    msg.trim()
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The line (from 1) where a byte offset is.
pub fn line_of(text: &str, span: &Range<usize>) -> usize {
    text.as_bytes()[..span.start.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The key a line sets (`key = value`), for messages about values.
fn key_on_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let (k, _) = l.split_once('=')?;
    let k = k.trim().trim_matches('"');
    (!k.is_empty() && !k.starts_with('#') && !k.starts_with('[')).then(|| k.to_string())
}

/// Reads a text file: `Ok(None)` when there is none. A directory, an unreadable file or bytes that
/// are not UTF-8 (with the line of the first one) are a problem.
pub fn read_text(path: &Path) -> Result<Option<String>, Problem> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) if path.is_dir() => return Err((0, "it is a directory, not a file".into())),
        Err(e) => return Err((0, format!("cannot read it: {e}"))),
    };
    String::from_utf8(bytes).map(Some).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = good.len() - good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
        (
            line,
            format!("not UTF-8 text (byte {column} of the line is not UTF-8): save it as UTF-8"),
        )
    })
}

/// The most syntax errors reported for one file; past them the rest is not checked.
const MAX_SYNTAX_ERRORS: usize = 20;
/// How far before the first error its cause is looked for (an unclosed array or string is found
/// at the lines after it).
const LOOK_BACK: usize = 20;

/// The syntax errors of a document: where each starts, and its message.
fn syntax_errors(text: &str) -> Vec<(usize, String)> {
    let (_, errors) = DeTable::parse_recoverable(text);
    let mut out: Vec<(usize, String)> = errors
        .iter()
        .map(|e| {
            (
                e.span().map_or(0, |s| s.start),
                e.message().trim().to_string(),
            )
        })
        .collect();
    out.sort_by_key(|(start, _)| *start);
    out
}

/// The TOML syntax errors of a document, each once, on its line (with the key the line sets, when
/// it sets one); and the document with the broken lines blanked, which parses, so that the rest of
/// the file can still be checked. The parser's own recovery is not used for that: after an
/// unclosed array every line is an error, and what it makes of a broken line is a guess.
///
/// The broken line is, of the lines from a few before the first error to it, the one whose
/// blanking leaves the fewest errors (the error's own line on a tie).
pub fn parse_toml(text: &str) -> (String, Vec<Problem>) {
    let mut repaired = text.to_string();
    let mut problems: Vec<Problem> = Vec::new();
    loop {
        let errors = syntax_errors(&repaired);
        let Some((start, first)) = errors.first() else {
            return (repaired, problems);
        };
        let first_line = line_of(&repaired, &(*start..*start));
        let (line, left) = (first_line.saturating_sub(LOOK_BACK).max(1)..=first_line)
            .rev()
            .map(|l| (l, syntax_errors(&blank_line(&repaired, l)).len()))
            .min_by_key(|&(_, left)| left)
            .unwrap_or((first_line, errors.len()));
        // Found after the line that caused it: say what is unclosed.
        let msg = match errors.iter().find(|(_, m)| m.starts_with("unclosed")) {
            Some((_, m)) if line != first_line => m,
            _ => first,
        };
        let msg = match key_on_line(text, line) {
            Some(key) => format!("{key}: {msg}"),
            None => msg.clone(),
        };
        problems.push((line, msg));
        if left >= errors.len() || problems.len() == MAX_SYNTAX_ERRORS {
            // Blanking does not help: nothing after the error can be trusted.
            return (String::new(), problems);
        }
        repaired = blank_line(&repaired, line);
    }
}

/// The text with one line's characters turned to spaces: every byte offset stays where it was.
fn blank_line(text: &str, line: usize) -> String {
    text.split_inclusive('\n')
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                l.chars()
                    .map(|c| if c == '\n' || c == '\r' { c } else { ' ' })
                    .collect()
            } else {
                l.to_string()
            }
        })
        .collect()
}

/// The document [`parse_toml`] repaired (it parses).
pub fn table(repaired: &str) -> Spanned<DeTable<'_>> {
    DeTable::parse_recoverable(repaired).0
}

/// Reads the values of a document, each with its own type, collecting every problem.
struct Reader<'t> {
    text: &'t str,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn line(&self, span: &Range<usize>) -> usize {
        line_of(self.text, span)
    }

    fn problem(&mut self, span: &Range<usize>, msg: String) {
        let line = self.line(span);
        self.problems.push((line, msg));
    }

    /// The value as `T`; else a problem at the line TOML gives, prefixed with `key`.
    fn value<T: DeserializeOwned>(&mut self, key: &str, v: &Spanned<DeValue<'_>>) -> Option<T> {
        match T::deserialize(ValueDeserializer::from(v.clone())) {
            Ok(t) => Some(t),
            Err(e) => {
                let span = e.span().unwrap_or_else(|| v.span());
                self.problem(&span, format!("{key}: {}", e.message().trim()));
                None
            }
        }
    }

    /// The `[keys]` table: every action's key or keys, each key read and checked on its own.
    fn keys(&mut self, v: &Spanned<DeValue<'_>>) -> KeyBindings {
        let mut bindings = KeyBindings::default();
        let Some(table) = v.get_ref().as_table() else {
            self.problem(
                &v.span(),
                format!(
                    "keys: give a table ([keys], then action = \"key\" lines), not {}",
                    v.get_ref().type_str()
                ),
            );
            return bindings;
        };
        for (action, value) in table {
            let name: &str = action.get_ref();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                self.problem(
                    &action.span(),
                    format!("keys: invalid action name '{name}': use letters, digits, '_' and '-'"),
                );
                continue;
            }
            let key = format!("keys.{name}");
            let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref().as_array() {
                Some(a) => a.iter().collect(),
                None => vec![value],
            };
            let before = self.problems.len();
            let mut specs = Vec::new();
            for item in items {
                if item.get_ref().is_str() {
                    specs.extend(self.value::<KeySpec>(&key, item));
                } else {
                    self.problem(
                        &item.span(),
                        format!(
                            "{key}: give a key as a string (\"ctrl-r\") or a list of them \
                             ([\"r\", \"F5\"]), not {}",
                            item.get_ref().type_str()
                        ),
                    );
                }
            }
            if specs.is_empty() && self.problems.len() == before {
                self.problem(&value.span(), format!("{key}: the list of keys is empty"));
            }
            let line = self.line(&action.span());
            bindings.insert_at(name, specs, line);
        }
        bindings
    }
}

impl Config {
    /// Reads the file at `path`: `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<Config>, ConfigError> {
        let err = |problems| ConfigError {
            path: path.to_path_buf(),
            problems,
        };
        match read_text(path).map_err(|p| err(vec![p]))? {
            Some(text) => Config::parse(&text, path).map(Some),
            None => Ok(None),
        }
    }

    /// Parses and checks the text of a config file; `path` is for messages and relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        match Config::read(text, path) {
            (cfg, problems) if problems.is_empty() => Ok(cfg),
            (_, problems) => Err(ConfigError {
                path: path.to_path_buf(),
                problems,
            }),
        }
    }

    /// What the text sets that is valid, and every problem in it, by line: syntax errors, unknown
    /// keys, values of the wrong type or out of range.
    pub fn read(text: &str, path: &Path) -> (Config, Vec<Problem>) {
        let (repaired, syntax) = parse_toml(text);
        let mut r = Reader {
            text,
            problems: syntax,
        };
        let mut cfg = Config::default();
        for (key, v) in table(&repaired).get_ref() {
            let name: &str = key.get_ref();
            use values::*;
            match name {
                "region" => cfg.region = r.value::<RegionName>(name, v).map(|x| x.0),
                "profile" => cfg.profile = r.value::<ProfileName>(name, v).map(|x| x.0),
                "media" => cfg.media = r.value::<Named<Media>>(name, v).map(|x| x.0),
                "from" => cfg.from = r.value::<TimeSpec>(name, v).map(|x| x.0),
                "to" => cfg.to = r.value::<TimeSpec>(name, v).map(|x| x.0),
                "utc" => cfg.utc = r.value(name, v),
                "watch_interval" => {
                    cfg.watch_interval = r.value::<WatchInterval>(name, v).map(|x| x.0)
                }
                "concurrency" => {
                    cfg.concurrency = r.value::<Concurrency>(name, v).map(|x| x.0 as u16)
                }
                "columns" => cfg.columns = r.value::<ColumnList>(name, v).map(|x| x.0),
                "clipboard" => cfg.clipboard = r.value(name, v),
                "mouse" => cfg.mouse = r.value(name, v),
                "theme" => cfg.theme = r.value(name, v),
                "log_level" => cfg.log_level = r.value::<LogLevel>(name, v).map(|x| x.0),
                "log_file" => {
                    cfg.log_file = r
                        .value::<FilePath>(name, v)
                        .map(|x| resolve_path(&x.0, path))
                }
                "keys" => cfg.keys = r.keys(v),
                other => r.problem(
                    &key.span(),
                    format!(
                        "unknown key '{other}': accepted keys are {}",
                        KEYS.join(", ")
                    ),
                ),
            }
        }
        let mut problems = r.problems;
        problems.sort_by_key(|(l, _)| *l);
        (cfg, problems)
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

/// The file `convoscope config --print-default` prints: every key, commented out, with its
/// default value, and the actions `[keys]` can bind (the screen's `actions`, with their keys by
/// default). Uncommenting a line sets the default explicitly.
pub fn default_file(actions: &[ActionInfo]) -> String {
    use defaults as d;
    let mut out = format!(
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

# The list's columns, left to right (Media shows only when the media is any or message):
# columns = ["Start", "Dur", "Media", "Dir", "Queue", "Wrap-up", "Customer", "Address", "Agent(s)", "Conversation id"]

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

# Key bindings: action = "key" or ["key", "key"], in place of the action's own keys. Keys:
# {keys}.
# A key may not be bound to two actions that work in the same place (the list, a text field...).
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
    );
    out.push_str("# The actions, with their keys by default:\n");
    for a in actions {
        let keys: Vec<String> = a.keys.iter().map(|k| format!("{k}")).collect();
        out.push_str(&format!(
            "#   {:<16} {:<24} {}\n",
            a.name,
            keys.join(", "),
            a.help
        ));
    }
    out.push_str("# [keys]\n# refetch = [\"r\", \"F5\"]\n# quit = \"ctrl-q\"\n");
    out
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
    fn columns_are_read_in_order_and_an_unknown_one_is_reported_at_its_line() {
        let c = Config::parse(
            "columns = [\"queue\", \"Agent(s)\", \"duration\"]\n",
            Path::new("/x/config.toml"),
        )
        .unwrap();
        assert_eq!(
            c.columns,
            Some(vec!["Queue".into(), "Agent(s)".into(), "Dur".into()])
        );
        let e = parse("utc = true\ncolumns = [\"Queue\", \"Skill\"]\n").unwrap_err();
        assert!(
            e.starts_with("config file /x/config.toml, line 2: columns:"),
            "{e}"
        );
        assert!(
            e.contains("unknown column 'Skill'") && e.contains("\"Wrap-up\""),
            "{e}"
        );
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
    fn every_problem_of_the_file_is_reported_at_once_one_line_each() {
        let e = parse(
            "colour = \"red\"\nutc = \"yes\"\nconcurrency = 40\ntheme = \"pink\"\nmouse = tru\n\
             [keys]\nrefetch = \"ctrl-\"\n",
        )
        .unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 6, "{e}");
        let prefix = |n: usize| format!("config file /x/config.toml, line {n}: ");
        assert!(
            lines[0].starts_with(&(prefix(1) + "unknown key 'colour'")),
            "{e}"
        );
        assert!(lines[1].starts_with(&(prefix(2) + "utc: ")) && lines[1].contains("boolean"));
        assert!(lines[2].starts_with(&(prefix(3) + "concurrency: 40 is out of range")));
        assert!(lines[3].starts_with(&(prefix(4) + "theme: unknown theme 'pink'")));
        assert!(lines[4].starts_with(&(prefix(5) + "mouse: ")), "{e}");
        assert!(lines[5].starts_with(&(prefix(7) + "keys.refetch: invalid key 'ctrl-'")));
    }

    #[test]
    fn each_broken_line_is_reported_once_and_the_rest_still_checked() {
        let e = parse(
            "theme = \"dark\nutc = true\ntheme = \"mono\"\nwatch_interval = [1,\ncolour = 3\n\
             concurrency = \"4\"\n[keys]\nrefetch = \"x\"\n",
        )
        .unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 4, "{e}");
        // An unterminated string, on its line.
        assert!(
            lines[0].contains("line 1: theme: invalid basic string"),
            "{e}"
        );
        // An unclosed array is found at the lines after it; it is reported where it opens.
        assert!(
            lines[1].contains("line 4: watch_interval: unclosed array"),
            "{e}"
        );
        // The lines after it are read as they are, not as the array's elements.
        assert!(lines[2].contains("line 5: unknown key 'colour'"), "{e}");
        assert!(
            lines[3].contains("line 6: concurrency: invalid type: string \"4\""),
            "{e}"
        );
        let e = parse("utc = true\nutc = false\nmouse = fals\n").unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 2, "{e}");
        assert!(lines[0].contains("line 2: utc: duplicate key"), "{e}");
        assert!(lines[1].contains("line 3: mouse: invalid boolean"), "{e}");
        // An unclosed multi-line string hides the rest of the file: its error alone.
        let e = parse("a = \"\"\"\nabc\ncolour = 1\n").unwrap_err();
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains("multi-line basic string"), "{e}");
    }

    #[test]
    fn a_bad_key_in_a_list_is_reported_at_its_own_line() {
        let e = parse("[keys]\nrefetch = [\n  \"r\",\n  \"ctrl-\",\n  3,\n]\n").unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 2, "{e}");
        assert!(
            lines[0].contains("line 4: keys.refetch: invalid key 'ctrl-'"),
            "{e}"
        );
        assert!(
            lines[1].contains("line 5: keys.refetch: give a key as a string"),
            "{e}"
        );
        let e = parse("keys = \"r\"\n").unwrap_err();
        assert!(e.contains("line 1: keys: give a table"), "{e}");
    }

    #[test]
    fn a_value_with_a_line_break_stays_on_one_line() {
        let e = parse("theme = \"da\\nrk\\u001b[2J\"\n").unwrap_err();
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains("unknown theme 'da\\nrk\\u{1b}[2J'"), "{e}");
    }

    #[test]
    fn a_directory_or_bytes_that_are_not_utf8_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let e = Config::load(dir.path()).unwrap_err().to_string();
        assert!(e.ends_with(": it is a directory, not a file"), "{e}");
        let file = dir.path().join("config.toml");
        std::fs::write(&file, b"utc = true\ntheme = \"da\xffrk\"\n").unwrap();
        let e = Config::load(&file).unwrap_err().to_string();
        assert!(
            e.ends_with(
                ", line 2: not UTF-8 text (byte 12 of the line is not UTF-8): save it as UTF-8"
            ),
            "{e}"
        );
        assert!(
            Config::load(&dir.path().join("none.toml"))
                .unwrap()
                .is_none()
        );
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
        let actions = [ActionInfo {
            name: "refetch",
            help: "Refetch / resume a load",
            keys: vec!["r".parse().unwrap(), "ctrl-r".parse().unwrap()],
            places: vec![("the list", false)],
        }];
        let text = default_file(&actions);
        assert!(
            text.contains(
                "#   refetch          r, ctrl-r                Refetch / resume a load\n"
            ),
            "{text}"
        );
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
            columns: Some(
                crate::tui::columns::COLUMNS
                    .iter()
                    .map(|c| c.title.to_string())
                    .collect(),
            ),
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
