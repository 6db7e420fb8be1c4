//! Which conversations a details query or an async job selects, in its order.
//!
//! A [`Window`] says which conversations an interval matches (overlap, daily indexes, the data
//! lake's cut-off). The members that are not live never change: they are computed once per
//! window, filters and order and cached (the 32 most recent selections), as consecutive index
//! ranges: the conversations that started before the interval and overlap it (each one's end
//! checked, from its drawn timeline), those that started in it (taken whole, or scanned for the
//! filters: a byte a conversation for media filters), and, for jobs, those that may have ended
//! after the cut-off (checked). Live ones are added at the time of each request.

use std::sync::{Arc, Mutex};

use super::data::{Dataset, MAX_DURATION_MS, OrderBy, Window};
use super::filter::Filters;

/// What a query or a job selects.
#[derive(Debug, Clone)]
pub(crate) struct Select {
    pub window: Window,
    pub filters: Filters,
    /// The filters as sent: part of the cache key.
    pub raw: String,
    pub order_by: OrderBy,
    pub desc: bool,
}

/// Members in one index range, ascending.
#[derive(Clone)]
enum Part {
    Range(usize, usize),
    /// The conversations in `[lo, hi)` whose media code is in `mask`: counted per block of
    /// [`BLOCK`] conversations, so that building it is one pass over a byte a conversation and
    /// finding the k-th member a short scan.
    Kinds {
        lo: usize,
        hi: usize,
        mask: u32,
        /// Members before each block.
        before: Arc<Vec<u32>>,
        len: usize,
    },
    List(Arc<Vec<u32>>),
}

const BLOCK: usize = 1024;

impl Part {
    fn kinds(codes: &[u8], lo: usize, hi: usize, mask: u32) -> Part {
        let mut before = Vec::with_capacity((hi - lo).div_ceil(BLOCK));
        let mut len = 0usize;
        for block in codes[lo..hi].chunks(BLOCK) {
            before.push(len as u32);
            len += block.iter().filter(|&&c| mask >> c & 1 == 1).count();
        }
        Part::Kinds {
            lo,
            hi,
            mask,
            before: Arc::new(before),
            len,
        }
    }

    fn len(&self) -> usize {
        match self {
            Part::Range(lo, hi) => hi - lo,
            Part::Kinds { len, .. } => *len,
            Part::List(v) => v.len(),
        }
    }

    /// The k-th member in ascending order.
    fn get(&self, ds: &Dataset, k: usize) -> usize {
        match self {
            Part::Range(lo, _) => lo + k,
            Part::Kinds {
                lo,
                hi,
                mask,
                before,
                ..
            } => {
                let b = before.partition_point(|&n| n as usize <= k) - 1;
                let start = lo + b * BLOCK;
                let mut left = k - before[b] as usize;
                for (j, &c) in ds.codes()[start..*hi].iter().enumerate() {
                    if mask >> c & 1 == 1 {
                        if left == 0 {
                            return start + j;
                        }
                        left -= 1;
                    }
                }
                unreachable!("the block counts hold member {k}")
            }
            Part::List(v) => v[k] as usize,
        }
    }

    fn collect(&self, ds: &Dataset, out: &mut Vec<u32>) {
        match self {
            Part::List(v) => out.extend_from_slice(v),
            p => out.extend((0..p.len()).map(|k| p.get(ds, k) as u32)),
        }
    }
}

/// The cached members that are not live: index-ordered parts, or sorted by a key.
#[derive(Clone)]
enum Base {
    /// Parts in index order, with the members before each.
    Chain(Arc<Vec<(usize, Part)>>),
    /// Ascending by (key, index).
    Keyed(Arc<Vec<(i64, u32)>>),
}

impl Base {
    fn chain(parts: Vec<Part>) -> Base {
        let mut before = 0;
        let mut v = Vec::with_capacity(parts.len());
        for p in parts.into_iter().filter(|p| p.len() > 0) {
            let n = p.len();
            v.push((before, p));
            before += n;
        }
        Base::Chain(Arc::new(v))
    }

    fn len(&self) -> usize {
        match self {
            Base::Chain(v) => v.last().map_or(0, |(b, p)| b + p.len()),
            Base::Keyed(v) => v.len(),
        }
    }

    /// The k-th member in ascending order.
    fn get(&self, ds: &Dataset, k: usize) -> usize {
        match self {
            Base::Chain(v) => {
                let j = v.partition_point(|(b, _)| *b <= k) - 1;
                let (b, p) = &v[j];
                p.get(ds, k - b)
            }
            Base::Keyed(v) => v[k].1 as usize,
        }
    }
}

/// The conversations a query or job selects, in its order: the cached members that are not live,
/// merged with the live ones (the last indexes), filtered and keyed at the time of the request.
pub(crate) struct Selection {
    base: Base,
    /// Live members in the query's order, with their sort key (`None`: sorted last).
    live: Vec<(Option<i64>, u32)>,
    /// For key orders: where each live member stands in the merged order.
    live_pos: Vec<usize>,
    desc: bool,
    keyed: bool,
}

impl Selection {
    fn new(base: Base, mut live: Vec<(Option<i64>, u32)>, desc: bool, keyed: bool) -> Selection {
        let mut live_pos = Vec::new();
        if let Base::Keyed(v) = &base {
            // Missing keys last in both orders; live indexes are above every cached one, so a
            // cached member with the same key comes first in ascending order, last in descending.
            live.sort_by(|a, b| match (a.0, b.0) {
                (None, None) => a.1.cmp(&b.1),
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(x), Some(y)) if desc => (y, b.1).cmp(&(x, a.1)),
                (Some(x), Some(y)) => (x, a.1).cmp(&(y, b.1)),
            });
            live_pos = live
                .iter()
                .enumerate()
                .map(|(j, &(key, _))| {
                    let before = match key {
                        None => v.len(),
                        Some(key) if desc => v.len() - v.partition_point(|e| e.0 <= key),
                        Some(key) => v.partition_point(|e| e.0 <= key),
                    };
                    before + j
                })
                .collect();
        }
        Selection {
            base,
            live,
            live_pos,
            desc,
            keyed,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.base.len() + self.live.len()
    }

    /// The k-th conversation in the query's order.
    pub(crate) fn nth(&self, ds: &Dataset, k: usize) -> usize {
        let n = self.base.len();
        if self.keyed {
            let mut live_before = 0;
            for (j, &p) in self.live_pos.iter().enumerate() {
                if p == k {
                    return self.live[j].1 as usize;
                }
                if p < k {
                    live_before += 1;
                }
            }
            let a = k - live_before;
            return self.base.get(ds, if self.desc { n - 1 - a } else { a });
        }
        let k = if self.desc { self.len() - 1 - k } else { k };
        if k < n {
            self.base.get(ds, k)
        } else {
            self.live[k - n].1 as usize
        }
    }
}

/// The most recent selections, by a key of what determines them.
#[derive(Default)]
pub(crate) struct Cache(Mutex<Vec<(String, Base)>>);

/// Index ranges of the members that are not live: those whose end must be checked before the
/// interval (`pre`), those taken as the filters say (`main`), those whose end must be checked
/// after it (`post`, jobs: the conversations that may have ended after the cut-off).
struct Ranges {
    pre: (usize, usize),
    main: (usize, usize),
    post: (usize, usize),
}

fn ranges(ds: &Dataset, w: &Window) -> Ranges {
    let split = ds.first_active();
    let clamp = |(a, b): (usize, usize)| (a.min(split), b.min(split));
    let pre = clamp(ds.range(w.lowest_start(), w.from));
    let (from_i, to_i) = clamp(ds.range(w.from, w.to));
    // Conversations that start before `ended_before - MAX_DURATION_MS` ended before it.
    let safe = match w.ended_before {
        None => to_i,
        Some(c) => clamp(ds.range(w.from, c.saturating_sub(MAX_DURATION_MS).min(w.to))).1,
    };
    Ranges {
        pre,
        main: (from_i, safe.max(from_i)),
        post: (safe.max(from_i), to_i),
    }
}

/// The selection of a query or job at `now` (epoch ms). Computing the cached part runs off the
/// async workers unless it is a scan of media codes over few checked conversations.
pub(crate) async fn select(ds: &Arc<Dataset>, cache: &Cache, q: &Select, now: i64) -> Selection {
    let keyed = !q.order_by.by_start();
    let w = q.window;
    let r = ranges(ds, &w);
    let key = format!(
        "{w:?}|{:?}|{:?}|{:?}|{}|{:?}",
        r.pre,
        r.main,
        r.post,
        q.raw,
        keyed.then_some(q.order_by)
    );
    let hit = cache
        .0
        .lock()
        .unwrap()
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, b)| b.clone());
    let base = match hit {
        Some(b) => b,
        None => {
            let checked = (r.pre.1 - r.pre.0) + (r.post.1 - r.post.0);
            let cheap = !keyed && (q.filters.is_empty() || q.filters.by_kind()) && checked < 20_000;
            let compute = {
                let (ds, filters, by) = (ds.clone(), q.filters.clone(), q.order_by);
                move || {
                    let keep = |i: usize, end: Option<i64>| w.admits(ds.start_ms(i), end);
                    let checked = |(lo, hi): (usize, usize)| {
                        Part::List(Arc::new(ds.select_range(
                            lo,
                            hi,
                            &filters,
                            now,
                            Some(&keep),
                        )))
                    };
                    let (lo, hi) = r.main;
                    let main = if filters.is_empty() {
                        Part::Range(lo, hi)
                    } else if filters.by_kind() {
                        Part::kinds(ds.codes(), lo, hi, Dataset::kind_mask(&filters))
                    } else {
                        Part::List(Arc::new(ds.select_range(lo, hi, &filters, now, None)))
                    };
                    let chain = Base::chain(vec![checked(r.pre), main, checked(r.post)]);
                    if !keyed {
                        return chain;
                    }
                    let Base::Chain(parts) = &chain else {
                        unreachable!()
                    };
                    let mut members = Vec::with_capacity(chain.len());
                    for (_, p) in parts.iter() {
                        p.collect(&ds, &mut members);
                    }
                    // Members that are not live always have their keys.
                    let mut v: Vec<(i64, u32)> = members
                        .into_iter()
                        .map(|i| (ds.sort_key(i as usize, by, now).unwrap_or(i64::MAX), i))
                        .collect();
                    v.sort_unstable();
                    Base::Keyed(Arc::new(v))
                }
            };
            let b = if cheap {
                compute()
            } else {
                match tokio::task::spawn_blocking(compute).await {
                    Ok(b) => b,
                    Err(e) => std::panic::resume_unwind(e.into_panic()),
                }
            };
            let mut c = cache.0.lock().unwrap();
            c.push((key, b.clone()));
            if c.len() > 32 {
                c.remove(0);
            }
            b
        }
    };
    // Live conversations, as they stand now.
    let (llo, lhi) = ds.range(w.floor, w.to);
    let split = ds.first_active();
    let keep = |i: usize, end: Option<i64>| w.admits(ds.start_ms(i), end);
    let live = ds
        .select_range(llo.max(split), lhi.max(split), &q.filters, now, Some(&keep))
        .into_iter()
        .map(|i| {
            let key = keyed
                .then(|| ds.sort_key(i as usize, q.order_by, now))
                .flatten();
            (key, i)
        })
        .collect();
    Selection::new(base, live, q.desc, keyed)
}
