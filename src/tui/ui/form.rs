//! The date-range form: From, To, Media on one line; problems or a hint under them.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use tui_input::Input;

use super::text::{fit, pad, wrap};
use super::theme::Theme;
use crate::tui::app::{Focus, State};
use crate::tui::form::Field;

const MAX_MESSAGE_LINES: usize = 3;

/// The messages under the fields, wrapped to the form's inner width.
fn messages(s: &State, width: u16) -> Vec<(String, bool)> {
    let w = width.saturating_sub(2) as usize;
    let p = &s.form.problems;
    let mut out = Vec::new();
    for (label, m) in [("From", &p.from), ("To", &p.to), ("Range", &p.range)] {
        if let Some(m) = m {
            // Continuation lines indent under the text, past the mark.
            for (i, l) in wrap(&format!("✗ {label}: {m}"), w.saturating_sub(3))
                .into_iter()
                .enumerate()
            {
                out.push((format!("{}{l}", if i == 0 { " " } else { "   " }), true));
            }
        }
    }
    if out.is_empty() {
        let hint = match &s.form.note {
            Some(n) => format!(" ℹ {n}"),
            None => {
                " e.g. 2026-11-24 08:00, 2026-11-24, -2h, -7d, yesterday, now · Enter loads".into()
            }
        };
        out.push((fit(&hint, w), false));
    }
    out.truncate(MAX_MESSAGE_LINES);
    out
}

/// The form's height: borders, the fields line, the messages.
pub fn height(s: &State) -> u16 {
    2 + 1 + messages(s, s.width).len() as u16
}

/// Width of each text field's box.
fn field_width(total: u16) -> usize {
    // Borders, "▸From ✗ " box "  ▸To ✗ " box "  ▸Media ◂ All messaging ▸".
    let rest = 2 + 8 + 2 + 6 + 2 + 7 + 17;
    ((total as usize).saturating_sub(rest) / 2).clamp(8, 28)
}

pub fn draw(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let focused = s.focus == Focus::Form;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Span::styled(
            format!(" Range · times in {} ", s.zone_label),
            t.title(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let fw = field_width(area.width);
    let mut spans = Vec::new();
    let mut cursor = None;
    let mut x = inner.x;
    for (field, label, input, bad) in [
        (
            Field::From,
            "From",
            &s.form.from,
            s.form.problems.from.is_some(),
        ),
        (Field::To, "To", &s.form.to, s.form.problems.to.is_some()),
    ] {
        let active = focused && s.form.field == field;
        let label = format!("{}{label}{} ", marker(active), if bad { " ✗" } else { "" });
        x += super::text::width(&label) as u16;
        spans.push(Span::styled(label, if bad { t.error() } else { t.label() }));
        let (shown, cur) = visible(input, fw);
        if active {
            cursor = Some(Position::new(x + cur as u16, inner.y));
        }
        spans.push(Span::styled(pad(&shown, fw), t.input(active)));
        spans.push(Span::raw("  "));
        x += fw as u16 + 2;
    }
    let active = focused && s.form.field == Field::Media;
    spans.push(Span::styled(format!("{}Media ", marker(active)), t.label()));
    spans.push(Span::styled(
        format!("◂ {} ▸", s.form.media.label()),
        t.input(active),
    ));
    let mut lines = vec![Line::from(spans)];
    for (m, bad) in messages(s, area.width) {
        lines.push(Line::styled(m, if bad { t.error() } else { t.dim() }));
    }
    f.render_widget(Paragraph::new(lines), inner);
    if let Some(p) = cursor
        && !s.help
        && !s.overlay_open()
    {
        f.set_cursor_position(p);
    }
}

/// Which field a click at column `x` of the form's fields line lands on.
pub fn field_at(s: &State, area: Rect, x: u16) -> Field {
    let inner_x = area.x + 1;
    let fw = field_width(area.width) as u16;
    let label = |name: &str, bad: bool| {
        super::text::width(&format!(" {name}{} ", if bad { " ✗" } else { "" })) as u16
    };
    let from_end = inner_x + label("From", s.form.problems.from.is_some()) + fw + 2;
    let to_end = from_end + label("To", s.form.problems.to.is_some()) + fw + 2;
    if x < from_end {
        Field::From
    } else if x < to_end {
        Field::To
    } else {
        Field::Media
    }
}

fn marker(active: bool) -> &'static str {
    if active { "▸" } else { " " }
}

/// The part of an input that fits in `w` columns, and the cursor's column in it.
pub fn visible(input: &Input, w: usize) -> (String, usize) {
    let scroll = input.visual_scroll(w.saturating_sub(1));
    let shown: String = input.value().chars().skip(scroll).collect();
    let cur = input.visual_cursor().saturating_sub(scroll);
    (fit(&shown, w), cur)
}
