//! Watching a live conversation: each refetch is compared with the one before, participant by
//! participant, and what changed goes into a timeline kept per conversation.
//!
//! Pure: the times come in with the answers.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::genesys::model::{Conversation, ConversationParticipant};
use crate::genesys::notify::{DetailEvent, DetailKind};

use super::sanitize::sanitize;

/// How long a change stays marked in the detail pane.
pub const MARK_FOR: Duration = Duration::from_secs(30);
/// Changes kept per conversation (the oldest go first).
pub const TIMELINE_MAX: usize = 5000;
/// How long an ended conversation's watch waits for the agents' wrap-ups.
pub const WRAPUP_WAIT: Duration = Duration::from_secs(600);
/// The longest wait between two refetches after errors or rate limits.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeKind {
    Added {
        value: String,
    },
    Changed {
        old: String,
        new: String,
    },
    Removed {
        old: String,
    },
    /// A participant appeared (a transfer, an agent joining).
    Joined,
    /// A participant's session ended.
    Left,
    /// The agent wrapped up (the code's id, when given).
    WrapUp {
        code: String,
    },
}

/// One change, with the participant's role and name as they were (sanitised for display).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub at: DateTime<Utc>,
    pub participant_id: String,
    pub purpose: String,
    pub name: String,
    /// The attribute's key (raw); empty for Joined/Left.
    pub key: String,
    pub kind: ChangeKind,
    /// Found by the read after a gap in the feed (a reconnect): it happened at or before `at`.
    pub while_reconnecting: bool,
    /// Found by the watch's first read against a read made before it began (at this time):
    /// it happened between the two.
    pub found_since: Option<DateTime<Utc>>,
}

impl Change {
    /// The change as one line of text, for `/` in the timeline: who, the key, old and new.
    pub fn text(&self) -> String {
        let what = match &self.kind {
            ChangeKind::Added { value } => format!("+ {} → {value}", self.key),
            ChangeKind::Changed { old, new } => format!("~ {} {old} → {new}", self.key),
            ChangeKind::Removed { old } => format!("- {} {old} →", self.key),
            ChangeKind::Joined => "joined".into(),
            ChangeKind::Left => "left".into(),
            ChangeKind::WrapUp { code } => format!("wrap-up {code}"),
        };
        format!("{} {} {what}", self.purpose, self.name)
    }
}

fn who(p: &ConversationParticipant) -> (String, String) {
    (
        sanitize(p.purpose.as_deref().unwrap_or("unknown")),
        sanitize(p.name.as_deref().unwrap_or("")),
    )
}

/// What changed from `old` to `new`, in participant order, then by key.
pub fn diff(old: &Conversation, new: &Conversation, at: DateTime<Utc>) -> Vec<Change> {
    let mut out = Vec::new();
    for p in &new.participants {
        let (purpose, name) = who(p);
        let change = |key: &str, kind| Change {
            at,
            participant_id: p.id.clone(),
            purpose: purpose.clone(),
            name: name.clone(),
            key: key.to_string(),
            kind,
            while_reconnecting: false,
            found_since: None,
        };
        let Some(before) = old.participants.iter().find(|o| o.id == p.id) else {
            out.push(change("", ChangeKind::Joined));
            for (k, v) in &p.attributes {
                out.push(change(k, ChangeKind::Added { value: v.clone() }));
            }
            continue;
        };
        for (k, v) in &p.attributes {
            match before.attributes.get(k) {
                None => out.push(change(k, ChangeKind::Added { value: v.clone() })),
                Some(o) if o != v => out.push(change(
                    k,
                    ChangeKind::Changed {
                        old: o.clone(),
                        new: v.clone(),
                    },
                )),
                Some(_) => {}
            }
        }
        for (k, o) in &before.attributes {
            if !p.attributes.contains_key(k) {
                out.push(change(k, ChangeKind::Removed { old: o.clone() }));
            }
        }
        if before.end_time.is_none() && p.end_time.is_some() {
            out.push(change("", ChangeKind::Left));
        }
    }
    out
}

/// What one pushed detail event changes in the conversation as last known, with the event's
/// own time; `true` when it names a participant not known yet (read the conversation once, for
/// its name and role).
pub fn apply(conv: &mut Conversation, ev: &DetailEvent) -> (Vec<Change>, bool) {
    let at = ev
        .body
        .event_time
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .unwrap_or_default();
    let Some(pid) = ev.body.participant_id.as_deref() else {
        return (vec![], false);
    };
    let known = conv.participants.iter().position(|p| p.id == pid);
    let mut out = Vec::new();
    let index = match (known, ev.kind) {
        (Some(i), _) => i,
        (None, DetailKind::Start | DetailKind::Attributes) => {
            // Someone new (a transfer, an agent answering): joined at the event's time.
            conv.participants.push(ConversationParticipant {
                id: pid.to_string(),
                purpose: Some(match ev.family.as_str() {
                    "user" => "agent".to_string(),
                    "" => "unknown".to_string(),
                    f => f.to_string(),
                }),
                user_id: ev.body.user_id.clone(),
                queue_id: ev.body.queue_id.clone(),
                start_time: Some(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
                ..Default::default()
            });
            let p = conv.participants.last().expect("just pushed");
            let (purpose, name) = who(p);
            out.push(Change {
                at,
                participant_id: pid.to_string(),
                purpose,
                name,
                key: String::new(),
                kind: ChangeKind::Joined,
                while_reconnecting: false,
                found_since: None,
            });
            conv.participants.len() - 1
        }
        (None, _) => return (vec![], true),
    };
    let p = &mut conv.participants[index];
    let (purpose, name) = who(p);
    let change = |key: &str, kind| Change {
        at,
        participant_id: pid.to_string(),
        purpose: purpose.clone(),
        name: name.clone(),
        key: key.to_string(),
        kind,
        while_reconnecting: false,
        found_since: None,
    };
    match ev.kind {
        DetailKind::Attributes => {
            // The body holds the whole set after the update.
            let before = ConversationParticipant {
                attributes: std::mem::take(&mut p.attributes),
                ..p.clone()
            };
            p.attributes = ev.body.attributes.clone();
            let after = Conversation {
                participants: vec![p.clone()],
                ..Default::default()
            };
            let was = Conversation {
                participants: vec![before],
                ..Default::default()
            };
            out.extend(diff(&was, &after, at));
        }
        DetailKind::End if p.end_time.is_none() => {
            p.end_time = Some(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
            out.push(change("", ChangeKind::Left));
        }
        DetailKind::Wrapup => out.push(change(
            "",
            ChangeKind::WrapUp {
                code: ev.body.wrapup_code.clone().unwrap_or_default(),
            },
        )),
        DetailKind::Start | DetailKind::End | DetailKind::Acw => {}
    }
    (out, known.is_none())
}

/// A read asked at `asked` over what the watch knows (`known`, events applied): the
/// participants an event changed since the read was asked keep what the event made (every later
/// change comes as an event too), an end is never undone, and nobody known goes missing (GET
/// conversation keeps every participant). So an answer older than an event never shows that
/// event undone. Whether it changed anything.
pub fn keep_pushed(
    read: &mut Conversation,
    known: &Conversation,
    asked: DateTime<Utc>,
    touched: &HashMap<String, DateTime<Utc>>,
) -> bool {
    let mut changed = false;
    for k in &known.participants {
        let Some(r) = read.participants.iter_mut().find(|r| r.id == k.id) else {
            read.participants.push(k.clone());
            changed = true;
            continue;
        };
        if touched.get(&k.id).is_some_and(|t| *t >= asked) && r.attributes != k.attributes {
            r.attributes = k.attributes.clone();
            changed = true;
        }
        if r.end_time.is_none() && k.end_time.is_some() {
            r.end_time = k.end_time.clone();
            changed = true;
        }
    }
    changed
}

/// The agents of an ended conversation whose wrap-up is still to come: wrap-up required
/// (`wrapupRequired`), none given yet (no `wrapup`), none seen in the timeline.
pub fn wrapups_due(c: &Conversation, seen: Option<&VecDeque<Change>>) -> Vec<String> {
    c.participants
        .iter()
        .filter(|p| matches!(p.purpose.as_deref(), Some("agent" | "user")))
        .filter(|p| p.extra.get("wrapupRequired").and_then(|v| v.as_bool()) == Some(true))
        .filter(|p| p.extra.get("wrapup").is_none_or(|v| v.is_null()))
        .filter(|p| {
            !seen.is_some_and(|t| {
                t.iter().any(|c| {
                    c.participant_id == p.id && matches!(c.kind, ChangeKind::WrapUp { .. })
                })
            })
        })
        .map(|p| p.id.clone())
        .collect()
}

/// When the conversation ended: its end, else its last participant's (`None` while someone is
/// still on, or no time is given).
pub fn end_of(c: &Conversation) -> Option<DateTime<Utc>> {
    if !ended(c) {
        return None;
    }
    c.end_time
        .as_deref()
        .and_then(crate::genesys::model::parse_time)
        .or_else(|| {
            c.participants
                .iter()
                .filter_map(|p| p.end_time.as_deref())
                .filter_map(crate::genesys::model::parse_time)
                .max()
        })
}

/// Whether the conversation is over: it has an end, or every participant has left.
pub fn ended(c: &Conversation) -> bool {
    c.end_time.is_some()
        || (!c.participants.is_empty() && c.participants.iter().all(|p| p.end_time.is_some()))
}

/// The changes seen per conversation since watching began. Survives switching conversations.
#[derive(Debug, Clone, Default)]
pub struct Timelines {
    by_id: HashMap<String, VecDeque<Change>>,
}

impl Timelines {
    pub fn record(&mut self, id: &str, changes: Vec<Change>) {
        if changes.is_empty() {
            return;
        }
        let t = self.by_id.entry(id.to_string()).or_default();
        t.extend(changes);
        while t.len() > TIMELINE_MAX {
            t.pop_front();
        }
    }

    /// Whether any change was recorded (quitting would lose them).
    pub fn is_empty(&self) -> bool {
        self.by_id.values().all(VecDeque::is_empty)
    }

    pub fn get(&self, id: &str) -> Option<&VecDeque<Change>> {
        self.by_id.get(id)
    }

    pub fn len(&self, id: &str) -> usize {
        self.by_id.get(id).map_or(0, VecDeque::len)
    }

    /// The recent changes of one participant's attribute (or of the participant itself, with
    /// an empty key), newest last: what the detail pane marks.
    pub fn recent<'a>(
        &'a self,
        id: &str,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = &'a Change> + 'a {
        let since = now - chrono::Duration::from_std(MARK_FOR).unwrap_or_default();
        self.by_id
            .get(id)
            .into_iter()
            .flat_map(move |t| t.iter().rev().take_while(move |c| c.at > since))
    }
}

/// Where a watch stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchState {
    /// Refetching every interval.
    Live,
    /// Stopped by the user (`w`).
    Paused,
    /// The conversation ended (says when), and an agent's wrap-up is still to come (after-call
    /// work follows the end): only wrap-ups are taken, for [`WRAPUP_WAIT`] at most.
    Ending(String),
    /// Stopped because the conversation ended (or is gone); says why.
    Stopped(String),
}

/// How a watch is fed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// Subscribing to its topics; no polling meanwhile.
    Connecting,
    /// Events pushed over the notification channel.
    Push,
    /// Reading it every interval, and why push is not used.
    Poll(String),
}

/// The watched conversation and how it is fed.
#[derive(Debug, Clone)]
pub struct Watch {
    pub id: String,
    pub state: WatchState,
    pub interval: Duration,
    /// Bumped at every (re)schedule: a stale timer's event is dropped.
    pub generation: u64,
    /// When the last answer came in.
    pub updated: Option<DateTime<Utc>>,
    /// The wait before the next refetch, longer after errors; `None` when all is well.
    pub backoff: Option<Duration>,
    /// The last error, in words (sanitised).
    pub error: Option<String>,
    /// A refetch is in flight.
    pub busy: bool,
    pub via: Via,
    /// The feed has said nothing since then (no heartbeat, a request hanging): what is shown
    /// may be out of date.
    pub stale_since: Option<DateTime<Utc>>,
    /// The last heartbeat (or event) of the channel.
    pub alive: Option<DateTime<Utc>>,
    /// The read in flight is a catch-up after a gap: what it finds changed while reconnecting.
    pub catching_up: bool,
    /// A read is owed (the baseline, or a catch-up: `true`) once the channel has the topics,
    /// so that nothing changes unseen between the read and the subscription.
    pub owed: Option<bool>,
    /// The baseline was read before the channel had the topics (it was slow): read once more
    /// when it has them.
    pub read_early: bool,
    /// When the read in flight was asked.
    pub asked: Option<DateTime<Utc>>,
    /// When an event last set each participant's attributes: a read asked before then does not
    /// undo what the event made.
    pub touched: HashMap<String, DateTime<Utc>>,
    /// The agents whose wrap-up is awaited once the conversation ended (participant ids).
    pub wrapups_due: Vec<String>,
    /// No read since the watch (re)started: what its first read finds changed happened since
    /// the read before it.
    pub fresh_start: bool,
}

impl Watch {
    pub fn new(id: &str, interval: Duration) -> Watch {
        Watch {
            id: id.to_string(),
            state: WatchState::Live,
            interval: interval.max(Duration::from_secs(1)),
            generation: 0,
            updated: None,
            backoff: None,
            error: None,
            busy: false,
            via: Via::Connecting,
            stale_since: None,
            alive: None,
            catching_up: false,
            owed: Some(false),
            read_early: false,
            asked: None,
            touched: HashMap::new(),
            wrapups_due: Vec::new(),
            fresh_start: true,
        }
    }

    /// Whether it polls (push refused or unavailable).
    pub fn polls(&self) -> bool {
        matches!(self.via, Via::Poll(_))
    }

    pub fn is_live(&self) -> bool {
        self.state == WatchState::Live
    }

    /// The wait before the next refetch.
    pub fn next_delay(&self) -> Duration {
        self.backoff.unwrap_or(self.interval)
    }

    /// A refetch failed: wait longer (doubling, at least `retry_after`, at most a minute).
    pub fn failed(&mut self, message: String, retry_after: Option<Duration>) {
        let doubled = self.next_delay() * 2;
        let wait = doubled
            .max(retry_after.unwrap_or_default())
            .min(MAX_BACKOFF);
        self.backoff = Some(wait.max(self.interval));
        self.error = Some(message);
    }

    pub fn succeeded(&mut self, at: DateTime<Utc>) {
        self.backoff = None;
        self.error = None;
        self.updated = Some(at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 14, 0, 0).unwrap() + chrono::Duration::seconds(s)
    }

    fn part(id: &str, purpose: &str, attrs: &[(&str, &str)]) -> ConversationParticipant {
        ConversationParticipant {
            id: id.into(),
            name: Some(format!("{purpose} {id}")),
            purpose: Some(purpose.into()),
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }
    }

    fn conv(parts: Vec<ConversationParticipant>) -> Conversation {
        Conversation {
            id: "c".into(),
            participants: parts,
            ..Default::default()
        }
    }

    #[test]
    fn added_changed_and_removed_attributes_are_found() {
        let old = conv(vec![part(
            "p1",
            "customer",
            &[("a", "1"), ("b", "2"), ("c", "3")],
        )]);
        let new = conv(vec![part(
            "p1",
            "customer",
            &[("a", "1"), ("b", "20"), ("d", "4")],
        )]);
        let d = diff(&old, &new, t(5));
        let kinds: Vec<(&str, &ChangeKind)> = d.iter().map(|c| (c.key.as_str(), &c.kind)).collect();
        assert_eq!(
            kinds,
            [
                (
                    "b",
                    &ChangeKind::Changed {
                        old: "2".into(),
                        new: "20".into()
                    }
                ),
                ("d", &ChangeKind::Added { value: "4".into() }),
                ("c", &ChangeKind::Removed { old: "3".into() }),
            ]
        );
        assert!(d.iter().all(|c| c.at == t(5) && c.purpose == "customer"));
    }

    #[test]
    fn a_new_participant_joins_with_its_attributes() {
        let old = conv(vec![part("p1", "customer", &[])]);
        let mut agent = part("p2", "agent", &[("skill", "returns")]);
        agent.name = Some("Ann\x1b[31m".into());
        let new = conv(vec![part("p1", "customer", &[]), agent]);
        let d = diff(&old, &new, t(1));
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].kind, ChangeKind::Joined);
        assert_eq!(d[0].name, "Ann\\e[31m", "names are sanitised for display");
        assert_eq!(d[1].key, "skill");
    }

    #[test]
    fn a_participant_leaving_and_the_end_are_seen() {
        let old = conv(vec![part("p1", "customer", &[]), part("p2", "agent", &[])]);
        let mut new = old.clone();
        new.participants[1].end_time = Some("2026-11-25T14:00:05.000Z".into());
        let d = diff(&old, &new, t(5));
        assert_eq!(d.len(), 1);
        assert_eq!(
            (d[0].participant_id.as_str(), &d[0].kind),
            ("p2", &ChangeKind::Left)
        );
        assert!(!ended(&new));
        new.participants[0].end_time = Some("2026-11-25T14:00:06.000Z".into());
        assert!(ended(&new));
        let mut closed = old.clone();
        closed.end_time = Some("x".into());
        assert!(ended(&closed));
    }

    #[test]
    fn nothing_changed_means_no_change() {
        let c = conv(vec![part("p1", "customer", &[("a", "1")])]);
        assert!(diff(&c, &c, t(0)).is_empty());
    }

    #[test]
    fn timelines_are_per_conversation_bounded_and_marks_fade() {
        let mut tl = Timelines::default();
        let old = conv(vec![part("p1", "customer", &[("a", "1")])]);
        let new = conv(vec![part("p1", "customer", &[("a", "2")])]);
        tl.record("c", diff(&old, &new, t(0)));
        tl.record("c", diff(&new, &old, t(20)));
        tl.record("other", diff(&old, &new, t(0)));
        assert_eq!(tl.len("c"), 2);
        assert_eq!(tl.len("other"), 1);
        assert_eq!(tl.recent("c", t(25)).count(), 2);
        // 30 s later only the second is still marked.
        assert_eq!(tl.recent("c", t(35)).count(), 1);
        assert_eq!(tl.recent("c", t(60)).count(), 0);
        for i in 0..TIMELINE_MAX + 5 {
            tl.record("c", diff(&old, &new, t(i as i64)));
        }
        assert_eq!(tl.len("c"), TIMELINE_MAX);
    }

    #[test]
    fn failures_back_off_and_success_resets() {
        let mut w = Watch::new("c", Duration::from_secs(2));
        assert_eq!(w.next_delay(), Duration::from_secs(2));
        w.failed("rate limited".into(), None);
        assert_eq!(w.next_delay(), Duration::from_secs(4));
        w.failed("rate limited".into(), Some(Duration::from_secs(30)));
        assert_eq!(w.next_delay(), Duration::from_secs(30));
        for _ in 0..10 {
            w.failed("x".into(), None);
        }
        assert_eq!(w.next_delay(), MAX_BACKOFF);
        w.succeeded(t(0));
        assert_eq!(w.next_delay(), Duration::from_secs(2));
        assert!(w.error.is_none());
        // Never under a second.
        assert_eq!(
            Watch::new("c", Duration::ZERO).interval,
            Duration::from_secs(1)
        );
    }
}
