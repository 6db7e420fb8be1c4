//! Nothing lost, nothing doubled: for several seeds and fault mixes, with tokens that expire
//! between pages, the export equals the fault-free export byte for byte (after sorting).

mod common;

use std::time::Duration;

use chrono::Duration as Span;
use convoscope::export::{self, ExportOptions, NdjsonWriter};
use convoscope::genesys::Client;
use convoscope::genesys::Scope;
use convoscope::genesys::query::{Interval, Media};
use convoscope::sim::{Faults, Sim};

use common::*;

fn week() -> Interval {
    Interval::new(until() - Span::days(7), until())
}

/// A client for `sim`. Where answers stall (headers, then no body) the client's timeout is what
/// ends them: short, so the test does not wait out the default, yet long enough that an answer
/// merely slow on a loaded machine is not taken for a stalled one (each time-out is retried, but
/// a machine busy for a while can make every attempt late). Elsewhere the usual one.
fn patient_client(sim: &Sim, stalls: bool) -> Client {
    let mut cfg = client_config(sim);
    if stalls {
        cfg.timeout = Duration::from_secs(3);
    }
    Client::new(cfg).unwrap()
}

async fn export_sorted(sim: &Sim, attributes: bool, stalls: bool) -> (Vec<String>, Option<String>) {
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = attributes;
    let mut buf = Vec::new();
    let outcome = {
        let mut w = NdjsonWriter::new(&mut buf);
        export::run(
            std::sync::Arc::new(patient_client(sim, stalls)),
            &opts,
            &mut w,
            &|_| {},
        )
        .await
    };
    let mut lines: Vec<String> = String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    (lines, outcome.error.map(|e| e.to_string()))
}

async fn check(seed: u64, faults: &str, attributes: bool) {
    check_n(seed, faults, attributes, 250).await
}

async fn check_n(seed: u64, faults: &str, attributes: bool, n: usize) {
    let mut clean = config(n);
    clean.seed = seed;
    let reference = sim(clean.clone()).await;
    let (want, err) = export_sorted(&reference, attributes, false).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(want.len(), n);
    reference.stop().await;

    let mut faulty = clean;
    faulty.faults = Faults::parse(faults).unwrap();
    faulty.token_ttl = 1;
    faulty.latency_ms = 5;
    let stalls = faulty.faults.stall > 0.0;
    let s = sim(faulty).await;
    let (got, err) = export_sorted(&s, attributes, stalls).await;
    assert!(err.is_none(), "seed {seed}, faults {faults}: {err:?}");
    assert!(
        got == want,
        "seed {seed}, faults {faults}: the export differs from the fault-free one"
    );
}

#[tokio::test]
async fn statuses_and_rate_limits() {
    for seed in [1, 2] {
        check(seed, "429=0.1,500=0.1,502=0.05,503=0.1,504=0.05", true).await;
    }
}

#[tokio::test]
async fn dropped_connections() {
    for seed in [3, 4] {
        check(seed, "reset=0.3", true).await;
    }
}

#[tokio::test]
async fn stalls_and_unparseable_bodies() {
    for seed in [5, 6] {
        check(seed, "stall=0.05,garbage=0.15", seed == 5).await;
    }
}

#[tokio::test]
async fn everything_at_once() {
    check(
        7,
        "429=0.05,500=0.05,503=0.05,reset=0.1,stall=0.03,garbage=0.05",
        true,
    )
    .await;
}

/// The same matrix, larger (5,000 conversations, more seeds): out of CI's way, run it with
/// `cargo test --release --test fault_matrix -- --ignored`.
#[tokio::test]
#[ignore = "minutes long: run by hand (cargo test --release --test fault_matrix -- --ignored)"]
async fn the_larger_matrix() {
    let mixes = [
        "429=0.1,500=0.1,502=0.05,503=0.1,504=0.05",
        "reset=0.2",
        "stall=0.02,garbage=0.1",
        "429=0.05,500=0.05,503=0.05,reset=0.1,stall=0.02,garbage=0.05",
    ];
    for seed in 11..=16 {
        for (i, faults) in mixes.iter().enumerate() {
            check_n(seed, faults, (seed + i as u64).is_multiple_of(2), 5000).await;
        }
    }
}

#[tokio::test]
async fn the_server_goes_away_and_comes_back() {
    let mut cfg = config(600);
    cfg.latency_ms = 10;
    let first = sim(cfg.clone()).await;
    let addr = first.addr();
    let client = std::sync::Arc::new(patient_client(&first, false));
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.concurrency = 1;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let bouncer = tokio::spawn(async move {
        let _ = stop_rx.await;
        first.stop().await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        cfg.addr = addr.to_string();
        sim(cfg).await
    });
    let stop_tx = std::sync::Mutex::new(Some(stop_tx));
    let mut buf = Vec::new();
    let outcome = {
        let mut w = NdjsonWriter::new(&mut buf);
        export::run(client, &opts, &mut w, &|p| {
            if matches!(p, export::Progress::Written { .. })
                && let Some(tx) = stop_tx.lock().unwrap().take()
            {
                let _ = tx.send(());
            }
        })
        .await
    };
    let second = bouncer.await.unwrap();
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.written, 600);
    let ds = second.dataset();
    let want: Vec<String> = ds
        .matching(&week(), Media::Any)
        .into_iter()
        .map(|i| serde_json::to_string(&ds.analytics(i)).unwrap())
        .collect();
    let got: Vec<String> = String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert!(got == want, "nothing lost or doubled across the restart");
}

/// A client whose retries wait at most `retry_after` after a 429, whatever the answer asks.
fn client_waiting(sim: &Sim, retry_after: Duration) -> Client {
    let mut c = client_config(sim);
    c.retry.max_retry_after = retry_after;
    Client::new(c).unwrap()
}

/// An export with attributes from GET conversation (asked for, or because jobs are refused),
/// sorted; fails the test if it does not end within a minute (a deadlock). Pages of 10: the
/// paging task gets far enough ahead to fill the channel to the writer, as 100-conversation
/// pages do on a range of thousands (the way the export deadlocked).
async fn get_conversation_export(
    client: Client,
    concurrency: usize,
    from: export::AttributeSource,
) -> (Vec<String>, Option<String>) {
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    opts.attributes_from = from;
    opts.concurrency = concurrency;
    opts.page_size = 10;
    let mut buf = Vec::new();
    let outcome = {
        let mut w = NdjsonWriter::new(&mut buf);
        tokio::time::timeout(
            Duration::from_secs(60),
            export::run(std::sync::Arc::new(client), &opts, &mut w, &|_| {}),
        )
        .await
        .unwrap_or_else(|_| panic!("concurrency {concurrency}, {from:?}: the export hangs"))
    };
    let mut lines: Vec<String> = String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    (lines, outcome.error.map(|e| e.to_string()))
}

/// The fault-free export with attributes, sorted.
async fn reference_export(cfg: &convoscope::sim::SimConfig) -> Vec<String> {
    let s = sim(cfg.clone()).await;
    let (lines, err) = export_sorted(&s, true, false).await;
    assert!(err.is_none(), "{err:?}");
    s.stop().await;
    lines
}

#[tokio::test]
async fn get_conversation_attributes_under_429s_finish_and_equal_the_fault_free_export() {
    use export::AttributeSource::{Conversations, Jobs};
    let clean = config(300);
    let want = reference_export(&clean).await;
    assert_eq!(want.len(), 300);
    // Concurrency 1 to 16, 1% to 30% of answers 429; jobs refused makes the default path
    // read every conversation with GET too.
    for (concurrency, share, from) in [
        (1, 0.01, Conversations),
        (2, 0.05, Conversations),
        (4, 0.05, Jobs),
        (4, 0.3, Conversations),
        (8, 0.15, Jobs),
        (16, 0.3, Conversations),
        (16, 0.01, Jobs),
    ] {
        let mut cfg = clean.clone();
        cfg.faults = Faults::parse(&format!("429={share}")).unwrap();
        cfg.forbid.jobs = from == Jobs;
        let s = sim(cfg).await;
        let (got, err) = get_conversation_export(
            client_waiting(&s, Duration::from_millis(20)),
            concurrency,
            from,
        )
        .await;
        assert!(
            err.is_none(),
            "concurrency {concurrency}, 429={share}: {err:?}"
        );
        assert!(
            got == want,
            "concurrency {concurrency}, 429={share}, {from:?}: differs from the fault-free export"
        );
        s.stop().await;
    }
}

#[tokio::test]
async fn get_conversation_attributes_under_a_real_rate_limit_finish_and_equal_the_fault_free_export()
 {
    use export::AttributeSource::{Conversations, Jobs};
    let clean = config(300);
    let want = reference_export(&clean).await;
    // Unpaced, the export meets the limit (as when another process spends the same budget);
    // paced by the headers (issue 14), it never does.
    for (concurrency, from, pacing) in [
        (2, Conversations, false),
        (4, Jobs, false),
        (16, Conversations, false),
        (16, Conversations, true),
        (4, Jobs, true),
    ] {
        // 150 requests a second: the export needs about 335, so it meets the limit twice.
        let mut cfg = clean.clone();
        cfg.rate_limit = 150;
        cfg.rate_window_secs = 1;
        cfg.forbid.jobs = from == Jobs;
        let s = sim(cfg).await;
        let mut c = client_config(&s);
        c.retry.max_retry_after = Duration::from_secs(2);
        c.pacing = pacing;
        let (got, err) = get_conversation_export(Client::new(c).unwrap(), concurrency, from).await;
        assert!(err.is_none(), "concurrency {concurrency}: {err:?}");
        if pacing {
            assert_eq!(s.stats().rate_limited, 0, "paced: no 429");
        } else {
            assert!(s.stats().rate_limited > 0, "the limit was met");
        }
        assert!(
            got == want,
            "concurrency {concurrency}, {from:?}: differs from the fault-free export"
        );
        s.stop().await;
    }
}
