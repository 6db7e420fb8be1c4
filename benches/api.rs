//! Benchmarks of the data path: decoding pages, the first page after a submit, export end to end.
//! Run with `cargo bench --bench api`; each prints its figure (time, and throughput where it fits).

use chrono::{Duration, TimeZone, Utc};
use std::io::Write;
use std::sync::{Arc, LazyLock};

use convoscope::export::{self, ConversationWriter, CsvWriter, ExportOptions, NdjsonWriter};
use convoscope::genesys::client::CallOpts;
use convoscope::genesys::model::AnalyticsConversation;
use convoscope::genesys::model::QueryResponse;
use convoscope::genesys::query::{DetailsQuery, Interval, Media, Order};
use convoscope::genesys::records;
use convoscope::genesys::{Client, ClientConfig, Credentials, Scope, Secret};
use convoscope::paging::{PageEvent, QueryOptions, spawn_query};
use convoscope::sim::{Dataset, Sim, SimConfig};
use convoscope::timespec::Zone;
use convoscope::tui::app::{Event, Init, State, update};
use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use tokio_util::sync::CancellationToken;

fn main() {
    divan::main();
}

const CONVERSATIONS: usize = 20_000;

fn config() -> SimConfig {
    SimConfig {
        addr: "127.0.0.1:0".into(),
        seed: 1,
        conversations: CONVERSATIONS,
        days: 7,
        until: Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap(),
        job_delay_ms: 0,
        // A bench measures convoscope, not the API's budget nor its lake's lag.
        rate_limit: 0,
        data_lag: 0,
        ..SimConfig::default()
    }
}

fn week() -> Interval {
    let c = config();
    Interval::new(c.until - Duration::days(7), c.until)
}

static RT: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
});

static SIM: LazyLock<Sim> = LazyLock::new(|| RT.block_on(Sim::start(config())).unwrap());

fn client() -> Arc<Client> {
    let url = SIM.url();
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

/// A page of 100 conversations as the API sends it.
fn page_json() -> Vec<u8> {
    let ds = Dataset::new(&config());
    let conversations = (0..100).map(|i| ds.analytics(i * 7)).collect();
    serde_json::to_vec(&QueryResponse {
        conversations: Some(conversations),
        total_hits: Some(CONVERSATIONS as u64),
        ..QueryResponse::default()
    })
    .unwrap()
}

/// Benchmark 1: decoding a page of 100 conversations as the client does, in bytes and
/// conversations a second: made valid, checked whole, then record by record.
#[divan::bench]
fn decode_page_of_100(bencher: Bencher) {
    let bytes = page_json();
    bencher
        .counter(BytesCount::of_slice(&bytes))
        .counter(ItemsCount::new(100usize))
        .bench(|| {
            let text = records::made_valid(divan::black_box(&bytes).clone());
            records::check_json(&text).unwrap();
            records::page(&text).unwrap()
        });
}

/// 1b. The same page decoded in one piece, as the client did before decoding record by
/// record (for comparison).
#[divan::bench]
fn decode_page_of_100_whole(bencher: Bencher) {
    let bytes = page_json();
    bencher
        .counter(BytesCount::of_slice(&bytes))
        .counter(ItemsCount::new(100usize))
        .bench(|| serde_json::from_slice::<QueryResponse>(divan::black_box(&bytes)).unwrap());
}

/// A screen that submitted its range (query id 1), as the browser does on Enter.
fn screen() -> State {
    let mut s = State::new(Init {
        zone: Zone::Utc,
        zone_label: "UTC".into(),
        connection: "DEMO".into(),
        ..Default::default()
    });
    update(
        &mut s,
        Event::Resize {
            width: 160,
            height: 45,
        },
    );
    s.query_seq = 1;
    s.list.reset(1);
    s
}

/// Benchmark 6, from submitting a range to its first row in the screen's state, against the
/// simulator on loopback (the token already fetched, as it is after the first query).
#[divan::bench(sample_count = 30, sample_size = 1)]
fn first_page_after_submit(bencher: Bencher) {
    let client = client();
    RT.block_on(client.authenticate()).unwrap();
    bencher.bench(|| {
        RT.block_on(async {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<PageEvent>(16);
            let cancel = CancellationToken::new();
            spawn_query(
                client.clone(),
                Scope::new(week(), Media::Webmessaging),
                QueryOptions::default(),
                1,
                tx,
                cancel.clone(),
            );
            let first = rx.recv().await;
            cancel.cancel();
            // The first row is in the screen's state: the page merged, the row selected.
            let Some(page @ PageEvent::Page { .. }) = first else {
                panic!("no first page: {first:?}")
            };
            let mut state = screen();
            update(&mut state, Event::Page(page));
            assert!(state.list.selected_row().is_some());
        })
    });
}

fn export_bench(bencher: Bencher, attributes: bool, plan: export::Plan) {
    let client = client();
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = attributes;
    opts.plan = plan;
    bencher.counter(ItemsCount::new(CONVERSATIONS)).bench(|| {
        let mut w = NdjsonWriter::new(std::io::sink());
        let outcome = RT.block_on(export::run(client.clone(), &opts, &mut w, &|_| {}));
        assert_eq!(outcome.written, CONVERSATIONS as u64);
    });
}

/// 5. Export of 20,000 conversations from the simulator on loopback, end to end (the lake
///    holds the range: the async job's results are the records).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn export_20000(bencher: Bencher) {
    export_bench(bencher, false, export::Plan::Auto);
}

/// 5b. The same with every participant's attributes.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn export_20000_with_attributes(bencher: Bencher) {
    export_bench(bencher, true, export::Plan::Auto);
}

/// 5c. The same from the details query (`--plan query`: 100 a page, 4 at once).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn export_20000_plan_query(bencher: Bencher) {
    export_bench(bencher, false, export::Plan::Query);
}

/// 5d. The same with attributes (`--plan query`: one async job for the attributes).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn export_20000_with_attributes_plan_query(bencher: Bencher) {
    export_bench(bencher, true, export::Plan::Query);
}

/// 20,000 conversations with their attributes, as export writes them.
static WITH_ATTRIBUTES: LazyLock<Vec<AnalyticsConversation>> = LazyLock::new(|| {
    let ds = Dataset::new(&config());
    (0..CONVERSATIONS)
        .map(|i| ds.analytics_with_attributes(i, config().until))
        .collect()
});

fn write_bench(bencher: Bencher, write: fn(&[AnalyticsConversation]) -> u64) {
    let convs = &*WITH_ATTRIBUTES;
    let bytes = write(convs);
    bencher
        .counter(ItemsCount::new(convs.len()))
        .counter(BytesCount::new(bytes))
        .bench(|| write(convs));
}

/// 6. The NDJSON writer alone: 20,000 conversations with attributes, escaped and counted.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn write_ndjson_20000(bencher: Bencher) {
    write_bench(bencher, |convs| {
        let mut w = NdjsonWriter::new(std::io::sink());
        for c in convs {
            w.write(c).unwrap();
        }
        w.finish().unwrap();
        w.delivered().unwrap().bytes
    });
}

/// 6b. For comparison: serde_json's plain output through a `BufWriter` (the old NDJSON writer).
#[divan::bench(sample_count = 10, sample_size = 1)]
fn write_plain_json_20000(bencher: Bencher) {
    write_bench(bencher, |convs| {
        let mut n = 0u64;
        let mut out = std::io::BufWriter::new(std::io::sink());
        for c in convs {
            let line = serde_json::to_vec(c).unwrap();
            n += line.len() as u64 + 1;
            out.write_all(&line).unwrap();
            out.write_all(b"\n").unwrap();
        }
        out.flush().unwrap();
        n
    });
}

/// 6c. The CSV writer alone: a row per attribute, every cell escaped and formula-checked.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn write_csv_20000(bencher: Bencher) {
    write_bench(bencher, |convs| {
        let mut w = CsvWriter::new(std::io::sink(), false).unwrap();
        for c in convs {
            w.write(c).unwrap();
        }
        w.finish().unwrap();
        w.delivered().unwrap().bytes
    });
}

/// A simulator of a million conversations over a week (about 9 MB of state, plus what its
/// selection cache holds).
static SIM_1M: LazyLock<Sim> = LazyLock::new(|| {
    RT.block_on(Sim::start(SimConfig {
        conversations: 1_000_000,
        ..config()
    }))
    .unwrap()
});

fn client_of(sim: &Sim) -> Arc<Client> {
    let url = sim.url();
    let c = Arc::new(
        Client::new(ClientConfig::new(
            &url,
            &url,
            Credentials::ClientCredentials {
                client_id: "demo".into(),
                secret: Secret::new("demo"),
            },
        ))
        .unwrap(),
    );
    RT.block_on(c.authenticate()).unwrap();
    c
}

fn web_page(client: &Client, interval: Interval) {
    let q = DetailsQuery {
        scope: Scope::new(interval, Media::Webmessaging),
        order: Order::Desc,
        page_size: 100,
        page_number: 1,
    };
    let page = RT
        .block_on(client.query_page(&q, CallOpts::default()))
        .unwrap();
    assert_eq!(page.conversations().count(), 100);
}

/// 7. A page of 100 web messaging conversations from a 1,000,000-conversation simulator, cold.
///
/// Every sample is a range the simulator has not selected before (the first filtered query).
#[divan::bench(sample_count = 40, sample_size = 1)]
fn page_of_100_from_1m_cold(bencher: Bencher) {
    let client = client_of(&SIM_1M);
    let mut shift = 0i64;
    bencher
        .with_inputs(|| {
            shift += 1;
            // Starts 10 s apart: another set of conversations, so nothing is cached.
            Interval::new(week().start + Duration::seconds(10 * shift), week().end)
        })
        .bench_local_values(|interval| web_page(&client, interval));
}

/// 7b. The same page again: the selection is cached.
#[divan::bench(sample_count = 40, sample_size = 1)]
fn page_of_100_from_1m_warm(bencher: Bencher) {
    let client = client_of(&SIM_1M);
    web_page(&client, week());
    bencher.bench_local(|| web_page(&client, week()));
}

/// Benchmark 8, the simulator's data: a million conversations set up (what `convoscope sim`
/// does before it listens), and one conversation generated as job results serve it (with
/// attributes) and as the details query does (without).
#[divan::bench(sample_count = 5, sample_size = 1)]
fn sim_dataset_1m(bencher: Bencher) {
    let cfg = SimConfig {
        conversations: 1_000_000,
        ..config()
    };
    bencher.bench(|| Dataset::new(divan::black_box(&cfg)));
}

static DATA_20K: LazyLock<Dataset> = LazyLock::new(|| Dataset::new(&config()));

#[divan::bench]
fn sim_generate_with_attributes(bencher: Bencher) {
    let now = Utc::now();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 7919) % CONVERSATIONS;
        DATA_20K.analytics_with_attributes(i, now)
    });
}

#[divan::bench]
fn sim_generate_analytics(bencher: Bencher) {
    let now = Utc::now();
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 7919) % CONVERSATIONS;
        DATA_20K.analytics_at(i, now)
    });
}
