//! The client and the pagination task against the simulator, over real HTTP on 127.0.0.1.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::Duration as Span;
use convoscope::genesys::client::CallOpts;
use convoscope::genesys::query::{DetailsQuery, Interval, Media, Order};
use convoscope::genesys::{Error, Scope};
use convoscope::paging::{Limits, PageEvent, QueryOptions, spawn_query};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use common::*;

fn week() -> Interval {
    Interval::new(until() - Span::days(7), until())
}

/// A query as the tests write it: what to load, and how.
#[derive(Clone)]
struct RangeQuery {
    scope: Scope,
    opts: QueryOptions,
}

impl RangeQuery {
    fn new(interval: Interval, media: Media) -> Self {
        RangeQuery {
            scope: Scope::new(interval, media),
            opts: QueryOptions::default(),
        }
    }
}

/// Runs a query to its end and returns every event.
async fn run_query(
    client: Arc<convoscope::genesys::Client>,
    q: RangeQuery,
    limits: Limits,
) -> Vec<PageEvent> {
    let (tx, mut rx) = mpsc::channel::<PageEvent>(16);
    let opts = QueryOptions { limits, ..q.opts };
    spawn_query(client, q.scope, opts, 9, tx, CancellationToken::new());
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
        max_interval: Some(Span::days(1)),
        max_results: 120,
    };
    for order in [Order::Asc, Order::Desc] {
        let mut q = RangeQuery::new(week(), Media::Any);
        q.opts.order = order;
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
        // It ends at what was delivered: progress ends at 100%.
        assert_eq!(totals.last(), Some(&2000), "{totals:?}");
    }
}

#[tokio::test]
async fn the_first_page_of_a_split_range_comes_before_the_other_parts_are_counted() {
    let sim = sim(config(2000)).await;
    let limits = Limits {
        max_interval: Some(Span::days(1)),
        max_results: 100_000,
    };
    // One request at a time: what is asked first shows in the order of the events.
    let mut q = RangeQuery::new(week(), Media::Any);
    q.opts.concurrency = 1;
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
        Scope::new(week(), Media::Any),
        QueryOptions::default(),
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
        scope: Scope::new(week(), Media::Any),
        order: Order::Desc,
        page_size: 10,
        page_number: 1,
    };
    let page = c.query_page(&q, CallOpts::default()).await.unwrap();
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
        scope: Scope::new(Interval::new(until() - Span::days(40), until()), Media::Any),
        order: Order::Desc,
        page_size: 100,
        page_number: 1,
    };
    let e = c.query_page(&q, CallOpts::default()).await.unwrap_err();
    assert!(matches!(e, Error::BadRequest { .. }), "{e:?}");
    assert!(e.context_id().is_some());
    let msg = e.to_string();
    assert!(msg.starts_with("the API refused the request: "), "{msg}");
    assert!(msg.contains("contextId"), "{msg}");
    // Paging past the cap is refused too.
    let q = DetailsQuery {
        scope: Scope::new(week(), Media::Any),
        page_number: 1001,
        ..q
    };
    let e = c.query_page(&q, CallOpts::default()).await.unwrap_err();
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
        .conversation("00000000-0000-4000-8000-000000000000", CallOpts::default())
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
    let (got, raw) = c.conversation(&id, CallOpts::default()).await.unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&raw).unwrap()["id"],
        id
    );
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
        scope: Scope::new(week(), Media::Any),
        order: Order::Desc,
        page_size: 100,
        page_number: 1,
    };
    let e = c.query_page(&q, CallOpts::default()).await.unwrap_err();
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
fn client_without_retries(
    sim: &convoscope::sim::Sim,
    pacing: bool,
) -> Arc<convoscope::genesys::Client> {
    let mut cfg = client_config(sim);
    cfg.retry.max_attempts = 1;
    // Unpaced, the budget is spent as if another process shared it: 429s come.
    cfg.pacing = pacing;
    Arc::new(convoscope::genesys::Client::new(cfg).unwrap())
}

#[tokio::test]
async fn a_failed_query_resumes_from_the_page_that_failed() {
    // Five requests a second and no retries: one request at a time, page 6 fails, then page 11.
    let mut cfg = config(1500);
    cfg.rate_limit = 5;
    cfg.rate_window_secs = 1;
    let sim = sim(cfg).await;
    let client = client_without_retries(&sim, false);
    let mut q = RangeQuery::new(week(), Media::Any);
    q.opts.concurrency = 1;
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
                q.opts.resume = Some(r.clone());
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
    let client = client_without_retries(&sim, true);
    let limits = Limits {
        max_interval: Some(Span::days(1)),
        max_results: 150,
    };
    for order in [Order::Desc, Order::Asc] {
        let mut q = RangeQuery::new(week(), Media::Any);
        q.opts.order = order;
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
                    q.opts.resume = Some(r.clone());
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
    // Ten requests in two seconds: a 4-wide query of about 40 requests runs into the limit
    // again and again, even on a machine slow enough to send only 6 a second.
    let mut cfg = config(3000);
    cfg.rate_limit = 10;
    cfg.rate_window_secs = 2;
    cfg.latency_ms = 15;
    let sim = sim(cfg).await;
    let limits = Limits {
        max_interval: Some(Span::days(3)),
        max_results: 100_000,
    };
    // Unpaced (as when other processes spend the same budget): the 429 path.
    let mut unpaced = client_config(&sim);
    unpaced.pacing = false;
    let unpaced = Arc::new(convoscope::genesys::Client::new(unpaced).unwrap());
    let events = run_query(unpaced, RangeQuery::new(week(), Media::Any), limits).await;
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
        Scope::new(week(), Media::Any),
        QueryOptions::default(),
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
    q.opts.page_size = 1;
    let limits = Limits {
        max_interval: Some(Span::days(1)),
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

fn faulty(n: usize, faults: &str) -> convoscope::sim::SimConfig {
    let mut cfg = config(n);
    cfg.faults = convoscope::sim::Faults::parse(faults).unwrap();
    cfg
}

fn incomplete(events: &[PageEvent]) -> Option<(Option<u64>, String)> {
    match events.last() {
        Some(PageEvent::Failed {
            error: e @ Error::Incomplete { missing, .. },
            resume: None,
            ..
        }) => Some((*missing, e.to_string())),
        _ => None,
    }
}

/// Issue 12.3: pages that come back empty, short, repeated or without totalHits now and then
/// are asked again, and nothing is lost.
#[tokio::test]
async fn pages_that_come_back_wrong_are_asked_again() {
    // Shares low enough that a page stays wrong five times in a row about never.
    for faults in [
        "empty=0.1",
        "short=0.1",
        "repeat=0.1",
        "nototal=0.1",
        "empty=0.03,short=0.03,repeat=0.03,nototal=0.03",
    ] {
        let sim = sim(faulty(800, faults)).await;
        for order in [Order::Desc, Order::Asc] {
            let mut q = RangeQuery::new(week(), Media::Any);
            q.opts.order = order;
            let events = run_query(client(&sim), q, Limits::default()).await;
            assert!(
                matches!(events.last(), Some(PageEvent::Done { loaded: 800, .. })),
                "{faults}, {order:?}: {:?}",
                events.last()
            );
            let got = ids(&events);
            assert_eq!(
                got,
                expected_ids(&sim, week(), Media::Any, order),
                "{faults}"
            );
        }
    }
}

/// Issue 12.3: a page that stays wrong is not taken for the end: the rest is delivered, and the
/// query ends failed, saying how many are missing and where.
#[tokio::test]
async fn pages_that_stay_wrong_end_the_query_saying_how_many_are_missing_and_where() {
    for (faults, missing_pages) in [
        ("empty=1", true),
        ("short=1", true),
        ("repeat=1", true),
        ("nototal=1", false),
    ] {
        let sim = sim(faulty(600, faults)).await;
        let events = run_query(
            client(&sim),
            RangeQuery::new(week(), Media::Any),
            Limits::default(),
        )
        .await;
        let (missing, message) =
            incomplete(&events).unwrap_or_else(|| panic!("{faults}: {:?}", events.last()));
        let got = ids(&events);
        let want = expected_ids(&sim, week(), Media::Any, Order::Desc);
        let unique: HashSet<&String> = got.iter().collect();
        assert_eq!(unique.len(), got.len(), "{faults}: nothing twice");
        assert!(got.iter().all(|id| want.contains(id)), "{faults}");
        if missing_pages {
            let n = missing.expect("how many");
            assert_eq!(n as usize, want.len() - got.len(), "{faults}: {message}");
            assert!(n > 0);
            assert!(
                message.starts_with(&format!("{n} conversation(s) missing")),
                "{faults}: {message}"
            );
            assert!(message.contains("page 2 of "), "{faults}: where: {message}");
        } else {
            // Without totalHits nothing can be checked: it says so.
            assert_eq!(missing, None);
            assert!(message.contains("did not say how many"), "{message}");
            assert_eq!(got, want, "what came, came whole");
        }
    }
}

/// Issue 12.4: one record that cannot be decoded costs only itself: the others of its page
/// come, a record the model cannot hold comes as the API sent it, a record without an id is
/// skipped, each is named, and none of it is asked for again.
#[tokio::test]
async fn one_record_that_cannot_be_decoded_costs_only_itself() {
    use convoscope::sim::breakage::{Damage, damage};
    let share = 0.05;
    let clean = sim(config(1500)).await;
    let _ = run_query(
        client(&clean),
        RangeQuery::new(week(), Media::Any),
        Limits::default(),
    )
    .await;
    let clean_requests = clean.stats().requests;
    let sim = sim(faulty(1500, &format!("badrecord={share}"))).await;
    let events = run_query(
        client(&sim),
        RangeQuery::new(week(), Media::Any),
        Limits::default(),
    )
    .await;
    let want = expected_ids(&sim, week(), Media::Any, Order::Desc);
    let named: Vec<&String> = want
        .iter()
        .filter(|id| damage(id, share).is_some())
        .collect();
    let no_id: Vec<&String> = named
        .iter()
        .copied()
        .filter(|id| damage(id, share) == Some(Damage::NoId))
        .collect();
    assert!(
        named.len() > 20 && !no_id.is_empty(),
        "{} {}",
        named.len(),
        no_id.len()
    );
    // Everything but the records without an id, in order.
    let got = ids(&events);
    let readable: Vec<String> = want
        .iter()
        .filter(|id| !no_id.contains(id))
        .cloned()
        .collect();
    assert_eq!(got, readable);
    // Kept records: named in a warning each; id-less ones: said where.
    let warnings: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            PageEvent::Warning { message, .. } => Some(message),
            _ => None,
        })
        .collect();
    for id in named.iter().filter(|id| {
        matches!(
            damage(id, share),
            Some(Damage::NumberForText | Damage::HugeNumber)
        )
    }) {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(id.as_str()) && w.contains("kept as the API sent it")),
            "{id}: {warnings:?}"
        );
    }
    assert_eq!(
        warnings
            .iter()
            .filter(|w| w.contains("could not be read at all"))
            .count(),
        no_id.len()
    );
    // The id-less ones are missing, and the query says so.
    let (missing, message) = incomplete(&events).expect("incomplete");
    assert_eq!(missing, Some(no_id.len() as u64), "{message}");
    // Never asked again.
    assert_eq!(sim.stats().requests, clean_requests);
    // The kept records hold the API's text, made valid.
    let kept = events
        .iter()
        .filter_map(|e| match e {
            PageEvent::Page { conversations, .. } => Some(conversations),
            _ => None,
        })
        .flatten()
        .find(|c| damage(&c.conversation_id, share) == Some(Damage::HugeNumber))
        .expect("a kept record");
    assert!(kept.raw().unwrap().contains("1e999"));
    assert!(kept.start().is_some(), "its start was read");
}

/// Issue 12.2: a body larger than what the client reads for its endpoint is refused at once,
/// with a clear error, after reading no more than the limit.
#[tokio::test]
async fn a_body_larger_than_its_limit_is_refused_with_a_clear_error() {
    let sim = sim(faulty(100, "huge=1")).await;
    let mut cfg = client_config(&sim);
    cfg.max_body.query = 1 << 20;
    let c = convoscope::genesys::Client::new(cfg).unwrap();
    let q = DetailsQuery {
        scope: Scope::new(week(), Media::Any),
        order: Order::Desc,
        page_size: 100,
        page_number: 1,
    };
    let started = std::time::Instant::now();
    let e = c.query_page(&q, CallOpts::default()).await.unwrap_err();
    assert!(
        matches!(e, Error::TooLarge { limit, .. } if limit == 1 << 20),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("page 1 of the conversation query is larger than the 1 MB"),
        "{msg}"
    );
    // Not retried: the same answer would come again.
    let queries = sim
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/details/query"))
        .count();
    assert_eq!(queries, 1);
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// A stand-in for the details query with the real API's rule on which conversations an
/// interval brings: those that overlap it and started on a UTC day it touches (daily indexes).
async fn overlapping_api(convs: Vec<(String, i64, Option<i64>)>) -> String {
    overlapping_api_counted(convs).await.0
}

/// [`overlapping_api`], and the number of pages it answered.
async fn overlapping_api_counted(
    convs: Vec<(String, i64, Option<i64>)>,
) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use axum::routing::post;
    let convs = Arc::new(convs);
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    let app = axum::Router::new().route(
        "/api/v2/analytics/conversations/details/query",
        post(move |body: axum::body::Bytes| {
            let convs = convs.clone();
            counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async move {
                let b: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let i = Interval::parse_api(b["interval"].as_str().unwrap()).unwrap();
                let (a, z) = (i.start.timestamp_millis(), i.end.timestamp_millis());
                let day = |ms: i64| ms.div_euclid(86_400_000);
                let mut hits: Vec<&(String, i64, Option<i64>)> = convs
                    .iter()
                    .filter(|(_, s, e)| {
                        day(*s) >= day(a)
                            && day(*s) <= day(z - 1)
                            && *s < z
                            && e.is_none_or(|e| e > a)
                    })
                    .collect();
                hits.sort_by_key(|c| c.1);
                if b["order"] == "desc" {
                    hits.reverse();
                }
                let size = b["paging"]["pageSize"].as_u64().unwrap() as usize;
                let n = b["paging"]["pageNumber"].as_u64().unwrap() as usize;
                let ms = |t: i64| {
                    convoscope::genesys::model::format_time(
                        chrono::TimeZone::timestamp_millis_opt(&chrono::Utc, t).unwrap(),
                    )
                };
                let page: Vec<serde_json::Value> = hits
                    .iter()
                    .skip((n - 1) * size)
                    .take(size)
                    .map(|(id, s, e)| {
                        let mut c =
                            serde_json::json!({"conversationId": id, "conversationStart": ms(*s)});
                        if let Some(e) = e {
                            c["conversationEnd"] = ms(*e).into();
                        }
                        c
                    })
                    .collect();
                let mut out = serde_json::json!({"totalHits": hits.len()});
                if !page.is_empty() {
                    out["conversations"] = page.into();
                }
                axum::Json(out)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, asked)
}

/// Issue 11.9: with the API's overlap rule, a part brings conversations of the same UTC day that
/// started before it and still went on: they belong to no part of the range (or to another),
/// are delivered once or not at all, and the total counts only what belongs, so that progress
/// ends at 100%.
#[tokio::test]
async fn overlapping_conversations_belong_to_the_part_they_start_in_and_progress_ends_at_100() {
    let h = 3_600_000i64;
    let d1 = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 10, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    let mut convs: Vec<(String, i64, Option<i64>)> = vec![
        // Before the range's start, on its first day, still going at its start: not ours.
        ("before-ended-inside".into(), d1 + 10 * h, Some(d1 + 14 * h)),
        ("before-live".into(), d1 + 12 * h, None),
        // Ours, crossing midnights.
        ("crosses-midnight".into(), d1 + 15 * h, Some(d1 + 25 * h)),
        (
            "crosses-again".into(),
            d1 + 47 * h + h / 2,
            Some(d1 + 48 * h + h / 2),
        ),
        ("live".into(), d1 + 60 * h, None),
    ];
    for k in 0..300i64 {
        // Some minutes long, every 11 minutes over the three days.
        let s = d1 + k * 11 * 60_000 + 7_000;
        convs.push((format!("c{k:03}"), s, Some(s + (k % 7) * 600_000)));
    }
    let url = overlapping_api(convs.clone()).await;
    let c = Arc::new(
        convoscope::genesys::Client::new(convoscope::genesys::ClientConfig::new(
            &url,
            &url,
            convoscope::genesys::Credentials::Token(convoscope::genesys::Secret::new("t")),
        ))
        .unwrap(),
    );
    let range = Interval::new(
        chrono::TimeZone::timestamp_millis_opt(&chrono::Utc, d1 + 13 * h).unwrap(),
        chrono::TimeZone::timestamp_millis_opt(&chrono::Utc, d1 + 72 * h).unwrap(),
    );
    let mut want: Vec<(i64, String)> = convs
        .iter()
        .filter(|(_, s, _)| {
            range.contains(chrono::TimeZone::timestamp_millis_opt(&chrono::Utc, *s).unwrap())
        })
        .map(|(id, s, _)| (*s, id.clone()))
        .collect();
    want.sort();
    for order in [Order::Asc, Order::Desc] {
        let mut q = RangeQuery::new(range, Media::Any);
        q.opts.order = order;
        q.opts.page_size = 20;
        let limits = Limits {
            max_interval: Some(Span::days(1)),
            max_results: 100_000,
        };
        let events = run_query(c.clone(), q, limits).await;
        let mut expect: Vec<String> = want.iter().map(|(_, id)| id.clone()).collect();
        if order == Order::Desc {
            expect.reverse();
        }
        assert_eq!(ids(&events), expect, "{order:?}");
        let n = expect.len() as u64;
        assert!(
            matches!(events.last(), Some(PageEvent::Done { loaded, .. }) if *loaded == n),
            "{:?}",
            events.last()
        );
        let last_progress = events
            .iter()
            .rev()
            .find_map(|e| match e {
                PageEvent::Progress { loaded, total, .. } => Some((*loaded, *total)),
                _ => None,
            })
            .unwrap();
        assert_eq!(last_progress, (n, n), "{order:?}: progress ends at 100%");
    }
}

/// `F`'s tail (issues 14, 16): with `overlapping` it delivers the rows of its day still going on
/// (or ended in it) that started before it, as the API answers with them; with `since` (fed by
/// push) it stops at the first page that reaches past the new conversations.
#[tokio::test]
async fn a_refresh_tail_brings_back_the_rows_going_on_and_stops_where_asked() {
    let m = 60_000i64;
    let noon = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 10, 12, 0, 0)
        .unwrap()
        .timestamp_millis();
    let mut convs: Vec<(String, i64, Option<i64>)> = vec![
        ("ended-in-tail".into(), noon - 60 * m, Some(noon - 2 * m)),
        ("ended-before".into(), noon - 60 * m, Some(noon - 20 * m)),
    ];
    // 60 rows going on since before the tail.
    for k in 0..60i64 {
        convs.push((format!("going-on{k:02}"), noon - 120 * m + k * m, None));
    }
    // 45 new ones in the last 10 minutes, and 100 more of the hour before, ended long since.
    for k in 0..45i64 {
        convs.push((format!("new{k:02}"), noon - 10 * m + k * 10_000, None));
    }
    for k in 0..100i64 {
        convs.push((
            format!("old{k:03}"),
            noon - 70 * m + k * 1000,
            Some(noon - 65 * m),
        ));
    }
    let (url, asked) = overlapping_api_counted(convs).await;
    let c = Arc::new(
        convoscope::genesys::Client::new(convoscope::genesys::ClientConfig::new(
            &url,
            &url,
            convoscope::genesys::Credentials::Token(convoscope::genesys::Secret::new("t")),
        ))
        .unwrap(),
    );
    let at = |ms: i64| chrono::TimeZone::timestamp_millis_opt(&chrono::Utc, ms).unwrap();
    let tail = Interval::new(at(noon - 10 * m), at(noon));
    let mut q = RangeQuery::new(tail, Media::Any);
    q.opts.page_size = 20;
    let limits = Limits::default();
    // As before: only what started in the tail.
    let plain = ids(&run_query(c.clone(), q.clone(), limits).await);
    assert_eq!(plain.len(), 45);
    // Overlapping: the rows going on and the one that ended in the tail come back too.
    q.opts.overlapping = true;
    let all = ids(&run_query(c.clone(), q.clone(), limits).await);
    assert_eq!(all.len(), 45 + 60 + 1, "{all:?}");
    assert!(all.contains(&"going-on00".to_string()) && all.contains(&"ended-in-tail".to_string()));
    assert!(!all.contains(&"ended-before".to_string()));
    // Since the tail's start, newest first: paging stops at the first page past the new ones
    // (45 new, pages of 20: the third, with 15 older rows); the three after are not asked for.
    q.opts.since = Some(tail.start);
    let before = asked.load(std::sync::atomic::Ordering::Relaxed);
    let events = run_query(c.clone(), q, limits).await;
    assert_eq!(
        asked.load(std::sync::atomic::Ordering::Relaxed) - before,
        3,
        "three pages asked for"
    );
    let got = ids(&events);
    assert_eq!(got.len(), 60, "{got:?}");
    assert_eq!(got.iter().filter(|id| id.starts_with("new")).count(), 45);
    assert!(
        matches!(events.last(), Some(PageEvent::Done { .. })),
        "{:?}",
        events.last()
    );
}

/// Issue 14: paced by the answers' `inin-ratelimit-*` headers, the same query under the same
/// limit draws no 429, and keeps up with the budget (several requests in flight when it allows).
#[tokio::test]
async fn paced_by_the_headers_a_query_draws_no_429() {
    let mut cfg = config(3000);
    cfg.rate_limit = 10;
    cfg.rate_window_secs = 2;
    cfg.latency_ms = 15;
    let sim = sim(cfg).await;
    let limits = Limits {
        max_interval: Some(Span::days(3)),
        max_results: 100_000,
    };
    let c = client(&sim);
    let events = run_query(c.clone(), RangeQuery::new(week(), Media::Any), limits).await;
    assert_eq!(
        ids(&events),
        expected_ids(&sim, week(), Media::Any, Order::Desc)
    );
    assert_eq!(sim.stats().rate_limited, 0, "{:?}", sim.requests());
    let b = c.budget().snapshot();
    assert_eq!(b.rate_limited, 0);
    assert!(b.requests >= 30, "{b:?}");
    assert!(b.waited > Duration::ZERO, "the budget held it back: {b:?}");
    assert_eq!(b.headers.map(|h| h.allowed), Some(10));
    assert!(
        sim.requests().iter().any(|r| r.in_flight > 1),
        "it fills the window when it may"
    );
}

/// Issue 14: two clients of the same OAuth client (two processes) spend one budget: each sees
/// the other's requests in the headers' count only after the fact, so some 429s come, and are
/// waited out; neither loses or doubles a row, neither fails.
#[tokio::test]
async fn two_processes_sharing_the_budget_degrade_to_429_handling() {
    let mut cfg = config(2000);
    cfg.rate_limit = 10;
    cfg.rate_window_secs = 1;
    let sim = sim(cfg).await;
    let limits = Limits {
        max_interval: Some(Span::days(3)),
        max_results: 100_000,
    };
    let (a, b) = tokio::join!(
        run_query(client(&sim), RangeQuery::new(week(), Media::Any), limits),
        run_query(client(&sim), RangeQuery::new(week(), Media::Any), limits),
    );
    let want = expected_ids(&sim, week(), Media::Any, Order::Desc);
    for events in [a, b] {
        assert_eq!(ids(&events), want);
        assert!(matches!(events.last(), Some(PageEvent::Done { .. })));
    }
}
