//! Issue 14: the rate budget against the simulator with its rate limit on: the program's own
//! traffic draws no 429, the user's requests go before background work, export says what it
//! cost, and the analytics multi-get that `F` uses.

mod common;

use std::time::{Duration, Instant};

use chrono::Duration as Span;
use convoscope::attributes::{self, Fetcher, Wanted};
use convoscope::export::{self, AttributeSource, ExportOptions, NdjsonWriter};
use convoscope::genesys::Scope;
use convoscope::genesys::budget::Priority;
use convoscope::genesys::client::{CallOpts, MAX_MULTI_GET};
use convoscope::genesys::query::{Interval, Media};
use convoscope::sim::{DEFAULT_RATE_LIMIT, SimConfig};

use common::*;

fn week() -> Interval {
    Interval::new(until() - Span::days(7), until())
}

fn limited(conversations: usize, allowed: u32, window: u64) -> SimConfig {
    SimConfig {
        rate_limit: allowed,
        rate_window_secs: window,
        data_lag: 0,
        ..config(conversations)
    }
}

/// Export with attributes from GET conversation (one request per conversation: more than a
/// window's budget) under the simulator's default allowance, 300: no 429, and the summary says
/// what it cost and that it waited. The window is the simulator's `--rate-window`, 5 s rather
/// than the real API's minute: the export spends the 300 in a few seconds either way and then
/// waits for the window's end, which the answers' headers give (the client knows no window).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_under_the_default_rate_limit_draws_no_429() {
    let sim = sim(limited(330, DEFAULT_RATE_LIMIT, 5)).await;
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    opts.attributes_from = AttributeSource::Conversations;
    let c = client(&sim);
    let mut w = NdjsonWriter::new(std::io::sink());
    let o = export::run(c, &opts, &mut w, &|_| {}).await;
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.written, 330);
    // Stated: how long the 300 took against the window is the margin this test has.
    eprintln!("{}", export::cost_summary(&o, true));
    assert_eq!(sim.stats().rate_limited, 0, "no 429 from our own traffic");
    assert_eq!(o.api.rate_limited, 0);
    assert!(o.api.requests > 300, "{:?}", o.api);
    assert!(
        o.api.waited > Duration::ZERO,
        "it waited for the next window"
    );
    let summary = export::cost_summary(&o, true);
    assert!(
        summary.contains(&format!(
            "{} API request(s), 0 answered 429",
            o.api.requests
        )),
        "{summary}"
    );
    assert!(
        summary.contains("s waiting for the rate budget"),
        "{summary}"
    );
    assert!(
        summary.contains("0 from the async job (data lake), 330 from GET conversation"),
        "{summary}"
    );
    assert!(summary.contains("of 300 spent"), "{summary}");
}

/// The same with the async job (the lake covers the range) under a short window, and the
/// records as the simulator holds them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_with_a_job_under_a_short_window_draws_no_429() {
    let sim = sim(limited(1500, 8, 1)).await;
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    let mut w = NdjsonWriter::new(std::io::sink());
    let o = export::run(client(&sim), &opts, &mut w, &|_| {}).await;
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.written, 1500);
    assert_eq!(sim.stats().rate_limited, 0, "{:?}", sim.requests());
    assert!(o.attributes.from_job > 0, "{:?}", o.attributes);
    let summary = export::cost_summary(&o, true);
    assert!(
        summary.contains("from the async job (data lake)"),
        "{summary}"
    );
}

/// What the user looks at goes before background work: with the budget spent by a bulk
/// attribute fetch (background), a GET conversation for the detail pane waits at most for the
/// window's end, not for the bulk work to finish; nobody draws a 429. Counted in requests the
/// simulator answered (the budget paces by count, whatever the machine's speed): between the
/// detail's asking and its answer, at most a window's worth of the bulk's requests go (and
/// those already on their way), and most of the bulk's still come after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_detail_pane_goes_before_background_work() {
    const ALLOWED: usize = 10;
    const CONCURRENCY: usize = 4;
    const BULK: usize = 60;
    let sim = sim(limited(200, ALLOWED as u32, 1)).await;
    let c = client(&sim);
    let ds = sim.dataset();
    let mut wanted: Vec<Wanted> = ds
        .matching(&week(), Media::Any)
        .into_iter()
        .take(BULK + 1)
        .map(|i| Wanted::from(&ds.analytics(i)))
        .collect();
    // The detail's conversation is one the bulk does not read: its request is told apart.
    let detail_id = wanted.pop().unwrap().id;
    let detail_path = format!("/api/v2/conversations/{detail_id}");
    let is_bulk = |p: &str| p.starts_with("/api/v2/conversations/") && p != detail_path;
    let bulk_answered = || sim.requests().iter().filter(|r| is_bulk(&r.path)).count();
    let bulk = {
        let c = c.clone();
        tokio::spawn(async move {
            let mut f = Fetcher::new(
                c,
                None,
                attributes::Options {
                    concurrency: CONCURRENCY,
                    priority: Priority::Background,
                    ..attributes::Options::default()
                },
            );
            let got = f.fetch(&wanted, &|_| {}).await.unwrap();
            assert_eq!(got.len(), BULK);
        })
    };
    // The bulk fetch is under way and has spent its share of the first window.
    let deadline = Instant::now() + Duration::from_secs(60);
    while bulk_answered() < ALLOWED - 1 {
        assert!(Instant::now() < deadline, "the bulk fetch never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let asked_after = bulk_answered();
    c.conversation(&detail_id, CallOpts::default())
        .await
        .unwrap();
    bulk.await.unwrap();
    let log = sim.requests();
    let at = log
        .iter()
        .position(|r| r.path == detail_path)
        .expect("the detail's request");
    let before = log[..at].iter().filter(|r| is_bulk(&r.path)).count();
    let after = log[at..].iter().filter(|r| is_bulk(&r.path)).count();
    assert!(
        before - asked_after <= ALLOWED + CONCURRENCY,
        "the detail waited behind {} of the bulk's requests (asked after {asked_after})",
        before - asked_after
    );
    assert!(
        after >= BULK / 2,
        "the bulk had {after} requests left: the detail waited for it"
    );
    assert_eq!(sim.stats().rate_limited, 0, "{:?}", sim.requests());
}

/// Without headers (no rate limit), nothing is paced: as before, nothing waits.
#[tokio::test]
async fn without_a_rate_limit_nothing_is_held_back() {
    let sim = sim(config(500)).await;
    let c = client(&sim);
    let mut w = NdjsonWriter::new(std::io::sink());
    let o = export::run(
        c.clone(),
        &ExportOptions::new(Scope::new(week(), Media::Any)),
        &mut w,
        &|_| {},
    )
    .await;
    assert!(o.error.is_none());
    assert_eq!(o.api.waited, Duration::ZERO);
    assert_eq!(o.api.headers, None, "the simulator sent no headers");
    assert!(c.call_log().iter().all(|r| r.ratelimit.is_none()));
}

/// The call log keeps each answer's figures, for `L`.
#[tokio::test]
async fn the_call_log_keeps_the_headers_figures() {
    let sim = sim(limited(50, 300, 60)).await;
    let c = client(&sim);
    for _ in 0..3 {
        c.organization(CallOpts::default()).await.unwrap();
    }
    let counts: Vec<u32> = c
        .call_log()
        .iter()
        .filter_map(|r| r.ratelimit.map(|h| h.count))
        .collect();
    assert_eq!(counts, [1, 2, 3]);
    let h = c.call_log().last().unwrap().ratelimit.unwrap();
    assert_eq!(h.allowed, 300);
    assert!((1..=60).contains(&h.reset), "{h:?}");
}

/// `GET /api/v2/analytics/conversations/details?id=…`: the records of the details query, by id,
/// up to 100 a call; more are refused before any request.
#[tokio::test]
async fn the_multi_get_reads_conversations_by_id() {
    let sim = sim(config(300)).await;
    let c = client(&sim);
    let ds = sim.dataset();
    let ids: Vec<String> = ds
        .matching(&week(), Media::Any)
        .into_iter()
        .take(MAX_MULTI_GET)
        .map(|i| ds.analytics(i).conversation_id)
        .collect();
    let page = c
        .conversations_by_id(&ids, CallOpts::default())
        .await
        .unwrap();
    let mut got: Vec<String> = page
        .conversations()
        .map(|c| c.conversation_id.clone())
        .collect();
    let mut want = ids.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    let calls = sim.stats().requests;
    let too_many: Vec<String> = (0..=MAX_MULTI_GET).map(|_| ids[0].clone()).collect();
    let e = c
        .conversations_by_id(&too_many, CallOpts::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("at most 100"), "{e}");
    assert_eq!(sim.stats().requests, calls, "refused before any request");
}

/// Another tool of the org using the same OAuth client (its own token): each window it
/// spends all but `leave` of the budget as soon as the window begins, then waits for the next.
/// Returns the task, stopped by dropping `stop`.
fn greedy_colleague(
    sim: &convoscope::sim::Sim,
    leave: u32,
    stop: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<u64> {
    let url = sim.url();
    convoscope::genesys::client::install_crypto();
    tokio::spawn(async move {
        let http = reqwest::Client::new();
        let token = common::ws::token(&http, &url).await;
        let mut sent = 0;
        while !stop.is_cancelled() {
            let r = http
                .get(format!("{url}/api/v2/organizations/me"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            sent += 1;
            let h = |n: &str| -> u64 {
                r.headers()
                    .get(n)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            let (allowed, count, reset) = (
                h("inin-ratelimit-allowed"),
                h("inin-ratelimit-count"),
                h("inin-ratelimit-reset"),
            );
            if count + u64::from(leave) >= allowed {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(reset.max(1))) => {}
                    () = stop.cancelled() => {}
                }
            }
        }
        sent
    })
}

/// Audit of issue 14: a budget shared with a colleague's tool that spends most of each window:
/// the export still delivers every conversation, and its summary says the budget is shared and
/// how much of it others spent (why it waited longer than its own requests explain).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_spent_by_another_tool_is_said_and_the_export_still_finishes() {
    let sim = sim(limited(300, 20, 2)).await;
    let stop = tokio_util::sync::CancellationToken::new();
    let colleague = greedy_colleague(&sim, 5, stop.clone());
    // The colleague has spent its share of a window before the export starts.
    let deadline = Instant::now() + Duration::from_secs(60);
    while sim.stats().requests < 15 {
        assert!(
            Instant::now() < deadline,
            "the colleague's tool never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut w = NdjsonWriter::new(std::io::sink());
    let o = export::run(
        client(&sim),
        &ExportOptions::new(Scope::new(week(), Media::Any)),
        &mut w,
        &|_| {},
    )
    .await;
    stop.cancel();
    assert!(colleague.await.unwrap() >= 15);
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.written, 300);
    let others = o.api.others.expect("others' spending seen");
    assert_eq!(others.allowed, 20);
    assert!(others.spent >= 5, "{others:?}");
    let summary = export::cost_summary(&o, false);
    assert!(
        summary.contains("the budget is shared: other clients of the OAuth client spent up to"),
        "{summary}"
    );
}

/// What a proxy makes of a rate header: (name, value) -> new value (`None`: dropped).
type Rewrite = fn(&str, &str) -> Option<String>;

/// A proxy in front of the simulator that rewrites every answer's `inin-ratelimit-*` headers
/// with `rewrite` (name, value) -> new value (`None`: dropped).
async fn rewriting_proxy(upstream: String, rewrite: Rewrite) -> String {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::response::Response;
    convoscope::genesys::client::install_crypto();
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |req: Request| {
        let (http, upstream) = (http.clone(), upstream.clone());
        async move {
            let (parts, body) = req.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let mut fwd = http.request(
                parts.method.clone(),
                format!("{upstream}{}", parts.uri.path_and_query().unwrap()),
            );
            for (k, v) in &parts.headers {
                if k != "host" {
                    fwd = fwd.header(k, v);
                }
            }
            let r = fwd.body(body).send().await.unwrap();
            let mut out = Response::builder().status(r.status());
            for (k, v) in r.headers() {
                let name = k.as_str();
                if name.starts_with("inin-ratelimit-") {
                    if let Some(v) = rewrite(name, v.to_str().unwrap()) {
                        out = out.header(k, v);
                    }
                } else if name != "content-length" && name != "transfer-encoding" {
                    out = out.header(k, v);
                }
            }
            out.body(Body::from(r.bytes().await.unwrap())).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// Issue 14, bad input: headers absent or nonsensical (negative, a reset in the past, an
/// allowance of 0, a per-minute window that resets in 50 minutes, not a number) are not paced
/// by: the export goes on as before the budget (429s of a tight rate limit waited out and
/// retried), never stalled, and delivers every conversation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonsensical_rate_headers_fall_back_to_429_handling_never_a_stall() {
    let sim = sim(limited(300, 4, 1)).await;
    let modes: [(&str, Rewrite); 6] = [
        ("absent", |_, _| None),
        ("negative", |_, v| Some(format!("-{v}"))),
        ("a reset in the past", |n, v| {
            Some(if n.ends_with("reset") {
                "-30".into()
            } else {
                v.into()
            })
        }),
        ("an allowance of 0", |n, v| {
            Some(if n.ends_with("allowed") {
                "0".into()
            } else {
                v.into()
            })
        }),
        ("a reset in 50 minutes, spent", |n, v| {
            Some(match n {
                "inin-ratelimit-reset" => "3000".into(),
                "inin-ratelimit-count" => "999999".into(),
                _ => v.into(),
            })
        }),
        ("not a number", |_, _| Some("soon".into())),
    ];
    for (what, rewrite) in modes {
        let url = rewriting_proxy(sim.url(), rewrite).await;
        let mut cfg = client_config(&sim);
        cfg.api_base = url.clone();
        cfg.login_base = url;
        let c = std::sync::Arc::new(convoscope::genesys::Client::new(cfg).unwrap());
        let mut w = NdjsonWriter::new(std::io::sink());
        let opts = ExportOptions::new(Scope::new(week(), Media::Any));
        let run = export::run(c.clone(), &opts, &mut w, &|_| {});
        let o = tokio::time::timeout(Duration::from_secs(120), run)
            .await
            .unwrap_or_else(|_| panic!("{what}: the export stalled"));
        assert!(o.error.is_none(), "{what}: {:?}", o.error);
        assert_eq!(o.written, 300, "{what}");
        assert_eq!(o.api.headers, None, "{what}: nothing believed");
    }
}

/// Audit of issue 14: the screen's `attr:` prefetch (GET conversation for each row, background
/// work) under a budget it spends: the rows' attributes arrive a few at a time, as the budget
/// lets them (batches of 200 showed `attributes 0/227` for half a minute, then all at once),
/// and draw no 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attr_prefetch_shows_progress_as_the_budget_lets_it() {
    use convoscope::timespec::Zone;
    use convoscope::tui::app::{Event, Init, State};
    use convoscope::tui::headless::Headless;
    use convoscope::tui::list::Load;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let sim = sim(limited(150, 10, 1)).await;
    let c = client(&sim);
    let state = State::new(Init {
        from: Some("2026-11-13T00:00:00Z".into()),
        to: Some("2026-11-20T00:00:00Z".into()),
        zone: Zone::Utc,
        zone_label: "UTC".into(),
        connection: "SIM".into(),
        now: Some(until()),
        ..Default::default()
    });
    let mut h = Headless::new(c, state, 200, 50);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    h.send(Event::Submit { now: until() });
    assert!(
        h.run_until(deadline, |s| s.list.load == Load::Done).await,
        "the range loads"
    );
    let rows = h.state.list.rows.len();
    assert!(rows > 50, "{rows}");
    let key = |c| Event::Key {
        key: KeyEvent::new(c, KeyModifiers::NONE),
        now: until(),
    };
    h.send(key(KeyCode::Char('/')));
    for ch in "attr:lastPage".chars() {
        h.send(key(KeyCode::Char(ch)));
    }
    h.send(key(KeyCode::Enter));
    let gets = || {
        sim.requests()
            .iter()
            .filter(|r| r.path.starts_with("/api/v2/conversations/"))
            .count()
    };
    // How many GET conversation the API had answered when the first attributes arrived.
    let mut first = None;
    let done = h
        .run_until(deadline + Duration::from_secs(120), |s| {
            let a = s.attr_fetch.as_ref();
            if a.is_some_and(|a| a.done > 0) && first.is_none() {
                first = Some(gets());
            }
            a.is_some_and(|a| a.finished())
        })
        .await;
    assert!(done, "the prefetch ends");
    let a = h.state.attr_fetch.as_ref().unwrap();
    assert_eq!((a.done, a.error.as_deref()), (a.total, None));
    let first = first.unwrap();
    assert!(
        first < a.total / 2,
        "the first attributes came after {first} of {} reads",
        a.total
    );
    assert_eq!(sim.stats().rate_limited, 0);
}
