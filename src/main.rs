//! convoscope: parse the command line, set up logging, dispatch to browse, export or sim.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::FromArgMatches;

use convoscope::cli::{Cli, Command, ExportArgs};
use convoscope::connect::{Connection, connect_with};
use convoscope::export::{self, ExportOptions, Progress};
use convoscope::genesys::Error;
use convoscope::settings::{self, Given, Paths, Settings, Source};

fn main() -> ExitCode {
    let matches = convoscope::cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    // What needs no settings, and must work even when the config file is broken.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                *shell,
                &mut convoscope::cli::command(),
                "convoscope",
                &mut std::io::stdout(),
            );
            return ExitCode::SUCCESS;
        }
        Some(Command::Man) => {
            let man = clap_mangen::Man::new(convoscope::cli::command());
            return match man.render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => ExitCode::from(fail(&format!("cannot write the man page: {e}"), 1)),
            };
        }
        _ => {}
    }
    let env = |k: &str| std::env::var(k).ok();
    let given = Given::from_cli(&cli, &matches, &env);
    // `convoscope sim` accepts the `--client-id`/`--client-secret` typed on its command line (not
    // those of the environment or a profile, which name a real org's client).
    let sim_credentials = (
        cli.connection
            .client_id
            .clone()
            .filter(|_| convoscope::settings::on_command_line(&matches, "client_id")),
        cli.connection
            .client_secret
            .as_ref()
            .map(|s| s.expose().to_string())
            .filter(|_| convoscope::settings::on_command_line(&matches, "client_secret")),
    );
    let paths = Paths::system();
    if let Some(Command::Config(args)) = &cli.command {
        if args.print_default {
            print!("{}", convoscope::settings::default_file());
        } else {
            match settings::config_path(&given, &paths) {
                Some(p) => println!("{}", p.value.display()),
                None => {
                    return ExitCode::from(fail(
                        &"this platform has no config directory: give --config FILE",
                        2,
                    ));
                }
            }
        }
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::resolve(given, &paths) {
        Ok(s) => s,
        Err(e) => return ExitCode::from(fail(&e, 2)),
    };
    for w in &settings.warnings {
        eprintln!("convoscope: {w}");
    }
    if let Some(Command::Info) = &cli.command {
        print!("{}", settings.info());
        return ExitCode::SUCCESS;
    }
    if let Some(log) = &settings.log_file
        && let Err(e) = init_logging(&log.value, &settings.log_level.value)
    {
        let msg = format!("cannot write the log file {}: {e}", log.value.display());
        if log.source != Source::Default {
            return ExitCode::from(fail(&msg, 2));
        }
        // The default place failing must not stop the program; say so once.
        eprintln!("convoscope: {msg} (going on without a log; give --log-file FILE)");
    }
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        command = command_name(&cli.command),
        "start"
    );
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("convoscope: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = rt.block_on(dispatch(cli, settings, sim_credentials));
    // Background tasks (the demo simulator, fetches) must not hold the exit.
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    tracing::info!(code, "exit");
    ExitCode::from(code)
}

fn command_name(c: &Option<Command>) -> &'static str {
    match c {
        None | Some(Command::Browse(_)) => "browse",
        Some(Command::Export(_)) => "export",
        Some(Command::Sim(_)) => "sim",
        Some(Command::Info) => "info",
        Some(Command::Config(_)) => "config",
        Some(Command::Completions { .. }) => "completions",
        Some(Command::Man) => "man",
    }
}

/// A log larger than this is moved to `convoscope.log.1` at start-up (one old log is kept).
const LOG_ROTATE_BYTES: u64 = 16 * 1024 * 1024;

/// Logs go to a file only: the screen owns the terminal. The file is created 0600 (its directory
/// 0700): it holds ids and URLs, never a secret.
fn init_logging(path: &std::path::Path, level: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir)?;
    }
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > LOG_ROTATE_BYTES) {
        let mut old = path.as_os_str().to_owned();
        old.push(".1");
        let _ = std::fs::rename(path, old);
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let file = opts.open(path)?;
    // Checked when the settings were resolved.
    let filter = tracing_subscriber::EnvFilter::try_new(level).unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(convoscope::config::defaults::LOG_LEVEL)
    });
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Ok(())
}

async fn dispatch(
    cli: Cli,
    settings: Settings,
    sim_credentials: (Option<String>, Option<String>),
) -> u8 {
    match cli.command {
        Some(Command::Sim(args)) => match convoscope::sim::run(args, sim_credentials).await {
            Ok(()) => 0,
            Err(e) => fail(&e, 2),
        },
        Some(Command::Export(args)) => export_cmd(&settings, args).await,
        Some(Command::Browse(_)) | None => browse_cmd(&settings).await,
        // Handled before the runtime starts.
        Some(Command::Info | Command::Config(_) | Command::Completions { .. } | Command::Man) => 0,
    }
}

fn fail(msg: &dyn std::fmt::Display, code: u8) -> u8 {
    eprintln!("convoscope: {msg}");
    code
}

async fn browse_cmd(settings: &Settings) -> u8 {
    if let Err(e) = settings.check_key_actions(convoscope::tui::keymap::ACTION_NAMES) {
        return fail(&e, 2);
    }
    // Rather than "No such device or address (os error 6)" from the terminal set-up.
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return fail(
            &"the browser needs a terminal; for scripts use `convoscope export`",
            2,
        );
    }
    let Connection { client, label, sim } = match connect_with(&settings.connection).await {
        Ok(c) => c,
        Err(e) => return fail(&e, e.exit_code() as u8),
    };
    let (from, to) = settings.range();
    let opts = convoscope::tui::BrowseOptions {
        from: Some(from.to_string()),
        to: Some(to.to_string()),
        media: Some(settings.media()),
        utc: settings.utc(),
        mouse: settings.mouse(),
        connection: label,
        auto_submit: false,
        keys: settings.keys().clone(),
        theme: Some(settings.theme()),
        watch_interval: Some(settings.watch_interval()),
        clipboard: settings.clipboard(),
        concurrency: Some(settings.concurrency()),
    };
    let result = convoscope::tui::run(client, opts).await;
    if let Some(sim) = sim {
        sim.stop().await;
    }
    match result {
        Ok(()) => 0,
        Err(e) => fail(&e, 1),
    }
}

async fn export_cmd(settings: &Settings, args: ExportArgs) -> u8 {
    let interval = match settings.interval(chrono::Utc::now()) {
        Ok(i) => i,
        Err(e) => return fail(&e, 2),
    };
    let Connection { client, sim, .. } = match connect_with(&settings.connection).await {
        Ok(c) => c,
        Err(e) => return fail(&e, e.exit_code() as u8),
    };
    let mut opts = ExportOptions::new(interval, settings.export_media());
    opts.format = args.format;
    opts.attributes = args.attributes;
    opts.attributes_from = args.attributes_from;
    opts.concurrency = settings.concurrency();

    let sink: Box<dyn Write> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => return fail(&format!("cannot create {}: {e}", path.display()), 2),
        },
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let mut writer = match export::writer_for(args.format, sink) {
        Ok(w) => w,
        Err(e) => return fail(&format!("cannot write the output: {e}"), 4),
    };
    let tty = std::io::stderr().is_terminal();
    let progress = move |p: Progress| match p {
        Progress::Written { written, total } if tty => {
            eprint!("\r\x1b[2Kexported {written} of {total} conversations");
        }
        Progress::Waiting { seconds, reason } if tty => {
            eprint!("\r\x1b[2K{reason}, retrying in {seconds} s");
        }
        Progress::Job { state } if tty => {
            eprint!("\r\x1b[2Kattributes: async details job {state}");
        }
        Progress::Note(n) => eprintln!("{}convoscope: {n}", if tty { "\r\x1b[2K" } else { "" }),
        _ => {}
    };
    let outcome = export::run(client, &opts, writer.as_mut(), &progress).await;
    drop(writer);
    if tty {
        eprint!("\r\x1b[2K");
    }
    if let Some(sim) = sim {
        sim.stop().await;
    }
    match outcome.error {
        None => {
            if tty {
                eprintln!("exported {} conversations", outcome.written);
            }
            0
        }
        Some(e) => {
            let code = export_exit_code(&e);
            fail(
                &format!(
                    "{e}\nthe output holds the {} conversations written before the failure",
                    outcome.written
                ),
                code,
            )
        }
    }
}

fn export_exit_code(e: &Error) -> u8 {
    match e {
        Error::Config(_) => 4,
        e => e.exit_code() as u8,
    }
}
