//! The command line: connection options shared by every subcommand, and the subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::export::{AttributeSource, Format, Plan};
use crate::genesys::Secret;
use crate::genesys::query::Media;

#[derive(Debug, Parser)]
#[command(
    name = "convoscope",
    version,
    about = "Browse Genesys Cloud conversations and their participants' custom attributes",
    long_about = "Browse Genesys Cloud conversations and their participants' custom attributes.\n\n\
        With no subcommand, opens the browser. Try it with no account: convoscope --demo",
    after_help = "Examples:\n  convoscope --demo\n  convoscope --profile dev                 (a profile of the gc CLI, ~/.gc/config.toml)\n  convoscope --region mypurecloud.ie --client-id ID   (secret in GENESYSCLOUD_OAUTHCLIENT_SECRET)\n  convoscope export --demo --from -24h --to now --attributes | jq .\n  convoscope info                          (what is in effect, and where it came from)\n  convoscope sim --seed 1 --conversations 5000\n\n\
        Precedence: flags, then environment variables, then the config file (convoscope config --path),\n\
        then the gc profile, then the defaults. GENESYSCLOUD_ACCESS_TOKEN (an existing token) works\n\
        instead of a client id and secret."
)]
pub struct Cli {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub browse: BrowseArgs,
    /// Read the configuration from FILE instead of the platform's config directory.
    #[arg(long, global = true, env = "CONVOSCOPE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write the log (API calls with status, latency and correlation id; never a secret) to FILE
    /// instead of convoscope.log in the platform's state directory (see convoscope info).
    #[arg(long, global = true, env = "CONVOSCOPE_LOG_FILE", value_name = "FILE")]
    pub log_file: Option<PathBuf>,
    /// Log level: error, warn, info, debug, trace, or a filter such as warn,convoscope=debug
    /// [default: warn,convoscope=info].
    #[arg(long, global = true, env = "CONVOSCOPE_LOG", value_name = "LEVEL")]
    pub log_level: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the browser (the default).
    #[command(
        after_help = "Examples:\n  convoscope browse --demo\n  convoscope browse --profile prod --media voice --from today --utc"
    )]
    Browse(BrowseArgs),
    /// Write the conversations of a range as NDJSON or CSV, for scripts and jq.
    #[command(
        after_help = "Examples:\n  convoscope export --demo --from -24h --to now --attributes | jq -c '.participants[] | {purpose, attributes}'\n  convoscope export --region mypurecloud.ie --from 2026-11-01 --to 2026-11-08 --media voice --format csv -o week.csv"
    )]
    Export(ExportArgs),
    /// Run the local Genesys Cloud API simulator.
    #[command(
        after_help = "Examples:\n  convoscope sim --seed 1 --conversations 5000\n  convoscope sim --addr 127.0.0.1:0 --faults 429=0.1,500=0.05,reset=0.02 --rate-limit 300\n  convoscope export --api-url http://127.0.0.1:8642 --client-id demo --client-secret demo --from -7d --to now"
    )]
    Sim(crate::sim::SimArgs),
    /// Show the settings in effect and where each came from (secrets masked), and the files used.
    #[command(
        after_help = "Examples:\n  convoscope info\n  convoscope info --profile dev\n  GENESYSCLOUD_REGION=eu-west-1 convoscope info"
    )]
    Info,
    /// Where the config file is read from, or a commented default one.
    #[command(
        after_help = "Examples:\n  convoscope config --path\n  mkdir -p \"$(dirname \"$(convoscope config --path)\")\" && convoscope config --print-default > \"$(convoscope config --path)\""
    )]
    Config(ConfigArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  convoscope completions bash > ~/.local/share/bash-completion/completions/convoscope\n  convoscope completions zsh > \"${fpath[1]}/_convoscope\"\n  convoscope completions fish > ~/.config/fish/completions/convoscope.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) generated from these definitions.
    #[command(
        hide = true,
        after_help = "Examples:\n  convoscope man > convoscope.1 && man ./convoscope.1"
    )]
    Man,
}

/// The connection flags `convoscope sim` hides: the simulator is not a client of anything.
const NOT_FOR_SIM: &[&str] = &["region", "profile", "api_url", "login_url", "demo"];

/// The command line as the program parses it: [`Cli`], with the help of `convoscope sim` cleaned
/// of the global connection flags that mean nothing to the simulator (still accepted, so that a
/// shared environment or alias does not break it), and `--client-id`/`--client-secret` described
/// as what they are there: the credentials it accepts, from its command line only.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    let cmd = Cli::command();
    // clap copies a global flag into a subcommand when it is built, unless the subcommand has
    // one of that id already: give `sim` its own copies, as they should read there.
    let own: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter_map(|a| {
            let id = a.get_id().as_str();
            let a = a.clone();
            Some(match id {
                _ if NOT_FOR_SIM.contains(&id) => a.hide(true),
                "client_id" => a
                    .help("The OAuth client id it accepts [default: demo]")
                    .hide_env(true)
                    .display_order(100),
                "client_secret" => a
                    .help("The OAuth client secret it accepts [default: demo]")
                    .hide_env(true)
                    .display_order(101),
                _ => return None,
            })
        })
        .collect();
    cmd.mut_subcommand("sim", |sim| sim.args(own))
}

#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct ConfigArgs {
    /// Print the path of the config file (--config / CONVOSCOPE_CONFIG, or the platform's config directory).
    #[arg(long)]
    pub path: bool,
    /// Print a config file with every key commented out at its default value.
    #[arg(long)]
    pub print_default: bool,
}

/// How to reach Genesys Cloud (or the simulator).
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Region: a host name (mypurecloud.ie, usw2.pure.cloud, ...) or an AWS-style id (eu-west-1, ...).
    #[arg(
        long,
        env = "GENESYSCLOUD_REGION",
        global = true,
        value_name = "REGION"
    )]
    pub region: Option<String>,
    /// OAuth client id (client credentials grant).
    #[arg(
        long,
        env = "GENESYSCLOUD_OAUTHCLIENT_ID",
        global = true,
        value_name = "ID"
    )]
    pub client_id: Option<String>,
    /// OAuth client secret. Prefer the environment variable: command lines are visible to others.
    #[arg(
        long,
        env = "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        hide_env_values = true,
        value_parser = |s: &str| Ok::<_, String>(Secret::new(s)),
        global = true,
        value_name = "SECRET"
    )]
    pub client_secret: Option<Secret>,
    /// A profile of the gc CLI's ~/.gc/config.toml (region, client id and secret) [default: DEFAULT,
    /// when the file has it].
    #[arg(long, env = "GENESYSCLOUD_PROFILE", global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// API base URL, overriding the region (proxies, the simulator).
    #[arg(long, env = "GENESYSCLOUD_API_URL", global = true, value_name = "URL")]
    pub api_url: Option<String>,
    /// Login base URL; by default the API URL with `api.` turned into `login.`.
    #[arg(long, global = true, value_name = "URL")]
    pub login_url: Option<String>,
    /// Start the simulator inside the program and connect to it: no account needed.
    #[arg(long, global = true)]
    pub demo: bool,
}

impl ConnectionArgs {
    /// The secret never shows in Debug output.
    pub fn redacted(&self) -> String {
        format!(
            "region={:?} profile={:?} client_id={:?} client_secret={} api_url={:?} login_url={:?} demo={}",
            self.region,
            self.profile,
            self.client_id,
            if self.client_secret.is_some() {
                "<redacted>"
            } else {
                "none"
            },
            self.api_url,
            self.login_url,
            self.demo
        )
    }
}

#[derive(Debug, Clone, Args)]
pub struct BrowseArgs {
    /// Start of the range (RFC 3339, YYYY-MM-DD, YYYY-MM-DD HH:MM, now, today, yesterday, -2h, -7d).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub from: Option<String>,
    /// End of the range (same forms as --from; a day is through its end: --from D --to D is
    /// day D).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub to: Option<String>,
    /// Media: webmessaging, message, voice, chat, email, callback, any.
    #[arg(long, value_name = "MEDIA")]
    pub media: Option<Media>,
    /// Server-side search: queue:NAME agent:NAME wrapup:NAME dir:inbound|outbound
    /// ani:NUMBER address:ADDRESS customer:NAME live; "quotes" for spaces; terms AND, the same
    /// field twice OR (e.g. 'queue:"Support - Tier 1" dir:inbound').
    #[arg(long, value_name = "QUERY", allow_hyphen_values = true)]
    pub query: Option<String>,
    /// The live queue view: the conversations going on in the queues of QUERY (at least one
    /// queue:NAME; other terms narrow the first page only), kept current by push
    /// (e.g. --live 'queue:"Support - Tier 1" queue:Sales'). Every media.
    #[arg(long, value_name = "QUERY", allow_hyphen_values = true, conflicts_with_all = ["query", "media", "from", "to"])]
    pub live: Option<String>,
    /// Show and read every time in UTC instead of the local zone.
    #[arg(long)]
    pub utc: bool,
    /// Show and read times in the local zone (overrides `utc = true` in the config file).
    #[arg(long, conflicts_with = "utc")]
    pub local: bool,
    /// Capture the mouse (wheel and click); stops the terminal's own text selection. Toggle with m.
    #[arg(long)]
    pub mouse: bool,
    /// Seconds between refetches of a watched conversation (w), 1 to 86400; the list refreshes
    /// (F) every five times that, at least 5 s [default: 2, or `watch_interval` of the config
    /// file].
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub watch_interval: Option<u64>,
    /// How y copies: osc52 (the terminal's clipboard, over SSH too) or off (show the value to
    /// select by hand) [default: osc52, or `clipboard` of the config file].
    #[arg(long, value_name = "MODE", value_parser = parse_clipboard)]
    pub clipboard: Option<crate::config::Clipboard>,
    /// Requests in flight at once (list pages, attributes for an attr: filter), 1 to 16
    /// [default: 4, or `concurrency` of the config file].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub concurrency: Option<u16>,
}

fn parse_clipboard(s: &str) -> Result<crate::config::Clipboard, String> {
    s.parse()
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Start of the range (RFC 3339, YYYY-MM-DD, YYYY-MM-DD HH:MM, now, today, yesterday, -2h, -7d)
    /// [default: -24h, or `from` of the config file].
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub from: Option<String>,
    /// End of the range (same forms as --from; a day is through its end: --from D --to D is
    /// day D) [default: now, or `to` of the config file].
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub to: Option<String>,
    /// Media: webmessaging, message, voice, chat, email, callback, any [default: any, or `media`
    /// of the config file].
    #[arg(long, value_name = "MEDIA")]
    pub media: Option<Media>,
    /// Server-side search: queue:NAME agent:NAME wrapup:NAME dir:inbound|outbound
    /// ani:NUMBER address:ADDRESS customer:NAME live; "quotes" for spaces; terms AND, the same
    /// field twice OR (e.g. 'queue:"Support - Tier 1" dir:inbound').
    #[arg(long, value_name = "QUERY", allow_hyphen_values = true)]
    pub query: Option<String>,
    /// Output format: ndjson (every field), csv (one row per conversation: queue, wrap-up,
    /// agents, customer by name), csv-attributes (one row per participant attribute; reads the
    /// attributes, as --attributes does).
    #[arg(long, value_enum, default_value_t = Format::Ndjson)]
    pub format: Format,
    /// Include each participant's attributes.
    #[arg(long)]
    pub attributes: bool,
    /// With --format csv: a column for this attribute key (repeatable; reads attributes, as
    /// --attributes does).
    #[arg(long = "attr", value_name = "KEY")]
    pub attrs: Vec<String>,
    /// Start CSV output with a UTF-8 byte-order mark, so that Excel reads names right.
    #[arg(long)]
    pub bom: bool,
    /// Where the conversations come from: the analytics data lake (one async job; it holds
    /// conversations that ended a few hours ago or more) and the details query (the newer ones,
    /// and those still going on).
    #[arg(long, value_enum, default_value_t = Plan::Auto)]
    pub plan: Plan,
    /// With the details query (--plan query, and the part the lake does not hold): attributes
    /// from one async details job over the range (falls back to GET conversation when refused),
    /// or from GET conversation for each conversation (then every conversation comes from the
    /// details query: --plan query).
    #[arg(long, value_enum, default_value_t = AttributeSource::Jobs)]
    pub attributes_from: AttributeSource,
    /// Read times without an offset as UTC instead of local time.
    #[arg(long)]
    pub utc: bool,
    /// Read times without an offset as local time (overrides `utc = true` in the config file).
    #[arg(long, conflicts_with = "utc")]
    pub local: bool,
    /// Requests in flight at once: query pages after the first, and GET conversation with
    /// --attributes. Lowered automatically while the API answers 429. 1 to 16 [default: 4, or
    /// `concurrency` of the config file].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub concurrency: Option<u16>,
    /// Output file (default: standard output).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Say on stderr what was exported, where it came from and what it cost, also when stderr is
    /// not a terminal (a cron job's log); on a terminal it is always said.
    #[arg(long)]
    pub summary: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches, Parser};

    #[test]
    fn the_definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn sim_help_hides_the_connection_flags_it_has_no_use_for() {
        let mut cmd = command();
        cmd.build();
        let sim = cmd.find_subcommand_mut("sim").unwrap().render_long_help();
        // The options, not the examples (one runs export against it).
        let sim = sim
            .to_string()
            .split("Examples:")
            .next()
            .unwrap()
            .to_string();
        for flag in [
            "--region",
            "--profile",
            "--api-url",
            "--login-url",
            "--demo",
        ] {
            assert!(!sim.contains(flag), "sim --help shows {flag}:\n{sim}");
        }
        for flag in [
            "--client-id",
            "--client-secret",
            "--seed",
            "--addr",
            "--log-file",
        ] {
            assert!(sim.contains(flag), "sim --help lacks {flag}:\n{sim}");
        }
        assert!(sim.contains("client secret it accepts"), "{sim}");
        assert!(!sim.contains("GENESYSCLOUD_OAUTHCLIENT"), "{sim}");
        // Elsewhere they stay.
        for sub in ["export", "browse"] {
            let help = cmd
                .find_subcommand_mut(sub)
                .unwrap()
                .render_long_help()
                .to_string();
            for flag in ["--region", "--profile", "--api-url", "--demo"] {
                assert!(help.contains(flag), "{sub} --help lacks {flag}");
            }
        }
        let top = cmd.render_long_help().to_string();
        assert!(top.contains("--region") && top.contains("--demo"));
    }

    #[test]
    fn sim_still_accepts_the_hidden_flags() {
        let m = command()
            .try_get_matches_from(["convoscope", "sim", "--region", "eu-west-1", "--seed", "3"])
            .unwrap();
        let cli = Cli::from_arg_matches(&m).unwrap();
        assert!(matches!(cli.command, Some(Command::Sim(ref a)) if a.seed == 3));
    }

    #[test]
    fn the_secret_flag_never_shows_in_debug() {
        let cli = Cli::parse_from(["convoscope", "export", "--client-secret", "hunter2-xyz"]);
        assert_eq!(
            cli.connection.client_secret.as_ref().map(Secret::expose),
            Some("hunter2-xyz")
        );
        assert!(!format!("{cli:?}").contains("hunter2"));
    }

    #[test]
    fn times_may_start_with_a_minus() {
        let cli = Cli::parse_from(["convoscope", "export", "--from", "-1h", "--to", "-5m"]);
        let Some(Command::Export(e)) = cli.command else {
            panic!("not export")
        };
        assert_eq!(
            (e.from.as_deref(), e.to.as_deref()),
            (Some("-1h"), Some("-5m"))
        );
        let cli = Cli::parse_from(["convoscope", "--from", "-2d"]);
        assert_eq!(cli.browse.from.as_deref(), Some("-2d"));
    }
}
