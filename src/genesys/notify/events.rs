//! What a channel's WebSocket sends, typed from the SDK's models (`*DetailEventTopic*`,
//! `QueueConversationEventTopicConversation`, `ChannelMetadataNotification`). Every field is
//! untrusted text: it is sanitised where it becomes display text, never here.

use serde::Deserialize;
use serde_json::Value;

use crate::genesys::model::{Attributes, Conversation, lenient_attributes};
use crate::genesys::records::lenient_string;

const DETAIL_PREFIX: &str = "v2.detail.events.conversation.";
const QUEUE_PREFIX: &str = "v2.routing.queues.";
const QUEUE_SUFFIX: &str = ".conversations";

/// The detail-event kinds a watch subscribes to (the topic's last part).
pub const DETAIL_KINDS: [&str; 9] = [
    "attributes",
    "customer.start",
    "customer.end",
    "acd.start",
    "acd.end",
    "user.start",
    "user.end",
    "acw",
    "wrapup",
];

/// The topics that follow conversation `id`.
pub fn detail_topics(id: &str) -> Vec<String> {
    DETAIL_KINDS
        .iter()
        .map(|k| format!("{DETAIL_PREFIX}{id}.{k}"))
        .collect()
}

/// The topic that follows queue `id`'s conversations.
pub fn queue_topic(id: &str) -> String {
    format!("{QUEUE_PREFIX}{id}{QUEUE_SUFFIX}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailKind {
    Attributes,
    Start,
    End,
    Acw,
    Wrapup,
}

/// One detail event, the fields of its SDK model this program uses.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DetailBody {
    /// Epoch milliseconds.
    #[serde(default)]
    pub event_time: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub conversation_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub participant_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_attributes")]
    pub attributes: Attributes,
    #[serde(default, deserialize_with = "lenient_string")]
    pub user_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub queue_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub disconnect_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub wrapup_code: Option<String>,
    #[serde(default)]
    pub wrapup_duration_ms: Option<i64>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub session_id: Option<String>,
    /// Upper-case in events (`MESSAGE`), lower-case in analytics records.
    #[serde(default, deserialize_with = "lenient_string")]
    pub media_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub message_type: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub direction: Option<String>,
}

/// A detail event: which family (`customer`, `acd`, `user`; empty for attributes and
/// wrap-ups), what happened, and its body.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailEvent {
    pub conversation_id: String,
    pub family: String,
    pub kind: DetailKind,
    /// Whether the topic was the `attributes` one (its body holds the whole set).
    pub body: DetailBody,
}

/// What a message says.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `channel.metadata` "WebSocket Heartbeat".
    Heartbeat,
    /// The answer to our `{"message": "ping"}`.
    Pong,
    /// `v2.system.socket_closing`: the socket closes soon; connect again.
    SocketClosing,
    Detail(Box<DetailEvent>),
    /// A queue's conversation as it now stands.
    Queue {
        queue_id: String,
        conversation: Box<Conversation>,
    },
    /// A topic this program does not follow, or a body that does not fit its model.
    Other,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    #[serde(default)]
    topic_name: String,
    #[serde(default)]
    event_body: Value,
}

/// The message of one text frame, and its topic.
pub fn parse(text: &str) -> (String, Message) {
    let Ok(env) = serde_json::from_str::<Envelope>(text) else {
        return (String::new(), Message::Other);
    };
    let topic = env.topic_name;
    let body = env.event_body;
    let message = || -> Option<Message> {
        if topic == "channel.metadata" {
            let m = body.get("message").and_then(Value::as_str).unwrap_or("");
            return Some(if m.eq_ignore_ascii_case("pong") {
                Message::Pong
            } else {
                Message::Heartbeat
            });
        }
        if topic == "v2.system.socket_closing" {
            return Some(Message::SocketClosing);
        }
        if let Some(rest) = topic.strip_prefix(DETAIL_PREFIX) {
            let (id, what) = rest.split_once('.')?;
            let (family, kind) = match what {
                "attributes" => ("", DetailKind::Attributes),
                "acw" => ("", DetailKind::Acw),
                "wrapup" => ("", DetailKind::Wrapup),
                other => {
                    let (fam, edge) = other.split_once('.')?;
                    let k = match edge {
                        "start" => DetailKind::Start,
                        "end" => DetailKind::End,
                        _ => return None,
                    };
                    (fam, k)
                }
            };
            let body: DetailBody = serde_json::from_value(body).ok()?;
            return Some(Message::Detail(Box::new(DetailEvent {
                conversation_id: id.to_string(),
                family: family.to_string(),
                kind,
                body,
            })));
        }
        if let Some(q) = topic
            .strip_prefix(QUEUE_PREFIX)
            .and_then(|r| r.strip_suffix(QUEUE_SUFFIX))
        {
            let conversation: Conversation = serde_json::from_value(body).ok()?;
            return Some(Message::Queue {
                queue_id: q.to_string(),
                conversation: Box::new(conversation),
            });
        }
        None
    }()
    .unwrap_or(Message::Other);
    (topic, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeats_pongs_warnings_and_events_are_told_apart() {
        let hb =
            r#"{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}"#;
        assert_eq!(parse(hb).1, Message::Heartbeat);
        let pong = r#"{"topicName":"channel.metadata","eventBody":{"message":"pong"}}"#;
        assert_eq!(parse(pong).1, Message::Pong);
        let w = r#"{"topicName":"v2.system.socket_closing","eventBody":{"message":"bye"}}"#;
        assert_eq!(parse(w).1, Message::SocketClosing);
        let a = r#"{"topicName":"v2.detail.events.conversation.c1.attributes","version":"2",
            "eventBody":{"eventTime":1764000000000,"conversationId":"c1","participantId":"p1",
            "attributes":{"k":"v","n":3}}}"#;
        let (topic, m) = parse(a);
        assert_eq!(topic, "v2.detail.events.conversation.c1.attributes");
        let Message::Detail(d) = m else { panic!() };
        assert_eq!(d.kind, DetailKind::Attributes);
        assert_eq!(d.body.event_time, Some(1764000000000));
        assert_eq!(d.body.attributes.get("n").map(String::as_str), Some("3"));
        let e = r#"{"topicName":"v2.detail.events.conversation.c1.user.end",
            "eventBody":{"eventTime":5,"participantId":"p2","disconnectType":"TRANSFER"}}"#;
        let Message::Detail(d) = parse(e).1 else {
            panic!()
        };
        assert_eq!((d.family.as_str(), d.kind), ("user", DetailKind::End));
        let q = r#"{"topicName":"v2.routing.queues.q1.conversations",
            "eventBody":{"id":"c9","participants":[{"id":"p","purpose":"acd"}]}}"#;
        let Message::Queue {
            queue_id,
            conversation,
        } = parse(q).1
        else {
            panic!()
        };
        assert_eq!((queue_id.as_str(), conversation.id.as_str()), ("q1", "c9"));
        assert_eq!(parse("not json").1, Message::Other);
        assert_eq!(
            parse(r#"{"topicName":"v2.users.x.presence"}"#).1,
            Message::Other
        );
    }
}
