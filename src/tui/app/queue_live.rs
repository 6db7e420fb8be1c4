//! The live queue view (`convoscope --live 'queue:…'`): after the first page of what is going
//! on in the queues (the details query of `queue:… live`), the list is kept by the queues'
//! topics alone: conversations appear when they enter, change as agents answer or transfer, and
//! leave when they end. A gap in the feed (a reconnect) reads the first page again; refused
//! push falls back to the list refresh (`F`).

use chrono::{DateTime, Utc};

use super::{Effect, State};
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
}

impl QueueView {
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

/// A load is starting: a scope the view does not follow ends the feed.
pub(super) fn loading(s: &mut State, scope: &Scope) -> Vec<Effect> {
    s.queue_records.clear();
    if !is_queue_live(scope) && s.queue_view.take().is_some() {
        return vec![Effect::StopQueuePush];
    }
    vec![]
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
        return vec![];
    }
    let mut set = LiveQueues::new(ids.clone());
    set.seed(rows);
    s.seq += 1;
    let generation = s.seq;
    s.queue_view = Some(QueueView {
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
    });
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
            match v.set.apply(&queue_id, &conversation) {
                Change::Upsert(row) => {
                    let id = row.conversation_id.clone();
                    s.list.add(vec![*row], &s.names);
                    super::live::relearn(s, &[id]);
                }
                Change::Remove(id) => s.list.retain(|r| r.id() != id),
                Change::Nothing => {}
            }
            vec![]
        }
        Feed::Event { .. } => vec![],
        Feed::Status(Status::Live) => {
            let was = std::mem::replace(&mut v.feed, QueueFeed::Live);
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
            s.now = at;
            if first && s.follow.is_none() {
                return super::live::toggle_follow(s);
            }
            vec![]
        }
    }
}

/// Reads the first page again (what happened in a gap was not seen), the range read anew.
fn catch_up(s: &mut State, why: &str) -> Vec<Effect> {
    let Some(q) = s.last_query.clone() else {
        return vec![];
    };
    if let Some(v) = &mut s.queue_view {
        v.catching_up = true;
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
