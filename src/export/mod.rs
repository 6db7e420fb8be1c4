//! Headless export: the conversations of a scope as NDJSON or CSV, optionally with attributes.
//!
//! The list comes from the details query (every field as the API sent it, in `conversationStart`
//! order). Attributes come from the one attribute fetcher ([`crate::attributes`]): an async
//! details job where the data lake holds them, GET conversation for the rest. It streams: each
//! page is completed with its attributes and written before the next is taken, so memory stays
//! bounded by a few pages (and the job's results are read as far as the page needs), however
//! long the range.
//!
//! A conversation whose attributes cannot be read (GET conversation answers 404: older than the
//! conversations API keeps) is written with no `attributes` on its participants and
//! `"convoscopeAttributes": "notFound"` on the conversation ([`ATTRIBUTES_MARKER`]), and counted
//! in [`Outcome::attributes`].

use std::io;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::attributes::{self, Attrs, Fetcher, Report, Wanted};
use crate::facts::Facts;
use crate::genesys::budget::Snapshot;
use crate::genesys::directory::{Directory, Kind};
use crate::genesys::limiter::Limiter;
use crate::genesys::model::AnalyticsConversation;
use crate::genesys::query::{MAX_PAGE_SIZE, Order};
use crate::genesys::{Client, Error, Scope};
use crate::paging::{Limits, PageEvent, QueryOptions, spawn_query};

mod write;

pub use crate::attributes::{AttributeSource, DEFAULT_JOB_DEADLINE};
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
    pub attributes_from: AttributeSource,
    /// Requests in flight at once, at most (query pages and GET conversation share them).
    pub concurrency: usize,
    pub limits: Limits,
    /// How long the async job may take to be FULFILLED; after that, its attributes come from
    /// GET conversation instead (and the job is deleted).
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
            concurrency: crate::paging::DEFAULT_CONCURRENCY,
            limits: Limits::default(),
            job_deadline: DEFAULT_JOB_DEADLINE,
            page_size: MAX_PAGE_SIZE,
        }
    }
}

/// What an export reports as it goes (to stderr when it is a terminal).
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    Written {
        written: u64,
        total: u64,
    },
    /// Waiting before a retry (a 429, a server error): paging, the job, GET conversation.
    Waiting {
        seconds: u64,
        reason: String,
    },
    /// The async job's state, each time it changes (QUEUED, PENDING, FULFILLED, ...).
    Job {
        state: String,
    },
    /// Something to say on stderr (a fallback, a warning).
    Note(String),
}

/// How an export ended: how many conversations were written, what became of their attributes,
/// and the error that stopped it.
#[derive(Debug)]
pub struct Outcome {
    pub written: u64,
    /// Where attributes came from, and how many could not be read (with `--attributes`).
    pub attributes: attributes::Counts,
    pub error: Option<Error>,
    /// The client's rate budget at the end: requests made, 429s, time held back.
    pub api: Snapshot,
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
    // One limiter for every request of the export: a 429 to a page slows GET conversation too.
    let limiter = Arc::new(Limiter::new(opts.concurrency));
    let mut fetcher = opts.attributes.then(|| {
        let job = (opts.attributes_from == AttributeSource::Jobs).then(|| opts.scope.clone());
        Fetcher::new(
            client.clone(),
            job,
            attributes::Options {
                concurrency: opts.concurrency,
                limiter: Some(limiter.clone()),
                job_deadline: opts.job_deadline,
                ..attributes::Options::default()
            },
        )
    });
    let mut written = 0u64;
    // Writing a conversation never awaits: dropping the work at an await keeps records whole.
    let error = tokio::select! {
        r = export_inner(
            client,
            opts,
            limiter,
            fetcher.as_mut(),
            out,
            progress,
            &cancel,
            &mut written,
        ) => r.err(),
        () = stop.cancelled() => Some(Error::Interrupted),
    };
    let error = match (error, out.finish()) {
        (Some(e), _) => Some(e),
        (None, Err(e)) => Some(io_error(e)),
        (None, Ok(())) => None,
    };
    let counts = match &mut fetcher {
        Some(f) => {
            // The async job is deleted once the export is done with it, or stopped.
            if tokio::time::timeout(JOB_DELETE_TIMEOUT, f.finish())
                .await
                .is_err()
            {
                tracing::warn!("the async job's DELETE did not finish in time");
            }
            f.counts()
        }
        None => attributes::Counts::default(),
    };
    let written = out.delivered().map_or(written, |d| d.conversations);
    Outcome {
        written,
        attributes: counts,
        error,
        api: api.budget().snapshot(),
    }
}

/// What the export cost and where its data came from, for stderr: requests made, 429s
/// received, time held back for the rate budget; with attributes, how many came from the async
/// job (the data lake) and how many from GET conversation.
pub fn cost_summary(o: &Outcome, with_attributes: bool) -> String {
    let a = &o.api;
    let mut line = format!(
        "{} API request(s), {} answered 429, {:.1} s waiting for the rate budget",
        a.requests,
        a.rate_limited,
        a.waited.as_secs_f64()
    );
    if let Some(h) = a.headers {
        line.push_str(&format!(
            " (last seen: {} of {} spent, reset in {} s)",
            h.count, h.allowed, h.reset
        ));
    }
    if with_attributes {
        let c = &o.attributes;
        line.push_str(&format!(
            "; attributes: {} from the async job (data lake), {} from GET conversation",
            c.from_job, c.from_get
        ));
        if c.cut > 0 {
            line.push_str(&format!(" ({} read again: the job had cut a value)", c.cut));
        }
    }
    line
}

/// A line for stderr when some attributes could not be read (`None` when all could).
pub fn attributes_summary(o: &Outcome) -> Option<String> {
    let n = o.attributes.not_found;
    (n > 0).then(|| {
        format!(
            "the attributes of {n} conversation(s) could not be read (GET conversation: not \
             found, older than the conversations API keeps): written without attributes and \
             marked \"{ATTRIBUTES_MARKER}\": \"notFound\""
        )
    })
}

fn io_error(e: io::Error) -> Error {
    Error::Config(format!("cannot write the output: {e}"))
}

#[allow(clippy::too_many_arguments)]
async fn export_inner(
    client: Arc<Client>,
    opts: &ExportOptions,
    limiter: Arc<Limiter>,
    mut fetcher: Option<&mut Fetcher>,
    out: &mut dyn ConversationWriter,
    progress: &(dyn Fn(Progress) + Sync),
    cancel: &CancellationToken,
    written: &mut u64,
) -> Result<(), Error> {
    let report = |r: Report| {
        progress(match r {
            Report::Job { state } => Progress::Job { state },
            Report::Waiting { seconds, reason } => Progress::Waiting { seconds, reason },
            Report::Note(n) => Progress::Note(n),
        })
    };
    let (tx, mut rx) = mpsc::channel::<PageEvent>(PAGES_AHEAD);
    // Names come out of the same budget as the pages (one limiter), one call per kind a page.
    let directory = out
        .wants_names()
        .then(|| Directory::new(client.clone(), Some(limiter.clone())));
    let mut said: Vec<Kind> = Vec::new();
    spawn_query(
        client,
        opts.scope.clone(),
        QueryOptions {
            order: Order::Asc,
            page_size: opts.page_size,
            concurrency: opts.concurrency,
            resume: None,
            limits: opts.limits,
            limiter: Some(limiter),
            ..QueryOptions::default()
        },
        1,
        tx,
        cancel.clone(),
    );
    // The job starts while the first pages arrive (paging runs in a task of its own).
    if let Some(f) = fetcher.as_deref_mut() {
        f.begin(&report).await;
    }
    while let Some(ev) = rx.recv().await {
        match ev {
            PageEvent::Page {
                conversations,
                total_hits,
                ..
            } => {
                let mut convs = conversations;
                if let Some(f) = fetcher.as_deref_mut() {
                    with_attributes(f, &mut convs, &report).await?;
                }
                if let Some(d) = &directory {
                    let ids: Vec<(Kind, String)> = convs.iter().flat_map(named_ids).collect();
                    let found = d.lookup(ids.iter().map(|(k, i)| (*k, i.as_str()))).await;
                    for (k, e) in found.problems {
                        if !said.contains(&k) {
                            said.push(k);
                            progress(Progress::Note(format!(
                                "{} written by short id: {}",
                                k.plural(),
                                e.summary()
                            )));
                        }
                    }
                    out.learn_names(found.names);
                }
                for c in &convs {
                    out.write(c).map_err(io_error)?;
                    *written += 1;
                }
                progress(Progress::Written {
                    written: *written,
                    total: total_hits,
                });
            }
            PageEvent::Waiting {
                seconds, reason, ..
            } => progress(Progress::Waiting { seconds, reason }),
            PageEvent::Warning { message, .. } => progress(Progress::Note(message)),
            PageEvent::Progress { .. } => {}
            PageEvent::Done { .. } => return Ok(()),
            PageEvent::Failed { error, .. } => return Err(error),
        }
    }
    Ok(())
}

/// The ids a per-conversation row names: agents, queues, wrap-up codes, divisions.
fn named_ids(c: &AnalyticsConversation) -> Vec<(Kind, String)> {
    let f = Facts::of(c);
    let divisions = c
        .extra
        .get("divisionIds")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|d| d.as_str().map(|d| (Kind::Division, d.to_string())));
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
        let c = &mut convs[i];
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
    Ok(())
}
