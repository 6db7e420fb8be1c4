//! The byte forms that keep 100,000 rows small: a row's conversation (`row.rs`) and its anatomy
//! (`anatomy.rs`) are packed field by field, each field a tag byte and what it needs. Shared
//! here: the tags, LEB128 lengths, zigzag numbers, UUIDs as 16 bytes, API timestamps as 8, and
//! a vocabulary of words written as one byte each.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};

use crate::genesys::model::{format_time, parse_time};

/// An absent value.
pub(super) const NONE: u8 = 0;
/// Text: its length in bytes (LEB128), then the bytes.
pub(super) const TEXT: u8 = 1;
/// A lower-case hyphenated UUID: 16 bytes.
pub(super) const UUID: u8 = 2;
/// A timestamp as the API writes it (`format_time`): milliseconds since the epoch, 8 bytes.
pub(super) const TIME: u8 = 3;
/// The first tag a form may give a meaning of its own (below its vocabulary's first).
pub(super) const OWN: u8 = 4;

/// Words written as one byte each: `list[tag - first]`. Append only: the position is the code.
pub(super) struct Words {
    list: &'static [&'static str],
    first: u8,
    codes: OnceLock<HashMap<&'static str, u8>>,
}

impl Words {
    pub(super) const fn new(list: &'static [&'static str], first: u8) -> Words {
        assert!(first >= OWN && list.len() + first as usize <= 256);
        Words {
            list,
            first,
            codes: OnceLock::new(),
        }
    }

    /// By map, not by scan: a record has a few hundred fields.
    fn code(&self, s: &str) -> Option<u8> {
        let codes = self.codes.get_or_init(|| {
            (self.list.iter().enumerate())
                .map(|(i, w)| (*w, self.first + i as u8))
                .collect()
        });
        codes.get(s).copied()
    }

    fn word(&self, tag: u8) -> Option<&'static str> {
        self.list
            .get(usize::from(tag.checked_sub(self.first)?))
            .copied()
    }
}

pub(super) struct Writer {
    pub(super) out: Vec<u8>,
    words: &'static Words,
    /// Whether exact API timestamps take their 8-byte form (rows' fields hold several; an
    /// anatomy's fields none, so they skip the parse).
    times: bool,
}

impl Writer {
    pub(super) fn new(capacity: usize, words: &'static Words, times: bool) -> Writer {
        Writer {
            out: Vec::with_capacity(capacity),
            words,
            times,
        }
    }

    pub(super) fn len(&mut self, n: usize) {
        put_len(&mut self.out, n);
    }

    /// Zigzag: small magnitudes, either sign, in few bytes.
    pub(super) fn signed(&mut self, v: i64) {
        self.len(((v << 1) ^ (v >> 63)) as u64 as usize);
    }

    pub(super) fn text(&mut self, s: &str) {
        self.out.push(TEXT);
        self.len(s.len());
        self.out.extend_from_slice(s.as_bytes());
    }

    /// The shortest form that gives `s` back exactly.
    pub(super) fn field(&mut self, s: Option<&str>) {
        let Some(s) = s else {
            self.out.push(NONE);
            return;
        };
        if let Some(code) = self.words.code(s) {
            self.out.push(code);
        } else if let Some(u) = uuid(s) {
            self.out.push(UUID);
            self.out.extend_from_slice(&u.to_be_bytes());
        } else if let Some(t) = (self.times)
            .then(|| parse_time(s).filter(|&t| format_time(t) == s))
            .flatten()
        {
            self.out.push(TIME);
            self.out
                .extend_from_slice(&t.timestamp_millis().to_be_bytes());
        } else {
            self.text(s);
        }
    }
}

pub(super) struct Reader<'a> {
    data: &'a [u8],
    words: &'static Words,
}

impl<'a> Reader<'a> {
    pub(super) fn new(data: &'a [u8], words: &'static Words) -> Reader<'a> {
        Reader { data, words }
    }

    pub(super) fn byte(&mut self) -> u8 {
        let (&b, rest) = self.data.split_first().expect("a packed form is whole");
        self.data = rest;
        b
    }

    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let (b, rest) = self
            .data
            .split_first_chunk()
            .expect("a packed form is whole");
        self.data = rest;
        *b
    }

    pub(super) fn len(&mut self) -> usize {
        take_len(&mut self.data)
    }

    pub(super) fn signed(&mut self) -> i64 {
        let z = self.len() as u64;
        ((z >> 1) as i64) ^ -((z & 1) as i64)
    }

    /// A field as [`Writer::field`] wrote it.
    pub(super) fn value(&mut self) -> Option<Value<'a>> {
        Some(match self.byte() {
            NONE => return None,
            TEXT => {
                let n = self.len();
                let (s, rest) = self.data.split_at(n);
                self.data = rest;
                // Written from a `str`, so this does not fail.
                Value::Text(std::str::from_utf8(s).expect("packed text is UTF-8"))
            }
            UUID => Value::Uuid(u128::from_be_bytes(self.bytes())),
            TIME => Value::Time(i64::from_be_bytes(self.bytes())),
            tag => Value::Text(self.words.word(tag).expect("a packed form is whole")),
        })
    }

    pub(super) fn field(&mut self) -> Option<Cow<'a, str>> {
        self.value().map(Value::text)
    }
}

/// A field as packed, made text only when wanted.
#[derive(Debug, Clone, Copy)]
pub(super) enum Value<'a> {
    Text(&'a str),
    Uuid(u128),
    /// Milliseconds since the epoch.
    Time(i64),
}

impl<'a> Value<'a> {
    pub(super) fn text(self) -> Cow<'a, str> {
        match self {
            Value::Text(s) => Cow::Borrowed(s),
            Value::Uuid(n) => Cow::Owned(format_uuid(n)),
            Value::Time(ms) => Cow::Owned(format_time(millis(ms))),
        }
    }

    /// As [`parse_time`] would read the text.
    pub(super) fn time(self) -> Option<DateTime<Utc>> {
        match self {
            Value::Text(s) => parse_time(s),
            Value::Uuid(_) => None,
            Value::Time(ms) => Some(millis(ms)),
        }
    }
}

pub(super) fn millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Appends `n` as LEB128 (7 bits a byte, the high bit says more follow).
fn put_len(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let low = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

/// Reads what [`put_len`] wrote from the front of `data`, moving past it.
fn take_len(data: &mut &[u8]) -> usize {
    let mut n = 0;
    let mut shift = 0;
    loop {
        let (&b, rest) = data.split_first().expect("a packed form is whole");
        *data = rest;
        n |= usize::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return n;
        }
        shift += 7;
    }
}

/// A UUID written as the API does (lower-case hex, hyphenated), as a number.
pub(super) fn uuid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut n: u128 = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        n = n << 4 | u128::from(d);
    }
    Some(n)
}

pub(super) fn format_uuid(n: u128) -> String {
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    static WORDS: Words = Words::new(&["customer", "agent"], OWN);

    #[test]
    fn uuids_and_times_take_their_compact_forms_only_when_exact() {
        assert_eq!(
            uuid("0f8fad5b-d9cb-469f-a165-70867728950e").map(format_uuid),
            Some("0f8fad5b-d9cb-469f-a165-70867728950e".into())
        );
        for s in [
            "0F8FAD5B-D9CB-469F-A165-70867728950E",
            "0f8fad5bd9cb469fa16570867728950e",
            "0f8fad5b-d9cb-469f-a165-70867728950",
            "0f8fad5b+d9cb-469f-a165-70867728950e",
        ] {
            assert_eq!(uuid(s), None, "{s}");
        }
        let mut w = Writer::new(0, &WORDS, true);
        w.field(Some("2026-11-24T08:00:00.000Z"));
        w.field(Some("2026-11-24T08:00:00Z"));
        assert_eq!(w.out[0], TIME);
        assert_eq!(w.out[9], TEXT);
        // Without times, an exact timestamp stays text.
        let mut w = Writer::new(0, &WORDS, false);
        w.field(Some("2026-11-24T08:00:00.000Z"));
        assert_eq!(w.out[0], TEXT);
    }

    #[test]
    fn every_form_reads_back_as_written() {
        let fields = [
            None,
            Some("agent"),
            Some("customer"),
            Some("Agent"),
            Some("0f8fad5b-d9cb-469f-a165-70867728950e"),
            Some("2026-11-24T08:00:07.250Z"),
            Some(""),
            Some("Gómez 😀"),
        ];
        let mut w = Writer::new(0, &WORDS, true);
        for f in fields {
            w.field(f);
        }
        for n in [0, 127, 128, 300_000] {
            w.len(n);
        }
        for v in [0, -1, 1, i64::MIN / 2, i64::MAX / 2] {
            w.signed(v);
        }
        // The vocabulary's words are one byte each.
        assert_eq!(&w.out[1..3], &[OWN + 1, OWN]);
        let mut r = Reader::new(&w.out, &WORDS);
        for f in fields {
            assert_eq!(r.field().as_deref(), f);
        }
        for n in [0, 127, 128, 300_000] {
            assert_eq!(r.len(), n);
        }
        for v in [0, -1, 1, i64::MIN / 2, i64::MAX / 2] {
            assert_eq!(r.signed(), v);
        }
        assert!(r.data.is_empty());
    }
}
