//! Adaptive concurrency for the requests of one piece of work (a range query, an export): at most
//! `max` requests in flight, one fewer after each 429, one more after a run of successes; and
//! after a 429, no request of the work starts before its `Retry-After` is over ("not before").
//!
//! The client takes a permit for every attempt (retries included) and gives it back before it
//! sleeps, so a lowered limit and a "not before" hold for every request of the work at once.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// Successes in a row before one more request may be in flight.
pub const RAISE_AFTER: usize = 8;
/// The most requests in flight a limiter allows.
pub const MAX_CONCURRENCY: usize = 16;

/// See the module documentation. Share it (`Arc`) between the tasks of one piece of work.
#[derive(Debug)]
pub struct Limiter {
    sem: Semaphore,
    max: usize,
    current: AtomicUsize,
    /// Permits to drop as they come back, after a slow-down found them all in use.
    debt: AtomicUsize,
    successes: AtomicUsize,
    not_before: Mutex<Option<Instant>>,
}

/// The right to send one request; give it back with [`Permit::done`] (dropping it counts as
/// neither a success nor a failure).
#[derive(Debug)]
pub struct Permit<'a> {
    limiter: &'a Limiter,
    permit: Option<SemaphorePermit<'a>>,
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
            sem: Semaphore::new(max),
            max,
            current: AtomicUsize::new(max),
            debt: AtomicUsize::new(0),
            successes: AtomicUsize::new(0),
            not_before: Mutex::new(None),
        }
    }

    /// The most requests in flight it ever allows.
    pub fn max(&self) -> usize {
        self.max
    }

    /// The requests in flight it allows now.
    pub fn current(&self) -> usize {
        self.current.load(Ordering::Acquire)
    }

    /// When requests may start again after a 429 (`None`: now).
    pub fn not_before(&self) -> Option<Instant> {
        self.not_before
            .lock()
            .unwrap()
            .filter(|&t| t > Instant::now())
    }

    /// Waits for a free slot and for the end of any "not before".
    pub async fn acquire(&self) -> Permit<'_> {
        let permit = self
            .sem
            .acquire()
            .await
            .expect("the semaphore is never closed");
        // A 429 seen while waiting holds this request back too.
        while let Some(t) = self.not_before() {
            tokio::time::sleep_until(t).await;
        }
        Permit {
            limiter: self,
            permit: Some(permit),
        }
    }

    /// A 429 came back: nobody starts for `retry_after`, and one fewer request may be in flight.
    pub fn rate_limited(&self, retry_after: Duration) {
        {
            let until = Instant::now() + retry_after;
            let mut nb = self.not_before.lock().unwrap();
            if nb.is_none_or(|t| t < until) {
                *nb = Some(until);
            }
        }
        self.successes.store(0, Ordering::Release);
        let lowered = self
            .current
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                (c > 1).then_some(c - 1)
            })
            .is_ok();
        if lowered && self.sem.forget_permits(1) == 0 {
            self.debt.fetch_add(1, Ordering::AcqRel);
        }
    }

    fn release(&self, permit: SemaphorePermit<'_>, outcome: Outcome) {
        let owed = self
            .debt
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |d| d.checked_sub(1))
            .is_ok();
        if owed {
            permit.forget();
        } else {
            drop(permit);
        }
        if outcome == Outcome::Success
            && self.successes.fetch_add(1, Ordering::AcqRel) + 1 >= RAISE_AFTER
        {
            self.successes.store(0, Ordering::Release);
            let raised = self
                .current
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                    (c < self.max).then_some(c + 1)
                })
                .is_ok();
            if raised {
                self.sem.add_permits(1);
            }
        }
    }
}

impl Permit<'_> {
    /// Gives the slot back, saying how the attempt went.
    pub fn done(mut self, outcome: Outcome) {
        if let Some(p) = self.permit.take() {
            self.limiter.release(p, outcome);
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(p) = self.permit.take() {
            self.limiter.release(p, Outcome::Failure);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // One permit is left for requests.
        let p = l.acquire().await;
        assert!(l.sem.try_acquire().is_err());
        p.done(Outcome::Success);
        for _ in 0..RAISE_AFTER - 1 {
            l.acquire().await.done(Outcome::Success);
        }
        assert_eq!(l.current(), 2);
        assert_eq!(l.sem.available_permits(), 2);
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
        assert_eq!(l.sem.available_permits(), 1);
    }
}
