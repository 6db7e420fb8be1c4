//! The terminal screen: `convoscope browse`.
//!
//! `run` owns the terminal and the event loop; everything else is pure: [`app::update`] turns
//! events into state changes and [`app::Effect`]s, [`ui::draw`] turns the state into widgets.

pub mod app;
pub mod by_id;
pub mod clipboard;
pub mod detail;
pub mod filter;
pub mod form;
pub mod haystack;
pub mod jump;
pub mod keymap;
pub mod list;
pub mod raw;
pub mod row;
pub mod sanitize;
pub mod ui;
pub mod watch;

use std::io::stdout;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    DisableMouseCapture, EnableMouseCapture, Event as TermEvent, EventStream,
};
use ratatui::crossterm::execute;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::{Clipboard, KeyBindings, Theme};
use crate::export::Format;
use crate::genesys::Error;
use crate::genesys::model::{AnalyticsConversation, Attributes};
use crate::genesys::query::Media;
use crate::timespec::Zone;
use app::{Effect, Event, Init, State, update};
use detail::Fresh;
use keymap::Keymap;

use crate::genesys::Client;
use crate::paging::{RangeQuery, spawn_query};

/// What `convoscope browse` starts from.
#[derive(Debug, Clone, Default)]
pub struct BrowseOptions {
    pub from: Option<String>,
    pub to: Option<String>,
    pub media: Option<Media>,
    /// Read and show every time in UTC instead of the local zone.
    pub utc: bool,
    /// Capture the mouse from the start (it stops the terminal's own text selection).
    pub mouse: bool,
    /// Shown in the header: "DEMO", a region host like "mypurecloud.ie", or an API URL.
    pub connection: String,
    /// Submit the prefilled range at start.
    pub auto_submit: bool,
    /// The user's `[keys]` (config file): they replace the named actions' default keys. Check
    /// the names first with `Settings::check_key_actions(tui::keymap::ACTION_NAMES)`.
    pub keys: KeyBindings,
    /// `Light` for a light background; `Mono` (like `NO_COLOR`) draws with modifiers only; `None`
    /// is the default (dark).
    pub theme: Option<Theme>,
    /// Between refetches of a watched conversation (`None`: 2 s).
    pub watch_interval: Option<Duration>,
    pub clipboard: Clipboard,
    /// Requests in flight at once (paging, background attribute fetches).
    pub concurrency: Option<usize>,
}

/// From this many conversations without attributes, an `attr:` filter asks for them with one
/// async details job (then GET conversation for what the job lacks) rather than one GET each.
pub const BULK_ATTRIBUTES: usize = 500;

/// Opens the screen and runs until the user quits (or SIGTERM/SIGHUP). The terminal is restored
/// on every way out: return, error, panic, signal.
pub async fn run(
    client: Arc<Client>,
    opts: BrowseOptions,
) -> Result<(), Box<dyn std::error::Error>> {
    // Test hook (tests/tui_e2e.rs): a forced panic after the first draw, to check the restore.
    let debug_panic = std::env::var_os("CONVOSCOPE_DEBUG_PANIC").is_some();
    let now = Utc::now();
    let zone = if opts.utc { Zone::Utc } else { Zone::Local };
    let mut state = State::new(Init {
        from: opts.from.clone(),
        to: opts.to.clone(),
        media: opts.media,
        zone,
        zone_label: zone.label(now),
        mouse: opts.mouse,
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && opts.theme != Some(Theme::Mono),
        palette: match opts.theme {
            Some(Theme::Light) => ui::theme::Palette::Light,
            _ => ui::theme::Palette::Dark,
        },
        keymap: Keymap::new(&opts.keys),
        connection: opts.connection.clone(),
        watch_interval: opts.watch_interval,
        clipboard: opts.clipboard,
        clip_target: Some(clipboard::Target::detect(
            std::env::var_os("TMUX").as_deref(),
        )),
        now: Some(now),
    });

    // Our hook first: ratatui::init wraps it in one that restores the terminal, then calls it,
    // so the panic message is printed after the restore, on the normal screen. A panic in any
    // task ends the program: the screen cannot go on once the terminal is restored under it.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(stdout(), DisableMouseCapture, Show);
        previous(info);
        if SCREEN_ACTIVE.load(Ordering::SeqCst) {
            std::process::exit(101);
        }
    }));
    let mut terminal = ratatui::try_init()?;
    SCREEN_ACTIVE.store(true, Ordering::SeqCst);
    let _guard = Guard;
    if opts.mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }

    let (tx, mut rx) = mpsc::channel::<Event>(1024);
    let mut runner = Runner {
        client,
        tx,
        query: None,
        fetch: None,
        watch: None,
        attributes: None,
        calls: None,
        clear: false,
        suspend: false,
        concurrency: opts
            .concurrency
            .unwrap_or(crate::paging::DEFAULT_CONCURRENCY)
            .max(1),
    };
    let size = terminal.size()?;
    update(
        &mut state,
        Event::Resize {
            width: size.width,
            height: size.height,
        },
    );
    tokio::spawn(organization(runner.client.clone(), runner.tx.clone()));
    if opts.auto_submit {
        let fx = update(&mut state, Event::Submit { now: Utc::now() });
        runner.run(fx)?;
    }
    // Draw before any data arrives, so the screen never looks hung.
    terminal.draw(|f| ui::draw(f, &state))?;
    if debug_panic {
        panic!("{DEBUG_PANIC_MESSAGE}");
    }

    // Terminal events are forwarded by their own task: polling an `EventStream` once with a
    // throwaway waker (to drain it) would leave its wake-up thread holding that waker.
    let (term_tx, mut term_rx) = mpsc::channel::<std::io::Result<TermEvent>>(256);
    let forwarder = tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            if term_tx.send(ev).await.is_err() {
                break;
            }
        }
    });
    let _forwarder = AbortOnDrop(forwarder);
    let mut signals = Signals::new()?;
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    while !state.quit {
        let animating = state.animating();
        let first = tokio::select! {
            ev = term_rx.recv() => match ev {
                Some(Ok(ev)) => from_terminal(ev),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(ev) = rx.recv() => Some(ev),
            _ = tick.tick(), if animating => Some(Event::Tick { now: Utc::now() }),
            sig = signals.recv() => match sig {
                Sig::Stop => Some(Event::Suspend),
                Sig::End => break,
            },
        };
        let mut dirty = false;
        if let Some(ev) = first {
            runner.run(update(&mut state, ev))?;
            dirty = true;
        }
        // Drain everything already queued, then draw once.
        loop {
            let ev = if let Ok(ev) = rx.try_recv() {
                Some(ev)
            } else if let Ok(ev) = term_rx.try_recv() {
                from_terminal(ev?)
            } else {
                break;
            };
            if let Some(ev) = ev {
                runner.run(update(&mut state, ev))?;
                dirty = true;
            }
        }
        if std::mem::take(&mut runner.suspend) {
            suspend(state.mouse)?;
            runner.clear = true;
        }
        if std::mem::take(&mut runner.clear) {
            repaint(&mut terminal)?;
            dirty = true;
        }
        if dirty && !state.quit {
            terminal.draw(|f| ui::draw(f, &state))?;
        }
    }
    Ok(())
}

fn from_terminal(ev: TermEvent) -> Option<Event> {
    match ev {
        TermEvent::Key(key) => Some(Event::Key {
            key,
            now: Utc::now(),
        }),
        TermEvent::Mouse(m) => Some(Event::Mouse(m)),
        TermEvent::Resize(width, height) => Some(Event::Resize { width, height }),
        _ => None,
    }
}

/// Aborts a task when dropped (the terminal reader, on every way out of `run`).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The message of the test hook's panic (env `CONVOSCOPE_DEBUG_PANIC`).
pub const DEBUG_PANIC_MESSAGE: &str = "forced panic for tests (CONVOSCOPE_DEBUG_PANIC is set)";

/// Whether the screen owns the terminal (a panic then restores it and exits).
static SCREEN_ACTIVE: AtomicBool = AtomicBool::new(false);

/// Restores the terminal when `run` ends by any path, `?` included.
struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        SCREEN_ACTIVE.store(false, Ordering::SeqCst);
        let _ = execute!(stdout(), DisableMouseCapture);
        ratatui::restore();
        let _ = execute!(stdout(), Show);
    }
}

/// Carries out effects: the only place that spawns, cancels, or touches the terminal modes.
struct Runner {
    client: Arc<Client>,
    tx: mpsc::Sender<Event>,
    query: Option<CancellationToken>,
    fetch: Option<JoinHandle<()>>,
    /// The watch's timer or refetch.
    watch: Option<JoinHandle<()>>,
    /// The background attribute fetch.
    attributes: Option<CancellationToken>,
    /// Reports the call log while the `L` view is open.
    calls: Option<JoinHandle<()>>,
    /// Clear the terminal before the next draw.
    clear: bool,
    /// Suspend (Ctrl-Z) once the events queued are handled.
    suspend: bool,
    concurrency: usize,
}

/// Clears the screen and forgets what was drawn, so the next draw paints every cell.
/// (`Terminal::clear` asks the terminal for the cursor position, which waits on the event
/// reader's lock while the reader thread polls: it can stall for seconds.)
fn repaint(terminal: &mut ratatui::DefaultTerminal) -> std::io::Result<()> {
    use ratatui::crossterm::terminal::{Clear, ClearType};
    execute!(stdout(), Clear(ClearType::All))?;
    *terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(stdout()))?;
    Ok(())
}

/// Ctrl-Z: restore the terminal, stop until the shell's `fg`, then take the terminal back (the
/// caller redraws everything).
fn suspend(mouse: bool) -> std::io::Result<()> {
    use ratatui::crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
    let _ = execute!(stdout(), DisableMouseCapture);
    ratatui::restore();
    let _ = execute!(stdout(), Show);
    #[cfg(unix)]
    // SAFETY: raise only sends a signal to this process. SIGSTOP (not SIGTSTP, which we catch)
    // stops it as the shell expects; execution goes on here after SIGCONT.
    unsafe {
        libc::raise(libc::SIGSTOP);
    }
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen)?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

/// Sends `ev` after `delay` (timers report through the same channel as everything else).
fn after(
    tx: &mpsc::Sender<Event>,
    delay: Duration,
    ev: impl FnOnce() -> Event + Send + 'static,
) -> JoinHandle<()> {
    let tx = tx.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let _ = tx.send(ev()).await;
    })
}

/// GET conversation, keeping the body as received (for the raw view).
async fn fetch_fresh(client: &Client, id: &str) -> Result<Fresh, Error> {
    let (conv, raw) = client
        .conversation_raw(id, &crate::genesys::client::quiet)
        .await?;
    Ok(Fresh { conv, raw })
}

/// Writes the screen's export with the same writers as `convoscope export`.
fn write_export(
    path: &std::path::Path,
    format: Format,
    conversations: &[AnalyticsConversation],
) -> std::io::Result<usize> {
    let file = std::fs::File::create(path)?;
    let mut w = crate::export::writer_for(format, std::io::BufWriter::new(file))?;
    for c in conversations {
        w.write(c)?;
    }
    w.finish()?;
    Ok(conversations.len())
}

impl Runner {
    fn run(&mut self, effects: Vec<Effect>) -> std::io::Result<()> {
        for fx in effects {
            match fx {
                Effect::Query {
                    query_id,
                    interval,
                    media,
                    order,
                    resume,
                } => {
                    self.cancel_query();
                    let cancel = CancellationToken::new();
                    let query = RangeQuery {
                        order,
                        concurrency: self.concurrency,
                        resume,
                        ..RangeQuery::new(interval, media)
                    };
                    spawn_query(
                        self.client.clone(),
                        query,
                        query_id,
                        self.tx.clone(),
                        cancel.clone(),
                    );
                    self.query = Some(cancel);
                }
                Effect::CancelQuery => self.cancel_query(),
                Effect::Debounce { generation } => {
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(detail::DEBOUNCE).await;
                        let _ = tx.send(Event::Debounced { generation }).await;
                    });
                }
                Effect::Fetch { id, generation } => {
                    self.cancel_fetch();
                    let client = self.client.clone();
                    let tx = self.tx.clone();
                    self.fetch = Some(tokio::spawn(async move {
                        // The pane says why it waits (a rate limit, a server error).
                        let waiting = tx.clone();
                        let obs = move |w: &crate::genesys::retry::Wait| {
                            let _ = waiting.try_send(Event::DetailWaiting {
                                generation,
                                until: Utc::now()
                                    + chrono::Duration::milliseconds(w.delay.as_millis() as i64),
                                reason: w.reason.to_string(),
                            });
                        };
                        let result = client
                            .conversation_raw(&id, &obs)
                            .await
                            .map(|(conv, raw)| Fresh { conv, raw });
                        let _ = tx
                            .send(Event::Fetched {
                                id,
                                generation,
                                result,
                                at: Utc::now(),
                            })
                            .await;
                    }));
                }
                Effect::CancelFetch => self.cancel_fetch(),
                Effect::Mouse(true) => execute!(stdout(), EnableMouseCapture)?,
                Effect::Mouse(false) => execute!(stdout(), DisableMouseCapture)?,
                Effect::Redraw => self.clear = true,
                Effect::Suspend => self.suspend = true,
                Effect::WatchCalls(on) => {
                    if let Some(h) = self.calls.take() {
                        h.abort();
                    }
                    if on {
                        self.calls = Some(tokio::spawn(watch_calls(
                            self.client.clone(),
                            self.tx.clone(),
                        )));
                    }
                }
                Effect::Copy(seq) => {
                    use std::io::Write;
                    let mut out = stdout();
                    out.write_all(seq.as_bytes())?;
                    out.flush()?;
                }
                Effect::WatchAfter { delay, generation } => {
                    self.cancel_watch();
                    self.watch = Some(after(&self.tx, delay, move || Event::WatchDue {
                        generation,
                        now: Utc::now(),
                    }));
                }
                Effect::WatchFetch { id, generation } => {
                    self.cancel_watch();
                    let client = self.client.clone();
                    let tx = self.tx.clone();
                    self.watch = Some(tokio::spawn(async move {
                        let result = fetch_fresh(&client, &id).await;
                        let _ = tx
                            .send(Event::Watched {
                                id,
                                generation,
                                result,
                                at: Utc::now(),
                            })
                            .await;
                    }));
                }
                Effect::CancelWatch => self.cancel_watch(),
                Effect::FollowAfter { delay, generation } => {
                    // Stale timers are dropped by their generation; nothing to cancel.
                    after(&self.tx, delay, move || Event::FollowDue {
                        generation,
                        now: Utc::now(),
                    });
                }
                Effect::FetchAttributes {
                    fetch_id,
                    ids,
                    bulk,
                } => {
                    self.cancel_attributes();
                    let cancel = CancellationToken::new();
                    tokio::spawn(fetch_attributes(
                        self.client.clone(),
                        self.tx.clone(),
                        cancel.clone(),
                        fetch_id,
                        ids,
                        bulk,
                        self.concurrency,
                    ));
                    self.attributes = Some(cancel);
                }
                Effect::CancelAttributes => self.cancel_attributes(),
                Effect::Export {
                    path,
                    format,
                    conversations,
                } => {
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        let path = std::env::current_dir()
                            .map(|d| d.join(&path))
                            .unwrap_or(path);
                        let p = path.clone();
                        let result = tokio::task::spawn_blocking(move || {
                            write_export(&p, format, &conversations)
                        })
                        .await
                        .map_err(|e| e.to_string())
                        .and_then(|r| r.map_err(|e| e.to_string()));
                        let _ = tx.send(Event::Exported { path, result }).await;
                    });
                }
                Effect::Quit => {}
            }
        }
        Ok(())
    }

    fn cancel_watch(&mut self) {
        if let Some(h) = self.watch.take() {
            h.abort();
        }
    }

    fn cancel_attributes(&mut self) {
        if let Some(c) = self.attributes.take() {
            c.cancel();
        }
    }

    fn cancel_query(&mut self) {
        if let Some(c) = self.query.take() {
            c.cancel();
        }
    }

    fn cancel_fetch(&mut self) {
        if let Some(h) = self.fetch.take() {
            h.abort();
        }
    }

    fn stop(&mut self) {
        self.cancel_query();
        self.cancel_fetch();
        self.cancel_watch();
        self.cancel_attributes();
        if let Some(h) = self.calls.take() {
            h.abort();
        }
    }
}

impl Drop for Runner {
    /// Every way out of `run` (an error included) stops the background work.
    fn drop(&mut self) {
        self.stop();
    }
}

/// Fetches attributes for an `attr:` filter: GET conversation for each id, `concurrency` at
/// once, reporting each; a refusal that would repeat for every id (credentials, permission)
/// stops it. (`bulk` names the range for an async job when there are many; see
/// [`BULK_ATTRIBUTES`].)
async fn fetch_attributes(
    client: Arc<Client>,
    tx: mpsc::Sender<Event>,
    cancel: CancellationToken,
    fetch_id: u64,
    ids: Vec<String>,
    bulk: Option<(crate::genesys::query::Interval, Media)>,
    concurrency: usize,
) {
    let note = |text: String| {
        let _ = tx.try_send(Event::AttributesNote {
            fetch_id,
            note: text,
        });
    };
    // Fails once the screen is gone.
    let send = |id: String, result: Result<Vec<(String, Attributes)>, String>| {
        tx.send(Event::Attributes {
            fetch_id,
            id,
            result,
        })
    };
    let work = async {
        let mut ids = ids;
        // Many rows: one async details job over the range, then GET for what it lacks.
        if let Some((interval, media)) = bulk {
            note("async details job started".into());
            let progress = |p: crate::export::Progress| {
                if let crate::export::Progress::Job { state } = p {
                    note(format!("async details job {state}"));
                }
            };
            match crate::export::range_attributes(
                client.clone(),
                interval,
                media,
                &progress,
                &crate::genesys::client::quiet,
            )
            .await
            {
                Ok(mut index) => {
                    let mut rest = Vec::new();
                    for id in ids {
                        match index.remove(&id) {
                            Some(by) => {
                                if send(id, Ok(by.into_iter().collect())).await.is_err() {
                                    return None;
                                }
                            }
                            None => rest.push(id),
                        }
                    }
                    if !rest.is_empty() {
                        note(format!(
                            "{} not in the job yet (the data lake lags): reading each",
                            rest.len()
                        ));
                    }
                    ids = rest;
                }
                Err(e) => note(format!(
                    "async job refused ({}): reading each conversation",
                    crate::tui::ui::text::fit(&sanitize::sanitize(&e.to_string()), 60)
                )),
            }
        }
        // One limiter: a 429 slows every request of the fetch, as in paging.
        let limiter = crate::genesys::limiter::Limiter::new(concurrency);
        let limiter = &limiter;
        let mut results = futures::stream::iter(ids)
            .map(|id| {
                let client = client.clone();
                async move {
                    let r = client
                        .conversation_with(&id, &crate::genesys::client::quiet, Some(limiter))
                        .await;
                    (id, r)
                }
            })
            .buffer_unordered(concurrency);
        while let Some((id, r)) = results.next().await {
            let result = match r {
                Ok(c) => Ok(c
                    .participants
                    .into_iter()
                    .map(|p| (p.id, p.attributes))
                    .collect::<Vec<(String, Attributes)>>()),
                Err(e @ (Error::Auth { .. } | Error::Permission { .. })) => {
                    return Some(e.to_string());
                }
                Err(e) => Err(e.to_string()),
            };
            if send(id, result).await.is_err() {
                return None;
            }
        }
        None
    };
    let error = tokio::select! {
        _ = cancel.cancelled() => return,
        e = work => e,
    };
    let _ = tx.send(Event::AttributesDone { fetch_id, error }).await;
}

/// Sends the call log now and after every new call (at most every 200 ms), for the `L` view.
async fn watch_calls(client: Arc<Client>, tx: mpsc::Sender<Event>) {
    let mut changes = client.call_log_changes();
    loop {
        if tx.send(Event::Calls(client.call_log())).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        if changes.changed().await.is_err() {
            return;
        }
    }
}

/// Asks once for the organization's name, for the header.
async fn organization(client: Arc<Client>, tx: mpsc::Sender<Event>) {
    let r = client
        .organization()
        .await
        .map(|o| o.name)
        .map_err(|e| e.to_string());
    if let Err(e) = &r {
        tracing::info!("the organization's name is not available: {e}");
    }
    let _ = tx.send(Event::Organization(r)).await;
}

/// What a signal asks of the loop.
enum Sig {
    /// SIGTERM, SIGHUP: end like `q` does, so the guard restores the terminal.
    End,
    /// SIGTSTP (`kill -TSTP`; Ctrl-Z in raw mode is a key): suspend with the terminal restored.
    Stop,
}

/// The signals the screen handles.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    tstp: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
                tstp: signal(SignalKind::from_raw(libc::SIGTSTP))?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn recv(&mut self) -> Sig {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => Sig::End,
            _ = self.hup.recv() => Sig::End,
            _ = self.tstp.recv() => Sig::Stop,
        }
        #[cfg(not(unix))]
        std::future::pending::<Sig>().await
    }
}
