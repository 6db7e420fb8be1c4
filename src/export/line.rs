//! The line an export keeps on a terminal's stderr: what it is doing (the async job's state,
//! conversations written, a retry's wait), whether requests are held back for the rate budget
//! and whose doing that is, and, once it can tell, about how long is left.
//!
//! Pure: the caller feeds it progress, the budget's hold and snapshot, and the time, and
//! writes [`Line::text`] (redrawn every second, so that a wait counts down).

use std::time::Duration;

use tokio::time::Instant;

use super::Progress;
use crate::genesys::budget::{Hold, Snapshot};
use crate::human::{count, num};

/// What the export is doing, as last reported.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Starting,
    Job(String),
    Written { written: u64, total: Option<u64> },
}

/// Where the time left is measured from: the first report of a part with a total.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Mark {
    at: Instant,
    written: u64,
    requests: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    stage: Stage,
    /// A retry's wait (a server error, a 429): its reason and end.
    retry: Option<(String, Instant)>,
    mark: Option<Mark>,
    /// The time left as estimated at the last conversations written, and when: it counts
    /// down from there until the next are.
    left: Option<(Duration, Instant)>,
}

impl Default for Line {
    fn default() -> Self {
        Self::new()
    }
}

/// Not said before this much of a part has gone by: the first moments say nothing of its pace.
const SETTLE: Duration = Duration::from_secs(3);

impl Line {
    pub fn new() -> Self {
        Line {
            stage: Stage::Starting,
            retry: None,
            mark: None,
            left: None,
        }
    }

    /// Takes in a report of the export (`Note`s are said on lines of their own, not here).
    pub fn progress(&mut self, p: &Progress, now: Instant, api: &Snapshot) {
        match p {
            Progress::Written { written, total } => {
                self.retry = None;
                self.stage = Stage::Written {
                    written: *written,
                    total: *total,
                };
                // A part with a total (the details query's): the time left is measured from
                // its first report, by what the part has cost since, at each page written.
                match (total, self.mark) {
                    (None, _) => (self.mark, self.left) = (None, None),
                    (Some(_), None) => {
                        self.mark = Some(Mark {
                            at: now,
                            written: *written,
                            requests: api.requests,
                        });
                    }
                    (Some(total), Some(mark)) => {
                        let elapsed = now.saturating_duration_since(mark.at);
                        self.left = (elapsed >= SETTLE)
                            .then(|| {
                                time_left(
                                    total.saturating_sub(*written),
                                    written.saturating_sub(mark.written),
                                    elapsed,
                                    api.requests.saturating_sub(mark.requests),
                                    budget(api),
                                )
                            })
                            .flatten()
                            .map(|d| (d, now));
                    }
                }
            }
            Progress::Waiting { seconds, reason } => {
                self.retry = Some((reason.clone(), now + Duration::from_secs(*seconds)));
            }
            Progress::Job { state } => {
                self.retry = None;
                self.stage = Stage::Job(state.clone());
            }
            Progress::Note(_) => {}
        }
    }

    /// The line as it stands at `now`, with the budget's `hold`.
    pub fn text(&self, now: Instant, hold: Hold) -> String {
        let mut t = match &self.stage {
            Stage::Starting => "starting".to_string(),
            Stage::Job(state) => format!("async details job {state}"),
            Stage::Written {
                written,
                total: Some(total),
            } => format!(
                "exported {} of {}",
                num(written),
                count(*total, "conversation")
            ),
            Stage::Written {
                written,
                total: None,
            } => format!("exported {} (data lake)", count(*written, "conversation")),
        };
        if let Some((reason, until)) = &self.retry
            && *until > now
        {
            t += &format!(", {reason}, retrying in {} s", secs(*until - now));
        }
        if let Some(h) = hold_text(hold, now) {
            t += " · ";
            t += &h;
        }
        if let Some(left) = self.time_left(now) {
            t += &format!(" · about {} left", duration(left));
        }
        t
    }

    /// About how long the part being written has left: the estimate made at the last page
    /// written, counted down since; nothing once it ran out (it would be a guess).
    fn time_left(&self, now: Instant) -> Option<Duration> {
        let (left, at) = self.left?;
        Some(left.saturating_sub(now.saturating_duration_since(at))).filter(|d| !d.is_zero())
    }
}

/// What the budget allows, from the last headers and the window learnt.
fn budget(api: &Snapshot) -> Option<Budget> {
    api.headers.zip(api.window).map(|(h, window)| Budget {
        allowed: h.allowed,
        room: h.allowed.saturating_sub(h.count),
        window,
    })
}

/// Requests held back for the rate budget, and whose doing: `pacing for the rate budget: 7 s`,
/// `API rate limit (429): waiting 38 s`, with `(295 of 300 spent by others)` when other clients
/// of the OAuth client spent much of it. `None` when nothing is held back now.
pub fn hold_text(hold: Hold, now: Instant) -> Option<String> {
    let (mut t, others) = match hold {
        Hold::None => return None,
        Hold::Pacing { until, others } if until > now => (
            format!("pacing for the rate budget: {} s", secs(until - now)),
            others,
        ),
        Hold::RateLimited { until, others } if until > now => (
            format!("API rate limit (429): waiting {} s", secs(until - now)),
            others,
        ),
        _ => return None,
    };
    if let Some(o) = others {
        t += &format!(" ({} of {} spent by others)", num(o.spent), num(o.allowed));
    }
    Some(t)
}

/// What the rate budget allows: `allowed` requests a `window`, `room` of them left in this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub allowed: u32,
    pub room: u32,
    pub window: Duration,
}

/// About how long `remaining` conversations take, given that `done` took `elapsed` and
/// `requests`: at the pace seen, and never less than the budget allows (the requests they need,
/// at what this part cost a conversation, beyond the room left, at `allowed` a `window`: the
/// first window is spent at once, so the pace seen in it is too hopeful). `None` before
/// anything of the part is done.
pub fn time_left(
    remaining: u64,
    done: u64,
    elapsed: Duration,
    requests: u64,
    budget: Option<Budget>,
) -> Option<Duration> {
    if done == 0 {
        return None;
    }
    if remaining == 0 {
        return Some(Duration::ZERO);
    }
    let share = remaining as f64 / done as f64;
    let seen = elapsed.mul_f64(share);
    let bound = budget
        .filter(|b| b.allowed > 0)
        .map_or(Duration::ZERO, |b| {
            let needed = requests as f64 * share - f64::from(b.room);
            b.window
                .mul_f64((needed / f64::from(b.allowed)).clamp(0.0, 1e6))
        });
    Some(seen.max(bound))
}

fn secs(d: Duration) -> u64 {
    d.as_millis().div_ceil(1000) as u64
}

/// `40 s`, `12 min`, `2 h 05 min`: rounded up to what is worth saying.
fn duration(d: Duration) -> String {
    let s = secs(d);
    if s < 60 {
        format!("{} s", s.max(1))
    } else if s < 3600 {
        format!("{} min", s.div_ceil(60))
    } else {
        let m = s.div_ceil(60);
        format!("{} h {:02} min", m / 60, m % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::budget::{Others, RateHeaders};

    fn api(requests: u64, count: u32) -> Snapshot {
        Snapshot {
            requests,
            headers: Some(RateHeaders {
                allowed: 20,
                count,
                reset: 10,
            }),
            window: Some(Duration::from_secs(10)),
            ..Snapshot::default()
        }
    }

    #[test]
    fn the_pace_seen_unless_the_budget_allows_less() {
        // Half done in 60 s: as long again.
        assert_eq!(
            time_left(100, 100, Duration::from_secs(60), 10, None),
            Some(Duration::from_secs(60))
        );
        // The first window went at once: 20 conversations (a GET each) in 1 s. The 180 left
        // need 180 requests, 20 a 10 s: 90 s, not the 9 s the pace seen says.
        let b = Budget {
            allowed: 20,
            room: 0,
            window: Duration::from_secs(10),
        };
        assert_eq!(
            time_left(180, 20, Duration::from_secs(1), 20, Some(b)),
            Some(Duration::from_secs(90))
        );
        // Without attributes a page of 100 is a request: the budget is no bound.
        assert_eq!(
            time_left(900, 100, Duration::from_secs(1), 1, Some(b)),
            Some(Duration::from_secs(9))
        );
        assert_eq!(time_left(10, 0, Duration::from_secs(5), 3, Some(b)), None);
        assert_eq!(
            time_left(0, 10, Duration::from_secs(5), 3, Some(b)),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn durations_as_people_read_them() {
        assert_eq!(duration(Duration::from_millis(300)), "1 s");
        assert_eq!(duration(Duration::from_secs(40)), "40 s");
        assert_eq!(duration(Duration::from_secs(61)), "2 min");
        assert_eq!(duration(Duration::from_secs(3600 + 5 * 60)), "1 h 05 min");
    }

    #[tokio::test(start_paused = true)]
    async fn the_line_says_the_hold_whose_it_is_and_the_time_left() {
        let t0 = Instant::now();
        let secs = |n| t0 + Duration::from_secs(n);
        let mut l = Line::new();
        assert_eq!(l.text(t0, Hold::None), "starting");
        l.progress(
            &Progress::Job {
                state: "PENDING".into(),
            },
            t0,
            &api(2, 2),
        );
        assert_eq!(l.text(t0, Hold::None), "async details job PENDING");
        // The details query's part, a GET conversation each: its first page written...
        let written = |n| Progress::Written {
            written: n,
            total: Some(200),
        };
        l.progress(&written(20), secs(1), &api(22, 20));
        let hold = Hold::Pacing {
            until: secs(10),
            others: None,
        };
        // ... is too early to say how long is left.
        assert_eq!(
            l.text(secs(2), hold),
            "exported 20 of 200 conversations · pacing for the rate budget: 8 s"
        );
        // The next, a window later: 20 more for 20 requests in 10 s; 160 left need 8 windows.
        l.progress(&written(40), secs(11), &api(42, 20));
        assert_eq!(
            l.text(secs(11), Hold::None),
            "exported 40 of 200 conversations · about 2 min left"
        );
        // It counts down until the next page, and says nothing once it ran out.
        assert!(
            l.text(secs(11 + 60), Hold::None)
                .ends_with("about 20 s left")
        );
        assert!(!l.text(secs(11 + 81), Hold::None).contains("left"));
        // A colleague's tool spends the budget: said, and whose.
        let at = secs(12);
        let hold = Hold::RateLimited {
            until: at + Duration::from_secs(38),
            others: Some(Others {
                spent: 18,
                allowed: 20,
            }),
        };
        l.progress(
            &Progress::Waiting {
                seconds: 38,
                reason: "rate limited".into(),
            },
            at,
            &api(43, 21),
        );
        let text = l.text(at, hold);
        assert!(
            text.starts_with(
                "exported 40 of 200 conversations, rate limited, retrying in 38 s · API rate \
                 limit (429): waiting 38 s (18 of 20 spent by others)"
            ),
            "{text}"
        );
        // The lake's part has no total: no time left said.
        l.progress(
            &Progress::Written {
                written: 1000,
                total: None,
            },
            at,
            &api(50, 5),
        );
        assert_eq!(
            l.text(at + Duration::from_secs(60), Hold::None),
            "exported 1,000 conversations (data lake)"
        );
    }
}
