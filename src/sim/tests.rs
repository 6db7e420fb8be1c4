//! Unit tests of the simulator's data, filters and flags.

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use serde_json::{Value, json};

use super::data::Dataset;
use super::filter::Filters;
use super::{Faults, Forbid, SimArgs, SimConfig};
use crate::genesys::model::{
    AnalyticsConversation, AnalyticsParticipant, Attributes, Conversation, ConversationParticipant,
    parse_time,
};
use crate::genesys::query::{Interval, Media};

fn until() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap()
}

fn cfg(n: usize) -> SimConfig {
    SimConfig {
        conversations: n,
        until: until(),
        ..SimConfig::default()
    }
}

/// The conversations that start in `iv` and pass the filters.
fn by_start(ds: &Dataset, iv: &Interval, f: &Filters) -> Vec<u32> {
    let (lo, hi) = ds.range(iv.start.timestamp_millis(), iv.end.timestamp_millis());
    ds.select_range(lo, hi, f, 0, None)
}

fn all() -> Interval {
    Interval::new(until() - Duration::days(40), until() + Duration::days(1))
}

#[test]
fn conversation_ids_invert_and_look_like_uuid_v4() {
    let ds = Dataset::new(&cfg(5000));
    for i in 0..ds.len() {
        let id = ds.conversation_id(i);
        assert_eq!(id.len(), 36);
        let b: Vec<&str> = id.split('-').collect();
        assert_eq!(
            b.iter().map(|s| s.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(b[2].starts_with('4'), "{id}");
        assert!(matches!(&b[3][..1], "8" | "9" | "a" | "b"), "{id}");
        assert_eq!(ds.index_of(&id), Some(i));
        assert_eq!(ds.index_of(&id.to_uppercase()), Some(i));
    }
    let id = ds.conversation_id(42);
    let mut tampered = id.clone();
    tampered.replace_range(35.., if id.ends_with('0') { "1" } else { "0" });
    assert_eq!(ds.index_of(&tampered), None);
    assert_eq!(ds.index_of("not-a-uuid"), None);
    assert_eq!(ds.index_of("00000000-0000-4000-8000-000000000000"), None);
    // Another seed: other ids, which this dataset does not know.
    let other = Dataset::new(&SimConfig {
        seed: 2,
        ..cfg(5000)
    });
    assert_ne!(other.conversation_id(42), id);
    assert_eq!(ds.index_of(&other.conversation_id(42)), None);
}

#[test]
fn same_config_gives_identical_data() {
    let c = SimConfig {
        active: 5,
        ..cfg(3000)
    };
    let (a, b) = (Dataset::new(&c), Dataset::new(&c));
    let now = until();
    for i in (0..3000).step_by(37).chain(2995..3000) {
        assert_eq!(
            serde_json::to_string(&a.analytics_at(i, now)).unwrap(),
            serde_json::to_string(&b.analytics_at(i, now)).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&a.analytics_with_attributes(i, now)).unwrap(),
            serde_json::to_string(&b.analytics_with_attributes(i, now)).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&a.conversation(i, now)).unwrap(),
            serde_json::to_string(&b.conversation(i, now)).unwrap()
        );
    }
}

#[test]
fn starts_are_sorted_in_the_span_and_busier_in_business_hours() {
    let ds = Dataset::new(&cfg(20_000));
    let span_start = until() - Duration::days(7);
    let mut busy = 0;
    let mut night = 0;
    let mut prev = None;
    for i in 0..ds.len() {
        let c = ds.analytics(i);
        let t = c.start().unwrap();
        assert!(t >= span_start && t < until());
        if let Some(p) = prev {
            assert!(t >= p);
        }
        prev = Some(t);
        match t.hour() {
            10..=11 => busy += 1,
            2..=3 => night += 1,
            _ => {}
        }
        if let Some(e) = c.end() {
            assert!(e >= t && e < until(), "{i}: ends after until");
        }
    }
    assert!(busy > night * 5, "busy {busy} night {night}");
}

#[test]
fn analytics_has_no_attributes_and_jobs_match_get_conversation_cut_at_1024() {
    let ds = Dataset::new(&cfg(2000));
    let now = until();
    let mut with_attrs = 0;
    let mut cut = 0;
    for i in 0..ds.len() {
        let a = ds.analytics(i);
        assert!(a.participants.iter().all(|p| p.attributes.is_none()));
        let j = ds.analytics_with_attributes(i, now);
        let c = ds.conversation(i, now);
        assert_eq!(c.id, a.conversation_id);
        assert_eq!(j.participants.len(), c.participants.len());
        for (jp, cp) in j.participants.iter().zip(&c.participants) {
            assert_eq!(jp.participant_id, cp.id);
            assert_eq!(jp.purpose, cp.purpose);
            let short: Attributes = cp
                .attributes
                .iter()
                .map(|(k, v)| {
                    (
                        k.chars().take(1024).collect(),
                        v.chars().take(1024).collect(),
                    )
                })
                .collect();
            assert_eq!(jp.attributes.as_ref().unwrap(), &short);
            cut += usize::from(short != cp.attributes);
        }
        if c.participants.iter().any(|p| !p.attributes.is_empty()) {
            with_attrs += 1;
        }
    }
    assert!(with_attrs > 1500 && with_attrs < 2000, "{with_attrs}");
    assert!(
        (5..100).contains(&cut),
        "{cut} participants with values over 1,024 characters"
    );
}

#[test]
fn the_mix_looks_like_a_contact_centre() {
    let ds = Dataset::new(&cfg(5000));
    let web = ds.matching(&all(), Media::Webmessaging).len();
    let msg = ds.matching(&all(), Media::Message).len();
    let voice = ds.matching(&all(), Media::Voice).len();
    assert!((2700..3300).contains(&web), "{web}");
    assert!(msg > web && msg < 3800);
    assert!(voice > 500 && voice < 1100, "{voice}");
    let mut purposes = std::collections::BTreeSet::new();
    let mut non_ascii = false;
    for i in 0..500 {
        let c = ds.conversation(i, until());
        for p in &c.participants {
            purposes.insert(p.purpose.clone().unwrap());
            non_ascii |= !p.name.as_deref().unwrap_or("").is_ascii();
        }
        let a = ds.analytics(i);
        assert!(a.extra.contains_key("divisionIds"));
        let s = &a.participants[0].sessions[0];
        assert!(s.session_id.is_some() && s.direction.is_some());
    }
    for p in ["customer", "workflow", "botflow", "acd", "agent", "ivr"] {
        assert!(purposes.contains(p), "{p} missing from {purposes:?}");
    }
    assert!(non_ascii);
}

/// A time relative to `until()`.
fn at(secs: i64) -> DateTime<Utc> {
    until() + Duration::seconds(secs)
}

fn live(active: usize) -> Dataset {
    Dataset::new(&SimConfig {
        active,
        ..cfg(3000)
    })
}

/// The customer's attributes as GET conversation shows them at `t`.
fn customer_attributes(ds: &Dataset, i: usize, t: DateTime<Utc>) -> Attributes {
    ds.conversation(i, t)
        .participants
        .iter()
        .find(|p| p.purpose.as_deref() == Some("customer"))
        .map(|p| p.attributes.clone())
        .unwrap_or_default()
}

fn conversation_agents(c: &Conversation) -> Vec<&ConversationParticipant> {
    c.participants
        .iter()
        .filter(|p| p.purpose.as_deref() == Some("agent"))
        .collect()
}

fn analytics_agents(c: &AnalyticsConversation) -> Vec<&AnalyticsParticipant> {
    c.participants
        .iter()
        .filter(|p| p.purpose.as_deref() == Some("agent"))
        .collect()
}

fn segments(p: &AnalyticsParticipant) -> Vec<Value> {
    p.sessions
        .iter()
        .flat_map(|s| s.extra["segments"].as_array().cloned().unwrap_or_default())
        .collect()
}

fn participant_ids_agree(ds: &Dataset, i: usize, t: DateTime<Utc>) -> usize {
    let a: Vec<String> = ds
        .analytics_at(i, t)
        .participants
        .into_iter()
        .map(|p| p.participant_id)
        .collect();
    let j: Vec<String> = ds
        .analytics_with_attributes(i, t)
        .participants
        .into_iter()
        .map(|p| p.participant_id)
        .collect();
    let c: Vec<String> = ds
        .conversation(i, t)
        .participants
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(a, c, "details query and GET conversation at {t}");
    assert_eq!(j, c, "job results and GET conversation at {t}");
    c.len()
}

#[test]
fn live_attributes_are_added_changed_and_removed_within_ten_seconds_of_watching() {
    let ds = live(5);
    for i in ds.len() - 5..ds.len() {
        assert!(ds.is_active(i));
        // A watch that starts at any moment in the first minute and polls every 2 s.
        for k in 0..80 {
            let start = until() + Duration::milliseconds(k * 730);
            let polls: Vec<Attributes> = (0..=5)
                .map(|n| customer_attributes(&ds, i, start + Duration::seconds(2 * n)))
                .collect();
            let (mut added, mut changed, mut removed) = (false, false, false);
            for w in polls.windows(2) {
                for (key, v) in &w[1] {
                    match w[0].get(key) {
                        None => added = true,
                        Some(old) if old != v => changed = true,
                        _ => {}
                    }
                }
                removed |= w[0].keys().any(|key| !w[1].contains_key(key));
            }
            assert!(
                added && changed && removed,
                "conversation {i} watched from {start}: added {added} changed {changed} removed {removed}"
            );
        }
    }
    // Other conversations do not move.
    assert_eq!(
        customer_attributes(&ds, 100, at(0)),
        customer_attributes(&ds, 100, at(3600))
    );
}

#[test]
fn a_transfer_adds_a_second_agent_everywhere_at_once() {
    let ds = live(5);
    let first = ds.len() - 5;
    // The first active conversation was transferred before the watch started.
    let c = ds.conversation(first, at(0));
    let agents = conversation_agents(&c);
    assert_eq!(agents.len(), 2, "transferred from the start");
    assert!(agents[0].end_time.is_some() && agents[1].end_time.is_none());
    assert_ne!(agents[0].user_id, agents[1].user_id);
    let a = ds.analytics_at(first, at(0));
    let first_agent = analytics_agents(&a)[0];
    let interact = segments(first_agent)
        .into_iter()
        .find(|s| s["segmentType"] == "interact")
        .unwrap();
    assert_eq!(interact["disconnectType"], "transfer");
    assert_eq!(c.participants[0].end_time, None, "the customer stays");
    assert_eq!(
        agents[0].extra["messages"][0]["disconnectType"], "transfer",
        "GET conversation says why the first agent left"
    );

    // The second one gains its second agent within a minute of watching; at every second the
    // details query, job results and GET conversation agree on who is there.
    let second = first + 1;
    assert_eq!(
        conversation_agents(&ds.conversation(second, at(0))).len(),
        1
    );
    let mut seen_alerting = false;
    let mut transferred_at = None;
    for s in 0..=60 {
        participant_ids_agree(&ds, second, at(s));
        let c = ds.conversation(second, at(s));
        let n = conversation_agents(&c).len();
        assert_eq!(n, analytics_agents(&ds.analytics_at(second, at(s))).len());
        if n == 2 {
            transferred_at.get_or_insert(s);
            let new = conversation_agents(&c)[1];
            seen_alerting |=
                new.connected_time.is_none() && new.extra["messages"][0]["state"] == "alerting";
        } else {
            assert!(transferred_at.is_none(), "a transfer is never undone");
        }
    }
    assert!(transferred_at.is_some(), "transferred within a minute");
    assert!(seen_alerting, "the new agent is alerted first");
    let c = ds.conversation(second, at(120));
    assert!(conversation_agents(&c)[1].connected_time.is_some());
}

#[test]
fn some_live_conversations_end_and_then_read_as_ended_everywhere() {
    let ds = live(5);
    let first = ds.len() - 5;
    let k2 = first + 2;
    let end = ds.end_at(k2).expect("the third active conversation ends");
    assert!(end > until() && end <= at(240), "{end}");
    let before = end - Duration::seconds(1);
    assert_eq!(ds.analytics_at(k2, before).conversation_end, None);
    let c = ds.conversation(k2, before);
    assert_eq!((c.end_time.as_deref(), c.state.as_deref()), (None, None));
    assert!(
        c.participants
            .iter()
            .any(|p| p.extra["messages"][0]["state"] == "connected")
    );

    for after in [end, end + Duration::seconds(30), end + Duration::days(1)] {
        let a = ds.analytics_at(k2, after);
        assert_eq!(a.end(), Some(end));
        assert_eq!(ds.analytics_with_attributes(k2, after).end(), Some(end));
        let c = ds.conversation(k2, after);
        assert_eq!(c.state, None, "Conversation.state is never sent on read");
        assert!(c.end_time.is_some());
        for p in &c.participants {
            assert!(p.end_time.is_some(), "{:?} still on", p.purpose);
            assert_eq!(p.extra["messages"][0]["state"], "disconnected");
        }
    }
    // Its attributes stop moving.
    let frozen = customer_attributes(&ds, k2, end + Duration::seconds(5));
    assert_eq!(
        frozen,
        customer_attributes(&ds, k2, end + Duration::minutes(7))
    );
    assert!(!frozen.contains_key("typing"));
    // Others go on.
    assert_eq!(ds.end_at(first + 1), None);
    assert_eq!(ds.end_at(first + 4), None);
    assert_eq!(
        ds.analytics_at(first + 4, at(86_400)).conversation_end,
        None
    );
}

#[test]
fn active_end_after_sets_when_the_first_live_conversation_ends() {
    let flagged = Dataset::new(&SimConfig {
        active: 3,
        active_end_after: Some(3),
        ..cfg(3000)
    });
    let plain = live(3);
    let first = flagged.len() - 3;
    let e = flagged.end_at(first).unwrap();
    assert!(e >= at(3) && e <= at(10), "{e}");
    assert_eq!(flagged.analytics_at(first, at(0)).conversation_end, None);
    assert_eq!(flagged.analytics_at(first, e).end(), Some(e));
    assert!(plain.end_at(first).unwrap() > at(180));
    // Nothing else changes.
    for i in (0..flagged.len()).step_by(7).filter(|&i| i != first) {
        assert_eq!(
            flagged.analytics_at(i, at(60)),
            plain.analytics_at(i, at(60)),
            "{i}"
        );
    }
}

#[test]
fn live_conversations_make_sense_at_every_moment() {
    let ds = live(5);
    for i in ds.len() - 5..ds.len() {
        let mut parts = 0;
        let mut ended = false;
        let start = ds.analytics_at(i, at(0)).start().unwrap();
        for s in (-600..2400).step_by(7) {
            let t = at(s);
            if t < start {
                continue;
            }
            let n = participant_ids_agree(&ds, i, t);
            assert!(n >= parts, "{i} at {t}: participants never leave the list");
            parts = n;
            let a = ds.analytics_at(i, t);
            assert!(a.start().unwrap() <= t);
            for p in &a.participants {
                for seg in segments(p) {
                    let st = parse_time(seg["segmentStart"].as_str().unwrap()).unwrap();
                    assert!(st <= t, "{i} at {t}: a segment from the future");
                    if let Some(e) = seg["segmentEnd"].as_str() {
                        let e = parse_time(e).unwrap();
                        assert!(st <= e && e <= t, "{i} at {t}: {seg}");
                    }
                }
            }
            match a.end() {
                Some(e) => {
                    assert!(e <= t);
                    ended = true;
                }
                None => assert!(!ended, "{i} at {t}: an end is never undone"),
            }
            let c = ds.conversation(i, t);
            assert_eq!(c.end_time.is_some(), ended);
        }
    }
}

#[test]
fn the_demo_schedule_shows_transfers_and_ends_within_minutes() {
    let demo = crate::connect::demo_config();
    let ds = Dataset::new(&SimConfig {
        until: until(),
        ..demo
    });
    let live: Vec<usize> = (0..ds.len()).filter(|&i| ds.is_active(i)).collect();
    assert_eq!(live.len(), 5);
    let with_two = |t| {
        live.iter()
            .filter(|&&i| conversation_agents(&ds.conversation(i, t)).len() == 2)
            .count()
    };
    assert!(with_two(at(0)) >= 1, "a transfer shows from the start");
    assert!(
        with_two(at(60)) > with_two(at(0)),
        "another within a minute"
    );
    let ending = live
        .iter()
        .filter(|&&i| ds.end_at(i).is_some_and(|e| e <= at(600)))
        .count();
    assert!((2..5).contains(&ending), "{ending} end within 10 minutes");
}

#[test]
fn time_does_not_touch_conversations_that_are_over() {
    let ds = live(5);
    for i in (0..ds.len() - 5).step_by(11) {
        assert_eq!(ds.analytics_at(i, at(0)), ds.analytics_at(i, at(86_400)));
        assert_eq!(ds.conversation(i, at(0)), ds.conversation(i, at(86_400)));
    }
}

#[test]
fn conversations_near_until_are_never_squeezed_to_nothing() {
    let mut replanned = 0;
    for seed in 1..=4 {
        let ds = Dataset::new(&SimConfig {
            seed,
            days: 1,
            ..cfg(20_000)
        });
        for i in ds.len() - 300..ds.len() {
            let a = ds.analytics_at(i, at(0));
            let end = a.end().unwrap();
            assert!(end < until());
            let agents = analytics_agents(&a);
            for p in &agents {
                // From the first interact to the end of the last (holds in between).
                let talk: Vec<_> = segments(p)
                    .into_iter()
                    .filter(|s| s["segmentType"] == "interact")
                    .collect();
                let (Some(first), Some(last)) = (talk.first(), talk.last()) else {
                    continue;
                };
                let s = parse_time(first["segmentStart"].as_str().unwrap()).unwrap();
                let e = parse_time(last["segmentEnd"].as_str().unwrap()).unwrap();
                assert!(
                    e - s >= Duration::seconds(59),
                    "seed {seed} conversation {i}: an agent talked {} ms",
                    (e - s).num_milliseconds()
                );
            }
            if agents.is_empty() && until() - a.start().unwrap() < Duration::minutes(2) {
                replanned += 1;
            }
        }
    }
    assert!(
        replanned > 0,
        "the newest conversations end before an agent takes them"
    );
}

#[test]
fn matching_agrees_with_full_filter_evaluation() {
    let ds = Dataset::new(&cfg(3000));
    let iv = Interval::new(until() - Duration::days(3), until() - Duration::days(1));
    for m in Media::ALL {
        let quick = ds.matching(&iv, m);
        let f = Filters::parse(&Value::Array(m.segment_filters()), &Value::Null).unwrap();
        let (lo, hi) = ds.range(iv.start.timestamp_millis(), iv.end.timestamp_millis());
        let full: Vec<usize> = (lo..hi)
            .filter(|&i| ds.eval_full(&ds.generate(i, false, 0), &f))
            .collect();
        assert_eq!(quick, full, "{m}");
        assert!(f.by_kind() || m == Media::Any);
        for &i in &quick {
            let a = ds.analytics(i);
            assert!(iv.contains(a.start().unwrap()));
            match m {
                Media::Webmessaging => {
                    assert_eq!(a.media(), (Some("message"), Some("webmessaging")))
                }
                Media::Voice => assert_eq!(a.media().0, Some("voice")),
                _ => {}
            }
        }
    }
}

#[test]
fn segment_filters_see_participants_and_clauses() {
    let ds = Dataset::new(&cfg(2000));
    let a = ds.analytics(10);
    let agent = a
        .participants
        .iter()
        .find(|p| p.purpose.as_deref() == Some("agent"));
    let iv = all();
    let sel = |seg: Value, conv: Value| {
        let f = Filters::parse(&seg, &conv).unwrap();
        by_start(&ds, &iv, &f)
    };
    if let Some(agent) = agent {
        let user = agent.user_id.clone().unwrap();
        let got = sel(
            json!([{"type": "and", "predicates": [
                {"type": "dimension", "dimension": "purpose", "operator": "matches", "value": "agent"},
                {"type": "dimension", "dimension": "userId", "operator": "matches", "value": user}]}]),
            Value::Null,
        );
        assert!(got.contains(&10));
        assert!(got.len() < 200);
    }
    let id = ds.conversation_id(7);
    assert_eq!(
        sel(
            Value::Null,
            json!([{"type": "or", "predicates": [
                {"dimension": "conversationId", "value": id},
                {"dimension": "conversationId", "value": ds.conversation_id(9)}]}])
        ),
        vec![7, 9]
    );
    let abandoned = sel(
        json!([{"type": "and", "predicates": [{"dimension": "purpose", "value": "acd"}]},
               {"type": "and", "predicates": [{"dimension": "purpose", "value": "agent"}]}]),
        Value::Null,
    );
    let acd_only = sel(
        json!([{"type": "and", "predicates": [{"dimension": "purpose", "value": "acd"}]}]),
        Value::Null,
    );
    assert!(abandoned.len() < acd_only.len());
    assert!(
        Filters::parse(
            &json!([{"type": "and", "predicates": [{"dimension": "colour", "value": "x"}]}]),
            &Value::Null
        )
        .unwrap_err()
        .contains("colour")
    );
}

#[test]
fn a_million_conversations_are_cheap() {
    let t = std::time::Instant::now();
    let ds = Dataset::new(&cfg(1_000_000));
    eprintln!("Dataset::new(1M): {:?}", t.elapsed());
    assert_eq!(ds.len(), 1_000_000);
    for i in [0, 1, 499_999, 999_999] {
        assert_eq!(ds.index_of(&ds.conversation_id(i)), Some(i));
    }
}

#[test]
fn flags_are_checked() {
    let f = Faults::parse("429=0.1, 500=0.05,503=0.05,reset=0.02,502=0,504=0.01").unwrap();
    assert_eq!(f.s429, 0.1);
    assert_eq!(f.reset, 0.02);
    assert!(Faults::parse("").unwrap().is_none());
    assert!(Faults::parse("418=0.1").unwrap_err().contains("418"));
    assert!(Faults::parse("500=2").is_err());
    assert!(Faults::parse("500").is_err());
    assert!(Faults::parse("500=0.7,503=0.7").is_err());
    assert!(Forbid::parse("query,conversations").unwrap().conversations);
    assert!(Forbid::parse("users").is_err());
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sim: SimArgs,
    }
    let c = Cli::parse_from(["x"]).sim.to_config().unwrap();
    assert_eq!(c.conversations, 2000);
    assert_eq!(c.addr, "127.0.0.1:8642");
    assert_eq!(c.job_delay_ms, 500);
    let bad = Cli::parse_from(["x", "--until", "tomorrow"])
        .sim
        .to_config();
    assert!(bad.unwrap_err().contains("--until"));
    let bad = Cli::parse_from(["x", "--faults", "500=x"]).sim.to_config();
    assert!(bad.unwrap_err().contains("--faults"));
    let ok = Cli::parse_from(["x", "--until", "2026-11-24T18:00:00Z", "--seed", "9"])
        .sim
        .to_config()
        .unwrap();
    assert_eq!(ok.until, until());
    assert_eq!(ok.seed, 9);
    assert_eq!((ok.active_end_after, ok.rate_window_secs), (None, 60));
    let live = Cli::parse_from(["x", "--active", "3", "--active-end-after", "5"])
        .sim
        .to_config()
        .unwrap();
    assert_eq!((live.active, live.active_end_after), (3, Some(5)));
    let bad = Cli::parse_from(["x", "--rate-window", "0"]).sim.to_config();
    assert!(bad.unwrap_err().contains("--rate-window"));
    // Strict by default: the real API's budget, a lake hours behind.
    assert_eq!((c.rate_limit, c.rate_window_secs), (300, 60));
    assert_eq!((c.data_lag, c.job_ttl_secs), (10_800, 172_800));
    let relaxed = Cli::parse_from([
        "x",
        "--rate-limit",
        "0",
        "--data-lag",
        "0",
        "--job-ttl",
        "5",
        "--faults",
        "job=0.5,500=0.1",
        "--forbid",
        "queues,wrapupcodes",
    ])
    .sim
    .to_config()
    .unwrap();
    assert_eq!(
        (relaxed.rate_limit, relaxed.data_lag, relaxed.job_ttl_secs),
        (0, 0, 5)
    );
    assert_eq!((relaxed.faults.job, relaxed.faults.total()), (0.5, 0.1));
    assert!(relaxed.forbid.queues && relaxed.forbid.wrapupcodes && !relaxed.forbid.query);
    assert!(!Faults::parse("job=0.5").unwrap().is_none());
    assert!(Forbid::parse("users").unwrap_err().contains("wrapupcodes"));
}

#[test]
fn an_empty_dataset_is_fine() {
    let ds = Dataset::new(&cfg(0));
    assert!(ds.is_empty());
    assert!(ds.matching(&all(), Media::Any).is_empty());
    assert_eq!(ds.index_of("00000000-0000-4000-8000-000000000000"), None);
}

#[test]
fn direction_filters_by_media_code_agree_with_full_evaluation() {
    let ds = Dataset::new(&cfg(3000));
    let f = Filters::parse(
        &json!([{"type": "or", "predicates": [
            {"dimension": "mediaType", "value": "voice"},
            {"dimension": "messageType", "value": "sms"}]}]),
        &json!([{"type": "and", "predicates": [
            {"dimension": "originatingDirection", "value": "outbound"}]}]),
    )
    .unwrap();
    assert!(f.by_kind());
    let got = by_start(&ds, &all(), &f);
    let full: Vec<u32> = (0..ds.len())
        .filter(|&i| ds.eval_full(&ds.generate(i, false, 0), &f))
        .map(|i| i as u32)
        .collect();
    assert!(!got.is_empty() && got.len() < 300, "{}", got.len());
    assert_eq!(got, full);
}

/// Every participant of conversation `i` as analytics has it, with its segments.
fn analytics_parts(ds: &Dataset, i: usize) -> Vec<(AnalyticsParticipant, Vec<Value>)> {
    ds.analytics_at(i, until())
        .participants
        .into_iter()
        .map(|p| {
            let segs = segments(&p);
            (p, segs)
        })
        .collect()
}

#[test]
fn voice_looks_like_voice() {
    let ds = Dataset::new(&cfg(6000));
    let (mut callers, mut external_callers) = (0, 0);
    let mut purposes = std::collections::BTreeSet::new();
    let mut seg_types = std::collections::BTreeSet::new();
    let mut disconnects = std::collections::BTreeSet::new();
    let (mut notes, mut codes, mut queued_agents) = (0, 0, 0);
    let mut attributes_on = std::collections::BTreeSet::new();
    for i in 0..ds.len() {
        if ds.kind(i).media != "voice" {
            continue;
        }
        let parts = analytics_parts(&ds, i);
        let first = &parts[0].0;
        if !ds.kind(i).outbound {
            callers += 1;
            external_callers += usize::from(first.purpose.as_deref() == Some("external"));
            let s = &first.sessions[0];
            assert!(s.extra.get("ani").is_some() && s.extra.get("dnis").is_some());
            assert_eq!(s.extra.get("sessionDnis"), s.extra.get("dnis"));
            assert_eq!(parts[1].0.purpose.as_deref(), Some("ivr"), "{i}");
        }
        for (p, segs) in &parts {
            let purpose = p.purpose.clone().unwrap();
            for s in segs {
                seg_types.insert(s["segmentType"].as_str().unwrap().to_string());
                if let Some(d) = s["disconnectType"].as_str() {
                    disconnects.insert(d.to_string());
                }
                if purpose == "agent" && s["segmentType"] == "wrapup" {
                    codes += usize::from(s["wrapUpCode"].is_string());
                    notes += usize::from(s["wrapUpNote"].is_string());
                }
                if matches!(purpose.as_str(), "acd" | "agent") && s["segmentType"] != "dialing" {
                    assert!(s["queueId"].is_string(), "{i} {purpose}: {s}");
                }
            }
            queued_agents += usize::from(purpose == "agent");
            purposes.insert(purpose);
        }
        let c = ds.conversation(i, until());
        for p in &c.participants {
            if !p.attributes.is_empty() {
                attributes_on.insert(p.purpose.clone().unwrap());
            }
        }
    }
    let share = external_callers as f64 / callers as f64;
    assert!(
        (0.65..0.85).contains(&share),
        "{external_callers} of {callers}"
    );
    for p in [
        "external",
        "customer",
        "ivr",
        "acd",
        "agent",
        "user",
        "voicemail",
    ] {
        assert!(purposes.contains(p), "{p} missing from {purposes:?}");
    }
    for t in [
        "system", "ivr", "interact", "hold", "alert", "wrapup", "delay", "dialing",
    ] {
        assert!(seg_types.contains(t), "{t} missing from {seg_types:?}");
    }
    for d in [
        "client",
        "endpoint",
        "peer",
        "transfer",
        "system",
        "noAnswerTransfer",
        "error",
    ] {
        assert!(disconnects.contains(d), "{d} missing from {disconnects:?}");
    }
    assert!(codes > queued_agents / 2, "{codes} wrap-up codes");
    assert!(
        notes > codes / 5 && notes < codes,
        "{notes} notes of {codes}"
    );
    for p in ["external", "acd", "user"] {
        assert!(
            attributes_on.contains(p),
            "no attributes on {p}: {attributes_on:?}"
        );
    }
}

#[test]
fn agents_and_users_are_unnamed_in_analytics_and_named_in_the_conversation_api() {
    let ds = Dataset::new(&cfg(2000));
    let mut seen = 0;
    for i in (0..ds.len()).step_by(3) {
        let a = ds.analytics_with_attributes(i, until());
        let c = ds.conversation(i, until());
        for (ap, cp) in a.participants.iter().zip(&c.participants) {
            match ap.purpose.as_deref() {
                Some("agent" | "user") => {
                    seen += 1;
                    assert_eq!(ap.participant_name, None, "{i}");
                    let user = ap.user_id.as_deref().expect("a userId");
                    assert_eq!(cp.user_id.as_deref(), Some(user));
                    let named = ds.users.iter().find(|u| u.id == user).unwrap();
                    assert_eq!(cp.name.as_deref(), Some(named.name.as_str()));
                }
                Some("acd") => assert!(ap.participant_name.is_some()),
                _ => {}
            }
        }
        let div = a.extra["divisionIds"][0].as_str().unwrap();
        assert!(ds.divisions.iter().any(|d| d.id == div));
    }
    assert!(seen > 500, "{seen}");
}

#[test]
fn the_drawn_end_is_the_generated_end_and_within_the_longest_duration() {
    for seed in [1, 2] {
        let ds = Dataset::new(&SimConfig {
            seed,
            active: 5,
            ..cfg(8000)
        });
        let now = until().timestamp_millis() + 90_000;
        for i in 0..ds.len() {
            let c = ds.generate(i, false, now);
            assert_eq!(ds.end_ms(i, now), c.end, "seed {seed} conversation {i}");
            if !ds.is_active(i) {
                let e = c.end.unwrap();
                assert!(
                    e - c.start <= super::data::MAX_DURATION_MS,
                    "seed {seed} conversation {i} lasts {} ms",
                    e - c.start
                );
            }
        }
    }
}

/// The details query's rule, by brute force over every conversation: it overlaps the interval
/// and started on a UTC day the interval touches.
fn overlapping(ds: &Dataset, iv: &Interval, now: DateTime<Utc>) -> Vec<usize> {
    let day = iv
        .start
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    (0..ds.len())
        .filter(|&i| {
            let a = ds.analytics_at(i, now);
            let start = a.start().unwrap();
            start >= day && start < iv.end && a.end().is_none_or(|e| e > iv.start)
        })
        .collect()
}

#[test]
fn the_query_window_selects_what_overlaps_from_the_days_the_interval_touches() {
    let ds = Dataset::new(&SimConfig {
        active: 4,
        ..cfg(3000)
    });
    let now = until() + Duration::minutes(3);
    for (a, b) in [
        (Duration::hours(-30), Duration::hours(-28)),
        (Duration::hours(-42), Duration::hours(-41)),
        (Duration::minutes(-20), Duration::minutes(10)),
        (Duration::days(-3), Duration::days(-1)),
    ] {
        let iv = Interval::new(until() + a, until() + b);
        let got = ds.query_matching(&iv, Media::Any, now);
        assert_eq!(got, overlapping(&ds, &iv, now), "{iv:?}");
        let day = iv
            .start
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        let (early, late): (Vec<usize>, Vec<usize>) = got
            .iter()
            .partition(|&&i| ds.analytics_at(i, now).start().unwrap() < iv.start);
        assert!(!late.is_empty());
        if iv.start > day + Duration::hours(1) {
            assert!(!early.is_empty(), "{iv:?}: overlapping ones from before it");
        }
    }
    // A job: overlap, ended before the availability date, live ones never.
    let iv = Interval::new(until() - Duration::hours(30), until() + Duration::hours(1));
    let avail = until() - Duration::hours(2);
    let got = ds.job_matching(&iv, Media::Any, avail, now);
    let want: Vec<usize> = (0..ds.len())
        .filter(|&i| {
            let a = ds.analytics_at(i, now);
            let start = a.start().unwrap();
            start < iv.end && a.end().is_some_and(|e| e > iv.start && e < avail)
        })
        .collect();
    assert_eq!(got, want);
    assert!(got.len() > 500);
}

/// Genesys' handle time is talk + hold + after-call work (tTalkComplete + tHeldComplete + tAcw),
/// plus the dialing and contacting of an outbound call; talk excludes hold. Over many simulated
/// conversations, for every session with a handle time: the metrics add up, each agrees with
/// the segments it measures, and each `tTalk`/`tHeld` (one per segment) sums to its total.
#[test]
fn handle_time_is_talk_plus_hold_plus_acw() {
    let ds = Dataset::new(&SimConfig {
        active: 40,
        ..cfg(20_000)
    });
    let ms = |v: &Value| parse_time(v.as_str().unwrap()).unwrap().timestamp_millis();
    let (mut handled, mut with_hold, mut outbound, mut talked) = (0, 0, 0, 0);
    for i in 0..ds.len() {
        for p in ds.analytics_at(i, until()).participants {
            for s in &p.sessions {
                let metrics = s.extra.get("metrics").and_then(Value::as_array);
                let sum = |name: &str| -> i64 {
                    metrics
                        .into_iter()
                        .flatten()
                        .filter(|m| m["name"] == name)
                        .map(|m| m["value"].as_i64().unwrap())
                        .sum()
                };
                let count = |name: &str| {
                    metrics
                        .into_iter()
                        .flatten()
                        .filter(|m| m["name"] == name)
                        .count()
                };
                let segs = s.extra["segments"].as_array().unwrap();
                let spent = |types: &[&str]| -> i64 {
                    segs.iter()
                        .filter(|g| types.contains(&g["segmentType"].as_str().unwrap()))
                        .filter(|g| g.get("segmentEnd").is_some())
                        .map(|g| ms(&g["segmentEnd"]) - ms(&g["segmentStart"]))
                        .sum()
                };
                let voice = s.media_type.as_deref() == Some("voice");
                // Talk: one tTalk per interact segment that took time, their sum as the total.
                if count("tTalkComplete") > 0 {
                    talked += 1;
                    assert!(voice, "{i}: talk is a call's");
                    assert_eq!(count("tTalkComplete"), 1, "{i}");
                    assert_eq!(sum("tTalk"), sum("tTalkComplete"), "{i}");
                    assert_eq!(sum("tTalkComplete"), spent(&["interact"]), "{i}");
                }
                if count("tHeldComplete") > 0 {
                    assert_eq!(sum("tHeldComplete"), sum("tHeld"), "{i}");
                }
                if count("tHandle") == 0 {
                    continue;
                }
                handled += 1;
                // Hold: what the agent's hold segments took.
                assert_eq!(sum("tHeld"), spent(&["hold"]), "{i}: {metrics:?}");
                assert_eq!(count("tHandle"), 1, "{i}");
                assert_eq!(sum("tAcw"), spent(&["wrapup"]), "{i}");
                let before = sum("tContacting") + sum("tDialing");
                outbound += usize::from(before > 0);
                with_hold += usize::from(sum("tHeld") > 0);
                // What the agent spent on it, segment by segment (not the alerting).
                assert_eq!(
                    sum("tHandle"),
                    spent(&["dialing", "contacting", "interact", "hold", "wrapup"]),
                    "{i}: {metrics:?}"
                );
                if voice {
                    assert_eq!(
                        sum("tHandle"),
                        sum("tTalkComplete") + sum("tHeldComplete") + sum("tAcw") + before,
                        "{i}: {metrics:?}"
                    );
                }
            }
        }
    }
    // Enough of each kind for the invariant to mean something.
    assert!(handled > 5_000, "{handled}");
    assert!(with_hold > 500, "{with_hold}");
    assert!(outbound > 500, "{outbound}");
    assert!(talked > 2_000, "{talked}");
}
