//! Answers decoded record by record: one conversation that cannot be read must not cost the
//! page it came in.
//!
//! A body is first made valid (invalid UTF-8 and lone surrogate escapes become U+FFFD) and
//! checked to be whole JSON: a body cut short is a transport problem, worth another attempt.
//! Its records are then decoded one at a time. A record the model cannot hold (a number where
//! text belongs, a number out of range, ...) is kept as the API sent it, made valid, with what
//! could be read of its id and times ([`Record::Kept`]); a record without even an id is
//! [`Record::Unreadable`]. Neither is ever retried: asking again gets the same record.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, Visitor};
use serde_json::value::RawValue;

use super::model::AnalyticsConversation;

/// One record of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// Decoded.
    Conversation(AnalyticsConversation),
    /// Not decoded, kept as sent (made valid): [`AnalyticsConversation::raw`] holds it, the
    /// conversation holds its id and times when they could be read. `why` says what did not fit.
    Kept {
        conversation: AnalyticsConversation,
        why: String,
    },
    /// Not even an id could be read: `at` is its position in the page (0-based).
    Unreadable { at: usize, why: String },
}

/// A page of the details query or of job results, record by record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub records: Vec<Record>,
    /// The query's `totalHits`, when the answer has it.
    pub total_hits: Option<u64>,
    /// Job results' `cursor`, when the answer has one.
    pub cursor: Option<String>,
    /// Job results' `dataAvailabilityDate`.
    pub data_availability_date: Option<String>,
    /// Whether the answer had a `conversations` key at all.
    pub has_conversations: bool,
}

impl Page {
    /// The conversations that could be read, kept records included.
    pub fn conversations(&self) -> impl Iterator<Item = &AnalyticsConversation> {
        self.records.iter().filter_map(|r| match r {
            Record::Conversation(c)
            | Record::Kept {
                conversation: c, ..
            } => Some(c),
            Record::Unreadable { .. } => None,
        })
    }

    /// How many records the answer held, unreadable ones included.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// The body as text, made valid: invalid UTF-8 and lone surrogate escapes become U+FFFD.
pub fn made_valid(bytes: Vec<u8>) -> String {
    let text = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    match without_lone_surrogates(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(s) => s,
    }
}

/// `\uD800`-`\uDFFF` escapes that are not a high surrogate followed by a low one, replaced by
/// `\ufffd`. Backslashes only occur in strings in JSON, and there they always start an escape.
fn without_lone_surrogates(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let hex = |at: usize| -> Option<u16> {
        let h = b.get(at..at + 4)?;
        u16::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    };
    let escape_at = |at: usize| -> Option<u16> {
        (b.get(at) == Some(&b'\\') && b.get(at + 1) == Some(&b'u'))
            .then(|| hex(at + 2))
            .flatten()
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'\\', &b[i..]) {
        let at = i + off;
        let Some(u) = escape_at(at) else {
            // Another escape: skip it whole, so that `\\` never starts a false `\u`.
            i = at + 2;
            continue;
        };
        let lone = match u {
            0xD800..=0xDBFF => match escape_at(at + 6) {
                Some(0xDC00..=0xDFFF) => {
                    i = at + 12;
                    continue;
                }
                _ => true,
            },
            0xDC00..=0xDFFF => true,
            _ => false,
        };
        if lone {
            let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
            o.push_str(&s[copied..at]);
            o.push_str("\\ufffd");
            copied = at + 6;
        }
        i = at + 6;
    }
    match out {
        None => Cow::Borrowed(s),
        Some(mut o) => {
            o.push_str(&s[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Whether `text` is one whole JSON value: `Err` says what is wrong (cut short, not JSON).
/// Numbers are not range-checked here: `1e999` is JSON.
pub fn check_json(text: &str) -> Result<(), serde_json::Error> {
    serde_json::from_str::<IgnoredAny>(text).map(|_| ())
}

/// The outline of a page: its records as text, and the fields around them.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Outline<'a> {
    #[serde(borrow, default)]
    conversations: Option<Vec<&'a RawValue>>,
    #[serde(default, deserialize_with = "lenient_u64")]
    total_hits: Option<u64>,
    #[serde(default, deserialize_with = "lenient_string")]
    cursor: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    data_availability_date: Option<String>,
}

/// Splits a page (made valid and checked) into records and decodes each. `Err` when even the
/// outline cannot be read (the body is not an object, `conversations` is not a list).
pub fn page(text: &str) -> Result<Page, serde_json::Error> {
    let o: Outline = serde_json::from_str(text)?;
    let has = o.conversations.is_some();
    let records = o
        .conversations
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(at, raw)| record(at, raw))
        .collect();
    Ok(Page {
        records,
        total_hits: o.total_hits,
        cursor: o.cursor.filter(|c| !c.is_empty()),
        data_availability_date: o.data_availability_date,
        has_conversations: has,
    })
}

/// What can be read of a record the model cannot hold.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Head {
    #[serde(default, deserialize_with = "lenient_string")]
    conversation_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    conversation_start: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    conversation_end: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    originating_direction: Option<String>,
}

/// Decodes one record (`at`: its position in the page).
pub fn record(at: usize, raw: &RawValue) -> Record {
    match serde_json::from_str::<AnalyticsConversation>(raw.get()) {
        Ok(c) if !c.conversation_id.is_empty() => Record::Conversation(c),
        Ok(_) => Record::Unreadable {
            at,
            why: "it has no conversationId".into(),
        },
        Err(e) => {
            let why = e.to_string();
            let head = serde_json::from_str::<Head>(raw.get()).unwrap_or_default();
            match head.conversation_id.filter(|id| !id.is_empty()) {
                None => Record::Unreadable { at, why },
                Some(id) => Record::Kept {
                    conversation: AnalyticsConversation::kept(
                        id,
                        head.conversation_start,
                        head.conversation_end,
                        head.originating_direction,
                        raw.get(),
                    ),
                    why,
                },
            }
        }
    }
}

/// A string, or `None` for any other value (which is read and dropped).
pub fn lenient_string<'de, D: de::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(Lenient::<String>(std::marker::PhantomData))
}

/// An unsigned integer, or `None` for any other value.
pub fn lenient_u64<'de, D: de::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(Lenient::<u64>(std::marker::PhantomData))
}

struct Lenient<T>(std::marker::PhantomData<T>);

/// What a lenient visitor takes from each kind of value.
trait Take: Sized {
    fn from_str(_: &str) -> Option<Self> {
        None
    }
    fn from_u64(_: u64) -> Option<Self> {
        None
    }
}

impl Take for String {
    fn from_str(s: &str) -> Option<Self> {
        Some(s.to_string())
    }
}

impl Take for u64 {
    fn from_u64(n: u64) -> Option<Self> {
        Some(n)
    }
}

impl<'de, T: Take> Visitor<'de> for Lenient<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(T::from_str(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(T::from_u64(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u64::try_from(v).ok().and_then(T::from_u64))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_of(records: &[&str]) -> String {
        format!(
            r#"{{"totalHits":{},"conversations":[{}]}}"#,
            records.len(),
            records.join(",")
        )
    }

    const GOOD: &str = r#"{"conversationId":"c1","conversationStart":"2026-11-24T08:00:00.000Z","participants":[{"participantId":"p","purpose":"customer"}]}"#;

    #[test]
    fn lone_surrogates_and_invalid_utf8_are_made_valid() {
        let s = made_valid(
            br#"{"a":"x\ud800y","b":"\ud83d\ude00","c":"\\ud800","d":"\udc00"}"#.to_vec(),
        );
        assert_eq!(
            s,
            r#"{"a":"x\ufffdy","b":"\ud83d\ude00","c":"\\ud800","d":"\ufffd"}"#
        );
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["b"], "\u{1f600}");
        let mut bad = br#"{"a":"x"#.to_vec();
        bad.push(0xff);
        bad.extend_from_slice(br#"y"}"#);
        assert_eq!(made_valid(bad), "{\"a\":\"x\u{fffd}y\"}");
        // Nothing to change: nothing copied.
        assert!(matches!(without_lone_surrogates(GOOD), Cow::Borrowed(_)));
    }

    #[test]
    fn a_body_cut_short_is_not_json_but_huge_numbers_are() {
        assert!(check_json(r#"{"conversations":[{"conversationId":"#).is_err());
        assert!(check_json(r#"{"n":1e999}"#).is_ok());
    }

    #[test]
    fn one_bad_record_costs_only_itself() {
        let number_for_text = r#"{"conversationId":"c2","conversationStart":"2026-11-24T09:00:00.000Z","participants":[{"participantId":"p","participantName":5}]}"#;
        let huge = r#"{"conversationId":"c3","mediaStatsMinConversationMos":1e999}"#;
        let surrogate = made_valid(
            br#"{"conversationId":"c4","participants":[{"participantName":"\udbff"}]}"#.to_vec(),
        );
        let no_id = r#"{"conversationStart":"2026-11-24T09:00:00.000Z"}"#;
        let id_a_number = r#"{"conversationId":7,"participants":5}"#;
        let text = page_of(&[GOOD, number_for_text, huge, &surrogate, no_id, id_a_number]);
        check_json(&text).unwrap();
        let p = page(&text).unwrap();
        assert_eq!(p.total_hits, Some(6));
        assert_eq!(p.len(), 6);
        assert!(matches!(&p.records[0], Record::Conversation(c) if c.conversation_id == "c1"));
        match &p.records[1] {
            Record::Kept { conversation, why } => {
                assert_eq!(conversation.conversation_id, "c2");
                assert_eq!(
                    conversation.conversation_start.as_deref(),
                    Some("2026-11-24T09:00:00.000Z")
                );
                assert_eq!(conversation.raw(), Some(number_for_text));
                assert!(why.contains("invalid type"), "{why}");
                // Written as it came.
                assert_eq!(
                    serde_json::to_string(conversation).unwrap(),
                    number_for_text
                );
            }
            r => panic!("{r:?}"),
        }
        match &p.records[2] {
            Record::Kept { conversation, .. } => {
                assert_eq!(serde_json::to_string(conversation).unwrap(), huge)
            }
            r => panic!("{r:?}"),
        }
        assert!(matches!(&p.records[3], Record::Conversation(c) if c.conversation_id == "c4"));
        assert!(matches!(&p.records[4], Record::Unreadable { at: 4, .. }));
        assert!(matches!(&p.records[5], Record::Unreadable { at: 5, .. }));
        assert_eq!(p.conversations().count(), 4);
    }

    #[test]
    fn outlines_of_empty_and_cursor_pages() {
        let p = page(r#"{"totalHits":0}"#).unwrap();
        assert!(p.is_empty() && !p.has_conversations && p.total_hits == Some(0));
        let p = page(r#"{"conversations":[],"cursor":"abc","totalHits":"x"}"#).unwrap();
        assert!(p.is_empty() && p.has_conversations);
        assert_eq!((p.cursor.as_deref(), p.total_hits), (Some("abc"), None));
        assert!(page("[1,2]").is_err());
        assert!(page(r#"{"conversations":5}"#).is_err());
    }
}
