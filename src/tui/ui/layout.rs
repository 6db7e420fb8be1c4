//! Where each part of the screen goes, from the state alone. `update` uses it too (mouse hits,
//! page size), so drawing and input agree on the geometry.

use ratatui::layout::{Constraint, Flex, Layout, Rect};

use crate::tui::app::{Focus, State};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub form: Option<Rect>,
    pub list: Option<Rect>,
    pub detail: Option<Rect>,
    pub status: Rect,
    pub footer: Rect,
}

/// Below this body height the list and the detail take turns (the focused one is shown)
/// instead of being stacked.
const STACK_MIN_BODY: u16 = 20;

pub fn areas(s: &State) -> Areas {
    let full = Rect::new(0, 0, s.width, s.height);
    let zoomed = s.zoom && matches!(s.focus, Focus::List | Focus::Detail);
    let form_h = if zoomed { 0 } else { super::form::height(s) };
    let [header, form, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(form_h),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(full);
    let form = (!zoomed).then_some(form);
    let (list, detail) = if zoomed || body.height < STACK_MIN_BODY {
        if s.focus == Focus::Detail {
            (None, Some(body))
        } else {
            (Some(body), None)
        }
    } else {
        let [l, d] =
            Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body);
        (Some(l), Some(d))
    };
    Areas {
        header,
        form,
        list,
        detail,
        status,
        footer,
    }
}

/// Whether list and detail take turns on this screen.
pub fn toggled(s: &State) -> bool {
    let a = areas(s);
    a.list.is_none() || a.detail.is_none()
}

/// How many rows the list shows (its height less borders and the column header).
pub fn list_rows(s: &State) -> usize {
    let a = areas(s);
    let h = a.list.or(a.detail).map(|r| r.height).unwrap_or(s.height);
    h.saturating_sub(3) as usize
}

/// A `w` by `h` box in the middle of `area` (popups, the prompt, help).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [r] = Layout::horizontal([Constraint::Length(w)])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::vertical([Constraint::Length(h)])
        .flex(Flex::Center)
        .areas(r);
    r
}

/// Where overlays (raw JSON, timeline, a value to copy) go: everything between the header and
/// the status line.
pub fn overlay(s: &State) -> Rect {
    Rect::new(0, 1, s.width, s.height.saturating_sub(3))
}

/// How many content rows an overlay shows (less its borders and its first line).
pub fn overlay_rows(s: &State) -> usize {
    overlay(s).height.saturating_sub(3) as usize
}
