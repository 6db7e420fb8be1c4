//! `F` fed by push where it can: the live rows follow their detail-event topics on the
//! process's notification channel, and are changed by each event as it comes (a row ends the
//! moment its last participant's `.end` event arrives), instead of being read again every
//! refresh. What the events cannot say (someone joined: their purpose and name) is read with
//! one multi-get batched across the events of a refresh interval.
//!
//! - New conversations: a scope narrowed to queues only (`queue:A queue:B`) learns them from
//!   the queues' topics (`v2.routing.queues.{id}.conversations`), and then asks nothing while
//!   nothing changes; any other scope keeps the tail query (the API has no org-wide topic for
//!   new conversations).
//! - The channel's 1,000 topics are shared: `F` takes at most [`FOLLOW_TOPICS`] (the visible
//!   rows first, then the newest); the live rows beyond stay on the tail and the multi-get.
//! - A row newly followed is read once after the channel confirms its topics (nothing between
//!   its last reading and the subscription is lost). A gap (a reconnect) reads every live row
//!   once: one tail query and one multi-get. A refusal (403, the topic limit, no WebSocket)
//!   falls back to polling, and push is tried again later.
//! - An answer asked before an event it has not seen never undoes the event: the row keeps
//!   what the event made and is read again.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::{Effect, State};
use crate::genesys::Scope;
use crate::genesys::model::AnalyticsConversation;
use crate::genesys::notify::events::queue_topic;
use crate::genesys::notify::live_queue;
use crate::genesys::notify::record::{self, Applied, ROW_KINDS};
use crate::genesys::notify::{Feed, Message, Status};
use crate::tui::layout::text::fit;
use crate::tui::sanitize::sanitize;

/// The topics `F` may take of the channel's 1,000: room stays for a watch (9) and a live queue
/// view.
pub const FOLLOW_TOPICS: usize = 900;

/// A row ended by push is read once more for its final record (the metrics) with the next
/// multi-get that goes anyway, or this long after its end at the latest: ends cost no request
/// of their own, and one read takes the ends of two minutes.
pub const FINAL_READ_AFTER: chrono::TimeDelta = chrono::TimeDelta::seconds(120);

/// Topic changes that lose nothing by waiting (rows the tail reads anyway, rows that ended or
/// left) go at most this often: one `PUT` takes them all.
pub const TOPICS_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// How `F`'s rows are fed.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedVia {
    /// Subscribing: refreshes poll meanwhile.
    Connecting,
    Push,
    /// The socket is down or silent since then (reconnecting): refreshes poll meanwhile.
    Stale {
        since: DateTime<Utc>,
        why: String,
    },
    /// Push refused: refreshes poll, and push is tried again later.
    Poll(String),
}

/// A followed row's whole record (the list keeps rows packed), and the time of the latest
/// event that changed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub conv: AnalyticsConversation,
    pub changed: Option<DateTime<Utc>>,
}

/// `F`'s notification feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowFeed {
    pub generation: u64,
    pub via: FeedVia,
    /// The queues whose topics announce new conversations (the scope is these queues only);
    /// empty: the tail query finds them.
    pub queues: Vec<String>,
    /// The rows followed by their detail topics (conversation ids), as last asked.
    pub followed: BTreeSet<String>,
    /// Rows followed since the channel last confirmed the topics: read once it does.
    pub unconfirmed: BTreeSet<String>,
    /// Live rows left to the tail and the multi-get (beyond the budget, or with a participant
    /// no topic covers).
    pub overflow: usize,
    pub kept: HashMap<String, Kept>,
    /// Rows to read with the next multi-get.
    pub stale: BTreeSet<String>,
    /// Rows an event came for before their record was kept (it could not be applied), and
    /// when: an answer asked before then is read again.
    pub missed: HashMap<String, DateTime<Utc>>,
    /// Rows ended by push, and when: read for their final record with the next multi-get, or
    /// [`FINAL_READ_AFTER`] after their end.
    pub settle: BTreeMap<String, DateTime<Utc>>,
    /// The rows of the multi-get in flight (stale again if it fails).
    pub reading: Vec<String>,
    /// The next refresh reads every live row (after a gap, or push coming back).
    pub catch_up: bool,
    /// When the latest refresh was asked: its answers do not know of later events.
    pub asked_at: Option<DateTime<Utc>>,
    /// When the topics were last changed.
    pub topics_at: Option<DateTime<Utc>>,
    /// Events applied, rows ended by one, new conversations announced by a queue.
    pub events: u64,
    pub ended: u64,
    pub arrived: u64,
}

impl FollowFeed {
    pub fn new(generation: u64) -> FollowFeed {
        FollowFeed {
            generation,
            via: FeedVia::Connecting,
            queues: Vec::new(),
            followed: BTreeSet::new(),
            unconfirmed: BTreeSet::new(),
            overflow: 0,
            kept: HashMap::new(),
            stale: BTreeSet::new(),
            missed: HashMap::new(),
            settle: BTreeMap::new(),
            reading: Vec::new(),
            catch_up: true,
            asked_at: None,
            topics_at: None,
            events: 0,
            ended: 0,
            arrived: 0,
        }
    }

    pub fn is_push(&self) -> bool {
        self.via == FeedVia::Push
    }

    /// Forgets what the rows were (a new load replaces them).
    pub fn forget_rows(&mut self) {
        self.kept.clear();
        self.stale.clear();
        self.missed.clear();
        self.settle.clear();
        self.reading.clear();
        self.catch_up = true;
    }
}

/// The queues whose topics bring every new conversation of `scope`: it is narrowed to queues
/// and to nothing a queue's event cannot tell (its media can: see `Media::admits`; `live` it
/// is).
pub fn arrival_queues(scope: &Scope) -> Vec<String> {
    let s = &scope.search;
    let only_queues = s.agents.is_empty()
        && s.wrapups.is_empty()
        && s.directions.is_empty()
        && s.addresses.is_empty()
        && s.customers.is_empty();
    if only_queues {
        s.queues.iter().map(|e| e.id.clone()).collect()
    } else {
        Vec::new()
    }
}

/// The rows `F` follows by their topics: live rows every participant of which a topic covers,
/// those on screen first, then the newest, at most the budget's worth; and how many live rows
/// are left out.
fn choose(s: &State) -> (BTreeSet<String>, usize) {
    let cap = FOLLOW_TOPICS / ROW_KINDS.len();
    let l = &s.list;
    let shown: std::collections::HashSet<usize> = l
        .visible
        .iter()
        .skip(l.offset)
        .take(s.layout.list_rows.max(1))
        .copied()
        .collect();
    // The live rows (a few hundred at most, of any number of rows): on screen first, then the
    // newest.
    let mut live: Vec<usize> = (0..l.rows.len())
        .filter(|&i| l.rows[i].end().is_none())
        .collect();
    live.sort_by_key(|&i| (!shown.contains(&i), std::cmp::Reverse(l.rows[i].start)));
    let mut chosen = BTreeSet::new();
    for &i in &live {
        if chosen.len() == cap {
            break;
        }
        let row = &l.rows[i];
        let id = row.id();
        let trackable = match s.follow.as_ref().and_then(|f| f.feed.kept.get(id)) {
            Some(k) => record::trackable(&k.conv),
            None => record::trackable(&row.conversation()),
        };
        if trackable {
            chosen.insert(id.to_string());
        }
    }
    let left = live.len() - chosen.len();
    (chosen, left)
}

fn topics(queues: &[String], rows: &BTreeSet<String>) -> Vec<String> {
    queues
        .iter()
        .map(|q| queue_topic(q))
        .chain(rows.iter().flat_map(|id| record::row_topics(id)))
        .collect()
}

/// Starts `F`'s subscription: the rows it follows now and its queues.
pub(super) fn start(s: &mut State) -> Vec<Effect> {
    let queues = s
        .last_query
        .as_ref()
        .map(|q| arrival_queues(&q.scope))
        .unwrap_or_default();
    let (rows, overflow) = choose(s);
    let Some(f) = s.follow.as_mut() else {
        return vec![];
    };
    f.feed.queues = queues;
    f.feed.overflow = overflow;
    f.feed.unconfirmed = rows.clone();
    f.feed.topics_at = Some(s.now);
    let t = topics(&f.feed.queues, &rows);
    f.feed.followed = rows;
    vec![Effect::FollowPush {
        topics: t,
        generation: f.feed.generation,
    }]
}

/// Brings the topics to the rows as they are now (after a refresh, an arrival), in one `PUT`:
/// at once when a row needs them that nothing else reads (it started before the tail, or
/// queues bring new conversations and there is no tail), else at most every [`TOPICS_EVERY`]
/// (the tail reads its new rows meanwhile; rows that ended keep theirs a while, and get their
/// wrap-ups by them).
pub(super) fn plan(s: &mut State) -> Vec<Effect> {
    if s.follow.is_none() {
        return vec![];
    }
    let queues = s
        .last_query
        .as_ref()
        .map(|q| arrival_queues(&q.scope))
        .unwrap_or_default();
    let (rows, overflow) = choose(s);
    let in_list: BTreeSet<String> = s.list.rows.iter().map(|r| r.id().to_string()).collect();
    // What the next tail reads again: the rows started since its start.
    let tail_start = s.last_query.as_ref().map(|q| {
        super::live::follow_tail(
            q.scope.interval,
            s.list.rows.iter().filter_map(|r| r.start).max(),
        )
        .start
    });
    let now = s.now;
    let Some(f) = s.follow.as_mut() else {
        return vec![];
    };
    let feed = &mut f.feed;
    feed.overflow = overflow;
    feed.stale.retain(|id| in_list.contains(id));
    feed.missed.retain(|id, _| in_list.contains(id));
    feed.settle.retain(|id, _| in_list.contains(id));
    // The records of rows followed are kept (those ended too, while their topics stay: an
    // answer asked before their end must not bring them back to life, and their wrap-ups come).
    feed.kept
        .retain(|id, _| in_list.contains(id) && feed.followed.contains(id));
    if rows == feed.followed && queues == feed.queues {
        return vec![];
    }
    let unread = |id: &String| {
        !feed.queues.is_empty()
            || s.list
                .row(id)
                .is_none_or(|r| r.start.is_none_or(|t| tail_start.is_none_or(|a| t < a)))
    };
    let urgent = queues != feed.queues || rows.difference(&feed.followed).any(unread);
    let due = feed.topics_at.is_none_or(|t| now - t >= TOPICS_EVERY);
    if !urgent && !due {
        return vec![];
    }
    feed.unconfirmed
        .extend(rows.difference(&feed.followed).cloned());
    feed.unconfirmed.retain(|id| rows.contains(id));
    feed.followed = rows;
    feed.kept.retain(|id, _| feed.followed.contains(id));
    feed.queues = queues;
    feed.topics_at = Some(now);
    vec![Effect::FollowTopics {
        topics: topics(&feed.queues, &feed.followed),
    }]
}

/// An answer of a refresh (the tail's pages, the multi-get), asked at `asked` (`None`: a load
/// of the user's): a record older than an event applied since is replaced by what the event
/// made (and read again); the others become the followed rows' records.
pub(super) fn merge(
    s: &mut State,
    convs: &mut [AnalyticsConversation],
    asked: Option<DateTime<Utc>>,
) {
    let Some(f) = s.follow.as_mut() else {
        return;
    };
    let feed = &mut f.feed;
    for c in convs.iter_mut() {
        let id = c.conversation_id.clone();
        if let Some(k) = feed.kept.get(&id)
            && asked.is_some_and(|a| k.changed.is_some_and(|t| t > a))
        {
            *c = k.conv.clone();
            feed.stale.insert(id);
            continue;
        }
        if asked.is_some_and(|a| feed.missed.get(&id).is_some_and(|&t| t > a)) {
            // An event came after this was asked, before any record could take it.
            feed.stale.insert(id.clone());
        } else {
            feed.missed.remove(&id);
            feed.stale.remove(&id);
        }
        feed.settle.remove(&id);
        if feed.followed.contains(&id) && record::trackable(c) {
            feed.kept.insert(
                id,
                Kept {
                    conv: c.clone(),
                    changed: None,
                },
            );
        } else {
            feed.kept.remove(&id);
        }
    }
}

/// What a refresh asks for: the tail or not (all of it, or only its new conversations), and
/// the rows to multi-get.
pub(super) struct Ask {
    pub tail: bool,
    /// Only the conversations started in the tail are wanted (push has the others).
    pub new_only: bool,
    pub ids: Vec<String>,
}

/// Decides a refresh, given which rows the whole tail would bring back (`brings`) and which
/// started in it (`new`): polling (no push, or catching up) reads the tail and every live row the
/// tail cannot bring back; push reads the tail only for new conversations (not when queues
/// announce them), and multi-gets the rows events could not keep, the live rows not followed,
/// and the rows newly followed.
pub(super) fn ask(
    s: &mut State,
    now: DateTime<Utc>,
    brings: impl Fn(&str) -> bool,
    new: impl Fn(&str) -> bool,
) -> Ask {
    let live: Vec<String> = s
        .list
        .rows
        .iter()
        .filter(|r| r.end().is_none())
        .map(|r| r.id().to_string())
        .collect();
    let Some(f) = s.follow.as_mut() else {
        return Ask {
            tail: true,
            new_only: false,
            ids: vec![],
        };
    };
    let feed = &mut f.feed;
    let push = feed.is_push();
    let tail = !push || feed.catch_up || feed.queues.is_empty();
    // Fed by push, the tail is asked for new conversations only: the pages past them hold the
    // rows still going on, which their events keep.
    let new_only = push && !feed.catch_up;
    let mut ids: BTreeSet<String> = feed
        .stale
        .iter()
        .filter(|id| !feed.unconfirmed.contains(*id))
        .cloned()
        .collect();
    if !push || feed.catch_up {
        ids.extend(live.iter().cloned());
    } else {
        ids.extend(
            live.iter()
                .filter(|id| !feed.followed.contains(*id))
                .cloned(),
        );
    }
    let brought = |id: &String| tail && if new_only { new(id) } else { brings(id) };
    ids.retain(|id| !brought(id));
    // Rows ended by push ride along with a multi-get that goes anyway, or go after a while.
    let settled = feed.settle.values().any(|&t| now - t >= FINAL_READ_AFTER);
    if !push || feed.catch_up || !ids.is_empty() || settled {
        ids.extend(feed.settle.keys().filter(|id| !brought(id)).cloned());
        feed.settle.clear();
    }
    let ids: Vec<String> = ids.into_iter().collect();
    // Those the tail brings back stay stale until it does.
    feed.stale.retain(|id| !ids.contains(id));
    if push {
        feed.catch_up = false;
    }
    feed.asked_at = Some(now);
    feed.reading = ids.clone();
    Ask {
        tail,
        new_only,
        ids,
    }
}

/// `F`'s feed of `generation` spoke.
pub(super) fn fed(s: &mut State, generation: u64, feed: Feed, at: DateTime<Utc>) -> Vec<Effect> {
    let Some(f) = s
        .follow
        .as_mut()
        .filter(|f| f.feed.generation == generation)
    else {
        return vec![];
    };
    let every = f.interval.as_secs();
    let ff = &mut f.feed;
    match feed {
        Feed::Event {
            message: Message::Detail(ev),
            ..
        } => {
            let id = ev.conversation_id.clone();
            if !ff.followed.contains(&id) || s.list.row(&id).is_none() {
                // A late event of a row no longer followed (or gone from the range).
                return vec![];
            }
            ff.events += 1;
            let Some(k) = ff.kept.get_mut(&id) else {
                // Not read since it is followed: the read says it.
                ff.missed.insert(id.clone(), at);
                ff.stale.insert(id);
                return vec![];
            };
            let applied = record::apply(&mut k.conv, &ev);
            if applied == Applied::Nothing {
                return vec![];
            }
            k.changed = Some(at);
            let conv = k.conv.clone();
            match applied {
                Applied::Read => {
                    ff.stale.insert(id.clone());
                }
                Applied::Ended => {
                    ff.ended += 1;
                    // Its final record (metrics, the wrap-up) comes with the tail, or a
                    // multi-get later.
                    ff.settle.insert(id.clone(), at);
                }
                _ => {}
            }
            s.list.add(vec![conv], &s.names);
            super::live::relearn(s, std::slice::from_ref(&id));
            // Someone new is named (looked up once a session).
            super::name_rows(s, &[id])
        }
        Feed::Event {
            message:
                Message::Queue {
                    queue_id,
                    conversation,
                },
            ..
        } => {
            if !ff.queues.contains(&queue_id)
                || conversation.id.is_empty()
                || live_queue::ended(&conversation)
                || s.list.row(&conversation.id).is_some()
            {
                return vec![];
            }
            // A new conversation in a queue: shown at once as the event has it, its record
            // read with the next multi-get, its topics followed.
            let row = live_queue::to_analytics(&conversation);
            let Some(q) = s.last_query.as_ref() else {
                return vec![];
            };
            // The range as it reads now (a window ending "now" has moved since the refresh).
            let range = crate::tui::form::check(&q.from, &q.to, q.zone, at)
                .0
                .unwrap_or(q.scope.interval);
            if !q.scope.media.admits(&row) || row.start().is_some_and(|t| !range.contains(t)) {
                return vec![];
            }
            ff.events += 1;
            ff.arrived += 1;
            ff.stale.insert(conversation.id.clone());
            s.list.add(vec![row], &s.names);
            let mut fx = super::name_rows(s, std::slice::from_ref(&conversation.id));
            fx.extend(plan(s));
            fx
        }
        Feed::Event { .. } => vec![],
        Feed::Status(Status::Live) => {
            // The channel has the topics asked: the rows followed since are read once.
            let newly = std::mem::take(&mut ff.unconfirmed);
            ff.stale.extend(newly);
            match std::mem::replace(&mut ff.via, FeedVia::Push) {
                FeedVia::Push => vec![],
                FeedVia::Poll(_) => {
                    s.message = Some("push is back: the list follows its rows' events".into());
                    catch_up(s)
                }
                FeedVia::Connecting | FeedVia::Stale { .. } => catch_up(s),
            }
        }
        Feed::Status(Status::Resumed(why)) => {
            ff.via = FeedVia::Push;
            let newly = std::mem::take(&mut ff.unconfirmed);
            ff.stale.extend(newly);
            s.message = Some(format!(
                "list reconnected ({}): catching up with one tail query and one multi-get",
                fit(&sanitize(&why), 50)
            ));
            catch_up(s)
        }
        Feed::Status(Status::Alive(_)) => {
            if matches!(ff.via, FeedVia::Stale { .. }) {
                ff.via = FeedVia::Push;
            }
            vec![]
        }
        Feed::Status(Status::Down { why, since }) => {
            if !matches!(ff.via, FeedVia::Stale { .. } | FeedVia::Poll(_)) {
                ff.via = FeedVia::Stale {
                    since,
                    why: sanitize(&why),
                };
            }
            vec![]
        }
        Feed::Status(Status::Refused(why)) => {
            let why = sanitize(&why);
            let first = !matches!(ff.via, FeedVia::Poll(_));
            ff.via = FeedVia::Poll(why.clone());
            // No event comes: the records would go stale unseen.
            ff.kept.clear();
            ff.catch_up = true;
            if first {
                s.message = Some(format!(
                    "list push refused ({}): it refreshes by polling every {every} s",
                    fit(&why, 50)
                ));
            }
            vec![]
        }
    }
}

/// Reads every live row once, now (what happened while the feed was not live was not seen),
/// unless a refresh is under way: then the next one does.
fn catch_up(s: &mut State) -> Vec<Effect> {
    let Some(f) = s.follow.as_mut() else {
        return vec![];
    };
    f.feed.catch_up = true;
    if f.refreshing || !f.feed.reading.is_empty() {
        return vec![];
    }
    // The timer already set is dropped by its generation: this refresh schedules the next.
    s.seq += 1;
    f.generation = s.seq;
    let (generation, now) = (f.generation, s.now);
    super::live::follow_due(s, generation, now)
}
