//! The header (where we are connected), the status line (lasting state: loading, waits, errors,
//! range notes, what is live) and the footer (the message of the moment, else the keys that
//! work now, from the key table).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::tui::app::State;
use crate::tui::keymap;
use crate::tui::layout::text::{fit, width};

pub fn header(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let demo = s.connection.eq_ignore_ascii_case("demo");
    let w = area.width as usize;
    let title = " convoscope ";
    // Said for good measure: a narrow live view gives it up first.
    let tail = if s.queue_view.is_some() && w < 80 {
        ""
    } else {
        " · read-only"
    };
    let mut spans = vec![Span::styled(title, t.title())];
    let mut used = width(title);
    // What the list follows comes first (it is why the rows move): on a narrow terminal the
    // connection and the org give way before it, and its queues' names before its state.
    if let Some(v) = &s.queue_view {
        let room = w.saturating_sub(used + 3 + width(tail));
        let (what, how) = v.header_parts(s.zone());
        let how = how
            .filter(|h| width(h) + 9 <= room)
            .or_else(|| v.state_short(s.zone()));
        let text = match how {
            Some(how) => format!(
                "{} {how}",
                fit(&what, room.saturating_sub(width(&how) + 1).max(6))
            ),
            None => fit(&what, room),
        };
        used += 3 + width(&text);
        spans.push(Span::styled("· ", t.dim()));
        spans.push(Span::styled(text, t.ok()));
        spans.push(Span::raw(" "));
    }
    // The connection keeps the room it needs, cut visibly; its label goes first, and the whole
    // of it when there is no room left.
    let label = if w >= used + 15 + 10 + width(tail) {
        "· connected to "
    } else {
        "· "
    };
    let room = w.saturating_sub(used + width(label) + 2 + width(tail));
    if room >= 8 || s.queue_view.is_none() {
        let room = room.max(8);
        spans.push(Span::styled(label, t.dim()));
        spans.push(Span::styled(
            format!(" {} ", fit(&s.connection, room)),
            t.connection(demo),
        ));
        used += width(label) + width(&s.connection).min(room) + 2;
    }
    // The organization's own name: two orgs in one region look alike otherwise.
    if let Some(org) = &s.org {
        let left = w.saturating_sub(used + 7 + width(tail));
        if left > 4 {
            spans.push(Span::styled(" · org ", t.dim()));
            spans.push(Span::styled(fit(org, left), t.title()));
        }
    }
    spans.push(Span::styled(tail, t.dim()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn status(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let (text, bad) = s.load_text();
    let mut spans = vec![
        Span::raw(" "),
        Span::styled(text, if bad { t.error() } else { t.plain() }),
    ];
    if let Some(n) = &s.range_note {
        spans.push(Span::styled(format!(" · {n}"), t.dim()));
    }
    // The live part keeps at most three fifths of the line: what is loading matters too.
    let right = fit(&s.live_text(), area.width as usize * 3 / 5);
    let used: usize = spans.iter().map(|s| width(&s.content)).sum();
    let room = (area.width as usize).saturating_sub(width(&right));
    if used > room {
        // Cut visibly rather than lose the end silently.
        let all: String = spans.iter().map(|s| s.content.as_ref()).collect();
        let style = if bad { t.error() } else { t.plain() };
        spans = vec![Span::styled(fit(&all, room), style)];
    } else {
        spans.push(Span::raw(" ".repeat(room - used)));
    }
    spans.push(Span::styled(right, t.ok()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The footer: the message of the moment while there is one (the whole line is its own, so
/// that an export's path is not cut), else the keys that work now.
pub fn footer(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    if let Some(m) = &s.message {
        let w = area.width as usize;
        let line = if width(m) < w {
            Line::from(vec![Span::raw(" "), Span::styled(m.clone(), t.warn())])
        } else {
            // Cut visibly, and say where the whole of it is.
            let more = " (M: in full)";
            Line::from(vec![
                Span::raw(" "),
                Span::styled(fit(m, w.saturating_sub(1 + more.len())), t.warn()),
                Span::styled(more, t.dim()),
            ])
        };
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    // While the filter being typed cannot be read, what is wrong has the line: the list's title
    // has little room for it on a narrow terminal (the filter before it stays meanwhile).
    if s.mode() == keymap::Mode::Filter
        && let Some(e) = &s.list.filter_error
    {
        let e = format!("✗ {}", crate::tui::sanitize::sanitize(e));
        let line = Line::from(vec![
            Span::raw(" "),
            Span::styled(fit(&e, (area.width as usize).saturating_sub(1)), t.error()),
        ]);
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    // Help first: whatever does not fit is in it.
    let mut shown: Vec<_> = s.keymap.active(s.mode()).filter(|b| b.footer).collect();
    shown.sort_by_key(|b| match b.action {
        keymap::Action::Help => 0,
        keymap::Action::Quit | keymap::Action::QuitNow => 1,
        _ => 2,
    });
    // Neighbours that do the same in two directions share a hint: `</> sort col`.
    let mut hints: Vec<(String, &str)> = Vec::new();
    for b in shown {
        match hints.last_mut() {
            Some((k, short)) if *short == b.short => {
                k.push('/');
                k.push_str(&b.keys_label());
            }
            _ => hints.push((b.keys_label(), b.short)),
        }
    }
    for (k, short) in hints {
        let need = width(&k) + 1 + width(short) + 2;
        if used + need > area.width as usize {
            // The rest is in the help overlay; say there is more.
            spans.push(Span::styled("…", t.dim()));
            break;
        }
        used += need;
        spans.push(Span::styled(k, t.key()));
        spans.push(Span::styled(format!(" {short}  "), t.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
