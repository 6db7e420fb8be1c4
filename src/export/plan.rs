//! How an export divides its range between the analytics data lake and the details query: pure
//! functions of the range, the lake's `dataAvailabilityDate` and a count, tested here.
//!
//! The export delivers the conversations that **start** in its range `[from, to)`. With the lake
//! holding those that ended before its availability date `A`, and `S = min(A, to)`:
//!
//! | the conversations that started | and | come from |
//! |---|---|---|
//! | in `[from, S)` | ended before `A` | one async job over `[from, S)` (its results are the records, attributes included) |
//! | in `[from, S)` | ended at or after `A`, or go on | the details query: the few going on at `A` ([`super::sweep`]) |
//! | in `[S, to)` | | the details query over `[S, to)`, as without the lake |
//!
//! Every conversation of the range is in exactly one row (a test checks it), so none is written
//! twice across the split and none is lost. A job matches the conversations that overlap its
//! interval, so its results also hold some that started before `from`: they are not the
//! range's, and are dropped.

use chrono::{DateTime, Utc};

use crate::genesys::query::{Interval, MAX_PAGE_SIZE};

/// Where an export's conversations come from (`--plan`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Plan {
    /// The data lake's async job for the part of the range it holds when that saves requests
    /// (more than 100 conversations there with --attributes, 1,000 without), the details query
    /// for the rest.
    #[default]
    Auto,
    /// The data lake's async job for the part of the range it holds, whatever its size.
    Lake,
    /// The details query for the whole range (attributes as --attributes-from says).
    Query,
}

impl Plan {
    pub fn name(self) -> &'static str {
        match self {
            Plan::Auto => "auto",
            Plan::Lake => "lake",
            Plan::Query => "query",
        }
    }
}

/// The part of the range an async job serves: the conversations that started in `interval`
/// and ended before `available`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LakePart {
    pub interval: Interval,
    pub available: DateTime<Utc>,
}

impl LakePart {
    /// Whether a conversation that started at `start` and ended at `end` (`None`: goes on)
    /// comes from the job.
    pub fn holds(&self, start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> bool {
        start.is_some_and(|s| self.interval.contains(s)) && end.is_some_and(|e| e < self.available)
    }

    /// Whether it is one of the part's that the lake lacks: started in the part, and still
    /// going on at the availability date (ended at or after it, or not yet).
    pub fn lacks(&self, start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> bool {
        start.is_some_and(|s| self.interval.contains(s)) && end.is_none_or(|e| e >= self.available)
    }
}

/// The range divided at the lake's availability date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub lake: Option<LakePart>,
    /// The conversations that started in it come from the details query.
    pub query: Option<Interval>,
}

/// Divides `range` at `available` (see the module documentation).
pub fn split(range: Interval, available: DateTime<Utc>) -> Split {
    if available <= range.start {
        return Split {
            lake: None,
            query: Some(range),
        };
    }
    let seam = available.min(range.end);
    Split {
        lake: Some(LakePart {
            interval: Interval::new(range.start, seam),
            available,
        }),
        query: (seam < range.end).then(|| Interval::new(seam, range.end)),
    }
}

/// Requests a job costs besides its results pages: its creation, a few polls of its state, its
/// deletion, and the details query's pages for the conversations going on at the availability
/// date (two a part): about ten.
pub const JOB_OVERHEAD: u64 = 10;

/// The most conversations the lake's part may hold for the details query to serve it instead
/// of a job. Without attributes paging costs one request per 100 conversations, so below
/// about 1,000 the job's own requests ([`JOB_OVERHEAD`]) and its wait are not worth it. With
/// attributes every conversation the details query brings also costs a GET conversation, so a
/// job pays off past one page; a single page is not worth the job's wait.
pub fn job_threshold(attributes: bool) -> u64 {
    if attributes {
        u64::from(MAX_PAGE_SIZE)
    } else {
        JOB_OVERHEAD * u64::from(MAX_PAGE_SIZE)
    }
}

/// Whether `--plan auto` reads a lake's part of about `hits` conversations (the details query's
/// `totalHits` over it) from a job.
pub fn worth_a_job(hits: u64, attributes: bool) -> bool {
    hits > job_threshold(attributes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    #[test]
    fn the_range_is_split_at_the_availability_date() {
        let range = Interval::new(t(1, 0), t(8, 0));
        // Covered entirely: the job only.
        let s = split(range, t(9, 0));
        assert_eq!(s.query, None);
        assert_eq!(s.lake.unwrap().interval, range);
        assert_eq!(s.lake.unwrap().available, t(9, 0));
        // Partly: the job, then the query from the availability date.
        let s = split(range, t(7, 18));
        assert_eq!(s.lake.unwrap().interval, Interval::new(t(1, 0), t(7, 18)));
        assert_eq!(s.query, Some(Interval::new(t(7, 18), t(8, 0))));
        // Not at all: the query only.
        for a in [t(1, 0), t(1, 0) - Duration::days(3)] {
            assert_eq!(
                split(range, a),
                Split {
                    lake: None,
                    query: Some(range)
                }
            );
        }
    }

    /// Every conversation of the range comes from exactly one place: the job, the details
    /// query's sweep of those going on at the availability date, or the details query's tail.
    #[test]
    fn every_conversation_of_the_range_has_exactly_one_source() {
        let range = Interval::new(t(1, 0), t(8, 0));
        let hours = |h: i64| t(1, 0) + Duration::hours(h);
        for available in [t(3, 5), t(8, 0), t(9, 0), t(1, 0)] {
            let s = split(range, available);
            for start_h in -30..(8 * 24 + 30) {
                let start = hours(start_h);
                for end in [
                    None,
                    Some(start),
                    Some(start + Duration::minutes(5)),
                    Some(start + Duration::hours(30)),
                    Some(available),
                    Some(available - Duration::milliseconds(1)),
                ] {
                    let end = end.filter(|e| *e >= start);
                    let (s0, e0) = (Some(start), end);
                    let sources = [
                        s.lake.is_some_and(|l| l.holds(s0, e0)),
                        s.lake.is_some_and(|l| l.lacks(s0, e0)),
                        s.query.is_some_and(|q| q.contains(start)),
                    ];
                    let n = sources.iter().filter(|x| **x).count();
                    let want = usize::from(range.contains(start));
                    assert_eq!(n, want, "{start} .. {end:?}, lake to {available}");
                }
            }
        }
    }

    #[test]
    fn a_job_is_worth_it_past_one_page_with_attributes_and_ten_without() {
        assert!(!worth_a_job(0, true));
        assert!(!worth_a_job(100, true));
        assert!(worth_a_job(101, true));
        assert!(!worth_a_job(1000, false));
        assert!(worth_a_job(1001, false));
    }
}
