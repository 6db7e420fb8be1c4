//! The simulator over real HTTP: shapes, limits, errors, jobs, permissions, rate limits, faults.

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use convoscope::genesys::model::{
    AnalyticsConversation, Conversation, JobCreated, JobResults, JobStatus, QueryResponse,
};
use convoscope::genesys::query::{Interval, Media};
use convoscope::sim::{Faults, Forbid, Sim, SimConfig};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

const Q: &str = "/api/v2/analytics/conversations/details/query";
const JOBS: &str = "/api/v2/analytics/conversations/details/jobs";

fn until() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap()
}

fn cfg() -> SimConfig {
    SimConfig {
        addr: "127.0.0.1:0".into(),
        conversations: 1000,
        until: until(),
        job_delay_ms: 200,
        // Tests of the rate limit set their own; the others would wait for it.
        rate_limit: 0,
        ..SimConfig::default()
    }
}

fn client() -> Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
        .timeout(StdDuration::from_secs(20))
        .build()
        .unwrap()
}

async fn start(c: SimConfig) -> (Sim, Client, String) {
    let sim = Sim::start(c).await.unwrap();
    let http = client();
    let tok = token(&http, &sim.url()).await;
    (sim, http, tok)
}

async fn token(http: &Client, url: &str) -> String {
    let r = http
        .post(format!("{url}/oauth/token"))
        .basic_auth("demo", Some("demo"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

async fn post(
    http: &Client,
    url: &str,
    tok: &str,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let r = http
        .post(format!("{url}{path}"))
        .bearer_auth(tok)
        .json(body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn get(http: &Client, url: &str, tok: &str, path: &str) -> (StatusCode, Value) {
    let r = http
        .get(format!("{url}{path}"))
        .bearer_auth(tok)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn week() -> Interval {
    Interval::new(until() - Duration::days(7), until())
}

fn assert_error(v: &Value, status: u16, code: &str) {
    assert_eq!(v["status"], status, "{v}");
    assert_eq!(v["code"], code, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert!(
        v["contextId"].as_str().is_some_and(|m| m.len() == 36),
        "{v}"
    );
    assert_eq!(v["details"], json!([]));
    assert_eq!(v["errors"], json!([]));
}

#[tokio::test]
async fn token_grant_and_bad_credentials() {
    let sim = Sim::start(cfg()).await.unwrap();
    let http = client();
    let url = sim.url();
    let r = http
        .post(format!("{url}/oauth/token"))
        .basic_auth("demo", Some("demo"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["expires_in"], 86_400);
    assert!(v["access_token"].as_str().unwrap().len() > 20);
    // Credentials as form fields.
    let r = http
        .post(format!("{url}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo"),
            ("client_secret", "demo"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Bad secret.
    let r = http
        .post(format!("{url}/oauth/token"))
        .basic_auth("demo", Some("wrong"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "invalid_client");
    assert!(v["description"].is_string() && v["error_description"].is_string());
    // Other grant.
    let r = http
        .post(format!("{url}/oauth/token"))
        .basic_auth("demo", Some("demo"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], "unsupported_grant_type");
    sim.stop().await;
}

#[tokio::test]
async fn missing_bad_and_expired_tokens_get_401() {
    let sim = Sim::start(SimConfig {
        token_ttl: 1,
        ..cfg()
    })
    .await
    .unwrap();
    let http = client();
    let url = sim.url();
    let r = http
        .post(format!("{url}{Q}"))
        .json(&json!({"interval": week().to_api()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let corr = r.headers()["inin-correlation-id"]
        .to_str()
        .unwrap()
        .to_string();
    let v: Value = r.json().await.unwrap();
    assert_error(&v, 401, "authentication.required");
    assert_eq!(v["contextId"], corr);
    let (s, v) = post(
        &http,
        &url,
        "nonsense",
        Q,
        &json!({"interval": week().to_api()}),
    )
    .await;
    assert_eq!(s, 401);
    assert_error(&v, 401, "bad.credentials");
    assert_eq!(v["message"], "Invalid login credentials.");
    let tok = token(&http, &url).await;
    let (s, _) = post(&http, &url, &tok, Q, &json!({"interval": week().to_api()})).await;
    assert_eq!(s, 200);
    tokio::time::sleep(StdDuration::from_millis(1200)).await;
    let (s, v) = post(&http, &url, &tok, Q, &json!({"interval": week().to_api()})).await;
    assert_eq!(s, 401);
    assert_error(&v, 401, "bad.credentials");
    sim.stop().await;
}

#[tokio::test]
async fn paging_stops_at_total_hits_without_repeats() {
    let (sim, http, tok) = start(cfg()).await;
    let url = sim.url();
    let ds = sim.dataset();
    for (media, order) in [
        (Media::Webmessaging, "desc"),
        (Media::Any, "asc"),
        (Media::Voice, "desc"),
    ] {
        let expected: Vec<String> = {
            let mut v: Vec<String> = ds
                .matching(&week(), media)
                .into_iter()
                .map(|i| ds.conversation_id(i))
                .collect();
            if order == "desc" {
                v.reverse();
            }
            v
        };
        let mut got = Vec::new();
        let mut total = None;
        for page in 1.. {
            let body = json!({
                "interval": week().to_api(), "order": order, "orderBy": "conversationStart",
                "paging": {"pageSize": 100, "pageNumber": page},
                "segmentFilters": media.segment_filters(),
            });
            let (s, v) = post(&http, &url, &tok, Q, &body).await;
            assert_eq!(s, 200, "{v}");
            let r: QueryResponse = serde_json::from_value(v.clone()).unwrap();
            total = r.total_hits;
            match r.conversations {
                None => {
                    assert!(v.get("conversations").is_none());
                    break;
                }
                Some(cs) => {
                    assert!(!cs.is_empty());
                    for c in &cs {
                        assert!(c.participants.iter().all(|p| p.attributes.is_none()));
                        assert!(v.to_string().find("\"attributes\"").is_none());
                        got.push(c.conversation_id.clone());
                    }
                }
            }
        }
        assert_eq!(total, Some(expected.len() as u64));
        assert_eq!(got, expected, "{media}");
        let uniq: HashSet<_> = got.iter().collect();
        assert_eq!(uniq.len(), got.len());
    }
    // No hits at all: totalHits 0 and no conversations key.
    let empty = Interval::new(until() + Duration::days(1), until() + Duration::days(2));
    let (s, v) = post(&http, &url, &tok, Q, &json!({"interval": empty.to_api()})).await;
    assert_eq!(s, 200);
    assert_eq!(v, json!({"totalHits": 0}));
    sim.stop().await;
}

#[tokio::test]
async fn validation_errors_are_400_with_the_error_body() {
    let (sim, http, tok) = start(cfg()).await;
    let url = sim.url();
    let iv = week().to_api();
    let cases = vec![
        (json!({"interval": "yesterday/today"}), "interval"),
        (json!({}), "interval"),
        (
            json!({"interval": "2026-11-24T00:00:00.000Z/2026-11-23T00:00:00.000Z"}),
            "after",
        ),
        (
            json!({"interval": "2026-11-10T00:00:00.000Z/2026-11-18T00:00:00.000Z"}),
            "at most 7 days",
        ),
        (
            json!({"interval": "2026-10-01T00:00:00.000Z/2026-11-02T00:00:00.000Z",
                "segmentFilters": Media::Voice.segment_filters()}),
            "at most 31 days",
        ),
        (
            json!({"interval": iv, "evaluationFilters": [{"type": "and", "predicates": [{"dimension": "evaluationId", "value": "x"}]}]}),
            "evaluationFilters",
        ),
        (
            json!({"interval": iv, "paging": {"pageSize": 101, "pageNumber": 1}}),
            "100",
        ),
        (
            json!({"interval": iv, "paging": {"pageSize": 0, "pageNumber": 1}}),
            "pageSize",
        ),
        (
            json!({"interval": iv, "paging": {"pageSize": 100, "pageNumber": 1001}}),
            "Pagination may not exceed 100000 results",
        ),
        (json!({"interval": iv, "order": "sideways"}), "order"),
        (
            json!({"interval": iv, "segmentFilters": [{"type": "and", "predicates": [{"type": "dimension", "dimension": "colour", "operator": "matches", "value": "red"}]}]}),
            "colour",
        ),
        (
            json!({"interval": iv, "conversationFilters": [{"type": "and", "predicates": [{"dimension": "mediaType", "value": "voice"}]}]}),
            "mediaType",
        ),
        (
            json!({"interval": iv, "segmentFilters": [{"type": "xor", "predicates": []}]}),
            "xor",
        ),
    ];
    for (body, needle) in cases {
        let (s, v) = post(&http, &url, &tok, Q, &body).await;
        assert_eq!(s, 400, "{body}: {v}");
        assert_error(&v, 400, "bad.request");
        assert!(
            v["message"].as_str().unwrap().contains(needle),
            "{body}: {v}"
        );
    }
    // Exactly 100,000 is fine; 31 days with a filter, 7 without; unknown fields are ignored.
    let ok = json!({"interval": "2026-10-01T00:00:00.000Z/2026-11-01T00:00:00.000Z",
        "segmentFilters": Media::Voice.segment_filters(),
        "paging": {"pageSize": 100, "pageNumber": 1000}, "view": "details", "whatever": [1]});
    let (s, v) = post(&http, &url, &tok, Q, &ok).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(&http, &url, &tok, Q, &json!({"interval": week().to_api()})).await;
    assert_eq!(s, 200, "{v}");
    // Malformed JSON.
    let r = http
        .post(format!("{url}{Q}"))
        .bearer_auth(&tok)
        .header("content-type", "application/json")
        .body("{\"interval\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_error(&r.json::<Value>().await.unwrap(), 400, "bad.request");
    sim.stop().await;
}

#[tokio::test]
async fn filters_select_by_conversation_user_and_purpose() {
    let (sim, http, tok) = start(cfg()).await;
    let url = sim.url();
    let ds = sim.dataset();
    let id = ds.conversation_id(500);
    let body = json!({"interval": week().to_api(), "conversationFilters": [{"type": "or",
        "predicates": [{"type": "dimension", "dimension": "conversationId", "operator": "matches", "value": id}]}]});
    let (_, v) = post(&http, &url, &tok, Q, &body).await;
    assert_eq!(v["totalHits"], 1);
    assert_eq!(v["conversations"][0]["conversationId"], id);
    // Every conversation with an agent of a given user.
    let a = (0..ds.len())
        .map(|i| ds.analytics(i))
        .find(|c| {
            c.participants
                .iter()
                .any(|p| p.purpose.as_deref() == Some("agent"))
        })
        .unwrap();
    let user = a
        .participants
        .iter()
        .find_map(|p| p.user_id.clone())
        .unwrap();
    let body = json!({"interval": week().to_api(), "paging": {"pageSize": 100},
        "segmentFilters": [{"type": "and", "predicates": [
            {"type": "dimension", "dimension": "purpose", "operator": "matches", "value": "agent"},
            {"type": "dimension", "dimension": "userId", "operator": "matches", "value": user}]}]});
    let (_, v) = post(&http, &url, &tok, Q, &body).await;
    let cs: Vec<AnalyticsConversation> =
        serde_json::from_value(v["conversations"].clone()).unwrap();
    assert!(!cs.is_empty() && cs.len() < 100);
    assert!(cs.iter().any(|c| c.conversation_id == a.conversation_id));
    for c in &cs {
        assert!(
            c.participants
                .iter()
                .any(|p| p.user_id.as_deref() == Some(user.as_str()))
        );
    }
    // exists / notExists on messageType.
    let count = |op: &str| {
        json!({"interval": week().to_api(), "segmentFilters": [{"type": "and", "predicates": [
            {"type": "dimension", "dimension": "messageType", "operator": op}]}]})
    };
    let (_, with) = post(&http, &url, &tok, Q, &count("exists")).await;
    let (_, without) = post(&http, &url, &tok, Q, &count("notExists")).await;
    let (_, all) = post(&http, &url, &tok, Q, &json!({"interval": week().to_api()})).await;
    assert_eq!(
        with["totalHits"].as_u64().unwrap() + without["totalHits"].as_u64().unwrap(),
        all["totalHits"].as_u64().unwrap()
    );
    sim.stop().await;
}

#[tokio::test]
async fn get_conversation_and_details_by_id() {
    let (sim, http, tok) = start(cfg()).await;
    let url = sim.url();
    let ds = sim.dataset();
    let id = ds.conversation_id(123);
    let (s, v) = get(&http, &url, &tok, &format!("/api/v2/conversations/{id}")).await;
    assert_eq!(s, 200);
    let c: Conversation = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(c, ds.conversation(123, Utc::now()));
    assert_eq!(v["selfUri"], format!("/api/v2/conversations/{id}"));
    assert!(
        v["participants"][0]["startTime"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
    for bad in ["00000000-0000-4000-8000-000000000000", "nope"] {
        let (s, v) = get(&http, &url, &tok, &format!("/api/v2/conversations/{bad}")).await;
        assert_eq!(s, 404);
        assert_error(&v, 404, "not.found");
    }
    let (s, v) = get(
        &http,
        &url,
        &tok,
        &format!("/api/v2/analytics/conversations/{id}/details"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        serde_json::from_value::<AnalyticsConversation>(v).unwrap(),
        ds.analytics(123)
    );
    let id2 = ds.conversation_id(7);
    let (s, v) = get(
        &http,
        &url,
        &tok,
        &format!("/api/v2/analytics/conversations/details?id={id},{id2}"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["conversations"].as_array().unwrap().len(), 2);
    assert_eq!(v["conversations"][1]["conversationId"], id2);
    sim.stop().await;
}

#[tokio::test]
async fn job_runs_to_fulfilled_and_pages_by_cursor() {
    let (sim, http, tok) = start(SimConfig { active: 2, ..cfg() }).await;
    let url = sim.url();
    let ds = sim.dataset();
    let body = json!({"interval": week().to_api(), "order": "asc", "orderBy": "conversationStart",
        "segmentFilters": Media::Webmessaging.segment_filters()});
    let (s, v) = post(&http, &url, &tok, JOBS, &body).await;
    assert_eq!(s, 202, "{v}");
    let job: JobCreated = serde_json::from_value(v).unwrap();
    let (_, v) = get(&http, &url, &tok, &format!("{JOBS}/{}", job.job_id)).await;
    let st: JobStatus = serde_json::from_value(v).unwrap();
    assert!(st.state == "QUEUED" || st.state == "PENDING", "{st:?}");
    assert!(st.submission_date.is_some() && st.completion_date.is_none());
    let (s, v) = get(&http, &url, &tok, &format!("{JOBS}/{}/results", job.job_id)).await;
    assert_eq!(s, 400);
    assert_error(&v, 400, "bad.request");
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    let (_, v) = get(&http, &url, &tok, &format!("{JOBS}/{}", job.job_id)).await;
    let st: JobStatus = serde_json::from_value(v).unwrap();
    assert_eq!(st.state, "FULFILLED");
    assert!(st.completion_date.is_some() && st.expiration_date.is_some());

    let mut got = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path = format!("{JOBS}/{}/results?pageSize=100", job.job_id);
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (s, v) = get(&http, &url, &tok, &path).await;
        assert_eq!(s, 200, "{v}");
        let r: JobResults = serde_json::from_value(v).unwrap();
        assert!(r.data_availability_date.is_some());
        pages += 1;
        got.extend(r.conversations);
        match r.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    // The lake: what ended before the data availability date (the live ones never).
    let expected = ds.job_matching(
        &week(),
        Media::Webmessaging,
        Utc::now() - Duration::seconds(cfg().data_lag as i64),
        Utc::now(),
    );
    // A live conversation that has ended is in the lake like any other; one still going on never.
    assert!(expected.iter().all(|&i| ds.end_at(i).is_some()));
    let still_on: Vec<usize> = (0..ds.len())
        .filter(|&i| ds.is_active(i) && ds.end_at(i).is_none())
        .collect();
    assert!(!still_on.is_empty());
    assert!(still_on.iter().all(|i| !expected.contains(i)));
    assert_eq!(got.len(), expected.len());
    assert_eq!(pages, expected.len().div_ceil(100));
    for (c, &i) in got.iter().zip(&expected) {
        assert_eq!(c.conversation_id, ds.conversation_id(i));
        assert!(c.conversation_end.is_some());
        if i % 7 != 0 {
            continue;
        }
        let (_, v) = get(
            &http,
            &url,
            &tok,
            &format!("/api/v2/conversations/{}", c.conversation_id),
        )
        .await;
        let live: Conversation = serde_json::from_value(v).unwrap();
        for p in &c.participants {
            let lp = live
                .participants
                .iter()
                .find(|x| x.id == p.participant_id)
                .unwrap();
            let cut: convoscope::genesys::model::Attributes = lp
                .attributes
                .iter()
                .map(|(k, v)| {
                    (
                        k.chars().take(1024).collect(),
                        v.chars().take(1024).collect(),
                    )
                })
                .collect();
            assert_eq!(p.attributes.as_ref().unwrap(), &cut);
        }
    }
    assert!(got.iter().any(|c| c.participants.iter().any(|p| {
        p.attributes
            .as_ref()
            .is_some_and(|a| a.contains_key("context.email"))
    })));
    // Bad cursor, bad page size, unknown job, cancel.
    let (s, _) = get(
        &http,
        &url,
        &tok,
        &format!("{JOBS}/{}/results?cursor=zzz", job.job_id),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = get(
        &http,
        &url,
        &tok,
        &format!("{JOBS}/{}/results?pageSize=1001", job.job_id),
    )
    .await;
    assert_eq!(s, 400);
    let (s, v) = get(
        &http,
        &url,
        &tok,
        &format!("{JOBS}/8a1d3e7c-0000-4000-8000-000000000000"),
    )
    .await;
    assert_eq!(s, 404);
    assert_error(&v, 404, "not.found");
    let r = http
        .delete(format!("{url}{JOBS}/{}", job.job_id))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert!(r.status() == 204 || r.status() == 202);
    let (_, v) = get(&http, &url, &tok, &format!("{JOBS}/{}", job.job_id)).await;
    assert_eq!(v["state"], "CANCELLED");
    // limit
    let (_, v) = post(
        &http,
        &url,
        &tok,
        JOBS,
        &json!({"interval": week().to_api(), "limit": 10}),
    )
    .await;
    let id = v["jobId"].as_str().unwrap().to_string();
    tokio::time::sleep(StdDuration::from_millis(250)).await;
    let (_, v) = get(&http, &url, &tok, &format!("{JOBS}/{id}/results")).await;
    assert_eq!(v["conversations"].as_array().unwrap().len(), 10);
    assert!(v.get("cursor").is_none());
    sim.stop().await;
}

#[tokio::test]
async fn data_lag_hides_recent_conversations_from_jobs() {
    let now = Utc::now();
    let (sim, http, tok) = start(SimConfig {
        until: now,
        days: 2,
        data_lag: 86_400,
        job_delay_ms: 0,
        ..cfg()
    })
    .await;
    let url = sim.url();
    let (s, v) = get(&http, &url, &tok, &format!("{JOBS}/availability")).await;
    assert_eq!(s, 200);
    let avail = convoscope::genesys::model::parse_time(v["dataAvailabilityDate"].as_str().unwrap())
        .unwrap();
    assert!((avail - (now - Duration::days(1))).num_seconds().abs() < 30);
    let iv = Interval::new(now - Duration::days(3), now + Duration::hours(1));
    let (_, v) = post(&http, &url, &tok, JOBS, &json!({"interval": iv.to_api()})).await;
    let id = v["jobId"].as_str().unwrap().to_string();
    let (_, v) = get(&http, &url, &tok, &format!("{JOBS}/{id}/results")).await;
    let r: JobResults = serde_json::from_value(v).unwrap();
    let ds = sim.dataset();
    // Those that ended before the data availability date.
    let older = ds.job_matching(&iv, Media::Any, avail, Utc::now()).len();
    assert_eq!(r.conversations.len(), older);
    // The lag hides part of the data set, not all of it (how much depends on the hour: the data
    // set follows a working day).
    let all = ds.matching(&iv, Media::Any).len();
    assert!(older > 0 && older < all, "{older} of {all}");
    assert!(r.conversations.iter().all(|c| c.end().unwrap() < avail));
    let ended_by_then = (0..ds.len())
        .filter(|&i| ds.end_at(i).is_some_and(|e| e < avail))
        .count();
    assert_eq!(older, ended_by_then);
    sim.stop().await;
}

#[tokio::test]
async fn forbidden_areas_answer_403_naming_the_permission() {
    let (sim, http, tok) = start(SimConfig {
        forbid: Forbid {
            query: true,
            jobs: false,
            conversations: true,
            ..Forbid::default()
        },
        ..cfg()
    })
    .await;
    let url = sim.url();
    let (s, v) = post(&http, &url, &tok, Q, &json!({"interval": week().to_api()})).await;
    assert_eq!(s, 403);
    assert_error(&v, 403, "missing.permissions");
    assert_eq!(
        v["message"],
        "Unable to perform the requested action. You are missing the following permission(s): [analytics:conversationDetail:view]"
    );
    let id = sim.dataset().conversation_id(1);
    let (s, v) = get(&http, &url, &tok, &format!("/api/v2/conversations/{id}")).await;
    assert_eq!(s, 403);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("conversation:communication:view")
    );
    let (s, _) = post(
        &http,
        &url,
        &tok,
        JOBS,
        &json!({"interval": week().to_api()}),
    )
    .await;
    assert_eq!(s, 202);
    sim.stop().await;
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let (sim, http, tok) = start(SimConfig {
        rate_limit: 5,
        ..cfg()
    })
    .await;
    let url = sim.url();
    for _ in 0..5 {
        let (s, _) = post(&http, &url, &tok, Q, &json!({"interval": week().to_api()})).await;
        assert_eq!(s, 200);
    }
    let r = http
        .post(format!("{url}{Q}"))
        .bearer_auth(&tok)
        .json(&json!({"interval": week().to_api()}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let ra: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&ra));
    let v: Value = r.json().await.unwrap();
    assert_error(&v, 429, "too.many.requests.retry.after");
    assert_eq!(
        v["message"],
        format!("Rate limit exceeded the maximum. Retry the request in [{ra}] seconds")
    );
    assert_eq!(
        v["limit"],
        json!({"key": "client.credentials.token.rate.per.minute", "namespace": "platform.api", "value": 5})
    );
    sim.stop().await;
}

#[tokio::test]
async fn faults_answer_errors_and_drop_connections() {
    let sim = Sim::start(SimConfig {
        faults: Faults {
            s503: 1.0,
            ..Faults::default()
        },
        ..cfg()
    })
    .await
    .unwrap();
    let http = client();
    let r = http
        .post(format!("{}/oauth/token", sim.url()))
        .basic_auth("demo", Some("demo"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert_error(
        &r.json::<Value>().await.unwrap(),
        503,
        "service.unavailable",
    );
    sim.stop().await;

    let sim = Sim::start(SimConfig {
        faults: Faults {
            s429: 1.0,
            ..Faults::default()
        },
        ..cfg()
    })
    .await
    .unwrap();
    let r = http
        .post(format!("{}/oauth/token", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    sim.stop().await;

    let sim = Sim::start(SimConfig {
        faults: Faults {
            reset: 1.0,
            ..Faults::default()
        },
        ..cfg()
    })
    .await
    .unwrap();
    let r = http
        .post(format!("{}/oauth/token", sim.url()))
        .basic_auth("demo", Some("demo"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await;
    match r {
        Err(_) => {}
        Ok(r) => {
            assert!(r.bytes().await.is_err(), "the body should fail mid-way");
        }
    }
    sim.stop().await;

    // Faults never change the data.
    let a = Sim::start(SimConfig {
        faults: Faults {
            s500: 0.5,
            ..Faults::default()
        },
        ..cfg()
    })
    .await
    .unwrap();
    let b = Sim::start(cfg()).await.unwrap();
    for i in [0, 10, 999] {
        assert_eq!(a.dataset().analytics(i), b.dataset().analytics(i));
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let (sim, http, tok) = start(cfg()).await;
    let url = sim.url();
    let (s, v) = get(&http, &url, &tok, "/api/v2/nothing/here").await;
    assert_eq!(s, 404);
    assert_error(&v, 404, "not.found");
    let r = http
        .delete(format!("{url}{Q}"))
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers().contains_key("inin-correlation-id"));
    assert_error(&r.json::<Value>().await.unwrap(), 405, "method.not.allowed");
    sim.stop().await;
}

#[tokio::test]
async fn latency_delays_responses() {
    let sim = Sim::start(SimConfig {
        latency_ms: 150,
        ..cfg()
    })
    .await
    .unwrap();
    let http = client();
    let t = std::time::Instant::now();
    let _ = token(&http, &sim.url()).await;
    assert!(t.elapsed() >= StdDuration::from_millis(150));
    sim.stop().await;
}

/// Every conversation of the week as the details query serves it, page by page, with the body's
/// `order` and `orderBy`.
async fn all_pages(http: &Client, url: &str, tok: &str, order: &str, order_by: &str) -> Vec<Value> {
    let mut got = Vec::new();
    for page in 1.. {
        let body = json!({"interval": week().to_api(), "order": order, "orderBy": order_by,
            "paging": {"pageSize": 100, "pageNumber": page}});
        let (s, v) = post(http, url, tok, Q, &body).await;
        assert_eq!(s, 200, "{v}");
        match v["conversations"].as_array() {
            Some(c) if !c.is_empty() => got.extend(c.iter().cloned()),
            _ => break,
        }
    }
    got
}

fn last_segment_end(c: &Value) -> Option<String> {
    let mut ends = Vec::new();
    for p in c["participants"].as_array().unwrap() {
        for s in p["sessions"].as_array().unwrap() {
            for seg in s["segments"].as_array().unwrap() {
                ends.push(seg["segmentEnd"].as_str()?.to_string());
            }
        }
    }
    ends.into_iter().max()
}

#[tokio::test]
async fn order_by_is_checked_and_sorts_the_answer() {
    let (sim, http, tok) = start(SimConfig { active: 3, ..cfg() }).await;
    let url = sim.url();
    for bad in ["duration", "outdated_sdk_version", "conversationstart"] {
        let body = json!({"interval": week().to_api(), "orderBy": bad});
        let (s, v) = post(&http, &url, &tok, Q, &body).await;
        assert_eq!(s, 400, "{bad}");
        assert_error(&v, 400, "bad.request");
        let m = v["message"].as_str().unwrap();
        assert!(m.contains(bad) && m.contains("conversationEnd"), "{m}");
        let (s, v) = post(&http, &url, &tok, JOBS, &body).await;
        assert_eq!(s, 400, "jobs refuse {bad} too");
        assert_error(&v, 400, "bad.request");
    }
    let (s, v) = post(
        &http,
        &url,
        &tok,
        Q,
        &json!({"interval": week().to_api(), "orderBy": 7}),
    )
    .await;
    assert_eq!(s, 400);
    assert_error(&v, 400, "bad.request");

    let by_start = all_pages(&http, &url, &tok, "asc", "conversationStart").await;
    assert_eq!(by_start.len(), 1000);
    let ids = |v: &[Value]| -> Vec<String> {
        v.iter()
            .map(|c| c["conversationId"].as_str().unwrap().to_string())
            .collect()
    };
    let mut sorted_ids = ids(&by_start);
    sorted_ids.sort();
    for order_by in ["conversationEnd", "segmentEnd"] {
        let key = |c: &Value| match order_by {
            "conversationEnd" => c["conversationEnd"].as_str().map(str::to_string),
            _ => last_segment_end(c),
        };
        let asc = all_pages(&http, &url, &tok, "asc", order_by).await;
        let desc = all_pages(&http, &url, &tok, "desc", order_by).await;
        for (v, desc_order) in [(&asc, false), (&desc, true)] {
            let mut got = ids(v);
            got.sort();
            assert_eq!(got, sorted_ids, "{order_by}: the same conversations");
            let keys: Vec<Option<String>> = v.iter().map(key).collect();
            let known = keys.iter().take_while(|k| k.is_some()).count();
            assert!(
                keys[known..].iter().all(Option::is_none),
                "{order_by}: those still going on come last"
            );
            assert!(known < keys.len(), "{order_by}: one goes on");
            for w in keys[..known].windows(2) {
                if desc_order {
                    assert!(w[0] >= w[1], "{order_by} desc: {w:?}");
                } else {
                    assert!(w[0] <= w[1], "{order_by} asc: {w:?}");
                }
            }
        }
        assert_ne!(ids(&asc), ids(&by_start), "{order_by} is another order");
    }
    // segmentStart is the start order.
    assert_eq!(
        ids(&all_pages(&http, &url, &tok, "asc", "segmentStart").await),
        ids(&by_start)
    );
    sim.stop().await;
}

#[tokio::test]
async fn organization_says_it_is_the_simulator_and_needs_a_token() {
    let (sim, http, tok) = start(cfg()).await;
    let url = sim.url();
    let r = http
        .get(format!("{url}/api/v2/organizations/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_error(&r.json().await.unwrap(), 401, "authentication.required");
    let (s, v) = get(&http, &url, &tok, "/api/v2/organizations/me").await;
    assert_eq!(s, 200, "{v}");
    assert!(v["name"].as_str().unwrap().contains("simulator"), "{v}");
    assert_eq!(v["id"].as_str().unwrap().len(), 36);
    for k in [
        "defaultLanguage",
        "defaultCountryCode",
        "thirdPartyOrgName",
        "domain",
        "version",
        "selfUri",
    ] {
        assert!(v.get(k).is_some(), "{k} missing from {v}");
    }
    assert_eq!(v["state"], "active");
    assert_eq!(
        v["selfUri"],
        format!("/api/v2/organizations/{}", v["id"].as_str().unwrap())
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_live_conversation_ends_within_seconds_with_active_end_after() {
    let now = Utc::now();
    let (sim, http, tok) = start(SimConfig {
        until: now,
        days: 1,
        conversations: 300,
        active: 2,
        active_end_after: Some(2),
        job_delay_ms: 0,
        // The job below must see the conversation that just ended.
        data_lag: 0,
        ..cfg()
    })
    .await;
    let url = sim.url();
    let ds = sim.dataset();
    let first = (0..ds.len()).find(|&i| ds.is_active(i)).unwrap();
    let id = ds.conversation_id(first);
    let path = format!("/api/v2/conversations/{id}");
    let (_, v) = get(&http, &url, &tok, &path).await;
    assert!(
        v.get("state").is_none(),
        "Conversation.state is never sent: {v}"
    );
    assert!(v.get("endTime").is_none());
    // Watch it as the screen does, until it ends.
    let mut live = v;
    for _ in 0..100 {
        if live.get("endTime").is_some() {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(200)).await;
        live = get(&http, &url, &tok, &path).await.1;
    }
    assert!(live.get("endTime").is_some(), "{live}");
    for p in live["participants"].as_array().unwrap() {
        assert!(p.get("endTime").is_some(), "{p}");
    }
    // The analytics answers agree: the details query and a job.
    let iv = Interval::new(now - Duration::days(2), now + Duration::hours(1));
    let filter =
        json!([{"type": "and", "predicates": [{"dimension": "conversationId", "value": id}]}]);
    let (_, v) = post(
        &http,
        &url,
        &tok,
        Q,
        &json!({"interval": iv.to_api(), "conversationFilters": filter}),
    )
    .await;
    assert_eq!(v["totalHits"], 1, "{v}");
    assert_eq!(v["conversations"][0]["conversationEnd"], live["endTime"]);
    let (_, v) = post(
        &http,
        &url,
        &tok,
        JOBS,
        &json!({"interval": iv.to_api(), "conversationFilters": filter}),
    )
    .await;
    let job = v["jobId"].as_str().unwrap().to_string();
    let (s, v) = get(&http, &url, &tok, &format!("{JOBS}/{job}/results")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["conversations"][0]["conversationEnd"], live["endTime"]);
    // The other one goes on.
    let (_, v) = get(
        &http,
        &url,
        &tok,
        &format!("/api/v2/conversations/{}", ds.conversation_id(first + 1)),
    )
    .await;
    assert!(v.get("endTime").is_none(), "{v}");
    sim.stop().await;
}

#[tokio::test]
async fn the_rate_limit_window_is_configurable_and_counted() {
    let (sim, http, tok) = start(SimConfig {
        rate_limit: 3,
        rate_window_secs: 1,
        ..cfg()
    })
    .await;
    let url = sim.url();
    let body = json!({"interval": week().to_api()});
    for _ in 0..3 {
        assert_eq!(post(&http, &url, &tok, Q, &body).await.0, 200);
    }
    let r = http
        .post(format!("{url}{Q}"))
        .bearer_auth(&tok)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["message"],
        "Rate limit exceeded the maximum. Retry the request in [1] seconds"
    );
    tokio::time::sleep(StdDuration::from_millis(1100)).await;
    assert_eq!(post(&http, &url, &tok, Q, &body).await.0, 200);
    let st = sim.stats();
    assert_eq!(st.rate_limited, 1);
    assert_eq!(st.in_flight, 0);
    assert!(st.peak_in_flight >= 1);
    let reqs = sim.requests();
    let queries: Vec<u16> = reqs
        .iter()
        .filter(|r| r.path == Q)
        .map(|r| r.status)
        .collect();
    assert_eq!(queries, [200, 200, 200, 429, 200]);
    assert_eq!(reqs[0].path, "/oauth/token");
    sim.stop().await;
}

/// A GET with its headers.
async fn get_with_headers(
    http: &Client,
    url: &str,
    tok: Option<&str>,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut r = http.get(format!("{url}{path}"));
    if let Some(t) = tok {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let (s, h) = (r.status(), r.headers().clone());
    (s, h, r.json().await.unwrap_or(Value::Null))
}

fn header_num(h: &reqwest::header::HeaderMap, k: &str) -> Option<u64> {
    h.get(k)?.to_str().ok()?.parse().ok()
}

#[tokio::test]
async fn every_answer_announces_the_budget_of_300_a_minute_and_a_correlation_id() {
    let defaults = SimConfig::default();
    assert_eq!((defaults.rate_limit, defaults.rate_window_secs), (300, 60));
    assert!(defaults.data_lag >= 3_600, "a lag of hours by default");
    let (sim, http, tok) = start(SimConfig {
        rate_limit: 300,
        ..cfg()
    })
    .await;
    let url = sim.url();
    let id = sim.dataset().conversation_id(3);
    let mut last = 0;
    for (path, status) in [
        (format!("/api/v2/conversations/{id}"), 200),
        ("/api/v2/conversations/nope".to_string(), 404),
        ("/api/v2/users?pageSize=2".to_string(), 200),
        (format!("{JOBS}/availability"), 200),
        ("/api/v2/no/such/route".to_string(), 404),
    ] {
        let (s, h, _) = get_with_headers(&http, &url, Some(&tok), &path).await;
        assert_eq!(s.as_u16(), status, "{path}");
        assert_eq!(
            header_num(&h, "inin-ratelimit-allowed"),
            Some(300),
            "{path}"
        );
        let count = header_num(&h, "inin-ratelimit-count").unwrap();
        assert_eq!(count, last + 1, "{path}: each answer counts");
        last = count;
        let reset = header_num(&h, "inin-ratelimit-reset").unwrap();
        assert!((1..=60).contains(&reset), "{path}: {reset}");
        assert_eq!(h["inin-correlation-id"].len(), 36);
    }
    // A second token of the same OAuth client shares its budget.
    let other = token(&http, &url).await;
    let (_, h, _) = get_with_headers(&http, &url, Some(&other), "/api/v2/organizations/me").await;
    assert_eq!(header_num(&h, "inin-ratelimit-count"), Some(last + 1));
    // Without a valid token nobody's budget is spent; the correlation id is still there.
    let (s, h, v) = get_with_headers(&http, &url, None, "/api/v2/organizations/me").await;
    assert_eq!(s, 401);
    assert!(h.get("inin-ratelimit-count").is_none());
    assert_eq!(h["inin-correlation-id"].to_str().unwrap(), v["contextId"]);
    sim.stop().await;
    // With the limit off (benches), no budget is announced.
    let (sim, http, tok) = start(cfg()).await;
    let (_, h, _) =
        get_with_headers(&http, &sim.url(), Some(&tok), "/api/v2/organizations/me").await;
    assert!(h.get("inin-ratelimit-allowed").is_none());
    sim.stop().await;
}

#[tokio::test]
async fn a_long_interval_is_refused_quoting_its_limit() {
    let (sim, http, tok) = start(cfg()).await;
    let url = sim.url();
    let eight = Interval::new(until() - Duration::days(8), until());
    let (s, v) = post(&http, &url, &tok, Q, &json!({"interval": eight.to_api()})).await;
    assert_eq!(s, 400);
    assert_error(&v, 400, "bad.request");
    let m = v["message"].as_str().unwrap();
    assert!(
        m.contains("at most 7 days") && m.contains("8.0 days"),
        "{m}"
    );
    assert_eq!(v["messageParams"]["maxDays"], "7");
    assert!(
        v["messageWithParams"]
            .as_str()
            .unwrap()
            .contains("{maxDays}")
    );
    // A filter of any kind lifts it to 31 days; an empty filter list is no filter.
    for filters in [
        json!({"segmentFilters": Media::Message.segment_filters()}),
        json!({"conversationFilters": [{"type": "and", "predicates": [{"dimension": "originatingDirection", "value": "inbound"}]}]}),
    ] {
        let mut body = json!({"interval": eight.to_api()});
        body.as_object_mut()
            .unwrap()
            .extend(filters.as_object().unwrap().clone());
        assert_eq!(post(&http, &url, &tok, Q, &body).await.0, 200, "{body}");
    }
    let body = json!({"interval": eight.to_api(), "segmentFilters": [], "conversationFilters": []});
    assert_eq!(post(&http, &url, &tok, Q, &body).await.0, 400);
    let long = Interval::new(until() - Duration::days(32), until());
    let body = json!({"interval": long.to_api(), "segmentFilters": Media::Voice.segment_filters()});
    let (s, v) = post(&http, &url, &tok, Q, &body).await;
    assert_eq!(s, 400);
    assert_eq!(v["messageParams"]["maxDays"], "31");
    // Async jobs take long intervals.
    let (s, _) = post(&http, &url, &tok, JOBS, &json!({"interval": long.to_api()})).await;
    assert_eq!(s, 202);
    sim.stop().await;
}

/// Every conversation the details query answers for `body`, paged to its end, and `totalHits`.
async fn query_all(http: &Client, url: &str, tok: &str, body: &Value) -> (Vec<Value>, u64) {
    let mut got = Vec::new();
    let mut total = 0;
    for page in 1.. {
        let mut b = body.clone();
        b["paging"] = json!({"pageSize": 100, "pageNumber": page});
        let (s, v) = post(http, url, tok, Q, &b).await;
        assert_eq!(s, 200, "{v}");
        total = v["totalHits"].as_u64().unwrap();
        match v["conversations"].as_array() {
            Some(c) if !c.is_empty() => got.extend(c.iter().cloned()),
            _ => break,
        }
    }
    (got, total)
}

#[tokio::test]
async fn the_query_answers_what_overlaps_the_interval_from_the_days_it_touches() {
    let (sim, http, tok) = start(cfg()).await;
    let url = sim.url();
    let ds = sim.dataset();
    // Noon to two in the afternoon, and an hour either side of a midnight.
    let day = Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).unwrap();
    for iv in [
        Interval::new(day + Duration::hours(12), day + Duration::hours(14)),
        Interval::new(day - Duration::hours(1), day + Duration::hours(1)),
    ] {
        let body = json!({"interval": iv.to_api(), "order": "asc"});
        let (got, total) = query_all(&http, &url, &tok, &body).await;
        assert_eq!(total, got.len() as u64, "totalHits counts what it returns");
        let want: Vec<String> = ds
            .query_matching(&iv, Media::Any, Utc::now())
            .into_iter()
            .map(|i| ds.conversation_id(i))
            .collect();
        let ids: Vec<&str> = got
            .iter()
            .map(|c| c["conversationId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, want, "{iv:?}");
        let touched = iv
            .start
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        let mut before = 0;
        for c in &got {
            let start =
                convoscope::genesys::model::parse_time(c["conversationStart"].as_str().unwrap())
                    .unwrap();
            assert!(start >= touched && start < iv.end, "{c}");
            if start < iv.start {
                before += 1;
                let end =
                    convoscope::genesys::model::parse_time(c["conversationEnd"].as_str().unwrap())
                        .unwrap();
                assert!(end > iv.start, "it overlaps");
            }
        }
        assert!(
            before > 0,
            "{iv:?}: conversations from before the interval that overlap it"
        );
    }
    sim.stop().await;
}

#[tokio::test]
async fn agents_are_ids_in_analytics_and_the_directories_name_them_in_bulk() {
    let (sim, http, tok) = start(cfg()).await;
    let url = sim.url();
    let body =
        json!({"interval": week().to_api(), "segmentFilters": Media::Voice.segment_filters()});
    let (calls, _) = query_all(&http, &url, &tok, &body).await;
    let (mut users, mut queues, mut codes) = (Vec::new(), Vec::new(), Vec::new());
    for c in &calls {
        for p in c["participants"].as_array().unwrap() {
            if matches!(p["purpose"].as_str(), Some("agent" | "user")) {
                assert!(p.get("participantName").is_none(), "{p}");
                users.push(p["userId"].as_str().unwrap().to_string());
            }
            for seg in p["sessions"][0]["segments"].as_array().unwrap() {
                if let Some(q) = seg["queueId"].as_str() {
                    queues.push(q.to_string());
                }
                if let Some(w) = seg["wrapUpCode"].as_str() {
                    codes.push(w.to_string());
                }
            }
        }
    }
    for v in [&mut users, &mut queues, &mut codes] {
        v.sort();
        v.dedup();
    }
    assert!(users.len() > 30 && queues.len() > 5 && codes.len() > 5);
    // Users in bulk: one call names the active ones; deleted users and unknown ids are left out.
    let unknown = "00000000-0000-4000-8000-000000000000";
    let qs: String = users.iter().map(|u| format!("&id={u}")).collect();
    let (s, v) = get(
        &http,
        &url,
        &tok,
        &format!("/api/v2/users?pageSize=100{qs}&id={unknown}"),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let named: Vec<&str> = v["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(!named.contains(&unknown));
    assert_eq!(v["total"], named.len());
    assert_eq!(
        (v["pageSize"].as_u64(), v["pageNumber"].as_u64()),
        (Some(100), Some(1))
    );
    let deleted: Vec<&String> = users
        .iter()
        .filter(|u| !named.contains(&u.as_str()))
        .collect();
    assert!(!deleted.is_empty() && deleted.len() <= 3, "{deleted:?}");
    for u in &v["entities"].as_array().unwrap()[..3] {
        assert!(u["name"].as_str().is_some_and(|n| !n.is_empty()));
        assert_eq!(u["state"], "active");
        assert!(u["division"]["id"].is_string() && u["version"].is_u64());
        let (s, one) = get(
            &http,
            &url,
            &tok,
            &format!("/api/v2/users/{}", u["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!((s, &one), (StatusCode::OK, u));
    }
    // A deleted user: 404 by id unless asked for, listed with state=deleted.
    let d = deleted[0];
    let (s, v) = get(&http, &url, &tok, &format!("/api/v2/users/{d}")).await;
    assert_eq!(s, 404);
    assert_error(&v, 404, "not.found");
    let (s, v) = get(
        &http,
        &url,
        &tok,
        &format!("/api/v2/users/{d}?state=deleted"),
    )
    .await;
    assert_eq!((s, v["state"].as_str()), (StatusCode::OK, Some("deleted")));
    let (_, v) = get(
        &http,
        &url,
        &tok,
        &format!("/api/v2/users?state=any&id={d}"),
    )
    .await;
    assert_eq!(v["total"], 1);
    // Paging: 25 by default, links to the other pages.
    let (_, v) = get(&http, &url, &tok, "/api/v2/users").await;
    assert_eq!(
        (v["pageSize"].as_u64(), v["total"].as_u64()),
        (Some(25), Some(45))
    );
    assert_eq!(v["pageCount"], 2);
    assert_eq!(v["entities"].as_array().unwrap().len(), 25);
    assert!(v["nextUri"].as_str().unwrap().contains("pageNumber=2"));
    let (_, v2) = get(&http, &url, &tok, "/api/v2/users?pageNumber=2").await;
    assert_eq!(v2["entities"].as_array().unwrap().len(), 20);
    assert!(v2.get("nextUri").is_none() && v2["previousUri"].is_string());
    let many: String = (0..101).map(|k| format!("&id={k}")).collect();
    let (s, v) = get(&http, &url, &tok, &format!("/api/v2/users?x=1{many}")).await;
    assert_eq!(s, 400);
    assert!(v["message"].as_str().unwrap().contains("100"));
    // Queues, wrap-up codes, divisions: in bulk (comma-separated too) and by id.
    for (path, ids) in [
        ("/api/v2/routing/queues", &queues),
        ("/api/v2/routing/wrapupcodes", &codes),
    ] {
        let (s, v) = get(
            &http,
            &url,
            &tok,
            &format!("{path}?pageSize=100&id={},{unknown}", ids.join(",")),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["total"], ids.len(), "{path}");
        let first = &v["entities"][0];
        let (s, one) = get(
            &http,
            &url,
            &tok,
            &format!("{path}/{}", first["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!((s, &one), (StatusCode::OK, first));
        let (s, _) = get(&http, &url, &tok, &format!("{path}/{unknown}")).await;
        assert_eq!(s, 404);
    }
    let division = calls[0]["divisionIds"][0].as_str().unwrap();
    let (_, v) = get(
        &http,
        &url,
        &tok,
        &format!("/api/v2/authorization/divisions?id={division}"),
    )
    .await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["entities"][0]["id"], division);
    // ?name= matches the start of a queue's name, whatever the case; * is a wildcard.
    let names = |v: &Value| -> Vec<String> {
        v["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, v) = get(&http, &url, &tok, "/api/v2/routing/queues?name=support").await;
    assert_eq!(names(&v), ["Support - Tier 1", "Support - Tier 2"]);
    let (_, v) = get(&http, &url, &tok, "/api/v2/routing/queues?name=*support*").await;
    assert_eq!(
        names(&v),
        ["Support - Tier 1", "Support - Tier 2", "Technical Support"]
    );
    let (_, v) = get(&http, &url, &tok, "/api/v2/routing/queues?name=tier").await;
    assert_eq!(v["total"], 0);
    sim.stop().await;
}

#[tokio::test]
async fn queues_and_wrapup_codes_need_their_permission() {
    let (sim, http, tok) = start(SimConfig {
        forbid: Forbid::parse("queues,wrapupcodes").unwrap(),
        ..cfg()
    })
    .await;
    let url = sim.url();
    for (path, perm) in [
        ("/api/v2/routing/queues", "routing:queue:view"),
        ("/api/v2/routing/wrapupcodes", "routing:wrapupCode:view"),
    ] {
        let (s, v) = get(&http, &url, &tok, path).await;
        assert_eq!(s, 403);
        assert_error(&v, 403, "missing.permissions");
        assert!(v["message"].as_str().unwrap().contains(perm), "{v}");
    }
    // Users and divisions need none.
    assert_eq!(get(&http, &url, &tok, "/api/v2/users").await.0, 200);
    assert_eq!(
        get(&http, &url, &tok, "/api/v2/authorization/divisions")
            .await
            .0,
        200
    );
    sim.stop().await;
}

#[tokio::test]
async fn filters_take_the_sdk_grammar_and_select_as_analytics_has_it() {
    let now = Utc::now();
    let (sim, http, tok) = start(SimConfig {
        until: now,
        days: 3,
        active: 3,
        ..cfg()
    })
    .await;
    let url = sim.url();
    let iv = Interval::new(now - Duration::days(2), now);
    let with = |seg: Value, conv: Value| json!({"interval": iv.to_api(), "segmentFilters": seg, "conversationFilters": conv});
    let pred = |d: &str, op: &str, v: Option<&str>| {
        let mut p = json!({"type": "dimension", "dimension": d, "operator": op});
        if let Some(v) = v {
            p["value"] = json!(v);
        }
        json!([{"type": "and", "predicates": [p]}])
    };
    // conversationEnd notExists: the conversations still going on, and only them.
    let (live, n_live) = query_all(
        &http,
        &url,
        &tok,
        &with(Value::Null, pred("conversationEnd", "notExists", None)),
    )
    .await;
    assert!((1..=3).contains(&n_live), "{n_live}");
    assert!(live.iter().all(|c| c.get("conversationEnd").is_none()));
    let (_, n_ended) = query_all(
        &http,
        &url,
        &tok,
        &with(Value::Null, pred("conversationEnd", "exists", None)),
    )
    .await;
    let (_, n_all) = query_all(&http, &url, &tok, &json!({"interval": iv.to_api()})).await;
    assert_eq!(n_live + n_ended, n_all);
    // Segment dimensions as the data has them.
    let (held, _) = query_all(
        &http,
        &url,
        &tok,
        &with(pred("segmentType", "matches", Some("hold")), Value::Null),
    )
    .await;
    assert!(!held.is_empty());
    assert!(
        held.iter()
            .all(|c| c.to_string().contains("\"segmentType\":\"hold\""))
    );
    let (missed, _) = query_all(
        &http,
        &url,
        &tok,
        &with(
            pred("disconnectType", "matches", Some("noAnswerTransfer")),
            Value::Null,
        ),
    )
    .await;
    assert!(!missed.is_empty());
    let queue = held[0]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|p| p["sessions"][0]["segments"][0]["queueId"].as_str())
        .unwrap()
        .to_string();
    let both = json!([{"type": "and", "predicates": [
        {"dimension": "queueId", "value": queue},
        {"dimension": "purpose", "value": "agent"}]}]);
    let (in_queue, _) = query_all(&http, &url, &tok, &with(both, Value::Null)).await;
    assert!(!in_queue.is_empty());
    assert!(in_queue.iter().all(|c| c.to_string().contains(&queue)));
    // Agents have no name in analytics: a filter on participantName never finds one.
    let agent_named = json!([{"type": "and", "predicates": [
        {"dimension": "purpose", "value": "agent"},
        {"dimension": "participantName", "operator": "exists"}]}]);
    assert_eq!(
        query_all(&http, &url, &tok, &with(agent_named, Value::Null))
            .await
            .1,
        0
    );
    // or-clauses under an and-filter.
    let clauses = json!([{"type": "and", "clauses": [
        {"type": "or", "predicates": [{"dimension": "purpose", "value": "voicemail"}, {"dimension": "purpose", "value": "user"}]}],
        "predicates": [{"dimension": "mediaType", "value": "voice"}]}]);
    let (some, _) = query_all(&http, &url, &tok, &with(clauses, Value::Null)).await;
    assert!(!some.is_empty());
    // What the grammar does not have is a 400 that names it.
    for (seg, conv, needle) in [
        (
            pred("conversationId", "exists", None),
            Value::Null,
            "conversationId",
        ),
        (Value::Null, pred("userId", "exists", None), "userId"),
        (pred("queueName", "exists", None), Value::Null, "queueName"),
        (
            json!([{"type": "and", "clauses": [{"type": "or", "clauses": [{"type": "and", "predicates": [{"dimension": "purpose", "value": "agent"}]}]}]}]),
            Value::Null,
            "clauses",
        ),
    ] {
        let (s, v) = post(&http, &url, &tok, Q, &with(seg, conv)).await;
        assert_eq!(s, 400, "{needle}");
        assert!(v["message"].as_str().unwrap().contains(needle), "{v}");
    }
    sim.stop().await;
}

#[tokio::test]
async fn jobs_see_the_lake_by_overlap_and_cut_long_attributes() {
    let (sim, http, tok) = start(SimConfig {
        hostile: true,
        conversations: 400,
        job_delay_ms: 0,
        ..cfg()
    })
    .await;
    let url = sim.url();
    let ds = sim.dataset();
    let iv = Interval::new(until() - Duration::hours(30), until() - Duration::hours(6));
    let results = |body: Value| {
        let (http, url, tok) = (http.clone(), url.clone(), tok.clone());
        async move {
            let (s, v) = post(&http, &url, &tok, JOBS, &body).await;
            assert_eq!(s, 202, "{v}");
            let id = v["jobId"].as_str().unwrap().to_string();
            let (s, v) = get(&http, &url, &tok, &format!("{JOBS}/{id}/results")).await;
            assert_eq!(s, 200, "{v}");
            serde_json::from_value::<JobResults>(v).unwrap()
        }
    };
    let r = results(json!({"interval": iv.to_api()})).await;
    let avail =
        convoscope::genesys::model::parse_time(r.data_availability_date.as_deref().unwrap())
            .unwrap();
    let want: Vec<String> = ds
        .job_matching(&iv, Media::Any, avail, Utc::now())
        .into_iter()
        .map(|i| ds.conversation_id(i))
        .collect();
    let got: Vec<String> = r
        .conversations
        .iter()
        .map(|c| c.conversation_id.clone())
        .collect();
    assert_eq!(got, want);
    assert!(
        r.conversations
            .iter()
            .any(|c| c.start().unwrap() < iv.start),
        "overlap"
    );
    // Keys and values cut at 1,024 characters; GET conversation has them whole.
    let mut cut = 0;
    for c in &r.conversations {
        for p in &c.participants {
            for (k, v) in p.attributes.as_ref().unwrap() {
                assert!(k.chars().count() <= 1024 && v.chars().count() <= 1024);
                if k == "hostile.long" {
                    assert_eq!(v.chars().count(), 1024);
                    assert!(convoscope::sim::hostile::long_value().starts_with(v.as_str()));
                    cut += 1;
                }
            }
            if p.attributes.as_ref().unwrap().contains_key("hostile.long") {
                let (_, whole) = get(
                    &http,
                    &url,
                    &tok,
                    &format!("/api/v2/conversations/{}", c.conversation_id),
                )
                .await;
                let whole: Conversation = serde_json::from_value(whole).unwrap();
                let wp = whole
                    .participants
                    .iter()
                    .find(|w| w.id == p.participant_id)
                    .unwrap();
                assert_eq!(
                    wp.attributes["hostile.long"],
                    convoscope::sim::hostile::long_value()
                );
                assert!(
                    wp.attributes
                        .contains_key(&convoscope::sim::hostile::long_key())
                );
                assert!(
                    p.attributes
                        .as_ref()
                        .unwrap()
                        .keys()
                        .any(|k| k.starts_with("hostile.longkey") && k.chars().count() == 1024)
                );
            }
        }
    }
    assert!(cut > 0, "hostile long values in the job");
    // startOfDayIntervalMatching: nothing from before the interval's UTC day.
    let r = results(json!({"interval": iv.to_api(), "startOfDayIntervalMatching": true})).await;
    let day = iv
        .start
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    assert!(r.conversations.iter().all(|c| c.start().unwrap() >= day));
    assert!(r.conversations.len() <= got.len());
    sim.stop().await;
}

#[tokio::test]
async fn jobs_go_queued_pending_fulfilled_and_can_fail_or_expire() {
    let body = json!({"interval": week().to_api()});
    // QUEUED, then PENDING, then FULFILLED.
    let (sim, http, tok) = start(SimConfig {
        job_delay_ms: 900,
        ..cfg()
    })
    .await;
    let url = sim.url();
    let (_, v) = post(&http, &url, &tok, JOBS, &body).await;
    let id = v["jobId"].as_str().unwrap().to_string();
    let mut states: Vec<String> = Vec::new();
    for _ in 0..60 {
        let (_, v) = get(&http, &url, &tok, &format!("{JOBS}/{id}")).await;
        let s = v["state"].as_str().unwrap().to_string();
        if states.last() != Some(&s) {
            states.push(s.clone());
        }
        if s == "FULFILLED" {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert_eq!(states, ["QUEUED", "PENDING", "FULFILLED"]);
    sim.stop().await;
    // A job fault: FAILED with its errorMessage; no results.
    let (sim, http, tok) = start(SimConfig {
        job_delay_ms: 0,
        faults: Faults::parse("job=1").unwrap(),
        ..cfg()
    })
    .await;
    let url = sim.url();
    let (_, v) = post(&http, &url, &tok, JOBS, &body).await;
    let id = v["jobId"].as_str().unwrap().to_string();
    let (_, v) = get(&http, &url, &tok, &format!("{JOBS}/{id}")).await;
    assert_eq!(v["state"], "FAILED");
    assert!(v["errorMessage"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(v["completionDate"].is_string());
    let (s, v) = get(&http, &url, &tok, &format!("{JOBS}/{id}/results")).await;
    assert_eq!(s, 400);
    assert!(v["message"].as_str().unwrap().contains("FAILED"));
    // Other requests are untouched by a job fault.
    assert_eq!(post(&http, &url, &tok, Q, &body).await.0, 200);
    sim.stop().await;
    // EXPIRED after its time to live.
    let (sim, http, tok) = start(SimConfig {
        job_delay_ms: 0,
        job_ttl_secs: 1,
        ..cfg()
    })
    .await;
    let url = sim.url();
    let (_, v) = post(&http, &url, &tok, JOBS, &body).await;
    let id = v["jobId"].as_str().unwrap().to_string();
    let (_, v) = get(&http, &url, &tok, &format!("{JOBS}/{id}")).await;
    assert_eq!(v["state"], "FULFILLED");
    tokio::time::sleep(StdDuration::from_millis(1100)).await;
    let (_, v) = get(&http, &url, &tok, &format!("{JOBS}/{id}")).await;
    assert_eq!(v["state"], "EXPIRED");
    let (s, _) = get(&http, &url, &tok, &format!("{JOBS}/{id}/results")).await;
    assert_eq!(s, 400);
    sim.stop().await;
}
