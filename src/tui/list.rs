//! The conversation list: rows merged from pages as they arrive, a filter, a sort order, and a
//! selection kept by conversation id.
//!
//! Rows are compact (see [`Row`]) and their display strings are made when drawn, for the rows
//! on screen only: 100,000 rows stay small, and the list stays instant.

use std::ops::Range;

use chrono::{DateTime, Utc};

use crate::genesys::model::{AnalyticsConversation, Attributes};
use crate::genesys::query::Order;

use super::by_id::ById;
use super::columns::{Sort, SortKey};
use super::filter::{Filter, Matcher};
use super::haystack::Haystacks;
use super::holders::Holders;
pub use super::row::Row;
use super::row::{SEP, has_part};
use crate::genesys::directory::{Kind, Names};

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
    /// What the filter searches in each row, by row index.
    hays: Haystacks,
    by_id: ById,
    /// The rows holding each directory id: names arriving extend their text.
    holders: Holders,
    /// Indices into `rows`, sorted by start in `order`.
    sorted: Vec<usize>,
    /// For each row, its position in `sorted`.
    rank: Vec<usize>,
    /// For each row, whether the filter lets it through.
    passes: Vec<bool>,
    /// Indices into `rows` of the rows the filter lets through, in display order.
    pub visible: Vec<usize>,
    pub filter: Filter,
    /// What is wrong with the filter as typed (the one before it stays in effect).
    pub filter_error: Option<String>,
    /// The zone the list shows times in (the filter's `date:` days and shown times are its).
    pub zone: crate::timespec::Zone,
    /// What the rows are sorted by (a column's [`Sort`]), and in which order.
    pub sort: Sort,
    /// Each row's key for a sort other than by start (by row index; made by [`List::rekey`]).
    keys: Vec<SortKey>,
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
    /// Bumped when rows already there change or go (replaced, attributes learnt, cut, all
    /// forgotten); rows appended only make `rows` longer. What is derived per row (the
    /// summary's groups) is made again only for what changed.
    pub revision: u64,
}

impl Default for List {
    fn default() -> Self {
        List {
            rows: Vec::new(),
            hays: Haystacks::default(),
            by_id: ById::default(),
            holders: Holders::default(),
            sorted: Vec::new(),
            rank: Vec::new(),
            passes: Vec::new(),
            visible: Vec::new(),
            filter: Filter::default(),
            filter_error: None,
            zone: crate::timespec::Zone::Utc,
            sort: Sort::default(),
            keys: Vec::new(),
            order: Order::Desc,
            selected: None,
            cursor: 0,
            offset: 0,
            query_id: 0,
            total: 0,
            loaded: 0,
            load: Load::Idle,
            resume: None,
            revision: 0,
        }
    }
}

impl List {
    /// An empty list showing times in `zone`.
    pub fn in_zone(zone: crate::timespec::Zone) -> List {
        List {
            zone,
            ..List::default()
        }
    }

    /// Forgets the rows of the previous query (the filter and order stay).
    pub fn reset(&mut self, query_id: u64) {
        self.revision += 1;
        self.rows.clear();
        self.hays.clear();
        self.by_id.clear();
        self.holders.clear();
        self.sorted.clear();
        self.keys.clear();
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
        self.row(self.selected.as_deref()?)
    }

    pub fn row(&self, id: &str) -> Option<&Row> {
        self.index(id).map(|i| &self.rows[i])
    }

    fn index(&self, id: &str) -> Option<usize> {
        self.by_id.get(id, &self.rows)
    }

    /// The lower-cased text the filter searches in a row.
    pub fn haystack(&self, id: &str) -> Option<&str> {
        self.index(id).map(|i| self.hays.get(i))
    }

    /// Where a conversation is among the rows shown, if it is shown.
    pub fn position(&self, id: &str) -> Option<usize> {
        let i = self.index(id)?;
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

    /// Display order: by `sort` in `order`; rows that tie (the same queue), newest first
    /// whatever the order (not in the order their pages happened to arrive), then by arrival.
    fn cmp(&self, a: usize, b: usize) -> std::cmp::Ordering {
        #[cfg(test)]
        tests::COMPARISONS.with(|n| n.set(n.get() + 1));
        let (x, y) = (&self.rows[a], &self.rows[b]);
        let by = if self.sort.is_start() {
            match self.order {
                Order::Desc => self.sort.cmp(x, y).reverse(),
                Order::Asc => self.sort.cmp(x, y),
            }
        } else {
            // A row added since the last rekey has no key yet: first, until the rekey.
            self.sort
                .compare(self.keys.get(a), self.keys.get(b), self.order)
                .then_with(|| y.start.cmp(&x.start))
        };
        by.then(a.cmp(&b))
    }

    /// Merges a page; the rows' filter text has the names of their agents, queues and wrap-up
    /// codes that `names` knows (later ones come through [`List::learn_names`]). Rows already
    /// present (the same id) are replaced. Pages usually arrive in display order and are
    /// appended; otherwise the page is merged into the order in one pass over integers.
    pub fn add(&mut self, convs: Vec<AnalyticsConversation>, names: &Names) {
        let mut fresh = Vec::with_capacity(convs.len());
        let mut replaced = false;
        let matcher = self.filter.matcher();
        for conv in convs {
            let (row, hay, facts) = Row::new_in(conv, self.zone, names);
            let ok = matcher.matches(&hay, Some(&row));
            if let Some(i) = self.by_id.get(row.id(), &self.rows) {
                let before = self.rows[i].named_ids();
                let held = |k: Kind, id: &str| before.iter().any(|(bk, b)| *bk == k && b == id);
                let gone = before
                    .iter()
                    .filter(|(k, id)| !facts.ids().any(|(fk, f)| fk == *k && f == id));
                self.holders
                    .remove(i, gone.map(|(k, id)| (*k, id.as_str())));
                self.holders
                    .add(i, facts.ids().filter(|&(k, id)| !held(k, id)));
                self.rows[i] = row;
                self.hays.set(i, &hay);
                self.passes[i] = ok;
                replaced = true;
                self.revision += 1;
                continue;
            }
            let i = self.rows.len();
            self.by_id.insert(row.id(), i);
            self.holders.add(i, facts.ids());
            self.rows.push(row);
            self.hays.push(&hay);
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

    /// Recomputes `rank` and `visible` from `sorted` and `passes`, keeping the selection.
    fn reindex(&mut self) {
        for (pos, &i) in self.sorted.iter().enumerate() {
            self.rank[i] = pos;
        }
        self.revisible();
    }

    /// Recomputes `visible` from `sorted` and `passes` (the order did not change), keeping the
    /// selection.
    fn revisible(&mut self) {
        self.visible.clear();
        self.visible
            .extend(self.sorted.iter().copied().filter(|&i| self.passes[i]));
        self.follow_selection();
    }

    /// Re-applies the filter to every row (the filter, or a row's text, changed).
    pub fn refilter(&mut self) {
        let m = self.filter.matcher();
        self.passes.clear();
        let (hays, rows) = (&self.hays, &self.rows);
        self.passes
            .extend((0..rows.len()).map(|i| passes(&m, hays, rows, i)));
        self.revisible();
    }

    /// Filters as typed (see [`Filter`]; `now` says which day `date:today` is). A filter that only narrows the previous one (a
    /// letter typed) re-tests the rows already shown, not every row: typing stays instant with
    /// 100,000 rows.
    pub fn set_filter(&mut self, input: &str, now: DateTime<Utc>) {
        let filter = match Filter::parse(input, self.zone, now) {
            Ok(f) => {
                self.filter_error = None;
                f
            }
            Err(e) => {
                // Never a silent match-all: the filter before stays, and the line says why.
                self.filter_error = Some(e);
                return;
            }
        };
        if self.filter == filter {
            return;
        }
        let narrows = filter.narrows(&self.filter);
        self.filter = filter;
        if narrows {
            let m = self.filter.matcher();
            let (hays, rows, shown) = (&self.hays, &self.rows, &mut self.passes);
            self.visible.retain(|&i| {
                let ok = passes(&m, hays, rows, i);
                shown[i] = ok;
                ok
            });
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
        self.revision += 1;
        let kept: Vec<bool> = self.rows.iter().map(&keep).collect();
        self.hays.retain(|i| kept[i]);
        if self.keys.len() == kept.len() {
            let keys = std::mem::take(&mut self.keys);
            self.keys = keys
                .into_iter()
                .zip(&kept)
                .filter_map(|(k, &y)| y.then_some(k))
                .collect();
        } else {
            self.keys.clear();
        }
        let rows = std::mem::take(&mut self.rows);
        self.rows = rows
            .into_iter()
            .zip(&kept)
            .filter_map(|(r, &k)| k.then_some(r))
            .collect();
        self.by_id.rebuild(&self.rows);
        self.holders.clear();
        for (i, r) in self.rows.iter().enumerate() {
            self.holders.add(i, r.facts().ids());
        }
        let m = self.filter.matcher();
        let (hays, rows) = (&self.hays, &self.rows);
        self.passes = (0..rows.len()).map(|i| passes(&m, hays, rows, i)).collect();
        self.rank = vec![0; self.rows.len()];
        let mut sorted: Vec<usize> = (0..self.rows.len()).collect();
        sorted.sort_by(|&a, &b| self.cmp(a, b));
        self.sorted = sorted;
        self.reindex();
    }

    /// How many loaded rows a word of the filter could not wholly search: their attributes are
    /// not loaded (0 when the filter has no word).
    pub fn unsearched(&self) -> usize {
        if !self.filter.searches_words() {
            return 0;
        }
        self.rows.iter().filter(|r| r.attrs.is_none()).count()
    }

    /// The ids of loaded rows whose attributes are not known yet, in display order.
    pub fn without_attributes(&self) -> Vec<String> {
        self.sorted
            .iter()
            .filter(|&&i| self.rows[i].attrs.is_none())
            .map(|&i| self.rows[i].id().to_string())
            .collect()
    }

    /// Sorts by `sort` (keys made with `names`), in the current order; the selection stays.
    pub fn set_sort(&mut self, sort: Sort, names: &Names) {
        self.sort = sort;
        self.rekey(names);
    }

    /// Makes every row's key again (rows came, names came) and sorts by them: once per page,
    /// `O(n)` keys and a sort of integers (by start: no keys, a sort by start).
    pub fn rekey(&mut self, names: &Names) {
        if self.sort.is_start() {
            self.keys.clear();
        } else {
            self.keys = self.rows.iter().map(|r| self.sort.key(r, names)).collect();
        }
        let mut sorted = std::mem::take(&mut self.sorted);
        sorted.sort_by(|&a, &b| self.cmp(a, b));
        self.sorted = sorted;
        self.reindex();
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
            .and_then(|id| self.index(id))
            .and_then(|i| {
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
        let Some(i) = self.index(id) else {
            return false;
        };
        let more = self.rows[i].learn_attributes(by_participant);
        self.revision += 1;
        // Attributes read again add nothing new to search.
        if !self.hays.get(i).contains(&more) {
            self.hays.extend(i, &more);
        }
        true
    }

    /// Names arrived from the directory (`batch`: users, queues, wrap-up codes by id): the rows
    /// that hold those ids (found by [`Holders`], not by a scan, and not read again) get them in
    /// their filter text, once each, and are tested again, so that `agent:gomez` finds the row
    /// the list shows as "Gómez". Costs the rows named, plus one pass over the order when one of
    /// them comes or goes.
    pub fn learn_names(&mut self, batch: &Names) {
        // (row, part): each name's part made once, whatever the number of rows holding it.
        let mut parts = Vec::new();
        let mut adds: Vec<(u32, u32)> = Vec::new();
        for (kind, id, name) in batch.iter() {
            let Some(name) = name.filter(|n| !n.trim().is_empty()) else {
                continue;
            };
            let rows = self.holders.holding(kind, id);
            if rows.is_empty() {
                continue;
            }
            let p = parts.len() as u32;
            parts.push(super::row::name_part(kind, name));
            adds.extend(rows.iter().map(|&r| (r, p)));
        }
        adds.sort_unstable();
        // What each row gets, in one buffer: (row, where in `text`).
        let mut text = String::new();
        let mut more: Vec<(usize, Range<usize>)> = Vec::new();
        let mut had = Vec::new();
        for group in adds.chunk_by(|a, b| a.0 == b.0) {
            let row = group[0].0 as usize;
            // Which of the names the row has already (one sweep of its text for them all).
            had.clear();
            had.resize(group.len(), false);
            for p in self.hays.get(row).split(SEP) {
                for (k, &(_, n)) in group.iter().enumerate() {
                    had[k] |= parts[n as usize][SEP.len_utf8()..] == *p;
                }
            }
            let start = text.len();
            for (k, &(_, n)) in group.iter().enumerate() {
                let part = &parts[n as usize];
                if !had[k] && !has_part(&text[start..], part) {
                    text.push_str(part);
                }
            }
            if text.len() > start {
                more.push((row, start..text.len()));
            }
        }
        self.hays.extend_many(&text, &more);
        if self.filter.is_empty() {
            return;
        }
        let m = self.filter.matcher();
        let mut moved = false;
        for (i, _) in more {
            let ok = passes(&m, &self.hays, &self.rows, i);
            if ok != self.passes[i] {
                self.passes[i] = ok;
                moved = true;
            }
        }
        if moved {
            self.revisible();
        }
    }

    /// Re-tests one row against the filter (its text changed), keeping the display order.
    pub fn refilter_row(&mut self, id: &str) {
        let Some(i) = self.index(id) else { return };
        let ok = passes(&self.filter.matcher(), &self.hays, &self.rows, i);
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

/// Whether the filter lets row `i` through. Only `attr:`, `dur`, `date:` and `live` terms read
/// the row itself: a keystroke of words reads just the filter's text, which is all in one place.
fn passes(m: &Matcher, hays: &Haystacks, rows: &[Row], i: usize) -> bool {
    let row = if m.reads_row() { Some(&rows[i]) } else { None };
    m.matches(hays.get(i), row)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::directory::Names;
    use crate::timespec::Zone;
    use crate::tui::fixtures::conv;
    use chrono::TimeZone;

    /// The clock of filters that name no relative day.
    const T0: DateTime<Utc> = DateTime::UNIX_EPOCH;

    impl List {
        /// Adds a page with no directory names known.
        fn put(&mut self, convs: Vec<AnalyticsConversation>) {
            self.add(convs, &Names::default());
        }
    }

    fn ids(l: &List) -> Vec<&str> {
        l.visible.iter().map(|&i| l.rows[i].id()).collect()
    }

    #[test]
    fn pages_merge_in_order_and_duplicates_replace() {
        let mut l = List::default();
        l.reset(1);
        l.put(vec![conv("c", 30, "x", "y"), conv("b", 20, "x", "y")]);
        l.put(vec![conv("a", 10, "x", "y")]);
        assert_eq!(ids(&l), ["c", "b", "a"]);
        // Out of order and a duplicate: sorted, not doubled.
        l.put(vec![conv("d", 25, "x", "y"), conv("a", 10, "new", "y")]);
        assert_eq!(ids(&l), ["c", "d", "b", "a"]);
        assert_eq!(
            l.row("a")
                .unwrap()
                .cells(Zone::Utc, &Names::default())
                .customer,
            "new"
        );
    }

    #[test]
    fn first_row_is_selected_on_arrival_and_kept_by_id() {
        let mut l = List::default();
        l.reset(1);
        l.put(vec![conv("b", 20, "x", "y")]);
        assert_eq!(l.selected.as_deref(), Some("b"));
        // A newer row arrives above: the selection stays on b, the cursor moves.
        l.put(vec![conv("c", 30, "x", "y")]);
        assert_eq!(l.selected.as_deref(), Some("b"));
        assert_eq!(l.cursor, 1);
    }

    #[test]
    fn a_malformed_filter_keeps_the_one_before_and_says_why() {
        let mut l = List::default();
        l.reset(1);
        l.put(vec![conv("c", 30, "Ann", "y"), conv("b", 20, "Bea", "y")]);
        l.set_filter("ann", T0);
        assert_eq!(ids(&l), ["c"]);
        l.set_filter("ann colour:red", T0);
        assert_eq!(ids(&l), ["c"], "never a silent match-all");
        assert!(
            l.filter_error
                .as_deref()
                .unwrap()
                .contains("unknown field 'colour'")
        );
        l.set_filter("-ann", T0);
        assert_eq!(ids(&l), ["b"]);
        assert_eq!(l.filter_error, None);
        // Words cannot search attributes not loaded: the list counts those rows.
        assert_eq!(l.unsearched(), 2);
        l.set_filter("customer:ann", T0);
        assert_eq!(l.unsearched(), 0, "a field term does not read attributes");
    }

    #[test]
    fn filter_matches_ids_names_purposes_and_known_attributes() {
        let mut l = List::default();
        l.reset(1);
        l.put(vec![
            conv("c-1", 30, "Jane", "Bob"),
            conv("c-2", 20, "Ann", "Carl"),
            conv("c-3", 10, "Zed", "Bob"),
        ]);
        l.set_filter("BOB", T0);
        assert_eq!(ids(&l), ["c-1", "c-3"]);
        l.set_filter("c-2", T0);
        assert_eq!(ids(&l), ["c-2"]);
        l.set_filter("workflow", T0);
        assert_eq!(l.visible.len(), 3);
        l.set_filter("gold", T0);
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
        l.put(vec![
            conv("c-1", 30, "Jane", "Bob"),
            conv("c-2", 20, "Ann", "Carl"),
            conv("c-3", 10, "Zed", "Bob"),
        ]);
        l.select_at(2);
        l.set_filter("bob", T0);
        assert_eq!(l.selected.as_deref(), Some("c-3"));
        assert_eq!(l.cursor, 1);
        l.set_filter("", T0);
        assert_eq!(l.selected.as_deref(), Some("c-3"));
        assert_eq!(l.cursor, 2);
        // Filtered out: the first visible row is selected instead.
        l.set_filter("ann", T0);
        assert_eq!(l.selected.as_deref(), Some("c-2"));
    }

    fn column(title: &str) -> Sort {
        let i = crate::tui::columns::COLUMNS
            .iter()
            .position(|c| c.title == title)
            .unwrap();
        crate::tui::columns::COLUMNS[i].sort.unwrap()
    }

    /// Rows that tie on the column sorted by come newest first, in both orders, whatever order
    /// their pages arrived in (pages are fetched several at once); blank cells go last in
    /// both orders.
    #[test]
    fn ties_are_newest_first_and_blanks_last_in_both_orders() {
        let mut l = List::default();
        l.reset(1);
        // The oldest page first, as a concurrent load may deliver it.
        l.put(vec![
            conv("old-ann", 10, "Ann", "y"),
            conv("old-blank", 11, "", "y"),
        ]);
        l.put(vec![
            conv("new-ann", 40, "Ann", "y"),
            conv("bea", 30, "Bea", "y"),
        ]);
        l.put(vec![conv("new-blank", 41, "", "y")]);
        l.set_sort(column("Customer"), &Names::default());
        assert_eq!(l.order, Order::Desc);
        assert_eq!(
            ids(&l),
            ["bea", "new-ann", "old-ann", "new-blank", "old-blank"]
        );
        l.toggle_order();
        assert_eq!(
            ids(&l),
            ["new-ann", "old-ann", "bea", "new-blank", "old-blank"]
        );
    }

    /// By duration, conversations going on are the longest, the one that started first at the
    /// top: the order holds however long they run (their ticking does not move rows).
    #[test]
    fn by_duration_live_rows_come_first_longest_running_first() {
        let mut l = List::default();
        l.reset(1);
        let live = |id: &str, minute: u32| {
            let mut c = conv(id, minute, "x", "y");
            c.conversation_end = None;
            c
        };
        l.put(vec![
            live("live-new", 50),
            conv("ended", 5, "x", "y"),
            live("live-old", 20),
        ]);
        l.set_sort(column("Dur"), &Names::default());
        assert_eq!(ids(&l), ["live-old", "live-new", "ended"]);
        l.toggle_order();
        assert_eq!(ids(&l), ["ended", "live-new", "live-old"]);
    }

    #[test]
    fn sort_toggles_and_keeps_the_selection() {
        let mut l = List::default();
        l.reset(1);
        l.put(vec![
            conv("c", 30, "x", "y"),
            conv("b", 20, "x", "y"),
            conv("a", 10, "x", "y"),
        ]);
        l.select_at(0);
        l.toggle_order();
        assert_eq!(ids(&l), ["a", "b", "c"]);
        assert_eq!(l.selected.as_deref(), Some("c"));
        assert_eq!(l.cursor, 2);
        // Pages arriving newest-first into an oldest-first list still sort.
        l.put(vec![conv("z", 40, "x", "y")]);
        assert_eq!(ids(&l), ["a", "b", "c", "z"]);
    }

    #[test]
    fn movement_clamps_and_scrolls() {
        let mut l = List::default();
        l.reset(1);
        l.put(
            (0..50)
                .map(|i| conv(&format!("c{i:02}"), 59 - i, "x", "y"))
                .collect(),
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

    /// Names arriving after the rows (as the directory answers after each page) make the rows
    /// holding those ids findable by them, once each; rows made when names are known have
    /// them at once; replaced and cut rows keep the index right.
    #[test]
    fn names_that_arrive_extend_the_rows_holding_their_ids() {
        use crate::genesys::directory::Kind;
        use crate::tui::fixtures::{
            AGENT_DEE, CODE_RESOLVED, directory, messaging, voice_transfer,
        };
        let rows = || {
            vec![
                voice_transfer("v1"),
                messaging("m1"),
                conv("c1", 5, "Ann", "Bob"),
            ]
        };
        let names = directory();
        let mut l = List::default();
        l.reset(1);
        l.put(rows());
        l.set_filter("agent:gomez", T0);
        assert!(ids(&l).is_empty());
        l.learn_names(&names);
        assert_eq!(ids(&l), ["v1"]);
        let hay = l.haystack("v1").unwrap().to_string();
        l.learn_names(&names);
        assert_eq!(l.haystack("v1").unwrap(), hay, "nothing twice");
        // A row that comes again has the names known, and is listed once per id.
        l.add(vec![voice_transfer("v1")], &names);
        assert_eq!(ids(&l), ["v1"]);
        assert_eq!(l.holders.holding(Kind::Wrapup, CODE_RESOLVED), [0, 1]);
        // A negated term: rows leave as their names arrive.
        let mut l = List::default();
        l.reset(1);
        l.put(rows());
        l.set_filter("-wrapup:sold", T0);
        assert_eq!(ids(&l), ["v1", "m1", "c1"]);
        l.learn_names(&names);
        assert_eq!(ids(&l), ["c1"]);
        // Rows cut: the index follows them.
        let mut l = List::default();
        l.reset(1);
        l.put(rows());
        l.retain(|r| r.id() != "v1");
        l.set_filter("agent:dupre", T0);
        assert!(ids(&l).is_empty());
        let mut dee = Names::default();
        dee.insert(Kind::User, AGENT_DEE.into(), Some("Dee Dupré".into()));
        l.learn_names(&dee);
        assert_eq!(ids(&l), ["m1"]);
        // A row replaced by a record without some of its ids (the second agent, in Billing,
        // who wrapped up with Resolved): their names do not find it.
        let mut l = List::default();
        l.reset(1);
        l.put(rows());
        let mut v = voice_transfer("v1");
        v.participants.truncate(4);
        l.put(vec![v]);
        l.learn_names(&names);
        for f in ["queue:billing", "agent:muller", "wrapup:resolved"] {
            l.set_filter(f, T0);
            assert_eq!(l.position("v1"), None, "{f}: {:?}", l.haystack("v1"));
        }
        l.set_filter("agent:gomez wrapup:transferred", T0);
        assert_eq!(ids(&l), ["v1"]);
        // Made with the names known: found at once.
        let mut l = List::default();
        l.reset(1);
        l.add(rows(), &names);
        l.set_filter("queue:billing wrapup:transferred agent:muller", T0);
        assert_eq!(ids(&l), ["v1"]);
    }

    thread_local! {
        /// Row comparisons made on this thread (the cost of keeping the order).
        pub(super) static COMPARISONS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }

    fn comparisons() -> u64 {
        COMPARISONS.with(|n| n.replace(0))
    }

    /// `pages` pages of 100, newest first, as the API sends them; `oldest_first` makes every
    /// page land at the top of the list instead of the bottom. Also the comparisons each page
    /// took.
    fn load(pages: i64, oldest_first: bool) -> (List, Vec<u64>) {
        let mut l = List::default();
        l.reset(1);
        if oldest_first {
            l.toggle_order();
        }
        let base = conv("base", 0, "Jane", "Bob");
        let mut per_page = Vec::new();
        for page in 0..pages {
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
            comparisons();
            l.put(convs);
            per_page.push(comparisons());
        }
        (l, per_page)
    }

    /// What ordering a page of 100 may cost: sorting it (n log n), and a pass along it.
    const PAGE_COST: u64 = 100 * 7 + 100;

    // Wall-clock figures for 100,000 rows are in benches/screen.rs (merge_pages_100k).

    #[test]
    fn a_page_costs_the_same_comparisons_however_many_rows_are_loaded() {
        let (mut l, per_page) = load(100, false);
        assert_eq!(l.visible.len(), 10_000);
        assert!(per_page.iter().all(|&c| c <= PAGE_COST), "{per_page:?}");
        l.set_filter("id-9999", T0);
        assert_eq!(l.visible.len(), 1);
    }

    #[test]
    fn pages_landing_at_the_top_cost_comparisons_for_the_page_only() {
        let (mut l, per_page) = load(100, true);
        assert_eq!(l.rows[l.visible[0]].id(), "id-9999");
        assert_eq!(l.rows[l.visible[9_999]].id(), "id-0");
        assert!(per_page.iter().all(|&c| c <= PAGE_COST), "{per_page:?}");
        // Turning the order around is one pass over the rows, not a sort from scratch.
        comparisons();
        l.toggle_order();
        assert_eq!(l.rows[l.visible[0]].id(), "id-0");
        assert!(comparisons() < 2 * 10_000);
    }
}
