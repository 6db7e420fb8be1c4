//! Which rows hold each directory id (agents' user ids, queues, wrap-up codes). Names arrive
//! after the rows that show them (one directory answer per page): the index finds the rows
//! whose filter text they extend, so a batch of names costs the rows it names, never a scan of
//! 100,000 rows.

use std::collections::HashMap;

use crate::genesys::directory::{Kind, Names};

#[derive(Debug, Clone, Default)]
pub struct Holders {
    /// By kind (users, queues, wrap-up codes): the rows (indices into the list's rows) that hold
    /// the id, ascending. A replaced row may still be listed under an id it no longer holds:
    /// whoever reads the rows checks them ([`super::row::Row::name_parts`] names only what the
    /// row holds).
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

impl Holders {
    /// Row `row` holds these ids. New rows come in ascending order; a replaced row is given
    /// only the ids it did not hold before, so that a row is listed once under an id.
    pub fn add<'a>(&mut self, row: usize, ids: impl IntoIterator<Item = (Kind, &'a str)>) {
        let row = u32::try_from(row).expect("fewer than 4 billion rows");
        for (kind, id) in ids {
            let Some(k) = slot(kind) else { continue };
            let rows = match self.by_kind[k].get_mut(id) {
                Some(rows) => rows,
                None => self.by_kind[k].entry(id.into()).or_default(),
            };
            // Rows come in ascending order: a row already listed is the last one.
            if rows.last() != Some(&row) {
                rows.push(row);
            }
        }
    }

    /// The rows holding an id that `names` names (an id asked about but not named adds nothing
    /// to search), each once, ascending.
    pub fn rows(&self, names: &Names) -> Vec<usize> {
        let mut out: Vec<u32> = Vec::new();
        for (kind, id, name) in names.iter() {
            if name.is_none() {
                continue;
            }
            if let Some(rows) = slot(kind).and_then(|k| self.by_kind[k].get(id)) {
                out.extend_from_slice(rows);
            }
        }
        out.sort_unstable();
        out.dedup();
        out.into_iter().map(|r| r as usize).collect()
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
        let mut names = Names::default();
        names.insert(Kind::User, "u1".into(), Some("Ana".into()));
        names.insert(Kind::Queue, "q1".into(), Some("Sales".into()));
        names.insert(Kind::Wrapup, "w1".into(), None);
        // u1 and q1 both in row 0: once. w1 unnamed: nothing to add to row 2 for it.
        assert_eq!(h.rows(&names), [0, 2]);
        let mut names = Names::default();
        names.insert(Kind::Queue, "u1".into(), Some("not a user".into()));
        assert!(h.rows(&names).is_empty(), "ids are kept by kind");
        names.insert(Kind::User, "u2".into(), Some("Bo".into()));
        assert_eq!(h.rows(&names), [1]);
        assert_eq!(h.by_kind[0]["u2"], [1], "listed once");
        h.clear();
        assert!(h.rows(&names).is_empty());
    }
}
