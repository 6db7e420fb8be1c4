//! The detail pane's state: the attributes fetched per conversation (cached), the debounce that
//! keeps a fast-moving selection from firing a request per row, and the scroll position.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::genesys::Error;
use crate::genesys::model::Conversation;

use super::event::Effect;
use super::sanitize::sanitize;

pub mod anatomy;
pub mod document;
use document::Document;

/// How many conversations' answers are kept.
pub const CACHE_SIZE: usize = 2000;

/// How long the selection must rest before its attributes are fetched.
pub const DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(150);

/// A conversation as read at one moment: decoded, and its JSON exactly as the API sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub conv: Arc<Conversation>,
    /// The body as received (for the raw view).
    pub raw: Arc<str>,
    /// When it was read (attributes change while the conversation goes on).
    pub at: DateTime<Utc>,
}

/// What a fetch brings back: the conversation and its JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct Fresh {
    pub conv: Conversation,
    pub raw: String,
}

impl Fresh {
    /// For tests and callers that only have the decoded conversation.
    pub fn from_conversation(conv: Conversation) -> Fresh {
        let raw = serde_json::to_string(&conv).unwrap_or_default();
        Fresh { conv, raw }
    }

    pub fn snapshot(self, at: DateTime<Utc>) -> Snapshot {
        Snapshot {
            conv: Arc::new(self.conv),
            raw: self.raw.into(),
            at,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Fetched {
    Loaded(Snapshot),
    /// The error in words a user can act on (sanitised: it may quote the API).
    Failed(String),
}

/// What can be selected in the detail pane (and copied with `y`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Conversation(String),
    Participant(String),
    Attribute {
        participant: String,
        key: String,
        value: String,
    },
    /// A line of the conversation's anatomy (a transfer, a wrap-up, a participant's metrics):
    /// `y` copies its text.
    Line(String),
}

/// An item and the lines it takes in the pane (first and last, inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSpan {
    pub item: Item,
    pub first: usize,
    pub last: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for the selection to rest.
    Debouncing,
    /// The request is in flight.
    Fetching,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: String,
    pub generation: u64,
    pub stage: Stage,
    /// The fetch waits before a retry: until when, and why (sanitised).
    pub wait: Option<(DateTime<Utc>, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub cache: HashMap<String, Fetched>,
    /// Cached ids, oldest first.
    cached_order: VecDeque<String>,
    pub pending: Option<Pending>,
    /// Bumped for every new fetch; results of older generations are not for the current one.
    pub generation: u64,
    /// The conversation shown (the list's selection as last seen, or one opened by id).
    pub current: Option<String>,
    /// The first line shown.
    pub scroll: usize,
    /// The selected item (the conversation, a participant, an attribute): what `y` copies.
    pub cursor: usize,
    /// What the pane shows, made again after every update.
    pub document: Document,
    /// The long attribute values unfolded (Enter), by (participant id, key), with the first line
    /// shown of each (a value longer than the pane has room for scrolls in a box of its own);
    /// forgotten when another conversation is shown.
    pub unfolded: HashMap<(String, String), usize>,
}

impl Detail {
    /// The selection moved (or not): schedule a fetch after the debounce unless cached.
    pub fn select(&mut self, id: Option<&str>) -> Vec<Effect> {
        if self.current.as_deref() == id {
            return vec![];
        }
        self.current = id.map(str::to_string);
        self.scroll = 0;
        self.cursor = 0;
        self.unfolded.clear();
        let mut fx = Vec::new();
        if matches!(&self.pending, Some(p) if p.stage == Stage::Fetching) {
            // Moving on cancels the request for the row left behind.
            fx.push(Effect::CancelFetch);
        }
        self.pending = None;
        let Some(id) = id else { return fx };
        if self.cache.contains_key(id) {
            return fx;
        }
        self.generation += 1;
        self.pending = Some(Pending {
            id: id.to_string(),
            generation: self.generation,
            stage: Stage::Debouncing,
            wait: None,
        });
        fx.push(Effect::Debounce {
            generation: self.generation,
        });
        fx
    }

    /// The debounce of `generation` elapsed: fetch if the selection is still the same.
    pub fn debounced(&mut self, generation: u64) -> Vec<Effect> {
        match &mut self.pending {
            Some(p) if p.generation == generation && p.stage == Stage::Debouncing => {
                p.stage = Stage::Fetching;
                vec![Effect::Fetch {
                    id: p.id.clone(),
                    generation,
                }]
            }
            _ => vec![],
        }
    }

    /// The fetch of `generation` waits before retrying (a rate limit, a server error).
    pub fn waiting(&mut self, generation: u64, until: DateTime<Utc>, reason: String) {
        if let Some(p) = self.pending.as_mut().filter(|p| p.generation == generation) {
            p.wait = Some((until, reason));
        }
    }

    /// A fetch finished. Successes are cached whatever their generation (they are still
    /// true); errors only when they answer the current request.
    pub fn fetched(
        &mut self,
        id: &str,
        generation: u64,
        result: Result<Fresh, Error>,
        at: DateTime<Utc>,
    ) {
        let current = matches!(&self.pending, Some(p) if p.generation == generation);
        let entry = match result {
            Ok(f) => Fetched::Loaded(f.snapshot(at)),
            Err(e) if current => Fetched::Failed(sanitize(&e.to_string())),
            Err(_) => return,
        };
        self.remember(id, entry);
        if current {
            self.pending = None;
        }
    }

    /// Stores a newer reading of a conversation (from a watch refetch); returns the one it
    /// replaces, if any.
    pub fn update_snapshot(&mut self, id: &str, snap: Snapshot) -> Option<Snapshot> {
        let old = match self.cache.get(id) {
            Some(Fetched::Loaded(s)) => Some(s.clone()),
            _ => None,
        };
        self.remember(id, Fetched::Loaded(snap));
        if matches!(&self.pending, Some(p) if p.id == id) {
            self.pending = None;
        }
        old
    }

    /// The last good reading of a conversation.
    pub fn snapshot(&self, id: &str) -> Option<&Snapshot> {
        match self.cache.get(id) {
            Some(Fetched::Loaded(s)) => Some(s),
            _ => None,
        }
    }

    /// Caches an answer, forgetting the oldest beyond [`CACHE_SIZE`] (browsing a long list
    /// must not grow without bound).
    fn remember(&mut self, id: &str, entry: Fetched) {
        if self.cache.insert(id.to_string(), entry).is_none() {
            self.cached_order.push_back(id.to_string());
        }
        while self.cached_order.len() > CACHE_SIZE {
            if let Some(old) = self.cached_order.pop_front()
                && Some(&old) != self.current.as_ref()
            {
                self.cache.remove(&old);
            }
        }
    }

    /// `r`: forget the cached answer and fetch again now (no debounce: the user asked).
    pub fn refetch(&mut self) -> Vec<Effect> {
        let Some(id) = self.current.clone() else {
            return vec![];
        };
        self.cache.remove(&id);
        let mut fx = vec![Effect::CancelFetch];
        self.generation += 1;
        self.pending = Some(Pending {
            id: id.clone(),
            generation: self.generation,
            stage: Stage::Fetching,
            wait: None,
        });
        fx.push(Effect::Fetch {
            id,
            generation: self.generation,
        });
        fx
    }

    /// Enter on an attribute: shows its value whole, or folds it again. Returns whether the
    /// selected item is an attribute.
    pub fn toggle_fold(&mut self) -> bool {
        let Some(ItemSpan {
            item: Item::Attribute {
                participant, key, ..
            },
            ..
        }) = self.document.selected(self.cursor)
        else {
            return false;
        };
        let k = (participant.clone(), key.clone());
        if self.unfolded.remove(&k).is_none() {
            self.unfolded.insert(k, 0);
        }
        true
    }

    /// Scrolls the box of the unfolded value of item `item` by `delta` lines, within the value.
    /// Returns whether it moved (false when the item has no box, or it is at that end).
    pub fn scroll_value(&mut self, item: usize, delta: isize) -> bool {
        let Some(b) = self.document.value_box(item) else {
            return false;
        };
        let to = b.offset.saturating_add_signed(delta).min(b.max_offset());
        if to == b.offset {
            return false;
        }
        let Some(ItemSpan {
            item: Item::Attribute {
                participant, key, ..
            },
            ..
        }) = self.document.items.get(item)
        else {
            return false;
        };
        self.unfolded.insert((participant.clone(), key.clone()), to);
        true
    }

    pub fn shown(&self) -> Option<&Fetched> {
        self.current.as_deref().and_then(|id| self.cache.get(id))
    }

    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures::{fresh, live, now as at};

    fn conv(id: &str) -> Fresh {
        fresh(live(id, &[]))
    }

    #[test]
    fn fetch_waits_for_the_selection_to_rest() {
        let mut d = Detail::default();
        assert_eq!(
            d.select(Some("a")),
            vec![Effect::Debounce { generation: 1 }]
        );
        // Moving on before the debounce elapses: the first never fetches.
        assert_eq!(
            d.select(Some("b")),
            vec![Effect::Debounce { generation: 2 }]
        );
        assert_eq!(d.debounced(1), vec![]);
        assert_eq!(
            d.debounced(2),
            vec![Effect::Fetch {
                id: "b".into(),
                generation: 2
            }]
        );
        assert!(d.is_busy());
    }

    #[test]
    fn the_cache_is_bounded() {
        let mut d = Detail::default();
        for i in 0..CACHE_SIZE + 10 {
            let id = format!("c{i}");
            d.fetched(&id, 0, Ok(conv(&id)), at());
        }
        assert_eq!(d.cache.len(), CACHE_SIZE);
        assert!(!d.cache.contains_key("c0"));
        assert!(d.cache.contains_key(&format!("c{}", CACHE_SIZE + 9)));
    }

    #[test]
    fn moving_on_cancels_the_fetch_in_flight() {
        let mut d = Detail::default();
        d.select(Some("a"));
        d.debounced(1);
        let fx = d.select(Some("b"));
        assert_eq!(
            fx,
            vec![Effect::CancelFetch, Effect::Debounce { generation: 2 }]
        );
    }

    #[test]
    fn answers_are_cached_per_conversation() {
        let mut d = Detail::default();
        d.select(Some("a"));
        d.debounced(1);
        d.fetched("a", 1, Ok(conv("a")), at());
        assert!(matches!(d.shown(), Some(Fetched::Loaded(..))));
        assert!(!d.is_busy());
        d.select(Some("b"));
        // Back to a: cached, no request.
        assert_eq!(d.select(Some("a")), vec![]);
        assert!(matches!(d.shown(), Some(Fetched::Loaded(..))));
    }

    #[test]
    fn errors_are_kept_in_words_and_refetch_retries() {
        let mut d = Detail::default();
        d.select(Some("a"));
        d.debounced(1);
        let err = Error::NotFound {
            what: "conversation a".into(),
            context_id: None,
        };
        d.fetched("a", 1, Err(err), at());
        match d.shown() {
            Some(Fetched::Failed(m)) => assert!(m.contains("was not found"), "{m}"),
            other => panic!("{other:?}"),
        }
        let fx = d.refetch();
        assert_eq!(
            fx,
            vec![
                Effect::CancelFetch,
                Effect::Fetch {
                    id: "a".into(),
                    generation: 2
                }
            ]
        );
        assert!(d.shown().is_none());
    }

    #[test]
    fn a_stale_error_is_dropped_but_a_stale_success_is_kept() {
        let mut d = Detail::default();
        d.select(Some("a"));
        d.debounced(1);
        d.select(Some("b"));
        d.fetched(
            "a",
            1,
            Err(Error::Network {
                message: "x".into(),
            }),
            at(),
        );
        assert!(!d.cache.contains_key("a"));
        d.fetched("a", 1, Ok(conv("a")), at());
        assert!(d.cache.contains_key("a"));
        // b's debounce is still pending.
        assert_eq!(d.pending.as_ref().unwrap().id, "b");
    }
}
