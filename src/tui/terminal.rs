//! The terminal's modes: restored on every way out, on suspend and on signals.

use std::io::{BufWriter, Stdout, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::{execute, queue};

/// The message of the test hook's panic (env `CONVOSCOPE_DEBUG_PANIC`).
pub const DEBUG_PANIC_MESSAGE: &str = "forced panic for tests (CONVOSCOPE_DEBUG_PANIC is set)";

/// Whether the screen owns the terminal (a panic then restores it and exits).
pub(super) static SCREEN_ACTIVE: AtomicBool = AtomicBool::new(false);

/// Restores the terminal when `run` ends by any path, `?` included.
pub(super) struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        SCREEN_ACTIVE.store(false, Ordering::SeqCst);
        let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
        ratatui::restore();
        let _ = execute!(stdout(), Show);
    }
}

/// Turns on the modes the screen adds to ratatui's (raw mode, alternate screen): bracketed paste,
/// so that a paste arrives as one text and never as keys (a pasted `q` would quit), and the
/// mouse when asked. [`Guard`], [`suspend`] and the panic hook turn them off again.
pub(super) fn enter_modes(mouse: bool) -> std::io::Result<()> {
    execute!(stdout(), EnableBracketedPaste)?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

/// Turns off what [`enter_modes`] turned on (the panic hook's part of the restore).
pub(super) fn leave_modes() {
    let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste, Show);
}

/// Clears the screen and forgets what was drawn, so the next draw paints every cell.
/// (`Terminal::clear` asks the terminal for the cursor position, which waits on the event
/// reader's lock while the reader thread polls: it can stall for seconds.)
pub(super) fn repaint(terminal: &mut Screen) -> std::io::Result<()> {
    use ratatui::crossterm::terminal::{Clear, ClearType};
    execute!(stdout(), Clear(ClearType::All))?;
    *terminal = screen()?;
    Ok(())
}

/// The terminal as the loop draws on it: through a buffer that holds a whole frame, so that a
/// frame leaves in one write (stdout's own buffer would send it in pieces of 1 KiB, which a
/// terminal or tmux without synchronized updates can show half drawn).
pub(super) type Screen = ratatui::Terminal<ratatui::backend::CrosstermBackend<BufWriter<Stdout>>>;

pub(super) fn screen() -> std::io::Result<Screen> {
    let out = BufWriter::with_capacity(1 << 18, stdout());
    ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(out))
}

/// Draws one frame inside a synchronized update (DEC mode 2026): a terminal or multiplexer that
/// knows the mode shows the whole frame at once, never half of it (over SSH a frame takes several
/// writes); one that does not ignores the two sequences.
pub(super) fn draw(
    terminal: &mut Screen,
    frame: impl FnOnce(&mut ratatui::Frame),
) -> std::io::Result<()> {
    use ratatui::crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
    queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    let drawn = terminal.draw(frame).map(|_| ());
    // Ended whatever the draw did, or the terminal would hold every later frame back.
    execute!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    drawn
}

/// Ctrl-Z: restore the terminal, stop until the shell's `fg`, then take the terminal back (the
/// caller redraws everything).
pub(super) fn suspend(mouse: bool) -> std::io::Result<()> {
    use ratatui::crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
    let _ = execute!(stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
    let _ = execute!(stdout(), Show);
    #[cfg(unix)]
    // SAFETY: raise only sends a signal to this process. SIGSTOP (not SIGTSTP, which we catch)
    // stops it as the shell expects; execution goes on here after SIGCONT.
    unsafe {
        libc::raise(libc::SIGSTOP);
    }
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

/// What a signal asks of the loop.
pub(super) enum Sig {
    /// SIGTERM, SIGHUP, and SIGINT or SIGQUIT from another process (in raw mode `Ctrl-C` and
    /// `Ctrl-\` are keys): end like `q` does, so the guard restores the terminal; the number
    /// makes the exit code.
    End(i32),
    /// SIGTSTP (`kill -TSTP`; Ctrl-Z in raw mode is a key): suspend with the terminal restored.
    Stop,
}

/// The signals the screen handles. Made before the terminal is set up, so that none of them can
/// end the process with the terminal in the screen's modes.
pub(super) struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    quit: tokio::signal::unix::Signal,
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
                int: signal(SignalKind::interrupt())?,
                quit: signal(SignalKind::quit())?,
                tstp: signal(SignalKind::from_raw(libc::SIGTSTP))?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    pub(super) async fn recv(&mut self) -> Sig {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => Sig::End(libc::SIGTERM),
            _ = self.hup.recv() => Sig::End(libc::SIGHUP),
            _ = self.int.recv() => Sig::End(libc::SIGINT),
            _ = self.quit.recv() => Sig::End(libc::SIGQUIT),
            _ = self.tstp.recv() => Sig::Stop,
        }
        #[cfg(not(unix))]
        std::future::pending::<Sig>().await
    }
}

/// How the screen ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The user quit.
    Quit,
    /// A signal ended it (its number).
    Signal(i32),
}

impl Ended {
    /// The process's exit code: 0, or 128 + the signal's number as shells report a process a
    /// signal ended (SIGHUP 129, SIGINT 130, SIGQUIT 131, SIGTERM 143).
    pub fn exit_code(self) -> u8 {
        match self {
            Ended::Quit => 0,
            Ended::Signal(n) => (128 + n).clamp(0, 255) as u8,
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_signal_exits_128_and_its_number() {
        assert_eq!(Ended::Quit.exit_code(), 0);
        assert_eq!(Ended::Signal(libc::SIGHUP).exit_code(), 129);
        assert_eq!(Ended::Signal(libc::SIGINT).exit_code(), 130);
        assert_eq!(Ended::Signal(libc::SIGQUIT).exit_code(), 131);
        assert_eq!(Ended::Signal(libc::SIGTERM).exit_code(), 143);
    }
}
