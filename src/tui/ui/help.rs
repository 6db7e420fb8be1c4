//! The `?` overlay, built from the key table: only the keys that work where help was opened.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::tui::app::State;
use crate::tui::filter::FIELDS;
use crate::tui::keymap::Mode;
use crate::tui::layout::centered;
use crate::tui::layout::text::{fit, pad, width, wrap};

pub fn draw(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let mode = s.base_mode();
    let mut bindings: Vec<_> = s.keymap.active(mode).collect();
    // The overlay's own keys, less those already listed (Ctrl-C works everywhere).
    let own: Vec<_> = s
        .keymap
        .active(Mode::Help)
        .filter(|b| !bindings.iter().any(|x| std::ptr::eq(*x, *b)))
        .collect();
    bindings.extend(own);
    let key_w = bindings
        .iter()
        .map(|b| width(&b.keys_label()))
        .max()
        .unwrap_or(4);
    // Two columns when one would not fit the height: nothing is cut off silently.
    let rows_avail = area.height.saturating_sub(6) as usize;
    let columns = if bindings.len() > rows_avail { 2 } else { 1 };
    let per_col = bindings.len().div_ceil(columns);
    let title = format!("Keys in {}", mode_name(mode));
    let longest = bindings.iter().map(|b| width(b.help)).max().unwrap_or(0);
    let w = if columns == 1 {
        // As wide as the content, no wider.
        let content = (key_w + 1 + longest + 1).max(width(&title));
        area.width.saturating_sub(4).min(content as u16 + 2)
    } else {
        area.width.saturating_sub(2).min(140)
    };
    // While typing a filter: what it can say, under the keys.
    let terms = if mode == Mode::Filter {
        wrap(&format!("Terms: {FIELDS}"), (w as usize).saturating_sub(2))
    } else {
        Vec::new()
    };
    let extra = if terms.is_empty() { 0 } else { terms.len() + 1 };
    let h = (per_col as u16 + 4 + extra as u16).min(area.height);
    let r = centered(area, w, h);
    let col_w = (w as usize).saturating_sub(2) / columns;
    let text_w = col_w.saturating_sub(key_w + 2);
    let mut lines = vec![Line::styled(title, t.dim())];
    lines.push(Line::raw(""));
    for row in 0..per_col {
        let mut spans = Vec::new();
        for col in 0..columns {
            if let Some(b) = bindings.get(col * per_col + row) {
                spans.push(Span::styled(pad(&b.keys_label(), key_w), t.key()));
                spans.push(Span::raw(" "));
                spans.push(Span::raw(pad(&fit(b.help, text_w), text_w + 1)));
            }
        }
        lines.push(Line::from(spans));
    }
    if !terms.is_empty() {
        lines.push(Line::raw(""));
        lines.extend(terms.into_iter().map(|l| Line::styled(l, t.dim())));
    }
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(t.border(true))
                .title(Span::styled(" Help ", t.title())),
        ),
        r,
    );
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::FormText => "a date field (letters type)",
        Mode::FormMedia => "the media selector",
        Mode::List => "the conversation list",
        Mode::Detail => "the detail pane",
        Mode::Filter => "the filter (letters type)",
        Mode::Help => "help",
        Mode::OpenId => "the id prompt (letters type)",
        Mode::RawJson => "the raw JSON view",
        Mode::Search => "a search (letters type)",
        Mode::Timeline => "the timeline",
        Mode::Popup => "the copy popup",
        Mode::ApiLog => "the API log",
        Mode::Summary => "the summary",
    }
}
