//! The list's columns, declared once: a table of what each shows and how its width behaves, and
//! the one allocator that fits them into a width. Adding a column is one line in [`COLUMNS`]
//! and one cell function (see ARCHITECTURE.md).
//!
//! Widths follow the content: a column is as wide as the widest cell seen in it since the range
//! was loaded ([`Seen`]: the rows drawn are measured, and widths only grow, so that scrolling
//! does not make columns jump), up to twice its ideal width; before any row is seen, its ideal
//! width. When the line is too narrow, the columns give way in steps, each cut shared by
//! taking from the widest first (as water finds its level), so that no column alone is cut to
//! nothing: content wider than the ideal width first; then the two-form columns (the start, the
//! id) take their short form; then the others go down to their soft bound (as bottom's tables
//! do); then columns are dropped in their `drop` order (a column cut to a few characters reads as
//! nothing); only then do the ones left go down to their hard bound. Room to spare goes back to
//! the columns cut short, then a little to each gap; what is left stays at the right, never as
//! blank space between two columns.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::list::List;
use super::row::{Cells, Row};
use crate::genesys::directory::{Names, fold};
use crate::genesys::query::{Media, Order};
use crate::timespec::Zone;

/// How rows sort by a column (the list sorts by one: `List::sort`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// By the conversation's start (the API's order; `s` flips it).
    #[default]
    Start,
    /// By duration (a live conversation is the longest: it is not over).
    Duration,
    /// By the text of a column (the index into [`COLUMNS`]), ignoring case and accents: rows
    /// are given keys once per sort ([`Sort::key`]), not made into cells per comparison.
    Text(usize),
}

/// A row's place in a sort other than by start: a number (duration) or text.
pub type SortKey = (i64, Box<str>);

impl Sort {
    /// `a` against `b` by start, ascending (the other sorts compare [`SortKey`]s).
    pub fn cmp(self, a: &Row, b: &Row) -> Ordering {
        a.start.cmp(&b.start)
    }

    /// Whether rows sort by their start (the API's order: sorting is server-side).
    pub fn is_start(self) -> bool {
        self == Sort::Start
    }

    /// The key of a row for this sort (names for the columns that show names).
    pub fn key(self, row: &Row, names: &Names) -> SortKey {
        match self {
            Sort::Start => (
                row.start.map_or(i64::MIN, |t| t.timestamp_millis()),
                "".into(),
            ),
            Sort::Duration => {
                let secs = match (row.start, row.end()) {
                    (Some(a), Some(b)) => (b - a).num_seconds(),
                    // Going on: longer than any that ended, and the earlier it started the
                    // longer it has run: an order the ticking clock does not change.
                    (Some(a), None) => (i64::MAX / 2).saturating_sub(a.timestamp()),
                    (None, _) => i64::MIN,
                };
                (secs, "".into())
            }
            Sort::Text(i) => {
                let cells = row.cells(Zone::Utc, names);
                let text = (COLUMNS[i].cell)(row, &cells, u16::MAX);
                (0, fold(&text).into())
            }
        }
    }

    /// Two rows' keys in `order`. A blank cell of a text column goes last either way (as in a
    /// spreadsheet): sorting by Wrap-up shows the wrap-up codes first, not a screen of blanks.
    pub fn compare(self, a: Option<&SortKey>, b: Option<&SortKey>, order: Order) -> Ordering {
        if let Sort::Text(_) = self {
            let blank = |k: Option<&SortKey>| k.is_some_and(|k| k.1.is_empty());
            match (blank(a), blank(b)) {
                (true, false) => return Ordering::Greater,
                (false, true) => return Ordering::Less,
                _ => {}
            }
        }
        let by = a.cmp(&b);
        match order {
            Order::Desc => by.reverse(),
            Order::Asc => by,
        }
    }

    /// The column's title, for the footer and the list's title.
    pub fn title(self) -> &'static str {
        match self {
            Sort::Start => "Start",
            Sort::Duration => "Dur",
            Sort::Text(i) => COLUMNS[i].title,
        }
    }
}

/// One column of the list.
#[derive(Debug)]
pub struct Column {
    pub title: &'static str,
    /// Its width when there is room.
    pub ideal: u16,
    /// The width it gives way to first (soft bound).
    pub soft: u16,
    /// The narrowest it gets (hard bound).
    pub hard: u16,
    /// Whether it gives way, and its rank when it does: among columns as wide, the lower rank
    /// first; among two-form columns, the lower first. `None`: it keeps its width.
    pub shrink: Option<u8>,
    /// When it is dropped if the soft bounds do not fit (lower first); `None`: never.
    pub drop: Option<u8>,
    /// How the cell is made.
    pub cell: CellFn,
    /// How the rows sort by it, if they can.
    pub sort: Option<Sort>,
}

impl Column {
    #[allow(clippy::too_many_arguments)]
    const fn new(
        title: &'static str,
        ideal: u16,
        soft: u16,
        hard: u16,
        shrink: Option<u8>,
        drop: Option<u8>,
        cell: CellFn,
        sort: Option<Sort>,
    ) -> Column {
        Column {
            title,
            ideal,
            soft,
            hard,
            shrink,
            drop,
            cell,
            sort,
        }
    }
}

impl Column {
    /// The column's heading in `width` cells: the id's short form is headed "Id" (not
    /// "Convers…").
    pub fn heading(&self, width: u16) -> &'static str {
        if self.title == "Conversation id" && (width as usize) < self.title.len() {
            "Id"
        } else {
            self.title
        }
    }
}

/// A full conversation id (a UUID).
const UUID: u16 = 36;

/// The list's columns, left to right.
#[rustfmt::skip]
pub const COLUMNS: &[Column] = &[
    //          title              ideal soft hard shrink   drop     cell       sort
    Column::new("Start",           19,   11,  11,  Some(4), None,    start,     Some(Sort::Start)),
    Column::new("Dur",             7,    7,   7,   None,    Some(3), duration,  Some(Sort::Duration)),
    Column::new("Media",           20,   12,  6,   Some(3), Some(2), media,     Some(Sort::Text(2))),
    Column::new("Dir",             8,    8,   8,   None,    Some(1), direction, Some(Sort::Text(3))),
    Column::new("Queue",           16,   10,  6,   Some(0), Some(5), queue,     Some(Sort::Text(4))),
    Column::new("Wrap-up",         14,   8,   6,   Some(0), Some(0), wrapup,    Some(Sort::Text(5))),
    Column::new("Customer",        18,   12,  8,   Some(1), None,    customer,  Some(Sort::Text(6))),
    Column::new("Address",         22,   10,  6,   Some(0), Some(0), address,   Some(Sort::Text(7))),
    Column::new("Agent(s)",        22,   12,  8,   Some(2), Some(4), agents,    Some(Sort::Text(8))),
    Column::new("Conversation id", UUID, 8,   8,   Some(3), None,    id,        Some(Sort::Text(9))),
];

/// The columns named (by title, any case; `Duration` for `Dur`, `Direction` for `Dir`, `Id` for
/// `Conversation id`), as indexes into [`COLUMNS`], in the order given; an unknown or repeated
/// name is an error that lists the columns there are.
pub fn pick(names: &[String]) -> Result<Vec<usize>, String> {
    let titles = || {
        COLUMNS
            .iter()
            .map(|c| format!("\"{}\"", c.title))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if names.is_empty() {
        return Err(format!("give at least one column: {}", titles()));
    }
    let mut out = Vec::new();
    for n in names {
        let want = n.trim().to_lowercase();
        let alias = match want.as_str() {
            "duration" => "dur",
            "direction" => "dir",
            "id" => "conversation id",
            "agents" | "agent" => "agent(s)",
            "wrapup" => "wrap-up",
            w => w,
        };
        let Some(i) = COLUMNS.iter().position(|c| c.title.to_lowercase() == alias) else {
            return Err(format!("unknown column '{n}': columns are {}", titles()));
        };
        if out.contains(&i) {
            return Err(format!("column '{n}' is given twice"));
        }
        out.push(i);
    }
    Ok(out)
}

/// A cell's text, sanitised, for a row at the column's width: from the row's display strings
/// (made once for all the columns of a row drawn), or from the row itself for what they lack.
pub type CellFn = for<'a> fn(&'a Row, &'a Cells, u16) -> Cow<'a, str>;

/// The whole start, or `MM-DD HH:MM` when the column is narrower than that.
fn start<'a>(_: &'a Row, c: &'a Cells, w: u16) -> Cow<'a, str> {
    if w < 19 { &c.start_short } else { &c.start }.into()
}
fn duration<'a>(_: &'a Row, c: &'a Cells, _: u16) -> Cow<'a, str> {
    c.duration.as_str().into()
}
fn media<'a>(_: &'a Row, c: &'a Cells, _: u16) -> Cow<'a, str> {
    c.media.as_str().into()
}
fn direction<'a>(_: &'a Row, c: &'a Cells, _: u16) -> Cow<'a, str> {
    c.direction.as_str().into()
}
fn customer<'a>(_: &'a Row, c: &'a Cells, _: u16) -> Cow<'a, str> {
    c.customer.as_str().into()
}
fn agents<'a>(_: &'a Row, c: &'a Cells, _: u16) -> Cow<'a, str> {
    c.agents.as_str().into()
}
fn queue<'a>(_: &'a Row, c: &'a Cells, _: u16) -> Cow<'a, str> {
    c.queue.as_str().into()
}
fn wrapup<'a>(_: &'a Row, c: &'a Cells, _: u16) -> Cow<'a, str> {
    c.wrapup.as_str().into()
}
fn address<'a>(_: &'a Row, c: &'a Cells, _: u16) -> Cow<'a, str> {
    c.address.as_str().into()
}
fn id<'a>(_: &'a Row, c: &'a Cells, _: u16) -> Cow<'a, str> {
    c.id.as_str().into()
}

/// A column given its width: its place in [`COLUMNS`] and how wide it is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub index: usize,
    pub width: u16,
}

impl Placed {
    pub fn column(&self) -> &'static Column {
        &COLUMNS[self.index]
    }
}

/// The selection marker's column, with the space after it.
pub const MARK: u16 = 2;

/// Room to spare given to each gap between columns, at most, once every column is whole.
const SLACK: u16 = 2;

/// The widest cell of each column among the rows drawn since the range was loaded: the widths
/// the allocator aims for. Measured on the rows in view only (made into cells once more per
/// change of what is in view, a screenful), and only ever wider within a load.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// By index into [`COLUMNS`]: the widest cell (its title at least); 0: none seen yet.
    pub widths: Vec<u16>,
    /// What was measured last (the rows in view, the list's revision, the names known), so
    /// that an unchanged screen is not measured again.
    measured: Option<(Vec<usize>, u64, u64)>,
}

impl Seen {
    /// Measures the rows `list` has in view (`height` rows from its scroll offset); whether a
    /// width changed. A list without rows (a new load begins) starts over; a refresh of the
    /// same range (`F`), whose rows stay, does not.
    pub fn measure(&mut self, list: &List, height: usize, zone: Zone, names: &Names) -> bool {
        let mut changed = false;
        if list.rows.is_empty() || self.widths.len() != COLUMNS.len() {
            changed = self.widths.iter().any(|&w| w > 0);
            *self = Seen {
                widths: vec![0; COLUMNS.len()],
                measured: None,
            };
        }
        let end = (list.offset + height).min(list.visible.len());
        let start = list.offset.min(end);
        let in_view = &list.visible[start..end];
        let key = (in_view.to_vec(), list.revision, names.len() as u64);
        if self.measured.as_ref() == Some(&key) {
            return changed;
        }
        for &i in in_view {
            let row = &list.rows[i];
            let cells = row.cells(zone, names);
            for (k, c) in COLUMNS.iter().enumerate() {
                let w = (width(&(c.cell)(row, &cells, u16::MAX)).max(width(c.title)))
                    .min(u16::MAX as usize) as u16;
                if w > self.widths[k] {
                    self.widths[k] = w;
                    changed = true;
                }
            }
        }
        self.measured = Some(key);
        changed
    }
}

fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// The columns that fit a list `width` columns wide (borders included), and their widths.
/// `media`: the media the list was loaded with; the Media column shows only when it can
/// differ from row to row (any media, or every messaging channel).
/// `chosen`: the user's columns in their order (`columns` in the config), empty for all of
/// [`COLUMNS`] in table order. `seen`: the widest cells seen ([`Seen::widths`]; empty or 0 for
/// a column: its ideal width).
pub fn allocate(width: u16, media: Media, chosen: &[usize], seen: &[u16]) -> Vec<Placed> {
    let show_media = matches!(media, Media::Any | Media::Message);
    let all: Vec<usize>;
    let order = if chosen.is_empty() {
        all = (0..COLUMNS.len()).collect();
        &all
    } else {
        chosen
    };
    allocate_from(COLUMNS, width, order, seen, &|c: &Column| {
        show_media || c.title != "Media"
    })
}

/// The width a column aims for: its widest cell seen (at most twice its ideal width), else its
/// ideal width. Columns that never give way keep their ideal width (they are fixed).
fn want(c: &Column, seen: Option<u16>) -> u16 {
    match seen.filter(|&w| w > 0) {
        Some(w) if c.shrink.is_some() => w.min(c.ideal.saturating_mul(2)),
        _ => c.ideal,
    }
}

fn allocate_from(
    table: &[Column],
    width: u16,
    order: &[usize],
    seen: &[u16],
    shown: &dyn Fn(&Column) -> bool,
) -> Vec<Placed> {
    let want = |i: usize| want(&table[i], seen.get(i).copied());
    let mut cols: Vec<Placed> = order
        .iter()
        .copied()
        .filter(|&i| i < table.len() && shown(&table[i]))
        .map(|index| Placed {
            index,
            width: want(index),
        })
        .collect();
    // What the columns may take: the width less the borders, the marker and a space between
    // columns.
    let over = |cols: &[Placed]| {
        let avail = width.saturating_sub(2 + MARK + cols.len() as u16 - 1) as i32;
        cols.iter().map(|c| c.width as i32).sum::<i32>() - avail
    };
    // Content wider than the ideal width gives way first, then the two-form columns take
    // their short form, then the others give way to their soft bound; then columns are
    // dropped; only then do the ones left go down to their hard bound.
    let excess = over(&cols);
    water_down(&mut cols, table, excess, |c| c.ideal.max(c.soft), false);
    let mut short_forms: Vec<usize> = (0..cols.len())
        .filter(|&k| two_forms(&table[cols[k].index]))
        .collect();
    short_forms.sort_by_key(|&k| table[cols[k].index].shrink);
    for k in short_forms {
        if over(&cols) <= 0 {
            break;
        }
        cols[k].width = cols[k].width.min(table[cols[k].index].soft);
    }
    let excess = over(&cols);
    water_down(&mut cols, table, excess, |c| c.soft, false);
    let mut dropping: Vec<usize> = cols
        .iter()
        .map(|c| c.index)
        .filter(|&i| table[i].drop.is_some())
        .collect();
    dropping.sort_by_key(|&i| table[i].drop);
    for i in dropping {
        if over(&cols) <= 0 {
            break;
        }
        cols.retain(|c| c.index != i);
    }
    let excess = over(&cols);
    water_down(&mut cols, table, excess, |c| c.hard, true);
    // Room to spare: first to the columns cut short of their content, a cell at a time to the
    // narrowest of them (so that they end up even)...
    let mut spare = -over(&cols);
    // A two-form column takes its whole form back, or nothing.
    let step = |c: &Placed| {
        if two_forms(&table[c.index]) {
            want(c.index) - c.width
        } else {
            1
        }
    };
    while spare > 0 {
        let Some(k) = (0..cols.len())
            .filter(|&k| cols[k].width < want(cols[k].index) && step(&cols[k]) as i32 <= spare)
            .min_by_key(|&k| (cols[k].width, k))
        else {
            break;
        };
        let give = step(&cols[k]);
        cols[k].width += give;
        spare -= give as i32;
    }
    // ...then a little to each gap, so that a wide list breathes...
    for c in cols.iter_mut() {
        let give = (spare.max(0) as u16).min(SLACK);
        c.width += give;
        spare -= give as i32;
    }
    // ...then to the columns whose content is wider than twice their usual width (a
    // conversation's three wrap-up codes), a cell at a time to the narrowest, rather than blank
    // space at the right while a cell is cut; the rest stays at the right.
    let whole = |i: usize| match seen.get(i) {
        Some(&w) if table[i].shrink.is_some() && !two_forms(&table[i]) => w,
        _ => 0,
    };
    while spare > 0 {
        let Some(k) = (0..cols.len())
            .filter(|&k| cols[k].width < whole(cols[k].index))
            .min_by_key(|&k| (cols[k].width, k))
        else {
            break;
        };
        cols[k].width += 1;
        spare -= 1;
    }
    cols
}

/// A column whose soft and hard bounds are one has two forms, whole or short (the start
/// without its year and seconds, the id's first 8 characters): a width between them shows no
/// more than the short one.
fn two_forms(c: &Column) -> bool {
    c.shrink.is_some() && c.soft == c.hard && c.soft < c.ideal
}

/// Takes `excess` cells from the columns that give way (two-form columns only when `all`),
/// the widest first (among equals, the lower `shrink` rank, then the leftmost), never below
/// `bound`: the cut is shared, so no column alone is cut to nothing.
fn water_down(
    cols: &mut [Placed],
    table: &[Column],
    mut excess: i32,
    bound: impl Fn(&Column) -> u16,
    all: bool,
) {
    while excess > 0 {
        let Some(k) = (0..cols.len())
            .filter(|&k| {
                let c = &table[cols[k].index];
                c.shrink.is_some() && (all || !two_forms(c)) && cols[k].width > bound(c)
            })
            .max_by_key(|&k| {
                (
                    cols[k].width,
                    std::cmp::Reverse(table[cols[k].index].shrink),
                    std::cmp::Reverse(k),
                )
            })
        else {
            return;
        };
        cols[k].width -= 1;
        excess -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(width: u16, media: Media) -> u16 {
        let cols = allocate(width, media, &[], &[]);
        cols.iter().map(|c| c.width).sum::<u16>() + 2 + MARK + cols.len() as u16 - 1
    }

    fn width_of(cols: &[Placed], title: &str) -> Option<u16> {
        cols.iter()
            .find(|c| c.column().title == title)
            .map(|c| c.width)
    }

    #[test]
    fn the_id_is_whole_at_200_columns_with_every_column() {
        let cols = allocate(200, Media::Any, &[], &[]);
        assert_eq!(cols.len(), COLUMNS.len(), "{cols:?}");
        assert_eq!(width_of(&cols, "Conversation id"), Some(36));
        assert!(total(200, Media::Any) <= 200);
    }

    #[test]
    fn media_shows_only_when_the_list_mixes_media() {
        for m in [Media::Any, Media::Message] {
            assert!(width_of(&allocate(200, m, &[], &[]), "Media").is_some());
        }
        for m in [Media::Voice, Media::Webmessaging, Media::Email] {
            assert!(width_of(&allocate(200, m, &[], &[]), "Media").is_none());
        }
    }

    #[test]
    fn narrow_terminals_keep_what_never_drops_and_fit() {
        for media in [Media::Any, Media::Voice] {
            for w in 40..=250 {
                assert!(
                    total(w, media) <= w,
                    "{w}: {:?}",
                    allocate(w, media, &[], &[])
                );
                let cols = allocate(w, media, &[], &[]);
                for c in COLUMNS.iter().filter(|c| c.drop.is_none()) {
                    assert!(width_of(&cols, c.title).is_some(), "{w}: {}", c.title);
                }
            }
        }
        // Voice at 120 columns: the supervisor's columns are there.
        let cols = allocate(120, Media::Voice, &[], &[]);
        for t in ["Queue", "Customer", "Agent(s)", "Dur", "Dir"] {
            assert!(width_of(&cols, t).is_some(), "{t}: {cols:?}");
        }
    }

    #[test]
    fn the_users_columns_come_in_their_order_and_bad_names_say_which_there_are() {
        let names: Vec<String> = ["queue", "Duration", "agents", "CUSTOMER"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let chosen = pick(&names).unwrap();
        let cols = allocate(120, Media::Voice, &chosen, &[]);
        let titles: Vec<&str> = cols.iter().map(|c| c.column().title).collect();
        assert_eq!(titles, ["Queue", "Dur", "Agent(s)", "Customer"]);
        // Room to spare: a little to each gap, the rest at the right.
        let ideal: u16 = [16, 7, 22, 18].iter().sum();
        assert_eq!(cols.iter().map(|c| c.width).sum::<u16>(), ideal + 4 * SLACK);
        let e = pick(&["Queue".into(), "Skill".into()]).unwrap_err();
        assert!(
            e.contains("unknown column 'Skill'") && e.contains("\"Wrap-up\""),
            "{e}"
        );
        assert!(
            pick(&["Queue".into(), "queue".into()])
                .unwrap_err()
                .contains("twice")
        );
        assert!(pick(&[]).is_err());
    }

    fn total_of(cols: &[Placed]) -> u16 {
        cols.iter().map(|c| c.width).sum::<u16>() + 2 + MARK + cols.len() as u16 - 1
    }

    /// The widths a day of voice calls shows (as `Seen` measures them): by index into
    /// [`COLUMNS`].
    fn voice_seen() -> Vec<u16> {
        //   Start Dur Media Dir Queue Wrap-up Customer Address Agent(s) id
        vec![19, 7, 5, 8, 23, 22, 20, 27, 27, 36]
    }

    #[test]
    fn a_wide_list_shows_every_cell_whole_and_no_gap_wider_than_the_slack() {
        let seen = voice_seen();
        // 201 columns hold them all whole.
        for w in [201, 250] {
            let cols = allocate(w, Media::Voice, &[], &seen);
            assert_eq!(cols.len(), COLUMNS.len() - 1, "{w}: {cols:?}");
            for c in &cols {
                let want = want(c.column(), Some(seen[c.index]));
                assert!(
                    c.width >= want && c.width <= want + SLACK,
                    "{w}: {} is {} for a content of {want}",
                    c.column().title,
                    c.width
                );
            }
            assert!(total_of(&cols) <= w);
        }
        // Before any row is measured, a column that never saw content has its ideal width.
        assert_eq!(
            width_of(&allocate(250, Media::Voice, &[], &[]), "Customer"),
            Some(18 + SLACK)
        );
    }

    /// A cell wider than twice its column's usual width (three wrap-up codes) is cut only while
    /// the room is needed: at 250 columns the room left goes to it, not to blank space.
    #[test]
    fn room_left_at_the_right_goes_to_a_cell_wider_than_twice_its_column() {
        let mut seen = voice_seen();
        let wrapup = COLUMNS.iter().position(|c| c.title == "Wrap-up").unwrap();
        seen[wrapup] = 45;
        let cols = allocate(250, Media::Voice, &[], &seen);
        assert_eq!(width_of(&cols, "Wrap-up"), Some(45), "{cols:?}");
        assert!(total_of(&cols) <= 250);
        // Narrower, the others keep their content and the wrap-ups take what is left.
        let cols = allocate(215, Media::Voice, &[], &seen);
        let w = width_of(&cols, "Wrap-up").unwrap();
        assert!((28..45).contains(&w), "{cols:?}");
        assert_eq!(
            total_of(&cols),
            215,
            "nothing left blank while a cell is cut"
        );
        for c in cols.iter().filter(|c| c.column().title != "Wrap-up") {
            assert!(c.width >= want(c.column(), Some(seen[c.index])), "{cols:?}");
        }
    }

    #[test]
    fn a_column_is_dropped_before_one_is_cut_below_its_soft_bound() {
        let seen = voice_seen();
        for w in 40..=250 {
            let cols = allocate(w, Media::Voice, &[], &seen);
            assert!(total_of(&cols) <= w, "{w}: {cols:?}");
            // While a droppable column is still there, none is under its soft bound.
            if cols.iter().any(|c| c.column().drop.is_some()) {
                for c in &cols {
                    assert!(
                        c.width >= c.column().soft.min(want(c.column(), Some(seen[c.index]))),
                        "{w}: {} cut to {}: {cols:?}",
                        c.column().title,
                        c.width
                    );
                }
            }
        }
        // At 80 columns the supervisor's columns are readable: Wrap-up and Address give way.
        let cols = allocate(80, Media::Voice, &[], &seen);
        let titles: Vec<&str> = cols.iter().map(|c| c.column().title).collect();
        assert_eq!(
            titles,
            [
                "Start",
                "Dur",
                "Dir",
                "Queue",
                "Customer",
                "Agent(s)",
                "Conversation id"
            ]
        );
        for t in ["Queue", "Customer", "Agent(s)"] {
            assert!(width_of(&cols, t).unwrap() >= 10, "{t}: {cols:?}");
        }
    }

    #[test]
    fn cuts_are_shared_and_the_id_takes_its_short_form_before_names_are_cut_much() {
        let seen = voice_seen();
        // One cell short: the widest column gives it (of two as wide, the lower rank), the id
        // stays whole.
        let cols = allocate(200, Media::Voice, &[], &seen);
        assert_eq!(width_of(&cols, "Conversation id"), Some(36));
        assert_eq!(width_of(&cols, "Address"), Some(26), "{cols:?}");
        assert_eq!(width_of(&cols, "Agent(s)"), Some(27), "{cols:?}");
        // Far short: the id's first 8 characters, and the names shown nearly whole.
        let cols = allocate(160, Media::Voice, &[], &seen);
        assert_eq!(width_of(&cols, "Conversation id"), Some(8));
        for (t, at_least) in [
            ("Queue", 20),
            ("Wrap-up", 20),
            ("Customer", 20),
            ("Agent(s)", 22),
        ] {
            assert!(width_of(&cols, t).unwrap() >= at_least, "{t}: {cols:?}");
        }
        let id = COLUMNS
            .iter()
            .find(|c| c.title == "Conversation id")
            .unwrap();
        assert_eq!((id.heading(8), id.heading(36)), ("Id", "Conversation id"));
        // A width between the two forms would show no more than the short one.
        for w in 40..=250 {
            for c in allocate(w, Media::Voice, &[], &seen) {
                if two_forms(c.column()) {
                    let col = c.column();
                    assert!(
                        c.width == col.soft || c.width >= col.ideal,
                        "{w}: {} is {}",
                        col.title,
                        c.width
                    );
                }
            }
        }
    }

    #[test]
    fn seen_widths_only_grow_within_a_load_and_start_over_with_the_next() {
        use crate::tui::fixtures::conv;
        let names = Names::default();
        let mut list = List::default();
        list.reset(1);
        list.add(
            vec![
                conv("a", 1, "Ann", "Bob"),
                conv("b", 2, "Maximilian Alexander von Habsburg", "Bob"),
            ],
            &names,
        );
        let customer = COLUMNS.iter().position(|c| c.title == "Customer").unwrap();
        let mut seen = Seen::default();
        // Only the first row in view: its customer, or the title.
        list.offset = 1;
        assert!(seen.measure(&list, 1, Zone::Utc, &names));
        assert_eq!(seen.widths[customer], 8, "the title is wider than Ann");
        assert!(
            !seen.measure(&list, 1, Zone::Utc, &names),
            "nothing new in view"
        );
        list.offset = 0;
        assert!(seen.measure(&list, 2, Zone::Utc, &names));
        assert_eq!(seen.widths[customer], 33);
        // Scrolled back to the narrow row: the width stays.
        list.offset = 1;
        assert!(!seen.measure(&list, 1, Zone::Utc, &names));
        assert_eq!(seen.widths[customer], 33);
        // A refresh of the range (`F`: the rows stay) keeps them.
        list.begin_refresh(2);
        assert!(!seen.measure(&list, 1, Zone::Utc, &names));
        assert_eq!(seen.widths[customer], 33);
        // A new load starts over.
        list.reset(3);
        assert!(seen.measure(&list, 1, Zone::Utc, &names));
        assert!(seen.widths.iter().all(|&w| w == 0));
    }

    #[test]
    fn each_text_sort_points_at_its_own_column() {
        for (i, c) in COLUMNS.iter().enumerate() {
            if let Some(Sort::Text(j)) = c.sort {
                assert_eq!(i, j, "{}", c.title);
            }
            assert!(c.sort.is_some(), "{} sorts", c.title);
        }
    }
}
