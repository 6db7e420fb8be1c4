//! One error type for everything the client can meet, with messages that say what to do.
//!
//! Errors are plain data (`Clone`), so they travel over channels to the screen and stay there.
//! They never hold a secret: no token, no client secret, no Authorization header.

use std::fmt;

use super::model::ApiErrorBody;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A bad option or setting, found before any request.
    Config(String),
    /// The OAuth client id or secret was refused, or a renewed token was refused too.
    Auth {
        message: String,
        context_id: Option<String>,
    },
    /// 403: the OAuth client's role lacks a permission (named when known).
    Permission {
        permission: Option<String>,
        message: String,
        context_id: Option<String>,
    },
    /// 400 (or 422): the API refused the request, e.g. an interval; its message is quoted.
    BadRequest {
        message: String,
        code: String,
        context_id: Option<String>,
    },
    /// 404: the conversation (or job) does not exist, or no longer does.
    NotFound {
        what: String,
        context_id: Option<String>,
    },
    /// 429 still after the retries.
    RateLimited {
        retry_after: Option<u64>,
        /// The limit the API named, e.g. `client.credentials.token.rate.per.minute = 300`.
        limit: Option<String>,
        context_id: Option<String>,
    },
    /// 5xx still after the retries (or another unexpected status).
    Server {
        status: u16,
        message: String,
        context_id: Option<String>,
    },
    /// The connection failed, dropped, or timed out.
    Network { message: String },
    /// A response body that does not parse.
    Decode {
        what: String,
        detail: String,
        context_id: Option<String>,
    },
    /// An async details job ended in FAILED, CANCELLED or EXPIRED.
    Job { state: String, message: String },
    /// Stopped on request (a signal) before it was done.
    Interrupted,
    /// The URL answered, but not as Genesys Cloud does: a path it does not have (404, 405 from
    /// the login URL), or a server that is something else (501, an HTML page). `message` says
    /// which and what to check.
    WrongUrl { url: String, message: String },
    /// An answer larger than what convoscope reads for that endpoint (`limit` bytes).
    TooLarge {
        what: String,
        limit: u64,
        context_id: Option<String>,
    },
    /// The API delivered fewer conversations than it counted, even when asked again: `missing`
    /// of them (`None`: it did not say how many there are), and where (`detail`).
    Incomplete {
        missing: Option<u64>,
        detail: String,
    },
}

impl Error {
    /// Maps an API error answer to an error. `needed` names the permission the endpoint needs,
    /// used when a 403's message does not name one itself.
    pub fn from_api(status: u16, body: &str, needed: Option<&str>, what: &str) -> Error {
        let parsed: Option<ApiErrorBody> = serde_json::from_str(body).ok();
        let message = parsed
            .as_ref()
            .and_then(|b| {
                Some(b.message.clone())
                    .filter(|m| !m.is_empty())
                    .or_else(|| filled(b))
            })
            .unwrap_or_else(|| short(body));
        let context_id = parsed.as_ref().and_then(|b| b.context_id.clone());
        let code = parsed.as_ref().map(|b| b.code.clone()).unwrap_or_default();
        let limit = parsed.as_ref().and_then(limit_named);
        // The limit goes with the message, unless the message already quotes it.
        let message = match &limit {
            Some(l) if !message.contains(l.as_str()) => format!("{message} (limit: {l})"),
            _ => message,
        };
        match status {
            401 => Error::Auth {
                message: format!("the API refused the access token ({message}). {CHECK_CLIENT}"),
                context_id,
            },
            403 => Error::Permission {
                permission: permission_in(&message).or(needed.map(str::to_string)),
                message,
                context_id,
            },
            404 => Error::NotFound {
                what: what.to_string(),
                context_id,
            },
            429 => Error::RateLimited {
                retry_after: None,
                limit,
                context_id,
            },
            400..=499 => Error::BadRequest {
                message,
                code,
                context_id,
            },
            _ => Error::Server {
                status,
                message,
                context_id,
            },
        }
    }

    /// The error with `context_id` (the answer's `inin-correlation-id`) when it has none from
    /// the body.
    pub fn or_context_id(mut self, context_id: Option<&str>) -> Error {
        if let Some(slot) = self.context_id_mut()
            && slot.is_none()
        {
            *slot = context_id.map(str::to_string);
        }
        self
    }

    fn context_id_mut(&mut self) -> Option<&mut Option<String>> {
        match self {
            Error::Auth { context_id, .. }
            | Error::Decode { context_id, .. }
            | Error::Permission { context_id, .. }
            | Error::BadRequest { context_id, .. }
            | Error::NotFound { context_id, .. }
            | Error::RateLimited { context_id, .. }
            | Error::Server { context_id, .. }
            | Error::TooLarge { context_id, .. } => Some(context_id),
            Error::Config(_)
            | Error::Network { .. }
            | Error::Job { .. }
            | Error::Interrupted
            | Error::Incomplete { .. }
            | Error::WrongUrl { .. } => None,
        }
    }

    /// The error with `f` applied to every text that came from a server (to redact secrets).
    pub fn map_text(self, f: impl Fn(&str) -> String) -> Error {
        match self {
            Error::Auth {
                message,
                context_id,
            } => Error::Auth {
                message: f(&message),
                context_id,
            },
            Error::Permission {
                permission,
                message,
                context_id,
            } => Error::Permission {
                permission,
                message: f(&message),
                context_id,
            },
            Error::BadRequest {
                message,
                code,
                context_id,
            } => Error::BadRequest {
                message: f(&message),
                code: f(&code),
                context_id,
            },
            Error::Server {
                status,
                message,
                context_id,
            } => Error::Server {
                status,
                message: f(&message),
                context_id,
            },
            Error::Network { message } => Error::Network {
                message: f(&message),
            },
            Error::Decode {
                what,
                detail,
                context_id,
            } => Error::Decode {
                what,
                detail: f(&detail),
                context_id,
            },
            Error::Job { state, message } => Error::Job {
                state: f(&state),
                message: f(&message),
            },
            Error::WrongUrl { url, message } => Error::WrongUrl {
                url,
                message: f(&message),
            },
            Error::Incomplete { missing, detail } => Error::Incomplete {
                missing,
                detail: f(&detail),
            },
            e @ (Error::Config(_)
            | Error::NotFound { .. }
            | Error::RateLimited { .. }
            | Error::TooLarge { .. }
            | Error::Interrupted) => e,
        }
    }

    /// A short line for a call log: the API's message, the network error, what did not parse.
    pub fn summary(&self) -> String {
        match self {
            Error::Config(m) => m.clone(),
            Error::Auth { message, .. } => message.clone(),
            Error::Permission { message, .. }
            | Error::BadRequest { message, .. }
            | Error::Server { message, .. } => message.clone(),
            Error::NotFound { what, .. } => format!("{what} was not found"),
            Error::RateLimited { retry_after, .. } => match retry_after {
                Some(s) => format!("rate limited (Retry-After {s} s)"),
                None => "rate limited".into(),
            },
            Error::Network { message } => message.clone(),
            Error::Decode { detail, .. } => format!("unreadable answer: {detail}"),
            Error::Job { state, message } => format!("job {state}: {message}"),
            Error::Interrupted => "interrupted".into(),
            Error::WrongUrl { message, .. } => message.clone(),
            Error::TooLarge { limit, .. } => format!("answer larger than {}", size(*limit)),
            Error::Incomplete { detail, .. } => format!("incomplete: {detail}"),
        }
    }

    /// The API's correlation id, which Genesys support asks for.
    pub fn context_id(&self) -> Option<&str> {
        match self {
            Error::Auth { context_id, .. }
            | Error::Decode { context_id, .. }
            | Error::Permission { context_id, .. }
            | Error::BadRequest { context_id, .. }
            | Error::NotFound { context_id, .. }
            | Error::RateLimited { context_id, .. }
            | Error::Server { context_id, .. }
            | Error::TooLarge { context_id, .. } => context_id.as_deref(),
            _ => None,
        }
    }

    /// Whether this is a problem of credentials or permissions (exit code 3) rather than of the
    /// API or the network (exit code 4).
    pub fn is_auth(&self) -> bool {
        matches!(self, Error::Auth { .. } | Error::Permission { .. })
    }

    /// The process exit code for this error: 2 usage, 3 auth/permission, 4 API or network.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config(_) | Error::WrongUrl { .. } => 2,
            Error::Interrupted => 130,
            e if e.is_auth() => 3,
            _ => 4,
        }
    }

    /// Whether retrying the same request may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. } | Error::Server { .. } | Error::Network { .. }
        )
    }
}

/// What to check when the OAuth client is refused.
pub const CHECK_CLIENT: &str = "Check the OAuth client id and secret (--client-id/--client-secret \
     or GENESYSCLOUD_OAUTHCLIENT_ID/_SECRET) and that the client uses the Client Credentials grant";
/// The limit an error body names: its `limit` (`key = value`, with the namespace when the key
/// does not say it), else the `limit`-like parameters of `messageWithParams`.
fn limit_named(b: &ApiErrorBody) -> Option<String> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(l) = &b.limit {
        let name = match (&l.namespace, &l.key) {
            (Some(ns), Some(k)) if !k.contains(ns.as_str()) => format!("{ns} {k}"),
            (_, Some(k)) => k.clone(),
            (Some(ns), None) => ns.clone(),
            (None, None) => return l.value.as_ref().map(text),
        };
        return Some(match &l.value {
            Some(v) => format!("{name} = {}", text(v)),
            None => name,
        });
    }
    // "... may not exceed {limit} ..." with messageParams {"limit": 31}.
    let params = b.message_params.as_ref()?;
    let named: Vec<String> = params
        .iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            k.contains("limit") || k.contains("max")
        })
        .map(|(k, v)| format!("{k} = {}", text(v)))
        .collect();
    (!named.is_empty()).then(|| named.join(", "))
}

/// `messageWithParams` with its `messageParams` filled in.
fn filled(b: &ApiErrorBody) -> Option<String> {
    let mut m = b.message_with_params.clone().filter(|m| !m.is_empty())?;
    for (k, v) in b.message_params.iter().flatten() {
        let v = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        m = m.replace(&format!("{{{k}}}"), &v);
    }
    Some(m)
}

/// Bytes as people read them.
fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MB", bytes >> 20)
    } else if bytes >= 1 << 10 {
        format!("{} KB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// A permission name (`domain:entity:action`) quoted in an API message, if any.
fn permission_in(message: &str) -> Option<String> {
    message
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '[' | ']' | '(' | ')' | '"' | '\''))
        .map(|w| w.trim_end_matches('.'))
        .find(|w| {
            w.split(':').count() == 3
                && w.split(':').all(|p| {
                    !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '*')
                })
        })
        .map(str::to_string)
}

fn short(body: &str) -> String {
    let t = body.trim();
    if t.is_empty() {
        return "no message".into();
    }
    let mut s: String = t.chars().take(200).collect();
    if t.chars().count() > 200 {
        s.push_str("...");
    }
    s
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Config(m) => write!(f, "{m}"),
            Error::Auth { message, .. } => write!(f, "authentication failed: {message}"),
            Error::Permission {
                permission,
                message,
                ..
            } => match permission {
                Some(p) => write!(
                    f,
                    "permission denied: the OAuth client's role lacks {p} (in the division that \
                     owns the conversations); the API said: {message}"
                ),
                None => write!(
                    f,
                    "permission denied: the OAuth client's role lacks a permission for this; the \
                     API said: {message}"
                ),
            },
            Error::BadRequest { message, code, .. } => {
                if code.is_empty() {
                    write!(f, "the API refused the request: {message}")
                } else {
                    write!(f, "the API refused the request: {message} ({code})")
                }
            }
            Error::NotFound { what, .. } => {
                write!(
                    f,
                    "{what} was not found: it does not exist or is no longer available"
                )
            }
            Error::RateLimited {
                retry_after, limit, ..
            } => {
                write!(f, "rate limited by the API (429) after several retries")?;
                if let Some(l) = limit {
                    write!(f, " (limit: {l})")?;
                }
                match retry_after {
                    Some(s) => write!(
                        f,
                        "; it asked to wait {s} s. Try again later or lower the concurrency"
                    ),
                    None => write!(f, ". Try again later or lower the concurrency"),
                }
            }
            Error::Server {
                status, message, ..
            } => write!(
                f,
                "the API failed with HTTP {status} after several retries: {message}. It is \
                 usually transient: try again in a moment"
            ),
            Error::Network { message } => write!(
                f,
                "network error: {message}. Check the connection, a proxy, or --api-url"
            ),
            Error::Decode { what, detail, .. } => {
                write!(f, "could not read the API's answer for {what}: {detail}")
            }
            Error::Job { state, message } => {
                write!(f, "the async details job ended {state}: {message}")
            }
            Error::Interrupted => write!(f, "interrupted"),
            Error::WrongUrl { message, .. } => write!(f, "{message}"),
            Error::TooLarge { what, limit, .. } => write!(
                f,
                "the answer for {what} is larger than the {} convoscope reads for it: not read. \
                 Is --api-url a Genesys Cloud API?",
                size(*limit)
            ),
            Error::Incomplete {
                missing: Some(n),
                detail,
            } => write!(
                f,
                "{n} conversation(s) missing: the API delivered fewer than it counted, even when \
                 asked again ({detail}). What was delivered is kept; try again later or a \
                 shorter range"
            ),
            Error::Incomplete {
                missing: None,
                detail,
            } => write!(
                f,
                "the API did not say how many conversations there are ({detail}), so what it \
                 delivered could not be checked as complete; try again later"
            ),
        }?;
        if let Some(id) = self.context_id() {
            write!(f, " [contextId {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_names_the_permission_from_the_message() {
        let body = r#"{"message":"Unable to perform the requested action. You are missing the following permission(s): [analytics:conversationDetail:view]","code":"missing.permissions","status":403,"contextId":"abc-123"}"#;
        let e = Error::from_api(403, body, None, "the query");
        let s = e.to_string();
        assert!(s.contains("lacks analytics:conversationDetail:view"), "{s}");
        assert!(s.contains("contextId abc-123"), "{s}");
        assert_eq!(e.exit_code(), 3);
    }

    #[test]
    fn forbidden_falls_back_to_the_endpoint_permission() {
        let e = Error::from_api(
            403,
            r#"{"message":"Forbidden"}"#,
            Some("conversation:communication:view"),
            "x",
        );
        assert!(
            e.to_string()
                .contains("lacks conversation:communication:view")
        );
    }

    #[test]
    fn bad_request_quotes_the_api_message() {
        let body = r#"{"message":"Max interval length is 31 days","code":"bad.request","status":400,"contextId":"c9"}"#;
        let s = Error::from_api(400, body, None, "q").to_string();
        assert!(s.contains("Max interval length is 31 days"), "{s}");
        assert!(s.contains("[contextId c9]"), "{s}");
    }

    #[test]
    fn errors_name_the_limit_the_api_names() {
        let body = r#"{"message":"Rate limit exceeded the maximum. Retry the request in [12] seconds","code":"too.many.requests.retry.after","status":429,"limit":{"key":"client.credentials.token.rate.per.minute","namespace":"platform.api","value":300}}"#;
        let e = Error::from_api(429, body, None, "q");
        let s = e.to_string();
        assert!(
            s.contains("limit: platform.api client.credentials.token.rate.per.minute = 300"),
            "{s}"
        );
        let body = r#"{"message":"","code":"bad.request","status":400,"messageWithParams":"Max interval length is {limit} days","messageParams":{"limit":"7"}}"#;
        let s = Error::from_api(400, body, None, "q").to_string();
        assert!(s.contains("limit = 7"), "{s}");
        let body = r#"{"message":"","code":"bad.request","status":400,"messageWithParams":"Interval of {days} days refused","messageParams":{"days":"40"}}"#;
        let s = Error::from_api(400, body, None, "q").to_string();
        assert!(s.contains("Interval of 40 days refused"), "{s}");
        // Nothing named: the message as it was.
        let s = Error::from_api(400, r#"{"message":"No."}"#, None, "q").to_string();
        assert_eq!(s, "the API refused the request: No.");
    }

    #[test]
    fn not_found_and_unparseable_bodies() {
        let e = Error::from_api(404, "", None, "conversation 42");
        assert_eq!(
            e.to_string(),
            "conversation 42 was not found: it does not exist or is no longer available"
        );
        let e = Error::from_api(502, "<html>bad gateway</html>", None, "q");
        assert!(e.to_string().contains("<html>bad gateway</html>"));
        assert!(e.is_transient());
        assert_eq!(e.exit_code(), 4);
    }
}
