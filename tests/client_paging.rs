//! The client and the pagination task against the simulator, over real HTTP on 127.0.0.1.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Duration as Span;
use convoscope::genesys::Error;
use convoscope::genesys::query::{DetailsQuery, Interval, Media, Order};
use convoscope::paging::{Limits, PageEvent, RangeQuery, spawn_query, spawn_query_with};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use common::*;

fn week() -> Interval {
    Interval::new(until() - Span::days(7), until())
}

/// Runs a query to its end and returns every event.
async fn run_query(
    client: Arc<convoscope::genesys::Client>,
    q: RangeQuery,
    limits: Limits,
) -> Vec<PageEvent> {
    let (tx, mut rx) = mpsc::channel::<PageEvent>(16);
    spawn_query_with(client, q, limits, 9, tx, CancellationToken::new());
    let mut events = Vec::new();
    while let Some(ev) = rx.recv().await {
        events.push(ev);
    }
    events
}

fn ids(events: &[PageEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            PageEvent::Page { conversations, .. } => Some(conversations),
            _ => None,
        })
        .flatten()
        .map(|c| c.conversation_id.clone())
        .collect()
}

fn expected_ids(
    sim: &convoscope::sim::Sim,
    interval: Interval,
    media: Media,
    order: Order,
) -> Vec<String> {
    let ds = sim.dataset();
    let mut v: Vec<String> = ds
        .matching(&interval, media)
        .into_iter()
        .map(|i| ds.analytics(i).conversation_id)
        .collect();
    if order == Order::Desc {
        v.reverse();
    }
    v
}

#[tokio::test]
async fn paging_delivers_exactly_total_hits_in_order_with_nothing_repeated() {
    let sim = sim(config(1500)).await;
    let events = run_query(
        client(&sim),
        RangeQuery::new(week(), Media::Any),
        Limits::default(),
    )
    .await;
    let got = ids(&events);
    let want = expected_ids(&sim, week(), Media::Any, Order::Desc);
    assert_eq!(got.len(), 1500);
    assert_eq!(got, want);
    let unique: HashSet<&String> = got.iter().collect();
    assert_eq!(unique.len(), got.len());
    match events.last().unwrap() {
        PageEvent::Done { loaded, query_id } => assert_eq!((*loaded, *query_id), (1500, 9)),
        e => panic!("last event {e:?}"),
    }
    let totals: HashSet<u64> = events
        .iter()
        .filter_map(|e| match e {
            PageEvent::Page { total_hits, .. } => Some(*total_hits),
            _ => None,
        })
        .collect();
    assert_eq!(totals, HashSet::from([1500]));
    let pages: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            PageEvent::Page { page_number, .. } => Some(*page_number),
            _ => None,
        })
        .collect();
    assert_eq!(pages, (1..=15).collect::<Vec<_>>());
}

#[tokio::test]
async fn long_ranges_are_split_with_nothing_lost_or_repeated_at_the_seams() {
    let sim = sim(config(2000)).await;
    // One-day parts and at most 120 results a part: the 7-day range becomes many parts, some
    // halved again; the result must equal one unsplit query.
    let limits = Limits {
        max_interval: Span::days(1),
        max_results: 120,
    };
    for order in [Order::Asc, Order::Desc] {
        let mut q = RangeQuery::new(week(), Media::Any);
        q.order = order;
        let events = run_query(client(&sim), q, limits).await;
        assert_eq!(
            ids(&events),
            expected_ids(&sim, week(), Media::Any, order),
            "{order:?}"
        );
        assert!(matches!(
            events.last(),
            Some(PageEvent::Done { loaded: 2000, .. })
        ));
        // The total grows as the parts are counted, to the whole.
        let totals: Vec<u64> = events
            .iter()
            .filter_map(|e| match e {
                PageEvent::Progress { total, .. }
                | PageEvent::Page {
                    total_hits: total, ..
                } => Some(*total),
                _ => None,
            })
            .collect();
        assert!(totals.windows(2).all(|w| w[0] <= w[1]), "{totals:?}");
        // The details query also returns the conversations that started earlier the same UTC
        // day and overlap a part: halves that do not start at midnight count some of them too.
        // (Issue 11 item 9 makes totals count only the conversations that belong: then 2000.)
        assert!(totals.last().is_some_and(|&t| t >= 2000), "{totals:?}");
    }
}

#[tokio::test]
async fn the_first_page_of_a_split_range_comes_before_the_other_parts_are_counted() {
    let sim = sim(config(2000)).await;
    let limits = Limits {
        max_interval: Span::days(1),
        max_results: 100_000,
    };
    // One request at a time: what is asked first shows in the order of the events.
    let mut q = RangeQuery::new(week(), Media::Any);
    q.concurrency = 1;
    let events = run_query(client(&sim), q, limits).await;
    let newest_day = Interval::new(until() - Span::days(1), until());
    let first_part = sim.dataset().matching(&newest_day, Media::Any).len() as u64;
    match events.first() {
        Some(PageEvent::Page {
            page_number: 1,
            total_hits,
            conversations,
            ..
        }) => {
            assert_eq!(
                *total_hits, first_part,
                "only the first part is counted yet"
            );
            assert!(!conversations.is_empty());
        }
        e => panic!("first event {e:?}"),
    }
    assert_eq!(
        ids(&events),
        expected_ids(&sim, week(), Media::Any, Order::Desc)
    );
    assert!(matches!(
        events.last(),
        Some(PageEvent::Done { loaded: 2000, .. })
    ));
}

#[tokio::test]
async fn media_filters_select_what_the_simulator_holds() {
    let sim = sim(config(800)).await;
    let mut seen_any = 0;
    for media in Media::ALL {
        let events = run_query(
            client(&sim),
            RangeQuery::new(week(), media),
            Limits::default(),
        )
        .await;
        let got = ids(&events);
        assert_eq!(
            got,
            expected_ids(&sim, week(), media, Order::Desc),
            "{media}"
        );
        if media == Media::Any {
            seen_any = got.len();
        }
    }
    assert_eq!(seen_any, 800);
    // Web messaging is the bulk of a real contact centre's traffic.
    let web = sim.dataset().matching(&week(), Media::Webmessaging).len();
    assert!(web > 200 && web < 800, "{web}");
}

#[tokio::test]
async fn rate_limits_and_server_errors_and_dropped_connections_are_retried() {
    let mut cfg = config(1500);
    cfg.faults = convoscope::sim::Faults::parse("429=0.1,500=0.1,503=0.1,reset=0.1").unwrap();
    let sim = sim(cfg).await;
    let events = run_query(
        client(&sim),
        RangeQuery::new(week(), Media::Any),
        Limits::default(),
    )
    .await;
    assert_eq!(
        ids(&events),
        expected_ids(&sim, week(), Media::Any, Order::Desc)
    );
    let waits: Vec<&PageEvent> = events
        .iter()
        .filter(|e| matches!(e, PageEvent::Waiting { .. }))
        .collect();
    assert!(!waits.is_empty(), "faults at this rate cause some retries");
}

#[tokio::test]
async fn cancellation_stops_the_task_and_nothing_arrives_after() {
    let mut cfg = config(3000);
    cfg.latency_ms = 20;
    let sim = sim(cfg).await;
    let (tx, mut rx) = mpsc::channel::<PageEvent>(64);
    let cancel = CancellationToken::new();
    let task = spawn_query(
        client(&sim),
        RangeQuery::new(week(), Media::Any),
        1,
        tx,
        cancel.clone(),
    );
    let first = rx.recv().await.unwrap();
    assert!(matches!(first, PageEvent::Page { .. }));
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
    // Whatever was queued before the cancel may remain; nothing is sent after it.
    let mut after = 0;
    while rx.try_recv().is_ok() {
        after += 1;
    }
    assert!(after <= 2, "{after} events after cancel");
    assert!(rx.recv().await.is_none(), "the task dropped its sender");
}

#[tokio::test]
async fn expired_tokens_are_renewed() {
    let mut cfg = config(200);
    cfg.token_ttl = 1;
    let sim = sim(cfg).await;
    let c = client(&sim);
    c.authenticate().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let q = DetailsQuery {
        interval: week(),
        media: Media::Any,
        order: Order::Desc,
        page_size: 10,
        page_number: 1,
    };
    let page = c.query_page(&q, &|_| {}).await.unwrap();
    assert_eq!(page.total_hits, Some(200));
}

#[tokio::test]
async fn wrong_secret_is_an_auth_error_that_never_shows_the_secret() {
    let sim = sim(config(10)).await;
    let c = client_with(&sim, "demo", "wrong-s3cret-value");
    let e = c.authenticate().await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    assert!(
        msg.contains("authentication failed") && msg.contains("client id and secret"),
        "{msg}"
    );
    assert!(
        !msg.contains("wrong-s3cret-value") && !format!("{e:?}").contains("wrong-s3cret-value")
    );
    assert_eq!(e.exit_code(), 3);
}

#[tokio::test]
async fn refused_intervals_quote_the_api_and_keep_the_context_id() {
    let sim = sim(config(10)).await;
    let c = client(&sim);
    let q = DetailsQuery {
        interval: Interval::new(until() - Span::days(40), until()),
        media: Media::Any,
        order: Order::Desc,
        page_size: 100,
        page_number: 1,
    };
    let e = c.query_page(&q, &|_| {}).await.unwrap_err();
    assert!(matches!(e, Error::BadRequest { .. }), "{e:?}");
    assert!(e.context_id().is_some());
    let msg = e.to_string();
    assert!(msg.starts_with("the API refused the request: "), "{msg}");
    assert!(msg.contains("contextId"), "{msg}");
    // Paging past the cap is refused too.
    let q = DetailsQuery {
        interval: week(),
        page_number: 1001,
        ..q
    };
    let e = c.query_page(&q, &|_| {}).await.unwrap_err();
    assert!(e.to_string().contains("100000"), "{e}");
}

#[tokio::test]
async fn missing_permission_is_named() {
    let mut cfg = config(10);
    cfg.forbid = convoscope::sim::Forbid::parse("query").unwrap();
    let sim = sim(cfg).await;
    let events = run_query(
        client(&sim),
        RangeQuery::new(week(), Media::Any),
        Limits::default(),
    )
    .await;
    match events.last() {
        Some(PageEvent::Failed {
            error, loaded: 0, ..
        }) => {
            assert!(
                error
                    .to_string()
                    .contains("analytics:conversationDetail:view"),
                "{error}"
            );
            assert_eq!(error.exit_code(), 3);
        }
        e => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn unknown_conversation_is_not_found_and_a_known_one_has_attributes() {
    let sim = sim(config(50)).await;
    let c = client(&sim);
    let e = c
        .conversation("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("was not found"));
    let ds = sim.dataset();
    let with_attrs = (0..ds.len())
        .find(|&i| {
            ds.conversation(i, until())
                .participants
                .iter()
                .any(|p| !p.attributes.is_empty())
        })
        .expect("some conversation has attributes");
    let id = ds.analytics(with_attrs).conversation_id;
    let got = c.conversation(&id).await.unwrap();
    let want = ds.conversation(with_attrs, chrono::Utc::now());
    assert_eq!(got.id, id);
    assert_eq!(
        got.participants
            .iter()
            .map(|p| (&p.id, &p.attributes))
            .collect::<Vec<_>>(),
        want.participants
            .iter()
            .map(|p| (&p.id, &p.attributes))
            .collect::<Vec<_>>()
    );
    // Analytics participant ids are the conversation's participant ids.
    let a = ds.analytics(with_attrs);
    let a_ids: Vec<&String> = a.participants.iter().map(|p| &p.participant_id).collect();
    let c_ids: Vec<&String> = got.participants.iter().map(|p| &p.id).collect();
    assert_eq!(a_ids, c_ids);
}

#[tokio::test]
async fn network_down_is_a_clear_error_after_retries() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut cfg = convoscope::genesys::ClientConfig::new(
        &url,
        &url,
        convoscope::genesys::Credentials::ClientCredentials {
            client_id: "x".into(),
            secret: convoscope::genesys::Secret::new("y"),
        },
    );
    cfg.retry = fast_retries();
    let c = convoscope::genesys::Client::new(cfg).unwrap();
    let waits = std::sync::atomic::AtomicU32::new(0);
    let e = c.authenticate().await.unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");
    assert!(e.to_string().contains("cannot connect to"), "{e}");
    assert_eq!(e.exit_code(), 4);
    let _ = waits;
}

#[tokio::test]
async fn a_body_that_does_not_parse_is_a_decode_error() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A server that answers every request with 200 and a broken JSON body.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = s.read(&mut buf).await;
                let body =
                    r#"{"access_token":"t","expires_in":3600,"conversations":[{"conversationId":"#;
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
            });
        }
    });
    let mut cfg = convoscope::genesys::ClientConfig::new(
        &url,
        &url,
        convoscope::genesys::Credentials::Token(convoscope::genesys::Secret::new("tok")),
    );
    cfg.retry = fast_retries();
    let c = convoscope::genesys::Client::new(cfg).unwrap();
    let q = DetailsQuery {
        interval: week(),
        media: Media::Any,
        order: Order::Desc,
        page_size: 100,
        page_number: 1,
    };
    let e = c.query_page(&q, &|_| {}).await.unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    assert!(
        e.to_string()
            .contains("could not read the API's answer for page 1"),
        "{e}"
    );
}

#[tokio::test]
async fn retry_after_is_honoured_then_a_clear_error() {
    let mut cfg = config(100);
    cfg.faults = convoscope::sim::Faults::parse("429=1").unwrap();
    let sim = sim(cfg).await;
    let url = sim.url();
    let mut ccfg = convoscope::genesys::ClientConfig::new(
        &url,
        &url,
        convoscope::genesys::Credentials::Token(convoscope::genesys::Secret::new("unused")),
    );
    ccfg.retry.max_attempts = 2;
    let c = Arc::new(convoscope::genesys::Client::new(ccfg).unwrap());
    let started = std::time::Instant::now();
    let events = run_query(c, RangeQuery::new(week(), Media::Any), Limits::default()).await;
    // The simulator's 429s say Retry-After: 1, and that is what the task waited.
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert!(
        matches!(&events[0], PageEvent::Waiting { seconds: 1, reason, .. } if reason == "rate limited"),
        "{events:?}"
    );
    match events.last() {
        Some(PageEvent::Failed {
            error:
                e @ Error::RateLimited {
                    retry_after: Some(1),
                    ..
                },
            loaded: 0,
            ..
        }) => {
            assert!(
                e.to_string().contains("rate limited by the API (429)"),
                "{e}"
            );
        }
        e => panic!("{e:?}"),
    }
}

/// A client that does not retry: the first error ends the query.
fn client_without_retries(sim: &convoscope::sim::Sim) -> Arc<convoscope::genesys::Client> {
    let url = sim.url();
    let mut cfg = convoscope::genesys::ClientConfig::new(
        &url,
        &url,
        convoscope::genesys::Credentials::ClientCredentials {
            client_id: "demo".into(),
            secret: convoscope::genesys::Secret::new("demo"),
        },
    );
    cfg.retry = fast_retries();
    cfg.retry.max_attempts = 1;
    Arc::new(convoscope::genesys::Client::new(cfg).unwrap())
}

#[tokio::test]
async fn a_failed_query_resumes_from_the_page_that_failed() {
    // Five requests a second and no retries: one request at a time, page 6 fails, then page 11.
    let mut cfg = config(1500);
    cfg.rate_limit = 5;
    cfg.rate_window_secs = 1;
    let sim = sim(cfg).await;
    let client = client_without_retries(&sim);
    let mut q = RangeQuery::new(week(), Media::Any);
    q.concurrency = 1;
    let mut got = Vec::new();
    let mut failures = Vec::new();
    loop {
        let events = run_query(client.clone(), q.clone(), Limits::default()).await;
        got.extend(ids(&events));
        match events.last() {
            Some(PageEvent::Done { loaded, .. }) => {
                assert_eq!(*loaded, 1500, "counts go on from where they stood");
                break;
            }
            Some(PageEvent::Failed {
                error,
                loaded,
                resume: Some(r),
                ..
            }) => {
                assert!(matches!(error, Error::RateLimited { .. }), "{error:?}");
                assert_eq!(*loaded, r.loaded);
                failures.push(r.clone());
                assert!(failures.len() < 10, "{failures:?}");
                q.resume = Some(r.clone());
                // The simulator's window starts over.
                tokio::time::sleep(Duration::from_millis(1100)).await;
            }
            e => panic!("{e:?}"),
        }
    }
    let pages: Vec<(u32, u64, u64)> = failures
        .iter()
        .map(|r| (r.page, r.loaded, r.loaded_in_part))
        .collect();
    assert_eq!(pages, [(6, 500, 500), (11, 1000, 1000)]);
    assert!(failures.iter().all(|r| r.part == week() && r.total == 1500));
    // Nothing lost, nothing twice, in order.
    assert_eq!(got, expected_ids(&sim, week(), Media::Any, Order::Desc));
}

#[tokio::test]
async fn resume_goes_on_across_the_parts_of_a_split_range() {
    let mut cfg = config(2000);
    cfg.faults = convoscope::sim::Faults::parse("500=0.3").unwrap();
    let sim = sim(cfg).await;
    let client = client_without_retries(&sim);
    let limits = Limits {
        max_interval: Span::days(1),
        max_results: 150,
    };
    for order in [Order::Desc, Order::Asc] {
        let mut q = RangeQuery::new(week(), Media::Any);
        q.order = order;
        let mut got: Vec<String> = Vec::new();
        let mut failures = 0;
        loop {
            let events = run_query(client.clone(), q.clone(), limits).await;
            got.extend(ids(&events));
            match events.last() {
                Some(PageEvent::Done { loaded, .. }) => {
                    assert_eq!(*loaded, 2000);
                    break;
                }
                Some(PageEvent::Failed {
                    resume: Some(r), ..
                }) => {
                    failures += 1;
                    assert!(failures < 500, "no progress");
                    q.resume = Some(r.clone());
                }
                e => panic!("{e:?}"),
            }
        }
        assert!(failures > 0, "faults at this rate fail some runs");
        // Receivers de-duplicate by conversationId; with data that does not move, nothing
        // comes twice anyway.
        let mut seen = HashSet::new();
        got.retain(|id| seen.insert(id.clone()));
        assert_eq!(
            got,
            expected_ids(&sim, week(), Media::Any, order),
            "{order:?}"
        );
    }
}

#[tokio::test]
async fn under_a_real_rate_limit_all_requests_wait_and_concurrency_adapts() {
    // Five requests a second: a 4-wide query runs into the limit again and again (pages of the
    // simulator's voice-rich data take ~0.1 s each in a debug build).
    let mut cfg = config(3000);
    cfg.rate_limit = 5;
    cfg.rate_window_secs = 1;
    cfg.latency_ms = 15;
    let sim = sim(cfg).await;
    let limits = Limits {
        max_interval: Span::days(3),
        max_results: 100_000,
    };
    let events = run_query(client(&sim), RangeQuery::new(week(), Media::Any), limits).await;
    // The full result, in order, nothing lost or doubled.
    assert_eq!(
        ids(&events),
        expected_ids(&sim, week(), Media::Any, Order::Desc)
    );
    assert!(matches!(
        events.last(),
        Some(PageEvent::Done { loaded: 3000, .. })
    ));
    let log: Vec<(u32, u16)> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/details/query"))
        .map(|r| (r.in_flight, r.status))
        .collect();
    let first_429 = log.iter().position(|r| r.1 == 429).expect("rate limited");
    assert!(
        log[..first_429].iter().any(|r| r.0 > 1),
        "more than one request in flight before the limit: {log:?}"
    );
    let alone = first_429
        + log[first_429..]
            .iter()
            .position(|r| r.0 == 1 && r.1 == 200)
            .expect("after a 429 the query slows down to one request at a time");
    assert!(
        log[alone..].iter().any(|r| r.0 > 1 && r.1 == 200),
        "then speeds up again: {log:?}"
    );
    // Every wait was reported, none dropped.
    let waits = events
        .iter()
        .filter(|e| matches!(e, PageEvent::Waiting { reason, .. } if reason == "rate limited"))
        .count();
    let limited = log.iter().filter(|r| r.1 == 429).count();
    assert_eq!(waits, limited);
}

#[tokio::test]
async fn waits_are_never_dropped_even_when_the_receiver_is_slow() {
    let mut cfg = config(1200);
    cfg.faults = convoscope::sim::Faults::parse("503=0.3").unwrap();
    let sim = sim(cfg).await;
    // A channel of one event, read slowly.
    let (tx, mut rx) = mpsc::channel::<PageEvent>(1);
    spawn_query(
        client(&sim),
        RangeQuery::new(week(), Media::Any),
        3,
        tx,
        CancellationToken::new(),
    );
    let mut events = Vec::new();
    while let Some(ev) = rx.recv().await {
        tokio::time::sleep(Duration::from_millis(5)).await;
        events.push(ev);
    }
    assert!(matches!(events.last(), Some(PageEvent::Done { .. })));
    let waits = events
        .iter()
        .filter(|e| matches!(e, PageEvent::Waiting { .. }))
        .count();
    let failed = sim.requests().iter().filter(|r| r.status == 503).count();
    assert!(failed > 0);
    assert_eq!(waits, failed, "one Waiting event per 503");
}

#[tokio::test]
async fn a_part_paging_cannot_reach_is_reported_not_dropped_silently() {
    // Two conversations in the same millisecond: a part that cannot be split further.
    let (sim, t) = 'found: {
        for seed in 1..40 {
            let mut cfg = config(20_000);
            cfg.seed = seed;
            cfg.days = 1;
            let ds = convoscope::sim::Dataset::new(&cfg);
            if let Some(i) = (1..ds.len()).find(|&i| ds.start_ms(i) == ds.start_ms(i - 1)) {
                break 'found (sim(cfg).await, ds.start_ms(i));
            }
        }
        panic!("no two conversations start in the same millisecond");
    };
    let t = chrono::TimeZone::timestamp_millis_opt(&chrono::Utc, t).unwrap();
    let mut q = RangeQuery::new(Interval::new(t, t + Span::milliseconds(1)), Media::Any);
    q.page_size = 1;
    let limits = Limits {
        max_interval: Span::days(1),
        max_results: 1,
    };
    let events = run_query(client(&sim), q, limits).await;
    let warning = events
        .iter()
        .find_map(|e| match e {
            PageEvent::Warning { message, .. } => Some(message.clone()),
            _ => None,
        })
        .expect("a warning");
    // The millisecond's query also returns the conversations of the same UTC day that overlap it
    // (issue 11 item 9 leaves them out of the count: then "1 of them are left out").
    assert!(warning.contains("of them are left out"), "{warning}");
    assert!(matches!(
        events.last(),
        Some(PageEvent::Done { loaded: 1, .. })
    ));
}
