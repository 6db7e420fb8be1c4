//! Carries out the effects `update` asks for: the only place that spawns, cancels, or touches
//! the terminal's modes.

use std::io::stdout;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::export::Format;
use crate::genesys::client::CallOpts;
use crate::genesys::model::AnalyticsConversation;
use crate::genesys::{Client, Error};
use crate::paging::{QueryOptions, spawn_query};

use super::detail::{self, Fresh};
use super::event::{Effect, Event};
use super::jobs;

/// Carries out effects: the only place that spawns, cancels, or touches the terminal modes.
pub(super) struct Runner {
    pub(super) client: Arc<Client>,
    pub(super) tx: mpsc::Sender<Event>,
    query: Option<CancellationToken>,
    fetch: Option<JoinHandle<()>>,
    /// The watch's timer or refetch.
    watch: Option<JoinHandle<()>>,
    /// The background attribute fetch.
    attributes: Option<CancellationToken>,
    /// Reports the call log while the `L` view is open.
    calls: Option<JoinHandle<()>>,
    /// Clear the terminal before the next draw.
    pub(super) clear: bool,
    /// Suspend (Ctrl-Z) once the events queued are handled.
    pub(super) suspend: bool,
    concurrency: usize,
}

/// Sends `ev` after `delay` (timers report through the same channel as everything else).
fn after(
    tx: &mpsc::Sender<Event>,
    delay: Duration,
    ev: impl FnOnce() -> Event + Send + 'static,
) -> JoinHandle<()> {
    let tx = tx.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let _ = tx.send(ev()).await;
    })
}

/// GET conversation, keeping the body as received (for the raw view).
async fn fetch_fresh(client: &Client, id: &str) -> Result<Fresh, Error> {
    let (conv, raw) = client.conversation(id, CallOpts::default()).await?;
    Ok(Fresh { conv, raw })
}

/// Writes the screen's export with the same writers as `convoscope export`.
fn write_export(
    path: &std::path::Path,
    format: Format,
    conversations: &[AnalyticsConversation],
) -> std::io::Result<usize> {
    let file = std::fs::File::create(path)?;
    let mut w = crate::export::writer_for(format, std::io::BufWriter::new(file))?;
    for c in conversations {
        w.write(c)?;
    }
    w.finish()?;
    Ok(conversations.len())
}

impl Runner {
    pub(super) fn new(client: Arc<Client>, tx: mpsc::Sender<Event>, concurrency: usize) -> Runner {
        Runner {
            client,
            tx,
            query: None,
            fetch: None,
            watch: None,
            attributes: None,
            calls: None,
            clear: false,
            suspend: false,
            concurrency,
        }
    }

    pub(super) fn run(&mut self, effects: Vec<Effect>) -> std::io::Result<()> {
        for fx in effects {
            match fx {
                Effect::Query {
                    query_id,
                    scope,
                    order,
                    resume,
                } => {
                    self.cancel_query();
                    let cancel = CancellationToken::new();
                    let opts = QueryOptions {
                        order,
                        concurrency: self.concurrency,
                        resume,
                        ..QueryOptions::default()
                    };
                    spawn_query(
                        self.client.clone(),
                        scope,
                        opts,
                        query_id,
                        self.tx.clone(),
                        cancel.clone(),
                    );
                    self.query = Some(cancel);
                }
                Effect::CancelQuery => self.cancel_query(),
                Effect::Debounce { generation } => {
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep(detail::DEBOUNCE).await;
                        let _ = tx.send(Event::Debounced { generation }).await;
                    });
                }
                Effect::Fetch { id, generation } => {
                    self.cancel_fetch();
                    let client = self.client.clone();
                    let tx = self.tx.clone();
                    self.fetch = Some(tokio::spawn(async move {
                        // The pane says why it waits (a rate limit, a server error).
                        let waiting = tx.clone();
                        let obs = move |w: &crate::genesys::retry::Wait| {
                            let _ = waiting.try_send(Event::DetailWaiting {
                                generation,
                                until: Utc::now()
                                    + chrono::Duration::milliseconds(w.delay.as_millis() as i64),
                                reason: w.reason.to_string(),
                            });
                        };
                        let result = client
                            .conversation(&id, CallOpts::observed(&obs))
                            .await
                            .map(|(conv, raw)| Fresh { conv, raw });
                        let _ = tx
                            .send(Event::Fetched {
                                id,
                                generation,
                                result,
                                at: Utc::now(),
                            })
                            .await;
                    }));
                }
                Effect::CancelFetch => self.cancel_fetch(),
                Effect::Mouse(true) => execute!(stdout(), EnableMouseCapture)?,
                Effect::Mouse(false) => execute!(stdout(), DisableMouseCapture)?,
                Effect::Redraw => self.clear = true,
                Effect::Suspend => self.suspend = true,
                Effect::WatchCalls(on) => {
                    if let Some(h) = self.calls.take() {
                        h.abort();
                    }
                    if on {
                        self.calls = Some(tokio::spawn(jobs::watch_calls(
                            self.client.clone(),
                            self.tx.clone(),
                        )));
                    }
                }
                Effect::Copy(seq) => {
                    use std::io::Write;
                    let mut out = stdout();
                    out.write_all(seq.as_bytes())?;
                    out.flush()?;
                }
                Effect::WatchAfter { delay, generation } => {
                    self.cancel_watch();
                    self.watch = Some(after(&self.tx, delay, move || Event::WatchDue {
                        generation,
                        now: Utc::now(),
                    }));
                }
                Effect::WatchFetch { id, generation } => {
                    self.cancel_watch();
                    let client = self.client.clone();
                    let tx = self.tx.clone();
                    self.watch = Some(tokio::spawn(async move {
                        let result = fetch_fresh(&client, &id).await;
                        let _ = tx
                            .send(Event::Watched {
                                id,
                                generation,
                                result,
                                at: Utc::now(),
                            })
                            .await;
                    }));
                }
                Effect::CancelWatch => self.cancel_watch(),
                Effect::FollowAfter { delay, generation } => {
                    // Stale timers are dropped by their generation; nothing to cancel.
                    after(&self.tx, delay, move || Event::FollowDue {
                        generation,
                        now: Utc::now(),
                    });
                }
                Effect::FetchAttributes {
                    fetch_id,
                    wanted,
                    bulk,
                } => {
                    self.cancel_attributes();
                    let cancel = CancellationToken::new();
                    tokio::spawn(jobs::fetch_attributes(
                        self.client.clone(),
                        self.tx.clone(),
                        cancel.clone(),
                        fetch_id,
                        wanted,
                        bulk,
                        self.concurrency,
                    ));
                    self.attributes = Some(cancel);
                }
                Effect::CancelAttributes => self.cancel_attributes(),
                Effect::Export {
                    path,
                    format,
                    conversations,
                } => {
                    let tx = self.tx.clone();
                    tokio::spawn(async move {
                        let path = std::env::current_dir()
                            .map(|d| d.join(&path))
                            .unwrap_or(path);
                        let p = path.clone();
                        let result = tokio::task::spawn_blocking(move || {
                            write_export(&p, format, &conversations)
                        })
                        .await
                        .map_err(|e| e.to_string())
                        .and_then(|r| r.map_err(|e| e.to_string()));
                        let _ = tx.send(Event::Exported { path, result }).await;
                    });
                }
                Effect::Quit => {}
            }
        }
        Ok(())
    }

    fn cancel_watch(&mut self) {
        if let Some(h) = self.watch.take() {
            h.abort();
        }
    }

    fn cancel_attributes(&mut self) {
        if let Some(c) = self.attributes.take() {
            c.cancel();
        }
    }

    fn cancel_query(&mut self) {
        if let Some(c) = self.query.take() {
            c.cancel();
        }
    }

    fn cancel_fetch(&mut self) {
        if let Some(h) = self.fetch.take() {
            h.abort();
        }
    }

    fn stop(&mut self) {
        self.cancel_query();
        self.cancel_fetch();
        self.cancel_watch();
        self.cancel_attributes();
        if let Some(h) = self.calls.take() {
            h.abort();
        }
    }
}

impl Drop for Runner {
    /// Every way out of `run` (an error included) stops the background work.
    fn drop(&mut self) {
        self.stop();
    }
}
