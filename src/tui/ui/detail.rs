//! The detail pane: its document (`tui::detail::document`, made by `update`) styled, with the
//! selected item marked in the gutter, scrolled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::human::num;
use crate::tui::app::{Focus, State};
use crate::tui::detail::document::{DocLine, Kind};
use crate::tui::layout::text::width;

/// The style of a kind of text.
pub fn style(kind: Kind, t: Theme) -> Style {
    match kind {
        Kind::Plain => t.plain(),
        Kind::Dim => t.dim(),
        Kind::Title => t.title(),
        Kind::Label => t.label(),
        Kind::Key => t.key(),
        Kind::Error => t.error(),
        Kind::Warn => t.warn(),
        Kind::Added => t.added(),
        Kind::Changed => t.changed(),
        Kind::Removed => t.removed(),
        Kind::Role(r) => t.role(r),
        Kind::Seg(seg) => t.segment(seg),
    }
}

/// A document line, styled. A line of one part is styled as a whole, so the gutter's marker in
/// front of it shares its style.
fn styled(line: &DocLine, t: Theme) -> Line<'static> {
    match line.as_slice() {
        [(text, kind)] => Line::styled(text.clone(), style(*kind, t)),
        parts => Line::from(
            parts
                .iter()
                .map(|(text, kind)| Span::styled(text.clone(), style(*kind, t)))
                .collect::<Vec<_>>(),
        ),
    }
}

pub fn draw(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let focused = s.focus == Focus::Detail;
    let doc = &s.detail.document;
    let mut title = vec![Span::styled(" Participants & attributes ", t.title())];
    let rows = s.layout.detail_rows();
    // The selected item: a marker in the gutter, and reversed while the pane has focus.
    let sel = doc.selected(s.detail.cursor);
    let matched = s.detail_search.line();
    let all: Vec<Line> = doc
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut line = styled(l, t);
            let on = sel.is_some_and(|it| it.first <= i && i <= it.last);
            let marker = if on && i == sel.map_or(0, |it| it.first) {
                "▶ "
            } else {
                "  "
            };
            line.spans.insert(0, Span::styled(marker, t.title()));
            if matched == Some(i) {
                for sp in line.spans.iter_mut().skip(1) {
                    sp.style = t.matched();
                }
            } else if on && focused {
                for sp in line.spans.iter_mut().skip(1) {
                    sp.style = sp.style.add_modifier(Modifier::REVERSED);
                }
            }
            line
        })
        .collect();
    let max = doc.max_scroll(rows);
    let scroll = s.detail.scroll.min(max);
    if max > 0 {
        title.push(Span::styled(
            format!(
                "{}/{} ",
                num((scroll + rows).min(all.len())),
                num(all.len())
            ),
            t.dim(),
        ));
    }
    if s.layout.toggled && !s.zoom {
        title.push(Span::styled("· Tab: form ", t.dim()));
    }
    if s.detail_search.shown() {
        let used: usize = title.iter().map(|sp| width(&sp.content)).sum();
        let room = (area.width as usize).saturating_sub(used + 4).clamp(10, 40);
        let (spans, cur) = super::views::search_spans(&s.detail_search, room, t);
        if s.detail_search.typing && !s.help {
            let x = area.x + 1 + used as u16 + cur;
            f.set_cursor_position(ratatui::layout::Position::new(
                x.min(area.right().saturating_sub(2)),
                area.y,
            ));
        }
        title.extend(spans);
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Line::from(title));
    let p = Paragraph::new(all).block(block).scroll((scroll as u16, 0));
    f.render_widget(p, area);
}
