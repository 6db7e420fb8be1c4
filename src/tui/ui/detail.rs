//! The detail pane: the selected conversation's header, then every participant in order with
//! its role tag and attributes. Built as plain lines (wrapped here) so scrolling is exact.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::text::{fit, pad, width, wrap};
use super::theme::Theme;
use crate::genesys::model::{AnalyticsParticipant, ConversationParticipant};
use crate::tui::app::{Focus, State};
use crate::tui::detail::Fetched;
use crate::tui::list::Row;
use crate::tui::sanitize::{sanitize, sanitize_opt};

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

const INDENT: &str = "    ";

/// The pane's lines for an inner width of `w` columns.
pub fn lines(s: &State, w: usize, t: Theme) -> Vec<Line<'static>> {
    let Some(row) = s.list.selected_row().filter(|_| !s.list.visible.is_empty()) else {
        let msg = if s.list.rows.is_empty() {
            "No conversation selected: load a range, then pick a row."
        } else {
            "No conversation selected."
        };
        return vec![Line::styled(msg, t.dim())];
    };
    let mut out = header(s, row, w, t);
    let live = match s.detail.shown() {
        Some(Fetched::Loaded(c, at)) => {
            let at = s.zone().format(*at, "%H:%M:%S");
            out.push(Line::styled(
                format!("attributes as read at {at} (r reads them again)"),
                t.dim(),
            ));
            Some(c.as_ref())
        }
        Some(Fetched::Failed(e)) => {
            for l in wrap(&format!("✗ attributes unavailable: {e}"), w) {
                out.push(Line::styled(l, t.error()));
            }
            out.push(Line::styled("  r: try again", t.dim()));
            None
        }
        None => {
            let frame = SPINNER[s.spinner % SPINNER.len()];
            out.push(Line::styled(
                format!("{frame} loading attributes…"),
                t.dim(),
            ));
            None
        }
    };
    out.push(Line::raw(""));
    let mut shown_live: Vec<&str> = Vec::new();
    for p in &row.conv.participants {
        let lp = live.and_then(|c| c.participants.iter().find(|x| x.id == p.participant_id));
        if let Some(lp) = lp {
            shown_live.push(&lp.id);
        }
        participant(&mut out, Some(p), lp, live.is_some(), w, t);
    }
    // Participants the live conversation has but the analytics record does not (yet).
    if let Some(c) = live {
        for lp in c
            .participants
            .iter()
            .filter(|x| !shown_live.contains(&x.id.as_str()))
        {
            participant(&mut out, None, Some(lp), true, w, t);
        }
    }
    out
}

fn header(s: &State, row: &Row, w: usize, t: Theme) -> Vec<Line<'static>> {
    let c = &row.cells;
    let zone = s.zone();
    let end = match row.conv.end() {
        Some(e) => zone.format(e, "%Y-%m-%d %H:%M:%S"),
        None => "live".into(),
    };
    let kv = |k: &str, v: String| {
        vec![
            Span::styled(format!("{k} "), t.label()),
            Span::styled(v, t.plain()),
        ]
    };
    let mut id = kv("Conversation", c.id.clone());
    id[1] = id[1].clone().style(t.title());
    let mut lines = vec![Line::from(id)];
    let fields = [
        ("Start", c.start.clone()),
        ("End", end),
        ("Duration", c.duration.clone()),
        ("Media", c.media.clone()),
        ("Direction", c.direction.clone()),
    ];
    // Pack the fields into as few lines as the width allows.
    let mut line: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (k, v) in fields {
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

fn participant(
    out: &mut Vec<Line<'static>>,
    a: Option<&AnalyticsParticipant>,
    live: Option<&ConversationParticipant>,
    fetched: bool,
    w: usize,
    t: Theme,
) {
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
    out.push(Line::from(spans));
    match live {
        None if fetched => out.push(Line::styled(
            format!("{INDENT}(not in the live conversation: no attributes)"),
            t.dim(),
        )),
        None => {}
        Some(lp) if lp.attributes.is_empty() => {
            out.push(Line::styled(format!("{INDENT}(no attributes)"), t.dim()))
        }
        Some(lp) => attributes(out, lp, w, t),
    }
}

/// The attributes as a key/value table sorted by key (a BTreeMap already is); long values
/// wrapped, JSON values pretty-printed.
fn attributes(out: &mut Vec<Line<'static>>, p: &ConversationParticipant, w: usize, t: Theme) {
    let keys: Vec<String> = p.attributes.keys().map(|k| sanitize(k)).collect();
    let key_w = keys
        .iter()
        .map(|k| width(k))
        .max()
        .unwrap_or(0)
        .clamp(3, 28)
        .min(w / 3);
    let val_w = w.saturating_sub(INDENT.len() + key_w + 2).max(8);
    for (k, v) in keys.iter().zip(p.attributes.values()) {
        let mut first = true;
        for vl in value_lines(v, val_w) {
            let kcol = if first {
                pad(&fit(k, key_w), key_w)
            } else {
                " ".repeat(key_w)
            };
            first = false;
            out.push(Line::from(vec![
                Span::raw(INDENT),
                Span::styled(kcol, t.key()),
                Span::raw("  "),
                Span::raw(vl),
            ]));
        }
    }
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

/// The detail pane's area when shown (for the focused layout).
fn inner(s: &State) -> Option<Rect> {
    super::layout::areas(s)
        .detail
        .map(|r| Block::default().borders(Borders::ALL).inner(r))
}

/// How far the pane can scroll: its lines less its height.
pub fn max_scroll(s: &State) -> usize {
    let Some(r) = inner(s) else { return 0 };
    let n = lines(s, r.width as usize, Theme::mono()).len();
    n.saturating_sub(r.height as usize)
}

pub fn draw(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let focused = s.focus == Focus::Detail;
    let mut title = vec![Span::styled(" Participants & attributes ", t.title())];
    let block_inner = Block::default().borders(Borders::ALL).inner(area);
    let all = lines(s, block_inner.width as usize, t);
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
