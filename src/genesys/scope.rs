//! What to load: one value, built once (from the screen's form, from the command line) and
//! carried unchanged to the query, the pagination task, the export, the async job and the
//! record of the last query. (The model is gitui's `LogFilterSearchOptions`.)
//!
//! A server-side filter to come (queue, user, wrap-up code, direction, address, live only) is a
//! field here plus the predicates it adds in [`Scope::segment_predicates`] or
//! [`Scope::conversation_predicates`]: every request that loads conversations follows.

use chrono::Duration;
use serde_json::{Value, json};

use super::query::{Interval, MAX_INTERVAL_DAYS, Media, Order, UNFILTERED_INTERVAL_DAYS};

/// The conversations to load: those of `interval` that match the filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub interval: Interval,
    pub media: Media,
}

impl Scope {
    pub fn new(interval: Interval, media: Media) -> Self {
        Scope { interval, media }
    }

    /// The same filters over another interval (a part of this one, a window that slid).
    pub fn with_interval(&self, interval: Interval) -> Scope {
        Scope {
            interval,
            ..self.clone()
        }
    }

    /// Predicates on segments, all of which must match.
    fn segment_predicates(&self) -> Vec<Value> {
        self.media.predicates()
    }

    /// Predicates on conversations, all of which must match.
    fn conversation_predicates(&self) -> Vec<Value> {
        Vec::new()
    }

    /// The query's `segmentFilters` (empty when nothing filters segments).
    pub fn segment_filters(&self) -> Vec<Value> {
        and(self.segment_predicates())
    }

    /// The query's `conversationFilters` (empty when nothing filters conversations).
    pub fn conversation_filters(&self) -> Vec<Value> {
        and(self.conversation_predicates())
    }

    /// Whether the query body has a filter: the API allows longer intervals then.
    pub fn has_filter(&self) -> bool {
        !self.segment_predicates().is_empty() || !self.conversation_predicates().is_empty()
    }

    /// The longest interval one details query over this scope may have: 7 days when its body
    /// has no filter, 31 with one (developer center, "Analytics detail queries").
    pub fn max_interval(&self) -> Duration {
        Duration::days(if self.has_filter() {
            MAX_INTERVAL_DAYS
        } else {
            UNFILTERED_INTERVAL_DAYS
        })
    }

    /// The body of `POST /api/v2/analytics/conversations/details/query` for one page.
    pub fn query_body(&self, order: Order, page_size: u32, page_number: u32) -> Value {
        let mut b = json!({
            "interval": self.interval.to_api(),
            "order": order,
            "orderBy": "conversationStart",
            "paging": {"pageSize": page_size, "pageNumber": page_number},
        });
        self.put_filters(&mut b);
        b
    }

    /// The body of `POST /api/v2/analytics/conversations/details/jobs`.
    pub fn job_body(&self, order: Order) -> Value {
        let mut b = json!({
            "interval": self.interval.to_api(),
            "order": order,
            "orderBy": "conversationStart",
        });
        self.put_filters(&mut b);
        b
    }

    fn put_filters(&self, body: &mut Value) {
        // `segmentFilters` always (an empty list is what the API's own clients send);
        // `conversationFilters` only when there are some.
        body["segmentFilters"] = Value::Array(self.segment_filters());
        let conv = self.conversation_filters();
        if !conv.is_empty() {
            body["conversationFilters"] = Value::Array(conv);
        }
    }
}

/// One `and` filter of `predicates`, or no filter at all.
fn and(predicates: Vec<Value>) -> Vec<Value> {
    if predicates.is_empty() {
        Vec::new()
    } else {
        vec![json!({"type": "and", "predicates": predicates})]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn day() -> Interval {
        Interval::new(
            Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap(),
        )
    }

    #[test]
    fn the_scope_builds_the_api_filters() {
        let s = Scope::new(day(), Media::Webmessaging);
        let b = s.query_body(Order::Desc, 100, 3);
        assert_eq!(
            b["interval"],
            "2026-11-24T00:00:00.000Z/2026-11-25T00:00:00.000Z"
        );
        assert_eq!(b["paging"]["pageNumber"], 3);
        let preds = &b["segmentFilters"][0]["predicates"];
        assert_eq!(preds[0]["dimension"], "mediaType");
        assert_eq!(preds[1]["value"], "webmessaging");
        assert!(b.get("conversationFilters").is_none());
        assert_eq!(
            s.job_body(Order::Asc)["segmentFilters"],
            b["segmentFilters"]
        );
        assert!(s.job_body(Order::Asc).get("paging").is_none());
    }

    #[test]
    fn seven_days_without_a_filter_thirty_one_with_one() {
        let any = Scope::new(day(), Media::Any);
        assert!(!any.has_filter());
        assert_eq!(any.max_interval(), Duration::days(7));
        assert_eq!(
            any.query_body(Order::Asc, 1, 1)["segmentFilters"],
            json!([])
        );
        let voice = Scope::new(day(), Media::Voice);
        assert!(voice.has_filter());
        assert_eq!(voice.max_interval(), Duration::days(31));
    }
}
