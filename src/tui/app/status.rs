//! The status line's words, unstyled: how the load stands (left) and what is live (right).
//! Drawing (`ui::status`) styles and fits them.

use chrono::{DateTime, Utc};

use super::{AttrFetch, FeedVia, Follow, State};
use crate::human::num;
use crate::tui::detail::document::SPINNER;
use crate::tui::event::BudgetHold;
use crate::tui::layout::text::fit;
use crate::tui::list::Load;
use crate::tui::watch::{Via, Watch, WatchState};

impl State {
    /// The status line's text (without styling), for the loading state.
    pub fn load_text(&self) -> (String, bool) {
        let l = &self.list;
        let frame = SPINNER[self.spinner % SPINNER.len()];
        let counts = if l.total > 0 {
            format!("loaded {} of {}", num(l.loaded), num(l.total))
        } else {
            format!("loaded {}", num(l.loaded))
        };
        if self.connecting {
            // From the first frame: a slow login never looks like a hung program.
            return (format!("{frame} connecting to {}…", self.connection), false);
        }
        // A refresh of `F` reads the tail of a list that stays whole.
        let refreshing = self.follow.as_ref().is_some_and(|f| f.refreshing);
        match &l.load {
            Load::Idle => ("ready: pick a range and press Enter".into(), false),
            Load::Loading if refreshing => (format!("{frame} refreshing… {counts}"), false),
            Load::Loading => (format!("{frame} loading… {counts}"), false),
            Load::Waiting { until, reason } => {
                let secs = ((*until - self.now).num_milliseconds().max(0) + 999) / 1000;
                let what = if refreshing { "refresh: " } else { "" };
                (
                    format!("{frame} {what}{reason}, retrying in {secs} s · {counts}"),
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
                (
                    format!("✗ {e} · {} rows kept{resume}", num(l.rows.len())),
                    true,
                )
            }
        }
    }

    /// The right end of the status line: the watch, the list refresh, the background attribute
    /// fetch, the mouse.
    pub fn live_text(&self) -> String {
        let parts: Vec<String> = [
            self.budget_hold.and_then(|h| self.budget_text(h)),
            self.watch.as_ref().map(|w| self.watch_text(w)),
            self.follow.as_ref().map(|f| self.follow_text(f)),
            self.attr_fetch.as_ref().map(attr_fetch_text),
            self.mouse.then(|| "mouse on".to_string()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("{} ", parts.join(" │ "))
        }
    }

    /// Requests held back for the rate budget: whose doing (a 429, or our own pacing), and for
    /// how long yet.
    fn budget_text(&self, h: BudgetHold) -> Option<String> {
        let ms = (h.until - self.now).num_milliseconds();
        if ms <= 0 {
            return None;
        }
        let secs = (ms + 999) / 1000;
        let mut t = if h.rate_limited {
            format!("⏸ API rate limit (429): waiting {secs} s")
        } else {
            format!("⏸ pacing for the rate budget: {secs} s")
        };
        if let Some(o) = h.others {
            t += &format!(" · {} of {} spent by others", num(o.spent), num(o.allowed));
        }
        Some(t)
    }

    fn at(&self, t: DateTime<Utc>) -> String {
        self.zone().format(t, "%H:%M:%S")
    }

    fn watch_text(&self, w: &Watch) -> String {
        let which = if self.subject() == Some(w.id.as_str()) {
            String::new()
        } else {
            format!(" {}", fit(&w.id, 9))
        };
        match &w.state {
            WatchState::Live => {
                if let Some(since) = w.stale_since {
                    // Never a live marker over a dead feed.
                    let why = w.error.as_deref().unwrap_or("no answer");
                    return format!("◌ stale since {}{which} · {}", self.at(since), fit(why, 40));
                }
                let mut p = match &w.via {
                    Via::Push => format!("● LIVE push{which}"),
                    Via::Poll(why) => format!(
                        "● LIVE poll {}s{which} ({})",
                        w.interval.as_secs(),
                        fit(why, 30)
                    ),
                    Via::Connecting => format!("○ connecting push{which}"),
                };
                match (&w.error, w.updated) {
                    (Some(e), _) => {
                        p += &format!(
                            " · {} (next try in {} s)",
                            fit(e, 40),
                            w.next_delay().as_secs()
                        )
                    }
                    (None, Some(u)) => {
                        let u = w.alive.map_or(u, |a| a.max(u));
                        p += &format!(" · updated {}", self.at(u))
                    }
                    (None, None) => p += " · reading…",
                }
                p
            }
            WatchState::Paused => format!("‖ paused{which}"),
            WatchState::Ending(why) => {
                format!("■ {}{which} · waiting for the wrap-up", fit(why, 40))
            }
            WatchState::Stopped(why) => format!("■ watch stopped{which}: {}", fit(why, 40)),
        }
    }

    /// How `F` is fed: by push (new conversations from the queues' topics or the tail every
    /// few seconds; live rows beyond the topic budget polled), or by polling and why.
    fn follow_text(&self, f: &Follow) -> String {
        let every = f.interval.as_secs();
        let feed = &f.feed;
        let mut p = match &feed.via {
            FeedVia::Push => {
                let mut p = if feed.queues.is_empty() {
                    format!("↻ list push · new every {every}s")
                } else {
                    "↻ list push (queues)".to_string()
                };
                if feed.overflow > 0 {
                    p += &format!(" · {} live polled", num(feed.overflow));
                }
                p
            }
            FeedVia::Connecting => format!("↻ list every {every}s · connecting push"),
            FeedVia::Stale { since, why } => format!(
                "◌ list push stale since {} ({}) · polling every {every}s",
                self.at(*since),
                fit(why, 30)
            ),
            FeedVia::Poll(why) => format!("↻ list poll every {every}s ({})", fit(why, 30)),
        };
        match (&f.error, f.updated) {
            (Some(e), _) => p += &format!(" · failed: {}", fit(e, 30)),
            (None, Some(u)) => p += &format!(" · updated {}", self.at(u)),
            _ => {}
        }
        p
    }
}

fn attr_fetch_text(a: &AttrFetch) -> String {
    let mut p = if a.running {
        format!("attributes {}/{}", num(a.done), num(a.total))
    } else {
        format!(
            "attributes {}/{} read",
            num(a.done - a.failed),
            num(a.total)
        )
    };
    if a.failed > 0 {
        p += &format!(", {} unavailable", num(a.failed));
    }
    if let (true, Some(n)) = (a.running, &a.note) {
        p += &format!(" · {}", fit(n, 50));
    }
    if let Some(e) = &a.error {
        p += &format!(" · stopped: {}", fit(e, 40));
    }
    p
}
