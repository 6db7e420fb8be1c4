//! The conversation list: rows merged from pages as they arrive, a filter, a sort order, and a
//! selection kept by conversation id.
//!
//! Display strings are computed once per row when its page arrives (and sanitised then), so a
//! frame only copies the visible rows' strings: the list stays instant with 100,000 rows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::genesys::model::{AnalyticsConversation, Attributes};
use crate::genesys::query::Order;
use crate::timespec::Zone;

use super::filter::Filter;
use super::sanitize::{sanitize, sanitize_opt};

/// One row's display strings, sanitised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cells {
    pub start: String,
    /// `MM-DD HH:MM` for narrow terminals.
    pub start_short: String,
    pub duration: String,
    pub media: String,
    pub direction: String,
    pub customer: String,
    pub agents: String,
    pub id: String,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub conv: AnalyticsConversation,
    pub start: Option<DateTime<Utc>>,
    pub cells: Cells,
    /// Lower-cased text the filter searches: id, names, purposes, attributes once known.
    pub haystack: String,
    /// Every participant's attributes, lower-cased (key, value), once known (for `attr:`).
    pub attrs: Option<Vec<(String, String)>>,
}

impl Row {
    pub fn new(conv: AnalyticsConversation, zone: Zone) -> Row {
        let conv = slim(conv);
        let start = conv.start();
        let cells = cells(&conv, zone);
        let mut haystack = conv.conversation_id.to_lowercase();
        let mut attrs: Option<Vec<(String, String)>> = None;
        for p in &conv.participants {
            for s in [p.participant_name.as_deref(), p.purpose.as_deref()]
                .into_iter()
                .flatten()
            {
                haystack.push('\u{1f}');
                haystack.push_str(&s.to_lowercase());
            }
            if let Some(a) = &p.attributes {
                push_attributes(&mut haystack, a);
                attrs.get_or_insert_default().extend(lower_pairs(a));
            }
        }
        Row {
            conv,
            start,
            cells,
            haystack,
            attrs,
        }
    }

    pub fn id(&self) -> &str {
        &self.conv.conversation_id
    }
}

/// Drops what the screen never shows (segments, metrics, flow, ...: often kilobytes per
/// conversation), so that 100,000 rows stay small.
fn slim(mut c: AnalyticsConversation) -> AnalyticsConversation {
    c.extra = Default::default();
    for p in &mut c.participants {
        p.extra = Default::default();
        for s in &mut p.sessions {
            s.extra = Default::default();
        }
    }
    c
}

fn lower_pairs(a: &Attributes) -> impl Iterator<Item = (String, String)> + '_ {
    a.iter().map(|(k, v)| (k.to_lowercase(), v.to_lowercase()))
}

fn push_attributes(haystack: &mut String, a: &Attributes) {
    for (k, v) in a {
        haystack.push('\u{1f}');
        haystack.push_str(&k.to_lowercase());
        haystack.push('\u{1f}');
        haystack.push_str(&v.to_lowercase());
    }
}

fn cells(c: &AnalyticsConversation, zone: Zone) -> Cells {
    let start = c.start();
    let (media, message) = c.media();
    let media = match (media, message) {
        (Some(m), Some(t)) => format!("{m}/{t}"),
        (Some(m), None) => m.to_string(),
        _ => "?".into(),
    };
    let direction = c
        .originating_direction
        .clone()
        .or_else(|| {
            c.participants
                .iter()
                .flat_map(|p| &p.sessions)
                .find_map(|s| s.direction.clone())
        })
        .unwrap_or_default();
    let names = |purpose: &str| {
        let v: Vec<&str> = c
            .participants
            .iter()
            .filter(|p| p.purpose.as_deref() == Some(purpose))
            .filter_map(|p| p.participant_name.as_deref())
            .collect();
        v.join(", ")
    };
    Cells {
        start: start
            .map(|t| zone.format(t, "%Y-%m-%d %H:%M:%S"))
            .unwrap_or_else(|| "?".into()),
        start_short: start
            .map(|t| zone.format(t, "%m-%d %H:%M"))
            .unwrap_or_else(|| "?".into()),
        duration: match (start, c.end()) {
            (_, None) => "live".into(),
            (Some(a), Some(b)) => duration((b - a).num_seconds()),
            (None, Some(_)) => "?".into(),
        },
        media: sanitize(&media),
        direction: sanitize(&direction),
        customer: sanitize(&names("customer")),
        agents: sanitize(&names("agent")),
        id: sanitize_opt(Some(&c.conversation_id)),
    }
}

/// `45s`, `12m05s`, `2h03m`, `3d04h`.
pub fn duration(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86400 => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d{:02}h", s / 86400, s % 86400 / 3600),
    }
}

/// Where the loading of the current query stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Load {
    /// Nothing submitted yet.
    Idle,
    Loading,
    /// The task waits before retrying (rate limit, transient error), until then.
    Waiting {
        until: DateTime<Utc>,
        reason: String,
    },
    Done,
    /// Stopped with Esc; the rows stay.
    Stopped,
    /// The task failed; the rows delivered before stay.
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct List {
    /// Every loaded row, in arrival order. Rows never move (a duplicate replaces in place), so
    /// indices into it stay valid and re-sorting moves integers, not rows or strings.
    pub rows: Vec<Row>,
    by_id: HashMap<String, usize>,
    /// Indices into `rows`, sorted by start in `order`.
    sorted: Vec<usize>,
    /// For each row, its position in `sorted`.
    rank: Vec<usize>,
    /// For each row, whether the filter lets it through.
    passes: Vec<bool>,
    /// Indices into `rows` of the rows the filter lets through, in display order.
    pub visible: Vec<usize>,
    pub filter: Filter,
    pub order: Order,
    /// The selected conversation; the cursor follows it when rows move.
    pub selected: Option<String>,
    /// Position of the selection in `visible`.
    pub cursor: usize,
    /// First visible row drawn (scroll position).
    pub offset: usize,
    pub query_id: u64,
    pub total: u64,
    pub loaded: u64,
    pub load: Load,
    /// Where a failed load stood (`r` goes on from there).
    pub resume: Option<crate::paging::Resume>,
}

impl Default for List {
    fn default() -> Self {
        List {
            rows: Vec::new(),
            by_id: HashMap::new(),
            sorted: Vec::new(),
            rank: Vec::new(),
            passes: Vec::new(),
            visible: Vec::new(),
            filter: Filter::default(),
            order: Order::Desc,
            selected: None,
            cursor: 0,
            offset: 0,
            query_id: 0,
            total: 0,
            loaded: 0,
            load: Load::Idle,
            resume: None,
        }
    }
}

impl List {
    /// Forgets the rows of the previous query (the filter and order stay).
    pub fn reset(&mut self, query_id: u64) {
        self.rows.clear();
        self.by_id.clear();
        self.sorted.clear();
        self.rank.clear();
        self.passes.clear();
        self.visible.clear();
        self.selected = None;
        self.cursor = 0;
        self.offset = 0;
        self.query_id = query_id;
        self.total = 0;
        self.loaded = 0;
        self.load = Load::Loading;
        self.resume = None;
    }

    pub fn selected_row(&self) -> Option<&Row> {
        let id = self.selected.as_deref()?;
        self.by_id.get(id).map(|&i| &self.rows[i])
    }

    pub fn row(&self, id: &str) -> Option<&Row> {
        self.by_id.get(id).map(|&i| &self.rows[i])
    }

    /// Where a conversation is among the rows shown, if it is shown.
    pub fn position(&self, id: &str) -> Option<usize> {
        let &i = self.by_id.get(id)?;
        if !self.passes[i] {
            return None;
        }
        let r = self.rank[i];
        self.visible
            .binary_search_by(|&v| self.rank[v].cmp(&r))
            .ok()
    }

    /// A refresh of the same range begins: the rows stay (replaced as pages arrive).
    pub fn begin_refresh(&mut self, query_id: u64) {
        self.query_id = query_id;
        self.loaded = 0;
        self.load = Load::Loading;
    }

    /// A wait (rate limit) whose time is up is over.
    pub fn wait_over(&mut self, now: DateTime<Utc>) {
        if let Load::Waiting { until, .. } = &self.load
            && now >= *until
        {
            self.load = Load::Loading;
        }
    }

    /// Display order: by start in `order`, then by arrival.
    fn cmp(&self, a: usize, b: usize) -> std::cmp::Ordering {
        let (x, y) = (self.rows[a].start, self.rows[b].start);
        match self.order {
            Order::Desc => y.cmp(&x),
            Order::Asc => x.cmp(&y),
        }
        .then(a.cmp(&b))
    }

    /// Merges a page. Rows already present (the same id) are replaced. Pages usually arrive in
    /// display order and are appended; otherwise the page is merged into the order in one
    /// pass over integers.
    pub fn add(&mut self, convs: Vec<AnalyticsConversation>, zone: Zone) {
        let mut fresh = Vec::with_capacity(convs.len());
        let mut replaced = false;
        for conv in convs {
            let row = Row::new(conv, zone);
            let ok = self.matches(&row);
            if let Some(&i) = self.by_id.get(row.id()) {
                self.rows[i] = row;
                self.passes[i] = ok;
                replaced = true;
                continue;
            }
            let i = self.rows.len();
            self.by_id.insert(row.id().to_string(), i);
            self.rows.push(row);
            self.passes.push(ok);
            self.rank.push(0);
            fresh.push(i);
        }
        fresh.sort_by(|&a, &b| self.cmp(a, b));
        let appends = match (self.sorted.last(), fresh.first()) {
            (Some(&last), Some(&first)) => self.cmp(last, first).is_lt(),
            _ => true,
        };
        if replaced {
            // A replaced row may have a new start: sort everything (adaptive: nearly sorted
            // input costs about one pass).
            self.sorted.extend(fresh);
            let mut sorted = std::mem::take(&mut self.sorted);
            sorted.sort_by(|&a, &b| self.cmp(a, b));
            self.sorted = sorted;
            self.reindex();
        } else if appends {
            for i in fresh {
                self.rank[i] = self.sorted.len();
                self.sorted.push(i);
                if self.passes[i] {
                    self.visible.push(i);
                }
            }
            self.follow_selection();
        } else {
            let old = std::mem::take(&mut self.sorted);
            let mut merged = Vec::with_capacity(old.len() + fresh.len());
            let (mut a, mut b) = (old.into_iter().peekable(), fresh.into_iter().peekable());
            loop {
                let next = match (a.peek(), b.peek()) {
                    (Some(&x), Some(&y)) if self.cmp(y, x).is_lt() => b.next(),
                    (Some(_), _) => a.next(),
                    (None, Some(_)) => b.next(),
                    (None, None) => break,
                };
                merged.extend(next);
            }
            self.sorted = merged;
            self.reindex();
        }
    }

    fn matches(&self, row: &Row) -> bool {
        self.filter.is_empty() || self.filter.matches(&row.haystack, row.attrs.as_deref())
    }

    /// Recomputes `rank` and `visible` from `sorted` and `passes`, keeping the selection.
    fn reindex(&mut self) {
        for (pos, &i) in self.sorted.iter().enumerate() {
            self.rank[i] = pos;
        }
        self.visible = self
            .sorted
            .iter()
            .copied()
            .filter(|&i| self.passes[i])
            .collect();
        self.follow_selection();
    }

    /// Re-applies the filter to every row (the filter, or a row's text, changed).
    pub fn refilter(&mut self) {
        self.passes = self.rows.iter().map(|r| self.matches(r)).collect();
        self.reindex();
    }

    /// Filters as typed (see [`Filter`]). A filter that only narrows the previous one (a
    /// letter typed) re-tests the rows already shown, not every row: typing stays instant with
    /// 100,000 rows.
    pub fn set_filter(&mut self, input: &str) {
        let filter = Filter::parse(input);
        if self.filter == filter {
            return;
        }
        let narrows = filter.narrows(&self.filter);
        self.filter = filter;
        if narrows {
            let mut visible = std::mem::take(&mut self.visible);
            visible.retain(|&i| {
                let ok = self.matches(&self.rows[i]);
                self.passes[i] = ok;
                ok
            });
            self.visible = visible;
            self.follow_selection();
        } else {
            self.refilter();
        }
    }

    /// Keeps only the rows `keep` accepts (a sliding window moved on); the selection stays
    /// when its row stays.
    pub fn retain(&mut self, keep: impl Fn(&Row) -> bool) {
        if self.rows.iter().all(&keep) {
            return;
        }
        let rows = std::mem::take(&mut self.rows);
        self.rows = rows.into_iter().filter(|r| keep(r)).collect();
        self.by_id = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id().to_string(), i))
            .collect();
        self.passes = self.rows.iter().map(|r| self.matches(r)).collect();
        self.rank = vec![0; self.rows.len()];
        let mut sorted: Vec<usize> = (0..self.rows.len()).collect();
        sorted.sort_by(|&a, &b| self.cmp(a, b));
        self.sorted = sorted;
        self.reindex();
    }

    /// The ids of loaded rows whose attributes are not known yet, in display order.
    pub fn without_attributes(&self) -> Vec<String> {
        self.sorted
            .iter()
            .filter(|&&i| self.rows[i].attrs.is_none())
            .map(|&i| self.rows[i].id().to_string())
            .collect()
    }

    /// Newest first <-> oldest first; the selection stays on its conversation.
    pub fn toggle_order(&mut self) {
        self.order = match self.order {
            Order::Desc => Order::Asc,
            Order::Asc => Order::Desc,
        };
        let mut sorted = std::mem::take(&mut self.sorted);
        sorted.sort_by(|&a, &b| self.cmp(a, b));
        self.sorted = sorted;
        self.reindex();
    }

    /// Puts the cursor on the selected conversation; if it is not visible (or nothing is
    /// selected yet), selects the first visible row.
    fn follow_selection(&mut self) {
        let pos = self
            .selected
            .as_deref()
            .and_then(|id| self.by_id.get(id))
            .and_then(|&i| {
                // `visible` is in display order, i.e. ascending by rank.
                let r = self.rank[i];
                self.visible
                    .binary_search_by(|&v| self.rank[v].cmp(&r))
                    .ok()
            });
        match pos {
            Some(p) => self.cursor = p,
            None => self.select_at(0),
        }
    }

    /// Selects the visible row at `pos` (clamped).
    pub fn select_at(&mut self, pos: usize) {
        if self.visible.is_empty() {
            self.cursor = 0;
            // Keep the id: the row may come back when the filter changes.
            return;
        }
        self.cursor = pos.min(self.visible.len() - 1);
        self.selected = Some(self.rows[self.visible[self.cursor]].id().to_string());
    }

    pub fn move_by(&mut self, delta: isize) {
        let pos = self.cursor.saturating_add_signed(delta);
        self.select_at(pos);
    }

    /// Adjusts the scroll so the cursor is within a viewport of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let h = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        let max = self.visible.len().saturating_sub(h);
        self.offset = self.offset.min(max);
    }

    /// Records a row's attributes once known, per participant id (they replace what was
    /// known): they become searchable, `attr:` terms can match, and an export from the screen
    /// carries them. Returns whether the row is loaded.
    pub fn learn_attributes(&mut self, id: &str, by_participant: &[(String, Attributes)]) -> bool {
        let Some(&i) = self.by_id.get(id) else {
            return false;
        };
        let mut extra = String::new();
        let mut pairs = Vec::new();
        let row = &mut self.rows[i];
        for (pid, a) in by_participant {
            push_attributes(&mut extra, a);
            pairs.extend(lower_pairs(a));
            if let Some(p) = row
                .conv
                .participants
                .iter_mut()
                .find(|p| p.participant_id == *pid)
            {
                p.attributes = Some(a.clone());
            }
        }
        if !row.haystack.contains(&extra) {
            row.haystack.push_str(&extra);
        }
        row.attrs = Some(pairs);
        true
    }

    /// Re-tests one row against the filter (its text changed), keeping the display order.
    pub fn refilter_row(&mut self, id: &str) {
        let Some(&i) = self.by_id.get(id) else { return };
        let ok = self.matches(&self.rows[i]);
        if ok == self.passes[i] {
            return;
        }
        self.passes[i] = ok;
        let r = self.rank[i];
        let pos = self.visible.binary_search_by(|&v| self.rank[v].cmp(&r));
        match (ok, pos) {
            (true, Err(p)) => self.visible.insert(p, i),
            (false, Ok(p)) => {
                self.visible.remove(p);
            }
            _ => {}
        }
        self.follow_selection();
    }

    pub fn is_loading(&self) -> bool {
        matches!(self.load, Load::Loading | Load::Waiting { .. })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::genesys::model::{AnalyticsParticipant, AnalyticsSession};
    use chrono::TimeZone;

    pub fn conv(id: &str, minute: u32, customer: &str, agent: &str) -> AnalyticsConversation {
        let start = Utc.with_ymd_and_hms(2026, 11, 24, 8, minute, 0).unwrap();
        let part = |pid: &str, purpose: &str, name: &str| AnalyticsParticipant {
            participant_id: pid.into(),
            participant_name: Some(name.into()),
            purpose: Some(purpose.into()),
            sessions: vec![AnalyticsSession {
                media_type: Some("message".into()),
                message_type: Some("webmessaging".into()),
                direction: Some("inbound".into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        AnalyticsConversation {
            conversation_id: id.into(),
            conversation_start: Some(crate::genesys::model::format_time(start)),
            conversation_end: Some(crate::genesys::model::format_time(
                start + chrono::Duration::seconds(725),
            )),
            originating_direction: Some("inbound".into()),
            participants: vec![
                part(&format!("{id}-p1"), "customer", customer),
                part(&format!("{id}-p2"), "workflow", "Inbound flow"),
                part(&format!("{id}-p3"), "agent", agent),
            ],
            ..Default::default()
        }
    }

    fn ids(l: &List) -> Vec<&str> {
        l.visible.iter().map(|&i| l.rows[i].id()).collect()
    }

    #[test]
    fn row_cells_are_computed_once_and_sanitised() {
        let mut c = conv("c1", 5, "Eve\x1b[2J", "Bob");
        c.conversation_end = None;
        let r = Row::new(c, Zone::Utc);
        assert_eq!(r.cells.start, "2026-11-24 08:05:00");
        assert_eq!(r.cells.start_short, "11-24 08:05");
        assert_eq!(r.cells.duration, "live");
        assert_eq!(r.cells.media, "message/webmessaging");
        assert_eq!(r.cells.direction, "inbound");
        assert_eq!(r.cells.customer, "Eve\\e[2J");
        assert_eq!(r.cells.agents, "Bob");
        assert_eq!(
            Row::new(conv("c2", 0, "a", "b"), Zone::Utc).cells.duration,
            "12m05s"
        );
    }

    #[test]
    fn rows_keep_only_what_the_screen_shows() {
        let mut c = conv("c1", 5, "a", "b");
        c.extra
            .insert("divisionIds".into(), serde_json::json!(["d"]));
        c.participants[0].sessions[0].extra.insert(
            "segments".into(),
            serde_json::json!([{"segmentType": "interact"}]),
        );
        let r = Row::new(c, Zone::Utc);
        assert!(r.conv.extra.is_empty());
        assert!(r.conv.participants[0].sessions[0].extra.is_empty());
        assert_eq!(
            r.conv.participants[0].sessions[0].media_type.as_deref(),
            Some("message")
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration(5), "5s");
        assert_eq!(duration(3725), "1h02m");
        assert_eq!(duration(90000), "1d01h");
        assert_eq!(duration(-3), "0s");
    }

    #[test]
    fn pages_merge_in_order_and_duplicates_replace() {
        let mut l = List::default();
        l.reset(1);
        l.add(
            vec![conv("c", 30, "x", "y"), conv("b", 20, "x", "y")],
            Zone::Utc,
        );
        l.add(vec![conv("a", 10, "x", "y")], Zone::Utc);
        assert_eq!(ids(&l), ["c", "b", "a"]);
        // Out of order and a duplicate: sorted, not doubled.
        l.add(
            vec![conv("d", 25, "x", "y"), conv("a", 10, "new", "y")],
            Zone::Utc,
        );
        assert_eq!(ids(&l), ["c", "d", "b", "a"]);
        assert_eq!(l.row("a").unwrap().cells.customer, "new");
    }

    #[test]
    fn first_row_is_selected_on_arrival_and_kept_by_id() {
        let mut l = List::default();
        l.reset(1);
        l.add(vec![conv("b", 20, "x", "y")], Zone::Utc);
        assert_eq!(l.selected.as_deref(), Some("b"));
        // A newer row arrives above: the selection stays on b, the cursor moves.
        l.add(vec![conv("c", 30, "x", "y")], Zone::Utc);
        assert_eq!(l.selected.as_deref(), Some("b"));
        assert_eq!(l.cursor, 1);
    }

    #[test]
    fn filter_matches_ids_names_purposes_and_known_attributes() {
        let mut l = List::default();
        l.reset(1);
        l.add(
            vec![
                conv("c-1", 30, "Jane", "Bob"),
                conv("c-2", 20, "Ann", "Carl"),
                conv("c-3", 10, "Zed", "Bob"),
            ],
            Zone::Utc,
        );
        l.set_filter("BOB");
        assert_eq!(ids(&l), ["c-1", "c-3"]);
        l.set_filter("c-2");
        assert_eq!(ids(&l), ["c-2"]);
        l.set_filter("workflow");
        assert_eq!(l.visible.len(), 3);
        l.set_filter("gold");
        assert!(l.visible.is_empty());
        let attrs: Attributes = [("tier".to_string(), "Gold".to_string())].into();
        l.learn_attributes("c-3", &[("c-3-p1".to_string(), attrs)]);
        l.refilter();
        assert_eq!(ids(&l), ["c-3"]);
    }

    #[test]
    fn selection_survives_filter_changes() {
        let mut l = List::default();
        l.reset(1);
        l.add(
            vec![
                conv("c-1", 30, "Jane", "Bob"),
                conv("c-2", 20, "Ann", "Carl"),
                conv("c-3", 10, "Zed", "Bob"),
            ],
            Zone::Utc,
        );
        l.select_at(2);
        l.set_filter("bob");
        assert_eq!(l.selected.as_deref(), Some("c-3"));
        assert_eq!(l.cursor, 1);
        l.set_filter("");
        assert_eq!(l.selected.as_deref(), Some("c-3"));
        assert_eq!(l.cursor, 2);
        // Filtered out: the first visible row is selected instead.
        l.set_filter("ann");
        assert_eq!(l.selected.as_deref(), Some("c-2"));
    }

    #[test]
    fn sort_toggles_and_keeps_the_selection() {
        let mut l = List::default();
        l.reset(1);
        l.add(
            vec![
                conv("c", 30, "x", "y"),
                conv("b", 20, "x", "y"),
                conv("a", 10, "x", "y"),
            ],
            Zone::Utc,
        );
        l.select_at(0);
        l.toggle_order();
        assert_eq!(ids(&l), ["a", "b", "c"]);
        assert_eq!(l.selected.as_deref(), Some("c"));
        assert_eq!(l.cursor, 2);
        // Pages arriving newest-first into an oldest-first list still sort.
        l.add(vec![conv("z", 40, "x", "y")], Zone::Utc);
        assert_eq!(ids(&l), ["a", "b", "c", "z"]);
    }

    #[test]
    fn movement_clamps_and_scrolls() {
        let mut l = List::default();
        l.reset(1);
        l.add(
            (0..50)
                .map(|i| conv(&format!("c{i:02}"), 59 - i, "x", "y"))
                .collect(),
            Zone::Utc,
        );
        l.move_by(-5);
        assert_eq!(l.cursor, 0);
        l.move_by(100);
        assert_eq!(l.cursor, 49);
        l.scroll_into_view(10);
        assert_eq!(l.offset, 40);
        l.select_at(3);
        l.scroll_into_view(10);
        assert_eq!(l.offset, 3);
    }

    /// 1000 pages of 100, newest first, as the API sends them; `oldest_first` makes every
    /// page land at the top of the list instead of the bottom.
    fn load_100k(oldest_first: bool) -> (List, std::time::Duration) {
        let mut l = List::default();
        l.reset(1);
        if oldest_first {
            l.toggle_order();
        }
        let base = conv("base", 0, "Jane", "Bob");
        let t0 = std::time::Instant::now();
        for page in 0..1000 {
            let convs = (0..100)
                .map(|i| {
                    let mut c = base.clone();
                    let n = page * 100 + i;
                    c.conversation_id = format!("id-{n}");
                    let t = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap()
                        - chrono::Duration::seconds(n);
                    c.conversation_start = Some(crate::genesys::model::format_time(t));
                    c
                })
                .collect();
            l.add(convs, Zone::Utc);
        }
        (l, t0.elapsed())
    }

    #[test]
    fn a_hundred_thousand_rows_merge_quickly() {
        let (mut l, took) = load_100k(false);
        assert_eq!(l.visible.len(), 100_000);
        // Generous bounds: debug build, shared machine.
        assert!(took < std::time::Duration::from_secs(20), "{took:?}");
        let t1 = std::time::Instant::now();
        l.set_filter("id-99999");
        assert_eq!(l.visible.len(), 1);
        assert!(t1.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn pages_landing_at_the_top_stay_cheap() {
        let (mut l, took) = load_100k(true);
        assert_eq!(l.rows[l.visible[0]].id(), "id-99999");
        assert_eq!(l.rows[l.visible[99_999]].id(), "id-0");
        assert!(took < std::time::Duration::from_secs(20), "{took:?}");
        let t1 = std::time::Instant::now();
        l.toggle_order();
        assert_eq!(l.rows[l.visible[0]].id(), "id-0");
        assert!(t1.elapsed() < std::time::Duration::from_secs(2));
    }
}
