//! The text the filter searches, for every row, in one buffer: a keystroke reads 100,000 rows'
//! text in one sweep of memory instead of following 100,000 pointers (about four times
//! faster).

use std::ops::Range;

#[derive(Debug, Clone, Default)]
pub struct Haystacks {
    text: String,
    /// Where each row's text is in `text`, by row index.
    spans: Vec<Range<usize>>,
    /// Bytes of `text` that no row refers to any more (replaced or grown rows).
    garbage: usize,
}

impl Haystacks {
    pub fn get(&self, row: usize) -> &str {
        &self.text[self.spans[row].clone()]
    }

    /// The text of a new row, whose index is the number of rows so far.
    pub fn push(&mut self, hay: &str) {
        let start = self.text.len();
        self.text.push_str(hay);
        self.spans.push(start..self.text.len());
    }

    /// A row's text changes.
    pub fn set(&mut self, row: usize, hay: &str) {
        self.garbage += self.spans[row].len();
        let start = self.text.len();
        self.text.push_str(hay);
        self.spans[row] = start..self.text.len();
        self.collect_garbage();
    }

    /// Appends to a row's text (attributes learnt).
    pub fn extend(&mut self, row: usize, more: &str) {
        let span = self.spans[row].clone();
        if span.end != self.text.len() {
            // Not last in the buffer: move it to the end.
            self.text.extend_from_within(span.clone());
            self.garbage += span.len();
        }
        self.text.push_str(more);
        let len = span.len() + more.len();
        self.spans[row] = self.text.len() - len..self.text.len();
        self.collect_garbage();
    }

    /// Appends to many rows' text at once (names learnt): `more` is, by ascending row, where
    /// in `text` what each gets is. When that is a good share of the rows, the buffer is made
    /// again once, in row order, rather than each row moved to its end (and the buffer
    /// collected as often).
    pub fn extend_many(&mut self, text: &str, more: &[(usize, Range<usize>)]) {
        if more.len() * 8 < self.spans.len() {
            for (row, span) in more {
                self.extend(*row, &text[span.clone()]);
            }
            return;
        }
        let mut new = Haystacks {
            text: String::with_capacity(self.text.len() - self.garbage + text.len()),
            spans: Vec::with_capacity(self.spans.len()),
            garbage: 0,
        };
        let mut more = more.iter().peekable();
        for i in 0..self.spans.len() {
            let start = new.text.len();
            new.text.push_str(self.get(i));
            while let Some((_, span)) = more.next_if(|(row, _)| *row == i) {
                new.text.push_str(&text[span.clone()]);
            }
            new.spans.push(start..new.text.len());
        }
        *self = new;
    }

    /// Keeps the rows `keep` accepts (by index), in order, like `Vec::retain` on the rows.
    pub fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        let kept = (0..self.spans.len()).filter(|&i| keep(i));
        *self = self.rebuilt(kept);
    }

    pub fn clear(&mut self) {
        *self = Haystacks::default();
    }

    /// Once half the buffer is garbage, copies what is live into a new one: the buffer stays
    /// within twice its live size, and each byte is copied a bounded number of times.
    fn collect_garbage(&mut self) {
        if self.garbage > self.text.len() / 2 {
            *self = self.rebuilt(0..self.spans.len());
        }
    }

    fn rebuilt(&self, rows: impl Iterator<Item = usize>) -> Haystacks {
        let mut new = Haystacks {
            text: String::with_capacity(self.text.len() - self.garbage),
            spans: Vec::with_capacity(self.spans.len()),
            garbage: 0,
        };
        for i in rows {
            new.push(self.get(i));
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(h: &Haystacks) -> Vec<&str> {
        (0..h.spans.len()).map(|i| h.get(i)).collect()
    }

    #[test]
    fn rows_change_grow_and_go_while_the_buffer_stays_bounded() {
        let mut h = Haystacks::default();
        for s in ["a", "bb", "ccc"] {
            h.push(s);
        }
        h.extend(2, "+");
        h.extend(0, "+");
        h.set(1, "BB");
        assert_eq!(all(&h), ["a+", "BB", "ccc+"]);
        for n in 0..1000 {
            h.set(1, &n.to_string());
            h.extend(0, "x");
            assert!(h.text.len() <= 2 * (h.text.len() - h.garbage) + 8);
        }
        assert_eq!(h.get(1), "999");
        assert_eq!(h.get(0).len(), 1002);
        // Many rows at once: the buffer made again, nothing else changes.
        let before = all(&h).iter().map(|s| s.to_string()).collect::<Vec<_>>();
        h.extend_many("!?", &[(0, 0..1), (2, 1..2)]);
        assert_eq!(h.get(0), format!("{}!", before[0]));
        assert_eq!(h.get(1), before[1]);
        assert_eq!(h.get(2), "ccc+?");
        assert_eq!(h.garbage, 0);
        h.extend_many("#", &[(1, 0..1)]);
        assert_eq!(h.get(1), "999#");
        h.retain(|i| i != 1);
        assert_eq!(all(&h)[1], "ccc+?");
        assert_eq!(h.garbage, 0);
        h.clear();
        assert!(all(&h).is_empty());
    }
}
