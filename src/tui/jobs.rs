//! The background work the effects spawn: each reports through the event channel and owns
//! nothing of the state.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::attributes::{self, Attrs, Fetcher, Report, Wanted};
use crate::genesys::client::CallOpts;
use crate::genesys::directory::{Directory, Kind};
use crate::genesys::model::Attributes;
use crate::genesys::{Client, Scope};

use super::event::Event;
use super::sanitize;

/// Conversations asked for at once, so that results show as they come: from a job's results
/// (read a page at a time), and from GET conversation (a request each: paced by the rate
/// budget, a batch of 200 showed "attributes 0/227" for 35 s, then all at once).
const ATTRIBUTE_BATCH: usize = 200;
const ATTRIBUTE_GET_BATCH: usize = 20;

/// Fetches attributes for an `attr:` filter with the one attribute fetcher: an async details job
/// over the list's scope when `bulk` names it (many rows), GET conversation for the rest, at
/// most `concurrency` at once; each conversation is reported as it is known. A conversation
/// whose attributes are gone (404) is reported as such; the first error that retries cannot
/// change stops the fetch.
pub(super) async fn fetch_attributes(
    client: Arc<Client>,
    tx: mpsc::Sender<Event>,
    cancel: CancellationToken,
    fetch_id: u64,
    wanted: Vec<Wanted>,
    bulk: Option<Scope>,
    concurrency: usize,
) {
    let report = |r: Report| {
        let note = match r {
            Report::Job { state } => format!("async details job {state}"),
            Report::Note(n) => crate::tui::layout::text::fit(&sanitize::sanitize(&n), 80),
            Report::Waiting { .. } => return,
        };
        let _ = tx.try_send(Event::AttributesNote { fetch_id, note });
    };
    let work = async {
        let opts = attributes::Options {
            concurrency,
            // Behind what the user looks at (the detail pane, a conversation opened by id).
            priority: crate::genesys::budget::Priority::Background,
            ..attributes::Options::default()
        };
        let size = if bulk.is_some() {
            ATTRIBUTE_BATCH
        } else {
            ATTRIBUTE_GET_BATCH
        };
        let mut fetcher = Fetcher::new(client, bulk, opts);
        let mut error = None;
        for batch in wanted.chunks(size) {
            let got = match fetcher.fetch(batch, &report).await {
                Ok(got) => got,
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
            };
            for (w, a) in batch.iter().zip(got) {
                let result = match a {
                    Attrs::Found(by) => Ok(by.into_iter().collect::<Vec<(String, Attributes)>>()),
                    Attrs::NotFound => {
                        Err("not found: the conversations API no longer keeps it".to_string())
                    }
                };
                let ev = Event::Attributes {
                    fetch_id,
                    id: w.id.clone(),
                    result,
                };
                if tx.send(ev).await.is_err() {
                    // The screen is gone.
                    fetcher.finish().await;
                    return None;
                }
            }
        }
        fetcher.finish().await;
        Some(error)
    };
    let error = tokio::select! {
        _ = cancel.cancelled() => return,
        e = work => match e {
            None => return,
            Some(e) => e,
        },
    };
    let _ = tx.send(Event::AttributesDone { fetch_id, error }).await;
}

/// Sends the call log now and after every new call (at most every 200 ms), for the `L` view.
pub(super) async fn watch_api_log(client: Arc<Client>, tx: mpsc::Sender<Event>) {
    let mut changes = client.call_log_changes();
    loop {
        if tx.send(Event::ApiLog(client.call_log())).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        if changes.changed().await.is_err() {
            return;
        }
    }
}

/// Reads rows again with the analytics multi-get, 100 ids a call, as background work.
pub(super) async fn refresh_rows(
    client: Arc<Client>,
    tx: mpsc::Sender<Event>,
    query_id: u64,
    ids: Vec<String>,
) {
    use crate::genesys::client::MAX_MULTI_GET;
    use crate::genesys::records::Record;
    let opts = CallOpts::default().with_priority(crate::genesys::budget::Priority::Background);
    let mut got = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_MULTI_GET) {
        match client.conversations_by_id(chunk, opts).await {
            Ok(page) => got.extend(page.records.into_iter().filter_map(|r| match r {
                Record::Conversation(c) => Some(c),
                // A record that does not fit the model keeps the row as it was.
                Record::Kept { .. } | Record::Unreadable { .. } => None,
            })),
            Err(e) => {
                let result = Err(e.to_string());
                let _ = tx.send(Event::Refreshed { query_id, result }).await;
                return;
            }
        }
    }
    let _ = tx
        .send(Event::Refreshed {
            query_id,
            result: Ok(got),
        })
        .await;
}

/// Tells the screen whenever requests start or stop being held back for the rate budget.
pub(super) async fn watch_budget(client: Arc<Client>, tx: mpsc::Sender<Event>) {
    use crate::genesys::budget::Hold;
    use crate::tui::event::BudgetHold;
    let mut hold = client.budget().hold();
    loop {
        let h = *hold.borrow_and_update();
        let now = (tokio::time::Instant::now(), chrono::Utc::now());
        let at = |until: tokio::time::Instant| {
            now.1
                + chrono::TimeDelta::from_std(until.saturating_duration_since(now.0))
                    .unwrap_or_default()
        };
        let view = match h {
            Hold::None => None,
            Hold::Pacing { until, others } => Some(BudgetHold {
                rate_limited: false,
                until: at(until),
                others,
            }),
            Hold::RateLimited { until, others } => Some(BudgetHold {
                rate_limited: true,
                until: at(until),
                others,
            }),
        };
        if tx.send(Event::BudgetHold(view)).await.is_err() || hold.changed().await.is_err() {
            return;
        }
    }
}

/// Logs in (the token every other request uses; bad credentials show at once), then asks for
/// the organization's name.
pub(super) async fn connect(client: Arc<Client>, tx: mpsc::Sender<Event>) {
    let r = client.authenticate().await;
    let ok = r.is_ok();
    let _ = tx.send(Event::Connected(r)).await;
    if ok {
        organization(client, tx).await;
    }
}

/// Asks once for the organization's name, for the header.
pub(super) async fn organization(client: Arc<Client>, tx: mpsc::Sender<Event>) {
    let r = client
        .organization(CallOpts::default())
        .await
        .map(|o| o.name)
        .map_err(|e| e.to_string());
    if let Err(e) = &r {
        tracing::info!("the organization's name is not available: {e}");
    }
    let _ = tx.send(Event::Organization(r)).await;
}

/// Names a page's ids through the session's directory (bulk, cached): one event with what it
/// read, and the first problem met, if any.
pub(super) async fn names(dir: Arc<Directory>, tx: mpsc::Sender<Event>, ids: Vec<(Kind, String)>) {
    let found = dir
        .lookup(ids.iter().map(|(k, id)| (*k, id.as_str())))
        .await;
    let problem = found
        .problems
        .first()
        .map(|(k, e)| sanitize::sanitize(&format!("{} shown by id: {}", k.plural(), e.summary())));
    let _ = tx
        .send(Event::Names {
            names: found.names,
            problem,
        })
        .await;
}

/// Forwards a notification feed (a watch's, the live queue view's) to the screen until the
/// screen or the feed is gone.
pub(super) async fn forward_push(
    mut sub: crate::genesys::notify::Subscription,
    tx: mpsc::Sender<Event>,
    event: impl Fn(crate::genesys::notify::Feed, chrono::DateTime<chrono::Utc>) -> Event,
) {
    while let Some(feed) = sub.rx.recv().await {
        let ev = event(feed, chrono::Utc::now());
        if tx.send(ev).await.is_err() {
            return;
        }
    }
}
