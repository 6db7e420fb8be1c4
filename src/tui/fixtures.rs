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
