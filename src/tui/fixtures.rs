//! What the screen's tests share: a fixed clock, a screen of a given size, keys and pages fed
//! through `update`, and conversations to load. (Test-only: like the event loop, it stands
//! above `app` and may use anything.)

use chrono::{DateTime, Duration, TimeZone, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::genesys::model::{
    AnalyticsConversation, AnalyticsParticipant, AnalyticsSession, Conversation,
    ConversationParticipant, format_time,
};
use crate::paging::PageEvent;
use crate::timespec::Zone;
use crate::tui::app::{Effect, Event, Init, State};
use crate::tui::detail::Fresh;

/// The time every test starts at (UTC).
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 30, 0).unwrap()
}

/// The options of a test screen: UTC, on the demo.
pub fn init() -> Init {
    Init {
        zone: Zone::Utc,
        zone_label: "UTC".into(),
        connection: "DEMO".into(),
        ..Default::default()
    }
}

/// A screen of `init`, `width` by `height`.
pub fn screen_of(init: Init, width: u16, height: u16) -> State {
    let mut s = State::new(init);
    update(&mut s, Event::Resize { width, height });
    s
}

/// A screen `width` by `height`, with colours or not.
pub fn screen(width: u16, height: u16, color: bool) -> State {
    screen_of(Init { color, ..init() }, width, height)
}

/// The usual state test's screen: 120 by 40, no colour.
pub fn state() -> State {
    screen(120, 40, false)
}

/// [`app::update`](super::app::update) without the message's fade timer, which nearly every
/// key that says something asks for: tests of other effects compare the rest (the tests of
/// messages call `app::update` itself).
pub fn update(s: &mut State, ev: Event) -> Vec<Effect> {
    super::app::update(s, ev)
        .into_iter()
        .filter(|e| {
            !matches!(
                e,
                Effect::After {
                    timer: super::app::Timer::Fade { .. },
                    ..
                }
            )
        })
        .collect()
}

/// Presses a key (no modifier) at [`now`].
pub fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(
        s,
        Event::Key {
            key: KeyEvent::new(code, KeyModifiers::NONE),
            now: now(),
        },
    )
}

/// Types `text`, a key per character.
pub fn typ(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

/// The first page of query `query_id`.
pub fn page(query_id: u64, total: u64, convs: Vec<AnalyticsConversation>) -> Event {
    Event::Page(PageEvent::Page {
        query_id,
        page_number: 1,
        total_hits: total,
        conversations: convs,
    })
}

/// A web messaging conversation `id` started at 08:`minute` on 2026-11-24 and 12m05s long: a
/// customer, an inbound flow and an agent (participant ids `{id}-p1` to `-p3`).
pub fn conv(id: &str, minute: u32, customer: &str, agent: &str) -> AnalyticsConversation {
    let start = Utc.with_ymd_and_hms(2026, 11, 24, 8, minute, 0).unwrap();
    let part = |pid: &str, purpose: &str, name: &str| AnalyticsParticipant {
        participant_id: pid.into(),
        participant_name: Some(name.into()),
        purpose: Some(purpose.into()),
        sessions: vec![session("message", Some("webmessaging"), "inbound")],
        ..Default::default()
    };
    AnalyticsConversation {
        conversation_id: id.into(),
        conversation_start: Some(format_time(start)),
        conversation_end: Some(format_time(start + Duration::seconds(725))),
        originating_direction: Some("inbound".into()),
        participants: vec![
            part(&format!("{id}-p1"), "customer", customer),
            part(&format!("{id}-p2"), "workflow", "Inbound flow"),
            part(&format!("{id}-p3"), "agent", agent),
        ],
        ..Default::default()
    }
}

/// Real-looking conversation ids, for screens that show them whole.
pub const IDS: [&str; 4] = [
    "0f8e2c1a-6b3d-4e5f-9a7b-1c2d3e4f5a6b",
    "1a2b3c4d-5e6f-4a8b-9c0d-e1f2a3b4c5d6",
    "2b3c4d5e-6f7a-4b9c-8d0e-f1a2b3c4d5e6",
    "3c4d5e6f-7a8b-4c0d-9e1f-a2b3c4d5e6f7",
];

pub fn session(media: &str, mt: Option<&str>, dir: &str) -> AnalyticsSession {
    AnalyticsSession {
        media_type: Some(media.into()),
        message_type: mt.map(str::to_string),
        direction: Some(dir.into()),
        ..Default::default()
    }
}

/// Conversation `IDS[n]`, started `minutes_ago` before [`now`] and 12m34s long unless `live`:
/// a customer, a flow, a queue (`Support`) and `agents` (participant ids `{n}-cust`,
/// `{n}-flow`, `{n}-acd`, `{n}-agent{i}`).
pub fn conversation(
    n: usize,
    minutes_ago: i64,
    live: bool,
    customer: &str,
    agents: &[&str],
) -> AnalyticsConversation {
    let start = now() - Duration::minutes(minutes_ago);
    let web = || vec![session("message", Some("webmessaging"), "inbound")];
    let mut parts = vec![
        AnalyticsParticipant {
            participant_id: format!("{n}-cust"),
            participant_name: Some(customer.into()),
            purpose: Some("customer".into()),
            sessions: web(),
            ..Default::default()
        },
        AnalyticsParticipant {
            participant_id: format!("{n}-flow"),
            participant_name: Some("Web inbound flow".into()),
            purpose: Some("workflow".into()),
            sessions: web(),
            ..Default::default()
        },
        AnalyticsParticipant {
            participant_id: format!("{n}-acd"),
            participant_name: Some("Support".into()),
            purpose: Some("acd".into()),
            sessions: web(),
            ..Default::default()
        },
    ];
    for (i, a) in agents.iter().enumerate() {
        parts.push(AnalyticsParticipant {
            participant_id: format!("{n}-agent{i}"),
            participant_name: Some(a.to_string()),
            purpose: Some("agent".into()),
            user_id: Some(format!("user-{i}")),
            sessions: web(),
            ..Default::default()
        });
    }
    AnalyticsConversation {
        conversation_id: IDS[n].into(),
        conversation_start: Some(format_time(start)),
        conversation_end: (!live).then(|| format_time(start + Duration::seconds(754))),
        originating_direction: Some("inbound".into()),
        participants: parts,
        ..Default::default()
    }
}

/// Conversation `id` as GET conversation reads it: its customer `{id}-p1` (Jane) with `attrs`.
pub fn live(id: &str, attrs: &[(&str, &str)]) -> Conversation {
    Conversation {
        id: id.into(),
        participants: vec![ConversationParticipant {
            id: format!("{id}-p1"),
            name: Some("Jane".into()),
            purpose: Some("customer".into()),
            attributes: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// What a fetch of `c` brings back.
pub fn fresh(c: Conversation) -> Fresh {
    Fresh::from_conversation(c)
}

/// A participant of the analytics record with one session of `media`, its `segments` (as
/// `(start, end, type, queue id, disconnect type)`, times `HH:MM:SS` on 2026-11-24 UTC) and
/// `metrics` (name, value).
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn anatomy_part(
    id: &str,
    purpose: &str,
    name: Option<&str>,
    user: Option<&str>,
    media: (&str, Option<&str>),
    segments: &[(&str, &str, &str, Option<&str>, Option<&str>)],
    wrapup: Option<(&str, &str, &str, Option<&str>)>,
    metrics: &[(&str, i64)],
) -> AnalyticsParticipant {
    use serde_json::{Value, json};
    let at = |hms: &str| format!("2026-11-24T{hms}.000Z");
    let mut segs: Vec<Value> = segments
        .iter()
        .map(|(s, e, typ, q, dc)| {
            let mut v = json!({"segmentStart": at(s), "segmentEnd": at(e), "segmentType": typ,
                "conference": false});
            if let Some(q) = q {
                v["queueId"] = json!(q);
            }
            if let Some(dc) = dc {
                v["disconnectType"] = json!(dc);
            }
            v
        })
        .collect();
    if let Some((s, e, code, note)) = wrapup {
        let mut v = json!({"segmentStart": at(s), "segmentEnd": at(e), "segmentType": "wrapup",
            "wrapUpCode": code, "conference": false});
        if let Some(q) = segments.iter().find_map(|x| x.3) {
            v["queueId"] = json!(q);
        }
        if let Some(n) = note {
            v["wrapUpNote"] = json!(n);
        }
        segs.push(v);
    }
    let mut extra = serde_json::Map::new();
    extra.insert("segments".into(), Value::Array(segs));
    if !metrics.is_empty() {
        extra.insert(
            "metrics".into(),
            Value::Array(
                metrics
                    .iter()
                    .map(|(n, v)| json!({"name": n, "value": v, "emitDate": at("14:00:00")}))
                    .collect(),
            ),
        );
    }
    AnalyticsParticipant {
        participant_id: id.into(),
        participant_name: name.map(str::to_string),
        purpose: Some(purpose.into()),
        user_id: user.map(str::to_string),
        sessions: vec![AnalyticsSession {
            media_type: Some(media.0.into()),
            message_type: media.1.map(str::to_string),
            direction: Some("inbound".into()),
            extra,
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// A colleague consulted by user id `user` from `start` to `end` (`HH:MM:SS` on 2026-11-24),
/// who hung up (`peer`): a participant to add to an anatomy fixture.
pub fn consulted(user: &str, start: &str, end: &str) -> AnalyticsParticipant {
    anatomy_part(
        &format!("consult-{user}"),
        "user",
        None,
        Some(user),
        ("voice", None),
        &[
            (start, start, "alert", None, None),
            (start, end, "interact", None, Some("peer")),
        ],
        None,
        &[],
    )
}

/// Queue ids and wrap-up codes of the anatomy fixtures.
pub const TIER1: &str = "71e2f301-1111-4a4a-8b8b-000000000001";
pub const BILLING: &str = "82f30412-2222-4a4a-8b8b-000000000002";
pub const SALES: &str = "93041523-3333-4a4a-8b8b-000000000003";
pub const AGENT_ANN: &str = "a9e1c3d5-0001-4b2b-9c3c-0000000000a1";
pub const AGENT_BOB: &str = "b8f2d4e6-0002-4b2b-9c3c-0000000000b2";
pub const AGENT_CY: &str = "c7a3e5f7-0003-4b2b-9c3c-0000000000c3";
pub const AGENT_DEE: &str = "d6b4f6a8-0004-4b2b-9c3c-0000000000d4";
pub const CODE_TRANSFERRED: &str = "e5c5a7b9-0005-4d4d-8e8e-0000000000e5";
pub const CODE_RESOLVED: &str = "f4d6b8ca-0006-4d4d-8e8e-0000000000f6";

/// What the directory calls the ids of the anatomy fixtures (analytics names none of the
/// agents, and only the queues that have an `acd` participant).
pub fn directory() -> crate::genesys::directory::Names {
    use crate::genesys::directory::Kind;
    let mut n = crate::genesys::directory::Names::default();
    for (kind, id, name) in [
        (Kind::User, AGENT_ANN, "Ana Gómez"),
        (Kind::User, AGENT_BOB, "Jürgen Müller"),
        (Kind::User, AGENT_CY, "Cy Young"),
        (Kind::User, AGENT_DEE, "Dee Dupré"),
        (Kind::Queue, TIER1, "Support - Tier 1"),
        (Kind::Queue, BILLING, "Billing"),
        (Kind::Queue, SALES, "Sales"),
        (Kind::Wrapup, CODE_TRANSFERRED, "Transferred"),
        (Kind::Wrapup, CODE_RESOLVED, "Resolved - Sold"),
    ] {
        n.insert(kind, id.into(), Some(name.into()));
    }
    n
}

/// An inbound voice call on 2026-11-24, 14:00:00 to 14:12:30 UTC: the caller (external,
/// "Ann Lee") goes through the IVR to Support - Tier 1, waits 1m30s, talks to an agent (known by
/// user id only) who holds the caller 45 s and transfers to a second agent in Billing, who
/// ends it. Both agents wrap up, the first with a note.
pub fn voice_transfer(id: &str) -> AnalyticsConversation {
    let voice = ("voice", None);
    AnalyticsConversation {
        conversation_id: id.into(),
        conversation_start: Some("2026-11-24T14:00:00.000Z".into()),
        conversation_end: Some("2026-11-24T14:12:30.000Z".into()),
        originating_direction: Some("inbound".into()),
        participants: vec![
            anatomy_part(
                "v-caller",
                "external",
                Some("Ann Lee"),
                None,
                voice,
                &[
                    ("14:00:00", "14:00:02", "system", None, None),
                    ("14:00:02", "14:06:10", "interact", None, None),
                    ("14:06:10", "14:06:55", "hold", None, None),
                    ("14:06:55", "14:12:30", "interact", None, Some("endpoint")),
                ],
                None,
                &[("nConnected", 1)],
            ),
            anatomy_part(
                "v-ivr",
                "ivr",
                Some("Main IVR"),
                None,
                voice,
                &[("14:00:02", "14:01:10", "ivr", None, Some("transfer"))],
                None,
                &[("tIvr", 68_000), ("tFlow", 68_000)],
            ),
            anatomy_part(
                "v-acd",
                "acd",
                Some("Support - Tier 1"),
                None,
                voice,
                &[
                    ("14:01:10", "14:01:12", "delay", Some(TIER1), None),
                    (
                        "14:01:12",
                        "14:02:40",
                        "interact",
                        Some(TIER1),
                        Some("transfer"),
                    ),
                ],
                None,
                &[("nOffered", 1), ("tAcd", 90_000)],
            ),
            anatomy_part(
                "v-agent1",
                "agent",
                None,
                Some(AGENT_ANN),
                voice,
                &[
                    ("14:02:40", "14:02:48", "alert", Some(TIER1), None),
                    ("14:02:48", "14:06:10", "interact", Some(TIER1), None),
                    ("14:06:10", "14:06:55", "hold", Some(TIER1), None),
                    (
                        "14:06:55",
                        "14:08:02",
                        "interact",
                        Some(TIER1),
                        Some("transfer"),
                    ),
                ],
                Some((
                    "14:08:02",
                    "14:08:32",
                    CODE_TRANSFERRED,
                    Some("Billing question: sent to Billing"),
                )),
                &[
                    ("tAlert", 8_000),
                    ("tAnswered", 8_000),
                    ("tHeld", 45_000),
                    ("tTalk", 269_000),
                    ("tHandle", 344_000),
                    ("tAcw", 30_000),
                ],
            ),
            anatomy_part(
                "v-agent2",
                "agent",
                None,
                Some(AGENT_BOB),
                voice,
                &[
                    ("14:08:02", "14:08:10", "alert", Some(BILLING), None),
                    (
                        "14:08:10",
                        "14:12:30",
                        "interact",
                        Some(BILLING),
                        Some("peer"),
                    ),
                ],
                Some(("14:12:30", "14:13:00", CODE_RESOLVED, None)),
                &[
                    ("tAlert", 8_000),
                    ("tAnswered", 8_000),
                    ("tTalk", 260_000),
                    ("tHandle", 290_000),
                    ("tAcw", 30_000),
                ],
            ),
        ],
        ..Default::default()
    }
}

/// A web messaging conversation on 2026-11-24, 09:15:00 to 09:41:20 UTC: the customer ("Jane
/// Roe"), the inbound flow, 4m37s in Sales, a first agent who does not answer (30 s,
/// `noAnswerTransfer`), a second who handles it and wraps up with a note.
pub fn messaging(id: &str) -> AnalyticsConversation {
    let web = ("message", Some("webmessaging"));
    AnalyticsConversation {
        conversation_id: id.into(),
        conversation_start: Some("2026-11-24T09:15:00.000Z".into()),
        conversation_end: Some("2026-11-24T09:41:20.000Z".into()),
        originating_direction: Some("inbound".into()),
        participants: vec![
            anatomy_part(
                "m-cust",
                "customer",
                Some("Jane Roe"),
                None,
                web,
                &[("09:15:00", "09:41:20", "interact", None, Some("client"))],
                None,
                &[("nConnected", 1)],
            ),
            anatomy_part(
                "m-flow",
                "workflow",
                Some("Web inbound flow"),
                None,
                web,
                &[("09:15:00", "09:15:03", "interact", None, Some("transfer"))],
                None,
                &[("tFlow", 3_000)],
            ),
            anatomy_part(
                "m-acd",
                "acd",
                Some("Sales"),
                None,
                web,
                &[(
                    "09:15:03",
                    "09:19:40",
                    "interact",
                    Some(SALES),
                    Some("transfer"),
                )],
                None,
                &[("nOffered", 1), ("tAcd", 277_000)],
            ),
            anatomy_part(
                "m-agent1",
                "agent",
                None,
                Some(AGENT_CY),
                web,
                &[(
                    "09:19:40",
                    "09:20:10",
                    "alert",
                    Some(SALES),
                    Some("noAnswerTransfer"),
                )],
                None,
                &[("tAlert", 30_000), ("tNotResponding", 30_000)],
            ),
            anatomy_part(
                "m-agent2",
                "agent",
                None,
                Some(AGENT_DEE),
                web,
                &[
                    ("09:20:10", "09:20:15", "alert", Some(SALES), None),
                    (
                        "09:20:15",
                        "09:41:20",
                        "interact",
                        Some(SALES),
                        Some("peer"),
                    ),
                ],
                Some((
                    "09:41:20",
                    "09:42:00",
                    CODE_RESOLVED,
                    Some("Order #4411: delivery date confirmed"),
                )),
                &[
                    ("tAlert", 5_000),
                    ("tAnswered", 5_000),
                    ("tHandle", 1_305_000),
                    ("tAcw", 40_000),
                ],
            ),
        ],
        ..Default::default()
    }
}
