//! The live queue view's state (`convoscope --live 'queue:…'`): the conversations going on in a
//! set of queues, seeded once by a details query (`queue:… live`) and then kept by the queues'
//! topics (`v2.routing.queues.{id}.conversations`). Pure: no I/O, no clock.
//!
//! A queue event carries the conversation as it now stands (`QueueConversationEventTopicConversation`):
//! participants with purpose, name, user, queue, attributes and their media (calls, chats,
//! messages, …) with direction, state and times. [`to_analytics`] turns it into the list's
//! model as faithfully as it allows; what it lacks (the conversation's start, segments) is kept
//! from the row the details query gave, when there is one.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::genesys::model::{
    AnalyticsConversation, AnalyticsParticipant, AnalyticsSession, Conversation, parse_time,
};

/// The media lists of a queue event's participant, and the analytics `mediaType` of each.
const MEDIA: [(&str, &str); 6] = [
    ("calls", "voice"),
    ("callbacks", "callback"),
    ("chats", "chat"),
    ("emails", "email"),
    ("messages", "message"),
    ("cobrowsesessions", "cobrowse"),
];

/// Whether every participant has left (the conversation is over). A body without participants
/// says nothing either way: not ended.
pub fn ended(c: &Conversation) -> bool {
    !c.participants.is_empty()
        && c.participants.iter().all(|p| {
            p.end_time.is_some()
                || media(p).all(|(_, m)| {
                    m.get("state").and_then(Value::as_str) == Some("disconnected")
                        || m.get("state").and_then(Value::as_str) == Some("terminated")
                }) && media(p).next().is_some()
        })
}

fn media(
    p: &crate::genesys::model::ConversationParticipant,
) -> impl Iterator<Item = (&'static str, &Value)> {
    MEDIA.iter().flat_map(move |(list, kind)| {
        p.extra
            .get(*list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(move |m| (*kind, m))
    })
}

fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

/// The queue event's conversation in the list's model: one participant per participant, one
/// session per media item (its id, media type, message type, direction), the start the earliest
/// time it shows, the end the latest once it has [`ended`], the direction the customer's first
/// session's.
pub fn to_analytics(c: &Conversation) -> AnalyticsConversation {
    let mut times = Vec::new();
    let mut ends = Vec::new();
    let mut direction = None;
    let participants = c
        .participants
        .iter()
        .map(|p| {
            times.extend(p.start_time.as_deref().and_then(parse_time));
            times.extend(p.connected_time.as_deref().and_then(parse_time));
            ends.extend(p.end_time.as_deref().and_then(parse_time));
            let sessions = media(p)
                .map(|(kind, m)| {
                    times.extend(
                        m.get("connectedTime")
                            .and_then(Value::as_str)
                            .and_then(parse_time),
                    );
                    ends.extend(
                        m.get("disconnectedTime")
                            .and_then(Value::as_str)
                            .and_then(parse_time),
                    );
                    let dir = text(m, "direction");
                    if direction.is_none() && p.purpose.as_deref() == Some("customer") {
                        direction = dir.clone();
                    }
                    let extra = session_extra(p, m, dir.as_deref());
                    AnalyticsSession {
                        session_id: text(m, "id"),
                        media_type: Some(kind.to_string()),
                        message_type: (kind == "message").then(|| text(m, "type")).flatten(),
                        direction: dir,
                        extra,
                    }
                })
                .collect();
            AnalyticsParticipant {
                participant_id: p.id.clone(),
                participant_name: p.name.clone(),
                purpose: p.purpose.clone(),
                user_id: p.user_id.clone(),
                sessions,
                attributes: (!p.attributes.is_empty()).then(|| p.attributes.clone()),
                extra: Default::default(),
            }
        })
        .collect();
    let fmt =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    AnalyticsConversation {
        conversation_id: c.id.clone(),
        conversation_start: times.iter().min().copied().map(fmt),
        conversation_end: if ended(c) {
            ends.iter().max().copied().map(fmt)
        } else {
            None
        },
        originating_direction: direction,
        participants,
        extra: Default::default(),
    }
}

/// What the analytics record would say of one media item so far, from what the event shows:
/// its segment (the queue it is in, since when, how it ended: the Queue column and the detail's
/// anatomy read it) and its addresses (the Customer and Address columns).
fn session_extra(
    p: &crate::genesys::model::ConversationParticipant,
    m: &Value,
    direction: Option<&str>,
) -> serde_json::Map<String, Value> {
    let mut x = serde_json::Map::new();
    let mut seg = serde_json::Map::new();
    let start = text(m, "connectedTime")
        .or_else(|| text(m, "startAlertingTime"))
        .or_else(|| p.connected_time.clone())
        .or_else(|| p.start_time.clone());
    if let Some(t) = start {
        seg.insert("segmentStart".into(), t.into());
    }
    if let Some(t) = text(m, "disconnectedTime") {
        seg.insert("segmentEnd".into(), t.into());
    }
    if !seg.is_empty() || p.queue_id.is_some() {
        let alerting = m.get("state").and_then(Value::as_str) == Some("alerting");
        seg.insert(
            "segmentType".into(),
            if alerting { "alert" } else { "interact" }.into(),
        );
        if let Some(q) = &p.queue_id {
            seg.insert("queueId".into(), q.clone().into());
        }
        if let Some(d) = text(m, "disconnectType") {
            seg.insert("disconnectType".into(), d.into());
        }
        x.insert("segments".into(), Value::Array(vec![Value::Object(seg)]));
    }
    let address = |k: &str| {
        m.get(k)
            .and_then(|a| a.get("addressNormalized"))
            .and_then(Value::as_str)
            .filter(|a| !a.is_empty())
    };
    for (from, to) in [("fromAddress", "addressFrom"), ("toAddress", "addressTo")] {
        if let Some(a) = address(from) {
            x.insert(to.into(), a.into());
        }
    }
    // A call: the outside party's own address is the caller (inbound) or the called (outbound).
    let outside = matches!(p.purpose.as_deref(), Some("customer" | "external"));
    if outside
        && !x.contains_key("addressFrom")
        && !x.contains_key("addressTo")
        && let Some(a) = p.address.as_deref().filter(|a| !a.is_empty())
    {
        let key = if direction == Some("outbound") {
            "dnis"
        } else {
            "ani"
        };
        x.insert(key.into(), a.into());
    }
    x
}

/// The row after an event: what the event shows now, over what was known of it. A session
/// the row already had keeps its analytics detail (segments, metrics, addresses: the details
/// query's, not rebuilt from the event), and a participant the event no longer shows (it left
/// a while ago) stays, as it does in the analytics record.
fn merge(mut row: AnalyticsConversation, old: &AnalyticsConversation) -> AnalyticsConversation {
    // The details query knows the real start and direction; the event only what it shows now.
    row.conversation_start = old.conversation_start.clone().or(row.conversation_start);
    row.originating_direction = old
        .originating_direction
        .clone()
        .or(row.originating_direction);
    for p in &mut row.participants {
        let Some(o) = old
            .participants
            .iter()
            .find(|o| o.participant_id == p.participant_id)
        else {
            continue;
        };
        if p.attributes.is_none() {
            p.attributes = o.attributes.clone();
        }
        for s in &mut p.sessions {
            if let Some(os) = o
                .sessions
                .iter()
                .find(|os| os.session_id.is_some() && os.session_id == s.session_id)
            {
                s.extra = os.extra.clone();
            }
        }
    }
    let gone: Vec<_> = old
        .participants
        .iter()
        .filter(|o| {
            !row.participants
                .iter()
                .any(|p| p.participant_id == o.participant_id)
        })
        .cloned()
        .collect();
    row.participants.extend(gone);
    row
}

/// What one event does to the list.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Add or replace this row.
    Upsert(Box<AnalyticsConversation>),
    /// The conversation ended (or left every watched queue): drop its row.
    Remove(String),
    /// Nothing to show (an ended conversation the list never had, a topic not ours).
    Nothing,
}

/// The conversations going on in the watched queues.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveQueues {
    /// The queues' ids.
    pub queues: Vec<String>,
    pub rows: BTreeMap<String, AnalyticsConversation>,
}

impl LiveQueues {
    pub fn new(queues: Vec<String>) -> LiveQueues {
        LiveQueues {
            queues,
            rows: BTreeMap::new(),
        }
    }

    /// Starts again from a details query's answer (the first page, or a catch-up after a gap):
    /// it replaces everything the events said.
    pub fn seed(&mut self, convs: impl IntoIterator<Item = AnalyticsConversation>) {
        self.rows = convs
            .into_iter()
            .filter(|c| c.conversation_end.is_none())
            .map(|c| (c.conversation_id.clone(), c))
            .collect();
    }

    /// Applies one event of queue `queue_id`'s topic.
    pub fn apply(&mut self, queue_id: &str, c: &Conversation) -> Change {
        if !self.queues.iter().any(|q| q == queue_id) || c.id.is_empty() {
            return Change::Nothing;
        }
        if ended(c) {
            return match self.rows.remove(&c.id) {
                Some(_) => Change::Remove(c.id.clone()),
                None => Change::Nothing,
            };
        }
        let mut row = to_analytics(c);
        if let Some(old) = self.rows.get(&c.id) {
            row = merge(row, old);
        }
        self.rows.insert(c.id.clone(), row.clone());
        Change::Upsert(Box::new(row))
    }

    /// The ids of the conversations listed, sorted.
    pub fn ids(&self) -> Vec<String> {
        self.rows.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(v: serde_json::Value) -> Conversation {
        serde_json::from_value(v).unwrap()
    }

    fn waiting(id: &str) -> Conversation {
        conv(serde_json::json!({"id": id, "participants": [
            {"id": "p1", "purpose": "customer", "name": "Ann", "attributes": {"k": "v"},
             "messages": [{"id": "m1", "state": "connected", "direction": "inbound",
                           "type": "webmessaging", "connectedTime": "2026-12-06T03:00:00.000Z"}]},
            {"id": "p2", "purpose": "acd", "name": "Support", "queueId": "q1",
             "messages": [{"id": "m2", "state": "connected", "direction": "inbound",
                           "connectedTime": "2026-12-06T03:00:05.000Z"}]},
        ]}))
    }

    #[test]
    fn an_event_becomes_a_list_row() {
        let a = to_analytics(&waiting("c1"));
        assert_eq!(a.conversation_id, "c1");
        assert_eq!(
            a.conversation_start.as_deref(),
            Some("2026-12-06T03:00:00.000Z")
        );
        assert_eq!(a.conversation_end, None);
        assert_eq!(a.originating_direction.as_deref(), Some("inbound"));
        let p = &a.participants[0];
        assert_eq!(
            (p.participant_name.as_deref(), p.purpose.as_deref()),
            (Some("Ann"), Some("customer"))
        );
        let s = &p.sessions[0];
        assert_eq!(
            (s.media_type.as_deref(), s.message_type.as_deref()),
            (Some("message"), Some("webmessaging"))
        );
        assert_eq!(p.attributes.as_ref().unwrap()["k"], "v");
        let (row, _) = crate::tui::row::Row::new(a);
        let cells = row.cells(
            crate::timespec::Zone::Utc,
            &crate::genesys::directory::Names::default(),
        );
        assert_eq!(cells.customer, "Ann");
        assert_eq!(cells.media, "message/webmessaging");
        assert_eq!(cells.duration, "live");
    }

    /// The cells the list shows for `a`, the queue `q1` named "Support".
    fn cells(a: AnalyticsConversation) -> crate::tui::row::Cells {
        let mut names = crate::genesys::directory::Names::default();
        names.insert(
            crate::genesys::directory::Kind::Queue,
            "q1".into(),
            Some("Support".into()),
        );
        let (row, _) = crate::tui::row::Row::new(a);
        row.cells(crate::timespec::Zone::Utc, &names)
    }

    #[test]
    fn a_conversation_new_to_the_list_shows_its_queue_and_addresses() {
        let mut c = waiting("c1");
        c.participants[0].extra.insert(
            "messages".into(),
            serde_json::json!([{"id": "m1", "state": "connected", "direction": "inbound",
                "type": "sms", "connectedTime": "2026-12-06T03:00:00.000Z",
                "fromAddress": {"addressNormalized": "+15551234"},
                "toAddress": {"addressNormalized": "+18005550100"}}]),
        );
        let a = to_analytics(&c);
        let cells = cells(a.clone());
        assert_eq!(cells.queue, "Support");
        assert_eq!(cells.address, "+15551234 → +18005550100");
        // The acd participant's segment: in the queue since it connected, still going on.
        let seg = &a.participants[1].sessions[0].extra["segments"][0];
        assert_eq!(seg["queueId"], "q1");
        assert_eq!(seg["segmentType"], "interact");
        assert_eq!(seg["segmentStart"], "2026-12-06T03:00:05.000Z");
        assert!(seg.get("segmentEnd").is_none());
        // A call's outside party: its own address is the caller.
        let call: Conversation = conv(serde_json::json!({"id": "c2", "participants": [
            {"id": "p1", "purpose": "external", "address": "tel:+34911", "name": "Ana",
             "calls": [{"id": "s1", "state": "connected", "direction": "inbound",
                        "connectedTime": "2026-12-06T03:00:00.000Z"}]},
        ]}));
        let a = to_analytics(&call);
        assert_eq!(a.participants[0].sessions[0].extra["ani"], "tel:+34911");
    }

    #[test]
    fn an_event_keeps_what_the_details_query_said_of_the_row() {
        let mut s = LiveQueues::new(vec!["q1".into()]);
        // The details query's row: the customer's session with its address, the IVR that
        // left (the event no longer shows it), the acd participant's real segment.
        let seeded: AnalyticsConversation = serde_json::from_value(serde_json::json!({
            "conversationId": "c1",
            "conversationStart": "2026-12-06T02:59:00.000Z",
            "participants": [
                {"participantId": "p1", "purpose": "customer", "participantName": "Ann",
                 "sessions": [{"sessionId": "m1", "mediaType": "message",
                    "addressFrom": "+15551234", "segments": [{"segmentType": "interact",
                    "segmentStart": "2026-12-06T02:59:00.000Z"}]}]},
                {"participantId": "p0", "purpose": "ivr", "participantName": "Main IVR",
                 "sessions": [{"sessionId": "i1", "mediaType": "message", "segments": [
                    {"segmentType": "ivr", "segmentStart": "2026-12-06T02:59:00.000Z",
                     "segmentEnd": "2026-12-06T03:00:05.000Z"}]}]},
                {"participantId": "p2", "purpose": "acd", "participantName": "Support",
                 "sessions": [{"sessionId": "m2", "mediaType": "message", "segments": [
                    {"segmentType": "interact", "queueId": "q1",
                     "segmentStart": "2026-12-06T03:00:05.000Z"}]}]},
            ]
        }))
        .unwrap();
        s.seed([seeded.clone()]);
        let Change::Upsert(row) = s.apply("q1", &waiting("c1")) else {
            panic!()
        };
        assert_eq!(
            row.conversation_start.as_deref(),
            Some("2026-12-06T02:59:00.000Z")
        );
        let p = |id: &str| row.participants.iter().find(|p| p.participant_id == id);
        assert_eq!(
            p("p1").unwrap().sessions[0].extra,
            seeded.participants[0].sessions[0].extra
        );
        assert_eq!(
            p("p2").unwrap().sessions[0].extra,
            seeded.participants[2].sessions[0].extra
        );
        assert!(
            p("p0").is_some(),
            "the IVR that left stays, as in analytics"
        );
        let cells = cells(*row.clone());
        assert_eq!(cells.queue, "Support");
        assert_eq!(cells.address, "+15551234");
        // The next event keeps it too (the row the set holds is the merged one).
        let Change::Upsert(again) = s.apply("q1", &waiting("c1")) else {
            panic!()
        };
        assert_eq!(again, row);
    }

    #[test]
    fn conversations_enter_update_and_end() {
        let mut s = LiveQueues::new(vec!["q1".into()]);
        let seeded = AnalyticsConversation {
            conversation_id: "c0".into(),
            conversation_start: Some("2026-12-06T02:00:00.000Z".into()),
            ..Default::default()
        };
        let over = AnalyticsConversation {
            conversation_id: "old".into(),
            conversation_end: Some("2026-12-06T02:30:00.000Z".into()),
            ..Default::default()
        };
        s.seed([seeded, over]);
        assert_eq!(s.ids(), ["c0"]);
        // Enters.
        assert!(matches!(s.apply("q1", &waiting("c1")), Change::Upsert(_)));
        // A topic not watched changes nothing.
        assert_eq!(s.apply("q9", &waiting("c2")), Change::Nothing);
        // An agent answers: the seeded start stays.
        let mut answered = waiting("c0");
        answered.participants.push(
            serde_json::from_value(serde_json::json!({"id": "p3", "purpose": "agent",
                "name": "Bob", "userId": "u1", "messages": [{"id": "m3", "state": "connected"}]}))
            .unwrap(),
        );
        let Change::Upsert(row) = s.apply("q1", &answered) else {
            panic!()
        };
        assert_eq!(
            row.conversation_start.as_deref(),
            Some("2026-12-06T02:00:00.000Z")
        );
        assert_eq!(row.participants.len(), 3);
        assert_eq!(s.ids(), ["c0", "c1"]);
        // Ends: every participant gone.
        let mut done = answered.clone();
        for p in &mut done.participants {
            p.end_time = Some("2026-12-06T03:10:00.000Z".into());
        }
        assert!(ended(&done));
        assert_eq!(s.apply("q1", &done), Change::Remove("c0".into()));
        // An end the list never had, again: nothing.
        assert_eq!(s.apply("q1", &done), Change::Nothing);
        assert_eq!(s.ids(), ["c1"]);
        // A catch-up read replaces what the events said.
        s.seed([]);
        assert!(s.ids().is_empty());
    }
}
