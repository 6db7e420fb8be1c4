//! OAuth client credentials: the secret, the token cache, renewal before expiry.

use std::fmt;
use std::time::{Duration, Instant};

/// A secret string (client secret, access token) that never shows in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret itself: only for building a request.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How the client gets its access token.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// The client-credentials grant with an OAuth client's id and secret.
    ClientCredentials { client_id: String, secret: Secret },
    /// A token obtained elsewhere (`GENESYSCLOUD_ACCESS_TOKEN`): used as is, cannot be renewed.
    Token(Secret),
}

/// A token and when to stop using it.
#[derive(Debug, Clone)]
pub struct CachedToken {
    pub token: Secret,
    /// When to renew: before the real expiry, so that a request never carries a dying token.
    pub renew_at: Instant,
}

impl CachedToken {
    /// Renews at 90% of the lifetime, and at least a minute early when the lifetime allows.
    pub fn new(token: Secret, expires_in: Duration, now: Instant) -> Self {
        let margin = (expires_in / 10).max(Duration::from_secs(60).min(expires_in / 2));
        CachedToken {
            token,
            renew_at: now + expires_in.saturating_sub(margin),
        }
    }

    pub fn is_fresh(&self, now: Instant) -> bool {
        now < self.renew_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "<redacted> <redacted>");
        let c = Credentials::ClientCredentials {
            client_id: "id".into(),
            secret: s,
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn tokens_renew_before_expiry() {
        let now = Instant::now();
        let day = CachedToken::new(Secret::new("t"), Duration::from_secs(86_400), now);
        assert!(day.is_fresh(now + Duration::from_secs(77_000)));
        assert!(!day.is_fresh(now + Duration::from_secs(78_000)));
        let short = CachedToken::new(Secret::new("t"), Duration::from_secs(2), now);
        assert!(short.is_fresh(now));
        assert!(!short.is_fresh(now + Duration::from_secs(1)));
    }
}
