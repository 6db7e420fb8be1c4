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
            json!({"interval": "2026-10-01T00:00:00.000Z/2026-11-02T00:00:00.000Z"}),
            "31 days",
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
    // Exactly 100,000 is fine; 31 days is fine; unknown fields are ignored.
    let ok = json!({"interval": "2026-10-01T00:00:00.000Z/2026-11-01T00:00:00.000Z",
        "paging": {"pageSize": 100, "pageNumber": 1000}, "view": "details", "whatever": [1]});
    let (s, v) = post(&http, &url, &tok, Q, &ok).await;
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
    assert_eq!(st.state, "QUEUED");
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
    let expected = ds.matching(&week(), Media::Webmessaging);
    assert_eq!(got.len(), expected.len());
    assert_eq!(pages, expected.len().div_ceil(100));
    for (c, &i) in got.iter().zip(&expected) {
        assert_eq!(c.conversation_id, ds.conversation_id(i));
        // Live conversations' attributes move every 5 s: compare the others. A live one has
        // a conversationEnd once its end has come.
        if ds.is_active(i) || i % 7 != 0 {
            let ended = ds.end_at(i).is_some_and(|e| e <= Utc::now());
            assert_eq!(c.conversation_end.is_some(), !ds.is_active(i) || ended);
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
            assert_eq!(p.attributes.as_ref().unwrap(), &lp.attributes);
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
    let older = ds
        .matching(&Interval::new(iv.start, avail), Media::Any)
        .len();
    assert_eq!(r.conversations.len(), older);
    assert!(older > 300 && older < 700, "{older}");
    assert!(r.conversations.iter().all(|c| c.start().unwrap() < avail));
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
    assert_error(&v, 429, "too.many.requests");
    assert_eq!(
        v["message"],
        "Rate limit exceeded the maximum. [5] requests for [60] seconds"
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
        ..cfg()
    })
    .await;
    let url = sim.url();
    let ds = sim.dataset();
    let first = (0..ds.len()).find(|&i| ds.is_active(i)).unwrap();
    let id = ds.conversation_id(first);
    let path = format!("/api/v2/conversations/{id}");
    let (_, v) = get(&http, &url, &tok, &path).await;
    assert_eq!(v["state"], "connected", "{v}");
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
    assert_eq!(live["state"], "disconnected", "{live}");
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
    assert_eq!(v["state"], "connected");
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
        "Rate limit exceeded the maximum. [3] requests for [1] seconds"
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
