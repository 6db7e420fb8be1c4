//! What is in effect, and where each value came from.
//!
//! Precedence, highest first: command-line flags, environment variables, convoscope's config
//! file, the `gc` CLI's profile, the defaults. Every effective value carries its [`Source`], which
//! `convoscope info` prints (secrets only as `<set>`).
//!
//! Each source gives one [`Layer`]: the command line with the environment ([`Given::layer`]), the
//! config file ([`Layer::from_config`]), the gc profile in use ([`Layer::from_gc`]); resolving is
//! one pick per field ([`Layer::over`]), then the defaults.
//!
//! The screen reads its start-up values with the accessors of [`Settings`]: [`Settings::media`],
//! [`Settings::range`], [`Settings::utc`], [`Settings::mouse`], [`Settings::theme`],
//! [`Settings::keys`], [`Settings::watch_interval`], [`Settings::clipboard`].

mod actions;
mod connection;
mod given;
mod layer;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::config::{self, Clipboard, Config, ConfigError, KeyBindings, Theme, defaults};
use crate::genesys::query::{Interval, Media};
use crate::genesys::{Credentials, Secret};
use crate::profiles::{self, GcProfile, GcProfiles};
use crate::timespec::Zone;

pub use actions::{default_file, screen_actions};
pub use connection::ConnectionSettings;
pub use given::{Given, on_command_line};
pub use layer::{Layer, Place};

/// Environment variables read here or through clap.
pub mod env {
    pub const REGION: &str = "GENESYSCLOUD_REGION";
    pub const CLIENT_ID: &str = "GENESYSCLOUD_OAUTHCLIENT_ID";
    pub const CLIENT_SECRET: &str = "GENESYSCLOUD_OAUTHCLIENT_SECRET";
    pub const ACCESS_TOKEN: &str = "GENESYSCLOUD_ACCESS_TOKEN";
    pub const API_URL: &str = "GENESYSCLOUD_API_URL";
    pub const PROFILE: &str = "GENESYSCLOUD_PROFILE";
    pub const CONFIG: &str = "CONVOSCOPE_CONFIG";
    pub const LOG: &str = "CONVOSCOPE_LOG";
    pub const LOG_FILE: &str = "CONVOSCOPE_LOG_FILE";
}

/// The name of the log file in the state directory.
pub const LOG_FILE_NAME: &str = "convoscope.log";

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, e.g. `--region`.
    Flag(String),
    /// An environment variable.
    Env(String),
    /// convoscope's config file.
    ConfigFile(PathBuf),
    /// A profile of the `gc` CLI's file.
    GcProfile {
        name: String,
        path: PathBuf,
    },
    Default,
}

impl Source {
    /// Lower ranks win.
    pub fn rank(&self) -> u8 {
        match self {
            Source::Flag(_) => 0,
            Source::Env(_) => 1,
            Source::ConfigFile(_) => 2,
            Source::GcProfile { .. } => 3,
            Source::Default => 4,
        }
    }

    pub fn flag(name: &str) -> Source {
        Source::Flag(name.into())
    }

    pub fn env(name: &str) -> Source {
        Source::Env(name.into())
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(n) => write!(f, "flag {n}"),
            Source::Env(n) => write!(f, "env {n}"),
            Source::ConfigFile(p) => write!(f, "config file {}", p.display()),
            Source::GcProfile { name, path } => {
                write!(f, "gc profile '{name}' in {}", path.display())
            }
            Source::Default => f.write_str("default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valued<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Valued<T> {
    pub fn new(value: T, source: Source) -> Self {
        Valued { value, source }
    }
    fn default(value: T) -> Self {
        Valued::new(value, Source::Default)
    }
    /// The value changed, from the same source.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Valued<U> {
        Valued::new(f(self.value), self.source)
    }
}

/// Where the files are by default: injectable, so that tests never read the real home.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    /// convoscope's config file in the platform's config directory.
    pub config_file: Option<PathBuf>,
    /// The `gc` CLI's profile file, `~/.gc/config.toml`.
    pub gc_file: Option<PathBuf>,
    /// The log file in the platform's state directory (data-local directory where there is none).
    pub log_file: Option<PathBuf>,
}

impl Paths {
    /// The platform's directories (XDG on Linux, `HOME` honoured).
    pub fn system() -> Paths {
        let project = directories::ProjectDirs::from("", "", "convoscope");
        let home = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
        Paths {
            config_file: project
                .as_ref()
                .map(|p| p.config_dir().join(config::FILE_NAME)),
            gc_file: home.as_deref().map(profiles::path_in),
            log_file: project.as_ref().map(|p| {
                p.state_dir()
                    .unwrap_or_else(|| p.data_local_dir())
                    .join(LOG_FILE_NAME)
            }),
        }
    }

    /// Paths under one directory, as a home: for tests.
    pub fn under(home: &Path) -> Paths {
        Paths {
            config_file: Some(home.join(".config/convoscope").join(config::FILE_NAME)),
            gc_file: Some(profiles::path_in(home)),
            log_file: Some(home.join(".local/state/convoscope").join(LOG_FILE_NAME)),
        }
    }
}

/// Where convoscope's config file is read from, and why: `--config`/`CONVOSCOPE_CONFIG`, else the
/// platform's config directory.
pub fn config_path(given: &Given, paths: &Paths) -> Option<Valued<PathBuf>> {
    given.config.clone().or_else(|| {
        paths
            .config_file
            .clone()
            .map(|p| Valued::new(p, Source::Default))
    })
}

/// Everything in effect.
#[derive(Debug, Clone)]
pub struct Settings {
    pub connection: ConnectionSettings,
    pub media: Valued<Media>,
    pub from: Valued<String>,
    pub to: Valued<String>,
    pub utc: Valued<bool>,
    pub watch_interval: Valued<u64>,
    pub concurrency: Valued<u16>,
    /// The list's columns by title, in order (empty: all).
    pub columns: Valued<Vec<String>>,
    pub clipboard: Valued<Clipboard>,
    pub mouse: Valued<bool>,
    pub theme: Valued<Theme>,
    pub keys: Valued<KeyBindings>,
    pub log_level: Valued<String>,
    /// None when the platform has no state directory and none was given.
    pub log_file: Option<Valued<PathBuf>>,
    pub config_file: Option<Valued<PathBuf>>,
    pub config_found: bool,
    pub gc_file: Option<PathBuf>,
    /// The profile names of the gc file, when there is one.
    pub gc_profiles: Option<Vec<String>>,
    /// Why the gc file could not be read, when it could not (and nothing needed it).
    pub gc_problem: Option<String>,
    /// Things to tell the user at start-up (a secret file readable by others, a broken gc file
    /// nothing needed).
    pub warnings: Vec<String>,
}

/// The value a layer set, else the default.
fn or_default<T>(v: Option<Valued<T>>, default: T) -> Valued<T> {
    v.unwrap_or_else(|| Valued::default(default))
}

/// convoscope's config file: where it is, whether it is there, and what it sets (taken by
/// [`Settings::resolve`]).
struct ConfigFile {
    path: Option<Valued<PathBuf>>,
    found: bool,
    layer: Layer,
}

impl ConfigFile {
    /// Reads and checks the file where `--config`/`CONVOSCOPE_CONFIG` or `paths` say. Every
    /// problem is reported at once, the `[keys]` checked against the screen's actions with the
    /// rest; a file named explicitly must exist.
    fn read(given: &Given, paths: &Paths) -> Result<ConfigFile, String> {
        let path = config_path(given, paths);
        let Some(p) = &path else {
            return Ok(ConfigFile {
                path,
                found: false,
                layer: Layer::default(),
            });
        };
        let err = |problems| {
            ConfigError {
                path: p.value.clone(),
                problems,
            }
            .to_string()
        };
        let text = match config::read_text(&p.value).map_err(|e| err(vec![e]))? {
            Some(text) => text,
            None if p.source != Source::Default => {
                return Err(format!(
                    "config file {} ({}) does not exist",
                    p.value.display(),
                    p.source
                ));
            }
            None => {
                return Ok(ConfigFile {
                    path,
                    found: false,
                    layer: Layer::default(),
                });
            }
        };
        let (cfg, mut problems) = Config::read(&text, &p.value);
        problems.extend(cfg.keys.check(&screen_actions()));
        if !problems.is_empty() {
            problems.sort_by_key(|(l, _)| *l);
            return Err(err(problems));
        }
        Ok(ConfigFile {
            layer: Layer::from_config(cfg, &p.value),
            path,
            found: true,
        })
    }
}

/// The gc CLI's profile file: its profiles, or why it cannot be read.
struct GcFile {
    path: Option<PathBuf>,
    profiles: Result<Option<GcProfiles>, String>,
}

/// The gc profile a run uses, with what chose it.
struct ChosenProfile {
    profile: GcProfile,
    chosen_by: Valued<String>,
    path: PathBuf,
}

impl GcFile {
    fn read(paths: &Paths) -> GcFile {
        GcFile {
            path: paths.gc_file.clone(),
            profiles: match &paths.gc_file {
                Some(p) => GcProfiles::load(p),
                None => Ok(None),
            },
        }
    }

    /// The profile this run uses: the one `above` (the layers over the profile) names, else
    /// `DEFAULT` when the file has it; none for the demo. A file that cannot be read stops the
    /// run only when it needs the file: a profile is named, or nothing above gives where to
    /// connect or the credentials.
    fn choose(&self, above: &Layer, demo: bool) -> Result<Option<ChosenProfile>, String> {
        if demo {
            return Ok(None);
        }
        let name = or_default(above.profile.clone(), defaults::PROFILE.to_string());
        let explicit = name.source != Source::Default;
        let gc = match &self.profiles {
            Err(e) if explicit => {
                return Err(format!(
                    "{e}\nthe gc profile '{}' is asked for ({}): mend the file, or name no profile",
                    name.value, name.source
                ));
            }
            Err(e) => {
                let missing: Vec<&str> = [
                    above.place.is_none().then_some("where to connect"),
                    (!above.has_credentials()).then_some("the credentials"),
                ]
                .into_iter()
                .flatten()
                .collect();
                if missing.is_empty() {
                    return Ok(None);
                }
                return Err(format!(
                    "{e}\nits profile '{}' is needed: no flag, variable or config file gives {}; \
                     mend the file, or give them (convoscope --help)",
                    name.value,
                    missing.join(" or ")
                ));
            }
            Ok(None) if explicit => {
                return Err(format!(
                    "gc profile '{}' was asked for ({}), but there is no gc profile file{}",
                    name.value,
                    name.source,
                    self.path
                        .as_ref()
                        .map(|p| format!(" at {}", p.display()))
                        .unwrap_or_default()
                ));
            }
            Ok(None) => return Ok(None),
            Ok(Some(gc)) => gc,
        };
        let profile = match gc.find(&name.value) {
            Some(p) => p.clone(),
            None if explicit => {
                return Err(format!("{} ({})", gc.unknown(&name.value), name.source));
            }
            None => return Ok(None),
        };
        if !profile.problems.is_empty() {
            return Err(profile.problems.join("\n"));
        }
        Ok(Some(ChosenProfile {
            profile,
            chosen_by: name,
            path: gc.path.clone(),
        }))
    }

    /// What to tell the user about the file: a secret others can read; a broken file nothing
    /// needed.
    fn warnings(&self) -> Vec<String> {
        match &self.profiles {
            Ok(gc) => gc
                .as_ref()
                .and_then(GcProfiles::permission_warning)
                .into_iter()
                .collect(),
            Err(e) => e
                .lines()
                .map(|l| format!("warning: {l} (ignored: this run needs no gc profile)"))
                .collect(),
        }
    }
}

impl Settings {
    /// Reads the config file and the gc profile file where `paths` (and `--config`) say, and
    /// resolves every setting. Errors are one line each, saying what is wrong and what is accepted.
    pub fn resolve(given: Given, paths: &Paths) -> Result<Settings, String> {
        let mut file = ConfigFile::read(&given, paths)?;
        let above = given.layer().over(std::mem::take(&mut file.layer));
        let gc = GcFile::read(paths);
        let chosen = gc.choose(&above, given.demo)?;
        let layer = match &chosen {
            Some(c) => above.over(Layer::from_gc(&c.profile, &c.path)),
            None => above,
        };
        let connection = if given.demo {
            ConnectionSettings::demo()
        } else {
            ConnectionSettings::from_layer(
                &layer,
                chosen.map(|c| (c.chosen_by.map(|_| c.profile.name), c.path)),
            )?
        };
        Settings::from_layer(layer, connection, file, gc, paths)
    }

    /// One pick per field: the value of the resolved layer, else the default.
    fn from_layer(
        l: Layer,
        connection: ConnectionSettings,
        file: ConfigFile,
        gc: GcFile,
        paths: &Paths,
    ) -> Result<Settings, String> {
        // Values given on the command line are checked like the file's.
        let log_level = or_default(l.log_level, defaults::LOG_LEVEL.to_string());
        config::check_log_level(&log_level.value)
            .map_err(|e| format!("{e} ({})", log_level.source))?;
        Ok(Settings {
            connection,
            media: or_default(l.media, defaults::MEDIA),
            from: or_default(l.from, defaults::FROM.to_string()),
            to: or_default(l.to, defaults::TO.to_string()),
            utc: or_default(l.utc, defaults::UTC),
            watch_interval: or_default(l.watch_interval, defaults::WATCH_INTERVAL),
            concurrency: or_default(l.concurrency, defaults::CONCURRENCY),
            columns: or_default(l.columns, Vec::new()),
            clipboard: or_default(l.clipboard, defaults::CLIPBOARD),
            mouse: or_default(l.mouse, defaults::MOUSE),
            theme: or_default(l.theme, defaults::THEME),
            keys: or_default(l.keys, KeyBindings::default()),
            log_level,
            log_file: l
                .log_file
                .or_else(|| paths.log_file.clone().map(Valued::default)),
            config_file: file.path,
            config_found: file.found,
            warnings: gc.warnings(),
            gc_problem: gc.profiles.as_ref().err().cloned(),
            gc_profiles: gc
                .profiles
                .ok()
                .flatten()
                .map(|g| g.names().into_iter().map(String::from).collect()),
            gc_file: gc.path,
        })
    }

    /// The media the browser starts with.
    pub fn media(&self) -> Media {
        self.media.value
    }

    /// The media of an export: `any` unless a flag or the config file says otherwise.
    pub fn export_media(&self) -> Media {
        match self.media.source {
            Source::Default => Media::Any,
            _ => self.media.value,
        }
    }

    /// The range to start with, as typed (`-24h`, `now`, `2026-11-01`): parse with
    /// [`crate::timespec::parse`] in [`Settings::zone`].
    pub fn range(&self) -> (&str, &str) {
        (&self.from.value, &self.to.value)
    }

    /// Whether the range was given on the command line (a flag or its environment variable):
    /// the browser then loads it at once.
    pub fn range_given(&self) -> bool {
        [&self.from.source, &self.to.source]
            .iter()
            .any(|s| matches!(s, Source::Flag(_) | Source::Env(_)))
    }

    /// The range of [`Settings::range`] read in [`Settings::zone`] at `now`; the error names where
    /// the bad value came from (`--from: ...`, `from (config file PATH): ...`).
    pub fn interval(&self, now: chrono::DateTime<chrono::Utc>) -> Result<Interval, String> {
        let zone = self.zone();
        let parse = |what: &str, v: &Valued<String>| {
            crate::timespec::parse(&v.value, zone, now).map_err(|e| match &v.source {
                Source::Flag(flag) => format!("{flag}: {e}"),
                other => format!("{what} ({other}): {e}"),
            })
        };
        let from = parse("from", &self.from)?;
        let to = crate::timespec::parse_end(&self.to.value, zone, now).map_err(|e| match &self
            .to
            .source
        {
            Source::Flag(flag) => format!("{flag}: {e}"),
            other => format!("to ({other}): {e}"),
        })?;
        if from < to {
            Ok(Interval::new(from, to))
        } else {
            Err(format!(
                "the start of the range ({}, {}) must be before its end ({}, {})",
                self.from.value, self.from.source, self.to.value, self.to.source
            ))
        }
    }

    /// Whether times are read and shown in UTC.
    pub fn utc(&self) -> bool {
        self.utc.value
    }

    pub fn zone(&self) -> Zone {
        if self.utc.value {
            Zone::Utc
        } else {
            Zone::Local
        }
    }

    /// Whether the screen captures the mouse from the start.
    pub fn mouse(&self) -> bool {
        self.mouse.value
    }

    pub fn theme(&self) -> Theme {
        self.theme.value
    }

    /// The user's key bindings from `[keys]` (empty: the screen's own defaults).
    pub fn keys(&self) -> &KeyBindings {
        &self.keys.value
    }

    /// Checks the action names of `[keys]` against `known`: an error naming the config file, the
    /// line and the accepted actions for each unknown one. [`Settings::resolve`] has checked them
    /// against the screen's actions already, with the rest of the file; this stays for a caller
    /// with a list of its own.
    pub fn check_key_actions(&self, known: &[&str]) -> Result<(), String> {
        let problems = self.keys.value.check_actions(known);
        if problems.is_empty() {
            return Ok(());
        }
        let path = match &self.keys.source {
            Source::ConfigFile(p) => p.clone(),
            _ => PathBuf::new(),
        };
        Err(config::ConfigError { path, problems }.to_string())
    }

    /// Time between refreshes in live (watch) mode.
    /// The list's columns by title, in order (empty: all, in the table's order).
    pub fn columns(&self) -> &[String] {
        &self.columns.value
    }

    pub fn watch_interval(&self) -> Duration {
        Duration::from_secs(self.watch_interval.value)
    }

    pub fn clipboard(&self) -> Clipboard {
        self.clipboard.value
    }

    /// Requests in flight at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency.value as usize
    }

    /// What `convoscope info` prints: every value in effect and its source; secrets as `<set>`.
    pub fn info(&self) -> String {
        fn row(out: &mut String, name: &str, value: &dyn fmt::Display, source: Option<&Source>) {
            let src = source.map(|s| format!("  ({s})")).unwrap_or_default();
            out.push_str(&format!("  {name:<15} {value}{src}\n"));
        }
        let c = &self.connection;
        let mut out = format!("convoscope {}\n\nConnection\n", env!("CARGO_PKG_VERSION"));
        if c.demo {
            row(
                &mut out,
                "connection",
                &"demo: the embedded simulator",
                Some(&Source::flag("--demo")),
            );
        } else {
            let region = c
                .region
                .map(|r| format!("{} ({})", r.host, r.id))
                .unwrap_or_else(|| "none: an API URL is given".into());
            let origin = if c.region.is_some() {
                Some(&c.api_url.source)
            } else {
                None
            };
            row(&mut out, "region", &region, origin);
            // Credentials in a URL (`https://user:pass@…`) are masked.
            let masked = crate::genesys::redact::redact_url;
            row(
                &mut out,
                "api url",
                &masked(&c.api_url.value),
                Some(&c.api_url.source),
            );
            row(
                &mut out,
                "login url",
                &masked(&c.login_url.value),
                Some(&c.login_url.source),
            );
            match &c.profile {
                Some(p) => row(&mut out, "gc profile", &p.value, Some(&p.source)),
                None => row(&mut out, "gc profile", &"none", None),
            }
            match &c.client_id {
                Some(v) => row(&mut out, "client id", &v.value, Some(&v.source)),
                None => row(&mut out, "client id", &"none", None),
            }
            let set = |v: &Option<Valued<Secret>>| v.as_ref().map(|v| ("<set>", v.source.clone()));
            match set(&c.client_secret) {
                Some((s, src)) => row(&mut out, "client secret", &s, Some(&src)),
                None => row(&mut out, "client secret", &"none", None),
            }
            match set(&c.access_token) {
                Some((s, src)) => row(&mut out, "access token", &s, Some(&src)),
                None => row(&mut out, "access token", &"none", None),
            }
            let using = match c.credentials() {
                Ok(Credentials::ClientCredentials { .. }) => {
                    "the OAuth client (client credentials)"
                }
                Ok(Credentials::Token(_)) => "the access token",
                Err(_) => "none: connecting will fail",
            };
            row(&mut out, "credentials", &using, None);
        }
        out.push_str("\nDefaults\n");
        row(
            &mut out,
            "media",
            &self.media.value.name(),
            Some(&self.media.source),
        );
        if self.media.source == Source::Default {
            row(
                &mut out,
                "export media",
                &Media::Any.name(),
                Some(&Source::Default),
            );
        }
        row(&mut out, "from", &self.from.value, Some(&self.from.source));
        row(&mut out, "to", &self.to.value, Some(&self.to.source));
        row(&mut out, "utc", &self.utc.value, Some(&self.utc.source));
        row(
            &mut out,
            "watch interval",
            &format!("{} s", self.watch_interval.value),
            Some(&self.watch_interval.source),
        );
        row(
            &mut out,
            "concurrency",
            &self.concurrency.value,
            Some(&self.concurrency.source),
        );
        row(
            &mut out,
            "columns",
            &if self.columns.value.is_empty() {
                "all".to_string()
            } else {
                self.columns.value.join(", ")
            },
            Some(&self.columns.source),
        );
        row(
            &mut out,
            "clipboard",
            &self.clipboard.value.name(),
            Some(&self.clipboard.source),
        );
        row(
            &mut out,
            "mouse",
            &self.mouse.value,
            Some(&self.mouse.source),
        );
        row(
            &mut out,
            "theme",
            &self.theme.value.name(),
            Some(&self.theme.source),
        );
        if self.keys.value.is_empty() {
            row(
                &mut out,
                "keys",
                &"the screen's own",
                Some(&self.keys.source),
            );
        } else {
            for (action, keys) in self.keys.value.iter() {
                let k: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                row(
                    &mut out,
                    &format!("keys.{action}"),
                    &k.join(", "),
                    Some(&self.keys.source),
                );
            }
        }
        out.push_str("\nFiles\n");
        match &self.config_file {
            Some(p) => row(
                &mut out,
                "config file",
                &format!(
                    "{} ({})",
                    p.value.display(),
                    if self.config_found {
                        "read"
                    } else {
                        "not found: defaults"
                    }
                ),
                Some(&p.source),
            ),
            None => row(
                &mut out,
                "config file",
                &"none: no config directory on this platform",
                None,
            ),
        }
        match &self.gc_file {
            Some(p) => row(
                &mut out,
                "gc profiles",
                &format!(
                    "{} ({})",
                    p.display(),
                    match &self.gc_profiles {
                        Some(names) if names.is_empty() => "no profiles".to_string(),
                        Some(names) => format!("profiles: {}", names.join(", ")),
                        None if self.gc_problem.is_some() => {
                            "cannot be read: ignored (see the warning)".to_string()
                        }
                        None => "not found".to_string(),
                    }
                ),
                None,
            ),
            None => row(&mut out, "gc profiles", &"none: no home directory", None),
        }
        match &self.log_file {
            Some(p) => row(&mut out, "log file", &p.value.display(), Some(&p.source)),
            None => row(
                &mut out,
                "log file",
                &"none: no state directory; give --log-file",
                None,
            ),
        }
        row(
            &mut out,
            "log level",
            &self.log_level.value,
            Some(&self.log_level.source),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Home {
        dir: tempfile::TempDir,
    }

    impl Home {
        fn new() -> Home {
            Home {
                dir: tempfile::tempdir().unwrap(),
            }
        }
        fn paths(&self) -> Paths {
            Paths::under(self.dir.path())
        }
        fn write(&self, path: &Option<PathBuf>, text: &str) {
            let p = path.as_ref().unwrap();
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        fn config(&self, text: &str) {
            self.write(&self.paths().config_file, text);
        }
        fn gc(&self, text: &str) {
            self.write(&self.paths().gc_file, text);
        }
        fn resolve(&self, given: Given) -> Result<Settings, String> {
            Settings::resolve(given, &self.paths())
        }
    }

    const GC: &str = r#"
[default]
environment = "mypurecloud.ie"
client_credentials = "gc-id"
client_secret = "gc-secret"

[dev]
environment = "usw2.pure.cloud"
client_credentials = "dev-id"
client_secret = "dev-secret"
"#;

    fn flag<T>(v: T, name: &str) -> Option<Valued<T>> {
        Some(Valued::new(v, Source::flag(name)))
    }
    fn envv<T>(v: T, name: &str) -> Option<Valued<T>> {
        Some(Valued::new(v, Source::env(name)))
    }

    #[test]
    fn with_nothing_everything_is_a_default() {
        let h = Home::new();
        let s = h.resolve(Given::default()).unwrap();
        assert_eq!(s.connection.api_url.value, "https://api.mypurecloud.com");
        assert_eq!(s.connection.api_url.source, Source::Default);
        assert_eq!(
            s.connection.login_url.value,
            "https://login.mypurecloud.com"
        );
        assert!(s.connection.profile.is_none());
        assert!(s.connection.credentials().is_err());
        assert_eq!(s.media(), Media::Webmessaging);
        assert_eq!(s.export_media(), Media::Any);
        assert_eq!(s.range(), ("-24h", "now"));
        assert!(!s.utc() && !s.mouse());
        assert_eq!(s.theme(), Theme::Dark);
        assert_eq!(s.clipboard(), Clipboard::Osc52);
        assert_eq!(s.watch_interval(), Duration::from_secs(2));
        assert_eq!(s.concurrency(), 4);
        assert!(s.keys().is_empty());
        assert!(!s.config_found);
        assert_eq!(s.log_file.unwrap().source, Source::Default);
    }

    #[test]
    fn a_gc_user_needs_no_set_up() {
        let h = Home::new();
        h.gc(GC);
        let s = h.resolve(Given::default()).unwrap();
        let c = &s.connection;
        assert_eq!(c.profile.as_ref().unwrap().value, "default");
        assert_eq!(c.api_url.value, "https://api.mypurecloud.ie");
        let gc_src = Source::GcProfile {
            name: "default".into(),
            path: h.paths().gc_file.unwrap(),
        };
        assert_eq!(c.api_url.source, gc_src);
        assert_eq!(c.client_id.as_ref().unwrap().value, "gc-id");
        match c.credentials().unwrap() {
            Credentials::ClientCredentials { client_id, secret } => {
                assert_eq!(client_id, "gc-id");
                assert_eq!(secret.expose(), "gc-secret");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_profile_is_chosen_by_flag_then_env_then_config() {
        let h = Home::new();
        h.gc(GC);
        h.config("profile = \"DEV\"\n");
        let s = h.resolve(Given::default()).unwrap();
        assert_eq!(s.connection.profile.as_ref().unwrap().value, "dev");
        assert!(matches!(
            s.connection.profile.unwrap().source,
            Source::ConfigFile(_)
        ));
        assert_eq!(s.connection.api_url.value, "https://api.usw2.pure.cloud");
        let s = h
            .resolve(Given {
                profile: envv("default".into(), env::PROFILE),
                ..Given::default()
            })
            .unwrap();
        assert_eq!(s.connection.client_id.unwrap().value, "gc-id");
        let s = h
            .resolve(Given {
                profile: flag("Dev".into(), "--profile"),
                ..Given::default()
            })
            .unwrap();
        assert_eq!(s.connection.client_id.unwrap().value, "dev-id");
    }

    #[test]
    fn an_unknown_profile_lists_the_profiles() {
        let h = Home::new();
        h.gc(GC);
        let e = h
            .resolve(Given {
                profile: flag("prod".into(), "--profile"),
                ..Given::default()
            })
            .unwrap_err();
        assert!(e.contains("unknown gc profile 'prod'"), "{e}");
        assert!(e.contains("the profiles are default, dev"), "{e}");
        let h = Home::new();
        let e = h
            .resolve(Given {
                profile: envv("prod".into(), env::PROFILE),
                ..Given::default()
            })
            .unwrap_err();
        assert!(e.contains("there is no gc profile file"), "{e}");
    }

    #[test]
    fn flags_beat_env_beats_config_beats_gc_beats_default() {
        let h = Home::new();
        h.gc(GC);
        // gc profile only.
        let s = h.resolve(Given::default()).unwrap();
        assert_eq!(s.connection.label, "mypurecloud.ie");
        // The config file beats the profile.
        h.config("region = \"eu-central-1\"\nmedia = \"voice\"\nconcurrency = 8\nutc = true\n");
        let s = h.resolve(Given::default()).unwrap();
        assert_eq!(s.connection.label, "mypurecloud.de");
        assert!(matches!(s.connection.api_url.source, Source::ConfigFile(_)));
        assert_eq!(s.media(), Media::Voice);
        assert_eq!(s.export_media(), Media::Voice);
        assert_eq!(s.concurrency(), 8);
        assert!(s.utc());
        // The environment beats the file: an API URL from env beats the file's region.
        let s = h
            .resolve(Given {
                api_url: envv("http://127.0.0.1:9/".into(), env::API_URL),
                client_id: envv("env-id".into(), env::CLIENT_ID),
                ..Given::default()
            })
            .unwrap();
        assert_eq!(s.connection.api_url.value, "http://127.0.0.1:9");
        assert_eq!(s.connection.login_url.value, "http://127.0.0.1:9");
        assert_eq!(s.connection.api_url.source, Source::env(env::API_URL));
        assert_eq!(s.connection.client_id.as_ref().unwrap().value, "env-id");
        // The secret still comes from the profile.
        assert!(matches!(
            s.connection.client_secret.as_ref().unwrap().source,
            Source::GcProfile { .. }
        ));
        // A flag beats the environment: --region over GENESYSCLOUD_API_URL.
        let s = h
            .resolve(Given {
                api_url: envv("http://127.0.0.1:9/".into(), env::API_URL),
                region: flag("apne2.pure.cloud".into(), "--region"),
                media: flag(Media::Chat, "--media"),
                concurrency: flag(2, "--concurrency"),
                utc: flag(false, "--local"),
                ..Given::default()
            })
            .unwrap();
        assert_eq!(s.connection.api_url.value, "https://api.apne2.pure.cloud");
        assert_eq!(s.connection.api_url.source, Source::flag("--region"));
        assert_eq!(s.media(), Media::Chat);
        assert_eq!(s.concurrency(), 2);
        assert!(!s.utc());
        assert_eq!(s.utc.source, Source::flag("--local"));
        // Within one layer an API URL beats a region.
        let s = h
            .resolve(Given {
                api_url: flag("https://proxy.example".into(), "--api-url"),
                region: flag("apne2.pure.cloud".into(), "--region"),
                login_url: flag("https://login.example/".into(), "--login-url"),
                ..Given::default()
            })
            .unwrap();
        assert_eq!(s.connection.api_url.value, "https://proxy.example");
        assert_eq!(s.connection.login_url.value, "https://login.example");
        assert!(s.connection.region.is_none());
    }

    #[test]
    fn a_token_from_a_higher_source_beats_a_profile_client() {
        let h = Home::new();
        h.gc(GC);
        let s = h
            .resolve(Given {
                access_token: envv(Secret::new("tok"), env::ACCESS_TOKEN),
                ..Given::default()
            })
            .unwrap();
        assert!(
            matches!(s.connection.credentials().unwrap(), Credentials::Token(t) if t.expose() == "tok")
        );
        // But an OAuth client given in the environment beats a token of the same rank.
        let s = h
            .resolve(Given {
                access_token: envv(Secret::new("tok"), env::ACCESS_TOKEN),
                client_id: envv("id".into(), env::CLIENT_ID),
                client_secret: envv(Secret::new("sec"), env::CLIENT_SECRET),
                ..Given::default()
            })
            .unwrap();
        assert!(matches!(
            s.connection.credentials().unwrap(),
            Credentials::ClientCredentials { .. }
        ));
        // A profile with only a token.
        let h = Home::new();
        h.gc("[default]\naccess_token = \"ptok\"\n");
        let s = h.resolve(Given::default()).unwrap();
        assert!(
            matches!(s.connection.credentials().unwrap(), Credentials::Token(t) if t.expose() == "ptok")
        );
    }

    #[test]
    fn the_interval_names_the_source_of_a_bad_time() {
        let h = Home::new();
        h.config("from = \"-2h\"\nutc = true\n");
        let now = chrono::Utc::now();
        let s = h.resolve(Given::default()).unwrap();
        let i = s.interval(now).unwrap();
        assert_eq!(i.end - i.start, chrono::Duration::hours(2));
        let s = h
            .resolve(Given {
                from: flag("last tuesday".into(), "--from"),
                ..Given::default()
            })
            .unwrap();
        assert!(s.interval(now).unwrap_err().starts_with("--from: "));
        let s = h
            .resolve(Given {
                to: flag("-3h".into(), "--to"),
                ..Given::default()
            })
            .unwrap();
        let e = s.interval(now).unwrap_err();
        assert!(e.contains("must be before its end (-3h, flag --to)"), "{e}");
    }

    #[test]
    fn config_errors_stop_resolution_with_the_line() {
        let h = Home::new();
        h.config("theme = \"dark\"\nwatch_interval = 0\n");
        let e = h.resolve(Given::default()).unwrap_err();
        assert!(e.contains("line 2: watch_interval"), "{e}");
    }

    #[test]
    fn an_explicit_config_path_must_exist() {
        let h = Home::new();
        let e = h
            .resolve(Given {
                config: envv(h.dir.path().join("nope.toml"), env::CONFIG),
                ..Given::default()
            })
            .unwrap_err();
        assert!(
            e.contains("does not exist") && e.contains(env::CONFIG),
            "{e}"
        );
        let other = h.dir.path().join("other.toml");
        std::fs::write(&other, "theme = \"mono\"\n").unwrap();
        let s = h
            .resolve(Given {
                config: envv(other.clone(), env::CONFIG),
                ..Given::default()
            })
            .unwrap();
        assert_eq!(s.theme(), Theme::Mono);
        assert_eq!(s.theme.source, Source::ConfigFile(other));
    }

    #[test]
    fn bad_values_from_flags_and_profiles_are_errors_with_their_source() {
        let h = Home::new();
        h.gc("[default]\nenvironment = \"mars\"\n");
        let e = h.resolve(Given::default()).unwrap_err();
        assert!(
            e.contains("unknown region 'mars'") && e.contains("gc profile 'default'"),
            "{e}"
        );
        let e = h
            .resolve(Given {
                log_level: envv("verbose".into(), env::LOG),
                region: flag("eu-west-1".into(), "--region"),
                ..Given::default()
            })
            .unwrap_err();
        assert!(
            e.contains("invalid log level 'verbose'") && e.contains(env::LOG),
            "{e}"
        );
        let e = h
            .resolve(Given {
                api_url: flag("api.example".into(), "--api-url"),
                ..Given::default()
            })
            .unwrap_err();
        assert!(e.contains("must start with https://"), "{e}");
    }

    #[test]
    fn the_demo_ignores_where_and_who() {
        let h = Home::new();
        h.gc("[default]\nenvironment = \"mars\"\n");
        let s = h
            .resolve(Given {
                demo: true,
                profile: envv("nope".into(), env::PROFILE),
                region: flag("mars-2".into(), "--region"),
                ..Given::default()
            })
            .unwrap();
        assert!(s.connection.demo);
        assert_eq!(s.connection.label, "DEMO");
    }

    #[test]
    fn the_keys_are_checked_with_the_rest_of_the_file() {
        let h = Home::new();
        h.config("theme = \"pink\"\n[keys]\nrefetch = \"x\"\nfly = \"f\"\nexport = \"x\"\n");
        let e = h.resolve(Given::default()).unwrap_err();
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(lines.len(), 3, "{e}");
        assert!(
            lines[0].contains("line 1: theme: unknown theme 'pink'"),
            "{e}"
        );
        assert!(
            lines[1].contains("line 4: keys: unknown action 'fly'"),
            "{e}"
        );
        assert!(
            lines[2].contains(
                "line 5: keys: x is bound to both refetch (line 3) and export (line 5), which \
                 both work in the list and the detail pane"
            ),
            "{e}"
        );
        // Bound apart, or one key in places apart, they are fine.
        h.config("[keys]\nrefetch = \"x\"\ntoggle_sort = \"o\"\ncopy_key_value = \"o\"\n");
        let s = h.resolve(Given::default()).unwrap();
        assert_eq!(s.keys().len(), 3);
    }

    /// The run is given where to connect and who it is: it needs no gc profile.
    fn self_sufficient() -> Given {
        Given {
            region: envv("eu-west-1".into(), env::REGION),
            client_id: envv("id".into(), env::CLIENT_ID),
            client_secret: envv(Secret::new("sec"), env::CLIENT_SECRET),
            ..Given::default()
        }
    }

    #[test]
    fn a_broken_gc_file_is_a_warning_when_no_profile_is_needed() {
        let h = Home::new();
        h.gc("[default]\nenvironment = \"mypurecloud.ie\n");
        for given in [
            self_sufficient(),
            Given {
                demo: true,
                ..Given::default()
            },
        ] {
            let s = h.resolve(given).unwrap();
            assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
            let w = &s.warnings[0];
            assert!(
                w.starts_with("warning: gc profile file ")
                    && w.contains("config.toml, line 2: environment: invalid basic string")
                    && w.ends_with("(ignored: this run needs no gc profile)"),
                "{w}"
            );
            assert!(s.connection.profile.is_none());
            assert!(
                s.info()
                    .contains("(cannot be read: ignored (see the warning))"),
                "{}",
                s.info()
            );
        }
    }

    #[test]
    fn a_broken_gc_file_stops_a_run_that_needs_a_profile() {
        let h = Home::new();
        h.gc("[default]\nclient_secret = 42\n[dev\n");
        // Nothing else says where to connect or who.
        let e = h.resolve(Given::default()).unwrap_err();
        assert!(e.contains("config.toml, line 3: unclosed table"), "{e}");
        assert!(
            e.ends_with(
                "its profile 'DEFAULT' is needed: no flag, variable or config file gives where to \
                 connect or the credentials; mend the file, or give them (convoscope --help)"
            ),
            "{e}"
        );
        // Credentials but no place.
        let mut given = self_sufficient();
        given.region = None;
        let e = h.resolve(given).unwrap_err();
        assert!(e.contains("gives where to connect;"), "{e}");
        // A profile asked for, even with everything else given.
        h.config("profile = \"dev\"\n");
        let e = h.resolve(self_sufficient()).unwrap_err();
        assert!(
            e.contains("the gc profile 'dev' is asked for (config file ")
                && e.ends_with("mend the file, or name no profile"),
            "{e}"
        );
    }

    #[test]
    fn a_gc_file_that_is_a_directory_or_not_utf8_says_so() {
        let h = Home::new();
        std::fs::create_dir_all(h.paths().gc_file.unwrap()).unwrap();
        let e = h.resolve(Given::default()).unwrap_err();
        assert!(
            e.contains(".gc/config.toml: it is a directory, not a file"),
            "{e}"
        );
        assert!(h.resolve(self_sufficient()).is_ok());
        let h = Home::new();
        let gc = h.paths().gc_file.unwrap();
        std::fs::create_dir_all(gc.parent().unwrap()).unwrap();
        std::fs::write(&gc, b"[default]\nclient_secret = \"\xe9t\xe9\"\n").unwrap();
        let e = h.resolve(Given::default()).unwrap_err();
        assert!(
            e.contains(
                ".gc/config.toml, line 2: not UTF-8 text (byte 18 of the line is not UTF-8)"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_profile_without_its_secret_names_the_profile_and_the_key() {
        let h = Home::new();
        h.gc(
            "[default]\nenvironment = \"mypurecloud.ie\"\nclient_credentials = \"gc-id\"\n\
              [dev]\nclient_secret = \"s\"\n[bare]\nenvironment = \"mypurecloud.ie\"\n",
        );
        let gc_file = h.paths().gc_file.unwrap();
        let e = h
            .resolve(Given::default())
            .unwrap()
            .connection
            .credentials()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "gc profile 'default' in {} has client_credentials (the client id) but no \
                 client_secret: add client_secret to it, or give GENESYSCLOUD_OAUTHCLIENT_SECRET",
                gc_file.display()
            )
        );
        let dev = |name: &str| Given {
            profile: flag(name.into(), "--profile"),
            ..Given::default()
        };
        let e = h
            .resolve(dev("dev"))
            .unwrap()
            .connection
            .credentials()
            .unwrap_err();
        assert!(
            e.to_string().contains(
                "gc profile 'dev' in PATH has a client_secret but no client_credentials"
                    .replace("PATH", &gc_file.display().to_string())
                    .as_str()
            ),
            "{e}"
        );
        let e = h
            .resolve(dev("bare"))
            .unwrap()
            .connection
            .credentials()
            .unwrap_err();
        assert!(
            e.to_string().starts_with(&format!(
                "no credentials: gc profile 'bare' in {} has no client_credentials and \
                 client_secret (nor access_token)",
                gc_file.display()
            )),
            "{e}"
        );
        // A secret from the environment completes the profile's client.
        let s = h
            .resolve(Given {
                client_secret: envv(Secret::new("env-s"), env::CLIENT_SECRET),
                ..Given::default()
            })
            .unwrap();
        assert!(s.connection.credentials().is_ok());
        // A client id alone, from the environment.
        let e = h
            .resolve(Given {
                client_id: envv("env-id".into(), env::CLIENT_ID),
                profile: flag("bare".into(), "--profile"),
                ..Given::default()
            })
            .unwrap()
            .connection
            .credentials()
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the OAuth client id (env GENESYSCLOUD_OAUTHCLIENT_ID) has no secret"),
            "{e}"
        );
    }

    #[test]
    fn a_profile_value_of_the_wrong_type_stops_only_the_runs_that_use_the_profile() {
        let h = Home::new();
        h.gc(&format!(
            "{GC}\n[broken]\nclient_credentials = \"b\"\nclient_secret = 1234\n"
        ));
        assert!(h.resolve(Given::default()).is_ok());
        let e = h
            .resolve(Given {
                profile: flag("broken".into(), "--profile"),
                ..Given::default()
            })
            .unwrap_err();
        assert!(
            e.ends_with(
                "config.toml, line 14: profile 'broken': client_secret must be a string, not integer"
            ),
            "{e}"
        );
    }

    #[test]
    fn info_shows_sources_and_masks_secrets() {
        let h = Home::new();
        h.gc(GC);
        h.config("theme = \"light\"\n[keys]\nrefetch = [\"r\", \"F5\"]\n");
        let s = h
            .resolve(Given {
                client_secret: envv(Secret::new("hunter2"), env::CLIENT_SECRET),
                access_token: envv(Secret::new("tok-tok-tok"), env::ACCESS_TOKEN),
                ..Given::default()
            })
            .unwrap();
        let info = s.info();
        assert!(
            !info.contains("hunter2") && !info.contains("gc-secret") && !info.contains("tok-tok"),
            "{info}"
        );
        assert!(!format!("{s:?}").contains("hunter2"));
        let line = |name: &str| {
            info.lines()
                .find(|l| l.trim_start().starts_with(name))
                .unwrap_or_else(|| panic!("no {name} in\n{info}"))
                .to_string()
        };
        assert!(line("client secret").contains("<set>  (env GENESYSCLOUD_OAUTHCLIENT_SECRET)"));
        assert!(line("client id").contains("gc-id  (gc profile 'default' in "));
        assert!(line("theme").contains("light  (config file "));
        assert!(line("media").contains("webmessaging  (default)"));
        assert!(line("keys.refetch").contains("r, F5"));
        assert!(line("log file").contains("convoscope.log  (default)"));
        assert!(line("gc profiles").contains("profiles: default, dev"));
        assert!(line("config file").contains("(read)"));
        assert!(line("credentials").contains("OAuth client"), "{info}");
        assert!(s.check_key_actions(&["refetch", "quit"]).is_ok());
        let e = s.check_key_actions(&["quit"]).unwrap_err();
        assert!(
            e.ends_with(
                "config.toml, line 3: keys: unknown action 'refetch': accepted actions are quit"
            ),
            "{e}"
        );
    }
}
