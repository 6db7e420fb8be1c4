//! The topics the simulator publishes, parsed and checked against its data.

use super::super::data::Dataset;

/// `v2.detail.events.conversation.{id}.{kind}`: the kinds the simulator publishes (the SDK's
/// `*DetailEventTopic*` models).
pub const DETAIL_KINDS: [&str; 11] = [
    "attributes",
    "customer.start",
    "customer.end",
    "flow.start",
    "flow.end",
    "acd.start",
    "acd.end",
    "user.start",
    "user.end",
    "acw",
    "wrapup",
];

const DETAIL_PREFIX: &str = "v2.detail.events.conversation.";
const QUEUE_PREFIX: &str = "v2.routing.queues.";
const QUEUE_SUFFIX: &str = ".conversations";

/// What a topic follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Topic {
    /// Detail events of kind `DETAIL_KINDS[kind]` of conversation `conv` (its index).
    Detail { conv: usize, kind: usize },
    /// The conversations of a queue (`QueueConversationEventTopicConversation` bodies).
    Queue { queue_id: String },
}

/// The permission a topic needs (the simulator's choice: the API's own list is not published
/// with the SDK), refused by `--forbid topics`.
pub(crate) fn permission(t: &Topic) -> &'static str {
    match t {
        Topic::Detail { .. } => "analytics:conversationDetail:view",
        Topic::Queue { .. } => "routing:queue:view",
    }
}

/// Parses a topic name; the error says why the simulator does not know it.
pub(crate) fn parse(ds: &Dataset, name: &str) -> Result<Topic, String> {
    if let Some(rest) = name.strip_prefix(DETAIL_PREFIX) {
        let Some((id, kind)) = rest.split_once('.') else {
            return Err(format!(
                "Invalid topic '{name}': expected {DETAIL_PREFIX}{{conversationId}}.{{event}}."
            ));
        };
        let Some(k) = DETAIL_KINDS.iter().position(|&x| x == kind) else {
            return Err(format!(
                "Invalid topic '{name}': unknown detail event '{kind}' (known: {}).",
                DETAIL_KINDS.join(", ")
            ));
        };
        // Ids are lower-case UUIDs; the API does not fold case.
        let conv = ds
            .index_of(id)
            .filter(|&i| ds.conversation_id(i) == id)
            .ok_or_else(|| format!("Invalid topic '{name}': no conversation {id}."))?;
        return Ok(Topic::Detail { conv, kind: k });
    }
    if let Some(id) = name
        .strip_prefix(QUEUE_PREFIX)
        .and_then(|r| r.strip_suffix(QUEUE_SUFFIX))
    {
        if !ds.has_queue(id) {
            return Err(format!("Invalid topic '{name}': no queue {id}."));
        }
        return Ok(Topic::Queue {
            queue_id: id.to_string(),
        });
    }
    Err(format!(
        "Invalid topic '{name}': the simulator publishes {DETAIL_PREFIX}{{conversationId}}.{{event}} and {QUEUE_PREFIX}{{queueId}}{QUEUE_SUFFIX}."
    ))
}
