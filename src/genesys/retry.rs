//! The retry policy: how long to wait before the next attempt, and when to give up.

use std::time::Duration;

/// Why the client is waiting before trying again; reported to the user ("waiting 3 s after a 429").
#[derive(Debug, Clone, PartialEq)]
pub enum WaitReason {
    RateLimited,
    ServerError(u16),
    Network(String),
    BadBody,
}

impl std::fmt::Display for WaitReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitReason::RateLimited => write!(f, "rate limited"),
            WaitReason::ServerError(s) => write!(f, "server error {s}"),
            WaitReason::Network(m) => write!(f, "connection problem ({m})"),
            WaitReason::BadBody => write!(f, "unreadable answer"),
        }
    }
}

/// A wait the client is about to do, as the callers' observers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Wait {
    pub delay: Duration,
    pub reason: WaitReason,
    /// The attempt that failed (1 = the first).
    pub attempt: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// First backoff for 5xx and network errors; doubles each time, with jitter.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` honoured as given; longer ones are capped (and count as attempts).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based) of a 5xx or network error:
    /// exponential, capped, with "full jitter" in its upper half so that clients spread out.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = exp.min(self.max_delay);
        cap.mul_f64(0.5 + 0.5 * jitter.clamp(0.0, 1.0))
    }

    /// The wait after a 429: its `Retry-After` when given (bounded), else a backoff.
    pub fn after_429(&self, retry_after: Option<u64>, attempt: u32, jitter: f64) -> Duration {
        match retry_after {
            Some(s) => Duration::from_secs(s).min(self.max_retry_after),
            None => self.backoff(attempt, jitter).max(Duration::from_secs(1)),
        }
    }
}

/// A cheap jitter source in [0, 1): no need for a crypto RNG to spread retries.
pub fn jitter() -> f64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static STATE: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    let mut x = STATE.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ nanos;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1, 1.0), Duration::from_millis(300));
        assert_eq!(p.backoff(2, 1.0), Duration::from_millis(600));
        assert_eq!(p.backoff(30, 1.0), Duration::from_secs(10));
        assert_eq!(p.backoff(1, 0.0), Duration::from_millis(150));
    }

    #[test]
    fn retry_after_is_honoured_and_bounded() {
        let p = RetryPolicy::default();
        assert_eq!(p.after_429(Some(3), 1, 0.5), Duration::from_secs(3));
        assert_eq!(p.after_429(Some(3600), 1, 0.5), Duration::from_secs(60));
        assert!(p.after_429(None, 1, 0.0) >= Duration::from_secs(1));
    }

    #[test]
    fn jitter_is_in_range() {
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }
}
