//! Headless export: the conversations of a scope as NDJSON or CSV, optionally with attributes.
//!
//! The range is planned around the analytics data lake ([`plan`]): the part the lake holds comes
//! from one async details job whose results are the records themselves (the full analytics
//! conversation, attributes included: no details query for that part); the conversations of
//! that part still going on at the lake's availability date, and the newer tail, come from the
//! details query (every field as the API sent it), with attributes from GET conversation. A
//! small part, `--plan query`, a lake that holds nothing of the range or a job given up (refused,
//! FAILED, EXPIRED, past its deadline, its results stopped) use the details query instead.
//!
//! It streams: each page (100 conversations of the query, 1,000 of a job's results) is completed
//! with its attributes and written before the next is taken, so memory stays bounded by a page
//! however long the range. Conversations come in `conversationStart` order: the job's results
//! are asked in start order, those the lake lacks are merged in, and the tail follows.
//!
//! A conversation whose attributes cannot be read (GET conversation answers 404: older than the
//! conversations API keeps) is written with no `attributes` on its participants and
//! `"convoscopeAttributes": "notFound"` on the conversation ([`ATTRIBUTES_MARKER`]), and counted
//! in [`Outcome::attributes`].

use std::io;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::attributes::{self, Attrs, Fetcher, Report, Wanted};
use crate::facts::Facts;
use crate::genesys::budget::{Priority, Snapshot};
use crate::genesys::directory::{Directory, Kind};
use crate::genesys::limiter::Limiter;
use crate::genesys::model::{AnalyticsConversation, format_time};
use crate::genesys::query::{Interval, MAX_PAGE_SIZE, Order};
use crate::genesys::{Client, Error, Scope};
use crate::human::{count, num};
use crate::lake;
use crate::paging::check::IdSet;
use crate::paging::{Limits, PageEvent, QueryOptions, spawn_query};

mod from_lake;
pub mod line;
pub mod plan;
mod sweep;
mod write;

pub use crate::attributes::{AttributeSource, DEFAULT_JOB_DEADLINE};
pub use plan::Plan;
pub use write::{
    BOM, CONVERSATION_HEADER, CSV_HEADER, ConversationCsvWriter, ConversationWriter, CsvOptions,
    CsvWriter, Delivered, NdjsonWriter, RecordSink, csv_cell, ndjson_line, writer_for,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Ndjson,
    /// One row per conversation: the columns a supervisor reads, names not ids (`--attr KEY`
    /// adds attribute columns).
    Csv,
    /// One row per (conversation, participant, attribute).
    CsvAttributes,
}

/// The key, on a conversation, that says its attributes could not be read (value `notFound`).
pub const ATTRIBUTES_MARKER: &str = "convoscopeAttributes";

/// Pages the paging task may be ahead of the writer.
const PAGES_AHEAD: usize = 8;

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub scope: Scope,
    pub format: Format,
    pub attributes: bool,
    /// With the details query: attributes from an async job over the range (GET conversation
    /// for what it lacks), or from GET conversation alone (which implies [`Plan::Query`]).
    pub attributes_from: AttributeSource,
    /// Where the conversations come from.
    pub plan: Plan,
    /// Requests in flight at once, at most (query pages and GET conversation share them).
    pub concurrency: usize,
    pub limits: Limits,
    /// How long an async job may take to be FULFILLED; after that, what it would have given
    /// comes from the details query and GET conversation instead (and the job is deleted).
    pub job_deadline: Duration,
    /// Conversations a page of the query (the largest the API serves by default).
    pub page_size: u32,
}

impl ExportOptions {
    pub fn new(scope: Scope) -> Self {
        ExportOptions {
            scope,
            format: Format::Ndjson,
            attributes: false,
            attributes_from: AttributeSource::Jobs,
            plan: Plan::Auto,
            concurrency: crate::paging::DEFAULT_CONCURRENCY,
            limits: Limits::default(),
            job_deadline: DEFAULT_JOB_DEADLINE,
            page_size: MAX_PAGE_SIZE,
        }
    }

    /// The longest interval one details query may have.
    fn max_interval(&self) -> chrono::Duration {
        self.limits
            .max_interval
            .unwrap_or_else(|| self.scope.max_interval())
    }
}

/// What an export reports as it goes (to stderr when it is a terminal).
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Conversations written so far, and how many the API counted when it says (the data
    /// lake's jobs do not).
    Written { written: u64, total: Option<u64> },
    /// Waiting before a retry (a 429, a server error): paging, the job, GET conversation.
    Waiting { seconds: u64, reason: String },
    /// The async job's state, each time it changes (QUEUED, PENDING, FULFILLED, ...).
    Job { state: String },
    /// Something to say on stderr (a fallback, a warning).
    Note(String),
}

/// How an export ended: how many conversations were written, where they came from, what became
/// of their attributes, and the error that stopped it.
#[derive(Debug)]
pub struct Outcome {
    pub written: u64,
    /// Where attributes came from, and how many could not be read (with `--attributes`).
    pub attributes: attributes::Counts,
    pub error: Option<Error>,
    /// The client's rate budget at the end: requests made, 429s, time held back.
    pub api: Snapshot,
    /// Where the conversations came from, part by part in the order they were written, with
    /// what of each reached the output.
    pub parts: Vec<PartReport>,
}

/// One part of the range and where its conversations came from.
#[derive(Debug, Clone, PartialEq)]
pub struct PartReport {
    /// The conversations that started in it.
    pub interval: Interval,
    pub source: Source,
    /// Of its conversations, those that reached the output.
    pub written: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// One async details job: its results pages read; `going_on` of `written` came from the
    /// details query (still going on at the lake's availability date, `available`).
    Lake {
        pages: u32,
        available: DateTime<Utc>,
        going_on: u64,
    },
    /// The details query.
    Query,
    /// The details query for a part the lake was to serve, its job given up: why.
    Instead { why: String },
}

/// Runs the export, writing to `out` as it goes. What was written stays written on failure. The
/// async job it creates is deleted once read, when the export fails, or when it is interrupted
/// (this future dropped).
pub async fn run(
    client: Arc<Client>,
    opts: &ExportOptions,
    out: &mut dyn ConversationWriter,
    progress: &(dyn Fn(Progress) + Sync),
) -> Outcome {
    run_until(client, opts, out, progress, &CancellationToken::new()).await
}

/// How long an export that stops waits for the DELETE of its async job.
pub const JOB_DELETE_TIMEOUT: Duration = Duration::from_secs(5);

/// [`run`], stopping cleanly when `stop` fires (a signal): between two conversations, so that
/// the last one is whole; what is buffered is flushed, the async job deleted (waiting at most
/// [`JOB_DELETE_TIMEOUT`]), and the outcome's error is [`Error::Interrupted`]. `written` counts
/// the conversations that reached the output (not a buffer) when the writer can tell.
pub async fn run_until(
    client: Arc<Client>,
    opts: &ExportOptions,
    out: &mut dyn ConversationWriter,
    progress: &(dyn Fn(Progress) + Sync),
    stop: &CancellationToken,
) -> Outcome {
    let cancel = CancellationToken::new();
    let _stop = cancel.clone().drop_guard();
    let api = client.clone();
    // Names come out of the same budget as the pages (one limiter), one call per kind a page.
    let limiter = Arc::new(Limiter::new(opts.concurrency));
    let directory = out
        .wants_names()
        .then(|| Directory::new(client.clone(), Some(limiter.clone())));
    let mut ex = Exporter {
        client,
        opts,
        limiter,
        out,
        progress,
        cancel,
        fetcher: None,
        directory,
        said: Vec::new(),
        written: 0,
        parts: Vec::new(),
        job: None,
        incomplete: Vec::new(),
    };
    // Writing a conversation never awaits: dropping the work at an await keeps records whole.
    let error = tokio::select! {
        r = ex.run() => r.err(),
        () = stop.cancelled() => Some(Error::Interrupted),
    };
    let error = match (error, ex.out.finish()) {
        (Some(e), _) => Some(e),
        (None, Err(e)) => Some(io_error(e)),
        (None, Ok(())) => None,
    };
    // The async jobs are deleted once the export is done with them, or stopped.
    let jobs = async {
        if let Some(job) = ex.job.take() {
            job.delete(&|_| {}).await;
        }
        if let Some(f) = &mut ex.fetcher {
            f.finish().await;
        }
    };
    if tokio::time::timeout(JOB_DELETE_TIMEOUT, jobs)
        .await
        .is_err()
    {
        tracing::warn!("the async job's DELETE did not finish in time");
    }
    let counts = ex
        .fetcher
        .as_ref()
        .map_or_else(attributes::Counts::default, Fetcher::counts);
    let written = ex.out.delivered().map_or(ex.written, |d| d.conversations);
    // Parts are written one after the other: what reached the output is each one's share of
    // the delivered count, in order.
    let mut left = written;
    let mut parts = ex.parts;
    for p in &mut parts {
        p.written = p.written.min(left);
        left -= p.written;
        if let Source::Lake { going_on, .. } = &mut p.source {
            *going_on = (*going_on).min(p.written);
        }
    }
    Outcome {
        written,
        attributes: counts,
        error,
        api: api.budget().snapshot(),
        parts,
    }
}

/// What the export cost and where its data came from, for stderr: each part of the range and
/// its source (the data lake's job and its results pages, the details query), the requests
/// made, 429s received, time held back for the rate budget; with attributes, how many came
/// from the async job (the data lake) and how many from GET conversation.
pub fn cost_summary(o: &Outcome, with_attributes: bool) -> String {
    let mut line = String::new();
    if let Some(parts) = parts_summary(&o.parts) {
        line.push_str(&parts);
        line.push_str("; ");
    }
    let a = &o.api;
    line.push_str(&format!(
        "{} API request(s), {} answered 429, {:.1} s waiting for the rate budget",
        num(a.requests),
        num(a.rate_limited),
        a.waited.as_secs_f64()
    ));
    if let Some(h) = a.headers {
        line.push_str(&format!(
            " (last seen: {} of {} spent, reset in {} s)",
            num(h.count),
            num(h.allowed),
            h.reset
        ));
    }
    if let Some(others) = a.others {
        // Why it waited, or drew 429s, more than its own requests explain.
        line.push_str(&format!(
            "; the budget is shared: other clients of the OAuth client spent up to {} of a \
             window's {} requests",
            num(others.spent),
            num(others.allowed)
        ));
    }
    if with_attributes {
        let c = &o.attributes;
        line.push_str(&format!(
            "; attributes: {} from the async job (data lake), {} from GET conversation",
            num(c.from_job),
            num(c.from_get)
        ));
        if c.cut > 0 {
            line.push_str(&format!(
                " ({} read again: the job had cut a value)",
                num(c.cut)
            ));
        }
    }
    line
}

/// Where each part's conversations came from: `2026-11-01 → 2026-11-28 18:00 from the data
/// lake (1 job, 84 result pages): 83,412 conversations (12 going on at 18:00, from the details
/// query); 2026-11-28 18:00 → 2026-11-29 from the details query: 3,120 conversations (UTC)`.
/// `None` without parts (an export stopped before any).
pub fn parts_summary(parts: &[PartReport]) -> Option<String> {
    if parts.is_empty() {
        return None;
    }
    let said: Vec<String> = parts
        .iter()
        .map(|p| {
            let range = format!(
                "{} → {}",
                short_time(p.interval.start),
                short_time(p.interval.end)
            );
            let n = conversations(p.written);
            match &p.source {
                Source::Lake {
                    pages,
                    available,
                    going_on,
                } => {
                    let mut s = format!(
                        "{range} from the data lake (1 job, {} result page{}): {n}",
                        num(pages),
                        if *pages == 1 { "" } else { "s" }
                    );
                    if *going_on > 0 {
                        s.push_str(&format!(
                            " ({} going on at {}, from the details query)",
                            num(*going_on),
                            short_time(*available)
                        ));
                    }
                    s
                }
                Source::Query => format!("{range} from the details query: {n}"),
                Source::Instead { why } => {
                    format!("{range} from the details query instead of the data lake ({why}): {n}")
                }
            }
        })
        .collect();
    Some(format!("{} (UTC)", said.join("; ")))
}

fn conversations(n: u64) -> String {
    count(n, "conversation")
}

/// `2026-11-28` at midnight, else `2026-11-28 18:00` (seconds when there are some).
fn short_time(t: DateTime<Utc>) -> String {
    use chrono::Timelike;
    if t.num_seconds_from_midnight() == 0 && t.nanosecond() == 0 {
        t.format("%Y-%m-%d").to_string()
    } else if t.second() == 0 {
        t.format("%Y-%m-%d %H:%M").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// A line for stderr when some attributes could not be read (`None` when all could).
pub fn attributes_summary(o: &Outcome) -> Option<String> {
    let n = o.attributes.not_found;
    (n > 0).then(|| {
        format!(
            "the attributes of {} could not be read (GET conversation: not found, older than \
             the conversations API keeps): written without attributes and marked \
             \"{ATTRIBUTES_MARKER}\": \"notFound\"",
            count(n, "conversation")
        )
    })
}

fn io_error(e: io::Error) -> Error {
    Error::Config(format!("cannot write the output: {e}"))
}

/// Where the conversations will come from.
struct Planned {
    /// The lake's part, and the conversations of it the lake lacks.
    lake: Option<(plan::LakePart, sweep::Found)>,
    query: Option<Interval>,
    /// With the details query for the whole range, attributes from an async job over it (the
    /// way before the lake plan: `--plan query`).
    job_for_attributes: bool,
}

/// One export's work and what it has done so far.
struct Exporter<'a> {
    client: Arc<Client>,
    opts: &'a ExportOptions,
    /// One for every request of the export: a 429 to a page slows GET conversation too.
    limiter: Arc<Limiter>,
    out: &'a mut dyn ConversationWriter,
    progress: &'a (dyn Fn(Progress) + Sync),
    cancel: CancellationToken,
    /// With `--attributes`.
    fetcher: Option<Fetcher>,
    directory: Option<Arc<Directory>>,
    /// The kinds of names whose failure was said.
    said: Vec<Kind>,
    /// Conversations handed to the writer.
    written: u64,
    parts: Vec<PartReport>,
    /// What deletes the lake's async job while it is read.
    job: Option<lake::Deleter>,
    /// Parts that lacked conversations the API counted: the export goes on with the rest and
    /// fails at the end.
    incomplete: Vec<Error>,
}

/// Reports of the attribute fetcher and of the lake, as progress.
fn reports<'a>(progress: &'a (dyn Fn(Progress) + Sync)) -> impl Fn(Report) + Sync + 'a {
    move |r: Report| {
        progress(match r {
            Report::Job { state } => Progress::Job { state },
            Report::Waiting { seconds, reason } => Progress::Waiting { seconds, reason },
            Report::Note(n) => Progress::Note(n),
        })
    }
}

impl<'a> Exporter<'a> {
    async fn run(&mut self) -> Result<(), Error> {
        let planned = self.plan().await?;
        if self.opts.attributes {
            let job = planned.job_for_attributes.then(|| self.opts.scope.clone());
            let mut f = Fetcher::new(
                self.client.clone(),
                job,
                attributes::Options {
                    concurrency: self.opts.concurrency,
                    limiter: Some(self.limiter.clone()),
                    job_deadline: self.opts.job_deadline,
                    ..attributes::Options::default()
                },
            );
            // The job (if any) runs while the first pages arrive.
            f.begin(&reports(self.progress)).await;
            self.fetcher = Some(f);
        }
        if let Some((part, lacking)) = planned.lake {
            self.lake_part(part, lacking).await?;
        }
        if let Some(tail) = planned.query {
            self.query_part(tail, None, Source::Query).await?;
        }
        match self.incomplete.len() {
            0 => Ok(()),
            1 => Err(self.incomplete.remove(0)),
            _ => {
                let mut missing = Some(0u64);
                let mut detail = Vec::new();
                for e in self.incomplete.drain(..) {
                    if let Error::Incomplete {
                        missing: m,
                        detail: d,
                    } = e
                    {
                        missing = missing.zip(m).map(|(a, b)| a + b);
                        detail.push(d);
                    }
                }
                Err(Error::Incomplete {
                    missing,
                    detail: detail.join("; "),
                })
            }
        }
    }

    /// Where the conversations will come from (see [`plan`]): asks the lake's availability
    /// date, and the details query for the conversations of the lake's part still going on at
    /// it, which also says about how many the part holds (weighed by `--plan auto`).
    async fn plan(&mut self) -> Result<Planned, Error> {
        let opts = self.opts;
        let range = opts.scope.interval;
        let everything = |job_for_attributes| Planned {
            lake: None,
            query: Some(range),
            job_for_attributes,
        };
        let gets_only = opts.attributes && opts.attributes_from == AttributeSource::Conversations;
        if opts.plan == Plan::Query {
            return Ok(everything(opts.attributes_from == AttributeSource::Jobs));
        }
        if gets_only {
            return Ok(everything(false));
        }
        // Said when it changes what the user asked for or expects.
        let tell = |why: String| {
            if opts.plan == Plan::Lake || opts.attributes {
                (self.progress)(Progress::Note(why));
            } else {
                tracing::info!("{why}");
            }
        };
        if opts.scope.search.live {
            tell("conversations going on are never in the data lake: everything from the details query".into());
            return Ok(everything(false));
        }
        let report = reports(self.progress);
        let available = match lake::availability(&self.client, Priority::Foreground, &report).await
        {
            Ok(Some(a)) => a,
            Ok(None) => {
                tell(
                    "the API did not say up to when the data lake has data: everything from \
                     the details query"
                        .into(),
                );
                return Ok(everything(false));
            }
            Err(e) => {
                tell(format!(
                    "the data lake's availability date could not be read ({e}): everything \
                     from the details query"
                ));
                return Ok(everything(false));
            }
        };
        let split = plan::split(range, available);
        let Some(part) = split.lake else {
            tell(format!(
                "the data lake holds nothing of this range yet (it has data up to {}): \
                 everything from the details query",
                format_time(available)
            ));
            return Ok(everything(false));
        };
        // The part's conversations the lake lacks; the first page also says about how many
        // the part holds.
        let waits = lake::waits_to(&report);
        let found = sweep::going_on(
            &self.client,
            &opts.scope,
            &part,
            opts.max_interval(),
            opts.limits.max_results,
            &self.limiter,
            &waits,
        )
        .await?;
        if opts.plan == Plan::Auto && !plan::worth_a_job(found.hits, opts.attributes) {
            tracing::info!(
                hits = found.hits,
                "the data lake's part is small: the details query serves the range"
            );
            return Ok(everything(false));
        }
        Ok(Planned {
            lake: Some((part, found)),
            query: split.query,
            job_for_attributes: false,
        })
    }

    /// The conversations that started in `interval`, from the details query (less those of
    /// `skip`, written before), their attributes from the fetcher.
    async fn query_part(
        &mut self,
        interval: Interval,
        skip: Option<IdSet>,
        source: Source,
    ) -> Result<(), Error> {
        let (tx, mut rx) = mpsc::channel::<PageEvent>(PAGES_AHEAD);
        let cancel = self.cancel.child_token();
        let _done = cancel.clone().drop_guard();
        spawn_query(
            self.client.clone(),
            self.opts.scope.with_interval(interval),
            QueryOptions {
                order: Order::Asc,
                page_size: self.opts.page_size,
                concurrency: self.opts.concurrency,
                resume: None,
                limits: self.opts.limits,
                limiter: Some(self.limiter.clone()),
                ..QueryOptions::default()
            },
            1,
            tx,
            cancel,
        );
        self.parts.push(PartReport {
            interval,
            source,
            written: 0,
        });
        let before = self.written;
        while let Some(ev) = rx.recv().await {
            match ev {
                PageEvent::Page {
                    conversations,
                    total_hits,
                    ..
                } => {
                    let mut convs = conversations;
                    if let Some(skip) = &skip {
                        convs.retain(|c| !skip.contains(&c.conversation_id));
                    }
                    self.with_attributes(&mut convs).await?;
                    self.write(&convs, 0).await?;
                    (self.progress)(Progress::Written {
                        written: self.written,
                        total: skip.is_none().then_some(before + total_hits),
                    });
                }
                PageEvent::Waiting {
                    seconds, reason, ..
                } => (self.progress)(Progress::Waiting { seconds, reason }),
                PageEvent::Warning { message, .. } => (self.progress)(Progress::Note(message)),
                PageEvent::Progress { .. } => {}
                PageEvent::Done { .. } => return Ok(()),
                // Said at the end, after the other parts.
                PageEvent::Failed {
                    error: e @ Error::Incomplete { .. },
                    ..
                } => {
                    self.incomplete.push(e);
                    return Ok(());
                }
                PageEvent::Failed { error, .. } => return Err(error),
            }
        }
        Ok(())
    }

    /// Writes `convs` (of the last part), of which `going_on` (the first ones by a flag kept by
    /// the caller) are counted as the lake's part's going on. Names are read first for a
    /// writer that shows them.
    async fn write(&mut self, convs: &[AnalyticsConversation], going_on: u64) -> Result<(), Error> {
        if let Some(d) = &self.directory {
            let ids: Vec<(Kind, String)> = convs.iter().flat_map(named_ids).collect();
            let found = d.lookup(ids.iter().map(|(k, i)| (*k, i.as_str()))).await;
            for (k, e) in found.problems {
                if !self.said.contains(&k) {
                    self.said.push(k);
                    (self.progress)(Progress::Note(format!(
                        "{} written by short id: {}",
                        k.plural(),
                        e.summary()
                    )));
                }
            }
            self.out.learn_names(found.names);
        }
        // From here to the end no await: a stop between two pages keeps every record whole.
        for c in convs {
            self.out.write(c).map_err(io_error)?;
            self.written += 1;
            if let Some(p) = self.parts.last_mut() {
                p.written += 1;
            }
        }
        if let Some(PartReport {
            source: Source::Lake { going_on: g, .. },
            ..
        }) = self.parts.last_mut()
        {
            *g += going_on;
        }
        Ok(())
    }

    /// Sets every participant's `attributes` of conversations from the details query (with
    /// `--attributes`): see [`with_attributes`].
    async fn with_attributes(&mut self, convs: &mut [AnalyticsConversation]) -> Result<(), Error> {
        let report = reports(self.progress);
        match &mut self.fetcher {
            Some(f) => with_attributes(f, convs, &report).await,
            None => Ok(()),
        }
    }
}

/// The ids a per-conversation row names: agents, queues, wrap-up codes, divisions.
fn named_ids(c: &AnalyticsConversation) -> Vec<(Kind, String)> {
    let f = Facts::of(c);
    let divisions = f.divisions.into_iter().map(|d| (Kind::Division, d));
    f.agents
        .into_iter()
        .filter_map(|(u, n)| u.filter(|_| n.is_none()).map(|u| (Kind::User, u)))
        .chain(f.queues.into_iter().map(|q| (Kind::Queue, q)))
        .chain(f.wrapups.into_iter().map(|w| (Kind::Wrapup, w)))
        .chain(divisions)
        .collect()
}

/// Sets every participant's `attributes` from the fetcher; a conversation whose attributes are
/// gone gets none and the [`ATTRIBUTES_MARKER`]. A record kept as the API sent it (it could not
/// be decoded) is written as it came, without attributes.
async fn with_attributes(
    fetcher: &mut Fetcher,
    convs: &mut [AnalyticsConversation],
    report: &(dyn Fn(Report) + Sync),
) -> Result<(), Error> {
    let which: Vec<usize> = (0..convs.len())
        .filter(|&i| convs[i].raw().is_none())
        .collect();
    for c in convs.iter().filter(|c| c.raw().is_some()) {
        report(Report::Note(format!(
            "conversation {}: written as the API sent it, without attributes",
            c.conversation_id
        )));
    }
    let wanted: Vec<Wanted> = which.iter().map(|&i| Wanted::from(&convs[i])).collect();
    let attrs = fetcher.fetch(&wanted, report).await?;
    for (i, a) in which.into_iter().zip(attrs) {
        set_attributes(&mut convs[i], a);
    }
    Ok(())
}

/// Sets every participant's `attributes` to what is known; a conversation whose attributes are
/// gone gets none and the [`ATTRIBUTES_MARKER`].
fn set_attributes(c: &mut AnalyticsConversation, a: Attrs) {
    match a {
        Attrs::Found(mut by) => {
            for p in &mut c.participants {
                p.attributes = Some(by.remove(&p.participant_id).unwrap_or_default());
            }
        }
        Attrs::NotFound => {
            for p in &mut c.participants {
                p.attributes = None;
            }
            c.extra
                .insert(ATTRIBUTES_MARKER.into(), Value::String("notFound".into()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_summary_says_which_part_came_from_where() {
        let t = |d, h, m, s| Utc.with_ymd_and_hms(2026, 11, d, h, m, s).unwrap();
        let parts = vec![
            PartReport {
                interval: Interval::new(t(1, 0, 0, 0), t(28, 18, 0, 0)),
                source: Source::Lake {
                    pages: 84,
                    available: t(28, 18, 0, 0),
                    going_on: 12,
                },
                written: 83_412,
            },
            PartReport {
                interval: Interval::new(t(28, 18, 0, 0), t(29, 0, 0, 0)),
                source: Source::Query,
                written: 3_120,
            },
        ];
        assert_eq!(
            parts_summary(&parts).unwrap(),
            "2026-11-01 → 2026-11-28 18:00 from the data lake (1 job, 84 result pages): 83,412 \
             conversations (12 going on at 2026-11-28 18:00, from the details query); \
             2026-11-28 18:00 → 2026-11-29 from the details query: 3,120 conversations (UTC)"
        );
        let instead = [PartReport {
            interval: Interval::new(t(1, 0, 0, 0), t(2, 7, 30, 5)),
            source: Source::Instead {
                why: "the async details job FAILED".into(),
            },
            written: 1,
        }];
        assert_eq!(
            parts_summary(&instead).unwrap(),
            "2026-11-01 → 2026-11-02 07:30:05 from the details query instead of the data lake \
             (the async details job FAILED): 1 conversation (UTC)"
        );
        assert_eq!(parts_summary(&[]), None);
    }
}
