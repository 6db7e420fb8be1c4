//! Headless export: the conversations of a range as NDJSON or CSV, optionally with attributes.
//!
//! The list comes from the details query (every field as the API sent it, in `conversationStart`
//! order). Attributes come from one async details job over the range; conversations the job does
//! not hold (the data lake lags behind) and every conversation when jobs are refused or
//! `--attributes-from conversations` is asked, from GET conversation.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::genesys::limiter::Limiter;
use crate::genesys::model::{AnalyticsConversation, Attributes};
use crate::genesys::query::{Interval, Media, Order, job_body};
use crate::genesys::retry::Wait;
use crate::genesys::{Client, Error};
use crate::paging::{Limits, PageEvent, RangeQuery, spawn_query_limited};

mod write;

pub use write::{
    CSV_HEADER, ConversationWriter, CsvWriter, Delivered, NdjsonWriter, RecordSink, csv_cell,
    ndjson_line, writer_for,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    #[default]
    Ndjson,
    Csv,
}

/// Where participant attributes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AttributeSource {
    /// One async details job over the range; GET conversation for what it lacks or when refused.
    #[default]
    Jobs,
    /// GET conversation for every conversation.
    Conversations,
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub interval: Interval,
    pub media: Media,
    pub format: Format,
    pub attributes: bool,
    pub attributes_from: AttributeSource,
    /// Requests in flight at once, at most (query pages and GET conversation share them).
    pub concurrency: usize,
    pub limits: Limits,
    /// How long the async job may take to be FULFILLED; after that, its attributes come from
    /// GET conversation instead (and the job is deleted).
    pub job_deadline: Duration,
}

/// The default of [`ExportOptions::job_deadline`].
pub const DEFAULT_JOB_DEADLINE: Duration = Duration::from_secs(10 * 60);

impl ExportOptions {
    pub fn new(interval: Interval, media: Media) -> Self {
        ExportOptions {
            interval,
            media,
            format: Format::Ndjson,
            attributes: false,
            attributes_from: AttributeSource::Jobs,
            concurrency: crate::paging::DEFAULT_CONCURRENCY,
            limits: Limits::default(),
            job_deadline: DEFAULT_JOB_DEADLINE,
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

/// How an export ended: how many conversations were written, and the error that stopped it.
#[derive(Debug)]
pub struct Outcome {
    pub written: u64,
    pub error: Option<Error>,
}

/// Attributes by participant id.
type ByParticipant = HashMap<String, Attributes>;
/// Attributes by conversation id, then participant id.
type AttributeIndex = HashMap<String, ByParticipant>;

/// Runs the export, writing to `out` as it goes. What was written stays written on failure. An
/// async job it created is deleted when the export fails, or when it is interrupted (this future
/// dropped).
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
    let job = JobCleanup::new(client.clone());
    let mut written = 0u64;
    // Writing a conversation never awaits: dropping the work at an await keeps records whole.
    let error = tokio::select! {
        r = export_inner(client, opts, out, progress, &cancel, &job, &mut written) => r.err(),
        () = stop.cancelled() => Some(Error::Interrupted),
    };
    let error = match (error, out.finish()) {
        (Some(e), _) => Some(e),
        (None, Err(e)) => Some(io_error(e)),
        (None, Ok(())) => None,
    };
    match error {
        Some(_) => {
            if tokio::time::timeout(JOB_DELETE_TIMEOUT, job.delete())
                .await
                .is_err()
            {
                tracing::warn!("the async job's DELETE did not finish in time");
            }
        }
        None => job.keep(),
    }
    let written = out.delivered().map_or(written, |d| d.conversations);
    Outcome { written, error }
}

/// Participant attributes by conversation id, then participant id.
pub type RangeAttributes = HashMap<String, HashMap<String, Attributes>>;

/// The attributes of every conversation of a range, from one async details job (the screen's
/// `attr:` filter over many rows). Conversations the data lake does not hold yet are absent:
/// ask GET conversation for those. The job is deleted when this fails or is dropped, and kept
/// (until it expires) when it succeeds, as an export does.
pub async fn range_attributes(
    client: Arc<Client>,
    interval: Interval,
    media: Media,
    progress: &(dyn Fn(Progress) + Sync),
    waits: &(dyn Fn(&Wait) + Send + Sync),
) -> Result<RangeAttributes, Error> {
    let cleanup = JobCleanup::new(client.clone());
    let opts = ExportOptions::new(interval, media);
    let r = job_attributes(&client, &opts, progress, waits, &cleanup).await;
    if r.is_ok() {
        cleanup.keep();
    }
    r
}

fn io_error(e: io::Error) -> Error {
    Error::Config(format!("cannot write the output: {e}"))
}

/// The async job an export created, deleted unless the export succeeds: at once when it fails
/// or the job is given up, in the background when the export is interrupted (dropped).
struct JobCleanup {
    client: Arc<Client>,
    id: std::sync::Mutex<Option<String>>,
}

impl JobCleanup {
    fn new(client: Arc<Client>) -> Self {
        JobCleanup {
            client,
            id: std::sync::Mutex::new(None),
        }
    }

    fn created(&self, id: &str) {
        *self.id.lock().unwrap() = Some(id.to_string());
    }

    /// The export succeeded: the job stays (until it expires, as the API keeps it).
    fn keep(&self) {
        self.id.lock().unwrap().take();
    }

    async fn delete(&self) {
        let id = self.id.lock().unwrap().take();
        if let Some(id) = id {
            match self.client.delete_job(&id).await {
                Ok(()) => tracing::info!(job = %id, "deleted the async job"),
                Err(e) => tracing::warn!(job = %id, "could not delete the async job: {e}"),
            }
        }
    }
}

impl Drop for JobCleanup {
    fn drop(&mut self) {
        let id = self.id.lock().unwrap().take();
        if let (Some(id), Ok(rt)) = (id, tokio::runtime::Handle::try_current()) {
            let client = self.client.clone();
            rt.spawn(async move {
                if let Err(e) = client.delete_job(&id).await {
                    tracing::warn!(job = %id, "could not delete the async job: {e}");
                }
            });
        }
    }
}

async fn export_inner(
    client: Arc<Client>,
    opts: &ExportOptions,
    out: &mut dyn ConversationWriter,
    progress: &(dyn Fn(Progress) + Sync),
    cancel: &CancellationToken,
    cleanup: &JobCleanup,
    written: &mut u64,
) -> Result<(), Error> {
    // One limiter for every request of the export: a 429 to a page slows GET conversation too.
    let limiter = Arc::new(Limiter::new(opts.concurrency));
    let waits = |w: &Wait| {
        progress(Progress::Waiting {
            seconds: w.delay.as_secs_f64().ceil() as u64,
            reason: w.reason.to_string(),
        })
    };
    // The job runs while the first pages arrive; the channel holds a few pages meanwhile.
    let want_job = opts.attributes && opts.attributes_from == AttributeSource::Jobs;
    let job = async {
        if want_job {
            Some(job_attributes(&client, opts, progress, &waits, cleanup).await)
        } else {
            None
        }
    };
    let mut job = std::pin::pin!(job);
    let mut job_result: Option<Option<Result<AttributeIndex, Error>>> = None;

    let (tx, mut rx) = mpsc::channel::<PageEvent>(8);
    let mut query = RangeQuery::new(opts.interval, opts.media);
    query.order = Order::Asc;
    query.concurrency = opts.concurrency;
    spawn_query_limited(
        client.clone(),
        query,
        opts.limits,
        limiter.clone(),
        1,
        tx,
        cancel.clone(),
    );

    let mut index: Option<AttributeIndex> = None;
    loop {
        let ev = if job_result.is_none() {
            tokio::select! {
                r = &mut job => {
                    job_result = Some(r);
                    continue;
                }
                ev = rx.recv() => ev,
            }
        } else {
            rx.recv().await
        };
        let Some(ev) = ev else { break };
        match ev {
            PageEvent::Page {
                conversations,
                total_hits,
                ..
            } => {
                let mut convs = conversations;
                if opts.attributes {
                    if job_result.is_none() {
                        job_result = Some((&mut job).await);
                    }
                    if let Some(Some(r)) = job_result.as_mut().map(Option::take) {
                        index = Some(r.unwrap_or_else(|e| {
                            progress(Progress::Note(format!(
                                "attributes from GET conversation instead of an async job: {e}"
                            )));
                            AttributeIndex::new()
                        }));
                    }
                    attach_attributes(
                        &client,
                        &mut convs,
                        index.as_ref(),
                        opts.concurrency,
                        &limiter,
                        &waits,
                    )
                    .await?;
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

/// Sets every participant's `attributes`: from the job's index when it holds the conversation,
/// else from GET conversation (several at once through the export's limiter, order kept).
async fn attach_attributes(
    client: &Client,
    convs: &mut [AnalyticsConversation],
    index: Option<&AttributeIndex>,
    concurrency: usize,
    limiter: &Limiter,
    waits: &(dyn Fn(&Wait) + Send + Sync),
) -> Result<(), Error> {
    let missing: Vec<usize> = (0..convs.len())
        .filter(|&i| index.is_none_or(|ix| !ix.contains_key(&convs[i].conversation_id)))
        .collect();
    let fetched: Vec<(usize, Result<ByParticipant, Error>)> =
        futures::stream::iter(missing.into_iter().map(|i| {
            let id = convs[i].conversation_id.clone();
            async move {
                let r = match client.conversation_with(&id, waits, Some(limiter)).await {
                    Ok(conv) => Ok(conv
                        .participants
                        .into_iter()
                        .map(|p| (p.id, p.attributes))
                        .collect()),
                    // Gone from the conversations API: it has no attributes to give.
                    Err(Error::NotFound { .. }) => Ok(HashMap::new()),
                    Err(e) => Err(e),
                };
                (i, r)
            }
        }))
        .buffered(concurrency.clamp(1, crate::genesys::limiter::MAX_CONCURRENCY))
        .collect()
        .await;
    let mut from_get: HashMap<usize, ByParticipant> = HashMap::new();
    for (i, r) in fetched {
        from_get.insert(i, r?);
    }
    for (i, c) in convs.iter_mut().enumerate() {
        let source = from_get
            .get(&i)
            .or_else(|| index.and_then(|ix| ix.get(&c.conversation_id)));
        for p in &mut c.participants {
            let attrs = source
                .and_then(|m| m.get(&p.participant_id))
                .cloned()
                .unwrap_or_default();
            p.attributes = Some(attrs);
        }
    }
    Ok(())
}

/// Runs one async details job over the range and indexes its attributes, reporting its state
/// and the waits of its requests. A job refused (403), ended badly, or not FULFILLED by the
/// deadline is an error the caller turns into the GET conversation path; such a job is deleted.
async fn job_attributes(
    client: &Client,
    opts: &ExportOptions,
    progress: &(dyn Fn(Progress) + Sync),
    waits: &(dyn Fn(&Wait) + Send + Sync),
    cleanup: &JobCleanup,
) -> Result<AttributeIndex, Error> {
    let created = client
        .create_job(&job_body(opts.interval, opts.media, Order::Asc), waits)
        .await?;
    let id = created.job_id;
    cleanup.created(&id);
    let r = job_results(client, &id, opts.job_deadline, progress, waits).await;
    if r.is_err() {
        cleanup.delete().await;
    }
    r
}

async fn job_results(
    client: &Client,
    id: &str,
    deadline: Duration,
    progress: &(dyn Fn(Progress) + Sync),
    waits: &(dyn Fn(&Wait) + Send + Sync),
) -> Result<AttributeIndex, Error> {
    let poll = async {
        let mut delay = Duration::from_millis(200);
        let mut last = String::new();
        loop {
            let st = client.job_status(id, waits).await?;
            if st.state != last {
                last = st.state.clone();
                progress(Progress::Job {
                    state: st.state.clone(),
                });
            }
            match st.state.as_str() {
                "FULFILLED" => return Ok(()),
                "FAILED" | "CANCELLED" | "EXPIRED" => {
                    return Err(Error::Job {
                        state: st.state,
                        message: st.error_message.unwrap_or_default(),
                    });
                }
                _ => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    };
    match tokio::time::timeout(deadline, poll).await {
        Ok(r) => r?,
        Err(_) => {
            return Err(Error::Job {
                state: "not FULFILLED".into(),
                message: format!(
                    "still not done after {} s; given up (and deleted)",
                    deadline.as_secs()
                ),
            });
        }
    }
    let mut index = AttributeIndex::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = client
            .job_results(id, cursor.as_deref(), 1000, waits)
            .await?;
        for c in page.conversations {
            let parts = c
                .participants
                .into_iter()
                .map(|p| (p.participant_id, p.attributes.unwrap_or_default()))
                .collect();
            index.insert(c.conversation_id, parts);
        }
        match page.cursor {
            Some(c) if !c.is_empty() => cursor = Some(c),
            _ => break,
        }
    }
    Ok(index)
}
