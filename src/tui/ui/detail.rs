//! The detail pane: the conversation's header, then every participant in order with its role
//! tag and attributes. Built as plain lines (wrapped here) so scrolling is exact, together with
//! the selectable items (conversation, participants, attributes) and the lines each takes.
//!
//! While a conversation is watched, what changed recently is marked with a symbol and a style
//! (never colour alone): `+` added, `~` changed (with the old value), `-` removed, `★` joined.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::text::{fit, pad, width, wrap};
use super::theme::Theme;
use crate::genesys::model::{
    AnalyticsParticipant, Conversation, ConversationParticipant, parse_time,
};
use crate::tui::app::{Focus, State};
use crate::tui::detail::{Fetched, Item, ItemSpan};
use crate::tui::row::{Row, duration};
use crate::tui::sanitize::{sanitize, sanitize_opt};
use crate::tui::watch::{Change, ChangeKind, WatchState};

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

/// The selection gutter: `▶ ` on the selected item's lines.
const GUTTER: usize = 2;
/// Attribute lines: indent, the change mark, a space.
const ATTR_INDENT: usize = 4;
/// Values longer than this say how long they are.
const LONG_VALUE: usize = 200;

/// The pane's content for an inner width: its lines and its selectable items.
pub struct Pane {
    pub lines: Vec<Line<'static>>,
    pub items: Vec<ItemSpan>,
}

struct Builder {
    lines: Vec<Line<'static>>,
    items: Vec<ItemSpan>,
}

impl Builder {
    fn line(&mut self, l: Line<'static>) {
        self.lines.push(l);
    }

    /// Adds the lines of one item.
    fn item(&mut self, item: Item, lines: Vec<Line<'static>>) {
        let first = self.lines.len();
        self.lines.extend(lines);
        let last = self.lines.len().saturating_sub(1).max(first);
        self.items.push(ItemSpan { item, first, last });
    }
}

/// Recent changes of the conversation, by (participant id, key); the key is empty for a
/// participant joining or leaving. The newest wins.
type Marks<'a> = HashMap<(&'a str, &'a str), &'a Change>;

pub fn pane(s: &State, w: usize, t: Theme) -> Pane {
    let mut b = Builder {
        lines: Vec::new(),
        items: Vec::new(),
    };
    let Some(id) = s.subject() else {
        let msg = if s.list.rows.is_empty() {
            "No conversation selected: load a range, then pick a row (or : opens one by id)."
        } else {
            "No conversation selected."
        };
        b.line(Line::styled(msg, t.dim()));
        return Pane {
            lines: b.lines,
            items: b.items,
        };
    };
    let row = s.list.row(id);
    let shown = s.detail.shown();
    let live = match shown {
        Some(Fetched::Loaded(snap)) => Some(snap),
        _ => None,
    };
    let header = header(s, id, row, live.map(|l| l.conv.as_ref()), w, t);
    b.item(Item::Conversation(id.to_string()), header);
    let watched = s
        .watch
        .as_ref()
        .filter(|wt| wt.id == id && wt.state == WatchState::Live);
    match shown {
        Some(Fetched::Loaded(snap)) => {
            let at = s.zone().format(snap.at, "%H:%M:%S");
            let text = if watched.is_some() {
                format!("LIVE: read at {at} · marks: + added  ~ changed  - removed  ★ joined")
            } else {
                format!("attributes as read at {at} (r reads them again, w watches)")
            };
            b.line(Line::styled(text, t.dim()));
        }
        Some(Fetched::Failed(e)) => {
            for l in wrap(&format!("✗ attributes unavailable: {e}"), w) {
                b.line(Line::styled(l, t.error()));
            }
            b.line(Line::styled("  r: try again", t.dim()));
        }
        None => {
            let frame = SPINNER[s.spinner % SPINNER.len()];
            let text = match s.detail.pending.as_ref().and_then(|p| p.wait.as_ref()) {
                Some((until, why)) if *until > s.now => {
                    let secs = ((*until - s.now).num_milliseconds() + 999) / 1000;
                    format!("{frame} loading attributes: {why}, retrying in {secs} s")
                }
                _ => format!("{frame} loading attributes…"),
            };
            b.line(Line::styled(text, t.dim()));
        }
    }
    b.line(Line::raw(""));
    let mut marks: Marks = HashMap::new();
    for c in s.timelines.recent(id, s.now) {
        marks
            .entry((c.participant_id.as_str(), c.key.as_str()))
            .or_insert(c);
    }
    let conv = live.map(|l| l.conv.as_ref());
    let mut shown_live: Vec<&str> = Vec::new();
    if let Some(row) = row {
        for p in &row.conversation().participants {
            let lp = conv.and_then(|c| c.participants.iter().find(|x| x.id == p.participant_id));
            if let Some(lp) = lp {
                shown_live.push(&lp.id);
            }
            participant(&mut b, Some(p), lp, conv.is_some(), &marks, s, w, t);
        }
    }
    // Participants the live conversation has but the analytics record does not (yet).
    if let Some(c) = conv {
        for lp in c
            .participants
            .iter()
            .filter(|x| !shown_live.contains(&x.id.as_str()))
        {
            participant(&mut b, None, Some(lp), true, &marks, s, w, t);
        }
    }
    Pane {
        lines: b.lines,
        items: b.items,
    }
}

fn header(
    s: &State,
    id: &str,
    row: Option<&Row>,
    live: Option<&Conversation>,
    w: usize,
    t: Theme,
) -> Vec<Line<'static>> {
    let zone = s.zone();
    let fmt = |d| zone.format(d, "%Y-%m-%d %H:%M:%S");
    let (start, end, dur, media, direction) = match (row, live) {
        (Some(r), _) => {
            let c = r.cells(zone);
            let end = r.end().map(fmt).unwrap_or_else(|| "live".into());
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
    let kv = |k: &str, v: String| {
        vec![
            Span::styled(format!("{k} "), t.label()),
            Span::styled(v, t.plain()),
        ]
    };
    let mut first = kv("Conversation", sanitize(id));
    first[1] = first[1].clone().style(t.title());
    if row.is_none() {
        first.push(Span::styled("  (opened by id: not in the list)", t.dim()));
    }
    let mut lines = vec![Line::from(first)];
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
    // Pack the fields into as few lines as the width allows.
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (k, v) in fields.into_iter().filter(|(_, v)| !v.is_empty()) {
        let need = width(k) + 1 + width(&v) + 3;
        if used > 0 && used + need > w {
            lines.push(Line::from(std::mem::take(&mut line)));
            used = 0;
        }
        if used > 0 {
            line.push(Span::raw("   "));
        }
        line.extend(kv(k, v));
        used += need;
    }
    lines.push(Line::from(line));
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

#[allow(clippy::too_many_arguments)]
fn participant(
    b: &mut Builder,
    a: Option<&AnalyticsParticipant>,
    live: Option<&ConversationParticipant>,
    fetched: bool,
    marks: &Marks,
    s: &State,
    w: usize,
    t: Theme,
) {
    let pid = a
        .map(|p| p.participant_id.as_str())
        .or(live.map(|p| p.id.as_str()))
        .unwrap_or("");
    let purpose = a
        .and_then(|p| p.purpose.as_deref())
        .or(live.and_then(|p| p.purpose.as_deref()))
        .unwrap_or("unknown");
    let purpose = sanitize(purpose);
    let name = a
        .and_then(|p| p.participant_name.as_deref())
        .or(live.and_then(|p| p.name.as_deref()));
    let mut spans = vec![
        Span::styled(
            format!("{} {purpose}", role_symbol(&purpose)),
            t.tag(&purpose),
        ),
        Span::raw("  "),
        Span::styled(sanitize_opt(name.or(Some("(no name)"))), t.title()),
    ];
    if let Some(c) = marks.get(&(pid, "")) {
        let at = s.zone().format(c.at, "%H:%M:%S");
        let (text, style) = match c.kind {
            ChangeKind::Left => (format!("  ⏏ left {at}"), t.warn()),
            _ => (format!("  ★ joined {at}"), t.added()),
        };
        spans.push(Span::styled(text, style));
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
        spans.push(Span::styled(format!("  {}", extra.join(" · ")), t.dim()));
    }
    b.item(Item::Participant(pid.to_string()), vec![Line::from(spans)]);
    let indent = " ".repeat(ATTR_INDENT);
    match live {
        None if fetched => b.line(Line::styled(
            format!("{indent}(not in the live conversation: no attributes)"),
            t.dim(),
        )),
        None => {}
        Some(lp) => {
            attributes(b, lp, marks, w, t);
            if lp.attributes.is_empty() && !marks.keys().any(|(p, k)| *p == pid && !k.is_empty()) {
                b.line(Line::styled(format!("{indent}(no attributes)"), t.dim()));
            }
        }
    }
}

/// The attributes as a key/value table sorted by key (a BTreeMap already is); long values
/// wrapped (with their length), JSON values pretty-printed; recent changes marked, and
/// recently removed attributes shown struck through.
fn attributes(b: &mut Builder, p: &ConversationParticipant, marks: &Marks, w: usize, t: Theme) {
    let removed: Vec<(&str, &str)> = marks
        .iter()
        .filter(|((pid, k), _)| *pid == p.id && !k.is_empty() && !p.attributes.contains_key(*k))
        .filter_map(|(_, c)| match &c.kind {
            ChangeKind::Removed { old } => Some((c.key.as_str(), old.as_str())),
            _ => None,
        })
        .collect();
    let keys = p
        .attributes
        .keys()
        .map(String::as_str)
        .chain(removed.iter().map(|r| r.0));
    let key_w = keys
        .map(|k| width(&sanitize(k)))
        .max()
        .unwrap_or(0)
        .clamp(3, 28)
        .min(w / 3);
    let val_w = w.saturating_sub(ATTR_INDENT + key_w + 2).max(8);
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
    for (k, old) in &removed {
        rows.push((k, old, marks.get(&(p.id.as_str(), *k)).copied()));
    }
    rows.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v, change) in rows {
        let gone = matches!(change.map(|c| &c.kind), Some(ChangeKind::Removed { .. }));
        let (mark, mark_style) = match change.map(|c| &c.kind) {
            Some(ChangeKind::Added { .. }) => ("+", t.added()),
            Some(ChangeKind::Changed { .. }) => ("~", t.changed()),
            Some(ChangeKind::Removed { .. }) => ("-", t.removed()),
            _ => (" ", t.plain()),
        };
        let value_style = if gone { t.removed() } else { t.plain() };
        let key = sanitize(k);
        let mut lines = Vec::new();
        let mut first = true;
        for vl in value_lines(v, val_w) {
            let kcol = if first {
                pad(&fit(&key, key_w), key_w)
            } else {
                " ".repeat(key_w)
            };
            lines.push(Line::from(vec![
                Span::raw("  "),
                Span::styled(if first { mark } else { " " }, mark_style),
                Span::raw(" "),
                Span::styled(kcol, t.key()),
                Span::raw("  "),
                Span::styled(vl, value_style),
            ]));
            first = false;
        }
        let pad_w = " ".repeat(ATTR_INDENT + key_w + 2);
        let n = v.chars().count();
        if n > LONG_VALUE {
            lines.push(Line::styled(
                format!("{pad_w}({} chars)", thousands(n)),
                t.dim(),
            ));
        }
        if let Some(Change {
            kind: ChangeKind::Changed { old, .. },
            ..
        }) = change
        {
            let was = fit(&sanitize(old), val_w.saturating_sub(5).max(4));
            lines.push(Line::styled(format!("{pad_w}was: {was}"), t.dim()));
        }
        if gone {
            lines.push(Line::styled(format!("{pad_w}(removed)"), t.dim()));
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

/// `20000` -> `20,000`.
fn thousands(n: usize) -> String {
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

/// The detail pane's inner area when shown.
fn inner(s: &State) -> Option<Rect> {
    super::layout::areas(s)
        .detail
        .map(|r| Block::default().borders(Borders::ALL).inner(r))
}

/// The items, the pane's inner height and its number of lines, for moving the cursor. When
/// the pane is hidden (narrow terminals take turns), as it would be drawn full width.
pub fn geometry(s: &State) -> (Vec<ItemSpan>, usize, usize) {
    let (w, h) = match inner(s) {
        Some(r) => (r.width as usize, r.height as usize),
        None => (
            s.width.saturating_sub(2) as usize,
            s.height.saturating_sub(8) as usize,
        ),
    };
    let p = pane(s, w.saturating_sub(GUTTER), Theme::mono());
    (p.items, h, p.lines.len())
}

/// How far the pane can scroll: its lines less its height.
pub fn max_scroll(s: &State) -> usize {
    let (_, h, n) = geometry(s);
    n.saturating_sub(h)
}

pub fn draw(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let focused = s.focus == Focus::Detail;
    let mut title = vec![Span::styled(" Participants & attributes ", t.title())];
    let block_inner = Block::default().borders(Borders::ALL).inner(area);
    let pane = pane(s, (block_inner.width as usize).saturating_sub(GUTTER), t);
    let mut all = pane.lines;
    // The selected item: a marker in the gutter, and reversed while the pane has focus.
    let sel = pane
        .items
        .get(s.detail.cursor.min(pane.items.len().saturating_sub(1)));
    for (i, line) in all.iter_mut().enumerate() {
        let on = sel.is_some_and(|it| it.first <= i && i <= it.last);
        let marker = if on && i == sel.map_or(0, |it| it.first) {
            "▶ "
        } else {
            "  "
        };
        line.spans.insert(0, Span::styled(marker, t.title()));
        if on && focused {
            for sp in line.spans.iter_mut().skip(1) {
                sp.style = sp.style.add_modifier(Modifier::REVERSED);
            }
        }
    }
    let max = all.len().saturating_sub(block_inner.height as usize);
    let scroll = s.detail.scroll.min(max);
    if max > 0 {
        title.push(Span::styled(
            format!(
                "{}/{} ",
                (scroll + block_inner.height as usize).min(all.len()),
                all.len()
            ),
            t.dim(),
        ));
    }
    if super::layout::toggled(s) && !s.zoom {
        title.push(Span::styled("· Tab: form ", t.dim()));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Line::from(title));
    let p = Paragraph::new(all).block(block).scroll((scroll as u16, 0));
    f.render_widget(p, area);
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
