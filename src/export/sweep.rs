//! The conversations of the lake's part that the lake does not hold: those that started in it
//! and were still going on at its availability date (ended at or after it, or not yet; live
//! conversations are never in the lake). They are few (those going on at one moment), and the
//! details query finds them in a page or two for each part of the range it accepts at once:
//!
//! - sorted by `conversationEnd`, the latest first, up to the first that ended before the date;
//! - and those still going on (`conversationEnd` notExists), in start order.
//!
//! Pages that cannot be right (short, empty, without `totalHits`, repeated) are asked again, as
//! the pager does. What is found is returned sorted by start, for export to merge with the
//! job's results. The first page's `totalHits` also says about how many conversations the part
//! holds, which `--plan auto` weighs ([`super::plan::worth_a_job`]).

use chrono::{DateTime, Duration, Utc};

use crate::genesys::client::CallOpts;
use crate::genesys::limiter::Limiter;
use crate::genesys::model::AnalyticsConversation;
use crate::genesys::query::{DetailsQuery, MAX_PAGE_SIZE, Order, SortBy};
use crate::genesys::records::{Page, Record};
use crate::genesys::retry::Wait;
use crate::genesys::{Client, Error, Scope};
use crate::paging::check::{IdSet, fault};

use super::plan::LakePart;

/// How many times a page that cannot be right is asked again.
const REASKS: u32 = 3;

/// What the sweep found.
#[derive(Debug, Default)]
pub(super) struct Found {
    /// The part's conversations the lake lacks, by start (records kept as sent included).
    pub conversations: Vec<AnalyticsConversation>,
    /// Requests made (pages, pages asked again).
    pub requests: u32,
    /// About how many conversations the part holds: the details query's `totalHits` of its
    /// sub-parts, as the first page sorted by end said (`u64::MAX` when one did not say).
    pub hits: u64,
    /// What the user should know: a record that could not be read, a page that stayed wrong.
    pub warnings: Vec<String>,
}

/// The conversations of `part` (of the export's `scope`) the lake lacks. `max_interval` is the
/// longest interval a query may have, `max_results` the deepest paging reaches.
pub(super) async fn going_on(
    client: &Client,
    scope: &Scope,
    part: &LakePart,
    max_interval: Duration,
    max_results: u64,
    limiter: &Limiter,
    waits: &(dyn Fn(&Wait) + Send + Sync),
) -> Result<Found, Error> {
    let mut found = Found::default();
    let mut seen = IdSet::default();
    let mut live = scope.clone();
    live.search.live = true;
    for sub in part.interval.split(max_interval, Order::Asc) {
        let sweeps = [
            (scope.with_interval(sub), SortBy::End, Order::Desc),
            (live.with_interval(sub), SortBy::Start, Order::Asc),
        ];
        for (s, by, order) in sweeps {
            let stop = (by == SortBy::End).then_some(part.available);
            let sweep = Sweep {
                client,
                scope: &s,
                by,
                order,
                stop,
                max_results,
                limiter,
                waits,
            };
            sweep
                .run(&mut found, &mut |c| {
                    if part.lacks(c.start(), c.end()) && seen.insert(&c.conversation_id) {
                        Some(c)
                    } else {
                        None
                    }
                })
                .await?;
        }
    }
    // Stable: records without a start (kept as sent) first, then by start.
    found.conversations.sort_by_key(|c| c.start());
    Ok(found)
}

struct Sweep<'a> {
    client: &'a Client,
    scope: &'a Scope,
    by: SortBy,
    order: Order,
    /// Sorted by end, newest first: the pages stop at the first that ended before this.
    stop: Option<DateTime<Utc>>,
    max_results: u64,
    limiter: &'a Limiter,
    waits: &'a (dyn Fn(&Wait) + Send + Sync),
}

impl Sweep<'_> {
    async fn run(
        &self,
        found: &mut Found,
        keep: &mut dyn FnMut(AnalyticsConversation) -> Option<AnalyticsConversation>,
    ) -> Result<(), Error> {
        let size = u64::from(MAX_PAGE_SIZE);
        let mut seen = IdSet::default();
        let mut n = 1u32;
        loop {
            let page = self.checked(n, &seen, found).await?;
            if n == 1 && self.stop.is_some() {
                found.hits = found
                    .hits
                    .saturating_add(page.total_hits.unwrap_or(u64::MAX));
            }
            let mut past = false;
            let got = page.len() as u64;
            for r in page.records {
                let c = match r {
                    Record::Conversation(c) => c,
                    Record::Kept { conversation, .. } => conversation,
                    Record::Unreadable { at, why } => {
                        found.warnings.push(format!(
                            "record {} of page {n} of {} could not be read at all ({why}): \
                             skipped",
                            at + 1,
                            self.scope.interval.to_api()
                        ));
                        continue;
                    }
                };
                if let (Some(stop), Some(end)) = (self.stop, c.end())
                    && end < stop
                {
                    past = true;
                    continue;
                }
                seen.insert(&c.conversation_id);
                if let Some(c) = keep(c) {
                    found.conversations.push(c);
                }
            }
            // Without a count, a full page may have more after it.
            let reach = page
                .total_hits
                .unwrap_or(if got == size { u64::MAX } else { 0 })
                .min(self.max_results);
            if past || got == 0 || u64::from(n) * size >= reach {
                if !past && reach == self.max_results && u64::from(n) * size >= reach {
                    found.warnings.push(format!(
                        "more conversations of {} were going on than paging reaches: some may \
                         be missing",
                        self.scope.interval.to_api()
                    ));
                }
                return Ok(());
            }
            n += 1;
        }
    }

    /// Page `n`, asked again (up to [`REASKS`] times) while it cannot be right.
    async fn checked(&self, n: u32, seen: &IdSet, found: &mut Found) -> Result<Page, Error> {
        let mut best: Option<Page> = None;
        for asked in 0..=REASKS {
            found.requests += 1;
            let q = DetailsQuery {
                scope: self.scope.clone(),
                order: self.order,
                page_size: MAX_PAGE_SIZE,
                page_number: n,
            };
            let opts = CallOpts::observed(self.waits).limited(self.limiter);
            let page = self.client.query_page_sorted(&q, self.by, opts).await;
            let want = page.as_ref().ok().and_then(|p| p.total_hits).map(|t| {
                t.min(self.max_results)
                    .saturating_sub(u64::from(n - 1) * u64::from(MAX_PAGE_SIZE))
                    .min(u64::from(MAX_PAGE_SIZE)) as usize
            });
            let wrong = fault(&page, want, seen)?;
            let page = page.unwrap_or_default();
            if best.as_ref().is_none_or(|b| page.len() > b.len()) {
                best = Some(page);
            }
            match wrong {
                None => return Ok(best.unwrap_or_default()),
                Some(f) if asked == REASKS => {
                    found.warnings.push(format!(
                        "page {n} of the conversations going on in {} {f}",
                        self.scope.interval.to_api()
                    ));
                }
                Some(f) => tracing::info!(page = n, "the page {f}: asking again"),
            }
        }
        Ok(best.unwrap_or_default())
    }
}
