//! What the command line and the environment give: clap's matches, each value with its source
//! (the flag, or the variable clap read it from).

use std::path::PathBuf;

use clap::ArgMatches;
use clap::parser::ValueSource;

use super::{Source, Valued, env};
use crate::cli::{BrowseArgs, Cli, Command, ConnectionArgs};
use crate::config::Clipboard;
use crate::genesys::Secret;
use crate::genesys::query::Media;

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
        let source = |id: &str, flag: &str, env_name: &str| {
            arg_source(m, id, flag, env_name).unwrap_or_else(|| Source::flag(flag))
        };
        let mut g = Given::connection(&cli.connection, &source, env);
        let path = |v: &Option<PathBuf>, id: &str, flag: &str, env_name: &str| {
            let v = v.as_ref().filter(|p| !p.as_os_str().is_empty())?;
            Some(Valued::new(v.clone(), source(id, flag, env_name)))
        };
        g.config = path(&cli.config, "config", "--config", env::CONFIG);
        g.log_file = path(&cli.log_file, "log_file", "--log-file", env::LOG_FILE);
        g.log_level = nonempty(&cli.log_level)
            .map(|v| Valued::new(v, source("log_level", "--log-level", env::LOG)));
        match &cli.command {
            None => g.browse(&cli.browse),
            Some(Command::Browse(b)) => g.browse(b),
            Some(Command::Export(e)) => {
                g.range(e.media, &e.from, &e.to, e.utc, e.local);
                g.concurrency = e
                    .concurrency
                    .map(|v| Valued::new(v, Source::flag("--concurrency")));
            }
            // The simulator connects to nothing: a bad region or profile must not stop it.
            Some(Command::Sim(_)) => g.demo = true,
            _ => {}
        }
        g
    }

    /// From connection options alone, every value taken as a flag, with the access token and the
    /// config file from the environment (`env`): for a program that builds them by hand.
    pub fn from_args(args: &ConnectionArgs, env: &dyn Fn(&str) -> Option<String>) -> Given {
        let mut g = Given::connection(args, &|_, flag, _| Source::flag(flag), env);
        g.config = env(env::CONFIG)
            .filter(|p| !p.is_empty())
            .map(|p| Valued::new(p.into(), Source::env(env::CONFIG)));
        g
    }

    /// The connection options; `source` says where the argument `id` (`--flag`, its variable)
    /// came from.
    fn connection(
        c: &ConnectionArgs,
        source: &dyn Fn(&str, &str, &str) -> Source,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Given {
        let val = |v: &Option<String>, id: &str, flag: &str, env_name: &str| {
            nonempty(v).map(|v| Valued::new(v, source(id, flag, env_name)))
        };
        Given {
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
            .map(|v| v.map(Secret::new)),
            access_token: nonempty(&env(env::ACCESS_TOKEN))
                .map(|t| Valued::new(Secret::new(t), Source::env(env::ACCESS_TOKEN))),
            profile: val(&c.profile, "profile", "--profile", env::PROFILE),
            ..Given::default()
        }
    }

    /// The browser's options.
    fn browse(&mut self, b: &BrowseArgs) {
        let flag = Source::flag;
        self.range(b.media, &b.from, &b.to, b.utc, b.local);
        self.mouse = b.mouse.then(|| Valued::new(true, flag("--mouse")));
        self.concurrency = b.concurrency.map(|v| Valued::new(v, flag("--concurrency")));
        self.watch_interval = b
            .watch_interval
            .map(|v| Valued::new(v, flag("--watch-interval")));
        self.clipboard = b.clipboard.map(|v| Valued::new(v, flag("--clipboard")));
    }

    /// What to load: the browser's and export's.
    fn range(
        &mut self,
        media: Option<Media>,
        from: &Option<String>,
        to: &Option<String>,
        utc: bool,
        local: bool,
    ) {
        let flag = Source::flag;
        self.media = media.map(|v| Valued::new(v, flag("--media")));
        self.from = nonempty(from).map(|v| Valued::new(v, flag("--from")));
        self.to = nonempty(to).map(|v| Valued::new(v, flag("--to")));
        self.utc = if utc {
            Some(Valued::new(true, flag("--utc")))
        } else if local {
            Some(Valued::new(false, flag("--local")))
        } else {
            None
        };
    }
}
