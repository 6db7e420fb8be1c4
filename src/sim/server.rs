//! The simulator's HTTP routes (axum 0.8), authentication, rate limits, faults and jobs.

// Helpers return `Result<_, Response>` so that handlers can `?`-style bail out with the API's
// error response; the size of `Response` does not matter on these paths.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration as StdDuration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

use super::data::{Dataset, OrderBy, Rng, Window, hash, uuid};
use super::filter::Filters;
use super::select::{Cache, Select, select};
use super::{Faults, SimConfig};
use crate::genesys::model::{
    DataAvailability, JobCreated, JobResults, JobStatus, QueryResponse, TokenResponse, format_time,
};
use crate::genesys::query::{
    Interval, MAX_INTERVAL_DAYS, MAX_PAGE_SIZE, MAX_PAGING_RESULTS, UNFILTERED_INTERVAL_DAYS,
};

const PERM_ANALYTICS: &str = "analytics:conversationDetail:view";
const PERM_CONVERSATION: &str = "conversation:communication:view";
const PERM_QUEUES: &str = "routing:queue:view";
const PERM_WRAPUP_CODES: &str = "routing:wrapupCode:view";
const JOB_PAGE_DEFAULT: usize = 1000;
const JOB_PAGE_MAX: usize = 1000;
const QUERY_PAGE_DEFAULT: u64 = 25;

/// The correlation id of one request (`inin-correlation-id`, the error bodies' `contextId`).
#[derive(Debug, Clone)]
pub(crate) struct Ctx(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Area {
    Query,
    Jobs,
    Conversations,
    Organization,
    /// Users and divisions: no permission needed.
    Directory,
    Queues,
    WrapupCodes,
}

struct Token {
    client: String,
    expires: Instant,
}

#[derive(Debug, Clone)]
struct Job {
    select: Select,
    limit: Option<usize>,
    submitted: DateTime<Utc>,
    submitted_at: Instant,
    cancelled: bool,
    /// Ends FAILED (the `job` share of `--faults`).
    fails: bool,
}

/// Request counters, for tests: how many requests are in flight, at most, and how each ended.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    in_flight: std::sync::atomic::AtomicU32,
    peak: std::sync::atomic::AtomicU32,
    log: Mutex<std::collections::VecDeque<super::RequestRecord>>,
    jobs_created: std::sync::atomic::AtomicU64,
    jobs_deleted: std::sync::atomic::AtomicU64,
    /// Requests answered since the start, and of them 429 (the log keeps the last few only).
    answered: std::sync::atomic::AtomicU64,
    too_many: std::sync::atomic::AtomicU64,
}

/// The most requests [`Stats`] remembers.
const REQUEST_LOG: usize = 20_000;

impl Stats {
    pub(crate) fn snapshot(&self) -> super::SimStats {
        use std::sync::atomic::Ordering::Relaxed;
        let log = self.log.lock().unwrap();
        super::SimStats {
            requests: log.len() as u64,
            in_flight: self.in_flight.load(Relaxed),
            peak_in_flight: self.peak.load(Relaxed),
            rate_limited: log.iter().filter(|r| r.status == 429).count() as u64,
            jobs_created: self.jobs_created.load(Relaxed),
            jobs_deleted: self.jobs_deleted.load(Relaxed),
        }
    }

    pub(crate) fn requests(&self) -> Vec<super::RequestRecord> {
        self.log.lock().unwrap().iter().cloned().collect()
    }

    /// Requests answered since the start, and how many of them 429.
    pub(crate) fn totals(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::Relaxed;
        (self.answered.load(Relaxed), self.too_many.load(Relaxed))
    }
}

pub(crate) struct St {
    pub(crate) cfg: SimConfig,
    pub(crate) ds: Arc<Dataset>,
    tokens: Mutex<HashMap<String, Token>>,
    /// Per OAuth client: when its rate window started, and the requests counted in it.
    rate: Mutex<HashMap<String, (Instant, u32)>>,
    jobs: Mutex<HashMap<String, Job>>,
    cache: Cache,
    stats: Arc<Stats>,
    breakage: super::breakage::Breakage,
    /// Not seeded from the config: faults, tokens and ids of jobs never touch the data.
    rng: Mutex<Rng>,
}

impl St {
    fn random(&self) -> u64 {
        self.rng.lock().unwrap().next_u64()
    }
    fn unit(&self) -> f64 {
        self.rng.lock().unwrap().unit()
    }
    fn random_uuid(&self) -> String {
        uuid(self.random(), self.random())
    }
}

pub(crate) fn router(
    cfg: SimConfig,
    ds: Arc<Dataset>,
    stats: Arc<Stats>,
    notify: Arc<super::notify::Hub>,
) -> Router {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(7)
        ^ ((std::process::id() as u64) << 32);
    let st = Arc::new(St {
        cfg,
        ds,
        tokens: Mutex::new(HashMap::new()),
        rate: Mutex::new(HashMap::new()),
        jobs: Mutex::new(HashMap::new()),
        cache: Cache::default(),
        stats,
        breakage: Default::default(),
        rng: Mutex::new(Rng::new(hash(&[seed, 0xFA17]))),
    });
    const Q: &str = "/api/v2/analytics/conversations";
    Router::new()
        .route("/oauth/token", post(token))
        .route(&format!("{Q}/details/query"), post(details_query))
        .route(&format!("{Q}/details"), get(details_multi))
        .route(&format!("{Q}/{{conversationId}}/details"), get(details_one))
        .route(&format!("{Q}/details/jobs"), post(job_create))
        .route(&format!("{Q}/details/jobs/availability"), get(availability))
        .route(
            &format!("{Q}/details/jobs/{{jobId}}"),
            get(job_status).delete(job_delete),
        )
        .route(
            &format!("{Q}/details/jobs/{{jobId}}/results"),
            get(job_results),
        )
        .route("/api/v2/conversations/{conversationId}", get(conversation))
        .route("/api/v2/organizations/me", get(organization))
        .merge(super::directory::routes())
        .merge(super::notify::routes(notify))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(st.clone(), outer))
        .with_state(st)
}

// ---------------------------------------------------------------------------------------------
// Responses

pub(crate) fn api_error(
    ctx: &str,
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
) -> Response {
    api_error_with(ctx, status, code, message, Value::Null)
}

/// An error body (`ErrorBody`) with more fields: `limit`, `messageWithParams`, `messageParams`.
pub(crate) fn api_error_with(
    ctx: &str,
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
    more: Value,
) -> Response {
    let mut body = json!({
        "message": message.into(),
        "code": code,
        "status": status.as_u16(),
        "contextId": ctx,
        "details": [],
        "errors": [],
    });
    if let (Value::Object(b), Value::Object(m)) = (&mut body, more) {
        b.extend(m);
    }
    (status, axum::Json(body)).into_response()
}

pub(crate) fn bad_request(ctx: &str, message: impl Into<String>) -> Response {
    api_error(ctx, StatusCode::BAD_REQUEST, "bad.request", message)
}

/// A 400 whose message names a limit, with the message's template and parameters (the API's
/// `messageWithParams` and `messageParams`).
fn bad_request_limit(ctx: &str, template: &str, params: &[(&str, String)]) -> Response {
    let mut message = template.to_string();
    for (k, v) in params {
        message = message.replace(&format!("{{{k}}}"), v);
    }
    let params: serde_json::Map<String, Value> = params
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    api_error_with(
        ctx,
        StatusCode::BAD_REQUEST,
        "bad.request",
        message,
        json!({"messageWithParams": template, "messageParams": params}),
    )
}

pub(crate) fn json_ok<T: serde::Serialize>(status: StatusCode, v: &T) -> Response {
    (status, axum::Json(v)).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body =
        json!({"error": error, "description": description, "error_description": description});
    (status, axum::Json(body)).into_response()
}

/// The key and namespace of the rate limit of a client-credentials token.
const RATE_LIMIT_KEY: &str = "client.credentials.token.rate.per.minute";
const RATE_LIMIT_NAMESPACE: &str = "platform.api";

/// The 429 of the rate limit: the body the API sends since 2021-11-10, with the limit it hit.
fn too_many_requests(ctx: &str, retry_after: u64, allowed: u32) -> Response {
    let template = "Rate limit exceeded the maximum. Retry the request in [{retryAfter}] seconds";
    let mut r = api_error_with(
        ctx,
        StatusCode::TOO_MANY_REQUESTS,
        "too.many.requests.retry.after",
        template.replace("{retryAfter}", &retry_after.to_string()),
        json!({
            "messageWithParams": template,
            "messageParams": {"retryAfter": retry_after.to_string()},
            "limit": {"key": RATE_LIMIT_KEY, "namespace": RATE_LIMIT_NAMESPACE, "value": allowed},
        }),
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    r
}

fn fault_error(ctx: &str, status: u16, allowed: u32) -> Response {
    if status == 429 {
        return too_many_requests(ctx, 1, allowed);
    }
    let (s, code, msg) = match status {
        502 => (
            StatusCode::BAD_GATEWAY,
            "bad.gateway",
            "The server, while acting as a gateway or proxy, received an invalid response from the upstream server.",
        ),
        503 => (
            StatusCode::SERVICE_UNAVAILABLE,
            "service.unavailable",
            "Service Unavailable - The server is currently unavailable (because it is overloaded or down for maintenance).",
        ),
        504 => (
            StatusCode::GATEWAY_TIMEOUT,
            "gateway.timeout",
            "The server, while acting as a gateway or proxy, did not receive a timely response from the upstream server.",
        ),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal.server.error",
            "The server encountered an unexpected condition which prevented it from fulfilling the request.",
        ),
    };
    api_error(ctx, s, code, msg)
}

// ---------------------------------------------------------------------------------------------
// The outer layer: correlation id, latency, faults, 405 bodies

async fn outer(State(st): State<Arc<St>>, req: Request, next: Next) -> Response {
    use std::sync::atomic::Ordering::Relaxed;
    let path = req.uri().path().to_string();
    let in_flight = st.stats.in_flight.fetch_add(1, Relaxed) + 1;
    st.stats.peak.fetch_max(in_flight, Relaxed);
    let resp = outer_inner(&st, req, next).await;
    st.stats.in_flight.fetch_sub(1, Relaxed);
    st.stats.answered.fetch_add(1, Relaxed);
    if resp.status() == StatusCode::TOO_MANY_REQUESTS {
        st.stats.too_many.fetch_add(1, Relaxed);
    }
    let mut log = st.stats.log.lock().unwrap();
    if log.len() >= REQUEST_LOG {
        log.pop_front();
    }
    log.push_back(super::RequestRecord {
        path,
        in_flight,
        status: resp.status().as_u16(),
    });
    drop(log);
    resp
}

async fn outer_inner(st: &Arc<St>, mut req: Request, next: Next) -> Response {
    let ctx = st.random_uuid();
    req.extensions_mut().insert(Ctx(ctx.clone()));
    if st.cfg.latency_ms > 0 {
        tokio::time::sleep(StdDuration::from_millis(st.cfg.latency_ms)).await;
    }
    // The budget of the token's OAuth client (requests without a valid token count for nobody).
    let budget = bearer(req.headers())
        .and_then(|t| st.client_of(t))
        .and_then(|client| st.spend(&client));
    let fault = pick_fault(&st.cfg.faults, st.unit());
    let mut resp = match (fault, budget) {
        (Some(Fault::Status(s)), _) => fault_error(&ctx, s, st.cfg.rate_limit),
        (_, Some(b)) if b.count > b.allowed => too_many_requests(&ctx, b.reset, b.allowed),
        _ => 'answer: {
            // Faults of content: pages that cannot be right, damaged records, ...
            let error = |status, code: &str, msg: String| api_error(&ctx, status, code, msg);
            let (req, plan) = match st
                .breakage
                .before(&st.cfg.faults, || st.unit(), error, req)
                .await
            {
                Ok(r) => r,
                Err(answer) => break 'answer answer,
            };
            let r = st.breakage.after(&plan, next.run(req).await).await;
            if r.status() == StatusCode::METHOD_NOT_ALLOWED {
                let allow = r.headers().get(header::ALLOW).cloned();
                let mut e = api_error(
                    &ctx,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method.not.allowed",
                    "HTTP 405 Method Not Allowed",
                );
                if let Some(a) = allow {
                    e.headers_mut().insert(header::ALLOW, a);
                }
                e
            } else {
                r
            }
        }
    };
    if let Ok(v) = HeaderValue::from_str(&ctx) {
        resp.headers_mut().insert("inin-correlation-id", v);
    }
    if resp.status() == StatusCode::SWITCHING_PROTOCOLS {
        // A WebSocket: its faults are the Notifications API's own (--ws-faults).
        return resp;
    }
    if let Some(b) = budget {
        let h = resp.headers_mut();
        h.insert("inin-ratelimit-allowed", HeaderValue::from(b.allowed));
        h.insert("inin-ratelimit-count", HeaderValue::from(b.count));
        h.insert("inin-ratelimit-reset", HeaderValue::from(b.reset));
    }
    match fault {
        Some(Fault::Reset) => truncate(resp).await,
        Some(Fault::Stall) => stall(resp),
        Some(Fault::Garbage) => garble(resp).await,
        _ => resp,
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    Status(u16),
    Reset,
    Stall,
    Garbage,
}

fn pick_fault(f: &Faults, u: f64) -> Option<Fault> {
    if f.is_none() {
        return None;
    }
    let mut acc = 0.0;
    for (share, fault) in [
        (f.s429, Fault::Status(429)),
        (f.s500, Fault::Status(500)),
        (f.s502, Fault::Status(502)),
        (f.s503, Fault::Status(503)),
        (f.s504, Fault::Status(504)),
        (f.reset, Fault::Reset),
        (f.stall, Fault::Stall),
        (f.garbage, Fault::Garbage),
    ] {
        acc += share;
        if u < acc {
            return Some(fault);
        }
    }
    None
}

/// Sends the headers (with the full Content-Length) and half the body, then fails the body so
/// that the connection is dropped mid-response.
async fn truncate(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    let half = bytes.slice(..bytes.len() / 2);
    let stream = futures::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                1 => {
                    tokio::time::sleep(StdDuration::from_millis(20)).await;
                    Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionReset,
                            "simulated connection reset",
                        )),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Sends the headers, then no body for ten minutes: the client's timeout must fire.
fn stall(resp: Response) -> Response {
    let (parts, _) = resp.into_parts();
    let stream = futures::stream::once(async {
        tokio::time::sleep(StdDuration::from_secs(600)).await;
        Err::<Bytes, std::io::Error>(std::io::Error::other("stalled"))
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// A complete answer whose body is the first half of the JSON: it does not parse.
async fn garble(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(half.len()));
    Response::from_parts(parts, Body::from(half))
}

async fn not_found(Extension(Ctx(ctx)): Extension<Ctx>, req: Request) -> Response {
    api_error(
        &ctx,
        StatusCode::NOT_FOUND,
        "not.found",
        format!(
            "The requested resource was not found: {} {}",
            req.method(),
            req.uri().path()
        ),
    )
}

// ---------------------------------------------------------------------------------------------
// Authentication, rate limit, permissions

/// The bearer token of a request, if it has one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    match auth.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() => {
            Some(t.trim())
        }
        _ => None,
    }
}

/// What the rate limit says of one request: the limit, the requests counted in the window
/// (this one included), and the seconds until the window resets.
#[derive(Debug, Clone, Copy)]
struct Budget {
    allowed: u32,
    count: u32,
    reset: u64,
}

impl St {
    /// The OAuth client of a valid token.
    fn client_of(&self, token: &str) -> Option<String> {
        let tokens = self.tokens.lock().unwrap();
        tokens
            .get(token)
            .filter(|t| t.expires > Instant::now())
            .map(|t| t.client.clone())
    }

    /// Counts a request against the client's budget (`None`: no rate limit). The window is
    /// fixed: it starts with the first request after the previous one ended.
    fn spend(&self, client: &str) -> Option<Budget> {
        let allowed = self.cfg.rate_limit;
        if allowed == 0 {
            return None;
        }
        let mut rate = self.rate.lock().unwrap();
        let now = Instant::now();
        let window = StdDuration::from_secs(self.cfg.rate_window_secs.max(1));
        let e = rate.entry(client.to_string()).or_insert((now, 0));
        if now.duration_since(e.0) >= window {
            *e = (now, 0);
        }
        e.1 = e.1.saturating_add(1);
        let left = window.saturating_sub(now.duration_since(e.0));
        let reset = (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1);
        Some(Budget {
            allowed,
            count: e.1,
            reset,
        })
    }
}

pub(crate) fn guard(
    st: &St,
    ctx: &str,
    headers: &HeaderMap,
    area: Area,
) -> Result<String, Response> {
    let token = match bearer(headers) {
        Some(t) => t,
        None => {
            return Err(api_error(
                ctx,
                StatusCode::UNAUTHORIZED,
                "authentication.required",
                "No authentication bearer token specified in authorization header.",
            ));
        }
    };
    let client = {
        let mut tokens = st.tokens.lock().unwrap();
        match tokens.get(token) {
            Some(t) if t.expires > Instant::now() => t.client.clone(),
            Some(_) => {
                tokens.remove(token);
                return Err(bad_credentials(ctx));
            }
            None => return Err(bad_credentials(ctx)),
        }
    };
    let f = st.cfg.forbid;
    let (forbidden, perm) = match area {
        Area::Query => (f.query, PERM_ANALYTICS),
        Area::Jobs => (f.jobs, PERM_ANALYTICS),
        Area::Conversations => (f.conversations, PERM_CONVERSATION),
        Area::Queues => (f.queues, PERM_QUEUES),
        Area::WrapupCodes => (f.wrapupcodes, PERM_WRAPUP_CODES),
        Area::Organization | Area::Directory => (false, ""),
    };
    if forbidden {
        return Err(api_error(
            ctx,
            StatusCode::FORBIDDEN,
            "missing.permissions",
            format!(
                "Unable to perform the requested action. You are missing the following permission(s): [{perm}]"
            ),
        ));
    }
    Ok(client)
}

/// The caller of a Notifications API request (src/sim/notify), authenticated and rate-limited
/// like any request: its OAuth client, and when its token expires (its channels end then).
pub(crate) fn notify_caller(
    st: &St,
    ctx: &str,
    headers: &HeaderMap,
) -> Result<(String, Instant), Response> {
    let client = guard(st, ctx, headers, Area::Organization)?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .map(|(_, t)| t.trim())
        .unwrap_or("");
    let expires = st.tokens.lock().unwrap().get(token).map(|t| t.expires);
    Ok((client, expires.unwrap_or_else(Instant::now)))
}

fn bad_credentials(ctx: &str) -> Response {
    api_error(
        ctx,
        StatusCode::UNAUTHORIZED,
        "bad.credentials",
        "Invalid login credentials.",
    )
}

/// Decodes `application/x-www-form-urlencoded` (also query strings).
pub(crate) fn parse_form(s: &str) -> Vec<(String, String)> {
    fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    fn dec(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (dec(k), dec(v))
        })
        .collect()
}

async fn token(State(st): State<Arc<St>>, headers: HeaderMap, body: Bytes) -> Response {
    let form = parse_form(&String::from_utf8_lossy(&body));
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
        })
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        });
    let (id, secret) = match basic {
        Some(c) => c,
        None => match (field("client_id"), field("client_secret")) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                return oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "client credentials are required (HTTP Basic or client_id/client_secret)",
                );
            }
        },
    };
    if id != st.cfg.client_id || secret != st.cfg.client_secret {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client not found or bad secret",
        );
    }
    match field("grant_type").as_deref() {
        Some("client_credentials") => {}
        Some(g) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant type '{g}' is not supported by this client"),
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "grant_type is required",
            );
        }
    }
    let tok = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
        (0..6)
            .flat_map(|_| st.random().to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    st.tokens.lock().unwrap().insert(
        tok.clone(),
        Token {
            client: id,
            expires: Instant::now() + StdDuration::from_secs(st.cfg.token_ttl),
        },
    );
    json_ok(
        StatusCode::OK,
        &TokenResponse {
            access_token: tok,
            token_type: "bearer".into(),
            expires_in: st.cfg.token_ttl,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Body parsing shared by the query and jobs

fn parse_body(ctx: &str, body: &Bytes) -> Result<serde_json::Map<String, Value>, Response> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(bad_request(ctx, "The request body must be a JSON object.")),
        Err(e) => Err(bad_request(
            ctx,
            format!(
                "The request could not be understood by the server due to malformed syntax: {e}"
            ),
        )),
    }
}

fn parse_interval(ctx: &str, body: &serde_json::Map<String, Value>) -> Result<Interval, Response> {
    let raw = match body.get("interval") {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => return Err(bad_request(ctx, "interval is required.")),
        Some(_) => return Err(bad_request(ctx, "interval must be a string.")),
    };
    let i = Interval::parse_api(raw).ok_or_else(|| {
        bad_request(
            ctx,
            format!("Invalid interval '{raw}': expected ISO-8601 start/end, e.g. 2026-11-24T00:00:00.000Z/2026-11-25T00:00:00.000Z."),
        )
    })?;
    if i.end <= i.start {
        return Err(bad_request(
            ctx,
            format!("Invalid interval '{raw}': the end must be after the start."),
        ));
    }
    Ok(i)
}

/// The details query's longest interval: 7 days without a filter, 31 with one.
fn check_query_interval(ctx: &str, i: &Interval, filtered: bool) -> Result<(), Response> {
    let max = if filtered {
        MAX_INTERVAL_DAYS
    } else {
        UNFILTERED_INTERVAL_DAYS
    };
    if i.length() <= Duration::days(max) {
        return Ok(());
    }
    let days = i.length().num_milliseconds() as f64 / 86_400_000.0;
    let template = if filtered {
        "Max interval length exceeded: the interval {interval} spans {days} days; a query with filters may span at most {maxDays} days. Split the interval."
    } else {
        "Max interval length exceeded: the interval {interval} spans {days} days; a query without filters may span at most {maxDays} days (31 with a filter). Split the interval or add a filter."
    };
    Err(bad_request_limit(
        ctx,
        template,
        &[
            ("interval", i.to_api()),
            ("days", format!("{days:.1}")),
            ("maxDays", max.to_string()),
        ],
    ))
}

/// Filter lists the simulator does not evaluate: refused rather than ignored.
fn refuse_other_filters(ctx: &str, body: &serde_json::Map<String, Value>) -> Result<(), Response> {
    for k in ["evaluationFilters", "surveyFilters", "resolutionFilters"] {
        if body
            .get(k)
            .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
        {
            return Err(bad_request(
                ctx,
                format!("{k} are not supported by the simulator."),
            ));
        }
    }
    Ok(())
}

fn parse_filters(
    ctx: &str,
    body: &serde_json::Map<String, Value>,
) -> Result<(Filters, String), Response> {
    let seg = body.get("segmentFilters").cloned().unwrap_or(Value::Null);
    let conv = body
        .get("conversationFilters")
        .cloned()
        .unwrap_or(Value::Null);
    let f = Filters::parse(&seg, &conv).map_err(|m| bad_request(ctx, m))?;
    refuse_other_filters(ctx, body)?;
    Ok((f, format!("{seg}|{conv}")))
}

fn parse_order_by(ctx: &str, body: &serde_json::Map<String, Value>) -> Result<OrderBy, Response> {
    match body.get("orderBy") {
        None | Some(Value::Null) => Ok(OrderBy::ConversationStart),
        Some(Value::String(s)) => OrderBy::parse(s).ok_or_else(|| {
            bad_request(
                ctx,
                format!(
                    "Invalid orderBy '{s}': use one of {}.",
                    OrderBy::NAMES.join(", ")
                ),
            )
        }),
        Some(_) => Err(bad_request(ctx, "orderBy must be a string.")),
    }
}

fn parse_order(ctx: &str, body: &serde_json::Map<String, Value>) -> Result<bool, Response> {
    match body.get("order") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::String(s)) => match s.as_str() {
            "asc" | "unordered" => Ok(false),
            "desc" => Ok(true),
            o => Err(bad_request(
                ctx,
                format!("Invalid order '{o}': use asc, desc or unordered."),
            )),
        },
        Some(_) => Err(bad_request(ctx, "order must be a string.")),
    }
}

/// What the details query and a job share in their bodies: the interval, the filters and the
/// order. The selection's window is the caller's (a job's depends on the data lake).
fn parse_selection(
    ctx: &str,
    body: &Bytes,
) -> Result<(serde_json::Map<String, Value>, Interval, Select), Response> {
    let body = parse_body(ctx, body)?;
    let interval = parse_interval(ctx, &body)?;
    let (filters, raw) = parse_filters(ctx, &body)?;
    let select = Select {
        window: Window::query(&interval),
        filters,
        raw,
        order_by: parse_order_by(ctx, &body)?,
        desc: parse_order(ctx, &body)?,
    };
    Ok((body, interval, select))
}

// ---------------------------------------------------------------------------------------------
// The details query

async fn details_query(
    State(st): State<Arc<St>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = guard(&st, &ctx, &headers, Area::Query) {
        return r;
    }
    let (body, interval, selection) = match parse_selection(&ctx, &body) {
        Ok(q) => q,
        Err(r) => return r,
    };
    if let Err(r) = check_query_interval(&ctx, &interval, !selection.filters.is_empty()) {
        return r;
    }
    let (mut size, mut number) = (QUERY_PAGE_DEFAULT, 1u64);
    match body.get("paging") {
        None | Some(Value::Null) => {}
        Some(Value::Object(p)) => {
            for (k, slot) in [("pageSize", &mut size), ("pageNumber", &mut number)] {
                match p.get(k) {
                    None | Some(Value::Null) => {}
                    Some(v) => match v.as_i64() {
                        Some(n) if n >= 1 => *slot = n as u64,
                        _ => {
                            return bad_request(
                                &ctx,
                                format!("paging.{k} must be a positive integer."),
                            );
                        }
                    },
                }
            }
        }
        Some(_) => return bad_request(&ctx, "paging must be an object."),
    }
    if size > u64::from(MAX_PAGE_SIZE) {
        return bad_request(
            &ctx,
            format!("paging.pageSize may not exceed {MAX_PAGE_SIZE}."),
        );
    }
    if size.saturating_mul(number) > MAX_PAGING_RESULTS {
        return bad_request_limit(
            &ctx,
            "Pagination may not exceed {limit} results",
            &[("limit", MAX_PAGING_RESULTS.to_string())],
        );
    }
    let now = Utc::now();
    let q = Select {
        window: Window::query(&interval),
        ..selection
    };
    let sel = select(&st.ds, &st.cache, &q, now.timestamp_millis()).await;
    let total = sel.len();
    let from = ((number - 1) * size) as usize;
    let to = (from + size as usize).min(total);
    let conversations = (from < to).then(|| {
        (from..to)
            .map(|k| st.ds.analytics_at(sel.nth(&st.ds, k), now))
            .collect::<Vec<_>>()
    });
    json_ok(
        StatusCode::OK,
        &QueryResponse {
            conversations,
            total_hits: Some(total as u64),
            extra: Default::default(),
        },
    )
}

async fn details_one(
    State(st): State<Arc<St>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = guard(&st, &ctx, &headers, Area::Query) {
        return r;
    }
    match st.ds.index_of(&id) {
        Some(i) => json_ok(StatusCode::OK, &st.ds.analytics_at(i, Utc::now())),
        None => conversation_not_found(&ctx, &id),
    }
}

async fn details_multi(
    State(st): State<Arc<St>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    if let Err(r) = guard(&st, &ctx, &headers, Area::Query) {
        return r;
    }
    let ids: Vec<String> = parse_form(q.as_deref().unwrap_or(""))
        .into_iter()
        .filter(|(k, _)| k == "id")
        .flat_map(|(_, v)| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        return bad_request(&ctx, "At least one conversation id (id) is required.");
    }
    if ids.len() > 100 {
        return bad_request(
            &ctx,
            "At most 100 conversation ids may be requested at once.",
        );
    }
    let now = Utc::now();
    let conversations: Vec<_> = ids
        .iter()
        .filter_map(|id| st.ds.index_of(id))
        .map(|i| st.ds.analytics_at(i, now))
        .collect();
    json_ok(StatusCode::OK, &json!({ "conversations": conversations }))
}

fn conversation_not_found(ctx: &str, id: &str) -> Response {
    api_error(
        ctx,
        StatusCode::NOT_FOUND,
        "not.found",
        format!("The conversation {id} was not found."),
    )
}

async fn conversation(
    State(st): State<Arc<St>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = guard(&st, &ctx, &headers, Area::Conversations) {
        return r;
    }
    match st.ds.index_of(&id) {
        Some(i) => json_ok(StatusCode::OK, &st.ds.conversation(i, Utc::now())),
        None => conversation_not_found(&ctx, &id),
    }
}

// ---------------------------------------------------------------------------------------------
// Async jobs

fn job_not_found(ctx: &str, id: &str) -> Response {
    api_error(
        ctx,
        StatusCode::NOT_FOUND,
        "not.found",
        format!("The job {id} was not found."),
    )
}

fn availability_ms(st: &St) -> i64 {
    Utc::now().timestamp_millis() - (st.cfg.data_lag as i64) * 1000
}

fn ms_time(ms: i64) -> String {
    format_time(Utc.timestamp_millis_opt(ms).single().unwrap_or_default())
}

async fn job_create(
    State(st): State<Arc<St>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = guard(&st, &ctx, &headers, Area::Jobs) {
        return r;
    }
    let (body, interval, selection) = match parse_selection(&ctx, &body) {
        Ok(q) => q,
        Err(r) => return r,
    };
    let start_of_day = match body.get("startOfDayIntervalMatching") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return bad_request(&ctx, "startOfDayIntervalMatching must be a boolean."),
    };
    let limit = match body.get("limit") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(n) if n >= 1 => Some(n as usize),
            _ => return bad_request(&ctx, "limit must be a positive integer."),
        },
    };
    let id = st.random_uuid();
    let job = Job {
        select: Select {
            window: Window::job(&interval, availability_ms(&st), start_of_day),
            ..selection
        },
        limit,
        submitted: Utc::now(),
        submitted_at: Instant::now(),
        cancelled: false,
        fails: st.unit() < st.cfg.faults.job,
    };
    st.stats
        .jobs_created
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut jobs = st.jobs.lock().unwrap();
    if jobs.len() > 10_000 {
        // Keep the state small: forget the oldest jobs.
        let mut by_age: Vec<_> = jobs
            .iter()
            .map(|(k, j)| (j.submitted_at, k.clone()))
            .collect();
        by_age.sort();
        for (_, k) in by_age.into_iter().take(5_000) {
            jobs.remove(&k);
        }
    }
    jobs.insert(id.clone(), job);
    json_ok(StatusCode::ACCEPTED, &JobCreated { job_id: id })
}

/// QUEUED for the first third of `--job-delay-ms`, PENDING for the rest, then FULFILLED (or
/// FAILED, the `job` share of `--faults`), EXPIRED after `--job-ttl`; CANCELLED once deleted.
fn job_state(st: &St, j: &Job) -> &'static str {
    let delay = StdDuration::from_millis(st.cfg.job_delay_ms);
    let elapsed = j.submitted_at.elapsed();
    if j.cancelled {
        "CANCELLED"
    } else if elapsed < delay / 3 {
        "QUEUED"
    } else if elapsed < delay {
        "PENDING"
    } else if j.fails {
        "FAILED"
    } else if elapsed >= StdDuration::from_secs(st.cfg.job_ttl_secs) {
        "EXPIRED"
    } else {
        "FULFILLED"
    }
}

/// Why a job FAILED.
const JOB_FAILURE: &str =
    "The job failed: the analytics data lake did not answer in time (a simulated fault).";

async fn job_status(
    State(st): State<Arc<St>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = guard(&st, &ctx, &headers, Area::Jobs) {
        return r;
    }
    let Some(j) = st.jobs.lock().unwrap().get(&id).cloned() else {
        return job_not_found(&ctx, &id);
    };
    let state = job_state(&st, &j);
    let done = j.submitted + Duration::milliseconds(st.cfg.job_delay_ms as i64);
    let ttl = Duration::seconds(st.cfg.job_ttl_secs.min(i64::MAX as u64 / 2_000) as i64);
    json_ok(
        StatusCode::OK,
        &JobStatus {
            state: state.into(),
            error_message: (state == "FAILED").then(|| JOB_FAILURE.to_string()),
            submission_date: Some(format_time(j.submitted)),
            completion_date: matches!(state, "FULFILLED" | "FAILED" | "EXPIRED")
                .then(|| format_time(done)),
            expiration_date: Some(format_time(j.submitted + ttl)),
            extra: Default::default(),
        },
    )
}

async fn job_delete(
    State(st): State<Arc<St>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = guard(&st, &ctx, &headers, Area::Jobs) {
        return r;
    }
    match st.jobs.lock().unwrap().get_mut(&id) {
        Some(j) => {
            j.cancelled = true;
            st.stats
                .jobs_deleted
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            StatusCode::NO_CONTENT.into_response()
        }
        None => job_not_found(&ctx, &id),
    }
}

pub(crate) fn encode_cursor(job: &str, offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{job}:{offset}"))
}

pub(crate) fn decode_cursor(job: &str, c: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (j, o) = s.rsplit_once(':')?;
    (j == job).then_some(())?;
    o.parse().ok()
}

async fn job_results(
    State(st): State<Arc<St>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    if let Err(r) = guard(&st, &ctx, &headers, Area::Jobs) {
        return r;
    }
    let Some(j) = st.jobs.lock().unwrap().get(&id).cloned() else {
        return job_not_found(&ctx, &id);
    };
    let state = job_state(&st, &j);
    if state != "FULFILLED" {
        return bad_request(
            &ctx,
            format!("The results of job {id} are not available: the job is {state}."),
        );
    }
    let params = parse_form(q.as_deref().unwrap_or(""));
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let size = match param("pageSize") {
        None => JOB_PAGE_DEFAULT,
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=JOB_PAGE_MAX).contains(&n) => n,
            _ => {
                return bad_request(
                    &ctx,
                    format!("pageSize must be an integer between 1 and {JOB_PAGE_MAX}."),
                );
            }
        },
    };
    let offset = match param("cursor").filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => match decode_cursor(&id, &c) {
            Some(o) => o,
            None => return bad_request(&ctx, format!("Invalid cursor '{c}'.")),
        },
    };
    let now = Utc::now();
    let sel = select(&st.ds, &st.cache, &j.select, now.timestamp_millis()).await;
    let total = j.limit.map_or(sel.len(), |l| l.min(sel.len()));
    let to = (offset + size).min(total);
    let conversations = (offset.min(to)..to)
        .map(|k| st.ds.analytics_with_attributes(sel.nth(&st.ds, k), now))
        .collect();
    json_ok(
        StatusCode::OK,
        &JobResults {
            conversations,
            cursor: (to < total).then(|| encode_cursor(&id, to)),
            data_availability_date: j.select.window.ended_before.map(ms_time),
            extra: Default::default(),
        },
    )
}

async fn availability(
    State(st): State<Arc<St>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = guard(&st, &ctx, &headers, Area::Jobs) {
        return r;
    }
    json_ok(
        StatusCode::OK,
        &DataAvailability {
            data_availability_date: Some(ms_time(availability_ms(&st))),
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The organization

/// `GET /api/v2/organizations/me`: the `Organization` of the token's client. Its name says it is
/// a simulator, so that nobody takes it for a production org.
async fn organization(
    State(st): State<Arc<St>>,
    Extension(Ctx(ctx)): Extension<Ctx>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = guard(&st, &ctx, &headers, Area::Organization) {
        return r;
    }
    let seed = st.cfg.seed;
    let id = uuid(hash(&[seed, 0x0E6, 1]), hash(&[seed, 0x0E6, 2]));
    json_ok(
        StatusCode::OK,
        &json!({
            "id": id,
            "name": super::ORG_NAME,
            "defaultLanguage": "en-us",
            "defaultCountryCode": "US",
            "thirdPartyOrgName": "convoscope-sim",
            "domain": "convoscope-sim",
            "version": 1,
            "state": "active",
            "defaultSiteId": uuid(hash(&[seed, 0x0E6, 3]), hash(&[seed, 0x0E6, 4])),
            "voicemailEnabled": true,
            "productPlatform": "GenesysCloud",
            "features": {"purecloud": true, "webMessaging": true},
            "selfUri": format!("/api/v2/organizations/{id}"),
        }),
    )
}
