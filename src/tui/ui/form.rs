//! The form: From, To, Media on one line, Query on the next; problems or a hint under them.

use ratatui::Frame;
use ratatui::layout::Position;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use tui_input::Input;

use super::theme::Theme;
use crate::tui::app::{Focus, State};
use crate::tui::form::Field;
use crate::tui::layout::form::{FormLayout, label, marker};
use crate::tui::layout::text::{fit, pad};

pub fn draw(f: &mut Frame, s: &State, fl: &FormLayout, t: Theme) {
    let area = fl.area;
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
    let fw = fl.field_width;
    let mut spans = Vec::new();
    let mut cursor = None;
    for (field, name, input, bad) in [
        (
            Field::From,
            "From",
            &s.form.from,
            s.form.problems.from.is_some(),
        ),
        (Field::To, "To", &s.form.to, s.form.problems.to.is_some()),
    ] {
        let active = focused && s.form.field == field;
        spans.push(Span::styled(
            label(name, active, bad),
            if bad { t.error() } else { t.label() },
        ));
        let (shown, cur) = visible(input, fw);
        if let (true, Some(x)) = (active, fl.box_x(field)) {
            cursor = Some(Position::new(x + cur as u16, fl.y));
        }
        spans.push(Span::styled(pad(&shown, fw), t.input(active)));
        spans.push(Span::raw("  "));
    }
    let active = focused && s.form.field == Field::Media;
    spans.push(Span::styled(format!("{}Media ", marker(active)), t.label()));
    spans.push(Span::styled(
        format!("◂ {} ▸", s.form.media.label()),
        t.input(active),
    ));
    let mut lines = vec![Line::from(spans)];
    let active = focused && s.form.field == Field::Query;
    let bad = s.form.problems.query.is_some();
    let (shown, cur) = visible(&s.form.query, fl.query_width.max(1));
    if active {
        cursor = Some(Position::new(fl.query_box + cur as u16, fl.y + 1));
    }
    let query_shown = if shown.trim().is_empty() && !active {
        Span::styled(
            pad(
                "(server-side search: queue:NAME agent:NAME dir:inbound live …)",
                fl.query_width,
            ),
            t.dim(),
        )
    } else {
        Span::styled(pad(&shown, fl.query_width), t.input(active))
    };
    lines.push(Line::from(vec![
        Span::styled(
            label("Query", active, bad),
            if bad { t.error() } else { t.label() },
        ),
        query_shown,
    ]));
    for (m, bad) in &fl.messages {
        lines.push(Line::styled(
            m.as_str(),
            if *bad { t.error() } else { t.dim() },
        ));
    }
    f.render_widget(Paragraph::new(lines), inner);
    if let Some(p) = cursor
        && !s.help
        && !s.overlay_open()
    {
        f.set_cursor_position(p);
    }
}

/// The part of an input that fits in `w` columns, and the cursor's column in it.
pub fn visible(input: &Input, w: usize) -> (String, usize) {
    let scroll = input.visual_scroll(w.saturating_sub(1));
    let shown: String = input.value().chars().skip(scroll).collect();
    let cur = input.visual_cursor().saturating_sub(scroll);
    (fit(&shown, w), cur)
}
