//! Copying over SSH: the OSC 52 escape asks the terminal (not the machine convoscope runs on) to
//! set its clipboard. Inside tmux a plain OSC 52 reaches the outer terminal when tmux has
//! `set-clipboard on`, a passthrough-wrapped one when it has `allow-passthrough on`: we send both,
//! so either setting works (the clipboard is then set twice to the same value).

use base64::Engine;

/// The largest value sent (bytes of text): terminals cap OSC 52 (xterm and others near 100 kB of
/// base64), and a cut value in the clipboard would be worse than none. Larger values are shown
/// for copying by hand instead.
pub const MAX_COPY_BYTES: usize = 74_000;

/// How the terminal gets the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A terminal that reads OSC 52 itself.
    Plain,
    /// Inside tmux (`TMUX` set): plain, then wrapped in a DCS passthrough.
    Tmux,
    /// Inside a tmux that passes neither on (`set-clipboard` is not `on`, `allow-passthrough`
    /// is off): nothing would reach the clipboard, so nothing is sent.
    TmuxBlocked,
}

impl Target {
    /// From the environment: `TMUX` set means tmux.
    pub fn detect(tmux: Option<&std::ffi::OsStr>) -> Target {
        match tmux {
            Some(v) if !v.is_empty() => Target::Tmux,
            _ => Target::Plain,
        }
    }

    /// Inside tmux, from its options (`show -sv set-clipboard`, `show -gwv allow-passthrough`,
    /// `None` when they could not be read): an application's OSC 52 reaches the clipboard only
    /// with `set-clipboard on` (`external`, the default, ignores it), the wrapped one only with
    /// `allow-passthrough` on.
    pub fn for_tmux(set_clipboard: Option<&str>, allow_passthrough: Option<&str>) -> Target {
        let on = |v: Option<&str>| v.map(str::trim).is_some_and(|v| v == "on" || v == "all");
        match (set_clipboard, allow_passthrough) {
            // Unknown: send it and hope rather than refuse.
            (None, None) => Target::Tmux,
            (c, p) if on(c) || on(p) => Target::Tmux,
            _ => Target::TmuxBlocked,
        }
    }
}

/// The escape sequence(s) that put `text` in the clipboard, or `None` when it is too large.
pub fn osc52(text: &str, target: Target) -> Option<String> {
    if text.len() > MAX_COPY_BYTES {
        return None;
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    // BEL ends the sequence: more terminals accept it than ST.
    let plain = format!("\x1b]52;c;{b64}\x07");
    Some(match target {
        Target::Plain => plain,
        Target::TmuxBlocked => return None,
        // In a DCS passthrough every ESC of the payload is doubled; ST ends the DCS.
        Target::Tmux => format!("{plain}\x1bPtmux;\x1b{plain}\x1b\\"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_osc52_is_base64_of_the_text() {
        assert_eq!(
            osc52("hello", Target::Plain).unwrap(),
            "\x1b]52;c;aGVsbG8=\x07"
        );
        // Non-ASCII text is sent as its UTF-8 bytes.
        assert_eq!(osc52("é", Target::Plain).unwrap(), "\x1b]52;c;w6k=\x07");
    }

    #[test]
    fn tmux_gets_plain_and_passthrough_wrapped() {
        let s = osc52("hi", Target::Tmux).unwrap();
        assert_eq!(
            s,
            "\x1b]52;c;aGk=\x07\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\"
        );
    }

    #[test]
    fn the_payload_cannot_carry_an_escape() {
        // Whatever the value holds (it may come from a website visitor), only base64 goes out.
        let s = osc52("\x1b]0;title\x07\x1b[2J", Target::Plain).unwrap();
        let payload = &s["\x1b]52;c;".len()..s.len() - 1];
        assert!(
            payload
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
        );
    }

    #[test]
    fn too_large_values_are_refused() {
        assert!(osc52(&"x".repeat(MAX_COPY_BYTES), Target::Plain).is_some());
        assert!(osc52(&"x".repeat(MAX_COPY_BYTES + 1), Target::Plain).is_none());
    }

    #[test]
    fn tmux_blocks_the_clipboard_unless_an_option_lets_it_through() {
        assert_eq!(Target::for_tmux(Some("on"), Some("off")), Target::Tmux);
        assert_eq!(Target::for_tmux(Some("external"), Some("on")), Target::Tmux);
        assert_eq!(Target::for_tmux(Some("off"), Some("all")), Target::Tmux);
        assert_eq!(
            Target::for_tmux(Some("external"), Some("off")),
            Target::TmuxBlocked
        );
        assert_eq!(Target::for_tmux(Some("off"), None), Target::TmuxBlocked);
        assert_eq!(Target::for_tmux(None, None), Target::Tmux, "unknown: try");
        assert_eq!(osc52("x", Target::TmuxBlocked), None);
    }

    #[test]
    fn tmux_is_detected_from_its_variable() {
        use std::ffi::OsStr;
        assert_eq!(Target::detect(None), Target::Plain);
        assert_eq!(Target::detect(Some(OsStr::new(""))), Target::Plain);
        assert_eq!(
            Target::detect(Some(OsStr::new("/tmp/tmux-0/default,1,0"))),
            Target::Tmux
        );
    }
}
