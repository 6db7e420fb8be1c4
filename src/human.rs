//! Numbers as people read them: `2,994`, `1 conversation`, `2,994 conversations`. For what the
//! program says to people (stderr, the screen, messages); never for data (NDJSON, CSV, logs
//! read by programs), which keep plain digits.

use std::fmt::Display;

/// An integer with thousands separators: `20000` -> `20,000`, `-1234` -> `-1,234`.
pub fn num(n: impl Display) -> String {
    let s = n.to_string();
    let (sign, digits) = match s.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", s.as_str()),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return s;
    }
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    out.push_str(sign);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count and its noun, plural when it is not 1: `count(2994, "conversation")` ->
/// `2,994 conversations`.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", num(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(num(0), "0");
        assert_eq!(num(5), "5");
        assert_eq!(num(999), "999");
        assert_eq!(num(1000), "1,000");
        assert_eq!(num(2994u64), "2,994");
        assert_eq!(num(20000usize), "20,000");
        assert_eq!(num(1234567), "1,234,567");
        assert_eq!(num(-1234i64), "-1,234");
        assert_eq!(num(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn counts_and_their_nouns() {
        assert_eq!(count(0, "row"), "0 rows");
        assert_eq!(count(1, "conversation"), "1 conversation");
        assert_eq!(count(2994, "conversation"), "2,994 conversations");
    }
}
