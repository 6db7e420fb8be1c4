//! The background pagination task: a [`Scope`] in, page events out over a channel.
//!
//! The task splits a range the API would refuse (longer than its interval limit, or holding more
//! conversations than paging reaches) into consecutive parts, on UTC midnights where it can,
//! pages through each, and delivers every conversation once: a conversation belongs to the part
//! its `conversationStart` falls in (the API also answers with conversations of the same UTC
//! days that overlap a part), and ids are de-duplicated within a part (pages shift when
//! conversations arrive meanwhile). Totals and progress count only conversations that belong,
//! so that progress ends at 100%.
//!
//! Nothing is taken on trust: a page that comes back empty, short, repeated or without
//! `totalHits` in the middle of a range is asked again, and what stays missing is counted and
//! reported at the end ([`Error::Incomplete`], after everything else was delivered). A record
//! that cannot be decoded costs only itself: it is delivered as the API sent it, or, when not
//! even its id can be read, skipped; either way a [`PageEvent::Warning`] names it.
//!
//! Politeness: every request of a query (counts, pages, retries) goes through one [`Limiter`]: a
//! 429 lowers how many are in flight and holds all of them back for its `Retry-After`. Waits are
//! reported as [`PageEvent::Waiting`], in order with the pages, and never dropped. Pages are
//! fetched in tasks of their own, so that a receiver that is slow to take pages never leaves
//! the limiter's permits with futures nobody polls.
//!
//! The first page of a range split in parts comes as soon as it can: the other parts are counted
//! meanwhile, and the total grows as their counts come in.
//!
//! A failed query says where it stood ([`Resume`]); started again with it, it goes on from the
//! page that failed.

pub(crate) mod check;
mod pager;

use crate::genesys::budget::Priority;
use std::sync::Arc;

use chrono::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use crate::genesys::limiter::Limiter;

use crate::genesys::model::AnalyticsConversation;
use crate::genesys::query::{Interval, MAX_PAGE_SIZE, MAX_PAGING_RESULTS, Order};
use crate::genesys::{Client, Error, Scope};

/// How to load a scope: order, page size, how many requests at once, where to go on from.
#[derive(Debug, Clone)]
pub struct QueryOptions {
    pub order: Order,
    pub page_size: u32,
    /// Requests in flight at once, at most (the first page goes alone).
    pub concurrency: usize,
    /// Where a failed run of this query stood ([`PageEvent::Failed`]): this run skips everything
    /// before the page that failed and goes on from there. Pages may come again if the data
    /// shifted meanwhile: receivers de-duplicate by `conversationId`.
    pub resume: Option<Resume>,
    pub limits: Limits,
    /// Shared with other work (an export's attribute fetches): a 429 to any of them slows all
    /// of them. `None`: a limiter of its own, of `concurrency`.
    pub limiter: Option<Arc<Limiter>>,
    /// The place in the rate budget of the first page (what the user waits for) and of the
    /// others (which may wait behind the detail pane).
    pub first_priority: Priority,
    pub priority: Priority,
}

impl QueryOptions {
    /// The place in the rate budget of a page.
    pub fn priority_of(&self, page_number: u32) -> Priority {
        if page_number <= 1 {
            self.first_priority
        } else {
            self.priority
        }
    }
}

/// Pages in flight at once by default: fast, and polite to the API's rate limits.
pub const DEFAULT_CONCURRENCY: usize = 4;

impl Default for QueryOptions {
    /// Newest first, in pages of the largest size the API serves.
    fn default() -> Self {
        QueryOptions {
            order: Order::Desc,
            page_size: MAX_PAGE_SIZE,
            concurrency: DEFAULT_CONCURRENCY,
            resume: None,
            limits: Limits::default(),
            limiter: None,
            first_priority: Priority::Foreground,
            priority: Priority::Foreground,
        }
    }
}

/// Where a failed query stood: the part of its range being paged and the page that failed, and
/// what was delivered before. Give it back in [`QueryOptions::resume`] to go on from there.
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
    /// The longest part; `None`: what the API allows for the scope ([`Scope::max_interval`]).
    pub max_interval: Option<Duration>,
    pub max_results: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_interval: None,
            max_results: MAX_PAGING_RESULTS,
        }
    }
}

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
    /// cannot reach, a record that could not be decoded, for instance.
    Warning {
        query_id: u64,
        message: String,
    },
    Done {
        query_id: u64,
        loaded: u64,
    },
    /// The query failed; everything delivered before stays valid. `resume` says where it stood:
    /// set it in the options to go on from the page that failed. A query that went through its
    /// range but lacks conversations the API counted fails with [`Error::Incomplete`] (and no
    /// `resume`).
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

/// Loads `scope` in a tokio task: the one way to start a query. Sends events as
/// `E::from(PageEvent)`; stops when `cancel` fires, and never sends after that.
pub fn spawn_query<E: From<PageEvent> + Send + 'static>(
    client: Arc<Client>,
    scope: Scope,
    opts: QueryOptions,
    query_id: u64,
    tx: mpsc::Sender<E>,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(pager::run(client, scope, opts, query_id, tx, cancel))
}
