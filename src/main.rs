//! convoscope: parse the command line, set up logging, dispatch to browse, export or sim.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::FromArgMatches;

use convoscope::cli::{Cli, Command, ExportArgs};
use convoscope::connect::{Connection, connect_unchecked, connect_with};
use convoscope::export::{self, Delivered, ExportOptions, Format, Progress};
use convoscope::genesys::Error;
use convoscope::human::count;
use convoscope::output::{self, Output};
use convoscope::settings::{self, Given, Paths, Settings, Source};
use convoscope::tui::sanitize::sanitize;

fn main() -> ExitCode {
    let matches = convoscope::cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    // What needs no settings, and must work even when the config file is broken.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            let mut text = Vec::new();
            clap_complete::generate(
                *shell,
                &mut convoscope::cli::command(),
                "convoscope",
                &mut text,
            );
            return ExitCode::from(print_out(&text));
        }
        Some(Command::Man) => {
            let man = clap_mangen::Man::new(convoscope::cli::command());
            let mut text = Vec::new();
            return ExitCode::from(match man.render(&mut text) {
                Ok(()) => print_out(&text),
                Err(e) => fail(&format!("cannot write the man page: {e}"), 1),
            });
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
        let code = if args.print_default {
            print_out(convoscope::settings::default_file().as_bytes())
        } else {
            match settings::config_path(&given, &paths) {
                Some(p) => print_out(format!("{}\n", p.value.display()).as_bytes()),
                None => fail(
                    &"this platform has no config directory: give --config FILE",
                    2,
                ),
            }
        };
        return ExitCode::from(code);
    }
    let settings = match Settings::resolve(given, &paths) {
        Ok(s) => s,
        Err(e) => return ExitCode::from(fail(&e, 2)),
    };
    for w in &settings.warnings {
        say(&format!("convoscope: {}\n", sanitize_lines(&w.to_string())));
    }
    if let Some(Command::Info) = &cli.command {
        return ExitCode::from(print_out(settings.info().as_bytes()));
    }
    if let Some(log) = &settings.log_file
        && let Err(e) = init_logging(&log.value, &settings.log_level.value)
    {
        let msg = format!("cannot write the log file {}: {e}", log.value.display());
        if log.source != Source::Default {
            return ExitCode::from(fail(&msg, 2));
        }
        // The default place failing must not stop the program; say so once.
        fail(
            &format!("{msg} (going on without a log; give --log-file FILE)"),
            0,
        );
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
            return ExitCode::from(fail(&format!("cannot start the async runtime: {e}"), 1));
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
        Some(Command::Browse(b)) => browse_cmd(&settings, b.query, b.live).await,
        None => browse_cmd(&settings, cli.browse.query, cli.browse.live).await,
        // Handled before the runtime starts.
        Some(Command::Info | Command::Config(_) | Command::Completions { .. } | Command::Man) => 0,
    }
}

/// Writes `text` to stdout: 0, also when the reader closed the pipe (`| head -1`), as grep does.
fn print_out(text: &[u8]) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => fail(&format!("cannot write to stdout: {e}"), 1),
    }
}

/// Says `msg` on stderr (sanitised: it may quote the API) and returns `code`.
fn fail(msg: &dyn std::fmt::Display, code: u8) -> u8 {
    say(&format!(
        "convoscope: {}\n",
        sanitize_lines(&msg.to_string())
    ));
    code
}

/// `--live QUERY`: the query as the form takes it, `live` added; it must name a queue.
fn live_query(q: &str) -> Result<String, String> {
    use convoscope::genesys::search::{Field, Query};
    let parsed = Query::parse(q).map_err(|e| e.to_string())?;
    if parsed.term(Field::Queue).is_none() {
        return Err("name at least one queue, e.g. --live 'queue:\"Support - Tier 1\"'".into());
    }
    // The queues' topics carry every conversation of the queues: another term could narrow
    // the first page but not what push brings after it.
    if let Some(t) = parsed
        .terms
        .iter()
        .find(|t| !matches!(t.field, Field::Queue | Field::Live))
    {
        return Err(format!(
            "only queue:NAME terms (not {}:): narrow the list with / once it is open",
            t.field.name()
        ));
    }
    Ok(if parsed.term(Field::Live).is_some() {
        q.trim().to_string()
    } else {
        format!("{} live", q.trim())
    })
}

/// Writes to stderr; a stderr that is gone (a closed terminal after SIGHUP) is no reason to
/// panic.
fn say(s: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(s.as_bytes());
    let _ = err.flush();
}

/// Each line of `s` sanitised: the line breaks are ours, what is between them may be the API's.
fn sanitize_lines(s: &str) -> String {
    s.split('\n').map(sanitize).collect::<Vec<_>>().join("\n")
}

async fn browse_cmd(settings: &Settings, query: Option<String>, live: Option<String>) -> u8 {
    // A query that cannot be read is said before the screen opens.
    if let Some(q) = &query
        && let Err(e) = convoscope::genesys::search::Query::parse(q)
    {
        return fail(&format!("--query: {e}"), 2);
    }
    let live_query = match live.as_deref().map(live_query) {
        Some(Ok(q)) => Some(q),
        Some(Err(e)) => return fail(&format!("--live: {e}"), 2),
        None => None,
    };
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
    // The login happens behind the screen's first frame ("connecting to HOST…").
    let Connection { client, label, sim } = match connect_unchecked(&settings.connection).await {
        Ok(c) => c,
        Err(e) => return fail(&e, e.exit_code() as u8),
    };
    let (from, to) = settings.range();
    let live = live_query.is_some();
    let opts = convoscope::tui::BrowseOptions {
        // Live: what is going on now, every media (the queues' topics carry them all); a
        // conversation going on for over a week is not found by the first page.
        from: Some(if live { "-7d" } else { from }.to_string()),
        to: Some(if live { "now" } else { to }.to_string()),
        media: Some(if live {
            convoscope::genesys::query::Media::Any
        } else {
            settings.media()
        }),
        query: live_query.or(query),
        utc: settings.utc(),
        mouse: settings.mouse(),
        connection: label,
        // A range given on the command line, the demo, or `--live`: load it at once, start in
        // the list.
        auto_submit: live || settings.range_given() || settings.connection.demo,
        live,
        keys: settings.keys().clone(),
        theme: Some(settings.theme()),
        watch_interval: Some(settings.watch_interval()),
        clipboard: settings.clipboard(),
        concurrency: Some(settings.concurrency()),
        columns: settings.columns().to_vec(),
    };
    let result = convoscope::tui::run(client, opts).await;
    if let Some(sim) = sim {
        sim.stop().await;
    }
    match result {
        Ok(ended) => ended.exit_code(),
        // The login failed: said as before the screen showed, with its exit code.
        Err(e) => match e.downcast_ref::<convoscope::genesys::Error>() {
            Some(ge) => fail(ge, ge.exit_code() as u8),
            None => fail(&e, 1),
        },
    }
}

/// A query error worded for the browser says to filter the loaded rows (`/`): an export has no
/// such filter, so it says what to do there instead.
fn for_export(e: &str) -> String {
    if e.contains("local filter (/)") {
        format!(
            "{e}; an export has no local filter: export the range and filter what it wrote \
             (--attr KEY adds that attribute's column to --format csv; --attributes puts them \
             all in the NDJSON, for jq)"
        )
    } else {
        e.to_string()
    }
}

async fn export_cmd(settings: &Settings, args: ExportArgs) -> u8 {
    let interval = match settings.interval(chrono::Utc::now()) {
        Ok(i) => i,
        Err(e) => return fail(&e, 2),
    };
    let query_text = args.query.clone().unwrap_or_default();
    let query = match convoscope::genesys::search::Query::parse(&query_text) {
        Ok(q) => q,
        Err(e) => return fail(&format!("--query: {}", for_export(&e.to_string())), 2),
    };
    if args.plan == export::Plan::Lake
        && args.attributes_from == export::AttributeSource::Conversations
        && (args.attributes || !args.attrs.is_empty())
    {
        return fail(
            &"--plan lake reads attributes from the data lake's job; --attributes-from \
              conversations (GET conversation for every conversation) goes with --plan query",
            2,
        );
    }
    // An output that cannot be written is a usage error, said before any request.
    // `-o -` is stdout, as for most tools.
    let file = args
        .output
        .as_deref()
        .filter(|p| *p != std::path::Path::new("-"));
    let dest = match file.map(output::for_export).transpose() {
        Ok(d) => d,
        Err(e) => return fail(&e, 2),
    };
    let signals = Signals::listen();
    let connected = tokio::select! {
        c = connect_with(&settings.connection) => c,
        () = signals.stop.cancelled() => {
            let done = Finished { delivered: Delivered::default(), attributes: None, cost: None, error: Some(Error::Interrupted) };
            return finish_export(dest, done, &signals, false);
        }
    };
    let Connection { client, sim, .. } = match connected {
        Ok(c) => c,
        Err(e) => {
            if let Some(Output::File(f)) = dest {
                let _ = f.keep_partial(0);
            }
            return fail(&e, e.exit_code() as u8);
        }
    };
    // Names to ids before the query (a name that matches nothing is a usage error).
    let mut search = convoscope::genesys::search::Resolved::default();
    if !query.is_empty() {
        let dir = convoscope::genesys::directory::Directory::new(client.clone(), None);
        match convoscope::genesys::names::resolve_names(&dir, &query_text, &query).await {
            Ok(r) => search = r,
            Err(e) => {
                if let Some(Output::File(f)) = dest {
                    let _ = f.keep_partial(0);
                }
                let code = match &e {
                    convoscope::genesys::names::ResolveError::Query(_) => 2,
                    convoscope::genesys::names::ResolveError::Api(e) => e.exit_code() as u8,
                };
                if let Some(sim) = sim {
                    sim.stop().await;
                }
                return fail(&format!("--query: {e}"), code);
            }
        }
    }
    let mut opts = ExportOptions::new(
        convoscope::genesys::Scope::new(interval, settings.export_media()).with_search(search),
    );
    opts.format = args.format;
    // An attribute column needs the attributes, and a row per attribute is nothing without.
    opts.attributes =
        args.attributes || !args.attrs.is_empty() || args.format == Format::CsvAttributes;
    opts.attributes_from = args.attributes_from;
    opts.plan = args.plan;
    opts.concurrency = settings.concurrency();

    let tty = std::io::stderr().is_terminal();
    // On a terminal, one line kept current: what is done, holds for the rate budget, time left.
    let line = std::sync::Arc::new(std::sync::Mutex::new(export::line::Line::new()));
    // Called with the line's lock held: a note never lands in the middle of it.
    let draw = {
        let client = client.clone();
        move |l: &export::line::Line| {
            let now = tokio::time::Instant::now();
            let hold = *client.budget().hold().borrow();
            let text = l.text(now, hold);
            say(&format!("\r\x1b[2K{}", sanitize(&text)));
        }
    };
    let progress = {
        let (line, client, draw) = (line.clone(), client.clone(), draw.clone());
        move |p: Progress| {
            let mut l = line.lock().unwrap();
            match p {
                Progress::Note(n) => say(&format!(
                    "{}convoscope: {}\n",
                    if tty { "\r\x1b[2K" } else { "" },
                    sanitize_lines(&n)
                )),
                p if tty => {
                    let now = tokio::time::Instant::now();
                    l.progress(&p, now, &client.budget().snapshot());
                    draw(&l);
                }
                _ => {}
            }
        }
    };
    // Redrawn every second and as holds change, so that a wait counts down.
    let ticker = tty.then(|| {
        let (line, client, draw) = (line.clone(), client.clone(), draw.clone());
        tokio::spawn(async move {
            let mut hold = client.budget().hold();
            loop {
                tokio::select! {
                    () = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                    r = hold.changed() => if r.is_err() { return },
                }
                draw(&line.lock().unwrap());
            }
        })
    });
    let done = {
        let sink: Box<dyn Write + '_> = match &dest {
            Some(Output::File(f)) => Box::new(f.file()),
            Some(Output::Device { file, .. }) => Box::new(file),
            None => Box::new(std::io::stdout().lock()),
        };
        let csv = export::CsvOptions {
            attrs: args.attrs.clone(),
            bom: args.bom,
        };
        match export::writer_for(args.format, sink, &csv) {
            Ok(mut writer) => {
                let outcome =
                    export::run_until(client, &opts, writer.as_mut(), &progress, &signals.stop)
                        .await;
                let cost = export::cost_summary(&outcome, opts.attributes);
                tracing::info!(%cost, "export done");
                Finished {
                    delivered: writer.delivered().unwrap_or(Delivered {
                        conversations: outcome.written,
                        ..Delivered::default()
                    }),
                    attributes: export::attributes_summary(&outcome),
                    cost: Some(cost),
                    error: outcome.error,
                }
            }
            Err(e) => Finished {
                delivered: Delivered::default(),
                attributes: None,
                cost: None,
                error: Some(Error::Config(format!("cannot write the output: {e}"))),
            },
        }
    };
    if let Some(t) = ticker {
        t.abort();
    }
    if tty {
        let _held = line.lock().unwrap();
        say("\r\x1b[2K");
    }
    if let Some(line) = &done.attributes {
        eprintln!("convoscope: {line}");
    }
    if let Some(sim) = sim {
        sim.stop().await;
    }
    finish_export(dest, done, &signals, tty || args.summary)
}

/// How an export ended, as far as its output is concerned.
struct Finished {
    delivered: Delivered,
    /// What to say about attributes that could not be read.
    attributes: Option<String>,
    /// What it cost in requests, and where the data came from (said on a terminal).
    cost: Option<String>,
    error: Option<Error>,
}

/// Puts the output in place (or keeps what was written as `.partial`), says what happened, and
/// gives the exit code: 0 done (or the reader closed the pipe, as grep does), 2 to 4 for the
/// error, 128 + the signal when one stopped the export.
/// `summary`: say what was exported and what it cost (on a terminal, or asked with --summary).
fn finish_export(dest: Option<Output>, done: Finished, signals: &Signals, summary: bool) -> u8 {
    let n = done.delivered.conversations;
    let convs = count(n, "conversation");
    // A reader that went away (`| head -1`) ends the export quietly, like grep and ripgrep.
    let error = match done.error {
        Some(e) if done.delivered.closed && e != Error::Interrupted => {
            tracing::info!(written = n, "the reader closed the output; stopped");
            return 0;
        }
        e => e,
    };
    // Where the conversations went: "to stdout", or what became of FILE and FILE.partial.
    let whereto = match dest {
        None => "to stdout".to_string(),
        Some(Output::Device { path, .. }) => format!("to {}", path.display()),
        Some(Output::File(f)) => {
            let target = f.target().display().to_string();
            let was = if f.replaces() {
                "was left as it was"
            } else {
                "was not created"
            };
            if error.is_none() {
                match f.commit() {
                    Ok(p) => format!("to {}", p.display()),
                    Err(e) => {
                        return fail(
                            &format!("cannot put the export in place as {target}: {e}"),
                            4,
                        );
                    }
                }
            } else {
                let partial = f.partial().display().to_string();
                let whole = if n == 0 { 0 } else { done.delivered.bytes };
                match f.keep_partial(whole) {
                    Ok(Some(p)) => format!("to {} ({target} {was})", p.display()),
                    Ok(None) => format!("({target} {was})"),
                    Err(e) => format!(
                        "to {partial} ({target} {was}; cutting it after the last whole record \
                         failed: {e})"
                    ),
                }
            }
        }
    };
    // What it cost is said however it ended: a failure under a shared budget is when it
    // matters most (how many 429s, how long it waited).
    let cost = || {
        if let Some(c) = done.cost.as_ref().filter(|_| summary) {
            say(&format!("convoscope: {c}\n"));
        }
    };
    match error {
        None => {
            if summary {
                say(&format!("exported {convs} {}\n", sanitize(&whereto)));
                cost();
            }
            0
        }
        Some(Error::Interrupted) => {
            cost();
            let sig = signals.received().unwrap_or(Signal::Int);
            let whole = if n > 0 { ", the last one whole" } else { "" };
            fail(
                &format!(
                    "interrupted by {}: {convs} written {whereto}{whole}",
                    sig.name()
                ),
                sig.exit_code(),
            )
        }
        Some(e) => {
            cost();
            fail(
                &format!("{e}\n{convs} written before the failure {whereto}"),
                export_exit_code(&e),
            )
        }
    }
}

/// A signal that ends an export cleanly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    Int,
    Term,
    Hup,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
            Signal::Hup => "SIGHUP",
        }
    }

    /// 128 + the signal's number, as shells report a process the signal ended.
    fn exit_code(self) -> u8 {
        match self {
            Signal::Int => 130,
            Signal::Term => 143,
            Signal::Hup => 129,
        }
    }
}

/// Ctrl-C, SIGTERM and SIGHUP, caught from the start of an export so that none kills it
/// mid-record: the first one fires `stop`.
struct Signals {
    stop: tokio_util::sync::CancellationToken,
    got: std::sync::Arc<std::sync::OnceLock<Signal>>,
}

impl Signals {
    fn listen() -> Signals {
        let stop = tokio_util::sync::CancellationToken::new();
        let got = std::sync::Arc::new(std::sync::OnceLock::new());
        let (s, g) = (stop.clone(), got.clone());
        tokio::spawn(async move {
            if let Some(sig) = next_signal().await {
                let _ = g.set(sig);
                s.cancel();
            }
        });
        Signals { stop, got }
    }

    fn received(&self) -> Option<Signal> {
        self.got.get().copied()
    }
}

#[cfg(unix)]
async fn next_signal() -> Option<Signal> {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return None;
    };
    tokio::select! {
        _ = int.recv() => Some(Signal::Int),
        _ = term.recv() => Some(Signal::Term),
        _ = hup.recv() => Some(Signal::Hup),
    }
}

#[cfg(not(unix))]
async fn next_signal() -> Option<Signal> {
    tokio::signal::ctrl_c().await.ok().map(|()| Signal::Int)
}

fn export_exit_code(e: &Error) -> u8 {
    match e {
        Error::Config(_) => 4,
        e => e.exit_code() as u8,
    }
}
