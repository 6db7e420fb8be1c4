//! The terminal's modes: restored on every way out, on suspend and on signals.

use std::io::stdout;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;

/// The message of the test hook's panic (env `CONVOSCOPE_DEBUG_PANIC`).
pub const DEBUG_PANIC_MESSAGE: &str = "forced panic for tests (CONVOSCOPE_DEBUG_PANIC is set)";

/// Whether the screen owns the terminal (a panic then restores it and exits).
pub(super) static SCREEN_ACTIVE: AtomicBool = AtomicBool::new(false);

/// Restores the terminal when `run` ends by any path, `?` included.
pub(super) struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        SCREEN_ACTIVE.store(false, Ordering::SeqCst);
        let _ = execute!(stdout(), DisableMouseCapture);
        ratatui::restore();
        let _ = execute!(stdout(), Show);
    }
}

/// Clears the screen and forgets what was drawn, so the next draw paints every cell.
/// (`Terminal::clear` asks the terminal for the cursor position, which waits on the event
/// reader's lock while the reader thread polls: it can stall for seconds.)
pub(super) fn repaint(terminal: &mut ratatui::DefaultTerminal) -> std::io::Result<()> {
    use ratatui::crossterm::terminal::{Clear, ClearType};
    execute!(stdout(), Clear(ClearType::All))?;
    *terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(stdout()))?;
    Ok(())
}

/// Ctrl-Z: restore the terminal, stop until the shell's `fg`, then take the terminal back (the
/// caller redraws everything).
pub(super) fn suspend(mouse: bool) -> std::io::Result<()> {
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

/// What a signal asks of the loop.
pub(super) enum Sig {
    /// SIGTERM, SIGHUP: end like `q` does, so the guard restores the terminal.
    End,
    /// SIGTSTP (`kill -TSTP`; Ctrl-Z in raw mode is a key): suspend with the terminal restored.
    Stop,
}

/// The signals the screen handles.
pub(super) struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    tstp: tokio::signal::unix::Signal,
}

impl Signals {
    pub(super) fn new() -> std::io::Result<Signals> {
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

    pub(super) async fn recv(&mut self) -> Sig {
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
