//! The overlays: the raw JSON view, the change timeline, a value to copy by hand, and the
//! prompt that opens a conversation by id.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::form::visible;
use super::theme::Theme;
use crate::human::{count, num};
use crate::tui::app::State;
use crate::tui::detail::document::role_symbol;
use crate::tui::layout::centered;
use crate::tui::layout::text::{fit, pad, width, wrap};
use crate::tui::raw_json::Tok;
use crate::tui::sanitize::sanitize;
use crate::tui::search::Search;
use crate::tui::watch::{ChangeKind, WatchState};

/// A search as shown: `/text  2/5`, within `w` columns; and the cursor's column in it.
pub fn search_spans(f: &Search, w: usize, t: Theme) -> (Vec<Span<'static>>, u16) {
    let count = f.count();
    let (shown, cur) = visible(&f.input, w.saturating_sub(width(&count) + 4).max(4));
    let spans = vec![
        Span::styled("/", t.key()),
        Span::raw(sanitize(&shown)),
        Span::styled(format!("  {count} "), t.dim()),
    ];
    (spans, 1 + cur as u16)
}

/// Puts the search of a framed view in its title (its cursor there while typing).
fn title_search(
    f: &mut Frame,
    s: &State,
    title: &mut Vec<Span<'static>>,
    search: &Search,
    area: Rect,
    t: Theme,
) {
    if !search.shown() {
        return;
    }
    let used: usize = title.iter().map(|sp| width(&sp.content)).sum();
    let room = (area.width as usize).saturating_sub(used + 4).clamp(10, 40);
    let (spans, cur) = search_spans(search, room, t);
    let x = area.x + 1 + used as u16 + cur;
    title.extend(spans);
    if search.typing && !s.help {
        f.set_cursor_position(Position::new(x.min(area.right().saturating_sub(2)), area.y));
    }
}

fn frame(title: Vec<Span<'static>>, t: Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .title(Line::from(title))
}

/// Clears `area` and draws a framed overlay there; returns its inside.
fn overlay(f: &mut Frame, area: Rect, title: Vec<Span<'static>>, t: Theme) -> Rect {
    let block = frame(title, t);
    let inner = block.inner(area);
    f.render_widget(Clear, area);
    f.render_widget(block, area);
    inner
}

pub fn draw_raw_json(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let Some(r) = &s.raw_json else { return };
    let rows = s.layout.overlay_rows;
    let scroll = r.scroll.min(r.lines.len().saturating_sub(rows.max(1)));
    let mut title = vec![
        Span::styled(" Raw JSON ", t.title()),
        Span::styled(
            format!("{} · GET /api/v2/conversations/{{id}} as received ", r.id),
            t.dim(),
        ),
    ];
    if r.lines.len() > rows {
        title.push(Span::styled(
            format!(
                "{}/{} ",
                num((scroll + rows).min(r.lines.len())),
                num(r.lines.len())
            ),
            t.dim(),
        ));
    }
    let inner = overlay(f, area, title, t);
    // The search line.
    let w = inner.width as usize;
    let search = if r.search.shown() {
        let (spans, cur) = search_spans(&r.search, w, t);
        if r.search.typing && !s.help {
            f.set_cursor_position(Position::new(inner.x + cur, inner.y));
        }
        Line::from(spans)
    } else {
        Line::styled(
            "/ search · n/N next/previous · y copies the JSON · Esc closes",
            t.dim(),
        )
    };
    let current = r.search.line();
    let mut lines = vec![search];
    for (i, l) in r.lines.iter().enumerate().skip(scroll).take(rows) {
        let hit = r.search.matches.binary_search(&i).is_ok();
        let spans: Vec<Span> = l
            .parts
            .iter()
            .map(|(tok, text)| {
                let style = match tok {
                    Tok::Key => t.json_key(),
                    Tok::Str => t.json_str(),
                    Tok::Num | Tok::Lit => t.json_num(),
                    Tok::Punct | Tok::Space => t.plain(),
                };
                let style = if Some(i) == current {
                    t.matched()
                } else if hit {
                    style.add_modifier(ratatui::style::Modifier::UNDERLINED)
                } else {
                    style
                };
                Span::styled(text.clone(), style)
            })
            .collect();
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_timeline(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let Some(v) = &s.timeline else { return };
    let changes = s.timelines.get(&v.id);
    let n = changes.map_or(0, |c| c.len());
    let rows = s.layout.overlay_rows;
    let max = n.saturating_sub(rows.max(1));
    let scroll = if v.stick { max } else { v.scroll.min(max) };
    let watch = s.watch.as_ref().filter(|w| w.id == v.id);
    let state = match watch.map(|w| &w.state) {
        // Never a live marker over a dead feed.
        Some(WatchState::Live) => match watch.and_then(|w| w.stale_since) {
            Some(t) => format!("stale since {}", s.zone().format(t, "%H:%M:%S")),
            None => "LIVE".to_string(),
        },
        Some(WatchState::Paused) => "paused".to_string(),
        Some(WatchState::Ending(why)) => format!("{why}, waiting for the wrap-up"),
        Some(WatchState::Stopped(why)) => format!("stopped: {why}"),
        None => "not watched".to_string(),
    };
    let mut title = vec![
        Span::styled(" Timeline ", t.title()),
        Span::styled(
            format!("{} · {} · {state} ", v.id, count(n as u64, "change")),
            t.dim(),
        ),
    ];
    title_search(f, s, &mut title, &v.search, area, t);
    let current = v.search.line();
    let inner = overlay(f, area, title, t);
    let w = inner.width as usize;
    // Milliseconds: a burst (two changes within 300 ms) reads as one, in order.
    let (time_w, who_w, key_w) = (12, 26.min(w / 4), 24.min(w / 4));
    let rest = w.saturating_sub(time_w + who_w + key_w + 6);
    let mut lines = vec![Line::styled(
        pad(
            &format!(
                "{}  {}  {}  {}",
                pad("Time", time_w),
                pad("Participant", who_w),
                pad("  Key", key_w + 2),
                "Old → new"
            ),
            w,
        ),
        t.title(),
    )];
    match changes {
        None => {
            let hint = if s.watch.as_ref().is_some_and(|w| w.id == v.id) {
                "No change seen yet: changes appear here as the watch finds them."
            } else {
                "No change recorded: w watches this conversation and records every change."
            };
            lines.push(Line::styled(hint, t.dim()));
        }
        Some(cs) => {
            for (i, c) in cs.iter().enumerate().skip(scroll).take(rows) {
                let at = s.zone().format(c.at, "%H:%M:%S%.3f");
                let who = format!("{} {} {}", role_symbol(&c.purpose), c.purpose, c.name);
                let key = sanitize(&c.key);
                let (mark, style, text) = match &c.kind {
                    ChangeKind::Added { value } => {
                        ("+", t.added(), format!("→ {}", sanitize(value)))
                    }
                    ChangeKind::Changed { old, new } => (
                        "~",
                        t.changed(),
                        format!("{} → {}", sanitize(old), sanitize(new)),
                    ),
                    ChangeKind::Removed { old } => {
                        ("-", t.removed(), format!("{} →", sanitize(old)))
                    }
                    ChangeKind::Joined => ("★", t.added(), "joined".into()),
                    ChangeKind::Left => ("⏏", t.warn(), "left".into()),
                    ChangeKind::WrapUp { code } => (
                        "✓",
                        t.dim(),
                        // By its name once the directory has it (analytics names it by id).
                        format!(
                            "wrapped up {}",
                            sanitize(s.names.shown(crate::genesys::directory::Kind::Wrapup, code))
                        ),
                    ),
                };
                let text = match (c.while_reconnecting, c.found_since) {
                    (true, _) => format!("{text} (changed while reconnecting)"),
                    (false, Some(t)) => format!(
                        "{text} (changed since the read at {})",
                        s.zone().format(t, "%H:%M:%S")
                    ),
                    (false, None) => text,
                };
                let mut line = Line::from(vec![
                    Span::styled(pad(&at, time_w), t.dim()),
                    Span::raw("  "),
                    Span::styled(pad(&who, who_w), t.tag(&c.purpose)),
                    Span::raw("  "),
                    Span::styled(mark, style),
                    Span::raw(" "),
                    Span::styled(pad(&key, key_w), t.key()),
                    Span::raw("  "),
                    Span::raw(fit(&text, rest)),
                ]);
                if current == Some(i) {
                    line = line.style(t.matched());
                }
                lines.push(line);
            }
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_popup(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let Some(p) = &s.popup else { return };
    let w = area.width.saturating_sub(4).max(10);
    // Line breaks are the popup's own (the message log); what is between them is sanitised.
    let body: Vec<String> = p
        .text
        .split('\n')
        .flat_map(|l| wrap(&sanitize(l), w.saturating_sub(2) as usize))
        .collect();
    let h = (body.len() as u16 + 3).min(area.height);
    let r = centered(area, w, h);
    let block = frame(
        vec![Span::styled(
            format!(
                " {} ",
                fit(&sanitize(&p.title), w.saturating_sub(4) as usize)
            ),
            t.title(),
        )],
        t,
    );
    let inner = block.inner(r);
    let rows = inner.height.saturating_sub(1) as usize;
    let scroll = p.scroll.min(body.len().saturating_sub(rows.max(1)));
    let mut lines = vec![Line::styled(
        if s.mouse {
            "m turns the mouse off to select · Esc closes"
        } else {
            "select with the mouse · control characters shown escaped · Esc closes"
        },
        t.dim(),
    )];
    lines.extend(body.into_iter().skip(scroll).take(rows).map(Line::raw));
    f.render_widget(Clear, r);
    f.render_widget(block, r);
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_open_id(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let Some(input) = &s.open_id else { return };
    let w = area.width.saturating_sub(4).clamp(10, 60);
    let r = centered(area, w, 4);
    let block = frame(vec![Span::styled(" Open a conversation ", t.title())], t);
    let inner = block.inner(r);
    let iw = inner.width.saturating_sub(3) as usize;
    let (shown, cur) = visible(input, iw);
    let lines = vec![
        Line::from(vec![
            Span::styled(": ", t.key()),
            Span::styled(pad(&sanitize(&shown), iw), t.input(true)),
        ]),
        Line::styled(
            fit(
                "an id or a URL holding one · Enter opens · Esc",
                inner.width as usize,
            ),
            t.dim(),
        ),
    ];
    f.render_widget(Clear, r);
    f.render_widget(block, r);
    f.render_widget(Paragraph::new(lines), inner);
    if !s.help {
        let x = inner.x + 2 + (cur as u16).min(iw as u16);
        f.set_cursor_position(Position::new(x, inner.y));
    }
}

pub fn draw_api_log(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let Some(v) = &s.api_log else { return };
    let n = v.records.len();
    let rows = s.layout.overlay_rows;
    let max = n.saturating_sub(rows.max(1));
    let scroll = if v.stick { max } else { v.scroll.min(max) };
    let mut title = vec![
        Span::styled(" API calls ", t.title()),
        Span::styled(
            format!(
                "the last {} (the log file has them all: convoscope info) ",
                num(n)
            ),
            t.dim(),
        ),
    ];
    title_search(f, s, &mut title, &v.search, area, t);
    let current = v.search.line();
    let inner = overlay(f, area, title, t);
    let w = inner.width as usize;
    let (time_w, method_w, status_w, ms_w, cid_w) = (8, 6, 7, 7, 36.min(w / 4));
    // The rate budget as the answer's inin-ratelimit-* headers told it: spent/allowed, reset.
    let budget_w = 13;
    let path_w = w.saturating_sub(time_w + method_w + status_w + ms_w + budget_w + cid_w + 14);
    let mut lines = vec![Line::styled(
        format!(
            "  {}  {}  {}  {}  {}  {}  {}",
            pad("Time", time_w),
            pad("Method", method_w),
            pad("Path", path_w),
            pad("Status", status_w),
            pad("ms", ms_w),
            pad("Budget", budget_w),
            "Correlation id"
        ),
        t.title(),
    )];
    if n == 0 {
        lines.push(Line::styled("No API call yet.", t.dim()));
    }
    for (i, c) in v.records.iter().enumerate().skip(scroll).take(rows) {
        let (status, style) = match (c.pending, c.status) {
            // Sent, nothing back yet: never a status it did not get.
            (true, _) => ("pending".to_string(), t.warn()),
            (false, Some(st)) if st < 400 && c.error.is_none() => (st.to_string(), t.ok()),
            (false, Some(st)) => (st.to_string(), t.error()),
            (false, None) => ("error".to_string(), t.error()),
        };
        let selected = i == v.selected;
        let mut spans = vec![
            Span::styled(if selected { "▶ " } else { "  " }, t.title()),
            Span::styled(pad(&s.zone().format(c.at, "%H:%M:%S"), time_w), t.dim()),
            Span::raw("  "),
            Span::raw(pad(&sanitize(&c.method), method_w)),
            Span::raw("  "),
            Span::raw(pad(&sanitize(&c.path), path_w)),
            Span::raw("  "),
            Span::styled(pad(&status, status_w), style),
            Span::raw("  "),
            Span::raw(pad(&c.latency.as_millis().to_string(), ms_w)),
            Span::raw("  "),
            Span::styled(
                pad(
                    &c.ratelimit.map_or("-".to_string(), |r| {
                        format!("{}/{} {}s", r.count, r.allowed, r.reset)
                    }),
                    budget_w,
                ),
                t.dim(),
            ),
            Span::raw("  "),
            Span::styled(
                fit(&sanitize(c.correlation_id.as_deref().unwrap_or("-")), cid_w),
                t.dim(),
            ),
        ];
        if let Some(e) = &c.error {
            spans.push(Span::styled(format!("  {}", sanitize(e)), t.error()));
        }
        let mut line = Line::from(spans);
        if current == Some(i) {
            line = line.style(t.matched());
        } else if selected {
            line = line.style(
                ratatui::style::Style::default().add_modifier(ratatui::style::Modifier::REVERSED),
            );
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines), inner);
}
