//! The Notifications API's HTTP routes, and the WebSocket upgrade at `connectUri`.

// Helpers return `Result<_, Response>` so that handlers can bail out with the API's error.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, head, post};
use serde_json::{Value, json};

use super::super::data::hash;
use super::super::server::{Ctx, St, api_error, notify_caller};
use super::topics::{self, Topic};
use super::{Caller, Hub, socket};
use crate::genesys::model::format_time;

const CHANNELS: &str = "/api/v2/notifications/channels";

/// The routes, for the simulator's router (which adds authentication state, the correlation
/// id and faults around them).
pub(crate) fn routes(hub: Arc<Hub>) -> Router<Arc<St>> {
    Router::new()
        .route(CHANNELS, post(create).get(list))
        .route(&format!("{CHANNELS}/{{channelId}}"), head(exists))
        .route(
            &format!("{CHANNELS}/{{channelId}}/subscriptions"),
            get(subscriptions).put(set).post(set).delete(clear),
        )
        .route("/channels/{channelId}", get(connect))
        .layer(Extension(hub))
}

fn ok(v: Value) -> Response {
    (StatusCode::OK, axum::Json(v)).into_response()
}

/// Authenticated (and rate-limited) like every API request; `--forbid notifications` refuses.
fn caller(st: &St, hub: &Hub, ctx: &str, headers: &HeaderMap) -> Result<Caller, Response> {
    let (client, token_expires) = notify_caller(st, ctx, headers)?;
    if hub.forbid_channels {
        return Err(api_error(
            ctx,
            StatusCode::FORBIDDEN,
            "not.authorized",
            "You are not authorized to use the notification service.",
        ));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token_key = hash(&token.bytes().map(u64::from).collect::<Vec<_>>());
    Ok(Caller {
        client,
        token_key,
        token_expires,
    })
}

fn channel_not_found(ctx: &str, id: &str) -> Response {
    api_error(
        ctx,
        StatusCode::NOT_FOUND,
        "not.found",
        format!("The channel {id} was not found: it never existed, expired, or was removed."),
    )
}

fn listing(topics: &[String], rejected: &[Value]) -> Response {
    let mut entities: Vec<Value> = topics
        .iter()
        .map(|t| json!({"id": t, "state": "Permitted"}))
        .collect();
    entities.extend(rejected.iter().cloned());
    ok(json!({ "entities": entities }))
}

async fn create(
    State(st): State<Arc<St>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
) -> Response {
    let c = match caller(&st, &hub, &ctx, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let ch = hub.create(&c, host);
    ok(json!({
        "id": ch.id,
        "connectUri": ch.connect_uri,
        "expires": format_time(ch.expires),
    }))
}

async fn list(
    State(st): State<Arc<St>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let c = match caller(&st, &hub, &ctx, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let all = match query_param(q.as_deref(), "includechannels").as_deref() {
        None | Some("token") => false,
        Some("oauthclient") => true,
        Some(other) => {
            return api_error(
                &ctx,
                StatusCode::BAD_REQUEST,
                "bad.request",
                format!("Invalid includechannels '{other}': use token or oauthclient."),
            );
        }
    };
    let entities: Vec<Value> = hub
        .list(&c, all)
        .into_iter()
        .map(|(id, uri, expires)| {
            let mut o = serde_json::Map::new();
            if let Some(id) = id {
                o.insert("id".into(), json!(id));
            }
            if let Some(uri) = uri {
                o.insert("connectUri".into(), json!(uri));
            }
            o.insert("expires".into(), json!(format_time(expires)));
            Value::Object(o)
        })
        .collect();
    ok(json!({ "entities": entities }))
}

async fn exists(
    State(st): State<Arc<St>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let c = match caller(&st, &hub, &ctx, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if hub.exists(&c, &id) {
        StatusCode::OK.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn subscriptions(
    State(st): State<Arc<St>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let c = match caller(&st, &hub, &ctx, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match hub.topics(&c, &id) {
        Some(t) => listing(&t, &[]),
        None => channel_not_found(&ctx, &id),
    }
}

/// `PUT` replaces the topics, `POST` adds to them.
#[allow(clippy::too_many_arguments)]
async fn set(
    State(st): State<Arc<St>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    method: Method,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Response {
    let replace = method == Method::PUT;
    subscribe(&st, &hub, &ctx, &headers, &id, q.as_deref(), &body, replace)
}

async fn clear(
    State(st): State<Arc<St>>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let c = match caller(&st, &hub, &ctx, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match hub.subscribe(&c, &id, Vec::new(), true) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => channel_not_found(&ctx, &id),
    }
}

fn query_param(q: Option<&str>, name: &str) -> Option<String> {
    q.unwrap_or("")
        .split('&')
        .filter_map(|p| p.split_once('=').or(Some((p, ""))))
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.to_ascii_lowercase())
}

/// The topic names of a body: `[{"id": "v2...."}, …]`.
fn topic_names(ctx: &str, body: &[u8]) -> Result<Vec<String>, Response> {
    let bad = |why: String| {
        api_error(
            ctx,
            StatusCode::BAD_REQUEST,
            "bad.request",
            format!(
                "{why}: the body is a list of topics, e.g. [{{\"id\": \"v2.detail.events.conversation.{{id}}.attributes\"}}]."
            ),
        )
    };
    let v: Value =
        serde_json::from_slice(body).map_err(|e| bad(format!("The body is not JSON ({e})")))?;
    let Value::Array(items) = v else {
        return Err(bad("The body is not a list".into()));
    };
    items
        .iter()
        .map(|t| match t.get("id") {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(bad(format!("A topic has no id: {t}"))),
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn subscribe(
    st: &St,
    hub: &Hub,
    ctx: &str,
    headers: &HeaderMap,
    id: &str,
    q: Option<&str>,
    body: &[u8],
    replace: bool,
) -> Response {
    let c = match caller(st, hub, ctx, headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let ignore_errors = query_param(q, "ignoreErrors").as_deref() == Some("true");
    let names = match topic_names(ctx, body) {
        Ok(n) => n,
        Err(r) => return r,
    };
    if !hub.exists(&c, id) {
        return channel_not_found(ctx, id);
    }
    // The whole request is refused for a topic the simulator does not know.
    let mut parsed: Vec<(String, Topic)> = Vec::with_capacity(names.len());
    for n in names {
        match topics::parse(&hub.ds, &n) {
            Ok(t) => parsed.push((n, t)),
            Err(why) => {
                return api_error(ctx, StatusCode::BAD_REQUEST, "bad.request", why);
            }
        }
    }
    // `--forbid topics`: every topic lacks its permission. The request fails, or with
    // `ignoreErrors=true` the topics come back Rejected and are not subscribed.
    let mut rejected = Vec::new();
    if hub.forbid_topics && !parsed.is_empty() {
        if !ignore_errors {
            let mut perms: Vec<&str> = parsed.iter().map(|(_, t)| topics::permission(t)).collect();
            perms.sort();
            perms.dedup();
            let names: Vec<&str> = parsed.iter().map(|(n, _)| n.as_str()).collect();
            return api_error(
                ctx,
                StatusCode::FORBIDDEN,
                "missing.permissions",
                format!(
                    "Unable to subscribe to {}: you are missing the following permission(s): [{}]",
                    names.join(", "),
                    perms.join(", ")
                ),
            );
        }
        rejected = parsed
            .drain(..)
            .map(|(n, t)| {
                json!({
                    "id": n,
                    "state": "Rejected",
                    "rejectionReason": "Missing permissions",
                    "missingPermissions": [topics::permission(&t)],
                })
            })
            .collect();
    }
    match hub.subscribe(&c, id, parsed, replace) {
        None => channel_not_found(ctx, id),
        Some(Err(n)) => api_error(
            ctx,
            StatusCode::BAD_REQUEST,
            "bad.request",
            format!(
                "A channel may subscribe to at most {} topics; this request would make it {n}.",
                hub.cfg.max_topics
            ),
        ),
        Some(Ok(topics)) => listing(&topics, &rejected),
    }
}

/// `connectUri`: the channel's WebSocket. The channel id is the credential (a browser cannot
/// send an `Authorization` header on a WebSocket).
async fn connect(
    Extension(hub): Extension<Arc<Hub>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    Path(id): Path<String>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let ws = match ws {
        Ok(ws) => ws,
        Err(e) => {
            return api_error(
                &ctx,
                StatusCode::BAD_REQUEST,
                "bad.request",
                format!(
                    "This is a notification channel's WebSocket: connect with a WebSocket client ({e})."
                ),
            );
        }
    };
    let Some((conn, rx)) = hub.attach(&id) else {
        return channel_not_found(&ctx, &id);
    };
    let failed = {
        let (hub, id) = (hub.clone(), id.clone());
        move |_| hub.detach(&id, conn)
    };
    ws.on_failed_upgrade(failed)
        .on_upgrade(move |socket| socket::serve(hub, id, conn, rx, socket))
}
