//! Serde types for the parts of the Genesys Cloud Platform API v2 that convoscope uses.
//!
//! Every type tolerates fields it does not know and fields that are absent: the API adds fields
//! all the time. Types whose JSON a user sees raw (export) keep the unknown fields in `extra`, so
//! that a round trip through them loses nothing. Timestamps stay strings as the API wrote them
//! (parse with [`parse_time`]), so that an export reproduces them byte for byte.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Participant attributes: string keys to string values, sorted by key.
pub type Attributes = BTreeMap<String, String>;

/// Where [`AnalyticsConversation::extra`] keeps a record that could not be decoded (see
/// [`AnalyticsConversation::kept`]). The API cannot send it: decoding drops it.
const RAW_KEY: &str = "\u{0}convoscope:raw";

/// Attributes decoded leniently: a number, boolean or null where text belongs becomes its JSON
/// text (attributes are typed by website visitors and flows; one odd value must not cost the
/// conversation).
pub fn lenient_attributes<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Attributes, D::Error> {
    let map = Option::<BTreeMap<String, Value>>::deserialize(d)?.unwrap_or_default();
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect())
}

/// Parses an API timestamp (`2026-11-24T08:00:00.000Z`).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Formats a timestamp the way the API does: milliseconds and `Z`.
pub fn format_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// One conversation of the analytics details query (and of async job results, which add
/// `participants[].attributes`).
///
/// A round trip keeps the JSON as it was: an explicit `"participants": []` (or `null`), which
/// `participants` cannot tell from an absent list, is kept in `extra` and written back (unless
/// participants were added meanwhile).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnalyticsConversation {
    pub conversation_id: String,
    pub conversation_start: Option<String>,
    /// Absent while the conversation goes on.
    pub conversation_end: Option<String>,
    pub originating_direction: Option<String>,
    pub participants: Vec<AnalyticsParticipant>,
    pub extra: Map<String, Value>,
}

/// The JSON shape of [`AnalyticsConversation`].
#[derive(Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    bound(deserialize = "P: Deserialize<'de>, X: Deserialize<'de>")
)]
struct ConversationJson<P, X> {
    conversation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    conversation_start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    conversation_end: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    originating_direction: Option<String>,
    /// Absent: `None`; `null`: `Some(None)`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    participants: Option<Option<P>>,
    #[serde(flatten)]
    extra: X,
}

/// Tells `null` from absent (with `#[serde(default)]`).
fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `extra`, without a kept `participants` when there are participants to write.
struct ExtraOut<'a> {
    map: &'a Map<String, Value>,
    skip_participants: bool,
}

impl Serialize for ExtraOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        for (k, v) in self.map {
            if !(self.skip_participants && k == "participants") {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

impl Serialize for AnalyticsConversation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(raw) = self.raw() {
            // A record kept as the API sent it is written as it came.
            return serde_json::value::RawValue::from_string(raw.to_string())
                .map_err(serde::ser::Error::custom)?
                .serialize(s);
        }
        let with = !self.participants.is_empty();
        ConversationJson {
            conversation_id: self.conversation_id.clone(),
            conversation_start: self.conversation_start.clone(),
            conversation_end: self.conversation_end.clone(),
            originating_direction: self.originating_direction.clone(),
            participants: with.then_some(Some(&self.participants)),
            extra: ExtraOut {
                map: &self.extra,
                skip_participants: with,
            },
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for AnalyticsConversation {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = ConversationJson::<Vec<AnalyticsParticipant>, Map<String, Value>>::deserialize(d)?;
        let mut extra = j.extra;
        extra.remove(RAW_KEY);
        let participants = match j.participants {
            None => Vec::new(),
            Some(None) => {
                extra.insert("participants".into(), Value::Null);
                Vec::new()
            }
            Some(Some(p)) if p.is_empty() => {
                extra.insert("participants".into(), Value::Array(Vec::new()));
                p
            }
            Some(Some(p)) => p,
        };
        Ok(AnalyticsConversation {
            conversation_id: j.conversation_id,
            conversation_start: j.conversation_start,
            conversation_end: j.conversation_end,
            originating_direction: j.originating_direction,
            participants,
            extra,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsParticipant {
    /// Empty when the API sent none (and then not written back).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub participant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_name: Option<String>,
    /// customer, workflow, botflow, acd, agent, external, ... (kept as the API wrote it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<AnalyticsSession>,
    /// Only in async job results (and added by convoscope's export with `--attributes`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AnalyticsSession {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// callback, chat, email, message, voice, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// For `message`: webmessaging, sms, facebook, whatsapp, open, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// Segments, metrics, flow, ...: kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The answer of `POST /api/v2/analytics/conversations/details/query`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct QueryResponse {
    /// Absent (or empty) past the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversations: Option<Vec<AnalyticsConversation>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_hits: Option<u64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The live conversation of `GET /api/v2/conversations/{conversationId}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default)]
    pub participants: Vec<ConversationParticipant>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ConversationParticipant {
    /// Equals the analytics `participantId`.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_time: Option<String>,
    #[serde(default, deserialize_with = "lenient_attributes")]
    pub attributes: Attributes,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /api/v2/analytics/conversations/details/jobs` answers `{"jobId": "..."}` (202).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobCreated {
    pub job_id: String,
}

/// `GET .../details/jobs/{jobId}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct JobStatus {
    /// QUEUED, PENDING, FAILED, CANCELLED, FULFILLED, EXPIRED.
    #[serde(default)]
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET .../details/jobs/{jobId}/results?cursor=...`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct JobResults {
    #[serde(default)]
    pub conversations: Vec<AnalyticsConversation>,
    /// Absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_availability_date: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET .../details/jobs/availability`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DataAvailability {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_availability_date: Option<String>,
}

/// `GET /api/v2/organizations/me`: the organization of the OAuth client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_country_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_org_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// active, inactive, deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST {login}/oauth/token` answer.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub token_type: String,
    #[serde(default)]
    pub expires_in: u64,
}

impl std::fmt::Debug for TokenResponse {
    // The token is a secret: never in logs or panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// The API's error body: `{"message", "code", "status", "contextId", "details", "errors"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorBody {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Value>,
    /// The limit the request ran into, when the API names one (400s and 429s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<ApiLimit>,
    /// The message with `{placeholders}` for `messageParams`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_with_params: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_params: Option<BTreeMap<String, Value>>,
}

/// An error body's `limit`: which limit, in which namespace, and its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ApiLimit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// The OAuth endpoint's error body: `{"error": "invalid_client", "description": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct OAuthErrorBody {
    #[serde(default)]
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl AnalyticsConversation {
    /// A record the model cannot hold, kept as the API sent it (`raw`, made valid), with what
    /// could be read of it: it is written back exactly as `raw` (see [`Self::raw`]).
    pub fn kept(
        id: String,
        start: Option<String>,
        end: Option<String>,
        direction: Option<String>,
        raw: &str,
    ) -> Self {
        let mut extra = Map::new();
        extra.insert(RAW_KEY.into(), Value::String(raw.to_string()));
        AnalyticsConversation {
            conversation_id: id,
            conversation_start: start,
            conversation_end: end,
            originating_direction: direction,
            participants: Vec::new(),
            extra,
        }
    }

    /// The record as the API sent it, when it could not be decoded (its participants are then
    /// unknown, and it is written exactly as this).
    pub fn raw(&self) -> Option<&str> {
        self.extra.get(RAW_KEY).and_then(Value::as_str)
    }

    /// The conversation's start, parsed.
    pub fn start(&self) -> Option<DateTime<Utc>> {
        self.conversation_start.as_deref().and_then(parse_time)
    }

    /// The conversation's end, parsed; `None` while it goes on.
    pub fn end(&self) -> Option<DateTime<Utc>> {
        self.conversation_end.as_deref().and_then(parse_time)
    }

    /// The first session's media type and message type (the customer's, in practice).
    pub fn media(&self) -> (Option<&str>, Option<&str>) {
        self.participants
            .iter()
            .flat_map(|p| p.sessions.iter())
            .find(|s| s.media_type.is_some())
            .map(|s| (s.media_type.as_deref(), s.message_type.as_deref()))
            .unwrap_or((None, None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let raw = r#"{"conversationId":"c1","conversationStart":"2026-11-24T08:00:00.000Z",
            "divisionIds":["d"],"newField":{"x":1},
            "participants":[{"participantId":"p1","purpose":"customer","teamId":"t",
              "sessions":[{"mediaType":"message","messageType":"webmessaging","segments":[{"segmentType":"interact"}]}]}]}"#;
        let c: AnalyticsConversation = serde_json::from_str(raw).unwrap();
        assert_eq!(c.media(), (Some("message"), Some("webmessaging")));
        let back: Value = serde_json::to_value(&c).unwrap();
        let orig: Value = serde_json::from_str(raw).unwrap();
        assert_eq!(back, orig);
    }

    #[test]
    fn empty_participant_lists_and_missing_participant_ids_survive_a_round_trip() {
        for raw in [
            r#"{"conversationId":"c1","participants":[]}"#,
            r#"{"conversationId":"c1","participants":null,"x":1}"#,
            r#"{"conversationId":"c1"}"#,
            r#"{"conversationId":"c1","participants":[{"purpose":"customer"}]}"#,
            r#"{"conversationId":"c1","participants":[{"participantId":"p","sessions":[{}]}]}"#,
        ] {
            let c: AnalyticsConversation = serde_json::from_str(raw).unwrap();
            let back: Value = serde_json::to_value(&c).unwrap();
            assert_eq!(back, serde_json::from_str::<Value>(raw).unwrap(), "{raw}");
        }
        let mut c: AnalyticsConversation =
            serde_json::from_str(r#"{"conversationId":"c1","participants":[]}"#).unwrap();
        assert!(c.participants.is_empty());
        // Participants added later are written once, as a list.
        c.participants.push(AnalyticsParticipant {
            participant_id: "p".into(),
            ..Default::default()
        });
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"conversationId":"c1","participants":[{"participantId":"p"}]}"#
        );
        assert!(serde_json::from_str::<AnalyticsConversation>(r#"{"participants":[]}"#).is_err());
    }

    #[test]
    fn absent_fields_are_tolerated() {
        let c: AnalyticsConversation = serde_json::from_str(r#"{"conversationId":"c"}"#).unwrap();
        assert!(c.participants.is_empty());
        assert_eq!(c.start(), None);
        let r: QueryResponse = serde_json::from_str(r#"{"totalHits":0}"#).unwrap();
        assert!(r.conversations.is_none());
    }

    #[test]
    fn token_debug_hides_the_token() {
        let t = TokenResponse {
            access_token: "s3cr3t".into(),
            token_type: "bearer".into(),
            expires_in: 10,
        };
        assert!(!format!("{t:?}").contains("s3cr3t"));
    }
}

/// A page of a directory listing (`UserEntityListing`, `QueueEntityListing`,
/// `WrapupCodeEntityListing`, `AuthzDivisionEntityListing`): only what naming needs, read
/// leniently (an entity without an id is skipped by the reader).
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryPage {
    #[serde(default)]
    pub entities: Vec<DirectoryEntity>,
    #[serde(default, deserialize_with = "crate::genesys::records::lenient_u64")]
    pub page_size: Option<u64>,
    #[serde(default, deserialize_with = "crate::genesys::records::lenient_u64")]
    pub page_number: Option<u64>,
    #[serde(default, deserialize_with = "crate::genesys::records::lenient_u64")]
    pub total: Option<u64>,
    #[serde(default, deserialize_with = "crate::genesys::records::lenient_u64")]
    pub page_count: Option<u64>,
}

/// One user, queue, wrap-up code or division of a listing.
#[derive(Debug, Clone, PartialEq, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryEntity {
    #[serde(default, deserialize_with = "crate::genesys::records::lenient_string")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "crate::genesys::records::lenient_string")]
    pub name: Option<String>,
    /// Users: active, inactive, deleted.
    #[serde(default, deserialize_with = "crate::genesys::records::lenient_string")]
    pub state: Option<String>,
}

/// `POST /api/v2/notifications/channels`: a channel and the WebSocket to read it on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Channel {
    pub id: String,
    pub connect_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One topic of a channel's subscriptions (`ChannelTopic`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ChannelTopic {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
}

/// `…/channels/{id}/subscriptions` answers (`ChannelTopicEntityListing`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ChannelTopics {
    #[serde(default)]
    pub entities: Vec<ChannelTopic>,
}

/// A queue of `GET /api/v2/routing/queues` (its id and name are all this program reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Queue {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

/// One page of queues.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct QueueListing {
    #[serde(default)]
    pub entities: Vec<Queue>,
}
