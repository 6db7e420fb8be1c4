//! Segment and conversation filters of the details query, as the real API evaluates them.
//!
//! The grammar is the official SDK's (`SegmentDetailQueryFilter`, `SegmentDetailQueryClause`,
//! `SegmentDetailQueryPredicate` and their `ConversationDetailQuery*` twins): a filter is
//! `{type: and|or, predicates: [...], clauses: [...]}`, a clause `{type: and|or, predicates: [...]}`
//! (two levels at most: clauses hold no clauses), a predicate `{type: dimension|property|metric,
//! dimension, operator: matches|exists|notExists, value}`. The dimension names are exactly the
//! SDK's enums ([`SEGMENT_DIMENSIONS`], [`CONVERSATION_DIMENSIONS`]; `tests/sdk/sdk_check.py`
//! checks them against the SDK); any other name is a 400 that names it. A dimension the API knows
//! and the simulated data never has (`agentAssistantId`, ...) has no value: `exists` never
//! matches it.
//!
//! The filters of one list are ANDed. A segment filter matches a conversation when one of its
//! segments (with the dimensions of its session and participant) satisfies the whole filter; a
//! conversation filter is evaluated against the conversation.

use std::borrow::Cow;

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dim {
    // Segment dimensions (of a segment, its session and its participant).
    AddressFrom,
    AddressTo,
    Ani,
    Conference,
    Direction,
    DisconnectType,
    Dnis,
    ExitReason,
    ExternalContactId,
    FlowId,
    FlowName,
    FlowVersion,
    MediaType,
    MessageType,
    ParticipantName,
    Provider,
    Purpose,
    QueueId,
    Recording,
    Remote,
    RequestedRouting,
    SegmentEnd,
    SegmentType,
    SessionDnis,
    TransferTargetAddress,
    TransferTargetName,
    TransferType,
    UsedRouting,
    UserId,
    WrapUpCode,
    WrapUpNote,
    // Conversation dimensions.
    ConversationEnd,
    ConversationId,
    ConversationInitiator,
    ConversationStart,
    CustomerParticipation,
    DivisionId,
    ExternalTag,
    MinConversationMos,
    OriginatingDirection,
    /// A dimension the API knows that the simulated data never has a value for.
    Unset,
}

/// `SegmentDetailQueryPredicate.dimension`: every value the SDK allows, and what it reads.
pub(crate) const SEGMENT_DIMENSIONS: &[(&str, Dim)] = &[
    ("addressFrom", Dim::AddressFrom),
    ("addressTo", Dim::AddressTo),
    ("agentAssistantId", Dim::Unset),
    ("agentOwned", Dim::Unset),
    ("ani", Dim::Ani),
    ("authenticated", Dim::Unset),
    ("bargedParticipantId", Dim::Unset),
    ("callbackNumber", Dim::Unset),
    ("callbackScheduledTime", Dim::Unset),
    ("canonicalExternalContactId", Dim::Unset),
    ("cleared", Dim::Unset),
    ("coachedParticipantId", Dim::Unset),
    ("conference", Dim::Conference),
    ("deliveryPushed", Dim::Unset),
    ("deliveryStatus", Dim::Unset),
    ("destinationAddress", Dim::Unset),
    ("destinationConversationId", Dim::Unset),
    ("detectedSpeechEnd", Dim::Unset),
    ("detectedSpeechStart", Dim::Unset),
    ("direction", Dim::Direction),
    ("disconnectType", Dim::DisconnectType),
    ("dnis", Dim::Dnis),
    ("edgeId", Dim::Unset),
    ("engagementSource", Dim::Unset),
    ("errorCode", Dim::Unset),
    ("exitReason", Dim::ExitReason),
    ("extendedDeliveryStatus", Dim::Unset),
    ("externalContactId", Dim::ExternalContactId),
    ("externalOrganizationId", Dim::Unset),
    ("flaggedReason", Dim::Unset),
    ("flowId", Dim::FlowId),
    ("flowName", Dim::FlowName),
    ("flowOutType", Dim::Unset),
    ("flowOutcome", Dim::Unset),
    ("flowOutcomeId", Dim::Unset),
    ("flowOutcomeValue", Dim::Unset),
    ("flowVersion", Dim::FlowVersion),
    ("groupId", Dim::Unset),
    ("journeyActionId", Dim::Unset),
    ("journeyActionMapId", Dim::Unset),
    ("journeyCustomerId", Dim::Unset),
    ("journeyCustomerIdType", Dim::Unset),
    ("journeyCustomerSessionId", Dim::Unset),
    ("mediaCount", Dim::Unset),
    ("mediaType", Dim::MediaType),
    ("messageType", Dim::MessageType),
    ("monitoredParticipantId", Dim::Unset),
    ("outboundCampaignId", Dim::Unset),
    ("outboundContactId", Dim::Unset),
    ("outboundContactListId", Dim::Unset),
    ("participantName", Dim::ParticipantName),
    ("protocolCallId", Dim::Unset),
    ("provider", Dim::Provider),
    ("purpose", Dim::Purpose),
    ("queueId", Dim::QueueId),
    ("recording", Dim::Recording),
    ("remote", Dim::Remote),
    ("remoteNameDisplayable", Dim::Unset),
    ("requestedLanguageId", Dim::Unset),
    ("requestedRouting", Dim::RequestedRouting),
    ("requestedRoutingSkillId", Dim::Unset),
    ("scoredAgentId", Dim::Unset),
    ("screenMonitoredUserId", Dim::Unset),
    ("screenRecording", Dim::Unset),
    ("scriptId", Dim::Unset),
    ("segmentEnd", Dim::SegmentEnd),
    ("segmentType", Dim::SegmentType),
    ("sessionDnis", Dim::SessionDnis),
    ("sipResponseCode", Dim::Unset),
    ("skillExpressionId", Dim::Unset),
    ("snippetRecording", Dim::Unset),
    ("subject", Dim::Unset),
    ("teamId", Dim::Unset),
    ("transferTargetAddress", Dim::TransferTargetAddress),
    ("transferTargetName", Dim::TransferTargetName),
    ("transferType", Dim::TransferType),
    ("usedRouting", Dim::UsedRouting),
    ("userId", Dim::UserId),
    ("wrapUpCode", Dim::WrapUpCode),
    ("wrapUpNote", Dim::WrapUpNote),
];

/// `ConversationDetailQueryPredicate.dimension`: every value the SDK allows.
pub(crate) const CONVERSATION_DIMENSIONS: &[(&str, Dim)] = &[
    ("accessAttribute", Dim::Unset),
    ("conversationEnd", Dim::ConversationEnd),
    ("conversationId", Dim::ConversationId),
    ("conversationInitiator", Dim::ConversationInitiator),
    ("conversationStart", Dim::ConversationStart),
    ("customerParticipation", Dim::CustomerParticipation),
    ("divisionId", Dim::DivisionId),
    ("externalTag", Dim::ExternalTag),
    ("mediaStatsMinConversationMos", Dim::MinConversationMos),
    ("originatingDirection", Dim::OriginatingDirection),
    ("originatingSocialMediaPublic", Dim::Unset),
];

/// `…DetailQueryPredicate.operator`.
pub(crate) const OPERATORS: &[&str] = &["matches", "exists", "notExists"];
/// `…DetailQueryPredicate.type`.
pub(crate) const PREDICATE_TYPES: &[&str] = &["dimension", "property", "metric"];
/// `…DetailQueryFilter.type` and `…DetailQueryClause.type`.
pub(crate) const FILTER_TYPES: &[&str] = &["and", "or"];

impl Dim {
    /// Dimensions decided by a conversation's media code alone (media, message type, direction).
    fn by_kind(self) -> bool {
        matches!(
            self,
            Dim::MediaType
                | Dim::MessageType
                | Dim::OriginatingDirection
                | Dim::ConversationInitiator
                | Dim::Unset
        )
    }

    /// Dimensions that are the same on every segment of a conversation, decidable from the cheap
    /// part of the generated data (its media code and its drawn timeline).
    fn quick(self) -> bool {
        self.by_kind()
            || matches!(
                self,
                Dim::ConversationId
                    | Dim::ConversationStart
                    | Dim::ConversationEnd
                    | Dim::CustomerParticipation
                    | Dim::DivisionId
                    | Dim::ExternalTag
                    | Dim::MinConversationMos
            )
    }
}

/// What a filter looks at: one segment (with its session and participant) or a conversation.
pub(crate) trait Row {
    fn get(&self, d: Dim) -> Option<Cow<'_, str>>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Matches,
    Exists,
    NotExists,
}

#[derive(Debug, Clone)]
struct Pred {
    dim: Dim,
    op: Op,
    value: Option<String>,
}

impl Pred {
    fn eval(&self, row: &dyn Row) -> bool {
        let v = row.get(self.dim);
        match self.op {
            Op::Exists => v.is_some(),
            Op::NotExists => v.is_none(),
            Op::Matches => v.is_some_and(|v| Some(v.as_ref()) == self.value.as_deref()),
        }
    }
}

/// A filter (with its clauses) or a clause (none).
#[derive(Debug, Clone)]
pub(crate) struct Clause {
    or: bool,
    preds: Vec<Pred>,
    clauses: Vec<Clause>,
}

impl Clause {
    pub(crate) fn eval(&self, row: &dyn Row) -> bool {
        let preds = self.preds.iter().map(|p| p.eval(row));
        let clauses = self.clauses.iter().map(|c| c.eval(row));
        let mut all = preds.chain(clauses);
        if self.or {
            all.any(|b| b)
        } else {
            all.all(|b| b)
        }
    }

    fn dims(&self, out: &mut Vec<Dim>) {
        out.extend(self.preds.iter().map(|p| p.dim));
        for c in &self.clauses {
            c.dims(out);
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Filters {
    pub seg: Vec<Clause>,
    pub conv: Vec<Clause>,
}

impl Filters {
    /// Parses `segmentFilters` and `conversationFilters` (null or absent: none). The error is the
    /// message of a 400.
    pub(crate) fn parse(seg: &Value, conv: &Value) -> Result<Filters, String> {
        Ok(Filters {
            seg: parse_list(seg, "segmentFilters", SEGMENT_DIMENSIONS)?,
            conv: parse_list(conv, "conversationFilters", CONVERSATION_DIMENSIONS)?,
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.seg.is_empty() && self.conv.is_empty()
    }

    fn dims(&self) -> Vec<Dim> {
        let mut dims = Vec::new();
        for c in self.seg.iter().chain(&self.conv) {
            c.dims(&mut dims);
        }
        dims
    }

    /// True when every dimension used is decidable from the cheap part of a conversation.
    pub(crate) fn quick(&self) -> bool {
        self.dims().iter().all(|d| d.quick())
    }

    /// True when every dimension used is decided by the media code (media, message type,
    /// direction): one evaluation per code decides every conversation.
    pub(crate) fn by_kind(&self) -> bool {
        self.dims().iter().all(|d| d.by_kind())
    }

    /// Evaluates with a row that answers the quick dimensions for every segment at once.
    pub(crate) fn eval_quick(&self, row: &dyn Row) -> bool {
        self.seg.iter().chain(&self.conv).all(|c| c.eval(row))
    }
}

fn parse_list(v: &Value, field: &str, dims: &[(&str, Dim)]) -> Result<Vec<Clause>, String> {
    match v {
        Value::Null => Ok(vec![]),
        Value::Array(a) => a.iter().map(|c| parse_clause(c, field, dims, 0)).collect(),
        _ => Err(format!("{field} must be an array")),
    }
}

/// A filter (`depth` 0) or one of its clauses (`depth` 1).
fn parse_clause(v: &Value, field: &str, dims: &[(&str, Dim)], depth: u8) -> Result<Clause, String> {
    let what = if depth == 0 { "filter" } else { "clause" };
    let o = v
        .as_object()
        .ok_or_else(|| format!("{field}: each {what} must be an object"))?;
    let or = match o.get("type") {
        Some(Value::String(t)) if FILTER_TYPES.contains(&t.as_str()) => t == "or",
        Some(Value::String(t)) => {
            return Err(format!(
                "{field}: invalid {what} type '{t}' (use {})",
                FILTER_TYPES.join(" or ")
            ));
        }
        _ => {
            return Err(format!(
                "{field}: the {what} type is required ({})",
                FILTER_TYPES.join(" or ")
            ));
        }
    };
    let mut preds = Vec::new();
    if let Some(p) = o.get("predicates").filter(|p| !p.is_null()) {
        let p = p
            .as_array()
            .ok_or_else(|| format!("{field}: predicates must be an array"))?;
        for p in p {
            preds.push(parse_pred(p, field, dims)?);
        }
    }
    let mut clauses = Vec::new();
    if let Some(c) = o.get("clauses").filter(|c| !c.is_null()) {
        if depth > 0 {
            return Err(format!(
                "{field}: a clause may not have clauses (filters are two levels deep at most: \
                 a filter's clauses hold predicates)"
            ));
        }
        let c = c
            .as_array()
            .ok_or_else(|| format!("{field}: clauses must be an array"))?;
        for c in c {
            clauses.push(parse_clause(c, field, dims, depth + 1)?);
        }
    }
    if preds.is_empty() && clauses.is_empty() {
        return Err(format!(
            "{field}: a {what} needs at least one predicate{}",
            if depth == 0 { " or clause" } else { "" }
        ));
    }
    Ok(Clause { or, preds, clauses })
}

fn parse_pred(v: &Value, field: &str, dims: &[(&str, Dim)]) -> Result<Pred, String> {
    let o = v
        .as_object()
        .ok_or_else(|| format!("{field}: each predicate must be an object"))?;
    match o.get("type") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t == "dimension" => {}
        Some(Value::String(t)) if PREDICATE_TYPES.contains(&t.as_str()) => {
            return Err(format!(
                "{field}: predicates of type '{t}' are not supported by the simulator"
            ));
        }
        Some(t) => {
            let t = t.as_str().map_or_else(|| t.to_string(), str::to_string);
            return Err(format!(
                "{field}: invalid predicate type '{t}' (use {})",
                PREDICATE_TYPES.join(", ")
            ));
        }
    }
    let name = match o.get("dimension") {
        Some(Value::String(s)) => s.as_str(),
        _ => return Err(format!("{field}: predicate dimension is required")),
    };
    let d = match dims.iter().find(|(n, _)| *n == name) {
        Some(&(_, d)) => d,
        None => {
            let hint = if field == "segmentFilters"
                && CONVERSATION_DIMENSIONS.iter().any(|(n, _)| *n == name)
            {
                " (a conversation dimension: use conversationFilters)"
            } else if field == "conversationFilters"
                && SEGMENT_DIMENSIONS.iter().any(|(n, _)| *n == name)
            {
                " (a segment dimension: use segmentFilters)"
            } else {
                ""
            };
            return Err(format!("{field}: unknown dimension '{name}'{hint}"));
        }
    };
    let op = match o.get("operator") {
        None | Some(Value::Null) => Op::Matches,
        Some(Value::String(s)) => match s.as_str() {
            "matches" => Op::Matches,
            "exists" => Op::Exists,
            "notExists" => Op::NotExists,
            x => {
                return Err(format!(
                    "{field}: invalid operator '{x}' (use {})",
                    OPERATORS.join(", ")
                ));
            }
        },
        Some(x) => {
            return Err(format!(
                "{field}: invalid operator {x} (use {})",
                OPERATORS.join(", ")
            ));
        }
    };
    // Strings as the SDK sends them; numbers and booleans as their text (the API's JSON
    // reader takes them); anything else is not a value.
    let value = match o.get("value") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(x @ (Value::Number(_) | Value::Bool(_))) => Some(x.to_string()),
        Some(_) => {
            return Err(format!(
                "{field}: the value of a predicate on '{name}' must be a string"
            ));
        }
    };
    if op == Op::Matches && value.is_none() {
        return Err(format!(
            "{field}: predicate on '{name}' with operator matches needs a value"
        ));
    }
    Ok(Pred { dim: d, op, value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(seg: Value, conv: Value) -> String {
        Filters::parse(&seg, &conv).unwrap_err()
    }

    #[test]
    fn names_outside_the_sdk_enums_are_refused_by_name() {
        let p = |d: &str| json!([{"type": "and", "predicates": [{"dimension": d, "operator": "exists"}]}]);
        assert!(err(p("colour"), Value::Null).contains("'colour'"));
        let e = err(p("conversationId"), Value::Null);
        assert!(
            e.contains("'conversationId'") && e.contains("conversationFilters"),
            "{e}"
        );
        let e = err(Value::Null, p("mediaType"));
        assert!(
            e.contains("'mediaType'") && e.contains("segmentFilters"),
            "{e}"
        );
        for (d, _) in SEGMENT_DIMENSIONS {
            Filters::parse(&p(d), &Value::Null).unwrap();
        }
        for (d, _) in CONVERSATION_DIMENSIONS {
            Filters::parse(&Value::Null, &p(d)).unwrap();
        }
    }

    #[test]
    fn clauses_hold_predicates_only() {
        let pred = json!({"dimension": "purpose", "value": "agent"});
        let ok = json!([{"type": "or", "predicates": [pred], "clauses": [
            {"type": "and", "predicates": [pred, {"dimension": "userId", "operator": "exists"}]}]}]);
        Filters::parse(&ok, &Value::Null).unwrap();
        let deep = json!([{"type": "or", "clauses": [{"type": "and", "clauses": [
            {"type": "and", "predicates": [pred]}]}]}]);
        assert!(err(deep, Value::Null).contains("clauses"));
        let empty = json!([{"type": "or", "clauses": [{"type": "and", "predicates": []}]}]);
        assert!(err(empty, Value::Null).contains("predicate"));
    }

    #[test]
    fn operators_types_and_values_follow_the_sdk() {
        let one = |p: Value| json!([{"type": "and", "predicates": [p]}]);
        assert!(
            err(
                one(json!({"dimension": "purpose", "operator": "contains", "value": "a"})),
                Value::Null
            )
            .contains("'contains'")
        );
        assert!(
            err(
                one(json!({"type": "sql", "dimension": "purpose"})),
                Value::Null
            )
            .contains("'sql'")
        );
        assert!(
            err(
                one(json!({"type": "metric", "metric": "tTalk"})),
                Value::Null
            )
            .contains("not supported")
        );
        assert!(
            err(
                one(json!({"dimension": "purpose", "value": ["a"]})),
                Value::Null
            )
            .contains("string")
        );
        assert!(err(json!([{"type": "xor", "predicates": []}]), Value::Null).contains("'xor'"));
        assert!(err(json!([{"predicates": []}]), Value::Null).contains("type is required"));
    }
}
