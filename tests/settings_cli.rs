//! The real binary with a fake home: gc profiles, the config file, `info`, `config`, completions,
//! the log file. Nothing here reads the machine's own ~/.gc or config directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use convoscope::sim::{Sim, SimConfig};

/// A temporary home with XDG directories inside it.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn config_file(&self) -> PathBuf {
        self.path().join("xdg-config/convoscope/config.toml")
    }

    fn log_file(&self) -> PathBuf {
        self.path().join("xdg-state/convoscope/convoscope.log")
    }

    fn write(&self, path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn gc(&self, text: &str) {
        self.write(&self.path().join(".gc/config.toml"), text);
    }

    fn config(&self, text: &str) {
        self.write(&self.config_file(), text);
    }

    /// The binary with this home and none of the caller's Genesys or convoscope variables.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_convoscope"));
        for (k, _) in std::env::vars() {
            if k.starts_with("GENESYSCLOUD_")
                || k.starts_with("CONVOSCOPE_")
                || k.starts_with("XDG_")
            {
                c.env_remove(k);
            }
        }
        c.env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("xdg-config"))
            .env("XDG_STATE_HOME", self.path().join("xdg-state"))
            .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The line of `info` that starts with `name`.
fn line<'a>(info: &'a str, name: &str) -> &'a str {
    info.lines()
        .find(|l| l.trim_start().starts_with(name))
        .unwrap_or_else(|| panic!("no '{name}' in\n{info}"))
}

const GC: &str = r#"
[default]
environment = "mypurecloud.ie"
client_credentials = "gc-client-id"
client_secret = "gc-very-secret"

[dev]
environment = "usw2.pure.cloud"
client_credentials = "dev-client-id"
client_secret = "dev-very-secret"
"#;

#[test]
fn info_shows_each_value_with_its_source_and_masks_secrets() {
    let h = Home::new();
    h.gc(GC);
    h.config("region = \"eu-central-1\"\ntheme = \"mono\"\nconcurrency = 6\n");
    let out = h
        .cmd(&["info", "--media", "voice"])
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "env-very-secret")
        .env("GENESYSCLOUD_ACCESS_TOKEN", "env-token-value")
        .output()
        .unwrap();
    // `info` takes no --media: flags of other commands are refused.
    assert!(!out.status.success());

    let out = h
        .cmd(&["info"])
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "env-very-secret")
        .env("GENESYSCLOUD_ACCESS_TOKEN", "env-token-value")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let info = stdout(&out);
    for secret in ["env-very-secret", "gc-very-secret", "env-token-value"] {
        assert!(!info.contains(secret), "{secret} shown:\n{info}");
    }
    let gc_file = h.path().join(".gc/config.toml");
    let cfg = h.config_file();
    // The config file's region beats the profile's environment.
    assert!(line(&info, "api url").contains(&format!(
        "https://api.mypurecloud.de  (config file {})",
        cfg.display()
    )));
    assert!(line(&info, "client id").contains(&format!(
        "gc-client-id  (gc profile 'default' in {})",
        gc_file.display()
    )));
    assert!(line(&info, "client secret").contains("<set>  (env GENESYSCLOUD_OAUTHCLIENT_SECRET)"));
    assert!(line(&info, "access token").contains("<set>  (env GENESYSCLOUD_ACCESS_TOKEN)"));
    assert!(line(&info, "theme").contains("mono  (config file"));
    assert!(line(&info, "concurrency").contains("6  (config file"));
    assert!(line(&info, "media").contains("webmessaging  (default)"));
    assert!(line(&info, "config file").contains(&format!("{} (read)", cfg.display())));
    assert!(line(&info, "gc profiles").contains("profiles: default, dev"));
    assert!(line(&info, "log file").contains(&format!("{}  (default)", h.log_file().display())));
}

#[test]
fn flags_beat_env_beats_config_beats_gc_profile() {
    let h = Home::new();
    h.gc(GC);
    let info = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = h.cmd(args);
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let i = info(&["info"], &[]);
    assert!(line(&i, "api url").contains("mypurecloud.ie  (gc profile 'default'"));
    h.config("region = \"eu-west-2\"\nprofile = \"dev\"\n");
    let i = info(&["info"], &[]);
    assert!(line(&i, "api url").contains("euw2.pure.cloud  (config file"));
    assert!(line(&i, "gc profile").contains("dev  (config file"));
    assert!(line(&i, "client id").contains("dev-client-id"));
    let i = info(
        &["info"],
        &[
            ("GENESYSCLOUD_REGION", "ap-south-1"),
            ("GENESYSCLOUD_PROFILE", "DEFAULT"),
        ],
    );
    assert!(line(&i, "api url").contains("aps1.pure.cloud  (env GENESYSCLOUD_REGION)"));
    assert!(line(&i, "gc profile").contains("default  (env GENESYSCLOUD_PROFILE)"));
    assert!(line(&i, "client id").contains("gc-client-id"));
    // Flags after the subcommand count as flags.
    let i = info(
        &["info", "--region", "mypurecloud.jp", "--profile", "dev"],
        &[("GENESYSCLOUD_REGION", "ap-south-1")],
    );
    assert!(line(&i, "api url").contains("mypurecloud.jp  (flag --region)"));
    assert!(line(&i, "gc profile").contains("dev  (flag --profile)"));
}

#[test]
fn an_unknown_profile_lists_the_profiles_there() {
    let h = Home::new();
    h.gc(GC);
    let out = h.run(&["--profile", "prod", "info"]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("unknown gc profile 'prod'"), "{e}");
    assert!(e.contains("the profiles are default, dev"), "{e}");
}

#[test]
fn config_errors_are_reported_at_start_up_with_the_line() {
    let h = Home::new();
    h.config("utc = true\ncolour = \"red\"\n");
    for args in [&["info"][..], &["export", "--demo"], &["--demo"]] {
        let out = h.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let e = stderr(&out);
        assert!(
            e.contains(&format!(
                "config file {}, line 2: unknown key 'colour': accepted keys are region,",
                h.config_file().display()
            )),
            "{e}"
        );
    }
    // Finding the file still works when it is broken.
    let out = h.run(&["config", "--path"]);
    assert!(out.status.success());
    assert_eq!(stdout(&out).trim(), h.config_file().display().to_string());
}

#[test]
fn config_path_follows_convoscope_config_and_the_flag() {
    let h = Home::new();
    let out = h.run(&["config", "--path"]);
    assert_eq!(stdout(&out).trim(), h.config_file().display().to_string());
    let other = h.path().join("elsewhere.toml");
    let out = h
        .cmd(&["config", "--path"])
        .env("CONVOSCOPE_CONFIG", &other)
        .output()
        .unwrap();
    assert_eq!(stdout(&out).trim(), other.display().to_string());
    // An explicit file must exist.
    let out = h
        .cmd(&["info"])
        .env("CONVOSCOPE_CONFIG", &other)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does not exist"));
    h.write(&other, "theme = \"light\"\n");
    let out = h
        .cmd(&["info", "--config", other.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(line(&stdout(&out), "theme").contains("light  (config file"));
    assert!(line(&stdout(&out), "config file").contains("(flag --config)"));
}

#[test]
fn the_printed_default_config_is_read_back_as_the_defaults() {
    let h = Home::new();
    let out = h.run(&["config", "--print-default"]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("# theme = \"dark\""), "{text}");
    h.config(&text);
    let out = h.run(&["info"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let info = stdout(&out);
    assert!(line(&info, "config file").contains("(read)"));
    assert!(line(&info, "theme").contains("dark  (default)"));
}

#[test]
fn completions_name_the_subcommands() {
    let h = Home::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = h.run(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", stderr(&out));
        let s = stdout(&out);
        assert!(
            s.contains("export") && s.contains("sim") && s.contains("profile"),
            "{shell}"
        );
    }
    let out = h.run(&["man"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains(".TH convoscope"));
}

#[test]
fn every_subcommand_has_examples_in_its_help() {
    let h = Home::new();
    for sub in ["browse", "export", "sim", "info", "config", "completions"] {
        let out = h.run(&[sub, "--help"]);
        assert!(out.status.success(), "{sub}");
        assert!(
            stdout(&out).contains("Examples:"),
            "{sub} --help has no examples"
        );
    }
    let out = h.run(&["--help"]);
    let help = stdout(&out);
    for var in [
        "GENESYSCLOUD_REGION",
        "GENESYSCLOUD_OAUTHCLIENT_ID",
        "GENESYSCLOUD_OAUTHCLIENT_SECRET",
        "GENESYSCLOUD_PROFILE",
        "CONVOSCOPE_CONFIG",
        "CONVOSCOPE_LOG",
    ] {
        assert!(help.contains(var), "--help does not name {var}");
    }
    let out = h.run(&["--version"]);
    assert!(stdout(&out).starts_with("convoscope "));
}

/// A `gc` user with only a profile file gets connected. The simulator is not a region, so its URL
/// comes from GENESYSCLOUD_API_URL; the profile gives the client id and secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gc_user_with_only_a_profile_exports() {
    let sim = Sim::start(SimConfig {
        addr: "127.0.0.1:0".into(),
        conversations: 400,
        days: 1,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let h = Home::new();
    h.gc("[default]\nenvironment = \"mypurecloud.ie\"\nclient_credentials = \"demo\"\nclient_secret = \"demo\"\n");
    let mut cmd = h.cmd(&["export", "--from", "-1h", "--to", "now"]);
    cmd.env("GENESYSCLOUD_API_URL", sim.url());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // The log went to the state directory, 0600, with the API calls and no secret.
    let log = std::fs::read_to_string(h.log_file()).unwrap();
    assert!(log.contains("api call"), "{log}");
    assert!(
        log.contains("/api/v2/analytics/conversations/details/query"),
        "{log}"
    );
    assert!(log.contains("correlation_id"), "{log}");
    assert!(
        !log.contains("client_secret") && !log.contains("ZGVtbzpkZW1v"),
        "{log}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(h.log_file())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The config file's defaults apply to export: media and range.
    h.config("media = \"voice\"\nfrom = \"-12h\"\nconcurrency = 2\n");
    let mut cmd = h.cmd(&["export"]);
    cmd.env("GENESYSCLOUD_API_URL", sim.url());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        !lines.is_empty(),
        "no voice conversations in the last 12 hours"
    );
    let twelve_hours_ago = chrono::Utc::now() - chrono::Duration::hours(12);
    for c in &lines {
        let media: Vec<&str> = c["participants"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["sessions"].as_array().into_iter().flatten())
            .filter_map(|s| s["mediaType"].as_str())
            .collect();
        assert!(media.contains(&"voice"), "{media:?}");
        let start: chrono::DateTime<chrono::Utc> =
            c["conversationStart"].as_str().unwrap().parse().unwrap();
        assert!(start >= twelve_hours_ago - chrono::Duration::minutes(1));
    }
    // A wrong secret in the profile is an authentication failure (exit 3), not a silent success.
    let h = Home::new();
    h.gc("[default]\nclient_credentials = \"demo\"\nclient_secret = \"wrong\"\n");
    let mut cmd = h.cmd(&["export", "--from", "-1h", "--to", "now"]);
    cmd.env("GENESYSCLOUD_API_URL", sim.url());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    sim.stop().await;
}

#[test]
fn log_level_and_file_flags_are_checked() {
    let h = Home::new();
    let out = h.run(&["--log-level", "verbose", "info"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid log level 'verbose'"));
    let log = h.path().join("my.log");
    let out = h
        .cmd(&["info"])
        .env("CONVOSCOPE_LOG", "debug")
        .env("CONVOSCOPE_LOG_FILE", &log)
        .output()
        .unwrap();
    let info = stdout(&out);
    assert!(line(&info, "log level").contains("debug  (env CONVOSCOPE_LOG)"));
    assert!(
        line(&info, "log file").contains(&format!("{}  (env CONVOSCOPE_LOG_FILE)", log.display()))
    );
}

#[test]
fn every_problem_of_the_config_file_is_reported_at_once() {
    let h = Home::new();
    h.config(
        "colour = \"red\"\nutc = \"yes\"\nconcurrency = 40\nwatch_interval = [1,\ntheme = \"pink\"\n\
         [keys]\nrefetch = \"x\"\nexport = \"x\"\nfly_away = \"f\"\n",
    );
    for args in [&["info"][..], &["export", "--demo"], &["--demo"], &["sim"]] {
        let out = h.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let e = stderr(&out);
        let lines: Vec<&str> = e.lines().collect();
        let at = |n: usize| format!("config file {}, line {n}: ", h.config_file().display());
        assert_eq!(lines.len(), 7, "{e}");
        assert_eq!(
            lines[0],
            format!(
                "convoscope: {}unknown key 'colour': accepted keys are region, profile, media, from, to, utc, watch_interval, concurrency, columns, clipboard, mouse, theme, log_level, log_file, keys",
                at(1)
            )
        );
        assert!(
            lines[1].starts_with(&(at(2) + "utc: invalid type: string \"yes\"")),
            "{e}"
        );
        assert_eq!(
            lines[2],
            at(3) + "concurrency: 40 is out of range: give 1 to 16"
        );
        assert_eq!(
            lines[3],
            at(4) + "watch_interval: unclosed array, expected `]`"
        );
        assert_eq!(
            lines[4],
            at(5) + "theme: unknown theme 'pink': use one of dark, light, mono"
        );
        assert_eq!(
            lines[5],
            at(8)
                + "keys: x is bound to both refetch (line 7) and export (line 8), which both work in the list and the detail pane: give one of them another key"
        );
        assert!(
            lines[6].starts_with(
                &(at(9) + "keys: unknown action 'fly_away': accepted actions are quit, ")
            ),
            "{e}"
        );
    }
}

#[test]
fn the_default_file_lists_the_actions_for_keys() {
    let h = Home::new();
    let out = h.run(&["config", "--print-default"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let listed: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("# The actions"))
        .skip(1)
        .take_while(|l| l.starts_with("#   "))
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    for action in [
        "quit",
        "refetch",
        "toggle_mouse",
        "copy_key_value",
        "api_log",
        "watch",
    ] {
        assert!(listed.contains(&action), "{action} not in {listed:?}");
    }
    let refetch = text
        .lines()
        .find(|l| l.starts_with("#   refetch "))
        .unwrap();
    assert!(
        refetch.contains(" r ") && refetch.contains("Refetch"),
        "{refetch}"
    );
    // Every name listed is accepted in [keys] (each given a key of its own).
    let mut keys = String::from("[keys]\n");
    for (i, name) in listed.iter().enumerate() {
        let key = match i {
            0..24 => format!("alt-F{}", i + 1),
            _ => format!("alt-{}", (b'a' + (i - 24) as u8) as char),
        };
        keys.push_str(&format!("{name} = \"{key}\"\n"));
    }
    h.config(&keys);
    let out = h.run(&["info"]);
    assert!(out.status.success(), "{}\n{keys}", stderr(&out));
    assert!(line(&stdout(&out), "keys.api_log").contains("(config file"));
}

const BROKEN_GC: &str = "[default]\nenvironment = \"mypurecloud.ie\nclient_credentials = \"id\"\n";

#[test]
fn a_broken_gc_file_warns_a_run_that_needs_no_profile() {
    let h = Home::new();
    h.gc(BROKEN_GC);
    let gc_file = h.path().join(".gc/config.toml");
    let out = h
        .cmd(&["info"])
        .env("GENESYSCLOUD_REGION", "eu-west-1")
        .env("GENESYSCLOUD_OAUTHCLIENT_ID", "id")
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "secret")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "convoscope: warning: gc profile file {}, line 2: environment: invalid basic string, \
             expected `\"` (ignored: this run needs no gc profile)\n",
            gc_file.display()
        )
    );
    let info = stdout(&out);
    assert!(
        line(&info, "gc profiles").contains("cannot be read: ignored"),
        "{info}"
    );
    assert!(line(&info, "api url").contains("mypurecloud.ie  (env GENESYSCLOUD_REGION)"));
    // The demo needs no profile either.
    let out = h.run(&["export", "--demo", "--from", "-1h", "--to", "now"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("(ignored: this run needs no gc profile)"));
    // A directory in its place, the same.
    let h = Home::new();
    std::fs::create_dir_all(h.path().join(".gc/config.toml")).unwrap();
    let out = h.run(&["export", "--demo", "--from", "-1h", "--to", "now"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("it is a directory, not a file (ignored"));
}

#[test]
fn a_broken_gc_file_stops_a_run_that_needs_its_profile() {
    let h = Home::new();
    h.gc(BROKEN_GC);
    let out = h.run(&["export", "--from", "-1h", "--to", "now"]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("line 2: environment: invalid basic string"),
        "{e}"
    );
    assert!(e.contains("its profile 'DEFAULT' is needed"), "{e}");
    let out = h
        .cmd(&["info", "--profile", "dev"])
        .env("GENESYSCLOUD_REGION", "eu-west-1")
        .env("GENESYSCLOUD_ACCESS_TOKEN", "t")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("the gc profile 'dev' is asked for (flag --profile)"),
        "{}",
        stderr(&out)
    );
    // Bytes that are not UTF-8: the line says where.
    std::fs::write(h.path().join(".gc/config.toml"), b"[default]\n\xff = 1\n").unwrap();
    let out = h.run(&["info"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("line 2: not UTF-8 text"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_profile_without_a_secret_names_the_profile_and_the_key() {
    let h = Home::new();
    h.gc("[dev]\nenvironment = \"mypurecloud.ie\"\nclient_credentials = \"dev-id\"\n");
    // Nothing is connected to: the credentials are checked first.
    let out = h
        .cmd(&["export", "--profile", "dev", "--from", "-1h", "--to", "now"])
        .env("GENESYSCLOUD_API_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!(
            "convoscope: gc profile 'dev' in {} has client_credentials (the client id) but no \
             client_secret: add client_secret to it, or give GENESYSCLOUD_OAUTHCLIENT_SECRET\n",
            h.path().join(".gc/config.toml").display()
        )
    );
}
