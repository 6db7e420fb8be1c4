//! The list's local filter, over what is on screen and what is loaded. Terms, all of which
//! must match:
//!
//! - a word: anywhere in the row's text (id, names, purposes, direction, media, the duration
//!   and start as shown, addresses, and attributes once known);
//! - `queue:`, `agent:`, `wrapup:`, `customer:` (names as the list shows them, and the
//!   directory ids behind them, whole or as shown), `dir:`, `media:`, `address:`/`ani:`: in
//!   that part of the row only; `live` alone is a conversation still going on;
//! - `dur>5m`, `dur<30s`: the duration of ended conversations; `date:2026-11-24` (or
//!   `date:today`, `date:yesterday`): the day it started (in the zone shown);
//! - `attr:KEY=VALUE` (equal), `attr:KEY~TEXT` (contains), `attr:KEY` (set);
//! - `-term`: not; `a|b`: either (`queue:sales|support`: a bare alternative takes the field of
//!   the first).
//!
//! Case and accents do not matter (`gomez` finds Gómez); `"..."` quotes spaces, and a quoted
//! word is a word even with a colon in it. A malformed term is an error ([`Filter::parse`]):
//! the list keeps the filter before it, and the filter line says what is wrong.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use memchr::memmem::Finder;

use super::row::{Pairs, Row, SEP, tag};
use crate::fold::fold;
use crate::genesys::directory::short_id;
use crate::timespec::Zone;

/// One attribute term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrTerm {
    /// Folded.
    pub key: String,
    pub op: AttrOp,
    /// Folded.
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

/// One term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Folded; anywhere in the row's text.
    Word(String),
    /// Folded; inside a part of the row's text of this tag (see [`tag`]).
    In(u8, String),
    /// At the start of a part of this tag (`dir:in` is inbound).
    Starts(u8, String),
    Attr(AttrTerm),
    /// Ended, and longer than this many seconds.
    Longer(i64),
    /// Ended, and shorter than this many seconds.
    Shorter(i64),
    /// Started in `[start, end)`.
    Started(DateTime<Utc>, DateTime<Utc>),
    /// Still going on.
    Live,
}

/// Alternatives (any), maybe negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub not: bool,
    pub any: Vec<Term>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub clauses: Vec<Clause>,
}

/// The fields there are, for errors.
pub const FIELDS: &str = "queue:, agent:, wrapup:, customer:, dir:, media:, address:, \
    attr:KEY=VALUE, dur>5m, dur<30s, date:YYYY-MM-DD (or today, yesterday), live; -term for not, \
    a|b for either";

impl Filter {
    /// Parses what the user typed (dates read in `zone`; `now` says which day `date:today`
    /// is). An error says which term is wrong.
    pub fn parse(input: &str, zone: Zone, now: DateTime<Utc>) -> Result<Filter, String> {
        let at = At { zone, now };
        let mut f = Filter::default();
        for (text, quoted) in split(input) {
            let (not, body) = match text.strip_prefix('-') {
                Some(rest) if !quoted && !rest.is_empty() => (true, rest),
                _ => (false, text.as_str()),
            };
            let mut any = Vec::new();
            let mut field: Option<&str> = None;
            let alts: Vec<&str> = if quoted {
                vec![body]
            } else {
                body.split('|').collect()
            };
            for alt in alts {
                if alt.is_empty() {
                    if quoted {
                        continue;
                    }
                    return Err(format!("'{text}': an empty alternative around |"));
                }
                any.push(term(alt, quoted, &mut field, at)?);
            }
            if !any.is_empty() {
                f.clauses.push(Clause { not, any });
            }
        }
        Ok(f)
    }

    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    fn terms(&self) -> impl Iterator<Item = &Term> {
        self.clauses.iter().flat_map(|c| &c.any)
    }

    /// Whether every row this filter lets through is let through by `old` too (so only the
    /// rows `old` showed need testing): each of `old`'s clauses is here, or is a word inside a
    /// word here.
    pub fn narrows(&self, old: &Filter) -> bool {
        old.clauses.iter().all(|o| {
            self.clauses.iter().any(|n| {
                n == o
                    || match (n, o) {
                        (
                            Clause {
                                not: false,
                                any: na,
                            },
                            Clause {
                                not: false,
                                any: oa,
                            },
                        ) => match (na.as_slice(), oa.as_slice()) {
                            ([Term::Word(a)], [Term::Word(b)]) => a.contains(b.as_str()),
                            _ => false,
                        },
                        _ => false,
                    }
            })
        })
    }

    /// Whether the filter needs attributes (rows without them cannot match `attr:` yet).
    pub fn needs_attributes(&self) -> bool {
        self.terms().any(|t| matches!(t, Term::Attr(_)))
    }

    /// Whether a plain word (or a negated one) looks through the whole text, attributes
    /// included: rows whose attributes are not loaded are then not wholly searched.
    pub fn searches_words(&self) -> bool {
        self.terms().any(|t| matches!(t, Term::Word(_)))
    }

    /// Whether a row matches: `haystack` is its folded text ([`Row::new`]), `row` the row
    /// itself (for attributes, durations, dates). To test many rows, use
    /// [`matcher`](Self::matcher).
    pub fn matches(&self, haystack: &str, row: Option<&Row>) -> bool {
        self.matcher().matches(haystack, row)
    }

    /// The filter ready to test rows: each word's searcher is built once, not once per row.
    pub fn matcher(&self) -> Matcher<'_> {
        Matcher {
            clauses: self
                .clauses
                .iter()
                .map(|c| {
                    (
                        c.not,
                        c.any
                            .iter()
                            .map(|t| match t {
                                Term::Word(w) => Prepared::Word(Finder::new(w)),
                                Term::In(tag, w) => Prepared::In(*tag, Finder::new(w)),
                                other => Prepared::Other(other),
                            })
                            .collect(),
                    )
                })
                .collect(),
            reads_row: self.terms().any(|t| {
                matches!(
                    t,
                    Term::Attr(_)
                        | Term::Longer(_)
                        | Term::Shorter(_)
                        | Term::Started(..)
                        | Term::Live
                )
            }),
        }
    }
}

/// Where the filter is read: the zone dates are in, and the moment (for `date:today`).
#[derive(Clone, Copy)]
struct At {
    zone: Zone,
    now: DateTime<Utc>,
}

/// One term of an alternative. `field` is the field of the first alternative, which bare ones
/// after it take.
fn term<'a>(
    text: &'a str,
    quoted: bool,
    field: &mut Option<&'a str>,
    at: At,
) -> Result<Term, String> {
    if quoted {
        return Ok(match *field {
            Some(f) => fielded(f, text, at)?,
            None => Term::Word(fold(text)),
        });
    }
    let lower = text.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("dur") {
        let (op, amount) = match rest.chars().next() {
            Some('>') => ('>', &rest[1..]),
            Some('<') => ('<', &rest[1..]),
            Some(':') => {
                return Err(format!(
                    "'{text}': write dur>5m or dur<30s (a duration is compared, not matched)"
                ));
            }
            _ => return Ok(Term::Word(fold(text))),
        };
        let secs = duration(amount.strip_prefix('=').unwrap_or(amount)).ok_or_else(|| {
            format!("'{text}': cannot read '{amount}' as a duration: use 45s, 5m, 1h30m, 2d")
        })?;
        return Ok(if op == '>' {
            Term::Longer(secs)
        } else {
            Term::Shorter(secs)
        });
    }
    if lower == "live" && field.is_none() {
        return Ok(Term::Live);
    }
    match text.split_once(':') {
        Some((name, value)) if !name.is_empty() && name.chars().all(char::is_alphabetic) => {
            let name = name.to_lowercase();
            let name: &'a str = match name.as_str() {
                "queue" => "queue",
                "agent" | "user" => "agent",
                "customer" | "name" => "customer",
                "dir" | "direction" => "dir",
                "media" | "type" => "media",
                "address" | "ani" | "addr" | "phone" | "email" => "address",
                "wrapup" | "wrap" => "wrapup",
                "attr" => "attr",
                "date" => "date",
                "live" => {
                    return Err("live takes no value: write live alone".into());
                }
                _ => {
                    let near = crate::genesys::search::did_you_mean(
                        &name,
                        &[
                            "queue", "agent", "wrapup", "customer", "dir", "media", "address",
                            "ani", "attr", "date", "live",
                        ],
                    );
                    return Err(format!(
                        "unknown field '{name}'{near}: the fields are {FIELDS} (quote a word \
                         with a colon: \"{text}\")"
                    ));
                }
            };
            if field.is_none() {
                *field = Some(name);
            }
            fielded(name, value, at)
        }
        _ => Ok(match *field {
            Some(f) => fielded(f, text, at)?,
            None => Term::Word(fold(text)),
        }),
    }
}

/// A term of a field (by its canonical name) and its value as typed.
fn fielded(name: &str, value: &str, at: At) -> Result<Term, String> {
    let zone = at.zone;
    if value.is_empty() && name != "attr" {
        return Err(format!("{name}: needs a value ({FIELDS})"));
    }
    let v = fold(value);
    // A directory id typed whole (copied from the detail pane) is found by the 8 characters
    // the list shows of it, which is what the row keeps.
    let id = |v: String| match super::packed::uuid(&v) {
        Some(_) => short_id(&v).to_string(),
        None => v,
    };
    Ok(match name {
        "queue" => Term::In(tag::QUEUE, id(v)),
        "agent" => Term::In(tag::AGENT, id(v)),
        "wrapup" => Term::In(tag::WRAPUP, id(v)),
        "customer" => Term::In(tag::CUSTOMER, v),
        "media" => Term::In(tag::MEDIA, v),
        "address" => Term::In(tag::ADDRESS, phone(&v).unwrap_or(v)),
        "dir" => {
            if !("inbound".starts_with(&v) || "outbound".starts_with(&v)) {
                return Err(format!(
                    "dir:{value} is not a direction: dir:inbound or dir:outbound"
                ));
            }
            Term::Starts(tag::DIRECTION, v)
        }
        "date" => {
            // The days people say are read as the range's are (`today`, `yesterday`).
            let d = match v.trim() {
                "today" | "yesterday" => crate::timespec::parse(v.trim(), zone, at.now)
                    .map(|t| match zone {
                        Zone::Utc => t.date_naive(),
                        Zone::Local => t.with_timezone(&chrono::Local).date_naive(),
                    })
                    .map_err(|e| format!("date:{value}: {e}"))?,
                _ => NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| {
                    format!("date:{value}: write the day as YYYY-MM-DD, today or yesterday")
                })?,
            };
            let start = zone
                .from_naive(d.and_hms_opt(0, 0, 0).expect("midnight"))
                .ok_or_else(|| format!("date:{value}: no midnight that day here"))?;
            let end = d
                .succ_opt()
                .and_then(|n| zone.from_naive(n.and_hms_opt(0, 0, 0).expect("midnight")))
                .unwrap_or(start + Duration::days(1));
            Term::Started(start, end)
        }
        _ => attr(value)?,
    })
}

/// A phone number as people type it (`+44 20 7946-0000`, `(555) 010`, `tel:+4420…`) as the
/// row shows it: separators and the `tel:` scheme taken out, as the server-side `ani:` does.
/// `None` when it is not a number (an e-mail, a name).
fn phone(v: &str) -> Option<String> {
    let bare = v.strip_prefix("tel:").unwrap_or(v);
    let digits: String = bare
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    let number = digits.chars().any(|c| c.is_ascii_digit())
        && digits
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+'));
    number.then_some(digits)
}

fn attr(rest: &str) -> Result<Term, String> {
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
        return Err(format!(
            "attr:{rest}: name the attribute: attr:KEY=VALUE, attr:KEY~TEXT or attr:KEY"
        ));
    }
    Ok(Term::Attr(AttrTerm {
        key: fold(key),
        op,
        value: fold(value),
    }))
}

/// `45s`, `5m`, `1h30m`, `2d`, or a number of seconds.
fn duration(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let mut total = 0i64;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        total = total.checked_add(n.checked_mul(match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => return None,
        })?)?;
    }
    num.is_empty().then_some(total)
}

enum Prepared<'a> {
    Word(Finder<'a>),
    In(u8, Finder<'a>),
    Other(&'a Term),
}

/// A [`Filter`] prepared for testing rows.
pub struct Matcher<'a> {
    clauses: Vec<(bool, Vec<Prepared<'a>>)>,
    reads_row: bool,
}

impl Matcher<'_> {
    /// Whether [`matches`](Self::matches) looks at the row itself (attributes, times).
    pub fn reads_row(&self) -> bool {
        self.reads_row
    }

    /// See [`Filter::matches`].
    pub fn matches(&self, haystack: &str, row: Option<&Row>) -> bool {
        self.clauses
            .iter()
            .all(|(not, any)| any.iter().any(|t| test(t, haystack, row)) != *not)
    }
}

fn test(t: &Prepared, hay: &str, row: Option<&Row>) -> bool {
    match t {
        Prepared::Word(f) => f.find(hay.as_bytes()).is_some(),
        // Most rows lack the text anywhere: one sweep rejects them before the parts are split.
        Prepared::In(tag, f) => {
            f.find(hay.as_bytes()).is_some()
                && parts(hay, *tag).any(|p| f.find(p.as_bytes()).is_some())
        }
        Prepared::Other(Term::Starts(tag, v)) => {
            parts(hay, *tag).any(|p| p.starts_with(v.as_str()))
        }
        Prepared::Other(t) => {
            let Some(row) = row else { return false };
            match t {
                Term::Attr(a) => row.attrs.as_deref().is_some_and(|p| attr_matches(a, p)),
                Term::Longer(s) => seconds(row).is_some_and(|d| d > *s),
                Term::Shorter(s) => seconds(row).is_some_and(|d| d < *s),
                Term::Started(a, b) => row.start.is_some_and(|t| *a <= t && t < *b),
                Term::Live => row.end().is_none(),
                _ => false,
            }
        }
    }
}

fn seconds(row: &Row) -> Option<i64> {
    Some((row.end()? - row.start?).num_seconds())
}

fn attr_matches(t: &AttrTerm, attrs: &Pairs) -> bool {
    attrs.iter().any(|(k, v)| {
        **k == t.key
            && match t.op {
                AttrOp::Eq => **v == t.value,
                AttrOp::Contains => v.contains(t.value.as_str()),
                AttrOp::Exists => true,
            }
    })
}

/// The parts of a row's text with this tag (without it).
fn parts(hay: &str, tag: u8) -> impl Iterator<Item = &str> {
    hay.split(SEP)
        .filter(move |p| p.as_bytes().first() == Some(&tag))
        .map(|p| &p[1..])
}

/// Splits at whitespace outside double quotes; the quotes are dropped. Each term says whether
/// it was quoted (as a whole, or from its start).
fn split(input: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    let mut starts_quoted = false;
    for c in input.chars() {
        match c {
            '"' => {
                if !any {
                    starts_quoted = true;
                }
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any && !cur.is_empty() {
                    out.push((std::mem::take(&mut cur), starts_quoted));
                }
                any = false;
                starts_quoted = false;
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any && !cur.is_empty() {
        out.push((cur, starts_quoted));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::directory::Names;
    use crate::tui::columns::COLUMNS;
    use crate::tui::fixtures::{
        AGENT_ANN, AGENT_BOB, BILLING, CODE_RESOLVED, conv, directory, now, voice_transfer,
    };
    use crate::tui::row::{has_part, name_part};
    use chrono::TimeZone;

    fn p(s: &str) -> Filter {
        Filter::parse(s, Zone::Utc, now()).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> String {
        Filter::parse(s, Zone::Utc, now()).unwrap_err()
    }

    /// A row and its text, as the list makes them.
    fn row(c: crate::genesys::model::AnalyticsConversation) -> (Row, String) {
        Row::new(c)
    }

    fn hits(f: &str, r: &(Row, String)) -> bool {
        p(f).matches(&r.1, Some(&r.0))
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(Box<str>, Box<str>)> {
        p.iter().map(|&(k, v)| (k.into(), v.into())).collect()
    }

    #[test]
    fn words_must_all_appear_without_case_or_accents() {
        let r = row(conv("c1", 5, "Ana Gómez", "Jürgen Müller"));
        for yes in ["gomez", "GÓMEZ", "muller", "jurgen muller", "ana"] {
            assert!(hits(yes, &r), "{yes}");
        }
        assert!(!hits("gomez zed", &r));
        assert!(p("").is_empty() && p("   ").is_empty());
        assert!(p("   ").matches("anything", None));
    }

    #[test]
    fn what_the_list_shows_matches() {
        // conv(): inbound web messaging, 08:05 to 08:17:05 (12m05s), an acd "Support" part.
        let r = row(conv("c1", 5, "Ann", "Bob"));
        for yes in [
            "inbound",
            "message/webmessaging",
            "webmessaging",
            "12m",
            "12m05s",
            "2026-11-24",
            "08:05",
        ] {
            assert!(hits(yes, &r), "{yes} in {:?}", r.1);
        }
        for no in ["outbound", "voice", "live", "29m"] {
            assert!(!hits(no, &r), "{no}");
        }
        let mut c = conv("c2", 5, "Ann", "Bob");
        c.conversation_end = None;
        let live = row(c);
        assert!(hits("live", &live) && !hits("live", &r));
    }

    #[test]
    fn fields_look_in_their_part_only() {
        let r = row(conv("c1", 5, "Ann", "Bob"));
        assert!(hits("customer:ann", &r));
        assert!(!hits("customer:bob", &r));
        assert!(hits("agent:bob", &r));
        assert!(hits("dir:in", &r) && hits("dir:inbound", &r) && !hits("dir:out", &r));
        assert!(hits("media:webmessaging", &r) && !hits("media:voice", &r));
        assert!(hits("dur>5m", &r) && hits("dur<13m", &r) && !hits("dur>12m30s", &r));
        assert!(hits("date:2026-11-24", &r) && !hits("date:2026-11-25", &r));
        // The days people say, as the range reads them: `now()` is on 2026-11-25.
        assert!(hits("date:yesterday", &r) && !hits("date:today", &r));
        assert!(hits("date:Yesterday", &r));
    }

    /// A transferred voice call as the list shows it once the directory named its ids: the
    /// caller (external), the queues (one only by `queueId`), the agents (only by `userId`),
    /// the wrap-up codes, the numbers.
    fn named_call(names: &Names) -> (Row, String) {
        let mut c = voice_transfer("v1");
        let s = &mut c.participants[0].sessions[0].extra;
        s.insert("ani".into(), "tel:+15551230001".into());
        s.insert("dnis".into(), "tel:+18005550100".into());
        let (row, hay, _) = Row::new_in(c, Zone::Utc, names);
        (row, hay)
    }

    #[test]
    fn every_column_shown_is_found_by_its_words() {
        let names = directory();
        let r = named_call(&names);
        let cells = r.0.cells(Zone::Utc, &names);
        for (i, col) in COLUMNS.iter().enumerate() {
            let shown = (col.cell)(&r.0, &cells, u16::MAX);
            assert!(!shown.is_empty(), "{}", col.title);
            let words = shown
                .split(|c: char| c.is_whitespace() || c == ',' || c == '→')
                .filter(|w| !w.is_empty());
            for w in words {
                let quoted = format!("\"{w}\"");
                assert!(
                    hits(&quoted, &r),
                    "column {i} {}: {w} of {shown:?}",
                    col.title
                );
            }
            // The whole cell too, as shown, when it shows one thing.
            if !shown.contains(['"', '→', ',']) {
                assert!(hits(&format!("\"{shown}\""), &r), "{shown:?} in {:?}", r.1);
            }
        }
        assert_eq!(cells.queue, "Support - Tier 1, Billing");
        assert_eq!(cells.wrapup, "Transferred, Resolved - Sold");
        assert_eq!(cells.agents, "Ana Gómez, Jürgen Müller");
        assert_eq!(cells.customer, "Ann Lee");
    }

    #[test]
    fn directory_names_and_ids_are_found_by_their_fields() {
        let r = named_call(&directory());
        for yes in [
            "queue:billing",
            "queue:\"tier 1\"",
            "queue:sales|billing",
            "-queue:sales",
            "agent:gomez",
            "agent:MULLER",
            "wrapup:sold",
            "wrapup:transferred",
            "wrap:sold",
            "-wrapup:escalated",
            "customer:\"ann lee\"",
            "address:+1555",
            "address:+1800",
            // Numbers as people write them, as the server-side ani: takes them.
            "address:\"+1 555 123 0001\"",
            "ani:tel:+15551230001",
            "phone:\"(555) 123-0001\"",
            "voice",
            "inbound",
            "dir:in",
            "12m30s",
            "2026-11-24",
            "dur>12m",
            "date:2026-11-24",
            "gomez muller sold billing",
        ] {
            assert!(hits(yes, &r), "{yes} in {:?}", r.1);
        }
        // The ids behind the names: whole, or as the list shows an unnamed one (8 characters).
        for id in [CODE_RESOLVED, &CODE_RESOLVED[..8]] {
            assert!(hits(&format!("wrapup:{id}"), &r), "{id}");
        }
        assert!(hits(&format!("queue:{BILLING}"), &r));
        assert!(hits(&format!("agent:{}", &AGENT_BOB[..8]), &r));
        for no in [
            "queue:sales",
            "-queue:billing",
            "agent:\"ann lee\"",
            "customer:gomez",
            "wrapup:billing",
            "queue:sold",
            "outbound",
            "live",
            "chat|email",
        ] {
            assert!(!hits(no, &r), "{no} in {:?}", r.1);
        }
    }

    #[test]
    fn names_learnt_after_the_row_make_it_findable() {
        let (unnamed, mut hay) = named_call(&Names::default());
        let r = (unnamed, hay.clone());
        for term in ["agent:gomez", "queue:billing", "wrapup:sold", "sold"] {
            assert!(!hits(term, &r), "{term} before the names");
        }
        // The short ids the list shows meanwhile are found.
        assert!(hits(&AGENT_ANN[..8], &r) && hits(&format!("wrapup:{}", &CODE_RESOLVED[..8]), &r));
        let names = directory();
        let parts: Vec<String> =
            r.0.named_ids()
                .into_iter()
                .map(|(kind, id)| name_part(kind, names.get(kind, &id).unwrap()))
                .collect();
        assert_eq!(
            parts.len(),
            6,
            "two agents, two queues, two codes: {parts:?}"
        );
        assert!(parts.iter().all(|p| p.starts_with(SEP)));
        // Tier 1 was named by its acd participant already.
        let new: Vec<_> = parts.iter().filter(|p| !has_part(&hay, p)).collect();
        assert_eq!(new.len(), 5, "{new:?}");
        for p in new {
            hay.push_str(p);
            assert!(has_part(&hay, p));
        }
        let r = (r.0, hay);
        for term in [
            "agent:gomez",
            "queue:billing",
            "wrapup:sold",
            "sold",
            "-agent:x",
        ] {
            assert!(hits(term, &r), "{term} after the names");
        }
        // A name that only starts another part is not that part.
        assert!(!has_part(&r.1, "\u{1f}\u{f}resolved"));
        // An external party who is not the customer is no customer.
        let mut c = voice_transfer("v2");
        c.participants[1].purpose = Some("external".into());
        let r = row(c);
        assert!(hits("customer:ann", &r) && !hits("customer:\"main ivr\"", &r));
        assert!(hits("\"main ivr\"", &r));
    }

    #[test]
    fn not_and_either() {
        let r = row(conv("c1", 5, "Ann", "Bob"));
        assert!(!hits("-ann", &r));
        assert!(hits("-zed", &r));
        assert!(hits("zed|ann", &r));
        assert!(
            hits("customer:zed|ann", &r),
            "a bare alternative takes the field"
        );
        assert!(!hits("customer:zed|bob", &r));
        assert!(hits("-customer:zed|bob", &r));
        assert!(hits("voice|inbound -live", &r));
        // A lone - is a word.
        assert_eq!(p("-").clauses[0].any, [Term::Word("-".into())]);
    }

    #[test]
    fn malformed_terms_are_errors_never_a_match_all() {
        let e = err("colour:red");
        assert!(
            e.contains("unknown field 'colour'") && e.contains("queue:"),
            "{e}"
        );
        assert!(err("quue:sales").contains("unknown field 'quue' (did you mean queue:?)"));
        assert!(err("attr:").contains("name the attribute"));
        assert!(err("attr:=x").contains("name the attribute"));
        assert!(err("dur>5x").contains("cannot read '5x'"));
        assert!(err("dur>").contains("cannot read ''"));
        assert!(err("dur<=").contains("cannot read '='"));
        assert!(err("dur:5m").contains("dur>5m"));
        assert!(err("date:yesterdayish").contains("YYYY-MM-DD"));
        assert!(err("dir:up").contains("dir:inbound"));
        assert!(err("queue:").contains("needs a value"));
        assert!(err("a||b").contains("empty alternative"));
        // Times, ids and quoted words are words.
        assert_eq!(p("08:05").clauses[0].any, [Term::Word("08:05".into())]);
        assert_eq!(
            p("\"http://x\"").clauses[0].any,
            [Term::Word("http://x".into())]
        );
        for s in ["\"", "\"\"", "attr:é~ü", "a\"b\"c", "-", "|", "dur", "dur>"] {
            let _ = Filter::parse(s, Zone::Utc, now()).map(|f| f.matches("x", None));
        }
    }

    #[test]
    fn attribute_terms_equal_contain_or_exist() {
        let (mut r, _) = row(conv("c1", 5, "a", "b"));
        r.attrs =
            Some(pairs(&[("context.email", "jane@example.com"), ("lastpage", "/cart")]).into());
        let m = |f: &str, r: &Row| p(f).matches("", Some(r));
        assert!(m("attr:Context.Email=Jane@Example.com", &r));
        assert!(m("attr:lastpage~car", &r));
        assert!(!m("attr:lastpage=car", &r));
        assert!(m("attr:lastpage", &r));
        assert!(!m("attr:missing", &r));
        assert!(
            !m("attr:lastpage=jane@example.com", &r),
            "key and value on one attribute"
        );
        r.attrs = None;
        assert!(
            !m("attr:lastpage", &r),
            "unknown attributes cannot match yet"
        );
        let q = p(r#"attr:note~"two words" liam"#);
        assert_eq!(
            q.clauses[0].any,
            [Term::Attr(AttrTerm {
                key: "note".into(),
                op: AttrOp::Contains,
                value: "two words".into()
            })]
        );
    }

    #[test]
    fn typing_a_letter_narrows_erasing_one_does_not() {
        let f = |s| p(s);
        assert!(f("lia").narrows(&f("li")));
        assert!(f("li bob").narrows(&f("li")));
        assert!(f("anything").narrows(&f("")));
        assert!(!f("li").narrows(&f("lia")));
        assert!(f("li attr:a=1").narrows(&f("li")));
        assert!(!f("attr:a=12").narrows(&f("attr:a=1")));
        assert!(!f("-lia").narrows(&f("-li")));
        assert!(!f("li|x").narrows(&f("li")));
    }

    #[test]
    fn dates_are_days_of_the_zone_shown() {
        let f = p("date:2026-11-24");
        let Term::Started(a, b) = f.clauses[0].any[0] else {
            panic!()
        };
        assert_eq!(a, Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap());
        assert_eq!(b - a, Duration::days(1));
    }
}
