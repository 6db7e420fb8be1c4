//! The conversation's anatomy in the detail pane, as document lines: a timeline (one lane per
//! participant on a shared time axis, each kind of segment its own symbol and kind), the chain
//! of transfers with their disconnect types, each agent's wrap-up and note, and the metrics
//! people ask about (talk, hold, after-call work, handle, queue wait, abandoned).
//!
//! Made from the analytics record the list holds (no request). Segment symbols differ, so the
//! timeline reads without colour (`NO_COLOR`); drawing adds a colour per kind.

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};

use super::Item;
use super::document::{DocLine, Document, Kind, Role, role_symbol};
use crate::genesys::model::AnalyticsParticipant;
use crate::timespec::Zone;
use crate::tui::anatomy::{Lane, Names, Segment, short_id};
use crate::tui::layout::text::{fit, pad, width, wrap};
use crate::tui::row::duration;
use crate::tui::sanitize::sanitize;

/// What a timeline cell shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// IVR, bot or Architect flow.
    Flow,
    /// Waiting in a queue.
    Queue,
    /// Alerting (ringing, offered), dialing, contacting.
    Alert,
    /// Talking (voice) or messaging.
    Talk,
    Hold,
    WrapUp,
    /// System segments, voicemail, anything else.
    Other,
}

impl Seg {
    pub const ALL: [Seg; 7] = [
        Seg::Flow,
        Seg::Queue,
        Seg::Alert,
        Seg::Talk,
        Seg::Hold,
        Seg::WrapUp,
        Seg::Other,
    ];

    /// Its symbol: each its own, so that the lanes read without colour.
    pub fn symbol(self) -> char {
        match self {
            Seg::Flow => '░',
            Seg::Queue => '▒',
            Seg::Alert => '▓',
            Seg::Talk => '█',
            Seg::Hold => '▄',
            Seg::WrapUp => '▚',
            Seg::Other => '·',
        }
    }

    fn label(self, voice: bool) -> &'static str {
        match self {
            Seg::Flow => "IVR/flow",
            Seg::Queue => "queue",
            Seg::Alert => "alerting",
            Seg::Talk if voice => "talking",
            Seg::Talk => "messaging",
            Seg::Hold => "hold",
            Seg::WrapUp => "wrap-up",
            Seg::Other => "system/other",
        }
    }

    /// What a segment of a participant of `purpose` is.
    pub fn of(purpose: &str, typ: &str) -> Seg {
        let flow = matches!(
            purpose,
            "ivr" | "workflow" | "botflow" | "voicesurveyflow" | "inbound"
        );
        match typ {
            "alert" | "dialing" | "contacting" | "scheduled" => Seg::Alert,
            "hold" => Seg::Hold,
            "wrapup" => Seg::WrapUp,
            "ivr" => Seg::Flow,
            "delay" => Seg::Queue,
            "system" | "unknown" => Seg::Other,
            _ if flow => Seg::Flow,
            _ if purpose == "acd" => Seg::Queue,
            _ if purpose == "voicemail" => Seg::Other,
            "interact" | "sharing" | "callback" => Seg::Talk,
            _ => Seg::Other,
        }
    }
}

/// What the anatomy is made from.
pub struct Parts<'a> {
    /// The record's participants (names, purposes, user ids), in order.
    pub participants: &'a [AnalyticsParticipant],
    /// The customer (who is on the outside: `facts::outside`) by index, with their address
    /// (the caller's number on an inbound call), to name them when they have no name.
    pub outside: Option<(usize, String)>,
    /// Their segments and metrics, in the same order.
    pub lanes: &'a [Lane],
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub voice: bool,
    pub names: &'a dyn Names,
    pub zone: Zone,
    /// Where a live conversation's open segments end on the axis.
    pub now: DateTime<Utc>,
}

impl Parts<'_> {
    /// Who a participant is, in a few words: its name, else its user's, else its queue's, else
    /// a short id, after its role's symbol.
    fn who(&self, i: usize) -> String {
        let p = &self.participants[i];
        let purpose = p.purpose.as_deref().unwrap_or("unknown");
        let name = p
            .participant_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .map(sanitize)
            .or_else(|| {
                let u = p.user_id.as_deref()?;
                Some(sanitize(self.names.user(u).unwrap_or(&short_id(u))))
            })
            .or_else(|| {
                let (o, a) = self.outside.as_ref()?;
                (*o == i).then(|| sanitize(a))
            })
            .or_else(|| {
                let q = self.lanes.get(i)?.queues().first().copied()?;
                Some(self.queue(q))
            })
            .unwrap_or_else(|| sanitize(purpose));
        format!("{} {name}", role_symbol(purpose))
    }

    fn purpose(&self, i: usize) -> &str {
        self.participants[i].purpose.as_deref().unwrap_or("unknown")
    }

    fn role(&self, i: usize) -> Kind {
        Kind::Role(Role::of(self.purpose(i)))
    }

    /// A queue's name: the directory's, else the name of this conversation's `acd` participant
    /// in it, else a short id.
    fn queue(&self, id: &str) -> String {
        if let Some(n) = self.names.queue(id) {
            return sanitize(n);
        }
        let acd = self.participants.iter().zip(self.lanes).find(|(p, l)| {
            p.purpose.as_deref() == Some("acd")
                && p.participant_name.is_some()
                && l.queues().contains(&id)
        });
        match acd.and_then(|(p, _)| p.participant_name.as_deref()) {
            Some(n) => sanitize(n),
            None => short_id(&sanitize(id)),
        }
    }

    fn wrap_up(&self, code: &str) -> String {
        match self.names.wrap_up(code) {
            Some(n) => sanitize(n),
            None => format!("code {}", short_id(&sanitize(code))),
        }
    }

    fn time(&self, t: DateTime<Utc>) -> String {
        self.zone.format(t, "%H:%M:%S")
    }

    /// The participants that have segments, by index.
    fn with_segments(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.participants.len().min(self.lanes.len()))
            .filter(|&i| !self.lanes[i].segments.is_empty())
    }
}

/// Adds the anatomy's sections to `b` for a width of `w` columns (nothing when the record has
/// no segments).
pub fn add(b: &mut Document, p: &Parts, w: usize) {
    if p.with_segments().next().is_none() {
        return;
    }
    timeline(b, p, w);
    transfers(b, p, w);
    wrap_ups(b, p, w);
    metrics(b, p, w);
}

/// The time the axis covers: from the conversation's start (or its first segment's) to its end
/// (or its last segment's end, or now while it goes on).
fn span(p: &Parts) -> (DateTime<Utc>, DateTime<Utc>) {
    let segs = || p.lanes.iter().flat_map(|l| &l.segments);
    let first = segs().map(|s| s.start).min();
    let t0 = match (p.start, first) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(p.now),
    };
    let open = segs().any(|s| s.end.is_none()) || p.end.is_none();
    let mut t1 = segs()
        .map(|s| s.end.unwrap_or(s.start))
        .chain(p.end)
        .max()
        .unwrap_or(t0);
    if open {
        t1 = t1.max(p.now);
    }
    (t0, t1.max(t0 + Duration::seconds(1)))
}

/// The zone's offset from UTC at `t`, in seconds (ticks fall on round local times).
fn offset(zone: Zone, t: DateTime<Utc>) -> i64 {
    match zone {
        Zone::Utc => 0,
        Zone::Local => chrono::Local
            .offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc()
            .into(),
    }
}

/// Steps between ticks, in seconds.
const STEPS: [i64; 19] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
    172800,
];

/// The axis: a line of times and a ruler with a tick under each, `tw` columns from `t0` to `t1`.
fn axis(p: &Parts, t0: DateTime<Utc>, t1: DateTime<Utc>, tw: usize) -> (String, String) {
    let span_ms = (t1 - t0).num_milliseconds().max(1) as f64;
    let col =
        |t: DateTime<Utc>| ((t - t0).num_milliseconds() as f64 * tw as f64 / span_ms) as usize;
    let secs = span_ms / 1000.0;
    // The smallest step whose labels do not touch.
    let (step, fmt, lw) = STEPS
        .iter()
        .map(|&st| {
            let (fmt, lw) = if st < 60 {
                ("%H:%M:%S", 8)
            } else if st < 86400 {
                ("%H:%M", 5)
            } else {
                ("%m-%d", 5)
            };
            (st, fmt, lw)
        })
        .find(|&(st, _, lw)| st as f64 * tw as f64 / secs >= (lw + 2) as f64)
        .unwrap_or((172800, "%m-%d", 5));
    let mut labels = vec![' '; tw + 8];
    let mut ruler: Vec<char> = vec!['─'; tw];
    // Ticks on round local times: from the first multiple of the step at or after t0.
    let off = offset(p.zone, t0) * 1000;
    let step_ms = step * 1000;
    let local0 = t0.timestamp_millis() + off;
    let mut tick = local0.div_euclid(step_ms) * step_ms;
    if tick < local0 {
        tick += step_ms;
    }
    let mut next_free = 0;
    while let Some(t) = DateTime::from_timestamp_millis(tick - off).filter(|t| *t <= t1) {
        let c = col(t);
        if c < tw {
            ruler[c] = '┼';
            // Each label starts at its tick, when it fits (whole, after the one before).
            let text = p.zone.format(t, fmt);
            if c >= next_free && c + lw <= tw {
                for (i, ch) in text.chars().enumerate() {
                    labels[c + i] = ch;
                }
                next_free = c + lw + 1;
            }
        }
        tick += step_ms;
    }
    if let Some(first) = ruler.first_mut() {
        *first = if *first == '┼' { '┼' } else { '├' };
    }
    let labels: String = labels.into_iter().take(tw).collect();
    (labels.trim_end().to_string(), ruler.into_iter().collect())
}

/// One lane's cells: each segment over the columns its time covers (at least one), shorter
/// ones drawn over longer ones so that a short hold or alert stays visible.
fn cells(p: &Parts, i: usize, t0: DateTime<Utc>, t1: DateTime<Utc>, tw: usize) -> Vec<Option<Seg>> {
    let span_ms = (t1 - t0).num_milliseconds().max(1) as f64;
    let pos = |t: DateTime<Utc>| (t - t0).num_milliseconds() as f64 * tw as f64 / span_ms;
    let mut segs: Vec<&Segment> = p.lanes[i].segments.iter().collect();
    let len = |s: &Segment| (s.end.unwrap_or(t1) - s.start).num_milliseconds();
    segs.sort_by_key(|s| std::cmp::Reverse(len(s)));
    let mut out = vec![None; tw];
    let purpose = p.purpose(i);
    for s in segs {
        let kind = Seg::of(purpose, &s.typ);
        let a = (pos(s.start).floor().max(0.0) as usize).min(tw.saturating_sub(1));
        let e = s.end.unwrap_or(t1).max(s.start);
        let z = (pos(e).ceil().max(0.0) as usize).clamp(a + 1, tw);
        for c in &mut out[a..z] {
            *c = Some(kind);
        }
    }
    out
}

fn section(b: &mut Document, title: &str, note: String, w: usize) {
    let room = w.saturating_sub(width(title));
    b.lines.push(vec![
        (title.to_string(), Kind::Title),
        (fit(&note, room), Kind::Dim),
    ]);
}

fn timeline(b: &mut Document, p: &Parts, w: usize) {
    let (t0, t1) = span(p);
    let live = p.end.is_none();
    let note = format!(
        "  {} – {}{}",
        p.time(t0),
        if live { "now " } else { "" },
        p.time(t1),
    );
    section(b, "Timeline", note, w);
    let lanes: Vec<usize> = p.with_segments().collect();
    let whos: Vec<String> = lanes.iter().map(|&i| p.who(i)).collect();
    let lw = whos
        .iter()
        .map(|s| width(s))
        .max()
        .unwrap_or(0)
        .clamp(6, 22)
        .min(w / 4);
    let tw = w.saturating_sub(lw + 1);
    if tw < 10 {
        b.text("  (too narrow for the timeline)", Kind::Dim);
        return;
    }
    let (labels, ruler) = axis(p, t0, t1, tw);
    let gap = " ".repeat(lw + 1);
    b.lines
        .push(vec![(gap.clone(), Kind::Plain), (labels, Kind::Dim)]);
    b.lines.push(vec![(gap, Kind::Plain), (ruler, Kind::Dim)]);
    let mut seen = Vec::new();
    for (&i, who) in lanes.iter().zip(&whos) {
        let mut line: DocLine = vec![(pad(who, lw), p.role(i)), (" ".into(), Kind::Plain)];
        let cells = cells(p, i, t0, t1, tw);
        let mut k = 0;
        while k < cells.len() {
            let run = cells[k..].iter().take_while(|c| **c == cells[k]).count();
            match cells[k] {
                Some(seg) => {
                    if !seen.contains(&seg) {
                        seen.push(seg);
                    }
                    line.push((seg.symbol().to_string().repeat(run), Kind::Seg(seg)));
                }
                None => line.push((" ".repeat(run), Kind::Plain)),
            }
            k += run;
        }
        while line
            .last()
            .is_some_and(|(t, k)| *k == Kind::Plain && t.trim().is_empty())
        {
            line.pop();
        }
        let pid = p.participants[i].participant_id.clone();
        b.item(Item::Participant(pid), vec![line]);
    }
    // The legend: the kinds shown, in a fixed order, wrapped to the width.
    let mut legend: Vec<DocLine> = vec![vec![(" ".repeat(lw + 1), Kind::Plain)]];
    let mut used = lw + 1;
    for seg in Seg::ALL.into_iter().filter(|s| seen.contains(s)) {
        let label = seg.label(p.voice);
        let need = 2 + width(label) + 2;
        if used + need > w && used > lw + 1 {
            legend.push(vec![(" ".repeat(lw + 1), Kind::Plain)]);
            used = lw + 1;
        }
        let line = legend.last_mut().expect("one line at least");
        line.push((seg.symbol().to_string(), Kind::Seg(seg)));
        line.push((format!(" {label}  "), Kind::Dim));
        used += need;
    }
    b.lines.extend(legend);
    b.text("", Kind::Plain);
}

/// Whether a participant handles the conversation (a flow, a queue, an agent), as opposed to
/// the outside party or a colleague consulted.
fn handles(purpose: &str) -> bool {
    !matches!(purpose, "customer" | "external" | "user")
}

fn transfers(b: &mut Document, p: &Parts, w: usize) {
    let mut chain: Vec<usize> = p
        .with_segments()
        .filter(|&i| handles(p.purpose(i)))
        .collect();
    if chain.is_empty() {
        // Users calling each other: they are the chain.
        chain = p
            .with_segments()
            .filter(|&i| p.purpose(i) == "user")
            .collect();
    }
    chain.sort_by_key(|&i| (p.lanes[i].first_start(), i));
    section(b, "Transfers", String::new(), w);
    let mut any = false;
    for pair in chain.windows(2) {
        let (a, z) = (pair[0], pair[1]);
        let la = &p.lanes[a];
        let last = la.last_segment();
        let at = last
            .and_then(|s| s.end)
            .or(p.lanes[z].first_start())
            .unwrap_or(p.now);
        let how = last.and_then(|s| s.disconnect.as_deref()).unwrap_or("");
        let mut to = vec![(p.who(z), p.role(z))];
        // The queue the next one took it in, when not the queue before.
        let q_before = la.queues().last().copied();
        if p.purpose(z) != "acd"
            && let Some(q) = p.lanes[z].queues().first().copied()
            && Some(q) != q_before
            && p.purpose(a) != "acd"
        {
            to.push((format!(" (queue {})", p.queue(q)), Kind::Dim));
        }
        let mut line: DocLine = vec![
            (format!("  {}  ", p.time(at)), Kind::Dim),
            (p.who(a), p.role(a)),
            (" → ".into(), Kind::Plain),
        ];
        line.extend(to);
        if !how.is_empty() {
            line.push((format!("  {}", sanitize(how)), Kind::Label));
        }
        if let Some(gloss) = gloss(how) {
            line.push((format!(" ({gloss})"), Kind::Dim));
        }
        if p.purpose(a) == "acd"
            && let Some(s) = p.lanes[a].first_start()
        {
            line.push((
                // Rounded as the metrics are, so that it says what `in queue` says.
                format!("  after {} in queue", ms((at - s).num_milliseconds())),
                Kind::Dim,
            ));
        }
        push_item(b, line, w);
        any = true;
    }
    if !any && chain.len() < 2 {
        b.text("  (none: one party handled it)", Kind::Dim);
    }
    // How it ended: every participant still there at the end, and how it left.
    if let Some(end) = p.end {
        let mut line: DocLine = vec![(format!("  {}  ended  ", p.time(end)), Kind::Dim)];
        let mut first = true;
        for i in p.with_segments() {
            let Some(last) = p.lanes[i].last_segment() else {
                continue;
            };
            let Some(dc) = last.disconnect.as_deref() else {
                continue;
            };
            if dc == "transfer" || dc.ends_with("Transfer") {
                continue;
            }
            // Who left before the end (a colleague consulted) was not there when it ended.
            if last
                .end
                .is_some_and(|e| e < end - chrono::Duration::seconds(1))
            {
                continue;
            }
            if !first {
                line.push((" · ".into(), Kind::Dim));
            }
            first = false;
            line.push((p.who(i), p.role(i)));
            line.push((format!(" {}", sanitize(dc)), Kind::Label));
        }
        if !first {
            push_item(b, line, w);
        }
    }
    b.text("", Kind::Plain);
}

/// What a disconnect type means, when its name does not say it.
fn gloss(disconnect: &str) -> Option<&'static str> {
    Some(match disconnect {
        "noAnswerTransfer" => "not answered",
        "notAvailableTransfer" => "not available",
        "transportFailure" => "connection lost",
        "uncallable" => "number not callable",
        _ => return None,
    })
}

/// A line that can be selected and copied, wrapped to the width when it is too long.
fn push_item(b: &mut Document, line: DocLine, w: usize) {
    let text: String = line.iter().map(|(t, _)| t.as_str()).collect();
    let lines = if width(&text) <= w {
        vec![line]
    } else {
        wrap_parts(line, w)
    };
    b.item(Item::Line(text.trim().to_string()), lines);
}

/// Wraps a line of parts to `w` columns (at spaces when that keeps half a line), keeping each
/// part's kind; continuation lines are indented by 4.
fn wrap_parts(line: DocLine, w: usize) -> Vec<DocLine> {
    use unicode_width::UnicodeWidthChar;
    let w = w.max(12);
    let mut lines: Vec<Vec<(char, Kind)>> = vec![Vec::new()];
    let mut used = 0;
    for (c, k) in line
        .iter()
        .flat_map(|(t, k)| t.chars().map(move |c| (c, *k)))
    {
        let cw = c.width().unwrap_or(0);
        if used + cw > w {
            let cur = lines.last_mut().expect("a line");
            let tail = match cur.iter().rposition(|(ch, _)| *ch == ' ') {
                Some(i) if i >= w / 2 => {
                    let t = cur.split_off(i + 1);
                    cur.pop();
                    t
                }
                _ => Vec::new(),
            };
            let mut next = vec![(' ', Kind::Plain); 4];
            next.extend(tail);
            used = next.iter().map(|(c, _)| c.width().unwrap_or(0)).sum();
            lines.push(next);
            if c == ' ' {
                continue;
            }
        }
        lines.last_mut().expect("a line").push((c, k));
        used += cw;
    }
    lines
        .into_iter()
        .map(|l| {
            let mut out: DocLine = Vec::new();
            for (c, k) in l {
                match out.last_mut() {
                    Some((t, lk)) if *lk == k => t.push(c),
                    _ => out.push((c.to_string(), k)),
                }
            }
            out
        })
        .collect()
}

fn wrap_ups(b: &mut Document, p: &Parts, w: usize) {
    let entries: Vec<(usize, &str, Option<&str>)> = p
        .with_segments()
        .flat_map(|i| p.lanes[i].wrap_ups().map(move |(c, n)| (i, c, n)))
        .collect();
    if entries.is_empty() {
        return;
    }
    section(b, "Wrap-up", String::new(), w);
    for (i, code, note) in entries {
        let head: DocLine = vec![
            ("  ".into(), Kind::Plain),
            (p.who(i), p.role(i)),
            ("  ".into(), Kind::Plain),
            (p.wrap_up(code), Kind::Title),
        ];
        let mut lines = wrap_parts(head, w);
        let mut copy = format!("{}  {}", p.who(i), p.wrap_up(code));
        if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
            let note = sanitize(note);
            let lead = "    note: ";
            for (k, l) in wrap(&note, w.saturating_sub(lead.len()).max(8))
                .into_iter()
                .enumerate()
            {
                let lead = if k == 0 {
                    lead.to_string()
                } else {
                    " ".repeat(lead.len())
                };
                lines.push(vec![(lead, Kind::Dim), (l, Kind::Plain)]);
            }
            copy.push_str(&format!("  note: {note}"));
        }
        b.item(Item::Line(copy), lines);
    }
    b.text("", Kind::Plain);
}

/// The metrics shown, in this order: (name, heading).
const METRICS: [(&str, &str); 8] = [
    ("tIvr", "IVR"),
    ("tAcd", "in queue"),
    ("tAbandon", "abandoned"),
    ("tAlert", "alert"),
    ("tTalk", "talk"),
    ("tHeld", "hold"),
    ("tAcw", "ACW"),
    ("tHandle", "handle"),
];

/// A metric in milliseconds as a duration (rounded to the second).
fn ms(v: i64) -> String {
    duration((v + 500).div_euclid(1000))
}

fn metrics(b: &mut Document, p: &Parts, w: usize) {
    let rows: Vec<(usize, Vec<Option<i64>>)> = p
        .with_segments()
        .map(|i| {
            let vals = METRICS
                .iter()
                .map(|(m, _)| p.lanes[i].metric(m))
                .collect::<Vec<_>>();
            (i, vals)
        })
        .filter(|(_, v)| v.iter().any(Option::is_some))
        .collect();
    if rows.is_empty() {
        return;
    }
    let cols: Vec<usize> = (0..METRICS.len())
        .filter(|&c| rows.iter().any(|(_, v)| v[c].is_some()))
        .collect();
    // What the headings shown need said: messaging has no talk time (the agent is answered,
    // then writes), so its handle time is said otherwise.
    let shown = |name: &str| cols.iter().any(|&c| METRICS[c].0 == name);
    let mut notes = Vec::new();
    if shown("tAcw") {
        notes.push("ACW: after-call work");
    }
    if shown("tHandle") {
        notes.push(if shown("tTalk") {
            "handle: talk + hold + ACW"
        } else {
            "handle: from answer to the end of ACW"
        });
    }
    let note = if notes.is_empty() {
        String::new()
    } else {
        format!("  ({})", notes.join("; "))
    };
    section(b, "Metrics", note, w);
    let whos: Vec<String> = rows.iter().map(|(i, _)| p.who(*i)).collect();
    let lw = whos
        .iter()
        .map(|s| width(s))
        .max()
        .unwrap_or(0)
        .clamp(6, 22);
    let cw: Vec<usize> = cols
        .iter()
        .map(|&c| width(METRICS[c].1).max(6) + 1)
        .collect();
    let table = 2 + lw + cw.iter().sum::<usize>();
    if table <= w {
        let mut head: DocLine = vec![(" ".repeat(2 + lw), Kind::Plain)];
        for (&c, &cw) in cols.iter().zip(&cw) {
            head.push((format!("{:>cw$}", METRICS[c].1), Kind::Label));
        }
        b.lines.push(head);
        for ((i, vals), who) in rows.iter().zip(&whos) {
            let mut line: DocLine = vec![
                ("  ".into(), Kind::Plain),
                (pad(&fit(who, lw), lw), p.role(*i)),
            ];
            let mut copy = vec![who.clone()];
            for (&c, &cw) in cols.iter().zip(&cw) {
                match vals[c] {
                    Some(v) => {
                        line.push((format!("{:>cw$}", ms(v)), Kind::Plain));
                        copy.push(format!("{} {}", METRICS[c].1, ms(v)));
                    }
                    None => line.push((format!("{:>cw$}", "·"), Kind::Dim)),
                }
            }
            b.item(Item::Line(copy.join("  ")), vec![line]);
        }
    } else {
        // Too narrow for a table: a line per participant, wrapped.
        for ((i, vals), who) in rows.iter().zip(&whos) {
            let mut line: DocLine = vec![
                ("  ".into(), Kind::Plain),
                (who.clone(), p.role(*i)),
                ("  ".into(), Kind::Plain),
            ];
            let parts: Vec<String> = cols
                .iter()
                .filter_map(|&c| vals[c].map(|v| format!("{} {}", METRICS[c].1, ms(v))))
                .collect();
            line.push((parts.join(" · "), Kind::Plain));
            push_item(b, line, w);
        }
    }
    b.text("", Kind::Plain);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_kinds_by_purpose_and_type() {
        assert_eq!(Seg::of("ivr", "ivr"), Seg::Flow);
        assert_eq!(Seg::of("workflow", "interact"), Seg::Flow);
        assert_eq!(Seg::of("acd", "interact"), Seg::Queue);
        assert_eq!(Seg::of("acd", "delay"), Seg::Queue);
        assert_eq!(Seg::of("agent", "alert"), Seg::Alert);
        assert_eq!(Seg::of("agent", "dialing"), Seg::Alert);
        assert_eq!(Seg::of("agent", "interact"), Seg::Talk);
        assert_eq!(Seg::of("customer", "hold"), Seg::Hold);
        assert_eq!(Seg::of("agent", "wrapup"), Seg::WrapUp);
        assert_eq!(Seg::of("external", "system"), Seg::Other);
        assert_eq!(Seg::of("voicemail", "interact"), Seg::Other);
    }

    #[test]
    fn every_kind_has_its_own_symbol() {
        let mut symbols: Vec<char> = Seg::ALL.iter().map(|s| s.symbol()).collect();
        symbols.sort_unstable();
        symbols.dedup();
        assert_eq!(symbols.len(), Seg::ALL.len());
    }
}
