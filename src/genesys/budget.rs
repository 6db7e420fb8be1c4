//! The rate budget of one OAuth client, learnt from the `inin-ratelimit-*` headers every answer
//! carries (`allowed` requests a window, `count` spent in it so far, this one included, and
//! `reset` seconds until it ends), so that the program's own requests draw no 429 while the
//! budget allows, and go as fast as it allows when there is work.
//!
//! One [`Budget`] per [`super::Client`] (one client per OAuth client in the process): every
//! attempt takes a [`Ticket`] before it is sent and hands the answer's headers back.
//!
//! - Room: `allowed` minus what the window has spent (the headers' `count`, plus every request
//!   granted since the request that count was read from). A request waits only for the window to
//!   end (known from `reset`, an upper bound) or for an answer that says more: it waits on the
//!   clock and on answers of requests already sent, never on anything it holds, so nothing it
//!   holds can stall it.
//! - Priorities: background work (prefetch, follow refreshes, bulk attributes) leaves the last
//!   tenth of a window to what the user is looking at.
//! - A 429 holds every request of the client back for its `Retry-After`.
//! - Headers absent or nonsensical (negative, a reset in the past or beyond two minutes, an
//!   allowance of 0): no pacing, as before (429s are then handled by retries); a window whose end
//!   was never learnt is over after the longest window seen, so nothing waits forever. Another
//!   process spending the same budget shows in `count`; what it spends between two of our
//!   answers draws a 429, which is handled as any other.
//! - Whose: `count` less the requests we sent in the window is what other clients of the same
//!   OAuth client spent (another tool, another convoscope); when that is a noticeable share, a
//!   hold says so ([`Others`]), and so does the [`Snapshot`].

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// Who a request is for: what the user is looking at goes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Priority {
    /// The detail pane, a conversation opened by id, the first page of a list, an export.
    #[default]
    Foreground,
    /// Prefetch, follow refreshes, bulk attributes.
    Background,
}

/// The figures of one answer's `inin-ratelimit-*` headers, checked to make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateHeaders {
    pub allowed: u32,
    pub count: u32,
    /// Seconds until the window resets.
    pub reset: u64,
}

/// The longest window believed: the real API's is a minute, so a `reset` beyond twice that is
/// nonsense, and pacing by it would hold every request back for as long (a stall); without
/// pacing, a 429's `Retry-After` is waited out for a minute at most.
pub const MAX_RESET_SECS: u64 = 120;

impl RateHeaders {
    /// The headers' figures, or `None` when one is absent or makes no sense.
    pub fn parse(get: impl Fn(&str) -> Option<String>) -> Option<RateHeaders> {
        let num = |name: &str| -> Option<f64> {
            let v: f64 = get(name)?.trim().parse().ok()?;
            (v.is_finite() && v >= 0.0).then_some(v)
        };
        let allowed = num("inin-ratelimit-allowed")?;
        let count = num("inin-ratelimit-count")?;
        let reset = num("inin-ratelimit-reset")?;
        (allowed >= 1.0
            && allowed <= f64::from(u32::MAX)
            && reset > 0.0
            && reset <= MAX_RESET_SECS as f64)
            .then(|| RateHeaders {
                allowed: allowed as u32,
                count: count.min(f64::from(u32::MAX)) as u32,
                reset: reset.ceil() as u64,
            })
    }
}

/// Of one window's allowance, what other clients of the same OAuth client spent (another
/// tool, another convoscope): the headers' `count` less the requests we sent in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Others {
    pub spent: u32,
    pub allowed: u32,
}

impl Others {
    /// Said only when it is a noticeable share (a quarter of the window or more): a request of
    /// ours counted in a window we took for the one before cannot make it up.
    fn noticeable(spent: u32, allowed: u32) -> Option<Others> {
        (spent > 0 && u64::from(spent) * 4 >= u64::from(allowed)).then_some(Others {
            spent: spent.min(allowed),
            allowed,
        })
    }
}

/// Why requests are held back, for the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hold {
    #[default]
    None,
    /// Our own pacing: the window's budget is spent, until `until`; `others`: by whom else.
    Pacing {
        until: Instant,
        others: Option<Others>,
    },
    /// A 429 from the API: its `Retry-After` runs until `until`; `others`: who else spent the
    /// window when the 429 came.
    RateLimited {
        until: Instant,
        others: Option<Others>,
    },
}

impl Hold {
    /// Until when, unless it is [`Hold::None`].
    pub fn until(&self) -> Option<Instant> {
        match *self {
            Hold::None => None,
            Hold::Pacing { until, .. } | Hold::RateLimited { until, .. } => Some(until),
        }
    }
}

/// What [`Budget::snapshot`] tells: the last headers and the counts since the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// The last sensible headers (`None`: none yet, or the last answer had none).
    pub headers: Option<RateHeaders>,
    /// Requests sent (attempts, retries included).
    pub requests: u64,
    /// 429s received.
    pub rate_limited: u64,
    /// Time during which at least one request was held back (by pacing or a 429).
    pub waited: Duration,
    /// The most of one window other clients of the OAuth client were seen to spend, when
    /// noticeable.
    pub others: Option<Others>,
    /// The window's length, as far as learnt (the longest `reset` seen).
    pub window: Option<Duration>,
}

#[derive(Debug)]
struct State {
    /// `None`: not paced (no sensible headers yet, or the last answer had none).
    allowed: Option<u32>,
    headers: Option<RateHeaders>,
    /// An upper bound on the current window's end (`None`: not learnt yet).
    end: Option<Instant>,
    /// When the current window began for us (the last one ended).
    began: Instant,
    /// Tickets granted before this number belong to an earlier window: their counts are not
    /// this one's.
    epoch: u64,
    /// Requests the current window has spent, as far as we know.
    used: u32,
    /// Requests of ours in flight when the window began: the API may count them in it.
    carried: u32,
    /// What other clients spent of the current window, as far as the headers tell.
    others: u32,
    /// The most they spent of one window, when noticeable.
    others_peak: Option<Others>,
    /// Tickets granted so far.
    seq: u64,
    in_flight: u32,
    /// The longest `reset` seen: a window whose end was never learnt is over after it.
    longest: Duration,
    /// After a 429: nobody starts before this.
    not_before: Option<Instant>,
    /// Never paced ([`Budget::unpaced`]): headers are only shown.
    unpaced: bool,
    waiters: usize,
    waiting_since: Option<Instant>,
    waited: Duration,
    requests: u64,
    rate_limited: u64,
}

/// See the module documentation.
#[derive(Debug)]
pub struct Budget {
    state: Mutex<State>,
    /// Woken when an answer or a window's end may leave room.
    changed: Notify,
    hold: watch::Sender<Hold>,
}

impl Default for Budget {
    fn default() -> Self {
        Self::new()
    }
}

/// The right to send one request; hand its answer back with [`Ticket::answered`] (dropping it
/// says the request got no answer).
#[derive(Debug)]
pub struct Ticket<'a> {
    budget: &'a Budget,
    seq: u64,
    live: bool,
}

/// The share of a window background work leaves to the foreground.
fn reserve(allowed: u32) -> u32 {
    if allowed < 4 { 0 } else { allowed.div_ceil(10) }
}

impl Budget {
    pub fn new() -> Self {
        Budget {
            state: Mutex::new(State {
                allowed: None,
                headers: None,
                end: None,
                began: Instant::now(),
                epoch: 0,
                used: 0,
                carried: 0,
                others: 0,
                others_peak: None,
                seq: 0,
                in_flight: 0,
                longest: Duration::ZERO,
                not_before: None,
                unpaced: false,
                waiters: 0,
                waiting_since: None,
                waited: Duration::ZERO,
                requests: 0,
                rate_limited: 0,
            }),
            changed: Notify::new(),
            hold: watch::Sender::new(Hold::None),
        }
    }

    /// A budget that never paces: it only counts, and holds everything back for a 429's
    /// `Retry-After`.
    pub fn unpaced() -> Self {
        let b = Self::new();
        b.state.lock().unwrap().unpaced = true;
        b
    }

    /// Why requests are held back now; `changed().await` on it to follow.
    pub fn hold(&self) -> watch::Receiver<Hold> {
        self.hold.subscribe()
    }

    pub fn snapshot(&self) -> Snapshot {
        let st = self.state.lock().unwrap();
        let waited = st.waited + st.waiting_since.map_or(Duration::ZERO, |t| t.elapsed());
        Snapshot {
            headers: st.headers,
            requests: st.requests,
            rate_limited: st.rate_limited,
            waited,
            others: st.others_peak,
            window: (st.longest > Duration::ZERO).then_some(st.longest),
        }
    }

    /// Waits until the budget has room for one more request of `priority`, holding nothing
    /// meanwhile.
    pub async fn acquire(&self, priority: Priority) -> Ticket<'_> {
        // Counted among the waiters while it waits, even when the wait is dropped half-way (a
        // stopped task): the status line's hold and the time waited end with it.
        let mut waiting = Waiting {
            budget: self,
            counted: false,
        };
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let now = Instant::now();
            let wait = {
                let mut st = self.state.lock().unwrap();
                roll(&mut st, now);
                match room(&st, priority, now) {
                    None => {
                        st.seq += 1;
                        st.used = st.used.saturating_add(1);
                        st.in_flight += 1;
                        st.requests += 1;
                        if std::mem::take(&mut waiting.counted) {
                            self.stop_waiting(&mut st, now);
                        } else if st.waiters == 0 {
                            // A 429's hold ends with the first request sent after it.
                            self.hold.send_if_modified(|h| replace(h, Hold::None));
                        }
                        return Ticket {
                            budget: self,
                            seq: st.seq,
                            live: true,
                        };
                    }
                    Some(hold) => {
                        if !waiting.counted {
                            waiting.counted = true;
                            st.waiters += 1;
                            st.waiting_since.get_or_insert(now);
                        }
                        self.hold.send_if_modified(|h| replace(h, hold));
                        hold
                    }
                }
            };
            let until = wait.until().unwrap_or(now);
            tokio::select! {
                () = tokio::time::sleep_until(until) => {}
                () = &mut changed => {}
            }
        }
    }

    /// Waits out the 429's hold (`Retry-After`, see [`Budget::rate_limited`]) as a request
    /// held back: the status line shows it, and the time counts as waited, even when no other
    /// request is waiting meanwhile.
    pub async fn sit_out(&self) {
        let mut waiting = Waiting {
            budget: self,
            counted: false,
        };
        loop {
            let now = Instant::now();
            let until = {
                let mut st = self.state.lock().unwrap();
                match st.not_before.filter(|&t| t > now) {
                    None => {
                        if std::mem::take(&mut waiting.counted) {
                            self.stop_waiting(&mut st, now);
                        }
                        return;
                    }
                    Some(t) => {
                        if !waiting.counted {
                            waiting.counted = true;
                            st.waiters += 1;
                            st.waiting_since.get_or_insert(now);
                        }
                        t
                    }
                }
            };
            tokio::time::sleep_until(until).await;
        }
    }

    fn stop_waiting(&self, st: &mut State, now: Instant) {
        st.waiters = st.waiters.saturating_sub(1);
        if st.waiters == 0 {
            if let Some(t) = st.waiting_since.take() {
                st.waited += now.saturating_duration_since(t);
            }
            self.hold.send_if_modified(|h| replace(h, Hold::None));
        }
    }

    /// A 429 came back: nobody starts before `retry_after` is over, and the window is spent,
    /// unless the 429's own headers say it is not (a limit other than this budget's: waiting
    /// for the window's end, a minute, where the API asked for a second, was a needless stall).
    /// The hold shows at once (the request that drew it waits out `retry_after` itself).
    pub fn rate_limited(&self, retry_after: Duration) {
        let until = Instant::now() + retry_after;
        let mut st = self.state.lock().unwrap();
        st.rate_limited += 1;
        if st.not_before.is_none_or(|t| t < until) {
            st.not_before = Some(until);
        }
        let spent = st.headers.is_none_or(|h| h.count >= h.allowed);
        if let Some(a) = st.allowed.filter(|_| spent) {
            st.used = st.used.max(a);
        }
        let hold = Hold::RateLimited {
            until: st.not_before.unwrap_or(until),
            others: others_now(&st),
        };
        self.hold.send_if_modified(|h| replace(h, hold));
    }

    fn answered(&self, seq: u64, headers: Option<Option<RateHeaders>>) {
        let now = Instant::now();
        {
            let mut st = self.state.lock().unwrap();
            st.in_flight = st.in_flight.saturating_sub(1);
            match headers {
                // No answer (a network error): nothing learnt.
                None => {}
                // An answer without sensible headers: not paced, as before.
                Some(None) => {
                    st.allowed = None;
                    st.headers = None;
                }
                Some(Some(h)) if st.unpaced => st.headers = Some(h),
                Some(Some(h)) => {
                    st.allowed = Some(h.allowed);
                    st.headers = Some(h);
                    let reset = Duration::from_secs(h.reset);
                    st.longest = st.longest.max(reset);
                    roll(&mut st, now);
                    // A ticket of an earlier window may have been counted in either: its
                    // figures say nothing sure of this one.
                    if seq > st.epoch {
                        let end = now + reset;
                        st.end = Some(st.end.map_or(end, |e| e.min(end)));
                        let since = (st.seq - seq).min(u64::from(u32::MAX)) as u32;
                        st.used = st.used.max(h.count.saturating_add(since));
                        // Ours the API may have counted in the window up to this one: those
                        // granted in it so far, and those on their way when it began.
                        let ours = (seq - st.epoch).min(u64::from(u32::MAX)) as u32;
                        let spent = h.count.saturating_sub(ours.saturating_add(st.carried));
                        st.others = st.others.max(spent);
                        if let Some(o) = Others::noticeable(st.others, h.allowed)
                            && st.others_peak.is_none_or(|p| p.spent < o.spent)
                        {
                            st.others_peak = Some(o);
                        }
                    }
                }
            }
        }
        self.changed.notify_waiters();
    }
}

/// Starts a new window when the current one is over.
fn roll(st: &mut State, now: Instant) {
    let over = match st.end {
        Some(e) => now >= e,
        // An end never learnt: over after the longest window seen (never a stall).
        None => st.used > 0 && now >= st.began + st.longest + Duration::from_secs(1),
    };
    if over {
        // Requests still in flight may land in the new window.
        st.used = if st.end.is_some() { st.in_flight } else { 0 };
        st.carried = st.used;
        st.others = 0;
        st.end = None;
        st.began = now;
        st.epoch = st.seq;
    }
}

/// `None` when a request of `priority` may go now; else why it waits and until when.
fn room(st: &State, priority: Priority, now: Instant) -> Option<Hold> {
    if let Some(t) = st.not_before.filter(|&t| t > now) {
        return Some(Hold::RateLimited {
            until: t,
            others: others_now(st),
        });
    }
    let allowed = st.allowed?;
    let limit = match priority {
        Priority::Foreground => allowed,
        Priority::Background => allowed - reserve(allowed),
    };
    if st.used < limit {
        return None;
    }
    let until = st
        .end
        .unwrap_or(st.began + st.longest + Duration::from_secs(1));
    Some(Hold::Pacing {
        until,
        others: others_now(st),
    })
}

/// What other clients spent of the current window, when noticeable.
fn others_now(st: &State) -> Option<Others> {
    Others::noticeable(st.others, st.headers?.allowed)
}

/// Sets the hold; `true` (watchers told) when it changed: its kind, its end or whose.
fn replace(h: &mut Hold, new: Hold) -> bool {
    let changed = *h != new;
    *h = new;
    changed
}

/// A waiter of [`Budget::acquire`], counted until it gets its ticket or is dropped.
struct Waiting<'a> {
    budget: &'a Budget,
    counted: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.counted {
            let mut st = self.budget.state.lock().unwrap();
            self.budget.stop_waiting(&mut st, Instant::now());
        }
    }
}

impl Ticket<'_> {
    /// The answer came, with these headers (`None`: absent or nonsensical).
    pub fn answered(mut self, headers: Option<RateHeaders>) {
        if std::mem::take(&mut self.live) {
            self.budget.answered(self.seq, Some(headers));
        }
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if std::mem::take(&mut self.live) {
            self.budget.answered(self.seq, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::task::{Context, Poll};

    fn h(allowed: u32, count: u32, reset: u64) -> Option<RateHeaders> {
        Some(RateHeaders {
            allowed,
            count,
            reset,
        })
    }

    fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        f.poll(&mut Context::from_waker(std::task::Waker::noop()))
    }

    #[test]
    fn headers_that_make_no_sense_are_none() {
        let parse = |a: &str, c: &str, r: &str| {
            RateHeaders::parse(|n| {
                Some(
                    match n {
                        "inin-ratelimit-allowed" => a,
                        "inin-ratelimit-count" => c,
                        _ => r,
                    }
                    .to_string(),
                )
            })
        };
        assert_eq!(parse("300", "12", "41"), h(300, 12, 41));
        assert_eq!(parse("300", "12", "0.2"), h(300, 12, 1));
        for (a, c, r) in [
            ("0", "1", "10"),
            ("-5", "1", "10"),
            ("300", "-1", "10"),
            ("300", "1", "0"),
            ("300", "1", "-3"),
            ("300", "1", "99999999"),
            // A per-minute budget's window never resets in 50 minutes: pacing by it would
            // hold every request back as long.
            ("300", "999999", "3000"),
            ("x", "1", "10"),
            ("NaN", "1", "10"),
        ] {
            assert_eq!(parse(a, c, r), None, "{a} {c} {r}");
        }
        assert_eq!(RateHeaders::parse(|_| None), None);
    }

    #[tokio::test(start_paused = true)]
    async fn without_headers_nothing_waits() {
        let b = Budget::new();
        for _ in 0..1000 {
            b.acquire(Priority::Background).await.answered(None);
        }
        assert_eq!(b.snapshot().requests, 1000);
        assert_eq!(b.snapshot().waited, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_window_waits_for_its_reset_then_fills_the_next() {
        let b = Budget::new();
        let t0 = Instant::now();
        b.acquire(Priority::Foreground).await.answered(h(5, 1, 2));
        // Four more fit; they are sent at once (no needless idling).
        let tickets: Vec<_> = futures_all(&b, 4).await;
        assert_eq!(Instant::now(), t0);
        for (i, t) in tickets.into_iter().enumerate() {
            t.answered(h(5, 2 + i as u32, 2));
        }
        // The sixth waits for the window's end.
        let sixth = b.acquire(Priority::Foreground).await;
        assert!(Instant::now() >= t0 + Duration::from_secs(2));
        sixth.answered(h(5, 1, 2));
        assert!(b.snapshot().waited >= Duration::from_secs(2));
    }

    async fn futures_all(b: &Budget, n: usize) -> Vec<Ticket<'_>> {
        let mut v = Vec::new();
        for _ in 0..n {
            v.push(b.acquire(Priority::Foreground).await);
        }
        v
    }

    #[tokio::test(start_paused = true)]
    async fn requests_in_flight_count_before_their_answers() {
        let b = Budget::new();
        b.acquire(Priority::Foreground).await.answered(h(3, 1, 10));
        let a = b.acquire(Priority::Foreground).await;
        let c = b.acquire(Priority::Foreground).await;
        let mut fourth = Box::pin(b.acquire(Priority::Foreground));
        assert!(
            poll_once(fourth.as_mut()).is_pending(),
            "3 of 3 spent or in flight"
        );
        assert!(matches!(*b.hold().borrow(), Hold::Pacing { .. }));
        a.answered(h(3, 2, 10));
        c.answered(h(3, 3, 10));
        assert!(poll_once(fourth.as_mut()).is_pending());
        drop(fourth);
    }

    #[tokio::test(start_paused = true)]
    async fn another_process_spending_shows_in_the_count() {
        let b = Budget::new();
        b.acquire(Priority::Foreground).await.answered(h(10, 1, 30));
        // Someone else spent 8 meanwhile: our second request is the 10th.
        b.acquire(Priority::Foreground)
            .await
            .answered(h(10, 10, 30));
        let mut next = Box::pin(b.acquire(Priority::Foreground));
        assert!(poll_once(next.as_mut()).is_pending());
    }

    #[tokio::test(start_paused = true)]
    async fn background_leaves_the_last_tenth_to_the_foreground() {
        let b = Budget::new();
        b.acquire(Priority::Background).await.answered(h(20, 1, 60));
        for _ in 0..17 {
            b.acquire(Priority::Background)
                .await
                .answered(None.or(h(20, 0, 60)));
        }
        let mut bg = Box::pin(b.acquire(Priority::Background));
        assert!(
            poll_once(bg.as_mut()).is_pending(),
            "18 of 20: background waits"
        );
        let fg = b.acquire(Priority::Foreground).await;
        fg.answered(h(20, 19, 60));
        assert!(poll_once(bg.as_mut()).is_pending());
        drop(bg);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_holds_every_request_for_its_retry_after() {
        let b = Budget::new();
        let t0 = Instant::now();
        b.rate_limited(Duration::from_secs(3));
        assert_eq!(b.snapshot().rate_limited, 1);
        let mut w = Box::pin(b.acquire(Priority::Foreground));
        assert!(poll_once(w.as_mut()).is_pending());
        assert!(matches!(*b.hold().borrow(), Hold::RateLimited { .. }));
        w.await.answered(None);
        assert!(Instant::now() >= t0 + Duration::from_secs(3));
        assert_eq!(*b.hold().borrow(), Hold::None);
        // A wait dropped half-way (a stopped task) ends the hold as well.
        b.rate_limited(Duration::from_secs(3));
        let mut w = Box::pin(b.acquire(Priority::Foreground));
        assert!(poll_once(w.as_mut()).is_pending());
        assert!(matches!(*b.hold().borrow(), Hold::RateLimited { .. }));
        drop(w);
        assert_eq!(*b.hold().borrow(), Hold::None);
        assert_eq!(b.state.lock().unwrap().waiters, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_window_whose_end_is_never_learnt_does_not_stall() {
        let b = Budget::new();
        b.acquire(Priority::Foreground).await.answered(h(2, 1, 5));
        // The window ends; the next requests' answers never come (dropped tickets).
        tokio::time::advance(Duration::from_secs(6)).await;
        drop(b.acquire(Priority::Foreground).await);
        drop(b.acquire(Priority::Foreground).await);
        let t = Instant::now();
        let third = tokio::time::timeout(Duration::from_secs(60), b.acquire(Priority::Foreground))
            .await
            .expect("bounded by the longest window seen");
        assert!(Instant::now() <= t + Duration::from_secs(7));
        drop(third);
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_without_headers_stops_pacing() {
        let b = Budget::new();
        b.acquire(Priority::Foreground).await.answered(h(1, 1, 60));
        let mut w = Box::pin(b.acquire(Priority::Foreground));
        assert!(poll_once(w.as_mut()).is_pending());
        drop(w);
        // A request already in flight answers without headers.
        {
            let mut st = b.state.lock().unwrap();
            st.in_flight += 1;
        }
        b.answered(u64::MAX, Some(None));
        let t = Instant::now();
        b.acquire(Priority::Foreground).await.answered(None);
        assert_eq!(Instant::now(), t);
    }

    #[tokio::test(start_paused = true)]
    async fn what_other_clients_spend_is_told_apart_from_ours() {
        let b = Budget::new();
        // Ours: the 1st and 2nd of the window. Then a colleague's tool spends 17.
        b.acquire(Priority::Foreground).await.answered(h(20, 1, 10));
        b.acquire(Priority::Foreground).await.answered(h(20, 2, 10));
        assert_eq!(b.snapshot().others, None);
        b.acquire(Priority::Foreground)
            .await
            .answered(h(20, 20, 10));
        let mut next = Box::pin(b.acquire(Priority::Foreground));
        assert!(poll_once(next.as_mut()).is_pending());
        let others = Some(Others {
            spent: 17,
            allowed: 20,
        });
        assert!(
            matches!(*b.hold().borrow(), Hold::Pacing { others: o, .. } if o == others),
            "{:?}",
            *b.hold().borrow()
        );
        drop(next);
        assert_eq!(b.snapshot().others, others);
        // A 429 says whose it is as soon as it comes.
        let t = b.acquire(Priority::Foreground).await;
        t.answered(h(20, 23, 9));
        b.rate_limited(Duration::from_secs(9));
        assert!(
            matches!(*b.hold().borrow(), Hold::RateLimited { others: o, .. } if o.is_some()),
            "{:?}",
            *b.hold().borrow()
        );
        // The next window starts afresh; a few of ours counted in it (sent as it began) are
        // not taken for someone else's.
        tokio::time::advance(Duration::from_secs(10)).await;
        let a = b.acquire(Priority::Foreground).await;
        assert_eq!(*b.hold().borrow(), Hold::None, "the 429's hold ended");
        a.answered(h(20, 2, 10));
        let mut ours = Vec::new();
        for i in 0..3 {
            let t = b.acquire(Priority::Foreground).await;
            ours.push((t, i));
        }
        for (t, i) in ours {
            t.answered(h(20, 3 + i, 10));
        }
        assert_eq!(others_now(&b.state.lock().unwrap()), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_tells_each_new_end() {
        let b = Budget::new();
        b.acquire(Priority::Foreground).await.answered(h(5, 1, 5));
        let mut hold = b.hold();
        b.rate_limited(Duration::from_secs(10));
        let mut w = Box::pin(b.acquire(Priority::Foreground));
        assert!(poll_once(w.as_mut()).is_pending());
        let first = hold.borrow_and_update().until();
        assert!(first.is_some());
        // Another 429, for longer: watchers hear of the new end (the status line counts down
        // to it, not to the first).
        b.rate_limited(Duration::from_secs(30));
        assert!(hold.has_changed().unwrap());
        let second = hold.borrow_and_update().until();
        assert!(second > first, "{second:?} {first:?}");
        drop(w);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_whose_headers_leave_room_holds_for_its_retry_after_only() {
        let b = Budget::new();
        let t0 = Instant::now();
        // The 429's own figures: 3 of 60 spent, the window ends in 50 s.
        b.acquire(Priority::Foreground).await.answered(h(60, 3, 50));
        b.rate_limited(Duration::from_secs(1));
        b.acquire(Priority::Foreground).await.answered(h(60, 4, 49));
        assert_eq!(Instant::now(), t0 + Duration::from_secs(1));
        // A 429 of this budget (its window spent) holds until the window's end.
        b.acquire(Priority::Foreground)
            .await
            .answered(h(60, 61, 40));
        b.rate_limited(Duration::from_secs(1));
        b.acquire(Priority::Foreground).await.answered(h(60, 1, 60));
        assert!(Instant::now() >= t0 + Duration::from_secs(41));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_waited_out_alone_counts_as_waited() {
        let b = Budget::new();
        let t0 = Instant::now();
        b.rate_limited(Duration::from_secs(3));
        b.sit_out().await;
        assert_eq!(Instant::now(), t0 + Duration::from_secs(3));
        assert_eq!(b.snapshot().waited, Duration::from_secs(3));
        assert_eq!(*b.hold().borrow(), Hold::None, "over with the wait");
        // Nothing to sit out: no wait.
        b.sit_out().await;
        assert_eq!(Instant::now(), t0 + Duration::from_secs(3));
    }
}
