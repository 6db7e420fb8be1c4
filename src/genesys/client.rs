//! The HTTP client of the Genesys Cloud API: authentication, retries, and one method per endpoint.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::{Mutex, watch};

use super::auth::{CachedToken, Credentials, Secret};
use super::budget::{Budget, Priority, RateHeaders, Ticket};
use super::directory::Kind;
use super::error::{Error, Result};
use super::limiter::{Limiter, Outcome, Permit};
use super::model::{
    Attributes, Channel, ChannelTopic, ChannelTopics, Conversation, DataAvailability,
    DirectoryPage, JobCreated, JobStatus, OAuthErrorBody, Organization, Queue, QueueListing,
    TokenResponse, lenient_attributes,
};
use super::query::{DetailsQuery, Order, SortBy};
use super::records::{self, Page};
use super::redact::{Redactor, redact_url};
use super::retry::{RetryPolicy, Wait, WaitReason, jitter};
use super::scope::Scope;

/// The most ids [`Client::conversations_by_id`] asks for in one call (the API's limit).
pub const MAX_MULTI_GET: usize = 100;

/// How many calls [`Client::call_log`] keeps.
pub const CALL_LOG_SIZE: usize = 200;

/// Token renewals a call may make on 401s: one for a token refused while good, the rest for
/// tokens that expired on their way (bounded, since the server decides).
const MAX_RENEWALS: u32 = 4;

/// One API call (one attempt: a retry is a call of its own), as the call log keeps it. Never
/// holds a secret: no token, no query string, no body.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// When it was sent.
    pub at: DateTime<Utc>,
    /// `GET`, `POST`, `DELETE`.
    pub method: String,
    /// The path, without the query string: `/api/v2/conversations/{id}`.
    pub path: String,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// What went wrong, when something did: the API's message, a network error, a body that did
    /// not parse.
    pub error: Option<String>,
    pub latency: Duration,
    /// The `inin-correlation-id` of the answer (the `contextId` Genesys support asks for).
    pub correlation_id: Option<String>,
    /// The answer's `inin-ratelimit-*` figures, when it had sensible ones.
    pub ratelimit: Option<RateHeaders>,
    /// Sent, no answer yet (a stalled call shows as pending, never with a status it did not
    /// get); replaced by the finished record.
    pub pending: bool,
    /// Which call this is (the finished record replaces the pending one of the same number).
    pub seq: u64,
}

impl CallRecord {
    /// Whether the call got a 2xx answer it could read.
    pub fn is_ok(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Permission the analytics endpoints need (named in errors when a 403 does not name one).
pub const PERM_ANALYTICS: &str = "analytics:conversationDetail:view";
/// Permission GET conversation needs.
pub const PERM_CONVERSATION: &str = "conversation:communication:view";

/// Told about each wait before a retry, so that callers can show it.
pub type Observer<'a> = &'a (dyn Fn(&Wait) + Send + Sync);

/// An observer that ignores waits.
pub fn quiet(_: &Wait) {}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// `https://api.mypurecloud.ie`, or the simulator's `http://127.0.0.1:PORT`.
    pub api_base: String,
    /// `https://login.mypurecloud.ie`, or the same as `api_base` for the simulator.
    pub login_base: String,
    pub credentials: Credentials,
    pub retry: RetryPolicy,
    /// Per request, headers and body included: a stalled answer fails after this.
    pub timeout: Duration,
    /// The region the URLs come from and where it was chosen (`eu-west-1 (mypurecloud.ie), from
    /// --region`), for advice in login errors; `None` when URLs were given.
    pub region: Option<String>,
    /// The most bytes read of an answer, by endpoint.
    pub max_body: BodyLimits,
    /// Pace requests by the `inin-ratelimit-*` headers (the default). Off, only 429s slow the
    /// client down: as when other processes spend the same budget faster than its answers
    /// tell.
    pub pacing: bool,
}

impl ClientConfig {
    pub fn new(api_base: &str, login_base: &str, credentials: Credentials) -> Self {
        ClientConfig {
            api_base: api_base.trim_end_matches('/').to_string(),
            login_base: login_base.trim_end_matches('/').to_string(),
            credentials,
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            region: None,
            max_body: BodyLimits::default(),
            pacing: true,
        }
    }
}

/// The client. Share it as `Arc<Client>`: the token cache and the call log are shared by every
/// task.
pub struct Client {
    http: reqwest::Client,
    cfg: ClientConfig,
    token: Mutex<Option<CachedToken>>,
    log: std::sync::Mutex<VecDeque<CallRecord>>,
    /// Counts the changes to the call log (a call sent, a call answered): receivers see it
    /// change with each.
    logged: watch::Sender<u64>,
    /// The last call number handed out.
    call_seq: std::sync::atomic::AtomicU64,
    /// The secrets a server might echo (the client's, every token obtained): hidden from
    /// errors, the call log and the log.
    secrets: std::sync::RwLock<Redactor>,
    /// The OAuth client's rate budget, shared by every request of the process.
    budget: Budget,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &redact_url(&self.cfg.api_base))
            .field("login_base", &redact_url(&self.cfg.login_base))
            .finish_non_exhaustive()
    }
}

/// A call sent and not yet answered; dropped unfinished (its task was cancelled, the read given
/// up), it is logged as abandoned rather than left pending.
struct InFlight<'a> {
    client: &'a Client,
    seq: u64,
    at: DateTime<Utc>,
    started: Instant,
    method: String,
    path: String,
    done: bool,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.client.record(CallRecord {
                at: self.at,
                method: std::mem::take(&mut self.method),
                path: std::mem::take(&mut self.path),
                status: None,
                error: Some("abandoned before an answer came (cancelled)".into()),
                latency: self.started.elapsed(),
                correlation_id: None,
                ratelimit: None,
                pending: false,
                seq: self.seq,
            });
        }
    }
}

/// Installs the TLS crypto provider once (reqwest is built without a default one).
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Client> {
        install_crypto();
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("convoscope/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot set up HTTP: {e}")))?;
        let mut secrets = Redactor::default();
        match &cfg.credentials {
            Credentials::ClientCredentials { client_id, secret } => {
                secrets.add_client(client_id, secret.expose())
            }
            Credentials::Token(t) => secrets.add(t.expose()),
        }
        let token = match &cfg.credentials {
            Credentials::Token(t) => Some(CachedToken {
                token: t.clone(),
                renew_at: Instant::now() + Duration::from_secs(100 * 365 * 86_400),
            }),
            Credentials::ClientCredentials { .. } => None,
        };
        let budget = if cfg.pacing {
            Budget::new()
        } else {
            Budget::unpaced()
        };
        Ok(Client {
            http,
            cfg,
            token: Mutex::new(token),
            log: std::sync::Mutex::new(VecDeque::with_capacity(CALL_LOG_SIZE)),
            logged: watch::Sender::new(0),
            call_seq: std::sync::atomic::AtomicU64::new(0),
            secrets: std::sync::RwLock::new(secrets),
            budget,
        })
    }

    /// The OAuth client's rate budget: what it holds back, the headers' figures, the counts.
    pub fn budget(&self) -> &Budget {
        &self.budget
    }

    pub fn api_base(&self) -> &str {
        &self.cfg.api_base
    }

    /// The last [`CALL_LOG_SIZE`] API calls, oldest first.
    pub fn call_log(&self) -> Vec<CallRecord> {
        self.log.lock().unwrap().iter().cloned().collect()
    }

    /// Changes with every call sent and every call answered (its value counts the changes):
    /// `changed().await` on it to learn of new entries in [`Client::call_log`] without polling.
    pub fn call_log_changes(&self) -> watch::Receiver<u64> {
        self.logged.subscribe()
    }

    /// `text` without the secrets a server might have echoed.
    fn redact(&self, text: &str) -> String {
        self.secrets.read().unwrap().redact(text)
    }

    /// Puts a call in the log as pending, until [`InFlight::finish`] (or its drop, when the
    /// caller gave up on it) replaces it.
    fn begin(&self, method: &str, path: &str) -> InFlight<'_> {
        let seq = 1 + self
            .call_seq
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let at = Utc::now();
        self.keep(CallRecord {
            at,
            method: method.to_string(),
            path: path.to_string(),
            status: None,
            error: None,
            latency: Duration::ZERO,
            correlation_id: None,
            ratelimit: None,
            pending: true,
            seq,
        });
        InFlight {
            client: self,
            seq,
            at,
            started: Instant::now(),
            method: method.to_string(),
            path: path.to_string(),
            done: false,
        }
    }

    /// Keeps a record in the call log: in place of the pending one of the same call, else as
    /// the newest.
    fn keep(&self, rec: CallRecord) {
        {
            let mut log = self.log.lock().unwrap();
            if let Some(old) = log.iter_mut().rev().find(|r| r.seq == rec.seq && r.pending) {
                *old = rec;
            } else {
                if log.len() >= CALL_LOG_SIZE {
                    log.pop_front();
                }
                log.push_back(rec);
            }
        }
        self.logged.send_modify(|n| *n += 1);
    }

    /// Logs one finished call at info (never a secret or a token) and keeps it in the call log.
    fn record(&self, mut rec: CallRecord) {
        rec.error = rec.error.map(|e| self.redact(&e));
        tracing::info!(
            method = %rec.method,
            path = %rec.path,
            status = rec.status.map(i64::from).unwrap_or(-1),
            error = rec.error.as_deref().unwrap_or(""),
            ms = rec.latency.as_millis() as u64,
            correlation_id = rec.correlation_id.as_deref().unwrap_or(""),
            "api call"
        );
        self.keep(rec);
    }

    /// Gets a token now, so that bad credentials show before anything else.
    pub async fn authenticate(&self) -> Result<()> {
        self.access_token(None, &quiet).await.map(|_| ())
    }

    /// The cached token, or a new one. `refused` is a token the API just refused: renew unless
    /// another task already did.
    async fn access_token(&self, refused: Option<&Secret>, obs: Observer<'_>) -> Result<Secret> {
        let mut cache = self.token.lock().await;
        if let Some(c) = cache.as_ref()
            && c.is_fresh(Instant::now())
            && refused != Some(&c.token)
        {
            return Ok(c.token.clone());
        }
        let (client_id, secret) = match &self.cfg.credentials {
            Credentials::ClientCredentials { client_id, secret } => (client_id, secret),
            Credentials::Token(_) => {
                return Err(token_refused(None));
            }
        };
        let fresh = self.fetch_token(client_id, secret, obs).await?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    /// Whether `token` is the cached one and past its time to be renewed.
    async fn is_stale(&self, token: &Secret) -> bool {
        let cache = self.token.lock().await;
        cache
            .as_ref()
            .is_some_and(|c| c.token == *token && !c.is_fresh(Instant::now()))
    }

    async fn fetch_token(
        &self,
        client_id: &str,
        secret: &Secret,
        obs: Observer<'_>,
    ) -> Result<CachedToken> {
        let url = format!("{}/oauth/token", self.cfg.login_base);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut flight = self.begin("POST", "/oauth/token");
            let (started, at) = (flight.started, flight.at);
            let sent = self
                .http
                .post(&url)
                .basic_auth(client_id, Some(secret.expose()))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await;
            let mut status = None;
            let mut cid = None;
            let err = match sent {
                Err(e) => network_error(&e, &self.cfg.login_base),
                Ok(resp) => {
                    status = Some(resp.status());
                    cid = correlation_id(&resp);
                    let retry_after = retry_after(&resp);
                    let html = is_html(&resp);
                    match resp.bytes().await {
                        Err(e) => network_error(&e, &self.cfg.login_base),
                        // An HTML page from a proxy in trouble (502, 503) may pass: retried.
                        Ok(body)
                            if (html || starts_like_html(&body))
                                && status
                                    .is_none_or(|s| !s.is_server_error() || s.as_u16() == 501) =>
                        {
                            not_genesys(&url, status, self.cfg.region.as_deref())
                        }
                        Ok(body) if resp_ok(status) => {
                            match serde_json::from_slice::<TokenResponse>(&body) {
                                Ok(t) => {
                                    flight.done = true;
                                    self.record(CallRecord {
                                        at,
                                        method: "POST".into(),
                                        path: "/oauth/token".into(),
                                        status: status.map(|s| s.as_u16()),
                                        error: None,
                                        latency: started.elapsed(),
                                        correlation_id: cid,
                                        ratelimit: None,
                                        pending: false,
                                        seq: flight.seq,
                                    });
                                    self.secrets.write().unwrap().add(&t.access_token);
                                    let ttl = Duration::from_secs(t.expires_in.max(1));
                                    return Ok(CachedToken::new(
                                        Secret::new(t.access_token),
                                        ttl,
                                        started,
                                    ));
                                }
                                // Never quote the body: it may hold a token.
                                Err(e) => Error::Decode {
                                    what: "the OAuth token".into(),
                                    detail: format!(
                                        "{} at column {}",
                                        e.classify_str(),
                                        e.column()
                                    ),
                                    context_id: cid.clone(),
                                },
                            }
                        }
                        Ok(body) => token_error(
                            status.unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                            &body,
                            retry_after,
                            &Login {
                                url: &url,
                                region: self.cfg.region.as_deref(),
                                secrets: &self.secrets.read().unwrap(),
                            },
                            cid.clone(),
                        ),
                    }
                }
            };
            flight.done = true;
            self.record(CallRecord {
                at,
                method: "POST".into(),
                path: "/oauth/token".into(),
                status: status.map(|s| s.as_u16()),
                error: Some(err.summary()),
                latency: started.elapsed(),
                correlation_id: cid,
                ratelimit: None,
                pending: false,
                seq: flight.seq,
            });
            self.wait_or_fail(err, attempt, obs, None, None).await?;
        }
    }

    /// Gives the attempt's permit back, then waits before the next attempt when `err` is worth
    /// retrying and attempts remain; else returns the error. A 429 holds back every request of
    /// the limiter's work for its `Retry-After`, not only this one.
    async fn wait_or_fail(
        &self,
        err: Error,
        attempt: u32,
        obs: Observer<'_>,
        limiter: Option<&Limiter>,
        permit: Option<Permit<'_>>,
    ) -> Result<()> {
        // Whatever a server said goes no further with a secret in it.
        let err = err.map_text(|t| self.redact(t));
        let p = &self.cfg.retry;
        // A body cut short is worth another attempt; decoding a whole one is never done here.
        let retry =
            (err.is_transient() || matches!(err, Error::Decode { .. })) && attempt < p.max_attempts;
        let (delay, reason) = match &err {
            Error::RateLimited { retry_after, .. } => (
                p.after_429(*retry_after, attempt, jitter()),
                WaitReason::RateLimited,
            ),
            Error::Server { status, .. } => (
                p.backoff(attempt, jitter()),
                WaitReason::ServerError(*status),
            ),
            Error::Network { message } => (
                p.backoff(attempt, jitter()),
                WaitReason::Network(message.clone()),
            ),
            _ => (p.backoff(attempt, jitter()), WaitReason::BadBody),
        };
        let limited = reason == WaitReason::RateLimited;
        if limited {
            // Every request of the OAuth client waits it out, not only this work's.
            self.budget.rate_limited(delay);
            if let Some(l) = limiter {
                l.rate_limited(delay);
            }
        }
        if let Some(permit) = permit {
            permit.done(if limited {
                Outcome::RateLimited
            } else {
                Outcome::Failure
            });
        }
        if !retry {
            return Err(err);
        }
        tracing::info!(attempt, delay_ms = delay.as_millis() as u64, %reason, "retrying");
        obs(&Wait {
            delay,
            reason,
            attempt,
        });
        if limited {
            // Held back with every request of the client, counted as waited for the budget.
            self.budget.sit_out().await;
        } else {
            tokio::time::sleep(delay).await;
        }
        Ok(())
    }

    /// One API call: authentication, renewal on 401 (see [`MAX_RENEWALS`]), and retries of what may go better
    /// next time (429, 5xx, network errors, a body cut short). Returns the body as text, made
    /// valid and checked to be whole JSON; decoding it is the caller's (and a body that does not
    /// fit a model is never asked for again: the API would send the same). With a limiter, every
    /// attempt takes one of its permits.
    async fn call(&self, c: Call<'_>, opts: CallOpts<'_>) -> Result<String> {
        let url = format!("{}{}", self.cfg.api_base, c.path);
        let mut attempt = 0;
        let (mut renewals, mut renewed_good) = (0, false);
        let mut refused: Option<Secret> = None;
        loop {
            attempt += 1;
            // A renewal happens here, holding no permit and no share of the budget.
            self.access_token(refused.as_ref(), opts.observer).await?;
            let permit = match opts.limiter {
                Some(l) => Some(l.acquire().await),
                None => None,
            };
            // Waits on the clock and on answers already on their way only: never a stall.
            let ticket = self.budget.acquire(opts.priority).await;
            // The token as it stands after those waits (a pause for the budget can outlast a
            // short-lived token): the cached one, unless it went stale meanwhile.
            let token = self.access_token(refused.as_ref(), opts.observer).await?;
            let err = match self.attempt(&c, &url, &token, ticket).await {
                Ok(text) => {
                    if let Some(p) = permit {
                        p.done(Outcome::Success);
                    }
                    return Ok(text);
                }
                Err((e, Some(401))) => match &self.cfg.credentials {
                    // A token obtained elsewhere cannot be renewed.
                    Credentials::Token(_) => token_refused(e.context_id().map(str::to_string)),
                    Credentials::ClientCredentials { .. } => {
                        // A token refused while it should still be good (revoked): renewed
                        // once. One that outlived its time on the way (a slow answer, a short
                        // lifetime): renewed again, a few times at most.
                        let stale = self.is_stale(&token).await;
                        if renewals < MAX_RENEWALS && (stale || !renewed_good) {
                            drop(permit);
                            renewals += 1;
                            renewed_good |= !stale;
                            refused = Some(token);
                            attempt -= 1;
                            continue;
                        }
                        e
                    }
                },
                Err((e, _)) => e,
            };
            self.wait_or_fail(err, attempt, opts.observer, opts.limiter, permit)
                .await?;
        }
    }

    /// One attempt of a call, logged in the call log: the request, and its answer read (at most
    /// the call's `max_body` bytes). A 2xx body comes back as text, made valid and checked to be
    /// whole JSON (an empty body reads as `null`); anything else is an error, with the status
    /// when an answer came.
    async fn attempt(
        &self,
        c: &Call<'_>,
        url: &str,
        token: &Secret,
        ticket: Ticket<'_>,
    ) -> std::result::Result<String, (Error, Option<u16>)> {
        let mut req = self
            .http
            .request(c.method.clone(), url)
            .bearer_auth(token.expose());
        if !c.query.is_empty() {
            req = req.query(&c.query);
        }
        if let Some(b) = c.body {
            req = req.json(b);
        }
        let mut flight = self.begin(c.method.as_str(), &c.path);
        let (started, at) = (flight.started, flight.at);
        let mut status: Option<u16> = None;
        let mut cid = None;
        let mut ratelimit = None;
        let result = match req.send().await {
            Err(e) => {
                drop(ticket);
                Err(network_error(&e, &self.cfg.api_base))
            }
            Ok(resp) => {
                status = Some(resp.status().as_u16());
                cid = correlation_id(&resp);
                ratelimit = RateHeaders::parse(|name| {
                    resp.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                });
                ticket.answered(ratelimit);
                let ra = retry_after(&resp);
                let ok = resp.status().is_success();
                match read_body(resp, c.max_body).await {
                    Err(BodyError::Network(e)) => Err(network_error(&e, &self.cfg.api_base)),
                    Err(BodyError::TooLarge) => Err(Error::TooLarge {
                        what: c.what.clone(),
                        limit: c.max_body,
                        context_id: cid.clone(),
                    }),
                    Ok(bytes) if ok => {
                        let text = records::made_valid(bytes);
                        let text = if text.trim().is_empty() {
                            "null".to_string()
                        } else {
                            text
                        };
                        match records::check_json(&text) {
                            Ok(()) => Ok(text),
                            Err(e) => Err(Error::Decode {
                                what: c.what.clone(),
                                detail: e.to_string(),
                                context_id: cid.clone(),
                            }),
                        }
                    }
                    Ok(bytes) => {
                        let code = status.unwrap_or(0);
                        let text = String::from_utf8_lossy(&bytes);
                        let mut e = Error::from_api(code, &text, c.needed, &c.what)
                            .or_context_id(cid.as_deref());
                        if let Error::RateLimited { retry_after, .. } = &mut e {
                            *retry_after = ra;
                        }
                        Err(e)
                    }
                }
            }
        };
        flight.done = true;
        self.record(CallRecord {
            at,
            method: c.method.to_string(),
            path: c.path.clone(),
            status,
            error: result.as_ref().err().map(Error::summary),
            latency: started.elapsed(),
            correlation_id: cid,
            ratelimit,
            pending: false,
            seq: flight.seq,
        });
        result.map_err(|e| (e, status))
    }

    /// [`Client::call`], the body decoded as `T` (an error of its own when it does not fit).
    async fn call_decoded<T: DeserializeOwned>(
        &self,
        c: Call<'_>,
        opts: CallOpts<'_>,
    ) -> Result<T> {
        let what = c.what.clone();
        let text = self.call(c, opts).await?;
        decoded(&text, &what)
    }

    /// One page of the details query, decoded record by record (see [`records`]).
    pub async fn query_page(&self, q: &DetailsQuery, opts: CallOpts<'_>) -> Result<Page> {
        self.query_page_sorted(q, SortBy::Start, opts).await
    }

    /// [`Client::query_page`], sorted by `by` (`q.order` says which way).
    pub async fn query_page_sorted(
        &self,
        q: &DetailsQuery,
        by: SortBy,
        opts: CallOpts<'_>,
    ) -> Result<Page> {
        let body = q
            .scope
            .query_body_sorted(by, q.order, q.page_size, q.page_number);
        let what = format!("page {} of the conversation query", q.page_number);
        let text = self
            .call(
                Call::new(
                    Method::POST,
                    "/api/v2/analytics/conversations/details/query",
                    what.clone(),
                    Some(PERM_ANALYTICS),
                    self.cfg.max_body.query,
                )
                .body(&body),
                opts,
            )
            .await?;
        outline(&text, &what)
    }

    /// The organization the client is connected to (`GET /api/v2/organizations/me`): show its
    /// name, so that nobody mistakes one org for another.
    pub async fn organization(&self, opts: CallOpts<'_>) -> Result<Organization> {
        self.call_decoded(
            Call::new(
                Method::GET,
                "/api/v2/organizations/me",
                "the organization",
                None,
                self.cfg.max_body.other,
            ),
            opts,
        )
        .await
    }

    /// The live conversation with every participant's attributes, and its JSON text as the API
    /// sent it (made valid; key order and number spelling kept, for showing it raw).
    pub async fn conversation(
        &self,
        id: &str,
        opts: CallOpts<'_>,
    ) -> Result<(Conversation, String)> {
        let id = checked_id(id)?;
        let text = self.call(conversation_call(id, &self.cfg), opts).await?;
        let conv = decoded(&text, &format!("conversation {id}"))?;
        Ok((conv, text))
    }

    /// The attributes of a live conversation's participants, by participant id: GET
    /// conversation read for them alone, leniently (a field elsewhere that does not fit the
    /// model costs nothing; a number where attribute text belongs is kept as its text).
    pub async fn conversation_attributes(
        &self,
        id: &str,
        opts: CallOpts<'_>,
    ) -> Result<HashMap<String, Attributes>> {
        #[derive(serde::Deserialize)]
        struct Only {
            #[serde(default)]
            participants: Vec<Participant>,
        }
        #[derive(serde::Deserialize)]
        struct Participant {
            #[serde(default, deserialize_with = "records::lenient_string")]
            id: Option<String>,
            #[serde(default, deserialize_with = "lenient_attributes")]
            attributes: Attributes,
        }
        let id = checked_id(id)?;
        let only: Only = self
            .call_decoded(conversation_call(id, &self.cfg), opts)
            .await?;
        Ok(only
            .participants
            .into_iter()
            .filter_map(|p| Some((p.id?, p.attributes)))
            .collect())
    }

    /// Starts an async details job over `scope`.
    pub async fn create_job(
        &self,
        scope: &Scope,
        order: Order,
        opts: CallOpts<'_>,
    ) -> Result<JobCreated> {
        let body = scope.job_body(order);
        self.call_decoded(
            Call::new(
                Method::POST,
                "/api/v2/analytics/conversations/details/jobs",
                "the async details job",
                Some(PERM_ANALYTICS),
                self.cfg.max_body.other,
            )
            .body(&body),
            opts,
        )
        .await
    }

    pub async fn job_status(&self, job_id: &str, opts: CallOpts<'_>) -> Result<JobStatus> {
        let id = checked_id(job_id)?;
        self.call_decoded(
            Call::new(
                Method::GET,
                format!("/api/v2/analytics/conversations/details/jobs/{id}"),
                format!("async job {id}"),
                Some(PERM_ANALYTICS),
                self.cfg.max_body.other,
            ),
            opts,
        )
        .await
    }

    /// One page of a job's results, decoded record by record (see [`records`]).
    pub async fn job_results(
        &self,
        job_id: &str,
        cursor: Option<&str>,
        page_size: u32,
        opts: CallOpts<'_>,
    ) -> Result<Page> {
        let id = checked_id(job_id)?;
        let mut q = vec![("pageSize", page_size.to_string())];
        if let Some(c) = cursor {
            q.push(("cursor", c.to_string()));
        }
        let what = format!("the results of async job {id}");
        let text = self
            .call(
                Call::new(
                    Method::GET,
                    format!("/api/v2/analytics/conversations/details/jobs/{id}/results"),
                    what.clone(),
                    Some(PERM_ANALYTICS),
                    self.cfg.max_body.job_results,
                )
                .query(q),
                opts,
            )
            .await?;
        outline(&text, &what)
    }

    /// Deletes a job (its results are read, or no longer needed).
    pub async fn delete_job(&self, job_id: &str, opts: CallOpts<'_>) -> Result<()> {
        let id = checked_id(job_id)?;
        self.call(
            Call::new(
                Method::DELETE,
                format!("/api/v2/analytics/conversations/details/jobs/{id}"),
                format!("async job {id}"),
                Some(PERM_ANALYTICS),
                self.cfg.max_body.other,
            ),
            opts,
        )
        .await?;
        Ok(())
    }

    /// One page of a directory listing (users, queues, wrap-up codes, divisions): by ids (at
    /// most [`directory::MAX_IDS`](super::directory::MAX_IDS), checked here), by `name` (queues,
    /// wrap-up codes, divisions: the start of the name, `*` a wildcard at either end), or all.
    pub async fn directory_page(
        &self,
        kind: Kind,
        ask: &DirectoryAsk<'_>,
        opts: CallOpts<'_>,
    ) -> Result<DirectoryPage> {
        if ask.ids.len() > super::directory::MAX_IDS {
            return Err(Error::Config(format!(
                "at most {} ids a directory call, not {}",
                super::directory::MAX_IDS,
                ask.ids.len()
            )));
        }
        let mut q: Vec<(&'static str, String)> = vec![
            ("pageSize", ask.page_size.to_string()),
            ("pageNumber", ask.page_number.to_string()),
        ];
        for id in ask.ids {
            q.push(("id", checked_id(id)?.to_string()));
        }
        if let Some(n) = ask.name {
            q.push(("name", n.to_string()));
        }
        // Users who have left still name the conversations they handled.
        if kind == Kind::User {
            q.push(("state", "any".into()));
        }
        let what = format!("page {} of the {}", ask.page_number, kind.plural());
        self.call_decoded(
            Call::new(
                Method::GET,
                kind.path(),
                what,
                kind.permission(),
                self.cfg.max_body.other,
            )
            .query(q),
            opts,
        )
        .await
    }

    /// Several conversations by id, as the details query has them (no attributes):
    /// `GET /api/v2/analytics/conversations/details?id=a,b,c`, at most [`MAX_MULTI_GET`] ids a
    /// call (more are refused before any request). Ids the API does not know are left out.
    pub async fn conversations_by_id(&self, ids: &[String], opts: CallOpts<'_>) -> Result<Page> {
        if ids.len() > MAX_MULTI_GET {
            return Err(Error::Config(format!(
                "at most {MAX_MULTI_GET} conversations may be asked for at once, not {}",
                ids.len()
            )));
        }
        let ids: Vec<&str> = ids.iter().map(|i| checked_id(i)).collect::<Result<_>>()?;
        let what = format!("{} conversation(s) by id", ids.len());
        let text = self
            .call(
                Call::new(
                    Method::GET,
                    "/api/v2/analytics/conversations/details",
                    what.clone(),
                    Some(PERM_ANALYTICS),
                    self.cfg.max_body.query,
                )
                .query(vec![("id", ids.join(","))]),
                opts,
            )
            .await?;
        outline(&text, &what)
    }

    /// A new notification channel (`POST /api/v2/notifications/channels`).
    pub async fn create_channel(&self, opts: CallOpts<'_>) -> Result<Channel> {
        self.call_decoded(
            Call::new(
                Method::POST,
                "/api/v2/notifications/channels",
                "a notification channel",
                None,
                self.cfg.max_body.other,
            ),
            opts,
        )
        .await
    }

    /// Replaces a channel's topics (`PUT …/subscriptions`); what the API says of each.
    pub async fn set_subscriptions(
        &self,
        channel: &str,
        topics: &[String],
        opts: CallOpts<'_>,
    ) -> Result<Vec<ChannelTopic>> {
        let id = checked_id(channel)?;
        let body = Value::Array(
            topics
                .iter()
                .map(|t| serde_json::json!({ "id": t }))
                .collect(),
        );
        let listing: ChannelTopics = self
            .call_decoded(
                Call::new(
                    Method::PUT,
                    format!("/api/v2/notifications/channels/{id}/subscriptions"),
                    format!("the subscriptions of channel {id}"),
                    None,
                    self.cfg.max_body.other,
                )
                .body(&body),
                opts,
            )
            .await?;
        Ok(listing.entities)
    }

    /// Removes every topic of a channel (`DELETE …/subscriptions`).
    pub async fn clear_subscriptions(&self, channel: &str, opts: CallOpts<'_>) -> Result<()> {
        let id = checked_id(channel)?;
        self.call(
            Call::new(
                Method::DELETE,
                format!("/api/v2/notifications/channels/{id}/subscriptions"),
                format!("the subscriptions of channel {id}"),
                None,
                self.cfg.max_body.other,
            ),
            opts,
        )
        .await?;
        Ok(())
    }

    /// Queues whose name starts with `name` (`GET /api/v2/routing/queues?name=`), one page of
    /// 100 at most.
    pub async fn queues_named(&self, name: &str, opts: CallOpts<'_>) -> Result<Vec<Queue>> {
        let listing: QueueListing = self
            .call_decoded(
                Call::new(
                    Method::GET,
                    "/api/v2/routing/queues",
                    format!("the queues named {name:?}"),
                    Some("routing:queue:view"),
                    self.cfg.max_body.other,
                )
                .query(vec![("name", name.to_string()), ("pageSize", "100".into())]),
                opts,
            )
            .await?;
        Ok(listing.entities)
    }

    /// Up to when the analytics data lake (and so async jobs) has data.
    pub async fn availability(&self, opts: CallOpts<'_>) -> Result<DataAvailability> {
        self.call_decoded(
            Call::new(
                Method::GET,
                "/api/v2/analytics/conversations/details/jobs/availability",
                "the data availability date",
                Some(PERM_ANALYTICS),
                self.cfg.max_body.other,
            ),
            opts,
        )
        .await
    }
}

/// What one directory listing call asks for.
#[derive(Debug, Clone, Copy)]
pub struct DirectoryAsk<'a> {
    pub ids: &'a [String],
    pub name: Option<&'a str>,
    pub page_size: u32,
    pub page_number: u32,
}

/// How a call is made: who hears of its waits, and which limiter paces it.
#[derive(Clone, Copy)]
pub struct CallOpts<'a> {
    /// Told of each wait before a retry.
    pub observer: Observer<'a>,
    /// Every attempt takes one of its permits (and a 429 holds all of its work back).
    pub limiter: Option<&'a Limiter>,
    /// Its place in the OAuth client's budget.
    pub priority: Priority,
}

impl Default for CallOpts<'_> {
    fn default() -> Self {
        CallOpts {
            observer: &quiet,
            limiter: None,
            priority: Priority::Foreground,
        }
    }
}

impl<'a> CallOpts<'a> {
    /// Waits reported to `observer`, no limiter.
    pub fn observed(observer: Observer<'a>) -> Self {
        CallOpts {
            observer,
            limiter: None,
            priority: Priority::Foreground,
        }
    }

    /// The same, in the given place in the rate budget.
    pub fn with_priority(self, priority: Priority) -> Self {
        CallOpts { priority, ..self }
    }

    /// The same, paced by `limiter`.
    pub fn limited(self, limiter: &'a Limiter) -> Self {
        CallOpts {
            limiter: Some(limiter),
            ..self
        }
    }
}

/// The most bytes of an answer convoscope reads, by endpoint: a server that sends more is
/// refused with a clear error instead of filling the memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// A page of the details query (at most 100 conversations, without attributes).
    pub query: u64,
    /// A page of job results (up to 1,000 conversations, with attributes).
    pub job_results: u64,
    /// GET conversation.
    pub conversation: u64,
    /// Everything else (token, job status, organization, errors...).
    pub other: u64,
}

impl Default for BodyLimits {
    fn default() -> Self {
        const MB: u64 = 1 << 20;
        BodyLimits {
            query: 64 * MB,
            job_results: 128 * MB,
            conversation: 32 * MB,
            other: 4 * MB,
        }
    }
}

/// One API request, as `Client::call` takes it.
struct Call<'a> {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<&'a Value>,
    /// What is asked for, for messages ("conversation 1234").
    what: String,
    /// The permission the endpoint needs, named when a 403 does not name one.
    needed: Option<&'static str>,
    /// Answers longer than this are refused ([`BodyLimits`]).
    max_body: u64,
}

impl<'a> Call<'a> {
    fn new(
        method: Method,
        path: impl Into<String>,
        what: impl Into<String>,
        needed: Option<&'static str>,
        max_body: u64,
    ) -> Self {
        Call {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            what: what.into(),
            needed,
            max_body,
        }
    }

    fn query(self, query: Vec<(&'static str, String)>) -> Self {
        Call { query, ..self }
    }

    fn body(self, body: &'a Value) -> Self {
        Call {
            body: Some(body),
            ..self
        }
    }
}

enum BodyError {
    Network(reqwest::Error),
    TooLarge,
}

/// Reads an answer's body, at most `max` bytes (announced or received).
async fn read_body(
    mut resp: reqwest::Response,
    max: u64,
) -> std::result::Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0).min(max) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Network)? {
        if (body.len() + chunk.len()) as u64 > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

trait Classify {
    fn classify_str(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_str(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "invalid JSON",
            serde_json::error::Category::Data => "unexpected JSON",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}

/// Decodes a body (already checked to be JSON) as `T`: an error of its own, never retried.
fn decoded<T: DeserializeOwned>(text: &str, what: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Decode {
        what: what.to_string(),
        detail: e.to_string(),
        context_id: None,
    })
}

/// A page, record by record.
fn outline(text: &str, what: &str) -> Result<Page> {
    records::page(text).map_err(|e| Error::Decode {
        what: what.to_string(),
        detail: e.to_string(),
        context_id: None,
    })
}

/// `GET /api/v2/conversations/{id}` (the id already checked).
fn conversation_call<'a>(id: &str, cfg: &ClientConfig) -> Call<'a> {
    Call::new(
        Method::GET,
        format!("/api/v2/conversations/{id}"),
        format!("conversation {id}"),
        Some(PERM_CONVERSATION),
        cfg.max_body.conversation,
    )
}

/// Ids go into URL paths: only the characters ids are made of, so nothing can escape the path.
fn checked_id(id: &str) -> Result<&str> {
    let id = id.trim();
    if !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(id)
    } else {
        Err(Error::Config(format!(
            "'{}' is not a valid id: ids are like 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            id.chars().take(80).collect::<String>().escape_debug()
        )))
    }
}

fn resp_ok(status: Option<StatusCode>) -> bool {
    status.is_some_and(|s| s.is_success())
}

/// The answer's `inin-correlation-id`: the contextId when the body has none.
fn correlation_id(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get("inin-correlation-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

fn token_refused(context_id: Option<String>) -> Error {
    Error::Auth {
        message: "the access token was refused (expired or revoked); get a new one or use an \
                  OAuth client id and secret"
            .into(),
        context_id,
    }
}

fn retry_after(resp: &reqwest::Response) -> Option<u64> {
    resp.headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|s| s.max(0.0).ceil() as u64)
}

/// The TLS error somewhere in the causes of `e`, if any.
fn tls_cause(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur = Some(e);
    while let Some(c) = cur {
        if let Some(t) = c.downcast_ref::<rustls::Error>() {
            return Some(t.to_string());
        }
        // An io::Error's source() skips the error it wraps (often another io::Error): descend
        // into that one instead.
        cur = match c.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => c.source(),
        };
    }
    None
}

/// `host:port` of a base URL, for messages.
fn host_of(base: &str) -> String {
    reqwest::Url::parse(base)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_string();
            Some(match u.port_or_known_default() {
                Some(p) => format!("{host}:{p}"),
                None => host,
            })
        })
        .unwrap_or_else(|| base.to_string())
}

fn network_error(e: &reqwest::Error, base: &str) -> Error {
    let base = &redact_url(base);
    // The innermost cause says most ("connection refused", "dns error"); URLs hold no secret.
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let message = if let Some(tls) = tls_cause(e) {
        format!(
            "TLS handshake with {} failed: {tls}. Is the URL http:// (a server without TLS) \
             rather than https://? Is a proxy intercepting TLS (then its certificate authority \
             must be trusted)?",
            host_of(base)
        )
    } else if e.is_timeout() {
        format!("{base} did not answer in time")
    } else if e.is_connect() {
        format!("cannot connect to {base} ({cause})")
    } else if e.is_body() || e.is_decode() {
        format!("the connection to {base} dropped during the answer ({cause})")
    } else {
        format!("request to {base} failed ({cause})")
    };
    Error::Network { message }
}

/// Where a login went, for its error messages.
struct Login<'a> {
    /// `{login}/oauth/token`.
    url: &'a str,
    /// The region the URL comes from, if any ([`ClientConfig::region`]).
    region: Option<&'a str>,
    secrets: &'a Redactor,
}

/// What to check when the login URL is not the right one.
fn check_url(region: Option<&str>) -> String {
    match region {
        Some(r) => format!("Check the region ({r}): it must be the org's"),
        None => "Check --login-url, or --api-url it is derived from (Genesys Cloud logs in at \
                 https://login.<host>/oauth/token, e.g. https://login.mypurecloud.ie)"
            .into(),
    }
}

/// The login URL answered with something that is not Genesys Cloud (an HTML page, 501).
fn not_genesys(url: &str, status: Option<StatusCode>, region: Option<&str>) -> Error {
    let url = redact_url(url);
    let what = match status {
        Some(s) if s.as_u16() == 501 => "HTTP 501 (not implemented)".to_string(),
        Some(s) => format!("an HTML page (HTTP {})", s.as_u16()),
        None => "an HTML page".to_string(),
    };
    Error::WrongUrl {
        message: format!(
            "{url} is not a Genesys Cloud API: it answered {what} to the OAuth token request. {}",
            check_url(region)
        ),
        url,
    }
}

fn token_error(
    status: StatusCode,
    body: &[u8],
    retry_after: Option<u64>,
    login: &Login<'_>,
    context_id: Option<String>,
) -> Error {
    let code = status.as_u16();
    match code {
        429 => Error::RateLimited {
            retry_after,
            limit: None,
            context_id,
        },
        404 | 405 => {
            let url = redact_url(login.url);
            let reason = status.canonical_reason().unwrap_or("");
            Error::WrongUrl {
                message: format!(
                    "the login URL {url} is wrong: it answered HTTP {code} ({reason}) to the \
                     OAuth token request. {}",
                    check_url(login.region)
                ),
                url,
            }
        }
        501 => not_genesys(login.url, Some(status), login.region),
        500..=599 => Error::Server {
            status: code,
            message: "the login service failed".into(),
            context_id,
        },
        _ => {
            let parsed: Option<OAuthErrorBody> = serde_json::from_slice(body).ok();
            let detail = parsed
                .map(|b| {
                    let d = b.error_description.or(b.description).unwrap_or_default();
                    if d.is_empty() {
                        b.error
                    } else {
                        format!("{}: {d}", b.error)
                    }
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("HTTP {code}"));
            // Never echo a secret, even if a server put it in its answer.
            let detail = login.secrets.redact(&detail);
            let region = match login.region {
                Some(r) => format!(
                    ", and that the region ({r}) is the org's: an OAuth client exists in one \
                     region only"
                ),
                None => String::new(),
            };
            Error::Auth {
                message: format!(
                    "the login service refused the OAuth client ({detail}). {}{region}",
                    super::error::CHECK_CLIENT
                ),
                context_id,
            }
        }
    }
}

/// Whether the answer says it is HTML.
fn is_html(resp: &reqwest::Response) -> bool {
    resp.headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("text/html"))
}

/// Whether a body (of unknown type) is an HTML page.
fn starts_like_html(body: &[u8]) -> bool {
    let t = String::from_utf8_lossy(&body[..body.len().min(64)]).to_ascii_lowercase();
    let t = t.trim_start();
    t.starts_with("<!doctype html") || t.starts_with("<html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_escape_the_path() {
        assert!(checked_id("3f1e2d4c-1111-4a2b-9c3d-0123456789ab").is_ok());
        for bad in ["", "../oauth", "a/b", "a?b", "a b", "%2e%2e"] {
            let e = checked_id(bad).unwrap_err();
            assert!(e.to_string().contains("is not a valid id"), "{bad}");
        }
    }

    #[test]
    fn token_errors_never_echo_the_secret() {
        let mut secrets = Redactor::default();
        secrets.add_client("my-id", "topsecret");
        let login = Login {
            url: "https://login.example/oauth/token",
            region: None,
            secrets: &secrets,
        };
        let e = token_error(
            StatusCode::UNAUTHORIZED,
            br#"{"error":"invalid_client","description":"bad secret topsecret, header Basic bXktaWQ6dG9wc2VjcmV0"}"#,
            None,
            &login,
            Some("cid-1".into()),
        );
        let msg = e.to_string();
        assert!(
            !msg.contains("topsecret") && !msg.contains("bXktaWQ6dG9wc2VjcmV0"),
            "{msg}"
        );
        assert!(msg.contains("invalid_client"), "{msg}");
        assert!(msg.contains("[contextId cid-1]"), "{msg}");
        assert!(!msg.contains("region"), "no region was used: {msg}");
        assert_eq!(e.exit_code(), 3);
        let with_region = Login {
            region: Some("eu-west-1 (mypurecloud.ie), from --region"),
            ..login
        };
        let e = token_error(StatusCode::BAD_REQUEST, b"{}", None, &with_region, None);
        assert!(e.to_string().contains("the region (eu-west-1"), "{e}");
    }

    #[test]
    fn a_wrong_login_url_is_named_and_not_blamed_on_the_secret() {
        let secrets = Redactor::default();
        let login = Login {
            url: "http://u:p@127.0.0.1:9/x/oauth/token",
            region: None,
            secrets: &secrets,
        };
        for code in [StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED] {
            let e = token_error(code, b"", None, &login, None);
            let msg = e.to_string();
            assert!(
                msg.contains("the login URL http://<redacted>@127.0.0.1:9/x/oauth/token is wrong"),
                "{msg}"
            );
            assert!(
                msg.contains("--login-url") && !msg.contains("secret"),
                "{msg}"
            );
            assert_eq!(e.exit_code(), 2);
        }
        let e = token_error(StatusCode::NOT_IMPLEMENTED, b"", None, &login, None);
        assert!(e.to_string().contains("is not a Genesys Cloud API"), "{e}");
        assert!(starts_like_html(b"  <!DOCTYPE html><html>"));
        assert!(!starts_like_html(br#"{"error":"x"}"#));
    }
}
