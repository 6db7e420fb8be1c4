//! The directory client against the simulator over HTTP: bulk look-ups of the ids analytics holds
//! (at most 100 a call), the session cache (misses too), a forbidden kind, whole listings and name
//! matching.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use convoscope::genesys::Error;
use convoscope::genesys::directory::{Directory, How, Kind, MAX_IDS, short_id};
use convoscope::sim::Forbid;
use serde_json::Value;

use common::*;

/// Every value of `key` anywhere in `v`.
fn values_of(v: &Value, key: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == key
                    && let Some(s) = x.as_str()
                {
                    out.insert(s.to_string());
                }
                values_of(x, key, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| values_of(x, key, out)),
        _ => {}
    }
}

/// The ids the analytics records of the first `n` conversations point at, by key.
fn analytics_ids(sim: &convoscope::sim::Sim, n: usize, key: &str) -> BTreeSet<String> {
    let ds = sim.dataset();
    let mut out = BTreeSet::new();
    for i in 0..n.min(ds.len()) {
        let v = serde_json::to_value(ds.analytics(i)).unwrap();
        values_of(&v, key, &mut out);
    }
    out
}

/// The names GET conversation gives users (the conversation API names its participants): the
/// independent truth the directory's answers are checked against.
fn conversation_user_names(sim: &convoscope::sim::Sim, n: usize) -> BTreeMap<String, String> {
    let ds = sim.dataset();
    let mut out = BTreeMap::new();
    for i in 0..n.min(ds.len()) {
        for p in ds.conversation(i, until()).participants {
            if let (Some(u), Some(name)) = (p.user_id, p.name)
                && p.purpose.as_deref() == Some("agent")
            {
                out.insert(u, name);
            }
        }
    }
    out
}

fn directory_calls(sim: &convoscope::sim::Sim, path: &str) -> usize {
    sim.requests().iter().filter(|r| r.path == path).count()
}

#[tokio::test]
async fn agents_of_analytics_are_named_in_one_call_and_then_from_the_cache() {
    let sim = sim(config(300)).await;
    let users = analytics_ids(&sim, 300, "userId");
    assert!(users.len() > 10, "the data has agents: {}", users.len());
    assert!(users.len() <= MAX_IDS);
    let dir = Directory::new(client(&sim), None);
    let found = dir
        .lookup(users.iter().map(|u| (Kind::User, u.as_str())))
        .await;
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    assert_eq!(dir.calls(), 1);
    assert_eq!(directory_calls(&sim, "/api/v2/users"), 1);
    // Every agent is named as GET conversation names it (left agents too: state=any).
    let truth = conversation_user_names(&sim, 300);
    assert!(!truth.is_empty());
    for (id, name) in &truth {
        assert_eq!(found.names.get(Kind::User, id), Some(name.as_str()), "{id}");
    }
    for u in &users {
        assert!(found.names.knows(Kind::User, u));
        assert!(!found.names.shown(Kind::User, u).is_empty());
    }
    // Asked again (the next page, the same agents): no call.
    let again = dir
        .lookup(users.iter().map(|u| (Kind::User, u.as_str())))
        .await;
    assert_eq!(dir.calls(), 1);
    assert_eq!(directory_calls(&sim, "/api/v2/users"), 1);
    assert_eq!(again.names, found.names);
}

#[tokio::test]
async fn more_than_100_ids_are_asked_100_at_a_time_and_unknown_ones_are_remembered() {
    let sim = sim(config(300)).await;
    let users: Vec<String> = analytics_ids(&sim, 300, "userId").into_iter().collect();
    // 130 unknown ids (users deleted for good, or never there) after the real ones.
    let unknown: Vec<String> = (0..190)
        .map(|k| format!("{k:08x}-dead-4000-8000-000000000000"))
        .collect();
    let all: Vec<String> = users.iter().chain(&unknown).cloned().collect();
    assert!(all.len() > 2 * MAX_IDS);
    let dir = Directory::new(client(&sim), None);
    let found = dir
        .lookup(all.iter().map(|u| (Kind::User, u.as_str())))
        .await;
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    let expected_calls = all.len().div_ceil(MAX_IDS);
    assert_eq!(dir.calls() as usize, expected_calls);
    // The simulator refuses more than 100 ids: every call was accepted.
    let calls: Vec<_> = sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v2/users")
        .collect();
    assert_eq!(calls.len(), expected_calls);
    assert!(calls.iter().all(|r| r.status == 200), "{calls:?}");
    for u in &users {
        assert!(found.names.get(Kind::User, u).is_some(), "{u}");
    }
    for u in &unknown {
        assert_eq!(found.names.get(Kind::User, u), None);
        assert_eq!(found.names.shown(Kind::User, u), short_id(u));
        assert_eq!(short_id(u).len(), 8);
    }
    // The misses are remembered: not asked again.
    let again = dir
        .lookup(unknown.iter().map(|u| (Kind::User, u.as_str())))
        .await;
    assert_eq!(dir.calls() as usize, expected_calls);
    assert_eq!(
        again.names.shown(Kind::User, &unknown[0]),
        short_id(&unknown[0])
    );
}

#[tokio::test]
async fn queues_wrapups_and_divisions_are_named_one_call_per_kind() {
    let sim = sim(config(300)).await;
    let queues = analytics_ids(&sim, 300, "queueId");
    let codes = analytics_ids(&sim, 300, "wrapUpCode");
    let divisions = analytics_ids(&sim, 300, "divisionIds");
    let mut division_ids = BTreeSet::new();
    {
        let ds = sim.dataset();
        for i in 0..300 {
            let v = serde_json::to_value(ds.analytics(i)).unwrap();
            if let Some(a) = v["divisionIds"].as_array() {
                division_ids.extend(a.iter().filter_map(|d| d.as_str().map(str::to_string)));
            }
        }
    }
    assert!(divisions.is_empty(), "divisionIds is a list, not a string");
    assert!(!queues.is_empty() && !codes.is_empty() && !division_ids.is_empty());
    let dir = Directory::new(client(&sim), None);
    let wanted: Vec<(Kind, &str)> = queues
        .iter()
        .map(|q| (Kind::Queue, q.as_str()))
        .chain(codes.iter().map(|c| (Kind::Wrapup, c.as_str())))
        .chain(division_ids.iter().map(|d| (Kind::Division, d.as_str())))
        .collect();
    let found = dir.lookup(wanted.iter().copied()).await;
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    assert_eq!(dir.calls(), 3);
    for (k, id) in &wanted {
        let name = found.names.get(*k, id);
        assert!(name.is_some_and(|n| !n.is_empty()), "{k:?} {id}");
    }
    // The queue names are those GET conversation gives (`queueName`).
    let ds = sim.dataset();
    let mut checked = 0;
    for i in 0..50 {
        for p in ds.conversation(i, until()).participants {
            if let (Some(q), Some(n)) = (p.queue_id, p.queue_name) {
                assert_eq!(found.names.get(Kind::Queue, &q), Some(n.as_str()));
                checked += 1;
            }
        }
    }
    assert!(checked > 0);
}

#[tokio::test]
async fn a_forbidden_kind_shows_short_ids_and_is_not_asked_again() {
    let mut cfg = config(200);
    cfg.forbid = Forbid::parse("queues").unwrap();
    let sim = sim(cfg).await;
    let queues = analytics_ids(&sim, 200, "queueId");
    let users = analytics_ids(&sim, 200, "userId");
    let dir = Directory::new(client(&sim), None);
    let wanted: Vec<(Kind, &str)> = queues
        .iter()
        .map(|q| (Kind::Queue, q.as_str()))
        .chain(users.iter().map(|u| (Kind::User, u.as_str())))
        .collect();
    let found = dir.lookup(wanted.iter().copied()).await;
    // Users are named all the same.
    for u in &users {
        assert!(found.names.get(Kind::User, u).is_some());
    }
    for q in &queues {
        assert_eq!(found.names.shown(Kind::Queue, q), short_id(q));
    }
    assert_eq!(found.problems.len(), 1);
    let (kind, err) = &found.problems[0];
    assert_eq!(*kind, Kind::Queue);
    match err {
        Error::Permission { permission, .. } => {
            assert_eq!(permission.as_deref(), Some("routing:queue:view"))
        }
        other => panic!("not a permission error: {other:?}"),
    }
    let calls = directory_calls(&sim, "/api/v2/routing/queues");
    assert_eq!(calls, 1, "a 403 is not retried");
    // Asked again: nothing sent, the same short ids; listing the kind says why, without a call.
    let again = dir.lookup(wanted.iter().copied()).await;
    assert!(again.problems.is_empty());
    assert_eq!(directory_calls(&sim, "/api/v2/routing/queues"), 1);
    assert!(matches!(
        dir.names(Kind::Queue).await,
        Err(Error::Permission { .. })
    ));
    assert!(matches!(
        dir.resolve(Kind::Queue, "Support").await,
        Err(Error::Permission { .. })
    ));
    assert_eq!(directory_calls(&sim, "/api/v2/routing/queues"), 1);
}

#[tokio::test]
async fn listings_are_read_once_and_resolve_names_to_ids() {
    let sim = sim(config(100)).await;
    let dir = Directory::new(client(&sim), None);
    let queues = dir.names(Kind::Queue).await.unwrap();
    assert!(!queues.partial);
    assert!(queues.entities.len() > 3);
    let sorted: Vec<String> = queues
        .entities
        .iter()
        .map(|e| e.name.to_lowercase())
        .collect();
    let mut again = sorted.clone();
    again.sort();
    assert_eq!(sorted, again, "sorted by name");
    let calls = dir.calls();
    // Read once a session.
    let q2 = dir.names(Kind::Queue).await.unwrap();
    assert_eq!(q2.entities, queues.entities);
    assert_eq!(dir.calls(), calls);

    // Resolving an exact name (any case) gives its id; the listing named the ids too.
    let first = &queues.entities[0];
    let m = dir
        .resolve(Kind::Queue, &first.name.to_uppercase())
        .await
        .unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(
        (m[0].id.as_str(), m[0].how),
        (first.id.as_str(), How::Exact)
    );
    assert_eq!(dir.shown(Kind::Queue, &first.id), first.name);
    // Nothing matches: the closest names, for the error message.
    let m = dir.resolve(Kind::Queue, "zzzzzz qqq").await.unwrap();
    assert!(!m.is_empty() && m.len() <= 5);
    assert!(m.iter().all(|m| m.how == How::Close));
    assert_eq!(dir.calls(), calls, "resolving reads the cached listing");

    // Users (no `name` filter in the API) are listed whole too, deleted ones left out.
    let users = dir.names(Kind::User).await.unwrap();
    assert!(users.entities.len() >= 30);
    let c = dir
        .complete(Kind::User, &users.entities[3].name[..3])
        .await
        .unwrap();
    assert!(c.contains(&users.entities[3].name));
    let codes = dir.names(Kind::Wrapup).await.unwrap();
    assert!(!codes.entities.is_empty());
    // Each listing fits in one page of 500 here: one call each.
    assert_eq!(dir.calls(), calls + 2);
}
