//! The analytics data lake: up to when it holds conversations, and one async details job over a
//! scope: created, waited for within a deadline, its results read page by page, deleted once
//! done or when dropped. The attribute fetcher ([`crate::attributes`]) and export's lake plan
//! ([`crate::export`]) both read jobs through it.
//!
//! - The lake holds the conversations that ended before its `dataAvailabilityDate`; a job
//!   matches those that overlap its interval (live ones never: they have not ended).
//! - A results page that fails is asked again from its cursor ([`RESULT_PAGE_TRIES`] times); a
//!   cursor that comes back, results that go on with empty pages, or more than
//!   [`MAX_JOB_PAGES`] pages stop the reading: the page that showed it is still given, and the
//!   next call says why.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::genesys::budget::Priority;
use crate::genesys::client::CallOpts;
use crate::genesys::model::parse_time;
use crate::genesys::query::Order;
use crate::genesys::records::Page;
use crate::genesys::retry::Wait;
use crate::genesys::{Client, Error, Scope};

/// What reading the lake reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// The async job's state, each time it changes (QUEUED, PENDING, FULFILLED, ...).
    Job { state: String },
    /// Waiting before a retry (a 429, a server error).
    Waiting { seconds: u64, reason: String },
    /// Something to tell the user (a fallback, a conversation whose attributes are gone).
    Note(String),
}

/// Results read per job results page (the most the API serves).
pub const JOB_PAGE_SIZE: u32 = 1000;

/// The most job results pages read (400,000 results at 1,000 a page, the most reported).
pub const MAX_JOB_PAGES: u32 = 400;

/// How many times a failed results page is asked for, from its cursor.
pub const RESULT_PAGE_TRIES: u32 = 3;

/// Results pages in a row with a cursor but no conversation before the reading stops.
const EMPTY_PAGES: u32 = 3;

/// Up to when the lake holds conversations (those that ended before it); `None` when the API
/// did not say.
pub async fn availability(
    client: &Client,
    priority: Priority,
    report: &(dyn Fn(Report) + Sync),
) -> Result<Option<DateTime<Utc>>, Error> {
    let waits = waits_to(report);
    let a = client
        .availability(CallOpts::observed(&waits).with_priority(priority))
        .await?;
    Ok(a.data_availability_date.as_deref().and_then(parse_time))
}

/// One async details job (see the module documentation).
pub struct Job {
    id: String,
    created: tokio::time::Instant,
    /// The last state seen.
    state: String,
    fulfilled: bool,
    cursor: Option<String>,
    /// Read to the end, or given up on (and said so).
    done: bool,
    /// Why the reading stopped after the page last given: said by the next call.
    stopped: Option<String>,
    pages: u32,
    empty_in_a_row: u32,
    cursors: HashSet<String>,
    /// The error that stopped the reading, if one did.
    failure: Option<Error>,
    cleanup: Arc<Cleanup>,
}

impl Job {
    /// Starts a job over `scope`, in start order.
    pub async fn create(
        client: &Arc<Client>,
        scope: &Scope,
        priority: Priority,
        report: &(dyn Fn(Report) + Sync),
    ) -> Result<Job, Error> {
        let waits = waits_to(report);
        let created = client
            .create_job(
                scope,
                Order::Asc,
                CallOpts::observed(&waits).with_priority(priority),
            )
            .await?;
        Ok(Job {
            cleanup: Arc::new(Cleanup {
                client: client.clone(),
                id: std::sync::Mutex::new(Some(created.job_id.clone())),
            }),
            id: created.job_id,
            created: tokio::time::Instant::now(),
            state: String::new(),
            fulfilled: false,
            cursor: None,
            done: false,
            stopped: None,
            pages: 0,
            empty_in_a_row: 0,
            cursors: HashSet::new(),
            failure: None,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Results pages read so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// The error that stopped the reading of its results, if one did.
    pub fn failure(&self) -> Option<&Error> {
        self.failure.as_ref()
    }

    /// Whether its results were read to the end (or given up on).
    pub fn finished(&self) -> bool {
        self.done
    }

    /// Polls the job's state until FULFILLED, at most `deadline` after it was created; `Err`
    /// says why it is given up (FAILED, CANCELLED, EXPIRED, the deadline, an error).
    pub async fn fulfilled(
        &mut self,
        client: &Client,
        deadline: Duration,
        priority: Priority,
        report: &(dyn Fn(Report) + Sync),
    ) -> Result<(), String> {
        if self.fulfilled {
            return Ok(());
        }
        let waits = waits_to(report);
        let until = self.created + deadline;
        let mut delay = Duration::from_millis(200);
        loop {
            let poll =
                client.job_status(&self.id, CallOpts::observed(&waits).with_priority(priority));
            let st = match tokio::time::timeout_at(until, poll).await {
                Err(_) => {
                    return Err(format!(
                        "the async details job was not FULFILLED after {} s; given up (and \
                         deleted)",
                        deadline.as_secs()
                    ));
                }
                Ok(Err(e)) => return Err(e.to_string()),
                Ok(Ok(st)) => st,
            };
            if st.state != self.state {
                self.state = st.state.clone();
                report(Report::Job {
                    state: st.state.clone(),
                });
            }
            match st.state.as_str() {
                "FULFILLED" => {
                    self.fulfilled = true;
                    return Ok(());
                }
                "FAILED" | "CANCELLED" | "EXPIRED" => {
                    return Err(Error::Job {
                        state: st.state,
                        message: st.error_message.unwrap_or_default(),
                    }
                    .to_string());
                }
                _ => {
                    if tokio::time::Instant::now() + delay >= until {
                        tokio::time::sleep_until(until).await;
                    } else {
                        tokio::time::sleep(delay).await;
                    }
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// The next page of its results (call once [`fulfilled`](Self::fulfilled)); `Ok(None)`
    /// once they are read to the end; `Err` says why the reading stopped early (then `None`).
    pub async fn next_page(
        &mut self,
        client: &Client,
        page_size: u32,
        priority: Priority,
        report: &(dyn Fn(Report) + Sync),
    ) -> Result<Option<Page>, String> {
        if let Some(why) = self.stopped.take() {
            self.done = true;
            return Err(why);
        }
        if self.done {
            return Ok(None);
        }
        if self.pages >= MAX_JOB_PAGES {
            self.done = true;
            return Err(format!(
                "its results did not end after {MAX_JOB_PAGES} pages; reading stopped"
            ));
        }
        let waits = waits_to(report);
        let mut tries = 0;
        let page = loop {
            tries += 1;
            // From the same cursor: what was read is kept.
            match client
                .job_results(
                    &self.id,
                    self.cursor.as_deref(),
                    page_size,
                    CallOpts::observed(&waits).with_priority(priority),
                )
                .await
            {
                Ok(p) => break p,
                // The client has retried a network error already: the API is out of reach.
                Err(e) if tries < RESULT_PAGE_TRIES && !e.is_auth() && !is_network(&e) => {
                    tracing::info!("a job results page failed ({e}); asking again");
                }
                Err(e) => {
                    self.done = true;
                    let why = format!("a page of its results failed ({e})");
                    self.failure = Some(e);
                    return Err(why);
                }
            }
        };
        self.pages += 1;
        match &page.cursor {
            None => self.done = true,
            Some(c) => {
                let any = page.conversations().next().is_some();
                self.empty_in_a_row = if any { 0 } else { self.empty_in_a_row + 1 };
                if !self.cursors.insert(c.clone()) {
                    self.stopped = Some("its results came back to a cursor read before".into());
                } else if self.empty_in_a_row >= EMPTY_PAGES {
                    self.stopped = Some("its results went on with empty pages".into());
                } else {
                    self.cursor = Some(c.clone());
                }
            }
        }
        Ok(Some(page))
    }

    /// Deletes the job now (once: a job deleted is not deleted again when dropped), its waits
    /// reported.
    pub async fn delete(&self, report: &(dyn Fn(Report) + Sync)) {
        self.cleanup.delete(report).await;
    }

    /// What deletes the job from elsewhere (the job itself may be in work that is dropped).
    pub fn deleter(&self) -> Deleter {
        Deleter(self.cleanup.clone())
    }
}

/// Deletes a job, once, from wherever it is kept; when the job and every deleter are dropped
/// undeleted, the job is deleted in the background.
#[derive(Clone)]
pub struct Deleter(Arc<Cleanup>);

impl Deleter {
    pub async fn delete(&self, report: &(dyn Fn(Report) + Sync)) {
        self.0.delete(report).await;
    }
}

/// A network error: the API out of reach (not an answer of it).
pub fn is_network(e: &Error) -> bool {
    matches!(e, Error::Network { .. })
}

/// Retry waits as reports.
pub fn waits_to(report: &(dyn Fn(Report) + Sync)) -> impl Fn(&Wait) + Send + Sync + '_ {
    move |w: &Wait| {
        report(Report::Waiting {
            seconds: w.delay.as_secs_f64().ceil() as u64,
            reason: w.reason.to_string(),
        })
    }
}

/// A job's deletion: now, or in the background when the job (and its deleters) are dropped
/// undeleted (work that was interrupted).
struct Cleanup {
    client: Arc<Client>,
    id: std::sync::Mutex<Option<String>>,
}

impl Cleanup {
    async fn delete(&self, report: &(dyn Fn(Report) + Sync)) {
        let id = self.id.lock().unwrap().take();
        if let Some(id) = id {
            let waits = waits_to(report);
            match self
                .client
                .delete_job(&id, CallOpts::observed(&waits))
                .await
            {
                Ok(()) => tracing::info!(job = %id, "deleted the async job"),
                Err(e) => tracing::warn!(job = %id, "could not delete the async job: {e}"),
            }
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let id = self.id.lock().unwrap().take();
        if let (Some(id), Ok(rt)) = (id, tokio::runtime::Handle::try_current()) {
            let client = self.client.clone();
            rt.spawn(async move {
                if let Err(e) = client.delete_job(&id, CallOpts::default()).await {
                    tracing::warn!(job = %id, "could not delete the async job: {e}");
                }
            });
        }
    }
}
