//! What a live conversation publishes: its detail events and its queue conversation bodies, at
//! the instants the data set's live schedule ([`Dataset::next_change`]) names.
//!
//! Each event is the difference between the conversation as the async jobs serve it (with
//! attributes) just before an instant and at it, so an event says exactly what GET
//! conversation, the details query and the jobs show from its `eventTime` on. Pure: no clock,
//! no I/O; the socket task ([`super::socket`]) decides when.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};

use super::super::data::Dataset;
use crate::genesys::model::{AnalyticsConversation, AnalyticsParticipant, parse_time};

/// One conversation followed from instant to instant.
pub(crate) struct Tracker {
    pub conv: usize,
    /// The instant `last` shows (epoch ms).
    at: i64,
    next: Option<i64>,
    last: AnalyticsConversation,
    /// The last queue body, once a queue topic asked for one.
    queue_body: Option<Value>,
}

/// What changed at one instant.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Changes {
    pub time: i64,
    /// Detail events in the order they happened: `(kind, eventBody)`, kind as in
    /// [`super::topics::DETAIL_KINDS`].
    pub detail: Vec<(&'static str, Value)>,
    /// The conversation as queue topics publish it, when it changed (only when asked for).
    pub queue: Option<Value>,
    /// The queues the conversation is in at this instant.
    pub queues: Vec<String>,
}

pub(crate) fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

impl Tracker {
    /// Follows conversation `conv` from instant `now` (epoch ms) on.
    pub fn new(ds: &Dataset, conv: usize, now: i64) -> Tracker {
        Tracker {
            conv,
            at: now,
            next: ds.next_change(conv, now),
            last: ds.analytics_with_attributes(conv, at(now)),
            queue_body: None,
        }
    }

    /// Follows conversation `conv` from before its start, as if it had no participants yet:
    /// its first changes are its participants' starts.
    pub fn from_start(ds: &Dataset, conv: usize) -> Tracker {
        let start = ds.start_ms(conv);
        let mut last = ds.analytics_with_attributes(conv, at(start));
        last.participants.clear();
        Tracker {
            conv,
            at: start - 1,
            next: ds.next_change(conv, start - 1),
            last,
            queue_body: None,
        }
    }

    /// The next instant something changes, if ever.
    pub fn next(&self) -> Option<i64> {
        self.next
    }

    /// Moves to the next instant and says what changed there (`None`: nothing is left).
    /// `queue`: also build the queue body (a queue topic follows the conversation).
    pub fn advance(&mut self, ds: &Dataset, queue: bool) -> Option<Changes> {
        let t = self.next?;
        let now = ds.analytics_with_attributes(self.conv, at(t));
        let detail = diff(&self.last, &now, t);
        let queues = queues_of(&now);
        let mut queue_changed = None;
        if queue {
            let body = queue_body(ds, self.conv, t);
            if self.queue_body.as_ref() != Some(&body) {
                queue_changed = Some(body.clone());
                self.queue_body = Some(body);
            }
        } else {
            self.queue_body = None;
        }
        self.last = now;
        self.at = t;
        self.next = ds.next_change(self.conv, t);
        Some(Changes {
            time: t,
            detail,
            queue: queue_changed,
            queues,
        })
    }

    /// Starts keeping queue bodies (a queue topic was added): the current one is the baseline.
    pub fn watch_queue(&mut self, ds: &Dataset) {
        if self.queue_body.is_none() {
            self.queue_body = Some(queue_body(ds, self.conv, self.at));
        }
    }
}

fn queues_of(c: &AnalyticsConversation) -> Vec<String> {
    let mut q: Vec<String> = c
        .participants
        .iter()
        .flat_map(|p| segments(p).filter_map(|s| s.queue.clone()))
        .collect();
    q.sort();
    q.dedup();
    q
}

// ---------------------------------------------------------------------------------------------
// Participants as their segments show them

struct Seg {
    start: Option<i64>,
    end: Option<i64>,
    typ: String,
    queue: Option<String>,
    disconnect: Option<String>,
    wrapup: Option<String>,
}

fn ms(v: &Value) -> Option<i64> {
    v.as_str()
        .and_then(parse_time)
        .map(|t| t.timestamp_millis())
}

fn segments(p: &AnalyticsParticipant) -> impl Iterator<Item = Seg> + '_ {
    p.sessions
        .iter()
        .flat_map(|s| s.extra.get("segments").and_then(Value::as_array))
        .flatten()
        .map(|s| Seg {
            start: ms(&s["segmentStart"]),
            end: ms(&s["segmentEnd"]),
            typ: s["segmentType"].as_str().unwrap_or("").to_string(),
            queue: s["queueId"].as_str().map(str::to_string),
            disconnect: s["disconnectType"].as_str().map(str::to_string),
            wrapup: s["wrapUpCode"].as_str().map(str::to_string),
        })
}

/// A participant's life so far.
#[derive(Debug, Default, PartialEq)]
struct Life {
    start: Option<i64>,
    /// The end of its last segment that is not a wrap-up, once every such segment ended, with
    /// how it ended.
    end: Option<(i64, Option<String>)>,
    /// When it was alerted and answered (agents).
    alert: Option<(i64, i64)>,
    /// Its wrap-up, once entered: (start, end, code).
    acw: Option<(i64, i64, Option<String>)>,
    queue: Option<String>,
}

fn life(p: &AnalyticsParticipant) -> Life {
    let mut l = Life::default();
    let mut open = false;
    let mut last_end: Option<(i64, Option<String>)> = None;
    for s in segments(p) {
        l.start = match (l.start, s.start) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if l.queue.is_none() {
            l.queue = s.queue.clone();
        }
        if s.typ == "wrapup" {
            if let (Some(a), Some(b)) = (s.start, s.end) {
                l.acw = Some((a, b, s.wrapup.clone()));
            }
            continue;
        }
        if s.typ == "alert"
            && let (Some(a), Some(b)) = (s.start, s.end)
        {
            l.alert = Some((a, b));
        }
        match s.end {
            None => open = true,
            Some(e) => {
                if last_end.as_ref().is_none_or(|(x, _)| e >= *x) {
                    last_end = Some((e, s.disconnect.clone()));
                }
            }
        }
    }
    if !open {
        l.end = last_end;
    }
    l
}

/// The detail topics' name for a participant's purpose.
fn family(purpose: &str) -> Option<&'static str> {
    Some(match purpose {
        "customer" | "external" => "customer",
        "acd" => "acd",
        "agent" | "user" => "user",
        "workflow" | "ivr" | "botflow" | "inbound" => "flow",
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Bodies

fn upper(v: Option<&str>) -> Option<Value> {
    v.map(|s| Value::String(s.to_ascii_uppercase()))
}

/// The fields every `*DetailEventTopic*` body of a participant has.
fn common(c: &AnalyticsConversation, p: &AnalyticsParticipant, t: i64) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("eventTime".into(), json!(t));
    m.insert("conversationId".into(), json!(c.conversation_id));
    m.insert("participantId".into(), json!(p.participant_id));
    if let Some(s) = p.sessions.first() {
        if let Some(id) = &s.session_id {
            m.insert("sessionId".into(), json!(id));
        }
        if let Some(v) = upper(s.media_type.as_deref()) {
            m.insert("mediaType".into(), v);
        }
        for k in ["provider", "ani", "dnis", "addressTo", "addressFrom"] {
            if let Some(v) = s.extra.get(k).filter(|v| v.is_string()) {
                m.insert(k.into(), v.clone());
            }
        }
        if let Some(v) = upper(s.direction.as_deref()) {
            m.insert("direction".into(), v);
        }
        if let Some(v) = upper(s.message_type.as_deref()) {
            m.insert("messageType".into(), v);
        }
    }
    if let Some(d) = c
        .extra
        .get("divisionIds")
        .and_then(|d| d.get(0))
        .filter(|d| d.is_string())
    {
        m.insert("divisionId".into(), d.clone());
    }
    contact_ids(c, &mut m);
    m
}

/// `conversationExternalContactIds`, when the conversation has any.
fn contact_ids(c: &AnalyticsConversation, m: &mut Map<String, Value>) {
    let contacts: Vec<&Value> = c
        .participants
        .iter()
        .filter_map(|p| p.extra.get("externalContactId"))
        .collect();
    if !contacts.is_empty() {
        m.insert("conversationExternalContactIds".into(), json!(contacts));
    }
}

fn flow_fields(p: &AnalyticsParticipant, m: &mut Map<String, Value>, end: bool) {
    let Some(f) = p.sessions.first().and_then(|s| s.extra.get("flow")) else {
        return;
    };
    for k in ["flowId", "flowType", "flowVersion"] {
        if let Some(v) = f.get(k) {
            m.insert(k.into(), v.clone());
        }
    }
    if end {
        for k in ["exitReason", "transferType"] {
            if let Some(v) = f.get(k) {
                m.insert(k.into(), v.clone());
            }
        }
    }
}

fn start_body(c: &AnalyticsConversation, p: &AnalyticsParticipant, fam: &str, t: i64) -> Value {
    let mut m = common(c, p, t);
    let l = life(p);
    match fam {
        "customer" => {
            if let Some(v) = p.extra.get("externalContactId") {
                m.insert("externalContactId".into(), v.clone());
            }
        }
        "acd" => {
            if let Some(q) = l.queue {
                m.insert("queueId".into(), json!(q));
            }
        }
        "user" => {
            if let Some(u) = &p.user_id {
                m.insert("userId".into(), json!(u));
            }
            if let Some(q) = l.queue {
                m.insert("queueId".into(), json!(q));
            }
        }
        _ => flow_fields(p, &mut m, false),
    }
    Value::Object(m)
}

fn end_body(c: &AnalyticsConversation, p: &AnalyticsParticipant, fam: &str, t: i64) -> Value {
    let mut m = common(c, p, t);
    let l = life(p);
    let (end, how) = l.end.clone().unwrap_or((t, None));
    if let Some(v) = upper(how.as_deref()) {
        m.insert("disconnectType".into(), v);
    }
    let start = l.start.unwrap_or(end);
    match fam {
        "customer" => {
            if let Some(v) = p.extra.get("externalContactId") {
                m.insert("externalContactId".into(), v.clone());
            }
            m.insert("interactingDurationMs".into(), json!(end - start));
        }
        "acd" => {
            if let Some(q) = &l.queue {
                m.insert("queueId".into(), json!(q));
            }
            // Answered when an agent took it from the queue as it left.
            let answered = c.participants.iter().find(|a| {
                family(a.purpose.as_deref().unwrap_or("")) == Some("user")
                    && life(a).start == Some(end)
            });
            let outcome = match (how.as_deref(), answered) {
                (Some("transfer"), Some(_)) => "ANSWERED",
                (Some("transfer"), None) => "FLOW_OUT",
                _ => "ABANDON",
            };
            m.insert("acdOutcome".into(), json!(outcome));
            if let Some(u) = answered.and_then(|a| a.user_id.as_ref()) {
                m.insert("answeredUserId".into(), json!(u));
            }
            m.insert("requestedRoutings".into(), json!(["STANDARD"]));
            if answered.is_some() {
                m.insert("usedRouting".into(), json!("STANDARD"));
            }
            m.insert("connectedDurationMs".into(), json!(end - start));
        }
        "user" => {
            if let Some(u) = &p.user_id {
                m.insert("userId".into(), json!(u));
            }
            if let Some(q) = &l.queue {
                m.insert("queueId".into(), json!(q));
            }
            let answered = l.alert.map_or(start, |(_, b)| b);
            m.insert("interactingDurationMs".into(), json!(end - answered));
            if let Some((a, b)) = l.alert {
                m.insert("alertingDurationMs".into(), json!(b - a));
            }
        }
        _ => {
            flow_fields(p, &mut m, true);
            m.insert("connectedDurationMs".into(), json!(end - start));
        }
    }
    Value::Object(m)
}

fn wrapup_body(c: &AnalyticsConversation, p: &AnalyticsParticipant, acw: bool, t: i64) -> Value {
    let mut m = common(c, p, t);
    // The SDK's `AcwDetailEventTopic…` and `WrapupDetailEventTopic…` have no division.
    m.remove("divisionId");
    let l = life(p);
    if acw && let Some(u) = &p.user_id {
        m.insert("userId".into(), json!(u));
    }
    if let Some(q) = &l.queue {
        m.insert("queueId".into(), json!(q));
    }
    if let Some((a, b, code)) = l.acw {
        if let Some(code) = code {
            m.insert("wrapupCode".into(), json!(code));
        }
        m.insert("wrapupDurationMs".into(), json!(b - a));
    }
    Value::Object(m)
}

fn attributes_body(c: &AnalyticsConversation, p: &AnalyticsParticipant, t: i64) -> Value {
    let mut m = Map::new();
    m.insert("eventTime".into(), json!(t));
    m.insert("conversationId".into(), json!(c.conversation_id));
    m.insert("participantId".into(), json!(p.participant_id));
    if let Some(s) = life(p).start {
        m.insert("participantStartTime".into(), json!(s));
    }
    // The whole set as it stands after the update: a removed key is absent.
    m.insert(
        "attributes".into(),
        json!(p.attributes.clone().unwrap_or_default()),
    );
    let comms: Vec<Value> = p
        .sessions
        .iter()
        .map(|s| {
            let mut o = Map::new();
            if let Some(id) = &s.session_id {
                o.insert("id".into(), json!(id));
            }
            if let Some(v) = upper(s.media_type.as_deref()) {
                o.insert("mediaType".into(), v);
            }
            Value::Object(o)
        })
        .collect();
    m.insert("communications".into(), Value::Array(comms));
    contact_ids(c, &mut m);
    Value::Object(m)
}

/// The detail events between two views of a conversation, the later one at instant `t`: ends,
/// then starts, then wrap-ups, then attribute updates, each in participant order.
pub(crate) fn diff(
    before: &AnalyticsConversation,
    after: &AnalyticsConversation,
    t: i64,
) -> Vec<(&'static str, Value)> {
    let mut ends = Vec::new();
    let mut starts = Vec::new();
    let mut wraps = Vec::new();
    let mut attrs = Vec::new();
    for p in &after.participants {
        let Some(fam) = family(p.purpose.as_deref().unwrap_or("")) else {
            continue;
        };
        let old = before
            .participants
            .iter()
            .find(|o| o.participant_id == p.participant_id);
        let (was, now) = (old.map(life).unwrap_or_default(), life(p));
        if old.is_none() {
            starts.push((kind(fam, "start"), start_body(after, p, fam, t)));
        }
        if now.end.is_some() && was.end.is_none() {
            ends.push((kind(fam, "end"), end_body(after, p, fam, t)));
        }
        if now.acw.is_some() && was.acw.is_none() {
            wraps.push(("acw", wrapup_body(after, p, true, t)));
            wraps.push(("wrapup", wrapup_body(after, p, false, t)));
        }
        let old_attrs = old.and_then(|o| o.attributes.clone()).unwrap_or_default();
        if p.attributes.clone().unwrap_or_default() != old_attrs {
            attrs.push(("attributes", attributes_body(after, p, t)));
        }
    }
    ends.into_iter()
        .chain(starts)
        .chain(wraps)
        .chain(attrs)
        .collect()
}

fn kind(fam: &str, what: &str) -> &'static str {
    match (fam, what) {
        ("customer", "start") => "customer.start",
        ("customer", _) => "customer.end",
        ("acd", "start") => "acd.start",
        ("acd", _) => "acd.end",
        ("user", "start") => "user.start",
        ("user", _) => "user.end",
        (_, "start") => "flow.start",
        _ => "flow.end",
    }
}

// ---------------------------------------------------------------------------------------------
// Queue conversation bodies

/// Keys of the SDK's `QueueConversationEventTopic*` models that GET conversation has too.
const CONVERSATION_KEYS: &[&str] = &[
    "id",
    "maxParticipants",
    "participants",
    "recordingState",
    "externalTag",
    "divisions",
];
const PARTICIPANT_KEYS: &[&str] = &[
    "id",
    "connectedTime",
    "endTime",
    "userId",
    "externalContactId",
    "name",
    "queueId",
    "purpose",
    "address",
    "wrapupRequired",
    "wrapup",
    "attributes",
    "calls",
    "callbacks",
    "chats",
    "emails",
    "messages",
];
const WRAPUP_KEYS: &[&str] = &["code", "notes", "tags", "durationSeconds", "endTime"];
const MEDIA_KEYS: &[(&str, &[&str])] = &[
    (
        "messages",
        &[
            "id",
            "state",
            "direction",
            "held",
            "provider",
            "disconnectType",
            "connectedTime",
            "disconnectedTime",
            "toAddress",
            "fromAddress",
            "type",
        ],
    ),
    (
        "calls",
        &[
            "id",
            "state",
            "recording",
            "recordingState",
            "muted",
            "confined",
            "held",
            "disconnectType",
            "direction",
            "provider",
            "connectedTime",
            "disconnectedTime",
        ],
    ),
    (
        "emails",
        &[
            "id",
            "state",
            "held",
            "subject",
            "provider",
            "messagesSent",
            "disconnectType",
            "connectedTime",
            "disconnectedTime",
            "direction",
        ],
    ),
    (
        "callbacks",
        &[
            "id",
            "state",
            "direction",
            "held",
            "disconnectType",
            "callbackNumbers",
            "provider",
            "connectedTime",
            "disconnectedTime",
        ],
    ),
    (
        "chats",
        &[
            "id",
            "state",
            "provider",
            "held",
            "disconnectType",
            "connectedTime",
            "disconnectedTime",
        ],
    ),
];

fn keep(v: &mut Value, keys: &[&str]) {
    if let Value::Object(m) = v {
        m.retain(|k, _| keys.contains(&k.as_str()));
    }
}

/// Conversation `i` at instant `t` as `v2.routing.queues.{id}.conversations` publishes it
/// (`QueueConversationEventTopicConversation`): GET conversation's view of it, in that model's
/// fields.
pub(crate) fn queue_body(ds: &Dataset, i: usize, t: i64) -> Value {
    let mut v = serde_json::to_value(ds.conversation(i, at(t))).unwrap_or(Value::Null);
    keep(&mut v, CONVERSATION_KEYS);
    if let Some(ds) = v.get_mut("divisions").and_then(Value::as_array_mut) {
        for d in ds {
            if let Some(div) = d.get_mut("division") {
                keep(div, &["id", "selfUri"]);
            }
        }
    }
    if let Some(ps) = v.get_mut("participants").and_then(Value::as_array_mut) {
        for p in ps {
            keep(p, PARTICIPANT_KEYS);
            if let Some(w) = p.get_mut("wrapup") {
                keep(w, WRAPUP_KEYS);
            }
            for (list, keys) in MEDIA_KEYS {
                if let Some(items) = p.get_mut(*list).and_then(Value::as_array_mut) {
                    for m in items {
                        keep(m, keys);
                    }
                }
            }
        }
    }
    v
}
