//! Rows by conversation id, without a second copy of every id.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

use super::row::Row;

/// Conversation id -> index into the rows. Holds a 64-bit hash of each id rather than the id
/// (the row has it): a lookup confirms with the row's own id, and an id whose hash another id
/// took already (rare) is kept whole in `spill`.
#[derive(Debug, Clone, Default)]
pub struct ById {
    hasher: RandomState,
    slots: HashMap<u64, usize, BuildHasherDefault<Prehashed>>,
    spill: HashMap<Box<str>, usize>,
}

impl ById {
    pub fn get(&self, id: &str, rows: &[Row]) -> Option<usize> {
        match self.slots.get(&self.hasher.hash_one(id)) {
            Some(&i) if rows[i].id() == id => Some(i),
            Some(_) => self.spill.get(id).copied(),
            None => None,
        }
    }

    /// Adds an id that [`get`](Self::get) does not know.
    pub fn insert(&mut self, id: &str, i: usize) {
        match self.slots.entry(self.hasher.hash_one(id)) {
            Entry::Vacant(e) => {
                e.insert(i);
            }
            Entry::Occupied(_) => {
                self.spill.insert(id.into(), i);
            }
        }
    }

    pub fn clear(&mut self) {
        self.slots.clear();
        self.spill.clear();
    }

    /// Indexes `rows` afresh.
    pub fn rebuild(&mut self, rows: &[Row]) {
        self.clear();
        for (i, r) in rows.iter().enumerate() {
            self.insert(r.id(), i);
        }
    }
}

/// The keys are hashes already.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys come here; fold anything else in anyway.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::model::AnalyticsConversation;

    fn row(id: &str) -> Row {
        Row::new(AnalyticsConversation {
            conversation_id: id.into(),
            ..Default::default()
        })
        .0
    }

    #[test]
    fn ids_whose_hashes_collide_are_told_apart() {
        let rows = vec![row("a"), row("b"), row("c")];
        let mut m = ById::default();
        m.insert("a", 0);
        // As if "b" hashed like "a": it goes to the spill.
        m.slots.insert(m.hasher.hash_one("b"), 0);
        m.insert("b", 1);
        assert_eq!(m.spill.len(), 1);
        assert_eq!(m.get("a", &rows), Some(0));
        assert_eq!(m.get("b", &rows), Some(1));
        assert_eq!(m.get("c", &rows), None);
        m.rebuild(&rows);
        assert_eq!(m.get("c", &rows), Some(2));
        assert!(m.spill.is_empty());
    }
}
