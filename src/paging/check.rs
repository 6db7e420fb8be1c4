//! What the pager checks of every page: is it what the API said it would be?

use std::collections::HashSet;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::genesys::Error;
use crate::genesys::records::Page;

/// Conversation ids seen, as 64-bit hashes: a part's set stays small (about 16 bytes an id,
/// for up to the 100,000 paging reaches) whatever the ids look like.
#[derive(Debug, Default)]
pub(crate) struct IdSet(HashSet<u64>);

impl IdSet {
    fn key(id: &str) -> u64 {
        // Fixed keys: the same id hashes the same in every set.
        let mut h = DefaultHasher::new();
        id.hash(&mut h);
        h.finish()
    }

    /// Adds `id`; false when it was there already.
    pub(crate) fn insert(&mut self, id: &str) -> bool {
        self.0.insert(Self::key(id))
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.0.contains(&Self::key(id))
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }
}

/// What is wrong with a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fault {
    /// No `totalHits`: nothing to check the page against.
    NoTotal,
    /// Fewer records than the page must hold (none at all: empty).
    Short { got: usize, want: usize },
    /// Only conversations delivered before.
    Repeated,
    /// Not even the page's outline could be read.
    Unreadable(String),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::NoTotal => f.write_str("came without totalHits"),
            Fault::Short { got: 0, .. } => f.write_str("came back empty"),
            Fault::Short { got, want } => write!(f, "held {got} of {want} conversations"),
            Fault::Repeated => f.write_str("repeated conversations delivered before"),
            Fault::Unreadable(why) => write!(f, "could not be read ({why})"),
        }
    }
}

/// What is wrong with `page`, which must hold `want` records (`None`: any number), given the
/// conversations `seen` before it: `Ok(None)` when nothing is. An error other than a page that
/// cannot be read is the caller's to handle.
pub(crate) fn fault(
    page: &Result<Page, Error>,
    want: Option<usize>,
    seen: &IdSet,
) -> Result<Option<Fault>, Error> {
    let p = match page {
        Ok(p) => p,
        Err(Error::Decode { detail, .. }) => return Ok(Some(Fault::Unreadable(detail.clone()))),
        Err(e) => return Err(e.clone()),
    };
    if p.total_hits.is_none() {
        return Ok(Some(Fault::NoTotal));
    }
    if let Some(want) = want
        && p.len() < want
    {
        return Ok(Some(Fault::Short { got: p.len(), want }));
    }
    let mut ids = p.conversations().map(|c| c.conversation_id.as_str());
    if p.conversations().next().is_some() && ids.all(|id| seen.contains(id)) {
        return Ok(Some(Fault::Repeated));
    }
    Ok(None)
}

/// How many of `page`'s conversations were not seen before: of two answers for the same page,
/// the one with more is the better.
pub(super) fn fresh(page: &Result<Page, Error>, seen: &IdSet) -> usize {
    page.as_ref().map_or(0, |p| {
        p.conversations()
            .filter(|c| !seen.contains(&c.conversation_id))
            .count()
    })
}

/// What stayed wrong over a whole query, for its final report.
#[derive(Debug, Default)]
pub(super) struct Shortfall {
    /// Conversations the API counted but did not deliver.
    pub(super) missing: u64,
    /// Parts whose size the API never said.
    pub(super) unverified: Vec<String>,
    /// Where: pages that stayed wrong, records that could not be read.
    pub(super) places: Vec<String>,
}

/// The most places named in a report; the rest are counted.
const PLACES_SHOWN: usize = 5;

impl Shortfall {
    pub(super) fn is_empty(&self) -> bool {
        self.missing == 0 && self.unverified.is_empty()
    }

    /// The error that ends a query with this shortfall.
    pub(super) fn error(&self) -> Error {
        let mut places: Vec<&str> = self.places.iter().map(String::as_str).collect();
        let more = places.len().saturating_sub(PLACES_SHOWN);
        places.truncate(PLACES_SHOWN);
        let mut detail = places.join("; ");
        if more > 0 {
            detail.push_str(&format!("; and {more} more"));
        }
        if self.missing == 0 {
            let parts = self.unverified.join(", ");
            return Error::Incomplete {
                missing: None,
                detail: if detail.is_empty() {
                    parts
                } else {
                    format!("{parts}: {detail}")
                },
            };
        }
        if !self.unverified.is_empty() {
            detail.push_str(&format!(
                "; the API did not say how many {} holds",
                self.unverified.join(", ")
            ));
        }
        Error::Incomplete {
            missing: Some(self.missing),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::records;

    fn page(ids: &[&str], total: Option<u64>) -> Result<Page, Error> {
        let convs: Vec<String> = ids
            .iter()
            .map(|id| format!(r#"{{"conversationId":"{id}"}}"#))
            .collect();
        let total = total.map_or(String::new(), |t| format!(r#""totalHits":{t},"#));
        Ok(records::page(&format!(
            r#"{{{total}"conversations":[{}]}}"#,
            convs.join(",")
        ))
        .unwrap())
    }

    #[test]
    fn pages_that_cannot_be_right_are_told_apart() {
        let mut seen = IdSet::default();
        assert!(seen.insert("a") && !seen.insert("a"));
        let ok = page(&["b", "c"], Some(4));
        assert_eq!(fault(&ok, Some(2), &seen).unwrap(), None);
        assert_eq!(
            fault(&page(&["b"], Some(4)), Some(2), &seen).unwrap(),
            Some(Fault::Short { got: 1, want: 2 })
        );
        assert_eq!(
            fault(&page(&[], Some(4)), Some(2), &seen)
                .unwrap()
                .unwrap()
                .to_string(),
            "came back empty"
        );
        assert_eq!(
            fault(&page(&["b", "c"], None), Some(2), &seen).unwrap(),
            Some(Fault::NoTotal)
        );
        assert_eq!(
            fault(&page(&["a"], Some(4)), Some(1), &seen).unwrap(),
            Some(Fault::Repeated)
        );
        // Some repeated, some new: pages shift when conversations arrive; not a fault.
        assert_eq!(
            fault(&page(&["a", "d"], Some(4)), Some(2), &seen).unwrap(),
            None
        );
        assert_eq!(fresh(&page(&["a", "d"], Some(4)), &seen), 1);
        let unreadable: Result<Page, Error> = Err(Error::Decode {
            what: "p".into(),
            detail: "expected a list".into(),
            context_id: None,
        });
        assert!(matches!(
            fault(&unreadable, Some(2), &seen).unwrap(),
            Some(Fault::Unreadable(_))
        ));
        let other: Result<Page, Error> = Err(Error::Network {
            message: "x".into(),
        });
        assert!(fault(&other, Some(2), &seen).is_err());
    }

    #[test]
    fn the_report_says_how_many_and_where() {
        let mut s = Shortfall::default();
        assert!(s.is_empty());
        s.missing = 7;
        for n in 0..7 {
            s.places.push(format!("page {n} came back empty"));
        }
        let e = s.error().to_string();
        assert!(e.starts_with("7 conversation(s) missing"), "{e}");
        assert!(e.contains("page 4 came back empty; and 2 more"), "{e}");
        let s = Shortfall {
            unverified: vec!["2026-11-01/2026-11-02".into()],
            ..Default::default()
        };
        assert!(matches!(s.error(), Error::Incomplete { missing: None, .. }));
    }
}
