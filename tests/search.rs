//! The server-side search against the simulator over HTTP: names resolved through the
//! directories, the terms sent as filters, and what comes back compared with the data set (the
//! unfiltered export of the same week, filtered here by reading the records themselves).

mod common;

use std::collections::BTreeSet;

use chrono::Duration as Span;
use convoscope::export::{self, ExportOptions, NdjsonWriter};
use convoscope::genesys::Scope;
use convoscope::genesys::directory::{self, Kind};
use convoscope::genesys::names::{ResolveError, resolve_names};
use convoscope::genesys::query::{Interval, Media};
use convoscope::genesys::search::Query;
use convoscope::sim::Sim;
use serde_json::Value;

use common::*;

fn week() -> Interval {
    Interval::new(until() - Span::days(7), until())
}

async fn export_scope(sim: &Sim, scope: Scope) -> Vec<Value> {
    let mut buf = Vec::new();
    let outcome = {
        let mut w = NdjsonWriter::new(&mut buf);
        export::run(client(sim), &ExportOptions::new(scope), &mut w, &|_| {}).await
    };
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn searched(sim: &Sim, text: &str) -> Result<Scope, ResolveError> {
    let q = Query::parse(text).map_err(ResolveError::Query)?;
    let dir = directory::Directory::new(client(sim), None);
    let r = resolve_names(&dir, text, &q).await?;
    Ok(Scope::new(week(), Media::Any).with_search(r))
}

fn ids(v: &[Value]) -> BTreeSet<String> {
    v.iter()
        .map(|c| c["conversationId"].as_str().unwrap().to_string())
        .collect()
}

/// Every segment of a record with its participant.
fn segments(c: &Value) -> impl Iterator<Item = (&Value, &Value)> {
    c["participants"].as_array().unwrap().iter().flat_map(|p| {
        p["sessions"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["segments"].as_array().into_iter().flatten())
            .map(move |seg| (p, seg))
    })
}

/// The ids of the records of `all` that `keep` accepts.
fn expected(all: &[Value], keep: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    ids(&all.iter().filter(|c| keep(c)).cloned().collect::<Vec<_>>())
}

#[tokio::test]
async fn a_queue_by_name_brings_back_that_queues_conversations_only() {
    let sim = sim(config(600)).await;
    let all = export_scope(&sim, Scope::new(week(), Media::Any)).await;
    let scope = searched(&sim, r#"queue:"Support - Tier 1""#).await.unwrap();
    let q = &scope.search.queues[0];
    assert_eq!(q.name, "Support - Tier 1");
    let body = scope.query_body(Default::default(), 100, 1);
    assert_eq!(
        body["segmentFilters"][0]["predicates"][0]["dimension"],
        "queueId"
    );
    let got = export_scope(&sim, scope.clone()).await;
    let want = expected(&all, |c| {
        segments(c).any(|(_, s)| s["queueId"].as_str() == Some(q.id.as_str()))
    });
    assert!(!want.is_empty() && want.len() < all.len(), "{}", want.len());
    assert_eq!(ids(&got), want);
    // Two queues: either.
    let two = searched(&sim, r#"queue:"Support - Tier 1" queue:"support - tier 2""#)
        .await
        .unwrap();
    let q2 = two.search.queues[1].id.clone();
    let got = export_scope(&sim, two).await;
    let want = expected(&all, |c| {
        segments(c).any(|(_, s)| {
            let id = s["queueId"].as_str();
            id == Some(q.id.as_str()) || id == Some(q2.as_str())
        })
    });
    assert_eq!(ids(&got), want);
}

#[tokio::test]
async fn agents_wrapups_directions_and_live_filter_as_the_records_say() {
    let mut cfg = config(500);
    cfg.active = 20;
    let sim = sim(cfg).await;
    let all = export_scope(&sim, Scope::new(week(), Media::Any)).await;
    let dir = directory::Directory::new(client(&sim), None);
    // An agent and a wrap-up code that the data has, by the names the directories give them.
    let users = dir.names(Kind::User).await.unwrap();
    let agent = all
        .iter()
        .flat_map(segments)
        .filter_map(|(p, _)| p["userId"].as_str())
        .find_map(|id| users.entities.iter().find(|u| u.id == id))
        .expect("an agent of the data is in the directory");
    let agent_name = agent.name.clone();
    let text = format!("agent:\"{agent_name}\"");
    let got = export_scope(&sim, searched(&sim, &text).await.unwrap()).await;
    let want = expected(&all, |c| {
        segments(c).any(|(p, _)| p["userId"].as_str() == Some(agent.id.as_str()))
    });
    assert!(!want.is_empty());
    assert_eq!(ids(&got), want, "{text}");

    let codes = dir.names(Kind::Wrapup).await.unwrap();
    let code = &codes.entities[0];
    let text = format!("wrapup:\"{}\" dir:inbound", code.name);
    let got = export_scope(&sim, searched(&sim, &text).await.unwrap()).await;
    let want = expected(&all, |c| {
        c["originatingDirection"] == "inbound"
            && segments(c).any(|(_, s)| s["wrapUpCode"].as_str() == Some(code.id.as_str()))
    });
    assert!(!want.is_empty());
    assert_eq!(ids(&got), want, "{text}");

    let got = export_scope(&sim, searched(&sim, "dir:outbound").await.unwrap()).await;
    assert_eq!(
        ids(&got),
        expected(&all, |c| c["originatingDirection"] == "outbound")
    );

    let live = export_scope(&sim, searched(&sim, "live").await.unwrap()).await;
    let want = expected(&all, |c| c.get("conversationEnd").is_none());
    assert!(!want.is_empty(), "the data set has live conversations");
    assert_eq!(ids(&live), want);
}

#[tokio::test]
async fn addresses_and_customers_are_found_as_typed() {
    let sim = sim(config(300)).await;
    let all = export_scope(&sim, Scope::new(week(), Media::Any)).await;
    // A voice customer's number, typed without its tel: prefix.
    let (conv, number) = all
        .iter()
        .find_map(|c| {
            segments(c).find_map(|(p, _)| {
                (p["purpose"] == "customer").then_some(())?;
                let ani = p["sessions"][0]["ani"].as_str()?;
                Some((c, ani.strip_prefix("tel:")?.to_string()))
            })
        })
        .expect("a voice customer");
    let got = export_scope(
        &sim,
        searched(&sim, &format!("ani:{number}")).await.unwrap(),
    )
    .await;
    assert!(ids(&got).contains(conv["conversationId"].as_str().unwrap()));
    for c in &got {
        let text = c.to_string();
        assert!(text.contains(&number), "{text}");
    }
    // A customer by name: whoever is on the outside, as the Customer column shows it, so a
    // caller of purpose `external` (most voice callers) as well as a `customer`. The name is
    // one the data set has with both purposes.
    let outside = |purpose: &str| -> BTreeSet<String> {
        all.iter()
            .flat_map(|c| c["participants"].as_array().unwrap())
            .filter(|p| p["purpose"] == purpose)
            .filter_map(|p| p["participantName"].as_str().map(str::to_string))
            .collect()
    };
    let name = outside("customer")
        .intersection(&outside("external"))
        .next()
        .cloned()
        .expect("a name both a customer and an external caller have");
    let got = export_scope(
        &sim,
        searched(&sim, &format!("customer:\"{name}\""))
            .await
            .unwrap(),
    )
    .await;
    let want = expected(&all, |c| {
        c["participants"].as_array().unwrap().iter().any(|p| {
            (p["purpose"] == "customer" || p["purpose"] == "external")
                && p["participantName"] == name.as_str()
        })
    });
    let external = expected(&all, |c| {
        c["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["purpose"] == "external" && p["participantName"] == name.as_str())
    });
    assert!(!external.is_empty());
    assert!(want.is_superset(&external));
    assert_eq!(ids(&got), want);
}

#[tokio::test]
async fn names_that_match_nothing_or_several_are_errors_with_the_close_ones() {
    let sim = sim(config(10)).await;
    let e = searched(&sim, "queue:\"Suport - Tier 1\"")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no queue is named 'Suport - Tier 1'") && e.contains("\"Support - Tier 1\""),
        "{e}"
    );
    let e = searched(&sim, "queue:Support")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ambiguous") && e.contains("Support - Tier 2"),
        "{e}"
    );
    let e = searched(&sim, "agent:Zzyzx").await.unwrap_err().to_string();
    assert!(e.contains("no agent is named 'Zzyzx'"), "{e}");
    // Two users of one name (the directory has some): the error says how to pick one, and
    // the short id it gives picks it.
    let dir = directory::Directory::new(client(&sim), None);
    let users = dir.names(Kind::User).await.unwrap();
    let (a, b) = users
        .entities
        .windows(2)
        .find(|w| w[0].name == w[1].name)
        .map(|w| (w[0].clone(), w[1].clone()))
        .expect("namesakes in the simulator's directory");
    let e = searched(&sim, &format!("agent:\"{}\"", a.name))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("2 agents have it") && e.contains(&format!("agent:{}", &b.id[..8])),
        "{e}"
    );
    let scope = searched(&sim, &format!("agent:{}", &b.id[..8]))
        .await
        .unwrap();
    assert_eq!(scope.search.agents.len(), 1);
    assert_eq!(scope.search.agents[0].id, b.id);
    // A last name alone, when one user has it.
    let last = users
        .entities
        .iter()
        .filter_map(|e| e.name.rsplit(' ').next())
        .find(|l| {
            users
                .entities
                .iter()
                .filter(|e| e.name.ends_with(&format!(" {l}")))
                .count()
                == 1
                && l.len() > 3
        });
    let last = last.expect("a last name only one user has");
    let scope = searched(&sim, &format!("agent:{last}")).await.unwrap();
    assert!(scope.search.agents[0].name.ends_with(last), "{last}");
}

/// Runs the real binary's export against the simulator.
async fn run_binary(sim: &Sim, args: &[&str]) -> std::process::Output {
    let url = sim.url();
    let mut cmd = convoscope();
    cmd.arg("export")
        .args(["--api-url", &url, "--client-id", "demo"])
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "demo")
        .args(["--from", "2026-11-13", "--to", "2026-11-19", "--utc"])
        .args(args);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exports_what_the_query_selects_and_says_what_is_wrong() {
    let sim = sim(config(400)).await;
    let out = run_binary(&sim, &["--query", r#"queue:"Support - Tier 1""#]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let got: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // --from D --to D' is through the end of D': the whole week.
    let all = export_scope(&sim, Scope::new(week(), Media::Any)).await;
    let scope = searched(&sim, r#"queue:"Support - Tier 1""#).await.unwrap();
    let q = scope.search.queues[0].id.clone();
    let want = expected(&all, |c| {
        segments(c).any(|(_, s)| s["queueId"].as_str() == Some(q.as_str()))
    });
    assert!(!want.is_empty());
    assert_eq!(ids(&got), want);

    for (query, says) in [
        (
            "colour:red",
            "unknown field 'colour': the fields are queue:NAME",
        ),
        ("attr:tier=gold", "the API cannot filter on attributes"),
        // The browser's filter is not the export's: it says what to do instead.
        (
            "dur>5m",
            "an export has no local filter: export the range and filter",
        ),
        ("quue:Sales", "unknown field 'quue' (did you mean queue:?)"),
        ("queue:\"Support", "a quote is not closed"),
        (
            "queue:\"Suport - Tier 1\"",
            "the closest: \"Support - Tier 1\"",
        ),
    ] {
        let out = run_binary(&sim, &["--query", query]).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{query}: {err}");
        assert!(err.contains(says), "{query}: {err}");
        assert!(out.stdout.is_empty());
    }
}
