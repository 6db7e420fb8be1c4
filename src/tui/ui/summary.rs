//! The summary of the rows shown (`S`), in the detail pane's place: counts and durations, then
//! a bar per group, scaled to the largest, with its count and share.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::theme::Theme;
use crate::human::{count, num};
use crate::tui::anatomy::short_id;
use crate::tui::app::{Focus, State};
use crate::tui::layout::text::{fit, pad, width};
use crate::tui::row::duration;
use crate::tui::summary::{Grouping, HEAD, Summary, SummaryView};

/// Eighths of a cell, for bars finer than a cell.
const EIGHTHS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

/// A bar of `len` eighths of a cell.
fn bar(len: usize) -> String {
    let mut s = "█".repeat(len / 8);
    s.push_str(EIGHTHS[len % 8]);
    s
}

fn head(v: &SummaryView, focused: bool, t: Theme, w: usize) -> Vec<Line<'static>> {
    let s: &Summary = &v.summary;
    let mut first = vec![Span::styled(
        count(s.rows as u64, "conversation"),
        t.title(),
    )];
    if s.live > 0 {
        first.push(Span::styled(format!(" · {} live", num(s.live)), t.plain()));
    }
    if let Some(m) = s.median {
        first.push(Span::styled(" · median ", t.label()));
        first.push(Span::styled(duration(m), t.plain()));
    }
    if let Some((d, id)) = &s.longest {
        first.push(Span::styled(" · longest ", t.label()));
        first.push(Span::styled(duration(*d), t.plain()));
        first.push(Span::styled(format!(" ({})", short_id(id)), t.dim()));
    }
    let next = match v.grouping.next() {
        Some(g) => format!("S: by {}", g.title()),
        None => "S: closes".into(),
    };
    // Esc closes it where it has the keys; from the list, S after the last grouping does.
    let close = if focused { " · Esc closes" } else { "" };
    let by = match (v.grouping, s.key_shown.as_ref().or(s.key.as_ref())) {
        (Grouping::Attribute, Some(k)) => format!("attribute {k}"),
        (Grouping::Attribute, None) => "attribute (none loaded)".into(),
        (g, _) => g.title().to_string(),
    };
    let mut second = vec![
        Span::styled("By ", t.label()),
        Span::styled(fit(&by, w / 2), t.key()),
        Span::styled(format!("   {next}{close}"), t.dim()),
    ];
    if v.grouping == Grouping::Attribute && s.keys.len() > 1 {
        // ←/→ are the summary's keys: from the list, Tab gives it the keyboard first.
        let how = if focused { "←/→" } else { "Tab, ←/→" };
        second.push(Span::styled(
            format!(" · {how}: {} keys", num(s.keys.len())),
            t.dim(),
        ));
    }
    let note = if v.grouping == Grouping::Attribute && s.unloaded > 0 {
        format!(
            "attributes of {} not loaded, not counted: an attr: filter term loads them",
            count(s.unloaded as u64, "row")
        )
    } else if s.multi {
        format!(
            "a conversation with several {}s counts in each",
            v.grouping.title()
        )
    } else {
        String::new()
    };
    vec![
        Line::from(first),
        Line::from(second),
        Line::styled(fit(&note, w), t.dim()),
        Line::default(),
    ]
}

pub fn draw(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let Some(v) = &s.summary else { return };
    let focused = s.focus == Focus::Detail;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Line::from(vec![
            Span::styled(" Summary ", t.title()),
            Span::styled(
                format!("of the {} shown ", count(v.summary.rows as u64, "row")),
                t.dim(),
            ),
        ]));
    // A column of margin on each side.
    let inner = block.inner(area).inner(ratatui::layout::Margin::new(1, 0));
    let w = inner.width as usize;
    let rows = inner.height as usize;
    let mut lines = head(v, focused, t, w);
    debug_assert_eq!(lines.len(), HEAD);
    let bars = &v.summary.bars;
    if bars.is_empty() {
        let why = match v.grouping {
            _ if v.summary.rows == 0 => "no rows shown",
            Grouping::Attribute => "no attribute known among the rows shown",
            _ => "nothing to count",
        };
        lines.push(Line::styled(why, t.dim()));
    }
    let max = bars.iter().map(|b| b.count).max().unwrap_or(1).max(1);
    // The share of the rows counted: by attribute, those whose attributes are loaded.
    let total = match v.grouping {
        Grouping::Attribute => v.summary.rows.saturating_sub(v.summary.unloaded),
        _ => v.summary.rows,
    }
    .max(1);
    let lw = bars
        .iter()
        .map(|b| width(&b.label))
        .max()
        .unwrap_or(0)
        .clamp(6, 32)
        .min(w / 3);
    let nw = num(max).len();
    // label, a space, the bar, a space, the count, the share (` 100%`).
    let bw = w.saturating_sub(lw + 1 + 1 + nw + 5).max(1);
    for b in bars {
        let len = (b.count * bw * 8).div_ceil(max).max(1);
        let style = if b.none { t.dim() } else { t.key() };
        lines.push(Line::from(vec![
            Span::styled(pad(&b.label, lw), if b.none { t.dim() } else { t.plain() }),
            Span::raw(" "),
            Span::styled(bar(len), style),
            Span::styled(format!(" {:>nw$}", num(b.count)), t.plain()),
            Span::styled(format!(" {:>3}%", share(b.count, total)), t.dim()),
        ]));
    }
    let max_scroll = lines.len().saturating_sub(rows.max(1));
    let scroll = v.scroll.min(max_scroll);
    let mut block = block;
    if max_scroll > 0 {
        block = block.title_bottom(Line::styled(
            format!(
                " {}/{} ",
                num((scroll + rows).min(lines.len())),
                num(lines.len())
            ),
            t.dim(),
        ));
    }
    f.render_widget(block, area);
    f.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}

/// `n` of `total` in whole percent, rounded (281 of 2,028 is 14%, not 13%).
fn share(n: usize, total: usize) -> usize {
    (n * 200 + total) / (2 * total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_rounded() {
        assert_eq!(share(281, 2028), 14);
        assert_eq!(share(263, 2028), 13);
        assert_eq!(share(1, 3), 33);
        assert_eq!(share(2, 3), 67);
        assert_eq!(share(4, 4), 100);
        assert_eq!(share(1, 1000), 0);
    }

    #[test]
    fn bars_in_eighths() {
        assert_eq!(bar(8), "█");
        assert_eq!(bar(12), "█▌");
        assert_eq!(bar(3), "▍");
    }
}
