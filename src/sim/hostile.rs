//! Hostile text for `convoscope sim --hostile`: what a website visitor can type into a name or a
//! custom attribute. Nothing of it may reach a terminal as a control sequence.

/// Names and values that try to take over the terminal or fool the reader.
pub const CORPUS: &[&str] = &[
    "\x1b[2J\x1b[HCLEARED",                        // clear the screen, cursor home
    "\x1b]0;pwned-title\x07Title",                 // OSC 0: window title
    "\x1b]52;c;cHduZWQ=\x07Clip",                  // OSC 52: write the clipboard
    "\x1b[31mRed\x1b[0m \x1b[5mBlink",             // SGR colours and blink
    "\u{9b}31mC1-CSI \u{90}DCS\u{9c}",             // C1 controls: CSI, DCS, ST
    "Del\x7fNul\0Bel\x07Bs\x08\x08X",              // DEL, NUL, BEL, backspaces
    "line1\r\nline2\rover",                        // CR and LF
    "\u{202e}gnp.exe\u{202c} \u{2066}iso\u{2069}", // BiDi overrides and isolates
    "zero\u{200b}width\u{200d}join\u{feff}bom",    // zero-width characters
    "田中 太郎 👩‍💻🎉 e\u{301}",                     // wide CJK, emoji ZWJ, combining accent
    "{\"unterminated\": [1, 2",                    // JSON that is not
    "\t\ttabs\tinside\x1b",                        // tabs, a lone ESC at the end
];

/// Attribute keys as hostile as the values.
pub const KEYS: &[&str] = &[
    "x-\x1b[2Jkey",
    "\u{202e}yek",
    "utm_source\u{200b}",
    "key\nwith newline",
];

/// A value far longer than any screen: 20,000 characters.
pub fn long_value() -> String {
    let mut s = String::with_capacity(20_000);
    while s.len() < 20_000 {
        s.push_str("long-value-");
    }
    s.truncate(20_000);
    s
}

/// An attribute key longer than async jobs keep (they cut keys at 1,024 characters): 1,500.
pub fn long_key() -> String {
    let mut s = String::from("hostile.longkey.");
    while s.len() < 1_500 {
        s.push('k');
    }
    s
}
