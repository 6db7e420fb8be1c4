//! The detail pane's content, unstyled: the conversation's header, then every participant in
//! order with its role tag and attributes, as lines of `(text, kind)` parts wrapped for a width,
//! with the selectable items (conversation, participants, attributes) and the lines each takes.
//! Built once per update (`State::detail.document`); the cursor, scrolling and mouse clicks read
//! it, and drawing styles it (`ui::detail` maps each [`Kind`] to a style).
//!
//! While a conversation is watched, what changed recently is marked with a symbol and a kind
//! (never colour alone): `+` added, `~` changed (with the old value), `-` removed, `★` joined.

use std::collections::HashMap;
use std::ops::Range;

use chrono::{DateTime, Utc};

use super::anatomy::{self, Parts, Seg};
use super::{Fetched, Item, ItemSpan};
use crate::genesys::directory::{Kind as DirKind, Names as DirNames};
use crate::genesys::model::{
    AnalyticsParticipant, Conversation, ConversationParticipant, parse_time,
};
use crate::human::num;
use crate::timespec::Zone;
use crate::tui::keymap::{Action, Keymap, Mode};
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
    pub anatomy: Range<usize>,
    /// The unfolded values too long for the pane, each in a box of its own that scrolls.
    pub boxes: Vec<ValueBox>,
}

/// An unfolded value longer than the room the pane can give it: a window of its lines, with a
/// scroll bar and a `lines 21–40 of 213` line under it, scrolled on its own (`]`/`[`), so that
/// the other attributes stay in sight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueBox {
    /// Its attribute (an index into [`Document::items`]).
    pub item: usize,
    /// The document lines the window takes.
    pub lines: Range<usize>,
    /// The value's first line in the window (kept within `0..=total - rows`).
    pub offset: usize,
    /// The window's height.
    pub rows: usize,
    /// The value's lines in all.
    pub total: usize,
}

impl ValueBox {
    /// How far the window can scroll.
    pub fn max_offset(&self) -> usize {
        self.total.saturating_sub(self.rows)
    }
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

    /// The value box of item `item`, if it has one.
    pub fn value_box(&self, item: usize) -> Option<&ValueBox> {
        self.boxes.iter().find(|b| b.item == item)
    }

    /// The value box that takes line `line`, if any.
    pub fn box_at(&self, line: usize) -> Option<&ValueBox> {
        self.boxes.iter().find(|b| b.lines.contains(&line))
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
    /// The long attribute values unfolded, by (participant id, key), with the first line shown
    /// of each (when it is longer than the pane has room for).
    pub unfolded: &'a HashMap<(String, String), usize>,
    /// The pane's height in lines: an unfolded value takes at most what the rest leaves.
    pub rows: usize,
    /// The keys the hints name (the user may have bound others).
    pub keys: &'a Hints,
}

/// The keys named in the pane's hints, as the keymap has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hints {
    /// Shows a long value whole, or folds it.
    pub unfold: String,
    /// Scroll an unfolded value a line down and up (`]/[`).
    pub scroll: String,
    /// And a window down and up (`}/{`).
    pub page: String,
}

impl Hints {
    /// The keys as `keymap` binds them in the detail pane.
    pub fn of(keymap: &Keymap) -> Hints {
        let two = |a, b| {
            let (a, b) = (keymap.label(Mode::Detail, a), keymap.label(Mode::Detail, b));
            format!("{a}/{b}")
        };
        Hints {
            unfold: keymap.label(Mode::Detail, Action::Unfold),
            scroll: two(Action::ValueDown, Action::ValueUp),
            page: two(Action::ValuePageDown, Action::ValuePageUp),
        }
    }
}

impl Default for Hints {
    fn default() -> Self {
        Hints {
            unfold: "Enter".into(),
            scroll: "]/[".into(),
            page: "}/{".into(),
        }
    }
}

/// Attribute lines: indent, the change mark, a space.
const ATTR_INDENT: usize = 4;
/// Values longer than this say how long they are.
const LONG_VALUE: usize = 200;
/// Values of more lines than this are folded to this many (Enter unfolds them).
pub const FOLD_LINES: usize = 3;

/// The room an attribute has: the pane's width, and the height of an unfolded value's box.
#[derive(Debug, Clone, Copy)]
struct Room {
    w: usize,
    box_rows: usize,
}

/// What the participants' lines read beside the source.
struct Ctx<'a> {
    marks: &'a Marks<'a>,
    /// The customer (`facts::outside`): their participant id and address.
    outside: Option<(&'a str, &'a str)>,
}

/// Recent changes of the conversation, by (participant id, key); the key is empty for a
/// participant joining or leaving. The newest wins.
type Marks<'a> = HashMap<(&'a str, &'a str), &'a Change>;

/// The document for a width of `w` columns.
///
/// An unfolded value too long for the pane gets a box that scrolls on its own, of the pane's
/// height less what the rest of the document needs (up to half the pane; at least
/// [`FOLD_LINES`] lines): a 20,000-character value never pushes the other attributes out of
/// sight. What the rest needs is measured by building the document once with the boxes empty.
pub fn build(src: &Source, w: usize) -> Document {
    if src.unfolded.is_empty() {
        return build_with(src, w, 0);
    }
    let probe = build_with(src, w, 0);
    if probe.boxes.is_empty() {
        return probe;
    }
    let rest = probe.lines.len();
    let room = src.rows.saturating_sub(rest.min(src.rows / 2));
    let each = (room / probe.boxes.len()).max(FOLD_LINES);
    build_with(src, w, each)
}

/// The document, with the unfolded values longer than `box_rows` lines in boxes of that many.
fn build_with(src: &Source, w: usize, box_rows: usize) -> Document {
    let room = Room { w, box_rows };
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
    // The customer with no name is named by their address, as in the list's Customer column.
    // (The timeline names them the same way.)
    let outside: Option<(usize, String)> = record.as_ref().and_then(|rec| {
        let i = crate::facts::outside(rec)?;
        Some((i, row?.facts().customer_address?))
    });
    let ctx = Ctx {
        marks: &marks,
        outside: record
            .as_ref()
            .zip(outside.as_ref())
            .map(|(rec, (i, a))| (rec.participants[*i].participant_id.as_str(), a.as_str())),
    };
    let mut shown_live: Vec<&str> = Vec::new();
    if let Some(rec) = &record {
        for p in &rec.participants {
            let lp = conv.and_then(|c| c.participants.iter().find(|x| x.id == p.participant_id));
            if let Some(lp) = lp {
                shown_live.push(&lp.id);
            }
            participant(&mut b, Some(p), lp, conv.is_some(), &ctx, src, room);
        }
    }
    // Participants the live conversation has but the analytics record does not (yet).
    if let Some(c) = conv {
        for lp in c
            .participants
            .iter()
            .filter(|x| !shown_live.contains(&x.id.as_str()))
        {
            participant(&mut b, None, Some(lp), true, &ctx, src, room);
        }
    }
    // The anatomy comes after the participants and their attributes (what the pane is read for
    // first), a blank line apart.
    if let (Some(row), Some(rec)) = (row, &record)
        && !row.anatomy.is_empty()
    {
        b.text("", Kind::Plain);
        let lanes = row.anatomy.unpack();
        let parts = Parts {
            participants: &rec.participants,
            outside: outside.clone(),
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
                && let Some(a) = r.start
            {
                c.duration = match ended {
                    Some(b) => duration((b - a).num_seconds()),
                    // Going on: the time so far, ticking, as the list shows it.
                    None => format!("+{}", duration((src.now - a).num_seconds().max(0))),
                };
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
    ctx: &Ctx,
    src: &Source,
    room: Room,
) {
    let marks = ctx.marks;
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
    // The customer with no name is their address (as in the list and the timeline).
    fn named(n: Option<&str>) -> Option<&str> {
        n.filter(|n| !n.trim().is_empty())
    }
    let live_address = live
        .filter(|_| a.is_none() && matches!(purpose.as_str(), "customer" | "external"))
        .and_then(crate::facts::live_address);
    let name = named(a.and_then(|p| p.participant_name.as_deref()))
        .or(named(live.and_then(|p| p.name.as_deref())))
        .or(a
            .and_then(|p| p.user_id.as_deref())
            .map(|u| src.names.shown(DirKind::User, u)))
        .or(ctx
            .outside
            .filter(|(id, _)| *id == pid)
            .map(|(_, addr)| addr))
        .or(live_address.as_deref());
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
            attributes(b, lp, marks, src, room);
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
    src: &Source,
    room: Room,
) {
    let rows = attribute_rows(p, marks);
    let key_w = rows
        .iter()
        .map(|r| width(&sanitize(r.0)))
        .max()
        .unwrap_or(0)
        .clamp(3, 28)
        .min(room.w / 3);
    let val_w = room.w.saturating_sub(ATTR_INDENT + key_w + 2).max(8);
    for (k, v, change) in rows {
        let fold = match src.unfolded.get(&(p.id.clone(), k.to_string())) {
            Some(&offset) => Fold::Unfolded {
                offset,
                box_rows: room.box_rows,
            },
            None => Fold::Folded,
        };
        let shape = Shape {
            key_w,
            val_w,
            w: room.w,
            keys: src.keys,
        };
        let (lines, window) = attribute(k, v, change, &shape, fold);
        let first = b.lines.len();
        if let Some((offset, rows, total)) = window {
            b.boxes.push(ValueBox {
                item: b.items.len(),
                lines: first..first + rows,
                offset,
                rows,
                total,
            });
        }
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

/// How a long value is shown.
#[derive(Debug, Clone, Copy)]
enum Fold {
    /// Its first [`FOLD_LINES`] lines.
    Folded,
    /// Whole when it fits `box_rows` lines, else in a box of that many from line `offset`.
    Unfolded { offset: usize, box_rows: usize },
}

/// The columns of the attribute table, and the keys its hints name.
struct Shape<'a> {
    key_w: usize,
    val_w: usize,
    /// The pane's width.
    w: usize,
    keys: &'a Hints,
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
/// beyond [`FOLD_LINES`] lines folded, or when unfolded and longer than the pane has room for,
/// in a box with its own scroll, so that a long value never pushes the other attributes out of
/// sight), the old value of a change, a removal. With the lines, the box if there is one (its
/// lines come first): the value's first line in it, its height and the value's lines in all.
fn attribute(
    k: &str,
    v: &str,
    change: Option<&Change>,
    shape: &Shape,
    fold: Fold,
) -> (Vec<DocLine>, Option<(usize, usize, usize)>) {
    let Shape {
        key_w, val_w, w, ..
    } = *shape;
    let gone = matches!(change.map(|c| &c.kind), Some(ChangeKind::Removed { .. }));
    let (mark, mark_kind) = match change.map(|c| &c.kind) {
        Some(ChangeKind::Added { .. }) => ("+", Kind::Added),
        Some(ChangeKind::Changed { .. }) => ("~", Kind::Changed),
        Some(ChangeKind::Removed { .. }) => ("-", Kind::Removed),
        _ => (" ", Kind::Plain),
    };
    let value_kind = if gone { Kind::Removed } else { Kind::Plain };
    let key = sanitize(k);
    let mut shown = value_lines(v, val_w);
    let total = shown.len();
    let n = v.chars().count();
    // An unfolded value longer than its box: wrapped again, narrower, for the scroll bar.
    let boxed = match fold {
        Fold::Unfolded { offset, box_rows } if total > box_rows.max(FOLD_LINES) => {
            shown = value_lines(v, val_w.saturating_sub(2).max(6));
            let total = shown.len();
            let rows = box_rows.min(total);
            let offset = offset.min(total - rows);
            shown = shown.drain(offset..offset + rows).collect();
            Some((offset, rows, total))
        }
        _ => None,
    };
    let folded = matches!(fold, Fold::Folded) && total > FOLD_LINES;
    let hidden: usize = if folded {
        shown.drain(FOLD_LINES..).map(|l| l.chars().count()).sum()
    } else {
        0
    };
    let bar = boxed.map(|(offset, rows, total)| scroll_bar(offset, rows, total));
    let key_line = |first: bool| {
        let kcol = if first {
            pad(&fit(&key, key_w), key_w)
        } else {
            " ".repeat(key_w)
        };
        vec![
            ("  ".into(), Kind::Plain),
            ((if first { mark } else { " " }).into(), mark_kind),
            (" ".into(), Kind::Plain),
            (kcol, Kind::Key),
            ("  ".into(), Kind::Plain),
        ]
    };
    let mut lines = Vec::new();
    // The key stays on the first line, wherever the box is scrolled to (an empty box, when the
    // document is measured, has no line).
    for (i, vl) in shown.into_iter().enumerate() {
        let mut line = key_line(i == 0);
        match &bar {
            Some(bar) => {
                line.push((pad(&vl, val_w.saturating_sub(2)), value_kind));
                line.push((" ".into(), Kind::Plain));
                line.push(if bar[i] {
                    ("┃".into(), Kind::Plain)
                } else {
                    ("│".into(), Kind::Dim)
                });
            }
            None => line.push((vl, value_kind)),
        }
        lines.push(line);
    }
    let pad_w = " ".repeat(ATTR_INDENT + key_w + 2);
    let keys = shape.keys;
    if let Some((offset, rows, total)) = boxed {
        let last = offset + rows;
        let range = if rows == 0 {
            String::new()
        } else if rows == 1 {
            format!("line {} of {}", num(last), num(total))
        } else {
            format!("lines {}–{} of {}", num(offset + 1), num(last), num(total))
        };
        // The keys before the size: on a narrow pane the end is cut.
        let text = format!(
            "{pad_w}{range} · {} scroll · {} page · {} folds · {} chars",
            keys.scroll,
            keys.page,
            keys.unfold,
            num(n)
        );
        lines.push(vec![(fit(&text, w), Kind::Dim)]);
    } else if folded {
        lines.push(vec![(
            format!(
                "{pad_w}… {} ({} shows it whole)",
                crate::human::count(hidden as u64, "more character"),
                keys.unfold
            ),
            Kind::Dim,
        )]);
    } else if total > FOLD_LINES {
        lines.push(vec![(
            format!("{pad_w}({} chars · {} folds)", num(n), keys.unfold),
            Kind::Dim,
        )]);
    } else if n > LONG_VALUE {
        lines.push(vec![(format!("{pad_w}({} chars)", num(n)), Kind::Dim)]);
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
    (lines, boxed)
}

/// A scroll bar for a window of `rows` lines from `offset` over `total`: which of its rows are
/// the thumb (at least one; at the top and at the bottom exactly when the window is).
fn scroll_bar(offset: usize, rows: usize, total: usize) -> Vec<bool> {
    if rows == 0 || total <= rows {
        return vec![true; rows];
    }
    // Never the whole track while there is more to see.
    let len = (rows * rows).div_ceil(total).clamp(1, (rows - 1).max(1));
    let span = rows - len;
    let max = total - rows;
    // Rounded up, so that the thumb leaves the top on the first step down and reaches the
    // bottom only at the end (rounded down there).
    let at = if offset >= max {
        span
    } else {
        (offset * span).div_ceil(max).min(span.saturating_sub(1))
    };
    (0..rows).map(|i| i >= at && i < at + len).collect()
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
    use super::scroll_bar;

    fn thumb(offset: usize, rows: usize, total: usize) -> Vec<usize> {
        let bar = scroll_bar(offset, rows, total);
        assert_eq!(bar.len(), rows);
        (0..rows).filter(|&i| bar[i]).collect()
    }

    #[test]
    fn the_scroll_bar_says_where_the_window_is() {
        // At the top and the bottom exactly when the window is; never empty, never the whole
        // track while there is more to see.
        assert_eq!(thumb(0, 10, 100), vec![0]);
        assert_eq!(thumb(90, 10, 100), vec![9]);
        assert_eq!(thumb(1, 10, 100), vec![1], "one step down leaves the top");
        assert_eq!(thumb(89, 10, 100), vec![8], "one step short of the end");
        assert_eq!(thumb(0, 10, 20), (0..5).collect::<Vec<_>>());
        assert_eq!(thumb(10, 10, 20), (5..10).collect::<Vec<_>>());
        for total in [11, 50, 358, 20_000] {
            for offset in 0..=total - 10 {
                let t = thumb(offset, 10, total);
                assert!(!t.is_empty() && t.len() < 10, "{offset}/{total}");
                assert_eq!(t[0] == 0, offset == 0, "{offset}/{total}");
                assert_eq!(
                    t[t.len() - 1] == 9,
                    offset == total - 10,
                    "{offset}/{total}"
                );
            }
        }
        // A value that fits: all thumb.
        assert_eq!(thumb(0, 5, 5), (0..5).collect::<Vec<_>>());
    }
}
