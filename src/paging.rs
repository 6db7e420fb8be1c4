//! The background pagination task: a range query in, page events out over a channel.
//!
//! The task splits a range the API would refuse (longer than its interval limit, or holding more
//! conversations than paging reaches) into consecutive parts, pages through each, and delivers
//! every conversation once: a conversation belongs to the part its `conversationStart` falls in,
//! and ids are de-duplicated within a part (pages shift when conversations arrive meanwhile).

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::genesys::model::AnalyticsConversation;
use crate::genesys::query::{
    DetailsQuery, Interval, MAX_INTERVAL_DAYS, MAX_PAGE_SIZE, MAX_PAGING_RESULTS, Media, Order,
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
}

impl RangeQuery {
    /// Newest first, in pages of the largest size the API serves.
    pub fn new(interval: Interval, media: Media) -> Self {
        RangeQuery {
            interval,
            media,
            order: Order::Desc,
            page_size: MAX_PAGE_SIZE,
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
        let mut seen: HashSet<String> = HashSet::new();
        let mut part_total = planned;
        let mut page_number = 1u32;
        loop {
            let q = DetailsQuery {
                interval: part,
                media: self.query.media,
                order: self.query.order,
                page_size: size,
                page_number,
            };
            let r = self
                .client
                .query_page(&q, &|w| self.sink.notify_wait(w))
                .await?;
            let hits = r.total_hits.unwrap_or(0);
            // Keep the grand total in step with what this part reports now.
            let before = part_total.unwrap_or(0);
            self.total = self.total + hits - before.min(self.total);
            part_total = Some(hits);
            if planned.is_none() && page_number == 1 && hits > self.limits.max_results {
                // One part too big to page: plan it in smaller parts and start over with those.
                self.total = self.total.saturating_sub(hits);
                let mut plan = Vec::new();
                self.plan_part(part, &mut plan).await?;
                self.total += plan.iter().filter_map(|(_, n)| *n).sum::<u64>();
                for (p, n) in plan {
                    Box::pin(self.page_part(p, n)).await?;
                }
                return Ok(());
            }
            let convs = r.conversations.unwrap_or_default();
            let got = convs.len();
            let fresh: Vec<AnalyticsConversation> = convs
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
            if !ok {
                return Err(Stop::Receiver);
            }
            let reached = u64::from(page_number) * u64::from(size);
            if got == 0 || got < size as usize || reached >= hits {
                return Ok(());
            }
            page_number += 1;
        }
    }
}
