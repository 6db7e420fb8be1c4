//! The server-side query language shared by the form's Query field, `--query` and
//! `convoscope export --query`: what people type, parsed into terms (pure; no I/O).
//!
//! ```text
//! queue:"Support - Tier 1" agent:Bob dir:inbound live
//! queue:Sales queue:Billing        (the same field twice: either)
//! ```
//!
//! Terms are ANDed; the same field given twice is an OR of its values. Queue, agent and wrap-up
//! names are resolved to ids through the directories before the query ([`Resolved`], built by
//! [`resolve`]); the resolved terms become the details query's predicates in [`super::Scope`].

use std::fmt;

/// A field of the query language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Queue,
    Agent,
    Wrapup,
    Dir,
    Address,
    Customer,
    Live,
}

impl Field {
    /// Every field, in the order the help names them.
    pub const ALL: [Field; 7] = [
        Field::Queue,
        Field::Agent,
        Field::Wrapup,
        Field::Dir,
        Field::Address,
        Field::Customer,
        Field::Live,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Queue => "queue",
            Field::Agent => "agent",
            Field::Wrapup => "wrapup",
            Field::Dir => "dir",
            Field::Address => "address",
            Field::Customer => "customer",
            Field::Live => "live",
        }
    }

    /// The field a typed name stands for (with the aliases people reach for).
    fn from_name(s: &str) -> Option<Field> {
        Some(match s {
            "queue" | "q" => Field::Queue,
            "agent" | "user" => Field::Agent,
            "wrapup" | "wrap-up" | "wrapupcode" => Field::Wrapup,
            "dir" | "direction" => Field::Dir,
            "ani" | "address" | "addr" | "phone" | "email" | "from" => Field::Address,
            "customer" | "name" => Field::Customer,
            "live" => Field::Live,
            _ => return None,
        })
    }

    /// Whether the field names a directory entity that is resolved to an id.
    pub fn directory(self) -> Option<Directory> {
        match self {
            Field::Queue => Some(Directory::Queues),
            Field::Agent => Some(Directory::Users),
            Field::Wrapup => Some(Directory::WrapupCodes),
            _ => None,
        }
    }
}

/// The fields there are, for error messages.
pub const FIELDS: &str = "queue:NAME, agent:NAME, wrapup:NAME, dir:inbound|outbound, \
    ani:NUMBER or address:ADDRESS, customer:NAME, live";

/// A directory names are looked up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Directory {
    Queues,
    Users,
    WrapupCodes,
}

impl Directory {
    /// The query field that names it.
    pub fn field(self) -> &'static str {
        match self {
            Directory::Queues => "queue",
            Directory::Users => "agent",
            Directory::WrapupCodes => "wrapup",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            Directory::Queues => "queue",
            Directory::Users => "agent",
            Directory::WrapupCodes => "wrap-up code",
        }
    }
}

/// A conversation's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn name(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }
}

/// One field with its values (any of which may match).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub field: Field,
    /// As typed (quotes removed); empty for `live`.
    pub values: Vec<String>,
}

/// A parsed query: one term per field, in the order first typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub terms: Vec<Term>,
}

/// What is wrong with a query, worded for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError(pub String);

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for QueryError {}

fn err(s: impl Into<String>) -> QueryError {
    QueryError(s.into())
}

impl Query {
    /// Parses what was typed. An empty input is the empty query (no filter).
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        let mut q = Query::default();
        for word in split(input)? {
            if word.text.len() > 1 && word.text.starts_with('-') {
                return Err(err(format!(
                    "the API cannot filter on a negation ('{}'): use the list's local filter \
                     (/) with {} after loading (the query fields are {FIELDS})",
                    word.text, word.text
                )));
            }
            let Some((name, value)) = word.text.split_once(':') else {
                let lower = word.text.to_lowercase();
                if lower == "live" {
                    q.add(Field::Live, String::new());
                    continue;
                }
                if lower.starts_with("dur>") || lower.starts_with("dur<") {
                    return Err(unknown_field("dur", &word.text[3..]));
                }
                if matches!(lower.as_str(), "inbound" | "outbound") {
                    return Err(err(format!(
                        "'{}' alone is not a term: write dir:{lower} (the fields are {FIELDS})",
                        word.text
                    )));
                }
                return Err(err(format!(
                    "'{}' has no field: write field:value (the fields are {FIELDS}); to search \
                     the loaded rows for a word, use the list's filter (/)",
                    word.text
                )));
            };
            let lname = name.trim().to_lowercase();
            let field = match Field::from_name(&lname) {
                Some(f) => f,
                None => return Err(unknown_field(&lname, value)),
            };
            if field == Field::Live {
                if !value.trim().is_empty() {
                    return Err(err(format!(
                        "live takes no value: write live alone (not live:{})",
                        value.trim()
                    )));
                }
                q.add(Field::Live, String::new());
                continue;
            }
            // `a|b`: either value (as the same field twice), as in the list's filter.
            let at = name.len() + 1;
            for value in word.alternatives(at) {
                let value = value.trim();
                match field {
                    Field::Dir => {
                        let d = parse_direction(value)?;
                        q.add(Field::Dir, d.name().to_string());
                    }
                    _ => {
                        if value.is_empty() {
                            // Named as typed (`ani:`, not `address:`).
                            let example = match field {
                                Field::Address => "\"+1 555 010 2030\"",
                                _ => "\"a name with spaces\"",
                            };
                            return Err(err(format!(
                                "{lname}: needs a value ({lname}:{example}, {lname}:a|b for either)"
                            )));
                        }
                        q.add(field, value.to_string());
                    }
                }
            }
        }
        Ok(q)
    }

    fn add(&mut self, field: Field, value: String) {
        match self.terms.iter_mut().find(|t| t.field == field) {
            Some(t) => {
                if !value.is_empty() && !t.values.contains(&value) {
                    t.values.push(value);
                }
            }
            None => self.terms.push(Term {
                field,
                values: if value.is_empty() {
                    vec![]
                } else {
                    vec![value]
                },
            }),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn term(&self, field: Field) -> Option<&Term> {
        self.terms.iter().find(|t| t.field == field)
    }

    /// The names to look up, by directory.
    pub fn names(&self, dir: Directory) -> Vec<&str> {
        self.terms
            .iter()
            .filter(|t| t.field.directory() == Some(dir))
            .flat_map(|t| t.values.iter().map(String::as_str))
            .collect()
    }
}

fn parse_direction(v: &str) -> Result<Direction, QueryError> {
    match v.to_lowercase().as_str() {
        "inbound" | "in" => Ok(Direction::Inbound),
        "outbound" | "out" => Ok(Direction::Outbound),
        "" => Err(err("dir: needs a value: dir:inbound or dir:outbound")),
        other => Err(err(format!(
            "dir:{other} is not a direction: use dir:inbound or dir:outbound"
        ))),
    }
}

/// The error for a field there is not, with what to do instead.
fn unknown_field(name: &str, value: &str) -> QueryError {
    let local = |what: &str, example: String| {
        err(format!(
            "the API cannot filter on {what}: use the list's local filter (/) with {example} \
             after loading (the query fields are {FIELDS})"
        ))
    };
    match name {
        "attr" | "attribute" | "attrs" | "participantdata" => local(
            "attributes",
            format!(
                "attr:{}",
                if value.is_empty() { "KEY=VALUE" } else { value }
            ),
        ),
        "dur" | "duration" => local(
            "durations",
            if value.starts_with(['>', '<']) {
                format!("dur{value}")
            } else {
                "dur>5m or dur<30s".into()
            },
        ),
        "date" | "day" => err(format!(
            "a day is the range, not a query term: put it in From and To (--from {v} --to {v} \
             is that whole day); the list's local filter (/) also takes date:{v} (the query \
             fields are {FIELDS})",
            v = if value.is_empty() {
                "2026-11-24"
            } else {
                value
            }
        )),
        "media" | "type" => err(format!(
            "the media is chosen in the Media field (or --media), not in the query (the query \
             fields are {FIELDS})"
        )),
        "" => err(format!("a term starts with ':': name a field ({FIELDS})")),
        _ => err(format!(
            "unknown field '{name}'{}: the fields are {FIELDS}",
            did_you_mean(name, NAMES)
        )),
    }
}

/// The field names people type, for [`did_you_mean`].
const NAMES: &[&str] = &[
    "queue", "agent", "wrapup", "dir", "ani", "address", "customer", "live",
];

/// ` (did you mean queue:?)` when `typed` is a slip of one of `names` (two edits at most, fewer
/// than its length: `quue`, `agnet`), else nothing.
pub fn did_you_mean(typed: &str, names: &[&str]) -> String {
    let typed = typed.to_lowercase();
    names
        .iter()
        .map(|n| (distance(&typed, n), *n))
        .filter(|&(d, n)| d <= 2 && d < n.len().min(typed.chars().count()))
        .min()
        .map(|(_, n)| format!(" (did you mean {n}:?)"))
        .unwrap_or_default()
}

struct Word {
    text: String,
    /// Where `|` stood outside quotes (byte offsets in `text`): between alternatives.
    bars: Vec<usize>,
}

impl Word {
    /// The alternatives of the text from byte `from` on, split at the `|` typed outside quotes
    /// (a quoted `|` is part of a name).
    fn alternatives(&self, from: usize) -> Vec<&str> {
        let mut out = Vec::new();
        let mut start = from;
        for &b in self.bars.iter().filter(|&&b| b >= from) {
            out.push(&self.text[start..b]);
            start = b + 1;
        }
        out.push(&self.text[start..]);
        out
    }
}

/// Splits at whitespace outside double quotes; the quotes are dropped. An unclosed quote is an
/// error (a server query is sent as a whole, so a half-typed one must not go out).
fn split(input: &str) -> Result<Vec<Word>, QueryError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut bars = Vec::new();
    let mut quoted = false;
    for c in input.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(Word {
                        text: std::mem::take(&mut cur),
                        bars: std::mem::take(&mut bars),
                    });
                }
            }
            c => {
                if c == '|' && !quoted {
                    bars.push(cur.len());
                }
                cur.push(c);
            }
        }
    }
    if quoted {
        return Err(err(
            "a quote is not closed: close it (queue:\"Support - Tier 1\")",
        ));
    }
    if !cur.is_empty() {
        out.push(Word { text: cur, bars });
    }
    Ok(out)
}

/// The name being typed at the end of a query, when it is a queue, agent or wrap-up term:
/// its directory, where its value starts in `input` (after the colon, before any quote), and
/// the value typed so far (quotes removed). For Tab completion.
pub fn completing(input: &str) -> Option<(Directory, usize, String)> {
    // The last term: after the last whitespace outside quotes.
    let mut quoted = false;
    let mut start = 0;
    for (i, c) in input.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => start = i + c.len_utf8(),
            _ => {}
        }
    }
    let term = &input[start..];
    let (name, value) = term.split_once(':')?;
    let dir = Field::from_name(&name.trim_start_matches('"').to_lowercase())?.directory()?;
    // In `queue:Sales|Bil`, the alternative being typed.
    let mut at = start + name.len() + 1;
    let mut quoted = false;
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '|' if !quoted => at = start + name.len() + 1 + i + 1,
            _ => {}
        }
    }
    Some((dir, at, input[at..].replace('"', "")))
}

/// `input` with the value of its last term (from `at`) replaced by `name`, quoted when it has
/// spaces, and a space after it when the name is complete.
pub fn complete_with(input: &str, at: usize, name: &str, whole: bool) -> String {
    let value = if name.contains(char::is_whitespace) || name.contains('"') {
        if whole {
            format!("\"{}\"", name.replace('"', ""))
        } else {
            format!("\"{}", name.replace('"', ""))
        }
    } else {
        name.to_string()
    };
    format!("{}{value}{}", &input[..at], if whole { " " } else { "" })
}

/// A name resolved to an id, with the name the directory gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub id: String,
    pub name: String,
}

/// The query with its names resolved: what [`super::Scope`] turns into predicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// What was typed, for titles and the record of the last query.
    pub text: String,
    pub queues: Vec<Entity>,
    pub agents: Vec<Entity>,
    pub wrapups: Vec<Entity>,
    pub directions: Vec<Direction>,
    pub addresses: Vec<String>,
    pub customers: Vec<String>,
    pub live: bool,
}

impl Resolved {
    pub fn is_empty(&self) -> bool {
        self.queues.is_empty()
            && self.agents.is_empty()
            && self.wrapups.is_empty()
            && self.directions.is_empty()
            && self.addresses.is_empty()
            && self.customers.is_empty()
            && !self.live
    }
}

/// Resolves the query's names with `lookup(directory, name)`, which answers the directory's
/// entries that may match (all of them, or those the API found by the name): an exact match
/// (ignoring case and accents) wins; else a single entry whose name starts with it; else the
/// error lists the closest names.
pub fn resolve(
    text: &str,
    q: &Query,
    mut lookup: impl FnMut(Directory, &str) -> Vec<Entity>,
) -> Result<Resolved, QueryError> {
    let mut r = Resolved {
        text: text.trim().to_string(),
        ..Default::default()
    };
    for t in &q.terms {
        match t.field {
            Field::Queue | Field::Agent | Field::Wrapup => {
                let dir = t.field.directory().expect("a directory field");
                for name in &t.values {
                    let e = pick(dir, name, &lookup(dir, name))?;
                    let list = match t.field {
                        Field::Queue => &mut r.queues,
                        Field::Agent => &mut r.agents,
                        _ => &mut r.wrapups,
                    };
                    if !list.contains(&e) {
                        list.push(e);
                    }
                }
            }
            Field::Dir => {
                for v in &t.values {
                    r.directions.push(parse_direction(v)?);
                }
            }
            Field::Address => r.addresses.extend(t.values.iter().cloned()),
            Field::Customer => r.customers.extend(t.values.iter().cloned()),
            Field::Live => r.live = true,
        }
    }
    Ok(r)
}

/// The one entry `name` designates among `candidates`: the one of that name (ignoring case and
/// accents); else the one whose id it is (whole, or its first 8 characters or more, as the list
/// shows an id it cannot name: the way to pick one of two namesakes); else the one whose name
/// starts with it; else the one with a word that starts with it (`gomez` for "Elena Gómez",
/// `tier 1` for "Support - Tier 1"). Several are an error that lists them (with their short ids
/// when names repeat); none, an error listing the closest names.
pub fn pick(dir: Directory, name: &str, candidates: &[Entity]) -> Result<Entity, QueryError> {
    let key = fold(name);
    let exact: Vec<&Entity> = candidates.iter().filter(|e| fold(&e.name) == key).collect();
    match exact.as_slice() {
        [one] => return Ok((*one).clone()),
        [] => {}
        many => {
            let f = dir.field();
            let ids: Vec<&str> = many.iter().map(|e| short(&e.id)).collect();
            return Err(err(format!(
                "{} name '{name}' is ambiguous: {} {}s have it; give one by its id ({}), or \
                 all of them ({f}:{})",
                dir.noun(),
                many.len(),
                dir.noun(),
                ids.iter()
                    .map(|i| format!("{f}:{i}"))
                    .collect::<Vec<_>>()
                    .join(" or "),
                ids.join("|"),
            )));
        }
    }
    let id = name.trim().to_ascii_lowercase();
    if id.len() >= 8 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        let by_id: Vec<&Entity> = candidates
            .iter()
            .filter(|e| e.id.to_ascii_lowercase().starts_with(&id))
            .collect();
        if let [one] = by_id.as_slice() {
            return Ok((*one).clone());
        }
    }
    let mut how = "starts";
    let mut found: Vec<&Entity> = candidates
        .iter()
        .filter(|e| fold(&e.name).starts_with(&key))
        .collect();
    if found.is_empty() {
        how = "is the start of a word of";
        found = candidates
            .iter()
            .filter(|e| word_starts(&fold(&e.name), &key))
            .collect();
    }
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let close = closest(&key, candidates, 5);
            Err(err(
                if close.is_empty() && (1..=12).contains(&candidates.len()) {
                    // Nothing near, and few there are: all of them.
                    let all: Vec<&Entity> = candidates.iter().collect();
                    format!(
                        "no {} is named '{name}'; there are {}",
                        dir.noun(),
                        quote_list(&all)
                    )
                } else if close.is_empty() {
                    format!("no {} is named '{name}'", dir.noun())
                } else {
                    format!(
                        "no {} is named '{name}'; the closest: {}",
                        dir.noun(),
                        quote_list(&close)
                    )
                },
            ))
        }
        many => Err(err(format!(
            "{} name '{name}' is ambiguous: it {how} {} names ({}{}); quote the whole name",
            dir.noun(),
            many.len(),
            quote_list(&many[..many.len().min(8)]),
            if many.len() > 8 { ", …" } else { "" }
        ))),
    }
}

/// Whether a word of `name` (both folded) starts with `key`: at its start, or after a character
/// that is not a letter or digit.
pub fn word_starts(name: &str, key: &str) -> bool {
    let mut at_word = true;
    for (i, c) in name.char_indices() {
        if at_word && name[i..].starts_with(key) {
            return true;
        }
        at_word = !c.is_alphanumeric();
    }
    false
}

/// An id's first 8 characters, as the list shows ids it cannot name.
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// The entries' names, quoted; a name several of them have (ignoring case and accents) gets
/// its short id.
fn quote_list(entries: &[&Entity]) -> String {
    entries
        .iter()
        .map(|e| {
            if entries
                .iter()
                .filter(|o| fold(&o.name) == fold(&e.name))
                .count()
                > 1
            {
                format!("\"{}\" ({})", e.name, short(&e.id))
            } else {
                format!("\"{}\"", e.name)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `n` entries closest to `key` (folded), by edit distance, then those containing it. A
/// name is near when the whole of it is (`Elena Gomes`: within half the typed length, at least
/// 3 edits), or a word of it, or the start of one (`ferrera` for Jonas Ferreira, `supprt` for
/// Support - Tier 1: within a third of the typed length, at least 1 edit), as names are
/// picked by a word (see [`pick`]).
fn closest<'a>(key: &str, candidates: &'a [Entity], n: usize) -> Vec<&'a Entity> {
    let len = key.chars().count();
    let (whole_limit, word_limit) = ((len / 2).max(3), (len / 3).max(1));
    let mut scored: Vec<(usize, &str, &Entity)> = candidates
        .iter()
        .filter_map(|e| {
            let f = fold(&e.name);
            let whole = if f.contains(key) || key.contains(f.as_str()) {
                0
            } else {
                distance(key, &f)
            };
            let word = f
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let start: String = w.chars().take(len).collect();
                    distance(key, w).min(distance(key, &start))
                })
                .min()
                .unwrap_or(usize::MAX);
            let d = [(whole, whole_limit), (word, word_limit)]
                .into_iter()
                .filter(|(d, limit)| d <= limit)
                .map(|(d, _)| d)
                .min()?;
            Some((d, e.name.as_str(), e))
        })
        .collect();
    scored.sort_by(|a, b| (a.0, a.1, &a.2.id).cmp(&(b.0, b.1, &b.2.id)));
    scored.into_iter().map(|(_, _, e)| e).take(n).collect()
}

/// Levenshtein distance over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Lower case without accents, for comparing names as people type them.
pub fn fold(s: &str) -> String {
    crate::fold::fold(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Query {
        Query::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn e(s: &str) -> String {
        Query::parse(s).unwrap_err().0
    }

    #[test]
    fn terms_with_quotes_and_repeated_fields() {
        let got = q(r#"queue:"Support - Tier 1" agent:Bob queue:Sales live dir:OUT"#);
        assert_eq!(
            got.terms,
            vec![
                Term {
                    field: Field::Queue,
                    values: vec!["Support - Tier 1".into(), "Sales".into()]
                },
                Term {
                    field: Field::Agent,
                    values: vec!["Bob".into()]
                },
                Term {
                    field: Field::Live,
                    values: vec![]
                },
                Term {
                    field: Field::Dir,
                    values: vec!["outbound".into()]
                },
            ]
        );
        assert_eq!(got.names(Directory::Queues), ["Support - Tier 1", "Sales"]);
        assert!(q("").is_empty() && q("   ").is_empty());
        // A quoted whole term, and field names in any case.
        assert_eq!(
            q(r#""QUEUE:Support - Tier 1""#).terms[0].values,
            ["Support - Tier 1"]
        );
        assert_eq!(q("ani:+15551234").terms[0].field, Field::Address);
        assert_eq!(q("Address:a@b.c").terms[0].values, ["a@b.c"]);
        // The same value twice is kept once.
        assert_eq!(q("agent:Bob agent:Bob").terms[0].values, ["Bob"]);
        assert_eq!(q("live live:").terms.len(), 1);
    }

    #[test]
    fn unknown_fields_name_the_fields_there_are() {
        let m = e("colour:red");
        assert!(m.contains("unknown field 'colour'"), "{m}");
        for f in [
            "queue:",
            "agent:",
            "wrapup:",
            "dir:",
            "address:",
            "customer:",
            "live",
        ] {
            assert!(m.contains(f), "{m} lacks {f}");
        }
        let m = e("bob");
        assert!(
            m.contains("'bob' has no field") && m.contains("queue:"),
            "{m}"
        );
        assert!(e("outbound").contains("dir:outbound"));
        assert!(e(":x").contains("name a field"));
        // A slip of a field's name says which was meant.
        assert!(e("quue:Sales").contains("unknown field 'quue' (did you mean queue:?)"));
        assert!(e("agnet:Bob").contains("(did you mean agent:?)"));
        assert!(!e("colour:red").contains("did you mean"));
    }

    #[test]
    fn attributes_and_local_only_terms_point_to_the_local_filter() {
        let m = e("attr:tier=gold");
        assert!(
            m.contains("cannot filter on attributes") && m.contains("attr:tier=gold"),
            "{m}"
        );
        assert!(m.contains("local filter"), "{m}");
        assert!(e("dur:5m").contains("local filter"));
        let m = e("date:2026-11-28");
        assert!(
            m.contains("--from 2026-11-28 --to 2026-11-28") && m.contains("date:2026-11-28"),
            "{m}"
        );
        assert!(e("media:voice").contains("Media field"));
    }

    #[test]
    fn a_bar_is_an_or_of_the_field_and_a_quoted_bar_is_part_of_a_name() {
        assert_eq!(q("queue:Sales|Billing"), q("queue:Sales queue:Billing"));
        assert_eq!(
            q(r#"queue:"Support - Tier 1"|Sales agent:Bob"#).terms[0].values,
            ["Support - Tier 1", "Sales"]
        );
        assert_eq!(q(r#"queue:"A|B""#).terms[0].values, ["A|B"]);
        assert_eq!(q("dir:in|out").terms[0].values, ["inbound", "outbound"]);
        assert!(e("queue:Sales|").contains("needs a value"));
        assert!(e("dir:in|sideways").contains("not a direction"));
    }

    #[test]
    fn negations_and_durations_point_to_the_local_filter() {
        let m = e("-queue:Sales");
        assert!(
            m.contains("cannot filter on a negation")
                && m.contains("local filter (/) with -queue:Sales"),
            "{m}"
        );
        let m = e("dur>5m");
        assert!(m.contains("local filter") && m.contains("dur>5m"), "{m}");
        assert!(e("DUR<30s").contains("local filter"));
    }

    #[test]
    fn values_are_checked() {
        assert!(e("dir:sideways").contains("dir:inbound or dir:outbound"));
        assert!(e("dir:").contains("needs a value"));
        assert!(e("queue:").contains("needs a value"));
        assert!(e(r#"queue:"""#).contains("needs a value"));
        // Named as typed.
        let m = e("ani:");
        assert!(
            m.starts_with("ani: needs a value (ani:\"+1 555 010 2030\""),
            "{m}"
        );
        assert!(e("live:yes").contains("live takes no value"));
        assert!(e(r#"queue:"Support"#).contains("quote is not closed"));
    }

    fn dir() -> Vec<Entity> {
        [
            ("q1", "Support - Tier 1"),
            ("q2", "Support - Tier 2"),
            ("q3", "Sales"),
            ("q4", "Billing Émigrés"),
            ("q5", "dup"),
            ("q6", "Dup"),
        ]
        .iter()
        .map(|(i, n)| Entity {
            id: i.to_string(),
            name: n.to_string(),
        })
        .collect()
    }

    #[test]
    fn names_resolve_exactly_then_by_a_unique_start() {
        let d = dir();
        let p = |n: &str| pick(Directory::Queues, n, &d);
        assert_eq!(p("support - tier 1").unwrap().id, "q1");
        assert_eq!(p("SAL").unwrap().id, "q3");
        assert_eq!(p("billing emigres").unwrap().id, "q4");
        let m = p("Support").unwrap_err().0;
        assert!(
            m.contains("ambiguous") && m.contains("\"Support - Tier 2\""),
            "{m}"
        );
        let m = p("dup").unwrap_err().0;
        assert!(
            m.contains("ambiguous")
                && m.contains("queue:q5 or queue:q6")
                && m.contains("queue:q5|q6"),
            "{m}"
        );
        let m = p("Suport - Tier 1").unwrap_err().0;
        assert!(
            m.contains("no queue is named 'Suport - Tier 1'")
                && m.contains("the closest: \"Support - Tier 1\""),
            "{m}"
        );
        // A typo in a word of the name, as names are picked by a word.
        let m = p("supprt").unwrap_err().0;
        assert!(
            m.contains("the closest: \"Support - Tier 1\", \"Support - Tier 2\"")
                && !m.contains("Sales"),
            "{m}"
        );
        let m = p("zzzzzzzzzzzzzzzzzzzz").unwrap_err().0;
        assert!(
            m.starts_with(
                "no queue is named 'zzzzzzzzzzzzzzzzzzzz'; there are \"Support - Tier 1\", "
            ) && m.contains("\"dup\" (q5), \"Dup\" (q6)"),
            "{m}"
        );
        let many: Vec<Entity> = (0..13)
            .map(|i| Entity {
                id: format!("q{i}"),
                name: format!("Queue {i}"),
            })
            .collect();
        let m = pick(Directory::Queues, "zzzzzzzzzzzz", &many)
            .unwrap_err()
            .0;
        assert_eq!(m, "no queue is named 'zzzzzzzzzzzz'");
    }

    #[test]
    fn a_word_of_the_name_or_the_id_picks_one_and_namesakes_are_told_apart() {
        let d: Vec<Entity> = [
            ("88180d85-2d3a-469b-bc39-95e3fa608eb0", "Farid Andersen"),
            ("94e82224-a433-44ae-9568-a3bc0191c3b7", "Farid Andersen"),
            ("24c2e21c-2bf5-4566-a40a-f17b293e6909", "Elena Gómez"),
            ("c2c6aa5d-3a1a-4f37-a554-9c49160742d6", "Jonas Gómez"),
            ("5f9a440f-bac7-46fb-a0ab-9dd9aa5ba0a0", "Farid Ito"),
        ]
        .iter()
        .map(|(i, n)| Entity {
            id: i.to_string(),
            name: n.to_string(),
        })
        .collect();
        let p = |n: &str| pick(Directory::Users, n, &d);
        // A last name, accents ignored.
        assert_eq!(p("ito").unwrap().name, "Farid Ito");
        let m = p("gomez").unwrap_err().0;
        assert!(
            m.contains("is the start of a word of 2 names")
                && m.contains("\"Elena Gómez\", \"Jonas Gómez\""),
            "{m}"
        );
        // Namesakes: the error says how to pick one, and the id does.
        let m = p("farid andersen").unwrap_err().0;
        assert!(
            m.contains("2 agents have it")
                && m.contains("agent:88180d85 or agent:94e82224")
                && m.contains("agent:88180d85|94e82224"),
            "{m}"
        );
        assert_eq!(p("94e82224").unwrap().id, d[1].id);
        assert_eq!(p(&d[0].id.to_uppercase()).unwrap().id, d[0].id);
        // Lists of names tell namesakes apart by their short ids.
        let m = p("farid").unwrap_err().0;
        assert!(
            m.contains("\"Farid Andersen\" (88180d85), \"Farid Andersen\" (94e82224)"),
            "{m}"
        );
        // Too short to be an id: a name.
        assert!(p("88180d").is_err());
        // A misspelt last name finds who has it; a letter missing from a short one too.
        let m = p("andresen").unwrap_err().0;
        assert!(
            m.contains("the closest: \"Farid Andersen\" (88180d85), \"Farid Andersen\" (94e82224)"),
            "{m}"
        );
        let m = p("gmez").unwrap_err().0;
        assert!(
            m.contains("the closest: \"Elena Gómez\", \"Jonas Gómez\"") && !m.contains("Ito"),
            "{m}"
        );
    }

    #[test]
    fn resolve_looks_names_up_in_their_directory() {
        let text = r#"queue:Sales queue:"support - tier 2" agent:ann dir:in ani:+1555 live"#;
        let mut asked = Vec::new();
        let r = resolve(text, &q(text), |d, n| {
            asked.push((d, n.to_string()));
            match d {
                Directory::Users => vec![Entity {
                    id: "u1".into(),
                    name: "Ann Gómez".into(),
                }],
                _ => dir(),
            }
        })
        .unwrap();
        assert_eq!(
            r.queues.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
            ["q3", "q2"]
        );
        assert_eq!(r.agents[0].id, "u1");
        assert_eq!(r.directions, [Direction::Inbound]);
        assert_eq!(r.addresses, ["+1555"]);
        assert!(r.live && !r.is_empty());
        assert_eq!(asked.len(), 3);
        let err = resolve("wrapup:nope", &q("wrapup:nope"), |_, _| vec![]).unwrap_err();
        assert_eq!(err.0, "no wrap-up code is named 'nope'");
    }

    #[test]
    fn the_name_being_typed_is_found_for_completion() {
        assert_eq!(
            completing("live queue:Sup"),
            Some((Directory::Queues, 11, "Sup".into()))
        );
        assert_eq!(
            completing(r#"agent:"Ann G"#),
            Some((Directory::Users, 6, "Ann G".into()))
        );
        assert_eq!(
            completing("wrapup:"),
            Some((Directory::WrapupCodes, 7, String::new()))
        );
        assert_eq!(
            completing("queue:Sales|Bil"),
            Some((Directory::Queues, 12, "Bil".into()))
        );
        assert_eq!(
            completing(r#"queue:"A|B"|Sup"#),
            Some((Directory::Queues, 12, "Sup".into()))
        );
        assert_eq!(completing("dir:in"), None);
        assert_eq!(completing("queue:Sales "), None);
        let s = "live queue:Sup";
        assert_eq!(
            complete_with(s, 11, "Support - Tier 1", true),
            r#"live queue:"Support - Tier 1" "#
        );
        assert_eq!(
            complete_with(s, 11, "Support - Tier", false),
            r#"live queue:"Support - Tier"#
        );
        assert_eq!(complete_with("agent:b", 6, "Bob", true), "agent:Bob ");
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
    }
}
