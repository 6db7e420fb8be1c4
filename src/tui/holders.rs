//! Which rows hold each directory id (agents' user ids, queues, wrap-up codes). Names arrive
//! after the rows that show them (one directory answer per page): the index finds the rows
//! whose filter text they extend, so a batch of names costs the rows it names, never a scan of
//! 100,000 rows, and no row is read again to learn what it holds.

use std::collections::HashMap;

use crate::genesys::directory::Kind;

#[derive(Debug, Clone, Default)]
pub struct Holders {
    /// By kind (users, queues, wrap-up codes): the rows (indices into the list's rows) that hold
    /// the id, each once.
    by_kind: [HashMap<Box<str>, Vec<u32>>; 3],
}

fn slot(kind: Kind) -> Option<usize> {
    match kind {
        Kind::User => Some(0),
        Kind::Queue => Some(1),
        Kind::Wrapup => Some(2),
        Kind::Division => None,
    }
}

fn row32(row: usize) -> u32 {
    u32::try_from(row).expect("fewer than 4 billion rows")
}

impl Holders {
    /// Row `row` holds these ids (new rows come in ascending order; a replaced row is given only
    /// the ids it did not hold before, see [`Holders::remove`]).
    pub fn add<'a>(&mut self, row: usize, ids: impl IntoIterator<Item = (Kind, &'a str)>) {
        let row = row32(row);
        for (kind, id) in ids {
            let Some(k) = slot(kind) else { continue };
            let rows = match self.by_kind[k].get_mut(id) {
                Some(rows) => rows,
                None => self.by_kind[k].entry(id.into()).or_default(),
            };
            // A row lists an id once (its ids are distinct); new rows come last.
            if rows.last() != Some(&row) {
                rows.push(row);
            }
        }
    }

    /// Row `row` no longer holds these ids (it was replaced by a record without them: rare, as
    /// a conversation's participants only accumulate).
    pub fn remove<'a>(&mut self, row: usize, ids: impl IntoIterator<Item = (Kind, &'a str)>) {
        let row = row32(row);
        for (kind, id) in ids {
            if let Some(rows) = slot(kind).and_then(|k| self.by_kind[k].get_mut(id)) {
                rows.retain(|&r| r != row);
            }
        }
    }

    /// The rows holding this id.
    pub fn holding(&self, kind: Kind, id: &str) -> &[u32] {
        slot(kind)
            .and_then(|k| self.by_kind[k].get(id))
            .map_or(&[], Vec::as_slice)
    }

    pub fn clear(&mut self) {
        *self = Holders::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_found_by_the_ids_they_hold_each_once() {
        let mut h = Holders::default();
        h.add(0, [(Kind::User, "u1"), (Kind::Queue, "q1")]);
        h.add(1, [(Kind::User, "u2"), (Kind::User, "u2")]);
        h.add(2, [(Kind::User, "u1"), (Kind::Wrapup, "w1")]);
        h.add(3, [(Kind::Division, "u1")]);
        assert_eq!(h.holding(Kind::User, "u1"), [0, 2]);
        assert_eq!(h.holding(Kind::User, "u2"), [1], "listed once");
        assert!(
            h.holding(Kind::Queue, "u1").is_empty(),
            "ids are kept by kind"
        );
        assert!(h.holding(Kind::Division, "u1").is_empty());
        // Row 0 replaced: it holds w1 now, not u1.
        h.remove(0, [(Kind::User, "u1")]);
        h.add(0, [(Kind::Wrapup, "w1")]);
        assert_eq!(h.holding(Kind::User, "u1"), [2]);
        assert_eq!(h.holding(Kind::Wrapup, "w1"), [2, 0]);
        h.clear();
        assert!(h.holding(Kind::Wrapup, "w1").is_empty());
    }
}
