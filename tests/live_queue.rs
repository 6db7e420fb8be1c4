//! The live queue view (`--live 'queue:…'`) against the simulator over loopback HTTP and
//! WebSockets: seeded by one details query, then kept by the queues' topics only, the list
//! always equals what the details query answers for the live conversations of those queues.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use convoscope::genesys::client::CallOpts;
use convoscope::genesys::directory::{Directory, Kind};
use convoscope::genesys::model::AnalyticsConversation;
use convoscope::genesys::names::resolve_names;
use convoscope::genesys::notify::events::queue_topic;
use convoscope::genesys::notify::live_queue::LiveQueues;
use convoscope::genesys::notify::{Feed, Message, Notifier, NotifierConfig, Status};
use convoscope::genesys::query::{DetailsQuery, Interval, Media, Order};
use convoscope::genesys::records::Record;
use convoscope::genesys::search::{Query, Resolved};
use convoscope::genesys::{Client, Scope};
use convoscope::sim::SimConfig;

/// Every live conversation of the scope (the details query, all pages).
async fn live(client: &Client, search: &Resolved) -> Vec<AnalyticsConversation> {
    let now = Utc::now();
    let scope = Scope::new(
        Interval::new(
            now - chrono::Duration::days(3),
            now + chrono::Duration::minutes(1),
        ),
        Media::Any,
    )
    .with_search(search.clone());
    let mut out = Vec::new();
    for n in 1..=20 {
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
        let got = page.records.len();
        out.extend(page.records.into_iter().map(|r| match r {
            Record::Conversation(c) => c,
            other => panic!("the simulator's records decode: {other:?}"),
        }));
        if got < 100 {
            break;
        }
    }
    out
}

fn ids(convs: &[AnalyticsConversation]) -> Vec<String> {
    let mut v: Vec<String> = convs.iter().map(|c| c.conversation_id.clone()).collect();
    v.sort();
    v
}

fn queues_of(c: &AnalyticsConversation) -> Vec<String> {
    let mut q: Vec<String> = c
        .participants
        .iter()
        .flat_map(|p| p.sessions.iter())
        .flat_map(|s| s.extra["segments"].as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["queueId"].as_str().map(str::to_string))
        .collect();
    q.sort();
    q.dedup();
    q
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_fed_by_queue_topics_equals_the_details_query_throughout() {
    let sim = common::sim(SimConfig {
        addr: "127.0.0.1:0".into(),
        conversations: 300,
        days: 2,
        until: Utc::now(),
        active: 20,
        // One ends within the test, others are transferred (15 to 45 s) meanwhile.
        active_end_after: Some(4),
        rate_limit: 0,
        ..SimConfig::default()
    })
    .await;
    let client = common::client(&sim);

    // The two queues with the most live conversations, by name, as a person types them.
    let all_live = Resolved {
        live: true,
        ..Default::default()
    };
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    let everything = live(&client, &all_live).await;
    // The oldest live conversation is the one that ends 4 s in: one of its queues is watched.
    let oldest = everything
        .iter()
        .min_by_key(|c| c.conversation_start.clone())
        .expect("live conversations");
    let ending = queues_of(oldest)[0].clone();
    for c in &everything {
        for q in queues_of(c) {
            *count.entry(q).or_default() += 1;
        }
    }
    let mut top: Vec<(String, usize)> = count.into_iter().collect();
    top.sort_by_key(|b| std::cmp::Reverse(b.1));
    top.retain(|(q, _)| *q != ending);
    top.insert(0, (ending, 0));
    assert!(
        top.len() >= 2,
        "the simulator's live conversations use queues"
    );
    let dir = Directory::new(client.clone(), None);
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
    let text = format!(
        r#"queue:"{}" queue:"{}" live"#,
        name(&top[0].0),
        name(&top[1].0)
    );
    let search = resolve_names(&dir, &text, &Query::parse(&text).unwrap())
        .await
        .expect("the names resolve");
    let queue_ids: Vec<String> = search.queues.iter().map(|e| e.id.clone()).collect();
    assert_eq!(queue_ids, [top[0].0.clone(), top[1].0.clone()]);

    // Subscribe first, then read the first page: nothing between them is lost.
    let notifier = Notifier::start(client.clone(), NotifierConfig::default());
    let mut sub = notifier.subscribe(queue_ids.iter().map(|q| queue_topic(q)).collect());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let f = tokio::time::timeout_at(deadline, sub.rx.recv())
            .await
            .expect("subscribed within the wait")
            .expect("the feed");
        if matches!(f, Feed::Status(Status::Live)) {
            break;
        }
    }
    let mut state = LiveQueues::new(queue_ids.clone());
    state.seed(live(&client, &search).await);
    let first = state.ids();
    assert!(!first.is_empty(), "live conversations in those queues");
    let before = sim.requests().len();

    // Watch for 40 s; every 4 s the list must equal what the details query says (allowing the
    // event in flight a moment to arrive).
    let (mut events, mut removed, mut checks) = (0usize, 0usize, 0usize);
    let end = tokio::time::Instant::now() + Duration::from_secs(40);
    let mut next_check = tokio::time::Instant::now() + Duration::from_secs(4);
    while tokio::time::Instant::now() < end {
        match tokio::time::timeout_at(next_check, sub.rx.recv()).await {
            Ok(Some(Feed::Event {
                message:
                    Message::Queue {
                        queue_id,
                        conversation,
                    },
                ..
            })) => {
                events += 1;
                if matches!(
                    state.apply(&queue_id, &conversation),
                    convoscope::genesys::notify::live_queue::Change::Remove(_)
                ) {
                    removed += 1;
                }
            }
            Ok(Some(Feed::Status(s))) => {
                assert!(
                    matches!(s, Status::Live | Status::Alive(_)),
                    "the feed stays up: {s:?}"
                );
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("the feed ended"),
            Err(_) => {
                // A check: the query is the test's, not the view's.
                let mut want = ids(&live(&client, &search).await);
                let mut tries = 0;
                while state.ids() != want && tries < 20 {
                    // An event may be on its way: take what came, ask again.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    while let Ok(Feed::Event {
                        message:
                            Message::Queue {
                                queue_id,
                                conversation,
                            },
                        ..
                    }) = sub.rx.try_recv()
                    {
                        events += 1;
                        state.apply(&queue_id, &conversation);
                    }
                    want = ids(&live(&client, &search).await);
                    tries += 1;
                }
                assert_eq!(state.ids(), want, "the list equals the details query");
                checks += 1;
                next_check = tokio::time::Instant::now() + Duration::from_secs(4);
            }
        }
    }
    assert!(checks >= 8, "{checks} checks");
    assert!(events > 0, "conversations changed in those queues");
    assert!(removed >= 1, "a conversation ended and left the list");
    // The k = 0 live conversation ends at 4 s when in the queues; either way the rows of the
    // view are its only reading after the first page: no query of ours went out.
    let view_requests = sim.requests()[before..]
        .iter()
        .filter(|r| !r.path.contains("details/query"))
        .filter(|r| !r.path.starts_with("/oauth") && !r.path.starts_with("/channels/"))
        .count();
    assert_eq!(
        view_requests, 0,
        "no request of the view after the first page"
    );
    eprintln!(
        "queues {text}: first page {} live, {events} events, {removed} ended, {checks} checks, final {}",
        first.len(),
        state.ids().len()
    );
    notifier.close().await;
    drop(Arc::clone(&client));
}

#[test]
fn live_says_what_is_wrong_with_its_query_before_the_screen_opens() {
    for (args, says) in [
        (
            vec!["--live", "dir:inbound"],
            "--live: name at least one queue",
        ),
        (
            vec!["--live", "queue:Sales agent:Bob"],
            "only queue:NAME terms (not agent:)",
        ),
        (vec!["--live", "queue:\"Sales"], "a quote is not closed"),
        (
            vec!["--live", "queue:Sales", "--media", "voice"],
            "cannot be used with",
        ),
    ] {
        let out = common::convoscope()
            .arg("--demo")
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
