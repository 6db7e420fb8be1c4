//! One conversation of the list, kept small: 100,000 of them must fit in about 100 MB.
//!
//! A row holds its conversation encoded in one byte string (UUIDs as 16 bytes, API timestamps
//! as 8, common words such as `customer` or `webmessaging` as one). The encoding is exact:
//! [`Row::conversation`] gives back the same [`AnalyticsConversation`] that went in, minus what
//! the screen never shows ([`extra`](AnalyticsConversation::extra) fields: segments, metrics,
//! flow, ...). Display strings are made, and sanitised, only for the rows drawn
//! ([`Row::cells`]). The text the filter searches is made here and kept by the list, with every
//! other row's (see [`super::haystack`]).

use std::borrow::Cow;

use chrono::{DateTime, Utc};

use crate::facts::Facts;
use crate::genesys::directory::{Kind, Names, short_id};
use crate::genesys::model::{
    AnalyticsConversation, AnalyticsParticipant, AnalyticsSession, Attributes,
};
use crate::timespec::Zone;

use super::anatomy::Packed;
use super::packed::{self, NONE, Reader, Value, Words, Writer};
use super::sanitize::{sanitize, sanitize_opt};

/// Lower-cased attribute pairs (key, value), for `attr:` filter terms.
pub type Pairs = [(Box<str>, Box<str>)];

/// Separates the parts of the filter's text, so that a word cannot match across two of them.
pub const SEP: char = '\u{1f}';

/// The first byte of each part of the filter's text says what it is (control characters, which
/// nothing typed contains and which are taken out of the text itself).
pub mod tag {
    pub const ID: u8 = 1;
    pub const CUSTOMER: u8 = 2;
    pub const AGENT: u8 = 3;
    pub const QUEUE: u8 = 4;
    /// Another participant's name (a flow, an external party).
    pub const NAME: u8 = 5;
    pub const PURPOSE: u8 = 6;
    pub const DIRECTION: u8 = 7;
    pub const MEDIA: u8 = 8;
    /// ANI, DNIS, the messaging or e-mail addresses.
    pub const ADDRESS: u8 = 11;
    /// The start and duration as the list shows them.
    pub const SHOWN: u8 = 12;
    pub const ATTRIBUTE: u8 = 14;
    /// A wrap-up code: its short id, and its name once the directory gives it.
    pub const WRAPUP: u8 = 15;
}

/// Appends a part of the filter's text: its tag, then `text` folded (case and accents off)
/// without control characters.
fn push_part(hay: &mut String, t: u8, text: &str) {
    if !hay.is_empty() {
        hay.push(SEP);
    }
    hay.push(char::from(t));
    let start = hay.len();
    crate::fold::fold_into(hay, text);
    if hay[start..].bytes().any(|b| b < 0x20 || b == 0x7f) {
        let clean: String = hay[start..]
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        hay.truncate(start);
        hay.push_str(&clean);
    }
}

#[derive(Debug, Clone)]
pub struct Row {
    /// The conversation's start, for sorting.
    pub start: Option<DateTime<Utc>>,
    /// The conversation, encoded (see [`encode`]).
    data: Box<[u8]>,
    /// Every participant's attributes, lower-cased, once known (for `attr:`).
    pub attrs: Option<Box<Pairs>>,
    /// Its participants' segments and metrics (the detail's timeline, the summary).
    pub anatomy: Packed,
}

impl Row {
    /// The row, and the folded text the filter searches in it (see [`tag`]), with times as
    /// shown in UTC and no directory names.
    pub fn new(conv: AnalyticsConversation) -> (Row, String) {
        let (row, hay, _) = Row::new_in(conv, Zone::Utc, &Names::default());
        (row, hay)
    }

    /// The row, the folded text the filter searches in it, and what the columns show beyond
    /// the participants ([`Facts`]: its [`ids`](Facts::ids) are those that names arriving
    /// later add to the text, see [`name_part`]).
    ///
    /// The text is what the list shows and a little more: the id; names by role (the
    /// customer by name as the Customer column shows it, else by address; agents and queues by
    /// their analytics names); the agents' user ids, queue and wrap-up code ids as the list
    /// shows them unnamed (8 characters), with the names `names` knows for them; purposes;
    /// direction; media; addresses; the start and duration as the list shows them in `zone`;
    /// attributes when known.
    pub fn new_in(conv: AnalyticsConversation, zone: Zone, names: &Names) -> (Row, String, Facts) {
        let facts = Facts::of(&conv);
        let mut hay = String::with_capacity(200);
        push_part(&mut hay, tag::ID, &conv.conversation_id);
        let mut pairs: Option<Vec<_>> = None;
        let mut direction = conv.originating_direction.as_deref();
        let mut media = None;
        let outside = crate::facts::outside(&conv);
        for (k, p) in conv.participants.iter().enumerate() {
            if let Some(n) = p.participant_name.as_deref() {
                let t = match p.purpose.as_deref() {
                    _ if outside == Some(k) => tag::CUSTOMER,
                    Some("agent" | "user") => tag::AGENT,
                    Some("acd") => tag::QUEUE,
                    _ => tag::NAME,
                };
                push_part(&mut hay, t, n);
            }
            if let Some(purpose) = p.purpose.as_deref() {
                push_part(&mut hay, tag::PURPOSE, purpose);
            }
            for s in &p.sessions {
                if media.is_none() && s.media_type.is_some() {
                    media = Some((s.media_type.as_deref(), s.message_type.as_deref()));
                }
                direction = direction.or(s.direction.as_deref());
                for k in ["ani", "dnis", "addressFrom", "addressTo"] {
                    if let Some(a) = s.extra.get(k).and_then(|v| v.as_str()) {
                        // Once: every session of a call carries the same numbers.
                        push_new_part(&mut hay, tag::ADDRESS, a);
                    }
                }
            }
            if let Some(a) = &p.attributes {
                push_attributes(&mut hay, a);
                pairs.get_or_insert_default().extend(lower_pairs(a));
            }
        }
        // The Customer column shows the address when analytics has no name.
        if facts.customer_name.is_none()
            && let Some(a) = &facts.customer_address
        {
            push_part(&mut hay, tag::CUSTOMER, a);
        }
        // The ids as the list shows them unnamed (their first 8 characters: whole ids would make
        // the text half as long again), and the names known.
        for (kind, id) in facts.ids() {
            push_part(&mut hay, id_tag(kind), short_id(id));
        }
        for (kind, id) in facts.ids() {
            if let Some(name) = names.get(kind, id) {
                // Once: a queue's acd participant often has the directory's name already.
                push_new_part(&mut hay, id_tag(kind), name);
            }
        }
        if let Some(d) = direction {
            push_part(&mut hay, tag::DIRECTION, d);
        }
        match media {
            Some((Some(m), Some(t))) => push_part(&mut hay, tag::MEDIA, &format!("{m}/{t}")),
            Some((Some(m), None)) => push_part(&mut hay, tag::MEDIA, m),
            _ => {}
        }
        let (start, end) = (conv.start(), conv.end());
        if let Some(t) = start {
            push_part(&mut hay, tag::SHOWN, &zone.format(t, "%Y-%m-%d %H:%M:%S"));
        }
        push_part(
            &mut hay,
            tag::SHOWN,
            &match (start, end) {
                (_, None) => "live".into(),
                (Some(a), Some(b)) => duration((b - a).num_seconds()),
                (None, Some(_)) => "?".into(),
            },
        );
        let row = Row {
            start,
            data: encode(&conv, &facts),
            attrs: pairs.map(Vec::into_boxed_slice),
            anatomy: Packed::new(&conv),
        };
        (row, hay, facts)
    }

    pub fn id(&self) -> &str {
        match self.reader().field() {
            Some(Cow::Borrowed(id)) => id,
            // `encode` writes the id as text.
            _ => unreachable!("a row's id is stored as text"),
        }
    }

    /// The conversation as it arrived (without its `extra` fields), with the attributes
    /// learnt since.
    pub fn conversation(&self) -> AnalyticsConversation {
        let mut r = self.reader();
        let own = |v: Option<Cow<str>>| v.map(Cow::into_owned);
        let conversation_id = own(r.field()).unwrap_or_default();
        let conversation_start = own(r.field());
        let conversation_end = own(r.field());
        let originating_direction = own(r.field());
        let participants = (0..r.len())
            .map(|_| AnalyticsParticipant {
                participant_id: own(r.field()).unwrap_or_default(),
                participant_name: own(r.field()),
                purpose: own(r.field()),
                user_id: own(r.field()),
                sessions: (0..r.len())
                    .map(|_| AnalyticsSession {
                        session_id: own(r.field()),
                        media_type: own(r.field()),
                        message_type: own(r.field()),
                        direction: own(r.field()),
                        extra: Default::default(),
                    })
                    .collect(),
                attributes: (r.byte() == SOME).then(|| {
                    (0..r.len())
                        .map(|_| {
                            (
                                own(r.field()).unwrap_or_default(),
                                own(r.field()).unwrap_or_default(),
                            )
                        })
                        .collect()
                }),
                extra: Default::default(),
            })
            .collect();
        AnalyticsConversation {
            conversation_id,
            conversation_start,
            conversation_end,
            originating_direction,
            participants,
            extra: Default::default(),
        }
    }

    /// The row's display strings, sanitised. Made when drawn (about 40 rows a frame), from
    /// only the fields the columns show.
    pub fn cells(&self, zone: Zone, names: &Names) -> Cells {
        #[cfg(test)]
        CELLS_MADE.with(|n| n.set(n.get() + 1));
        let mut r = self.reader();
        let id = r.value();
        r.value(); // the start: `self.start`
        let end = r.value().and_then(Value::time);
        let mut direction = r.value();
        let mut media = None;
        for _ in 0..r.len() {
            r.value(); // participant id
            r.value(); // name
            r.value(); // purpose
            r.value(); // user id
            for _ in 0..r.len() {
                r.value(); // session id
                let (m, t, d) = (r.value(), r.value(), r.value());
                // From the first session that has them.
                if media.is_none() && m.is_some() {
                    media = Some((m, t));
                }
                direction = direction.or(d);
            }
            skip_attributes(&mut r);
        }
        let f = read_facts(&mut r);
        let start = self.start;
        Cells {
            start: start
                .map(|t| zone.format(t, "%Y-%m-%d %H:%M:%S"))
                .unwrap_or_else(|| "?".into()),
            start_short: start
                .map(|t| zone.format(t, "%m-%d %H:%M"))
                .unwrap_or_else(|| "?".into()),
            duration: match (start, end) {
                (_, None) => "live".into(),
                (Some(a), Some(b)) => duration((b - a).num_seconds()),
                (None, Some(_)) => "?".into(),
            },
            media: match media {
                Some((Some(m), Some(t))) => sanitize(&format!("{}/{}", m.text(), t.text())),
                Some((Some(m), None)) => sanitize(&m.text()),
                _ => "?".into(),
            },
            direction: direction.map(|d| sanitize(&d.text())).unwrap_or_default(),
            customer: sanitize(&f.customer()),
            agents: sanitize(&f.agents(names).join(", ")),
            queue: sanitize(&f.shown(Kind::Queue, &f.queues, names)),
            wrapup: sanitize(&f.shown(Kind::Wrapup, &f.wrapups, names)),
            address: sanitize(&f.address()),
            id: sanitize_opt(id.map(Value::text).as_deref()),
        }
    }

    /// What the row's columns show beyond the participants: customer, agents, queues, wrap-up
    /// codes, addresses (read from the segments and sessions when the row was made).
    pub fn facts(&self) -> Facts {
        let mut r = self.reader();
        for _ in 0..4 {
            r.value(); // id, start, end, direction
        }
        for _ in 0..r.len() {
            for _ in 0..4 {
                r.value();
            }
            for _ in 0..r.len() {
                for _ in 0..4 {
                    r.value();
                }
            }
            skip_attributes(&mut r);
        }
        read_facts(&mut r)
    }

    /// The ids this row's cells name, by kind (for a bulk look-up).
    pub fn named_ids(&self) -> Vec<(Kind, String)> {
        let f = self.facts();
        f.ids().map(|(k, id)| (k, id.to_string())).collect()
    }

    /// The conversation's end, `None` while it goes on.
    pub fn end(&self) -> Option<DateTime<Utc>> {
        let mut r = self.reader();
        r.value(); // id
        r.value(); // start
        r.value().and_then(Value::time)
    }

    /// Records the participants' attributes (by participant id; they replace what was known):
    /// they become matchable by `attr:` terms, and exported. Returns the text to add to the
    /// row's filter text, so that they are searchable too.
    pub fn learn_attributes(&mut self, by_participant: &[(String, Attributes)]) -> String {
        let mut conv = self.conversation();
        let mut hay = String::new();
        let mut pairs = Vec::new();
        for (pid, a) in by_participant {
            push_attributes(&mut hay, a);
            pairs.extend(lower_pairs(a));
            if let Some(p) = conv
                .participants
                .iter_mut()
                .find(|p| p.participant_id == *pid)
            {
                p.attributes = Some(a.clone());
            }
        }
        self.data = encode(&conv, &self.facts());
        self.attrs = Some(pairs.into());
        // Appended to the row's text: after a separator.
        if !hay.is_empty() {
            hay.insert(0, SEP);
        }
        hay
    }

    fn reader(&self) -> Reader<'_> {
        Reader::new(&self.data, &WORDS)
    }
}

/// The part of the filter's text (after its separator) that names a directory id of `kind`:
/// what names arriving after the row was made add to its text.
pub fn name_part(kind: Kind, name: &str) -> String {
    let mut part = String::new();
    push_part(&mut part, id_tag(kind), name);
    part.insert(0, SEP);
    part
}

/// The tag of a directory id (and of its name) in the filter's text.
fn id_tag(kind: Kind) -> u8 {
    match kind {
        Kind::User => tag::AGENT,
        Kind::Queue => tag::QUEUE,
        Kind::Wrapup => tag::WRAPUP,
        // Not among a row's ids.
        Kind::Division => tag::NAME,
    }
}

/// Whether `hay` has this part whole (as [`name_part`] makes them: a separator first).
pub fn has_part(hay: &str, part: &str) -> bool {
    let part = part.strip_prefix(SEP).unwrap_or(part);
    hay.split(SEP).any(|p| p == part)
}

/// [`push_part`], unless `hay` has that part already.
fn push_new_part(hay: &mut String, t: u8, text: &str) {
    let len = hay.len();
    push_part(hay, t, text);
    let (before, part) = hay.split_at(len);
    let part = part.strip_prefix(SEP).unwrap_or(part);
    if len > 0 && has_part(before, part) {
        hay.truncate(len);
    }
}

/// Folded attribute pairs (case and accents off), for `attr:` terms.
fn lower_pairs(a: &Attributes) -> impl Iterator<Item = (Box<str>, Box<str>)> + '_ {
    a.iter()
        .map(|(k, v)| (crate::fold::fold(k).into(), crate::fold::fold(v).into()))
}

fn push_attributes(hay: &mut String, a: &Attributes) {
    for (k, v) in a {
        push_part(hay, tag::ATTRIBUTE, k);
        push_part(hay, tag::ATTRIBUTE, v);
    }
}

/// One row's display strings, sanitised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cells {
    pub start: String,
    /// `MM-DD HH:MM` for narrow terminals.
    pub start_short: String,
    pub duration: String,
    pub media: String,
    pub direction: String,
    pub customer: String,
    pub agents: String,
    pub queue: String,
    pub wrapup: String,
    pub address: String,
    pub id: String,
}

/// `45s`, `12m05s`, `2h03m`, `3d04h`.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86400, s % 86400 / 3600),
    }
}

// The encoding: fields in a fixed order (see `encode`), each in a form of `packed.rs`, the
// participant id empty as `NONE` too.
/// Attributes known (else `NONE`): their count, then (key, value) fields.
const SOME: u8 = packed::OWN;

/// What most rows say, one byte each (vocabularies of purpose, media type, message type,
/// direction). Append only: the position is the code.
static WORDS: Words = Words::new(
    &[
        "customer",
        "agent",
        "acd",
        "workflow",
        "botflow",
        "ivr",
        "external",
        "user",
        "voicemail",
        "voicesurveyflow",
        "outbound",
        "inbound",
        "station",
        "api",
        "dialer",
        "fax",
        "group",
        "voice",
        "chat",
        "email",
        "message",
        "callback",
        "cobrowse",
        "video",
        "screenshare",
        "unknown",
        "webmessaging",
        "sms",
        "facebook",
        "twitter",
        "whatsapp",
        "open",
        "line",
        "instagram",
        "apple",
    ],
    SOME + 1,
);

/// The fields in a fixed order, each in the shortest form that gives it back exactly; the id
/// as text, so that [`Row::id`] can lend it.
fn encode(c: &AnalyticsConversation, facts: &Facts) -> Box<[u8]> {
    let mut w = Writer::new(64 + 64 * c.participants.len(), &WORDS, true);
    w.text(&c.conversation_id);
    w.field(c.conversation_start.as_deref());
    w.field(c.conversation_end.as_deref());
    w.field(c.originating_direction.as_deref());
    w.len(c.participants.len());
    for p in &c.participants {
        w.field(Some(p.participant_id.as_str()).filter(|s| !s.is_empty()));
        w.field(p.participant_name.as_deref());
        w.field(p.purpose.as_deref());
        w.field(p.user_id.as_deref());
        w.len(p.sessions.len());
        for s in &p.sessions {
            w.field(s.session_id.as_deref());
            w.field(s.media_type.as_deref());
            w.field(s.message_type.as_deref());
            w.field(s.direction.as_deref());
        }
        match &p.attributes {
            None => w.out.push(NONE),
            Some(a) => {
                w.out.push(SOME);
                w.len(a.len());
                for (k, v) in a {
                    w.field(Some(k));
                    w.field(Some(v));
                }
            }
        }
    }
    write_facts(facts, &mut w);
    w.out.into()
}

/// The facts, after the participants (see [`encode`]).
fn write_facts(f: &Facts, w: &mut Writer) {
    w.field(f.customer_name.as_deref());
    w.field(f.customer_address.as_deref());
    w.field(f.our_address.as_deref());
    w.len(f.agents.len());
    for (u, n) in &f.agents {
        w.field(u.as_deref());
        w.field(n.as_deref());
    }
    for list in [&f.queues, &f.wrapups, &f.divisions] {
        w.len(list.len());
        for x in list {
            w.field(Some(x));
        }
    }
    w.len(usize::from(f.outbound));
}

fn read_facts(r: &mut Reader) -> Facts {
    let own = |v: Option<Cow<str>>| v.map(Cow::into_owned);
    let customer_name = own(r.field());
    let customer_address = own(r.field());
    let our_address = own(r.field());
    let agents = (0..r.len())
        .map(|_| (own(r.field()), own(r.field())))
        .collect();
    let list = |r: &mut Reader| {
        (0..r.len())
            .filter_map(|_| own(r.field()))
            .collect::<Vec<_>>()
    };
    let queues = list(r);
    let wrapups = list(r);
    let divisions = list(r);
    let outbound = r.len() != 0;
    Facts {
        customer_name,
        customer_address,
        our_address,
        agents,
        queues,
        wrapups,
        outbound,
        divisions,
    }
}

/// Moves past a participant's attributes.
fn skip_attributes(r: &mut Reader) {
    if r.byte() == SOME {
        for _ in 0..2 * r.len() {
            r.value();
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Rows whose display strings were made on this thread (a frame makes them for the rows it
    /// shows only).
    pub(crate) static CELLS_MADE: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures::conv;
    use chrono::TimeZone;

    #[test]
    fn row_cells_are_sanitised() {
        let mut c = conv("c1", 5, "Eve\x1b[2J", "Bob");
        c.conversation_end = None;
        let r = Row::new(c).0.cells(Zone::Utc, &Names::default());
        assert_eq!(r.start, "2026-11-24 08:05:00");
        assert_eq!(r.start_short, "11-24 08:05");
        assert_eq!(r.duration, "live");
        assert_eq!(r.media, "message/webmessaging");
        assert_eq!(r.direction, "inbound");
        assert_eq!(r.customer, "Eve\\e[2J");
        assert_eq!(r.agents, "Bob");
        assert_eq!(
            Row::new(conv("c2", 0, "a", "b"))
                .0
                .cells(Zone::Utc, &Names::default())
                .duration,
            "12m05s"
        );
    }

    #[test]
    fn cells_take_media_and_direction_from_the_first_session_that_has_them() {
        let mut c = conv("c1", 5, "Ann", "Bob");
        c.originating_direction = None;
        let p = &mut c.participants;
        p[0].sessions[0] = AnalyticsSession::default();
        p[1].sessions[0].media_type = Some("voice".into());
        p[1].sessions[0].message_type = None;
        p[1].sessions[0].direction = None;
        p[2].sessions[0].direction = Some("outbound".into());
        p[2].sessions[0].media_type = Some("chat".into());
        p.push(AnalyticsParticipant {
            purpose: Some("agent".into()),
            participant_name: Some("Cy\u{202e}".into()),
            ..Default::default()
        });
        p.push(AnalyticsParticipant {
            purpose: Some("customer".into()),
            ..Default::default()
        });
        let r = Row::new(c.clone()).0;
        let cells = r.cells(Zone::Utc, &Names::default());
        assert_eq!(cells, cells_of(&c));
        assert_eq!(cells.media, "voice");
        assert_eq!(cells.direction, "outbound");
        assert_eq!(cells.customer, "Ann");
        assert_eq!(cells.agents, "Bob, Cy\\u{202e}");
        assert_eq!(cells.id, "c1");
        assert_eq!(
            r.end(),
            Some(Utc.with_ymd_and_hms(2026, 11, 24, 8, 17, 5).unwrap())
        );
        let bare = Row::new(AnalyticsConversation::default())
            .0
            .cells(Zone::Utc, &Names::default());
        assert_eq!(
            (
                bare.start.as_str(),
                bare.duration.as_str(),
                bare.media.as_str()
            ),
            ("?", "live", "?")
        );
    }

    /// The cells as the list made them from the whole conversation, before rows were encoded.
    fn cells_of(c: &AnalyticsConversation) -> Cells {
        let start = c.start();
        let (media, message) = c.media();
        let media = match (media, message) {
            (Some(m), Some(t)) => format!("{m}/{t}"),
            (Some(m), None) => m.to_string(),
            _ => "?".into(),
        };
        let direction = c
            .originating_direction
            .clone()
            .or_else(|| {
                c.participants
                    .iter()
                    .flat_map(|p| &p.sessions)
                    .find_map(|s| s.direction.clone())
            })
            .unwrap_or_default();
        let f = Facts::of(c);
        let zone = Zone::Utc;
        Cells {
            start: start
                .map(|t| zone.format(t, "%Y-%m-%d %H:%M:%S"))
                .unwrap_or_else(|| "?".into()),
            start_short: start
                .map(|t| zone.format(t, "%m-%d %H:%M"))
                .unwrap_or_else(|| "?".into()),
            duration: match (start, c.end()) {
                (_, None) => "live".into(),
                (Some(a), Some(b)) => duration((b - a).num_seconds()),
                (None, Some(_)) => "?".into(),
            },
            media: sanitize(&media),
            direction: sanitize(&direction),
            // What the row keeps of the segments and sessions comes back whole.
            customer: sanitize(&f.customer()),
            agents: sanitize(&f.agents(&Names::default()).join(", ")),
            queue: sanitize(&f.shown(Kind::Queue, &f.queues, &Names::default())),
            wrapup: sanitize(&f.shown(Kind::Wrapup, &f.wrapups, &Names::default())),
            address: sanitize(&f.address()),
            id: sanitize_opt(Some(&c.conversation_id)),
        }
    }

    #[test]
    fn cells_are_as_they_were_for_the_simulated_conversations_hostile_too() {
        for hostile in [false, true] {
            let ds = crate::sim::Dataset::new(&crate::sim::SimConfig {
                conversations: 300,
                hostile,
                ..Default::default()
            });
            let escaped = check(&ds);
            assert_eq!(escaped, hostile);
        }
    }

    /// Whether any cell had something escaped.
    fn check(ds: &crate::sim::Dataset) -> bool {
        let mut escaped = false;
        for i in 0..300 {
            let c = ds.analytics_with_attributes(i, Utc::now());
            let row = Row::new(c.clone()).0;
            let cells = row.cells(Zone::Utc, &Names::default());
            assert_eq!(cells, cells_of(&c), "{i}");
            escaped |= cells.customer.contains('\\') || cells.agents.contains('\\');
            let mut slim = c;
            slim.extra.clear();
            for p in &mut slim.participants {
                p.extra.clear();
                p.sessions.iter_mut().for_each(|s| s.extra.clear());
            }
            assert_eq!(row.conversation(), slim, "{i}");
        }
        escaped
    }

    #[test]
    fn rows_keep_only_what_the_screen_shows() {
        let mut c = conv("c1", 5, "a", "b");
        c.extra
            .insert("divisionIds".into(), serde_json::json!(["d"]));
        c.participants[0].sessions[0].extra.insert(
            "segments".into(),
            serde_json::json!([{"segmentType": "interact"}]),
        );
        let r = Row::new(c).0.conversation();
        assert!(r.extra.is_empty());
        assert!(r.participants[0].sessions[0].extra.is_empty());
        assert_eq!(
            r.participants[0].sessions[0].media_type.as_deref(),
            Some("message")
        );
    }

    /// Every kept field comes back exactly, whatever form the encoding chose for it.
    #[test]
    fn a_row_gives_its_conversation_back_exactly() {
        let uuid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        let hostile = format!("\u{202e}\x1b]0;x\x07{}", "é".repeat(20_000));
        let mut c = conv(uuid, 5, &hostile, "");
        c.conversation_end = Some("2026-11-24T08:17:05.1234Z".into());
        c.originating_direction = Some("Inbound".into());
        let p = &mut c.participants;
        p[0].participant_id = uuid.to_uppercase();
        p[0].user_id = Some(String::new());
        p[0].attributes = Some(Attributes::new());
        p[1].participant_id = String::new();
        p[1].purpose = None;
        p[1].sessions.clear();
        p[2].sessions.push(AnalyticsSession {
            session_id: Some(format!("{uuid}x")),
            direction: Some(uuid.into()),
            ..Default::default()
        });
        p[2].attributes = Some(
            [
                ("Tier".to_string(), "Gold".to_string()),
                ("k\0".into(), "2026-11-24T08:00:00.000Z".into()),
            ]
            .into(),
        );
        let (row, hay) = Row::new(c.clone());
        assert_eq!(row.conversation(), c);
        assert!(hay.starts_with(&format!("\u{1}{uuid}")));
        assert_eq!(row.id(), uuid);
        let upper = AnalyticsConversation {
            conversation_id: "ID-Ä".into(),
            ..Default::default()
        };
        let (row, hay) = Row::new(upper.clone());
        assert_eq!(row.conversation(), upper);
        assert_eq!(row.id(), "ID-Ä");
        assert!(hay.starts_with("\u{1}id-a\u{1f}"), "{hay:?}");
    }

    #[test]
    fn learnt_attributes_are_searchable_matchable_and_kept() {
        let (mut r, _) = Row::new(conv("c1", 5, "a", "b"));
        assert!(r.attrs.is_none());
        let a: Attributes = [("Tier".to_string(), "Gold".to_string())].into();
        let hay = r.learn_attributes(&[("c1-p1".into(), a.clone()), ("nobody".into(), a.clone())]);
        assert_eq!(
            hay,
            "\u{1f}\u{e}tier\u{1f}\u{e}gold\u{1f}\u{e}tier\u{1f}\u{e}gold"
        );
        assert_eq!(r.attrs.as_deref().map(<[_]>::len), Some(2));
        let c = r.conversation();
        assert_eq!(c.participants[0].attributes.as_ref(), Some(&a));
        assert_eq!(c.participants[1].attributes, None);
        assert_eq!(r.id(), "c1");
    }
}
