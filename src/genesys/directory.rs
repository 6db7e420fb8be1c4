//! Names for the ids analytics data holds: users (`userId`), queues (`queueId`), wrap-up codes
//! (`wrapUpCode`) and divisions (`divisionIds`). Analytics never names agents, queues or wrap-up
//! codes; the directory APIs do, many ids a call.
//!
//! A [`Directory`] is shared for the session (`Arc`): it asks only for ids it has never asked
//! for, at most [`MAX_IDS`] a call, through the client's one request path (retries, the limiter
//! it is given, redaction, the call log, size caps), and remembers misses too, so a deleted user
//! or a forbidden kind is not asked about again. A name that cannot be read shows as the id's
//! first 8 characters ([`short_id`]), never blank.
//!
//! Cost in requests: naming a page of conversations is one call per kind with new ids (at most
//! 100 ids a call, so a page of 100 conversations is 1 call per kind: users, queues, wrap-up
//! codes); listing a kind for name look-ups ([`Directory::names`]) is `ceil(total / 500)` calls,
//! once a session.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::client::{CallOpts, Client, DirectoryAsk};
use super::error::{Error, Result};
use super::limiter::Limiter;

/// The most ids one listing call takes (the API refuses more).
pub const MAX_IDS: usize = 100;
/// The page size of a whole listing (the directories' largest).
pub const LIST_PAGE: u32 = 500;
/// The most pages one listing reads: 20,000 entities; a bigger directory is read in part (and
/// said so in [`Listing::partial`]).
pub const MAX_LIST_PAGES: u32 = 40;
/// The most pages of one id look-up (100 ids fit in one page of 100; a server that pages
/// smaller is followed, but not forever).
const MAX_ID_PAGES: u32 = 10;

/// A kind of directory entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    User,
    Queue,
    Wrapup,
    Division,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::User, Kind::Queue, Kind::Wrapup, Kind::Division];

    pub fn path(self) -> &'static str {
        match self {
            Kind::User => "/api/v2/users",
            Kind::Queue => "/api/v2/routing/queues",
            Kind::Wrapup => "/api/v2/routing/wrapupcodes",
            Kind::Division => "/api/v2/authorization/divisions",
        }
    }

    /// The permission its listing needs (named when a 403 does not name one).
    pub fn permission(self) -> Option<&'static str> {
        match self {
            Kind::Queue => Some("routing:queue:view"),
            Kind::Wrapup => Some("routing:wrapupCode:view"),
            Kind::User | Kind::Division => None,
        }
    }

    /// "user", "queue", "wrap-up code", "division".
    pub fn noun(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Queue => "queue",
            Kind::Wrapup => "wrap-up code",
            Kind::Division => "division",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Kind::User => "users",
            Kind::Queue => "queues",
            Kind::Wrapup => "wrap-up codes",
            Kind::Division => "divisions",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// What an id is called when its name cannot be read: its first 8 characters.
pub fn short_id(id: &str) -> &str {
    match id.char_indices().nth(8) {
        Some((i, _)) => &id[..i],
        None => id,
    }
}

/// Names by id, per kind: what a screen or an export keeps and reads. `None`: asked, and no
/// name could be read (shown as the short id).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Names {
    by_kind: [HashMap<String, Option<String>>; 4],
}

impl Names {
    /// The name to show for `id`: its name, else its short id (never blank).
    pub fn shown<'a>(&'a self, kind: Kind, id: &'a str) -> &'a str {
        match self.by_kind[kind.index()].get(id) {
            Some(Some(n)) if !n.trim().is_empty() => n,
            _ => short_id(id),
        }
    }

    /// The name, when one was read.
    pub fn get(&self, kind: Kind, id: &str) -> Option<&str> {
        self.by_kind[kind.index()]
            .get(id)
            .and_then(|n| n.as_deref())
            .filter(|n| !n.trim().is_empty())
    }

    /// Whether `id` was asked about (named or not).
    pub fn knows(&self, kind: Kind, id: &str) -> bool {
        self.by_kind[kind.index()].contains_key(id)
    }

    pub fn insert(&mut self, kind: Kind, id: String, name: Option<String>) {
        self.by_kind[kind.index()].insert(id, name);
    }

    /// Adds every entry of `other` (newer answers win).
    pub fn merge(&mut self, other: Names) {
        for (mine, theirs) in self.by_kind.iter_mut().zip(other.by_kind) {
            mine.extend(theirs);
        }
    }

    pub fn len(&self) -> usize {
        self.by_kind.iter().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every (kind, id, name) held.
    pub fn iter(&self) -> impl Iterator<Item = (Kind, &str, Option<&str>)> {
        Kind::ALL.into_iter().flat_map(move |k| {
            self.by_kind[k.index()]
                .iter()
                .map(move |(id, n)| (k, id.as_str(), n.as_deref()))
        })
    }
}

/// What a look-up found, and what went wrong on the way (the names it could read are kept).
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Every id asked about: named, or `None` when it cannot be named.
    pub names: Names,
    /// The first error met per kind (a 403, the network...), for the status line.
    pub problems: Vec<(Kind, Error)>,
}

/// One entity of a whole listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// A whole listing of a kind, sorted by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Listing {
    pub entities: Vec<Named>,
    /// The directory holds more than [`MAX_LIST_PAGES`] pages: only the first are here.
    pub partial: bool,
}

/// How a name matched what was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum How {
    /// The same name, ignoring case and accents.
    Exact,
    /// The name starts with what was typed.
    Prefix,
    /// The name (or one of its words) contains it.
    Contains,
    /// Nothing matched: one of the closest names (by edit distance).
    Close,
}

/// A name that matches what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub id: String,
    pub name: String,
    pub how: How,
}

/// Whatever a lookup remembers: names by id, kinds refused (with the error), whole listings.
#[derive(Default)]
struct Cache {
    names: Names,
    refused: HashMap<Kind, Error>,
    lists: HashMap<Kind, Arc<Listing>>,
}

/// The session's directory: bulk look-ups by id and name searches, cached. Share it as `Arc`.
pub struct Directory {
    client: Arc<Client>,
    limiter: Option<Arc<Limiter>>,
    cache: Mutex<Cache>,
    /// One look-up at a time, so that two pages with the same agents ask once.
    asking: tokio::sync::Mutex<()>,
    calls: AtomicU64,
}

impl std::fmt::Debug for Directory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Directory")
            .field("calls", &self.calls())
            .finish_non_exhaustive()
    }
}

impl Directory {
    /// A directory asking through `client`, paced by `limiter` when given (share the one of the
    /// work it serves, so that names come out of the same budget).
    pub fn new(client: Arc<Client>, limiter: Option<Arc<Limiter>>) -> Arc<Directory> {
        Arc::new(Directory {
            client,
            limiter,
            cache: Mutex::new(Cache::default()),
            asking: tokio::sync::Mutex::new(()),
            calls: AtomicU64::new(0),
        })
    }

    /// How many directory calls this directory made (each page is one; retries are the
    /// client's).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Every name known so far (a copy, for a screen to keep).
    pub fn known(&self) -> Names {
        self.cache.lock().unwrap().names.clone()
    }

    /// The cached name to show for `id` (the short id when unknown or unreadable).
    pub fn shown(&self, kind: Kind, id: &str) -> String {
        self.cache.lock().unwrap().names.shown(kind, id).to_string()
    }

    fn opts(&self) -> CallOpts<'_> {
        let o = CallOpts::default();
        match &self.limiter {
            Some(l) => o.limited(l),
            None => o,
        }
    }

    /// Names for `wanted` (kind, id) pairs: the cached ones, and the others asked in bulk, at
    /// most [`MAX_IDS`] a call, one call per kind for up to 100 new ids. Ids the directory does
    /// not list (deleted for good, unknown, not an id) and every id of a kind it refuses (403)
    /// are remembered as unnamed and never asked again; ids whose call failed otherwise (the
    /// network, a 5xx after retries) are unnamed this time and asked again next time.
    pub async fn lookup<'a>(&self, wanted: impl IntoIterator<Item = (Kind, &'a str)>) -> Found {
        let _one = self.asking.lock().await;
        let mut found = Found::default();
        let mut missing: [Vec<String>; 4] = Default::default();
        {
            let cache = self.cache.lock().unwrap();
            let mut seen = HashSet::new();
            for (kind, id) in wanted {
                let id = id.trim();
                if id.is_empty() || !seen.insert((kind, id)) {
                    continue;
                }
                if cache.names.knows(kind, id) {
                    let n = cache.names.get(kind, id).map(str::to_string);
                    found.names.insert(kind, id.to_string(), n);
                } else if cache.refused.contains_key(&kind) || !looks_like_id(id) {
                    found.names.insert(kind, id.to_string(), None);
                } else {
                    missing[kind.index()].push(id.to_string());
                }
            }
        }
        for kind in Kind::ALL {
            for chunk in missing[kind.index()].chunks(MAX_IDS) {
                match self.ask_ids(kind, chunk).await {
                    Ok(named) => {
                        let mut cache = self.cache.lock().unwrap();
                        for id in chunk {
                            let n = named.get(&id.to_ascii_lowercase()).cloned();
                            cache.names.insert(kind, id.clone(), n.clone());
                            found.names.insert(kind, id.clone(), n);
                        }
                    }
                    Err(e) => {
                        let refused = matches!(e, Error::Permission { .. });
                        {
                            let mut cache = self.cache.lock().unwrap();
                            for id in chunk {
                                if refused {
                                    cache.names.insert(kind, id.clone(), None);
                                }
                                found.names.insert(kind, id.clone(), None);
                            }
                            if refused {
                                cache.refused.insert(kind, e.clone());
                            }
                        }
                        if !found.problems.iter().any(|(k, _)| *k == kind) {
                            found.problems.push((kind, e));
                        }
                        if refused {
                            // The rest of the kind is refused too: remembered, not asked.
                            let mut cache = self.cache.lock().unwrap();
                            for id in &missing[kind.index()] {
                                cache.names.insert(kind, id.clone(), None);
                                found.names.insert(kind, id.clone(), None);
                            }
                            break;
                        }
                    }
                }
            }
        }
        found
    }

    /// One bulk call (and its further pages, if the server pages smaller): names by lowercase
    /// id.
    async fn ask_ids(&self, kind: Kind, ids: &[String]) -> Result<HashMap<String, String>> {
        let mut named = HashMap::new();
        let mut page = 1;
        loop {
            let ask = DirectoryAsk {
                ids,
                name: None,
                page_size: MAX_IDS as u32,
                page_number: page,
            };
            self.calls.fetch_add(1, Ordering::Relaxed);
            let p = self.client.directory_page(kind, &ask, self.opts()).await?;
            let got = p.entities.len();
            let go_on = more(&p, page);
            for e in p.entities {
                if let (Some(id), Some(name)) = (e.id, e.name) {
                    named.insert(id.to_ascii_lowercase(), name);
                }
            }
            if got == 0 || !go_on || page >= MAX_ID_PAGES {
                return Ok(named);
            }
            page += 1;
        }
    }

    /// Every entity of `kind`, sorted by name: read once a session (`ceil(total / 500)` calls,
    /// at most [`MAX_LIST_PAGES`]), then from the cache. Its names also name ids.
    pub async fn names(&self, kind: Kind) -> Result<Arc<Listing>> {
        let _one = self.asking.lock().await;
        {
            let cache = self.cache.lock().unwrap();
            if let Some(l) = cache.lists.get(&kind) {
                return Ok(l.clone());
            }
            if let Some(e) = cache.refused.get(&kind) {
                return Err(e.clone());
            }
        }
        let mut entities = Vec::new();
        let mut page = 1;
        let partial = loop {
            let ask = DirectoryAsk {
                ids: &[],
                name: None,
                page_size: LIST_PAGE,
                page_number: page,
            };
            self.calls.fetch_add(1, Ordering::Relaxed);
            let p = match self.client.directory_page(kind, &ask, self.opts()).await {
                Ok(p) => p,
                Err(e) => {
                    if matches!(e, Error::Permission { .. }) {
                        self.cache.lock().unwrap().refused.insert(kind, e.clone());
                    }
                    return Err(e);
                }
            };
            let got = p.entities.len();
            let go_on = more(&p, page);
            entities.extend(p.entities.into_iter().filter_map(|e| {
                Some(Named {
                    id: e.id?,
                    name: e.name.filter(|n| !n.trim().is_empty())?,
                })
            }));
            if got == 0 || !go_on {
                break false;
            }
            if page >= MAX_LIST_PAGES {
                break true;
            }
            page += 1;
        };
        entities.sort_by(|a, b| fold(&a.name).cmp(&fold(&b.name)).then(a.id.cmp(&b.id)));
        entities.dedup_by(|a, b| a.id == b.id);
        let listing = Arc::new(Listing { entities, partial });
        let mut cache = self.cache.lock().unwrap();
        for e in &listing.entities {
            cache.names.insert(kind, e.id.clone(), Some(e.name.clone()));
        }
        cache.lists.insert(kind, listing.clone());
        Ok(listing)
    }

    /// The entities of `kind` whose name matches `typed` (ignoring case and accents): the exact
    /// ones if any, else those that start with it, then those containing it; when nothing
    /// matches, the 5 closest names ([`How::Close`]), so that an error can offer them.
    pub async fn resolve(&self, kind: Kind, typed: &str) -> Result<Vec<Match>> {
        let listing = self.names(kind).await?;
        Ok(matches(&listing.entities, typed))
    }

    /// Names of `kind` that start with `prefix` (ignoring case and accents), else those with a
    /// word that starts with it (`gom` for "Elena Gómez"), for completion: from the cached
    /// listing (read once).
    pub async fn complete(&self, kind: Kind, prefix: &str) -> Result<Vec<String>> {
        let listing = self.names(kind).await?;
        Ok(completions(&listing.entities, prefix))
    }
}

/// The names that complete `prefix` (see [`Directory::complete`]), each once.
pub fn completions(entities: &[Named], prefix: &str) -> Vec<String> {
    let p = fold(prefix);
    let named = |keep: &dyn Fn(&str) -> bool| {
        let mut out: Vec<String> = entities
            .iter()
            .filter(|e| keep(&fold(&e.name)))
            .map(|e| e.name.clone())
            .collect();
        out.dedup();
        out
    };
    let out = named(&|n| n.starts_with(&p));
    if out.is_empty() {
        named(&|n| super::search::word_starts(n, &p))
    } else {
        out
    }
}

/// Whether a listing page says more pages follow.
fn more(p: &crate::genesys::model::DirectoryPage, page: u32) -> bool {
    match (p.page_count, p.total, p.page_size) {
        (Some(count), _, _) => u64::from(page) < count,
        (None, Some(total), Some(size)) if size > 0 => u64::from(page) * size < total,
        _ => false,
    }
}

/// Ids are letters, digits and dashes: anything else is never sent.
fn looks_like_id(id: &str) -> bool {
    id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The matches of `typed` among `entities` (see [`Directory::resolve`]).
pub fn matches(entities: &[Named], typed: &str) -> Vec<Match> {
    let t = fold(typed.trim());
    let make = |e: &Named, how| Match {
        id: e.id.clone(),
        name: e.name.clone(),
        how,
    };
    let exact: Vec<Match> = entities
        .iter()
        .filter(|e| fold(&e.name) == t)
        .map(|e| make(e, How::Exact))
        .collect();
    if !exact.is_empty() || t.is_empty() {
        return exact;
    }
    let mut near: Vec<Match> = entities
        .iter()
        .filter_map(|e| {
            let n = fold(&e.name);
            if n.starts_with(&t) {
                Some(make(e, How::Prefix))
            } else if n.contains(&t) {
                Some(make(e, How::Contains))
            } else {
                None
            }
        })
        .collect();
    near.sort_by_key(|m| m.how);
    if !near.is_empty() {
        return near;
    }
    let mut close: Vec<(usize, &Named)> = entities
        .iter()
        .map(|e| (distance(&fold(&e.name), &t), e))
        .collect();
    close.sort_by_key(|(d, e)| (*d, fold(&e.name)));
    close
        .into_iter()
        .take(5)
        .map(|(_, e)| make(e, How::Close))
        .collect()
}

/// Lowercase, without accents: `Gómez` is `gomez`, `Müller` is `muller`.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'ď' | 'đ' => 'd',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => 'e',
            'ğ' => 'g',
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => 'i',
            'ł' | 'ľ' => 'l',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => 'o',
            'ř' => 'r',
            'ś' | 'š' | 'ş' | 'ș' => 's',
            'ť' | 'ţ' | 'ț' => 't',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => 'u',
            'ý' | 'ÿ' => 'y',
            'ź' | 'ż' | 'ž' => 'z',
            c => c,
        })
        .collect()
}

/// Levenshtein distance by characters (names are short).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_start_the_name_else_a_word_of_it_each_once() {
        let e = named(&[
            ("1", "Elena Gómez"),
            ("2", "Farid Andersen"),
            ("3", "Farid Andersen"),
            ("4", "Jonas Gómez"),
        ]);
        assert_eq!(completions(&e, "far"), ["Farid Andersen"]);
        assert_eq!(completions(&e, "gom"), ["Elena Gómez", "Jonas Gómez"]);
        assert_eq!(completions(&e, "ELENA g"), ["Elena Gómez"]);
        assert!(completions(&e, "zz").is_empty());
    }

    fn named(list: &[(&str, &str)]) -> Vec<Named> {
        list.iter()
            .map(|(id, n)| Named {
                id: id.to_string(),
                name: n.to_string(),
            })
            .collect()
    }

    #[test]
    fn an_unreadable_name_shows_the_short_id_never_blank() {
        let mut n = Names::default();
        n.insert(Kind::User, "0a1b2c3d-4e5f".into(), None);
        n.insert(Kind::Queue, "q1".into(), Some("  ".into()));
        n.insert(Kind::Queue, "q2".into(), Some("Billing".into()));
        assert_eq!(n.shown(Kind::User, "0a1b2c3d-4e5f"), "0a1b2c3d");
        assert_eq!(n.shown(Kind::User, "never-asked-id"), "never-as");
        assert_eq!(n.shown(Kind::Queue, "q1"), "q1");
        assert_eq!(n.shown(Kind::Queue, "q2"), "Billing");
        // Kinds do not mix.
        assert_eq!(n.shown(Kind::Wrapup, "q2"), "q2");
        assert_eq!(n.get(Kind::Queue, "q1"), None);
    }

    #[test]
    fn names_match_exactly_then_by_start_then_inside_then_closest() {
        let e = named(&[
            ("1", "Support - Tier 1"),
            ("2", "Support - Tier 2"),
            ("3", "Billing"),
            ("4", "Ana Gómez"),
        ]);
        let m = matches(&e, "support - tier 1");
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].id.as_str(), m[0].how), ("1", How::Exact));
        let m = matches(&e, "supp");
        assert_eq!(
            m.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            ["1", "2"]
        );
        assert!(m.iter().all(|m| m.how == How::Prefix));
        let m = matches(&e, "gomez");
        assert_eq!((m[0].id.as_str(), m[0].how), ("4", How::Contains));
        let m = matches(&e, "Biling");
        assert_eq!((m[0].id.as_str(), m[0].how), ("3", How::Close));
        assert!(m.len() <= 5);
    }

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(fold("Gómez"), "gomez");
        assert_eq!(fold("MÜLLER"), "muller");
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
