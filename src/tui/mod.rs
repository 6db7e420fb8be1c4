//! The terminal screen: `convoscope browse`.
//!
//! `run` owns the terminal and the event loop; everything else is pure: [`app::update`] turns
//! events into state changes and [`app::Effect`]s, [`ui::draw`] turns the state into widgets.

pub mod app;
pub mod detail;
pub mod form;
pub mod keymap;
pub mod list;
pub mod sanitize;
pub mod ui;

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

use crate::config::{KeyBindings, Theme};
use crate::genesys::query::Media;
use crate::timespec::Zone;
use app::{Effect, Event, Init, State, update};
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
}

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
        clear: false,
    };
    let size = terminal.size()?;
    update(
        &mut state,
        Event::Resize {
            width: size.width,
            height: size.height,
        },
    );
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
            _ = tick.tick(), if animating => Some(Event::Tick),
            _ = signals.recv() => break,
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
        if std::mem::take(&mut runner.clear) {
            terminal.clear()?;
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
    /// Clear the terminal before the next draw.
    clear: bool,
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
                } => {
                    self.cancel_query();
                    let cancel = CancellationToken::new();
                    let query = RangeQuery {
                        order,
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
                        let result = client.conversation(&id).await;
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
                Effect::Quit => {}
            }
        }
        Ok(())
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
    }
}

impl Drop for Runner {
    /// Every way out of `run` (an error included) stops the background work.
    fn drop(&mut self) {
        self.stop();
    }
}

/// SIGTERM and SIGHUP end the loop like `q` does, so the guard restores the terminal.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}
