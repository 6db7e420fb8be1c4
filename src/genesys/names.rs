//! The query language's names resolved to the ids the analytics query filters on, through the
//! session's [`Directory`] (its listings are read once a session and cached; Tab completion in
//! the form reads the same cache).
//!
//! Cost in requests: the first queue, agent or wrap-up name of a session reads that directory's
//! listing (`ceil(total / 500)` calls); every later name and query costs nothing.

use super::directory::{Directory, Kind, Named};
use super::search::{self, Entity, Query, QueryError, Resolved, resolve};

/// The directory kind of a query directory.
pub fn kind(d: search::Directory) -> Kind {
    match d {
        search::Directory::Queues => Kind::Queue,
        search::Directory::Users => Kind::User,
        search::Directory::WrapupCodes => Kind::Wrapup,
    }
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

/// Resolves the query's names (see [`resolve`]) against the directories' listings.
pub async fn resolve_names(
    dir: &Directory,
    text: &str,
    q: &Query,
) -> Result<Resolved, ResolveError> {
    let mut lists = Vec::new();
    for d in [
        search::Directory::Queues,
        search::Directory::Users,
        search::Directory::WrapupCodes,
    ] {
        if !q.names(d).is_empty() {
            let l = dir.names(kind(d)).await.map_err(ResolveError::Api)?;
            lists.push((d, l));
        }
    }
    resolve(text, q, |d, _| {
        lists
            .iter()
            .find(|(k, _)| *k == d)
            .map(|(_, l)| l.entities.iter().map(entity).collect())
            .unwrap_or_default()
    })
    .map_err(ResolveError::Query)
}

fn entity(n: &Named) -> Entity {
    Entity {
        id: n.id.clone(),
        name: n.name.clone(),
    }
}
