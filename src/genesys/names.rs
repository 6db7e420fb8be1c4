//! Names of queues, agents and wrap-up codes resolved to the ids the analytics query filters
//! on, through the directory listings, with a cache for the session (Tab completion reads it).
//!
//! Kept minimal and apart so that a fuller directory client can replace it: what the search
//! needs is [`Names::resolve`] and [`Names::known`].
//!
//! Cost in requests: a queue or wrap-up code name is one `GET …?name=NAME*` (the API matches the
//! start of the name); a name it does not find costs the whole listing once (to propose the
//! closest names), at most [`MAX_PAGES`] pages of [`PAGE_SIZE`]. Users have no name filter: the
//! first agent name costs the user listing once, then nothing.

use std::collections::HashMap;

use serde::Deserialize;

use super::client::{CallOpts, Client};
use super::search::{Directory, Entity, Query, QueryError, Resolved, resolve};

/// Entries per listing page (the API's largest).
pub const PAGE_SIZE: u32 = 500;
/// A listing is read to this many pages at most (10,000 entries).
pub const MAX_PAGES: u32 = 20;

/// One page of a directory listing, as the API sends it (`QueueEntityListing`, …).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    #[serde(default)]
    pub entities: Vec<Named>,
    #[serde(default)]
    pub page_count: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Named {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// Why a search could not be made into a query.
#[derive(Debug)]
pub enum ResolveError {
    /// A name matches nothing, or several things: the person fixes the query.
    Query(QueryError),
    /// The directory could not be read.
    Api(super::Error),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolveError::Query(e) => e.fmt(f),
            ResolveError::Api(e) => write!(f, "looking the names up: {e}"),
        }
    }
}

impl std::error::Error for ResolveError {}

/// The directory entries read so far.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Whole listings, by directory.
    all: HashMap<Directory, Vec<Entity>>,
    /// Listings narrowed by a name (queues and wrap-up codes), by directory and name.
    by_name: HashMap<(Directory, String), Vec<Entity>>,
}

impl Names {
    /// Resolves the query's names (see [`resolve`]), reading the directories as needed.
    pub async fn resolve(
        &mut self,
        client: &Client,
        text: &str,
        q: &Query,
        opts: CallOpts<'_>,
    ) -> Result<Resolved, ResolveError> {
        for dir in [Directory::Queues, Directory::Users, Directory::WrapupCodes] {
            for name in q.names(dir) {
                self.candidates(client, dir, name, opts)
                    .await
                    .map_err(ResolveError::Api)?;
            }
        }
        resolve(text, q, |dir, name| self.cached(dir, name)).map_err(ResolveError::Query)
    }

    /// The names known in a directory (for completion): whole listings and narrowed ones.
    pub fn known(&self, dir: Directory) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .all
            .get(&dir)
            .into_iter()
            .flatten()
            .chain(
                self.by_name
                    .iter()
                    .filter(|((d, _), _)| *d == dir)
                    .flat_map(|(_, v)| v),
            )
            .map(|e| e.name.as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether the whole listing of `dir` has been read.
    pub fn has_all(&self, dir: Directory) -> bool {
        self.all.contains_key(&dir)
    }

    /// Reads the whole listing of `dir` (once).
    pub async fn load_all(
        &mut self,
        client: &Client,
        dir: Directory,
        opts: CallOpts<'_>,
    ) -> super::Result<()> {
        if let std::collections::hash_map::Entry::Vacant(v) = self.all.entry(dir) {
            v.insert(listing(client, dir, None, opts).await?);
        }
        Ok(())
    }

    /// The entries `name` may designate, read from the API the first time.
    async fn candidates(
        &mut self,
        client: &Client,
        dir: Directory,
        name: &str,
        opts: CallOpts<'_>,
    ) -> super::Result<()> {
        if self.all.contains_key(&dir) {
            return Ok(());
        }
        if dir == Directory::Users {
            return self.load_all(client, dir, opts).await;
        }
        let key = (dir, name.to_lowercase());
        if let std::collections::hash_map::Entry::Vacant(v) = self.by_name.entry(key.clone()) {
            v.insert(listing(client, dir, Some(name), opts).await?);
        }
        if self.by_name[&key].is_empty() {
            // Nothing starts with it: the whole listing, to propose the closest names (and to
            // match it without its accents or case, which the API's filter does not fold).
            self.load_all(client, dir, opts).await?;
        }
        Ok(())
    }

    fn cached(&self, dir: Directory, name: &str) -> Vec<Entity> {
        if let Some(all) = self.all.get(&dir) {
            return all.clone();
        }
        self.by_name
            .get(&(dir, name.to_lowercase()))
            .cloned()
            .unwrap_or_default()
    }
}

/// Every entry of a listing (narrowed by `name`), page by page, bounded.
async fn listing(
    client: &Client,
    dir: Directory,
    name: Option<&str>,
    opts: CallOpts<'_>,
) -> super::Result<Vec<Entity>> {
    let mut out = Vec::new();
    for page in 1..=MAX_PAGES {
        let l = client.directory_page(dir, name, page, opts).await?;
        let n = l.entities.len();
        out.extend(l.entities.into_iter().map(|e| Entity {
            name: e.name.unwrap_or_else(|| e.id.clone()),
            id: e.id,
        }));
        let last = l.page_count.map_or(n < PAGE_SIZE as usize, |c| page >= c);
        if last || n == 0 {
            break;
        }
    }
    Ok(out)
}
