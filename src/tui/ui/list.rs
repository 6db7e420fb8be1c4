//! The conversation list: only the visible rows are turned into widgets.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::theme::Theme;
use crate::genesys::query::Order;
use crate::tui::app::{Focus, State};
use crate::tui::layout::text::{fit, wrap};
use crate::tui::list::Load;
use crate::tui::row::Cells;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Start,
    Duration,
    Media,
    Direction,
    Customer,
    Agents,
    Id,
}

impl Col {
    fn title(self) -> &'static str {
        match self {
            Col::Start => "Start",
            Col::Duration => "Dur",
            Col::Media => "Media",
            Col::Direction => "Dir",
            Col::Customer => "Customer",
            Col::Agents => "Agent(s)",
            Col::Id => "Conversation id",
        }
    }

    fn text(self, c: &Cells, short_start: bool) -> &str {
        match self {
            Col::Start if short_start => &c.start_short,
            Col::Start => &c.start,
            Col::Duration => &c.duration,
            Col::Media => &c.media,
            Col::Direction => &c.direction,
            Col::Customer => &c.customer,
            Col::Agents => &c.agents,
            Col::Id => &c.id,
        }
    }
}

/// The selection marker's column.
const MARK: u16 = 2;
/// A full conversation id (a UUID).
const ID_FULL: u16 = 36;

/// Column widths for a list `width` columns wide (borders included). The id stays whole
/// unless nothing else can give way; names shrink first.
pub fn columns(width: u16) -> Vec<(Col, u16)> {
    use Col::*;
    let mut cols: Vec<(Col, u16)> = vec![
        (Start, 19),
        (Duration, 6),
        (Media, 20),
        (Direction, 8),
        (Customer, 18),
        (Agents, 22),
        (Id, ID_FULL),
    ];
    let avail =
        |cols: &Vec<(Col, u16)>| width.saturating_sub(2 + MARK + cols.len() as u16 - 1) as i32;
    let used = |cols: &Vec<(Col, u16)>| cols.iter().map(|c| c.1 as i32).sum::<i32>();
    // Shrink steps, in order, until it fits.
    let steps: [(Col, u16); 8] = [
        (Customer, 12),
        (Agents, 12),
        (Media, 12),
        (Start, 11),
        (Id, 8),
        (Customer, 8),
        (Agents, 8),
        (Media, 6),
    ];
    for (col, min) in steps {
        let over = used(&cols) - avail(&cols);
        if over <= 0 {
            break;
        }
        if let Some(c) = cols.iter_mut().find(|c| c.0 == col) {
            let can = c.1.saturating_sub(min) as i32;
            c.1 -= over.min(can) as u16;
        }
    }
    // Still too wide: drop the least needed columns.
    for drop in [Direction, Duration, Media, Agents] {
        if used(&cols) <= avail(&cols) {
            break;
        }
        cols.retain(|c| c.0 != drop);
    }
    // Room to spare: names get it (the id is already whole).
    let spare = avail(&cols) - used(&cols);
    if spare > 0 {
        let has_agents = cols.iter().any(|c| c.0 == Agents);
        let half = if has_agents {
            (spare / 2) as u16
        } else {
            spare as u16
        };
        for c in cols.iter_mut() {
            match c.0 {
                Customer => c.1 += half,
                Agents => c.1 += spare as u16 - half,
                _ => {}
            }
        }
    }
    cols
}

pub fn draw(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let focused = s.focus == Focus::List;
    let l = &s.list;
    let order = match l.order {
        Order::Desc => "newest first",
        Order::Asc => "oldest first",
    };
    let mut title = vec![Span::styled(" Conversations ", t.title())];
    if l.filter.is_empty() && !s.filter_editing {
        title.push(Span::raw(format!("{} · {order} ", l.visible.len())));
    } else {
        title.push(Span::raw(format!(
            "{} of {} · {order} ",
            l.visible.len(),
            l.rows.len()
        )));
        let cursor = if s.filter_editing { "▏" } else { "" };
        title.push(Span::styled(
            format!(
                "/{}{cursor} ",
                super::super::sanitize::sanitize(s.filter_input.value())
            ),
            t.key(),
        ));
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

    let cols = columns(area.width);
    let short_start = cols.iter().any(|c| c.0 == Col::Start && c.1 < 19);
    let height = inner.height.saturating_sub(1) as usize;
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
                .map(|(c, w)| Cell::from(fit(c.title(), *w as usize))),
        ),
    )
    .style(t.title());
    let zone = s.zone();
    // Display strings for the rows on screen only.
    let rows = l.visible[offset..(offset + height).min(l.visible.len())]
        .iter()
        .enumerate()
        .map(|(i, &ri)| {
            let row = l.rows[ri].cells(zone);
            let sel = offset + i == l.cursor;
            let mark = if sel { "▶" } else { " " };
            let cells = std::iter::once(Cell::from(mark)).chain(cols.iter().map(|(c, w)| {
                let text = c.text(&row, short_start);
                Cell::from(fit(text, *w as usize))
            }));
            let r = Row::new(cells);
            if sel { r.style(t.selected(focused)) } else { r }
        });
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(MARK - 1))
        .chain(cols.iter().map(|c| Constraint::Length(c.1)))
        .collect();
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    f.render_widget(table, inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(width: u16) -> u16 {
        let cols = columns(width);
        cols.iter().map(|c| c.1).sum::<u16>() + 2 + MARK + cols.len() as u16 - 1
    }

    #[test]
    fn the_id_is_whole_at_160_columns() {
        let cols = columns(160);
        assert_eq!(cols.iter().find(|c| c.0 == Col::Id).unwrap().1, 36);
        assert!(total(160) <= 160);
    }

    #[test]
    fn narrow_terminals_keep_every_column_but_shorter() {
        let cols = columns(80);
        assert_eq!(cols.len(), 7);
        assert!(total(80) <= 80, "{cols:?}");
        assert!(cols.iter().find(|c| c.0 == Col::Id).unwrap().1 < 36);
        for w in [40, 60, 100, 120, 200] {
            assert!(total(w) <= w, "{w}: {:?}", columns(w));
        }
    }
}
