//! The HTTP client of the Genesys Cloud API: authentication, retries, and one method per endpoint.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::{Mutex, watch};

use super::auth::{CachedToken, Credentials, Secret};
use super::error::{Error, Result};
use super::limiter::{Limiter, Outcome, Permit};
use super::model::{
    Conversation, DataAvailability, JobCreated, JobResults, JobStatus, OAuthErrorBody,
    Organization, QueryResponse, TokenResponse,
};
use super::query::DetailsQuery;
use super::redact::{Redactor, redact_url};
use super::retry::{RetryPolicy, Wait, WaitReason, jitter};

/// How many calls [`Client::call_log`] keeps.
pub const CALL_LOG_SIZE: usize = 200;

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
    /// Counts the calls logged: receivers see it change with each new entry.
    logged: watch::Sender<u64>,
    /// The secrets a server might echo (the client's, every token obtained): hidden from
    /// errors, the call log and the log.
    secrets: std::sync::RwLock<Redactor>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_base", &redact_url(&self.cfg.api_base))
            .field("login_base", &redact_url(&self.cfg.login_base))
            .finish_non_exhaustive()
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
        Ok(Client {
            http,
            cfg,
            token: Mutex::new(token),
            log: std::sync::Mutex::new(VecDeque::with_capacity(CALL_LOG_SIZE)),
            logged: watch::Sender::new(0),
            secrets: std::sync::RwLock::new(secrets),
        })
    }

    pub fn api_base(&self) -> &str {
        &self.cfg.api_base
    }

    /// The last [`CALL_LOG_SIZE`] API calls, oldest first.
    pub fn call_log(&self) -> Vec<CallRecord> {
        self.log.lock().unwrap().iter().cloned().collect()
    }

    /// Changes with every call logged (its value counts them): `changed().await` on it to learn
    /// of new entries in [`Client::call_log`] without polling.
    pub fn call_log_changes(&self) -> watch::Receiver<u64> {
        self.logged.subscribe()
    }

    /// `text` without the secrets a server might have echoed.
    fn redact(&self, text: &str) -> String {
        self.secrets.read().unwrap().redact(text)
    }

    /// Logs one call at info (never a secret or a token) and keeps it in the call log.
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
        {
            let mut log = self.log.lock().unwrap();
            if log.len() >= CALL_LOG_SIZE {
                log.pop_front();
            }
            log.push_back(rec);
        }
        self.logged.send_modify(|n| *n += 1);
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
            let started = Instant::now();
            let at = Utc::now();
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
                                    self.record(CallRecord {
                                        at,
                                        method: "POST".into(),
                                        path: "/oauth/token".into(),
                                        status: status.map(|s| s.as_u16()),
                                        error: None,
                                        latency: started.elapsed(),
                                        correlation_id: cid,
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
            self.record(CallRecord {
                at,
                method: "POST".into(),
                path: "/oauth/token".into(),
                status: status.map(|s| s.as_u16()),
                error: Some(err.summary()),
                latency: started.elapsed(),
                correlation_id: cid,
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
        if limited && let Some(l) = limiter {
            l.rate_limited(delay);
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
        tokio::time::sleep(delay).await;
        Ok(())
    }

    /// One API call with authentication, renewal on 401 (once), retries, and decoding. With a
    /// limiter, every attempt takes one of its permits.
    async fn call<T: DeserializeOwned>(&self, c: Call<'_>, obs: Observer<'_>) -> Result<T> {
        let Call {
            method,
            path,
            query,
            body,
            what,
            needed,
            limiter,
        } = c;
        let (path, what) = (path.as_str(), what.as_str());
        let url = format!("{}{}", self.cfg.api_base, path);
        let mut attempt = 0;
        let mut renewed = false;
        let mut refused: Option<Secret> = None;
        loop {
            attempt += 1;
            let token = self.access_token(refused.as_ref(), obs).await?;
            let permit = match limiter {
                Some(l) => Some(l.acquire().await),
                None => None,
            };
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(token.expose());
            if !query.is_empty() {
                req = req.query(&query);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let at = Utc::now();
            let started = Instant::now();
            let mut status = None;
            let mut cid = None;
            let err = match req.send().await {
                Err(e) => network_error(&e, &self.cfg.api_base),
                Ok(resp) => {
                    status = Some(resp.status());
                    let ra = retry_after(&resp);
                    cid = correlation_id(&resp);
                    match resp.bytes().await {
                        Err(e) => network_error(&e, &self.cfg.api_base),
                        Ok(bytes) if resp_ok(status) => match decode(&bytes) {
                            Ok(v) => {
                                self.record(CallRecord {
                                    at,
                                    method: method.to_string(),
                                    path: path.to_string(),
                                    status: status.map(|s| s.as_u16()),
                                    error: None,
                                    latency: started.elapsed(),
                                    correlation_id: cid,
                                });
                                if let Some(p) = permit {
                                    p.done(Outcome::Success);
                                }
                                return Ok(v);
                            }
                            Err(detail) => Error::Decode {
                                what: what.to_string(),
                                detail,
                                context_id: cid.clone(),
                            },
                        },
                        Ok(bytes) => {
                            let code = status.map_or(0, |s| s.as_u16());
                            let text = String::from_utf8_lossy(&bytes);
                            let mut e = Error::from_api(code, &text, needed, what)
                                .or_context_id(cid.as_deref());
                            if let Error::RateLimited { retry_after, .. } = &mut e {
                                *retry_after = ra;
                            }
                            if code == 401 {
                                match &self.cfg.credentials {
                                    // A token obtained elsewhere cannot be renewed.
                                    Credentials::Token(_) => e = token_refused(cid.clone()),
                                    Credentials::ClientCredentials { .. } if !renewed => {
                                        // The token expired or was revoked: renew once, retry once.
                                        self.record(CallRecord {
                                            at,
                                            method: method.to_string(),
                                            path: path.to_string(),
                                            status: Some(401),
                                            error: Some(e.summary()),
                                            latency: started.elapsed(),
                                            correlation_id: cid,
                                        });
                                        drop(permit);
                                        renewed = true;
                                        refused = Some(token);
                                        attempt -= 1;
                                        continue;
                                    }
                                    Credentials::ClientCredentials { .. } => {}
                                }
                            }
                            e
                        }
                    }
                }
            };
            self.record(CallRecord {
                at,
                method: method.to_string(),
                path: path.to_string(),
                status: status.map(|s| s.as_u16()),
                error: Some(err.summary()),
                latency: started.elapsed(),
                correlation_id: cid,
            });
            self.wait_or_fail(err, attempt, obs, limiter, permit)
                .await?;
        }
    }

    /// One page of the details query.
    pub async fn query_page(&self, q: &DetailsQuery, obs: Observer<'_>) -> Result<QueryResponse> {
        self.query_page_with(q, obs, None).await
    }

    /// One page of the details query; with a limiter, every attempt takes one of its permits.
    pub async fn query_page_with(
        &self,
        q: &DetailsQuery,
        obs: Observer<'_>,
        limiter: Option<&Limiter>,
    ) -> Result<QueryResponse> {
        let body = q.body();
        self.call(
            Call {
                method: Method::POST,
                path: "/api/v2/analytics/conversations/details/query".to_string(),
                query: vec![],
                body: Some(&body),
                what: format!("page {} of the conversation query", q.page_number),
                needed: Some(PERM_ANALYTICS),
                limiter,
            },
            obs,
        )
        .await
    }

    /// The organization the client is connected to (`GET /api/v2/organizations/me`): show its
    /// name, so that nobody mistakes one org for another.
    pub async fn organization(&self) -> Result<Organization> {
        self.call(
            Call {
                method: Method::GET,
                path: "/api/v2/organizations/me".to_string(),
                query: vec![],
                body: None,
                what: "the organization".to_string(),
                needed: None,
                limiter: None,
            },
            &quiet,
        )
        .await
    }

    /// The live conversation, with every participant's attributes.
    pub async fn conversation(&self, id: &str) -> Result<Conversation> {
        self.conversation_with(id, &quiet, None).await
    }

    /// [`Client::conversation`] with an observer of waits and a limiter.
    pub async fn conversation_with(
        &self,
        id: &str,
        obs: Observer<'_>,
        limiter: Option<&Limiter>,
    ) -> Result<Conversation> {
        Ok(self.conversation_raw_with(id, obs, limiter).await?.0)
    }

    /// The live conversation, and its JSON text exactly as the API sent it (key order and
    /// number spelling kept, for showing it raw).
    pub async fn conversation_raw(
        &self,
        id: &str,
        obs: Observer<'_>,
    ) -> Result<(Conversation, String)> {
        self.conversation_raw_with(id, obs, None).await
    }

    /// GET conversation, decoded once from the body as received; with a limiter, every attempt
    /// takes one of its permits.
    async fn conversation_raw_with(
        &self,
        id: &str,
        obs: Observer<'_>,
        limiter: Option<&Limiter>,
    ) -> Result<(Conversation, String)> {
        let id = checked_id(id)?;
        let raw: Box<serde_json::value::RawValue> =
            self.call(conversation_call(id, limiter), obs).await?;
        let conv = serde_json::from_str(raw.get()).map_err(|e| Error::Decode {
            what: format!("conversation {id}"),
            detail: e.to_string(),
            context_id: None,
        })?;
        Ok((conv, raw.get().to_string()))
    }

    /// The live conversation exactly as the API returned it, as JSON.
    pub async fn conversation_json(&self, id: &str) -> Result<Value> {
        let id = checked_id(id)?;
        self.call(conversation_call(id, None), &quiet).await
    }

    /// Starts an async details job.
    pub async fn create_job(&self, body: &Value, obs: Observer<'_>) -> Result<JobCreated> {
        self.call(
            Call {
                method: Method::POST,
                path: "/api/v2/analytics/conversations/details/jobs".to_string(),
                query: vec![],
                body: Some(body),
                what: "the async details job".to_string(),
                needed: Some(PERM_ANALYTICS),
                limiter: None,
            },
            obs,
        )
        .await
    }

    pub async fn job_status(&self, job_id: &str, obs: Observer<'_>) -> Result<JobStatus> {
        let id = checked_id(job_id)?;
        self.call(
            Call {
                method: Method::GET,
                path: format!("/api/v2/analytics/conversations/details/jobs/{id}"),
                query: vec![],
                body: None,
                what: format!("async job {id}"),
                needed: Some(PERM_ANALYTICS),
                limiter: None,
            },
            obs,
        )
        .await
    }

    pub async fn job_results(
        &self,
        job_id: &str,
        cursor: Option<&str>,
        page_size: u32,
        obs: Observer<'_>,
    ) -> Result<JobResults> {
        let id = checked_id(job_id)?;
        let mut q = vec![("pageSize", page_size.to_string())];
        if let Some(c) = cursor {
            q.push(("cursor", c.to_string()));
        }
        self.call(
            Call {
                method: Method::GET,
                path: format!("/api/v2/analytics/conversations/details/jobs/{id}/results"),
                query: q,
                body: None,
                what: format!("the results of async job {id}"),
                needed: Some(PERM_ANALYTICS),
                limiter: None,
            },
            obs,
        )
        .await
    }

    /// Cancels a job (best effort: its results are no longer needed).
    pub async fn delete_job(&self, job_id: &str) -> Result<()> {
        let id = checked_id(job_id)?;
        let _: Value = self
            .call(
                Call {
                    method: Method::DELETE,
                    path: format!("/api/v2/analytics/conversations/details/jobs/{id}"),
                    query: vec![],
                    body: None,
                    what: format!("async job {id}"),
                    needed: Some(PERM_ANALYTICS),
                    limiter: None,
                },
                &quiet,
            )
            .await?;
        Ok(())
    }

    /// Up to when the analytics data lake (and so async jobs) has data.
    pub async fn availability(&self, obs: Observer<'_>) -> Result<DataAvailability> {
        self.call(
            Call {
                method: Method::GET,
                path: "/api/v2/analytics/conversations/details/jobs/availability".to_string(),
                query: vec![],
                body: None,
                what: "the data availability date".to_string(),
                needed: Some(PERM_ANALYTICS),
                limiter: None,
            },
            obs,
        )
        .await
    }
}

/// One API request, as `Client::call` takes it.
struct Call<'a> {
    /// Every attempt takes one of its permits (and a 429 holds all of its work back).
    limiter: Option<&'a Limiter>,
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<&'a Value>,
    /// What is asked for, for messages ("conversation 1234").
    what: String,
    /// The permission the endpoint needs, named when a 403 does not name one.
    needed: Option<&'static str>,
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

/// Decodes a JSON body; an empty body (204, some DELETEs) decodes as `null`.
fn decode<T: DeserializeOwned>(bytes: &[u8]) -> std::result::Result<T, String> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

/// `GET /api/v2/conversations/{id}` (the id already checked).
fn conversation_call<'a>(id: &str, limiter: Option<&'a Limiter>) -> Call<'a> {
    Call {
        method: Method::GET,
        path: format!("/api/v2/conversations/{id}"),
        query: vec![],
        body: None,
        what: format!("conversation {id}"),
        needed: Some(PERM_CONVERSATION),
        limiter,
    }
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
