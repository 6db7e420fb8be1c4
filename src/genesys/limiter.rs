//! Adaptive concurrency for the requests of one piece of work (a range query, an export): at most
//! `max` requests in flight, one fewer after each 429, one more after a run of successes; and
//! after a 429, no request of the work starts before its `Retry-After` is over ("not before").
//!
//! The client takes a permit for every attempt (retries included) and gives it back before it
//! sleeps, so a lowered limit and a "not before" hold for every request of the work at once.
//!
//! Nothing holds budget while it waits for something else: a permit is taken only by a waiter
//! that is being polled and finds a free slot (a waiter nobody polls takes nothing, unlike a fair
//! semaphore, which hands a freed slot to the first waiter in line even when nobody polls it:
//! that is how an export deadlocked under 429s), and a waiter sits out a "not before" without
//! a permit.

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Successes in a row before one more request may be in flight.
pub const RAISE_AFTER: usize = 8;
/// The most requests in flight a limiter allows.
pub const MAX_CONCURRENCY: usize = 16;

/// See the module documentation. Share it (`Arc`) between the tasks of one piece of work.
#[derive(Debug)]
pub struct Limiter {
    max: usize,
    state: Mutex<State>,
    /// Woken when a slot is freed.
    freed: Notify,
}

#[derive(Debug)]
struct State {
    /// Requests in flight (permits out).
    in_flight: usize,
    /// Requests allowed in flight now (1 to `max`).
    current: usize,
    successes: usize,
    not_before: Option<Instant>,
}

/// The right to send one request; give it back with [`Permit::done`] (dropping it counts as
/// neither a success nor a failure).
#[derive(Debug)]
pub struct Permit<'a> {
    limiter: &'a Limiter,
    live: bool,
}

/// How an attempt went, for [`Permit::done`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    /// A 429: see [`Limiter::rate_limited`].
    RateLimited,
    Failure,
}

impl Limiter {
    /// At most `max` (1 to 16) requests in flight.
    pub fn new(max: usize) -> Self {
        let max = max.clamp(1, MAX_CONCURRENCY);
        Limiter {
            max,
            state: Mutex::new(State {
                in_flight: 0,
                current: max,
                successes: 0,
                not_before: None,
            }),
            freed: Notify::new(),
        }
    }

    /// The most requests in flight it ever allows.
    pub fn max(&self) -> usize {
        self.max
    }

    /// The requests in flight it allows now.
    pub fn current(&self) -> usize {
        self.state.lock().unwrap().current
    }

    /// The requests in flight now.
    pub fn in_flight(&self) -> usize {
        self.state.lock().unwrap().in_flight
    }

    /// When requests may start again after a 429 (`None`: now).
    pub fn not_before(&self) -> Option<Instant> {
        self.state
            .lock()
            .unwrap()
            .not_before
            .filter(|&t| t > Instant::now())
    }

    /// Waits for the end of any "not before" and for a free slot, holding nothing meanwhile.
    pub async fn acquire(&self) -> Permit<'_> {
        loop {
            // Registered before looking, so that a slot freed in between is not missed.
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            let wait_until = {
                let mut st = self.state.lock().unwrap();
                match st.not_before.filter(|&t| t > Instant::now()) {
                    Some(t) => Some(t),
                    None if st.in_flight < st.current => {
                        st.in_flight += 1;
                        return Permit {
                            limiter: self,
                            live: true,
                        };
                    }
                    None => None,
                }
            };
            match wait_until {
                Some(t) => tokio::time::sleep_until(t).await,
                None => freed.await,
            }
        }
    }

    /// A 429 came back: nobody starts for `retry_after`, and one fewer request may be in flight.
    pub fn rate_limited(&self, retry_after: Duration) {
        let until = Instant::now() + retry_after;
        let mut st = self.state.lock().unwrap();
        if st.not_before.is_none_or(|t| t < until) {
            st.not_before = Some(until);
        }
        st.successes = 0;
        st.current = st.current.saturating_sub(1).max(1);
    }

    fn release(&self, outcome: Outcome) {
        {
            let mut st = self.state.lock().unwrap();
            st.in_flight = st.in_flight.saturating_sub(1);
            if outcome == Outcome::Success {
                st.successes += 1;
                if st.successes >= RAISE_AFTER {
                    st.successes = 0;
                    st.current = (st.current + 1).min(self.max);
                }
            }
        }
        // Every waiter looks again; those nobody polls take nothing.
        self.freed.notify_waiters();
    }
}

impl Permit<'_> {
    /// Gives the slot back, saying how the attempt went.
    pub fn done(mut self, outcome: Outcome) {
        if std::mem::take(&mut self.live) {
            self.limiter.release(outcome);
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if std::mem::take(&mut self.live) {
            self.limiter.release(Outcome::Failure);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::task::{Context, Poll};

    #[tokio::test]
    async fn lowers_on_429_and_recovers_slowly() {
        let l = Limiter::new(4);
        let held = l.acquire().await;
        l.rate_limited(Duration::ZERO);
        l.rate_limited(Duration::ZERO);
        assert_eq!(l.current(), 2);
        l.rate_limited(Duration::ZERO);
        l.rate_limited(Duration::ZERO);
        assert_eq!(l.current(), 1, "never below one");
        held.done(Outcome::Success);
        // One slot is left for requests.
        let p = l.acquire().await;
        let second = std::pin::pin!(l.acquire());
        assert!(poll_once(second).is_pending());
        p.done(Outcome::Success);
        for _ in 0..RAISE_AFTER - 1 {
            l.acquire().await.done(Outcome::Success);
        }
        assert_eq!(l.current(), 2);
        let (a, b) = (l.acquire().await, l.acquire().await);
        assert_eq!(l.in_flight(), 2);
        drop((a, b));
        assert_eq!(l.in_flight(), 0);
    }

    #[tokio::test]
    async fn after_a_429_nobody_starts_before_retry_after() {
        // A lower bound on the time waited is deterministic: no flakiness.
        let l = Limiter::new(4);
        let t0 = Instant::now();
        let first = l.acquire().await;
        l.rate_limited(Duration::from_millis(300));
        first.done(Outcome::RateLimited);
        // Another request of the same work, which never saw the 429, waits as well.
        let other = l.acquire().await;
        assert!(Instant::now() >= t0 + Duration::from_millis(300));
        assert_eq!(l.not_before(), None);
        other.done(Outcome::Success);
        // A shorter Retry-After never shortens a longer one.
        let t1 = Instant::now();
        l.rate_limited(Duration::from_millis(400));
        l.rate_limited(Duration::from_millis(10));
        l.acquire().await.done(Outcome::Success);
        assert!(Instant::now() >= t1 + Duration::from_millis(400));
    }

    #[tokio::test]
    async fn a_dropped_permit_is_given_back() {
        let l = Limiter::new(1);
        drop(l.acquire().await);
        l.acquire().await.done(Outcome::Failure);
        assert_eq!(l.in_flight(), 0);
    }

    fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        let waker = std::task::Waker::noop();
        f.poll(&mut Context::from_waker(waker))
    }

    /// Issue 12.1: a waiter that nobody polls any more (a page future buffered behind a full
    /// channel) must not take the slot another task waits for.
    #[tokio::test]
    async fn a_waiter_nobody_polls_takes_no_slot() {
        let l = std::sync::Arc::new(Limiter::new(1));
        let held = l.acquire().await;
        // Queued, then forgotten (never polled again, never dropped while the test runs).
        let mut forgotten = Box::pin(l.acquire());
        assert!(poll_once(forgotten.as_mut()).is_pending());
        let other = {
            let l = l.clone();
            tokio::spawn(async move { l.acquire().await.done(Outcome::Success) })
        };
        held.done(Outcome::Success);
        tokio::time::timeout(Duration::from_secs(5), other)
            .await
            .expect("the task that is polled gets the slot")
            .unwrap();
        drop(forgotten);
        assert_eq!(l.in_flight(), 0);
    }

    /// Issue 12.1: a request that waits out a 429's Retry-After holds no slot meanwhile.
    #[tokio::test]
    async fn waiting_out_a_retry_after_holds_no_slot() {
        let l = Limiter::new(2);
        l.rate_limited(Duration::from_millis(100));
        assert_eq!(l.current(), 1);
        let mut waiting = Box::pin(l.acquire());
        assert!(poll_once(waiting.as_mut()).is_pending());
        assert_eq!(l.in_flight(), 0, "no slot taken while the 429's wait lasts");
        let p = waiting.await;
        assert_eq!(l.in_flight(), 1);
        p.done(Outcome::Success);
    }
}
