//! convoscope: parse the command line, set up logging, dispatch to browse, export or sim.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use convoscope::cli::{BrowseArgs, Cli, Command, ExportArgs};
use convoscope::connect::{Connection, connect};
use convoscope::export::{self, ExportOptions, Progress};
use convoscope::genesys::Error;
use convoscope::genesys::query::Interval;
use convoscope::timespec::{self, Zone};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(path) = &cli.log_file
        && let Err(e) = init_logging(path)
    {
        eprintln!(
            "convoscope: cannot write the log file {}: {e}",
            path.display()
        );
        return ExitCode::from(2);
    }
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
    let code = rt.block_on(dispatch(cli));
    // Background tasks (the demo simulator, fetches) must not hold the exit.
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    ExitCode::from(code)
}

/// Logs go to a file only: the screen owns the terminal.
fn init_logging(path: &std::path::Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let file = opts.open(path)?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONVOSCOPE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,convoscope=debug"));
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .init();
    Ok(())
}

async fn dispatch(cli: Cli) -> u8 {
    match cli.command {
        Some(Command::Sim(args)) => match convoscope::sim::run(args).await {
            Ok(()) => 0,
            Err(e) => fail(&e, 2),
        },
        Some(Command::Export(args)) => export_cmd(&cli.connection, args).await,
        Some(Command::Browse(args)) => browse_cmd(&cli.connection, args).await,
        None => browse_cmd(&cli.connection, cli.browse).await,
    }
}

fn fail(msg: &dyn std::fmt::Display, code: u8) -> u8 {
    eprintln!("convoscope: {msg}");
    code
}

async fn browse_cmd(conn: &convoscope::cli::ConnectionArgs, args: BrowseArgs) -> u8 {
    let Connection { client, label, sim } = match connect(conn).await {
        Ok(c) => c,
        Err(e) => return fail(&e, e.exit_code() as u8),
    };
    // Until the screen lands, the demo shows what it would browse: the last day, as NDJSON.
    let _ = args;
    let mut w = export::NdjsonWriter::new(std::io::stdout().lock());
    let now = chrono::Utc::now();
    let opts = ExportOptions::new(
        Interval::new(now - chrono::Duration::days(1), now),
        convoscope::genesys::query::Media::Any,
    );
    let outcome = export::run(client, &opts, &mut w, &|_| {}).await;
    eprintln!("{label}: {} conversations", outcome.written);
    let result: Result<(), String> = outcome.error.map_or(Ok(()), |e| Err(e.to_string()));
    if let Some(sim) = sim {
        sim.stop().await;
    }
    match result {
        Ok(()) => 0,
        Err(e) => fail(&e, 1),
    }
}

async fn export_cmd(conn: &convoscope::cli::ConnectionArgs, args: ExportArgs) -> u8 {
    let zone = if args.utc { Zone::Utc } else { Zone::Local };
    let now = chrono::Utc::now();
    let parse =
        |what: &str, s: &str| timespec::parse(s, zone, now).map_err(|e| format!("--{what}: {e}"));
    let interval = match (parse("from", &args.from), parse("to", &args.to)) {
        (Ok(a), Ok(b)) if a < b => Interval::new(a, b),
        (Ok(_), Ok(_)) => return fail(&"--from must be before --to", 2),
        (Err(e), _) | (_, Err(e)) => return fail(&e, 2),
    };
    let Connection { client, sim, .. } = match connect(conn).await {
        Ok(c) => c,
        Err(e) => return fail(&e, e.exit_code() as u8),
    };
    let mut opts = ExportOptions::new(interval, args.media);
    opts.format = args.format;
    opts.attributes = args.attributes;
    opts.attributes_from = args.attributes_from;
    opts.concurrency = args.concurrency as usize;

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
