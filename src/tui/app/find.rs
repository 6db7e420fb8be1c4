//! `/` wherever there is text: the raw JSON, the detail pane, the timeline, the API log. Each
//! keeps a [`Search`]; this finds the one in front, gives it its view's lines and shows the
//! current match (scrolling, moving the detail's cursor or the log's selection to it).

use super::overlays::{reveal, select_api_call};
use super::{Focus, State};
use crate::tui::search::{MAX_SEARCH, Search};

/// The view a search belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum View {
    RawJson,
    Timeline,
    ApiLog,
    Detail,
}

/// The view in front that `/` searches, if any: an overlay, else the detail pane with focus.
pub(super) fn view(s: &State) -> Option<View> {
    if s.raw_json.is_some() {
        Some(View::RawJson)
    } else if s.timeline.is_some() {
        Some(View::Timeline)
    } else if s.api_log.is_some() {
        Some(View::ApiLog)
    } else if s.focus == Focus::Detail && !s.filter_editing {
        Some(View::Detail)
    } else {
        None
    }
}

pub(super) fn search(s: &State) -> Option<&Search> {
    Some(match view(s)? {
        View::RawJson => &s.raw_json.as_ref()?.search,
        View::Timeline => &s.timeline.as_ref()?.search,
        View::ApiLog => &s.api_log.as_ref()?.search,
        View::Detail => &s.detail_search,
    })
}

pub(super) fn search_mut(s: &mut State) -> Option<&mut Search> {
    Some(match view(s)? {
        View::RawJson => &mut s.raw_json.as_mut()?.search,
        View::Timeline => &mut s.timeline.as_mut()?.search,
        View::ApiLog => &mut s.api_log.as_mut()?.search,
        View::Detail => &mut s.detail_search,
    })
}

/// Whether the search in front has the keyboard.
pub(super) fn typing(s: &State) -> bool {
    search(s).is_some_and(|f| f.typing)
}

/// `/`: the search field of the view in front takes the keyboard (what was searched stays, to
/// edit).
pub(super) fn start(s: &mut State) -> bool {
    match search_mut(s) {
        Some(f) => {
            f.typing = true;
            true
        }
        None => false,
    }
}

/// The lines of `v` as text, and the line at the top of its view.
fn lines(s: &State, v: View) -> (Vec<String>, usize) {
    let rows = s.layout.overlay_rows;
    match v {
        View::RawJson => s.raw_json.as_ref().map_or_else(Default::default, |r| {
            (r.lines.iter().map(|l| l.lower.clone()).collect(), r.scroll)
        }),
        View::Timeline => s.timeline.as_ref().map_or_else(Default::default, |t| {
            let lines: Vec<String> = s
                .timelines
                .get(&t.id)
                .map(|cs| cs.iter().map(|c| c.text()).collect())
                .unwrap_or_default();
            let max = lines.len().saturating_sub(rows.max(1));
            let top = if t.stick { max } else { t.scroll.min(max) };
            (lines, top)
        }),
        View::ApiLog => s
            .api_log
            .as_ref()
            .map_or_else(Default::default, |a| (a.lines().collect(), a.scroll)),
        View::Detail => (
            s.detail
                .document
                .lines
                .iter()
                .map(|l| l.iter().map(|(t, _)| t.as_str()).collect())
                .collect(),
            s.detail.scroll,
        ),
    }
}

/// The search text changed: find it from the top of the view and show the first match.
pub(super) fn typed(s: &mut State) {
    let Some(v) = view(s) else { return };
    if let Some(f) = search_mut(s)
        && crate::tui::field::cap(&mut f.input, MAX_SEARCH)
    {
        s.message = Some(format!(
            "a search holds at most {MAX_SEARCH} characters: the rest was left out"
        ));
    }
    let (text, top) = lines(s, v);
    if let Some(f) = search_mut(s) {
        f.find(text.iter(), top);
    }
    show(s, v);
}

/// `n`/`N`: the next or previous match (found again: the lines may have changed).
pub(super) fn step(s: &mut State, forward: bool) {
    let Some(v) = view(s) else { return };
    let (text, _) = lines(s, v);
    let Some(f) = search_mut(s) else { return };
    if f.text().is_empty() {
        s.message = Some("nothing searched yet: / searches".into());
        return;
    }
    f.refresh(text.iter());
    if f.step(forward).is_none() {
        let t = f.text().to_string();
        s.message = Some(format!(
            "no match for '{}'",
            crate::tui::sanitize::sanitize(&t)
        ));
        return;
    }
    show(s, v);
}

/// Enter: keep the search, give the keys back to the view.
pub(super) fn accept(s: &mut State) {
    if let Some(f) = search_mut(s) {
        f.typing = false;
    }
}

/// Esc: leave the field (clearing what was typed), or clear a kept search. False when there was
/// no search to clear.
pub(super) fn escape(s: &mut State) -> bool {
    let Some(f) = search_mut(s) else { return false };
    if f.shown() || !f.matches.is_empty() {
        f.clear();
        true
    } else {
        false
    }
}

/// Shows the current match of `v`'s search.
fn show(s: &mut State, v: View) {
    let Some(line) = search(s).and_then(Search::line) else {
        return;
    };
    let rows = s.layout.overlay_rows;
    match v {
        View::RawJson => {
            if let Some(r) = &mut s.raw_json {
                r.scroll = reveal(r.scroll, line, rows, r.lines.len());
            }
        }
        View::Timeline => {
            let n = s.timeline.as_ref().map_or(0, |t| s.timelines.len(&t.id));
            if let Some(t) = &mut s.timeline {
                let max = n.saturating_sub(rows.max(1));
                let top = if t.stick { max } else { t.scroll.min(max) };
                t.scroll = reveal(top, line, rows, n);
                t.stick = t.scroll >= max;
            }
        }
        View::ApiLog => {
            if let Some(a) = &mut s.api_log {
                a.stick = false;
                select_api_call(a, line, rows);
            }
        }
        View::Detail => {
            let rows = s.layout.detail_rows();
            let doc = &s.detail.document;
            if let Some(i) = doc.item_at(line) {
                s.detail.cursor = i;
            }
            s.detail.scroll = reveal(s.detail.scroll, line, rows, doc.lines.len());
        }
    }
}
