//! The status line's words, unstyled: how the load stands (left) and what is live (right).
//! Drawing (`ui::status`) styles and fits them.

use super::State;
use crate::tui::detail::document::SPINNER;
use crate::tui::layout::text::fit;
use crate::tui::list::Load;
use crate::tui::watch::WatchState;

impl State {
    /// The status line's text (without styling), for the loading state.
    pub fn load_text(&self) -> (String, bool) {
        let l = &self.list;
        let frame = SPINNER[self.spinner % SPINNER.len()];
        let counts = if l.total > 0 {
            format!("loaded {} of {}", l.loaded, l.total)
        } else {
            format!("loaded {}", l.loaded)
        };
        match &l.load {
            Load::Idle => ("ready: pick a range and press Enter".into(), false),
            Load::Loading => (format!("{frame} loading… {counts}"), false),
            Load::Waiting { until, reason } => {
                let secs = ((*until - self.now).num_milliseconds().max(0) + 999) / 1000;
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

    /// The right end of the status line: the watch, the list refresh, the background attribute
    /// fetch, the mouse.
    pub fn live_text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let at = |t| self.zone().format(t, "%H:%M:%S");
        if let Some(w) = &self.watch {
            let which = if self.subject() == Some(w.id.as_str()) {
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
        if let Some(f) = &self.follow {
            let mut p = format!("↻ list every {}s", f.interval.as_secs());
            match (&f.error, f.updated) {
                (Some(e), _) => p += &format!(" · failed: {}", fit(e, 30)),
                (None, Some(u)) => p += &format!(" · updated {}", at(u)),
                _ => {}
            }
            parts.push(p);
        }
        if let Some(a) = &self.attr_fetch {
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
        if self.mouse {
            parts.push("mouse on".into());
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("{} ", parts.join(" │ "))
        }
    }
}
