//! A conversation's anatomy, from its analytics record: every participant's segments (IVR,
//! queue, alerting, talking, hold, wrap-up, with their queue, wrap-up code and note, and how
//! they ended) and metrics (`tTalk`, `tHeld`, `tAcw`, ...).
//!
//! The list keeps it for every row, packed ([`Packed`]): times as deltas in milliseconds, ids as
//! 16 bytes, the API's usual words as one byte, so that 100,000 rows stay small. The detail
//! pane and the summary unpack it for the rows they read ([`Packed::unpack`]).
//!
//! Analytics records carry ids where people want names (agents have only a `userId`; queues
//! and wrap-up codes are ids): [`Names`] is where names come from, and [`short_id`] what is
//! shown while none is known.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use super::packed::{self, Reader, Words, Writer};
use crate::genesys::model::{AnalyticsConversation, AnalyticsParticipant, parse_time};

/// Names for the ids an analytics record carries. The screen's directory of names implements
/// it; [`NoNames`] knows none.
pub trait Names {
    fn user(&self, id: &str) -> Option<&str>;
    fn queue(&self, id: &str) -> Option<&str>;
    fn wrap_up(&self, id: &str) -> Option<&str>;
    /// Changes when names are learnt, so that what was named with the older ones is named
    /// again.
    fn version(&self) -> u64 {
        0
    }
}

/// The names read so far from the directories.
impl Names for crate::genesys::directory::Names {
    fn user(&self, id: &str) -> Option<&str> {
        self.get(crate::genesys::directory::Kind::User, id)
    }
    fn queue(&self, id: &str) -> Option<&str> {
        self.get(crate::genesys::directory::Kind::Queue, id)
    }
    fn wrap_up(&self, id: &str) -> Option<&str> {
        self.get(crate::genesys::directory::Kind::Wrapup, id)
    }
    fn version(&self) -> u64 {
        // Names are only ever added: their count changes when one is learnt.
        self.len() as u64
    }
}

/// No names known: ids are shown short.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoNames;

impl Names for NoNames {
    fn user(&self, _: &str) -> Option<&str> {
        None
    }
    fn queue(&self, _: &str) -> Option<&str> {
        None
    }
    fn wrap_up(&self, _: &str) -> Option<&str> {
        None
    }
}

/// An id as shown while its name is unknown: its first 8 characters (a UUID's first group),
/// enough to tell the few of one conversation apart.
pub fn short_id(id: &str) -> String {
    let short: String = id.chars().take(8).collect();
    if short.len() < id.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// One segment of a participant's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// `segmentType` (interact, alert, hold, wrapup, ivr, dialing, ...).
    pub typ: String,
    pub start: DateTime<Utc>,
    /// `None` while it goes on.
    pub end: Option<DateTime<Utc>>,
    pub queue_id: Option<String>,
    /// How it ended (`transfer`, `peer`, `client`, `endpoint`, ...).
    pub disconnect: Option<String>,
    pub wrap_up_code: Option<String>,
    pub wrap_up_note: Option<String>,
}

/// One metric: a name (`tTalk`, `nOffered`, ...) and its value (milliseconds for `t*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metric {
    pub name: String,
    pub value: i64,
}

/// One participant's segments (of all its sessions, in order) and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lane {
    pub segments: Vec<Segment>,
    pub metrics: Vec<Metric>,
}

impl Lane {
    /// The sum of a metric's values, if the participant has it.
    pub fn metric(&self, name: &str) -> Option<i64> {
        self.metrics
            .iter()
            .filter(|m| m.name == name)
            .map(|m| m.value)
            .reduce(|a, b| a.saturating_add(b))
    }

    pub fn first_start(&self) -> Option<DateTime<Utc>> {
        self.segments.iter().map(|s| s.start).min()
    }

    /// When its last segment ended (`None`: one still goes on, or there are none).
    pub fn last_end(&self) -> Option<DateTime<Utc>> {
        let mut end = None;
        for s in &self.segments {
            end = Some(s.end?.max(end.unwrap_or(s.start)));
        }
        end
    }

    /// The segment that ends last (how the participant left).
    pub fn last_segment(&self) -> Option<&Segment> {
        self.segments
            .iter()
            .filter(|s| s.typ != "wrapup")
            .max_by_key(|s| (s.end.is_none(), s.end.unwrap_or(s.start)))
    }

    /// The queues its segments name, in order, each once.
    pub fn queues(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for q in self.segments.iter().filter_map(|s| s.queue_id.as_deref()) {
            if !out.contains(&q) {
                out.push(q);
            }
        }
        out
    }

    /// The wrap-ups entered: (code, note).
    pub fn wrap_ups(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.segments.iter().filter_map(|s| {
            s.wrap_up_code
                .as_deref()
                .map(|c| (c, s.wrap_up_note.as_deref()))
        })
    }
}

/// The anatomy of a conversation, packed: one lane per participant, in the record's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Packed(Box<[u8]>);

impl Packed {
    /// Packs the segments and metrics of `c`'s participants (empty, and no allocation, when
    /// the record has none).
    pub fn new(c: &AnalyticsConversation) -> Packed {
        if !c.participants.iter().any(has_anatomy) {
            return Packed::default();
        }
        let mut w = Writer::new(32 * c.participants.len(), &WORDS, false);
        w.len(c.participants.len());
        let mut base = 0i64;
        for p in &c.participants {
            let mut segs = 0;
            let mut metrics = 0;
            for s in &p.sessions {
                segs += array(&s.extra, "segments").len();
                metrics += array(&s.extra, "metrics").len();
            }
            w.len(segs);
            let mut queue: Option<&str> = None;
            for seg in p.sessions.iter().flat_map(|s| array(&s.extra, "segments")) {
                write_segment(&mut w, seg, &mut base, &mut queue);
            }
            w.len(metrics);
            for m in p.sessions.iter().flat_map(|s| array(&s.extra, "metrics")) {
                w.field(m.get("name").and_then(Value::as_str));
                w.signed(m.get("value").and_then(number).unwrap_or(0));
            }
        }
        Packed(w.out.into())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The lanes, one per participant of the record (none when it had no segments).
    pub fn unpack(&self) -> Vec<Lane> {
        if self.0.is_empty() {
            return Vec::new();
        }
        let mut r = Reader::new(&self.0, &WORDS);
        let mut base = 0i64;
        (0..r.len())
            .map(|_| {
                let mut queue: Option<String> = None;
                let segments = (0..r.len())
                    .filter_map(|_| read_segment(&mut r, &mut base, &mut queue))
                    .collect();
                let metrics = (0..r.len())
                    .map(|_| Metric {
                        name: field(&mut r).unwrap_or_default(),
                        value: r.signed(),
                    })
                    .collect();
                Lane { segments, metrics }
            })
            .collect()
    }

    /// Bytes held (for the memory figures).
    pub fn size(&self) -> usize {
        self.0.len()
    }
}

fn has_anatomy(p: &AnalyticsParticipant) -> bool {
    p.sessions
        .iter()
        .any(|s| !array(&s.extra, "segments").is_empty() || !array(&s.extra, "metrics").is_empty())
}

fn array<'a>(m: &'a serde_json::Map<String, Value>, key: &str) -> &'a [Value] {
    m.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A metric's value: an integer, or a number the API wrote with a fraction (rounded).
fn number(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn instant(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

// The packing. Per segment: a flags byte, its type, its start (the change from the previous
// segment's start, zigzag LEB128), its length, then the fields its flags announce.
const HAS_END: u8 = 1;
const HAS_QUEUE: u8 = 2;
/// The same queue as the participant's segment before (agents' segments all name theirs).
const SAME_QUEUE: u8 = 4;
const HAS_DISCONNECT: u8 = 8;
const HAS_WRAP_UP: u8 = 16;
const HAS_NOTE: u8 = 32;

/// The segment types, disconnect types and metric names records are made of, one byte each.
/// Append only: the position is the code.
static WORDS: Words = Words::new(
    &[
        "alert",
        "interact",
        "hold",
        "wrapup",
        "ivr",
        "dialing",
        "contacting",
        "system",
        "delay",
        "callback",
        "scheduled",
        "voicemail",
        "sharing",
        "unknown",
        "client",
        "endpoint",
        "peer",
        "transfer",
        "timeout",
        "error",
        "noAnswerTransfer",
        "notAvailableTransfer",
        "uncallable",
        "spam",
        "conference.transfer",
        "consult.transfer",
        "forward.transfer",
        "transportFailure",
        "other",
        "tAlert",
        "tAnswered",
        "tTalk",
        "tTalkComplete",
        "tHeld",
        "tHeldComplete",
        "tAcw",
        "tHandle",
        "tAcd",
        "tAbandon",
        "tIvr",
        "tFlow",
        "tFlowOut",
        "tDialing",
        "tContacting",
        "tNotResponding",
        "tVoicemail",
        "tWait",
        "tShortAbandon",
        "tConnected",
        "nOffered",
        "nConnected",
        "nTransferred",
        "nBlindTransferred",
        "nConsultTransferred",
        "nFlow",
        "nFlowOutcome",
        "nOverSla",
        "nError",
        "oInteracting",
        "oWaiting",
    ],
    packed::OWN,
);

/// A time as the API writes it (`2026-11-24T08:00:07.250Z`), read without the general parser
/// (twice a segment); anything else goes to [`parse_time`].
fn read_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let fast = (b.len() == 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[23] == b'Z')
        .then(|| {
            let d = chrono::NaiveDate::from_ymd_opt(
                digits(0..4)? as i32,
                digits(5..7)?,
                digits(8..10)?,
            )?;
            let t = d.and_hms_milli_opt(
                digits(11..13)?,
                digits(14..16)?,
                digits(17..19)?,
                digits(20..23)?,
            )?;
            Some(t.and_utc().timestamp_millis())
        })
        .flatten();
    fast.or_else(|| parse_time(s).map(millis))
}

/// One segment; one without a start the API can be read for is kept as a bare type with the
/// start of the one before (it is not drawn, see [`read_segment`]).
fn write_segment<'a>(w: &mut Writer, seg: &'a Value, base: &mut i64, queue: &mut Option<&'a str>) {
    let text = |k: &str| seg.get(k).and_then(Value::as_str);
    let start = text("segmentStart").and_then(read_time);
    let end = text("segmentEnd").and_then(read_time);
    let q = text("queueId");
    let mut flags = 0;
    if start.is_some() && end.is_some() {
        flags |= HAS_END;
    }
    match q {
        Some(q) if Some(q) == *queue => flags |= HAS_QUEUE | SAME_QUEUE,
        Some(_) => flags |= HAS_QUEUE,
        None => {}
    }
    let dc = text("disconnectType");
    let wrap = text("wrapUpCode");
    let note = text("wrapUpNote");
    for (has, bit) in [
        (dc.is_some(), HAS_DISCONNECT),
        (wrap.is_some(), HAS_WRAP_UP),
        (note.is_some(), HAS_NOTE),
    ] {
        if has {
            flags |= bit;
        }
    }
    // A start that cannot be read marks the segment with no start: a zero delta and
    // the high bit.
    w.out.push(flags | if start.is_none() { 0x80 } else { 0 });
    w.field(text("segmentType"));
    let s = start.unwrap_or(*base);
    w.signed(s.saturating_sub(*base));
    *base = s;
    if let (Some(s), Some(e)) = (start, end) {
        w.signed(e.saturating_sub(s));
    }
    if flags & HAS_QUEUE != 0 && flags & SAME_QUEUE == 0 {
        w.field(q);
    }
    if q.is_some() {
        *queue = q;
    }
    if dc.is_some() {
        w.field(dc);
    }
    if wrap.is_some() {
        w.field(wrap);
    }
    if note.is_some() {
        w.field(note);
    }
}

fn read_segment(r: &mut Reader, base: &mut i64, queue: &mut Option<String>) -> Option<Segment> {
    let flags = r.byte();
    let typ = field(r);
    let start = *base + r.signed();
    *base = start;
    let end = (flags & HAS_END != 0).then(|| start + r.signed());
    let queue_id = if flags & SAME_QUEUE != 0 {
        queue.clone()
    } else if flags & HAS_QUEUE != 0 {
        field(r)
    } else {
        None
    };
    if queue_id.is_some() {
        queue.clone_from(&queue_id);
    }
    let mut opt = |bit| if flags & bit != 0 { field(r) } else { None };
    let disconnect = opt(HAS_DISCONNECT);
    let wrap_up_code = opt(HAS_WRAP_UP);
    let wrap_up_note = opt(HAS_NOTE);
    // A segment whose start could not be read is not drawn.
    (flags & 0x80 == 0).then(|| Segment {
        typ: typ.unwrap_or_else(|| "unknown".into()),
        start: instant(start),
        end: end.map(instant),
        queue_id,
        disconnect,
        wrap_up_code,
        wrap_up_note,
    })
}
/// A field, owned (a lane outlives its packed form).
fn field(r: &mut Reader) -> Option<String> {
    r.field().map(std::borrow::Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::model::AnalyticsSession;
    use serde_json::json;

    fn record(segments: Value, metrics: Value) -> AnalyticsConversation {
        let mut extra = serde_json::Map::new();
        extra.insert("segments".into(), segments);
        extra.insert("metrics".into(), metrics);
        AnalyticsConversation {
            conversation_id: "c".into(),
            participants: vec![
                AnalyticsParticipant {
                    purpose: Some("customer".into()),
                    ..Default::default()
                },
                AnalyticsParticipant {
                    purpose: Some("agent".into()),
                    sessions: vec![AnalyticsSession {
                        extra,
                        ..Default::default()
                    }],
                    ..Default::default()
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn a_record_without_segments_packs_to_nothing() {
        let c = crate::tui::fixtures::conv("c1", 5, "Ann", "Bob");
        let p = Packed::new(&c);
        assert!(p.is_empty());
        assert_eq!(p.unpack(), vec![]);
    }

    #[test]
    fn segments_and_metrics_come_back_as_they_were() {
        let q = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let code = "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6";
        let c = record(
            json!([
                {"segmentStart": "2026-11-24T08:00:00.000Z", "segmentEnd": "2026-11-24T08:00:07.250Z",
                 "segmentType": "alert", "queueId": q},
                {"segmentStart": "2026-11-24T08:00:07.250Z", "segmentEnd": "2026-11-24T08:04:00.000Z",
                 "segmentType": "interact", "queueId": q, "disconnectType": "transfer"},
                {"segmentStart": "2026-11-24T08:04:00Z", "segmentType": "wrapup",
                 "queueId": "Q-2", "wrapUpCode": code, "wrapUpNote": "called back \u{1b}[2J"},
                {"segmentType": "hold", "segmentStart": "not a time"},
                {"segmentStart": "2026-11-24T07:59:00.000Z", "segmentType": "customType",
                 "disconnectType": "someNewType"}
            ]),
            json!([{"name": "tTalk", "value": 232750}, {"name": "tHeld", "value": 5},
                   {"name": "tHeld", "value": 7}, {"name": "nSomething", "value": 1.9}]),
        );
        let lanes = Packed::new(&c).unpack();
        assert_eq!(lanes.len(), 2);
        assert_eq!(lanes[0], Lane::default());
        let a = &lanes[1];
        let t = |s: &str| parse_time(s).unwrap();
        assert_eq!(a.segments.len(), 4, "{a:?}");
        assert_eq!(a.segments[0].typ, "alert");
        assert_eq!(a.segments[0].end, Some(t("2026-11-24T08:00:07.250Z")));
        assert_eq!(a.segments[1].queue_id.as_deref(), Some(q));
        assert_eq!(a.segments[1].disconnect.as_deref(), Some("transfer"));
        assert_eq!(a.segments[2].queue_id.as_deref(), Some("Q-2"));
        assert_eq!(a.segments[2].end, None);
        assert_eq!(a.segments[2].wrap_up_code.as_deref(), Some(code));
        assert_eq!(
            a.segments[2].wrap_up_note.as_deref(),
            Some("called back \u{1b}[2J")
        );
        assert_eq!(a.segments[3].typ, "customType");
        assert_eq!(a.segments[3].start, t("2026-11-24T07:59:00Z"));
        assert_eq!(a.segments[3].disconnect.as_deref(), Some("someNewType"));
        assert_eq!(a.metric("tTalk"), Some(232750));
        assert_eq!(a.metric("tHeld"), Some(12));
        assert_eq!(a.metric("nSomething"), Some(1));
        assert_eq!(a.metric("tAcw"), None);
        assert_eq!(a.queues(), vec![q, "Q-2"]);
        assert_eq!(a.wrap_ups().collect::<Vec<_>>().len(), 1);
        assert_eq!(a.last_end(), None);
    }

    #[test]
    fn damaged_records_pack_without_panicking() {
        for segs in [
            json!("not an array"),
            json!([1, null, {"segmentStart": 5}, {}]),
            json!([{"segmentStart": "2026-11-24T08:00:00Z", "segmentEnd": "1970-01-01T00:00:00Z"}]),
        ] {
            let c = record(segs, json!([{"name": 3, "value": "x"}, {}]));
            let _ = Packed::new(&c).unpack();
        }
    }

    #[test]
    fn the_simulators_records_unpack_whole_and_small() {
        let ds = crate::sim::Dataset::new(&crate::sim::SimConfig {
            conversations: 500,
            ..Default::default()
        });
        let mut bytes = 0;
        for i in 0..500 {
            let c = ds.analytics(i);
            let lanes = Packed::new(&c).unpack();
            assert_eq!(lanes.len(), c.participants.len(), "{i}");
            for (p, lane) in c.participants.iter().zip(&lanes) {
                let n: usize = p
                    .sessions
                    .iter()
                    .map(|s| array(&s.extra, "segments").len())
                    .sum();
                assert_eq!(lane.segments.len(), n, "{i}");
            }
            bytes += Packed::new(&c).size();
        }
        // Packed, the anatomy of a conversation is a couple of hundred bytes at most.
        assert!(bytes / 500 < 256, "{} bytes a conversation", bytes / 500);
    }

    #[test]
    fn times_read_fast_as_the_general_parser_reads_them() {
        for t in [
            "2026-11-24T08:00:07.250Z",
            "2026-11-24T08:00:07Z",
            "2026-11-24T08:00:07.2Z",
            "2026-02-30T08:00:07.250Z",
            "2026-11-24T25:00:07.250Z",
            "2026-11-24T08:00:07.25xZ",
            "2026-11-24T08:00:07.250+01:00",
        ] {
            assert_eq!(read_time(t), parse_time(t).map(millis), "{t}");
        }
    }

    #[test]
    fn short_ids() {
        assert_eq!(
            short_id("0f8fad5b-d9cb-469f-a165-70867728950e"),
            "0f8fad5b…"
        );
        assert_eq!(short_id("abc"), "abc");
    }
}
