//! The detail pane's content, unstyled: the conversation's header, then every participant in
//! order with its role tag and attributes, as lines of `(text, kind)` parts wrapped for a width,
//! with the selectable items (conversation, participants, attributes) and the lines each takes.
//! Built once per update (`State::detail.document`); the cursor, scrolling and mouse clicks read
//! it, and drawing styles it (`ui::detail` maps each [`Kind`] to a style).
//!
//! While a conversation is watched, what changed recently is marked with a symbol and a kind
//! (never colour alone): `+` added, `~` changed (with the old value), `-` removed, `★` joined.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::anatomy::{self, Parts, Seg};
use super::{Fetched, Item, ItemSpan};
use crate::genesys::directory::{Kind as DirKind, Names as DirNames};
use crate::genesys::model::{
    AnalyticsParticipant, Conversation, ConversationParticipant, parse_time,
};
use crate::timespec::Zone;
use crate::tui::layout::text::{fit, pad, width, wrap};
use crate::tui::row::{Row, duration};
use crate::tui::sanitize::{sanitize, sanitize_opt};
use crate::tui::watch::{Change, ChangeKind, Timelines};

/// The frames of the spinner shown while something loads.
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// A role's symbol, so roles differ without colour.
pub fn role_symbol(purpose: &str) -> &'static str {
    match purpose {
        "customer" => "◆",
        "agent" | "user" => "●",
        "acd" => "≡",
        "workflow" | "botflow" | "ivr" | "voicesurveyflow" => "⚙",
        "external" | "outbound" => "↗",
        "voicemail" => "✉",
        _ => "○",
    }
}

/// What a part of a line is, which drawing turns into a style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Plain,
    /// Secondary text: hints, notes, the state of the reading.
    Dim,
    Title,
    /// A field's name in the header.
    Label,
    /// An attribute's key.
    Key,
    Error,
    Warn,
    /// A watched attribute that appeared (or a participant who joined).
    Added,
    /// A watched attribute whose value changed.
    Changed,
    /// A watched attribute that went away.
    Removed,
    /// A participant's role tag.
    Role(Role),
    /// A segment in the timeline.
    Seg(Seg),
}

/// The roles' groups, as their tags are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Customer,
    Agent,
    Acd,
    Other,
}

impl Role {
    pub fn of(purpose: &str) -> Role {
        match purpose {
            "customer" | "external" => Role::Customer,
            "agent" | "user" => Role::Agent,
            "acd" => Role::Acd,
            _ => Role::Other,
        }
    }
}

/// One line: its parts in order.
pub type DocLine = Vec<(String, Kind)>;

/// The pane's content for a width: its lines and its selectable items.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub lines: Vec<DocLine>,
    pub items: Vec<ItemSpan>,
    /// The lines of the conversation's anatomy (timeline, transfers, wrap-ups, metrics).
    pub anatomy: std::ops::Range<usize>,
}

impl Document {
    /// How far a view of `rows` lines can scroll.
    pub fn max_scroll(&self, rows: usize) -> usize {
        self.lines.len().saturating_sub(rows)
    }

    /// The item the cursor is on (the last one when it is past the end).
    pub fn selected(&self, cursor: usize) -> Option<&ItemSpan> {
        self.items
            .get(cursor.min(self.items.len().saturating_sub(1)))
    }

    /// The item that takes line `line`, if any.
    pub fn item_at(&self, line: usize) -> Option<usize> {
        self.items
            .iter()
            .position(|it| it.first <= line && line <= it.last)
    }

    /// A line of one part.
    pub(super) fn text(&mut self, text: impl Into<String>, kind: Kind) {
        self.lines.push(vec![(text.into(), kind)]);
    }

    /// Adds the lines of one item.
    pub(super) fn item(&mut self, item: Item, lines: Vec<DocLine>) {
        let first = self.lines.len();
        self.lines.extend(lines);
        let last = self.lines.len().saturating_sub(1).max(first);
        self.items.push(ItemSpan { item, first, last });
    }
}

/// What the document is made from: the parts of the screen's state it reads.
pub struct Source<'a> {
    /// The conversation shown, if any.
    pub id: Option<&'a str>,
    /// Whether the list has rows (the empty pane's hint says what to do otherwise).
    pub list_has_rows: bool,
    /// The conversation's row in the list, when it is there.
    pub row: Option<&'a Row>,
    /// Its cached reading, or its error.
    pub shown: Option<&'a Fetched>,
    /// The fetch in flight waits before a retry: until when, and why.
    pub wait: Option<&'a (DateTime<Utc>, String)>,
    /// The conversation is watched, live.
    pub watched: bool,
    /// The watch's feed is stale: what is shown may be out of date.
    pub stale: bool,
    pub timelines: &'a Timelines,
    pub now: DateTime<Utc>,
    pub spinner: usize,
    pub zone: Zone,
    /// Names of users, queues and wrap-up codes read so far from the directories.
    pub names: &'a DirNames,
    /// The long attribute values shown whole, by (participant id, key).
    pub unfolded: &'a HashSet<(String, String)>,
}

/// Attribute lines: indent, the change mark, a space.
const ATTR_INDENT: usize = 4;
/// Values longer than this say how long they are.
const LONG_VALUE: usize = 200;
/// Values of more lines than this are folded to this many (Enter unfolds them).
pub const FOLD_LINES: usize = 3;

/// Recent changes of the conversation, by (participant id, key); the key is empty for a
/// participant joining or leaving. The newest wins.
type Marks<'a> = HashMap<(&'a str, &'a str), &'a Change>;

/// The document for a width of `w` columns.
pub fn build(src: &Source, w: usize) -> Document {
    let mut b = Document::default();
    let Some(id) = src.id else {
        let msg = if src.list_has_rows {
            "No conversation selected."
        } else {
            "No conversation selected: load a range, then pick a row (or : opens one by id)."
        };
        b.text(msg, Kind::Dim);
        return b;
    };
    let row = src.row;
    let live = match src.shown {
        Some(Fetched::Loaded(snap)) => Some(snap),
        _ => None,
    };
    let header = header(src, id, row, live.map(|l| l.conv.as_ref()), w);
    b.item(Item::Conversation(id.to_string()), header);
    match src.shown {
        Some(Fetched::Loaded(snap)) => {
            let at = src.zone.format(snap.at, "%H:%M:%S");
            let text = if src.watched && src.stale {
                format!(
                    "STALE (no news from the feed): read at {at} · marks: + added  ~ changed  - removed  ★ joined"
                )
            } else if src.watched {
                format!("LIVE: read at {at} · marks: + added  ~ changed  - removed  ★ joined")
            } else {
                format!("attributes as read at {at} (r reads them again, w watches)")
            };
            b.text(text, Kind::Dim);
        }
        Some(Fetched::Failed(e)) => {
            for l in wrap(&format!("✗ attributes unavailable: {e}"), w) {
                b.text(l, Kind::Error);
            }
            b.text("  r: try again", Kind::Dim);
        }
        None => {
            let frame = SPINNER[src.spinner % SPINNER.len()];
            let text = match src.wait {
                Some((until, why)) if *until > src.now => {
                    let secs = ((*until - src.now).num_milliseconds() + 999) / 1000;
                    format!("{frame} loading attributes: {why}, retrying in {secs} s")
                }
                _ => format!("{frame} loading attributes…"),
            };
            b.text(text, Kind::Dim);
        }
    }
    b.text("", Kind::Plain);
    let record = row.map(Row::conversation);
    let mut marks: Marks = HashMap::new();
    for c in src.timelines.recent(id, src.now) {
        marks
            .entry((c.participant_id.as_str(), c.key.as_str()))
            .or_insert(c);
    }
    let conv = live.map(|l| l.conv.as_ref());
    let mut shown_live: Vec<&str> = Vec::new();
    if let Some(rec) = &record {
        for p in &rec.participants {
            let lp = conv.and_then(|c| c.participants.iter().find(|x| x.id == p.participant_id));
            if let Some(lp) = lp {
                shown_live.push(&lp.id);
            }
            participant(&mut b, Some(p), lp, conv.is_some(), &marks, src, w);
        }
    }
    // Participants the live conversation has but the analytics record does not (yet).
    if let Some(c) = conv {
        for lp in c
            .participants
            .iter()
            .filter(|x| !shown_live.contains(&x.id.as_str()))
        {
            participant(&mut b, None, Some(lp), true, &marks, src, w);
        }
    }
    // The anatomy comes after the participants and their attributes (what the pane is read for
    // first), a blank line apart.
    if let (Some(row), Some(rec)) = (row, &record)
        && !row.anatomy.is_empty()
    {
        b.text("", Kind::Plain);
        let lanes = row.anatomy.unpack();
        let outside =
            crate::facts::outside(rec).and_then(|i| Some((i, row.facts().customer_address?)));
        let parts = Parts {
            participants: &rec.participants,
            outside,
            lanes: &lanes,
            start: rec.start(),
            end: rec.end(),
            voice: rec.media().0 == Some("voice"),
            names: src.names,
            zone: src.zone,
            now: src.now,
        };
        let first = b.lines.len();
        anatomy::add(&mut b, &parts, w);
        b.anatomy = first..b.lines.len();
    }
    b
}

fn header(
    src: &Source,
    id: &str,
    row: Option<&Row>,
    live: Option<&Conversation>,
    w: usize,
) -> Vec<DocLine> {
    let zone = src.zone;
    let fmt = |d| zone.format(d, "%Y-%m-%d %H:%M:%S");
    let mut who: Vec<(&str, String)> = Vec::new();
    let (start, end, dur, media, direction) = match (row, live) {
        (Some(r), _) => {
            let mut c = r.cells(zone, src.names);
            // The row was loaded while it went on; a later read (a watch) may know its end.
            let ended = r.end().or_else(|| {
                live.filter(|l| crate::tui::watch::ended(l))
                    .and_then(crate::tui::watch::end_of)
            });
            if r.end().is_none()
                && let (Some(a), Some(b)) = (r.start, ended)
            {
                c.duration = duration((b - a).num_seconds());
            }
            let end = ended.map(fmt).unwrap_or_else(|| "live".into());
            who = vec![
                ("Customer", c.customer),
                ("Address", c.address),
                ("Agent(s)", c.agents),
                ("Queue", c.queue),
                ("Wrap-up", c.wrapup),
            ];
            (c.start, end, c.duration, c.media, c.direction)
        }
        (None, Some(c)) => {
            let st = c.start_time.as_deref().and_then(parse_time);
            let en = c.end_time.as_deref().and_then(parse_time);
            (
                st.map(fmt).unwrap_or_else(|| "?".into()),
                en.map(fmt).unwrap_or_else(|| "live".into()),
                match (st, en) {
                    (Some(a), Some(b)) => duration((b - a).num_seconds()),
                    (_, None) => "live".into(),
                    _ => "?".into(),
                },
                live_media(c),
                String::new(),
            )
        }
        (None, None) => Default::default(),
    };
    let kv = |k: &str, v: String| vec![(format!("{k} "), Kind::Label), (v, Kind::Plain)];
    let mut first = vec![
        ("Conversation ".to_string(), Kind::Label),
        (sanitize(id), Kind::Title),
    ];
    if row.is_none() {
        first.push(("  (opened by id: not in the list)".into(), Kind::Dim));
    }
    let mut lines = vec![first];
    if row.is_none() && live.is_none() {
        return lines;
    }
    let fields = [
        ("Start", start),
        ("End", end),
        ("Duration", dur),
        ("Media", media),
        ("Direction", direction),
    ];
    let fields = fields.into_iter().chain(who);
    // Pack the fields into as few lines as the width allows.
    let mut line: DocLine = Vec::new();
    let mut used = 0;
    for (k, v) in fields.into_iter().filter(|(_, v)| !v.is_empty()) {
        let need = width(k) + 1 + width(&v) + 3;
        if used > 0 && used + need > w {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 {
            line.push(("   ".into(), Kind::Plain));
        }
        line.extend(kv(k, v));
        used += need;
    }
    lines.push(line);
    lines
}

/// The media of a conversation read from GET conversation (no analytics row): the first
/// participant's per-media lists.
fn live_media(c: &Conversation) -> String {
    for p in &c.participants {
        for (list, name) in [
            ("messages", "message"),
            ("calls", "voice"),
            ("emails", "email"),
            ("callbacks", "callback"),
            ("chats", "chat"),
            ("videos", "video"),
        ] {
            if let Some(first) = p
                .extra
                .get(list)
                .and_then(|v| v.as_array()?.first().cloned())
            {
                return match first.get("type").and_then(|v| v.as_str()) {
                    Some(ty) if name == "message" => {
                        sanitize(&format!("{name}/{}", ty.to_lowercase()))
                    }
                    _ => name.to_string(),
                };
            }
        }
    }
    String::new()
}

fn participant(
    b: &mut Document,
    a: Option<&AnalyticsParticipant>,
    live: Option<&ConversationParticipant>,
    fetched: bool,
    marks: &Marks,
    src: &Source,
    w: usize,
) {
    let zone = src.zone;
    let pid = a
        .map(|p| p.participant_id.as_str())
        .or(live.map(|p| p.id.as_str()))
        .unwrap_or("");
    let purpose = a
        .and_then(|p| p.purpose.as_deref())
        .or(live.and_then(|p| p.purpose.as_deref()))
        .unwrap_or("unknown");
    let purpose = sanitize(purpose);
    // Analytics does not name agents: their user's name from the directory, else the short id.
    let name = a
        .and_then(|p| p.participant_name.as_deref())
        .or(live.and_then(|p| p.name.as_deref()))
        .or(a
            .and_then(|p| p.user_id.as_deref())
            .map(|u| src.names.shown(DirKind::User, u)));
    let mut parts = vec![
        (
            format!("{} {purpose}", role_symbol(&purpose)),
            Kind::Role(Role::of(&purpose)),
        ),
        ("  ".into(), Kind::Plain),
        (sanitize_opt(name.or(Some("(no name)"))), Kind::Title),
    ];
    if let Some(c) = marks.get(&(pid, "")) {
        let at = zone.format(c.at, "%H:%M:%S");
        parts.push(match c.kind {
            ChangeKind::Left => (format!("  ⏏ left {at}"), Kind::Warn),
            _ => (format!("  ★ joined {at}"), Kind::Added),
        });
    }
    let mut extra = Vec::new();
    if let Some(q) = live.and_then(|p| p.queue_name.as_deref()) {
        extra.push(format!("queue {}", sanitize(q)));
    }
    if let Some(u) = a
        .and_then(|p| p.user_id.as_deref())
        .or(live.and_then(|p| p.user_id.as_deref()))
    {
        extra.push(format!("user {}", sanitize(u)));
    }
    if let Some(sess) = a.and_then(|p| p.sessions.first()) {
        let media = match (&sess.media_type, &sess.message_type) {
            (Some(m), Some(mt)) => format!("{m}/{mt}"),
            (Some(m), None) => m.clone(),
            _ => String::new(),
        };
        let dir = sess.direction.clone().unwrap_or_default();
        let s = format!("{media} {dir}");
        if !s.trim().is_empty() {
            extra.push(sanitize(s.trim()));
        }
    }
    if !extra.is_empty() {
        parts.push((format!("  {}", extra.join(" · ")), Kind::Dim));
    }
    b.item(Item::Participant(pid.to_string()), vec![parts]);
    let indent = " ".repeat(ATTR_INDENT);
    match live {
        None if fetched => b.text(
            format!("{indent}(not in the live conversation: no attributes)"),
            Kind::Dim,
        ),
        None => {}
        Some(lp) => {
            attributes(b, lp, marks, src.unfolded, w);
            if lp.attributes.is_empty() && !marks.keys().any(|(p, k)| *p == pid && !k.is_empty()) {
                b.text(format!("{indent}(no attributes)"), Kind::Dim);
            }
        }
    }
}

/// The attributes as a key/value table sorted by key; recent changes marked, and recently
/// removed attributes shown struck through.
fn attributes(
    b: &mut Document,
    p: &ConversationParticipant,
    marks: &Marks,
    unfolded: &HashSet<(String, String)>,
    w: usize,
) {
    let rows = attribute_rows(p, marks);
    let key_w = rows
        .iter()
        .map(|r| width(&sanitize(r.0)))
        .max()
        .unwrap_or(0)
        .clamp(3, 28)
        .min(w / 3);
    let val_w = w.saturating_sub(ATTR_INDENT + key_w + 2).max(8);
    for (k, v, change) in rows {
        let whole = unfolded.contains(&(p.id.clone(), k.to_string()));
        let lines = attribute(k, v, change, key_w, val_w, whole);
        b.item(
            Item::Attribute {
                participant: p.id.clone(),
                key: k.to_string(),
                value: v.to_string(),
            },
            lines,
        );
    }
}

/// A participant's attributes and those its recent changes removed (with their old value), by
/// key, each with its recent change.
fn attribute_rows<'a>(
    p: &'a ConversationParticipant,
    marks: &Marks<'a>,
) -> Vec<(&'a str, &'a str, Option<&'a Change>)> {
    let mut rows: Vec<(&str, &str, Option<&Change>)> = p
        .attributes
        .iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                v.as_str(),
                marks.get(&(p.id.as_str(), k.as_str())).copied(),
            )
        })
        .collect();
    for ((pid, k), c) in marks {
        if let ChangeKind::Removed { old } = &c.kind
            && *pid == p.id
            && !k.is_empty()
            && !p.attributes.contains_key(*k)
        {
            rows.push((c.key.as_str(), old.as_str(), Some(*c)));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(b.0));
    rows
}

/// One attribute's lines: its mark, its key and its value (wrapped; JSON pretty-printed;
/// beyond [`FOLD_LINES`] lines folded unless `whole`, so that a long value never pushes the
/// other attributes out of sight), the old value of a change, a removal.
fn attribute(
    k: &str,
    v: &str,
    change: Option<&Change>,
    key_w: usize,
    val_w: usize,
    whole: bool,
) -> Vec<DocLine> {
    let gone = matches!(change.map(|c| &c.kind), Some(ChangeKind::Removed { .. }));
    let (mark, mark_kind) = match change.map(|c| &c.kind) {
        Some(ChangeKind::Added { .. }) => ("+", Kind::Added),
        Some(ChangeKind::Changed { .. }) => ("~", Kind::Changed),
        Some(ChangeKind::Removed { .. }) => ("-", Kind::Removed),
        _ => (" ", Kind::Plain),
    };
    let value_kind = if gone { Kind::Removed } else { Kind::Plain };
    let key = sanitize(k);
    let mut lines = Vec::new();
    let mut shown = value_lines(v, val_w);
    let total = shown.len();
    let folded = !whole && total > FOLD_LINES;
    let hidden: usize = if folded {
        shown.drain(FOLD_LINES..).map(|l| l.chars().count()).sum()
    } else {
        0
    };
    for (i, vl) in shown.into_iter().enumerate() {
        let first = i == 0;
        let kcol = if first {
            pad(&fit(&key, key_w), key_w)
        } else {
            " ".repeat(key_w)
        };
        lines.push(vec![
            ("  ".into(), Kind::Plain),
            ((if first { mark } else { " " }).into(), mark_kind),
            (" ".into(), Kind::Plain),
            (kcol, Kind::Key),
            ("  ".into(), Kind::Plain),
            (vl, value_kind),
        ]);
    }
    let pad_w = " ".repeat(ATTR_INDENT + key_w + 2);
    let n = v.chars().count();
    if folded {
        lines.push(vec![(
            format!(
                "{pad_w}… {} more characters (Enter shows it whole)",
                thousands(hidden)
            ),
            Kind::Dim,
        )]);
    } else if total > FOLD_LINES {
        lines.push(vec![(
            format!("{pad_w}({} chars · Enter folds)", thousands(n)),
            Kind::Dim,
        )]);
    } else if n > LONG_VALUE {
        lines.push(vec![(
            format!("{pad_w}({} chars)", thousands(n)),
            Kind::Dim,
        )]);
    }
    if let Some(Change {
        kind: ChangeKind::Changed { old, .. },
        ..
    }) = change
    {
        let was = fit(&sanitize(old), val_w.saturating_sub(5).max(4));
        lines.push(vec![(format!("{pad_w}was: {was}"), Kind::Dim)]);
    }
    if gone {
        lines.push(vec![(format!("{pad_w}(removed)"), Kind::Dim)]);
    }
    lines
}

/// `20000` -> `20,000` (also export's summary).
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A value's display lines: JSON objects and arrays pretty-printed, everything sanitised and
/// wrapped to `w`.
fn value_lines(v: &str, w: usize) -> Vec<String> {
    let trimmed = v.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(json) = serde_json::from_str::<serde_json::Value>(v)
    {
        let pretty = serde_json::to_string_pretty(&json).unwrap_or_else(|_| v.to_string());
        return pretty.lines().flat_map(|l| wrap(&sanitize(l), w)).collect();
    }
    if v.is_empty() {
        return vec!["(empty)".into()];
    }
    wrap(&sanitize(v), w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(5), "5");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(20000), "20,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
