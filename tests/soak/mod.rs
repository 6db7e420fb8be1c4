//! The live queue view's soak (issue 16, "Measure"): the screen's own state and runner
//! (`tui::headless`) open `--live 'queue:A queue:B'` on a simulator with `--active N`, and at
//! every checkpoint the list must equal what the details query answers for the live
//! conversations of those queues. Shared by the test suite (a short run) and
//! `cargo run --release --example live_queue_soak` (ten minutes, wall clock).

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use convoscope::genesys::client::CallOpts;
use convoscope::genesys::directory::{Directory, Kind};
use convoscope::genesys::model::AnalyticsConversation;
use convoscope::genesys::names::resolve_names;
use convoscope::genesys::query::{DetailsQuery, Interval, Media, Order};
use convoscope::genesys::records::Record;
use convoscope::genesys::search::{Query, Resolved};
use convoscope::genesys::{Client, ClientConfig, Credentials, Scope, Secret};
use convoscope::sim::{Sim, SimConfig};
use convoscope::timespec::Zone;
use convoscope::tui::app::queue_live::QueueFeed;
use convoscope::tui::app::{Event, Init, State};
use convoscope::tui::headless::Headless;
use convoscope::tui::list::Load;
use tokio::time::Instant;

/// How long, how often, on what.
#[derive(Debug, Clone)]
pub struct Options {
    pub span: Duration,
    /// Between checkpoints.
    pub every: Duration,
    /// The simulator's `--active`.
    pub active: usize,
    /// The simulator's `--active-end-after` (the first live conversation ends then).
    pub end_first_after: Option<u64>,
    /// The simulator's rate limit a minute (0: none).
    pub rate_limit: u32,
    /// Print each checkpoint.
    pub verbose: bool,
}

/// What the run saw.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub query: String,
    pub checkpoints: usize,
    /// Checkpoints where the list and the details query still differed after the events in
    /// flight were given 3 s, with the difference.
    pub mismatches: Vec<String>,
    /// Checkpoints that agreed only once an event in flight had arrived.
    pub settled_after_waiting: usize,
    pub first_page: usize,
    /// Conversations listed at some point, and those that left the list (ended).
    pub seen: usize,
    pub left: usize,
    /// Queue events the view applied.
    pub events: u64,
    /// The view's API requests after its first page (names, catch-ups), and what they were.
    pub view_requests: Vec<String>,
    /// The checker's own requests (details query pages).
    pub checker_requests: usize,
    /// How the feed stood at the end.
    pub feed: String,
    pub listed_min: usize,
    pub listed_max: usize,
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

fn queues_of(c: &AnalyticsConversation) -> Vec<String> {
    let mut q: Vec<String> = c
        .participants
        .iter()
        .flat_map(|p| &p.sessions)
        .flat_map(|s| s.extra["segments"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["queueId"].as_str().map(str::to_string))
        .collect();
    q.sort();
    q.dedup();
    q
}

/// Every live conversation of `search` (the details query, all pages), and the pages asked.
async fn live(client: &Client, search: &Resolved) -> (Vec<AnalyticsConversation>, usize) {
    let now = Utc::now();
    let scope = Scope::new(
        Interval::new(
            now - chrono::Duration::days(7),
            now + chrono::Duration::minutes(1),
        ),
        Media::Any,
    )
    .with_search(search.clone());
    let mut out = Vec::new();
    let mut pages = 0;
    for n in 1..=50 {
        let q = DetailsQuery {
            scope: scope.clone(),
            order: Order::Asc,
            page_size: 100,
            page_number: n,
        };
        let page = client
            .query_page(&q, CallOpts::default())
            .await
            .expect("the details query");
        pages += 1;
        let got = page.records.len();
        out.extend(page.records.into_iter().filter_map(|r| match r {
            Record::Conversation(c) => Some(c),
            _ => None,
        }));
        if got < 100 {
            break;
        }
    }
    (out, pages)
}

fn listed(s: &State) -> BTreeSet<String> {
    s.list.rows.iter().map(|r| r.id().to_string()).collect()
}

fn api(sim: &Sim, from: usize) -> Vec<String> {
    sim.requests()[from..]
        .iter()
        .map(|r| r.path.clone())
        .filter(|p| !p.starts_with("/oauth") && !p.starts_with("/channels/"))
        .collect()
}

pub async fn run(o: &Options) -> Report {
    let sim = Sim::start(SimConfig {
        addr: "127.0.0.1:0".into(),
        conversations: 2000,
        days: 2,
        until: Utc::now(),
        active: o.active,
        active_end_after: o.end_first_after,
        rate_limit: o.rate_limit,
        ..SimConfig::default()
    })
    .await
    .expect("the simulator starts");
    let checker = client_of(&sim);
    checker.authenticate().await.unwrap();
    let mut report = Report::default();

    // The two queues with the most live conversations, by name as a person types them (the
    // queue of the first live conversation, which ends first, among them).
    let ds = sim.dataset();
    let first = (0..ds.len()).find(|&i| ds.is_active(i)).expect("live ones");
    let ending = queues_of(&ds.analytics(first)).first().cloned();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for i in (0..ds.len()).filter(|&i| ds.is_active(i)) {
        for q in queues_of(&ds.analytics(i)) {
            *count.entry(q).or_default() += 1;
        }
    }
    let mut top: Vec<(String, usize)> = count.into_iter().collect();
    top.sort_by_key(|b| std::cmp::Reverse(b.1));
    if let Some(e) = ending {
        top.retain(|(q, _)| *q != e);
        top.insert(0, (e, 0));
    }
    let dir = Directory::new(checker.clone(), None);
    let listing = dir.names(Kind::Queue).await.expect("the queues");
    let name = |id: &str| {
        listing
            .entities
            .iter()
            .find(|n| n.id == id)
            .expect("a queue's name")
            .name
            .clone()
    };
    let text: Vec<String> = top
        .iter()
        .take(2)
        .map(|(q, _)| format!("queue:\"{}\"", name(q)))
        .collect();
    let text = text.join(" ");
    let live_text = format!("{text} live");
    let search = resolve_names(&dir, &live_text, &Query::parse(&live_text).unwrap())
        .await
        .expect("the names resolve");
    report.query = text.clone();
    let mut checker_pages = 0;
    let start = sim.requests().len();

    // `convoscope --live 'queue:A queue:B'`, as main starts it.
    let view_client = client_of(&sim);
    let state = State::new(Init {
        from: Some("-7d".into()),
        to: Some("now".into()),
        media: Some(Media::Any),
        query: Some(live_text.clone()),
        live_queues: true,
        zone: Zone::Utc,
        zone_label: "UTC".into(),
        connection: "SIM".into(),
        now: Some(Utc::now()),
        ..Default::default()
    });
    let mut h = Headless::new(view_client, state, 200, 50);
    h.send(Event::Submit { now: Utc::now() });
    let up = h
        .run_until(Instant::now() + Duration::from_secs(60), |s| {
            s.list.load == Load::Done
                && s.queue_view
                    .as_ref()
                    .is_some_and(|v| v.feed == QueueFeed::Live)
        })
        .await;
    assert!(
        up,
        "the view is up: {:?}",
        h.state.queue_view.as_ref().map(|v| &v.feed)
    );
    report.first_page = h.state.list.rows.len();
    // The view's own requests from here on (the checker's are counted apart).
    let after_first = sim.requests().len();
    let _ = start;
    let mut seen: BTreeSet<String> = listed(&h.state);
    let (mut lo, mut hi) = (seen.len(), seen.len());
    let began = Instant::now();
    let end = began + o.span;
    let mut next = began + o.every;
    while next <= end {
        h.run_for(next, |s, _| {
            let l = listed(s);
            lo = lo.min(l.len());
            hi = hi.max(l.len());
            seen.extend(l);
        })
        .await;
        // A checkpoint: the details query is the checker's, not the view's.
        let mut waited = false;
        let mut tries = 0;
        loop {
            let (want, pages) = live(&checker, &search).await;
            checker_pages += pages;
            let want: BTreeSet<String> = want.into_iter().map(|c| c.conversation_id).collect();
            let have = listed(&h.state);
            if want == have {
                if waited {
                    report.settled_after_waiting += 1;
                }
                break;
            }
            tries += 1;
            if tries > 15 {
                let missing: Vec<_> = want.difference(&have).collect();
                let extra: Vec<_> = have.difference(&want).collect();
                report.mismatches.push(format!(
                    "checkpoint {}: missing {missing:?}, not live {extra:?}",
                    report.checkpoints + 1
                ));
                break;
            }
            // An event may be on its way: take what comes for a moment, ask again.
            waited = true;
            h.run_for(Instant::now() + Duration::from_millis(200), |_, _| {})
                .await;
        }
        report.checkpoints += 1;
        if o.verbose {
            let v = h.state.queue_view.as_ref().unwrap();
            eprintln!(
                "checkpoint {}: {} listed, {} events, {} mismatches",
                report.checkpoints,
                h.state.list.rows.len(),
                v.events,
                report.mismatches.len()
            );
        }
        next += o.every;
    }
    let now_listed = listed(&h.state);
    report.seen = seen.len();
    report.left = seen.difference(&now_listed).count();
    report.listed_min = lo;
    report.listed_max = hi;
    let v = h.state.queue_view.as_ref().unwrap();
    report.events = v.events;
    report.feed = v.header(Zone::Utc);
    report.checker_requests = checker_pages;
    let made = api(&sim, after_first);
    // The checker's pages are the details queries it made; the rest are the view's.
    let mut queries = checker_pages;
    report.view_requests = made
        .into_iter()
        .filter(|p| {
            if p.ends_with("/details/query") && queries > 0 {
                queries -= 1;
                return false;
            }
            true
        })
        .collect();
    h.shutdown().await;
    sim.stop().await;
    report
}
