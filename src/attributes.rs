//! The one attribute fetcher: participant attributes for conversations, from an async details
//! job where the data lake holds them, else from GET conversation, at most `concurrency` at once
//! through the limiter the work shares. Export and the screen's `attr:` filter both use it.
//!
//! - Conversations the lake lacks (still going on, or ended after its `dataAvailabilityDate`)
//!   go straight to GET conversation, without waiting for the job.
//! - The job's results are read as they are needed, page by page: the fetcher keeps only the
//!   conversations of the batch it serves (and of one results page ahead), so memory stays
//!   bounded by a page however long the range. Batches come in start order (export's pages,
//!   the screen's rows sorted) for the job to be read once.
//! - A key or value of 1,024 characters or more from a job was cut by the job: that
//!   conversation is read again with GET conversation.
//! - A results page that fails is asked again from its cursor; a cursor that never ends (or
//!   comes back) stops the reading. Either way what was read is kept, and the rest comes from
//!   GET conversation. The job is deleted once read, or when the fetcher is dropped.
//! - GET conversation answering 404 (a conversation older than the conversations API keeps) is
//!   [`Attrs::NotFound`]: reported, counted, never an empty map. Any other error that retries
//!   could not fix stops the batch at once (no further requests of it).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;

use crate::genesys::budget::Priority;
use crate::genesys::client::CallOpts;
use crate::genesys::limiter::{Limiter, MAX_CONCURRENCY};
use crate::genesys::model::{AnalyticsConversation, Attributes};
use crate::genesys::query::Interval;
use crate::genesys::records::Record;
use crate::genesys::{Client, Error, Scope};
use crate::lake::{self, waits_to};

pub use crate::lake::{JOB_PAGE_SIZE, Report};

/// Where participant attributes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AttributeSource {
    /// One async details job over the range; GET conversation for what it lacks or when refused.
    #[default]
    Jobs,
    /// GET conversation for every conversation.
    Conversations,
}

/// The length at which a job has cut a key or value (developer center: "The keys and values of
/// the attributes are truncated to 1024 characters").
pub const JOB_CUT: usize = 1024;

/// How many conversations whose attributes are gone are named one by one.
const NOT_FOUND_NAMED: u64 = 5;

/// The default of [`Options::job_deadline`].
pub const DEFAULT_JOB_DEADLINE: Duration = Duration::from_secs(10 * 60);

#[derive(Debug, Clone)]
pub struct Options {
    /// GET conversation calls in flight at once, at most.
    pub concurrency: usize,
    /// Shared with the rest of the work (an export's paging): `None`, one of its own.
    pub limiter: Option<Arc<Limiter>>,
    /// How long the async job may take to be FULFILLED; after that, what it would have given
    /// comes from GET conversation (and the job is deleted).
    pub job_deadline: Duration,
    pub job_page_size: u32,
    /// The place of its requests in the rate budget (background on the screen).
    pub priority: Priority,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            concurrency: crate::paging::DEFAULT_CONCURRENCY,
            limiter: None,
            job_deadline: DEFAULT_JOB_DEADLINE,
            job_page_size: JOB_PAGE_SIZE,
            priority: Priority::Foreground,
        }
    }
}

/// By participant id.
pub type ByParticipant = HashMap<String, Attributes>;

/// What is known of one conversation's attributes.
#[derive(Debug, Clone, PartialEq)]
pub enum Attrs {
    /// Every participant's, by participant id (a participant without any has none here).
    Found(ByParticipant),
    /// GET conversation answered 404 and no job held it: the conversations API no longer has
    /// it (conversations older than its retention), so its attributes cannot be read.
    NotFound,
}

/// A conversation whose attributes are wanted.
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub id: String,
    pub start: Option<DateTime<Utc>>,
    /// `None` while it goes on.
    pub end: Option<DateTime<Utc>>,
}

impl From<&AnalyticsConversation> for Wanted {
    fn from(c: &AnalyticsConversation) -> Self {
        Wanted {
            id: c.conversation_id.clone(),
            start: c.start(),
            end: c.end(),
        }
    }
}

/// What the fetcher did, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Conversations whose attributes came from the job.
    pub from_job: u64,
    /// Conversations whose attributes came from GET conversation.
    pub from_get: u64,
    /// Of those, read again because the job had cut a value.
    pub cut: u64,
    /// Conversations whose attributes could not be read: GET conversation answered 404.
    pub not_found: u64,
}

/// See the module documentation.
pub struct Fetcher {
    client: Arc<Client>,
    /// The scope of the async job, when there is to be one.
    job: Option<Scope>,
    opts: Options,
    limiter: Arc<Limiter>,
    lake: Lake,
    counts: Counts,
}

/// The job path's state.
enum Lake {
    /// Not looked at yet.
    Unasked,
    /// No job: every conversation comes from GET conversation.
    Off,
    Job(Box<Held>),
}

/// The async job, and what of its results was read.
struct Held {
    job: lake::Job,
    /// Conversations that ended before this are in the lake.
    available: DateTime<Utc>,
    reader: Reader,
}

/// Reads a job's results on demand, keeping a bounded window of them.
#[derive(Default)]
struct Reader {
    /// The start of the last conversation read.
    last_start: Option<DateTime<Utc>>,
    /// Conversations read and not yet served: start, and attributes (`None`: cut by the job).
    window: HashMap<String, (Option<DateTime<Utc>>, Option<ByParticipant>)>,
}

impl Fetcher {
    /// Attributes from an async details job over `job` where the lake holds them (`None`: from
    /// GET conversation only). Nothing is asked until [`Fetcher::begin`] or [`Fetcher::fetch`].
    pub fn new(client: Arc<Client>, job: Option<Scope>, opts: Options) -> Self {
        let limiter = opts
            .limiter
            .clone()
            .unwrap_or_else(|| Arc::new(Limiter::new(opts.concurrency)));
        let lake = match job {
            Some(_) => Lake::Unasked,
            None => Lake::Off,
        };
        Fetcher {
            client,
            job,
            opts,
            limiter,
            lake,
            counts: Counts::default(),
        }
    }

    /// What it did so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Asks when the lake has data up to and starts the async job over the part of the scope
    /// it holds (when attributes come from jobs): call it early, the job runs meanwhile. A
    /// refusal is noted and turns every conversation to GET conversation.
    pub async fn begin(&mut self, report: &(dyn Fn(Report) + Sync)) {
        if !matches!(self.lake, Lake::Unasked) {
            return;
        }
        self.lake = Lake::Off;
        let off = |e: &Error| {
            report(Report::Note(format!(
                "attributes from GET conversation instead of an async job: {e}"
            )))
        };
        let available = match lake::availability(&self.client, self.opts.priority, report).await {
            Ok(a) => a,
            Err(e) => {
                off(&e);
                return;
            }
        };
        let Some(available) = available else {
            report(Report::Note(
                "the API did not say up to when the data lake has data: attributes from GET \
                 conversation"
                    .into(),
            ));
            return;
        };
        let Some(scope) = &self.job else { return };
        let range = scope.interval;
        if available <= range.start {
            report(Report::Note(format!(
                "the data lake holds nothing of this range yet (it has data up to {}): \
                 attributes from GET conversation",
                crate::genesys::model::format_time(available)
            )));
            return;
        }
        let part = scope.with_interval(Interval::new(range.start, range.end.min(available)));
        match lake::Job::create(&self.client, &part, self.opts.priority, report).await {
            Ok(job) => {
                self.lake = Lake::Job(Box::new(Held {
                    job,
                    available,
                    reader: Reader::default(),
                }));
            }
            Err(e) => off(&e),
        }
    }

    /// Conversations as a job's results carry them (export's lake plan): the attributes of
    /// each, in order, as the job gave them, or, where the job cut a key or value, read again
    /// whole with GET conversation. Stops at the first error that retries could not fix.
    pub async fn from_results(
        &mut self,
        convs: &[AnalyticsConversation],
        report: &(dyn Fn(Report) + Sync),
    ) -> Result<Vec<Attrs>, Error> {
        let batch: Vec<Wanted> = convs.iter().map(Wanted::from).collect();
        let mut out: Vec<Option<Attrs>> = Vec::with_capacity(convs.len());
        let mut cut = Vec::new();
        for (i, c) in convs.iter().enumerate() {
            match attributes_of(c) {
                Some(by) => out.push(Some(Attrs::Found(by))),
                None => {
                    cut.push(i);
                    out.push(None);
                }
            }
        }
        self.counts.from_job += (convs.len() - cut.len()) as u64;
        self.counts.cut += cut.len() as u64;
        self.counts.from_get += cut.len() as u64;
        if !cut.is_empty() {
            for (i, a) in get_many(
                &self.client,
                &self.limiter,
                &self.opts,
                &batch,
                &cut,
                report,
            )
            .await?
            {
                out[i] = Some(a);
            }
        }
        let out: Vec<Attrs> = out.into_iter().map(Option::unwrap_or_default).collect();
        self.tally_not_found(&batch, &out, report);
        Ok(out)
    }

    /// Counts the conversations whose attributes are gone, naming the first few.
    fn tally_not_found(
        &mut self,
        batch: &[Wanted],
        out: &[Attrs],
        report: &(dyn Fn(Report) + Sync),
    ) {
        for (w, a) in batch.iter().zip(out) {
            if *a != Attrs::NotFound {
                continue;
            }
            self.counts.not_found += 1;
            // The first few by name; the summary counts them all.
            if self.counts.not_found <= NOT_FOUND_NAMED {
                report(Report::Note(format!(
                    "conversation {}: its attributes cannot be read (GET conversation: not found; \
                     the conversations API no longer keeps it)",
                    w.id
                )));
            } else if self.counts.not_found == NOT_FOUND_NAMED + 1 {
                report(Report::Note(
                    "more conversations whose attributes cannot be read: the summary counts them"
                        .into(),
                ));
            }
        }
    }

    /// The attributes of `batch`, in its order. Stops at the first error that retries could
    /// not fix (a 404 is not one: see [`Attrs::NotFound`]).
    pub async fn fetch(
        &mut self,
        batch: &[Wanted],
        report: &(dyn Fn(Report) + Sync),
    ) -> Result<Vec<Attrs>, Error> {
        self.begin(report).await;
        let mut out: Vec<Option<Attrs>> = vec![None; batch.len()];
        // What the lake holds waits for the job; the rest is read at once, meanwhile.
        let (in_lake, now): (Vec<usize>, Vec<usize>) = match &self.lake {
            Lake::Job(job) => (0..batch.len()).partition(|&i| {
                let w = &batch[i];
                w.start.is_some() && w.end.is_some_and(|e| e < job.available)
            }),
            _ => (Vec::new(), (0..batch.len()).collect()),
        };
        let Fetcher {
            client,
            limiter,
            opts,
            lake,
            ..
        } = self;
        let gets = get_many(client, limiter, opts, batch, &now, report);
        let from_job = async {
            match lake {
                Lake::Job(job) => Some(job.serve(client, opts, batch, &in_lake, report).await),
                _ => None,
            }
        };
        let (got, served) = tokio::join!(gets, from_job);
        for (i, a) in got? {
            out[i] = Some(a);
        }
        let mut missing: Vec<usize> = Vec::new();
        let mut cut = 0;
        match served {
            None => missing = in_lake,
            Some(Served {
                found,
                failed,
                stopped,
            }) => {
                let mut found = found;
                for i in in_lake {
                    match found.remove(&batch[i].id) {
                        Some(Some(by)) => {
                            self.counts.from_job += 1;
                            out[i] = Some(Attrs::Found(by));
                        }
                        Some(None) => {
                            cut += 1;
                            missing.push(i);
                        }
                        None => missing.push(i),
                    }
                }
                if let Some(why) = failed {
                    report(Report::Note(format!(
                        "attributes from GET conversation instead of the async job: {why}"
                    )));
                    self.finish().await;
                }
                if let Some(why) = stopped {
                    report(Report::Note(format!(
                        "the async job's results stopped early ({why}): what it did not give \
                         comes from GET conversation"
                    )));
                }
            }
        }
        self.counts.cut += cut;
        if cut > 0 {
            // Routine on a real org (long values are common): counted, not a warning.
            tracing::info!(
                "{cut} conversation(s) with attributes the job cut at {JOB_CUT} characters: read again whole"
            );
        }
        if let Lake::Job(held) = &self.lake
            && held.job.finished()
        {
            // Read to the end: the job is no longer needed (what was read stays, for the
            // batches to come).
            held.job.delete(report).await;
        }
        if !missing.is_empty() {
            for (i, a) in get_many(
                &self.client,
                &self.limiter,
                &self.opts,
                batch,
                &missing,
                report,
            )
            .await?
            {
                out[i] = Some(a);
            }
        }
        let out: Vec<Attrs> = out.into_iter().map(Option::unwrap_or_default).collect();
        self.tally_not_found(batch, &out, report);
        self.counts.from_get += (now.len() + missing.len()) as u64;
        Ok(out)
    }

    /// Deletes the job, if there is one still: its results are read, or no longer needed.
    pub async fn finish(&mut self) {
        if let Lake::Job(held) = std::mem::replace(&mut self.lake, Lake::Off) {
            held.job.delete(&|_| {}).await;
        }
    }
}

impl Default for Attrs {
    fn default() -> Self {
        Attrs::Found(ByParticipant::new())
    }
}

/// What the job gave for a batch: by id, the attributes (`None`: cut); why the job was given
/// up, if it was (it gives nothing more); why reading its results stopped early, if it did
/// (what was read stays).
struct Served {
    found: HashMap<String, Option<ByParticipant>>,
    failed: Option<String>,
    stopped: Option<String>,
}

impl Held {
    /// Waits for the job (within the deadline), then reads its results until they pass the
    /// batch's latest start; what it holds of `which`.
    async fn serve(
        &mut self,
        client: &Client,
        opts: &Options,
        batch: &[Wanted],
        which: &[usize],
        report: &(dyn Fn(Report) + Sync),
    ) -> Served {
        let mut found = HashMap::new();
        if which.is_empty() {
            return Served {
                found,
                failed: None,
                stopped: None,
            };
        }
        if let Err(why) = self
            .job
            .fulfilled(client, opts.job_deadline, opts.priority, report)
            .await
        {
            return Served {
                found,
                failed: Some(why),
                stopped: None,
            };
        }
        let wanted: HashSet<&str> = which.iter().map(|&i| batch[i].id.as_str()).collect();
        let latest = which.iter().filter_map(|&i| batch[i].start).max();
        let stopped = self
            .reader
            .read_until(&mut self.job, client, opts, latest, &wanted, report)
            .await
            .err();
        for id in &wanted {
            if let Some((_, attrs)) = self.reader.window.remove(*id) {
                found.insert(id.to_string(), attrs);
            }
        }
        // Conversations started before the batch's latest will not be asked for again.
        if let Some(latest) = latest {
            self.reader
                .window
                .retain(|_, (start, _)| start.is_none_or(|s| s >= latest));
        }
        Served {
            found,
            failed: None,
            stopped,
        }
    }
}

impl Reader {
    /// Reads results pages until a conversation starts after `latest` (or the results end),
    /// keeping those of `wanted` and those after `latest` (a later batch's). `Err` says why
    /// reading stopped early; what was read stays.
    async fn read_until(
        &mut self,
        job: &mut lake::Job,
        client: &Client,
        opts: &Options,
        latest: Option<DateTime<Utc>>,
        wanted: &HashSet<&str>,
        report: &(dyn Fn(Report) + Sync),
    ) -> Result<(), String> {
        while latest.is_none() || self.last_start.is_none_or(|s| Some(s) <= latest) {
            let Some(page) = job
                .next_page(client, opts.job_page_size, opts.priority, report)
                .await?
            else {
                break;
            };
            for r in page.records {
                // Records the model cannot hold come from GET conversation instead.
                let Record::Conversation(c) = r else { continue };
                let start = c.start();
                if start.is_some() {
                    self.last_start = start.max(self.last_start);
                }
                // A later batch may hold a conversation of the same start as this one's latest.
                let keep = wanted.contains(c.conversation_id.as_str())
                    || latest.is_some_and(|l| start.is_some_and(|s| s >= l));
                if keep {
                    let attrs = attributes_of(&c);
                    self.window.insert(c.conversation_id, (start, attrs));
                }
            }
        }
        Ok(())
    }
}

/// A job result's attributes by participant, or `None` when a key or value was cut.
fn attributes_of(c: &AnalyticsConversation) -> Option<ByParticipant> {
    let mut by = ByParticipant::new();
    for p in &c.participants {
        let attrs = p.attributes.clone().unwrap_or_default();
        let cut = attrs
            .iter()
            .any(|(k, v)| k.chars().count() >= JOB_CUT || v.chars().count() >= JOB_CUT);
        if cut {
            return None;
        }
        by.insert(p.participant_id.clone(), attrs);
    }
    Some(by)
}

/// GET conversation for `which` of `batch`, `concurrency` at once; stops at the first error
/// (other than 404) that retries could not fix.
async fn get_many(
    client: &Client,
    limiter: &Limiter,
    opts: &Options,
    batch: &[Wanted],
    which: &[usize],
    report: &(dyn Fn(Report) + Sync),
) -> Result<Vec<(usize, Attrs)>, Error> {
    let (concurrency, priority) = (opts.concurrency, opts.priority);
    let waits = waits_to(report);
    let waits = &waits;
    let mut results = futures::stream::iter(which.iter().copied())
        .map(|i| async move {
            let opts = CallOpts::observed(waits)
                .limited(limiter)
                .with_priority(priority);
            let r = match client.conversation_attributes(&batch[i].id, opts).await {
                Ok(by) => Ok(Attrs::Found(by)),
                Err(Error::NotFound { .. }) => Ok(Attrs::NotFound),
                Err(e) => Err(e),
            };
            (i, r)
        })
        .buffer_unordered(concurrency.clamp(1, MAX_CONCURRENCY));
    let mut out = Vec::with_capacity(which.len());
    while let Some((i, r)) = results.next().await {
        // The first failure ends the batch: the requests still in flight are dropped.
        out.push((i, r?));
    }
    Ok(out)
}
