//! The client's call log, its errors' correlation ids, TLS failures and the organization, against
//! the simulator (and small stand-in servers) over real HTTP on 127.0.0.1.

mod common;

use std::time::Duration;

use chrono::Duration as Span;
use convoscope::genesys::Scope;
use convoscope::genesys::client::CALL_LOG_SIZE;
use convoscope::genesys::client::CallOpts;
use convoscope::genesys::query::{DetailsQuery, Interval, Media, Order};
use convoscope::genesys::{Client, ClientConfig, Credentials, Error, Secret};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::*;

fn week() -> Interval {
    Interval::new(until() - Span::days(7), until())
}

fn page_query() -> DetailsQuery {
    DetailsQuery {
        scope: Scope::new(week(), Media::Any),
        order: Order::Desc,
        page_size: 10,
        page_number: 1,
    }
}

const UNKNOWN: &str = "00000000-0000-4000-8000-000000000000";

#[tokio::test]
async fn every_call_is_in_the_call_log_with_its_status_latency_and_correlation_id() {
    let sim = sim(config(100)).await;
    let c = client(&sim);
    let mut changes = c.call_log_changes();
    assert!(c.call_log().is_empty());
    c.query_page(&page_query(), CallOpts::default())
        .await
        .unwrap();
    // The token, then the page.
    changes.changed().await.unwrap();
    let log = c.call_log();
    // Each call changes the log twice: sent (pending), then answered.
    assert_eq!(*changes.borrow_and_update(), 4);
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].method.as_str(), log[0].path.as_str()),
        ("POST", "/oauth/token")
    );
    assert_eq!(log[0].status, Some(200));
    assert_eq!(
        (log[1].method.as_str(), log[1].path.as_str()),
        ("POST", "/api/v2/analytics/conversations/details/query")
    );
    assert!(log[1].is_ok() && log[1].error.is_none());
    assert_eq!(log[1].correlation_id.as_deref().map(str::len), Some(36));
    assert!(log[0].at <= log[1].at);
    assert!(log[1].latency < Duration::from_secs(10));

    // A failure: its correlation id is the error's contextId.
    let e = c
        .conversation(UNKNOWN, CallOpts::default())
        .await
        .unwrap_err();
    changes.changed().await.unwrap();
    let last = c.call_log().pop().unwrap();
    assert_eq!(last.path, format!("/api/v2/conversations/{UNKNOWN}"));
    assert_eq!((last.method.as_str(), last.status), ("GET", Some(404)));
    assert!(!last.is_ok());
    assert!(last.error.as_deref().unwrap().contains("was not found"));
    assert_eq!(last.correlation_id.as_deref(), e.context_id());
    // No secret, no token anywhere.
    let all = format!("{:?}", c.call_log());
    assert!(!all.contains("Bearer") && !all.contains("demo"), "{all}");
}

#[tokio::test]
async fn the_call_log_keeps_the_last_calls_only() {
    let sim = sim(config(10)).await;
    let c = client(&sim);
    for _ in 0..CALL_LOG_SIZE + 20 {
        let _ = c.conversation(UNKNOWN, CallOpts::default()).await;
    }
    let log = c.call_log();
    assert_eq!(log.len(), CALL_LOG_SIZE);
    // The token call was the first: it is gone.
    assert!(
        log.iter()
            .all(|r| r.method == "GET" && r.status == Some(404))
    );
    // Sent, then answered: two changes a call.
    assert_eq!(
        *c.call_log_changes().borrow(),
        2 * (CALL_LOG_SIZE as u64 + 21)
    );
}

#[tokio::test]
async fn retries_and_network_failures_are_in_the_call_log() {
    let mut cfg = config(50);
    cfg.faults = convoscope::sim::Faults::parse("503=1").unwrap();
    let sim = sim(cfg).await;
    let url = sim.url();
    let mut ccfg = ClientConfig::new(&url, &url, Credentials::Token(Secret::new("t")));
    ccfg.retry = fast_retries();
    ccfg.retry.max_attempts = 3;
    let c = Client::new(ccfg).unwrap();
    let e = c
        .query_page(&page_query(), CallOpts::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Server { status: 503, .. }), "{e:?}");
    let log = c.call_log();
    assert_eq!(log.len(), 3, "each attempt is a call");
    assert!(
        log.iter()
            .all(|r| r.status == Some(503) && r.error.is_some())
    );

    // Nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut ccfg = ClientConfig::new(
        &url,
        &url,
        Credentials::ClientCredentials {
            client_id: "x".into(),
            secret: Secret::new("y"),
        },
    );
    ccfg.retry = fast_retries();
    ccfg.retry.max_attempts = 2;
    let c = Client::new(ccfg).unwrap();
    assert!(c.authenticate().await.is_err());
    let log = c.call_log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].path, "/oauth/token");
    assert_eq!(log[0].status, None);
    assert!(
        log[0].error.as_deref().unwrap().contains("cannot connect"),
        "{:?}",
        log[0]
    );
}

/// A stand-in API: a token for anyone; 401 without a body for the organization; a body that is
/// not JSON for conversations. Every answer has an `inin-correlation-id` header.
async fn stand_in() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]);
                let path = req.split_whitespace().nth(1).unwrap_or("");
                let (status, cid, body) = if path.starts_with("/oauth/token") {
                    (
                        "200 OK",
                        "cid-token",
                        r#"{"access_token":"t","expires_in":3600}"#,
                    )
                } else if path.starts_with("/api/v2/organizations") {
                    ("401 Unauthorized", "cid-401", "")
                } else {
                    ("200 OK", "cid-garbage", r#"{"id": "#)
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ninin-correlation-id: {cid}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn errors_keep_the_correlation_id_of_the_answer_when_the_body_has_none() {
    let url = stand_in().await;
    let mut cfg = ClientConfig::new(
        &url,
        &url,
        Credentials::ClientCredentials {
            client_id: "x".into(),
            secret: Secret::new("y"),
        },
    );
    cfg.retry = fast_retries();
    cfg.retry.max_attempts = 2;
    let c = Client::new(cfg).unwrap();
    // 401 twice (the token is renewed once in between): an Auth error.
    let e = c.organization(CallOpts::default()).await.unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    assert_eq!(e.context_id(), Some("cid-401"));
    assert!(e.to_string().contains("[contextId cid-401]"), "{e}");
    // A body that does not parse: a Decode error.
    let e = c
        .conversation(UNKNOWN, CallOpts::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert_eq!(e.context_id(), Some("cid-garbage"));
    assert!(e.to_string().contains("[contextId cid-garbage]"), "{e}");
    // A token obtained elsewhere that is refused.
    let mut cfg = ClientConfig::new(&url, &url, Credentials::Token(Secret::new("old")));
    cfg.retry = fast_retries();
    let e = Client::new(cfg)
        .unwrap()
        .organization(CallOpts::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    assert_eq!(e.context_id(), Some("cid-401"));
}

/// A stand-in API whose tokens live a second and whose answers take 0.7 s: the API refuses
/// the first `stale` tokens as expired by the time their requests are answered, then accepts.
async fn slow_stand_in(stale: usize) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let issued = std::sync::Arc::new(AtomicUsize::new(0));
    let count = issued.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let issued = issued.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).into_owned();
                let path = req.split_whitespace().nth(1).unwrap_or("");
                let (status, body) = if path.starts_with("/oauth/token") {
                    let k = issued.fetch_add(1, Ordering::SeqCst) + 1;
                    (
                        "200 OK",
                        format!(r#"{{"access_token":"t{k}","expires_in":1}}"#),
                    )
                } else {
                    tokio::time::sleep(Duration::from_millis(700)).await;
                    let token = req
                        .lines()
                        .find_map(|l| l.strip_prefix("authorization: Bearer t"))
                        .and_then(|k| k.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if token <= stale {
                        ("401 Unauthorized", String::new())
                    } else {
                        ("200 OK", r#"{"id":"org","name":"Org"}"#.to_string())
                    }
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    (url, count)
}

/// A token that outlives its time on the way (a slow answer, a short lifetime) is renewed
/// again, not taken for a refusal; one refused while still good is renewed once only (see
/// `errors_keep_the_correlation_id_of_the_answer_when_the_body_has_none`), and renewals are
/// bounded whatever the server does.
#[tokio::test]
async fn tokens_that_expire_on_their_way_are_renewed_again_a_few_times_at_most() {
    let client = |url: &str| {
        let mut cfg = ClientConfig::new(
            url,
            url,
            Credentials::ClientCredentials {
                client_id: "x".into(),
                secret: Secret::new("y"),
            },
        );
        cfg.retry = fast_retries();
        Client::new(cfg).unwrap()
    };
    let (url, issued) = slow_stand_in(2).await;
    let org = client(&url)
        .organization(CallOpts::default())
        .await
        .unwrap();
    assert_eq!(org.name, "Org");
    assert_eq!(issued.load(std::sync::atomic::Ordering::SeqCst), 3);
    // Every token expires on its way: the call ends, after a bounded number of renewals.
    let (url, issued) = slow_stand_in(usize::MAX).await;
    let e = client(&url)
        .organization(CallOpts::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    assert_eq!(issued.load(std::sync::atomic::Ordering::SeqCst), 5);
}

#[tokio::test]
async fn tls_to_a_server_without_tls_says_what_to_check() {
    let sim = sim(config(10)).await;
    let addr = sim.addr();
    let url = format!("https://{addr}");
    let mut cfg = ClientConfig::new(
        &url,
        &url,
        Credentials::ClientCredentials {
            client_id: "demo".into(),
            secret: Secret::new("demo"),
        },
    );
    cfg.retry = fast_retries();
    cfg.retry.max_attempts = 1;
    let e = Client::new(cfg).unwrap().authenticate().await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");
    assert!(
        msg.contains(&format!("TLS handshake with {addr} failed")),
        "{msg}"
    );
    assert!(msg.contains("http://") && msg.contains("proxy"), "{msg}");
}

#[tokio::test]
async fn the_organization_says_it_is_the_simulator() {
    let sim = sim(config(10)).await;
    let org = client(&sim)
        .organization(CallOpts::default())
        .await
        .unwrap();
    assert_eq!(org.name, convoscope::sim::ORG_NAME);
    assert!(org.name.contains("simulator"));
    assert_eq!(org.id.len(), 36);
    assert_eq!(org.state.as_deref(), Some("active"));
    assert_eq!(
        org.self_uri.as_deref(),
        Some(format!("/api/v2/organizations/{}", org.id).as_str())
    );
}

/// A call sent and not yet answered is in the call log as pending (never with a status it did
/// not get); a call given up before its answer is logged as abandoned, not left pending.
#[tokio::test]
async fn a_call_in_flight_is_logged_pending_then_abandoned_when_given_up() {
    let sim = sim(convoscope::sim::SimConfig {
        latency_ms: 3_000,
        ..config(5)
    })
    .await;
    let client = client(&sim);
    let c = client.clone();
    let task = tokio::spawn(async move { c.organization(CallOpts::default()).await });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let pending = loop {
        if let Some(r) = client.call_log().into_iter().find(|r| r.pending) {
            break r;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no pending call logged"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(pending.path, "/oauth/token");
    assert_eq!(pending.status, None);
    assert!(pending.error.is_none());
    task.abort();
    let _ = task.await;
    let log = client.call_log();
    assert_eq!(log.len(), 1, "the same entry, finished: {log:?}");
    assert!(!log[0].pending);
    assert_eq!(log[0].seq, pending.seq);
    assert!(
        log[0].error.as_deref().unwrap().contains("abandoned"),
        "{log:?}"
    );
}
