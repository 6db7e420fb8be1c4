//! The background pagination task: a range query in, page events out over a channel.
//!
//! The task splits a range the API would refuse (longer than its interval limit, or holding more
//! conversations than paging reaches) into consecutive parts, pages through each, and delivers
//! every conversation once: a conversation belongs to the part its `conversationStart` falls in,
//! and ids are de-duplicated within a part (pages shift when conversations arrive meanwhile).
//!
//! Politeness: every request of a query (counts, pages, retries) goes through one [`Limiter`]: a
//! 429 lowers how many are in flight and holds all of them back for its `Retry-After`. Waits are
//! reported as [`PageEvent::Waiting`], in order with the pages, and never dropped.
//!
//! The first page of a range split in parts comes as soon as it can: the other parts are counted
//! meanwhile, and the total grows as their counts come in.
//!
//! A failed query says where it stood ([`Resume`]); started again with it, it goes on from the
//! page that failed.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::Mutex;

use chrono::Duration;
use futures::{StreamExt, TryStreamExt};
use tokio::sync::{Notify, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use crate::genesys::limiter::Limiter;

use crate::genesys::model::{AnalyticsConversation, QueryResponse};
use crate::genesys::query::{
    DetailsQuery, Interval, MAX_INTERVAL_DAYS, MAX_INTERVAL_DAYS_UNFILTERED, MAX_PAGE_SIZE,
    MAX_PAGING_RESULTS, Media, Order,
};
use crate::genesys::retry::Wait;
use crate::genesys::{Client, Error};

/// What to fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeQuery {
    pub interval: Interval,
    pub media: Media,
    pub order: Order,
    pub page_size: u32,
    /// Requests in flight at once, at most (the first page goes alone).
    pub concurrency: usize,
    /// Where a failed run of this query stood ([`PageEvent::Failed`]): this run skips everything
    /// before the page that failed and goes on from there. Pages may come again if the data
    /// shifted meanwhile: receivers de-duplicate by `conversationId`.
    pub resume: Option<Resume>,
}

/// Pages in flight at once by default: fast, and polite to the API's rate limits.
pub const DEFAULT_CONCURRENCY: usize = 4;

impl RangeQuery {
    /// Newest first, in pages of the largest size the API serves.
    pub fn new(interval: Interval, media: Media) -> Self {
        RangeQuery {
            interval,
            media,
            order: Order::Desc,
            page_size: MAX_PAGE_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
            resume: None,
        }
    }
}

/// Where a failed query stood: the part of its range being paged and the page that failed, and
/// what was delivered before. Give it back in [`RangeQuery::resume`] to go on from there.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume {
    /// The part of the range being paged (the whole range when it was not split).
    pub part: Interval,
    /// The page of `part` that failed (1-based): the first one not delivered.
    pub page: u32,
    /// Conversations delivered before the failure, in all.
    pub loaded: u64,
    /// Of `loaded`, those of `part`.
    pub loaded_in_part: u64,
    /// The total as known at the failure.
    pub total: u64,
}

/// The API's limits the task plans around (smaller in tests).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub max_interval: Duration,
    pub max_results: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_interval: Duration::days(MAX_INTERVAL_DAYS),
            max_results: MAX_PAGING_RESULTS,
        }
    }
}

/// The shortest part the task splits a range into: the API's intervals count milliseconds.
const MIN_PART_MS: i64 = 2;

/// What the task reports. Every event carries the id of its query, so that a receiver can drop
/// the late events of a query it has replaced.
#[derive(Debug, Clone)]
pub enum PageEvent {
    /// A page as it arrived: its conversations, in the query's order. `total_hits` is the total
    /// as known then: with a range split in parts, it grows as the parts are counted.
    Page {
        query_id: u64,
        page_number: u32,
        total_hits: u64,
        conversations: Vec<AnalyticsConversation>,
    },
    Progress {
        query_id: u64,
        loaded: u64,
        total: u64,
    },
    /// The task waits before retrying ("rate limited", "server error 503", ...).
    Waiting {
        query_id: u64,
        seconds: u64,
        reason: String,
    },
    /// Something the user should know that does not stop the query: conversations that paging
    /// cannot reach, for instance.
    Warning {
        query_id: u64,
        message: String,
    },
    Done {
        query_id: u64,
        loaded: u64,
    },
    /// The query failed; everything delivered before stays valid. `resume` says where it stood:
    /// set it in the query to go on from the page that failed.
    Failed {
        query_id: u64,
        error: Error,
        loaded: u64,
        resume: Option<Resume>,
    },
}

impl PageEvent {
    pub fn query_id(&self) -> u64 {
        match self {
            PageEvent::Page { query_id, .. }
            | PageEvent::Progress { query_id, .. }
            | PageEvent::Waiting { query_id, .. }
            | PageEvent::Warning { query_id, .. }
            | PageEvent::Done { query_id, .. }
            | PageEvent::Failed { query_id, .. } => *query_id,
        }
    }
}

/// Runs the query in a tokio task. Sends events as `E::from(PageEvent)`; stops when `cancel`
/// fires, and never sends after that.
pub fn spawn_query<E: From<PageEvent> + Send + 'static>(
    client: Arc<Client>,
    query: RangeQuery,
    query_id: u64,
    tx: mpsc::Sender<E>,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    spawn_query_with(client, query, Limits::default(), query_id, tx, cancel)
}

/// [`spawn_query`] with explicit limits.
pub fn spawn_query_with<E: From<PageEvent> + Send + 'static>(
    client: Arc<Client>,
    query: RangeQuery,
    limits: Limits,
    query_id: u64,
    tx: mpsc::Sender<E>,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    let limiter = Arc::new(Limiter::new(query.concurrency));
    spawn_query_limited(client, query, limits, limiter, query_id, tx, cancel)
}

/// [`spawn_query_with`] whose requests go through `limiter`, shared with other work (an export's
/// GET conversation calls, for instance): a 429 to any of them slows all of them.
pub fn spawn_query_limited<E: From<PageEvent> + Send + 'static>(
    client: Arc<Client>,
    query: RangeQuery,
    limits: Limits,
    limiter: Arc<Limiter>,
    query_id: u64,
    tx: mpsc::Sender<E>,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let sink = Sink {
            tx,
            cancel: cancel.clone(),
            query_id,
            waits: Mutex::new(VecDeque::new()),
            order: tokio::sync::Mutex::new(()),
            wake: Notify::new(),
        };
        let pager = Pager::new(&client, &query, limits, &sink, &limiter);
        let outcome = tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            r = pager.run() => r,
            () = sink.forward_waits() => Err(Stop::Receiver),
        };
        let loaded = pager.loaded();
        let ev = match outcome {
            Ok(()) => PageEvent::Done { query_id, loaded },
            Err(Stop::Receiver) => return,
            Err(Stop::Failed(error)) => PageEvent::Failed {
                query_id,
                error,
                loaded,
                resume: Some(pager.resume()),
            },
        };
        sink.send(ev).await;
    })
}

struct Sink<E> {
    tx: mpsc::Sender<E>,
    cancel: CancellationToken,
    query_id: u64,
    /// Waits the synchronous retry observer reported, not sent yet.
    waits: Mutex<VecDeque<PageEvent>>,
    /// Held while sending, so that events leave in the order they happened.
    order: tokio::sync::Mutex<()>,
    wake: Notify,
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
            let next = self.waits.lock().unwrap().pop_front();
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

    /// For the synchronous retry observer: queues the wait and wakes [`Sink::forward_waits`].
    fn notify_wait(&self, w: &Wait) {
        if self.cancel.is_cancelled() {
            return;
        }
        self.waits.lock().unwrap().push_back(PageEvent::Waiting {
            query_id: self.query_id,
            seconds: w.delay.as_secs_f64().ceil() as u64,
            reason: w.reason.to_string(),
        });
        self.wake.notify_one();
    }

    /// Sends waits as they are reported; returns only when the receiver is gone.
    async fn forward_waits(&self) {
        loop {
            self.wake.notified().await;
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
    /// The best count known of each top-level part (0 until known).
    counts: Vec<u64>,
    /// The plan of each top-level part after the first.
    plans: Vec<Plan>,
}

/// What the background counting found out about a top-level part.
#[derive(Debug, Clone)]
enum Plan {
    Pending,
    /// Its sub-parts and their counts.
    Ready(Vec<(Interval, u64)>),
    /// Counting failed: paging counts it when it gets there (and fails if that fails too).
    Unknown,
}

struct Pager<'a, E> {
    client: &'a Client,
    query: &'a RangeQuery,
    limits: Limits,
    sink: &'a Sink<E>,
    limiter: &'a Limiter,
    /// The first part and the page to start it from; then the other top-level parts.
    first: (Interval, u32),
    rest: Vec<Interval>,
    state: Mutex<State>,
    plan_ready: Notify,
}

impl<'a, E: From<PageEvent> + Send> Pager<'a, E> {
    fn new(
        client: &'a Client,
        query: &'a RangeQuery,
        limits: Limits,
        sink: &'a Sink<E>,
        limiter: &'a Limiter,
    ) -> Self {
        let q = query;
        // A query without a filter may span 7 days, one with a filter 31.
        let mut limits = limits;
        if q.media.segment_filters().is_empty() {
            limits.max_interval = limits
                .max_interval
                .min(Duration::days(MAX_INTERVAL_DAYS_UNFILTERED));
        }
        let (first, rest, loaded, skipped, in_part) = match &q.resume {
            None => {
                let mut parts = q.interval.split(limits.max_interval, q.order);
                let first = if parts.is_empty() {
                    q.interval
                } else {
                    parts.remove(0)
                };
                ((first, 1), parts, 0, 0, 0)
            }
            Some(r) => {
                let part = Interval::new(
                    r.part.start.max(q.interval.start),
                    r.part.end.min(q.interval.end),
                );
                let rest = match q.order {
                    Order::Desc => Interval::new(q.interval.start, part.start),
                    Order::Asc => Interval::new(part.end, q.interval.end),
                };
                let before = r.loaded.saturating_sub(r.loaded_in_part);
                (
                    (part, r.page.max(1)),
                    rest.split(limits.max_interval, q.order),
                    r.loaded,
                    before,
                    r.loaded_in_part,
                )
            }
        };
        let n = rest.len();
        Pager {
            client,
            query,
            limits,
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

    async fn run(&self) -> Result<(), Stop> {
        let q = self.query;
        if q.interval.end <= q.interval.start {
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
                            self.page_part(k + 1, p, Some(n), 1).await?;
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
                        st.counts[k + 1] = p.iter().map(|(_, n)| n).sum();
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
    async fn plan_of(&self, k: usize) -> Option<Vec<(Interval, u64)>> {
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
    /// holds at most the paging cap (or is as short as an interval can be).
    async fn plan_part(&self, part: Interval) -> Result<Vec<(Interval, u64)>, Stop> {
        let mut plan = Vec::new();
        let mut stack = vec![part];
        while let Some(p) = stack.pop() {
            let n = self.count(p).await?;
            if n > self.limits.max_results && p.length() >= Duration::milliseconds(MIN_PART_MS) {
                let (a, b) = p.halves();
                // Popped last-in first: push so that the query's order is kept.
                match self.query.order {
                    Order::Asc => stack.extend([b, a]),
                    Order::Desc => stack.extend([a, b]),
                }
            } else {
                plan.push((p, n));
            }
        }
        Ok(plan)
    }

    async fn count(&self, interval: Interval) -> Result<u64, Stop> {
        let q = DetailsQuery {
            interval,
            media: self.query.media,
            order: self.query.order,
            page_size: 1,
            page_number: 1,
        };
        let r = self
            .client
            .query_page_with(&q, &|w| self.sink.notify_wait(w), Some(self.limiter))
            .await?;
        Ok(r.total_hits.unwrap_or(0))
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
        let size = self.query.page_size.clamp(1, MAX_PAGE_SIZE);
        if u64::from(start_page - 1) * u64::from(size) >= self.limits.max_results {
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
        let mut seen: HashSet<String> = HashSet::new();
        // The first page alone: it tells how many pages there are.
        let first = self.fetch(part, size, start_page).await?;
        let hits = first.total_hits.unwrap_or(0);
        {
            // Keep the total in step with what this part reports now.
            let mut st = self.state.lock().unwrap();
            let c = &mut st.counts[top];
            *c = c.saturating_sub(planned.unwrap_or(0)) + hits;
        }
        if planned.is_none()
            && start_page == 1
            && hits > self.limits.max_results
            && part.length() >= Duration::milliseconds(MIN_PART_MS)
        {
            // Too big to page: plan it in smaller parts and page those instead.
            let plan = self.plan_part(part).await?;
            {
                let mut st = self.state.lock().unwrap();
                let c = &mut st.counts[top];
                *c = c.saturating_sub(hits) + plan.iter().map(|(_, n)| n).sum::<u64>();
            }
            for (p, n) in plan {
                Box::pin(self.page_part(top, p, Some(n), 1)).await?;
            }
            return Ok(());
        }
        if hits > self.limits.max_results {
            let message = format!(
                "{} conversations start in {} alone, more than the {} paging can reach: {} of \
                 them are left out",
                hits,
                part.to_api(),
                self.limits.max_results,
                hits - self.limits.max_results
            );
            tracing::warn!("{message}");
            let query_id = self.sink.query_id;
            if !self
                .sink
                .send(PageEvent::Warning { query_id, message })
                .await
            {
                return Err(Stop::Receiver);
            }
        }
        let got = first.conversations.as_ref().map_or(0, Vec::len);
        self.deliver(part, start_page, first.conversations, &mut seen)
            .await?;
        let reachable = hits.min(self.limits.max_results);
        if got < size as usize || u64::from(size) * u64::from(start_page) >= reachable {
            return Ok(());
        }
        // The other pages, several at once, delivered in order.
        let last = reachable.div_ceil(u64::from(size)) as u32;
        let mut pages = futures::stream::iter(start_page + 1..=last)
            .map(|n| async move { (n, self.fetch(part, size, n).await) })
            .buffered(self.limiter.max());
        while let Some((n, r)) = pages.next().await {
            let convs = r?.conversations;
            let empty = convs.as_ref().is_none_or(Vec::is_empty);
            self.deliver(part, n, convs, &mut seen).await?;
            if empty {
                // Fewer conversations than the first page said: nothing further.
                break;
            }
        }
        Ok(())
    }

    /// One page of one part, through the query's limiter.
    async fn fetch(
        &self,
        part: Interval,
        page_size: u32,
        page_number: u32,
    ) -> Result<QueryResponse, Stop> {
        let q = DetailsQuery {
            interval: part,
            media: self.query.media,
            order: self.query.order,
            page_size,
            page_number,
        };
        Ok(self
            .client
            .query_page_with(&q, &|w| self.sink.notify_wait(w), Some(self.limiter))
            .await?)
    }

    /// Sends one page: only the part's conversations, each once; then where paging stands.
    async fn deliver(
        &self,
        part: Interval,
        page_number: u32,
        convs: Option<Vec<AnalyticsConversation>>,
        seen: &mut HashSet<String>,
    ) -> Result<(), Stop> {
        let fresh: Vec<AnalyticsConversation> = convs
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c.start().is_none_or(|t| part.contains(t)))
            .filter(|c| seen.insert(c.conversation_id.clone()))
            .collect();
        let n = fresh.len() as u64;
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
