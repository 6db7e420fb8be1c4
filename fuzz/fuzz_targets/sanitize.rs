//! Sanitising any text never panics, and what comes out holds no control, BiDi or zero-width
//! character: nothing of it can drive a terminal or make text read differently from what it is.
#![no_main]

use convoscope::tui::sanitize::{sanitize, sanitize_opt};
use libfuzzer_sys::fuzz_target;

/// What must never reach the screen (the same list as `sanitize.rs`, written out again here so
/// that a character dropped from it there is caught).
/// Variation selectors 15/16 and Unicode tags are kept only in emoji (after a character with an
/// emoji form; in the England, Scotland and Wales flags), so they are checked apart.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0D}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E0100}'..='\u{E01EF}')
}

fn emoji_only(c: char) -> bool {
    matches!(c, '\u{FE0E}' | '\u{FE0F}' | '\u{E0000}'..='\u{E007F}')
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let out = sanitize(&s);
    if let Some(c) = out.chars().find(|&c| forbidden(c)) {
        panic!("{:?} left U+{:04X} in {out:?}", s, c as u32);
    }
    // A tag is kept only right after the flag's base or another tag.
    let mut prev = None;
    for c in out.chars() {
        if ('\u{E0000}'..='\u{E007F}').contains(&c) {
            assert!(
                matches!(prev, Some('\u{1F3F4}' | '\u{E0000}'..='\u{E007F}')),
                "a tag outside a flag in {out:?}"
            );
        }
        prev = Some(c);
    }
    // Plain text is unchanged, and what came out is plain text (the escapes are printable).
    if !s.chars().any(|c| forbidden(c) || emoji_only(c)) {
        assert_eq!(out, s);
    }
    assert_eq!(sanitize(&out), out);
    assert_eq!(sanitize_opt(Some(&s)), out);
});
