//! Segment and conversation filters of the details query, as the real API evaluates them.
//!
//! A filter is `{type: and|or, predicates: [...], clauses: [...]}`; a clause is the same shape.
//! The filters of one list are ANDed. A segment filter matches a conversation when one of its
//! segments (with the dimensions of its session and participant) satisfies the whole filter; a
//! conversation filter is evaluated against the conversation.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dim {
    MediaType,
    MessageType,
    Direction,
    Purpose,
    UserId,
    QueueId,
    ParticipantName,
    Ani,
    Dnis,
    AddressFrom,
    AddressTo,
    ExternalContactId,
    FlowName,
    WrapUpCode,
    DisconnectType,
    SegmentType,
    ConversationId,
    ExternalTag,
    OriginatingDirection,
    DivisionId,
}

impl Dim {
    fn segment(name: &str) -> Option<Dim> {
        Some(match name {
            "mediaType" => Dim::MediaType,
            "messageType" => Dim::MessageType,
            "direction" => Dim::Direction,
            "purpose" => Dim::Purpose,
            "userId" => Dim::UserId,
            "queueId" => Dim::QueueId,
            "participantName" => Dim::ParticipantName,
            "ani" => Dim::Ani,
            "dnis" => Dim::Dnis,
            "addressFrom" => Dim::AddressFrom,
            "addressTo" => Dim::AddressTo,
            "externalContactId" => Dim::ExternalContactId,
            "flowName" => Dim::FlowName,
            "wrapUpCode" => Dim::WrapUpCode,
            "disconnectType" => Dim::DisconnectType,
            "segmentType" => Dim::SegmentType,
            "conversationId" => Dim::ConversationId,
            _ => return None,
        })
    }

    fn conversation(name: &str) -> Option<Dim> {
        Some(match name {
            "conversationId" => Dim::ConversationId,
            "externalTag" => Dim::ExternalTag,
            "originatingDirection" => Dim::OriginatingDirection,
            "divisionId" => Dim::DivisionId,
            _ => return None,
        })
    }

    /// Dimensions decided by a conversation's media code alone.
    fn by_kind(self) -> bool {
        matches!(
            self,
            Dim::MediaType | Dim::MessageType | Dim::OriginatingDirection
        )
    }

    /// Dimensions that are the same on every segment of a conversation (decidable from the
    /// cheap part of the generated data).
    fn quick(self) -> bool {
        matches!(
            self,
            Dim::MediaType | Dim::MessageType | Dim::ConversationId | Dim::OriginatingDirection
        )
    }
}

/// What a filter looks at: one segment (with its session and participant) or a conversation.
pub(crate) trait Row {
    fn get(&self, d: Dim) -> Option<&str>;
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

#[derive(Debug, Clone)]
pub(crate) struct Clause {
    or: bool,
    preds: Vec<Pred>,
    clauses: Vec<Clause>,
}

impl Clause {
    pub(crate) fn eval(&self, row: &dyn Row) -> bool {
        let preds = self.preds.iter().map(|p| {
            let v = row.get(p.dim);
            match p.op {
                Op::Exists => v.is_some(),
                Op::NotExists => v.is_none(),
                Op::Matches => v.is_some() && v == p.value.as_deref(),
            }
        });
        let clauses = self.clauses.iter().map(|c| c.eval(row));
        let mut all = preds.chain(clauses).peekable();
        if all.peek().is_none() {
            return true;
        }
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
            seg: parse_list(seg, "segmentFilters", Dim::segment)?,
            conv: parse_list(conv, "conversationFilters", Dim::conversation)?,
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.seg.is_empty() && self.conv.is_empty()
    }

    /// True when every dimension used is decidable from the cheap part of a conversation.
    pub(crate) fn quick(&self) -> bool {
        let mut dims = Vec::new();
        for c in self.seg.iter().chain(&self.conv) {
            c.dims(&mut dims);
        }
        dims.iter().all(|d| d.quick())
    }

    /// True when every dimension used is decided by the media code (media, message type,
    /// direction): one evaluation per code decides every conversation.
    pub(crate) fn by_kind(&self) -> bool {
        let mut dims = Vec::new();
        for c in self.seg.iter().chain(&self.conv) {
            c.dims(&mut dims);
        }
        dims.iter().all(|d| d.by_kind())
    }

    /// Evaluates with a row that answers the quick dimensions for every segment at once.
    pub(crate) fn eval_quick(&self, row: &dyn Row) -> bool {
        self.seg.iter().chain(&self.conv).all(|c| c.eval(row))
    }
}

fn parse_list(v: &Value, field: &str, dim: fn(&str) -> Option<Dim>) -> Result<Vec<Clause>, String> {
    match v {
        Value::Null => Ok(vec![]),
        Value::Array(a) => a.iter().map(|c| parse_clause(c, field, dim)).collect(),
        _ => Err(format!("{field} must be an array")),
    }
}

fn parse_clause(v: &Value, field: &str, dim: fn(&str) -> Option<Dim>) -> Result<Clause, String> {
    let o = v
        .as_object()
        .ok_or_else(|| format!("{field}: each filter must be an object"))?;
    let or = match o.get("type").and_then(Value::as_str) {
        Some("and") => false,
        Some("or") => true,
        Some(t) => return Err(format!("{field}: invalid filter type '{t}' (and, or)")),
        None => return Err(format!("{field}: filter type is required (and, or)")),
    };
    let mut preds = Vec::new();
    if let Some(p) = o.get("predicates").filter(|p| !p.is_null()) {
        let p = p
            .as_array()
            .ok_or_else(|| format!("{field}: predicates must be an array"))?;
        for p in p {
            preds.push(parse_pred(p, field, dim)?);
        }
    }
    let mut clauses = Vec::new();
    if let Some(c) = o.get("clauses").filter(|c| !c.is_null()) {
        let c = c
            .as_array()
            .ok_or_else(|| format!("{field}: clauses must be an array"))?;
        for c in c {
            clauses.push(parse_clause(c, field, dim)?);
        }
    }
    if preds.is_empty() && clauses.is_empty() {
        return Err(format!(
            "{field}: a filter needs at least one predicate or clause"
        ));
    }
    Ok(Clause { or, preds, clauses })
}

fn parse_pred(v: &Value, field: &str, dim: fn(&str) -> Option<Dim>) -> Result<Pred, String> {
    let o = v
        .as_object()
        .ok_or_else(|| format!("{field}: each predicate must be an object"))?;
    match o.get("type").and_then(Value::as_str).unwrap_or("dimension") {
        "dimension" => {}
        t @ ("property" | "metric") => {
            return Err(format!(
                "{field}: predicates of type '{t}' are not supported by the simulator"
            ));
        }
        t => return Err(format!("{field}: invalid predicate type '{t}'")),
    }
    let name = o
        .get("dimension")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{field}: predicate dimension is required"))?;
    let d = dim(name).ok_or_else(|| format!("{field}: unknown dimension '{name}'"))?;
    let op = match o
        .get("operator")
        .and_then(Value::as_str)
        .unwrap_or("matches")
    {
        "matches" => Op::Matches,
        "exists" => Op::Exists,
        "notExists" => Op::NotExists,
        x => {
            return Err(format!(
                "{field}: invalid operator '{x}' (matches, exists, notExists)"
            ));
        }
    };
    let value = match o.get("value") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(x) => Some(x.to_string()),
    };
    if op == Op::Matches && value.is_none() {
        return Err(format!(
            "{field}: predicate on '{name}' with operator matches needs a value"
        ));
    }
    Ok(Pred { dim: d, op, value })
}
