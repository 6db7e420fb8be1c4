//! What happens (events into `update`) and what `update` asks the loop to do (effects): data,
//! shared by the state, the loop and the background jobs.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::attributes::Wanted;
use crate::export::Format;
use crate::facts::Facts;
use crate::genesys::Error;
use crate::genesys::Scope;
use crate::genesys::client::CallRecord;
use crate::genesys::directory::{Kind, Names};
use crate::genesys::model::{AnalyticsConversation, Attributes};
use crate::genesys::notify::Feed;
use crate::genesys::query::Order;
use crate::paging::{PageEvent, Resume};

use super::detail::Fresh;

#[derive(Debug, Clone)]
pub enum Event {
    Key {
        key: KeyEvent,
        now: DateTime<Utc>,
    },
    Mouse(MouseEvent),
    /// A bracketed paste: the whole text at once, for the focused text field.
    Paste {
        text: String,
        now: DateTime<Utc>,
    },
    Resize {
        width: u16,
        height: u16,
    },
    /// Submit the form as it is (the `auto_submit` start).
    Submit {
        now: DateTime<Utc>,
    },
    /// The names of query `id` were looked up: the scope to load, or what is wrong.
    Resolved {
        id: u64,
        result: Result<Scope, String>,
    },
    /// The names that complete the Query field's last term (its value starts at `at`).
    Completed {
        id: u64,
        at: usize,
        result: Result<Vec<String>, String>,
    },
    Page(PageEvent),
    Debounced {
        generation: u64,
    },
    Fetched {
        id: String,
        generation: u64,
        result: Result<Fresh, Error>,
        /// When the answer arrived.
        at: DateTime<Utc>,
    },
    /// The detail's fetch of `generation` waits before retrying, until then.
    DetailWaiting {
        generation: u64,
        until: DateTime<Utc>,
        reason: String,
    },
    /// The watch's timer of `generation` went off.
    WatchDue {
        generation: u64,
        now: DateTime<Utc>,
    },
    /// A watch refetch came back.
    Watched {
        id: String,
        generation: u64,
        result: Result<Fresh, Error>,
        at: DateTime<Utc>,
    },
    /// The watch's notification feed of `generation`: its status or an event of its topics.
    Pushed {
        generation: u64,
        feed: Feed,
        at: DateTime<Utc>,
    },
    /// The list refresh's (`F`) feed of `generation`: its rows' detail events, its queues'
    /// conversations, how it stands.
    FollowFed {
        generation: u64,
        feed: Feed,
        at: DateTime<Utc>,
    },
    /// The live queue view's feed of `generation`.
    QueueFed {
        generation: u64,
        feed: Feed,
        at: DateTime<Utc>,
    },
    /// The watch's read of `generation` has had no answer since `since`.
    WatchSlow {
        generation: u64,
        since: DateTime<Utc>,
    },
    /// The list refresh timer of `generation` went off.
    FollowDue {
        generation: u64,
        now: DateTime<Utc>,
    },
    /// One conversation's attributes, fetched in the background for an `attr:` filter: per
    /// participant id, or why they could not be had.
    Attributes {
        fetch_id: u64,
        id: String,
        result: Result<Vec<(String, Attributes)>, String>,
    },
    /// How the background attribute fetch is going (an async job's state).
    AttributesNote {
        fetch_id: u64,
        note: String,
    },
    /// The background attribute fetch `fetch_id` is over.
    AttributesDone {
        fetch_id: u64,
        /// Set when it stopped early.
        error: Option<String>,
    },
    /// The screen's export was written (the number of conversations), or not.
    Exported {
        path: PathBuf,
        result: Result<usize, String>,
    },
    Tick {
        now: DateTime<Utc>,
    },
    /// A timer of [`Effect::After`] went off.
    Due {
        timer: Timer,
        now: DateTime<Utc>,
    },
    /// SIGTSTP from outside (`kill -TSTP`): suspend as Ctrl-Z does.
    Suspend,
    /// The login at start answered (the screen ends with the error when it failed).
    Connected(Result<(), Error>),
    /// The organization the credentials belong to (its name), asked once at start.
    Organization(Result<String, String>),
    /// The API calls made lately (for the `L` view), newest last.
    ApiLog(Vec<CallRecord>),
    /// Names read from the directories (users, queues, wrap-up codes) for ids a page brought;
    /// `problem` says why some could not be read (a missing permission...).
    Names {
        names: Names,
        problem: Option<String>,
    },
    /// Rows read again by `Effect::RefreshRows` (those the API still knows), or why not.
    Refreshed {
        query_id: u64,
        result: Result<Vec<AnalyticsConversation>, String>,
    },
    /// Requests are held back for the rate budget (or no longer: `None`).
    BudgetHold(Option<BudgetHold>),
}

/// Why requests wait for the OAuth client's rate budget, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetHold {
    /// A 429 from the API (else our own pacing: the window's budget is spent).
    pub rate_limited: bool,
    pub until: DateTime<Utc>,
    /// What other clients of the OAuth client spent of the window, when noticeable.
    pub others: Option<crate::genesys::budget::Others>,
}

/// What a one-off timer is for (it comes back as [`Event::Due`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// The message of this number fades.
    Fade { seq: u64 },
    /// The live queue view's first page has waited long enough for the channel.
    QueueFirstPage { generation: u64 },
}

impl From<PageEvent> for Event {
    fn from(e: PageEvent) -> Self {
        Event::Page(e)
    }
}

/// Work for the event loop; the only way `update` reaches the world.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start the paging task (cancelling the previous one first).
    Query {
        query_id: u64,
        /// What to load, as the form (or the last query) said.
        scope: Scope,
        order: Order,
        /// Go on from where a failed run stood.
        resume: Option<Resume>,
        /// A refresh of `F`: background work in the rate budget (else the first page is what
        /// the user waits for); its tail brings back the rows still going on.
        follow: bool,
        /// A refresh fed by push: only the conversations started since then are wanted (the
        /// pages past them are not asked for).
        since: Option<DateTime<Utc>>,
    },
    /// Read these rows again with the analytics multi-get (up to 100 ids a call), in the
    /// background: `Event::Refreshed` with `query_id`.
    RefreshRows {
        query_id: u64,
        ids: Vec<String>,
    },
    /// Look the query's names up in the directories, answering with `Event::Resolved` (the
    /// scope with the search in it).
    Resolve {
        id: u64,
        text: String,
        query: crate::genesys::search::Query,
        scope: Scope,
    },
    /// The names of `dir` that start with `typed`, answering with `Event::Completed`.
    Complete {
        id: u64,
        dir: crate::genesys::search::Directory,
        at: usize,
        typed: String,
    },
    /// Stop the paging task; its rows stay.
    CancelQuery,
    /// Send `Event::Debounced { generation }` after the detail debounce.
    Debounce {
        generation: u64,
    },
    /// Fetch a conversation's attributes, answering with `Event::Fetched`.
    Fetch {
        id: String,
        generation: u64,
    },
    /// Abort the fetch in flight.
    CancelFetch,
    /// Turn mouse capture on or off.
    Mouse(bool),
    /// Clear the terminal and draw everything again (something else wrote to it).
    Redraw,
    /// Restore the terminal, stop the process (job control), and take the terminal back when
    /// the shell resumes it.
    Suspend,
    /// Send `Event::ApiLog` now and whenever a call is made (true), or stop (false).
    WatchApiLog(bool),
    /// Write this escape sequence (OSC 52) to the terminal: it sets the clipboard.
    Copy(String),
    /// Send `Event::WatchDue { generation }` after `delay`.
    WatchAfter {
        delay: Duration,
        generation: u64,
    },
    /// Refetch the watched conversation, answering with `Event::Watched`.
    WatchFetch {
        id: String,
        generation: u64,
    },
    /// Stop the watch's timer and refetch.
    CancelWatch,
    /// Send `Event::Due { timer }` after `delay` (never cancelled: a stale one is dropped by
    /// what it carries).
    After {
        delay: Duration,
        timer: Timer,
    },
    /// Follow `id`'s detail events on the process's notification channel, answering with
    /// `Event::Pushed` (replacing the watch's previous subscription).
    WatchPush {
        id: String,
        generation: u64,
    },
    /// Stop following the watched conversation's topics.
    StopPush,
    /// Follow these queues' conversations (`v2.routing.queues.{id}.conversations`) on the
    /// process's channel, answering with `Event::QueueFed` (replacing any previous one).
    QueuePush {
        queues: Vec<String>,
        generation: u64,
    },
    /// Stop following the queues.
    StopQueuePush,
    /// Follow these topics for `F` on the process's channel (its rows' detail events, its
    /// queues' conversations), answering with `Event::FollowFed` (replacing any previous one).
    FollowPush {
        topics: Vec<String>,
        generation: u64,
    },
    /// `F`'s subscription follows these topics from now on (its rows came or went).
    FollowTopics {
        topics: Vec<String>,
    },
    /// Stop following `F`'s topics.
    StopFollowPush,
    /// Send `Event::FollowDue { generation }` after `delay`.
    FollowAfter {
        delay: Duration,
        generation: u64,
    },
    /// Fetch these conversations' attributes in the background (`Event::Attributes` each,
    /// then `Event::AttributesDone`), at most `concurrency` at once.
    FetchAttributes {
        fetch_id: u64,
        /// The conversations, oldest first.
        wanted: Vec<Wanted>,
        /// The list's scope, for an async details job when there are many.
        bulk: Option<Scope>,
    },
    /// Stop the background attribute fetch.
    CancelAttributes,
    /// Name these ids (a page's agents, queues, wrap-up codes) in bulk through the session's
    /// directory, answering with `Event::Names`.
    Names {
        ids: Vec<(Kind, String)>,
    },
    /// Write these conversations to `path` (relative to the working directory).
    Export {
        path: PathBuf,
        format: Format,
        conversations: Vec<AnalyticsConversation>,
        /// For the CSV: the names known (agents, queues, wrap-up codes), to show names as the
        /// list does, and each conversation's facts (the rows keep no segments to read them
        /// from again); empty for the other formats.
        names: Names,
        facts: Vec<Facts>,
    },
    Quit,
}
