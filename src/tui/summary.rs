//! The summary of the rows shown (`S`): how many, the median and longest duration, and the
//! counts by queue, agent, wrap-up, hour of day or an attribute's value, for bar charts. It
//! follows the list's filter: made again when the rows shown change.
//!
//! With 100,000 rows, what each row contributes to the current grouping (its groups) is kept,
//! by row index, and made only for rows that are new or changed ([`List::revision`]); a new
//! filter only counts again, over integers.

use std::collections::HashMap;

use crate::timespec::Zone;
use crate::tui::anatomy::{Names, short_id};
use crate::tui::list::{List, Row};
use crate::tui::sanitize::sanitize;

/// The lines above the bars: the counts and durations, the grouping, a blank line.
pub const HEAD: usize = 4;

/// What the rows are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Queue,
    Agent,
    WrapUp,
    Hour,
    /// An attribute's value (the key chosen with ←/→).
    Attribute,
}

impl Grouping {
    pub const ORDER: [Grouping; 5] = [
        Grouping::Queue,
        Grouping::Agent,
        Grouping::WrapUp,
        Grouping::Hour,
        Grouping::Attribute,
    ];

    /// The next grouping, `None` after the last (`S` then closes the summary).
    pub fn next(self) -> Option<Grouping> {
        let i = Self::ORDER.iter().position(|g| *g == self).unwrap_or(0);
        Self::ORDER.get(i + 1).copied()
    }

    pub fn title(self) -> &'static str {
        match self {
            Grouping::Queue => "queue",
            Grouping::Agent => "agent",
            Grouping::WrapUp => "wrap-up",
            Grouping::Hour => "hour of day",
            Grouping::Attribute => "attribute",
        }
    }
}

/// One bar: a group's label and how many rows are in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub count: usize,
    /// The rows in no group ("(no queue)"), drawn dimmed.
    pub none: bool,
}

/// What the summary says about the rows shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: usize,
    /// Conversations still going on (no duration yet).
    pub live: usize,
    /// The median duration of the ended ones, in seconds.
    pub median: Option<i64>,
    /// The longest: seconds, and its conversation id.
    pub longest: Option<(i64, String)>,
    pub bars: Vec<Bar>,
    /// A conversation may be in several groups (two queues, two agents): the bars then add
    /// up to more than the rows.
    pub multi: bool,
    /// Attribute keys known among the rows shown (lower case), for the attribute grouping.
    pub keys: Vec<String>,
    /// The key counted by, when the grouping is by attribute (lower case).
    pub key: Option<String>,
    /// That key as the API spells it (`ivr.accountNumber`), for the title.
    pub key_shown: Option<String>,
    /// Rows shown whose attributes are not loaded (an attribute grouping cannot count them).
    pub unloaded: usize,
}

/// The summary while open: its grouping, its scroll, what it says, and what it was made from.
#[derive(Debug, Clone)]
pub struct SummaryView {
    pub grouping: Grouping,
    /// The attribute key chosen (lower case), else the most common one.
    pub key: Option<String>,
    pub scroll: usize,
    pub summary: Summary,
    groups: Groups,
    /// The rows shown when it was last counted.
    counted: Option<Vec<usize>>,
}

impl Default for SummaryView {
    fn default() -> Self {
        SummaryView::new()
    }
}

/// Each row's groups for one grouping (interned labels), by row index.
#[derive(Debug, Clone, Default)]
struct Groups {
    made_for: Option<(Grouping, Option<String>, u64, u64, Zone)>,
    labels: Vec<String>,
    ids: HashMap<String, u32>,
    /// Per row: its groups (empty: none; `None`: attributes not loaded).
    rows: Vec<Option<Box<[u32]>>>,
    /// Per row: its duration in seconds, [`LIVE`] while it goes on, [`UNKNOWN`] without a start.
    secs: Vec<i64>,
    /// The attribute key as first seen in a row (its case as received).
    key_shown: Option<String>,
}

const LIVE: i64 = -1;
const UNKNOWN: i64 = -2;

/// A row's duration for the summary.
fn secs(row: &Row) -> i64 {
    match (row.start, row.end()) {
        (Some(a), Some(b)) => (b - a).num_seconds().max(0),
        (_, None) => LIVE,
        _ => UNKNOWN,
    }
}

impl Groups {
    fn intern(&mut self, label: String) -> u32 {
        if let Some(&i) = self.ids.get(&label) {
            return i;
        }
        let i = self.labels.len() as u32;
        self.ids.insert(label.clone(), i);
        self.labels.push(label);
        i
    }
}

impl SummaryView {
    pub fn new() -> SummaryView {
        SummaryView {
            grouping: Grouping::Queue,
            key: None,
            scroll: 0,
            summary: Summary::default(),
            groups: Groups::default(),
            counted: None,
        }
    }

    /// The summary's lines: [`HEAD`] lines, then a bar per group.
    pub fn lines(&self) -> usize {
        HEAD + self.summary.bars.len().max(1)
    }

    /// Scrolls the bars by `delta` lines in a view of `rows` lines.
    pub fn scroll_by(&mut self, delta: isize, rows: usize) {
        let max = self.lines().saturating_sub(rows.max(1));
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }

    /// `S` again: the next grouping; `false` after the last (the summary closes).
    pub fn next_grouping(&mut self) -> bool {
        match self.grouping.next() {
            Some(g) => {
                self.grouping = g;
                self.scroll = 0;
                true
            }
            None => false,
        }
    }

    /// ←/→: the previous or next attribute key (and the attribute grouping).
    pub fn step_key(&mut self, forward: bool) {
        self.grouping = Grouping::Attribute;
        self.scroll = 0;
        let keys = &self.summary.keys;
        if keys.is_empty() {
            return;
        }
        let cur = self
            .key
            .as_ref()
            .or(self.summary.key.as_ref())
            .and_then(|k| keys.iter().position(|x| x == k));
        let n = keys.len();
        let i = match (cur, forward) {
            (None, _) => 0,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        };
        self.key = Some(keys[i].clone());
    }

    /// Brings the summary up to date with the rows shown (cheap when nothing changed).
    pub fn refresh(&mut self, list: &List, names: &dyn Names, zone: Zone) {
        let key = if self.grouping == Grouping::Attribute {
            // The key chosen, else the most common one.
            let keys = attribute_keys(list);
            let k = self
                .key
                .clone()
                .filter(|k| keys.contains(k))
                .or_else(|| keys.first().cloned());
            self.summary.keys = keys;
            k
        } else {
            None
        };
        let made_for = (
            self.grouping,
            key.clone(),
            list.revision,
            names.version(),
            zone,
        );
        let stale = self.groups.made_for.as_ref() != Some(&made_for);
        if stale {
            self.groups = Groups {
                made_for: Some(made_for),
                ..Groups::default()
            };
            self.counted = None;
        }
        let fresh = self.groups.rows.len() < list.rows.len();
        for i in self.groups.rows.len()..list.rows.len() {
            let g = groups_of(
                &list.rows[i],
                self.grouping,
                key.as_deref(),
                names,
                zone,
                &mut self.groups.key_shown,
            );
            let g = g.map(|labels| {
                labels
                    .into_iter()
                    .map(|l| self.groups.intern(l))
                    .collect::<Box<[u32]>>()
            });
            self.groups.rows.push(g);
            self.groups.secs.push(secs(&list.rows[i]));
        }
        if !fresh && self.counted.as_deref() == Some(list.visible.as_slice()) {
            return;
        }
        self.summary = count(list, &self.groups, self.grouping, key, &self.summary.keys);
        self.summary.key_shown = self.groups.key_shown.clone();
        self.counted = Some(list.visible.clone());
    }
}

/// The attribute keys of the rows shown whose attributes are loaded, most common first.
fn attribute_keys(list: &List) -> Vec<String> {
    let mut n: HashMap<&str, usize> = HashMap::new();
    for &i in &list.visible {
        if let Some(pairs) = &list.rows[i].attrs {
            let mut seen: Vec<&str> = Vec::new();
            for (k, _) in pairs.iter() {
                if !seen.contains(&&**k) {
                    seen.push(k);
                    *n.entry(k).or_default() += 1;
                }
            }
        }
    }
    let mut keys: Vec<(&str, usize)> = n.into_iter().collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    keys.into_iter().map(|(k, _)| sanitize(k)).collect()
}

/// A row's groups (labels, sanitised): `None` when they cannot be known (attributes not
/// loaded).
fn groups_of(
    row: &Row,
    grouping: Grouping,
    key: Option<&str>,
    names: &dyn Names,
    zone: Zone,
    key_shown: &mut Option<String>,
) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    match grouping {
        Grouping::Hour => {
            if let Some(t) = row.start {
                add(zone.format(t, "%H"));
            }
        }
        Grouping::Attribute => {
            let key = key?;
            let pairs = row.attrs.as_ref()?;
            // The value as received (the pairs are lower-cased for matching).
            let c = row.conversation();
            let mut found = false;
            for p in &c.participants {
                for (k, v) in p.attributes.iter().flatten() {
                    if k.to_lowercase() == key {
                        found = true;
                        if key_shown.is_none() {
                            *key_shown = Some(sanitize(k));
                        }
                        add(sanitize(v));
                    }
                }
            }
            // (A key the pairs have but no participant any more: set, empty.)
            if !found && pairs.iter().any(|(k, _)| &**k == key) {
                add(String::new());
            }
        }
        Grouping::Agent => {
            for p in row.conversation().participants {
                if p.purpose.as_deref() != Some("agent") {
                    continue;
                }
                let name = p
                    .participant_name
                    .as_deref()
                    .filter(|n| !n.trim().is_empty())
                    .map(sanitize)
                    .or_else(|| {
                        let u = p.user_id.as_deref()?;
                        Some(sanitize(names.user(u).unwrap_or(&short_id(u))))
                    });
                if let Some(n) = name {
                    add(n);
                }
            }
        }
        Grouping::Queue => {
            let c = row.conversation();
            let lanes = row.anatomy.unpack();
            // A queue id is named by the directory, else by the `acd` participant in it.
            let mut acd_names: HashMap<&str, &str> = HashMap::new();
            for (p, l) in c.participants.iter().zip(&lanes) {
                if p.purpose.as_deref() == Some("acd")
                    && let Some(n) = p.participant_name.as_deref()
                {
                    for q in l.queues() {
                        acd_names.entry(q).or_insert(n);
                    }
                }
            }
            for q in lanes.iter().flat_map(|l| l.queues()) {
                let name = names
                    .queue(q)
                    .or(acd_names.get(q).copied())
                    .map(sanitize)
                    .unwrap_or_else(|| short_id(&sanitize(q)));
                add(name);
            }
            if lanes.is_empty() {
                // No segments in the record: the `acd` participants' names.
                for p in &c.participants {
                    if p.purpose.as_deref() == Some("acd")
                        && let Some(n) = p.participant_name.as_deref()
                    {
                        add(sanitize(n));
                    }
                }
            }
        }
        Grouping::WrapUp => {
            for lane in row.anatomy.unpack() {
                for (code, _) in lane.wrap_ups() {
                    add(match names.wrap_up(code) {
                        Some(n) => sanitize(n),
                        None => format!("code {}", short_id(&sanitize(code))),
                    });
                }
            }
        }
    }
    Some(out)
}

/// Counts the rows shown.
fn count(
    list: &List,
    groups: &Groups,
    grouping: Grouping,
    key: Option<String>,
    keys: &[String],
) -> Summary {
    let mut per = vec![0usize; groups.labels.len()];
    let (mut none, mut unloaded, mut live) = (0, 0, 0);
    let mut multi = false;
    let mut durations: Vec<(i64, usize)> = Vec::with_capacity(list.visible.len());
    for &i in &list.visible {
        match groups.secs.get(i).copied().unwrap_or(UNKNOWN) {
            LIVE => live += 1,
            UNKNOWN => {}
            d => durations.push((d, i)),
        }
        match groups.rows.get(i).and_then(Option::as_deref) {
            None => unloaded += 1,
            Some([]) => none += 1,
            Some(g) => {
                multi |= g.len() > 1;
                for &x in g {
                    per[x as usize] += 1;
                }
            }
        }
    }
    let longest = durations
        .iter()
        .max_by_key(|(d, i)| (*d, std::cmp::Reverse(*i)))
        .map(|&(d, i)| (d, list.rows[i].id().to_string()));
    let median = median(durations.iter().map(|d| d.0).collect());
    let mut bars: Vec<Bar> = groups
        .labels
        .iter()
        .zip(per)
        .filter(|(_, n)| *n > 0)
        .map(|(label, count)| Bar {
            label: label.clone(),
            count,
            none: false,
        })
        .collect();
    if grouping == Grouping::Hour {
        bars = hours(bars);
    } else {
        bars.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    }
    for b in &mut bars {
        if b.label.is_empty() {
            b.label = "(empty)".into();
        }
    }
    if none > 0 {
        bars.push(Bar {
            label: match grouping {
                Grouping::Queue => "(no queue)".into(),
                Grouping::Agent => "(no agent)".into(),
                Grouping::WrapUp => "(no wrap-up)".into(),
                Grouping::Hour => "(no start)".into(),
                Grouping::Attribute => "(not set)".into(),
            },
            count: none,
            none: true,
        });
    }
    Summary {
        rows: list.visible.len(),
        live,
        median,
        longest,
        bars,
        multi,
        keys: keys.to_vec(),
        key,
        key_shown: None,
        unloaded: if grouping == Grouping::Attribute {
            unloaded
        } else {
            0
        },
    }
}

/// Hours in order, from the first to the last with rows, the empty ones included (so that the
/// bars read as a day's shape).
fn hours(bars: Vec<Bar>) -> Vec<Bar> {
    let mut n = [0usize; 24];
    for b in &bars {
        if let Ok(h) = b.label.parse::<usize>()
            && h < 24
        {
            n[h] += b.count;
        }
    }
    let Some(first) = n.iter().position(|&c| c > 0) else {
        return Vec::new();
    };
    let last = n.iter().rposition(|&c| c > 0).unwrap_or(first);
    (first..=last)
        .map(|h| Bar {
            label: format!("{h:02}:00"),
            count: n[h],
            none: false,
        })
        .collect()
}

fn median(mut v: Vec<i64>) -> Option<i64> {
    if v.is_empty() {
        return None;
    }
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable(mid);
    let m = *m;
    if v.len() % 2 == 1 {
        return Some(m);
    }
    // Even: the mean of the two middle values (the lower one is the largest below `mid`).
    let lower = v[..mid].iter().copied().max().unwrap_or(m);
    Some((lower + m) / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5]), Some(5));
        assert_eq!(median(vec![9, 1, 5]), Some(5));
        assert_eq!(median(vec![10, 1, 4, 20]), Some(7));
    }

    /// Three rows, two with their attributes read: each counts once, under its value, and the
    /// key is titled as the API spells it.
    #[test]
    fn by_attribute_each_row_counts_once_under_its_value() {
        use crate::genesys::model::Attributes;
        use crate::tui::fixtures::conv;
        let mut list = List::default();
        list.add(
            vec![
                conv("a", 1, "Ann", "Bob"),
                conv("b", 2, "Cy", "Bob"),
                conv("c", 3, "Di", "Bob"),
            ],
            &Default::default(),
        );
        let attrs =
            |v: &str| -> Attributes { [("ivr.accountNumber".to_string(), v.to_string())].into() };
        list.learn_attributes("a", &[("a-p1".into(), attrs("1001"))]);
        list.learn_attributes("b", &[("b-p1".into(), attrs("1001"))]);
        let mut v = SummaryView::new();
        v.step_key(true);
        v.refresh(&list, &crate::tui::anatomy::NoNames, Zone::Utc);
        let s = &v.summary;
        assert_eq!(s.key.as_deref(), Some("ivr.accountnumber"));
        assert_eq!(s.key_shown.as_deref(), Some("ivr.accountNumber"));
        let bars: Vec<(&str, usize)> = s.bars.iter().map(|b| (b.label.as_str(), b.count)).collect();
        assert_eq!(
            bars,
            [("1001", 2)],
            "no (empty) bar for rows that have the key"
        );
        assert_eq!(s.unloaded, 1);
    }

    #[test]
    fn groupings_cycle_then_close() {
        let mut v = SummaryView::new();
        let mut seen = vec![v.grouping];
        while v.next_grouping() {
            seen.push(v.grouping);
        }
        assert_eq!(seen, Grouping::ORDER);
    }
}
