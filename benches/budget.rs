//! The rate budget (issue 14), side by side in one run against the simulator with its rate
//! limit on. Run with `cargo bench --bench budget`; each bench prints its figures:
//!
//! - export under a budget of 20 requests per 2 s: its time against the bound the budget allows
//!   (requests made ÷ 20 × 2 s), and the 429s it drew;
//! - export under the default budget (300 a minute), 20,000 conversations with attributes and
//!   100,000 without, as before the lake plan (`--plan query`: the details query, one job for
//!   the attributes) and now (`--plan auto`: the job's results are the records): time against
//!   the bound, 429s;
//! - `F` on a 20,000-conversation day (a 12-hour range): requests per 30 s, re-running the
//!   range as before, and asking for the tail plus the multi-get as now;
//! - API calls per 100,000 conversations exported, with attributes and without, the range
//!   covered by the data lake (before and now) and not.

use std::sync::{Arc, LazyLock};
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use convoscope::export::{self, ExportOptions, NdjsonWriter, Plan};
use convoscope::genesys::client::{CallOpts, MAX_MULTI_GET};
use convoscope::genesys::model::AnalyticsConversation;
use convoscope::genesys::query::{Interval, Media, Order};
use convoscope::genesys::{Client, ClientConfig, Credentials, Scope, Secret};
use convoscope::paging::{PageEvent, QueryOptions, spawn_query};
use convoscope::sim::{Sim, SimConfig};
use convoscope::tui::app::follow_plan;
use divan::Bencher;
use tokio_util::sync::CancellationToken;

fn main() {
    divan::main();
}

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
});

fn start(cfg: SimConfig) -> Sim {
    RT.block_on(Sim::start(SimConfig {
        addr: "127.0.0.1:0".into(),
        job_delay_ms: 0,
        ..cfg
    }))
    .unwrap()
}

fn client_of(sim: &Sim) -> Arc<Client> {
    let url = sim.url();
    Arc::new(
        Client::new(ClientConfig::new(
            &url,
            &url,
            Credentials::ClientCredentials {
                client_id: "demo".into(),
                secret: Secret::new("demo"),
            },
        ))
        .unwrap(),
    )
}

const UNTIL: fn() -> chrono::DateTime<Utc> =
    || Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap();

/// Export under 20 requests per 2 s.
static PACED: LazyLock<Sim> = LazyLock::new(|| {
    start(SimConfig {
        seed: 3,
        conversations: 4_000,
        days: 7,
        until: UNTIL(),
        rate_limit: 20,
        rate_window_secs: 2,
        data_lag: 0,
        ..SimConfig::default()
    })
});

static PACED_CLIENT: LazyLock<Arc<Client>> = LazyLock::new(|| client_of(&PACED));

fn paced_export(bencher: Bencher, attributes: bool) {
    let sim = &*PACED;
    let scope = Scope::new(
        Interval::new(UNTIL() - Duration::days(7), UNTIL()),
        Media::Any,
    );
    bencher.bench(|| {
        // One client for every sample, as one process: a fresh one would not know what the
        // samples before spent of the window (another process's spending, answered by 429s).
        let client = PACED_CLIENT.clone();
        let mut opts = ExportOptions::new(scope.clone());
        opts.attributes = attributes;
        let before = sim.stats();
        let spent = client.budget().snapshot();
        let t = Instant::now();
        let mut w = NdjsonWriter::new(std::io::sink());
        let o = RT.block_on(export::run(client, &opts, &mut w, &|_| {}));
        let took = t.elapsed().as_secs_f64();
        assert!(o.error.is_none(), "{:?}", o.error);
        let after = sim.stats();
        let requests = after.requests - before.requests;
        // This sample's (the client's figures add up). The token request is not counted
        // against the budget.
        let counted = o.api.requests - spent.requests;
        let bound = counted as f64 / 20.0 * 2.0;
        println!(
            "export of {} (attributes: {attributes}) under 20 requests / 2 s: {took:.2} s for \
             {counted} budgeted requests ({requests} in all): bound {bound:.2} s, ratio \
             {:.2}; 429s {} (client saw {}), {:.1} s held back",
            o.written,
            took / bound,
            after.rate_limited - before.rate_limited,
            o.api.rate_limited - spent.rate_limited,
            (o.api.waited - spent.waited).as_secs_f64(),
        );
    });
}

/// Export of 4,000 conversations under 20 requests per 2 s: time against the bound.
#[divan::bench(sample_count = 2, sample_size = 1)]
fn export_paced_20_per_2s(bencher: Bencher) {
    paced_export(bencher, false);
}

/// The same with attributes (one async job; the lake covers the range).
#[divan::bench(sample_count = 2, sample_size = 1)]
fn export_paced_20_per_2s_with_attributes(bencher: Bencher) {
    paced_export(bencher, true);
}

/// A day of 20,000 conversations, 60 of them going on now, under the default budget.
static DAY: LazyLock<(Sim, chrono::DateTime<Utc>)> = LazyLock::new(|| {
    let now = Utc::now();
    (
        start(SimConfig {
            seed: 5,
            conversations: 20_000,
            days: 1,
            until: now,
            active: 60,
            rate_limit: 0,
            ..SimConfig::default()
        }),
        now,
    )
});

/// Runs a query to its end: its conversations and the requests it made.
fn load(client: &Arc<Client>, sim: &Sim, scope: Scope) -> (Vec<AnalyticsConversation>, u64) {
    let before = sim.stats().requests;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let convs = RT.block_on(async {
        spawn_query(
            client.clone(),
            scope,
            QueryOptions {
                order: Order::Desc,
                ..QueryOptions::default()
            },
            1,
            tx,
            CancellationToken::new(),
        );
        let mut all = Vec::new();
        while let Some(ev) = rx.recv().await {
            match ev {
                PageEvent::Page { conversations, .. } => all.extend(conversations),
                PageEvent::Done { .. } => break,
                PageEvent::Failed { error, .. } => panic!("{error}"),
                _ => {}
            }
        }
        all
    });
    (convs, sim.stats().requests - before)
}

/// `F` on a 12-hour range of a 20,000-conversation day: one refresh, as before (the whole range
/// again) and as now (the tail, and the multi-get of rows the tail cannot bring back); the
/// figure is requests per 30 s at the default refresh (every 10 s).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn follow_refresh_20000_day(bencher: Bencher) {
    let (sim, now) = &*DAY;
    let client = client_of(sim);
    RT.block_on(client.authenticate()).unwrap();
    let range = Interval::new(*now - Duration::hours(12), *now);
    let scope = Scope::new(range, Media::Any);
    let (rows, before) = load(&client, sim, scope.clone());
    let per_30s =
        30 / convoscope::tui::app::follow_interval(std::time::Duration::from_secs(2)).as_secs();
    bencher.bench(|| {
        let (tail, ids) = follow_plan(
            range,
            rows.iter()
                .map(|c| (c.conversation_id.as_str(), c.start(), c.end())),
        );
        let (_, tail_requests) = load(&client, sim, scope.with_interval(tail));
        let t0 = sim.stats().requests;
        for chunk in ids.chunks(MAX_MULTI_GET) {
            RT.block_on(client.conversations_by_id(chunk, CallOpts::default()))
                .unwrap();
        }
        let now_cost = tail_requests + sim.stats().requests - t0;
        println!(
            "F on {} rows of a 20,000-conversation day: before {before} requests a refresh \
             ({} per 30 s); now {now_cost} ({} per 30 s: tail of {} s, {} multi-get ids)",
            rows.len(),
            before * per_30s,
            now_cost * per_30s,
            tail.length().num_seconds(),
            ids.len(),
        );
    });
}

/// The same export, before the lake plan (`--plan query`) and now (`--plan auto`), under the
/// default budget (300 requests a minute), the range in the lake: time against the bound the
/// budget allows (requests ÷ 300 × 60 s), and the 429s drawn.
fn default_budget(bencher: Bencher, conversations: usize, attributes: bool) {
    let sim = start(SimConfig {
        seed: 11,
        conversations,
        days: 7,
        until: UNTIL(),
        ..SimConfig::default()
    });
    let scope = Scope::new(
        Interval::new(UNTIL() - Duration::days(7), UNTIL()),
        Media::Any,
    );
    bencher.bench(|| {
        for plan in [Plan::Query, Plan::Auto] {
            let client = client_of(&sim);
            let mut opts = ExportOptions::new(scope.clone());
            opts.attributes = attributes;
            opts.plan = plan;
            let before = sim.stats();
            let t = Instant::now();
            let mut w = NdjsonWriter::new(std::io::sink());
            let o = RT.block_on(export::run(client, &opts, &mut w, &|_| {}));
            let took = t.elapsed().as_secs_f64();
            assert!(o.error.is_none(), "{:?}", o.error);
            let after = sim.stats();
            let counted = o.api.requests;
            let bound = counted as f64 / 300.0 * 60.0;
            println!(
                "export{} --plan {} of {} under 300 requests / 60 s: {took:.1} s for {counted} \
                 requests: bound {bound:.1} s, ratio {:.2}; 429s {} (client saw {}); {}",
                if attributes { " --attributes" } else { "" },
                plan.name(),
                o.written,
                took / bound,
                after.rate_limited - before.rate_limited,
                o.api.rate_limited,
                export::cost_summary(&o, attributes),
            );
        }
    });
}

/// 20,000 conversations with attributes.
#[divan::bench(sample_count = 1, sample_size = 1)]
fn export_default_budget_20000_with_attributes(bencher: Bencher) {
    default_budget(bencher, 20_000, true);
}

/// 100,000 conversations without attributes: about 3 minutes before, seconds now.
#[divan::bench(sample_count = 1, sample_size = 1)]
fn export_default_budget_100000(bencher: Bencher) {
    default_budget(bencher, 100_000, false);
}

/// The simulator of the calls per 100,000: a week of 100,000 conversations ending an hour ago,
/// the lake covering it or not.
fn hundred_thousand(lake: bool) -> (Sim, Scope) {
    let until = Utc::now() - Duration::hours(1);
    let sim = start(SimConfig {
        seed: 7,
        conversations: 100_000,
        days: 7,
        until,
        rate_limit: 0,
        // Not covered: the lake lags more than the range is old.
        data_lag: if lake { 0 } else { 10 * 86_400 },
        ..SimConfig::default()
    });
    let scope = Scope::new(Interval::new(until - Duration::days(7), until), Media::Any);
    (sim, scope)
}

/// Calls for 100,000 conversations exported (counted by the simulator), by plan.
fn calls_per_100k(bencher: Bencher, lake: bool, attributes: bool) {
    let (sim, scope) = hundred_thousand(lake);
    let plans: &[Plan] = if lake {
        &[Plan::Query, Plan::Auto]
    } else {
        &[Plan::Auto]
    };
    bencher.bench(|| {
        for &plan in plans {
            let client = client_of(&sim);
            let mut opts = ExportOptions::new(scope.clone());
            opts.attributes = attributes;
            opts.plan = plan;
            let before = sim.requests().len();
            let t = Instant::now();
            let mut w = NdjsonWriter::new(std::io::sink());
            let o = RT.block_on(export::run(client, &opts, &mut w, &|_| {}));
            let took = t.elapsed().as_secs_f64();
            assert!(o.error.is_none(), "{:?}", o.error);
            // The token's request is not the budget's.
            let calls = o.api.requests + 1;
            let log = sim.requests();
            // The simulator remembers the last 20,000 requests: by endpoint when they fit.
            let by_endpoint = if log.len() as u64 == before as u64 + calls {
                let asked = &log[before..];
                let of = |f: &dyn Fn(&str) -> bool| asked.iter().filter(|r| f(&r.path)).count();
                let query = of(&|p| p.ends_with("/details/query"));
                let results = of(&|p| p.ends_with("/results"));
                let gets = of(&|p| p.starts_with("/api/v2/conversations/"));
                let other = asked.len() - query - results - gets;
                format!(
                    "{query} details query, {results} job results, {gets} GET conversation, \
                     {other} other (token, availability, job create/poll/delete)"
                )
            } else {
                format!(
                    "{} GET conversation, {} other",
                    o.attributes.from_get,
                    calls - o.attributes.from_get
                )
            };
            println!(
                "export{} --plan {} of {} conversations, lake covers the range: {lake}: \
                 {calls} calls ({} per 100,000): {by_endpoint}; {took:.1} s",
                if attributes { " --attributes" } else { "" },
                plan.name(),
                o.written,
                calls * 100_000 / o.written.max(1),
            );
        }
    });
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn calls_per_100k_with_attributes_lake_covered(bencher: Bencher) {
    calls_per_100k(bencher, true, true);
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn calls_per_100k_with_attributes_lake_not_covered(bencher: Bencher) {
    calls_per_100k(bencher, false, true);
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn calls_per_100k_without_attributes_lake_covered(bencher: Bencher) {
    calls_per_100k(bencher, true, false);
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn calls_per_100k_without_attributes_lake_not_covered(bencher: Bencher) {
    calls_per_100k(bencher, false, false);
}
