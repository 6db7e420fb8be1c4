//! The list filter: words that must all appear (in the id, names, roles, or attributes once
//! known), and attribute terms `attr:KEY=VALUE` (equal) or `attr:KEY~TEXT` (contains).
//! Case-insensitive; `"..."` quotes a word or value with spaces.

use memchr::memmem::Finder;

use super::row::Pairs;

/// One attribute term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrTerm {
    /// Lower-cased.
    pub key: String,
    pub op: AttrOp,
    /// Lower-cased.
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrOp {
    /// `=`: the value is exactly this.
    Eq,
    /// `~`: the value contains this.
    Contains,
    /// `attr:KEY` alone: the attribute is set.
    Exists,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Lower-cased words, each of which must appear.
    pub words: Vec<String>,
    pub attrs: Vec<AttrTerm>,
}

impl Filter {
    /// Parses what the user typed. Never fails: an incomplete term is read as far as it goes
    /// (the filter applies as you type).
    pub fn parse(input: &str) -> Filter {
        let mut f = Filter::default();
        for term in split(input) {
            let lower = term.to_lowercase();
            match lower.strip_prefix("attr:") {
                Some(rest) => {
                    let (key, op, value) = match rest.find(['=', '~']) {
                        Some(i) => {
                            let op = if rest.as_bytes()[i] == b'=' {
                                AttrOp::Eq
                            } else {
                                AttrOp::Contains
                            };
                            (&rest[..i], op, &rest[i + 1..])
                        }
                        None => (rest, AttrOp::Exists, ""),
                    };
                    if key.is_empty() {
                        // `attr:` alone so far: nothing to match on yet.
                        continue;
                    }
                    f.attrs.push(AttrTerm {
                        key: key.to_string(),
                        op,
                        value: value.to_string(),
                    });
                }
                None => f.words.push(lower),
            }
        }
        f
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.attrs.is_empty()
    }

    /// Whether every row this filter lets through is let through by `old` too (so only the
    /// rows `old` showed need testing): the same attribute terms, and each of `old`'s words
    /// inside one of this filter's words.
    pub fn narrows(&self, old: &Filter) -> bool {
        self.attrs == old.attrs
            && old
                .words
                .iter()
                .all(|w| self.words.iter().any(|n| n.contains(w.as_str())))
    }

    /// Whether the filter needs attributes (rows without them cannot match yet).
    pub fn needs_attributes(&self) -> bool {
        !self.attrs.is_empty()
    }

    /// Whether a row matches: `haystack` is its lower-cased searchable text, `attrs` its
    /// lower-cased attribute pairs when known. To test many rows, use [`matcher`](Self::matcher).
    pub fn matches(&self, haystack: &str, attrs: Option<&Pairs>) -> bool {
        self.matcher().matches(haystack, attrs)
    }

    /// The filter ready to test rows: each word's searcher is built once, not once per row.
    pub fn matcher(&self) -> Matcher<'_> {
        Matcher {
            words: self.words.iter().map(Finder::new).collect(),
            attrs: &self.attrs,
        }
    }
}

/// A [`Filter`] prepared for testing rows.
pub struct Matcher<'a> {
    words: Vec<Finder<'a>>,
    attrs: &'a [AttrTerm],
}

impl Matcher<'_> {
    /// Whether [`matches`](Self::matches) looks at the attribute pairs at all.
    pub fn reads_attributes(&self) -> bool {
        !self.attrs.is_empty()
    }

    /// See [`Filter::matches`].
    pub fn matches(&self, haystack: &str, attrs: Option<&Pairs>) -> bool {
        let hay = haystack.as_bytes();
        if !self.words.iter().all(|w| w.find(hay).is_some()) {
            return false;
        }
        if self.attrs.is_empty() {
            return true;
        }
        let Some(attrs) = attrs else { return false };
        self.attrs.iter().all(|t| {
            attrs.iter().any(|(k, v)| {
                **k == t.key
                    && match t.op {
                        AttrOp::Eq => **v == t.value,
                        AttrOp::Contains => v.contains(t.value.as_str()),
                        AttrOp::Exists => true,
                    }
            })
        })
    }
}

/// Splits at whitespace outside double quotes; the quotes are dropped.
fn split(input: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in input.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any && !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(Box<str>, Box<str>)> {
        p.iter().map(|&(k, v)| (k.into(), v.into())).collect()
    }

    #[test]
    fn words_must_all_appear() {
        let f = Filter::parse("  Liam   obrien ");
        assert_eq!(f.words, ["liam", "obrien"]);
        assert!(f.matches("liam\u{1f}obrien", None));
        assert!(!f.matches("liam", None));
        assert!(Filter::parse("").is_empty());
        assert!(Filter::parse("   ").matches("anything", None));
    }

    #[test]
    fn attribute_terms_equal_contain_or_exist() {
        let f = Filter::parse("attr:Context.Email=Jane@Example.com");
        assert_eq!(
            f.attrs,
            [AttrTerm {
                key: "context.email".into(),
                op: AttrOp::Eq,
                value: "jane@example.com".into()
            }]
        );
        let a = pairs(&[("context.email", "jane@example.com"), ("lastpage", "/cart")]);
        assert!(f.matches("", Some(&a)));
        assert!(!f.matches("", None), "unknown attributes cannot match yet");
        assert!(Filter::parse("attr:lastpage~car").matches("", Some(&a)));
        assert!(!Filter::parse("attr:lastpage=car").matches("", Some(&a)));
        assert!(Filter::parse("attr:lastpage").matches("", Some(&a)));
        assert!(!Filter::parse("attr:missing").matches("", Some(&a)));
        // Key and value must be on the same attribute.
        assert!(!Filter::parse("attr:lastpage=jane@example.com").matches("", Some(&a)));
    }

    #[test]
    fn quotes_keep_spaces_and_terms_combine() {
        let f = Filter::parse(r#"attr:note~"two words" liam"#);
        assert_eq!(f.attrs[0].value, "two words");
        assert_eq!(f.words, ["liam"]);
        let a = pairs(&[("note", "has two words in it")]);
        assert!(f.matches("liam", Some(&a)));
        assert!(!f.matches("other", Some(&a)));
        // An empty value with `=` matches an empty attribute.
        assert!(Filter::parse("attr:note=").matches("", Some(&pairs(&[("note", "")]))));
    }

    #[test]
    fn typing_a_letter_narrows_erasing_one_does_not() {
        let f = |s| Filter::parse(s);
        assert!(f("lia").narrows(&f("li")));
        assert!(f("li bob").narrows(&f("li")));
        assert!(f("anything").narrows(&f("")));
        assert!(!f("li").narrows(&f("lia")));
        assert!(!f("li attr:a=1").narrows(&f("li")));
        assert!(!f("attr:a=12").narrows(&f("attr:a=1")));
    }

    #[test]
    fn incomplete_terms_do_not_panic_or_match_everything_wrongly() {
        assert!(Filter::parse("attr:").is_empty());
        assert!(Filter::parse("attr:=x").is_empty());
        let f = Filter::parse("\"unterminated quote");
        assert_eq!(f.words, ["unterminated quote"]);
        for s in ["attr:~", "attr:k=", "\"", "\"\"", "attr:é~ü", "a\"b\"c"] {
            let _ = Filter::parse(s).matches("x", Some(&[]));
        }
    }
}
