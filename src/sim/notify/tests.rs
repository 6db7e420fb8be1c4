//! The live schedule, its events and the topics, without a network: the data is deterministic,
//! so a past `until` lets a test walk half an hour of a live conversation at once.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::Value;

use super::super::SimConfig;
use super::super::data::Dataset;
use super::live::{Tracker, at, queue_body};
use super::socket::Follow;
use super::topics::{self, DETAIL_KINDS, Topic};
use super::{NotifyArgs, WsFaults};

fn until() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap()
}

fn ms(secs: i64) -> i64 {
    (until() + Duration::seconds(secs)).timestamp_millis()
}

fn live(active: usize) -> Dataset {
    Dataset::new(&SimConfig {
        conversations: 3000,
        until: until(),
        active,
        ..SimConfig::default()
    })
}

/// Every change of `i` from `from` for `secs`, walked with a tracker.
fn walk(ds: &Dataset, i: usize, from: i64, secs: i64) -> Vec<super::live::Changes> {
    let mut t = Tracker::new(ds, i, from);
    let mut out = Vec::new();
    while t.next().is_some_and(|n| n <= from + secs * 1000) {
        out.push(t.advance(ds, true).unwrap());
    }
    out
}

fn participant<'a>(
    c: &'a crate::genesys::model::Conversation,
    id: &Value,
) -> &'a crate::genesys::model::ConversationParticipant {
    c.participants
        .iter()
        .find(|p| p.id == id.as_str().unwrap())
        .expect("the event's participant is in GET conversation")
}

#[test]
fn nothing_changes_between_the_instants_the_schedule_names() {
    let ds = live(5);
    for i in ds.len() - 5..ds.len() {
        let mut prev = ms(0);
        let mut n = 0;
        while let Some(next) = ds.next_change(i, prev).filter(|&t| t <= ms(1800)) {
            assert!(next > prev);
            // The views just after the last instant and just before the next are the same.
            let (a, b) = (at(prev), at(next - 1));
            assert_eq!(
                ds.analytics_with_attributes(i, a),
                ds.analytics_with_attributes(i, b),
                "conversation {i} changed between {a} and {b}"
            );
            assert_eq!(ds.conversation(i, a), ds.conversation(i, b));
            prev = next;
            n += 1;
        }
        assert!(n >= 2, "conversation {i}: {n} changes in half an hour");
    }
    // Conversations that are over never change.
    assert_eq!(ds.next_change(100, ms(0)), None);
}

#[test]
fn attribute_events_carry_what_get_conversation_shows_from_their_event_time() {
    let ds = live(5);
    let mut events = 0;
    for i in ds.len() - 5..ds.len() {
        let mut last_time = 0;
        for ch in walk(&ds, i, ms(0), 600) {
            assert!(ch.time > last_time, "in time order");
            last_time = ch.time;
            let now = ds.conversation(i, at(ch.time));
            let before = ds.conversation(i, at(ch.time - 1));
            for (kind, body) in &ch.detail {
                assert_eq!(body["eventTime"].as_i64(), Some(ch.time));
                assert_eq!(body["conversationId"], ds.conversation_id(i).as_str());
                if *kind != "attributes" {
                    continue;
                }
                events += 1;
                let p = participant(&now, &body["participantId"]);
                let attrs: crate::genesys::model::Attributes =
                    serde_json::from_value(body["attributes"].clone()).unwrap();
                assert_eq!(attrs, p.attributes, "the whole set after the update");
                assert_ne!(
                    participant(&before, &body["participantId"]).attributes,
                    p.attributes,
                    "a millisecond before, GET conversation showed the old set"
                );
            }
        }
    }
    // Every 5 s for 10 minutes, less those that ended.
    assert!(events > 5 * 60, "{events} attribute events");
}

#[test]
fn bursts_change_a_key_twice_within_300_ms() {
    let ds = live(5);
    let mut bursts = 0;
    for i in ds.len() - 5..ds.len() {
        let mut prev: Option<(i64, String)> = None;
        for ch in walk(&ds, i, ms(0), 300) {
            for (_, body) in ch.detail.iter().filter(|(k, _)| *k == "attributes") {
                let page = body["attributes"]["lastPage"].as_str().unwrap().to_string();
                if let Some((t, old)) = &prev
                    && ch.time - t <= 300
                {
                    assert_ne!(*old, page, "a burst changes lastPage");
                    bursts += 1;
                    // Polling cannot see the first value: it lasted under 300 ms.
                    let shown = ds.conversation(i, at(ch.time));
                    let cust = shown
                        .participants
                        .iter()
                        .find(|p| p.purpose.as_deref() == Some("customer"))
                        .unwrap();
                    assert_eq!(cust.attributes["lastPage"], page);
                }
                prev = Some((ch.time, page));
            }
        }
    }
    assert!(
        bursts >= 10,
        "{bursts} bursts in 5 minutes of 5 conversations"
    );
}

#[test]
fn a_transfer_and_an_end_publish_their_detail_events() {
    let ds = live(5);
    let first = ds.len() - 5;
    // k = 1 is transferred 15-45 s after `until`, k = 2 ends 2-3.3 minutes after it.
    let changes = walk(&ds, first + 1, ms(0), 60);
    let transfer = changes
        .iter()
        .find(|c| c.detail.iter().any(|(k, _)| *k == "user.end"))
        .expect("the first agent leaves");
    let kinds: Vec<&str> = transfer.detail.iter().map(|(k, _)| *k).collect();
    assert_eq!(&kinds[..2], ["user.end", "user.start"], "{kinds:?}");
    let (end, start) = (&transfer.detail[0].1, &transfer.detail[1].1);
    assert_eq!(end["disconnectType"], "TRANSFER");
    assert_ne!(end["participantId"], start["participantId"]);
    assert_ne!(end["userId"], start["userId"]);
    assert_eq!(start["mediaType"], end["mediaType"]);
    let c = ds.conversation(first + 1, at(transfer.time));
    assert!(participant(&c, &start["participantId"]).end_time.is_none());
    assert!(participant(&c, &end["participantId"]).end_time.is_some());

    let k2 = first + 2;
    let end_at = ds.end_at(k2).unwrap().timestamp_millis();
    let changes = walk(&ds, k2, ms(0), 1800);
    let ending = changes.iter().find(|c| c.time == end_at).unwrap();
    let kinds: Vec<&str> = ending.detail.iter().map(|(k, _)| *k).collect();
    assert!(
        kinds.contains(&"customer.end") && kinds.contains(&"user.end"),
        "{kinds:?}"
    );
    assert!(
        changes
            .iter()
            .all(|c| c.time <= end_at || c.detail.iter().all(|(k, _)| *k != "attributes")),
        "attributes stop at the end"
    );
    // After-call work: the wrap-up code GET conversation shows from then on.
    let wrap = changes
        .iter()
        .find(|c| c.detail.iter().any(|(k, _)| *k == "wrapup"))
        .expect("the agent wraps up");
    let acw = &wrap.detail.iter().find(|(k, _)| *k == "acw").unwrap().1;
    let c = ds.conversation(k2, at(wrap.time));
    let agent = participant(&c, &acw["participantId"]);
    let code = agent.extra["wrapup"]["code"].as_str().unwrap();
    assert_eq!(acw["wrapupCode"], code);
    assert!(acw["wrapupDurationMs"].as_i64().unwrap() >= 10_000);
    assert!(
        ds.conversation(k2, at(wrap.time - 1))
            .participants
            .iter()
            .all(|p| p.extra.get("wrapup").is_none())
    );
    // Nothing after.
    assert_eq!(ds.next_change(k2, changes.last().unwrap().time), None);
}

#[test]
fn queue_bodies_are_get_conversation_in_the_topic_model() {
    let ds = live(5);
    let i = ds.len() - 3;
    let body = queue_body(&ds, i, ms(10));
    let get = serde_json::to_value(ds.conversation(i, at(ms(10)))).unwrap();
    assert_eq!(body["id"], get["id"]);
    let ids = |v: &Value| -> Vec<Value> {
        v["participants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].clone())
            .collect()
    };
    assert_eq!(ids(&body), ids(&get));
    assert_eq!(
        body["participants"][0]["attributes"],
        get["participants"][0]["attributes"]
    );
    for p in body["participants"].as_array().unwrap() {
        assert!(p.get("participantType").is_none() && p.get("startTime").is_none());
        assert!(p.get("wrapup").is_none_or(|w| w.get("name").is_none()));
    }
    assert!(body["divisions"][0]["division"].get("name").is_none());
    // A change publishes the new body to the topics of the queues it is in.
    let changes = walk(&ds, i, ms(0), 30);
    assert!(!changes.is_empty());
    for ch in &changes {
        assert!(
            !ch.queues.is_empty(),
            "a live conversation went through a queue"
        );
        if let Some(b) = &ch.queue {
            assert_eq!(*b, queue_body(&ds, i, ch.time));
        }
    }
}

#[test]
fn a_follow_publishes_only_what_its_topics_ask_for_in_time_order() {
    let ds = live(5);
    let (a, b) = (ds.len() - 1, ds.len() - 4);
    let name = |i: usize, kind: &str| {
        format!(
            "v2.detail.events.conversation.{}.{kind}",
            ds.conversation_id(i)
        )
    };
    let subs: Vec<(String, Topic)> = [
        name(a, "attributes"),
        name(b, "attributes"),
        name(b, "user.end"),
    ]
    .into_iter()
    .map(|n| {
        let t = topics::parse(&ds, &n).unwrap();
        (n, t)
    })
    .collect();
    let mut f = Follow::default();
    f.set(&ds, &subs, ms(0));
    let events = f.due(&ds, ms(120));
    assert!(events.windows(2).all(|w| w[0].time <= w[1].time));
    assert!(
        events
            .iter()
            .all(|e| subs.iter().any(|(n, _)| *n == e.topic))
    );
    assert!(events.iter().any(|e| e.topic == subs[0].0));
    assert!(events.iter().any(|e| e.topic == subs[1].0));
    assert!(
        events
            .iter()
            .all(|e| e.topic.ends_with(".attributes") || e.topic.ends_with(".user.end"))
    );
    // Nothing is published twice, and nothing before the follow started.
    assert!(f.due(&ds, ms(120)).is_empty());
    assert!(events.iter().all(|e| e.time > ms(0) && e.time <= ms(120)));
    assert!(f.next().unwrap() > ms(120));

    // A queue topic follows every live conversation that went through the queue.
    let q = ds
        .analytics_at(b, at(ms(0)))
        .participants
        .iter()
        .flat_map(|p| p.sessions.iter())
        .flat_map(|s| s.extra["segments"].as_array().cloned().unwrap_or_default())
        .find_map(|s| s["queueId"].as_str().map(str::to_string))
        .unwrap();
    let qname = format!("v2.routing.queues.{q}.conversations");
    let qt = topics::parse(&ds, &qname).unwrap();
    f.set(&ds, &[(qname.clone(), qt)], ms(120));
    let events = f.due(&ds, ms(180));
    assert!(
        events
            .iter()
            .any(|e| e.body["id"] == ds.conversation_id(b).as_str())
    );
    for e in &events {
        assert_eq!(e.topic, qname);
        let in_queue = e.body["participants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["queueId"] == q.as_str());
        assert!(in_queue, "only conversations of the queue");
    }
}

#[test]
fn topics_the_simulator_does_not_know_are_refused_with_their_name() {
    let ds = live(2);
    let id = ds.conversation_id(ds.len() - 1);
    for kind in DETAIL_KINDS {
        let t = topics::parse(&ds, &format!("v2.detail.events.conversation.{id}.{kind}")).unwrap();
        assert!(matches!(t, Topic::Detail { conv, .. } if conv == ds.len() - 1));
    }
    // An ended conversation is known: it just publishes nothing.
    let old = ds.conversation_id(3);
    assert!(
        topics::parse(
            &ds,
            &format!("v2.detail.events.conversation.{old}.attributes")
        )
        .is_ok()
    );
    for bad in [
        format!("v2.detail.events.conversation.{id}.typing"),
        format!("v2.detail.events.conversation.{id}"),
        "v2.detail.events.conversation.00000000-0000-4000-8000-000000000000.attributes".to_string(),
        format!(
            "v2.detail.events.conversation.{}.attributes",
            id.to_uppercase()
        ),
        "v2.routing.queues.00000000-0000-4000-8000-000000000000.conversations".to_string(),
        "v2.users.abc.presence".to_string(),
        String::new(),
    ] {
        let e = topics::parse(&ds, &bad).unwrap_err();
        assert!(e.contains(&format!("'{bad}'")), "{e}");
    }
}

#[test]
fn notification_flags_are_checked() {
    assert_eq!(
        WsFaults::parse("cut=1.5, maintenance=60").unwrap(),
        WsFaults {
            cut: Some(std::time::Duration::from_millis(1500)),
            maintenance: Some(std::time::Duration::from_secs(60)),
            silence: None,
        }
    );
    assert_eq!(WsFaults::parse("").unwrap(), WsFaults::default());
    for bad in ["cut", "cut=0", "cut=-1", "cut=x", "drop=3"] {
        assert!(WsFaults::parse(bad).is_err(), "{bad}");
    }
    let args = |hb: &str| NotifyArgs {
        ws_heartbeat: hb.into(),
        channel_ttl: "86400".into(),
        ws_closing_grace: "60".into(),
        ws_faults: String::new(),
        dump_events: false,
    };
    assert_eq!(
        args("0.25").to_config().unwrap().heartbeat,
        std::time::Duration::from_millis(250)
    );
    assert!(
        args("0")
            .to_config()
            .unwrap_err()
            .contains("--ws-heartbeat")
    );
}

/// `F`'s rows kept by push: from the details query's record at `until`, the row events applied
/// one by one (the record read again where an event says it cannot keep it) give, at every
/// instant, what the details query answers then: the same end, participants, and segment ends
/// and wrap-up codes, and who is still on. (A wrap-up still being entered shows in the details
/// query as an open segment; no event tells of it before it is done: the tail query or a read
/// brings it once the row ended.)
#[test]
fn row_events_keep_the_analytics_record_as_the_details_query_answers_it() {
    use crate::genesys::notify::events::{DetailBody, DetailEvent, DetailKind};
    use crate::genesys::notify::record::{self, Applied, ROW_KINDS};
    let ds = live(20);
    let (mut ended, mut reads, mut applied) = (0, 0, 0);
    // What the row shows of a record: its end, the list's facts (customer, agents, queues,
    // wrap-up codes), and who is still on.
    let shown = |c: &crate::genesys::model::AnalyticsConversation| {
        let mut on: Vec<(String, bool)> = c
            .participants
            .iter()
            .map(|p| {
                let open = p
                    .sessions
                    .iter()
                    .flat_map(|s| s.extra["segments"].as_array().cloned().unwrap_or_default())
                    .any(|s| s["segmentType"] != "wrapup" && s["segmentEnd"].is_null());
                (p.participant_id.clone(), open)
            })
            .collect();
        on.sort();
        // A wrap-up still being entered: no event tells of it before it is done.
        let mut done = c.clone();
        for s in done
            .participants
            .iter_mut()
            .flat_map(|p| p.sessions.iter_mut())
        {
            if let Some(Value::Array(segs)) = s.extra.get_mut("segments") {
                segs.retain(|s| s["segmentType"] != "wrapup" || !s["segmentEnd"].is_null());
            }
        }
        (
            c.conversation_end.clone(),
            crate::facts::Facts::of(&done),
            on,
        )
    };
    for i in (0..ds.len()).filter(|&i| ds.is_active(i)) {
        let mut row = ds.analytics_at(i, at(ms(0)));
        assert!(record::trackable(&row), "{i}: {row:?}");
        let mut t = Tracker::new(&ds, i, ms(0));
        while t.next().is_some_and(|n| n <= ms(2400)) {
            let ch = t.advance(&ds, false).unwrap();
            let mut read = false;
            let mut over = false;
            for (kind, body) in ch.detail.iter().filter(|(k, _)| ROW_KINDS.contains(k)) {
                let (family, what) = kind.split_once('.').unwrap_or(("", kind));
                let ev = DetailEvent {
                    conversation_id: row.conversation_id.clone(),
                    family: family.to_string(),
                    kind: match what {
                        "start" => DetailKind::Start,
                        "end" => DetailKind::End,
                        _ => DetailKind::Wrapup,
                    },
                    body: serde_json::from_value::<DetailBody>(body.clone()).unwrap(),
                };
                applied += 1;
                match record::apply(&mut row, &ev) {
                    Applied::Read => read = true,
                    Applied::Ended => {
                        ended += 1;
                        over = true;
                    }
                    _ => {}
                }
            }
            let now = ds.analytics_at(i, at(ch.time));
            if read {
                reads += 1;
                row = now.clone();
            }
            assert_eq!(
                shown(&row),
                shown(&now),
                "conversation {i} at {} after {:?}",
                at(ch.time),
                ch.detail.iter().map(|d| d.0).collect::<Vec<_>>()
            );
            if over {
                // Its topics go: what comes after (the wrap-up) is the tail's or a read's.
                break;
            }
        }
    }
    assert!(ended >= 10, "{ended} ended within 40 minutes");
    assert!(reads >= 4, "{reads} reads (transfers)");
    assert!(applied >= 40, "{applied} events");
}
