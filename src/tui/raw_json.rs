//! The raw JSON view: the conversation exactly as the API sent it, pretty-printed from its own
//! text (key order and number spelling kept), split into styled tokens, and searchable.
//!
//! The text is untrusted: every token goes through [`sanitize`] (JSON strings cannot hold raw
//! control characters, but they can hold BiDi and zero-width ones, and a broken body anything).

use super::sanitize::sanitize;

/// What a piece of a line is, for styling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Key,
    Str,
    Num,
    /// `true`, `false`, `null`.
    Lit,
    Punct,
    Space,
}

/// One display line: its pieces (sanitised), and its lower-cased text for search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    pub parts: Vec<(Tok, String)>,
    pub lower: String,
}

impl RawLine {
    pub fn text(&self) -> String {
        self.parts.iter().map(|p| p.1.as_str()).collect()
    }
}

const INDENT: &str = "  ";

/// Pretty-prints `json` (two-space indent, one value per line), keeping its own spelling. Text
/// that is not JSON is still shown, line by line, sanitised.
pub fn render(json: &str) -> Vec<RawLine> {
    if serde_json::from_str::<serde::de::IgnoredAny>(json).is_err() {
        return json
            .lines()
            .map(|l| finish(vec![(Tok::Str, sanitize(l))]))
            .collect();
    }
    let mut p = Printer::default();
    let b = json.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'{' | b'[' => {
                let close = if b[i] == b'{' { b'}' } else { b']' };
                // An empty object or array stays on one line.
                let j = skip_ws(b, i + 1);
                if j < b.len() && b[j] == close {
                    p.push(Tok::Punct, if close == b'}' { "{}" } else { "[]" });
                    i = j + 1;
                } else {
                    p.push(Tok::Punct, if b[i] == b'{' { "{" } else { "[" });
                    p.depth += 1;
                    p.newline();
                    i += 1;
                }
            }
            b'}' | b']' => {
                p.depth = p.depth.saturating_sub(1);
                p.newline();
                p.push(Tok::Punct, if b[i] == b'}' { "}" } else { "]" });
                i += 1;
            }
            b',' => {
                p.push(Tok::Punct, ",");
                p.newline();
                i += 1;
            }
            b':' => {
                p.push(Tok::Punct, ": ");
                i += 1;
            }
            b'"' => {
                let end = string_end(b, i);
                let text = &json[i..end];
                // A string followed by `:` is a key.
                let j = skip_ws(b, end);
                let tok = if j < b.len() && b[j] == b':' {
                    Tok::Key
                } else {
                    Tok::Str
                };
                p.push(tok, text);
                i = end;
            }
            _ => {
                let start = i;
                while i < b.len() && !b" \t\r\n,]}:".contains(&b[i]) {
                    i += 1;
                }
                let text = &json[start..i];
                let tok = if matches!(text, "true" | "false" | "null") {
                    Tok::Lit
                } else {
                    Tok::Num
                };
                p.push(tok, text);
            }
        }
    }
    p.finish()
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b" \t\r\n".contains(&b[i]) {
        i += 1;
    }
    i
}

/// The index just past the string that starts at `i` (a `"`), escapes included.
fn string_end(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

#[derive(Default)]
struct Printer {
    lines: Vec<RawLine>,
    cur: Vec<(Tok, String)>,
    depth: usize,
}

impl Printer {
    fn push(&mut self, tok: Tok, text: &str) {
        if self.cur.is_empty() && self.depth > 0 {
            self.cur.push((Tok::Space, INDENT.repeat(self.depth)));
        }
        self.cur.push((tok, sanitize(text)));
    }

    fn newline(&mut self) {
        if !self.cur.is_empty() {
            let parts = std::mem::take(&mut self.cur);
            self.lines.push(finish(parts));
        }
    }

    fn finish(mut self) -> Vec<RawLine> {
        self.newline();
        self.lines
    }
}

fn finish(parts: Vec<(Tok, String)>) -> RawLine {
    let lower = parts
        .iter()
        .map(|p| p.1.as_str())
        .collect::<String>()
        .to_lowercase();
    RawLine { parts, lower }
}

/// The lines holding `needle` (case-insensitive), in order.
pub fn find(lines: &[RawLine], needle: &str) -> Vec<usize> {
    let n = needle.to_lowercase();
    if n.is_empty() {
        return vec![];
    }
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.lower.contains(&n))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[RawLine]) -> Vec<String> {
        lines.iter().map(RawLine::text).collect()
    }

    #[test]
    fn pretty_prints_keeping_key_order_and_spelling() {
        let raw = r#"{"zeta":1.50,"alpha":{"b":[true,null,"x"],"e":{}},"list":[]}"#;
        assert_eq!(
            texts(&render(raw)),
            [
                "{",
                "  \"zeta\": 1.50,",
                "  \"alpha\": {",
                "    \"b\": [",
                "      true,",
                "      null,",
                "      \"x\"",
                "    ],",
                "    \"e\": {}",
                "  },",
                "  \"list\": []",
                "}",
            ]
        );
    }

    #[test]
    fn keys_strings_numbers_and_literals_are_told_apart() {
        let lines = render(r#"{"k":"v","n":-2e3,"t":false}"#);
        let kinds: Vec<Tok> = lines[1]
            .parts
            .iter()
            .map(|p| p.0)
            .filter(|t| *t != Tok::Space)
            .collect();
        assert_eq!(kinds, [Tok::Key, Tok::Punct, Tok::Str, Tok::Punct]);
        assert_eq!(lines[2].parts[3], (Tok::Num, "-2e3".into()));
        assert_eq!(lines[3].parts[3], (Tok::Lit, "false".into()));
    }

    #[test]
    fn escaped_quotes_stay_inside_their_string() {
        let lines = render(r#"{"a":"say \"hi\", \\ ok","b":1}"#);
        assert_eq!(
            texts(&lines)[1],
            r#"  "a": "say \"hi\", \\ ok","#.to_string()
        );
        assert_eq!(texts(&lines)[2], r#"  "b": 1"#);
    }

    #[test]
    fn hostile_text_is_escaped() {
        // JSON escapes stay as typed (harmless text); raw invisible characters are made visible.
        let lines = render("{\"a\":\"\\u001b[2J\u{202e}x\"}");
        let t = texts(&lines).join("\n");
        assert!(t.contains(r"\u001b[2J\u{202e}x"), "{t}");
        assert!(!t.chars().any(|c| c.is_control() && c != '\n'));
        // Not JSON at all: shown line by line, escaped.
        let lines = render("oops \x1b]0;pwned\x07\nsecond");
        assert_eq!(texts(&lines), ["oops \\e]0;pwned\\x07", "second"]);
    }

    #[test]
    fn search_is_case_insensitive_by_line() {
        let lines = render(r#"{"Email":"A@B.com","other":"a@b.COM","x":1}"#);
        assert_eq!(find(&lines, "a@b.com"), vec![1, 2]);
        assert_eq!(find(&lines, "EMAIL"), vec![1]);
        assert!(find(&lines, "").is_empty());
        assert!(find(&lines, "nothing").is_empty());
    }
}
