//! The body of the analytics details query (and of async details jobs), and the API's limits.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::model::format_time;

/// Largest page the details query serves.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Paging deeper than this many results is refused ("Pagination may not exceed 100000 results").
pub const MAX_PAGING_RESULTS: u64 = 100_000;
/// Longest interval one details query accepts when its body has a filter, in days.
pub const MAX_INTERVAL_DAYS: i64 = 31;
/// Longest interval one details query accepts when its body has no filter, in days.
pub const UNFILTERED_INTERVAL_DAYS: i64 = 7;

/// Which conversations a query selects, by media.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Media {
    /// Web Messaging: mediaType `message` with messageType `webmessaging`.
    #[default]
    Webmessaging,
    /// Every messaging channel: mediaType `message`.
    Message,
    Voice,
    Chat,
    Email,
    Callback,
    /// No media filter.
    Any,
}

impl Media {
    pub const ALL: [Media; 7] = [
        Media::Webmessaging,
        Media::Message,
        Media::Voice,
        Media::Chat,
        Media::Email,
        Media::Callback,
        Media::Any,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Media::Webmessaging => "webmessaging",
            Media::Message => "message",
            Media::Voice => "voice",
            Media::Chat => "chat",
            Media::Email => "email",
            Media::Callback => "callback",
            Media::Any => "any",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Media::Webmessaging => "Web messaging",
            Media::Message => "All messaging",
            Media::Voice => "Voice",
            Media::Chat => "Chat",
            Media::Email => "Email",
            Media::Callback => "Callback",
            Media::Any => "Any",
        }
    }

    /// The segment filters that select this media (none for `Any`).
    pub fn segment_filters(self) -> Vec<Value> {
        let preds = self.predicates();
        if preds.is_empty() {
            return vec![];
        }
        vec![json!({"type": "and", "predicates": preds})]
    }

    /// The segment predicates that select this media, all of which must match (none for `Any`).
    pub fn predicates(self) -> Vec<Value> {
        let pred = |dim: &str, val: &str| json!({"type": "dimension", "dimension": dim, "operator": "matches", "value": val});
        match self {
            Media::Any => vec![],
            Media::Webmessaging => vec![
                pred("mediaType", "message"),
                pred("messageType", "webmessaging"),
            ],
            Media::Message => vec![pred("mediaType", "message")],
            Media::Voice => vec![pred("mediaType", "voice")],
            Media::Chat => vec![pred("mediaType", "chat")],
            Media::Email => vec![pred("mediaType", "email")],
            Media::Callback => vec![pred("mediaType", "callback")],
        }
    }
}

impl fmt::Display for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Media {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase().replace(['-', '_', ' '], "");
        let m = match s.as_str() {
            "webmessaging" | "web" => Media::Webmessaging,
            "message" | "messaging" | "allmessaging" => Media::Message,
            "voice" | "call" => Media::Voice,
            "chat" => Media::Chat,
            "email" => Media::Email,
            "callback" => Media::Callback,
            "any" | "all" => Media::Any,
            _ => {
                return Err(format!(
                    "unknown media '{s}': use one of webmessaging, message, voice, chat, email, callback, any"
                ));
            }
        };
        Ok(m)
    }
}

/// Sort order by conversation start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    Asc,
    #[default]
    Desc,
}

/// What the details query sorts by (`orderBy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    #[default]
    Start,
    /// `conversationEnd`: the conversations that ended last first, in descending order.
    End,
}

impl SortBy {
    /// The API's name.
    pub fn api(self) -> &'static str {
        match self {
            SortBy::Start => "conversationStart",
            SortBy::End => "conversationEnd",
        }
    }
}

/// A half-open time range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Interval {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Interval { start, end }
    }

    /// ISO-8601 `start/end`, as the API takes it.
    pub fn to_api(&self) -> String {
        format!("{}/{}", format_time(self.start), format_time(self.end))
    }

    /// Parses `start/end` as the API takes it.
    pub fn parse_api(s: &str) -> Option<Interval> {
        let (a, b) = s.split_once('/')?;
        let a = DateTime::parse_from_rfc3339(a.trim())
            .ok()?
            .with_timezone(&Utc);
        let b = DateTime::parse_from_rfc3339(b.trim())
            .ok()?
            .with_timezone(&Utc);
        Some(Interval::new(a, b))
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }

    pub fn length(&self) -> Duration {
        self.end - self.start
    }

    /// Splits into consecutive sub-intervals no longer than `max`, in the given order (the
    /// newest first for `Desc`). Seams are shared instants: each belongs to exactly one part.
    ///
    /// Seams fall on UTC midnights whenever `max` spans one: the API stores conversations in
    /// daily indexes and answers a query with every conversation of the UTC days it touches
    /// that overlaps it, so a part that starts at midnight brings no conversation of the part
    /// before, and a part of `max` days touches no more than that many days.
    pub fn split(&self, max: Duration, order: Order) -> Vec<Interval> {
        let mut parts = Vec::new();
        let mut a = self.start;
        while a < self.end {
            let reach = a + max;
            let b = if reach >= self.end {
                self.end
            } else {
                let midnight = utc_midnight(reach);
                if midnight > a { midnight } else { reach }
            };
            parts.push(Interval::new(a, b));
            a = b;
        }
        if order == Order::Desc {
            parts.reverse();
        }
        parts
    }

    /// Halves the interval (used when one part holds more than paging can reach), at a whole
    /// millisecond: the API's intervals have no finer precision, so the seam must be exact.
    pub fn halves(&self) -> (Interval, Interval) {
        let mid = self.start + Duration::milliseconds(self.length().num_milliseconds() / 2);
        (Interval::new(self.start, mid), Interval::new(mid, self.end))
    }
}

/// The UTC midnight at or before `t`.
pub fn utc_midnight(t: DateTime<Utc>) -> DateTime<Utc> {
    t.date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(t, |d| d.and_utc())
}

/// One page of the details query over a scope (whose interval is the part being paged).
#[derive(Debug, Clone, PartialEq)]
pub struct DetailsQuery {
    pub scope: super::scope::Scope,
    pub order: Order,
    pub page_size: u32,
    pub page_number: u32,
}

impl DetailsQuery {
    /// The JSON body of `POST /api/v2/analytics/conversations/details/query`.
    pub fn body(&self) -> Value {
        self.scope
            .query_body(self.order, self.page_size, self.page_number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
    }

    #[test]
    fn body_has_the_real_field_names() {
        let q = DetailsQuery {
            scope: super::super::scope::Scope::new(
                Interval::new(t(24, 0), t(25, 0)),
                Media::Webmessaging,
            ),
            order: Order::Desc,
            page_size: 100,
            page_number: 3,
        };
        let b = q.body();
        assert_eq!(
            b["interval"],
            "2026-11-24T00:00:00.000Z/2026-11-25T00:00:00.000Z"
        );
        assert_eq!(b["order"], "desc");
        assert_eq!(b["orderBy"], "conversationStart");
        assert_eq!(b["paging"]["pageSize"], 100);
        assert_eq!(b["paging"]["pageNumber"], 3);
        let preds = &b["segmentFilters"][0]["predicates"];
        assert_eq!(preds[0]["dimension"], "mediaType");
        assert_eq!(preds[0]["value"], "message");
        assert_eq!(preds[1]["dimension"], "messageType");
        assert_eq!(preds[1]["value"], "webmessaging");
        assert!(b.get("view").is_none() && b.get("dateRange").is_none());
    }

    #[test]
    fn any_media_has_no_filter() {
        assert!(Media::Any.segment_filters().is_empty());
        assert!(Media::Any.predicates().is_empty());
        assert_eq!("All Messaging".parse::<Media>().unwrap(), Media::Message);
        assert!("webchat".parse::<Media>().is_err());
    }

    #[test]
    fn split_is_consecutive_with_no_gap_or_overlap() {
        let i = Interval::new(t(1, 0), t(25, 7));
        let parts = i.split(Duration::days(7), Order::Asc);
        assert_eq!(parts.len(), 4);
        assert_eq!(parts[0].start, i.start);
        assert_eq!(parts.last().unwrap().end, i.end);
        for w in parts.windows(2) {
            assert_eq!(w[0].end, w[1].start);
        }
        let desc = i.split(Duration::days(7), Order::Desc);
        assert_eq!(desc[0], parts[3]);
    }

    #[test]
    fn parts_split_on_utc_midnights() {
        // 13:00 on the 1st to 08:00 on the 20th, by 7 days: the seams are midnights, and no
        // part touches more than 7 UTC days.
        let i = Interval::new(t(1, 13), t(20, 8));
        let parts = i.split(Duration::days(7), Order::Asc);
        assert_eq!(
            parts,
            vec![
                Interval::new(t(1, 13), t(8, 0)),
                Interval::new(t(8, 0), t(15, 0)),
                Interval::new(t(15, 0), t(20, 8)),
            ]
        );
        // Parts shorter than a day cannot end on a midnight.
        let hours = Interval::new(t(1, 13), t(2, 2)).split(Duration::hours(5), Order::Asc);
        assert_eq!(
            hours,
            vec![
                Interval::new(t(1, 13), t(1, 18)),
                Interval::new(t(1, 18), t(1, 23)),
                Interval::new(t(1, 23), t(2, 2)),
            ]
        );
    }

    #[test]
    fn api_interval_round_trips() {
        let i = Interval::new(t(24, 0), t(25, 0));
        assert_eq!(Interval::parse_api(&i.to_api()), Some(i));
        assert_eq!(Interval::parse_api("yesterday/today"), None);
    }
}
