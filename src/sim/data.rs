//! The simulator's data: deterministic from the seed, generated lazily per conversation.
//!
//! Only the sorted start times and a one-byte media code are kept in memory (9 bytes a
//! conversation). Everything else is derived from a hash of (seed, index) whenever it is asked
//! for, in two steps: [`Dataset::draw`] decides how a conversation goes (its scenario and timeline,
//! numbers only, cheap enough to run over a day of conversations for one query), and
//! [`Dataset::generate`] builds its participants, sessions and segments from that. A million
//! conversations cost 9 MB, start in well under a second, and a media filter over all of them is
//! a scan of a byte array.
//!
//! The data looks like a real org's: voice callers are mostly purpose `external`, calls go through
//! an IVR and a queue (some hang up in the IVR, abandon in the queue or leave a voicemail), agents
//! miss an alert, hold, consult a colleague, transfer; some calls are internal between users. In
//! analytics, agents and users carry no name (only `userId`; see [`directory`](super::directory)),
//! and async job results cut attribute keys and values at 1,024 characters (see `render`).
//!
//! The `--active` conversations are live: what they look like depends on the current time too
//! (see [`LivePlan`]): attributes are added, changed and removed every few seconds, some gain a
//! second agent by a transfer, and some end a few minutes after `--until`.
//!
//! Conversation ids are UUID-looking (version 4) and carry a seed-keyed Feistel permutation of the
//! index in their first 32 bits: [`Dataset::index_of`] inverts it and checks the rest of the id.

mod attrs;
mod render;
mod rows;

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc, Weekday};
use serde_json::Value;

use super::SimConfig;
use super::filter::Filters;
use crate::genesys::model::{AnalyticsConversation, Attributes, Conversation, format_time};
use crate::genesys::query::{Interval, Media};

use rows::{ConvRow, KindRow, QuickRow, SegRow};

// ---------------------------------------------------------------------------------------------
// Hashing and a small splitmix64 generator

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) fn hash(parts: &[u64]) -> u64 {
    let mut h = 0x6A09_E667_F3BC_C908u64;
    for &p in parts {
        h = mix(h ^ p);
    }
    h
}

/// splitmix64.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n.saturating_sub(1))
    }
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    /// Uniform in [lo, hi] (inclusive).
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }
    pub(crate) fn pick<'a, T>(&mut self, s: &'a [T]) -> &'a T {
        &s[self.below(s.len())]
    }
}

/// Formats 128 bits as a version-4 UUID.
pub(crate) fn uuid(a: u64, b: u64) -> String {
    let g1 = (a >> 32) as u32;
    let g2 = ((a >> 16) & 0xffff) as u16;
    let g3 = ((a & 0x0fff) | 0x4000) as u16;
    let g4 = (((b >> 48) & 0x3fff) | 0x8000) as u16;
    let g5 = b & 0xffff_ffff_ffff;
    format!("{g1:08x}-{g2:04x}-{g3:04x}-{g4:04x}-{g5:012x}")
}

pub(crate) fn time(ms: i64) -> String {
    format_time(Utc.timestamp_millis_opt(ms).single().unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Static pools

/// (display name, first, last, email local part)
pub(crate) const CUSTOMERS: &[(&str, &str, &str, &str)] = &[
    ("José García", "José", "García", "jose.garcia"),
    ("Zoë Dubois", "Zoë", "Dubois", "zoe.dubois"),
    ("田中 太郎", "太郎", "田中", "taro.tanaka"),
    ("Øyvind Hansen", "Øyvind", "Hansen", "oyvind.hansen"),
    ("Ana Souza", "Ana", "Souza", "ana.souza"),
    ("Liam O'Brien", "Liam", "O'Brien", "liam.obrien"),
    ("Fatima Al-Sayed", "Fatima", "Al-Sayed", "fatima.alsayed"),
    ("Émilie Lefèvre", "Émilie", "Lefèvre", "emilie.lefevre"),
    ("Jürgen Müller", "Jürgen", "Müller", "juergen.mueller"),
    (
        "Siobhán Ní Bhriain",
        "Siobhán",
        "Ní Bhriain",
        "siobhan.nibhriain",
    ),
    ("Olivia Smith", "Olivia", "Smith", "olivia.smith"),
    ("Noah Johnson", "Noah", "Johnson", "noah.johnson"),
    ("Priya Patel", "Priya", "Patel", "priya.patel"),
    ("Mateo Rossi", "Mateo", "Rossi", "mateo.rossi"),
    ("Sofía Hernández", "Sofía", "Hernández", "sofia.hernandez"),
    ("Lars Nilsson", "Lars", "Nilsson", "lars.nilsson"),
    ("Aisha Bello", "Aisha", "Bello", "aisha.bello"),
    ("Chloé Martin", "Chloé", "Martin", "chloe.martin"),
    ("佐藤 健二", "健二", "佐藤", "kenji.sato"),
    (
        "Ingrid Bergström",
        "Ingrid",
        "Bergström",
        "ingrid.bergstrom",
    ),
    ("Tomás Novák", "Tomás", "Novák", "tomas.novak"),
    ("Emma Wilson", "Emma", "Wilson", "emma.wilson"),
    ("Björk Guðmundsdóttir", "Björk", "Guðmundsdóttir", "bjork.g"),
    ("Ali Yılmaz", "Ali", "Yılmaz", "ali.yilmaz"),
    ("Nguyễn Văn An", "An", "Nguyễn", "an.nguyen"),
    ("Олег Петров", "Олег", "Петров", "oleg.petrov"),
    ("Grace Kim", "Grace", "Kim", "grace.kim"),
    ("Daniel Cohen", "Daniel", "Cohen", "daniel.cohen"),
];

const AGENT_FIRST: &[&str] = &[
    "Alice", "Bruno", "Carla", "Deepak", "Elena", "Farid", "Greta", "Hugo", "Isabel", "Jonas",
    "Keiko", "Lucía", "Marek", "Nadia", "Oscar", "Paula", "Rafael", "Sanna", "Teodor", "Ulla",
];
const AGENT_LAST: &[&str] = &[
    "Andersen", "Becker", "Costa", "Dahl", "Evans", "Ferreira", "Gómez", "Horvat", "Ito", "Jensen",
];
/// The users who take conversations from queues (the first of the users).
pub(crate) const AGENTS: usize = 40;
/// Users who are not agents: supervisors and back office, consulted and called internally.
const OTHER_USERS: &[(&str, &str)] = &[
    ("Wiebke Schmidt", "Supervisor"),
    ("Kofi Mensah", "Supervisor"),
    ("Margarida Lopes", "Team Lead"),
    ("Henrik Lund", "Billing Specialist"),
    ("Yuki Tanaka", "Returns Coordinator"),
    ("Amara Okafor", "Quality Analyst"),
    ("Pablo Ruiz", "Technical Specialist"),
    ("Ines Kovač", "Workforce Planner"),
];
/// Agents who have left: their user is deleted (the directory answers 404 for them, and leaves
/// them out of bulk look-ups unless `state=deleted` or `state=any`), while analytics still holds
/// their `userId`.
const DELETED_AGENTS: std::ops::Range<usize> = 37..40;
/// (name, description)
const QUEUES: &[(&str, &str)] = &[
    ("Sales", "New orders and quotes"),
    ("Support - Tier 1", "First line support"),
    ("Support - Tier 2", "Escalations from tier 1"),
    ("Billing", "Invoices, refunds and payments"),
    ("Returns", "Returns and exchanges"),
    ("VIP Care", "Customers with a gold contract"),
    ("Technical Support", "Devices and installations"),
    ("Retención España", "Clientes que quieren darse de baja"),
];
/// (name, flowType)
const FLOWS: &[(&str, &str)] = &[
    ("Web Messaging Inbound", "INBOUNDSHORTMESSAGE"),
    ("SMS & WhatsApp Inbound", "INBOUNDSHORTMESSAGE"),
    ("Order Status Bot", "DIGITALBOT"),
    ("Main IVR", "INBOUNDCALL"),
    ("Email Inbound", "INBOUNDEMAIL"),
    ("Chat Inbound", "INBOUNDCHAT"),
];
const WRAPUPS: &[&str] = &[
    "Resolved",
    "Follow-up needed",
    "Order placed",
    "Refund issued",
    "Escalated",
    "Wrong number",
    "Callback scheduled",
    "Información facilitada",
];
/// What agents type as a wrap-up note.
const NOTES: &[&str] = &[
    "Customer asked for a refund; form sent by email",
    "Address changed, new delivery on Friday",
    "Escalated to tier 2: device keeps rebooting",
    "Called about an invoice paid twice",
    "Cliente satisfecho, pedido confirmado",
    "Rückruf morgen vormittag vereinbart",
    "Order cancelled at the customer's request",
    "No answer from the customer after transfer",
];
/// (name, description, home)
const DIVISIONS: &[(&str, &str, bool)] = &[
    ("Home", "The organization's home division", true),
    ("EMEA", "Europe, Middle East and Africa", false),
];
const HOUR_WEIGHT: [f64; 24] = [
    1.0, 0.7, 0.5, 0.5, 0.6, 1.0, 2.5, 6.0, 12.0, 17.0, 19.0, 19.0, 16.0, 17.0, 19.0, 18.0, 16.0,
    13.0, 10.0, 8.0, 6.0, 4.0, 2.5, 1.5,
];
/// The organization's numbers (voice DNIS, SMS, WhatsApp).
const OUR_NUMBER: &str = "+18005550100";

/// Draws the cheap part of conversation `i`: media, message type, direction (never outbound when
/// it is still going on).
fn draw_kind(seed: u64, i: usize, active: bool) -> Kind {
    let mut r = Rng::new(hash(&[seed, 0x4B1D, i as u64]));
    let x = r.unit();
    let (media, message_type) = if x < 0.60 {
        ("message", Some("webmessaging"))
    } else if x < 0.70 {
        let y = r.unit();
        let t = if y < 0.35 {
            "sms"
        } else if y < 0.65 {
            "whatsapp"
        } else if y < 0.85 {
            "facebook"
        } else {
            "open"
        };
        ("message", Some(t))
    } else if x < 0.86 {
        ("voice", None)
    } else if x < 0.93 {
        ("email", None)
    } else if x < 0.97 {
        ("callback", None)
    } else {
        ("chat", None)
    };
    let p_out = match (media, message_type) {
        ("voice", _) => 0.18,
        ("email", _) => 0.12,
        ("message", Some("sms")) => 0.08,
        _ => 0.0,
    };
    let outbound = r.chance(p_out) && !active;
    Kind {
        media,
        message_type,
        outbound,
    }
}

// ---------------------------------------------------------------------------------------------
// The internal model of one conversation

/// What the cheap first draw of a conversation decides (enough to filter by media quickly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Kind {
    pub media: &'static str,
    pub message_type: Option<&'static str>,
    pub outbound: bool,
}

/// The (mediaType, messageType) pairs the simulator generates; a [`Kind`] is stored as its index
/// here plus 16 when outbound.
const KINDS: [(&str, Option<&str>); 9] = [
    ("message", Some("webmessaging")),
    ("message", Some("sms")),
    ("message", Some("whatsapp")),
    ("message", Some("facebook")),
    ("message", Some("open")),
    ("voice", None),
    ("email", None),
    ("callback", None),
    ("chat", None),
];
const OUTBOUND_BIT: u8 = 16;

impl Kind {
    fn code(self) -> u8 {
        let k = KINDS
            .iter()
            .position(|&(m, t)| m == self.media && t == self.message_type)
            .expect("a generated kind") as u8;
        k | if self.outbound { OUTBOUND_BIT } else { 0 }
    }

    fn from_code(code: u8) -> Kind {
        let (media, message_type) = KINDS[(code & !OUTBOUND_BIT) as usize];
        Kind {
            media,
            message_type,
            outbound: code & OUTBOUND_BIT != 0,
        }
    }

    /// Every code there is.
    pub(crate) fn all_codes() -> impl Iterator<Item = u8> {
        (0..KINDS.len() as u8).flat_map(|k| [k, k | OUTBOUND_BIT])
    }

    pub(crate) fn direction(self) -> &'static str {
        if self.outbound { "outbound" } else { "inbound" }
    }
}

/// What happens to a live (`--active`) conversation, as absolute times in epoch milliseconds.
///
/// The k-th active conversation (in start order, k = 0 the oldest of them) follows pattern
/// k mod 5, with times jittered by the seed:
///
/// | k mod 5 | transfer to a second agent | end |
/// |---|---|---|
/// | 0 | 1-4 min before `--until` (shows from the start) | 4-6 min after `--until` |
/// | 1 | 15-45 s after `--until` | never |
/// | 2 | never | 2-3.3 min after `--until` |
/// | 3 | 2-5 min after `--until` | 20-30 min after `--until` |
/// | 4 | never | never |
///
/// `--active-end-after SECS` makes the first (k = 0) end SECS after `--until` instead. A
/// transfer never comes before the first agent answered, nor after the end; an end never comes
/// before the last agent answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LivePlan {
    pub transfer_at: Option<i64>,
    pub end_at: Option<i64>,
}

impl LivePlan {
    fn new(seed: u64, k: usize, until: i64, end_after: Option<u64>) -> LivePlan {
        let mut r = Rng::new(hash(&[seed, 0x11FE5, k as u64]));
        let (a, b, c, d) = (
            r.range(60_000, 240_000),
            r.range(240_000, 360_000),
            r.range(15_000, 45_000),
            r.range(120_000, 200_000),
        );
        let (e, f) = (r.range(120_000, 300_000), r.range(1_200_000, 1_800_000));
        let mut plan = match k % 5 {
            0 => LivePlan {
                transfer_at: Some(until - a),
                end_at: Some(until + b),
            },
            1 => LivePlan {
                transfer_at: Some(until + c),
                end_at: None,
            },
            2 => LivePlan {
                transfer_at: None,
                end_at: Some(until + d),
            },
            3 => LivePlan {
                transfer_at: Some(until + e),
                end_at: Some(until + f),
            },
            _ => LivePlan::default(),
        };
        if k == 0
            && let Some(secs) = end_after
        {
            plan.end_at = Some(until.saturating_add((secs.min(10 * 365 * 86_400) as i64) * 1000));
        }
        plan
    }
}

/// How a voice call leaves the IVR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IvrExit {
    /// Transferred to the queue.
    Queue,
    /// The caller hangs up in the IVR.
    Hangup,
    /// The IVR disconnects the call (closed, after hours).
    Closed,
}

/// How conversation `i` goes, drawn from the seed: its scenario, who takes part, and its
/// timeline as offsets from its start (before squeezing, see `scale`). Numbers only: cheap.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Draw {
    pub kind: Kind,
    pub start: i64,
    /// `conversationEnd` once it has come (epoch ms); `None`: goes on forever (live).
    pub end: Option<i64>,
    /// Offsets are multiplied by this (below 1 when squeezed to end before `--until`).
    scale: f64,
    active: bool,
    // The scenario.
    bot: bool,
    bot_only: bool,
    abandoned: bool,
    voicemail: bool,
    transfer: bool,
    /// The first agent alerted does not answer (`noAnswerTransfer`); another one does.
    rona: bool,
    /// An outbound call nobody answered before the agent hung up.
    unanswered: bool,
    /// A voice call between two users, no customer.
    internal: bool,
    /// Voice callers: purpose `external` (else `customer`).
    caller_external: bool,
    ivr_exit: IvrExit,
    /// The agent puts the caller on hold: (offset into the handle time, duration).
    hold: Option<(i64, i64)>,
    /// During the hold the agent consults a user: (alert, talk).
    consult: Option<(i64, i64)>,
    agent_hangs_up: bool,
    /// The call drops (`disconnectType` `error`).
    error: bool,
    // Durations, ms.
    setup: i64,
    flow_dur: i64,
    wait: i64,
    qdelay: i64,
    rona_alert: i64,
    alert: i64,
    handle: i64,
    alert2: i64,
    handle2: i64,
    wrap: i64,
    wrap2: i64,
    dial: i64,
    vm_dur: i64,
    // Who.
    queue: usize,
    queue2: usize,
    agent1: usize,
    agent2: usize,
    /// Consulted user, or the callee of an internal call.
    other_user: usize,
    wrapcode: usize,
    wrapcode2: usize,
    note: Option<usize>,
    note2: Option<usize>,
    // The conversation.
    pub division: usize,
    pub external_tag: Option<u32>,
    /// `mediaStatsMinConversationMos` in hundredths (voice).
    pub mos: Option<u16>,
    recording: bool,
    contact: bool,
}

impl Draw {
    /// Whether a customer (or external party) takes part.
    pub(crate) fn customer_participation(&self) -> bool {
        !self.internal
    }

    pub(crate) fn initiator(&self) -> &'static str {
        if self.kind.outbound {
            "agent"
        } else {
            "customer"
        }
    }

    /// The end as seen at `now`: live conversations have none before it comes.
    pub(crate) fn end_at(&self, now: i64) -> Option<i64> {
        self.end
            .filter(|&e| !self.active || e <= now.max(self.start))
    }

    fn at(&self, off: i64) -> i64 {
        self.start + (off as f64 * self.scale) as i64
    }
}

/// No conversation that is not live lasts longer than this (an e-mail can wait 3 hours in its
/// queue): a query's interval only needs the conversations that started this long before it to
/// find those that overlap it.
pub(crate) const MAX_DURATION_MS: i64 = 4 * 3_600_000;

#[derive(Debug, Clone)]
pub(crate) struct Seg {
    pub start: i64,
    pub end: Option<i64>,
    pub typ: &'static str,
    pub queue: Option<usize>,
    pub disconnect: Option<&'static str>,
    pub wrapup: Option<usize>,
    pub note: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub id: String,
    pub session_id: String,
    pub purpose: &'static str,
    /// The name as the conversation API has it (agents and users too); analytics leaves out the
    /// names of agents and users.
    pub name: Option<String>,
    /// Index into the users (agents and users).
    pub user: Option<usize>,
    pub queue: Option<usize>,
    pub flow: Option<usize>,
    pub start: i64,
    pub connected: Option<i64>,
    pub end: Option<i64>,
    pub direction: &'static str,
    pub address_from: Option<String>,
    pub address_to: Option<String>,
    pub ani: Option<String>,
    pub dnis: Option<String>,
    pub external_contact: Option<String>,
    pub segs: Vec<Seg>,
    pub metrics: Vec<(&'static str, i64, i64)>,
    pub wrapup: Option<(usize, i64, i64)>,
    pub note: Option<usize>,
    pub attributes: Attributes,
}

/// The talk metrics of a participant's interact spans (start, end; milliseconds): a `tTalk` at
/// the end of each, and their sum as `tTalkComplete` at the end of the last. Hold is not talk
/// (Genesys: handle = tTalkComplete + tHeldComplete + tAcw).
fn talk(metrics: &mut Vec<(&'static str, i64, i64)>, spans: &[(i64, i64)]) {
    for &(start, end) in spans.iter().filter(|(a, b)| b > a) {
        metrics.push(("tTalk", end - start, end));
    }
    if let Some(&(_, last)) = spans.last() {
        let total = spans.iter().map(|(a, b)| b - a).sum();
        metrics.push(("tTalkComplete", total, last));
    }
}

impl Part {
    /// Agents and users are named in the conversation API only.
    pub(crate) fn analytics_name(&self) -> Option<&str> {
        match self.purpose {
            "agent" | "user" => None,
            _ => self.name.as_deref(),
        }
    }

    /// The customer, or the external party of a call.
    pub(crate) fn is_outside(&self) -> bool {
        matches!(self.purpose, "customer" | "external")
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Conv {
    pub id: String,
    pub start: i64,
    pub end: Option<i64>,
    pub kind: Kind,
    pub draw: Draw,
    /// Index into [`CUSTOMERS`] of whoever is outside.
    pub cust: usize,
    pub parts: Vec<Part>,
}

/// Live conversations' attributes change every period (epoch ms multiples of it).
const LIVE_PERIOD: i64 = 5_000;
/// The pages a live visitor moves between (`lastPage`).
const LIVE_PAGES: [&str; 5] = [
    "/checkout",
    "/cart",
    "/products/42",
    "/help/returns",
    "/ja/ご注文",
];

/// The shortest an ended conversation may be squeezed to fit before `--until`, as a share of its
/// drawn length: below this it is re-planned as one that ends sooner (see [`Dataset::draw`]).
const MIN_SQUEEZE: f64 = 0.5;

/// A live conversation as it stands at `now` (epoch ms): what starts later is not there yet, and
/// what goes on past it has no end yet. (Before its start it is shown as it starts.)
fn clip(c: &mut Conv, now: i64) {
    let now = now.max(c.start);
    if c.end.is_some_and(|e| e > now) {
        c.end = None;
    }
    c.parts.retain(|p| p.start <= now);
    for p in &mut c.parts {
        if p.connected.is_some_and(|t| t > now) {
            p.connected = None;
        }
        if p.end.is_some_and(|t| t > now) {
            p.end = None;
        }
        p.segs.retain(|s| s.start <= now);
        for s in &mut p.segs {
            if s.end.is_some_and(|e| e > now) {
                s.end = None;
                s.disconnect = None;
            }
        }
        p.metrics.retain(|m| m.2 <= now);
        if p.wrapup.is_some_and(|w| w.2 > now) {
            p.wrapup = None;
        }
    }
}

/// A user of the organization (`GET /api/v2/users`).
#[derive(Debug, Clone)]
pub(crate) struct UserEntry {
    pub id: String,
    pub name: String,
    pub email: String,
    pub title: &'static str,
    pub department: &'static str,
    pub division: usize,
    /// active or deleted.
    pub state: &'static str,
    pub version: u32,
}

/// A queue (`GET /api/v2/routing/queues`).
#[derive(Debug, Clone)]
pub(crate) struct QueueEntry {
    pub id: String,
    pub name: String,
    pub description: &'static str,
    pub division: usize,
    pub members: usize,
}

/// A flow, wrap-up code or division: an id and a name.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub id: String,
    pub name: String,
    pub description: &'static str,
}

/// The simulator's conversations, and the directory they refer to.
pub struct Dataset {
    seed: u64,
    active: usize,
    /// `--hostile`: some names and attributes hold control sequences and the like.
    hostile: bool,
    /// The end of the generated span (epoch ms): ended conversations end before it.
    until: i64,
    /// Conversation start times, epoch milliseconds, ascending.
    times: Vec<i64>,
    /// [`Kind::code`] of each conversation: media filters scan this.
    codes: Vec<u8>,
    /// What happens to each active conversation (the k-th active one is `times.len() - active + k`).
    live: Vec<LivePlan>,
    pub(crate) users: Vec<UserEntry>,
    pub(crate) queues: Vec<QueueEntry>,
    pub(crate) flows: Vec<Entry>,
    pub(crate) wrapups: Vec<Entry>,
    pub(crate) divisions: Vec<Entry>,
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("seed", &self.seed)
            .field("len", &self.times.len())
            .field("active", &self.active)
            .finish()
    }
}

fn entity_id(seed: u64, tag: u64, j: usize) -> String {
    uuid(
        hash(&[seed, tag, j as u64, 1]),
        hash(&[seed, tag, j as u64, 2]),
    )
}

fn entries(seed: u64, tag: u64, items: &[(&str, &'static str)]) -> Vec<Entry> {
    items
        .iter()
        .enumerate()
        .map(|(j, &(name, description))| Entry {
            id: entity_id(seed, tag, j),
            name: name.to_string(),
            description,
        })
        .collect()
}

fn email_of(name: &str) -> String {
    let ascii: String = name
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'ä' => 'a',
            'é' | 'è' => 'e',
            'í' => 'i',
            'ó' | 'ö' => 'o',
            'ú' | 'ü' => 'u',
            'č' => 'c',
            ' ' => '.',
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    format!("{ascii}@acme-demo.example")
}

impl Dataset {
    pub fn new(cfg: &SimConfig) -> Dataset {
        let seed = cfg.seed;
        let n = cfg.conversations;
        let end_ms = cfg.until.timestamp_millis();
        let span_ms = i64::from(cfg.days.max(1)) * 86_400_000;
        let start_ms = end_ms - span_ms;

        // Hourly buckets weighted by time of day (and quieter weekends); inverse CDF sampling.
        let first_hour = start_ms.div_euclid(3_600_000);
        let last_hour = (end_ms - 1).div_euclid(3_600_000);
        let mut cum = Vec::with_capacity((last_hour - first_hour + 1) as usize);
        let mut total = 0.0;
        for h in first_hour..=last_hour {
            let t = Utc
                .timestamp_millis_opt(h * 3_600_000)
                .single()
                .unwrap_or_default();
            let mut w = HOUR_WEIGHT[t.hour() as usize];
            if matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
                w *= 0.45;
            }
            let lo = (h * 3_600_000).max(start_ms);
            let hi = ((h + 1) * 3_600_000).min(end_ms);
            total += w * (hi - lo) as f64 / 3_600_000.0;
            cum.push(total);
        }
        let mut times: Vec<i64> = (0..n as u64)
            .map(|i| {
                let a = hash(&[seed, 0x7133, i]);
                let u = (a >> 11) as f64 / (1u64 << 53) as f64 * total;
                let b = cum.partition_point(|&c| c <= u).min(cum.len() - 1);
                let h = first_hour + b as i64;
                let lo = (h * 3_600_000).max(start_ms);
                let hi = ((h + 1) * 3_600_000).min(end_ms);
                let f = (mix(a) >> 11) as f64 / (1u64 << 53) as f64;
                (lo + (f * (hi - lo) as f64) as i64).clamp(start_ms, end_ms - 1)
            })
            .collect();
        times.sort_unstable();

        // The most recent `active` conversations are still going on: they started in the last
        // half hour before `until` (but at least 3 minutes before it).
        let active = cfg.active.min(n);
        for k in 0..active {
            let i = n - active + k;
            let floor = end_ms - 30 * 60_000 + (k as i64 + 1) * (27 * 60_000) / (active as i64 + 1);
            times[i] = times[i].max(floor);
        }

        let codes = (0..n)
            .map(|i| draw_kind(seed, i, i >= n - active).code())
            .collect();
        let live = (0..active)
            .map(|k| LivePlan::new(seed, k, end_ms, cfg.active_end_after))
            .collect();

        let users = (0..AGENTS + OTHER_USERS.len())
            .map(|j| {
                let mut r = Rng::new(hash(&[seed, 0xA6E8, j as u64]));
                let (name, title, department) = match OTHER_USERS.get(j.wrapping_sub(AGENTS)) {
                    Some(&(name, title)) if j >= AGENTS => {
                        (name.to_string(), title, "Customer Service")
                    }
                    _ => (
                        format!("{} {}", r.pick(AGENT_FIRST), r.pick(AGENT_LAST)),
                        "Agent",
                        "Contact Centre",
                    ),
                };
                UserEntry {
                    id: entity_id(seed, 0xA6E7, j),
                    email: email_of(&format!("{name} {j}")),
                    name,
                    title,
                    department,
                    division: usize::from(r.chance(0.25)),
                    state: if DELETED_AGENTS.contains(&j) {
                        "deleted"
                    } else {
                        "active"
                    },
                    version: 1 + r.below(9) as u32,
                }
            })
            .collect();
        let queues = QUEUES
            .iter()
            .enumerate()
            .map(|(j, &(name, description))| QueueEntry {
                id: entity_id(seed, 0x0EE0, j),
                name: name.to_string(),
                description,
                division: usize::from(j == 7),
                members: 6 + (hash(&[seed, 0x0EE1, j as u64]) % 12) as usize,
            })
            .collect();
        let flows = FLOWS.iter().map(|&(n, _)| (n, "")).collect::<Vec<_>>();
        let wrapups = WRAPUPS.iter().map(|&n| (n, "")).collect::<Vec<_>>();
        let divisions = DIVISIONS
            .iter()
            .map(|&(n, d, _)| (n, d))
            .collect::<Vec<_>>();
        Dataset {
            seed,
            hostile: cfg.hostile,
            active,
            until: end_ms,
            times,
            codes,
            live,
            users,
            queues,
            flows: entries(seed, 0xF10, &flows),
            wrapups: entries(seed, 0x3A9, &wrapups),
            divisions: entries(seed, 0xD1F, &divisions),
        }
    }

    pub fn len(&self) -> usize {
        self.times.len()
    }

    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    pub fn is_active(&self, i: usize) -> bool {
        i < self.times.len() && i >= self.times.len() - self.active
    }

    /// The conversation's start, epoch milliseconds.
    pub fn start_ms(&self, i: usize) -> i64 {
        self.times[i]
    }

    /// Indexes `[lo, hi)` of the conversations whose start is in `[start_ms, end_ms)`.
    pub(crate) fn range(&self, start_ms: i64, end_ms: i64) -> (usize, usize) {
        let lo = self.times.partition_point(|&t| t < start_ms);
        let hi = self.times.partition_point(|&t| t < end_ms).max(lo);
        (lo, hi)
    }

    fn perm(&self, x: u32) -> u32 {
        let (mut l, mut r) = ((x >> 16) as u16, x as u16);
        for k in 0..4u64 {
            let f = (hash(&[self.seed, 0xFE15, k, r as u64]) & 0xffff) as u16;
            (l, r) = (r, l ^ f);
        }
        ((l as u32) << 16) | r as u32
    }

    fn unperm(&self, y: u32) -> u32 {
        let (mut l, mut r) = ((y >> 16) as u16, y as u16);
        for k in (0..4u64).rev() {
            let f = (hash(&[self.seed, 0xFE15, k, l as u64]) & 0xffff) as u16;
            (l, r) = (r ^ f, l);
        }
        ((l as u32) << 16) | r as u32
    }

    pub fn conversation_id(&self, i: usize) -> String {
        let p = self.perm(i as u32) as u64;
        let a = (p << 32) | (hash(&[self.seed, 0x1D1, i as u64]) & 0xffff_ffff);
        uuid(a, hash(&[self.seed, 0x1D2, i as u64]))
    }

    pub fn index_of(&self, conversation_id: &str) -> Option<usize> {
        let id = conversation_id.trim().to_ascii_lowercase();
        if id.len() != 36 {
            return None;
        }
        let p = u32::from_str_radix(id.get(..8)?, 16).ok()?;
        let i = self.unperm(p) as usize;
        (i < self.len() && self.conversation_id(i) == id).then_some(i)
    }

    fn sub_id(&self, i: usize, tag: u64, j: usize) -> String {
        uuid(
            hash(&[self.seed, tag, i as u64, j as u64]),
            hash(&[self.seed, tag + 1, i as u64, j as u64]),
        )
    }

    /// The cheap part: media, message type, direction.
    pub(crate) fn kind(&self, i: usize) -> Kind {
        Kind::from_code(self.codes[i])
    }

    /// What happens to active conversation `i` (`None` when it is not active).
    pub fn live_plan(&self, i: usize) -> Option<LivePlan> {
        self.is_active(i)
            .then(|| self.live[i + self.active - self.times.len()])
    }

    /// How conversation `i` goes: scenario and timeline, without building anything.
    pub(crate) fn draw(&self, i: usize) -> Draw {
        let kind = self.kind(i);
        let active = self.is_active(i);
        let mut r = Rng::new(hash(&[self.seed, 0x6E4, i as u64]));
        let t0 = self.times[i];
        let media = kind.media;
        let msg = media == "message";
        let voice = media == "voice";
        let inbound = !kind.outbound;

        // The scenario.
        let internal = voice && kind.outbound && r.chance(0.15);
        let caller_external = voice && r.chance(0.75);
        let bot = msg && inbound && r.chance(0.3);
        let bot_only = bot && !active && r.chance(0.25);
        let ivr_exit = match r.unit() {
            _ if !voice || !inbound || active => IvrExit::Queue,
            x if x < 0.05 => IvrExit::Hangup,
            x if x < 0.07 => IvrExit::Closed,
            _ => IvrExit::Queue,
        };
        let in_queue = inbound && !bot_only && ivr_exit == IvrExit::Queue;
        let mut abandoned = in_queue && !active && r.chance(0.12);
        let mut voicemail = abandoned && voice && r.chance(0.35);
        let mut transfer = in_queue && !abandoned && r.chance(0.10);
        let mut rona = in_queue && !abandoned && !transfer && !active && r.chance(0.07);
        let answered_call = voice && in_queue && !abandoned && !active;
        let hold_roll = r.unit();
        let consult_roll = r.unit();
        let agent_hangs_up = r.chance(0.4);
        let error = answered_call && r.chance(0.01);

        // Who.
        let queue = r.below(self.queues.len());
        let queue2 = (queue + 1 + r.below(self.queues.len() - 1)) % self.queues.len();
        let agent1 = r.below(AGENTS);
        let agent2 = (agent1 + 1 + r.below(AGENTS - 1)) % AGENTS;
        let other_user = if internal && r.chance(0.5) {
            // An agent calls a colleague, or a supervisor.
            (agent1 + 1 + r.below(AGENTS - 1)) % AGENTS
        } else {
            AGENTS + r.below(OTHER_USERS.len())
        };

        // Durations (ms), drawn in a fixed order.
        let setup = if voice { r.range(300, 1_500) } else { 0 };
        let mut flow_dur = match media {
            "voice" => r.range(15_000, 120_000),
            "callback" => 0,
            _ if bot => r.range(30_000, 240_000),
            _ => r.range(800, 5_000),
        };
        let mut wait = if active {
            r.range(5_000, 60_000)
        } else if media == "email" {
            r.range(120_000, 3 * 3_600_000)
        } else if abandoned {
            r.range(30_000, 600_000)
        } else {
            r.range(10_000, 480_000)
        };
        let qdelay = r.range(500, 3_000).min(wait / 3);
        let rona_alert = r.range(15_000, 30_000);
        let mut alert = r.range(3_000, 20_000);
        let mut handle = match media {
            "message" => r.range(180_000, 1_800_000),
            "voice" => r.range(120_000, 1_200_000),
            "email" => r.range(180_000, 900_000),
            _ => r.range(120_000, 1_200_000),
        };
        let alert2 = r.range(3_000, 20_000);
        let mut handle2 = r.range(120_000, 900_000);
        let wrap = r.range(10_000, 120_000);
        let wrap2 = r.range(10_000, 120_000);
        let wrapcode = r.below(self.wrapups.len());
        let wrapcode2 = r.below(self.wrapups.len());
        let note = r.chance(0.35).then(|| r.below(NOTES.len()));
        let note2 = r.chance(0.35).then(|| r.below(NOTES.len()));
        let dial = if kind.outbound {
            r.range(5_000, 30_000)
        } else {
            0
        };
        let vm_dur = r.range(15_000, 90_000);
        let hold_at = r.range(20, 60);
        let hold_len = r.range(20_000, 180_000);
        let consult_alert = r.range(3_000, 12_000);
        let division = usize::from(r.chance(0.2));
        let external_tag = r.chance(0.1).then(|| r.range(0, 999_999) as u32);
        let recording = voice || r.chance(0.3);
        let mos = voice.then(|| 350 + r.range(0, 95) as u16);
        let contact = r.chance(0.3) && inbound;

        // Hold (and a consult during it) within the first agent's handle time.
        let hold_for = |handle: i64| {
            (answered_call && hold_roll < 0.3).then(|| {
                let len = hold_len.min(handle * 2 / 5);
                (handle * hold_at / 100, len)
            })
        };
        let consult_for = |hold: Option<(i64, i64)>| {
            hold.filter(|&(_, len)| consult_roll < 0.3 && len >= 14_000)
                .map(|(_, len)| {
                    let a = consult_alert.min(len / 3);
                    (a, len - a - 4_000)
                })
        };

        let until = self.until;
        let pre = setup + flow_dur;
        let total_of = |abandoned: bool, voicemail: bool, transfer: bool, rona: bool| {
            if internal {
                alert + handle
            } else if kind.outbound {
                dial + handle
            } else if ivr_exit != IvrExit::Queue || bot_only {
                pre
            } else if abandoned {
                pre + wait + if voicemail { vm_dur } else { 0 }
            } else {
                pre + wait
                    + if rona { rona_alert } else { 0 }
                    + alert
                    + handle
                    + if transfer { alert2 + handle2 } else { 0 }
            }
        };
        let mut total = total_of(abandoned, voicemail, transfer, rona);
        // An outbound call that could not have been answered before `until`: the agent gave up
        // dialing.
        let mut unanswered = false;
        // Ended conversations end before `until`: squeeze the timeline if needed, but not below
        // half its length: one that started too close to `until` for an agent to take it ends
        // before one does (the customer leaves in the flow or the queue), or, outbound, unanswered.
        if !active && t0 + total >= until && ((until - 1 - t0) as f64) < total as f64 * MIN_SQUEEZE
        {
            if kind.outbound && !internal {
                unanswered = true;
                total = dial;
            } else if in_queue && !abandoned {
                abandoned = true;
                voicemail = false;
                transfer = false;
                rona = false;
                total = total_of(true, false, false, false);
            }
        }
        let scale = if !active && t0 + total >= until {
            ((until - 1 - t0).max(1) as f64) / total as f64
        } else {
            1.0
        };
        let mut hold = (!abandoned && !unanswered)
            .then(|| hold_for(handle))
            .flatten();
        let mut consult = consult_for(hold);
        // Live conversations: the first agent answers before `until` when it can (the time before
        // it is compressed if need be), then the plan's transfer and end, if any.
        let mut end = (!active).then(|| t0 + (total as f64 * scale) as i64);
        if let Some(plan) = self.live_plan(i) {
            let before = setup + flow_dur + wait + alert;
            let room = (until - 10_000 - t0).max(3_000);
            if before > room {
                let f = room as f64 / before as f64;
                flow_dur = ((flow_dur as f64 * f) as i64).max(1);
                wait = ((wait as f64 * f) as i64).max(1);
                alert = ((alert as f64 * f) as i64).max(1);
            }
            let answered = t0 + setup + flow_dur + wait + alert;
            let transfer_at = plan.transfer_at.map(|t| t.max(answered + 10_000));
            let live_end = plan.end_at.map(|e| e.max(answered + 5_000));
            transfer = match (transfer_at, live_end) {
                (Some(t), Some(e)) => t + alert2 + 5_000 <= e,
                (Some(_), None) => true,
                (None, _) => false,
            };
            if let Some(t) = transfer_at.filter(|_| transfer) {
                handle = t - answered;
            }
            if let Some(e) = live_end {
                if transfer {
                    handle2 = e - (answered + handle + alert2);
                } else {
                    handle = e - answered;
                }
            }
            hold = None;
            consult = None;
            end = live_end;
        }
        Draw {
            kind,
            start: t0,
            end,
            scale,
            active,
            bot,
            bot_only,
            abandoned,
            voicemail,
            transfer,
            rona,
            unanswered,
            internal,
            caller_external,
            ivr_exit,
            hold,
            consult,
            agent_hangs_up,
            error,
            setup,
            flow_dur,
            wait,
            qdelay,
            rona_alert,
            alert,
            handle,
            alert2,
            handle2,
            wrap,
            wrap2,
            dial,
            vm_dur,
            queue,
            queue2,
            agent1,
            agent2,
            other_user,
            wrapcode,
            wrapcode2,
            note,
            note2,
            division,
            external_tag,
            mos,
            recording,
            contact,
        }
    }

    /// `conversationEnd` of conversation `i` as seen at `now` (epoch ms), cheaply.
    pub(crate) fn end_ms(&self, i: usize, now: i64) -> Option<i64> {
        self.draw(i).end_at(now)
    }

    /// Generates the whole conversation; attributes only when `attributes` (they come from
    /// their own random stream, so the rest is the same either way). `now` (epoch ms) only
    /// matters for active conversations: they are shown as they stand at that moment.
    pub(crate) fn generate(&self, i: usize, attributes: bool, now: i64) -> Conv {
        let d = self.draw(i);
        let kind = d.kind;
        let media = kind.media;
        let voice = media == "voice";
        // Names and addresses come from a stream of their own.
        let mut b = Rng::new(hash(&[self.seed, 0x5713, i as u64]));
        let cust = b.below(CUSTOMERS.len());
        let phone = format!(
            "+{}{}",
            b.pick(&["44", "1", "34", "49", "81", "47"]),
            b.range(200_000_000, 999_999_999)
        );
        let name_style = b.unit();
        let (cname, _, _, email_local) = CUSTOMERS[cust];
        // Voice callers are named by caller id, by their number, or not at all.
        let outside_name = if voice {
            if name_style < 0.55 {
                Some(cname.to_string())
            } else if name_style < 0.75 {
                Some(phone.clone())
            } else {
                None
            }
        } else if kind.outbound && name_style >= 0.7 {
            None
        } else {
            Some(cname.to_string())
        };
        let customer_contact = d.contact.then(|| self.sub_id(i, 0xEC0, 0));
        let cust_addr = match (media, kind.message_type) {
            ("voice", _) | ("callback", _) => format!("tel:{phone}"),
            ("email", _) => format!("{email_local}@example.com"),
            (_, Some("sms")) | (_, Some("whatsapp")) => phone.clone(),
            (_, Some("facebook")) => cname.to_string(),
            _ => String::new(),
        };
        let contact_addr = match (media, kind.message_type) {
            ("voice", _) | ("callback", _) => format!("tel:{OUR_NUMBER}"),
            ("email", _) => "support@acme-demo.example".to_string(),
            (_, Some("sms")) | (_, Some("whatsapp")) => OUR_NUMBER.to_string(),
            (_, Some("facebook")) => "Acme Demo".to_string(),
            _ => "Acme Web Messenger".to_string(),
        };
        let extension = |u: usize| format!("tel:+1800555{:04}", 2000 + u);

        let t0 = d.start;
        let at = |off: i64| d.at(off);
        let conv_end = d.end;
        let mut parts: Vec<Part> = Vec::new();
        let new_part = |j: usize, purpose: &'static str, name: Option<String>, start: i64| Part {
            id: self.sub_id(i, 0x9A7, j),
            session_id: self.sub_id(i, 0x5E5, j),
            purpose,
            name,
            user: None,
            queue: None,
            flow: None,
            start,
            connected: Some(start),
            end: None,
            direction: kind.direction(),
            address_from: None,
            address_to: None,
            ani: None,
            dnis: None,
            external_contact: None,
            segs: Vec::new(),
            metrics: Vec::new(),
            wrapup: None,
            note: None,
            attributes: Attributes::new(),
        };
        let seg = |start: i64, end: Option<i64>, typ: &'static str| Seg {
            start,
            end,
            typ,
            queue: None,
            disconnect: None,
            wrapup: None,
            note: None,
        };
        let set_addr = |p: &mut Part| {
            if voice || media == "callback" {
                if kind.outbound {
                    p.ani = Some(format!("tel:{OUR_NUMBER}"));
                    p.dnis = Some(format!("tel:{phone}"));
                } else {
                    p.ani = Some(format!("tel:{phone}"));
                    p.dnis = Some(format!("tel:{OUR_NUMBER}"));
                }
            } else if kind.outbound {
                p.address_from = Some(contact_addr.clone());
                p.address_to = Some(cust_addr.clone());
            } else {
                p.address_from = Some(cust_addr.clone()).filter(|s| !s.is_empty());
                p.address_to = Some(contact_addr.clone());
            }
        };
        let user_name = |u: usize| Some(self.users[u].name.clone());
        // Who hangs up an answered conversation: (the outside party's disconnectType, the agent's).
        let (outside_dc, agent_dc) = if d.error {
            ("error", "peer")
        } else if d.agent_hangs_up {
            ("peer", "client")
        } else if voice {
            ("endpoint", "peer")
        } else {
            ("client", "peer")
        };

        if d.internal {
            // One user calls another: no customer, no queue, no wrap-up.
            let ring = at(d.alert);
            let e = conv_end;
            let mut a = new_part(0, "user", user_name(d.agent1), t0);
            a.user = Some(d.agent1);
            a.direction = "outbound";
            a.ani = Some(extension(d.agent1));
            a.dnis = Some(extension(d.other_user));
            a.connected = Some(ring);
            a.end = e;
            let mut s1 = seg(ring, e, "interact");
            s1.disconnect = e.map(|_| if d.agent_hangs_up { "client" } else { "peer" });
            a.segs = vec![seg(t0, Some(ring), "dialing"), s1];
            a.metrics = vec![("tDialing", ring - t0, ring)];
            if let Some(e) = e {
                talk(&mut a.metrics, &[(ring, e)]);
            }
            parts.push(a);
            let mut c = new_part(1, "user", user_name(d.other_user), t0);
            c.user = Some(d.other_user);
            c.direction = "inbound";
            c.ani = Some(extension(d.agent1));
            c.dnis = Some(extension(d.other_user));
            c.connected = Some(ring);
            c.end = e;
            let s0 = seg(t0, Some(ring), "alert");
            let mut s1 = seg(ring, e, "interact");
            s1.disconnect = e.map(|_| if d.agent_hangs_up { "peer" } else { "client" });
            c.segs = vec![s0, s1];
            c.metrics = vec![("tAlert", ring - t0, ring), ("tAnswered", ring - t0, ring)];
            parts.push(c);
        } else if d.unanswered {
            // The agent dials; nobody answers before the agent hangs up.
            let e = at(d.dial);
            let mut a = new_part(0, "agent", user_name(d.agent1), t0);
            a.user = Some(d.agent1);
            a.connected = None;
            a.end = Some(e);
            set_addr(&mut a);
            let mut s0 = seg(t0, Some(e), "dialing");
            s0.disconnect = Some("client");
            a.segs = vec![s0];
            a.metrics = vec![("tContacting", e - t0, e)];
            parts.push(a);
        } else if kind.outbound {
            let answered = at(d.dial.max(1));
            let mut a = new_part(0, "agent", user_name(d.agent1), t0);
            a.user = Some(d.agent1);
            a.queue = Some(d.queue);
            a.connected = Some(answered);
            a.end = conv_end;
            set_addr(&mut a);
            let mut s0 = seg(t0, Some(answered), "dialing");
            s0.queue = Some(d.queue);
            let mut s1 = seg(answered, conv_end, "interact");
            s1.queue = Some(d.queue);
            s1.disconnect = Some(if d.agent_hangs_up { "client" } else { "peer" });
            a.segs = vec![s0, s1];
            let e = at(d.dial + d.handle);
            a.segs.push(Seg {
                queue: Some(d.queue),
                wrapup: Some(d.wrapcode),
                note: d.note,
                ..seg(e, Some(e + d.wrap), "wrapup")
            });
            a.metrics = vec![("tContacting", answered - t0, answered)];
            if voice {
                talk(&mut a.metrics, &[(answered, e)]);
            }
            // Handle time of an outbound call includes the contacting time.
            a.metrics.push(("tAcw", d.wrap, e + d.wrap));
            a.metrics.push(("tHandle", e - t0 + d.wrap, e + d.wrap));
            a.wrapup = Some((d.wrapcode, e, e + d.wrap));
            a.note = d.note;
            parts.push(a);
            let mut c = new_part(1, "external", outside_name.clone(), answered);
            c.end = conv_end;
            set_addr(&mut c);
            let mut s = seg(answered, conv_end, "interact");
            s.disconnect = Some(if d.agent_hangs_up {
                "peer"
            } else if voice {
                "endpoint"
            } else {
                "client"
            });
            c.segs.push(s);
            parts.push(c);
        } else {
            // Inbound: the customer (a caller is mostly `external`), a flow, a queue, agents.
            let purpose = if voice && d.caller_external {
                "external"
            } else {
                "customer"
            };
            let name = if voice {
                outside_name.clone()
            } else {
                Some(cname.to_string())
            };
            let mut c = new_part(0, purpose, name, t0);
            c.end = conv_end;
            c.external_contact = customer_contact.clone();
            set_addr(&mut c);
            parts.push(c);
            // The caller's own segments are added last, when the call's shape is known.
            let mut caller_segs: Vec<Seg> = Vec::new();
            let mut off = 0i64;
            if voice {
                caller_segs.push(seg(t0, Some(at(d.setup)), "system"));
                off = d.setup;
            }
            let with_flow = media != "callback";
            if with_flow {
                let (purpose, flow) = match (media, kind.message_type) {
                    ("voice", _) => ("ivr", 3),
                    ("email", _) => ("workflow", 4),
                    ("chat", _) => ("workflow", 5),
                    _ if d.bot => ("botflow", 2),
                    (_, Some("webmessaging")) => ("workflow", 0),
                    _ => ("workflow", 1),
                };
                let fs = at(off) + if voice { 0 } else { 50 };
                let fe = at(off + d.flow_dur).max(fs);
                let mut f = new_part(
                    parts.len(),
                    purpose,
                    Some(self.flows[flow].name.clone()),
                    fs,
                );
                f.flow = Some(flow);
                f.end = Some(fe);
                set_addr(&mut f);
                let mut s = seg(fs, Some(fe), if voice { "ivr" } else { "interact" });
                s.disconnect = Some(match d.ivr_exit {
                    IvrExit::Hangup => "peer",
                    IvrExit::Closed => "system",
                    IvrExit::Queue if d.bot_only => "peer",
                    IvrExit::Queue => "transfer",
                });
                f.segs.push(s);
                f.metrics = vec![("nFlow", 1, fs), ("tFlow", fe - fs, fe)];
                if voice {
                    f.metrics.push(("tIvr", fe - fs, fe));
                }
                if d.bot_only || d.ivr_exit != IvrExit::Queue {
                    f.metrics.push(("nFlowOutcome", 1, fe));
                }
                parts.push(f);
                off += d.flow_dur;
            }

            if !d.bot_only && d.ivr_exit == IvrExit::Queue {
                // acd
                let qs = at(off);
                let qe = at(off + d.wait);
                let mut q = new_part(
                    parts.len(),
                    "acd",
                    Some(self.queues[d.queue].name.clone()),
                    qs,
                );
                q.queue = Some(d.queue);
                q.end = Some(qe);
                set_addr(&mut q);
                let mut s = if voice {
                    let qd = at(off + d.qdelay);
                    q.segs.push(Seg {
                        queue: Some(d.queue),
                        ..seg(qs, Some(qd), "delay")
                    });
                    seg(qd, Some(qe), "interact")
                } else {
                    seg(qs, Some(qe), "interact")
                };
                s.queue = Some(d.queue);
                s.disconnect = Some(if d.abandoned && !d.voicemail {
                    "peer"
                } else {
                    "transfer"
                });
                q.segs.push(s);
                q.metrics.push(("nOffered", 1, qs));
                if d.abandoned && !d.voicemail {
                    q.metrics.push(("tAbandon", qe - qs, qe));
                } else {
                    q.metrics.push(("tAcd", qe - qs, qe));
                }
                parts.push(q);
                off += d.wait;

                if d.voicemail {
                    let vs = at(off);
                    let ve = at(off + d.vm_dur);
                    let mut v = new_part(
                        parts.len(),
                        "voicemail",
                        Some(self.queues[d.queue].name.clone()),
                        vs,
                    );
                    v.queue = Some(d.queue);
                    v.end = Some(ve);
                    set_addr(&mut v);
                    let mut s = seg(vs, Some(ve), "interact");
                    s.queue = Some(d.queue);
                    s.disconnect = Some("peer");
                    v.segs.push(s);
                    v.metrics.push(("tVoicemail", ve - vs, ve));
                    parts.push(v);
                }

                if d.rona {
                    // Alerted, not answered: the call goes to the next agent.
                    let s0 = at(off);
                    let s1 = at(off + d.rona_alert);
                    let mut a = new_part(parts.len(), "agent", user_name(d.agent2), s0);
                    a.user = Some(d.agent2);
                    a.queue = Some(d.queue);
                    a.connected = None;
                    a.end = Some(s1);
                    set_addr(&mut a);
                    let mut s = seg(s0, Some(s1), "alert");
                    s.queue = Some(d.queue);
                    s.disconnect = Some("noAnswerTransfer");
                    a.segs.push(s);
                    a.metrics = vec![("tAlert", s1 - s0, s1), ("tNotResponding", s1 - s0, s1)];
                    parts.push(a);
                    off += d.rona_alert;
                }

                // (agent, queue, alert, handle, wrap-up, code, note) of each agent who answers.
                type Leg = (usize, usize, i64, i64, i64, usize, Option<usize>);
                let first: Leg = (
                    d.agent1, d.queue, d.alert, d.handle, d.wrap, d.wrapcode, d.note,
                );
                let second: Leg = (
                    d.agent2,
                    d.queue2,
                    d.alert2,
                    d.handle2,
                    d.wrap2,
                    d.wrapcode2,
                    d.note2,
                );
                let agents: Vec<Leg> = if d.abandoned {
                    vec![]
                } else if d.transfer {
                    vec![first, second]
                } else {
                    vec![first]
                };
                let n_agents = agents.len();
                for (k, (ag, qu, al, ha, wr, wc, note)) in agents.into_iter().enumerate() {
                    let last = k + 1 == n_agents;
                    let s0 = at(off);
                    let conn = at(off + al);
                    let ended = !(d.active && last) || d.end.is_some();
                    let e = if ended { Some(at(off + al + ha)) } else { None };
                    let mut a = new_part(parts.len(), "agent", user_name(ag), s0);
                    a.user = Some(ag);
                    a.queue = Some(qu);
                    a.connected = Some(conn);
                    a.end = e;
                    set_addr(&mut a);
                    let mut sa = seg(s0, Some(conn), "alert");
                    sa.queue = Some(qu);
                    a.segs.push(sa);
                    let dc = e.map(|_| if last { agent_dc } else { "transfer" });
                    let mut consult_part = None;
                    // The hold, if any: (start, end).
                    let mut held = None;
                    match d.hold.filter(|_| k == 0) {
                        Some((h_off, h_len)) => {
                            let hs = at(off + al + h_off);
                            let he = at(off + al + h_off + h_len);
                            held = Some((hs, he));
                            a.segs.push(Seg {
                                queue: Some(qu),
                                ..seg(conn, Some(hs), "interact")
                            });
                            a.segs.push(Seg {
                                queue: Some(qu),
                                ..seg(hs, Some(he), "hold")
                            });
                            a.segs.push(Seg {
                                queue: Some(qu),
                                disconnect: dc,
                                ..seg(he, e, "interact")
                            });
                            a.metrics.push(("tHeld", he - hs, he));
                            caller_segs.push(seg(hs, Some(he), "hold"));
                            if let Some((c_al, c_talk)) = d.consult {
                                // The agent consults a colleague while the caller holds.
                                let cs = at(off + al + h_off + 1_000);
                                let cc = at(off + al + h_off + 1_000 + c_al);
                                let ce = at(off + al + h_off + 1_000 + c_al + c_talk);
                                let u = d.other_user;
                                let mut p = new_part(0, "user", user_name(u), cs);
                                p.user = Some(u);
                                p.connected = Some(cc);
                                p.end = Some(ce);
                                p.direction = "outbound";
                                p.ani = Some(extension(ag));
                                p.dnis = Some(extension(u));
                                p.segs = vec![
                                    seg(cs, Some(cc), "alert"),
                                    Seg {
                                        disconnect: Some("peer"),
                                        ..seg(cc, Some(ce), "interact")
                                    },
                                ];
                                p.metrics = vec![("tAlert", cc - cs, cc)];
                                talk(&mut p.metrics, &[(cc, ce)]);
                                consult_part = Some(p);
                            }
                        }
                        None => {
                            a.segs.push(Seg {
                                queue: Some(qu),
                                disconnect: dc,
                                ..seg(conn, e, "interact")
                            });
                        }
                    }
                    a.metrics.insert(0, ("tAnswered", conn - s0, conn));
                    a.metrics.insert(0, ("tAlert", conn - s0, conn));
                    if let Some(e) = e {
                        a.segs.push(Seg {
                            queue: Some(qu),
                            wrapup: Some(wc),
                            note,
                            ..seg(e, Some(e + wr), "wrapup")
                        });
                        // Talk excludes hold: handle = talk + hold + ACW, as Genesys has it
                        // (tTalkComplete + tHeldComplete + tAcw).
                        let hold = held.map_or(0, |(hs, he)| he - hs);
                        if voice {
                            match held {
                                Some((hs, he)) => talk(&mut a.metrics, &[(conn, hs), (he, e)]),
                                None => talk(&mut a.metrics, &[(conn, e)]),
                            }
                        }
                        if hold > 0 {
                            a.metrics.push(("tHeldComplete", hold, e));
                        }
                        a.metrics.push(("tAcw", wr, e + wr));
                        a.metrics.push(("tHandle", e - conn + wr, e + wr));
                        a.wrapup = Some((wc, e, e + wr));
                        a.note = note;
                    }
                    parts.push(a);
                    if let Some(mut p) = consult_part {
                        let j = parts.len();
                        p.id = self.sub_id(i, 0x9A7, j);
                        p.session_id = self.sub_id(i, 0x5E5, j);
                        parts.push(p);
                    }
                    off += al + ha;
                }
            }
            // The caller's segments: interact around any holds, ended by whoever hung up.
            let start = if voice { at(d.setup) } else { t0 };
            let answered = !d.abandoned && !d.bot_only && d.ivr_exit == IvrExit::Queue;
            let last_dc = conv_end.map(|_| match d.ivr_exit {
                _ if answered => outside_dc,
                IvrExit::Closed => "peer",
                _ if voice => "endpoint",
                _ if d.abandoned || d.bot_only => "client",
                _ => "peer",
            });
            let mut segs = Vec::new();
            let mut cur = start;
            for h in caller_segs.drain(..) {
                if h.typ == "system" {
                    segs.push(h);
                    continue;
                }
                segs.push(seg(cur, Some(h.start), "interact"));
                cur = h.end.unwrap_or(h.start);
                segs.push(h);
            }
            segs.push(Seg {
                disconnect: last_dc,
                ..seg(cur, conv_end, "interact")
            });
            let c = &mut parts[0];
            c.segs = segs;
            c.metrics.push(("nConnected", 1, t0));
        }

        let mut conv = Conv {
            id: self.conversation_id(i),
            start: t0,
            end: conv_end,
            kind,
            draw: d,
            cust,
            parts,
        };
        if d.active {
            clip(&mut conv, now);
        }
        if attributes {
            self.attributes(i, &mut conv, now);
        }
        if self.is_hostile(i) {
            self.make_hostile(i, &mut conv, attributes);
        }
        conv
    }

    /// With `--hostile`, a quarter of the conversations and always the newest one.
    fn is_hostile(&self, i: usize) -> bool {
        self.hostile
            && (i + 1 == self.times.len() || hash(&[self.seed, 0xB0D, i as u64]).is_multiple_of(4))
    }

    /// Puts hostile text where visitors can type: the customer's name and attributes.
    fn make_hostile(&self, i: usize, conv: &mut Conv, attributes: bool) {
        use super::hostile::{CORPUS, KEYS, long_key, long_value};
        let mut r = Rng::new(hash(&[self.seed, 0xB0E, i as u64]));
        for p in &mut conv.parts {
            if !p.is_outside() {
                continue;
            }
            p.name = Some(r.pick(CORPUS).to_string());
            if attributes {
                for (j, v) in CORPUS.iter().enumerate() {
                    p.attributes
                        .insert(format!("hostile.{j:02}"), v.to_string());
                }
                for k in KEYS {
                    p.attributes
                        .insert(k.to_string(), r.pick(CORPUS).to_string());
                }
                p.attributes.insert("hostile.long".into(), long_value());
                p.attributes.insert(long_key(), "a key too long".into());
            }
        }
    }

    /// In a burst period of live conversation `i`, how long after the period's start `lastPage`
    /// changes a second time (60-280 ms); a third of the periods have one.
    fn burst(&self, i: usize, epoch: i64) -> Option<i64> {
        let mut b = Rng::new(hash(&[self.seed, 0xB125, i as u64, epoch as u64]));
        b.chance(1.0 / 3.0).then(|| b.range(60, 280))
    }

    /// The live schedule, for the Notifications API: the first instant after `after` (epoch ms)
    /// at which live conversation `i` changes: a participant joins, answers or leaves, a segment
    /// starts or ends, a wrap-up is entered, the conversation ends, or its attributes change
    /// (every 5 s, and again within 300 ms in a burst). What changed is what GET conversation,
    /// the details query and jobs show at that instant and not a millisecond before. `None`
    /// when it never changes again (it ended, or it is not live).
    pub fn next_change(&self, i: usize, after: i64) -> Option<i64> {
        if !self.is_active(i) {
            return None;
        }
        let c = self.generate(i, false, i64::MAX);
        let mut next: Option<i64> = None;
        let mut see = |t: i64| {
            if t > after && next.is_none_or(|n| t < n) {
                next = Some(t);
            }
        };
        see(c.start);
        c.end.map(&mut see);
        for p in &c.parts {
            see(p.start);
            p.connected.map(&mut see);
            p.end.map(&mut see);
            for s in &p.segs {
                see(s.start);
                s.end.map(&mut see);
            }
            for m in &p.metrics {
                see(m.2);
            }
            if let Some((_, from, to)) = p.wrapup {
                see(from);
                see(to);
            }
        }
        // The attributes move until the end (the end itself is seen above).
        let last = c.end.unwrap_or(i64::MAX);
        let epoch = after
            .div_euclid(LIVE_PERIOD)
            .max(c.start.div_euclid(LIVE_PERIOD));
        for t in [
            self.burst(i, epoch).map(|b| epoch * LIVE_PERIOD + b),
            Some((epoch + 1) * LIVE_PERIOD),
        ]
        .into_iter()
        .flatten()
        {
            if t < last {
                see(t);
            }
        }
        next
    }

    /// Whether `id` is one of the simulator's queues.
    /// The directory's name for `id` (users, deleted ones too, as `state=any` asks), as the
    /// directory routes serve it: for pictures drawn without a server (`examples/screenshot.rs`).
    pub fn directory_name(&self, kind: crate::genesys::directory::Kind, id: &str) -> Option<&str> {
        use crate::genesys::directory::Kind;
        let pairs: Vec<(&str, &str)> = match kind {
            Kind::User => self.users.iter().map(|u| (&*u.id, &*u.name)).collect(),
            Kind::Queue => self.queues.iter().map(|q| (&*q.id, &*q.name)).collect(),
            Kind::Wrapup => self.wrapups.iter().map(|w| (&*w.id, &*w.name)).collect(),
            Kind::Division => self.divisions.iter().map(|d| (&*d.id, &*d.name)).collect(),
        };
        pairs
            .into_iter()
            .find(|(i, _)| i.eq_ignore_ascii_case(id))
            .map(|(_, n)| n)
    }

    pub fn has_queue(&self, id: &str) -> bool {
        self.queues.iter().any(|q| q.id == id)
    }

    // -----------------------------------------------------------------------------------------
    // What the API serves

    /// The conversation as the details query serves it now: no attributes.
    pub fn analytics(&self, i: usize) -> AnalyticsConversation {
        self.analytics_at(i, Utc::now())
    }

    /// The conversation as the details query serves it at `now` (which only matters for the
    /// active ones): no attributes.
    pub fn analytics_at(&self, i: usize, now: DateTime<Utc>) -> AnalyticsConversation {
        self.render_analytics(&self.generate(i, false, now.timestamp_millis()), false)
    }

    /// The conversation as async job results serve it: with `participants[].attributes`, their
    /// keys and values cut to 1,024 characters.
    pub fn analytics_with_attributes(&self, i: usize, now: DateTime<Utc>) -> AnalyticsConversation {
        self.render_analytics(&self.generate(i, true, now.timestamp_millis()), true)
    }

    /// The analytics record with every participant's attributes whole, as GET conversation
    /// gives them: what `convoscope export --attributes` delivers (values a job cut are read
    /// again), the reference for round trips.
    pub fn analytics_with_whole_attributes(
        &self,
        i: usize,
        now: DateTime<Utc>,
    ) -> AnalyticsConversation {
        let mut c = self.analytics_with_attributes(i, now);
        let whole = self.conversation(i, now);
        for p in &mut c.participants {
            let a = whole
                .participants
                .iter()
                .find(|w| w.id == p.participant_id)
                .map(|w| w.attributes.clone());
            p.attributes = Some(a.unwrap_or_default());
        }
        c
    }

    /// When conversation `i` ends (or ended), if it does: `conversationEnd` from `now` on.
    pub fn end_at(&self, i: usize) -> Option<DateTime<Utc>> {
        self.draw(i)
            .end
            .and_then(|e| Utc.timestamp_millis_opt(e).single())
    }

    /// `GET /api/v2/conversations/{id}`: names, and attributes whole.
    pub fn conversation(&self, i: usize, now: DateTime<Utc>) -> Conversation {
        self.render_conversation(&self.generate(i, true, now.timestamp_millis()))
    }

    // -----------------------------------------------------------------------------------------
    // Selection

    /// The indexes in `[lo, hi)` that `keep` (given the index and its end as seen at `now`) and
    /// the filters both accept, ascending. Filters on media and direction alone are a scan of
    /// the media codes; filters on conversation-level dimensions need only the drawn timeline;
    /// the others generate each conversation.
    pub(crate) fn select_range(
        &self,
        lo: usize,
        hi: usize,
        filters: &Filters,
        now: i64,
        keep: Option<&dyn Fn(usize, Option<i64>) -> bool>,
    ) -> Vec<u32> {
        let kept = |i: usize| keep.is_none_or(|k| k(i, self.end_ms(i, now)));
        if filters.is_empty() {
            return (lo..hi).filter(|&i| kept(i)).map(|i| i as u32).collect();
        }
        if filters.by_kind() {
            let mask = Dataset::kind_mask(filters);
            return (lo..hi)
                .filter(|&i| mask >> self.codes[i] & 1 == 1 && kept(i))
                .map(|i| i as u32)
                .collect();
        }
        let quick = filters.quick();
        (lo..hi)
            .filter(|&i| {
                if !kept(i) {
                    return false;
                }
                if quick {
                    filters.eval_quick(&QuickRow::new(self, i, now))
                } else {
                    let c = self.generate(i, false, now);
                    self.eval_full(&c, filters)
                }
            })
            .map(|i| i as u32)
            .collect()
    }

    /// The media codes that pass filters on media and direction alone, as a bit mask.
    pub(crate) fn kind_mask(filters: &Filters) -> u32 {
        Kind::all_codes()
            .filter(|&code| filters.eval_quick(&KindRow(Kind::from_code(code))))
            .fold(0u32, |m, code| m | 1 << code)
    }

    /// The media code of each conversation, in start order.
    pub(crate) fn codes(&self) -> &[u8] {
        &self.codes
    }

    /// The value `orderBy` sorts conversation `i` by at `now`; `None` (sorted last) while it
    /// goes on. Start orders are the index order and need no key.
    pub(crate) fn sort_key(&self, i: usize, by: OrderBy, now: i64) -> Option<i64> {
        match by {
            OrderBy::ConversationStart | OrderBy::SegmentStart => Some(self.times[i]),
            OrderBy::ConversationEnd => self.end_ms(i, now),
            OrderBy::SegmentEnd => {
                let c = self.generate(i, false, now);
                let segs = || c.parts.iter().flat_map(|p| p.segs.iter());
                if segs().any(|s| s.end.is_none()) {
                    None
                } else {
                    segs().filter_map(|s| s.end).max()
                }
            }
        }
    }

    /// Index of the first active conversation (all of them are the last ones).
    pub(crate) fn first_active(&self) -> usize {
        self.times.len() - self.active
    }

    pub(crate) fn eval_full(&self, c: &Conv, filters: &Filters) -> bool {
        let crow = ConvRow { ds: self, c };
        if !filters.conv.iter().all(|cl| cl.eval(&crow)) {
            return false;
        }
        filters.seg.iter().all(|cl| {
            c.parts.iter().any(|p| {
                p.segs
                    .iter()
                    .any(|s| cl.eval(&SegRow { ds: self, c, p, s }))
            })
        })
    }

    /// Indexes whose conversationStart is in `[start, end)`, in ascending start order, filtered
    /// as the client's `Media::segment_filters()` select.
    pub fn matching(&self, interval: &Interval, media: Media) -> Vec<usize> {
        let filters = Filters::parse(&Value::Array(media.segment_filters()), &Value::Null)
            .expect("media filters parse");
        let (lo, hi) = self.range(
            interval.start.timestamp_millis(),
            interval.end.timestamp_millis(),
        );
        self.select_range(lo, hi, &filters, Utc::now().timestamp_millis(), None)
            .into_iter()
            .map(|i| i as usize)
            .collect()
    }

    /// What the details query answers for `interval` and `media` at `now`, in ascending start
    /// order: the conversations that overlap the interval (still going on, or ended after its
    /// start) and started on a UTC day it touches.
    pub fn query_matching(
        &self,
        interval: &Interval,
        media: Media,
        now: DateTime<Utc>,
    ) -> Vec<usize> {
        self.window_matching(&Window::query(interval), media, now)
    }

    /// What an async job over `interval` submitted at `now` holds: the conversations that
    /// overlap the interval and ended before `available` (the data availability date).
    pub fn job_matching(
        &self,
        interval: &Interval,
        media: Media,
        available: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Vec<usize> {
        self.window_matching(
            &Window::job(interval, available.timestamp_millis(), false),
            media,
            now,
        )
    }

    fn window_matching(&self, w: &Window, media: Media, now: DateTime<Utc>) -> Vec<usize> {
        let filters = Filters::parse(&Value::Array(media.segment_filters()), &Value::Null)
            .expect("media filters parse");
        let (lo, hi) = self.range(w.floor, w.to);
        let now = now.timestamp_millis();
        let keep = |i: usize, end: Option<i64>| w.admits(self.times[i], end);
        self.select_range(lo, hi, &filters, now, Some(&keep))
            .into_iter()
            .map(|i| i as usize)
            .collect()
    }

    /// Start of the generated span.
    pub fn first_start(&self) -> Option<DateTime<Utc>> {
        self.times
            .first()
            .and_then(|&t| Utc.timestamp_millis_opt(t).single())
    }

    /// End of the generated span.
    pub fn last_start(&self) -> Option<DateTime<Utc>> {
        self.times
            .last()
            .and_then(|&t| Utc.timestamp_millis_opt(t).single())
    }

    /// A one-line summary (for the startup message).
    pub fn describe(&self) -> String {
        let span = match (self.first_start(), self.last_start()) {
            (Some(a), Some(b)) => format!("{} .. {}", format_time(a), format_time(b)),
            _ => "empty".into(),
        };
        format!(
            "{} ({} active), seed {}, starts {}",
            crate::human::count(self.len() as u64, "conversation"),
            crate::human::num(self.active),
            self.seed,
            span
        )
    }
}

/// Which conversations an interval selects, as the API matches them.
///
/// Conversations that start in `[from, to)`, and those that started in `[floor, from)` and are
/// still going on or ended after `from` (they overlap the interval); with `ended_before`, only
/// those that ended before it (an async job sees the data lake only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Window {
    pub floor: i64,
    pub from: i64,
    pub to: i64,
    pub ended_before: Option<i64>,
}

const DAY_MS: i64 = 86_400_000;

impl Window {
    /// The details query: conversations that overlap the interval and started on a UTC day it
    /// touches (the daily indexes).
    pub(crate) fn query(iv: &Interval) -> Window {
        let from = iv.start.timestamp_millis();
        Window {
            floor: from.div_euclid(DAY_MS) * DAY_MS,
            from,
            to: iv.end.timestamp_millis(),
            ended_before: None,
        }
    }

    /// An async job: conversations that overlap the interval and ended before `available`;
    /// with `start_of_day`, only those that started on or after the start's UTC day.
    pub(crate) fn job(iv: &Interval, available: i64, start_of_day: bool) -> Window {
        let from = iv.start.timestamp_millis();
        Window {
            floor: if start_of_day {
                from.div_euclid(DAY_MS) * DAY_MS
            } else {
                i64::MIN
            },
            from,
            to: iv.end.timestamp_millis(),
            ended_before: Some(available),
        }
    }

    /// Whether a conversation that starts at `start` and ends at `end` (none: goes on) is in.
    pub(crate) fn admits(&self, start: i64, end: Option<i64>) -> bool {
        start >= self.floor
            && start < self.to
            && (start >= self.from || end.is_none_or(|e| e > self.from))
            && self.ended_before.is_none_or(|c| end.is_some_and(|e| e < c))
    }

    /// The lowest start that can be in, for conversations that are not live.
    pub(crate) fn lowest_start(&self) -> i64 {
        self.floor.max(self.from.saturating_sub(MAX_DURATION_MS))
    }
}

/// How the details query and jobs may sort (`orderBy`): the values the API accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OrderBy {
    ConversationStart,
    ConversationEnd,
    SegmentStart,
    SegmentEnd,
}

impl OrderBy {
    pub(crate) const NAMES: [&'static str; 4] = [
        "conversationStart",
        "conversationEnd",
        "segmentStart",
        "segmentEnd",
    ];

    pub(crate) fn parse(s: &str) -> Option<OrderBy> {
        Some(match s {
            "conversationStart" => OrderBy::ConversationStart,
            "conversationEnd" => OrderBy::ConversationEnd,
            "segmentStart" => OrderBy::SegmentStart,
            "segmentEnd" => OrderBy::SegmentEnd,
            _ => return None,
        })
    }

    /// Whether the order is that of the starts (the index order).
    pub(crate) fn by_start(self) -> bool {
        matches!(self, OrderBy::ConversationStart | OrderBy::SegmentStart)
    }
}

/// The wrap-up notes agents type.
pub(crate) fn note_text(n: usize) -> &'static str {
    NOTES[n]
}

/// Whether division `j` is the home division.
pub(crate) fn is_home_division(j: usize) -> bool {
    DIVISIONS.get(j).is_some_and(|d| d.2)
}

/// The flow type of flow `j`.
pub(crate) fn flow_type(j: usize) -> &'static str {
    FLOWS[j].1
}
