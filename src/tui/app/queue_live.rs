//! The live queue view (`convoscope --live 'queue:…'`): after the first page of what is going
//! on in the queues (the details query of `queue:… live`), the list is kept by the queues'
//! topics alone: conversations appear when they enter, change as agents answer or transfer, and
//! leave when they end. A gap in the feed (a reconnect) reads the first page again; refused
//! push falls back to the list refresh (`F`).

use chrono::{DateTime, Utc};

use super::{Effect, State, Timer};
use crate::genesys::Scope;
use crate::genesys::notify::live_queue::{Change, LiveQueues};
use crate::genesys::notify::{Feed, Message, Status};
use crate::tui::list::Load;
use crate::tui::sanitize::sanitize;

/// How the queues' feed stands.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueFeed {
    /// Subscribing.
    Connecting,
    Live,
    /// Down or silent since then; reconnecting.
    Stale(DateTime<Utc>),
    /// Push refused: the list refreshes by polling.
    Refused(String),
}

/// The view's state while its scope is `queue:… live`.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueView {
    pub generation: u64,
    /// The queues' names as the directory gives them (sanitised).
    pub names: Vec<String>,
    pub set: LiveQueues,
    pub feed: QueueFeed,
    /// Events applied (for the status line).
    pub events: u64,
    /// A catch-up read is loading: the rows it brings replace the events'.
    pub catching_up: bool,
    /// The first page waits for the channel to have the queues' topics (so that nothing
    /// happens unseen between the two): held here until then.
    pub held: Option<Effect>,
    /// Subscribed, the first page not asked yet.
    pub waiting: bool,
    /// The first page was asked before the channel had the topics (it was slow): read it once
    /// more when it has them.
    pub read_early: bool,
    /// The events that came while a page was loading (queue, conversation), in order: applied
    /// again over it, as they are as new as it or newer.
    pub pending: Vec<(String, crate::genesys::model::Conversation)>,
}

impl QueueView {
    /// A view of `scope`'s queues, connecting, its first page read.
    fn new(generation: u64, scope: &Scope, set: LiveQueues) -> QueueView {
        QueueView {
            generation,
            names: scope
                .search
                .queues
                .iter()
                .map(|e| sanitize(&e.name))
                .collect(),
            set,
            feed: QueueFeed::Connecting,
            events: 0,
            catching_up: false,
            held: None,
            waiting: false,
            read_early: false,
            pending: Vec::new(),
        }
    }

    /// The header's part: `LIVE queue A, B` and, when not live, why.
    pub fn header(&self, zone: crate::timespec::Zone) -> String {
        let (what, how) = self.header_parts(zone);
        match how {
            Some(how) => format!("{what} {how}"),
            None => what,
        }
    }

    /// The header's part in two: `LIVE queue A, B`, and how the feed stands when it is not
    /// live (what a narrow header keeps whole, cutting the names instead).
    pub fn header_parts(&self, zone: crate::timespec::Zone) -> (String, Option<String>) {
        let what = format!("LIVE {}", self.names.join(", "));
        let how = match &self.feed {
            QueueFeed::Connecting => Some("(connecting)".to_string()),
            QueueFeed::Live => None,
            QueueFeed::Stale(since) => Some(format!(
                "(stale since {}, reconnecting)",
                zone.format(*since, "%H:%M:%S")
            )),
            QueueFeed::Refused(_) => Some("(push refused: polling)".to_string()),
        };
        (what, how)
    }

    /// How the feed stands in a few words, for a narrow header.
    pub fn state_short(&self, zone: crate::timespec::Zone) -> Option<String> {
        match &self.feed {
            QueueFeed::Connecting => Some("(connecting)".into()),
            QueueFeed::Live => None,
            QueueFeed::Stale(since) => Some(format!("(stale {})", zone.format(*since, "%H:%M:%S"))),
            QueueFeed::Refused(_) => Some("(polling)".into()),
        }
    }
}

/// Whether a scope is what the live queue view follows.
fn is_queue_live(scope: &Scope) -> bool {
    scope.search.live && !scope.search.queues.is_empty()
}

/// How long the first page waits for the channel before it is read all the same (then once
/// more when the channel has the topics).
pub const FIRST_PAGE_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// A load is starting: a scope the view does not follow ends the feed; a `queue:… live` one
/// (with `--live`) subscribes to its queues first, its first page held until the channel has
/// them (see [`hold`]).
pub(super) fn loading(s: &mut State, scope: &Scope) -> Vec<Effect> {
    s.queue_records.clear();
    if !is_queue_live(scope) {
        if s.queue_view.take().is_some() {
            return vec![Effect::StopQueuePush];
        }
        return vec![];
    }
    if !s.live_queues {
        return vec![];
    }
    let ids: Vec<String> = scope.search.queues.iter().map(|e| e.id.clone()).collect();
    if let Some(v) = s.queue_view.as_mut().filter(|v| v.set.queues == ids) {
        // The same queues again: the feed goes on, the page reads what is going on now.
        v.catching_up = true;
        v.pending.clear();
        return vec![];
    }
    s.seq += 1;
    let generation = s.seq;
    s.queue_view = Some(QueueView {
        catching_up: true,
        waiting: true,
        ..QueueView::new(generation, scope, LiveQueues::new(ids.clone()))
    });
    vec![
        Effect::QueuePush {
            queues: ids,
            generation,
        },
        Effect::After {
            delay: FIRST_PAGE_GRACE,
            timer: Timer::QueueFirstPage { generation },
        },
    ]
}

/// The first page's query: held while the view waits for the channel, else asked now.
pub(super) fn hold(s: &mut State, query: Effect) -> Option<Effect> {
    match s.queue_view.as_mut().filter(|v| v.waiting) {
        Some(v) => {
            v.held = Some(query);
            None
        }
        None => Some(query),
    }
}

/// The channel has the topics (or refused them, or was slow): the first page is asked.
fn release(s: &mut State) -> Vec<Effect> {
    match s.queue_view.as_mut() {
        Some(v) => {
            v.waiting = false;
            v.held.take().into_iter().collect()
        }
        None => vec![],
    }
}

/// The first page waited long enough: asked now, and once more when the channel has the
/// topics.
pub(super) fn grace_over(s: &mut State, generation: u64) -> Vec<Effect> {
    match s
        .queue_view
        .as_mut()
        .filter(|v| v.generation == generation && v.waiting)
    {
        Some(v) => {
            v.read_early = true;
            release(s)
        }
        None => vec![],
    }
}

/// A page of a `queue:… live` load: its records are kept whole (their segments and addresses
/// are what the queue events cannot say).
pub(super) fn page(s: &mut State, convs: &[crate::genesys::model::AnalyticsConversation]) {
    if s.live_queues
        && s.last_query
            .as_ref()
            .is_some_and(|q| is_queue_live(&q.scope))
    {
        for c in convs {
            s.queue_records.insert(c.conversation_id.clone(), c.clone());
        }
    }
}

/// A load finished without error: the first page (or a catch-up) seeds the view, and the
/// first time the feed starts.
pub(super) fn loaded(s: &mut State) -> Vec<Effect> {
    if !s.live_queues {
        return vec![];
    }
    let Some(scope) = s.last_query.as_ref().map(|q| q.scope.clone()) else {
        return vec![];
    };
    if !is_queue_live(&scope) {
        return vec![];
    }
    let ids: Vec<String> = scope.search.queues.iter().map(|e| e.id.clone()).collect();
    // The pages' whole records where kept, else what the row keeps.
    let mut records = std::mem::take(&mut s.queue_records);
    let rows: Vec<_> = s
        .list
        .rows
        .iter()
        .map(|r| records.remove(r.id()).unwrap_or_else(|| r.conversation()))
        .collect();
    if let Some(v) = s.queue_view.as_mut().filter(|v| v.set.queues == ids) {
        v.set.seed(rows);
        v.catching_up = false;
        // What came while the page loaded is as new as it or newer: applied over it.
        let changes: Vec<Change> = std::mem::take(&mut v.pending)
            .iter()
            .map(|(q, c)| v.set.apply(q, c))
            .collect();
        for change in changes {
            show(s, change);
        }
        return vec![];
    }
    let mut set = LiveQueues::new(ids.clone());
    set.seed(rows);
    s.seq += 1;
    let generation = s.seq;
    s.queue_view = Some(QueueView::new(generation, &scope, set));
    vec![Effect::QueuePush {
        queues: ids,
        generation,
    }]
}

/// The queues' feed of `generation`: an event changes one row; a status says how the feed
/// stands, and a gap reads the first page again.
pub(super) fn fed(s: &mut State, generation: u64, feed: Feed, at: DateTime<Utc>) -> Vec<Effect> {
    let Some(v) = s.queue_view.as_mut().filter(|v| v.generation == generation) else {
        return vec![];
    };
    match feed {
        Feed::Event {
            message:
                Message::Queue {
                    queue_id,
                    conversation,
                },
            ..
        } => {
            v.events += 1;
            let change = v.set.apply(&queue_id, &conversation);
            if v.catching_up {
                v.pending.push((queue_id, *conversation));
            }
            show(s, change);
            vec![]
        }
        Feed::Event { .. } => vec![],
        Feed::Status(Status::Live) => {
            let was = std::mem::replace(&mut v.feed, QueueFeed::Live);
            if v.waiting {
                // The channel has the topics: the first page now misses nothing.
                return release(s);
            }
            if std::mem::take(&mut v.read_early) {
                return catch_up(s, "the channel took the queues late");
            }
            if matches!(was, QueueFeed::Refused(_)) {
                let mut fx = super::live::stop_follow(s);
                fx.extend(catch_up(s, "push is back"));
                return fx;
            }
            vec![]
        }
        Feed::Status(Status::Alive(_)) => {
            if matches!(v.feed, QueueFeed::Stale(_) | QueueFeed::Connecting) {
                v.feed = QueueFeed::Live;
            }
            vec![]
        }
        Feed::Status(Status::Resumed(gap)) => {
            v.feed = QueueFeed::Live;
            catch_up(s, &format!("live again after {gap}"))
        }
        Feed::Status(Status::Down { since, .. }) => {
            if !matches!(v.feed, QueueFeed::Stale(_)) {
                v.feed = QueueFeed::Stale(since);
            }
            vec![]
        }
        Feed::Status(Status::Refused(why)) => {
            let why = sanitize(&why);
            s.message = Some(format!(
                "push refused ({why}): the list refreshes by polling"
            ));
            let first = !matches!(v.feed, QueueFeed::Refused(_));
            v.feed = QueueFeed::Refused(why);
            v.read_early = false;
            s.now = at;
            // The first page is read all the same; the list refresh (`F`) keeps it meanwhile.
            let mut fx = release(s);
            if first && s.follow.is_none() {
                fx.extend(super::live::toggle_follow(s));
            }
            fx
        }
    }
}

/// One event's change shown in the list.
fn show(s: &mut State, change: Change) {
    match change {
        Change::Upsert(row) => {
            let id = row.conversation_id.clone();
            s.list.add(vec![*row], &s.names);
            super::live::relearn(s, &[id]);
        }
        Change::Remove(id) => s.list.retain(|r| r.id() != id),
        Change::Nothing => {}
    }
}

/// Reads the first page again (what happened in a gap was not seen), the range read anew.
fn catch_up(s: &mut State, why: &str) -> Vec<Effect> {
    let Some(q) = s.last_query.clone() else {
        return vec![];
    };
    if let Some(v) = &mut s.queue_view {
        v.catching_up = true;
        v.pending.clear();
    }
    s.message = Some(format!("{why}: catching up"));
    let (read, _) = crate::tui::form::check(&q.from, &q.to, q.zone, s.now);
    let scope = q.scope.with_interval(read.unwrap_or(q.scope.interval));
    if let Some(lq) = &mut s.last_query {
        lq.scope = scope.clone();
    }
    if s.list.load != Load::Done && s.list.is_loading() {
        return vec![];
    }
    vec![super::start_query(s, scope, super::Rows::Replace, None)]
}
