//! Carries out the effects `update` asks for: the only place that spawns, cancels, or touches
//! the terminal's modes.

use crate::genesys::budget::Priority;
use std::io::{Write, stdout};
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
use crate::genesys::directory::{Directory, Kind};
use crate::genesys::limiter::Limiter;
use crate::genesys::model::AnalyticsConversation;
use crate::genesys::notify::{self, Notifier, NotifierConfig};
use crate::genesys::{Client, Error};
use crate::paging::{QueryOptions, spawn_query};

use super::detail::{self, Fresh};
use super::event::{Effect, Event};
use super::jobs;

/// A watch's read unanswered this long makes it stale.
const SLOW_READ: Duration = Duration::from_secs(10);

/// The kinds of background work: at most one of each runs, and starting one stops the one
/// before (latest request wins).
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// The paging task.
    Query,
    /// The detail's fetch.
    Fetch,
    /// The watch's timer or refetch.
    Watch,
    /// The background attribute fetch.
    Attributes,
    /// The call log's reports while the `L` view is open.
    ApiLog,
    /// The multi-get of a list refresh (`F`).
    Refresh,
    /// The watch's subscription to its conversation's topics.
    Push,
    /// The live queue view's subscription to its queues' topics.
    QueuePush,
    /// The list refresh's (`F`) subscription to its rows' and queues' topics.
    FollowPush,
}

// One past the last slot: the array of tasks has one place per slot.
const SLOTS: usize = Slot::FollowPush as usize + 1;

/// A task in flight, and how to stop it.
enum Task {
    /// It watches the token and ends cleanly (the paging task, the attribute fetch).
    Token(CancellationToken),
    /// It is aborted.
    Handle(JoinHandle<()>),
    /// A notification feed (aborted; its subscription, by id, can be replaced in one change
    /// of the channel's topics).
    Feed(JoinHandle<()>, u64),
}

impl Task {
    fn stop(self) {
        match self {
            Task::Token(t) => t.cancel(),
            Task::Handle(h) | Task::Feed(h, _) => h.abort(),
        }
    }
}

/// Carries out effects: the only place that spawns, cancels, or touches the terminal modes.
pub(super) struct Runner {
    pub(super) client: Arc<Client>,
    pub(super) tx: mpsc::Sender<Event>,
    tasks: [Option<Task>; SLOTS],
    /// Clear the terminal before the next draw.
    pub(super) clear: bool,
    /// Suspend (Ctrl-Z) once the events queued are handled.
    pub(super) suspend: bool,
    concurrency: usize,
    /// The session's names (bulk look-ups, cached).
    directory: Arc<Directory>,
    /// The process's notification channel, started when something first subscribes.
    notifier: Option<Notifier>,
    /// Changes the topics of `F`'s subscription (in the `FollowPush` slot).
    follow_topics: Option<notify::Topics>,
}

/// Sends `ev` after `delay`: timers report through the same channel as everything else, and a
/// late one is dropped by its generation.
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

/// GET conversation, keeping the body as received (for the raw JSON view).
async fn fetch_fresh(client: &Client, id: &str) -> Result<Fresh, Error> {
    let (conv, raw) = client.conversation(id, CallOpts::default()).await?;
    Ok(Fresh { conv, raw })
}

/// Writes the screen's export with the same writers as `convoscope export`, to a new file (0600,
/// never over an existing file or through a link: `name-2.ext` when the name is taken), put in
/// place only once complete. Returns where it went and how many conversations it holds. The
/// CSV is written from each conversation's `facts`, names from `names`, after a byte-order
/// mark: made for a person to open in a spreadsheet, which then reads Gómez right.
fn write_export(
    path: &std::path::Path,
    format: Format,
    conversations: &[AnalyticsConversation],
    facts: &[crate::facts::Facts],
    names: crate::genesys::directory::Names,
) -> std::io::Result<(std::path::PathBuf, usize)> {
    use crate::export::ConversationWriter;
    let file = crate::output::OutputFile::create_new(path)?;
    let written = (|| {
        if format == Format::Csv {
            let opts = crate::export::CsvOptions {
                attrs: Vec::new(),
                bom: true,
            };
            let mut w = crate::export::ConversationCsvWriter::new(file.file(), &opts)?;
            w.learn_names(names);
            for (c, f) in conversations.iter().zip(facts) {
                w.write_facts(c, f)?;
            }
            return w.finish();
        }
        let opts = crate::export::CsvOptions::default();
        let mut w = crate::export::writer_for(format, file.file(), &opts)?;
        for c in conversations {
            w.write(c)?;
        }
        w.finish()
    })();
    match written {
        Ok(()) => Ok((file.commit()?, conversations.len())),
        Err(e) => {
            // Nothing half-written stays behind under either name.
            let _ = file.keep_partial(0);
            Err(e)
        }
    }
}

impl Runner {
    pub(super) fn new(client: Arc<Client>, tx: mpsc::Sender<Event>, concurrency: usize) -> Runner {
        // Names are paced by a limiter of their own (429s hold them back, not the paging).
        let limiter = Arc::new(Limiter::new(concurrency.clamp(1, 2)));
        Runner {
            directory: Directory::new(client.clone(), Some(limiter)),
            client,
            tx,
            tasks: Default::default(),
            clear: false,
            suspend: false,
            concurrency,
            notifier: None,
            follow_topics: None,
        }
    }

    /// The process's notification channel (one, shared by every subscriber).
    fn notifier(&mut self) -> Notifier {
        self.notifier
            .get_or_insert_with(|| Notifier::start(self.client.clone(), NotifierConfig::default()))
            .clone()
    }

    /// Removes the channel's topics and closes its socket (bounded): on the way out.
    pub(super) async fn shutdown(&mut self) {
        for t in self.tasks.iter_mut().filter_map(Option::take) {
            t.stop();
        }
        if let Some(n) = self.notifier.take() {
            n.close().await;
        }
    }

    pub(super) fn run(&mut self, effects: Vec<Effect>) -> std::io::Result<()> {
        for fx in effects {
            self.apply(fx)?;
        }
        Ok(())
    }

    fn apply(&mut self, fx: Effect) -> std::io::Result<()> {
        match fx {
            Effect::Query {
                query_id,
                scope,
                order,
                resume,
                follow,
                since,
            } => self.start(Slot::Query, |r| {
                let cancel = CancellationToken::new();
                let opts = QueryOptions {
                    order,
                    concurrency: r.concurrency,
                    resume,
                    // The first page is what the user waits for; the rest, and every page of
                    // a refresh, wait behind the detail pane.
                    first_priority: if follow {
                        Priority::Background
                    } else {
                        Priority::Foreground
                    },
                    priority: Priority::Background,
                    // A refresh's tail brings back the rows still going on (and those that
                    // ended in it) as the API answers with them.
                    overlapping: follow,
                    since,
                    ..QueryOptions::default()
                };
                spawn_query(
                    r.client.clone(),
                    scope,
                    opts,
                    query_id,
                    r.tx.clone(),
                    cancel.clone(),
                );
                Task::Token(cancel)
            }),
            Effect::CancelQuery => self.stop(Slot::Query),
            Effect::Debounce { generation } => {
                // Not kept: a late one is dropped by its generation.
                after(&self.tx, detail::DEBOUNCE, move || Event::Debounced {
                    generation,
                });
            }
            Effect::Resolve {
                id,
                text,
                query,
                scope,
            } => self.start(Slot::Query, |r| {
                // In the query's slot: a new query (or Esc) stops the look-up too.
                let (dir, tx) = (r.directory.clone(), r.tx.clone());
                Task::Handle(tokio::spawn(async move {
                    let result = crate::genesys::names::resolve_names(&dir, &text, &query)
                        .await
                        .map(|r| scope.with_search(r))
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Event::Resolved { id, result }).await;
                }))
            }),
            Effect::Complete { id, dir, at, typed } => {
                // Not kept: a stale answer is dropped by its id, and the listing is read once.
                let (d, tx) = (self.directory.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let result = d
                        .complete(crate::genesys::names::kind(dir), &typed)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Event::Completed { id, at, result }).await;
                });
            }
            Effect::Fetch { id, generation } => self.fetch_detail(id, generation),
            Effect::CancelFetch => self.stop(Slot::Fetch),
            Effect::Mouse(true) => execute!(stdout(), EnableMouseCapture)?,
            Effect::Mouse(false) => execute!(stdout(), DisableMouseCapture)?,
            Effect::Redraw => self.clear = true,
            Effect::Suspend => self.suspend = true,
            Effect::WatchApiLog(true) => self.start(Slot::ApiLog, |r| {
                let job = jobs::watch_api_log(r.client.clone(), r.tx.clone());
                Task::Handle(tokio::spawn(job))
            }),
            Effect::WatchApiLog(false) => self.stop(Slot::ApiLog),
            Effect::Copy(seq) => {
                let mut out = stdout();
                out.write_all(seq.as_bytes())?;
                out.flush()?;
            }
            Effect::WatchAfter { delay, generation } => self.start(Slot::Watch, |r| {
                Task::Handle(after(&r.tx, delay, move || Event::WatchDue {
                    generation,
                    now: Utc::now(),
                }))
            }),
            Effect::WatchFetch { id, generation } => self.watch_fetch(id, generation),
            Effect::CancelWatch => self.stop(Slot::Watch),
            Effect::After { delay, timer } => {
                after(&self.tx, delay, move || Event::Due {
                    timer,
                    now: Utc::now(),
                });
            }
            Effect::WatchPush { id, generation } => {
                let notifier = self.notifier();
                self.forward(
                    Slot::Push,
                    |old| notifier.replace(old, notify::events::detail_topics(&id)),
                    move |feed, at| Event::Pushed {
                        generation,
                        feed,
                        at,
                    },
                );
            }
            Effect::StopPush => self.stop(Slot::Push),
            Effect::QueuePush { queues, generation } => {
                let notifier = self.notifier();
                let topics = queues.iter().map(|q| notify::events::queue_topic(q));
                self.forward(
                    Slot::QueuePush,
                    |old| notifier.replace(old, topics.collect()),
                    move |feed, at| Event::QueueFed {
                        generation,
                        feed,
                        at,
                    },
                );
            }
            Effect::StopQueuePush => self.stop(Slot::QueuePush),
            Effect::FollowPush { topics, generation } => {
                let old = self.feed_id(Slot::FollowPush);
                let sub = self.notifier().replace(old, topics);
                self.follow_topics = Some(sub.topics());
                self.forward(
                    Slot::FollowPush,
                    |_| sub,
                    move |feed, at| Event::FollowFed {
                        generation,
                        feed,
                        at,
                    },
                );
            }
            Effect::FollowTopics { topics } => {
                if let Some(t) = &self.follow_topics {
                    t.set(topics);
                }
            }
            Effect::StopFollowPush => {
                self.follow_topics = None;
                self.stop(Slot::FollowPush);
            }
            Effect::FollowAfter { delay, generation } => {
                // Not kept: a stale one is dropped by its generation.
                after(&self.tx, delay, move || Event::FollowDue {
                    generation,
                    now: Utc::now(),
                });
            }
            Effect::FetchAttributes {
                fetch_id,
                wanted,
                bulk,
            } => self.start(Slot::Attributes, |r| {
                let cancel = CancellationToken::new();
                tokio::spawn(jobs::fetch_attributes(
                    r.client.clone(),
                    r.tx.clone(),
                    cancel.clone(),
                    fetch_id,
                    wanted,
                    bulk,
                    r.concurrency,
                ));
                Task::Token(cancel)
            }),
            Effect::CancelAttributes => self.stop(Slot::Attributes),
            Effect::RefreshRows { query_id, ids } => self.start(Slot::Refresh, |r| {
                let job = jobs::refresh_rows(r.client.clone(), r.tx.clone(), query_id, ids);
                Task::Handle(tokio::spawn(job))
            }),
            Effect::Names { ids } => {
                // Not kept: names stay true for the session, whichever query asked.
                tokio::spawn(jobs::names(self.directory.clone(), self.tx.clone(), ids));
            }
            Effect::Export {
                path,
                format,
                conversations,
                names,
                facts,
            } => self.export(path, format, conversations, names, facts),
            Effect::Quit => {}
        }
        Ok(())
    }

    /// The detail's GET conversation, answering with `Event::Fetched`; the pane says why it
    /// waits before a retry (a rate limit, a server error).
    fn fetch_detail(&mut self, id: String, generation: u64) {
        self.start(Slot::Fetch, |r| {
            let client = r.client.clone();
            let tx = r.tx.clone();
            Task::Handle(tokio::spawn(async move {
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
            }))
        });
    }

    /// The watch's refetch, answering with `Event::Watched` (it replaces the watch's timer).
    fn watch_fetch(&mut self, id: String, generation: u64) {
        self.start(Slot::Watch, |r| {
            let client = r.client.clone();
            let tx = r.tx.clone();
            Task::Handle(tokio::spawn(async move {
                // A read that hangs makes the watch say it is stale, at once.
                let which = id.clone();
                let read = fetch_fresh(&client, &which);
                tokio::pin!(read);
                let since = Utc::now();
                let result = tokio::select! {
                    r = &mut read => r,
                    _ = tokio::time::sleep(SLOW_READ) => {
                        let _ = tx.send(Event::WatchSlow { generation, since }).await;
                        read.await
                    }
                };
                let _ = tx
                    .send(Event::Watched {
                        id,
                        generation,
                        result,
                        at: Utc::now(),
                    })
                    .await;
            }))
        });
    }

    /// Writes the screen's export off the event loop, answering with `Event::Exported`.
    fn export(
        &mut self,
        path: std::path::PathBuf,
        format: Format,
        conversations: Vec<AnalyticsConversation>,
        mut names: crate::genesys::directory::Names,
        facts: Vec<crate::facts::Facts>,
    ) {
        let tx = self.tx.clone();
        let directory = self.directory.clone();
        tokio::spawn(async move {
            // The list names no division: the CSV's are asked for now (one request for the
            // few an org has, none once known), unnamed ones written as short ids.
            let divisions: Vec<(Kind, &str)> = facts
                .iter()
                .flat_map(|f| f.divisions.iter().map(|d| (Kind::Division, d.as_str())))
                .collect();
            if !divisions.is_empty() {
                names.merge(directory.lookup(divisions).await.names);
            }
            let path = std::env::current_dir()
                .map(|d| d.join(&path))
                .unwrap_or(path);
            let p = path.clone();
            let result = tokio::task::spawn_blocking(move || {
                write_export(&p, format, &conversations, &facts, names)
            })
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()));
            let (path, result) = match result {
                Ok((written_to, n)) => (written_to, Ok(n)),
                Err(e) => (path, Err(e)),
            };
            let _ = tx.send(Event::Exported { path, result }).await;
        });
    }

    /// Stops the task in `slot`, then starts the one `make` spawns there.
    fn start(&mut self, slot: Slot, make: impl FnOnce(&Runner) -> Task) {
        self.stop(slot);
        let task = make(self);
        self.tasks[slot as usize] = Some(task);
    }

    /// The subscription of the feed running in `slot`, if one does.
    fn feed_id(&self, slot: Slot) -> Option<u64> {
        match &self.tasks[slot as usize] {
            Some(Task::Feed(_, id)) => Some(*id),
            _ => None,
        }
    }

    /// Runs a notification feed in `slot` (after the slot's task before it stops): the
    /// subscription `subscribe` makes in the place of the slot's one (given its id), forwarded
    /// to the screen as `event`.
    fn forward(
        &mut self,
        slot: Slot,
        subscribe: impl FnOnce(Option<u64>) -> notify::Subscription,
        event: impl Fn(notify::Feed, chrono::DateTime<Utc>) -> Event + Send + 'static,
    ) {
        let sub = subscribe(self.feed_id(slot));
        let id = sub.id();
        self.start(slot, |r| {
            Task::Feed(
                tokio::spawn(jobs::forward_push(sub, r.tx.clone(), event)),
                id,
            )
        })
    }

    fn stop(&mut self, slot: Slot) {
        if let Some(t) = self.tasks[slot as usize].take() {
            t.stop();
        }
    }
}

impl Drop for Runner {
    /// Every way out of `run` (an error included) stops the background work.
    fn drop(&mut self) {
        for t in self.tasks.iter_mut().filter_map(Option::take) {
            t.stop();
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    fn conv(id: &str) -> AnalyticsConversation {
        serde_json::from_str(&format!(r#"{{"conversationId":"{id}"}}"#)).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn two_exports_in_one_second_get_two_private_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let name = dir.path().join("convoscope-20261125-123000.ndjson");
        let none = crate::genesys::directory::Names::default;
        let (a, n) = write_export(&name, Format::Ndjson, &[conv("c1")], &[], none()).unwrap();
        let (b, _) = write_export(
            &name,
            Format::Ndjson,
            &[conv("c2"), conv("c3")],
            &[],
            none(),
        )
        .unwrap();
        assert_eq!((a.clone(), n), (name.clone(), 1));
        assert_eq!(b, dir.path().join("convoscope-20261125-123000-2.ndjson"));
        assert_eq!(std::fs::read_to_string(&a).unwrap().lines().count(), 1);
        assert_eq!(std::fs::read_to_string(&b).unwrap().lines().count(), 2);
        for p in [&a, &b] {
            let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", p.display());
        }
        // A link planted under the name is not followed.
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let planted = dir.path().join("x.csv");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let facts = [crate::facts::Facts::of(&conv("c1"))];
        let (c, _) = write_export(&planted, Format::Csv, &[conv("c1")], &facts, none()).unwrap();
        assert_eq!(c, dir.path().join("x-2.csv"));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    }

    /// `X` writes the report CSV from the list's rows, which keep no segments: one row per
    /// conversation, queues, agents and divisions by name (from the facts the rows kept),
    /// after a byte-order mark (for a spreadsheet).
    #[test]
    fn the_screens_csv_is_one_row_per_conversation_by_name() {
        use crate::genesys::directory::Names;
        let dir = tempfile::tempdir().unwrap();
        let mut call = crate::tui::fixtures::voice_transfer("v1");
        call.extra
            .insert("divisionIds".into(), serde_json::json!(["d-home"]));
        call.participants[0].sessions[0]
            .extra
            .insert("ani".into(), "tel:+15551230001".into());
        let rows: Vec<crate::tui::row::Row> =
            [call, crate::tui::fixtures::conv("m1", 5, "Gómez", "Bob")]
                .into_iter()
                .map(|c| crate::tui::row::Row::new(c).0)
                .collect();
        let facts: Vec<_> = rows.iter().map(|r| r.facts()).collect();
        let mut names = Names::default();
        for (k, id) in facts[0].ids() {
            names.insert(k, id.to_string(), Some(format!("Name of {}", &id[..4])));
        }
        names.insert(Kind::Division, "d-home".into(), Some("Home".into()));
        let queue = facts[0].queues[0].clone();
        let agent = facts[0].agents[0].0.clone().unwrap();
        let convs: Vec<_> = rows.iter().map(|r| r.conversation()).collect();
        let (p, n) = write_export(
            &dir.path().join("x.csv"),
            Format::Csv,
            &convs,
            &facts,
            names,
        )
        .unwrap();
        assert_eq!(n, 2);
        let bytes = std::fs::read(&p).unwrap();
        assert!(bytes.starts_with(crate::export::BOM));
        let mut r = csv::Reader::from_reader(&bytes[crate::export::BOM.len()..]);
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(header, crate::export::CONVERSATION_HEADER);
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2, "one row per conversation");
        let col = |h: &str| header.iter().position(|x| x == h).unwrap();
        let cell = |r: usize, h: &str| rows[r][col(h)].to_string();
        assert!(
            cell(0, "queue").contains(&format!("Name of {}", &queue[..4])),
            "{:?}",
            rows[0]
        );
        assert!(
            cell(0, "agents").contains(&format!("Name of {}", &agent[..4])),
            "{:?}",
            rows[0]
        );
        assert!(!cell(0, "wrapUp").is_empty(), "{:?}", rows[0]);
        // (A leading `+` is escaped against formulas.)
        assert_eq!(cell(0, "customerAddress"), "'+15551230001");
        assert_eq!(cell(0, "divisions"), "Home");
        assert_eq!(cell(1, "customer"), "Gómez");
    }
}
