//! What to load: one value, built once (from the screen's form, from the command line) and
//! carried unchanged to the query, the pagination task, the export, the async job and the
//! record of the last query. (The model is gitui's `LogFilterSearchOptions`.)
//!
//! The server-side search ([`super::search`], names already resolved to ids) is part of it: each
//! of its terms is one filter of `segmentFilters` or `conversationFilters`, so every request that
//! loads conversations follows it.

use chrono::Duration;
use serde_json::{Value, json};

use super::query::{Interval, MAX_INTERVAL_DAYS, Media, Order, SortBy, UNFILTERED_INTERVAL_DAYS};
use super::search::Resolved;

/// The conversations to load: those of `interval` that match the filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub interval: Interval,
    pub media: Media,
    /// The server-side search, its names resolved (empty: none).
    pub search: Resolved,
}

impl Scope {
    pub fn new(interval: Interval, media: Media) -> Self {
        Scope {
            interval,
            media,
            search: Resolved::default(),
        }
    }

    /// The same scope narrowed by a resolved search.
    pub fn with_search(self, search: Resolved) -> Scope {
        Scope { search, ..self }
    }

    /// The same filters over another interval (a part of this one, a window that slid).
    pub fn with_interval(&self, interval: Interval) -> Scope {
        Scope {
            interval,
            ..self.clone()
        }
    }

    /// The query's `segmentFilters`, all of which must match (empty when nothing filters
    /// segments). A segment filter matches when one segment satisfies it whole, so each term is
    /// a filter of its own: `queue:A agent:B` asks for a segment in queue A and one (another)
    /// of agent B, as the admin UI's Interactions view does.
    pub fn segment_filters(&self) -> Vec<Value> {
        let s = &self.search;
        let mut out = and(self.media.predicates());
        let ids = |v: &[super::search::Entity]| v.iter().map(|e| e.id.clone()).collect();
        out.extend(any_of("queueId", ids(&s.queues)));
        out.extend(any_of("userId", ids(&s.agents)));
        out.extend(any_of("wrapUpCode", ids(&s.wrapups)));
        if !s.addresses.is_empty() {
            // An address is the customer's number, e-mail or messaging address, on either
            // side: `ani` (who called), `dnis` (who was called: the customer of an outbound
            // call), `addressFrom`, `addressTo`. Voice numbers are `tel:` URIs in analytics.
            let mut preds = Vec::new();
            for a in &s.addresses {
                for v in address_forms(a) {
                    for dim in ["ani", "dnis", "addressFrom", "addressTo"] {
                        preds.push(matches(dim, &v));
                    }
                }
            }
            out.push(json!({"type": "or", "predicates": preds}));
        }
        if !s.customers.is_empty() {
            // The customer's participant by its name, both on the same segment. The customer
            // is whoever is on the outside, as the Customer column shows it (`facts::outside`):
            // purpose `customer`, or `external` (most callers in voice data).
            out.push(json!({
                "type": "and",
                "clauses": [
                    {
                        "type": "or",
                        "predicates": [matches("purpose", "customer"), matches("purpose", "external")],
                    },
                    {
                        "type": "or",
                        "predicates": s.customers.iter().map(|n| matches("participantName", n)).collect::<Vec<_>>(),
                    },
                ],
            }));
        }
        out
    }

    /// The query's `conversationFilters`, all of which must match (empty when nothing filters
    /// conversations).
    pub fn conversation_filters(&self) -> Vec<Value> {
        let s = &self.search;
        // The direction the list shows is the conversation's (`originatingDirection`): a
        // segment's `direction` is its session's, and an inbound call's consult leg is
        // outbound, so `dir:outbound` would bring inbound calls back.
        let mut out = any_of(
            "originatingDirection",
            s.directions.iter().map(|d| d.name().to_string()).collect(),
        );
        if s.live {
            out.push(json!({"type": "and", "predicates": [
                {"type": "dimension", "dimension": "conversationEnd", "operator": "notExists"}
            ]}));
        }
        out
    }

    /// Whether the query body has a filter: the API allows longer intervals then.
    pub fn has_filter(&self) -> bool {
        !self.segment_filters().is_empty() || !self.conversation_filters().is_empty()
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
        self.query_body_sorted(SortBy::Start, order, page_size, page_number)
    }

    /// [`Scope::query_body`], sorted by `by`.
    pub fn query_body_sorted(
        &self,
        by: SortBy,
        order: Order,
        page_size: u32,
        page_number: u32,
    ) -> Value {
        let mut b = json!({
            "interval": self.interval.to_api(),
            "order": order,
            "orderBy": by.api(),
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

/// A `matches` predicate on a dimension.
fn matches(dim: &str, value: &str) -> Value {
    json!({"type": "dimension", "dimension": dim, "operator": "matches", "value": value})
}

/// One `or` filter: `dim` is one of `values` (no filter when there are none).
fn any_of(dim: &str, values: Vec<String>) -> Vec<Value> {
    if values.is_empty() {
        return Vec::new();
    }
    let preds: Vec<Value> = values.iter().map(|v| matches(dim, v)).collect();
    vec![json!({"type": "or", "predicates": preds})]
}

/// The forms an address is stored in: as typed, and a phone number also as the `tel:` URI
/// analytics keeps (spaces, dashes and brackets, which people type in numbers, taken out).
fn address_forms(a: &str) -> Vec<String> {
    let mut out = vec![a.to_string()];
    let bare = a.strip_prefix("tel:").unwrap_or(a);
    let digits: String = bare
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    let phone = !digits.is_empty()
        && digits
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+'));
    if phone {
        for v in [digits.clone(), format!("tel:{digits}")] {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    out
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

    fn searched(text: &str) -> Scope {
        use super::super::search::{Entity, Query, resolve};
        let q = Query::parse(text).unwrap();
        let r = resolve(text, &q, |d, n| {
            vec![Entity {
                id: format!("{d:?}-{n}").to_lowercase(),
                name: n.to_string(),
            }]
        })
        .unwrap();
        Scope::new(day(), Media::Voice).with_search(r)
    }

    #[test]
    fn each_search_term_is_a_filter_of_its_own() {
        let s = searched(r#"queue:A queue:"B c" agent:Bob wrapup:Sold"#);
        let f = s.segment_filters();
        assert_eq!(f.len(), 4, "{f:#?}");
        assert_eq!(f[1]["type"], "or");
        assert_eq!(f[1]["predicates"][0]["dimension"], "queueId");
        assert_eq!(f[1]["predicates"][0]["value"], "queues-a");
        assert_eq!(f[1]["predicates"][1]["value"], "queues-b c");
        assert_eq!(f[2]["predicates"][0]["dimension"], "userId");
        assert_eq!(f[3]["predicates"][0]["dimension"], "wrapUpCode");
        assert!(s.conversation_filters().is_empty());
        let live = searched("live dir:out");
        let c = live.conversation_filters();
        assert_eq!(c[0]["predicates"][0]["dimension"], "originatingDirection");
        assert_eq!(c[0]["predicates"][0]["value"], "outbound");
        assert_eq!(c[1]["predicates"][0]["dimension"], "conversationEnd");
        assert_eq!(c[1]["predicates"][0]["operator"], "notExists");
        let any = Scope::new(day(), Media::Any).with_search(live.search.clone());
        assert!(any.has_filter());
        assert_eq!(any.max_interval(), Duration::days(31));
        assert_eq!(
            any.query_body(Order::Asc, 1, 1)["segmentFilters"],
            json!([])
        );
    }

    #[test]
    fn addresses_are_looked_for_on_both_sides_in_the_forms_analytics_keeps() {
        let s = searched(r#"ani:"+1 (555) 010-2030" address:jane@example.com"#);
        let f = &s.segment_filters()[1];
        let values: Vec<&str> = f["predicates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_str().unwrap())
            .collect();
        assert!(values.contains(&"tel:+15550102030"), "{values:?}");
        assert!(values.contains(&"+1 (555) 010-2030"));
        assert!(values.contains(&"jane@example.com"));
        assert!(!values.contains(&"tel:jane@example.com"));
        assert_eq!(address_forms("tel:+1555"), ["tel:+1555", "+1555"]);
        let c = &searched(r#"customer:"Ann Lee""#).segment_filters()[1];
        assert_eq!(c["clauses"][0]["predicates"][0]["value"], "customer");
        assert_eq!(c["clauses"][0]["predicates"][1]["value"], "external");
        assert_eq!(
            c["clauses"][1]["predicates"][0]["dimension"],
            "participantName"
        );
        assert_eq!(c["clauses"][1]["predicates"][0]["value"], "Ann Lee");
    }

    /// The job's body has the query's filters, and only fields of the SDK's
    /// `AsyncConversationQuery` (its `attributeMap`, PureCloudPlatformClientV2 269).
    #[test]
    fn the_job_body_has_the_query_filters_and_only_async_conversation_query_fields() {
        const ASYNC_CONVERSATION_QUERY: [&str; 10] = [
            "conversationFilters",
            "segmentFilters",
            "evaluationFilters",
            "surveyFilters",
            "resolutionFilters",
            "order",
            "orderBy",
            "interval",
            "limit",
            "startOfDayIntervalMatching",
        ];
        let s = searched(r#"queue:A agent:Bob dir:outbound ani:+15550100 live"#);
        let job = s.job_body(Order::Asc);
        let query = s.query_body(Order::Asc, 100, 1);
        for key in job.as_object().unwrap().keys() {
            assert!(ASYNC_CONVERSATION_QUERY.contains(&key.as_str()), "{key}");
        }
        assert_eq!(job["segmentFilters"], query["segmentFilters"]);
        assert_eq!(job["conversationFilters"], query["conversationFilters"]);
        assert_eq!(job["interval"], query["interval"]);
        assert_eq!(job["orderBy"], "conversationStart");
        // Sorted by end (the sweep of conversations going on at the lake's date): the same
        // filters.
        let by_end = s.query_body_sorted(SortBy::End, Order::Desc, 100, 1);
        assert_eq!(by_end["orderBy"], "conversationEnd");
        assert_eq!(by_end["order"], "desc");
        assert_eq!(by_end["segmentFilters"], query["segmentFilters"]);
    }

    /// Every body a search can build is one the API accepts: the simulator's parser follows the
    /// SDK's filter grammar and enums (`tests/sdk/sdk_check.py` checks them against the SDK).
    #[test]
    fn every_search_body_is_one_the_api_accepts() {
        for text in [
            "",
            "live",
            "dir:inbound",
            "dir:in dir:out",
            "queue:A",
            "queue:A queue:B agent:C agent:D wrapup:E",
            "ani:+15550100",
            "address:a@b.c address:+44 customer:X customer:Y",
            r#"queue:"Support - Tier 1" agent:Bob wrapup:Sold dir:outbound ani:123 customer:Z live"#,
        ] {
            for media in Media::ALL {
                let s = Scope::new(day(), media).with_search(searched(text).search);
                for b in [s.query_body(Order::Desc, 100, 1), s.job_body(Order::Asc)] {
                    let conv = b.get("conversationFilters").cloned().unwrap_or(Value::Null);
                    if let Err(e) = crate::sim::filter::Filters::parse(&b["segmentFilters"], &conv)
                    {
                        panic!("{text} / {media}: {e}\n{b:#}");
                    }
                    if conv.is_array() {
                        assert!(!conv.as_array().unwrap().is_empty());
                    }
                }
            }
        }
    }
}
