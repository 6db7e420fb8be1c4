//! The event loop: terminal events, background events and ticks in, one `update` each, one draw
//! after everything queued is handled.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use ratatui::crossterm::event::{Event as TermEvent, EventStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::config::Theme;
use crate::genesys::Client;
use crate::timespec::Zone;

use super::app::{Init, State, update};
use super::effects::Runner;
use super::event::Event;
use super::keymap::Keymap;
use super::terminal::{
    DEBUG_PANIC_MESSAGE, Ended, Guard, SCREEN_ACTIVE, Sig, Signals, draw, enter_modes, leave_modes,
    repaint, screen, suspend,
};
use super::{BrowseOptions, clipboard, jobs, ui};

/// Said on the way out while the notification channel is being closed.
pub const CLOSING: &str = "closing the notification channel (5 s at most)…";
/// How long closing may take before the screen says so.
const CLOSING_SAID_AFTER: Duration = Duration::from_millis(300);

/// Opens the screen and runs until the user quits or a signal ends it (SIGTERM, SIGHUP, SIGINT,
/// SIGQUIT). The terminal is restored on every way out: return, error, panic, signal.
pub async fn run(
    client: Arc<Client>,
    opts: BrowseOptions,
) -> Result<Ended, Box<dyn std::error::Error>> {
    // Test hook (tests/tui_e2e.rs): a forced panic after the first draw, to check the restore.
    let debug_panic = std::env::var_os("CONVOSCOPE_DEBUG_PANIC").is_some();
    let mut state = initial_state(&opts);
    install_panic_hook();
    let mut signals = Signals::new()?;
    // Raw mode, the alternate screen and ratatui's restoring panic hook; the loop draws
    // through its own buffered screen.
    drop(ratatui::try_init()?);
    let mut terminal = screen()?;
    SCREEN_ACTIVE.store(true, Ordering::SeqCst);
    let _guard = Guard;
    enter_modes(opts.mouse)?;

    let (tx, mut rx) = mpsc::channel::<Event>(1024);
    let mut runner = Runner::new(
        client,
        tx,
        opts.concurrency
            .unwrap_or(crate::paging::DEFAULT_CONCURRENCY)
            .max(1),
    );
    let size = terminal.size()?;
    update(
        &mut state,
        Event::Resize {
            width: size.width,
            height: size.height,
        },
    );
    tokio::spawn(jobs::connect(runner.client.clone(), runner.tx.clone()));
    tokio::spawn(jobs::watch_budget(runner.client.clone(), runner.tx.clone()));
    if opts.auto_submit {
        let fx = update(&mut state, Event::Submit { now: Utc::now() });
        runner.run(fx)?;
    }
    // Draw before any data arrives, so the screen never looks hung.
    draw(&mut terminal, |f| ui::draw(f, &state))?;
    if debug_panic {
        panic!("{DEBUG_PANIC_MESSAGE}");
    }

    let (mut term_rx, _forwarder) = terminal_events();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let mut clock = tokio::time::interval(Duration::from_secs(1));
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let mut ended = Ended::Quit;
    while !state.quit {
        let animating = state.animating();
        let live = !animating && state.live_on_screen();
        let first = tokio::select! {
            ev = term_rx.recv() => match ev {
                Some(Ok(ev)) => from_terminal(ev),
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(ev) = rx.recv() => Some(ev),
            _ = tick.tick(), if animating => Some(Event::Tick { now: Utc::now() }),
            _ = clock.tick(), if live => Some(Event::Tick { now: Utc::now() }),
            sig = signals.recv() => match sig {
                Sig::Stop => Some(Event::Suspend),
                Sig::End(n) => {
                    ended = Ended::Signal(n);
                    break;
                }
            },
        };
        let mut dirty = false;
        if let Some(ev) = first {
            runner.run(update(&mut state, ev))?;
            dirty = true;
        }
        // Drain everything already queued, then draw once; a quit (Ctrl-C) ends the drain at
        // once, whatever is still queued behind it.
        while !state.quit {
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
            draw(&mut terminal, |f| ui::draw(f, &state))?;
        }
    }
    // The notification channel's topics go, its socket closes (a few seconds at most). When
    // that takes a moment (an API that hangs), the screen says so: a quit never looks ignored.
    {
        let close = runner.shutdown();
        tokio::pin!(close);
        tokio::select! {
            _ = &mut close => {}
            _ = tokio::time::sleep(CLOSING_SAID_AFTER) => {
                if matches!(ended, Ended::Quit) && state.failed.is_none() {
                    state.message = Some(CLOSING.into());
                    let _ = draw(&mut terminal, |f| ui::draw(f, &state));
                }
                close.await;
            }
        }
    }
    // The login failed: the terminal is restored (the guard), the caller says why.
    if let Some(e) = state.failed.take() {
        return Err(Box::new(e));
    }
    Ok(ended)
}

/// The screen's state at start, from the options and the environment.
fn initial_state(opts: &BrowseOptions) -> State {
    let now = Utc::now();
    let zone = if opts.utc { Zone::Utc } else { Zone::Local };
    State::new(Init {
        from: opts.from.clone(),
        to: opts.to.clone(),
        media: opts.media,
        query: opts.query.clone(),
        zone,
        zone_label: zone.label(now),
        mouse: opts.mouse,
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && opts.theme != Some(Theme::Mono),
        palette: match opts.theme {
            Some(Theme::Light) => super::palette::Palette::Light,
            _ => super::palette::Palette::Dark,
        },
        keymap: Keymap::new(&opts.keys),
        connection: opts.connection.clone(),
        watch_interval: opts.watch_interval,
        clipboard: opts.clipboard,
        clip_target: Some(clip_target()),
        now: Some(now),
        live_queues: opts.live,
        // Checked when the config file was read: a bad name never gets here.
        columns: if opts.columns.is_empty() {
            Vec::new()
        } else {
            super::columns::pick(&opts.columns).unwrap_or_default()
        },
        connecting: true,
    })
}

/// Where OSC 52 goes: inside tmux, whether tmux lets it through (read from its options once).
fn clip_target() -> clipboard::Target {
    match clipboard::Target::detect(std::env::var_os("TMUX").as_deref()) {
        clipboard::Target::Plain => clipboard::Target::Plain,
        _ => clipboard::Target::for_tmux(
            tmux_option(&["show", "-sv", "set-clipboard"]).as_deref(),
            tmux_option(&["show", "-gwv", "allow-passthrough"]).as_deref(),
        ),
    }
}

/// One tmux option's value, or `None` when tmux does not answer within half a second.
fn tmux_option(args: &[&str]) -> Option<String> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("tmux")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let deadline = std::time::Instant::now() + Duration::from_millis(500);
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut out).ok()?;
    Some(out.trim().to_string())
}

/// Our hook first: ratatui::init wraps it in one that restores the terminal, then calls it, so
/// the panic message is printed after the restore, on the normal screen. A panic in any task
/// ends the program: the screen cannot go on once the terminal is restored under it.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave_modes();
        previous(info);
        if SCREEN_ACTIVE.load(Ordering::SeqCst) {
            std::process::exit(101);
        }
    }));
}

/// Terminal events, forwarded by a task of their own (aborted when the guard drops): polling an
/// `EventStream` once with a throwaway waker (to drain it) would leave its wake-up thread
/// holding that waker.
fn terminal_events() -> (mpsc::Receiver<std::io::Result<TermEvent>>, AbortOnDrop) {
    let (term_tx, term_rx) = mpsc::channel::<std::io::Result<TermEvent>>(256);
    let forwarder = tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            if term_tx.send(ev).await.is_err() {
                break;
            }
        }
    });
    (term_rx, AbortOnDrop(forwarder))
}

fn from_terminal(ev: TermEvent) -> Option<Event> {
    match ev {
        TermEvent::Key(key) => Some(Event::Key {
            key,
            now: Utc::now(),
        }),
        TermEvent::Mouse(m) => Some(Event::Mouse(m)),
        TermEvent::Resize(width, height) => Some(Event::Resize { width, height }),
        TermEvent::Paste(text) => Some(Event::Paste {
            text,
            now: Utc::now(),
        }),
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
