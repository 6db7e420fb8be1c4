//! Geometry: where each part of the screen goes. Computed once per update from the state's
//! [`Shape`] and kept in the state (`State::layout`): `update` reads it for mouse hits and page
//! sizes, drawing reads it for the areas, so both use the same numbers, each written here once.
//!
//! Below both `app` and `ui`: nothing here imports either.

pub mod form;
pub mod text;

use ratatui::layout::{Constraint, Flex, Layout as Split, Rect};

use super::columns::{self, Placed};
use super::form::Form;
use crate::genesys::query::Media;
use form::FormLayout;

/// What the geometry depends on.
#[derive(Debug, Clone, Copy)]
pub struct Shape<'a> {
    pub width: u16,
    pub height: u16,
    /// The focused pane (list or detail) has the whole screen.
    pub zoomed: bool,
    /// The detail pane has the focus: it is the one shown when the panes take turns.
    pub detail_focused: bool,
    /// The form's messages decide its height.
    pub form: &'a Form,
    /// The media the list holds (the Media column shows only for a mix).
    pub media: Media,
    /// The user's columns, in order (empty: all).
    pub columns: &'a [usize],
    /// The widest cell seen in each column (`columns::Seen`): the widths aimed for.
    pub seen: &'a [u16],
}

/// The screen's areas and the sizes derived from them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    pub header: Rect,
    /// The range form (absent while zoomed).
    pub form: Option<FormLayout>,
    pub list: Option<Rect>,
    pub detail: Option<Rect>,
    pub status: Rect,
    pub footer: Rect,
    /// Where overlays (raw JSON, timeline, API log, a value to copy) go: everything between the
    /// header and the status line.
    pub overlay: Rect,
    /// List and detail take turns (one of them is hidden).
    pub toggled: bool,
    /// How many rows the list shows (its height less borders and the column header).
    pub list_rows: usize,
    /// The list's columns that fit, and their widths.
    pub columns: Vec<Placed>,
    /// How many content rows an overlay shows (less its borders and its first line).
    pub overlay_rows: usize,
    /// The detail pane's text area (inside its border), or, while the pane is hidden, the area
    /// it would have full width: the document is wrapped for it.
    pub detail_text: Rect,
}

/// Below this body height the list and the detail take turns (the focused one is shown)
/// instead of being stacked.
const STACK_MIN_BODY: u16 = 20;

/// The selection gutter in front of the detail pane's lines: `▶ ` on the selected item.
pub const DETAIL_GUTTER: usize = 2;

impl Layout {
    pub fn new(s: &Shape) -> Layout {
        let full = Rect::new(0, 0, s.width, s.height);
        let messages = form::messages(s.form, s.width);
        let form_h = if s.zoomed {
            0
        } else {
            // Borders, the fields' two lines, the messages.
            2 + 2 + messages.len() as u16
        };
        let [header, form, body, status, footer] = Split::vertical([
            Constraint::Length(1),
            Constraint::Length(form_h),
            Constraint::Min(0),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(full);
        let form = (!s.zoomed).then(|| FormLayout::new(form, s.form, messages));
        let (list, detail) = if s.zoomed || body.height < STACK_MIN_BODY {
            if s.detail_focused {
                (None, Some(body))
            } else {
                (Some(body), None)
            }
        } else {
            let [l, d] = Split::vertical([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(body);
            (Some(l), Some(d))
        };
        let overlay = Rect::new(0, 1, s.width, s.height.saturating_sub(3));
        let list_rows = list
            .or(detail)
            .map(|r| r.height)
            .unwrap_or(s.height)
            .saturating_sub(3) as usize;
        let detail_text = match detail {
            Some(r) => inside(r),
            None => Rect::new(0, 0, s.width.saturating_sub(2), s.height.saturating_sub(8)),
        };
        Layout {
            header,
            form,
            list,
            detail,
            status,
            footer,
            overlay,
            toggled: list.is_none() || detail.is_none(),
            list_rows,
            columns: list.map_or_else(Vec::new, |r| {
                columns::allocate(r.width, s.media, s.columns, s.seen)
            }),
            overlay_rows: overlay.height.saturating_sub(3) as usize,
            detail_text,
        }
    }

    /// The width the detail pane's document is wrapped to (its text area less the gutter).
    pub fn detail_width(&self) -> usize {
        (self.detail_text.width as usize).saturating_sub(DETAIL_GUTTER)
    }

    /// How many of the detail pane's lines are in view.
    pub fn detail_rows(&self) -> usize {
        self.detail_text.height as usize
    }

    /// How far PgUp/PgDn move in the detail pane.
    pub fn detail_page(&self) -> usize {
        self.detail
            .map_or(1, |r| r.height.saturating_sub(3) as usize)
    }

    /// The list row (0: the first shown) on screen line `y`, if one is there: rows start below
    /// the border and the column header.
    pub fn list_row_at(&self, y: u16) -> Option<usize> {
        let list = self.list?;
        let first = list.y + 2;
        (y >= first && y < list.bottom().saturating_sub(1)).then(|| (y - first) as usize)
    }

    /// The detail pane's line (0: the first shown) on screen line `y`, below its border.
    pub fn detail_line_at(&self, y: u16) -> Option<usize> {
        let d = self.detail?;
        (y > d.y).then(|| (y - d.y - 1) as usize)
    }
}

/// The inside of a bordered box (as ratatui's `Block` computes it: the panes are bordered
/// blocks).
pub fn inside(r: Rect) -> Rect {
    ratatui::widgets::Block::bordered().inner(r)
}

/// A `w` by `h` box in the middle of `area` (popups, the prompt, help).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [r] = Split::horizontal([Constraint::Length(w)])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Split::vertical([Constraint::Length(h)])
        .flex(Flex::Center)
        .areas(r);
    r
}
