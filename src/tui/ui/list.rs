//! The conversation list: only the visible rows are turned into widgets.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::theme::Theme;
use crate::genesys::query::Order;
use crate::human::{count, num};
use crate::tui::app::{Focus, State};
use crate::tui::columns::MARK;
use crate::tui::layout::text::{fit, wrap};
use crate::tui::list::Load;

pub fn draw(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let focused = s.focus == Focus::List;
    let l = &s.list;
    let order = match (l.sort.is_start(), l.order) {
        (true, Order::Desc) => "newest first".to_string(),
        (true, Order::Asc) => "oldest first".to_string(),
        // Sorted locally: the rows loaded, by that column.
        (false, Order::Desc) => format!("by {} ↓", l.sort.title()),
        (false, Order::Asc) => format!("by {} ↑", l.sort.title()),
    };
    let mut title = vec![Span::styled(" Conversations ", t.title())];
    if l.filter.is_empty() && !s.filter_editing {
        title.push(Span::raw(format!("{} · {order} ", num(l.visible.len()))));
    } else {
        title.push(Span::raw(format!(
            "{} of {} · {order} ",
            num(l.visible.len()),
            num(l.rows.len())
        )));
        let cursor = if s.filter_editing { "▏" } else { "" };
        title.push(Span::styled(
            format!(
                "/{}{cursor} ",
                super::super::sanitize::sanitize(s.filter_input.value())
            ),
            t.key(),
        ));
        if let Some(e) = &l.filter_error {
            // The user's own text, but sanitised all the same (it may be pasted).
            title.push(Span::styled(
                format!("✗ {} ", super::super::sanitize::sanitize(e)),
                t.error(),
            ));
        } else {
            let n = l.unsearched();
            if n > 0 {
                title.push(Span::styled(
                    format!(
                        "· attributes of {} not searched: attr: loads them ",
                        count(n as u64, "row")
                    ),
                    t.dim(),
                ));
            }
        }
    }
    if s.layout.toggled && !s.zoom {
        title.push(Span::styled("· Tab: detail ", t.dim()));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Line::from(title));
    let inner = block.inner(area);
    f.render_widget(block, area);

    if l.visible.is_empty() {
        if let (Load::Failed(e), true) = (&l.load, l.rows.is_empty()) {
            // The whole message: it says what to do (a permission, the credentials, ...).
            let lines: Vec<Line> = wrap(&format!("✗ {e}"), inner.width as usize)
                .into_iter()
                .map(|l| Line::styled(l, t.error()))
                .collect();
            f.render_widget(Paragraph::new(lines), inner);
            return;
        }
        let msg = if !l.rows.is_empty() {
            "No loaded conversation matches the filter (Esc clears it)."
        } else if l.is_loading() {
            "Loading…"
        } else if l.query_id == 0 {
            "Pick a range above and press Enter."
        } else {
            "No conversation in this range."
        };
        f.render_widget(Paragraph::new(Line::styled(msg, t.dim())), inner);
        return;
    }

    let cols = &s.layout.columns;
    let height = s.layout.list_rows;
    // Clamp here too, in case the state was scrolled for another size.
    let mut offset = l.offset.min(l.visible.len().saturating_sub(height));
    if l.cursor < offset {
        offset = l.cursor;
    } else if l.cursor >= offset + height {
        offset = l.cursor + 1 - height;
    }
    let header = Row::new(
        std::iter::once(Cell::from("")).chain(
            cols.iter()
                .map(|c| Cell::from(fit(c.column().heading(c.width), c.width as usize))),
        ),
    )
    .style(t.title());
    let zone = s.zone();
    // Display strings for the rows on screen only.
    let rows = l.visible[offset..(offset + height).min(l.visible.len())]
        .iter()
        .enumerate()
        .map(|(i, &ri)| {
            let mut cells = l.rows[ri].cells(zone, &s.names);
            // A live row's duration is the time so far, ticking (`+` : it goes on).
            if let (None, Some(start)) = (l.rows[ri].end(), l.rows[ri].start) {
                cells.duration = format!(
                    "+{}",
                    crate::tui::row::duration((s.now - start).num_seconds())
                );
            }
            let sel = offset + i == l.cursor;
            let mark = if sel { "▶" } else { " " };
            let row = std::iter::once(Cell::from(mark)).chain(cols.iter().map(|c| {
                let text = (c.column().cell)(&l.rows[ri], &cells, c.width);
                Cell::from(fit(&text, c.width as usize))
            }));
            let r = Row::new(row);
            if sel { r.style(t.selected(focused)) } else { r }
        });
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(MARK - 1))
        .chain(cols.iter().map(|c| Constraint::Length(c.width)))
        .collect();
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    f.render_widget(table, inner);
}
