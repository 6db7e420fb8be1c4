//! The lake's part of an export: one async job's results written as they come, merged in start
//! order with the part's conversations the lake lacks (going on at its availability date, from
//! the details query: [`super::sweep`]). A job given up (refused, FAILED, EXPIRED, past its
//! deadline, its results stopped) leaves the rest of the part to the details query, which skips
//! what was written.
//!
//! - Results hold the conversations that overlap the job's interval: those that started before
//!   the part, or ended after the availability date the plan used, are not the part's and are
//!   dropped (the sweep has the latter); a conversation given twice is written once.
//! - With `--attributes` the results' attributes are used as they are; a conversation whose
//!   key or value the job cut at 1,024 characters is read again with GET conversation
//!   ([`Fetcher::from_results`](crate::attributes::Fetcher::from_results)). Without, they are
//!   left out, so that both plans write the same records.
//! - A record the model cannot hold is read again by id (the analytics multi-get, what the
//!   details query has); if that fails too it is written as the job sent it. A record without
//!   an id is counted as missing: the export fails at its end.

use std::collections::VecDeque;

use crate::genesys::Error;
use crate::genesys::budget::Priority;
use crate::genesys::client::{CallOpts, MAX_MULTI_GET};
use crate::genesys::model::{AnalyticsConversation, parse_time};
use crate::genesys::records::{Page, Record};
use crate::lake;
use crate::paging::check::IdSet;

use super::plan::LakePart;
use super::{Exporter, PartReport, Progress, Source, reports, set_attributes, short_time, sweep};

/// The most places named when records of the job could not be read.
const PLACES_SHOWN: usize = 5;

/// What the lake's part keeps between the job's results pages.
struct Merge {
    /// The part's conversations the lake lacks not written yet, by start.
    lacking: VecDeque<AnalyticsConversation>,
    /// What was written of the part: a fallback skips it.
    written: IdSet,
    /// Records of the job that could not be read at all.
    unreadable: Vec<String>,
}

impl Exporter<'_> {
    /// The lake's part: `found` are its conversations the lake lacks.
    pub(super) async fn lake_part(
        &mut self,
        part: LakePart,
        found: sweep::Found,
    ) -> Result<(), Error> {
        let report = reports(self.progress);
        let client = self.client.clone();
        let scope = self.opts.scope.with_interval(part.interval);
        let mut job = match lake::Job::create(&client, &scope, Priority::Foreground, &report).await
        {
            Ok(job) => job,
            Err(e) => {
                let why = format!("the async job was refused: {e}");
                return self.instead(part, why, IdSet::default()).await;
            }
        };
        // Deleted from here however the export ends (the job itself is in this future).
        self.job = Some(job.deleter());
        for w in found.warnings {
            (self.progress)(Progress::Note(w));
        }
        // Their attributes while the job runs.
        let mut lacking = found.conversations;
        self.with_attributes(&mut lacking).await?;
        let fulfilled = job
            .fulfilled(
                &client,
                self.opts.job_deadline,
                Priority::Foreground,
                &report,
            )
            .await;
        if let Err(why) = fulfilled {
            self.drop_job().await;
            return self.instead(part, why, IdSet::default()).await;
        }
        self.parts.push(PartReport {
            interval: part.interval,
            source: Source::Lake {
                pages: 0,
                available: part.available,
                going_on: 0,
            },
            written: 0,
        });
        let mut merge = Merge {
            lacking: VecDeque::from(lacking),
            written: IdSet::default(),
            unreadable: Vec::new(),
        };
        let size = lake::JOB_PAGE_SIZE;
        let mut next = job
            .next_page(&client, size, Priority::Foreground, &report)
            .await;
        loop {
            let pages = job.pages();
            if let Some(PartReport {
                source: Source::Lake { pages: p, .. },
                ..
            }) = self.parts.last_mut()
            {
                *p = pages;
            }
            let page = match next {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(why) => {
                    // The API out of reach: the details query would be too.
                    if let Some(e) = job.failure().filter(|e| lake::is_network(e)).cloned() {
                        return Err(e);
                    }
                    self.drop_job().await;
                    let why = format!("the async job's results stopped early ({why})");
                    return self.instead(part, why, merge.written).await;
                }
            };
            if pages == 1
                && let Some(a) = page.data_availability_date.as_deref().and_then(parse_time)
                && a < part.available
            {
                // What ended in between would be in neither the job nor the sweep.
                self.drop_job().await;
                let why = format!(
                    "its results hold data up to {}, not {} as the lake said",
                    short_time(a),
                    short_time(part.available)
                );
                return self.instead(part, why, merge.written).await;
            }
            // The next page comes while this one is completed and written.
            let (fetched, done) = tokio::join!(
                job.next_page(&client, size, Priority::Foreground, &report),
                self.take_page(page, &part, &mut merge),
            );
            done?;
            next = fetched;
        }
        let rest: Vec<AnalyticsConversation> = std::mem::take(&mut merge.lacking)
            .into_iter()
            .filter(|l| merge.written.insert(&l.conversation_id))
            .collect();
        self.write_lake(&rest, rest.len() as u64).await?;
        self.drop_job().await;
        if !merge.unreadable.is_empty() {
            let n = merge.unreadable.len();
            let more = n.saturating_sub(PLACES_SHOWN);
            merge.unreadable.truncate(PLACES_SHOWN);
            let mut detail = merge.unreadable.join("; ");
            if more > 0 {
                detail.push_str(&format!("; and {more} more"));
            }
            self.incomplete.push(Error::Incomplete {
                missing: Some(n as u64),
                detail,
            });
        }
        Ok(())
    }

    /// One page of the job's results: the part's conversations completed (attributes as the job
    /// gave them, read again where it cut them, or none), merged by start with those the lake
    /// lacks, and written.
    async fn take_page(
        &mut self,
        page: Page,
        part: &LakePart,
        merge: &mut Merge,
    ) -> Result<(), Error> {
        let report = reports(self.progress);
        let mut batch = Vec::with_capacity(page.len());
        let mut again = Vec::new();
        for r in page.records {
            match r {
                Record::Conversation(c) => {
                    if part.holds(c.start(), c.end()) {
                        batch.push(c);
                    }
                }
                Record::Kept { conversation, why } => {
                    let c = conversation;
                    if c.start().is_none() || part.holds(c.start(), c.end()) {
                        again.push((c, why));
                    }
                }
                Record::Unreadable { at, why } => merge.unreadable.push(format!(
                    "record {} of a results page of the async job could not be read at all \
                     ({why})",
                    at + 1
                )),
            }
        }
        batch.retain(|c| !merge.written.contains(&c.conversation_id));
        match &mut self.fetcher {
            Some(f) => {
                let attrs = f.from_results(&batch, &report).await?;
                for (c, a) in batch.iter_mut().zip(attrs) {
                    set_attributes(c, a);
                }
            }
            None => {
                for p in batch.iter_mut().flat_map(|c| c.participants.iter_mut()) {
                    p.attributes = None;
                }
            }
        }
        if !again.is_empty() {
            batch.extend(self.read_again(again, part).await?);
            batch.sort_by_key(|c| c.start());
        }
        // In start order: those the lake lacks that start before each of the job's.
        let mut merged = Vec::with_capacity(batch.len());
        let mut going_on = 0;
        for c in batch {
            while merge.lacking.front().is_some_and(|l| l.start() < c.start()) {
                let l = merge.lacking.pop_front().expect("looked at");
                if merge.written.insert(&l.conversation_id) {
                    going_on += 1;
                    merged.push(l);
                }
            }
            if merge.written.insert(&c.conversation_id) {
                merged.push(c);
            }
        }
        self.write_lake(&merged, going_on).await
    }

    /// Writes conversations of the lake's part (`going_on` of them from the details query).
    async fn write_lake(
        &mut self,
        convs: &[AnalyticsConversation],
        going_on: u64,
    ) -> Result<(), Error> {
        self.write(convs, going_on).await?;
        (self.progress)(Progress::Written {
            written: self.written,
            total: None,
        });
        Ok(())
    }

    /// Records of the job the model could not hold, read again by id as the details query
    /// has them (with their attributes as for the details query's); those that cannot be,
    /// as the job sent them.
    async fn read_again(
        &mut self,
        kept: Vec<(AnalyticsConversation, String)>,
        part: &LakePart,
    ) -> Result<Vec<AnalyticsConversation>, Error> {
        let report = reports(self.progress);
        let waits = lake::waits_to(&report);
        let ids: Vec<String> = kept
            .iter()
            .map(|(c, _)| c.conversation_id.clone())
            .collect();
        let mut got: Vec<AnalyticsConversation> = Vec::new();
        for chunk in ids.chunks(MAX_MULTI_GET) {
            let page = self
                .client
                .conversations_by_id(chunk, CallOpts::observed(&waits).limited(&self.limiter))
                .await?;
            got.extend(page.records.into_iter().filter_map(|r| match r {
                Record::Conversation(c)
                    if c.start().is_none() || part.holds(c.start(), c.end()) =>
                {
                    Some(c)
                }
                _ => None,
            }));
        }
        self.with_attributes(&mut got).await?;
        for (c, why) in kept {
            if !got.iter().any(|g| g.conversation_id == c.conversation_id) {
                (self.progress)(Progress::Note(format!(
                    "conversation {} could not be decoded ({why}): written as the async job sent \
                     it",
                    c.conversation_id
                )));
                got.push(c);
            }
        }
        Ok(got)
    }

    /// Deletes the lake's job, if there is one.
    async fn drop_job(&mut self) {
        if let Some(job) = self.job.take() {
            job.delete(&reports(self.progress)).await;
        }
    }

    /// The rest of the lake's part from the details query (less `skip`, written), saying why.
    async fn instead(&mut self, part: LakePart, why: String, skip: IdSet) -> Result<(), Error> {
        let with = if self.opts.attributes {
            " (attributes from GET conversation)"
        } else {
            ""
        };
        (self.progress)(Progress::Note(format!(
            "{} → {} from the details query{with} instead of the data lake: {why}",
            short_time(part.interval.start),
            short_time(part.interval.end),
        )));
        self.query_part(part.interval, Some(skip), Source::Instead { why })
            .await
    }
}
