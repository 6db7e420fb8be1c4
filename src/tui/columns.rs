//! The list's columns, declared once: a table of what each shows and how its width behaves, and
//! the one allocator that fits them into a width. Adding a column is one line in [`COLUMNS`]
//! and one cell function (see ARCHITECTURE.md).
//!
//! Widths have a soft and a hard bound (as bottom's tables do): when the line is too narrow,
//! columns first give way down to their soft bound, in their `shrink` order, then down to their
//! hard bound, in the same order; if that is still too wide, columns are dropped in their
//! `drop` order. Room to spare goes to the columns that `grow`, in equal shares.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::row::{Cells, Row};
use crate::genesys::directory::{Names, fold};
use crate::genesys::query::Media;
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
                    (_, None) => i64::MAX,
                    (None, Some(_)) => i64::MIN,
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
    /// When it gives way (lower first); `None`: it keeps its width.
    pub shrink: Option<u8>,
    /// When it is dropped if even the hard bounds do not fit (lower first); `None`: never.
    pub drop: Option<u8>,
    /// Whether it takes a share of the room to spare.
    pub grows: bool,
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
        grows: bool,
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
            grows,
            cell,
            sort,
        }
    }
}

/// A full conversation id (a UUID).
const UUID: u16 = 36;

/// The list's columns, left to right.
#[rustfmt::skip]
pub const COLUMNS: &[Column] = &[
    //          title              ideal soft hard shrink   drop     grows  cell       sort
    Column::new("Start",           19,   11,  11,  Some(4), None,    false, start,     Some(Sort::Start)),
    Column::new("Dur",             7,    7,   7,   None,    Some(2), false, duration,  Some(Sort::Duration)),
    Column::new("Media",           20,   12,  6,   Some(3), Some(3), false, media,     Some(Sort::Text(2))),
    Column::new("Dir",             8,    8,   8,   None,    Some(1), false, direction, Some(Sort::Text(3))),
    Column::new("Queue",           16,   10,  6,   Some(0), Some(5), false, queue,     Some(Sort::Text(4))),
    Column::new("Wrap-up",         14,   8,   6,   Some(0), Some(0), false, wrapup,    Some(Sort::Text(5))),
    Column::new("Customer",        18,   12,  8,   Some(1), None,    true,  customer,  Some(Sort::Text(6))),
    Column::new("Address",         22,   10,  6,   Some(0), Some(0), false, address,   Some(Sort::Text(7))),
    Column::new("Agent(s)",        22,   12,  8,   Some(2), Some(4), true,  agents,    Some(Sort::Text(8))),
    Column::new("Conversation id", UUID, 8,   8,   Some(5), None,    false, id,        Some(Sort::Text(9))),
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

/// The columns that fit a list `width` columns wide (borders included), and their widths.
/// `media`: the media the list was loaded with; the Media column shows only when it can
/// differ from row to row (any media, or every messaging channel).
/// `chosen`: the user's columns in their order (`columns` in the config), empty for all of
/// [`COLUMNS`] in table order.
pub fn allocate(width: u16, media: Media, chosen: &[usize]) -> Vec<Placed> {
    let show_media = matches!(media, Media::Any | Media::Message);
    let all: Vec<usize>;
    let order = if chosen.is_empty() {
        all = (0..COLUMNS.len()).collect();
        &all
    } else {
        chosen
    };
    allocate_from(COLUMNS, width, order, &|c: &Column| {
        show_media || c.title != "Media"
    })
}

fn allocate_from(
    table: &[Column],
    width: u16,
    order: &[usize],
    shown: &dyn Fn(&Column) -> bool,
) -> Vec<Placed> {
    let mut cols: Vec<Placed> = order
        .iter()
        .copied()
        .filter(|&i| i < table.len() && shown(&table[i]))
        .map(|index| Placed {
            index,
            width: table[index].ideal,
        })
        .collect();
    // What the columns may take: the width less the borders, the marker and a space between
    // columns.
    let over = |cols: &[Placed]| {
        let avail = width.saturating_sub(2 + MARK + cols.len() as u16 - 1) as i32;
        cols.iter().map(|c| c.width as i32).sum::<i32>() - avail
    };
    let by = |key: fn(&Column) -> Option<u8>| {
        let mut order: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| i < table.len() && key(&table[i]).is_some() && shown(&table[i]))
            .collect();
        order.sort_by_key(|&i| key(&table[i]));
        order
    };
    let shrinking = by(|c| c.shrink);
    for hard in [false, true] {
        for &i in &shrinking {
            let excess = over(&cols);
            if excess <= 0 {
                break;
            }
            let bound = if hard { table[i].hard } else { table[i].soft };
            if let Some(c) = cols.iter_mut().find(|c| c.index == i) {
                let can = c.width.saturating_sub(bound) as i32;
                c.width -= excess.min(can) as u16;
            }
        }
    }
    for i in by(|c| c.drop) {
        if over(&cols) <= 0 {
            break;
        }
        cols.retain(|c| c.index != i);
    }
    // Room to spare: the growing columns share it, the last one taking what does not divide.
    let spare = -over(&cols);
    let growing: Vec<usize> = (0..cols.len())
        .filter(|&k| table[cols[k].index].grows)
        .collect();
    if spare > 0
        && let Some((&last, rest)) = growing.split_last()
    {
        let share = spare as u16 / growing.len() as u16;
        for &k in rest {
            cols[k].width += share;
        }
        cols[last].width += spare as u16 - share * rest.len() as u16;
    }
    cols
}

#[cfg(test)]
mod tests {
    use super::*;

    fn total(width: u16, media: Media) -> u16 {
        let cols = allocate(width, media, &[]);
        cols.iter().map(|c| c.width).sum::<u16>() + 2 + MARK + cols.len() as u16 - 1
    }

    fn width_of(cols: &[Placed], title: &str) -> Option<u16> {
        cols.iter()
            .find(|c| c.column().title == title)
            .map(|c| c.width)
    }

    #[test]
    fn the_id_is_whole_at_200_columns_with_every_column() {
        let cols = allocate(200, Media::Any, &[]);
        assert_eq!(cols.len(), COLUMNS.len(), "{cols:?}");
        assert_eq!(width_of(&cols, "Conversation id"), Some(36));
        assert!(total(200, Media::Any) <= 200);
    }

    #[test]
    fn media_shows_only_when_the_list_mixes_media() {
        for m in [Media::Any, Media::Message] {
            assert!(width_of(&allocate(200, m, &[]), "Media").is_some());
        }
        for m in [Media::Voice, Media::Webmessaging, Media::Email] {
            assert!(width_of(&allocate(200, m, &[]), "Media").is_none());
        }
    }

    #[test]
    fn narrow_terminals_keep_what_never_drops_and_fit() {
        for media in [Media::Any, Media::Voice] {
            for w in 40..=250 {
                assert!(total(w, media) <= w, "{w}: {:?}", allocate(w, media, &[]));
                let cols = allocate(w, media, &[]);
                for c in COLUMNS.iter().filter(|c| c.drop.is_none()) {
                    assert!(width_of(&cols, c.title).is_some(), "{w}: {}", c.title);
                }
            }
        }
        // Voice at 120 columns: the supervisor's columns are there.
        let cols = allocate(120, Media::Voice, &[]);
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
        let cols = allocate(120, Media::Voice, &chosen);
        let titles: Vec<&str> = cols.iter().map(|c| c.column().title).collect();
        assert_eq!(titles, ["Queue", "Dur", "Agent(s)", "Customer"]);
        // Room to spare goes to the growing ones: the line is full.
        assert_eq!(total_of(&cols), 120);
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
