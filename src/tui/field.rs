//! The one-line text fields (From/To, the filter, the id prompt, a search): how long each may
//! grow, and how a paste goes in (as one edit, whatever its size).

use tui_input::Input;

/// The longest time in the From and To fields (`2026-11-24 08:00:00 +01:00` is 26).
pub const MAX_TIME: usize = 64;
/// The longest list filter: far more words than anyone types, short enough that filtering stays
/// one quick pass per edit.
pub const MAX_FILTER: usize = 1_000;
/// The longest text in the id prompt (a URL holding an id, with room to spare).
pub const MAX_ID_PROMPT: usize = 2_000;

/// Text pasted into a one-line field: line breaks and tabs become spaces, other control
/// characters are dropped (a field never holds an escape).
pub fn one_line(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Inserts `text` at the cursor as one edit, keeping the field at most `cap` characters; returns
/// whether some of `text` was left out.
pub fn insert(input: &mut Input, text: &str, cap: usize) -> bool {
    let value = input.value();
    let at = value
        .char_indices()
        .nth(input.cursor())
        .map_or(value.len(), |(i, _)| i);
    let room = cap.saturating_sub(value.chars().count());
    let taken: String = text.chars().take(room).collect();
    let cut = taken.len() < text.len();
    let added = taken.chars().count();
    let cursor = input.cursor() + added;
    let mut v = String::with_capacity(value.len() + taken.len());
    v.push_str(&value[..at]);
    v.push_str(&taken);
    v.push_str(&value[at..]);
    *input = Input::new(v).with_cursor(cursor);
    cut
}

/// Cuts a field that grew past `cap` (typed keys) back to `cap` characters; returns whether it
/// had to.
pub fn cap(input: &mut Input, cap: usize) -> bool {
    if input.value().chars().count() <= cap {
        return false;
    }
    let v: String = input.value().chars().take(cap).collect();
    let cursor = input.cursor().min(cap);
    *input = Input::new(v).with_cursor(cursor);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_goes_in_at_the_cursor_as_one_edit() {
        let mut i = Input::new("ab".into()).with_cursor(1);
        assert!(!insert(&mut i, "xyz", 10));
        assert_eq!(i.value(), "axyzb");
        assert_eq!(i.cursor(), 4);
    }

    #[test]
    fn a_paste_is_cut_at_the_fields_length() {
        let mut i = Input::new("ab".into());
        assert!(insert(&mut i, &"é".repeat(10), 5));
        assert_eq!(i.value(), "abééé");
        assert!(insert(&mut i, "x", 5), "a full field takes nothing");
        assert_eq!(i.value().chars().count(), 5);
    }

    #[test]
    fn pasted_lines_become_one_line_without_controls() {
        assert_eq!(one_line("a\nb\r\n\tc\x1b[2Jd\x07"), "a b   c[2Jd");
    }

    #[test]
    fn typing_past_the_length_is_cut_back() {
        let mut i = Input::new("abcdef".into());
        assert!(cap(&mut i, 4));
        assert_eq!(i.value(), "abcd");
        assert!(!cap(&mut i, 4));
    }
}
