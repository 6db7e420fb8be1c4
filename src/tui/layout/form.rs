//! The form's geometry: From, To and Media on one line, Query on the next (where each field's box
//! starts and ends: the cursor and mouse clicks use it), and the messages under them (their
//! number is the form's height).

use ratatui::layout::Rect;

use super::text::{fit, width, wrap};
use crate::tui::form::{Field, Form};

/// At most this many lines of messages under the fields.
const MAX_MESSAGE_LINES: usize = 3;

/// Where the form's parts go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormLayout {
    /// The whole form, border included.
    pub area: Rect,
    /// The width of each text field's box.
    pub field_width: usize,
    /// The line of the fields.
    pub y: u16,
    /// Where the Query box starts, and its width (it is on the line under the others).
    pub query_box: u16,
    pub query_width: usize,
    /// Where the From and To boxes start.
    pub boxes: [u16; 2],
    /// Where the From and To parts end (each label, box and the two spaces after it).
    ends: [u16; 2],
    /// The messages under the fields (true: a problem), wrapped to the form's width.
    pub messages: Vec<(String, bool)>,
}

impl FormLayout {
    pub(super) fn new(area: Rect, form: &Form, messages: Vec<(String, bool)>) -> FormLayout {
        let inner = super::inside(area);
        let fw = field_width(area.width);
        let label_w = |name, bad| width(&label(name, false, bad)) as u16;
        let from_box = inner.x + label_w("From", form.problems.from.is_some());
        let from_end = from_box + fw as u16 + 2;
        let to_box = from_end + label_w("To", form.problems.to.is_some());
        let to_end = to_box + fw as u16 + 2;
        let query_box = inner.x + label_w("Query", form.problems.query.is_some());
        FormLayout {
            area,
            field_width: fw,
            y: inner.y,
            query_box,
            query_width: (inner.x + inner.width).saturating_sub(query_box) as usize,
            boxes: [from_box, to_box],
            ends: [from_end, to_end],
            messages,
        }
    }

    /// Which field a click at column `x` of line `y` of the fields lands on.
    pub fn field_at(&self, x: u16, y: u16) -> Field {
        if y > self.y {
            Field::Query
        } else if x < self.ends[0] {
            Field::From
        } else if x < self.ends[1] {
            Field::To
        } else {
            Field::Media
        }
    }

    /// Where a text field's box starts.
    pub fn box_x(&self, field: Field) -> Option<u16> {
        match field {
            Field::From => Some(self.boxes[0]),
            Field::To => Some(self.boxes[1]),
            Field::Media => None,
            Field::Query => Some(self.query_box),
        }
    }

    /// The line a field is on.
    pub fn line_of(&self, field: Field) -> u16 {
        if field == Field::Query {
            self.y + 1
        } else {
            self.y
        }
    }
}

/// A field's label as drawn: the focus marker, the name, a mark when its value is bad.
pub fn label(name: &str, active: bool, bad: bool) -> String {
    format!("{}{name}{} ", marker(active), if bad { " ✗" } else { "" })
}

/// The focus marker in front of a field's label.
pub fn marker(active: bool) -> &'static str {
    if active { "▸" } else { " " }
}

/// Width of each text field's box, for a form `total` columns wide.
fn field_width(total: u16) -> usize {
    // Borders, "▸From ✗ " box "  ▸To ✗ " box "  ▸Media ◂ All messaging ▸".
    let rest = 2 + 8 + 2 + 6 + 2 + 7 + 17;
    ((total as usize).saturating_sub(rest) / 2).clamp(8, 28)
}

/// The messages under the fields, wrapped to the inner width of a form `width` columns wide:
/// the problems, else a note on the range, else a hint.
pub fn messages(form: &Form, width: u16) -> Vec<(String, bool)> {
    let w = width.saturating_sub(2) as usize;
    let p = &form.problems;
    let mut out = Vec::new();
    for (label, m) in [
        ("From", &p.from),
        ("To", &p.to),
        ("Range", &p.range),
        ("Query", &p.query),
    ] {
        if let Some(m) = m {
            // Continuation lines indent under the text, past the mark.
            for (i, l) in wrap(&format!("✗ {label}: {m}"), w.saturating_sub(3))
                .into_iter()
                .enumerate()
            {
                out.push((format!("{}{l}", if i == 0 { " " } else { "   " }), true));
            }
        }
    }
    if out.is_empty() {
        let hint = match &form.note {
            Some(n) => format!(" ℹ {n}"),
            None => {
                " e.g. -2h, 2026-11-24 08:00 · a day (2026-11-24, yesterday, today) is whole · \
                 Query: queue:NAME agent:NAME dir:inbound live · Enter loads"
                    .into()
            }
        };
        out.push((fit(&hint, w), false));
    }
    out.truncate(MAX_MESSAGE_LINES);
    out
}
