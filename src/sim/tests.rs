//! Unit tests of the simulator's data, filters and flags.

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use serde_json::{Value, json};

use super::data::Dataset;
use super::filter::Filters;
use super::{Faults, Forbid, SimArgs, SimConfig};
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
            serde_json::to_string(&a.analytics(i)).unwrap(),
            serde_json::to_string(&b.analytics(i)).unwrap()
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
fn analytics_has_no_attributes_and_jobs_match_get_conversation() {
    let ds = Dataset::new(&cfg(2000));
    let now = until();
    let mut with_attrs = 0;
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
            assert_eq!(jp.attributes.as_ref().unwrap(), &cp.attributes);
        }
        if c.participants.iter().any(|p| !p.attributes.is_empty()) {
            with_attrs += 1;
        }
    }
    assert!(with_attrs > 1500 && with_attrs < 2000, "{with_attrs}");
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

#[test]
fn active_conversations_go_on_and_their_attributes_move() {
    let ds = Dataset::new(&SimConfig {
        active: 3,
        ..cfg(1000)
    });
    assert!(ds.is_active(999) && ds.is_active(997) && !ds.is_active(996));
    assert!(ds.analytics(996).conversation_end.is_some());
    let now = until();
    let a = ds.analytics(999);
    assert!(a.conversation_end.is_none());
    let c = ds.conversation(999, now);
    assert_eq!(c.state.as_deref(), Some("connected"));
    assert!(c.end_time.is_none());
    let last = c.participants.last().unwrap();
    assert!(last.end_time.is_none() && last.connected_time.is_some());
    // Stable within 5 s, changing over a minute.
    let attrs = |t| ds.conversation(999, t).participants[0].attributes.clone();
    let base = now - Duration::seconds(now.timestamp() % 5);
    assert_eq!(attrs(base), attrs(base + Duration::seconds(4)));
    let changed = (1..12).any(|k| attrs(base + Duration::seconds(5 * k)) != attrs(base));
    assert!(changed);
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
            .filter(|&i| ds.eval_full(&ds.generate(i, false, None), &f))
            .collect();
        assert_eq!(quick, full, "{m}");
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
        ds.select(&iv, i64::MAX, &f)
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
}

#[test]
fn an_empty_dataset_is_fine() {
    let ds = Dataset::new(&cfg(0));
    assert!(ds.is_empty());
    assert!(ds.matching(&all(), Media::Any).is_empty());
    assert_eq!(ds.index_of("00000000-0000-4000-8000-000000000000"), None);
}
