//! Untrusted text (anything the API returns; attribute values are typed by website visitors)
//! becomes display text here, once, before it is stored for drawing, and before it is exported
//! or copied.
//!
//! Control characters and escape sequences would let a visitor move the cursor, recolour or clear
//! the screen, or set the window title; BiDi overrides and invisible characters (zero-width,
//! Unicode tags, Hangul fillers, stray variation selectors) would let them make text read
//! differently from what it is, or smuggle text nobody sees. All of them are shown as visible
//! escapes instead. One scanner ([`scan`]) decides, for the screen, the clipboard, CSV and NDJSON.

use std::fmt::Write;

/// Returns `s` with every control, BiDi and invisible character replaced by a visible escape:
/// `\e` for ESC, `\n`, `\r`, `\t`, `\0`, `\xNN` for other C0, DEL and C1 characters, and
/// `\u{202e}` for BiDi controls and invisible characters.
pub fn sanitize(s: &str) -> String {
    // Fast path: most API text is plain.
    if !has_unsafe(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    scan(s, |c, escape| {
        if escape {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    });
    out
}

/// Like [`sanitize`] but for an optional value.
pub fn sanitize_opt(s: Option<&str>) -> String {
    s.map(sanitize).unwrap_or_default()
}

/// Whether [`sanitize`] would change `s`.
pub fn has_unsafe(s: &str) -> bool {
    // Most text is ASCII, Latin, CJK or emoji: a byte test rules it out at memory speed.
    if !s.bytes().any(|b| CANDIDATE_BYTE[b as usize]) {
        return false;
    }
    let mut found = false;
    scan(s, |_, escape| found |= escape);
    found
}

/// JSON text (as the API sent it) with every character [`sanitize`] would escape written in
/// JSON's `\uXXXX` form instead: still valid JSON, and the same value. Only for JSON text: a raw
/// control character can only be JSON's whitespace between tokens (kept), and anything else
/// escaped can only sit inside a string, where `\u` means the same character.
pub fn escape_json_text(json: &str) -> String {
    if !has_unsafe(json) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    scan(json, |c, escape| {
        if escape && !matches!(c, ' ' | '\t' | '\n' | '\r') {
            push_json_escape(&mut out, c);
        } else {
            out.push(c);
        }
    });
    out
}

/// Writes `c` as JSON's `\uXXXX` (a surrogate pair above U+FFFF).
pub fn push_json_escape(out: &mut String, c: char) {
    let mut units = [0u16; 2];
    for u in c.encode_utf16(&mut units) {
        let _ = write!(out, "\\u{:04x}", u);
    }
}

/// Calls `f(c, escape)` for every character of `s` in order; `escape` says whether it must not
/// reach a terminal raw. Variation selectors 15/16 are kept after a character that has an emoji
/// form, and Unicode tags inside the three tag-sequence flags (England, Scotland, Wales);
/// elsewhere they are escaped like the other invisible characters.
pub fn scan(s: &str, mut f: impl FnMut(char, bool)) {
    // The previous character, when it was kept.
    let mut prev: Option<char> = None;
    // Characters of a recognised flag's tag sequence still to keep.
    let mut flag_tags = 0usize;
    for (i, c) in s.char_indices() {
        let escape = if flag_tags > 0 {
            flag_tags -= 1;
            false
        } else if c == BLACK_FLAG {
            flag_tags = flag_tag_sequence(&s[i + c.len_utf8()..]);
            false
        } else if matches!(c, '\u{FE0E}' | '\u{FE0F}') {
            !prev.is_some_and(has_emoji_form)
        } else {
            always_escaped(c)
        };
        f(c, escape);
        prev = (!escape).then_some(c);
    }
}

/// The bytes a character that may need an escape can start with in UTF-8 (C0 and DEL; the lead
/// bytes of C1 and of every invisible character, variation selector and tag); a test checks
/// that the table covers [`candidate`].
static CANDIDATE_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[0x7F] = true;
    let leads = [0xC2, 0xCD, 0xD8, 0xE1, 0xE2, 0xE3, 0xEF, 0xF3];
    let mut i = 0;
    while i < leads.len() {
        t[leads[i]] = true;
        i += 1;
    }
    t
};

/// Characters that may need an escape (what [`CANDIDATE_BYTE`] must cover).
#[cfg(test)]
fn candidate(c: char) -> bool {
    always_escaped(c) || matches!(c, '\u{FE0E}' | '\u{FE0F}')
}

fn always_escaped(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// BiDi controls, zero-width and other invisible formatting characters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'                  // soft hyphen
        | '\u{034F}'                // combining grapheme joiner
        | '\u{061C}'                // Arabic letter mark
        | '\u{115F}' | '\u{1160}'   // Hangul choseong and jungseong fillers
        | '\u{17B4}' | '\u{17B5}'   // Khmer inherent vowels (invisible)
        | '\u{180B}'..='\u{180F}'   // Mongolian variation selectors, vowel separator
        | '\u{200B}'..='\u{200F}'   // zero-width space/joiners, LRM, RLM
        | '\u{2028}'..='\u{2029}'   // line and paragraph separators
        | '\u{202A}'..='\u{202E}'   // LRE, RLE, PDF, LRO, RLO
        | '\u{2060}'..='\u{2064}'   // word joiner, invisible operators
        | '\u{2066}'..='\u{2069}'   // LRI, RLI, FSI, PDI
        | '\u{206A}'..='\u{206F}'   // deprecated format characters
        | '\u{3164}'                // Hangul filler
        | '\u{FE00}'..='\u{FE0D}'   // variation selectors 1-14 (15 and 16: see `scan`)
        | '\u{FEFF}'                // zero-width no-break space (BOM)
        | '\u{FFA0}'                // halfwidth Hangul filler
        | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
        | '\u{E0000}'..='\u{E007F}' // Unicode tags (ASCII smuggling)
        | '\u{E0100}'..='\u{E01EF}' // variation selectors 17-256
    )
}

/// 🏴: the base of the tag-sequence flags.
const BLACK_FLAG: char = '\u{1F3F4}';

/// How many characters after 🏴 form one of the RGI tag-sequence flags (gbeng, gbsct, gbwls,
/// then CANCEL TAG), or 0.
fn flag_tag_sequence(rest: &str) -> usize {
    const FLAGS: [&str; 3] = ["gbeng", "gbsct", "gbwls"];
    let mut it = rest.chars();
    let tags: Vec<char> = it.by_ref().take(6).collect();
    if tags.len() != 6 || tags[5] != '\u{E007F}' {
        return 0;
    }
    let spelled: Option<String> = tags[..5]
        .iter()
        .map(|&t| {
            let v = t as u32;
            (0xE0061..=0xE007A)
                .contains(&v)
                .then(|| char::from_u32(v - 0xE0000))
                .flatten()
        })
        .collect();
    match spelled {
        Some(s) if FLAGS.contains(&s.as_str()) => 6,
        _ => 0,
    }
}

/// Whether `c` has an emoji presentation that variation selectors 15/16 choose between (an
/// approximation of Unicode's `Emoji` property, wide enough for real text).
fn has_emoji_form(c: char) -> bool {
    matches!(c,
        '#' | '*' | '0'..='9' | '\u{A9}' | '\u{AE}'
        | '\u{203C}' | '\u{2049}' | '\u{2122}' | '\u{2139}'
        | '\u{2194}'..='\u{21AA}'
        | '\u{231A}'..='\u{23FF}'
        | '\u{24C2}'
        | '\u{25AA}'..='\u{25FE}'
        | '\u{2600}'..='\u{27BF}'
        | '\u{2934}'..='\u{2935}'
        | '\u{2B05}'..='\u{2B55}'
        | '\u{3030}' | '\u{303D}' | '\u{3297}' | '\u{3299}'
        | '\u{1F000}'..='\u{1FAFF}'
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
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
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
        let nasty: String = (0u32..0x1_0000)
            .chain(0xE_0000..0xE_0200)
            .filter_map(char::from_u32)
            .collect();
        let out = sanitize(&nasty);
        assert!(!has_unsafe(&out));
        assert!(!out.chars().any(|c| c.is_control() || is_invisible(c)));
    }

    #[test]
    fn tags_fillers_joiners_and_stray_variation_selectors_are_escaped() {
        // ASCII smuggled in Unicode tags: "hi" invisible after the visible text.
        assert_eq!(sanitize("ok\u{E0068}\u{E0069}"), "ok\\u{e0068}\\u{e0069}");
        assert_eq!(sanitize("\u{E0001}\u{E007F}"), "\\u{e0001}\\u{e007f}");
        // Hangul fillers look like blanks, or like nothing.
        assert_eq!(sanitize("\u{3164}"), "\\u{3164}");
        assert_eq!(sanitize("a\u{115F}b\u{FFA0}"), "a\\u{115f}b\\u{ffa0}");
        assert_eq!(sanitize("a\u{034F}b"), "a\\u{34f}b");
        // Variation selectors after a letter, and those that never select an emoji.
        assert_eq!(sanitize("a\u{FE0F}"), "a\\u{fe0f}");
        assert_eq!(sanitize("x\u{FE00}\u{E0100}"), "x\\u{fe00}\\u{e0100}");
        assert_eq!(sanitize("\u{FE0F}"), "\\u{fe0f}");
        // Two in a row: the second follows an escaped character.
        assert_eq!(sanitize("❤\u{FE0F}\u{FE0F}"), "❤\u{FE0F}\\u{fe0f}");
    }

    #[test]
    fn emoji_keep_their_variation_selectors_and_tag_flags() {
        for ok in [
            "❤\u{FE0F}",
            "☺\u{FE0E}",
            "1\u{FE0F}\u{20E3}",
            "\u{1F3F3}\u{FE0F}",
            // England, Scotland, Wales.
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}",
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}!",
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0077}\u{E006C}\u{E0073}\u{E007F}",
        ] {
            assert_eq!(sanitize(ok), ok);
            assert!(!has_unsafe(ok), "{ok:?}");
        }
        // Tags after the flag that spell no flag are smuggled text.
        assert_eq!(
            sanitize("\u{1F3F4}\u{E0068}\u{E0069}\u{E0068}\u{E0069}\u{E0068}\u{E007F}"),
            "\u{1F3F4}\\u{e0068}\\u{e0069}\\u{e0068}\\u{e0069}\\u{e0068}\\u{e007f}"
        );
        // A flag, then more tags: only the flag's are kept.
        assert_eq!(
            sanitize("\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}\u{E0041}"),
            "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}\\u{e0041}"
        );
    }

    #[test]
    fn json_text_is_escaped_in_json_form_and_keeps_its_value() {
        let raw = "{\n  \"a\": \"x\u{9b}31m\u{202e}\u{E0041}y\u{7f}\",\t\"b\": \"❤\u{FE0F}\"\r\n}";
        let out = escape_json_text(raw);
        assert!(!out.contains('\u{9b}') && !out.contains('\u{202e}') && !out.contains('\u{7f}'));
        assert!(
            out.contains("\\u009b") && out.contains("\\udb40\\udc41"),
            "{out}"
        );
        let a: serde_json::Value = serde_json::from_str(raw).unwrap();
        let b: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(a, b);
        assert!(out.starts_with("{\n  ") && out.contains(",\t\"b\": \"❤\u{FE0F}\"\r\n}"));
    }

    #[test]
    fn the_byte_test_covers_every_character_that_may_need_an_escape() {
        for c in (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|&c| candidate(c))
        {
            let mut buf = [0u8; 4];
            let lead = c.encode_utf8(&mut buf).as_bytes()[0];
            assert!(CANDIDATE_BYTE[lead as usize], "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn optional_values() {
        assert_eq!(sanitize_opt(None), "");
        assert_eq!(sanitize_opt(Some("\x1b")), "\\e");
    }
}
