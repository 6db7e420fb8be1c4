//! The directories analytics data points into by id: users (`userId`), queues (`queueId`),
//! wrap-up codes (`wrapUpCode`) and divisions (`divisionIds`), with their real shapes
//! (`UserEntityListing`/`User`, `QueueEntityListing`/`Queue`, `WrapupCodeEntityListing`/
//! `WrapupCode`, `AuthzDivisionEntityListing`/`AuthzDivision`).
//!
//! Each is a paged listing (`pageSize` 25 by default, 500 at most; `pageNumber`) that takes many
//! ids at once (`?id=a&id=b`, or comma-separated; 100 at most; unknown ids are left out), and each
//! entity is served by id (an unknown id is a 404). Queues, wrap-up codes and divisions also take
//! `name`: a case-insensitive match of the start of the name, `*` a wildcard at either end (the
//! SDK: "leading and trailing asterisks allowed"). Deleted users are left out of listings unless
//! `state=deleted` (or `any`) and answer 404 by id unless asked with that state.
//!
//! Users and divisions need no permission; queues need `routing:queue:view` and wrap-up codes
//! `routing:wrapupCode:view` (`--forbid queues,wrapupcodes` refuses them).

// Helpers return `Result<_, Response>` so that handlers can bail out with the API's error.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Router;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use super::data::{Dataset, is_home_division};
use super::server::{Area, Ctx, St, api_error, bad_request, guard, json_ok, parse_form};

/// The most ids one listing request takes.
const MAX_IDS: usize = 100;
const PAGE_DEFAULT: usize = 25;
const PAGE_MAX: usize = 500;

pub(crate) fn routes() -> Router<Arc<St>> {
    Router::new()
        .route("/api/v2/users", get(users))
        .route("/api/v2/users/{userId}", get(user))
        .route("/api/v2/routing/queues", get(queues))
        .route("/api/v2/routing/queues/{queueId}", get(queue))
        .route("/api/v2/routing/wrapupcodes", get(wrapupcodes))
        .route("/api/v2/routing/wrapupcodes/{codeId}", get(wrapupcode))
        .route("/api/v2/authorization/divisions", get(divisions))
        .route(
            "/api/v2/authorization/divisions/{divisionId}",
            get(division),
        )
}

/// One kind of entity: where it lives, which area guards it, how it is shown.
struct Kind {
    path: &'static str,
    area: Area,
    /// What an unknown id is called in the 404.
    noun: &'static str,
    /// Whether `name` filters it.
    by_name: bool,
}

const USERS: Kind = Kind {
    path: "/api/v2/users",
    area: Area::Directory,
    noun: "user",
    by_name: false,
};
const QUEUES: Kind = Kind {
    path: "/api/v2/routing/queues",
    area: Area::Queues,
    noun: "queue",
    by_name: true,
};
const WRAPUPS: Kind = Kind {
    path: "/api/v2/routing/wrapupcodes",
    area: Area::WrapupCodes,
    noun: "wrap-up code",
    by_name: true,
};
const DIVISIONS: Kind = Kind {
    path: "/api/v2/authorization/divisions",
    area: Area::Directory,
    noun: "division",
    by_name: true,
};

/// One entity of a listing: its id, name, division, whether it is deleted, and its JSON.
struct Item {
    id: String,
    name: String,
    division: Option<String>,
    deleted: bool,
    json: Value,
}

fn division_ref(ds: &Dataset, j: usize) -> Value {
    let d = &ds.divisions[j];
    json!({"id": d.id, "name": d.name, "selfUri": format!("{}/{}", DIVISIONS.path, d.id)})
}

/// The organization's creation, for the entities' `dateCreated`.
const CREATED: &str = "2024-03-11T09:30:00.000Z";

fn items(ds: &Dataset, kind: &Kind) -> Vec<Item> {
    match kind.path {
        p if p == USERS.path => ds
            .users
            .iter()
            .map(|u| Item {
                id: u.id.clone(),
                name: u.name.clone(),
                division: Some(ds.divisions[u.division].id.clone()),
                deleted: u.state == "deleted",
                json: json!({
                    "id": u.id,
                    "name": u.name,
                    "division": division_ref(ds, u.division),
                    "chat": {"jabberId": format!("{}@convoscope-sim.orgspan.com", &u.id[..8])},
                    "department": u.department,
                    "email": u.email,
                    "primaryContactInfo": [{"address": u.email, "mediaType": "EMAIL", "type": "PRIMARY"}],
                    "addresses": [],
                    "state": u.state,
                    "title": u.title,
                    "username": u.email,
                    "version": u.version,
                    "acdAutoAnswer": false,
                    "selfUri": format!("{}/{}", USERS.path, u.id),
                }),
            })
            .collect(),
        p if p == QUEUES.path => ds
            .queues
            .iter()
            .map(|q| Item {
                id: q.id.clone(),
                name: q.name.clone(),
                division: Some(ds.divisions[q.division].id.clone()),
                deleted: false,
                json: json!({
                    "id": q.id,
                    "name": q.name,
                    "division": division_ref(ds, q.division),
                    "description": q.description,
                    "dateCreated": CREATED,
                    "dateModified": CREATED,
                    "createdBy": ds.users[crate::sim::data::AGENTS].id,
                    "modifiedBy": ds.users[crate::sim::data::AGENTS].id,
                    "memberCount": q.members,
                    "userMemberCount": q.members,
                    "joinedMemberCount": q.members * 2 / 3,
                    "acwSettings": {"wrapupPrompt": "MANDATORY_TIMEOUT", "timeoutMs": 120_000},
                    "skillEvaluationMethod": "BEST",
                    "scoringMethod": "TimestampAndPriority",
                    "autoAnswerOnly": false,
                    "enableTranscription": false,
                    "enableManualAssignment": false,
                    "suppressInQueueCallRecording": true,
                    "selfUri": format!("{}/{}", QUEUES.path, q.id),
                }),
            })
            .collect(),
        p if p == WRAPUPS.path => ds
            .wrapups
            .iter()
            .map(|w| Item {
                id: w.id.clone(),
                name: w.name.clone(),
                division: Some(ds.divisions[0].id.clone()),
                deleted: false,
                json: json!({
                    "id": w.id,
                    "name": w.name,
                    "division": division_ref(ds, 0),
                    "dateCreated": CREATED,
                    "createdBy": ds.users[crate::sim::data::AGENTS].id,
                    "selfUri": format!("{}/{}", WRAPUPS.path, w.id),
                }),
            })
            .collect(),
        _ => ds
            .divisions
            .iter()
            .enumerate()
            .map(|(j, d)| Item {
                id: d.id.clone(),
                name: d.name.clone(),
                division: None,
                deleted: false,
                json: json!({
                    "id": d.id,
                    "name": d.name,
                    "description": d.description,
                    "homeDivision": is_home_division(j),
                    "selfUri": format!("{}/{}", DIVISIONS.path, d.id),
                }),
            })
            .collect(),
    }
}

/// `name` as the API matches it: the start of the name, case-insensitively; `*` at either end
/// is a wildcard (`*desk` ends with, `*desk*` contains, `*` anything).
fn name_matches(pattern: &str, name: &str) -> bool {
    let p = pattern.trim().to_lowercase();
    let n = name.to_lowercase();
    let lead = p.starts_with('*');
    let core = p.trim_matches('*');
    match (lead, core.is_empty()) {
        (_, true) => true,
        (true, false) if p.len() > 1 && p.ends_with('*') => n.contains(core),
        (true, false) => n.ends_with(core),
        (false, false) => n.starts_with(core),
    }
}

fn params(q: &Option<String>) -> Vec<(String, String)> {
    parse_form(q.as_deref().unwrap_or(""))
}

/// Every value of a repeatable parameter (`?id=a&id=b` or `?id=a,b`).
fn all(params: &[(String, String)], key: &str) -> Vec<String> {
    params
        .iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty())
        .collect()
}

fn one(params: &[(String, String)], key: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_string())
}

fn number(
    ctx: &str,
    params: &[(String, String)],
    key: &str,
    default: usize,
    max: usize,
) -> Result<usize, Response> {
    match one(params, key) {
        None => Ok(default),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(bad_request(
                ctx,
                format!("{key} must be an integer between 1 and {max}."),
            )),
        },
    }
}

/// Which users a `state` parameter lists: (deleted ones, active ones).
fn states(ctx: &str, params: &[(String, String)]) -> Result<(bool, bool), Response> {
    match one(params, "state").as_deref() {
        None | Some("active") => Ok((false, true)),
        Some("deleted") => Ok((true, false)),
        Some("any") => Ok((true, true)),
        Some("inactive") => Ok((false, false)),
        Some(s) => Err(bad_request(
            ctx,
            format!("Invalid state '{s}': use active, inactive, deleted or any."),
        )),
    }
}

async fn listing(
    st: &St,
    ctx: &str,
    headers: &HeaderMap,
    kind: &Kind,
    raw: &Option<String>,
) -> Result<Response, Response> {
    guard(st, ctx, headers, kind.area)?;
    let params = params(raw);
    let size = number(ctx, &params, "pageSize", PAGE_DEFAULT, PAGE_MAX)?;
    let page = number(ctx, &params, "pageNumber", 1, usize::MAX)?;
    let ids = all(&params, "id");
    if ids.len() > MAX_IDS {
        return Err(bad_request(
            ctx,
            format!(
                "At most {MAX_IDS} ids may be requested at once; got {}.",
                ids.len()
            ),
        ));
    }
    let divisions = all(&params, "divisionId");
    let name = one(&params, "name").filter(|n| !n.is_empty() && kind.by_name);
    let (deleted, active) = if kind.path == USERS.path {
        states(ctx, &params)?
    } else {
        (false, true)
    };
    let desc = one(&params, "sortOrder").is_some_and(|o| o.eq_ignore_ascii_case("desc"));
    let mut list: Vec<Item> = items(&st.ds, kind)
        .into_iter()
        .filter(|e| if e.deleted { deleted } else { active })
        .filter(|e| ids.is_empty() || ids.iter().any(|i| i.eq_ignore_ascii_case(&e.id)))
        .filter(|e| {
            divisions.is_empty() || e.division.as_ref().is_some_and(|d| divisions.contains(d))
        })
        .filter(|e| name.as_ref().is_none_or(|n| name_matches(n, &e.name)))
        .collect();
    list.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    if desc {
        list.reverse();
    }
    let total = list.len();
    let pages = total.div_ceil(size).max(1);
    let entities: Vec<Value> = list
        .into_iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .map(|e| e.json)
        .collect();
    // The listing's own links keep the request's other parameters.
    let rest: String = params
        .iter()
        .filter(|(k, _)| k != "pageNumber" && k != "pageSize")
        .map(|(k, v)| format!("&{k}={}", encode(v)))
        .collect();
    let uri = |n: usize| format!("{}?pageSize={size}&pageNumber={n}{rest}", kind.path);
    let mut body = json!({
        "entities": entities,
        "pageSize": size,
        "pageNumber": page,
        "total": total,
        "firstUri": uri(1),
        "selfUri": uri(page),
        "lastUri": uri(pages),
        "pageCount": pages,
    });
    if page < pages {
        body["nextUri"] = json!(uri(page + 1));
    }
    if page > 1 {
        body["previousUri"] = json!(uri(page - 1));
    }
    Ok(json_ok(StatusCode::OK, &body))
}

/// Percent-encodes what a query string cannot hold as is.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'*' | b',' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn entity(
    st: &St,
    ctx: &str,
    headers: &HeaderMap,
    kind: &Kind,
    id: &str,
    raw: &Option<String>,
) -> Result<Response, Response> {
    guard(st, ctx, headers, kind.area)?;
    let params = params(raw);
    let (deleted, _) = if kind.path == USERS.path {
        states(ctx, &params)?
    } else {
        (false, true)
    };
    match items(&st.ds, kind)
        .into_iter()
        .find(|e| e.id.eq_ignore_ascii_case(id.trim()) && (!e.deleted || deleted))
    {
        Some(e) => Ok(json_ok(StatusCode::OK, &e.json)),
        None => Err(api_error(
            ctx,
            StatusCode::NOT_FOUND,
            "not.found",
            format!("The {} {id} was not found.", kind.noun),
        )),
    }
}

fn done(r: Result<Response, Response>) -> Response {
    r.unwrap_or_else(|e| e)
}

macro_rules! handlers {
    ($($list:ident, $one:ident, $kind:ident;)*) => {$(
        async fn $list(
            State(st): State<Arc<St>>,
            Extension(Ctx(ctx)): Extension<Ctx>,
            headers: HeaderMap,
            RawQuery(q): RawQuery,
        ) -> Response {
            done(listing(&st, &ctx, &headers, &$kind, &q).await)
        }

        async fn $one(
            State(st): State<Arc<St>>,
            Extension(Ctx(ctx)): Extension<Ctx>,
            headers: HeaderMap,
            Path(id): Path<String>,
            RawQuery(q): RawQuery,
        ) -> Response {
            done(entity(&st, &ctx, &headers, &$kind, &id, &q).await)
        }
    )*};
}

handlers! {
    users, user, USERS;
    queues, queue, QUEUES;
    wrapupcodes, wrapupcode, WRAPUPS;
    divisions, division, DIVISIONS;
}

#[cfg(test)]
mod tests {
    use super::name_matches;

    #[test]
    fn names_match_by_their_start_and_asterisks() {
        assert!(name_matches("sup", "Support - Tier 1"));
        assert!(name_matches("SUPPORT - T", "Support - Tier 2"));
        assert!(!name_matches("tier", "Support - Tier 1"));
        assert!(name_matches("*tier 1", "Support - Tier 1"));
        assert!(name_matches("*TIER*", "Support - Tier 2"));
        assert!(name_matches("*", "Billing"));
        assert!(name_matches("bill*", "Billing"));
        assert!(!name_matches("*tier", "Support - Tier 1"));
    }
}
