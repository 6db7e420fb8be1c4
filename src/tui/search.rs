//! `/` in a view of text (the raw JSON, the detail pane, the timeline, the API log): what is
//! typed, the lines that match it, and which one is current (`n`/`N` step through them). The view
//! gives its lines as text; the search knows nothing else of it.

use tui_input::Input;

use crate::human::num;

/// The longest search kept (longer typing or pastes are cut, with a message).
pub const MAX_SEARCH: usize = 200;

/// One view's search.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub input: Input,
    /// The search field has the keyboard.
    pub typing: bool,
    /// The matching lines (indices into the view's lines), in order.
    pub matches: Vec<usize>,
    /// Which of `matches` is current.
    pub current: usize,
}

impl Search {
    /// Whether there is anything to show of it (a field being typed, or a search kept).
    pub fn shown(&self) -> bool {
        self.typing || !self.input.value().is_empty()
    }

    pub fn text(&self) -> &str {
        self.input.value()
    }

    /// Finds the search in `lines` (case-insensitively); the current match is the first at or
    /// after line `from` (wrapping to the first).
    pub fn find<S: AsRef<str>>(&mut self, lines: impl Iterator<Item = S>, from: usize) {
        self.matches = matching(lines, self.input.value());
        self.current = self.matches.iter().position(|&m| m >= from).unwrap_or(0);
    }

    /// The lines changed (a newer reading): the matches again, the current one kept by index.
    pub fn refresh<S: AsRef<str>>(&mut self, lines: impl Iterator<Item = S>) {
        self.matches = matching(lines, self.input.value());
        self.current = self.current.min(self.matches.len().saturating_sub(1));
    }

    /// `n`/`N`: the next or previous match, wrapping around; its line.
    pub fn step(&mut self, forward: bool) -> Option<usize> {
        let n = self.matches.len();
        if n == 0 {
            return None;
        }
        self.current = if forward {
            (self.current + 1) % n
        } else {
            (self.current + n - 1) % n
        };
        self.line()
    }

    /// The current match's line.
    pub fn line(&self) -> Option<usize> {
        self.matches.get(self.current).copied()
    }

    pub fn clear(&mut self) {
        *self = Search::default();
    }

    /// `3/12`, `no match`, or nothing while empty: for the search line.
    pub fn count(&self) -> String {
        if self.input.value().is_empty() {
            String::new()
        } else if self.matches.is_empty() {
            "no match".into()
        } else {
            format!("{}/{}", num(self.current + 1), num(self.matches.len()))
        }
    }
}

/// The indices of the lines holding `needle`, case-insensitively.
pub fn matching<S: AsRef<str>>(lines: impl Iterator<Item = S>, needle: &str) -> Vec<usize> {
    let n = needle.to_lowercase();
    if n.is_empty() {
        return vec![];
    }
    lines
        .enumerate()
        .filter(|(_, l)| l.as_ref().to_lowercase().contains(&n))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> Search {
        Search {
            input: Input::new(text.into()),
            typing: true,
            ..Default::default()
        }
    }

    #[test]
    fn finds_lines_case_insensitively_from_a_line() {
        let lines = ["alpha", "Beta", "gamma beta", "delta"];
        let mut s = typed("BETA");
        s.find(lines.iter(), 2);
        assert_eq!(s.matches, vec![1, 2]);
        assert_eq!(s.line(), Some(2), "the first match at or after line 2");
        assert_eq!(s.step(true), Some(1), "wraps around");
        assert_eq!(s.step(false), Some(2));
        assert_eq!(s.count(), "2/2");
    }

    #[test]
    fn an_empty_or_unmatched_search_has_no_line() {
        let mut s = typed("");
        s.find(["a"].iter(), 0);
        assert_eq!(s.line(), None);
        assert_eq!(s.count(), "");
        let mut s = typed("zz");
        s.find(["a"].iter(), 0);
        assert_eq!(s.step(true), None);
        assert_eq!(s.count(), "no match");
    }
}
