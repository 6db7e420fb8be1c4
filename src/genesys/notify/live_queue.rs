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
                    AnalyticsSession {
                        session_id: text(m, "id"),
                        media_type: Some(kind.to_string()),
                        message_type: (kind == "message").then(|| text(m, "type")).flatten(),
                        direction: dir,
                        extra: Default::default(),
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
            // The details query knows the real start and direction; the event only what it
            // shows now (participants that left may be gone from it).
            row.conversation_start = old.conversation_start.clone().or(row.conversation_start);
            row.originating_direction = old
                .originating_direction
                .clone()
                .or(row.originating_direction);
            for p in &mut row.participants {
                if p.attributes.is_none()
                    && let Some(o) = old
                        .participants
                        .iter()
                        .find(|o| o.participant_id == p.participant_id)
                {
                    p.attributes = o.attributes.clone();
                }
            }
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
