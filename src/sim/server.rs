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

use super::data::{Dataset, OrderBy, Rng, hash, uuid};
use super::filter::Filters;
use super::{Faults, SimConfig};
use crate::genesys::model::{
    DataAvailability, JobCreated, JobResults, JobStatus, QueryResponse, TokenResponse, format_time,
};
use crate::genesys::query::{Interval, MAX_INTERVAL_DAYS, MAX_PAGE_SIZE, MAX_PAGING_RESULTS};

const PERM_ANALYTICS: &str = "analytics:conversationDetail:view";
const PERM_CONVERSATION: &str = "conversation:communication:view";
const JOB_PAGE_DEFAULT: usize = 1000;
const JOB_PAGE_MAX: usize = 1000;
const QUERY_PAGE_DEFAULT: u64 = 25;

/// The correlation id of one request (`inin-correlation-id`, the error bodies' `contextId`).
#[derive(Debug, Clone)]
pub(crate) struct Ctx(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Query,
    Jobs,
    Conversations,
    Organization,
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
}

/// What a cached selection holds: the members that are not live (their filtering and order never
/// change), in ascending start order or sorted by a key.
#[derive(Clone)]
enum Base {
    Range(usize, usize),
    /// The conversations in `[lo, hi)` whose media code is in `mask`: counted per block of
    /// [`BLOCK`] conversations, so that building it is one pass over a byte a conversation and
    /// finding the k-th member a short scan.
    Kinds {
        lo: usize,
        hi: usize,
        mask: u32,
        /// Members before each block.
        before: Arc<Vec<u32>>,
        len: usize,
    },
    List(Arc<Vec<u32>>),
    /// Ascending by (key, index).
    Keyed(Arc<Vec<(i64, u32)>>),
}

const BLOCK: usize = 1024;

impl Base {
    fn kinds(codes: &[u8], lo: usize, hi: usize, mask: u32) -> Base {
        let mut before = Vec::with_capacity((hi - lo).div_ceil(BLOCK));
        let mut len = 0usize;
        for block in codes[lo..hi].chunks(BLOCK) {
            before.push(len as u32);
            len += block.iter().filter(|&&c| mask >> c & 1 == 1).count();
        }
        Base::Kinds {
            lo,
            hi,
            mask,
            before: Arc::new(before),
            len,
        }
    }

    fn len(&self) -> usize {
        match self {
            Base::Range(lo, hi) => hi - lo,
            Base::Kinds { len, .. } => *len,
            Base::List(v) => v.len(),
            Base::Keyed(v) => v.len(),
        }
    }

    /// The k-th member in ascending order.
    fn get(&self, ds: &Dataset, k: usize) -> usize {
        match self {
            Base::Range(lo, _) => lo + k,
            Base::Kinds {
                lo,
                hi,
                mask,
                before,
                ..
            } => {
                let b = before.partition_point(|&n| n as usize <= k) - 1;
                let start = lo + b * BLOCK;
                let mut left = k - before[b] as usize;
                for (j, &c) in ds.codes()[start..*hi].iter().enumerate() {
                    if mask >> c & 1 == 1 {
                        if left == 0 {
                            return start + j;
                        }
                        left -= 1;
                    }
                }
                unreachable!("the block counts hold member {k}")
            }
            Base::List(v) => v[k] as usize,
            Base::Keyed(v) => v[k].1 as usize,
        }
    }
}

/// The conversations a query or job selects, in its order: the cached members that are not live,
/// merged with the live ones (the last indexes), filtered and keyed at the time of the request.
struct Selection {
    base: Base,
    /// Live members in the query's order, with their sort key (`None`: sorted last).
    live: Vec<(Option<i64>, u32)>,
    /// For key orders: where each live member stands in the merged order.
    live_pos: Vec<usize>,
    desc: bool,
    keyed: bool,
}

impl Selection {
    fn new(base: Base, mut live: Vec<(Option<i64>, u32)>, desc: bool, keyed: bool) -> Selection {
        let mut live_pos = Vec::new();
        if let Base::Keyed(v) = &base {
            // Missing keys last in both orders; live indexes are above every cached one, so a
            // cached member with the same key comes first in ascending order, last in descending.
            live.sort_by(|a, b| match (a.0, b.0) {
                (None, None) => a.1.cmp(&b.1),
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(x), Some(y)) if desc => (y, b.1).cmp(&(x, a.1)),
                (Some(x), Some(y)) => (x, a.1).cmp(&(y, b.1)),
            });
            live_pos = live
                .iter()
                .enumerate()
                .map(|(j, &(key, _))| {
                    let before = match key {
                        None => v.len(),
                        Some(key) if desc => v.len() - v.partition_point(|e| e.0 <= key),
                        Some(key) => v.partition_point(|e| e.0 <= key),
                    };
                    before + j
                })
                .collect();
        }
        Selection {
            base,
            live,
            live_pos,
            desc,
            keyed,
        }
    }

    fn len(&self) -> usize {
        self.base.len() + self.live.len()
    }

    /// The k-th conversation in the query's order.
    fn nth(&self, ds: &Dataset, k: usize) -> usize {
        let n = self.base.len();
        if self.keyed {
            let mut live_before = 0;
            for (j, &p) in self.live_pos.iter().enumerate() {
                if p == k {
                    return self.live[j].1 as usize;
                }
                if p < k {
                    live_before += 1;
                }
            }
            let a = k - live_before;
            return self.base.get(ds, if self.desc { n - 1 - a } else { a });
        }
        let k = if self.desc { self.len() - 1 - k } else { k };
        if k < n {
            self.base.get(ds, k)
        } else {
            self.live[k - n].1 as usize
        }
    }
}

/// Request counters, for tests: how many requests are in flight, at most, and how each ended.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    in_flight: std::sync::atomic::AtomicU32,
    peak: std::sync::atomic::AtomicU32,
    log: Mutex<std::collections::VecDeque<super::RequestRecord>>,
    jobs_created: std::sync::atomic::AtomicU64,
    jobs_deleted: std::sync::atomic::AtomicU64,
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
}

pub(crate) struct St {
    cfg: SimConfig,
    ds: Arc<Dataset>,
    tokens: Mutex<HashMap<String, Token>>,
    rate: Mutex<HashMap<String, (Instant, u32)>>,
    jobs: Mutex<HashMap<String, Job>>,
    cache: Mutex<Vec<(String, Base)>>,
    stats: Arc<Stats>,
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

/// What a query or a job selects.
#[derive(Debug, Clone)]
struct Select {
    interval: Interval,
    cutoff_ms: i64,
    filters: Filters,
    /// The filters as sent: part of the cache key.
    raw: String,
    order_by: OrderBy,
    desc: bool,
}

/// The selection of a query or job at `now` (epoch ms). The members that are not live are cached
/// (the 32 most recent selections); computing them is cheap for media filters (a scan of one byte
/// per conversation) and runs off the async workers otherwise.
async fn select(st: &Arc<St>, q: &Select, now: i64) -> Selection {
    let ds = &st.ds;
    let end = q.interval.end.timestamp_millis().min(q.cutoff_ms);
    let (lo, hi) = ds.range(q.interval.start.timestamp_millis(), end);
    let split = ds.first_active();
    let (slo, shi) = (lo.min(split), hi.min(split));
    let (llo, lhi) = (lo.max(split), hi.max(split));
    let keyed = !q.order_by.by_start();
    let base = if !keyed && q.filters.is_empty() {
        Base::Range(slo, shi)
    } else {
        let key = format!("{slo}|{shi}|{}|{:?}", q.raw, keyed.then_some(q.order_by));
        let hit = st
            .cache
            .lock()
            .unwrap()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, b)| b.clone());
        match hit {
            Some(b) => b,
            None => {
                let compute = {
                    let (ds, filters, by) = (ds.clone(), q.filters.clone(), q.order_by);
                    move || {
                        if !keyed && filters.by_kind() {
                            let mask = Dataset::kind_mask(&filters);
                            return Base::kinds(ds.codes(), slo, shi, mask);
                        }
                        let members = ds.select_range(slo, shi, &filters, now);
                        if !keyed {
                            return Base::List(Arc::new(members));
                        }
                        // Members that are not live always have their keys.
                        let mut v: Vec<(i64, u32)> = members
                            .into_iter()
                            .map(|i| (ds.sort_key(i as usize, by, now).unwrap_or(i64::MAX), i))
                            .collect();
                        v.sort_unstable();
                        Base::Keyed(Arc::new(v))
                    }
                };
                let b = if !keyed && q.filters.by_kind() {
                    compute()
                } else {
                    match tokio::task::spawn_blocking(compute).await {
                        Ok(b) => b,
                        Err(e) => std::panic::resume_unwind(e.into_panic()),
                    }
                };
                let mut c = st.cache.lock().unwrap();
                c.push((key, b.clone()));
                if c.len() > 32 {
                    c.remove(0);
                }
                b
            }
        }
    };
    let live = ds
        .select_range(llo, lhi, &q.filters, now)
        .into_iter()
        .map(|i| {
            let key = keyed
                .then(|| ds.sort_key(i as usize, q.order_by, now))
                .flatten();
            (key, i)
        })
        .collect();
    Selection::new(base, live, q.desc, keyed)
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
        cache: Mutex::new(Vec::new()),
        stats,
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
    let body = json!({
        "message": message.into(),
        "code": code,
        "status": status.as_u16(),
        "contextId": ctx,
        "details": [],
        "errors": [],
    });
    (status, axum::Json(body)).into_response()
}

fn bad_request(ctx: &str, message: impl Into<String>) -> Response {
    api_error(ctx, StatusCode::BAD_REQUEST, "bad.request", message)
}

fn json_ok<T: serde::Serialize>(status: StatusCode, v: &T) -> Response {
    (status, axum::Json(v)).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let body =
        json!({"error": error, "description": description, "error_description": description});
    (status, axum::Json(body)).into_response()
}

fn fault_error(ctx: &str, status: u16) -> Response {
    let (s, code, msg) = match status {
        429 => (
            StatusCode::TOO_MANY_REQUESTS,
            "too.many.requests",
            "Rate limit exceeded the maximum. [300] requests for [60] seconds",
        ),
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
    let mut r = api_error(ctx, s, code, msg);
    if status == 429 {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    r
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
    let fault = pick_fault(&st.cfg.faults, st.unit());
    let mut resp = match fault {
        Some(Fault::Status(s)) => fault_error(&ctx, s),
        _ => {
            let r = next.run(req).await;
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

fn guard(st: &St, ctx: &str, headers: &HeaderMap, area: Area) -> Result<String, Response> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    let token = match auth.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() => {
            t.trim()
        }
        _ => {
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
    if st.cfg.rate_limit > 0 {
        let mut rate = st.rate.lock().unwrap();
        let now = Instant::now();
        let e = rate.entry(client.clone()).or_insert((now, 0));
        let window = st.cfg.rate_window_secs.max(1);
        if now.duration_since(e.0) >= StdDuration::from_secs(window) {
            *e = (now, 0);
        }
        e.1 += 1;
        if e.1 > st.cfg.rate_limit {
            let left = StdDuration::from_secs(window).saturating_sub(now.duration_since(e.0));
            let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            let mut r = api_error(
                ctx,
                StatusCode::TOO_MANY_REQUESTS,
                "too.many.requests",
                format!(
                    "Rate limit exceeded the maximum. [{}] requests for [{window}] seconds",
                    st.cfg.rate_limit
                ),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
            return Err(r);
        }
    }
    let f = st.cfg.forbid;
    let (forbidden, perm) = match area {
        Area::Query => (f.query, PERM_ANALYTICS),
        Area::Jobs => (f.jobs, PERM_ANALYTICS),
        Area::Conversations => (f.conversations, PERM_CONVERSATION),
        Area::Organization => (false, ""),
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
fn parse_form(s: &str) -> Vec<(String, String)> {
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

fn parse_interval(
    ctx: &str,
    body: &serde_json::Map<String, Value>,
    limit_days: Option<i64>,
) -> Result<Interval, Response> {
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
    if let Some(days) = limit_days
        && i.length() > Duration::days(days)
    {
        return Err(bad_request(
            ctx,
            format!("Invalid interval '{raw}': the interval may not exceed {days} days."),
        ));
    }
    Ok(i)
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
    let body = match parse_body(&ctx, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let interval = match parse_interval(&ctx, &body, Some(MAX_INTERVAL_DAYS)) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let desc = match parse_order(&ctx, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let order_by = match parse_order_by(&ctx, &body) {
        Ok(o) => o,
        Err(r) => return r,
    };
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
        return bad_request(
            &ctx,
            format!("Pagination may not exceed {MAX_PAGING_RESULTS} results"),
        );
    }
    let (filters, raw) = match parse_filters(&ctx, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let now = Utc::now();
    let q = Select {
        interval,
        cutoff_ms: i64::MAX,
        filters,
        raw,
        order_by,
        desc,
    };
    let sel = select(&st, &q, now.timestamp_millis()).await;
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
    let body = match parse_body(&ctx, &body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let interval = match parse_interval(&ctx, &body, None) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let desc = match parse_order(&ctx, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let order_by = match parse_order_by(&ctx, &body) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let (filters, raw) = match parse_filters(&ctx, &body) {
        Ok(f) => f,
        Err(r) => return r,
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
            interval,
            cutoff_ms: availability_ms(&st),
            filters,
            raw,
            order_by,
            desc,
        },
        limit,
        submitted: Utc::now(),
        submitted_at: Instant::now(),
        cancelled: false,
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

fn job_state(st: &St, j: &Job) -> &'static str {
    if j.cancelled {
        "CANCELLED"
    } else if j.submitted_at.elapsed() < StdDuration::from_millis(st.cfg.job_delay_ms) {
        "QUEUED"
    } else if Utc::now() > j.submitted + Duration::days(2) {
        "EXPIRED"
    } else {
        "FULFILLED"
    }
}

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
    json_ok(
        StatusCode::OK,
        &JobStatus {
            state: state.into(),
            error_message: None,
            submission_date: Some(format_time(j.submitted)),
            completion_date: (state == "FULFILLED" || state == "EXPIRED")
                .then(|| format_time(done)),
            expiration_date: Some(format_time(j.submitted + Duration::days(2))),
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

fn encode_cursor(job: &str, offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{job}:{offset}"))
}

fn decode_cursor(job: &str, c: &str) -> Option<usize> {
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
    let sel = select(&st, &j.select, now.timestamp_millis()).await;
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
            data_availability_date: Some(ms_time(j.select.cutoff_ms)),
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
