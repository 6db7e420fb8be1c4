//! Untrusted text (anything the API returns; attribute values are typed by website visitors)
//! becomes display text here, once, before it is stored for drawing.
//!
//! Control characters and escape sequences would let a visitor move the cursor, recolour or clear
//! the screen, or set the window title; BiDi overrides and zero-width characters would let them
//! make text read differently from what it is. All of them are shown as visible escapes instead.

use std::fmt::Write;

/// Returns `s` with every control, BiDi and zero-width character replaced by a visible escape:
/// `\e` for ESC, `\n`, `\r`, `\t`, `\0`, `\xNN` for other C0, DEL and C1 characters, and
/// `\u{202e}` for BiDi controls and invisible characters.
pub fn sanitize(s: &str) -> String {
    // Fast path: most API text is plain.
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out
}

/// Like [`sanitize`] but for an optional value.
pub fn sanitize_opt(s: Option<&str>) -> String {
    s.map(sanitize).unwrap_or_default()
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// BiDi controls, zero-width and other invisible formatting characters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                  // soft hyphen
        | '\u{061C}'                // Arabic letter mark
        | '\u{180E}'                // Mongolian vowel separator
        | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
        | '\u{2028}'..='\u{2029}'   // line and paragraph separators
        | '\u{202A}'..='\u{202E}'   // LRE, RLE, PDF, LRO, RLO
        | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'   // LRI, RLI, FSI, PDI
        | '\u{206A}'..='\u{206F}'   // deprecated format characters
        | '\u{FEFF}'                // zero-width no-break space (BOM)
        | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
    )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\u{1b}' => out.push_str("\\e"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        // C0, DEL and C1 (0x80-0x9F, e.g. the 8-bit CSI 0x9B).
        c if c.is_control() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if is_invisible(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unchanged() {
        assert_eq!(
            sanitize("Jane Doe <jane@example.com> ✓ 日本"),
            "Jane Doe <jane@example.com> ✓ 日本"
        );
    }

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(
            sanitize("\x1b[2J\x1b]0;pwned\x07"),
            "\\e[2J\\e]0;pwned\\x07"
        );
        assert_eq!(sanitize("red\x1b[31m"), "red\\e[31m");
    }

    #[test]
    fn c0_del_and_c1_are_escaped() {
        assert_eq!(sanitize("a\nb\tc\rd\0"), "a\\nb\\tc\\rd\\0");
        assert_eq!(sanitize("\x01\x7f"), "\\x01\\x7f");
        assert_eq!(sanitize("\u{9b}31m\u{85}"), "\\x9b31m\\x85");
    }

    #[test]
    fn bidi_and_zero_width_are_neutralised() {
        assert_eq!(sanitize("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(sanitize("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(sanitize("a\u{200b}b\u{feff}"), "a\\u{200b}b\\u{feff}");
    }

    #[test]
    fn output_has_no_control_or_invisible_character() {
        let nasty: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let out = sanitize(&nasty);
        assert!(!out.chars().any(needs_escape));
    }

    #[test]
    fn optional_values() {
        assert_eq!(sanitize_opt(None), "");
        assert_eq!(sanitize_opt(Some("\x1b")), "\\e");
    }
}
