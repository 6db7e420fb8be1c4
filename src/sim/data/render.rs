//! A generated conversation as the API serves it: the analytics shape (details query, multi-get,
//! single details, async job results) and the conversation API's (`GET /api/v2/conversations/{id}`).
//!
//! Analytics names no agent or user (only `userId`), queues only by `queueId`, wrap-up codes by
//! id, divisions by `divisionIds`; job results cut attribute keys and values at 1,024 characters.
//! The conversation API names everyone and keeps attributes whole, and never sends
//! `Conversation.state` (the SDK: "will never have a value present" on read).

use serde_json::{Map, Value, json};

use super::{Conv, Dataset, Part, flow_type, note_text, time};
use crate::genesys::model::{
    AnalyticsConversation, AnalyticsParticipant, AnalyticsSession, Attributes, Conversation,
    ConversationParticipant,
};

/// Async job results keep this many characters of an attribute's key and value
/// ("The keys and values of the attributes are truncated to 1024 characters").
pub(crate) const JOB_ATTRIBUTE_CHARS: usize = 1024;

/// `s` cut to [`JOB_ATTRIBUTE_CHARS`] characters.
pub(crate) fn cut(s: &str) -> String {
    if s.len() <= JOB_ATTRIBUTE_CHARS {
        return s.to_string();
    }
    match s.char_indices().nth(JOB_ATTRIBUTE_CHARS) {
        Some((at, _)) => s[..at].to_string(),
        None => s.to_string(),
    }
}

fn cut_all(a: &Attributes) -> Attributes {
    a.iter().map(|(k, v)| (cut(k), cut(v))).collect()
}

/// The conversation API's `disconnectType` for an analytics one, on a media of `media`. Chats
/// (`ConversationChat`) have no `transfer.noanswer`: a chat an agent did not answer is a plain
/// `transfer` there.
fn conversation_disconnect<'a>(analytics: &'a str, media: &str) -> &'a str {
    match analytics {
        "noAnswerTransfer" if media == "chat" => "transfer",
        "noAnswerTransfer" => "transfer.noanswer",
        "consultTransfer" => "transfer.consult",
        "conferenceTransfer" => "transfer.conference",
        "forwardTransfer" => "transfer.forward",
        other => other,
    }
}

impl Dataset {
    /// Who the agent talks to, as analytics' `remote`: the outside party's name, else its number
    /// or address.
    pub(super) fn remote(c: &Conv) -> Option<String> {
        let o = c.parts.iter().find(|p| p.is_outside())?;
        o.name.clone().or_else(|| {
            o.ani
                .as_deref()
                .filter(|_| o.direction == "inbound")
                .or(o.dnis.as_deref())
                .or(o.address_from.as_deref())
                .map(|a| a.trim_start_matches("tel:").to_string())
        })
    }

    pub(super) fn render_analytics(
        &self,
        c: &Conv,
        with_attributes: bool,
    ) -> AnalyticsConversation {
        let d = &c.draw;
        let mut extra = Map::new();
        extra.insert("divisionIds".into(), json!([self.divisions[d.division].id]));
        if let Some(t) = d.external_tag {
            extra.insert("externalTag".into(), json!(format!("CRM-{t:06}")));
        }
        if let (Some(m), Some(_)) = (d.mos, c.end) {
            extra.insert(
                "mediaStatsMinConversationMos".into(),
                json!(f64::from(m) / 100.0),
            );
        }
        extra.insert("conversationInitiator".into(), json!(d.initiator()));
        extra.insert(
            "customerParticipation".into(),
            json!(d.customer_participation()),
        );
        let remote = Self::remote(c);
        let voice = c.kind.media == "voice";
        let participants = c
            .parts
            .iter()
            .map(|p| {
                let mut sx = Map::new();
                if let Some(v) = &p.ani {
                    sx.insert("ani".into(), json!(v));
                }
                if let Some(v) = &p.dnis {
                    sx.insert("dnis".into(), json!(v));
                    if voice {
                        sx.insert("sessionDnis".into(), json!(v));
                    }
                }
                if let Some(v) = &p.address_from {
                    sx.insert("addressFrom".into(), json!(v));
                }
                if let Some(v) = &p.address_to {
                    sx.insert("addressTo".into(), json!(v));
                }
                sx.insert(
                    "provider".into(),
                    json!(if voice { "Edge" } else { "PureCloud Messaging" }),
                );
                if p.purpose == "acd" || p.purpose == "agent" {
                    sx.insert("requestedRoutings".into(), json!(["Standard"]));
                    sx.insert("usedRouting".into(), json!("Standard"));
                }
                if matches!(p.purpose, "agent" | "user")
                    && let Some(r) = &remote
                {
                    sx.insert("remote".into(), json!(r));
                }
                if voice && matches!(p.purpose, "agent" | "external" | "customer") {
                    sx.insert("recording".into(), json!(d.recording));
                }
                if let Some(f) = p.flow {
                    sx.insert("flow".into(), self.flow_json(c, p, f));
                }
                if !p.metrics.is_empty() {
                    sx.insert(
                        "metrics".into(),
                        Value::Array(
                            p.metrics
                                .iter()
                                .map(|(n, v, t)| json!({"name": n, "value": v, "emitDate": time(*t)}))
                                .collect(),
                        ),
                    );
                }
                sx.insert(
                    "segments".into(),
                    Value::Array(p.segs.iter().map(|s| self.segment_json(s)).collect()),
                );
                let session = AnalyticsSession {
                    session_id: Some(p.session_id.clone()),
                    media_type: Some(c.kind.media.to_string()),
                    message_type: c.kind.message_type.map(str::to_string),
                    direction: Some(p.direction.to_string()),
                    extra: sx,
                };
                let mut px = Map::new();
                if let Some(e) = &p.external_contact {
                    px.insert("externalContactId".into(), json!(e));
                }
                AnalyticsParticipant {
                    participant_id: p.id.clone(),
                    participant_name: p.analytics_name().map(str::to_string),
                    purpose: Some(p.purpose.to_string()),
                    user_id: p.user.map(|u| self.users[u].id.clone()),
                    sessions: vec![session],
                    attributes: with_attributes.then(|| cut_all(&p.attributes)),
                    extra: px,
                }
            })
            .collect();
        AnalyticsConversation {
            conversation_id: c.id.clone(),
            conversation_start: Some(time(c.start)),
            conversation_end: c.end.map(time),
            originating_direction: Some(c.kind.direction().to_string()),
            participants,
            extra,
        }
    }

    fn flow_json(&self, c: &Conv, p: &Part, f: usize) -> Value {
        let disconnect = p.segs.last().and_then(|s| s.disconnect);
        let transferred = disconnect == Some("transfer");
        let mut flow = json!({
            "flowId": self.flows[f].id,
            "flowName": self.flows[f].name,
            "flowType": flow_type(f),
            "flowVersion": "12.0",
            "entryType": if c.kind.media == "voice" { "dnis" } else { "direct" },
            "exitReason": if transferred { "TRANSFER" } else { "DISCONNECT" },
        });
        if transferred && let Some(q) = c.parts.iter().find_map(|p| p.queue) {
            flow["transferType"] = json!("ACD");
            flow["transferTargetName"] = json!(self.queues[q].name);
            flow["transferTargetAddress"] = json!(self.queues[q].id);
        }
        flow
    }

    fn segment_json(&self, s: &super::Seg) -> Value {
        let mut o = Map::new();
        o.insert("segmentStart".into(), json!(time(s.start)));
        if let Some(e) = s.end {
            o.insert("segmentEnd".into(), json!(time(e)));
        }
        o.insert("segmentType".into(), json!(s.typ));
        if let Some(q) = s.queue {
            o.insert("queueId".into(), json!(self.queues[q].id));
        }
        if let Some(d) = s.disconnect {
            o.insert("disconnectType".into(), json!(d));
        }
        if let Some(w) = s.wrapup {
            o.insert("wrapUpCode".into(), json!(self.wrapups[w].id));
        }
        if let Some(n) = s.note {
            o.insert("wrapUpNote".into(), json!(note_text(n)));
        }
        o.insert("conference".into(), json!(false));
        Value::Object(o)
    }

    /// The address the conversation API shows for a participant.
    fn address(p: &Part) -> Option<String> {
        if !p.is_outside() {
            return None;
        }
        if p.direction == "outbound" {
            p.address_to.clone().or_else(|| p.dnis.clone())
        } else {
            p.address_from.clone().or_else(|| p.ani.clone())
        }
    }

    pub(super) fn render_conversation(&self, c: &Conv) -> Conversation {
        let d = &c.draw;
        let mut extra = Map::new();
        if let Some(t) = d.external_tag {
            extra.insert("externalTag".into(), json!(format!("CRM-{t:06}")));
        }
        let div = &self.divisions[d.division];
        extra.insert(
            "divisions".into(),
            json!([{
                "division": {"id": div.id, "name": div.name, "selfUri": format!("/api/v2/authorization/divisions/{}", div.id)},
                "entities": [],
            }]),
        );
        extra.insert(
            "recordingState".into(),
            json!(if d.recording { "ACTIVE" } else { "NONE" }),
        );
        extra.insert("conversationIds".into(), json!([]));
        extra.insert("maxParticipants".into(), json!(10));
        extra.insert(
            "selfUri".into(),
            json!(format!("/api/v2/conversations/{}", c.id)),
        );
        let participants = c
            .parts
            .iter()
            .map(|p| self.conversation_participant(c, p))
            .collect();
        let first = c.parts.first();
        Conversation {
            id: c.id.clone(),
            name: first
                .and_then(|p| p.name.clone())
                .filter(|_| c.kind.media != "message"),
            start_time: Some(time(c.start)),
            end_time: c.end.map(time),
            state: None,
            participants,
            extra,
        }
    }

    fn conversation_participant(&self, c: &Conv, p: &Part) -> ConversationParticipant {
        let d = &c.draw;
        let mut x = Map::new();
        if let Some(v) = &p.ani {
            x.insert("ani".into(), json!(v));
        }
        if let Some(v) = &p.dnis {
            x.insert("dnis".into(), json!(v));
        }
        if let Some(e) = &p.external_contact {
            x.insert("externalContactId".into(), json!(e));
        }
        if let Some(u) = p.user {
            x.insert(
                "userUri".into(),
                json!(format!("/api/v2/users/{}", self.users[u].id)),
            );
            x.insert("wrapupRequired".into(), json!(p.purpose == "agent"));
        }
        if let Some((w, s, e)) = p.wrapup {
            let mut wrapup = json!({
                "code": self.wrapups[w].id,
                "name": self.wrapups[w].name,
                "durationSeconds": (e - s) / 1000,
                "endTime": time(e),
            });
            if let Some(n) = p.note {
                wrapup["notes"] = json!(note_text(n));
            }
            x.insert("wrapup".into(), wrapup);
        }
        let state = if p.end.is_some() {
            "disconnected"
        } else if p.connected.is_none() {
            "alerting"
        } else {
            "connected"
        };
        let held = p.end.is_none() && p.segs.last().is_some_and(|s| s.typ == "hold");
        let mut m = Map::new();
        m.insert("state".into(), json!(state));
        m.insert("id".into(), json!(p.session_id));
        m.insert("direction".into(), json!(p.direction));
        m.insert("held".into(), json!(held));
        if let Some(t) = p.connected {
            m.insert("connectedTime".into(), json!(time(t)));
        }
        if let Some(e) = p.end {
            m.insert("disconnectedTime".into(), json!(time(e)));
            if let Some(dc) = p.segs.iter().rev().find_map(|s| s.disconnect) {
                m.insert(
                    "disconnectType".into(),
                    json!(conversation_disconnect(dc, c.kind.media)),
                );
            }
        }
        let list = match c.kind.media {
            "message" => {
                m.insert("type".into(), json!(c.kind.message_type));
                if let Some(a) = &p.address_to {
                    m.insert("toAddress".into(), json!({"addressNormalized": a}));
                }
                if let Some(a) = &p.address_from {
                    m.insert("fromAddress".into(), json!({"addressNormalized": a}));
                }
                "messages"
            }
            "voice" => {
                m.insert("recording".into(), json!(d.recording));
                m.insert(
                    "recordingState".into(),
                    json!(if d.recording { "active" } else { "none" }),
                );
                m.insert("muted".into(), json!(false));
                m.insert("confined".into(), json!(false));
                m.insert("provider".into(), json!("Edge"));
                "calls"
            }
            "email" => {
                m.insert("subject".into(), json!("Re: your order"));
                m.insert("messagesSent".into(), json!(1));
                "emails"
            }
            "callback" => {
                m.insert(
                    "callbackNumbers".into(),
                    json!([p.ani.as_deref().unwrap_or("").trim_start_matches("tel:")]),
                );
                "callbacks"
            }
            _ => "chats",
        };
        x.insert(list.into(), json!([Value::Object(m)]));
        ConversationParticipant {
            id: p.id.clone(),
            name: p.name.clone(),
            purpose: Some(p.purpose.to_string()),
            participant_type: Some(
                if p.is_outside() {
                    "External"
                } else {
                    "Internal"
                }
                .to_string(),
            ),
            user_id: p.user.map(|u| self.users[u].id.clone()),
            queue_id: p.queue.map(|q| self.queues[q].id.clone()),
            queue_name: p.queue.map(|q| self.queues[q].name.clone()),
            address: Self::address(p),
            start_time: Some(time(p.start)),
            end_time: p.end.map(time),
            connected_time: p.connected.map(time),
            attributes: p.attributes.clone(),
            extra: x,
        }
    }
}
