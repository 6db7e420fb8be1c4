//! The screen's state and its one pure transition: `update(state, event) -> effects`.
//!
//! No I/O and no clock here: the current time comes in the events that need it, and everything
//! that talks to the network is an [`Effect`] the event loop carries out.

use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::genesys::directory::{Kind as DirKind, Names};
use crate::tui::columns::Sort;
use std::time::Duration;

use ratatui::crossterm::event::{
    Event as TermEvent, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::config::Clipboard;
use crate::export::Format;
use crate::genesys::Scope;
use crate::genesys::query::{Media, Order};
use crate::timespec::Zone;

use super::clipboard::Target;
use super::detail::Detail;
use super::detail::document::{self, Document, Hints, Source};
use super::field;
use super::form::{Field, Form};
use super::keymap::{Action, Keymap, Mode};
use super::layout::{Layout, Shape};
use super::list::{List, Load};
use super::palette::Palette;
use super::sanitize::sanitize;
use super::search::Search;
use super::summary::SummaryView;
use super::watch::{Timelines, Watch, WatchState};
use crate::paging::{PageEvent, Resume};

pub use super::event::{Effect, Event, Timer};

mod actions;
mod find;
mod follow_push;
mod live;
mod messages;
mod overlays;
mod paste;
pub mod queue_live;
mod status;

pub use follow_push::{FOLLOW_TOPICS, FeedVia, FollowFeed, arrival_queues};
pub use live::{
    AttrFetch, FOLLOW_OVERLAP, Follow, LastQuery, follow_interval, follow_plan, follow_tail,
    tail_brings,
};
pub use messages::{Messages, Said};
pub use overlays::{ApiLogView, Popup, RawJsonView, TimelineView, api_log_line};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Form,
    List,
    Detail,
}

/// Everything the screen shows.
#[derive(Debug, Clone)]
pub struct State {
    pub form: Form,
    /// The look-up of the query's names last asked for: an older answer is dropped.
    pub resolving: u64,
    /// The names a completion listed on the bottom line: withdrawn when a later one puts a
    /// name in, so that the list does not stay beside a name it no longer describes.
    pub completions_listed: Option<String>,
    pub list: List,
    pub detail: Detail,
    pub focus: Focus,
    pub filter_input: Input,
    pub filter_editing: bool,
    pub help: bool,
    pub zoom: bool,
    pub mouse: bool,
    /// Requests held back for the rate budget, for the status line.
    pub budget_hold: Option<crate::tui::event::BudgetHold>,
    /// False under `NO_COLOR`: style with modifiers and symbols only.
    pub color: bool,
    /// The colours when `color` is on: for a dark or a light background.
    pub palette: Palette,
    /// The keys in effect (defaults plus the user's `[keys]`).
    pub keymap: Arc<Keymap>,
    /// The keys the detail pane's hints name, from the keymap.
    pub hints: Hints,
    /// Where we are connected ("DEMO", a region host, an API URL).
    pub connection: String,
    /// The zone's label as shown in the form (computed once at start).
    pub zone_label: String,
    pub width: u16,
    pub height: u16,
    /// Where everything goes on this screen, made again after every update.
    pub layout: Layout,
    pub spinner: usize,
    /// The last query id handed out.
    pub query_seq: u64,
    /// The message of the moment (it fades after a few seconds; see `app/messages.rs`).
    pub message: Option<String>,
    /// The messages said lately, and the number of the one shown.
    pub messages: Messages,
    /// `q` was pressed with a watch or a timeline to lose: the next `q` quits.
    pub quit_armed: bool,
    /// `/` in the detail pane.
    pub detail_search: Search,
    /// A note on the range being shown (e.g. split into parts), kept until the next submit.
    pub range_note: Option<String>,
    pub quit: bool,
    /// The latest time an event brought (drawing reads it; nothing reads the clock).
    pub now: DateTime<Utc>,
    /// A conversation opened by id (`:`): the detail shows it instead of the list's selection.
    pub pinned: Option<String>,
    /// The `:` prompt, while typing a conversation id.
    pub open_id: Option<Input>,
    /// The raw JSON overlay (`J`).
    pub raw_json: Option<RawJsonView>,
    /// The timeline overlay (`t`).
    pub timeline: Option<TimelineView>,
    /// A value shown for copying by hand.
    pub popup: Option<Popup>,
    /// The watched conversation (`w`).
    pub watch: Option<Watch>,
    /// Changes seen per conversation while watching.
    pub timelines: Timelines,
    /// The list refreshing itself (`F`).
    pub follow: Option<Follow>,
    /// What the list was last loaded with (refreshes re-read it).
    pub last_query: Option<LastQuery>,
    /// Attributes being fetched in the background for an `attr:` filter.
    pub attr_fetch: Option<AttrFetch>,
    /// Seconds between refetches of a watched conversation.
    pub watch_interval: Duration,
    pub clipboard: Clipboard,
    /// Where OSC 52 goes (a plain terminal, or tmux).
    pub clip_target: Target,
    /// The last timer or background job id handed out (late events of older ones are dropped).
    pub seq: u64,
    /// The list's columns, in order (indexes into `columns::COLUMNS`; empty: all).
    pub columns: Vec<usize>,
    /// The widest cell of each column among the rows drawn: the widths aimed for.
    pub seen: crate::tui::columns::Seen,
    /// Names of users, queues and wrap-up codes read so far (drawing shows ids by them).
    pub names: Names,
    /// Ids already asked to be named (each is asked once a session).
    pub names_asked: HashSet<(DirKind, String)>,
    /// The organization's name, once known (the header shows it).
    pub org: Option<String>,
    /// The log of API calls (`L`).
    pub api_log: Option<ApiLogView>,
    /// Started with `--live`: a `queue:… live` load is then kept by the queues' topics.
    pub live_queues: bool,
    /// The live queue view, while its scope is loaded.
    pub queue_view: Option<queue_live::QueueView>,
    /// The whole records of a `queue:… live` load's pages (the list keeps rows packed, without
    /// their segments): what the view's events update.
    pub queue_records: HashMap<String, crate::genesys::model::AnalyticsConversation>,
    /// The summary of the rows shown (`S`), in the detail pane's place.
    pub summary: Option<SummaryView>,
    /// Logging in at start: the status line says "connecting to HOST…" meanwhile (keys work).
    pub connecting: bool,
    /// The login at start failed: the screen ends, and the caller reports it.
    pub failed: Option<crate::genesys::Error>,
}

/// The options the state starts from.
#[derive(Debug, Clone, Default)]
pub struct Init {
    pub from: Option<String>,
    pub to: Option<String>,
    pub media: Option<Media>,
    /// The list's columns, in order (indexes into `columns::COLUMNS`; empty: all).
    pub columns: Vec<usize>,
    /// The server-side search to prefill (`--query`).
    pub query: Option<String>,
    pub zone: Zone,
    pub zone_label: String,
    pub mouse: bool,
    pub color: bool,
    pub palette: Palette,
    pub connection: String,
    pub keymap: Keymap,
    /// Between refetches of a watched conversation (at least 1 s; default 2 s).
    pub watch_interval: Option<Duration>,
    pub clipboard: Clipboard,
    pub clip_target: Option<Target>,
    /// The time at start.
    pub now: Option<DateTime<Utc>>,
    /// `--live`: keep a `queue:… live` list by push.
    pub live_queues: bool,
    /// The screen logs in behind its first frame (`Event::Connected` answers).
    pub connecting: bool,
}

impl State {
    pub fn new(init: Init) -> State {
        let mut s = State {
            form: Form::new(
                init.from.as_deref(),
                init.to.as_deref(),
                init.media,
                init.zone,
            )
            .with_query(init.query.as_deref()),
            list: List::in_zone(init.zone),
            detail: Detail::default(),
            focus: Focus::Form,
            filter_input: Input::default(),
            filter_editing: false,
            help: false,
            zoom: false,
            mouse: init.mouse,
            budget_hold: None,
            color: init.color,
            palette: init.palette,
            hints: Hints::of(&init.keymap),
            keymap: Arc::new(init.keymap),
            connection: sanitize(&init.connection),
            zone_label: init.zone_label,
            width: 80,
            height: 24,
            layout: Layout::default(),
            spinner: 0,
            query_seq: 0,
            resolving: 0,
            completions_listed: None,
            message: None,
            messages: Messages::default(),
            quit_armed: false,
            detail_search: Search::default(),
            range_note: None,
            quit: false,
            now: init.now.unwrap_or(DateTime::UNIX_EPOCH),
            pinned: None,
            open_id: None,
            raw_json: None,
            timeline: None,
            popup: None,
            watch: None,
            timelines: Timelines::default(),
            follow: None,
            last_query: None,
            attr_fetch: None,
            watch_interval: init
                .watch_interval
                .unwrap_or(DEFAULT_WATCH_INTERVAL)
                .max(Duration::from_secs(1)),
            clipboard: init.clipboard,
            clip_target: init.clip_target.unwrap_or(Target::Plain),
            seq: 0,
            columns: init.columns.clone(),
            seen: Default::default(),
            names: Names::default(),
            names_asked: HashSet::new(),
            org: None,
            api_log: None,
            live_queues: init.live_queues,
            queue_view: None,
            queue_records: HashMap::new(),
            summary: None,
            connecting: init.connecting,
            failed: None,
        };
        s.layout = Layout::new(&s.shape());
        s
    }

    /// What the screen's geometry depends on.
    fn shape(&self) -> Shape<'_> {
        Shape {
            width: self.width,
            height: self.height,
            zoomed: self.zoom && matches!(self.focus, Focus::List | Focus::Detail),
            detail_focused: self.focus == Focus::Detail,
            form: &self.form,
            media: self
                .last_query
                .as_ref()
                .map_or(self.form.media, |q| q.scope.media),
            columns: &self.columns,
            seen: &self.seen.widths,
        }
    }

    /// The detail pane's document, for the width the layout gives it.
    fn document(&self) -> Document {
        let id = self.subject();
        let src = Source {
            id,
            list_has_rows: !self.list.rows.is_empty(),
            row: id.and_then(|id| self.list.row(id)),
            shown: self.detail.shown(),
            wait: self.detail.pending.as_ref().and_then(|p| p.wait.as_ref()),
            watched: self
                .watch
                .as_ref()
                .is_some_and(|w| Some(w.id.as_str()) == id && w.state == WatchState::Live),
            stale: self.watch.as_ref().is_some_and(|w| w.stale_since.is_some()),
            timelines: &self.timelines,
            now: self.now,
            spinner: self.spinner,
            zone: self.zone(),
            names: &self.names,
            unfolded: &self.detail.unfolded,
            rows: self.layout.detail_rows(),
            keys: &self.hints,
        };
        document::build(&src, self.layout.detail_width())
    }

    /// What has the keyboard.
    pub fn mode(&self) -> Mode {
        if self.help {
            Mode::Help
        } else {
            self.base_mode()
        }
    }

    /// What would have the keyboard without the help overlay: the topmost overlay, else the
    /// focused pane.
    pub fn base_mode(&self) -> Mode {
        if self.popup.is_some() {
            Mode::Popup
        } else if self.open_id.is_some() {
            Mode::OpenId
        } else if find::typing(self) {
            Mode::Search
        } else if self.raw_json.is_some() {
            Mode::RawJson
        } else if self.timeline.is_some() {
            Mode::Timeline
        } else if self.api_log.is_some() {
            Mode::ApiLog
        } else if self.filter_editing {
            Mode::Filter
        } else {
            match self.focus {
                Focus::Form if self.form.field == Field::Media => Mode::FormMedia,
                Focus::Form => Mode::FormText,
                Focus::List => Mode::List,
                Focus::Detail if self.summary.is_some() => Mode::Summary,
                Focus::Detail => Mode::Detail,
            }
        }
    }

    /// Whether something moves on screen (a spinner, a countdown), so the loop should tick.
    pub fn animating(&self) -> bool {
        self.connecting
            || self.list.is_loading()
            || self.detail.is_busy()
            || self.attr_fetch.as_ref().is_some_and(|a| !a.finished())
    }

    /// Whether a live conversation is among the rows on screen: its duration ticks, once a
    /// second (an idle screen of ended conversations costs nothing).
    pub fn live_on_screen(&self) -> bool {
        let l = &self.list;
        let end = (l.offset + self.layout.list_rows).min(l.visible.len());
        l.visible
            .get(l.offset.min(end)..end)
            .is_some_and(|v| v.iter().any(|&i| l.rows[i].end().is_none()))
    }

    /// Whether an overlay (raw JSON, timeline, a popup, the id prompt) covers the panes.
    pub fn overlay_open(&self) -> bool {
        overlays::open(self)
    }

    /// The conversation the detail pane shows: one opened by id, else the list's selection.
    pub fn subject(&self) -> Option<&str> {
        if let Some(p) = &self.pinned {
            return Some(p);
        }
        self.list
            .selected_row()
            .filter(|_| !self.list.visible.is_empty())
            .map(|r| r.id())
    }

    pub fn zone(&self) -> Zone {
        self.form.zone
    }
}

/// Between refetches of a watched conversation, unless set otherwise.
pub const DEFAULT_WATCH_INTERVAL: Duration = Duration::from_secs(2);

/// The one state transition.
pub fn update(s: &mut State, event: Event) -> Vec<Effect> {
    // A message set by this event is a new one (see `messages::settle`).
    let before = s.message.take();
    let mut fx = match event {
        Event::Key { key, now } => {
            s.now = now;
            on_key(s, key, now)
        }
        Event::Paste { text, now } => {
            s.now = now;
            s.quit_armed = false;
            paste::paste(s, &text, now)
        }
        Event::Due { timer, now } => {
            s.now = now;
            match timer {
                Timer::Fade { seq } => {
                    s.message = before.clone();
                    messages::fade(s, seq);
                    // Not a new message: the one shown stays or goes.
                    return settle(s);
                }
                Timer::QueueFirstPage { generation } => queue_live::grace_over(s, generation),
            }
        }
        Event::Mouse(m) => on_mouse(s, m),
        Event::Resize { width, height } => {
            s.width = width;
            s.height = height;
            vec![]
        }
        Event::Submit { now } => {
            s.now = now;
            submit(s, now)
        }
        Event::Resolved { id, result } => on_resolved(s, id, result),
        Event::Completed { id, at, result } => {
            on_completed(s, id, at, result);
            vec![]
        }
        Event::Page(p) => on_page(s, p),
        Event::Debounced { generation } => s.detail.debounced(generation),
        Event::DetailWaiting {
            generation,
            until,
            reason,
        } => {
            s.detail.waiting(generation, until, sanitize(&reason));
            vec![]
        }
        Event::Fetched {
            id,
            generation,
            result,
            at,
        } => {
            s.now = at;
            live::fetched(s, &id, generation, result, at)
        }
        Event::WatchDue { generation, now } => {
            s.now = now;
            live::watch_due(s, generation)
        }
        Event::Watched {
            id,
            generation,
            result,
            at,
        } => {
            s.now = at;
            live::watched(s, &id, generation, result, at)
        }
        Event::Pushed {
            generation,
            feed,
            at,
        } => {
            s.now = at;
            live::pushed(s, generation, feed, at)
        }
        Event::QueueFed {
            generation,
            feed,
            at,
        } => {
            s.now = at;
            queue_live::fed(s, generation, feed, at)
        }
        Event::FollowFed {
            generation,
            feed,
            at,
        } => {
            s.now = at;
            follow_push::fed(s, generation, feed, at)
        }
        Event::WatchSlow { generation, since } => {
            if let Some(w) = s
                .watch
                .as_mut()
                .filter(|w| w.generation == generation && w.busy)
            {
                w.stale_since.get_or_insert(since);
            }
            vec![]
        }
        Event::FollowDue { generation, now } => {
            s.now = now;
            live::follow_due(s, generation, now)
        }
        Event::Attributes {
            fetch_id,
            id,
            result,
        } => live::attributes(s, fetch_id, &id, result),
        Event::AttributesDone { fetch_id, error } => live::attributes_done(s, fetch_id, error),
        Event::AttributesNote { fetch_id, note } => {
            if let Some(a) = s.attr_fetch.as_mut().filter(|a| a.fetch_id == fetch_id) {
                a.note = Some(sanitize(&note));
            }
            vec![]
        }
        Event::Exported { path, result } => {
            actions::exported(s, &path, result);
            vec![]
        }
        Event::Suspend => vec![Effect::Suspend],
        Event::Connected(r) => {
            s.connecting = false;
            if let Err(e) = r {
                s.failed = Some(e);
                s.quit = true;
                return vec![Effect::Quit];
            }
            vec![]
        }
        Event::Organization(r) => {
            if let Ok(name) = r {
                s.org = Some(sanitize(&name));
            }
            vec![]
        }
        Event::ApiLog(records) => {
            if let Some(v) = &mut s.api_log {
                v.set_records(records);
            }
            vec![]
        }
        Event::Refreshed { query_id, result } => live::refreshed(s, query_id, result),
        Event::BudgetHold(h) => {
            s.budget_hold = h;
            vec![]
        }
        Event::Names { names, problem } => {
            // What the list shows by these names, the filter finds by them.
            s.list.learn_names(&names);
            s.names.merge(names);
            // Names change what the name columns sort by.
            if matches!(s.list.sort, Sort::Text(_)) {
                s.list.rekey(&s.names);
            }
            // Said once: the ids are remembered, so the same problem does not come back.
            if let Some(p) = problem {
                s.message = Some(p);
            }
            vec![]
        }
        Event::Tick { now } => {
            s.now = now;
            s.spinner = s.spinner.wrapping_add(1);
            s.list.wait_over(now);
            vec![]
        }
    };
    fx.extend(messages::settle(s, before));
    fx.extend(settle(s));
    fx
}

/// Keeps derived things in step after any change: the geometry, the list's scroll, the
/// detail's subject and its document.
fn settle(s: &mut State) -> Vec<Effect> {
    s.layout = Layout::new(&s.shape());
    s.list.scroll_into_view(s.layout.list_rows);
    // The columns follow the widest cells in view: measured once the scroll is known, and
    // placed again when one is wider than any seen (rarely: widths only grow within a load).
    let zone = s.zone();
    if s.seen.measure(&s.list, s.layout.list_rows, zone, &s.names) {
        s.layout = Layout::new(&s.shape());
    }
    let subject = s.subject().map(str::to_string);
    let fx = s.detail.select(subject.as_deref());
    s.detail.document = s.document();
    if let Some(v) = &mut s.summary {
        v.refresh(&s.list, &s.names, zone);
    }
    fx
}

fn on_key(s: &mut State, ev: KeyEvent, now: DateTime<Utc>) -> Vec<Effect> {
    if ev.kind == KeyEventKind::Release {
        return vec![];
    }
    // `q` asks once; any other key forgets it asked.
    let armed = std::mem::take(&mut s.quit_armed);
    let mode = s.mode();
    if let Some(action) = s.keymap.lookup(mode, &ev) {
        if action == Action::Quit {
            return quit(s, armed);
        }
        return act(s, action, now);
    }
    // Unbound keys type into the focused text field.
    let Some(req) = to_input_request(&TermEvent::Key(ev)) else {
        return vec![];
    };
    let full = |what: &str, cap: usize| format!("{what} holds at most {cap} characters");
    match mode {
        Mode::FormText => {
            if let Some(input) = s.form.input_mut()
                && input.handle(req).is_some_and(|c| c.value)
            {
                if field::cap(input, field::MAX_TIME) {
                    s.message = Some(full("a time field", field::MAX_TIME));
                }
                // Validate as you type.
                s.form.validate(now);
            }
        }
        Mode::Filter if s.filter_input.handle(req).is_some_and(|c| c.value) => {
            if field::cap(&mut s.filter_input, field::MAX_FILTER) {
                s.message = Some(full("the filter", field::MAX_FILTER));
            }
            return live::filter_changed(s);
        }
        Mode::OpenId => {
            if let Some(p) = &mut s.open_id
                && p.handle(req).is_some_and(|c| c.value)
                && field::cap(p, field::MAX_ID_PROMPT)
            {
                s.message = Some(full("the id prompt", field::MAX_ID_PROMPT));
            }
        }
        Mode::Search => {
            if let Some(f) = find::search_mut(s)
                && f.input.handle(req).is_some_and(|c| c.value)
            {
                find::typed(s);
            }
        }
        _ => {}
    }
    vec![]
}

/// `q`: quits, but asks once first when quitting would lose a running watch or the changes
/// recorded.
fn quit(s: &mut State, armed: bool) -> Vec<Effect> {
    let watching = s.watch.as_ref().is_some_and(|w| w.is_live());
    let loses = if watching {
        Some("a watch is running")
    } else if !s.timelines.is_empty() {
        Some("the timeline of changes would be lost")
    } else {
        None
    };
    match loses {
        Some(what) if !armed => {
            s.quit_armed = true;
            s.message = Some(format!("{what}: q again to quit"));
            vec![]
        }
        _ => {
            s.quit = true;
            vec![Effect::Quit]
        }
    }
}

fn act(s: &mut State, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    let mode = s.mode();
    let page = match mode {
        Mode::Detail | Mode::Summary => s.layout.detail_page(),
        Mode::RawJson | Mode::Timeline | Mode::Popup | Mode::ApiLog => s.layout.overlay_rows,
        _ => s.layout.list_rows,
    }
    .max(1) as isize;
    match action {
        Action::Quit | Action::QuitNow => {
            s.quit = true;
            return vec![Effect::Quit];
        }
        Action::Messages => messages::show_log(s),
        Action::FocusNext => {
            if let Some(fx) = complete(s) {
                return fx;
            }
            focus_step(s, true)
        }
        Action::FocusPrev => focus_step(s, false),
        Action::Submit => return submit(s, now),
        Action::FieldUp | Action::FieldDown => {
            let i = Field::ORDER
                .iter()
                .position(|f| *f == s.form.field)
                .unwrap_or(0);
            let n = Field::ORDER.len();
            let up = action == Action::FieldUp;
            s.form.field = Field::ORDER[if up { (i + n - 1) % n } else { (i + 1) % n }];
        }
        Action::MediaNext => s.form.cycle_media(true),
        Action::MediaPrev => s.form.cycle_media(false),
        Action::Up => scroll(s, -1),
        Action::Down => scroll(s, 1),
        Action::PageUp => page_by(s, -page),
        Action::PageDown => page_by(s, page),
        Action::First => scroll(s, isize::MIN / 2),
        Action::Last => scroll(s, isize::MAX / 2),
        Action::Filter => {
            if !find::start(s) {
                s.filter_editing = true;
                s.filter_input = Input::new(s.filter_input.value().to_string());
            }
        }
        Action::FilterDone => s.filter_editing = false,
        Action::Escape => return escape(s),
        Action::ToggleSort => return toggle_sort(s),
        Action::SortLeft => sort_by_next(s, false),
        Action::SortRight => sort_by_next(s, true),
        Action::ToggleMouse => {
            s.mouse = !s.mouse;
            s.message = Some(if s.mouse {
                "mouse on: hold Shift to select text".into()
            } else {
                "mouse off".into()
            });
            return vec![Effect::Mouse(s.mouse)];
        }
        Action::Refetch => return live::refetch_or_resume(s),
        Action::Zoom => s.zoom = !s.zoom,
        Action::Help => s.help = !s.help,
        Action::Redraw => return vec![Effect::Redraw],
        Action::OpenDetail => {
            s.focus = Focus::Detail;
            s.zoom = false;
        }
        Action::Watch => return live::toggle_watch(s),
        Action::Follow => return live::follow_key(s),
        Action::Timeline => overlays::toggle_timeline(s),
        Action::ApiLog => return overlays::toggle_api_log(s),
        Action::RawJson => overlays::toggle_raw_json(s),
        Action::OpenId => {
            s.open_id = Some(Input::default());
        }
        Action::Accept => match mode {
            Mode::OpenId => actions::open_id(s),
            Mode::Search => find::accept(s),
            _ => {}
        },
        Action::NextMatch | Action::PrevMatch => find::step(s, action == Action::NextMatch),
        Action::Copy => return actions::copy(s, false),
        Action::CopyKeyValue => return actions::copy(s, true),
        Action::Suspend => return vec![Effect::Suspend],
        Action::Export => return actions::export(s, Format::Ndjson),
        // The screen's rows keep no segments: its CSV is the row-per-attribute one.
        Action::ExportCsv => return actions::export(s, Format::Csv),
        Action::Unfold => {
            if s.detail.toggle_fold() {
                // The value and the attribute after it in view at once (the box leaves room).
                s.detail.document = s.document();
                actions::reveal_with_next(s);
            } else {
                s.message = Some(format!(
                    "{} shows a long attribute value whole: select one",
                    s.hints.unfold
                ));
            }
        }
        Action::ValueDown | Action::ValueUp | Action::ValuePageDown | Action::ValuePageUp => {
            actions::scroll_value(s, action)
        }
        Action::Summary => overlays::summary(s),
        Action::SummaryNextKey | Action::SummaryPrevKey => {
            if let Some(v) = &mut s.summary {
                v.step_key(action == Action::SummaryNextKey);
            }
        }
    }
    vec![]
}

/// `s`: newest first <-> oldest first. When only part of the range is loaded (stopped, failed,
/// still loading), the rows at hand are not the oldest (or newest) of the range: load it again
/// in the new order.
fn toggle_sort(s: &mut State) -> Vec<Effect> {
    s.list.toggle_order();
    // By a column other than the start: the rows loaded are reversed, nothing is asked.
    if !s.list.sort.is_start() {
        let arrow = match s.list.order {
            Order::Desc => "descending",
            Order::Asc => "ascending",
        };
        s.message = Some(format!(
            "sorted by {}, {arrow} (the rows loaded)",
            s.list.sort.title()
        ));
        return vec![];
    }
    let word = match s.list.order {
        Order::Desc => "newest first",
        Order::Asc => "oldest first",
    };
    let partial = s.list.total > s.list.rows.len() as u64;
    let Some(q) = s.last_query.clone().filter(|_| partial) else {
        s.message = Some(format!("sorted {word}"));
        return vec![];
    };
    s.message = Some(format!(
        "only {} of {} were loaded: loading the range again, {word}",
        crate::human::num(s.list.rows.len()),
        crate::human::num(s.list.total)
    ));
    vec![
        Effect::CancelQuery,
        start_query(s, q.scope, Rows::Replace, None),
    ]
}

/// `<` / `>`: sorts by the shown column left or right of the one sorted by (wrapping). By
/// start the API sorts (a partial load is the range's newest or oldest); by any other column
/// only the rows loaded are sorted, and the message says so.
fn sort_by_next(s: &mut State, right: bool) {
    let cols: Vec<Sort> = s
        .layout
        .columns
        .iter()
        .filter_map(|p| p.column().sort)
        .collect();
    if cols.is_empty() {
        return;
    }
    let at = cols.iter().position(|c| *c == s.list.sort);
    let next = match (at, right) {
        (None, _) => 0,
        (Some(i), true) => (i + 1) % cols.len(),
        (Some(i), false) => (i + cols.len() - 1) % cols.len(),
    };
    let sort = cols[next];
    s.list.set_sort(sort, &s.names);
    let partial = s.list.total > s.list.rows.len() as u64;
    s.message = Some(if sort.is_start() {
        "sorted by Start (the API's order)".to_string()
    } else if partial {
        format!(
            "sorted by {}: the {} rows loaded of {} (only Start sorts the whole range, server-side)",
            sort.title(),
            s.list.rows.len(),
            s.list.total
        )
    } else {
        format!("sorted by {} (the rows loaded)", sort.title())
    });
}

/// What a new load does with the rows shown.
pub(super) enum Rows {
    /// Starts from an empty list.
    Replace,
    /// Keeps them (a refresh, a resumed load), replacing each as it comes again.
    Keep,
}

/// The one way a load starts (submit, sort, resume, refresh): a new query id, so that the late
/// pages of the one before are dropped; the list emptied or kept; the query's effect, in the
/// list's order.
pub(super) fn start_query(
    s: &mut State,
    scope: Scope,
    rows: Rows,
    resume: Option<Resume>,
) -> Effect {
    s.query_seq += 1;
    match rows {
        Rows::Replace => s.list.reset(s.query_seq),
        Rows::Keep => s.list.begin_refresh(s.query_seq),
    }
    Effect::Query {
        query_id: s.query_seq,
        scope,
        order: s.list.order,
        resume,
        follow: false,
        since: None,
    }
}

/// Esc goes back one level: it closes an overlay or the help, leaves a search or the filter
/// being typed, leaves the form or the detail pane for the list; in the list it stops loading,
/// clears the applied filter, or leaves zoom.
fn escape(s: &mut State) -> Vec<Effect> {
    if s.popup.take().is_some() || s.open_id.take().is_some() {
        return vec![];
    }
    if find::escape(s) {
        return vec![];
    }
    if s.raw_json.take().is_some() || s.timeline.take().is_some() {
        return vec![];
    }
    if s.api_log.take().is_some() {
        return vec![Effect::WatchApiLog(false)];
    }
    if s.mode() == Mode::Summary {
        s.summary = None;
        return vec![];
    }
    if s.filter_editing {
        s.filter_editing = false;
        s.filter_input.reset();
        s.list.set_filter("", s.now);
        return vec![];
    }
    match s.focus {
        Focus::Form => {
            s.focus = Focus::List;
        }
        Focus::Detail => {
            s.focus = Focus::List;
            s.zoom = false;
            if s.pinned.take().is_some() {
                s.message = Some("back to the list's selection".into());
            }
        }
        Focus::List => {
            if s.list.is_loading() {
                s.list.load = Load::Stopped;
                s.message = Some("loading stopped; the rows loaded so far stay".into());
                return vec![Effect::CancelQuery];
            } else if !s.list.filter.is_empty() {
                s.filter_input.reset();
                s.list.set_filter("", s.now);
            } else if s.zoom {
                s.zoom = false;
            }
        }
    }
    vec![]
}

/// Tab order: From, To, Media, Query, list, detail.
fn focus_step(s: &mut State, forward: bool) {
    #[derive(PartialEq)]
    enum Stop {
        F(Field),
        List,
        Detail,
    }
    let stops = [
        Stop::F(Field::From),
        Stop::F(Field::To),
        Stop::F(Field::Media),
        Stop::F(Field::Query),
        Stop::List,
        Stop::Detail,
    ];
    let here = match s.focus {
        Focus::Form => Stop::F(s.form.field),
        Focus::List => Stop::List,
        Focus::Detail => Stop::Detail,
    };
    let i = stops.iter().position(|x| *x == here).unwrap_or(0);
    let n = stops.len();
    let next = &stops[if forward {
        (i + 1) % n
    } else {
        (i + n - 1) % n
    }];
    s.filter_editing = false;
    s.zoom = false;
    match next {
        Stop::F(f) => {
            s.focus = Focus::Form;
            s.form.field = *f;
        }
        Stop::List => s.focus = Focus::List,
        Stop::Detail => s.focus = Focus::Detail,
    }
}

fn scroll(s: &mut State, delta: isize) {
    let height = s.layout.overlay_rows;
    match s.mode() {
        Mode::RawJson => {
            if let Some(r) = &mut s.raw_json {
                r.scroll_by(delta, height);
            }
        }
        Mode::Timeline => overlays::scroll_timeline(s, delta, height),
        Mode::ApiLog => overlays::scroll_api_log(s, delta, height),
        Mode::Popup => {
            if let Some(p) = &mut s.popup {
                // No further than its last line (drawing clamps to what wraps into view).
                let last = p.text.lines().count();
                p.scroll = p.scroll.min(last).saturating_add_signed(delta).min(last);
            }
        }
        Mode::Detail => actions::detail_move(s, delta),
        Mode::Summary => {
            let rows = s.layout.detail_rows();
            if let Some(v) = &mut s.summary {
                v.scroll_by(delta, rows);
            }
        }
        _ => {
            s.pinned = None;
            s.list.move_by(delta);
        }
    }
}

/// PgUp/PgDn: a page of lines in the detail pane (long values span many), else like moving.
fn page_by(s: &mut State, delta: isize) {
    if s.mode() == Mode::Detail {
        actions::detail_page(s, delta);
    } else {
        scroll(s, delta);
    }
}

/// Enter: start loading the range, or say what is wrong with it. A query with names has them
/// looked up first ([`Effect::Resolve`]); its answer ([`Event::Resolved`]) starts the load.
fn submit(s: &mut State, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(interval) = s.form.validate(now) else {
        s.focus = Focus::Form;
        s.message = Some("the form needs fixing first (see under it)".into());
        return vec![];
    };
    // Built once, here, from the form; carried unchanged to the query and the record of it.
    let scope = Scope::new(interval, s.form.media);
    let query = s.form.query();
    s.resolving += 1;
    if query.is_empty() {
        return load(s, scope);
    }
    s.message = Some(LOOKING_UP.into());
    vec![
        Effect::CancelQuery,
        Effect::Resolve {
            id: s.resolving,
            text: s.form.query.value().trim().to_string(),
            query,
            scope,
        },
    ]
}

/// Tab in the Query field on a queue, agent or wrap-up name being typed: ask the directory
/// (its listing is read once a session) for the names that start with it.
fn complete(s: &mut State) -> Option<Vec<Effect>> {
    if s.focus != Focus::Form || s.form.field != Field::Query {
        return None;
    }
    let text = s.form.query.value().to_string();
    let (dir, at, typed) = crate::genesys::search::completing(&text)?;
    s.resolving += 1;
    Some(vec![Effect::Complete {
        id: s.resolving,
        dir,
        at,
        typed,
    }])
}

/// The names that complete what was typed: one is put in whole, several their common start,
/// and the footer lists them.
fn on_completed(s: &mut State, id: u64, at: usize, result: Result<Vec<String>, String>) {
    if id != s.resolving || s.form.field != Field::Query {
        return;
    }
    let text = s.form.query.value().to_string();
    if at > text.len() || !text.is_char_boundary(at) {
        return;
    }
    // What an earlier Tab listed no longer describes the field.
    s.messages.withdraw = s.completions_listed.take();
    let names = match result {
        Ok(n) => n,
        Err(e) => {
            s.message = Some(super::sanitize::sanitize(&format!("no completion: {e}")));
            return;
        }
    };
    let new = match names.as_slice() {
        [] => {
            s.message = Some("no name starts with that".into());
            return;
        }
        [one] => crate::genesys::search::complete_with(&text, at, one, true),
        many => {
            let common = common_prefix(many);
            let typed = s.form.query.value()[at..].replace('"', "");
            let shown: Vec<String> = many
                .iter()
                .take(6)
                .map(|n| super::sanitize::sanitize(n))
                .collect();
            let listed = format!(
                "{} names: {}{}",
                many.len(),
                shown.join(", "),
                if many.len() > 6 { ", …" } else { "" }
            );
            s.message = Some(listed.clone());
            s.completions_listed = Some(listed);
            // Names found by a word (`gom`: Elena Gómez, Jonas Gómez) may share no start
            // longer than what was typed: it is kept, and the footer lists them.
            let fold = crate::genesys::search::fold;
            if !fold(&common).starts_with(&fold(&typed)) || common.is_empty() {
                return;
            }
            crate::genesys::search::complete_with(&text, at, &common, false)
        }
    };
    // Names come from the API: only what sanitising leaves goes into the field.
    s.form.query = Input::new(super::sanitize::sanitize(&new));
    // A completion may close the quote that was open while typing.
    s.form.recheck_query();
}

/// The longest start all `names` share (by characters, case as in the first).
fn common_prefix(names: &[String]) -> String {
    let first = &names[0];
    let mut end = first.len();
    for n in &names[1..] {
        end = first
            .char_indices()
            .zip(n.chars())
            .find(|((_, a), b)| !a.to_lowercase().eq(b.to_lowercase()))
            .map_or(end.min(n.len()), |((i, _), _)| i.min(end));
    }
    first[..end].to_string()
}

/// The query's names are known (or not): load, or say which name is wrong at the Query field.
/// Said while the query's names are looked up; it goes when they are.
const LOOKING_UP: &str = "looking up the query's names…";

fn on_resolved(s: &mut State, id: u64, result: Result<Scope, String>) -> Vec<Effect> {
    if id != s.resolving {
        return vec![];
    }
    s.messages.withdraw = Some(LOOKING_UP.into());
    match result {
        Ok(scope) => load(s, scope),
        Err(e) => {
            // Names come from the API: shown only sanitised.
            s.form.problems.query = Some(super::sanitize::sanitize(&e));
            s.focus = Focus::Form;
            s.form.field = Field::Query;
            vec![]
        }
    }
}

/// Starts loading `scope`, replacing the rows.
fn load(s: &mut State, scope: Scope) -> Vec<Effect> {
    s.focus = Focus::List;
    s.zoom = false;
    s.pinned = None;
    s.range_note = s.form.note.clone();
    s.last_query = Some(LastQuery {
        from: s.form.from.value().to_string(),
        to: s.form.to.value().to_string(),
        zone: s.form.zone,
        scope: scope.clone(),
    });
    let mut fx = vec![Effect::CancelQuery];
    fx.extend(queue_live::loading(s, &scope));
    if s.attr_fetch.take().is_some() {
        fx.push(Effect::CancelAttributes);
    }
    if let Some(f) = &mut s.follow {
        f.refreshing = false;
        f.feed.forget_rows();
    }
    let query = start_query(s, scope, Rows::Replace, None);
    // The live queue view's first page waits for the channel to have the queues' topics.
    fx.extend(queue_live::hold(s, query));
    fx
}

fn on_page(s: &mut State, p: PageEvent) -> Vec<Effect> {
    // Latest request wins: anything from an older query is dropped, and so is anything after
    // the user stopped this one.
    if p.query_id() != s.list.query_id || s.list.load == Load::Stopped {
        return vec![];
    }
    let now = s.now;
    // A refresh of `F` loads the tail of the range only: the counts are the list's.
    let tail = s.follow.as_ref().is_some_and(|f| f.refreshing);
    match p {
        PageEvent::Page {
            total_hits,
            mut conversations,
            ..
        } => {
            // A refresh's answer does not undo what events pushed since it was asked.
            let asked = s
                .follow
                .as_ref()
                .filter(|_| tail)
                .and_then(|f| f.feed.asked_at);
            follow_push::merge(s, &mut conversations, asked);
            queue_live::page(s, &conversations);
            s.list.total = total_hits;
            let ids: Vec<String> = conversations
                .iter()
                .map(|c| c.conversation_id.clone())
                .collect();
            s.list.add(conversations, &s.names);
            // Rows replaced by a refresh keep the attributes already known.
            live::relearn(s, &ids);
            s.list.loaded = s.list.loaded.max(s.list.rows.len() as u64);
            if tail {
                s.list.total = s.list.rows.len() as u64;
            }
            s.list.wait_over(now);
            // A sort other than by start: the new rows get their keys, and take their places.
            if !s.list.sort.is_start() {
                s.list.rekey(&s.names);
            }
            return name_rows(s, &ids);
        }
        PageEvent::Progress { loaded, total, .. } => {
            if !tail {
                s.list.loaded = loaded;
                s.list.total = total;
            }
            s.list.wait_over(now);
        }
        PageEvent::Waiting {
            seconds, reason, ..
        } => {
            s.list.load = Load::Waiting {
                until: now + chrono::Duration::seconds(seconds as i64),
                reason: sanitize(&reason),
            }
        }
        PageEvent::Warning { message, .. } => s.message = Some(sanitize(&message)),
        PageEvent::Done { loaded, .. } => {
            s.list.loaded = if tail {
                s.list.rows.len() as u64
            } else {
                loaded
            };
            s.list.load = Load::Done;
            return live::load_finished(s, None);
        }
        PageEvent::Failed {
            error,
            loaded,
            resume,
            ..
        } => {
            s.list.loaded = loaded;
            s.list.resume = resume;
            let msg = sanitize(&error.to_string());
            s.list.load = Load::Failed(msg.clone());
            return live::load_finished(s, Some(msg));
        }
    }
    vec![]
}

/// Asks for the names of the ids these rows show that were never asked for: one effect per
/// page, one directory call per kind (at most 100 ids a call).
fn name_rows(s: &mut State, conversation_ids: &[String]) -> Vec<Effect> {
    let mut ids = Vec::new();
    for id in conversation_ids {
        if let Some(r) = s.list.row(id) {
            for k in r.named_ids() {
                if !s.names.knows(k.0, &k.1) && s.names_asked.insert(k.clone()) {
                    ids.push(k);
                }
            }
        }
    }
    if ids.is_empty() {
        vec![]
    } else {
        vec![Effect::Names { ids }]
    }
}

fn on_mouse(s: &mut State, m: MouseEvent) -> Vec<Effect> {
    if !s.mouse || s.help || overlays::open(s) {
        return vec![];
    }
    let areas = s.layout.clone();
    let at = Position::new(m.column, m.row);
    let inside = |r: Option<Rect>| r.is_some_and(|r| r.contains(at));
    match m.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let d = if m.kind == MouseEventKind::ScrollDown {
                3
            } else {
                -3
            };
            if inside(areas.detail)
                && let Some(v) = &mut s.summary
            {
                v.scroll_by(d, areas.detail_rows());
            } else if inside(areas.detail) {
                // Over an unfolded value's box, the wheel scrolls the value; at its end, the
                // pane (as nested scroll areas do).
                let doc = &s.detail.document;
                let top = s.detail.scroll.min(doc.max_scroll(areas.detail_rows()));
                let over = areas
                    .detail_line_at(m.row)
                    .and_then(|l| doc.box_at(top + l))
                    .map(|b| b.item);
                if !over.is_some_and(|i| s.detail.scroll_value(i, d)) {
                    let max = s.detail.document.max_scroll(areas.detail_rows());
                    s.detail.scroll = s.detail.scroll.saturating_add_signed(d).min(max);
                }
            } else if inside(areas.list) {
                s.list.move_by(d);
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if inside(areas.list) {
                s.focus = Focus::List;
                if let Some(row) = areas.list_row_at(m.row) {
                    let pos = s.list.offset + row;
                    if pos < s.list.visible.len() {
                        s.pinned = None;
                        s.list.select_at(pos);
                    }
                }
            } else if inside(areas.detail) {
                s.focus = Focus::Detail;
                if s.summary.is_some() {
                    return vec![];
                }
                if let Some(line) = areas.detail_line_at(m.row) {
                    actions::detail_click(s, line);
                }
            } else if let Some(form) = areas.form.as_ref().filter(|f| f.area.contains(at)) {
                s.focus = Focus::Form;
                s.form.field = form.field_at(m.column, m.row);
            }
        }
        _ => {}
    }
    vec![]
}

#[cfg(test)]
pub(crate) mod tests;

#[cfg(test)]
mod follow_push_tests;
#[cfg(test)]
mod habits_tests;
#[cfg(test)]
mod live_tests;
#[cfg(test)]
mod push_tests;
#[cfg(test)]
mod queue_live_tests;
