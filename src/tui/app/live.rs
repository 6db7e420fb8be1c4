//! Transitions that keep the screen current: watching a conversation (`w`), the list refreshing
//! itself (`F`), and attributes fetched in the background for an `attr:` filter.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Effect, Focus, State};
use crate::attributes::Wanted;
use crate::genesys::Error;
use crate::genesys::Scope;
use crate::genesys::directory::Kind as DirKind;
use crate::genesys::model::{Attributes, Conversation};
use crate::genesys::notify::{DetailKind, Feed, Message, Status};
use crate::genesys::query::Interval;
use crate::timespec::Zone;
use crate::tui::detail::{Fresh, Snapshot};
use crate::tui::form;
use crate::tui::layout::text::fit;
use crate::tui::list::Load;
use crate::tui::sanitize::sanitize;
use crate::tui::watch::{self, Via, Watch, WatchState};

/// What the list was loaded with: refreshes read the times again (a "last 30 minutes" window
/// slides).
#[derive(Debug, Clone, PartialEq)]
pub struct LastQuery {
    pub from: String,
    pub to: String,
    pub zone: Zone,
    /// What the latest load loaded (its interval as read then).
    pub scope: Scope,
}

/// The list refreshing itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Follow {
    pub interval: Duration,
    pub generation: u64,
    pub updated: Option<DateTime<Utc>>,
    /// A refresh is loading.
    pub refreshing: bool,
    pub error: Option<String>,
    /// How the rows are fed (push where it can, else polling).
    pub feed: super::follow_push::FollowFeed,
}

/// How often the list refreshes: a whole range query, so less often than a watch.
pub fn follow_interval(watch_interval: Duration) -> Duration {
    (watch_interval * 5).max(Duration::from_secs(5))
}

/// Attributes fetched in the background for an `attr:` filter.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrFetch {
    pub fetch_id: u64,
    pub total: usize,
    pub done: usize,
    /// Conversations whose attributes could not be had (gone, no permission).
    pub failed: usize,
    pub running: bool,
    pub error: Option<String>,
    /// How it goes (an async job's state), when there is something to say.
    pub note: Option<String>,
}

impl AttrFetch {
    pub fn finished(&self) -> bool {
        !self.running
    }
}

fn next_seq(s: &mut State) -> u64 {
    s.seq += 1;
    s.seq
}

/// Records a conversation's attributes in its list row (searchable, exportable), and re-tests
/// the row against the filter.
fn learn(s: &mut State, id: &str, conv: &Conversation) {
    let pairs: Vec<(String, Attributes)> = conv
        .participants
        .iter()
        .map(|p| (p.id.clone(), p.attributes.clone()))
        .collect();
    if s.list.learn_attributes(id, &pairs) && !s.list.filter.is_empty() {
        s.list.refilter_row(id);
    }
}

/// Rows a refresh replaced lose what was learnt about them: learn it again from the cache.
pub(super) fn relearn(s: &mut State, ids: &[String]) {
    for id in ids {
        if let Some(snap) = s.detail.snapshot(id).cloned() {
            learn(s, id, &snap.conv);
        }
    }
}

/// A new reading of `id` is in the cache: note what changed (when watched), learn its
/// attributes, refresh an open raw view.
/// `gap`: it follows a gap in the feed; `first`: it is the watch's first read since it (re)started.
fn after_snapshot(
    s: &mut State,
    id: &str,
    old: Option<Snapshot>,
    at: DateTime<Utc>,
    gap: bool,
    first: bool,
) {
    let Some(new) = s.detail.snapshot(id).cloned() else {
        return;
    };
    let watched = s.watch.as_ref().is_some_and(|w| w.id == id);
    if let Some(old) = old
        && watched
        && old.at < new.at
    {
        let mut changes = watch::diff(&old.conv, &new.conv, at);
        for c in &mut changes {
            c.while_reconnecting = gap;
            c.found_since = (first && !gap).then_some(old.at);
        }
        s.timelines.record(id, changes);
    }
    learn(s, id, &new.conv);
    super::overlays::refresh_raw_json(s, id);
}

/// The detail's fetch came back.
pub(super) fn fetched(
    s: &mut State,
    id: &str,
    generation: u64,
    result: Result<Fresh, Error>,
    at: DateTime<Utc>,
) -> Vec<Effect> {
    let old = s.detail.snapshot(id).cloned();
    s.detail.fetched(id, generation, result, at);
    after_snapshot(s, id, old, at, false, false);
    vec![]
}

/// `r`: resume a failed load from the list, else read the detail's conversation again.
pub(super) fn refetch_or_resume(s: &mut State) -> Vec<Effect> {
    if s.focus == Focus::List
        && let Some(fx) = super::actions::resume(s)
    {
        return fx;
    }
    s.detail.refetch()
}

/// `w`: watch the conversation shown, pause the watch, or resume it. A watch reads the
/// conversation once, then follows its detail events on the notification channel; it polls
/// only when push is refused or unavailable.
pub(super) fn toggle_watch(s: &mut State) -> Vec<Effect> {
    let Some(id) = s.subject().map(str::to_string) else {
        s.message = Some("nothing to watch: select a conversation first".into());
        return vec![];
    };
    if let Some(WatchState::Ending(why)) = s
        .watch
        .as_ref()
        .filter(|w| w.id == id)
        .map(|w| w.state.clone())
    {
        return stop_ending(s, why, "not waiting for the wrap-up");
    }
    let watching_it = s.watch.as_ref().is_some_and(|w| w.id == id && w.is_live());
    if !watching_it && let Some(end) = known_end(s, &id) {
        // Nothing will change: no channel, no topics, and the watch running (if any) goes on.
        s.message = Some(format!(
            "the conversation ended {}: nothing to watch (t shows the changes seen)",
            when(s, end)
        ));
        return vec![];
    }
    let generation = next_seq(s);
    if let Some(w) = s.watch.as_mut().filter(|w| w.id == id) {
        w.generation = generation;
        if w.is_live() {
            w.state = WatchState::Paused;
            w.busy = false;
            w.stale_since = None;
            s.message = Some("watch paused (w resumes)".into());
            return vec![Effect::CancelWatch, Effect::StopPush];
        }
        w.state = WatchState::Live;
        w.busy = false;
        w.backoff = None;
        w.via = Via::Connecting;
        w.stale_since = None;
        // What changed while paused is found by the read once the channel has the topics.
        w.owed = Some(false);
        w.fresh_start = true;
        w.read_early = false;
        w.catching_up = false;
        s.message = Some("watching again".into());
        return start_watch(id, generation);
    }
    let mut w = Watch::new(&id, s.watch_interval);
    w.generation = generation;
    s.message = Some(format!(
        "watching: changes are pushed as they happen, marked for {} s; t lists them all",
        watch::MARK_FOR.as_secs()
    ));
    s.watch = Some(w);
    start_watch(id, generation)
}

/// When conversation `id` ended, as far as the last read knows (else the list).
fn known_end(s: &State, id: &str) -> Option<DateTime<Utc>> {
    match s.detail.snapshot(id) {
        Some(snap) => watch::end_of(&snap.conv),
        None => s.list.row(id).and_then(|r| r.end()),
    }
}

/// How long the baseline read waits for the channel to take the topics before it goes
/// anyway (then it is read once more when the channel has them).
pub const SUBSCRIBE_GRACE: Duration = Duration::from_secs(3);

/// Subscribes first; the conversation is read once the channel has its topics (so nothing
/// changes unseen in between), or after [`SUBSCRIBE_GRACE`].
fn start_watch(id: String, generation: u64) -> Vec<Effect> {
    vec![
        Effect::CancelWatch,
        Effect::WatchPush { id, generation },
        Effect::WatchAfter {
            delay: SUBSCRIBE_GRACE,
            generation,
        },
    ]
}

/// Asks for the watch's read (a catch-up after a gap when `gap`).
fn ask_read(w: &mut Watch, gap: bool, now: DateTime<Utc>) -> Vec<Effect> {
    w.busy = true;
    w.catching_up = gap;
    w.asked = Some(now);
    w.owed = None;
    if w.via != Via::Connecting {
        w.read_early = false;
    }
    vec![Effect::WatchFetch {
        id: w.id.clone(),
        generation: w.generation,
    }]
}

/// The watch's timer went off: refetch when polling or when a read is owed (the channel is
/// slow to take the topics, or a read failed), unless paused, moved on, or still waiting.
pub(super) fn watch_due(s: &mut State, generation: u64) -> Vec<Effect> {
    let now = s.now;
    if let Some(WatchState::Ending(why)) = s
        .watch
        .as_ref()
        .filter(|w| w.generation == generation)
        .map(|w| w.state.clone())
    {
        return stop_ending(s, why, "no wrap-up came");
    }
    match &mut s.watch {
        Some(w)
            if w.generation == generation
                && w.is_live()
                && !w.busy
                && (w.polls() || w.owed.is_some()) =>
        {
            if w.via == Via::Connecting {
                w.read_early = true;
            }
            let gap = w.owed.unwrap_or(false);
            ask_read(w, gap, now)
        }
        _ => vec![],
    }
}

/// A watch read came back: record what changed (marked "changed while reconnecting" after a
/// gap), and when polling schedule the next one (later after an error); stop when the
/// conversation ended or is gone.
pub(super) fn watched(
    s: &mut State,
    id: &str,
    generation: u64,
    result: Result<Fresh, Error>,
    at: DateTime<Utc>,
) -> Vec<Effect> {
    let current = s
        .watch
        .as_ref()
        .is_some_and(|w| w.id == id && w.generation == generation);
    let gap = current && s.watch.as_ref().is_some_and(|w| w.catching_up);
    let first = current && s.watch.as_ref().is_some_and(|w| w.fresh_start);
    let mut ended = None;
    let outcome = match result {
        Ok(mut f) => {
            if current
                && let Some(w) = s.watch.as_ref()
                && let Some(asked) = w.asked
                && let Some(known) = s.detail.snapshot(id)
                && watch::keep_pushed(&mut f.conv, &known.conv, asked, &w.touched)
            {
                f.raw = serde_json::to_string(&f.conv).unwrap_or_default();
            }
            if watch::ended(&f.conv) {
                ended = Some(end_text(s, &f.conv, at));
            }
            let old = s.detail.update_snapshot(id, f.snapshot(at));
            after_snapshot(s, id, old, at, gap, first);
            Ok(())
        }
        Err(e) => Err(e),
    };
    if !current {
        return vec![];
    }
    let Some(w) = s.watch.as_mut() else {
        return vec![];
    };
    w.busy = false;
    if outcome.is_ok() {
        w.catching_up = false;
        if w.via != Via::Push
            || w.alive
                .is_some_and(|a| a >= at - chrono::Duration::seconds(60))
        {
            w.stale_since = None;
        }
    }
    match outcome {
        Ok(()) => {
            w.succeeded(at);
            w.fresh_start = false;
            if let Some(why) = ended {
                return conversation_ended(s, why);
            }
            if w.via == Via::Push
                && let Some(gap) = w.owed
            {
                // Asked for while this read was in flight (asked before it was needed).
                return ask_read(w, gap, at);
            }
        }
        Err(Error::NotFound { .. }) => {
            let why = "the conversation is gone (404)".to_string();
            s.message = Some(format!("{why}: the watch stopped"));
            w.state = WatchState::Stopped(why);
            w.stale_since = None;
            return vec![Effect::StopPush];
        }
        Err(e) => {
            let retry_after = match &e {
                Error::RateLimited { retry_after, .. } => retry_after.map(Duration::from_secs),
                _ => None,
            };
            w.failed(sanitize(&e.to_string()), retry_after);
            if !w.polls() {
                // Fed by push, a failed read is tried again after the backoff all the same:
                // the baseline (or the catch-up) is needed.
                w.owed = Some(w.owed.unwrap_or(false) | gap);
                return vec![Effect::WatchAfter {
                    delay: w.next_delay(),
                    generation: w.generation,
                }];
            }
        }
    }
    if w.is_live() && w.polls() {
        vec![Effect::WatchAfter {
            delay: w.next_delay(),
            generation: w.generation,
        }]
    } else {
        vec![]
    }
}

/// The watch's notification feed spoke: a status (live, a gap, a heartbeat, down, refused)
/// or a detail event, applied at once with its own time.
pub(super) fn pushed(s: &mut State, generation: u64, feed: Feed, at: DateTime<Utc>) -> Vec<Effect> {
    if s.watch
        .as_ref()
        .is_some_and(|w| w.generation == generation && matches!(w.state, WatchState::Ending(_)))
    {
        return ending(s, feed);
    }
    let Some(w) = s
        .watch
        .as_mut()
        .filter(|w| w.generation == generation && w.is_live())
    else {
        return vec![];
    };
    let id = w.id.clone();
    let read = |w: &mut Watch, gap: bool| {
        if w.busy {
            // The read in flight was asked before this was known: one more when it answers.
            w.owed = Some(w.owed.unwrap_or(false) | gap);
            return vec![];
        }
        ask_read(w, gap, at)
    };
    match feed {
        Feed::Status(Status::Live) => {
            let was_polling = w.polls();
            w.via = Via::Push;
            w.stale_since = None;
            w.alive = Some(at);
            if was_polling {
                s.message = Some("push is back: the watch stopped polling".into());
                // Between the last poll and now, something may have changed.
                return read(w, true);
            }
            if let Some(gap) = w.owed {
                // The channel has the topics: the baseline now misses nothing.
                return read(w, gap);
            }
            if std::mem::take(&mut w.read_early) {
                // Read before the channel had the topics: what changed in between.
                return read(w, true);
            }
            vec![]
        }
        Feed::Status(Status::Resumed(why)) => {
            w.via = Via::Push;
            w.stale_since = None;
            w.alive = Some(at);
            w.error = None;
            w.read_early = false;
            s.message = Some(format!(
                "reconnected ({}): reading the conversation once to catch up",
                fit(&sanitize(&why), 60)
            ));
            read(w, true)
        }
        Feed::Status(Status::Alive(t)) => {
            w.alive = Some(t);
            if w.via == Via::Push && !w.busy {
                w.stale_since = None;
            }
            vec![]
        }
        Feed::Status(Status::Down { why, since }) => {
            w.stale_since.get_or_insert(since);
            w.error = Some(format!("{}: reconnecting", sanitize(&why)));
            vec![]
        }
        Feed::Status(Status::Refused(why)) => {
            let was_push = w.via == Via::Push;
            let why = sanitize(&why);
            w.via = Via::Poll(why.clone());
            w.stale_since = None;
            w.read_early = false;
            s.message = Some(format!(
                "push refused ({}): polling every {} s",
                fit(&why, 60),
                w.interval.as_secs()
            ));
            let gap = was_push || w.owed.unwrap_or(false);
            let fx = read(w, gap);
            if fx.is_empty() && !w.busy {
                return vec![Effect::WatchAfter {
                    delay: w.next_delay(),
                    generation,
                }];
            }
            fx
        }
        Feed::Event {
            message: Message::Detail(ev),
            ..
        } => {
            w.alive = Some(at);
            if ev.conversation_id != id {
                return vec![];
            }
            if ev.kind == DetailKind::Attributes
                && let Some(pid) = &ev.body.participant_id
            {
                w.touched.insert(pid.clone(), at);
            }
            let Some(snap) = s.detail.snapshot(&id).cloned() else {
                // No baseline yet: the read in flight will show it.
                return vec![];
            };
            let mut conv = (*snap.conv).clone();
            let (changes, unknown) = watch::apply(&mut conv, &ev);
            let mut fx = record(s, &id, changes);
            let ended = watch::ended(&conv).then(|| end_text(s, &conv, at));
            let raw: std::sync::Arc<str> = serde_json::to_string(&conv).unwrap_or_default().into();
            s.detail.update_snapshot(
                &id,
                Snapshot {
                    conv: std::sync::Arc::new(conv),
                    raw,
                    at,
                },
            );
            if let Some(snap) = s.detail.snapshot(&id).cloned() {
                learn(s, &id, &snap.conv);
            }
            super::overlays::refresh_raw_json(s, &id);
            if let Some(why) = ended {
                fx.extend(conversation_ended(s, why));
                return fx;
            }
            let Some(w) = s.watch.as_mut() else {
                return fx;
            };
            if unknown {
                // A participant the baseline did not have: one read names it.
                fx.extend(read(w, false));
            }
            fx
        }
        Feed::Event { .. } => vec![],
    }
}

/// The watched conversation is over: the watch stops, or, while an agent's wrap-up is still
/// to come by push, waits for it (only wrap-ups, [`watch::WRAPUP_WAIT`] at most; no request).
fn conversation_ended(s: &mut State, why: String) -> Vec<Effect> {
    let Some(w) = s.watch.as_ref() else {
        return vec![];
    };
    let due = match s.detail.snapshot(&w.id) {
        Some(snap) if w.via == Via::Push => watch::wrapups_due(&snap.conv, s.timelines.get(&w.id)),
        _ => Vec::new(),
    };
    let Some(w) = s.watch.as_mut() else {
        return vec![];
    };
    w.stale_since = None;
    w.busy = false;
    if due.is_empty() {
        s.message = Some(format!("{why}: the watch stopped"));
        w.state = WatchState::Stopped(why);
        return vec![Effect::CancelWatch, Effect::StopPush];
    }
    s.message = Some(format!("{why}: waiting for the wrap-up (w stops)"));
    w.state = WatchState::Ending(why);
    w.wrapups_due = due;
    vec![
        Effect::CancelWatch,
        Effect::WatchAfter {
            delay: watch::WRAPUP_WAIT,
            generation: w.generation,
        },
    ]
}

/// An ended conversation's watch waits for wrap-ups: each one is recorded; the last one, or
/// the wait running out, stops it.
fn ending(s: &mut State, feed: Feed) -> Vec<Effect> {
    let Feed::Event {
        message: Message::Detail(ev),
        ..
    } = feed
    else {
        return vec![];
    };
    let Some(w) = s.watch.as_mut() else {
        return vec![];
    };
    let id = w.id.clone();
    if ev.conversation_id != id || ev.kind != DetailKind::Wrapup {
        return vec![];
    }
    if let Some(pid) = &ev.body.participant_id {
        w.wrapups_due.retain(|p| p != pid);
    }
    let done = w.wrapups_due.is_empty();
    let why = match &w.state {
        WatchState::Ending(why) => why.clone(),
        _ => return vec![],
    };
    let mut fx = match s.detail.snapshot(&id).cloned() {
        Some(snap) => {
            let mut conv = (*snap.conv).clone();
            let (changes, _) = watch::apply(&mut conv, &ev);
            record(s, &id, changes)
        }
        None => vec![],
    };
    if done {
        fx.extend(stop_ending(s, why, "wrapped up"));
    }
    fx
}

/// Records pushed changes in the timeline, and asks once for the name of a wrap-up code the
/// directory has not named (the list names only the codes its rows hold).
fn record(s: &mut State, id: &str, changes: Vec<watch::Change>) -> Vec<Effect> {
    let ids: Vec<(DirKind, String)> = changes
        .iter()
        .filter_map(|c| match &c.kind {
            watch::ChangeKind::WrapUp { code } if !code.is_empty() => {
                Some((DirKind::Wrapup, code.clone()))
            }
            _ => None,
        })
        .filter(|k| !s.names.knows(k.0, &k.1) && s.names_asked.insert(k.clone()))
        .collect();
    s.timelines.record(id, changes);
    if ids.is_empty() {
        vec![]
    } else {
        vec![Effect::Names { ids }]
    }
}

fn stop_ending(s: &mut State, why: String, how: &str) -> Vec<Effect> {
    let Some(w) = s.watch.as_mut() else {
        return vec![];
    };
    s.message = Some(format!("{why}, {how}: the watch stopped"));
    w.state = WatchState::Stopped(format!("{why}, {how}"));
    w.wrapups_due.clear();
    vec![Effect::CancelWatch, Effect::StopPush]
}

fn end_text(s: &State, c: &Conversation, at: DateTime<Utc>) -> String {
    let end = watch::end_of(c).unwrap_or(at);
    format!("the conversation ended {}", when(s, end))
}

/// A time as the status line says it: `at 14:02:07` today (in the zone shown), else with
/// its date.
fn when(s: &State, t: DateTime<Utc>) -> String {
    let zone = s.zone();
    if zone.format(t, "%Y-%m-%d") == zone.format(s.now, "%Y-%m-%d") {
        format!("at {}", zone.format(t, "%H:%M:%S"))
    } else {
        format!("on {}", zone.format(t, "%Y-%m-%d at %H:%M:%S"))
    }
}

/// Stops `F` (its topics leave the channel).
pub(super) fn stop_follow(s: &mut State) -> Vec<Effect> {
    match s.follow.take() {
        Some(_) => vec![Effect::StopFollowPush],
        None => vec![],
    }
}

/// `F`: the list keeps itself current (its live rows by push where it can, new conversations
/// every few seconds; a relative range slides), or stops.
pub(super) fn follow_key(s: &mut State) -> Vec<Effect> {
    if s.queue_view.is_some() {
        // Already kept by its queues' topics (or, push refused, by the refresh it started
        // itself): F would only add requests.
        s.message = Some(
            "the live queue view keeps itself current (by push, or polling while push is refused)"
                .into(),
        );
        return vec![];
    }
    toggle_follow(s)
}

/// Starts or stops the list refresh.
pub(super) fn toggle_follow(s: &mut State) -> Vec<Effect> {
    if s.follow.is_some() {
        s.message = Some("list refresh off".into());
        return stop_follow(s);
    }
    if s.last_query.is_none() {
        s.message = Some("load a range first (Enter in the form), then F keeps it current".into());
        return vec![];
    }
    let interval = follow_interval(s.watch_interval);
    let generation = next_seq(s);
    let feed = super::follow_push::FollowFeed::new(next_seq(s));
    s.follow = Some(Follow {
        interval,
        generation,
        updated: None,
        refreshing: false,
        error: None,
        feed,
    });
    s.message = Some(format!(
        "the list keeps current: live rows by push, new ones every {} s (F stops it)",
        interval.as_secs()
    ));
    let mut fx = vec![Effect::FollowAfter {
        delay: interval,
        generation,
    }];
    fx.extend(super::follow_push::start(s));
    fx
}

/// The list refresh timer went off: ask for the tail of the range (new conversations; the
/// range read anew, a window relative to now slides) unless queues announce them, and
/// multi-get the rows neither the tail nor push keeps (see `follow_push::ask`), keeping the
/// rows, the selection and the scroll.
pub(super) fn follow_due(s: &mut State, generation: u64, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(f) = s.follow.as_ref().filter(|f| f.generation == generation) else {
        return vec![];
    };
    let interval = f.interval;
    let Some(q) = s.last_query.clone() else {
        return vec![];
    };
    if s.list.is_loading() {
        // Still loading: look again later.
        return vec![Effect::FollowAfter {
            delay: interval,
            generation,
        }];
    }
    let (read, _) = form::check(&q.from, &q.to, q.zone, now);
    let range = read.unwrap_or(q.scope.interval);
    if let Some(lq) = &mut s.last_query {
        lq.scope = q.scope.with_interval(range);
    }
    let tail = follow_tail(range, s.list.rows.iter().filter_map(|r| r.start).max());
    let ids = |keep: &dyn Fn(&crate::tui::list::Row) -> bool| {
        s.list
            .rows
            .iter()
            .filter(|r| keep(r))
            .map(|r| r.id().to_string())
            .collect::<std::collections::HashSet<String>>()
    };
    // With `live` in the query the tail answers only with what is still going on: a row that
    // ended is never brought back by it, so every live row is the multi-get's.
    let live_only = q.scope.search.live;
    let brings = ids(&|r| !live_only && tail_brings(tail, r.start, r.end()));
    let new = ids(&|r| r.start.is_some_and(|t| tail.contains(t)));
    let ask = super::follow_push::ask(s, now, |id| brings.contains(id), |id| new.contains(id));
    let mut fx = Vec::new();
    if ask.tail {
        if let Some(f) = &mut s.follow {
            f.refreshing = true;
        }
        let mut q = super::start_query(s, q.scope.with_interval(tail), super::Rows::Keep, None);
        // The list stays whole meanwhile: its counts are its rows, not the tail's pages.
        let n = s.list.rows.len() as u64;
        (s.list.loaded, s.list.total) = (n, n);
        if let Effect::Query { follow, since, .. } = &mut q {
            *follow = true;
            *since = ask.new_only.then_some(tail.start);
        }
        fx.push(q);
    }
    if !ask.ids.is_empty() {
        fx.push(Effect::RefreshRows {
            query_id: s.query_seq,
            ids: ask.ids,
        });
    }
    if !ask.tail {
        // Nothing to wait for: the next refresh is due an interval from now, and the topics
        // of rows that ended or left go now.
        fx.push(Effect::FollowAfter {
            delay: interval,
            generation,
        });
        if let Some(f) = &mut s.follow {
            f.updated = Some(now);
        }
        fx.extend(super::follow_push::plan(s));
    }
    fx
}

/// The multi-get of a refresh answered: its rows replace theirs (a row the API no longer
/// knows stays as it was; one older than an event pushed since keeps what the event made); a
/// failure is the refresh's error, the rows stay and are read again next time.
pub(super) fn refreshed(
    s: &mut State,
    query_id: u64,
    result: Result<Vec<crate::genesys::model::AnalyticsConversation>, String>,
) -> Vec<Effect> {
    if query_id != s.list.query_id {
        return vec![];
    }
    let (asked, reading) = match s.follow.as_mut() {
        Some(f) => (f.feed.asked_at, std::mem::take(&mut f.feed.reading)),
        None => (None, Vec::new()),
    };
    match result {
        Ok(mut convs) => {
            super::follow_push::merge(s, &mut convs, asked);
            let ids: Vec<String> = convs.iter().map(|c| c.conversation_id.clone()).collect();
            s.list.add(convs, &s.names);
            relearn(s, &ids);
            if let Some(q) = &s.last_query {
                let range = q.scope.interval;
                s.list.retain(|r| r.start.is_none_or(|t| range.contains(t)));
            }
            // Agents who joined since are named.
            let mut fx = super::name_rows(s, &ids);
            fx.extend(super::follow_push::plan(s));
            fx
        }
        Err(e) => {
            if let Some(f) = &mut s.follow {
                f.error = Some(sanitize(&e));
                f.feed.stale.extend(reading);
            }
            vec![]
        }
    }
}

/// Whether the details query over `tail` answers with a conversation of this start and end:
/// it overlaps the tail and started on a UTC day the tail touches.
pub fn tail_brings(
    tail: Interval,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> bool {
    start.is_some_and(|t| t.date_naive() >= tail.start.date_naive() && t < tail.end)
        && end.is_none_or(|e| e >= tail.start)
}

/// What a refresh of `F` asks for, given the range and the rows (id, start, end): the tail of
/// the range ([`follow_tail`]), and the rows still going on that the tail cannot bring back
/// (started on a UTC day before the tail's: the query answers with conversations of the days
/// it touches only), for the multi-get.
pub fn follow_plan<'a>(
    range: Interval,
    rows: impl Iterator<Item = (&'a str, Option<DateTime<Utc>>, Option<DateTime<Utc>>)> + Clone,
) -> (Interval, Vec<String>) {
    let tail = follow_tail(range, rows.clone().filter_map(|r| r.1).max());
    let ids = rows
        .filter(|(_, start, end)| end.is_none() && !tail_brings(tail, *start, *end))
        .map(|(id, ..)| id.to_string())
        .collect();
    (tail, ids)
}

/// How far before the newest start seen a refresh looks again: a conversation that reaches
/// analytics a little late is not missed.
pub const FOLLOW_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// What a refresh asks for: the range from a little before the newest start seen. The details
/// query answers with every conversation of the UTC days it touches that overlaps it, so the
/// rows still going on then come back too (ended or not): a refresh costs the tail's pages, a
/// page or two, whatever the range holds.
pub fn follow_tail(range: Interval, newest: Option<DateTime<Utc>>) -> Interval {
    let from = newest
        .map(|t| (t - FOLLOW_OVERLAP).clamp(range.start, range.end))
        .unwrap_or(range.start);
    Interval::new(from, range.end)
}

/// A load ended (done, or failed with `error`): a refresh drops the rows its window left
/// behind and schedules the next; an `attr:` filter fetches what the new rows lack.
pub(super) fn load_finished(s: &mut State, error: Option<String>) -> Vec<Effect> {
    let mut fx = Vec::new();
    let now = s.now;
    if let Some(f) = s.follow.as_mut().filter(|f| f.refreshing) {
        f.refreshing = false;
        match &error {
            None => {
                f.updated = Some(now);
                f.error = None;
            }
            Some(e) => f.error = Some(e.clone()),
        }
        let delay = if error.is_some() {
            f.interval * 2
        } else {
            f.interval
        };
        fx.push(Effect::FollowAfter {
            delay,
            generation: f.generation,
        });
        if error.is_some() {
            // A failed refresh keeps the rows shown; the next one tries again.
            s.list.load = Load::Done;
        } else if let Some(q) = &s.last_query {
            let range = q.scope.interval;
            s.list.retain(|r| r.start.is_none_or(|t| range.contains(t)));
            let n = s.list.rows.len() as u64;
            (s.list.loaded, s.list.total) = (n, n);
        }
    }
    if error.is_none() {
        fx.extend(super::queue_live::loaded(s));
        fx.extend(super::follow_push::plan(s));
    }
    fx.extend(fetch_missing_attributes(s));
    fx
}

/// The filter changed as the user typed.
pub(super) fn filter_changed(s: &mut State) -> Vec<Effect> {
    let text = s.filter_input.value().to_string();
    s.list.set_filter(&text, s.now);
    fetch_missing_attributes(s)
}

/// With an `attr:` term in the filter, rows whose attributes are unknown cannot match yet:
/// fetch them in the background (one fetch at a time).
pub(super) fn fetch_missing_attributes(s: &mut State) -> Vec<Effect> {
    if !s.list.filter.needs_attributes() || s.attr_fetch.as_ref().is_some_and(|a| a.running) {
        return vec![];
    }
    let ids = s.list.without_attributes();
    if ids.is_empty() {
        return vec![];
    }
    // Oldest first: the fetcher reads an async job's results once, in that order.
    let mut wanted: Vec<Wanted> = ids
        .into_iter()
        .map(|id| {
            let row = s.list.row(&id);
            Wanted {
                start: row.and_then(|r| r.start),
                end: row.and_then(|r| r.end()),
                id,
            }
        })
        .collect();
    wanted.sort_by_key(|w| w.start);
    let fetch_id = next_seq(s);
    s.attr_fetch = Some(AttrFetch {
        fetch_id,
        total: wanted.len(),
        done: 0,
        failed: 0,
        running: true,
        error: None,
        note: None,
    });
    let bulk = s
        .last_query
        .as_ref()
        .filter(|_| wanted.len() >= crate::tui::BULK_ATTRIBUTES)
        .map(|q| q.scope.clone());
    vec![Effect::FetchAttributes {
        fetch_id,
        wanted,
        bulk,
    }]
}

/// One conversation's attributes arrived from the background fetch.
pub(super) fn attributes(
    s: &mut State,
    fetch_id: u64,
    id: &str,
    result: Result<Vec<(String, Attributes)>, String>,
) -> Vec<Effect> {
    let ok = match result {
        Ok(pairs) => {
            s.list.learn_attributes(id, &pairs);
            true
        }
        Err(_) => {
            // Known to have none we can read: it will not match, and is not asked again.
            s.list.learn_attributes(id, &[]);
            false
        }
    };
    if !s.list.filter.is_empty() {
        s.list.refilter_row(id);
    }
    if let Some(a) = s.attr_fetch.as_mut().filter(|a| a.fetch_id == fetch_id) {
        a.done += 1;
        if !ok {
            a.failed += 1;
        }
    }
    vec![]
}

pub(super) fn attributes_done(s: &mut State, fetch_id: u64, error: Option<String>) -> Vec<Effect> {
    if let Some(a) = s.attr_fetch.as_mut().filter(|a| a.fetch_id == fetch_id) {
        a.running = false;
        a.error = error.map(|e| sanitize(&e));
    }
    vec![]
}
