//! The terminal screen: `convoscope browse`.
//!
//! [`event_loop::run`] owns the terminal and the event loop; `effects` carries out what
//! [`app::update`] asks for, `jobs` holds the background work it spawns. Everything else is
//! pure: [`app::update`] turns events into state changes and [`event::Effect`]s, [`ui::draw`]
//! turns the state into widgets, and the data both use (geometry in [`layout`], the list's
//! [`columns`], the detail's [`detail::document`], the [`keymap`]) is below them: it names
//! neither. ARCHITECTURE.md has the map.

pub mod anatomy;
pub mod app;
pub mod by_id;
pub mod clipboard;
pub mod columns;
pub mod detail;
mod effects;
pub mod event;
mod event_loop;
pub mod field;
pub mod filter;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod form;
pub mod haystack;
pub mod headless;
pub mod holders;
mod jobs;
pub mod keymap;
pub mod layout;
pub mod list;
pub mod open_id;
mod packed;
pub mod palette;
pub mod raw_json;
pub mod row;
pub mod sanitize;
pub mod search;
pub mod summary;
mod terminal;
pub mod ui;
pub mod watch;

use std::time::Duration;

use crate::config::{Clipboard, KeyBindings, Theme};
use crate::genesys::query::Media;

pub use event_loop::run;
pub use terminal::{DEBUG_PANIC_MESSAGE, Ended};

/// What `convoscope browse` starts from.
#[derive(Debug, Clone, Default)]
pub struct BrowseOptions {
    pub from: Option<String>,
    pub to: Option<String>,
    pub media: Option<Media>,
    /// The server-side search, prefilled in the form's Query field (`--query`).
    pub query: Option<String>,
    /// Read and show every time in UTC instead of the local zone.
    pub utc: bool,
    /// Capture the mouse from the start (it stops the terminal's own text selection).
    pub mouse: bool,
    /// Shown in the header: "DEMO", a region host like "mypurecloud.ie", or an API URL.
    pub connection: String,
    /// Submit the prefilled range at start.
    pub auto_submit: bool,
    /// `--live`: the query is `queue:… live`, kept current by the queues' topics.
    pub live: bool,
    /// The user's `[keys]` (config file): they replace the named actions' default keys. Check
    /// the names first with `Settings::check_key_actions(tui::keymap::ACTION_NAMES)`.
    pub keys: KeyBindings,
    /// `Light` for a light background; `Mono` (like `NO_COLOR`) draws with modifiers only; `None`
    /// is the default (dark).
    pub theme: Option<Theme>,
    /// Between refetches of a watched conversation (`None`: 2 s).
    pub watch_interval: Option<Duration>,
    pub clipboard: Clipboard,
    /// Requests in flight at once (paging, background attribute fetches).
    pub concurrency: Option<usize>,
    /// The list's columns by title, in order (`columns` of the config file; empty: all).
    pub columns: Vec<String>,
}

/// From this many conversations without attributes, an `attr:` filter asks for them with one
/// async details job (then GET conversation for what the job lacks) rather than one GET each.
pub const BULK_ATTRIBUTES: usize = 500;
