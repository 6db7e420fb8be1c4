//! The screen's state and its one pure transition: `update(state, event) -> effects`.
//!
//! No I/O and no clock here: the current time comes in the events that need it, and everything
//! that talks to the network is an [`Effect`] the event loop carries out.

use chrono::{DateTime, Utc};
use std::sync::Arc;

use ratatui::crossterm::event::{
    Event as TermEvent, KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

use crate::genesys::Error;
use crate::genesys::model::Conversation;
use crate::genesys::query::{Interval, Media, Order};
use crate::timespec::Zone;

use super::detail::{Detail, Fetched};
use super::form::{Field, Form};
use super::keymap::{Action, Keymap, Mode};
use super::list::{List, Load};
use super::sanitize::sanitize;
use super::ui;
use crate::paging::PageEvent;

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
    pub list: List,
    pub detail: Detail,
    pub focus: Focus,
    pub filter_input: Input,
    pub filter_editing: bool,
    pub help: bool,
    pub zoom: bool,
    pub mouse: bool,
    /// False under `NO_COLOR`: style with modifiers and symbols only.
    pub color: bool,
    /// The keys in effect (defaults plus the user's `[keys]`).
    pub keymap: Arc<Keymap>,
    /// Where we are connected ("DEMO", a region host, an API URL).
    pub connection: String,
    /// The zone's label as shown in the form (computed once at start).
    pub zone_label: String,
    pub width: u16,
    pub height: u16,
    pub spinner: usize,
    /// The last query id handed out.
    pub query_seq: u64,
    /// A one-off message for the status line (cleared by the next key).
    pub message: Option<String>,
    /// A note on the range being shown (e.g. split into parts), kept until the next submit.
    pub range_note: Option<String>,
    pub quit: bool,
}

/// The options the state starts from.
#[derive(Debug, Clone, Default)]
pub struct Init {
    pub from: Option<String>,
    pub to: Option<String>,
    pub media: Option<Media>,
    pub zone: Zone,
    pub zone_label: String,
    pub mouse: bool,
    pub color: bool,
    pub connection: String,
    pub keymap: Keymap,
}

impl State {
    pub fn new(init: Init) -> State {
        State {
            form: Form::new(
                init.from.as_deref(),
                init.to.as_deref(),
                init.media,
                init.zone,
            ),
            list: List::default(),
            detail: Detail::default(),
            focus: Focus::Form,
            filter_input: Input::default(),
            filter_editing: false,
            help: false,
            zoom: false,
            mouse: init.mouse,
            color: init.color,
            keymap: Arc::new(init.keymap),
            connection: sanitize(&init.connection),
            zone_label: init.zone_label,
            width: 80,
            height: 24,
            spinner: 0,
            query_seq: 0,
            message: None,
            range_note: None,
            quit: false,
        }
    }

    /// What has the keyboard.
    pub fn mode(&self) -> Mode {
        if self.help {
            Mode::Help
        } else {
            self.base_mode()
        }
    }

    /// What would have the keyboard without the help overlay.
    pub fn base_mode(&self) -> Mode {
        if self.filter_editing {
            Mode::Filter
        } else {
            match self.focus {
                Focus::Form if self.form.field == Field::Media => Mode::FormMedia,
                Focus::Form => Mode::FormText,
                Focus::List => Mode::List,
                Focus::Detail => Mode::Detail,
            }
        }
    }

    /// Whether something moves on screen (a spinner), so the loop should tick.
    pub fn animating(&self) -> bool {
        self.list.is_loading() || self.detail.is_busy()
    }

    pub fn zone(&self) -> Zone {
        self.form.zone
    }
}

#[derive(Debug, Clone)]
pub enum Event {
    Key {
        key: KeyEvent,
        now: DateTime<Utc>,
    },
    Mouse(MouseEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// Submit the form as it is (the `auto_submit` start).
    Submit {
        now: DateTime<Utc>,
    },
    Page(PageEvent),
    Debounced {
        generation: u64,
    },
    Fetched {
        id: String,
        generation: u64,
        result: Result<Conversation, Error>,
        /// When the answer arrived.
        at: DateTime<Utc>,
    },
    Tick,
}

impl From<PageEvent> for Event {
    fn from(e: PageEvent) -> Self {
        Event::Page(e)
    }
}

/// Work for the event loop; the only way `update` reaches the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Start the paging task (cancelling the previous one first).
    Query {
        query_id: u64,
        interval: Interval,
        media: Media,
        order: Order,
    },
    /// Stop the paging task; its rows stay.
    CancelQuery,
    /// Send `Event::Debounced { generation }` after the detail debounce.
    Debounce {
        generation: u64,
    },
    /// Fetch a conversation's attributes, answering with `Event::Fetched`.
    Fetch {
        id: String,
        generation: u64,
    },
    /// Abort the fetch in flight.
    CancelFetch,
    /// Turn mouse capture on or off.
    Mouse(bool),
    /// Clear the terminal and draw everything again (something else wrote to it).
    Redraw,
    Quit,
}

/// The one state transition.
pub fn update(s: &mut State, event: Event) -> Vec<Effect> {
    let mut fx = match event {
        Event::Key { key, now } => on_key(s, key, now),
        Event::Mouse(m) => on_mouse(s, m),
        Event::Resize { width, height } => {
            s.width = width;
            s.height = height;
            vec![]
        }
        Event::Submit { now } => submit(s, now),
        Event::Page(p) => on_page(s, p),
        Event::Debounced { generation } => s.detail.debounced(generation),
        Event::Fetched {
            id,
            generation,
            result,
            at,
        } => {
            s.detail.fetched(&id, generation, result, at);
            if let Some(Fetched::Loaded(c, _)) = s.detail.cache.get(&id) {
                // Attribute text becomes searchable once known.
                let c = c.clone();
                s.list
                    .learn_attributes(&id, c.participants.iter().map(|p| &p.attributes));
                if !s.list.filter.is_empty() {
                    s.list.refilter();
                }
            }
            vec![]
        }
        Event::Tick => {
            s.spinner = s.spinner.wrapping_add(1);
            vec![]
        }
    };
    fx.extend(settle(s));
    fx
}

/// Keeps derived things in step after any change: the list's scroll, the detail's subject.
fn settle(s: &mut State) -> Vec<Effect> {
    let rows = ui::layout::list_rows(s);
    s.list.scroll_into_view(rows);
    let selected = s.list.selected.clone();
    let visible = s.list.selected_row().is_some() && !s.list.visible.is_empty();
    s.detail.select(selected.as_deref().filter(|_| visible))
}

fn on_key(s: &mut State, ev: KeyEvent, now: DateTime<Utc>) -> Vec<Effect> {
    if ev.kind == KeyEventKind::Release {
        return vec![];
    }
    s.message = None;
    let mode = s.mode();
    if let Some(action) = s.keymap.lookup(mode, &ev) {
        return act(s, action, now);
    }
    // Unbound keys type into the focused text field.
    let Some(req) = to_input_request(&TermEvent::Key(ev)) else {
        return vec![];
    };
    match mode {
        Mode::FormText => {
            if let Some(input) = s.form.input_mut()
                && input.handle(req).is_some_and(|c| c.value)
            {
                // Validate as you type.
                s.form.validate(now);
            }
        }
        Mode::Filter if s.filter_input.handle(req).is_some_and(|c| c.value) => {
            s.list.set_filter(s.filter_input.value());
        }
        _ => {}
    }
    vec![]
}

fn act(s: &mut State, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    let page = match s.focus {
        Focus::Detail => ui::layout::areas(s)
            .detail
            .map_or(1, |r| r.height.saturating_sub(3)),
        _ => ui::layout::list_rows(s) as u16,
    }
    .max(1) as isize;
    match action {
        Action::Quit => {
            s.quit = true;
            return vec![Effect::Quit];
        }
        Action::FocusNext => focus_step(s, true),
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
        Action::PageUp => scroll(s, -page),
        Action::PageDown => scroll(s, page),
        Action::Home => scroll(s, isize::MIN / 2),
        Action::End => scroll(s, isize::MAX / 2),
        Action::StartFilter => {
            s.filter_editing = true;
            s.filter_input = Input::new(s.filter_input.value().to_string());
        }
        Action::FilterDone => s.filter_editing = false,
        Action::Escape => return escape(s),
        Action::ToggleSort => {
            s.list.toggle_order();
            s.message = Some(match s.list.order {
                Order::Desc => "sorted newest first".into(),
                Order::Asc => "sorted oldest first".into(),
            });
        }
        Action::ToggleMouse => {
            s.mouse = !s.mouse;
            s.message = Some(if s.mouse {
                "mouse on: hold Shift to select text".into()
            } else {
                "mouse off".into()
            });
            return vec![Effect::Mouse(s.mouse)];
        }
        Action::Refetch => return s.detail.refetch(),
        Action::Zoom => s.zoom = !s.zoom,
        Action::Help => s.help = !s.help,
        Action::Redraw => return vec![Effect::Redraw],
        Action::OpenDetail => {
            s.focus = Focus::Detail;
            s.zoom = false;
        }
    }
    vec![]
}

/// Esc does the most local thing that applies: close help, clear the filter being typed, stop
/// loading, clear the applied filter, leave zoom.
fn escape(s: &mut State) -> Vec<Effect> {
    if s.filter_editing {
        s.filter_editing = false;
        s.filter_input.reset();
        s.list.set_filter("");
    } else if s.list.is_loading() {
        s.list.load = Load::Stopped;
        s.message = Some("loading stopped; the rows loaded so far stay".into());
        return vec![Effect::CancelQuery];
    } else if !s.list.filter.is_empty() {
        s.filter_input.reset();
        s.list.set_filter("");
    } else if s.zoom {
        s.zoom = false;
    }
    vec![]
}

/// Tab order: From, To, Media, list, detail.
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
    match s.focus {
        Focus::Detail => {
            let max = ui::detail::max_scroll(s);
            s.detail.scroll = s.detail.scroll.saturating_add_signed(delta).min(max);
        }
        _ => s.list.move_by(delta),
    }
}

/// Enter: start loading the range, or say what is wrong with it.
fn submit(s: &mut State, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(interval) = s.form.validate(now) else {
        s.focus = Focus::Form;
        s.message = Some("the range needs fixing first (see the form)".into());
        return vec![];
    };
    s.query_seq += 1;
    s.list.reset(s.query_seq);
    s.focus = Focus::List;
    s.zoom = false;
    s.range_note = s.form.note.clone();
    vec![
        Effect::CancelQuery,
        Effect::Query {
            query_id: s.query_seq,
            interval,
            media: s.form.media,
            order: s.list.order,
        },
    ]
}

fn on_page(s: &mut State, p: PageEvent) -> Vec<Effect> {
    // Latest request wins: anything from an older query is dropped, and so is anything after
    // the user stopped this one.
    if p.query_id() != s.list.query_id || s.list.load == Load::Stopped {
        return vec![];
    }
    let zone = s.zone();
    match p {
        PageEvent::Page {
            total_hits,
            conversations,
            ..
        } => {
            s.list.total = total_hits;
            s.list.add(conversations, zone);
            s.list.loaded = s.list.loaded.max(s.list.rows.len() as u64);
            if matches!(s.list.load, Load::Waiting { .. }) {
                s.list.load = Load::Loading;
            }
        }
        PageEvent::Progress { loaded, total, .. } => {
            s.list.loaded = loaded;
            s.list.total = total;
            if matches!(s.list.load, Load::Waiting { .. }) {
                s.list.load = Load::Loading;
            }
        }
        PageEvent::Waiting {
            seconds, reason, ..
        } => {
            s.list.load = Load::Waiting {
                seconds,
                reason: sanitize(&reason),
            }
        }
        PageEvent::Warning { message, .. } => s.message = Some(sanitize(&message)),
        PageEvent::Done { loaded, .. } => {
            s.list.loaded = loaded;
            s.list.load = Load::Done;
        }
        PageEvent::Failed { error, loaded, .. } => {
            s.list.loaded = loaded;
            s.list.load = Load::Failed(sanitize(&error.to_string()));
        }
    }
    vec![]
}

fn on_mouse(s: &mut State, m: MouseEvent) -> Vec<Effect> {
    if !s.mouse || s.help {
        return vec![];
    }
    let areas = ui::layout::areas(s);
    let at = Position::new(m.column, m.row);
    let inside = |r: Option<Rect>| r.is_some_and(|r| r.contains(at));
    match m.kind {
        MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
            let d = if m.kind == MouseEventKind::ScrollDown {
                3
            } else {
                -3
            };
            if inside(areas.detail) {
                let max = ui::detail::max_scroll(s);
                s.detail.scroll = s.detail.scroll.saturating_add_signed(d).min(max);
            } else if inside(areas.list) {
                s.list.move_by(d);
            }
        }
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(list) = areas.list.filter(|r| r.contains(at)) {
                s.focus = Focus::List;
                // Rows start below the border and the column header.
                let first = list.y + 2;
                if m.row >= first && m.row < list.bottom().saturating_sub(1) {
                    let pos = s.list.offset + (m.row - first) as usize;
                    if pos < s.list.visible.len() {
                        s.list.select_at(pos);
                    }
                }
            } else if inside(areas.detail) {
                s.focus = Focus::Detail;
            } else if let Some(form) = areas.form.filter(|r| r.contains(at)) {
                s.focus = Focus::Form;
                s.form.field = ui::form::field_at(s, form, m.column);
            }
        }
        _ => {}
    }
    vec![]
}

#[cfg(test)]
pub(crate) mod tests;
