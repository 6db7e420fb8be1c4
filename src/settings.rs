//! What is in effect, and where each value came from.
//!
//! Precedence, highest first: command-line flags, environment variables, convoscope's config
//! file, the `gc` CLI's profile, the defaults. Every effective value carries its [`Source`], which
//! `convoscope info` prints (secrets only as `<set>`).
//!
//! The screen reads its start-up values with the accessors of [`Settings`]: [`Settings::media`],
//! [`Settings::range`], [`Settings::utc`], [`Settings::mouse`], [`Settings::theme`],
//! [`Settings::keys`], [`Settings::watch_interval`], [`Settings::clipboard`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::{Cli, Command};
use crate::config::{self, Clipboard, Config, KeyBindings, Theme, defaults};
use crate::genesys::query::{Interval, Media};
use crate::genesys::region::{DEFAULT_REGION, Region, login_url_for};
use crate::genesys::{Credentials, Error, Secret};
use crate::profiles::{self, GcProfiles};
use crate::timespec::Zone;

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
}

/// What the command line and the environment gave, each value with its source. Built from
/// clap's matches by [`Given::from_cli`], or directly in tests.
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub demo: bool,
    pub region: Option<Valued<String>>,
    pub api_url: Option<Valued<String>>,
    pub login_url: Option<Valued<String>>,
    pub client_id: Option<Valued<String>>,
    pub client_secret: Option<Valued<Secret>>,
    pub access_token: Option<Valued<Secret>>,
    pub profile: Option<Valued<String>>,
    pub config: Option<Valued<PathBuf>>,
    pub log_level: Option<Valued<String>>,
    pub log_file: Option<Valued<PathBuf>>,
    pub media: Option<Valued<Media>>,
    pub from: Option<Valued<String>>,
    pub to: Option<Valued<String>>,
    pub utc: Option<Valued<bool>>,
    pub mouse: Option<Valued<bool>>,
    pub concurrency: Option<Valued<u16>>,
    pub watch_interval: Option<Valued<u64>>,
    pub clipboard: Option<Valued<Clipboard>>,
}

/// Where an argument's value came from: the command line or its environment variable.
fn arg_source(m: &ArgMatches, id: &str, flag: &str, env_name: &str) -> Option<Source> {
    // Global arguments given after the subcommand are recorded there too.
    let sources = std::iter::once(m).chain(m.subcommand().map(|(_, s)| s));
    let mut found = None;
    for m in sources {
        match m.try_get_raw(id).ok().flatten().and(m.value_source(id)) {
            Some(ValueSource::CommandLine) => return Some(Source::flag(flag)),
            Some(ValueSource::EnvVariable) => found = Some(Source::env(env_name)),
            _ => {}
        }
    }
    found
}

/// Whether the argument `id` was typed on the command line (not taken from its env variable).
pub fn on_command_line(m: &ArgMatches, id: &str) -> bool {
    matches!(arg_source(m, id, "", ""), Some(Source::Flag(_)))
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

impl Given {
    /// From the parsed command line; `env` reads what has no flag (`GENESYSCLOUD_ACCESS_TOKEN`).
    pub fn from_cli(cli: &Cli, m: &ArgMatches, env: &dyn Fn(&str) -> Option<String>) -> Given {
        let c = &cli.connection;
        let val = |v: &Option<String>, id: &str, flag: &str, env_name: &str| {
            let v = nonempty(v)?;
            Some(Valued::new(
                v,
                arg_source(m, id, flag, env_name).unwrap_or_else(|| Source::flag(flag)),
            ))
        };
        let path = |v: &Option<PathBuf>, id: &str, flag: &str, env_name: &str| {
            let v = v.as_ref().filter(|p| !p.as_os_str().is_empty())?;
            Some(Valued::new(
                v.clone(),
                arg_source(m, id, flag, env_name).unwrap_or_else(|| Source::flag(flag)),
            ))
        };
        let mut g = Given {
            demo: c.demo,
            region: val(&c.region, "region", "--region", env::REGION),
            api_url: val(&c.api_url, "api_url", "--api-url", env::API_URL),
            login_url: val(&c.login_url, "login_url", "--login-url", ""),
            client_id: val(&c.client_id, "client_id", "--client-id", env::CLIENT_ID),
            client_secret: val(
                &c.client_secret.as_ref().map(|s| s.expose().to_string()),
                "client_secret",
                "--client-secret",
                env::CLIENT_SECRET,
            )
            .map(|v| Valued::new(Secret::new(v.value), v.source)),
            access_token: nonempty(&env(env::ACCESS_TOKEN))
                .map(|t| Valued::new(Secret::new(t), Source::env(env::ACCESS_TOKEN))),
            profile: val(&c.profile, "profile", "--profile", env::PROFILE),
            config: path(&cli.config, "config", "--config", env::CONFIG),
            log_level: val(&cli.log_level, "log_level", "--log-level", env::LOG),
            log_file: path(&cli.log_file, "log_file", "--log-file", env::LOG_FILE),
            ..Given::default()
        };
        let flag = |n: &str| Source::flag(n);
        let browse = match &cli.command {
            None => Some(&cli.browse),
            Some(Command::Browse(b)) => Some(b),
            _ => None,
        };
        if let Some(b) = browse {
            g.watch_interval = b
                .watch_interval
                .map(|v| Valued::new(v, flag("--watch-interval")));
            g.clipboard = b.clipboard.map(|v| Valued::new(v, flag("--clipboard")));
        }
        let (media, from, to, utc, local, mouse, concurrency) = match &cli.command {
            None => {
                let b = &cli.browse;
                (
                    b.media,
                    &b.from,
                    &b.to,
                    b.utc,
                    b.local,
                    b.mouse,
                    b.concurrency,
                )
            }
            Some(Command::Browse(b)) => (
                b.media,
                &b.from,
                &b.to,
                b.utc,
                b.local,
                b.mouse,
                b.concurrency,
            ),
            Some(Command::Export(e)) => (
                e.media,
                &e.from,
                &e.to,
                e.utc,
                e.local,
                false,
                e.concurrency,
            ),
            _ => (None, &None, &None, false, false, false, None),
        };
        // The simulator connects to nothing: a bad region or profile must not stop it.
        if matches!(cli.command, Some(Command::Sim(_))) {
            g.demo = true;
        }
        g.media = media.map(|v| Valued::new(v, flag("--media")));
        g.from = nonempty(from).map(|v| Valued::new(v, flag("--from")));
        g.to = nonempty(to).map(|v| Valued::new(v, flag("--to")));
        g.utc = if utc {
            Some(Valued::new(true, flag("--utc")))
        } else if local {
            Some(Valued::new(false, flag("--local")))
        } else {
            None
        };
        g.mouse = mouse.then(|| Valued::new(true, flag("--mouse")));
        g.concurrency = concurrency.map(|v| Valued::new(v, flag("--concurrency")));
        g
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

/// How to reach Genesys Cloud, with sources.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    /// `--demo`: the embedded simulator; everything else here is then unused.
    pub demo: bool,
    /// The `gc` profile in use (its name as written in the file), and what chose it.
    pub profile: Option<Valued<String>>,
    pub api_url: Valued<String>,
    pub login_url: Valued<String>,
    /// The region, when the API URL is a region's.
    pub region: Option<Region>,
    /// What to call the place: a region host, or the API URL.
    pub label: String,
    pub client_id: Option<Valued<String>>,
    pub client_secret: Option<Valued<Secret>>,
    pub access_token: Option<Valued<Secret>>,
}

impl ConnectionSettings {
    /// The credentials to use: the OAuth client when both id and secret are set, unless a token
    /// comes from a higher-precedence source (say `GENESYSCLOUD_ACCESS_TOKEN` over a profile).
    pub fn credentials(&self) -> Result<Credentials, Error> {
        let client = match (&self.client_id, &self.client_secret) {
            (Some(id), Some(secret)) => Some((id, secret)),
            _ => None,
        };
        match (client, &self.access_token) {
            (Some((id, s)), Some(t)) if t.source.rank() < id.source.rank().min(s.source.rank()) => {
                Ok(Credentials::Token(t.value.clone()))
            }
            (Some((id, s)), _) => Ok(Credentials::ClientCredentials {
                client_id: id.value.clone(),
                secret: s.value.clone(),
            }),
            (None, Some(t)) => Ok(Credentials::Token(t.value.clone())),
            (None, None) => Err(Error::Config(format!(
                "no credentials: give an OAuth client (--client-id and {}, or --client-secret), \
                 or {}, or a gc profile with client_credentials and client_secret \
                 (~/.gc/config.toml; --profile NAME); or try the program with --demo",
                env::CLIENT_SECRET,
                env::ACCESS_TOKEN
            ))),
        }
    }
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
    /// Things to tell the user at start-up (a secret file readable by others).
    pub warnings: Vec<String>,
}

/// The first value set, highest precedence first; else the default.
fn pick<T>(given: Option<Valued<T>>, file: Option<T>, file_src: &Source, default: T) -> Valued<T> {
    given
        .or_else(|| file.map(|v| Valued::new(v, file_src.clone())))
        .unwrap_or_else(|| Valued::default(default))
}

impl Settings {
    /// Reads the config file and the gc profile file where `paths` (and `--config`) say, and
    /// resolves every setting. Errors are one line each, saying what is wrong and what is accepted.
    pub fn resolve(given: Given, paths: &Paths) -> Result<Settings, String> {
        // convoscope's config file.
        let config_file = config_path(&given, paths);
        let (cfg, config_found) = match &config_file {
            Some(p) => match Config::load(&p.value).map_err(|e| e.to_string())? {
                Some(c) => (c, true),
                None if p.source != Source::Default => {
                    return Err(format!(
                        "config file {} ({}) does not exist",
                        p.value.display(),
                        p.source
                    ));
                }
                None => (Config::default(), false),
            },
            None => (Config::default(), false),
        };
        let cfg_src = Source::ConfigFile(
            config_file
                .as_ref()
                .map(|p| p.value.clone())
                .unwrap_or_default(),
        );

        // The gc profile.
        let gc = match &paths.gc_file {
            Some(p) => GcProfiles::load(p)?,
            None => None,
        };
        let profile_name = pick(
            given.profile.clone(),
            cfg.profile.clone(),
            &cfg_src,
            defaults::PROFILE.to_string(),
        );
        let explicit = profile_name.source != Source::Default;
        // The demo (and the simulator) use no profile: a wrong name must not stop them.
        let profile = match (&gc, explicit && !given.demo) {
            _ if given.demo => None,
            (Some(gc), _) => match gc.find(&profile_name.value) {
                Some(p) => Some(p.clone()),
                None if explicit => {
                    return Err(format!(
                        "{} ({})",
                        gc.unknown(&profile_name.value),
                        profile_name.source
                    ));
                }
                None => None,
            },
            (None, true) => {
                return Err(format!(
                    "gc profile '{}' was asked for ({}), but there is no gc profile file{}",
                    profile_name.value,
                    profile_name.source,
                    paths
                        .gc_file
                        .as_ref()
                        .map(|p| format!(" at {}", p.display()))
                        .unwrap_or_default()
                ));
            }
            (None, false) => None,
        };
        let gc_src = profile.as_ref().map(|p| Source::GcProfile {
            name: p.name.clone(),
            path: paths.gc_file.clone().unwrap_or_default(),
        });
        let from_gc = |v: Option<String>| v.zip(gc_src.clone()).map(|(v, s)| Valued::new(v, s));
        let secret_from_gc =
            |v: Option<Secret>| v.zip(gc_src.clone()).map(|(v, s)| Valued::new(v, s));

        // Where to connect: the highest-precedence layer that names a place; within a layer an
        // API URL beats a region.
        let connection = if given.demo {
            let demo = Source::flag("--demo");
            ConnectionSettings {
                demo: true,
                profile: None,
                api_url: Valued::new("the embedded simulator".into(), demo.clone()),
                login_url: Valued::new("the embedded simulator".into(), demo),
                region: None,
                label: "DEMO".into(),
                client_id: None,
                client_secret: None,
                access_token: None,
            }
        } else {
            enum Place {
                Url(Valued<String>),
                Region(Valued<String>),
            }
            let rank = |p: &Place| match p {
                Place::Url(v) | Place::Region(v) => v.source.rank(),
            };
            let candidates = [
                given.api_url.clone().map(Place::Url),
                given.region.clone().map(Place::Region),
                cfg.region
                    .clone()
                    .map(|r| Place::Region(Valued::new(r, cfg_src.clone()))),
                from_gc(profile.as_ref().and_then(|p| p.environment.clone())).map(Place::Region),
                Some(Place::Region(Valued::default(DEFAULT_REGION.to_string()))),
            ];
            let place = candidates
                .into_iter()
                .flatten()
                .min_by_key(rank)
                .expect("the default is always there");
            let (api_url, region, label) = match place {
                Place::Url(u) => {
                    let url = u.value.trim_end_matches('/').to_string();
                    let label = crate::genesys::redact::redact_url(&u.value);
                    (Valued::new(url, u.source), None, label)
                }
                Place::Region(r) => {
                    let region = Region::find(&r.value)
                        .map_err(|e| format!("{e} (the region comes from {})", r.source))?;
                    (
                        Valued::new(region.api_base(), r.source),
                        Some(region),
                        region.host.to_string(),
                    )
                }
            };
            let login_url = match &given.login_url {
                Some(l) => Valued::new(l.value.trim_end_matches('/').to_string(), l.source.clone()),
                None => Valued::new(login_url_for(&api_url.value), api_url.source.clone()),
            };
            for (name, url) in [("API URL", &api_url), ("login URL", &login_url)] {
                if !(url.value.starts_with("https://") || url.value.starts_with("http://")) {
                    return Err(format!(
                        "the {name} must start with https:// (or http:// for a local simulator): \
                         '{}' ({})",
                        crate::genesys::redact::redact_url(&url.value),
                        url.source
                    ));
                }
            }
            let first = |a: Option<Valued<String>>, b: Option<Valued<String>>| a.or(b);
            ConnectionSettings {
                demo: false,
                profile: profile
                    .as_ref()
                    .map(|p| Valued::new(p.name.clone(), profile_name.source.clone())),
                api_url,
                login_url,
                region,
                label,
                client_id: first(
                    given.client_id.clone(),
                    from_gc(profile.as_ref().and_then(|p| p.client_id.clone())),
                ),
                client_secret: given.client_secret.clone().or_else(|| {
                    secret_from_gc(profile.as_ref().and_then(|p| p.client_secret.clone()))
                }),
                access_token: given.access_token.clone().or_else(|| {
                    secret_from_gc(profile.as_ref().and_then(|p| p.access_token.clone()))
                }),
            }
        };

        // Values given on the command line are checked like the file's.
        let log_level = pick(
            given.log_level.clone(),
            cfg.log_level.clone(),
            &cfg_src,
            defaults::LOG_LEVEL.to_string(),
        );
        config::check_log_level(&log_level.value)
            .map_err(|e| format!("{e} ({})", log_level.source))?;
        let log_file = given
            .log_file
            .clone()
            .or_else(|| {
                cfg.log_file
                    .clone()
                    .map(|p| Valued::new(p, cfg_src.clone()))
            })
            .or_else(|| paths.log_file.clone().map(Valued::default));

        Ok(Settings {
            connection,
            media: pick(given.media, cfg.media, &cfg_src, defaults::MEDIA),
            from: pick(given.from, cfg.from, &cfg_src, defaults::FROM.to_string()),
            to: pick(given.to, cfg.to, &cfg_src, defaults::TO.to_string()),
            utc: pick(given.utc, cfg.utc, &cfg_src, defaults::UTC),
            watch_interval: pick(
                given.watch_interval,
                cfg.watch_interval,
                &cfg_src,
                defaults::WATCH_INTERVAL,
            ),
            concurrency: pick(
                given.concurrency,
                cfg.concurrency,
                &cfg_src,
                defaults::CONCURRENCY,
            ),
            clipboard: pick(
                given.clipboard,
                cfg.clipboard,
                &cfg_src,
                defaults::CLIPBOARD,
            ),
            mouse: pick(given.mouse, cfg.mouse, &cfg_src, defaults::MOUSE),
            theme: pick(None, cfg.theme, &cfg_src, defaults::THEME),
            keys: if cfg.keys.is_empty() {
                Valued::default(KeyBindings::default())
            } else {
                Valued::new(cfg.keys.clone(), cfg_src.clone())
            },
            log_level,
            log_file,
            config_file,
            config_found,
            warnings: gc
                .as_ref()
                .and_then(GcProfiles::permission_warning)
                .into_iter()
                .collect(),
            gc_file: paths.gc_file.clone(),
            gc_profiles: gc.map(|g| g.names().into_iter().map(String::from).collect()),
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
        let (from, to) = (parse("from", &self.from)?, parse("to", &self.to)?);
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

    /// Checks the action names of `[keys]` against the ones the screen knows: an error naming the
    /// config file, the line and the accepted actions for each unknown one.
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
