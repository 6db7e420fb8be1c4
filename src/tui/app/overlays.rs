//! The overlays over the panes: the raw JSON view (`J`), the change timeline (`t`), and a
//! value shown for copying by hand.

use super::{Effect, State};
use crate::genesys::client::CallRecord;
use crate::tui::raw_json::{self, RawLine};
use crate::tui::search::Search;

/// The raw JSON view of one conversation.
#[derive(Debug, Clone)]
pub struct RawJsonView {
    pub id: String,
    pub lines: Vec<RawLine>,
    pub scroll: usize,
    /// `/`: the search, its matches and the current one.
    pub search: Search,
}

impl RawJsonView {
    pub fn new(id: &str, json: &str) -> RawJsonView {
        RawJsonView {
            id: id.to_string(),
            lines: raw_json::render(json),
            scroll: 0,
            search: Search::default(),
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
        self.scroll = reveal(self.scroll, i, height, self.lines.len());
    }

    /// The search text changed: find it, and go to the first match from the top of the view.
    pub fn search_as_typed(&mut self, height: usize) {
        self.search
            .find(self.lines.iter().map(|l| l.lower.as_str()), self.scroll);
        if let Some(m) = self.search.line() {
            self.reveal(m, height);
        }
    }

    /// `n`/`N`: the next or previous match, wrapping around.
    pub fn step(&mut self, forward: bool, height: usize) {
        if let Some(m) = self.search.step(forward) {
            self.reveal(m, height);
        }
    }
}

/// The scroll that shows line `i` of `total` in `height` rows: unchanged when it is in view,
/// else with `i` a third of the way down.
pub fn reveal(scroll: usize, i: usize, height: usize, total: usize) -> usize {
    let h = height.max(1);
    if i < scroll || i >= scroll + h {
        i.saturating_sub(h / 3).min(total.saturating_sub(h))
    } else {
        scroll
    }
}

/// The timeline of one conversation's changes.
#[derive(Debug, Clone)]
pub struct TimelineView {
    pub id: String,
    pub scroll: usize,
    /// Keep the newest change in view as changes arrive (until the user scrolls up).
    pub stick: bool,
    /// `/`: the search, its matches and the current one.
    pub search: Search,
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
    /// The selected call (`y` copies its correlation id), an index into `records`.
    pub selected: usize,
    /// Keep the newest call in view and selected (until the user moves up).
    pub stick: bool,
    /// `/`: the search, its matches and the current one.
    pub search: Search,
}

impl ApiLogView {
    /// The calls arrived again (newest last, the oldest dropped past the log's size): the
    /// selection stays on its call when the user moved, else follows the newest.
    pub fn set_records(&mut self, records: Vec<CallRecord>) {
        let chosen = self.records.get(self.selected).map(|r| r.seq);
        self.records = records;
        let last = self.records.len().saturating_sub(1);
        self.selected = match chosen.filter(|_| !self.stick) {
            Some(seq) => self
                .records
                .iter()
                .position(|r| r.seq == seq)
                .unwrap_or(last),
            None => last,
        };
        let lines: Vec<String> = self.lines().collect();
        self.search.refresh(lines.iter());
    }

    /// Each call as one line of text (what `/` searches).
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.records.iter().map(api_log_line)
    }
}

/// A call as searched: method, path, status (or pending), correlation id, error.
pub fn api_log_line(c: &CallRecord) -> String {
    let status = match (c.pending, c.status) {
        (true, _) => "pending".to_string(),
        (false, Some(s)) => s.to_string(),
        (false, None) => "error".to_string(),
    };
    format!(
        "{} {} {} {} {}",
        c.method,
        c.path,
        status,
        c.correlation_id.as_deref().unwrap_or("-"),
        c.error.as_deref().unwrap_or("")
    )
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

/// Moves the API log's selection by `delta` calls, scrolling to keep it in view.
pub(super) fn scroll_api_log(s: &mut State, delta: isize, height: usize) {
    let Some(v) = s.api_log.as_mut() else { return };
    let last = v.records.len().saturating_sub(1);
    v.selected = v.selected.min(last).saturating_add_signed(delta).min(last);
    select_api_call(v, v.selected, height);
}

/// Selects call `i` of the API log and scrolls it into view.
pub(super) fn select_api_call(v: &mut ApiLogView, i: usize, height: usize) {
    let n = v.records.len();
    let h = height.max(1);
    v.selected = i.min(n.saturating_sub(1));
    let max = n.saturating_sub(h);
    let scroll = if v.stick { max } else { v.scroll.min(max) };
    v.scroll = if v.selected < scroll {
        v.selected
    } else if v.selected >= scroll + h {
        v.selected + 1 - h
    } else {
        scroll
    };
    v.stick = v.selected + 1 >= n;
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
            r.search.refresh(r.lines.iter().map(|l| l.lower.as_str()));
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
    // At its newest entry: the latest change is what the user is after.
    s.timeline = Some(TimelineView {
        id,
        scroll: usize::MAX,
        stick: true,
        search: Search::default(),
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
