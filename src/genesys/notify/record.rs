//! Detail events applied to an analytics record: how `F` keeps its live rows by push. Each
//! event makes the record what the details query would answer after it, as far as the event
//! says (a participant's end closes its open segments at the event's time with its disconnect
//! type; the last end ends the conversation; a wrap-up adds its segment). Where the event
//! cannot say (someone joined: their purpose and name are the record's; a participant the
//! record does not have), the caller reads the record again. Pure: no I/O, no clock.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::events::{DetailEvent, DetailKind};
use crate::genesys::model::{
    AnalyticsConversation, AnalyticsParticipant, AnalyticsSession, format_time, parse_time,
};

/// The detail-event kinds that change what a list row shows (attribute updates and `acw` do
/// not: the details query has no attributes, and `wrapup` carries the code).
pub const ROW_KINDS: [&str; 9] = [
    "customer.start",
    "customer.end",
    "flow.start",
    "flow.end",
    "acd.start",
    "acd.end",
    "user.start",
    "user.end",
    "wrapup",
];

/// The topics that keep conversation `id`'s row.
pub fn row_topics(id: &str) -> Vec<String> {
    ROW_KINDS
        .iter()
        .map(|k| format!("v2.detail.events.conversation.{id}.{k}"))
        .collect()
}

/// The detail topics' family of a participant's purpose (the SDK has `customer`, `acd`,
/// `user` and `flow` start and end events; `voicemail` ones too, which the rows leave to the
/// multi-get).
pub fn family(purpose: &str) -> Option<&'static str> {
    Some(match purpose {
        "customer" | "external" => "customer",
        "acd" => "acd",
        "agent" | "user" => "user",
        "workflow" | "ivr" | "botflow" | "inbound" => "flow",
        _ => return None,
    })
}

/// Whether events can keep this record: every participant is of a family the topics cover
/// (else one could stay on unseen, and the last end seen would end the row too early).
pub fn trackable(c: &AnalyticsConversation) -> bool {
    c.raw().is_none()
        && c.participants
            .iter()
            .all(|p| p.purpose.as_deref().and_then(family).is_some())
}

/// What an event did to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Nothing to change (a kind the row does not show, an event already applied).
    Nothing,
    Changed,
    /// It changed, and the conversation is over now.
    Ended,
    /// The event alone cannot keep the record (someone joined, or a participant it does not
    /// have): read it again. What could be applied was.
    Read,
}

fn segments_mut(s: &mut AnalyticsSession) -> Option<&mut Vec<Value>> {
    s.extra.get_mut("segments").and_then(Value::as_array_mut)
}

fn segments(p: &AnalyticsParticipant) -> impl Iterator<Item = &Value> {
    p.sessions
        .iter()
        .filter_map(|s| s.extra.get("segments").and_then(Value::as_array))
        .flatten()
}

fn is_wrapup(seg: &Value) -> bool {
    seg.get("segmentType").and_then(Value::as_str) == Some("wrapup")
}

fn is_open(seg: &Value) -> bool {
    !is_wrapup(seg) && seg.get("segmentEnd").is_none_or(Value::is_null)
}

/// `NO_ANSWER_TRANSFER` (events) as `noAnswerTransfer` (analytics segments).
pub fn disconnect_type(event: &str) -> String {
    let mut out = String::with_capacity(event.len());
    let mut upper = false;
    for c in event.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Whether every participant has left (no segment open but wrap-ups), and there is someone.
pub fn over(c: &AnalyticsConversation) -> bool {
    c.participants.iter().any(|p| segments(p).next().is_some())
        && c.participants.iter().all(|p| !segments(p).any(is_open))
}

/// The latest end of a segment that is not a wrap-up: the conversation's end once [`over`].
fn last_end(c: &AnalyticsConversation) -> Option<DateTime<Utc>> {
    c.participants
        .iter()
        .flat_map(segments)
        .filter(|s| !is_wrapup(s))
        .filter_map(|s| s.get("segmentEnd").and_then(Value::as_str))
        .filter_map(parse_time)
        .max()
}

fn lower(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::to_ascii_lowercase)
}

/// Applies one detail event to the record.
pub fn apply(c: &mut AnalyticsConversation, ev: &DetailEvent) -> Applied {
    // Over, a conversation only gets its wrap-ups (after-call work follows the end).
    if ev.conversation_id != c.conversation_id
        || (c.conversation_end.is_some() && ev.kind != DetailKind::Wrapup)
    {
        return Applied::Nothing;
    }
    let (Some(at), Some(pid)) = (
        ev.body
            .event_time
            .and_then(DateTime::<Utc>::from_timestamp_millis),
        ev.body.participant_id.as_deref(),
    ) else {
        return Applied::Nothing;
    };
    let known = c.participants.iter().position(|p| p.participant_id == pid);
    match (ev.kind, known) {
        (DetailKind::Attributes | DetailKind::Acw, _) => Applied::Nothing,
        (DetailKind::Start, Some(_)) => Applied::Nothing,
        (DetailKind::Start, None) => {
            // Someone new (a transfer, an agent alerted): on from the event's time, until the
            // record read again names them.
            let (purpose, typ) = match ev.family.as_str() {
                "customer" => ("customer", "interact"),
                "acd" => ("acd", "interact"),
                "user" => ("agent", "alert"),
                "flow" => ("workflow", "interact"),
                _ => return Applied::Read,
            };
            let mut seg = Map::new();
            seg.insert("segmentStart".into(), json!(format_time(at)));
            seg.insert("segmentType".into(), json!(typ));
            if let Some(q) = &ev.body.queue_id {
                seg.insert("queueId".into(), json!(q));
            }
            let mut extra = Map::new();
            extra.insert("segments".into(), json!([Value::Object(seg)]));
            c.participants.push(AnalyticsParticipant {
                participant_id: pid.to_string(),
                purpose: Some(purpose.into()),
                user_id: ev.body.user_id.clone(),
                sessions: vec![AnalyticsSession {
                    session_id: ev.body.session_id.clone(),
                    media_type: lower(&ev.body.media_type),
                    message_type: lower(&ev.body.message_type),
                    direction: lower(&ev.body.direction),
                    extra,
                }],
                ..Default::default()
            });
            Applied::Read
        }
        (DetailKind::End | DetailKind::Wrapup, None) => Applied::Read,
        (DetailKind::End, Some(i)) => {
            let end = json!(format_time(at));
            let how = ev.body.disconnect_type.as_deref().map(disconnect_type);
            let mut closed = 0;
            for s in &mut c.participants[i].sessions {
                let Some(segs) = segments_mut(s) else {
                    continue;
                };
                for seg in segs.iter_mut().filter(|s| is_open(s)) {
                    if let Value::Object(m) = seg {
                        m.insert("segmentEnd".into(), end.clone());
                        if let Some(h) = &how {
                            m.insert("disconnectType".into(), json!(h));
                        }
                        closed += 1;
                    }
                }
            }
            if closed == 0 {
                return Applied::Nothing;
            }
            if over(c) {
                c.conversation_end = last_end(c).map(format_time);
                return Applied::Ended;
            }
            Applied::Changed
        }
        (DetailKind::Wrapup, Some(i)) => {
            let code = ev.body.wrapup_code.clone();
            let p = &mut c.participants[i];
            let had = segments(p).any(|s| {
                is_wrapup(s)
                    && s.get("wrapUpCode").and_then(Value::as_str) == code.as_deref()
                    && s.get("segmentEnd").is_some_and(|e| !e.is_null())
            });
            if had {
                return Applied::Nothing;
            }
            // A wrap-up being entered when the record was read: it is done now.
            for s in &mut p.sessions {
                if let Some(segs) = segments_mut(s)
                    && let Some(Value::Object(m)) = segs
                        .iter_mut()
                        .find(|s| is_wrapup(s) && s.get("segmentEnd").is_none_or(Value::is_null))
                {
                    m.insert("segmentEnd".into(), json!(format_time(at)));
                    if let Some(code) = &code {
                        m.insert("wrapUpCode".into(), json!(code));
                    }
                    return Applied::Changed;
                }
            }
            let from = at - chrono::Duration::milliseconds(ev.body.wrapup_duration_ms.unwrap_or(0));
            let mut seg = Map::new();
            seg.insert("segmentStart".into(), json!(format_time(from)));
            seg.insert("segmentEnd".into(), json!(format_time(at)));
            seg.insert("segmentType".into(), json!("wrapup"));
            if let Some(q) = &ev.body.queue_id {
                seg.insert("queueId".into(), json!(q));
            }
            if let Some(code) = code {
                seg.insert("wrapUpCode".into(), json!(code));
            }
            match p.sessions.last_mut() {
                Some(s) => match segments_mut(s) {
                    Some(segs) => segs.push(Value::Object(seg)),
                    None => {
                        s.extra
                            .insert("segments".into(), json!([Value::Object(seg)]));
                    }
                },
                None => return Applied::Read,
            }
            Applied::Changed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::notify::events::DetailBody;

    fn rec() -> AnalyticsConversation {
        serde_json::from_value(json!({
            "conversationId": "c1",
            "conversationStart": "2026-12-06T03:00:00.000Z",
            "participants": [
                {"participantId": "p1", "purpose": "customer", "participantName": "Ann",
                 "sessions": [{"mediaType": "message", "segments": [
                    {"segmentStart": "2026-12-06T03:00:00.000Z", "segmentType": "interact"}]}]},
                {"participantId": "p2", "purpose": "acd", "participantName": "Support",
                 "sessions": [{"mediaType": "message", "segments": [
                    {"segmentStart": "2026-12-06T03:00:05.000Z",
                     "segmentEnd": "2026-12-06T03:00:30.000Z",
                     "segmentType": "interact", "queueId": "q1", "disconnectType": "transfer"}]}]},
                {"participantId": "p3", "purpose": "agent", "userId": "u1",
                 "sessions": [{"mediaType": "message", "segments": [
                    {"segmentStart": "2026-12-06T03:00:30.000Z",
                     "segmentEnd": "2026-12-06T03:00:32.000Z", "segmentType": "alert"},
                    {"segmentStart": "2026-12-06T03:00:32.000Z", "segmentType": "interact",
                     "queueId": "q1"}]}]}
            ]
        }))
        .unwrap()
    }

    fn ev(family: &str, kind: DetailKind, pid: &str, secs: i64) -> DetailEvent {
        let t = parse_time("2026-12-06T03:00:00.000Z").unwrap() + chrono::Duration::seconds(secs);
        DetailEvent {
            conversation_id: "c1".into(),
            family: family.into(),
            kind,
            body: DetailBody {
                event_time: Some(t.timestamp_millis()),
                participant_id: Some(pid.into()),
                disconnect_type: Some("NO_ANSWER_TRANSFER".into()),
                ..Default::default()
            },
        }
    }

    fn seg(c: &AnalyticsConversation, p: usize, s: usize) -> &Value {
        &c.participants[p].sessions[0].extra["segments"][s]
    }

    #[test]
    fn the_last_end_ends_the_conversation_at_its_time() {
        let mut c = rec();
        assert!(trackable(&c));
        assert_eq!(
            apply(&mut c, &ev("user", DetailKind::End, "p3", 90)),
            Applied::Changed
        );
        assert_eq!(seg(&c, 2, 1)["segmentEnd"], "2026-12-06T03:01:30.000Z");
        assert_eq!(seg(&c, 2, 1)["disconnectType"], "noAnswerTransfer");
        // The alert, closed before, is left as it was.
        assert_eq!(seg(&c, 2, 0)["segmentEnd"], "2026-12-06T03:00:32.000Z");
        assert!(seg(&c, 2, 0).get("disconnectType").is_none());
        assert_eq!(c.conversation_end, None);
        // Again: nothing.
        assert_eq!(
            apply(&mut c, &ev("user", DetailKind::End, "p3", 90)),
            Applied::Nothing
        );
        assert_eq!(
            apply(&mut c, &ev("customer", DetailKind::End, "p1", 91)),
            Applied::Ended
        );
        assert_eq!(
            c.conversation_end.as_deref(),
            Some("2026-12-06T03:01:31.000Z")
        );
        // Ended: nothing moves it any more.
        assert_eq!(
            apply(&mut c, &ev("user", DetailKind::Start, "p9", 95)),
            Applied::Nothing
        );
    }

    #[test]
    fn someone_new_is_on_until_they_leave_and_asks_for_a_read() {
        let mut c = rec();
        let mut join = ev("user", DetailKind::Start, "p4", 60);
        join.body.user_id = Some("u2".into());
        join.body.queue_id = Some("q2".into());
        join.body.media_type = Some("MESSAGE".into());
        assert_eq!(apply(&mut c, &join), Applied::Read);
        let p = &c.participants[3];
        assert_eq!(
            (p.purpose.as_deref(), p.user_id.as_deref()),
            (Some("agent"), Some("u2"))
        );
        assert_eq!(p.sessions[0].media_type.as_deref(), Some("message"));
        assert_eq!(seg(&c, 3, 0)["queueId"], "q2");
        // A second start of the same one: nothing.
        assert_eq!(apply(&mut c, &join), Applied::Nothing);
        // The others leave: p4 is still on.
        apply(&mut c, &ev("user", DetailKind::End, "p3", 61));
        assert_eq!(
            apply(&mut c, &ev("customer", DetailKind::End, "p1", 62)),
            Applied::Changed
        );
        assert_eq!(c.conversation_end, None);
        assert_eq!(
            apply(&mut c, &ev("user", DetailKind::End, "p4", 70)),
            Applied::Ended
        );
        // An end of someone the record never had: read it.
        let mut c = rec();
        assert_eq!(
            apply(&mut c, &ev("user", DetailKind::End, "p9", 70)),
            Applied::Read
        );
    }

    #[test]
    fn a_wrap_up_adds_its_segment_once() {
        let mut c = rec();
        let mut w = ev("", DetailKind::Wrapup, "p3", 120);
        w.body.wrapup_code = Some("code-7".into());
        w.body.wrapup_duration_ms = Some(20_000);
        assert_eq!(apply(&mut c, &w), Applied::Changed);
        let s = seg(&c, 2, 2);
        assert_eq!(
            (&s["segmentType"], &s["wrapUpCode"], &s["segmentStart"]),
            (
                &json!("wrapup"),
                &json!("code-7"),
                &json!("2026-12-06T03:01:40.000Z")
            )
        );
        assert_eq!(apply(&mut c, &w), Applied::Nothing);
        // A wrap-up is not a segment left open.
        apply(&mut c, &ev("user", DetailKind::End, "p3", 100));
        assert_eq!(
            apply(&mut c, &ev("customer", DetailKind::End, "p1", 100)),
            Applied::Ended
        );
        assert_eq!(
            c.conversation_end.as_deref(),
            Some("2026-12-06T03:01:40.000Z")
        );
    }

    #[test]
    fn a_wrap_up_after_the_end_lands_and_closes_the_one_being_entered() {
        let mut c = rec();
        apply(&mut c, &ev("user", DetailKind::End, "p3", 90));
        apply(&mut c, &ev("customer", DetailKind::End, "p1", 90));
        assert!(c.conversation_end.is_some());
        let mut w = ev("", DetailKind::Wrapup, "p3", 120);
        w.body.wrapup_code = Some("code-7".into());
        w.body.wrapup_duration_ms = Some(30_000);
        assert_eq!(apply(&mut c, &w), Applied::Changed);
        assert_eq!(seg(&c, 2, 2)["wrapUpCode"], "code-7");
        // Read while the agent was entering it: the open segment is closed, not doubled.
        let mut c = rec();
        c.conversation_end = Some("2026-12-06T03:01:30.000Z".into());
        let open = json!({"segmentStart": "2026-12-06T03:01:30.000Z", "segmentType": "wrapup",
            "wrapUpCode": "code-7"});
        c.participants[2].sessions[0].extra["segments"]
            .as_array_mut()
            .unwrap()
            .push(open);
        assert_eq!(apply(&mut c, &w), Applied::Changed);
        let segs = c.participants[2].sessions[0].extra["segments"]
            .as_array()
            .unwrap();
        assert_eq!(segs.len(), 3);
        assert_eq!(segs[2]["segmentEnd"], "2026-12-06T03:02:00.000Z");
        assert_eq!(apply(&mut c, &w), Applied::Nothing);
        // Anything else after the end: nothing.
        assert_eq!(
            apply(&mut c, &ev("user", DetailKind::Start, "p9", 130)),
            Applied::Nothing
        );
    }

    #[test]
    fn records_events_cannot_keep_are_said() {
        let mut c = rec();
        c.participants[1].purpose = Some("voicemail".into());
        assert!(!trackable(&c));
        let mut attrs = ev("", DetailKind::Attributes, "p1", 5);
        attrs.body.attributes.insert("k".into(), "v".into());
        let mut c = rec();
        assert_eq!(apply(&mut c, &attrs), Applied::Nothing);
        assert_eq!(c, rec());
        assert_eq!(disconnect_type("TRANSFER"), "transfer");
        assert_eq!(disconnect_type("TRANSPORT_FAILURE"), "transportFailure");
        assert_eq!(row_topics("c1").len(), ROW_KINDS.len());
        assert_eq!(
            row_topics("c1")[0],
            "v2.detail.events.conversation.c1.customer.start"
        );
    }
}
