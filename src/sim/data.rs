//! The simulator's data: deterministic from the seed, generated lazily per conversation.
//!
//! Only the sorted start times and a one-byte media code are kept in memory (9 bytes a
//! conversation). Everything else (ids, participants, sessions, segments, attributes) is derived
//! from a hash of (seed, index) whenever it is asked for, so a million conversations cost 9 MB,
//! start in well under a second, and a media filter over all of them is a scan of a byte array.
//!
//! The `--active` conversations are live: what they look like depends on the current time too
//! (see [`LivePlan`]): attributes are added, changed and removed every few seconds, some gain a
//! second agent by a transfer, and some end a few minutes after `--until`.
//!
//! Conversation ids are UUID-looking (version 4) and carry a seed-keyed Feistel permutation of the
//! index in their first 32 bits: [`Dataset::index_of`] inverts it and checks the rest of the id.

use chrono::{DateTime, Datelike, TimeZone, Timelike, Utc, Weekday};
use serde_json::{Map, Value, json};

use super::SimConfig;
use super::filter::{Dim, Filters, Row};
use crate::genesys::model::{
    AnalyticsConversation, AnalyticsParticipant, AnalyticsSession, Attributes, Conversation,
    ConversationParticipant, format_time,
};
use crate::genesys::query::{Interval, Media};

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

fn time(ms: i64) -> String {
    format_time(Utc.timestamp_millis_opt(ms).single().unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// Static pools

/// (display name, first, last, email local part)
const CUSTOMERS: &[(&str, &str, &str, &str)] = &[
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
const QUEUES: &[&str] = &[
    "Sales",
    "Support - Tier 1",
    "Support - Tier 2",
    "Billing",
    "Returns",
    "VIP Care",
    "Technical Support",
    "Retención España",
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
];
const DIVISIONS: &[&str] = &["Home", "EMEA"];
const HOUR_WEIGHT: [f64; 24] = [
    1.0, 0.7, 0.5, 0.5, 0.6, 1.0, 2.5, 6.0, 12.0, 17.0, 19.0, 19.0, 16.0, 17.0, 19.0, 18.0, 16.0,
    13.0, 10.0, 8.0, 6.0, 4.0, 2.5, 1.5,
];

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

#[derive(Debug, Clone)]
pub(crate) struct Seg {
    pub start: i64,
    pub end: Option<i64>,
    pub typ: &'static str,
    pub queue: Option<usize>,
    pub disconnect: Option<&'static str>,
    pub wrapup: Option<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub id: String,
    pub session_id: String,
    pub purpose: &'static str,
    pub name: String,
    pub agent: Option<usize>,
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
    pub attributes: Attributes,
}

#[derive(Debug, Clone)]
pub(crate) struct Conv {
    pub id: String,
    pub start: i64,
    pub end: Option<i64>,
    pub kind: Kind,
    pub division: usize,
    pub external_tag: Option<String>,
    pub mos: Option<f64>,
    pub recording: bool,
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
/// drawn length: below this it is re-planned as one that ends sooner (see `generate`).
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

struct Pool {
    id: String,
    name: String,
}

/// The simulator's conversations.
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
    agents: Vec<Pool>,
    queues: Vec<Pool>,
    flows: Vec<Pool>,
    wrapups: Vec<Pool>,
    divisions: Vec<Pool>,
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

fn pool(seed: u64, tag: u64, names: impl IntoIterator<Item = String>) -> Vec<Pool> {
    names
        .into_iter()
        .enumerate()
        .map(|(j, name)| Pool {
            id: uuid(
                hash(&[seed, tag, j as u64, 1]),
                hash(&[seed, tag, j as u64, 2]),
            ),
            name,
        })
        .collect()
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

        let agents = pool(
            seed,
            0xA6E7,
            (0..40).map(|j| {
                let mut r = Rng::new(hash(&[seed, 0xA6E8, j]));
                format!("{} {}", r.pick(AGENT_FIRST), r.pick(AGENT_LAST))
            }),
        );
        Dataset {
            seed,
            hostile: cfg.hostile,
            active,
            until: end_ms,
            times,
            codes,
            live,
            agents,
            queues: pool(seed, 0x0EE0, QUEUES.iter().map(|s| s.to_string())),
            flows: pool(seed, 0xF10, FLOWS.iter().map(|s| s.0.to_string())),
            wrapups: pool(seed, 0x3A9, WRAPUPS.iter().map(|s| s.to_string())),
            divisions: pool(seed, 0xD1F, DIVISIONS.iter().map(|s| s.to_string())),
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

    /// Generates the whole conversation; attributes only when `attributes` (they come from
    /// their own random stream, so the rest is the same either way). `now` (epoch ms) only
    /// matters for active conversations: they are shown as they stand at that moment.
    pub(crate) fn generate(&self, i: usize, attributes: bool, now: i64) -> Conv {
        let kind = self.kind(i);
        let active = self.is_active(i);
        let mut r = Rng::new(hash(&[self.seed, 0x6E4, i as u64]));
        let t0 = self.times[i];
        let cust = r.below(CUSTOMERS.len());
        let media = kind.media;
        let msg = media == "message";

        // Scenario.
        let bot = msg && !kind.outbound && r.chance(0.3);
        let bot_only = bot && !active && r.chance(0.25);
        let mut abandoned = !kind.outbound && !bot_only && !active && r.chance(0.12);
        let mut transfer = !kind.outbound && !bot_only && !abandoned && r.chance(0.10);
        let queue = r.below(self.queues.len());
        let queue2 = (queue + 1 + r.below(self.queues.len() - 1)) % self.queues.len();
        let agent1 = r.below(self.agents.len());
        let agent2 = (agent1 + 1 + r.below(self.agents.len() - 1)) % self.agents.len();

        // Durations (ms), drawn in a fixed order.
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
        let with_flow = media != "callback" && !kind.outbound;
        let dial = if kind.outbound {
            r.range(5_000, 30_000)
        } else {
            0
        };
        let until = self.until_ms();
        let total_of = |abandoned: bool, transfer: bool, handle: i64, handle2: i64| {
            if kind.outbound {
                dial + handle
            } else if bot_only || abandoned {
                flow_dur + if abandoned { wait } else { 0 }
            } else {
                flow_dur + wait + alert + handle + if transfer { alert2 + handle2 } else { 0 }
            }
        };
        let mut total = total_of(abandoned, transfer, handle, handle2);
        // An outbound call that could not have been answered before `until`: the agent gave up
        // dialing.
        let mut unanswered = false;
        // Ended conversations end before `until`: squeeze the timeline if needed, but not below
        // half its length: one that started too close to `until` for an agent to take it ends
        // before one does (the customer leaves in the flow or the queue), or, outbound, unanswered.
        if !active && t0 + total >= until && ((until - 1 - t0) as f64) < total as f64 * MIN_SQUEEZE
        {
            if kind.outbound {
                unanswered = true;
                total = dial;
            } else if !bot_only && !abandoned {
                abandoned = true;
                transfer = false;
                total = total_of(true, false, handle, handle2);
            }
        }
        let scale = if !active && t0 + total >= until {
            ((until - 1 - t0).max(1) as f64) / total as f64
        } else {
            1.0
        };
        let at = |off: i64| t0 + (off as f64 * scale) as i64;
        // Live conversations: the first agent answers before `until` when it can (the time before
        // it is compressed if need be), then the plan's transfer and end, if any.
        let mut live_end = None;
        if let Some(plan) = self.live_plan(i) {
            let pre = flow_dur + wait + alert;
            let room = (until - 10_000 - t0).max(3_000);
            if pre > room {
                let f = room as f64 / pre as f64;
                flow_dur = ((flow_dur as f64 * f) as i64).max(1);
                wait = ((wait as f64 * f) as i64).max(1);
                alert = ((alert as f64 * f) as i64).max(1);
            }
            let answered = t0 + flow_dur + wait + alert;
            let transfer_at = plan.transfer_at.map(|t| t.max(answered + 10_000));
            live_end = plan.end_at.map(|e| e.max(answered + 5_000));
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
        }

        let division = usize::from(r.chance(0.2));
        let external_tag = r
            .chance(0.1)
            .then(|| format!("CRM-{:06}", r.range(0, 999_999)));
        let recording = matches!(media, "voice") || r.chance(0.3);
        let mos = (media == "voice").then(|| 3.5 + (r.range(0, 95) as f64) / 100.0);
        let customer_contact = r
            .chance(0.3)
            .then(|| self.sub_id(i, 0xEC0, 0))
            .filter(|_| !kind.outbound);
        let phone = format!(
            "+{}{}",
            r.pick(&["44", "1", "34", "49", "81", "47"]),
            r.range(200_000_000, 999_999_999)
        );
        let our_number = "+18005550100".to_string();

        let (cname, _, _, email_local) = CUSTOMERS[cust];
        let cust_addr = match (media, kind.message_type) {
            ("voice", _) | ("callback", _) => format!("tel:{phone}"),
            ("email", _) => format!("{email_local}@example.com"),
            (_, Some("sms")) | (_, Some("whatsapp")) => phone.clone(),
            (_, Some("facebook")) => cname.to_string(),
            _ => String::new(),
        };
        let contact_addr = match (media, kind.message_type) {
            ("voice", _) | ("callback", _) => format!("tel:{our_number}"),
            ("email", _) => "support@acme-demo.example".to_string(),
            (_, Some("sms")) | (_, Some("whatsapp")) => our_number.clone(),
            (_, Some("facebook")) => "Acme Demo".to_string(),
            _ => "Acme Web Messenger".to_string(),
        };

        let mut parts: Vec<Part> = Vec::new();
        let new_part = |j: usize, purpose: &'static str, name: String, start: i64| Part {
            id: self.sub_id(i, 0x9A7, j),
            session_id: self.sub_id(i, 0x5E5, j),
            purpose,
            name,
            agent: None,
            queue: None,
            flow: None,
            start,
            connected: Some(start),
            end: None,
            direction: if kind.outbound { "outbound" } else { "inbound" },
            address_from: None,
            address_to: None,
            ani: None,
            dnis: None,
            external_contact: None,
            segs: Vec::new(),
            metrics: Vec::new(),
            wrapup: None,
            attributes: Attributes::new(),
        };
        let seg = |start: i64, end: Option<i64>, typ: &'static str| Seg {
            start,
            end,
            typ,
            queue: None,
            disconnect: None,
            wrapup: None,
        };
        let conv_end = if active { live_end } else { Some(at(total)) };
        let set_addr = |p: &mut Part| {
            if media == "voice" || media == "callback" {
                p.ani = Some(format!("tel:{phone}"));
                p.dnis = Some(format!("tel:{our_number}"));
            } else if kind.outbound {
                p.address_from = Some(contact_addr.clone());
                p.address_to = Some(cust_addr.clone());
            } else {
                p.address_from = Some(cust_addr.clone()).filter(|s| !s.is_empty());
                p.address_to = Some(contact_addr.clone());
            }
        };

        if unanswered {
            // The agent dials; nobody answers before the agent hangs up.
            let e = at(total);
            let mut a = new_part(0, "agent", self.agents[agent1].name.clone(), t0);
            a.agent = Some(agent1);
            a.connected = None;
            a.end = Some(e);
            set_addr(&mut a);
            let mut s0 = seg(t0, Some(e), "dialing");
            s0.disconnect = Some("client");
            a.segs = vec![s0];
            a.metrics = vec![("tContacting", e - t0, e)];
            parts.push(a);
        } else if kind.outbound {
            let dial = dial.max(1);
            let mut a = new_part(0, "agent", self.agents[agent1].name.clone(), t0);
            a.agent = Some(agent1);
            a.connected = Some(at(dial));
            a.end = conv_end;
            set_addr(&mut a);
            let mut s0 = seg(t0, Some(at(dial)), "dialing");
            s0.disconnect = None;
            let mut s1 = seg(at(dial), conv_end, "interact");
            s1.disconnect = Some("client");
            a.segs = vec![s0, s1];
            let e = at(total);
            a.segs.push(Seg {
                wrapup: Some(wrapcode),
                ..seg(e, Some(e + wrap), "wrapup")
            });
            a.metrics = vec![
                ("tContacting", at(dial) - t0, at(dial)),
                ("tTalk", e - at(dial), e),
                ("tHandle", e - at(dial) + wrap, e + wrap),
                ("tAcw", wrap, e + wrap),
            ];
            if media != "voice" {
                a.metrics.retain(|m| m.0 != "tTalk");
            }
            a.wrapup = Some((wrapcode, e, e + wrap));
            parts.push(a);
            let mut c = new_part(1, "external", cname.to_string(), at(dial));
            c.end = conv_end;
            c.external_contact = customer_contact.clone();
            set_addr(&mut c);
            let mut s = seg(at(dial), conv_end, "interact");
            s.disconnect = Some("peer");
            c.segs.push(s);
            parts.push(c);
        } else {
            // customer
            let mut c = new_part(0, "customer", cname.to_string(), t0);
            c.end = conv_end;
            c.external_contact = customer_contact.clone();
            set_addr(&mut c);
            let mut s = seg(t0, conv_end, "interact");
            s.disconnect = conv_end.map(|_| {
                if abandoned || r.chance(0.6) {
                    "client"
                } else {
                    "peer"
                }
            });
            c.segs.push(s);
            c.metrics.push(("nConnected", 1, t0));
            parts.push(c);
            let mut off = 0i64;

            if with_flow {
                let (purpose, flow) = match (media, kind.message_type) {
                    ("voice", _) => ("ivr", 3),
                    ("email", _) => ("workflow", 4),
                    ("chat", _) => ("workflow", 5),
                    _ if bot => ("botflow", 2),
                    (_, Some("webmessaging")) => ("workflow", 0),
                    _ => ("workflow", 1),
                };
                let fs = at(0) + 50;
                let fe = at(flow_dur).max(fs);
                let mut f = new_part(parts.len(), purpose, self.flows[flow].name.clone(), fs);
                f.flow = Some(flow);
                f.end = Some(fe);
                set_addr(&mut f);
                let mut s = seg(
                    fs,
                    Some(fe),
                    if media == "voice" { "ivr" } else { "interact" },
                );
                s.disconnect = Some(if bot_only { "peer" } else { "transfer" });
                f.segs.push(s);
                f.metrics = vec![("nFlow", 1, fs), ("tFlow", fe - fs, fe)];
                if media == "voice" {
                    f.metrics.push(("tIvr", fe - fs, fe));
                }
                if bot_only {
                    f.metrics.push(("nFlowOutcome", 1, fe));
                }
                parts.push(f);
                off = flow_dur;
            }

            if !bot_only {
                // acd
                let qs = at(off);
                let qe = at(off + wait);
                let mut q = new_part(parts.len(), "acd", self.queues[queue].name.clone(), qs);
                q.queue = Some(queue);
                q.end = Some(qe);
                set_addr(&mut q);
                let mut s = seg(qs, Some(qe), "interact");
                s.queue = Some(queue);
                s.disconnect = Some(if abandoned { "peer" } else { "transfer" });
                q.segs.push(s);
                q.metrics.push(("nOffered", 1, qs));
                if abandoned {
                    q.metrics.push(("tAbandon", qe - qs, qe));
                } else {
                    q.metrics.push(("tAcd", qe - qs, qe));
                }
                parts.push(q);
                off += wait;

                let agents: Vec<(usize, usize, i64, i64, i64, usize)> = if abandoned {
                    vec![]
                } else if transfer {
                    vec![
                        (agent1, queue, alert, handle, wrap, wrapcode),
                        (agent2, queue2, alert2, handle2, wrap2, wrapcode2),
                    ]
                } else {
                    vec![(agent1, queue, alert, handle, wrap, wrapcode)]
                };
                let n_agents = agents.len();
                for (k, (ag, qu, al, ha, wr, wc)) in agents.into_iter().enumerate() {
                    let last = k + 1 == n_agents;
                    let s0 = at(off);
                    let conn = at(off + al);
                    let ended = !(active && last) || live_end.is_some();
                    let e = if ended { Some(at(off + al + ha)) } else { None };
                    let mut a = new_part(parts.len(), "agent", self.agents[ag].name.clone(), s0);
                    a.agent = Some(ag);
                    a.queue = Some(qu);
                    a.connected = Some(conn);
                    a.end = e;
                    set_addr(&mut a);
                    let mut sa = seg(s0, Some(conn), "alert");
                    sa.queue = Some(qu);
                    let mut si = seg(conn, e, "interact");
                    si.queue = Some(qu);
                    si.disconnect = e.map(|_| if last { "client" } else { "transfer" });
                    a.segs = vec![sa, si];
                    a.metrics = vec![("tAlert", conn - s0, conn), ("tAnswered", conn - s0, conn)];
                    if let Some(e) = e {
                        a.segs.push(Seg {
                            queue: Some(qu),
                            wrapup: Some(wc),
                            ..seg(e, Some(e + wr), "wrapup")
                        });
                        if media == "voice" {
                            a.metrics.push(("tTalk", e - conn, e));
                        }
                        a.metrics.push(("tHandle", e - conn + wr, e + wr));
                        a.metrics.push(("tAcw", wr, e + wr));
                        a.wrapup = Some((wc, e, e + wr));
                    }
                    parts.push(a);
                    off += al + ha;
                }
            }
        }

        let mut conv = Conv {
            id: self.conversation_id(i),
            start: t0,
            end: conv_end,
            kind,
            division,
            external_tag,
            mos,
            recording,
            parts,
        };
        if active {
            clip(&mut conv, now);
        }
        if attributes {
            self.attributes(i, &mut conv, bot, now);
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
        use super::hostile::{CORPUS, KEYS, long_value};
        let mut r = Rng::new(hash(&[self.seed, 0xB0E, i as u64]));
        for p in &mut conv.parts {
            if p.purpose != "customer" && p.purpose != "external" {
                continue;
            }
            p.name = r.pick(CORPUS).to_string();
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
            }
        }
    }

    fn until_ms(&self) -> i64 {
        self.until
    }

    fn attributes(&self, i: usize, conv: &mut Conv, bot: bool, now: i64) {
        let mut r = Rng::new(hash(&[self.seed, 0xA77, i as u64]));
        if r.chance(0.15) && !self.is_active(i) {
            return; // no attributes at all
        }
        let kind = conv.kind;
        let (_, first, last, email_local) = CUSTOMERS[CUSTOMERS
            .iter()
            .position(|c| {
                c.0 == conv
                    .parts
                    .iter()
                    .find(|p| p.purpose == "customer" || p.purpose == "external")
                    .map(|p| p.name.as_str())
                    .unwrap_or("")
            })
            .unwrap_or(0)];
        let mut cust = Attributes::new();
        let put = |m: &mut Attributes, k: &str, v: String| {
            m.insert(k.to_string(), v);
        };
        match (kind.media, kind.message_type) {
            ("message", Some("webmessaging")) | ("chat", _) => {
                put(
                    &mut cust,
                    "context.email",
                    format!("{email_local}@example.com"),
                );
                put(&mut cust, "context.firstName", first.to_string());
                put(&mut cust, "context.lastName", last.to_string());
                put(
                    &mut cust,
                    "context.customField1",
                    r.pick(&["gold", "silver", "bronze", ""]).to_string(),
                );
                if r.chance(0.5) {
                    put(
                        &mut cust,
                        "orderId",
                        format!("ORD-{:06}", r.range(0, 999_999)),
                    );
                }
                if r.chance(0.6) {
                    put(
                        &mut cust,
                        "utm_source",
                        r.pick(&["google", "newsletter", "facebook", "instagram"])
                            .to_string(),
                    );
                    put(
                        &mut cust,
                        "utm_campaign",
                        r.pick(&["black-friday-2026", "spring_sale", "retargeting", "brand"])
                            .to_string(),
                    );
                }
                put(
                    &mut cust,
                    "language",
                    r.pick(&["en-US", "es-ES", "de-DE", "ja-JP", "nb-NO", "fr-FR"])
                        .to_string(),
                );
                if r.chance(0.4) {
                    put(
                        &mut cust,
                        "cart",
                        format!(
                            "{{\"items\":{},\"total\":\"{}.{:02}\"}}",
                            r.range(1, 9),
                            r.range(5, 499),
                            r.range(0, 99)
                        ),
                    );
                }
                if r.chance(0.2) {
                    put(
                        &mut cust,
                        "note",
                        r.pick(&[
                            "Entrega en dirección nueva — piso 3º",
                            "配達は午後希望",
                            "Bitte zurückrufen ☎",
                            "Kunde möchte Rückerstattung (Bestellung beschädigt)",
                        ])
                        .to_string(),
                    );
                }
                if r.chance(0.3) {
                    put(&mut cust, "context.phoneNumber", String::new());
                }
            }
            ("message", _) => {
                put(
                    &mut cust,
                    "channel.optIn",
                    r.pick(&["true", "false"]).to_string(),
                );
                if r.chance(0.5) {
                    put(
                        &mut cust,
                        "orderId",
                        format!("ORD-{:06}", r.range(0, 999_999)),
                    );
                }
            }
            ("voice", _) | ("callback", _) => {
                put(
                    &mut cust,
                    "ivr.accountNumber",
                    format!("{:08}", r.range(0, 99_999_999)),
                );
                put(
                    &mut cust,
                    "ivr.menuPath",
                    r.pick(&["1>2", "1>3>1", "2", "3>1", ""]).to_string(),
                );
            }
            _ => {
                put(
                    &mut cust,
                    "subjectCategory",
                    r.pick(&["invoice", "complaint", "return", "other"])
                        .to_string(),
                );
            }
        }
        // Set by flows (Architect Set Participant Data).
        if !kind.outbound {
            put(
                &mut cust,
                "routing.skill",
                r.pick(&["general", "billing", "returns", "español", "vip"])
                    .to_string(),
            );
            if r.chance(0.5) {
                put(
                    &mut cust,
                    "intent",
                    r.pick(&[
                        "order_status",
                        "refund",
                        "change_address",
                        "product_question",
                    ])
                    .to_string(),
                );
            }
        }
        let mut botattrs = Attributes::new();
        if bot {
            put(&mut botattrs, "botSessionId", self.sub_id(i, 0xB07, 0));
            put(
                &mut botattrs,
                "intent",
                r.pick(&["order_status", "refund", "change_address", "talk_to_agent"])
                    .to_string(),
            );
            put(
                &mut botattrs,
                "confidence",
                format!("0.{:02}", r.range(40, 99)),
            );
            put(
                &mut botattrs,
                "botOutcome",
                r.pick(&["handoff", "success", "failure"]).to_string(),
            );
        }
        // Live conversations: the customer keeps browsing. Every 5 s `context.pageViews` changes
        // (and mostly `lastPage`), and `typing` is added or removed; all of it stops at the end.
        // In a burst the visitor clicks on within 300 ms: `lastPage` changes twice in a period.
        if self.is_active(i) {
            let t = conv.end.map_or(now, |e| e.min(now));
            let epoch = t.div_euclid(LIVE_PERIOD);
            let since = (epoch - conv.start.div_euclid(LIVE_PERIOD)).max(0);
            let mut e = Rng::new(hash(&[self.seed, 0x11FE, i as u64, epoch as u64]));
            put(
                &mut cust,
                "context.pageViews",
                (3 + r.range(0, 5) + since).to_string(),
            );
            let mut page = e.below(LIVE_PAGES.len());
            if self
                .burst(i, epoch)
                .is_some_and(|b| t >= epoch * LIVE_PERIOD + b)
            {
                page = (page + 1 + e.below(LIVE_PAGES.len() - 1)) % LIVE_PAGES.len();
            }
            put(&mut cust, "lastPage", LIVE_PAGES[page].to_string());
            if epoch % 2 == 1 && conv.end.is_none() {
                put(&mut cust, "typing", "true".to_string());
            }
        }
        for p in &mut conv.parts {
            match p.purpose {
                "customer" | "external" => p.attributes = cust.clone(),
                "botflow" => p.attributes = botattrs.clone(),
                _ => {}
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
    pub fn has_queue(&self, id: &str) -> bool {
        self.queues.iter().any(|q| q.id == id)
    }

    // -----------------------------------------------------------------------------------------
    // Rendering

    fn render_analytics(&self, c: &Conv, with_attributes: bool) -> AnalyticsConversation {
        let mut extra = Map::new();
        extra.insert("divisionIds".into(), json!([self.divisions[c.division].id]));
        if let Some(t) = &c.external_tag {
            extra.insert("externalTag".into(), json!(t));
        }
        if let (Some(m), Some(_)) = (c.mos, c.end) {
            extra.insert("mediaStatsMinConversationMos".into(), json!(m));
        }
        extra.insert(
            "conversationInitiator".into(),
            json!(if c.kind.outbound { "agent" } else { "customer" }),
        );
        extra.insert("customerParticipation".into(), json!(true));
        let participants = c
            .parts
            .iter()
            .map(|p| {
                let mut sx = Map::new();
                if let Some(v) = &p.ani {
                    sx.insert("ani".into(), json!(v));
                }
                if let Some(v) = &p.dnis {
                    sx.insert("dnis".into(), json!(v));
                }
                if let Some(v) = &p.address_from {
                    sx.insert("addressFrom".into(), json!(v));
                }
                if let Some(v) = &p.address_to {
                    sx.insert("addressTo".into(), json!(v));
                }
                sx.insert(
                    "provider".into(),
                    json!(if c.kind.media == "voice" { "Edge" } else { "PureCloud Messaging" }),
                );
                if p.purpose == "acd" || p.purpose == "agent" {
                    sx.insert("requestedRoutings".into(), json!(["Standard"]));
                    sx.insert("usedRouting".into(), json!("Standard"));
                }
                if p.purpose == "agent" {
                    sx.insert("remote".into(), json!(c.parts[0].name));
                }
                if let Some(f) = p.flow {
                    let mut flow = json!({
                        "flowId": self.flows[f].id,
                        "flowName": self.flows[f].name,
                        "flowType": FLOWS[f].1,
                        "flowVersion": "12.0",
                        "entryType": if c.kind.media == "voice" { "dnis" } else { "direct" },
                        "exitReason": if p.segs.last().and_then(|s| s.disconnect) == Some("peer") { "DISCONNECT" } else { "TRANSFER" },
                    });
                    if flow["exitReason"] == "TRANSFER"
                        && let Some(q) = c.parts.iter().find_map(|p| p.queue)
                    {
                        flow["transferType"] = json!("ACD");
                        flow["transferTargetName"] = json!(self.queues[q].name);
                        flow["transferTargetAddress"] = json!(self.queues[q].id);
                    }
                    sx.insert("flow".into(), flow);
                }
                if !p.metrics.is_empty() {
                    sx.insert(
                        "metrics".into(),
                        Value::Array(
                            p.metrics
                                .iter()
                                .map(|(n, v, t)| json!({"name": n, "value": v, "emitDate": time(*t)}))
                                .collect(),
                        ),
                    );
                }
                sx.insert(
                    "segments".into(),
                    Value::Array(
                        p.segs
                            .iter()
                            .map(|s| {
                                let mut o = Map::new();
                                o.insert("segmentStart".into(), json!(time(s.start)));
                                if let Some(e) = s.end {
                                    o.insert("segmentEnd".into(), json!(time(e)));
                                }
                                o.insert("segmentType".into(), json!(s.typ));
                                if let Some(q) = s.queue {
                                    o.insert("queueId".into(), json!(self.queues[q].id));
                                }
                                if let Some(d) = s.disconnect {
                                    o.insert("disconnectType".into(), json!(d));
                                }
                                if let Some(w) = s.wrapup {
                                    o.insert("wrapUpCode".into(), json!(self.wrapups[w].id));
                                }
                                o.insert("conference".into(), json!(false));
                                Value::Object(o)
                            })
                            .collect(),
                    ),
                );
                let session = AnalyticsSession {
                    session_id: Some(p.session_id.clone()),
                    media_type: Some(c.kind.media.to_string()),
                    message_type: c.kind.message_type.map(str::to_string),
                    direction: Some(p.direction.to_string()),
                    extra: sx,
                };
                let mut px = Map::new();
                if let Some(e) = &p.external_contact {
                    px.insert("externalContactId".into(), json!(e));
                }
                AnalyticsParticipant {
                    participant_id: p.id.clone(),
                    participant_name: Some(p.name.clone()),
                    purpose: Some(p.purpose.to_string()),
                    user_id: p.agent.map(|a| self.agents[a].id.clone()),
                    sessions: vec![session],
                    attributes: with_attributes.then(|| p.attributes.clone()),
                    extra: px,
                }
            })
            .collect();
        AnalyticsConversation {
            conversation_id: c.id.clone(),
            conversation_start: Some(time(c.start)),
            conversation_end: c.end.map(time),
            originating_direction: Some(
                if c.kind.outbound {
                    "outbound"
                } else {
                    "inbound"
                }
                .to_string(),
            ),
            participants,
            extra,
        }
    }

    /// The conversation as the details query serves it now: no attributes.
    pub fn analytics(&self, i: usize) -> AnalyticsConversation {
        self.analytics_at(i, Utc::now())
    }

    /// The conversation as the details query serves it at `now` (which only matters for the
    /// active ones): no attributes.
    pub fn analytics_at(&self, i: usize, now: DateTime<Utc>) -> AnalyticsConversation {
        self.render_analytics(&self.generate(i, false, now.timestamp_millis()), false)
    }

    /// The conversation as async job results serve it: with `participants[].attributes`.
    pub fn analytics_with_attributes(&self, i: usize, now: DateTime<Utc>) -> AnalyticsConversation {
        self.render_analytics(&self.generate(i, true, now.timestamp_millis()), true)
    }

    /// When conversation `i` ends (or ended), if it does: `conversationEnd` from `now` on.
    pub fn end_at(&self, i: usize) -> Option<DateTime<Utc>> {
        self.generate(i, false, i64::MAX)
            .end
            .and_then(|e| Utc.timestamp_millis_opt(e).single())
    }

    /// `GET /api/v2/conversations/{id}`.
    pub fn conversation(&self, i: usize, now: DateTime<Utc>) -> Conversation {
        let c = self.generate(i, true, now.timestamp_millis());
        let mut extra = Map::new();
        if let Some(t) = &c.external_tag {
            extra.insert("externalTag".into(), json!(t));
        }
        let d = &self.divisions[c.division];
        extra.insert(
            "divisions".into(),
            json!([{
                "division": {"id": d.id, "name": d.name, "selfUri": format!("/api/v2/authorization/divisions/{}", d.id)},
                "entities": [],
            }]),
        );
        extra.insert(
            "recordingState".into(),
            json!(if c.recording { "ACTIVE" } else { "NONE" }),
        );
        extra.insert("conversationIds".into(), json!([]));
        extra.insert("maxParticipants".into(), json!(10));
        extra.insert(
            "selfUri".into(),
            json!(format!("/api/v2/conversations/{}", c.id)),
        );
        let participants = c
            .parts
            .iter()
            .map(|p| {
                let mut x = Map::new();
                if let Some(v) = &p.ani {
                    x.insert("ani".into(), json!(v));
                }
                if let Some(v) = &p.dnis {
                    x.insert("dnis".into(), json!(v));
                }
                if let Some(e) = &p.external_contact {
                    x.insert("externalContactId".into(), json!(e));
                }
                if let Some(a) = p.agent {
                    x.insert(
                        "userUri".into(),
                        json!(format!("/api/v2/users/{}", self.agents[a].id)),
                    );
                    x.insert("wrapupRequired".into(), json!(true));
                }
                if let Some((w, s, e)) = p.wrapup {
                    x.insert(
                        "wrapup".into(),
                        json!({
                            "code": self.wrapups[w].id,
                            "name": self.wrapups[w].name,
                            "durationSeconds": (e - s) / 1000,
                            "endTime": time(e),
                        }),
                    );
                }
                let state = if p.end.is_some() {
                    "disconnected"
                } else if p.connected.is_none() {
                    "alerting"
                } else {
                    "connected"
                };
                let mut m = Map::new();
                m.insert("state".into(), json!(state));
                m.insert("id".into(), json!(p.session_id));
                m.insert("direction".into(), json!(p.direction));
                m.insert("held".into(), json!(false));
                if let Some(t) = p.connected {
                    m.insert("connectedTime".into(), json!(time(t)));
                }
                if let Some(e) = p.end {
                    m.insert("disconnectedTime".into(), json!(time(e)));
                    if let Some(d) = p.segs.iter().rev().find_map(|s| s.disconnect) {
                        m.insert("disconnectType".into(), json!(d));
                    }
                }
                let list = match c.kind.media {
                    "message" => {
                        m.insert("type".into(), json!(c.kind.message_type));
                        if let Some(a) = &p.address_to {
                            m.insert("toAddress".into(), json!({"addressNormalized": a}));
                        }
                        if let Some(a) = &p.address_from {
                            m.insert("fromAddress".into(), json!({"addressNormalized": a}));
                        }
                        "messages"
                    }
                    "voice" => {
                        m.insert("recording".into(), json!(c.recording));
                        m.insert(
                            "recordingState".into(),
                            json!(if c.recording { "active" } else { "none" }),
                        );
                        m.insert("muted".into(), json!(false));
                        m.insert("confined".into(), json!(false));
                        m.insert("provider".into(), json!("Edge"));
                        "calls"
                    }
                    "email" => {
                        m.insert("subject".into(), json!("Re: your order"));
                        m.insert("messagesSent".into(), json!(1));
                        "emails"
                    }
                    "callback" => {
                        m.insert(
                            "callbackNumbers".into(),
                            json!([p.ani.as_deref().unwrap_or("").trim_start_matches("tel:")]),
                        );
                        "callbacks"
                    }
                    _ => "chats",
                };
                x.insert(list.into(), json!([Value::Object(m)]));
                let address = p
                    .address_from
                    .clone()
                    .filter(|_| p.purpose == "customer")
                    .or_else(|| p.ani.clone().filter(|_| p.purpose == "customer"))
                    .or_else(|| p.address_to.clone().filter(|_| p.purpose == "external"));
                ConversationParticipant {
                    id: p.id.clone(),
                    name: Some(p.name.clone()),
                    purpose: Some(p.purpose.to_string()),
                    participant_type: Some(
                        if matches!(p.purpose, "customer" | "external") {
                            "External"
                        } else {
                            "Internal"
                        }
                        .to_string(),
                    ),
                    user_id: p.agent.map(|a| self.agents[a].id.clone()),
                    queue_id: p.queue.map(|q| self.queues[q].id.clone()),
                    queue_name: p.queue.map(|q| self.queues[q].name.clone()),
                    address,
                    start_time: Some(time(p.start)),
                    end_time: p.end.map(time),
                    connected_time: p.connected.map(time),
                    attributes: p.attributes.clone(),
                    extra: x,
                }
            })
            .collect();
        Conversation {
            id: c.id.clone(),
            name: Some(c.parts[0].name.clone()).filter(|_| c.kind.media != "message"),
            start_time: Some(time(c.start)),
            end_time: c.end.map(time),
            state: Some(
                if c.end.is_some() {
                    "disconnected"
                } else {
                    "connected"
                }
                .to_string(),
            ),
            participants,
            extra,
        }
    }

    // -----------------------------------------------------------------------------------------
    // Selection

    /// Indexes of the conversations whose start is in `[start, end)` and before `cutoff_ms`, that
    /// pass the filters at `now` (epoch ms), in ascending start order.
    pub(crate) fn select(
        &self,
        interval: &Interval,
        cutoff_ms: i64,
        filters: &Filters,
        now: i64,
    ) -> Vec<u32> {
        let end_ms = interval.end.timestamp_millis().min(cutoff_ms);
        let (lo, hi) = self.range(interval.start.timestamp_millis(), end_ms);
        self.select_range(lo, hi, filters, now)
    }

    /// The indexes in `[lo, hi)` that pass the filters at `now`, ascending. Filters on media and
    /// direction alone are a scan of the media codes; filters on conversation ids look at the
    /// ids only; the others generate each conversation.
    pub(crate) fn select_range(
        &self,
        lo: usize,
        hi: usize,
        filters: &Filters,
        now: i64,
    ) -> Vec<u32> {
        if filters.is_empty() {
            return (lo as u32..hi as u32).collect();
        }
        if filters.by_kind() {
            let mask = Dataset::kind_mask(filters);
            return self.codes[lo..hi]
                .iter()
                .enumerate()
                .filter(|&(_, &c)| mask >> c & 1 == 1)
                .map(|(k, _)| (lo + k) as u32)
                .collect();
        }
        let quick = filters.quick();
        (lo..hi)
            .filter(|&i| {
                if quick {
                    let row = QuickRow {
                        kind: self.kind(i),
                        id: std::cell::OnceCell::new(),
                        ds: self,
                        i,
                    };
                    filters.eval_quick(&row)
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
            OrderBy::ConversationEnd => self.generate(i, false, now).end,
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
        self.select(interval, i64::MAX, &filters, Utc::now().timestamp_millis())
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
            "{} conversations ({} active), seed {}, starts {}",
            self.len(),
            self.active,
            self.seed,
            span
        )
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

/// A row that answers the dimensions of a [`Kind`] (the same on every segment).
struct KindRow(Kind);

impl Row for KindRow {
    fn get(&self, d: Dim) -> Option<&str> {
        match d {
            Dim::MediaType => Some(self.0.media),
            Dim::MessageType => self.0.message_type,
            Dim::OriginatingDirection => Some(if self.0.outbound {
                "outbound"
            } else {
                "inbound"
            }),
            _ => None,
        }
    }
}

struct QuickRow<'a> {
    kind: Kind,
    id: std::cell::OnceCell<String>,
    ds: &'a Dataset,
    i: usize,
}

impl Row for QuickRow<'_> {
    fn get(&self, d: Dim) -> Option<&str> {
        match d {
            Dim::MediaType => Some(self.kind.media),
            Dim::MessageType => self.kind.message_type,
            Dim::OriginatingDirection => Some(if self.kind.outbound {
                "outbound"
            } else {
                "inbound"
            }),
            Dim::ConversationId => Some(self.id.get_or_init(|| self.ds.conversation_id(self.i))),
            _ => None,
        }
    }
}

struct ConvRow<'a> {
    ds: &'a Dataset,
    c: &'a Conv,
}

impl Row for ConvRow<'_> {
    fn get(&self, d: Dim) -> Option<&str> {
        match d {
            Dim::ConversationId => Some(&self.c.id),
            Dim::OriginatingDirection => Some(if self.c.kind.outbound {
                "outbound"
            } else {
                "inbound"
            }),
            Dim::ExternalTag => self.c.external_tag.as_deref(),
            Dim::DivisionId => Some(&self.ds.divisions[self.c.division].id),
            _ => None,
        }
    }
}

struct SegRow<'a> {
    ds: &'a Dataset,
    c: &'a Conv,
    p: &'a Part,
    s: &'a Seg,
}

impl Row for SegRow<'_> {
    fn get(&self, d: Dim) -> Option<&str> {
        let ds = self.ds;
        match d {
            Dim::MediaType => Some(self.c.kind.media),
            Dim::MessageType => self.c.kind.message_type,
            Dim::Direction => Some(self.p.direction),
            Dim::Purpose => Some(self.p.purpose),
            Dim::UserId => self.p.agent.map(|a| ds.agents[a].id.as_str()),
            Dim::QueueId => self.s.queue.map(|q| ds.queues[q].id.as_str()),
            Dim::ParticipantName => Some(&self.p.name),
            Dim::Ani => self.p.ani.as_deref(),
            Dim::Dnis => self.p.dnis.as_deref(),
            Dim::AddressFrom => self.p.address_from.as_deref(),
            Dim::AddressTo => self.p.address_to.as_deref(),
            Dim::ExternalContactId => self.p.external_contact.as_deref(),
            Dim::FlowName => self.p.flow.map(|f| ds.flows[f].name.as_str()),
            Dim::WrapUpCode => self.s.wrapup.map(|w| ds.wrapups[w].id.as_str()),
            Dim::DisconnectType => self.s.disconnect,
            Dim::SegmentType => Some(self.s.typ),
            // Conversation dimensions are visible from segments too.
            Dim::ConversationId => Some(&self.c.id),
            Dim::OriginatingDirection => Some(if self.c.kind.outbound {
                "outbound"
            } else {
                "inbound"
            }),
            Dim::ExternalTag => self.c.external_tag.as_deref(),
            Dim::DivisionId => Some(&ds.divisions[self.c.division].id),
        }
    }
}
