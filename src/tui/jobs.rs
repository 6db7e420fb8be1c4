//! The background work the effects spawn: each reports through the event channel and owns
//! nothing of the state.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::genesys::model::Attributes;
use crate::genesys::query::Media;
use crate::genesys::{Client, Error};

use super::event::Event;
use super::sanitize;

/// Fetches attributes for an `attr:` filter: GET conversation for each id, `concurrency` at
/// once, reporting each; a refusal that would repeat for every id (credentials, permission)
/// stops it. (`bulk` names the range for an async job when there are many; see
/// [`super::BULK_ATTRIBUTES`].)
pub(super) async fn fetch_attributes(
    client: Arc<Client>,
    tx: mpsc::Sender<Event>,
    cancel: CancellationToken,
    fetch_id: u64,
    ids: Vec<String>,
    bulk: Option<(crate::genesys::query::Interval, Media)>,
    concurrency: usize,
) {
    let note = |text: String| {
        let _ = tx.try_send(Event::AttributesNote {
            fetch_id,
            note: text,
        });
    };
    // Fails once the screen is gone.
    let send = |id: String, result: Result<Vec<(String, Attributes)>, String>| {
        tx.send(Event::Attributes {
            fetch_id,
            id,
            result,
        })
    };
    let work = async {
        let mut ids = ids;
        // Many rows: one async details job over the range, then GET for what it lacks.
        if let Some((interval, media)) = bulk {
            note("async details job started".into());
            let progress = |p: crate::export::Progress| {
                if let crate::export::Progress::Job { state } = p {
                    note(format!("async details job {state}"));
                }
            };
            match crate::export::range_attributes(
                client.clone(),
                interval,
                media,
                &progress,
                &crate::genesys::client::quiet,
            )
            .await
            {
                Ok(mut index) => {
                    let mut rest = Vec::new();
                    for id in ids {
                        match index.remove(&id) {
                            Some(by) => {
                                if send(id, Ok(by.into_iter().collect())).await.is_err() {
                                    return None;
                                }
                            }
                            None => rest.push(id),
                        }
                    }
                    if !rest.is_empty() {
                        note(format!(
                            "{} not in the job yet (the data lake lags): reading each",
                            rest.len()
                        ));
                    }
                    ids = rest;
                }
                Err(e) => note(format!(
                    "async job refused ({}): reading each conversation",
                    crate::tui::layout::text::fit(&sanitize::sanitize(&e.to_string()), 60)
                )),
            }
        }
        // One limiter: a 429 slows every request of the fetch, as in paging.
        let limiter = crate::genesys::limiter::Limiter::new(concurrency);
        let limiter = &limiter;
        let mut results = futures::stream::iter(ids)
            .map(|id| {
                let client = client.clone();
                async move {
                    let r = client
                        .conversation_with(&id, &crate::genesys::client::quiet, Some(limiter))
                        .await;
                    (id, r)
                }
            })
            .buffer_unordered(concurrency);
        while let Some((id, r)) = results.next().await {
            let result = match r {
                Ok(c) => Ok(c
                    .participants
                    .into_iter()
                    .map(|p| (p.id, p.attributes))
                    .collect::<Vec<(String, Attributes)>>()),
                Err(e @ (Error::Auth { .. } | Error::Permission { .. })) => {
                    return Some(e.to_string());
                }
                Err(e) => Err(e.to_string()),
            };
            if send(id, result).await.is_err() {
                return None;
            }
        }
        None
    };
    let error = tokio::select! {
        _ = cancel.cancelled() => return,
        e = work => e,
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

/// Asks once for the organization's name, for the header.
pub(super) async fn organization(client: Arc<Client>, tx: mpsc::Sender<Event>) {
    let r = client
        .organization()
        .await
        .map(|o| o.name)
        .map_err(|e| e.to_string());
    if let Err(e) = &r {
        tracing::info!("the organization's name is not available: {e}");
    }
    let _ = tx.send(Event::Organization(r)).await;
}
