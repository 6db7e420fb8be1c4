//! The header (where we are connected), the status line (loading, waits, errors, messages) and
//! the footer (the keys that work now, from the key table).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::detail::SPINNER;
use super::text::{fit, width};
use super::theme::Theme;
use crate::tui::app::State;
use crate::tui::keymap;
use crate::tui::list::Load;
use crate::tui::watch::WatchState;

pub fn header(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let demo = s.connection.eq_ignore_ascii_case("demo");
    // The connection is what matters most here: it keeps the room it needs, cut visibly.
    let room = (area.width as usize).saturating_sub(12 + 15 + 2).max(8);
    let mut spans = vec![
        Span::styled(" convoscope ", t.title()),
        Span::styled("· connected to ", t.dim()),
        Span::styled(
            format!(" {} ", fit(&s.connection, room)),
            t.connection(demo),
        ),
    ];
    // The organization's own name: two orgs in one region look alike otherwise.
    let used = 12 + 15 + width(&s.connection).min(room) + 2;
    if let Some(org) = &s.org {
        let left = (area.width as usize).saturating_sub(used + 14);
        if left > 4 {
            spans.push(Span::styled(" · org ", t.dim()));
            spans.push(Span::styled(fit(org, left), t.title()));
        }
    }
    spans.push(Span::styled(" · read-only", t.dim()));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The status line's text (without styling), for the loading state.
pub fn load_text(s: &State) -> (String, bool) {
    let l = &s.list;
    let frame = SPINNER[s.spinner % SPINNER.len()];
    let counts = if l.total > 0 {
        format!("loaded {} of {}", l.loaded, l.total)
    } else {
        format!("loaded {}", l.loaded)
    };
    match &l.load {
        Load::Idle => ("ready: pick a range and press Enter".into(), false),
        Load::Loading => (format!("{frame} loading… {counts}"), false),
        Load::Waiting { until, reason } => {
            let secs = ((*until - s.now).num_milliseconds().max(0) + 999) / 1000;
            (
                format!("{frame} {reason}, retrying in {secs} s · {counts}"),
                false,
            )
        }
        Load::Done => (format!("✓ {counts}"), false),
        Load::Stopped => (format!("■ stopped: {counts}"), false),
        Load::Failed(e) => {
            let resume = if l.resume.is_some() {
                " · r resumes"
            } else {
                ""
            };
            (format!("✗ {e} · {} rows kept{resume}", l.rows.len()), true)
        }
    }
}

pub fn status(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let (text, bad) = load_text(s);
    let mut spans = vec![
        Span::raw(" "),
        Span::styled(text, if bad { t.error() } else { t.plain() }),
    ];
    if let Some(n) = &s.range_note {
        spans.push(Span::styled(format!(" · {n}"), t.dim()));
    }
    if let Some(m) = &s.message {
        spans.push(Span::styled(format!(" · {m}"), t.warn()));
    }
    // The live part keeps at most three fifths of the line: what is loading matters too.
    let right = fit(&live_text(s), area.width as usize * 3 / 5);
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

/// The right end of the status line: the watch, the list refresh, the background attribute
/// fetch, the mouse.
pub fn live_text(s: &State) -> String {
    let mut parts: Vec<String> = Vec::new();
    let at = |t| s.zone().format(t, "%H:%M:%S");
    if let Some(w) = &s.watch {
        let which = if s.subject() == Some(w.id.as_str()) {
            String::new()
        } else {
            format!(" {}", fit(&w.id, 9))
        };
        parts.push(match &w.state {
            WatchState::Live => {
                let mut p = format!("● LIVE {}s{which}", w.interval.as_secs());
                match (&w.error, w.updated) {
                    (Some(e), _) => {
                        p += &format!(
                            " · {} (next try in {} s)",
                            fit(e, 40),
                            w.next_delay().as_secs()
                        )
                    }
                    (None, Some(u)) => p += &format!(" · updated {}", at(u)),
                    (None, None) => p += " · reading…",
                }
                p
            }
            WatchState::Paused => format!("‖ paused{which}"),
            WatchState::Stopped(why) => format!("■ watch stopped{which}: {}", fit(why, 40)),
        });
    }
    if let Some(f) = &s.follow {
        let mut p = format!("↻ list every {}s", f.interval.as_secs());
        match (&f.error, f.updated) {
            (Some(e), _) => p += &format!(" · failed: {}", fit(e, 30)),
            (None, Some(u)) => p += &format!(" · updated {}", at(u)),
            _ => {}
        }
        parts.push(p);
    }
    if let Some(a) = &s.attr_fetch {
        let mut p = if a.running {
            format!("attributes {}/{}", a.done, a.total)
        } else {
            format!("attributes {}/{} read", a.done - a.failed, a.total)
        };
        if a.failed > 0 {
            p += &format!(", {} unavailable", a.failed);
        }
        if let (true, Some(n)) = (a.running, &a.note) {
            p += &format!(" · {}", fit(n, 50));
        }
        if let Some(e) = &a.error {
            p += &format!(" · stopped: {}", fit(e, 40));
        }
        parts.push(p);
    }
    if s.mouse {
        parts.push("mouse on".into());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{} ", parts.join(" │ "))
    }
}

pub fn footer(f: &mut Frame, s: &State, area: Rect, t: Theme) {
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    // Help first: whatever does not fit is in it.
    let mut shown: Vec<_> = s.keymap.active(s.mode()).filter(|b| b.footer).collect();
    shown.sort_by_key(|b| match b.action {
        keymap::Action::Help => 0,
        keymap::Action::Quit => 1,
        _ => 2,
    });
    for b in shown {
        let k = b.keys_label();
        let need = width(&k) + 1 + width(b.short) + 2;
        if used + need > area.width as usize {
            // The rest is in the help overlay; say there is more.
            spans.push(Span::styled("…", t.dim()));
            break;
        }
        used += need;
        spans.push(Span::styled(k, t.key()));
        spans.push(Span::styled(format!(" {}  ", b.short), t.dim()));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
