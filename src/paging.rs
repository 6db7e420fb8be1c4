//! The background pagination task: a range query in, page events out over a channel.
//!
//! The task splits a range the API would refuse (longer than its interval limit, or holding more
//! conversations than paging reaches) into consecutive parts, pages through each, and delivers
//! every conversation once: a conversation belongs to the part its `conversationStart` falls in,
//! and ids are de-duplicated within a part (pages shift when conversations arrive meanwhile).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Duration;
use futures::StreamExt;
use tokio::sync::{Semaphore, SemaphorePermit, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::genesys::model::{AnalyticsConversation, QueryResponse};
use crate::genesys::query::{
    DetailsQuery, Interval, MAX_INTERVAL_DAYS, MAX_PAGE_SIZE, MAX_PAGING_RESULTS, Media, Order,
};
use crate::genesys::retry::{Wait, WaitReason};
use crate::genesys::{Client, Error};

/// What to fetch.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeQuery {
    pub interval: Interval,
    pub media: Media,
    pub order: Order,
    pub page_size: u32,
    /// Pages in flight at once after the first (which alone tells how many there are).
    pub concurrency: usize,
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
        }
    }
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

/// What the task reports. Every event carries the id of its query, so that a receiver can drop
/// the late events of a query it has replaced.
#[derive(Debug, Clone)]
pub enum PageEvent {
    /// A page as it arrived: its conversations, in the query's order.
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
    Done {
        query_id: u64,
        loaded: u64,
    },
    /// The query failed; everything delivered before stays valid.
    Failed {
        query_id: u64,
        error: Error,
        loaded: u64,
    },
}

impl PageEvent {
    pub fn query_id(&self) -> u64 {
        match self {
            PageEvent::Page { query_id, .. }
            | PageEvent::Progress { query_id, .. }
            | PageEvent::Waiting { query_id, .. }
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
    tokio::spawn(async move {
        let sink = Sink {
            tx,
            cancel: cancel.clone(),
            query_id,
        };
        let mut pager = Pager {
            client: &client,
            query: &query,
            limits,
            sink: &sink,
            loaded: 0,
            total: 0,
        };
        let outcome = tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            r = pager.run() => r,
        };
        let loaded = pager.loaded;
        let ev = match outcome {
            Ok(()) => PageEvent::Done { query_id, loaded },
            Err(Stop::Receiver) => return,
            Err(Stop::Failed(error)) => PageEvent::Failed {
                query_id,
                error,
                loaded,
            },
        };
        sink.send(ev).await;
    })
}

struct Sink<E> {
    tx: mpsc::Sender<E>,
    cancel: CancellationToken,
    query_id: u64,
}

impl<E: From<PageEvent>> Sink<E> {
    /// Sends unless cancelled; false when the task should stop.
    async fn send(&self, ev: PageEvent) -> bool {
        if self.cancel.is_cancelled() {
            return false;
        }
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => false,
            r = self.tx.send(E::from(ev)) => r.is_ok(),
        }
    }

    /// For the synchronous retry observer: best effort, never blocks.
    fn notify_wait(&self, w: &Wait) {
        if self.cancel.is_cancelled() {
            return;
        }
        let _ = self.tx.try_send(E::from(PageEvent::Waiting {
            query_id: self.query_id,
            seconds: w.delay.as_secs_f64().ceil() as u64,
            reason: w.reason.to_string(),
        }));
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

struct Pager<'a, E> {
    client: &'a Client,
    query: &'a RangeQuery,
    limits: Limits,
    sink: &'a Sink<E>,
    loaded: u64,
    total: u64,
}

impl<E: From<PageEvent> + Send> Pager<'_, E> {
    async fn run(&mut self) -> Result<(), Stop> {
        let q = self.query;
        if q.interval.end <= q.interval.start {
            return Ok(());
        }
        let parts = q.interval.split(self.limits.max_interval, q.order);
        // With one part, its first page gives the total; with several, count them first so that
        // the total is known from the start (one small request per part).
        let mut plan: Vec<(Interval, Option<u64>)> = Vec::new();
        if parts.len() == 1 {
            plan.push((parts[0], None));
        } else {
            for p in parts {
                self.plan_part(p, &mut plan).await?;
            }
            self.total = plan.iter().filter_map(|(_, n)| *n).sum();
        }
        for (part, count) in plan {
            self.page_part(part, count).await?;
        }
        Ok(())
    }

    /// Adds `part` to the plan, halved until paging can reach all of it.
    async fn plan_part(
        &self,
        part: Interval,
        plan: &mut Vec<(Interval, Option<u64>)>,
    ) -> Result<(), Stop> {
        let mut stack = vec![part];
        while let Some(p) = stack.pop() {
            let n = self.count(p).await?;
            if n > self.limits.max_results && p.length() > Duration::seconds(1) {
                let (a, b) = p.halves();
                // Popped last-in first: push so that the query's order is kept.
                match self.query.order {
                    Order::Asc => stack.extend([b, a]),
                    Order::Desc => stack.extend([a, b]),
                }
            } else {
                plan.push((p, Some(n)));
            }
        }
        Ok(())
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
            .query_page(&q, &|w| self.sink.notify_wait(w))
            .await?;
        Ok(r.total_hits.unwrap_or(0))
    }

    async fn page_part(&mut self, part: Interval, planned: Option<u64>) -> Result<(), Stop> {
        let size = self.query.page_size.clamp(1, MAX_PAGE_SIZE);
        let (client, sink, query) = (self.client, self.sink, self.query);
        let mut seen: HashSet<String> = HashSet::new();
        // Page 1 alone: it tells how many pages there are.
        let first = fetch(client, sink, query, part, size, 1, None).await?;
        let hits = first.total_hits.unwrap_or(0);
        // Keep the grand total in step with what this part reports now.
        self.total = self.total - planned.unwrap_or(0).min(self.total) + hits;
        if planned.is_none() && hits > self.limits.max_results {
            // One part too big to page: plan it in smaller parts and page those instead.
            self.total = self.total.saturating_sub(hits);
            let mut plan = Vec::new();
            self.plan_part(part, &mut plan).await?;
            self.total += plan.iter().filter_map(|(_, n)| *n).sum::<u64>();
            for (p, n) in plan {
                Box::pin(self.page_part(p, n)).await?;
            }
            return Ok(());
        }
        let got = first.conversations.as_ref().map_or(0, Vec::len);
        self.deliver(part, 1, first.conversations, &mut seen)
            .await?;
        let reachable = hits.min(self.limits.max_results);
        if got < size as usize || u64::from(size) >= reachable {
            return Ok(());
        }
        // The other pages, several at once, delivered in order.
        let last = reachable.div_ceil(u64::from(size)) as u32;
        let limiter = Limiter::new(query.concurrency);
        let mut pages = futures::stream::iter(2..=last)
            .map(|n| {
                let limiter = &limiter;
                async move {
                    let permit = limiter.acquire().await;
                    let r = fetch(client, sink, query, part, size, n, Some(limiter)).await;
                    limiter.release(permit, r.is_ok());
                    (n, r)
                }
            })
            .buffered(limiter.max);
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

    /// Sends one page: only the part's conversations, each once.
    async fn deliver(
        &mut self,
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
        self.loaded += fresh.len() as u64;
        let query_id = self.sink.query_id;
        let ok = self
            .sink
            .send(PageEvent::Page {
                query_id,
                page_number,
                total_hits: self.total,
                conversations: fresh,
            })
            .await
            && self
                .sink
                .send(PageEvent::Progress {
                    query_id,
                    loaded: self.loaded,
                    total: self.total,
                })
                .await;
        if ok { Ok(()) } else { Err(Stop::Receiver) }
    }
}

/// One page of one part. A 429 seen while fetching it lowers the limiter's concurrency.
async fn fetch<E: From<PageEvent> + Send>(
    client: &Client,
    sink: &Sink<E>,
    query: &RangeQuery,
    part: Interval,
    page_size: u32,
    page_number: u32,
    limiter: Option<&Limiter>,
) -> Result<QueryResponse, Stop> {
    let q = DetailsQuery {
        interval: part,
        media: query.media,
        order: query.order,
        page_size,
        page_number,
    };
    let observe = |w: &Wait| {
        if w.reason == WaitReason::RateLimited
            && let Some(l) = limiter
        {
            l.slow_down();
        }
        sink.notify_wait(w);
    };
    Ok(client.query_page(&q, &observe).await?)
}

/// Adaptive concurrency: one fewer request in flight after each 429, one more after a run of
/// successes, never more than asked.
struct Limiter {
    sem: Semaphore,
    max: usize,
    current: AtomicUsize,
    /// Permits to drop as they come back, after a slow-down found them all in use.
    debt: AtomicUsize,
    successes: AtomicUsize,
}

/// Successes in a row before one more request may be in flight.
const RAISE_AFTER: usize = 8;

impl Limiter {
    fn new(max: usize) -> Self {
        let max = max.clamp(1, 16);
        Limiter {
            sem: Semaphore::new(max),
            max,
            current: AtomicUsize::new(max),
            debt: AtomicUsize::new(0),
            successes: AtomicUsize::new(0),
        }
    }

    async fn acquire(&self) -> SemaphorePermit<'_> {
        self.sem
            .acquire()
            .await
            .expect("the semaphore is never closed")
    }

    fn release(&self, permit: SemaphorePermit<'_>, ok: bool) {
        let owed = self
            .debt
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |d| d.checked_sub(1))
            .is_ok();
        if owed {
            permit.forget();
        } else {
            drop(permit);
        }
        if ok && self.successes.fetch_add(1, Ordering::AcqRel) + 1 >= RAISE_AFTER {
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

    fn slow_down(&self) {
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

    #[cfg(test)]
    fn in_flight_limit(&self) -> usize {
        self.current.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn limiter_lowers_on_429_and_recovers_slowly() {
        let l = Limiter::new(4);
        let held = l.acquire().await;
        l.slow_down();
        l.slow_down();
        assert_eq!(l.in_flight_limit(), 2);
        l.slow_down();
        l.slow_down();
        assert_eq!(l.in_flight_limit(), 1, "never below one");
        l.release(held, true);
        // One permit is left for requests.
        let p = l.acquire().await;
        assert!(l.sem.try_acquire().is_err());
        l.release(p, true);
        for _ in 0..RAISE_AFTER - 1 {
            let p = l.acquire().await;
            l.release(p, true);
        }
        assert_eq!(l.in_flight_limit(), 2);
        assert_eq!(l.sem.available_permits(), 2);
    }
}
