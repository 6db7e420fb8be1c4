//! The overlays over the panes: the raw JSON view (`J`), the change timeline (`t`), and a
//! value shown for copying by hand.

use tui_input::Input;

use super::{Effect, State};
use crate::genesys::client::CallRecord;
use crate::tui::raw_json::{self, RawLine};

/// The raw JSON view of one conversation.
#[derive(Debug, Clone)]
pub struct RawJsonView {
    pub id: String,
    pub lines: Vec<RawLine>,
    pub scroll: usize,
    /// The search being typed (`/`), and whether it has the keyboard.
    pub search: Input,
    pub searching: bool,
    /// Lines that match the search, and which one is current.
    pub matches: Vec<usize>,
    pub current: usize,
}

impl RawJsonView {
    pub fn new(id: &str, json: &str) -> RawJsonView {
        RawJsonView {
            id: id.to_string(),
            lines: raw_json::render(json),
            scroll: 0,
            search: Input::default(),
            searching: false,
            matches: Vec::new(),
            current: 0,
        }
    }

    fn max_scroll(&self, height: usize) -> usize {
        self.lines.len().saturating_sub(height.max(1))
    }

    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        self.scroll = self
            .scroll
            .saturating_add_signed(delta)
            .min(self.max_scroll(height));
    }

    /// Shows line `i`, a third of the way down when it has to move.
    fn reveal(&mut self, i: usize, height: usize) {
        let h = height.max(1);
        if i < self.scroll || i >= self.scroll + h {
            self.scroll = i.saturating_sub(h / 3).min(self.max_scroll(h));
        }
    }

    /// The search text changed: find it, and go to the first match from the top of the view.
    pub fn search_as_typed(&mut self, height: usize) {
        self.matches = raw_json::find(&self.lines, self.search.value());
        self.current = self
            .matches
            .iter()
            .position(|&m| m >= self.scroll)
            .unwrap_or(0);
        if let Some(&m) = self.matches.get(self.current) {
            self.reveal(m, height);
        }
    }

    /// `n`/`N`: the next or previous match, wrapping around.
    pub fn step(&mut self, forward: bool, height: usize) {
        let n = self.matches.len();
        if n == 0 {
            return;
        }
        self.current = if forward {
            (self.current + 1) % n
        } else {
            (self.current + n - 1) % n
        };
        let m = self.matches[self.current];
        self.reveal(m, height);
    }

    pub fn clear_search(&mut self) {
        self.search.reset();
        self.matches.clear();
        self.current = 0;
    }
}

/// The timeline of one conversation's changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineView {
    pub id: String,
    pub scroll: usize,
    /// Keep the newest change in view as changes arrive (until the user scrolls up).
    pub stick: bool,
}

/// A value to select by hand (the clipboard is off, or the value is too large for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Popup {
    pub title: String,
    /// The value as it is (sanitised when drawn).
    pub text: String,
    pub scroll: usize,
}

/// The last API calls, as the client logged them.
#[derive(Debug, Clone, Default)]
pub struct ApiLogView {
    pub records: Vec<CallRecord>,
    pub scroll: usize,
    /// Keep the newest call in view (until the user scrolls up).
    pub stick: bool,
}

/// Whether an overlay covers the panes.
pub fn open(s: &State) -> bool {
    s.raw_json.is_some()
        || s.timeline.is_some()
        || s.popup.is_some()
        || s.open_id.is_some()
        || s.api_log.is_some()
}

/// `L`: the last API calls (method, path, status, latency, correlation id); again to close.
pub(super) fn toggle_api_log(s: &mut State) -> Vec<Effect> {
    if s.api_log.take().is_some() {
        return vec![Effect::WatchApiLog(false)];
    }
    s.timeline = None;
    s.raw_json = None;
    s.api_log = Some(ApiLogView {
        stick: true,
        ..Default::default()
    });
    vec![Effect::WatchApiLog(true)]
}

pub(super) fn scroll_api_log(s: &mut State, delta: isize, height: usize) {
    let Some(v) = s.api_log.as_mut() else { return };
    let max = v.records.len().saturating_sub(height.max(1));
    v.scroll = v.scroll.min(max).saturating_add_signed(delta).min(max);
    v.stick = v.scroll >= max;
}

/// `J`: the conversation shown, as the API sent it; again to close.
pub(super) fn toggle_raw_json(s: &mut State) {
    if s.raw_json.take().is_some() {
        return;
    }
    let Some(id) = s.subject().map(str::to_string) else {
        s.message = Some("select a conversation first".into());
        return;
    };
    match s.detail.snapshot(&id) {
        Some(snap) => s.raw_json = Some(RawJsonView::new(&id, &snap.raw)),
        None => {
            s.message = Some(
                "its JSON is not here yet: wait for the conversation to load (r reads it again)"
                    .into(),
            )
        }
    }
}

/// A newer reading of `id` arrived: an open raw view of it shows it, in the same place.
pub(super) fn refresh_raw_json(s: &mut State, id: &str) {
    let Some(json) = s.detail.snapshot(id).map(|snap| snap.raw.clone()) else {
        return;
    };
    if let Some(r) = s.raw_json.as_mut().filter(|r| r.id == id) {
        let lines = raw_json::render(&json);
        if lines != r.lines {
            r.lines = lines;
            r.matches = raw_json::find(&r.lines, r.search.value());
            r.current = r.current.min(r.matches.len().saturating_sub(1));
        }
    }
}

/// `t`: the changes seen on the conversation shown (or the watched one); again to close.
pub(super) fn toggle_timeline(s: &mut State) {
    if s.timeline.take().is_some() {
        return;
    }
    let id = s
        .subject()
        .map(str::to_string)
        .or_else(|| s.watch.as_ref().map(|w| w.id.clone()));
    let Some(id) = id else {
        s.message = Some("select a conversation first".into());
        return;
    };
    s.timeline = Some(TimelineView {
        id,
        scroll: usize::MAX,
        stick: true,
    });
}

pub(super) fn scroll_timeline(s: &mut State, delta: isize, height: usize) {
    let Some(t) = s.timeline.as_mut() else { return };
    let n = s.timelines.len(&t.id);
    let max = n.saturating_sub(height.max(1));
    t.scroll = t.scroll.min(max).saturating_add_signed(delta).min(max);
    t.stick = t.scroll >= max;
}

/// `S`: opens the summary of the rows shown in the detail pane's place; again, the next
/// grouping; after the last one it closes. When the detail pane is hidden (the panes take
/// turns, or the list is zoomed), the summary takes the focus to be seen.
pub(super) fn summary(s: &mut State) {
    match &mut s.summary {
        None => {
            s.summary = Some(crate::tui::summary::SummaryView::new());
            if s.layout.detail.is_none() || s.focus == super::Focus::Form {
                s.focus = super::Focus::Detail;
                s.zoom = false;
            }
        }
        Some(v) => {
            if !v.next_grouping() {
                s.summary = None;
                s.message = Some("summary closed (S opens it again)".into());
            }
        }
    }
}
