//! Drawing only: the state in, widgets out. Nothing here changes the state or reads the clock.

pub mod detail;
pub mod form;
pub mod help;
pub mod list;
pub mod status;
pub mod summary;
pub mod theme;
pub mod views;

use ratatui::Frame;

use crate::tui::app::State;
use theme::Theme;

pub fn draw(f: &mut Frame, s: &State) {
    let t = Theme {
        color: s.color,
        palette: s.palette,
    };
    let a = &s.layout;
    status::header(f, s, a.header, t);
    if let Some(fl) = &a.form {
        form::draw(f, s, fl, t);
    }
    if let Some(r) = a.list {
        list::draw(f, s, r, t);
    }
    if let Some(r) = a.detail {
        if s.summary.is_some() {
            summary::draw(f, s, r, t);
        } else {
            detail::draw(f, s, r, t);
        }
    }
    let over = a.overlay;
    if s.raw_json.is_some() {
        views::draw_raw_json(f, s, over, t);
    } else if s.timeline.is_some() {
        views::draw_timeline(f, s, over, t);
    } else if s.api_log.is_some() {
        views::draw_api_log(f, s, over, t);
    }
    if s.popup.is_some() {
        views::draw_popup(f, s, over, t);
    }
    if s.open_id.is_some() {
        views::draw_open_id(f, s, over, t);
    }
    status::status(f, s, a.status, t);
    status::footer(f, s, a.footer, t);
    if s.help {
        help::draw(f, s, f.area(), t);
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod live_tests;

#[cfg(test)]
mod anatomy_tests;

#[cfg(test)]
mod filter_tests;
