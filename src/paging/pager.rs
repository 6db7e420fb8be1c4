//! The pager: the parts of a range, their pages, the checks of each page, and the order in
//! which events leave.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::Duration;
use futures::{StreamExt, TryStreamExt};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::check::{self, Fault, IdSet, Shortfall};
use super::{Limiter, PageEvent, QueryOptions, Resume};
use crate::genesys::client::CallOpts;
use crate::genesys::query::{DetailsQuery, Interval, MAX_PAGE_SIZE, Order, utc_midnight};
use crate::genesys::records::{Page, Record};
use crate::genesys::retry::Wait;
use crate::genesys::{Client, Error, Scope};

/// How many times a page that cannot be right is asked again (a wrong page now and then is
/// cheap to ask again; one that stays wrong costs these few requests).
const REASKS: u32 = 4;

/// The shortest part the task splits a range into: the API's intervals count milliseconds.
const MIN_PART_MS: i64 = 2;

/// The pagination task (see [`super::spawn_query`]).
pub(super) async fn run<E: From<PageEvent> + Send + 'static>(
    client: Arc<Client>,
    scope: Scope,
    opts: QueryOptions,
    query_id: u64,
    tx: mpsc::Sender<E>,
    cancel: CancellationToken,
) {
    let limiter = opts
        .limiter
        .clone()
        .unwrap_or_else(|| Arc::new(Limiter::new(opts.concurrency)));
    let sink = Sink {
        tx,
        cancel: cancel.clone(),
        query_id,
        waits: Arc::new(Waits {
            queue: Mutex::new(VecDeque::new()),
            wake: Notify::new(),
            cancel: cancel.clone(),
            query_id,
        }),
        order: tokio::sync::Mutex::new(()),
    };
    let pager = Pager::new(client, &scope, &opts, &sink, limiter);
    let outcome = tokio::select! {
        biased;
        _ = cancel.cancelled() => return,
        r = pager.run() => r,
        () = sink.forward_waits() => Err(Stop::Receiver),
    };
    let loaded = pager.loaded();
    let ev = match outcome {
        Ok(()) => {
            let short = std::mem::take(&mut pager.state.lock().unwrap().shortfall);
            if short.is_empty() {
                PageEvent::Done { query_id, loaded }
            } else {
                let error = short.error();
                tracing::warn!("{error}");
                PageEvent::Failed {
                    query_id,
                    error,
                    loaded,
                    resume: None,
                }
            }
        }
        Err(Stop::Receiver) => return,
        Err(Stop::Failed(error)) => PageEvent::Failed {
            query_id,
            error,
            loaded,
            resume: Some(pager.resume()),
        },
    };
    sink.send(ev).await;
}

struct Sink<E> {
    tx: mpsc::Sender<E>,
    cancel: CancellationToken,
    query_id: u64,
    waits: Arc<Waits>,
    /// Held while sending, so that events leave in the order they happened.
    order: tokio::sync::Mutex<()>,
}

/// Waits the synchronous retry observers reported, not sent yet (shared with the fetch tasks).
struct Waits {
    queue: Mutex<VecDeque<PageEvent>>,
    wake: Notify,
    cancel: CancellationToken,
    query_id: u64,
}

impl Waits {
    /// For the synchronous retry observer: queues the wait and wakes [`Sink::forward_waits`].
    fn notify(&self, w: &Wait) {
        if self.cancel.is_cancelled() {
            return;
        }
        self.queue.lock().unwrap().push_back(PageEvent::Waiting {
            query_id: self.query_id,
            seconds: w.delay.as_secs_f64().ceil() as u64,
            reason: w.reason.to_string(),
        });
        self.wake.notify_one();
    }
}

/// A spawned task, aborted when dropped. Page fetches run in tasks of their own so that they
/// keep moving, and give their limiter permits back, while the pager waits for the receiver:
/// a future buffered behind a full channel is polled by nobody, and whatever budget it holds
/// is lost to the rest of the work (the export's GET conversation calls, for one).
struct Task<T>(JoinHandle<T>);

impl<T> std::future::Future for Task<T> {
    type Output = T;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<T> {
        std::pin::Pin::new(&mut self.0).poll(cx).map(|r| match r {
            Ok(v) => v,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("a fetch task was cancelled while awaited: {e}"),
        })
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<E: From<PageEvent>> Sink<E> {
    /// Sends (after the waits reported before it) unless cancelled; false when the task should
    /// stop.
    async fn send(&self, ev: PageEvent) -> bool {
        if self.cancel.is_cancelled() {
            return false;
        }
        let _turn = tokio::select! {
            biased;
            _ = self.cancel.cancelled() => return false,
            g = self.order.lock() => g,
        };
        self.flush().await && self.send_now(ev).await
    }

    /// Sends the waits reported so far; the caller holds `order`.
    async fn flush(&self) -> bool {
        loop {
            let next = self.waits.queue.lock().unwrap().pop_front();
            match next {
                None => return true,
                Some(ev) => {
                    if !self.send_now(ev).await {
                        return false;
                    }
                }
            }
        }
    }

    async fn send_now(&self, ev: PageEvent) -> bool {
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => false,
            r = self.tx.send(E::from(ev)) => r.is_ok(),
        }
    }

    /// Sends waits as they are reported; returns only when the receiver is gone.
    async fn forward_waits(&self) {
        loop {
            self.waits.wake.notified().await;
            let _turn = self.order.lock().await;
            if !self.flush().await {
                if self.cancel.is_cancelled() {
                    // Cancelled: the task's select ends on that.
                    std::future::pending::<()>().await;
                }
                return;
            }
        }
    }
}

enum Stop {
    Failed(Error),
    Receiver,
}

impl From<Error> for Stop {
    fn from(e: Error) -> Self {
        Stop::Failed(e)
    }
}

/// Where paging stands: the part being paged and its first page not delivered yet.
#[derive(Debug, Clone, Copy)]
struct Position {
    part: Interval,
    page: u32,
    loaded_in_part: u64,
}

/// What the pager knows, shared by its paging and its counting.
struct State {
    loaded: u64,
    at: Position,
    /// Conversations of the parts a resumed query skips.
    skipped: u64,
    /// The best count known of each top-level part (0 until known): what the API counts, less
    /// the conversations seen not to belong to the part.
    counts: Vec<u64>,
    /// The plan of each top-level part after the first.
    plans: Vec<Plan>,
    /// Conversations without a start (they belong to no part): delivered once.
    startless: IdSet,
    /// What the API counted but did not deliver.
    shortfall: Shortfall,
}

/// Sub-parts of a part, with their counts when known.
type Parts = Vec<(Interval, Option<u64>)>;

/// What the background counting found out about a top-level part.
#[derive(Debug, Clone)]
enum Plan {
    Pending,
    /// Its sub-parts and their counts.
    Ready(Parts),
    /// Counting failed: paging counts it when it gets there (and fails if that fails too).
    Unknown,
}

struct Pager<'a, E> {
    client: Arc<Client>,
    scope: &'a Scope,
    opts: &'a QueryOptions,
    sink: &'a Sink<E>,
    limiter: Arc<Limiter>,
    /// The first part and the page to start it from; then the other top-level parts.
    first: (Interval, u32),
    rest: Vec<Interval>,
    state: Mutex<State>,
    plan_ready: Notify,
}

impl<'a, E: From<PageEvent> + Send> Pager<'a, E> {
    fn new(
        client: Arc<Client>,
        scope: &'a Scope,
        opts: &'a QueryOptions,
        sink: &'a Sink<E>,
        limiter: Arc<Limiter>,
    ) -> Self {
        let range = scope.interval;
        let max_interval = opts
            .limits
            .max_interval
            .unwrap_or_else(|| scope.max_interval());
        let (first, rest, loaded, skipped, in_part) = match &opts.resume {
            None => {
                let mut parts = range.split(max_interval, opts.order);
                let first = if parts.is_empty() {
                    range
                } else {
                    parts.remove(0)
                };
                ((first, 1), parts, 0, 0, 0)
            }
            Some(r) => {
                let part = Interval::new(r.part.start.max(range.start), r.part.end.min(range.end));
                let rest = match opts.order {
                    Order::Desc => Interval::new(range.start, part.start),
                    Order::Asc => Interval::new(part.end, range.end),
                };
                let before = r.loaded.saturating_sub(r.loaded_in_part);
                (
                    (part, r.page.max(1)),
                    rest.split(max_interval, opts.order),
                    r.loaded,
                    before,
                    r.loaded_in_part,
                )
            }
        };
        let n = rest.len();
        Pager {
            client,
            scope,
            opts,
            sink,
            limiter,
            first,
            rest,
            state: Mutex::new(State {
                loaded,
                at: Position {
                    part: first.0,
                    page: first.1,
                    loaded_in_part: in_part,
                },
                skipped,
                counts: vec![0; n + 1],
                plans: vec![Plan::Pending; n],
                startless: IdSet::default(),
                shortfall: Shortfall::default(),
            }),
            plan_ready: Notify::new(),
        }
    }

    fn loaded(&self) -> u64 {
        self.state.lock().unwrap().loaded
    }

    fn total(&self) -> u64 {
        let st = self.state.lock().unwrap();
        st.skipped + st.counts.iter().sum::<u64>()
    }

    fn resume(&self) -> Resume {
        let total = self.total();
        let st = self.state.lock().unwrap();
        Resume {
            part: st.at.part,
            page: st.at.page,
            loaded: st.loaded,
            loaded_in_part: st.at.loaded_in_part,
            total,
        }
    }

    fn page_size(&self) -> u32 {
        self.opts.page_size.clamp(1, MAX_PAGE_SIZE)
    }

    async fn run(&self) -> Result<(), Stop> {
        let range = self.scope.interval;
        if range.end <= range.start {
            return Ok(());
        }
        let paging = async {
            let (part, page) = self.first;
            if part.start < part.end {
                self.page_part(0, part, None, page).await?;
            }
            for k in 0..self.rest.len() {
                match self.plan_of(k).await {
                    Some(plan) => {
                        for (p, n) in plan {
                            self.page_part(k + 1, p, n, 1).await?;
                        }
                    }
                    None => self.page_part(k + 1, self.rest[k], None, 1).await?,
                }
            }
            Ok::<(), Stop>(())
        };
        // The other parts are counted while the first is paged: best effort, for the total.
        let counting = futures::stream::iter(0..self.rest.len())
            .map(|k| async move {
                let plan = match self.plan_part(self.rest[k]).await {
                    Ok(plan) => Plan::Ready(plan),
                    Err(Stop::Receiver) => return Err(Stop::Receiver),
                    Err(Stop::Failed(e)) => {
                        tracing::info!("counting a part failed ({e}); paging counts it");
                        Plan::Unknown
                    }
                };
                {
                    let mut st = self.state.lock().unwrap();
                    if let Plan::Ready(p) = &plan {
                        st.counts[k + 1] = p.iter().filter_map(|(_, n)| *n).sum();
                    }
                    st.plans[k] = plan;
                }
                self.plan_ready.notify_waiters();
                self.progress().await
            })
            .buffer_unordered(self.limiter.max())
            .try_collect::<()>();
        futures::future::try_join(paging, counting).await?;
        Ok(())
    }

    /// The plan of top-level part `k + 1`, once counted (`None`: counting it failed).
    async fn plan_of(&self, k: usize) -> Option<Parts> {
        loop {
            let ready = self.plan_ready.notified();
            tokio::pin!(ready);
            ready.as_mut().enable();
            match std::mem::replace(&mut self.state.lock().unwrap().plans[k], Plan::Pending) {
                Plan::Ready(p) => return Some(p),
                Plan::Unknown => return None,
                Plan::Pending => {}
            }
            ready.await;
        }
    }

    /// `part` as sub-parts that paging can reach all of, with their counts: halved until each
    /// holds at most the paging cap (or is as short as an interval can be). A sub-part whose
    /// count the API does not give is paged as it is (paging counts it again).
    async fn plan_part(&self, part: Interval) -> Result<Parts, Stop> {
        let mut plan = Vec::new();
        let mut stack = vec![part];
        while let Some(p) = stack.pop() {
            let n = self.count(p).await?;
            if n.is_some_and(|n| n > self.opts.limits.max_results)
                && p.length() >= Duration::milliseconds(MIN_PART_MS)
            {
                let (a, b) = p.halves();
                // Popped last-in first: push so that the query's order is kept.
                match self.opts.order {
                    Order::Asc => stack.extend([b, a]),
                    Order::Desc => stack.extend([a, b]),
                }
            } else {
                plan.push((p, n));
            }
        }
        Ok(plan)
    }

    /// What the API counts in `interval` (`None`: it would not say, even asked again).
    async fn count(&self, interval: Interval) -> Result<Option<u64>, Stop> {
        for _ in 0..=REASKS {
            let page = self.fetch(interval, 1, 1).await;
            match page {
                Ok(p) if p.total_hits.is_some() => return Ok(p.total_hits),
                Ok(_) | Err(Error::Decode { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(None)
    }

    /// How many conversations start in `part`: the API also counts those of the same UTC day
    /// that started before it and still went on at its start, so for a part that does not start
    /// at midnight it is the count from that midnight to its end, less the count from that
    /// midnight to its start.
    async fn belonging(&self, part: Interval, hits: u64) -> Result<u64, Stop> {
        let midnight = utc_midnight(part.start);
        if midnight == part.start {
            return Ok(hits);
        }
        let whole = self.count(Interval::new(midnight, part.end)).await?;
        let before = self.count(Interval::new(midnight, part.start)).await?;
        Ok(match (whole, before) {
            (Some(w), Some(b)) => w.saturating_sub(b),
            _ => hits,
        })
    }

    /// The records page `n` of a part must hold, when the part holds `hits`.
    fn want(&self, hits: u64, n: u32) -> usize {
        let size = u64::from(self.page_size());
        let reachable = hits.min(self.opts.limits.max_results);
        reachable.saturating_sub(u64::from(n - 1) * size).min(size) as usize
    }

    /// Page `n` of `part` as `first` answered it, asked again (up to [`REASKS`] times) while it
    /// cannot be right; the best answer, and what is still wrong with it. `hits` is the part's
    /// count when known (else the page's own is used); `expect_total` whether a page without
    /// `totalHits` is wrong.
    #[allow(clippy::too_many_arguments)]
    async fn checked(
        &self,
        part: Interval,
        n: u32,
        hits: Option<u64>,
        expect_total: bool,
        first: Result<Page, Error>,
        seen: &IdSet,
    ) -> Result<(Page, Option<Fault>), Stop> {
        let fault_of = |page: &Result<Page, Error>| -> Result<Option<Fault>, Stop> {
            let hits = hits.or_else(|| page.as_ref().ok().and_then(|p| p.total_hits));
            let want = hits.map(|h| self.want(h, n));
            let f = check::fault(page, want, seen)?;
            Ok(f.filter(|f| expect_total || *f != Fault::NoTotal))
        };
        let mut best = first;
        let mut fault = fault_of(&best)?;
        let mut asked = 0;
        while fault.is_some() && asked < REASKS {
            asked += 1;
            if let Some(f) = &fault {
                tracing::info!(page = n, part = %part.to_api(), "the page {f}: asking again");
            }
            let again = self.fetch(part, self.page_size(), n).await;
            let f = fault_of(&again)?;
            if f.is_none()
                || best.is_err()
                || check::fresh(&again, seen) > check::fresh(&best, seen)
            {
                best = again;
                fault = f;
            }
        }
        Ok((best.unwrap_or_default(), fault))
    }

    /// Pages `part` (of top-level part `top`) from `start_page`; `planned` is its count when it
    /// was counted before.
    async fn page_part(
        &self,
        top: usize,
        part: Interval,
        planned: Option<u64>,
        start_page: u32,
    ) -> Result<(), Stop> {
        let size = self.page_size();
        let max_results = self.opts.limits.max_results;
        if u64::from(start_page - 1) * u64::from(size) >= max_results {
            // A resumed part that was paged to the end: nothing more to fetch.
            return Ok(());
        }
        {
            let mut st = self.state.lock().unwrap();
            if st.at.part != part {
                st.at = Position {
                    part,
                    page: start_page,
                    loaded_in_part: 0,
                };
            }
        }
        let mut seen = IdSet::default();
        // The first page alone: it tells how many pages there are.
        let answer = self.fetch(part, size, start_page).await;
        let (first, fault) = self
            .checked(part, start_page, None, true, answer, &seen)
            .await?;
        let Some(hits) = first.total_hits else {
            return self
                .page_uncounted(top, part, start_page, first, seen)
                .await;
        };
        {
            // Keep the total in step with what this part reports now.
            let mut st = self.state.lock().unwrap();
            let c = &mut st.counts[top];
            *c = c.saturating_sub(planned.unwrap_or(0)) + hits;
        }
        if planned.is_none()
            && start_page == 1
            && hits > max_results
            && part.length() >= Duration::milliseconds(MIN_PART_MS)
        {
            // Too big to page: plan it in smaller parts and page those instead.
            let plan = self.plan_part(part).await?;
            {
                let mut st = self.state.lock().unwrap();
                let c = &mut st.counts[top];
                *c = c.saturating_sub(hits) + plan.iter().filter_map(|(_, n)| *n).sum::<u64>();
            }
            for (p, n) in plan {
                Box::pin(self.page_part(top, p, n, 1)).await?;
            }
            return Ok(());
        }
        if let Some(f) = fault {
            self.stayed_wrong(part, start_page, &f);
        }
        let delivered_before = self.state.lock().unwrap().at.loaded_in_part;
        let past = self.past_since(&first);
        self.deliver(top, part, start_page, first, &mut seen)
            .await?;
        if past {
            return Ok(());
        }
        let reachable = hits.min(max_results);
        let last = reachable.div_ceil(u64::from(size)) as u32;
        // The other pages, several at once, each in a task of its own, delivered in order.
        // Pages that may not be wanted (`since`) are asked one after another.
        let at_once = if self.opts.since.is_some() {
            1
        } else {
            self.limiter.max()
        };
        let mut pages = futures::stream::iter(start_page + 1..=last)
            .map(|n| self.spawn_fetch(part, size, n))
            .buffered(at_once);
        while let Some((n, answer)) = pages.next().await {
            let (page, fault) = self
                .checked(part, n, Some(hits), true, answer, &seen)
                .await?;
            if let Some(f) = fault {
                self.stayed_wrong(part, n, &f);
            }
            let past = self.past_since(&page);
            self.deliver(top, part, n, page, &mut seen).await?;
            if past {
                return Ok(());
            }
        }
        // Everything the API counted (and paging reaches) must have come, new arrivals aside.
        let expected = reachable.saturating_sub(u64::from(start_page - 1) * u64::from(size));
        let got = seen.len() as u64;
        if got < expected {
            let mut st = self.state.lock().unwrap();
            st.shortfall.missing += expected - got;
            st.shortfall.places.push(format!(
                "{got} of the {expected} conversations the API counted in {} came",
                part.to_api()
            ));
        }
        if hits > max_results {
            let belonging = self.belonging(part, hits).await?;
            let delivered = {
                let mut st = self.state.lock().unwrap();
                let delivered = st.at.loaded_in_part.saturating_sub(delivered_before);
                let left = belonging.saturating_sub(delivered);
                // The total counts what can come.
                st.counts[top] = st.counts[top].saturating_sub(left);
                delivered
            };
            let left = belonging.saturating_sub(delivered);
            let message = format!(
                "{belonging} conversations start in {} alone, more than the {max_results} paging \
                 can reach: {left} of them are left out",
                part.to_api(),
            );
            tracing::warn!("{message}");
            self.warn(message).await?;
            self.progress().await?;
        }
        Ok(())
    }

    /// Pages a part whose size the API does not say, one page after another until one comes
    /// back short; what came cannot be checked, and the query says so at its end.
    async fn page_uncounted(
        &self,
        top: usize,
        part: Interval,
        start_page: u32,
        first: Page,
        mut seen: IdSet,
    ) -> Result<(), Stop> {
        let size = self.page_size();
        self.state
            .lock()
            .unwrap()
            .shortfall
            .unverified
            .push(part.to_api());
        let mut n = start_page;
        let mut page = first;
        loop {
            let full = page.len() >= size as usize;
            {
                let mut st = self.state.lock().unwrap();
                st.counts[top] += page.conversations().count() as u64;
            }
            self.deliver(top, part, n, page, &mut seen).await?;
            if !full || u64::from(n) * u64::from(size) >= self.opts.limits.max_results {
                return Ok(());
            }
            n += 1;
            let answer = self.fetch(part, size, n).await;
            page = self.checked(part, n, None, false, answer, &seen).await?.0;
        }
    }

    /// Whether a page (newest first) reaches a start older than [`QueryOptions::since`]: the
    /// pages after it hold nothing wanted.
    fn past_since(&self, page: &Page) -> bool {
        self.opts.since.is_some_and(|since| {
            self.opts.order == Order::Desc
                && page
                    .conversations()
                    .filter_map(|c| c.start())
                    .any(|t| t < since)
        })
    }

    /// Notes a page that stayed wrong after being asked again.
    fn stayed_wrong(&self, part: Interval, n: u32, f: &Fault) {
        let place = format!("page {n} of {} {f} ({} times)", part.to_api(), REASKS + 1);
        tracing::warn!("{place}");
        self.state.lock().unwrap().shortfall.places.push(place);
    }

    /// One page of one part, through the query's limiter.
    async fn fetch(&self, part: Interval, page_size: u32, page_number: u32) -> Result<Page, Error> {
        let q = self.page_query(part, page_size, page_number);
        let waits = |w: &Wait| self.sink.waits.notify(w);
        let opts = CallOpts::observed(&waits)
            .limited(&self.limiter)
            .with_priority(self.opts.priority_of(page_number));
        self.client.query_page(&q, opts).await
    }

    /// [`Pager::fetch`] in a task of its own (see [`Task`]).
    fn spawn_fetch(
        &self,
        part: Interval,
        page_size: u32,
        page_number: u32,
    ) -> Task<(u32, Result<Page, Error>)> {
        let q = self.page_query(part, page_size, page_number);
        let (client, limiter) = (self.client.clone(), self.limiter.clone());
        let waits = self.sink.waits.clone();
        let priority = self.opts.priority_of(page_number);
        Task(tokio::spawn(async move {
            let obs = |w: &Wait| waits.notify(w);
            let opts = CallOpts::observed(&obs)
                .limited(&limiter)
                .with_priority(priority);
            let r = client.query_page(&q, opts).await;
            (page_number, r)
        }))
    }

    fn page_query(&self, part: Interval, page_size: u32, page_number: u32) -> DetailsQuery {
        DetailsQuery {
            scope: self.scope.with_interval(part),
            order: self.opts.order,
            page_size,
            page_number,
        }
    }

    /// Sends one page: only the part's conversations, each once; then where paging stands. A
    /// record that could not be decoded is named in a warning first.
    async fn deliver(
        &self,
        top: usize,
        part: Interval,
        page_number: u32,
        page: Page,
        seen: &mut IdSet,
    ) -> Result<(), Stop> {
        let mut fresh = Vec::with_capacity(page.len());
        let mut warnings = Vec::new();
        let mut elsewhere = 0u64;
        for r in page.records {
            let (c, why) = match r {
                Record::Conversation(c) => (c, None),
                Record::Kept { conversation, why } => (conversation, Some(why)),
                Record::Unreadable { at, why } => {
                    let place = format!(
                        "record {} of page {page_number} of {} could not be read at all ({why})",
                        at + 1,
                        part.to_api()
                    );
                    self.state
                        .lock()
                        .unwrap()
                        .shortfall
                        .places
                        .push(place.clone());
                    warnings.push(format!("{place}: skipped"));
                    continue;
                }
            };
            if !seen.insert(&c.conversation_id) {
                continue;
            }
            let belongs = match c.start() {
                // The API answers only with conversations started on the part's UTC days.
                Some(t) => part.contains(t) || (self.opts.overlapping && t < part.start),
                None => self
                    .state
                    .lock()
                    .unwrap()
                    .startless
                    .insert(&c.conversation_id),
            };
            if !belongs {
                elsewhere += 1;
                continue;
            }
            if let Some(why) = why {
                warnings.push(format!(
                    "conversation {} could not be decoded ({why}): kept as the API sent it",
                    c.conversation_id
                ));
            }
            fresh.push(c);
        }
        for w in warnings {
            tracing::warn!("{w}");
            self.warn(w).await?;
        }
        let n = fresh.len() as u64;
        {
            // Conversations of other parts (or other days) are not this part's to count.
            let mut st = self.state.lock().unwrap();
            st.counts[top] = st.counts[top].saturating_sub(elsewhere);
        }
        let total = self.total();
        let query_id = self.sink.query_id;
        let sent = self
            .sink
            .send(PageEvent::Page {
                query_id,
                page_number,
                total_hits: total,
                conversations: fresh,
            })
            .await;
        if !sent {
            return Err(Stop::Receiver);
        }
        {
            let mut st = self.state.lock().unwrap();
            st.loaded += n;
            st.at = Position {
                part,
                page: page_number + 1,
                loaded_in_part: st.at.loaded_in_part + n,
            };
        }
        self.progress().await
    }

    async fn warn(&self, message: String) -> Result<(), Stop> {
        let query_id = self.sink.query_id;
        if self
            .sink
            .send(PageEvent::Warning { query_id, message })
            .await
        {
            Ok(())
        } else {
            Err(Stop::Receiver)
        }
    }

    async fn progress(&self) -> Result<(), Stop> {
        let (loaded, total) = (self.loaded(), self.total());
        let query_id = self.sink.query_id;
        if self
            .sink
            .send(PageEvent::Progress {
                query_id,
                loaded,
                total,
            })
            .await
        {
            Ok(())
        } else {
            Err(Stop::Receiver)
        }
    }
}
