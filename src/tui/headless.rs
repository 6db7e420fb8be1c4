//! The screen without a terminal: the state and the runner that carries out its effects,
//! exactly as the event loop does, for tests and benchmarks against a real API (the
//! simulator on loopback). Nothing is drawn and no terminal mode is touched: the effects that
//! write to the terminal (mouse capture, the clipboard's OSC 52, redraws, suspend) are left
//! out.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::genesys::Client;

use super::app::{State, update};
use super::effects::Runner;
use super::event::{Effect, Event};

/// A state driven by its own runner.
pub struct Headless {
    pub state: State,
    runner: Runner,
    rx: mpsc::Receiver<Event>,
    /// Events handled so far.
    pub handled: u64,
}

impl Headless {
    /// A screen of `width` x `height` over `client` (logged in already, or logging in at its
    /// first request), starting from `state`.
    pub fn new(client: Arc<Client>, mut state: State, width: u16, height: u16) -> Headless {
        let (tx, rx) = mpsc::channel(1024);
        let runner = Runner::new(client, tx, crate::paging::DEFAULT_CONCURRENCY);
        state.connecting = false;
        update(&mut state, Event::Resize { width, height });
        Headless {
            state,
            runner,
            rx,
            handled: 0,
        }
    }

    /// Handles one event and carries out the effects it asks for.
    pub fn send(&mut self, ev: Event) {
        let fx = update(&mut self.state, ev);
        self.handled += 1;
        self.apply(fx);
    }

    fn apply(&mut self, fx: Vec<Effect>) {
        let fx: Vec<Effect> = fx
            .into_iter()
            .filter(|e| {
                !matches!(
                    e,
                    Effect::Mouse(_) | Effect::Copy(_) | Effect::Redraw | Effect::Suspend
                )
            })
            .collect();
        // The remaining effects do no terminal I/O: they cannot fail.
        let _ = self.runner.run(fx);
    }

    /// Handles the events the background work sends until `done` holds after one, or
    /// `deadline`. Returns whether `done` held.
    pub async fn run_until(
        &mut self,
        deadline: Instant,
        mut done: impl FnMut(&State) -> bool,
    ) -> bool {
        if done(&self.state) {
            return true;
        }
        while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            self.send(ev);
            if done(&self.state) {
                return true;
            }
        }
        done(&self.state)
    }

    /// Handles every event until `deadline`, calling `each` after each one.
    pub async fn run_for(&mut self, deadline: Instant, mut each: impl FnMut(&State, u64)) {
        while let Ok(Some(ev)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            self.send(ev);
            each(&self.state, self.handled);
        }
    }

    /// Stops the background work; the notification channel's topics go and its socket closes.
    pub async fn shutdown(mut self) {
        self.runner.shutdown().await;
    }
}
