//! Sanitising any text never panics, and what comes out holds no control, BiDi or zero-width
//! character: nothing of it can drive a terminal or make text read differently from what it is.
#![no_main]

use convoscope::tui::sanitize::{sanitize, sanitize_opt};
use libfuzzer_sys::fuzz_target;

/// What must never reach the screen (the same list as `sanitize.rs`, written out again here so
/// that a character dropped from it there is caught).
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}')
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let out = sanitize(&s);
    if let Some(c) = out.chars().find(|&c| forbidden(c)) {
        panic!("{:?} left U+{:04X} in {out:?}", s, c as u32);
    }
    // Plain text is unchanged, and what came out is plain text (the escapes are printable).
    if !s.chars().any(forbidden) {
        assert_eq!(out, s);
    }
    assert_eq!(sanitize(&out), out);
    assert_eq!(sanitize_opt(Some(&s)), out);
});
