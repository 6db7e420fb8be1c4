//! Export against the simulator: what it writes equals what the simulator holds.

mod common;

use chrono::Duration as Span;
use convoscope::export::{self, AttributeSource, ExportOptions, Format, NdjsonWriter};
use convoscope::genesys::model::AnalyticsConversation;
use convoscope::genesys::query::{Interval, Media};
use convoscope::sim::Sim;
use serde_json::Value;

use common::*;

fn week() -> Interval {
    Interval::new(until() - Span::days(7), until())
}

/// What the simulator holds for the range, as export should write it: attributes as an async
/// job gives them (keys and values cut at 1,024 characters).
fn expected(sim: &Sim, media: Media, attributes: bool) -> Vec<Value> {
    let ds = sim.dataset();
    ds.matching(&week(), media)
        .into_iter()
        .map(|i| {
            let mut c: AnalyticsConversation = if attributes {
                ds.analytics_with_attributes(i, chrono::Utc::now())
            } else {
                ds.analytics(i)
            };
            for p in &mut c.participants {
                p.attributes = if attributes {
                    Some(p.attributes.take().unwrap_or_default())
                } else {
                    None
                };
            }
            serde_json::to_value(c).unwrap()
        })
        .collect()
}

/// The same with attributes as GET conversation gives them: whole.
fn expected_whole(sim: &Sim, media: Media) -> Vec<Value> {
    let ds = sim.dataset();
    let now = chrono::Utc::now();
    ds.matching(&week(), media)
        .into_iter()
        .map(|i| {
            let mut c = ds.analytics_with_attributes(i, now);
            let whole = ds.conversation(i, now);
            for p in &mut c.participants {
                let a = whole
                    .participants
                    .iter()
                    .find(|w| w.id == p.participant_id)
                    .map(|w| w.attributes.clone());
                p.attributes = Some(a.unwrap_or_default());
            }
            serde_json::to_value(c).unwrap()
        })
        .collect()
}

async fn export_lines(sim: &Sim, opts: &ExportOptions) -> (Vec<Value>, export::Outcome) {
    let mut buf = Vec::new();
    let outcome = {
        let mut w = NdjsonWriter::new(&mut buf);
        export::run(client(sim), opts, &mut w, &|_| {}).await
    };
    let lines = String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, outcome)
}

#[tokio::test]
async fn ndjson_without_attributes_equals_the_simulator() {
    let sim = sim(config(700)).await;
    let opts = ExportOptions::new(week(), Media::Any);
    let (lines, outcome) = export_lines(&sim, &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(outcome.written, 700);
    let want = expected(&sim, Media::Any, false);
    assert_eq!(
        lines,
        want,
        "{:?}",
        first_diff(
            &Value::Array(lines.clone()),
            &Value::Array(want.clone()),
            ""
        )
    );
    assert!(
        lines
            .iter()
            .all(|l| l["participants"][0].get("attributes").is_none())
    );
}

#[tokio::test]
async fn ndjson_with_attributes_from_a_job_and_from_conversations_equal_the_simulator() {
    let sim = sim(config(400)).await;
    // A job cuts long values at 1,024 characters; GET conversation has them whole.
    for (source, want) in [
        (
            AttributeSource::Jobs,
            expected(&sim, Media::Webmessaging, true),
        ),
        (
            AttributeSource::Conversations,
            expected_whole(&sim, Media::Webmessaging),
        ),
    ] {
        assert!(!want.is_empty());
        let mut opts = ExportOptions::new(week(), Media::Webmessaging);
        opts.attributes = true;
        opts.attributes_from = source;
        let (lines, outcome) = export_lines(&sim, &opts).await;
        assert!(outcome.error.is_none(), "{source:?}: {:?}", outcome.error);
        assert_eq!(lines, want, "{source:?}");
    }
}

#[tokio::test]
async fn refused_jobs_fall_back_to_get_conversation() {
    let mut cfg = config(150);
    cfg.forbid = convoscope::sim::Forbid::parse("jobs").unwrap();
    let sim = sim(cfg).await;
    let mut opts = ExportOptions::new(week(), Media::Any);
    opts.attributes = true;
    let notes = std::sync::Mutex::new(Vec::new());
    let mut buf = Vec::new();
    let outcome = {
        let mut w = NdjsonWriter::new(&mut buf);
        export::run(client(&sim), &opts, &mut w, &|p| {
            notes.lock().unwrap().push(p)
        })
        .await
    };
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let lines: Vec<Value> = String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, expected_whole(&sim, Media::Any));
    let notes = notes.into_inner().unwrap();
    assert!(notes.iter().any(|n| matches!(n, export::Progress::Note(s) if s.contains("analytics:conversationDetail:view"))), "{notes:?}");
}

#[tokio::test]
async fn export_under_faults_equals_the_fault_free_export() {
    let mut cfg = config(500);
    cfg.faults = convoscope::sim::Faults::parse("429=0.1,500=0.05,503=0.05,reset=0.05").unwrap();
    let sim = sim(cfg).await;
    let mut opts = ExportOptions::new(week(), Media::Any);
    opts.attributes = true;
    let (lines, outcome) = export_lines(&sim, &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines, expected(&sim, Media::Any, true));
}

#[tokio::test]
async fn csv_has_one_row_per_attribute_and_one_per_bare_participant() {
    let sim = sim(config(120)).await;
    let mut opts = ExportOptions::new(week(), Media::Any);
    opts.attributes = true;
    opts.format = Format::Csv;
    let mut buf = Vec::new();
    let outcome = {
        let mut w = export::CsvWriter::new(&mut buf).unwrap();
        export::run(client(&sim), &opts, &mut w, &|_| {}).await
    };
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let mut r = csv::Reader::from_reader(&buf[..]);
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        export::CSV_HEADER.to_vec()
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let mut want = Vec::new();
    for c in expected(&sim, Media::Any, true) {
        let c: AnalyticsConversation = serde_json::from_value(c).unwrap();
        for p in &c.participants {
            let attrs = p.attributes.clone().unwrap_or_default();
            if attrs.is_empty() {
                want.push((
                    c.conversation_id.clone(),
                    p.participant_id.clone(),
                    String::new(),
                    String::new(),
                ));
            }
            for (k, v) in attrs {
                want.push((c.conversation_id.clone(), p.participant_id.clone(), k, v));
            }
        }
    }
    let got: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r[0].to_string(),
                r[6].to_string(),
                r[11].to_string(),
                r[12].to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);
}

/// Runs the real binary against the simulator.
async fn run_binary(sim: &Sim, args: &[&str]) -> std::process::Output {
    let url = sim.url();
    let mut cmd = convoscope();
    cmd.arg("export")
        .args(["--api-url", &url, "--client-id", "demo"])
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "demo")
        .env_remove("GENESYSCLOUD_REGION")
        .args(args);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exports_to_stdout_and_exits_zero() {
    let sim = sim(config(300)).await;
    let out = run_binary(
        &sim,
        &[
            "--from",
            "2026-11-13T00:00:00Z",
            "--to",
            "2026-11-20T00:00:00Z",
            "--attributes",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, expected(&sim, Media::Any, true));
    // stderr is not a terminal here: nothing but data anywhere.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exit_codes_say_what_failed() {
    let sim = sim(config(10)).await;
    // Usage: a bad date.
    let out = run_binary(&sim, &["--from", "last tuesday"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from: cannot read 'last tuesday'"));
    // Authentication: a wrong secret.
    let url = sim.url();
    let out = tokio::task::spawn_blocking(move || {
        convoscope()
            .args([
                "export",
                "--api-url",
                &url,
                "--client-id",
                "demo",
                "--client-secret",
                "nope-n0pe",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("authentication failed") && !err.contains("nope-n0pe"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_export_keeps_what_it_wrote_and_says_how_much() {
    let mut cfg = config(3000);
    cfg.latency_ms = 30;
    let sim = sim(cfg).await;
    let client = client(&sim);
    // The server goes away after the first page is written.
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let stopper = tokio::spawn(async move {
        let _ = stop_rx.await;
        sim.stop().await;
    });
    let stop_tx = std::sync::Mutex::new(Some(stop_tx));
    let opts = ExportOptions::new(week(), Media::Any);
    let mut buf = Vec::new();
    let outcome = {
        let mut w = NdjsonWriter::new(&mut buf);
        export::run(client, &opts, &mut w, &|p| {
            if matches!(p, export::Progress::Written { .. })
                && let Some(tx) = stop_tx.lock().unwrap().take()
            {
                let _ = tx.send(());
            }
        })
        .await
    };
    stopper.await.unwrap();
    let error = outcome
        .error
        .expect("the export fails once the server is gone");
    assert!(
        matches!(error, convoscope::genesys::Error::Network { .. }),
        "{error:?}"
    );
    assert_eq!(error.exit_code(), 4);
    let lines = String::from_utf8(buf).unwrap().lines().count() as u64;
    assert!(
        outcome.written >= 100 && outcome.written < 3000,
        "{}",
        outcome.written
    );
    assert_eq!(
        lines, outcome.written,
        "what was written stays written, and is counted"
    );
}

#[allow(dead_code)]
fn first_diff(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => {
                        if let Some(d) = first_diff(p, q, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                    (p, q) => return Some(format!("{path}.{k}: {p:?} vs {q:?}")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if let Some(d) = first_diff(p, q, &format!("{path}[{i}]")) {
                    return Some(d);
                }
            }
            (x.len() != y.len()).then(|| format!("{path}: len {} vs {}", x.len(), y.len()))
        }
        _ => (a != b).then(|| format!("{path}: {a} vs {b}")),
    }
}

#[tokio::test]
async fn hostile_data_is_exported_unchanged() {
    let mut cfg = config(80);
    cfg.hostile = true;
    let sim = sim(cfg).await;
    let mut opts = ExportOptions::new(week(), Media::Any);
    opts.attributes = true;
    let (lines, outcome) = export_lines(&sim, &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines, expected(&sim, Media::Any, true));
    // From GET conversation the values are whole (a job cuts the long one at 1,024 characters).
    opts.attributes_from = AttributeSource::Conversations;
    let (lines, outcome) = export_lines(&sim, &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let want = expected_whole(&sim, Media::Any);
    assert_eq!(lines, want);
    // The corpus really went through: escape sequences and the long value, byte for byte.
    let text = serde_json::to_string(&lines).unwrap();
    for s in convoscope::sim::hostile::CORPUS {
        let quoted = serde_json::to_string(s).unwrap();
        assert!(text.contains(&quoted[1..quoted.len() - 1]), "{s:?} missing");
    }
    // CSV quotes them so that a CSV reader gets them back unchanged.
    opts.format = Format::Csv;
    let mut buf = Vec::new();
    {
        let mut w = export::CsvWriter::new(&mut buf).unwrap();
        let o = export::run(client(&sim), &opts, &mut w, &|_| {}).await;
        assert!(o.error.is_none());
    }
    let mut r = csv::Reader::from_reader(&buf[..]);
    let values: std::collections::HashSet<String> =
        r.records().map(|r| r.unwrap()[12].to_string()).collect();
    for s in convoscope::sim::hostile::CORPUS {
        assert!(values.contains(*s), "{s:?} not read back from the CSV");
    }
    assert!(values.contains(&convoscope::sim::hostile::long_value()));
}

/// Runs an export with attributes into a buffer, keeping every progress report.
async fn export_reporting(
    client: std::sync::Arc<convoscope::genesys::Client>,
    opts: &ExportOptions,
) -> (Vec<Value>, export::Outcome, Vec<export::Progress>) {
    let reports = std::sync::Mutex::new(Vec::new());
    let mut buf = Vec::new();
    let outcome = {
        let mut w = NdjsonWriter::new(&mut buf);
        export::run(client, opts, &mut w, &|p| reports.lock().unwrap().push(p)).await
    };
    let lines = String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, outcome, reports.into_inner().unwrap())
}

#[tokio::test]
async fn job_states_are_reported_and_a_job_past_its_deadline_gives_way_to_get_conversation() {
    let mut cfg = config(200);
    cfg.job_delay_ms = 60_000;
    let sim = sim(cfg).await;
    let mut opts = ExportOptions::new(week(), Media::Any);
    opts.attributes = true;
    opts.job_deadline = std::time::Duration::from_millis(300);
    let (lines, outcome, reports) = export_reporting(client(&sim), &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines, expected_whole(&sim, Media::Any));
    assert!(
        reports
            .iter()
            .any(|p| matches!(p, export::Progress::Job { state } if state == "QUEUED")),
        "{reports:?}"
    );
    assert!(
        reports.iter().any(|p| matches!(p, export::Progress::Note(n)
            if n.contains("GET conversation") && n.contains("not FULFILLED"))),
        "{reports:?}"
    );
    let st = sim.stats();
    assert_eq!(
        (st.jobs_created, st.jobs_deleted),
        (1, 1),
        "the job given up is deleted"
    );

    // A job in time: QUEUED then FULFILLED, and it stays.
    let mut cfg = config(200);
    cfg.job_delay_ms = 300;
    let sim = self::sim(cfg).await;
    let mut opts = ExportOptions::new(week(), Media::Any);
    opts.attributes = true;
    let (lines, outcome, reports) = export_reporting(client(&sim), &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines, expected(&sim, Media::Any, true));
    let mut states: Vec<&str> = reports
        .iter()
        .filter_map(|p| match p {
            export::Progress::Job { state } => Some(state.as_str()),
            _ => None,
        })
        .collect();
    // PENDING shows when a poll falls in it.
    states.retain(|s| *s != "PENDING");
    assert_eq!(states, ["QUEUED", "FULFILLED"]);
    assert_eq!((sim.stats().jobs_created, sim.stats().jobs_deleted), (1, 0));
}

/// A writer that fails at once: the export fails after its job was created and read.
struct Broken;

impl export::ConversationWriter for Broken {
    fn write(&mut self, _: &AnalyticsConversation) -> std::io::Result<()> {
        Err(std::io::Error::other("disk full"))
    }
    fn finish(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_failed_export_deletes_its_job() {
    let sim = sim(config(200)).await;
    let mut opts = ExportOptions::new(week(), Media::Any);
    opts.attributes = true;
    let outcome = export::run(client(&sim), &opts, &mut Broken, &|_| {}).await;
    assert!(
        outcome
            .error
            .as_ref()
            .is_some_and(|e| e.to_string().contains("disk full")),
        "{:?}",
        outcome.error
    );
    let st = sim.stats();
    assert_eq!((st.jobs_created, st.jobs_deleted), (1, 1));
}

#[tokio::test]
async fn an_interrupted_export_deletes_its_job() {
    let mut cfg = config(200);
    cfg.job_delay_ms = 30_000;
    let sim = sim(cfg).await;
    let mut opts = ExportOptions::new(week(), Media::Any);
    opts.attributes = true;
    let client = client(&sim);
    let mut w = NdjsonWriter::new(Vec::new());
    // Interrupted (dropped) while the job is QUEUED.
    let interrupted = tokio::time::timeout(
        std::time::Duration::from_millis(600),
        export::run(client.clone(), &opts, &mut w, &|_| {}),
    )
    .await;
    assert!(interrupted.is_err(), "the job is not done yet");
    assert_eq!(sim.stats().jobs_created, 1);
    // The DELETE goes out in the background.
    for _ in 0..100 {
        if sim.stats().jobs_deleted == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(sim.stats().jobs_deleted, 1);
    assert!(
        client
            .call_log()
            .iter()
            .any(|r| r.method == "DELETE" && r.status == Some(204))
    );
}

#[tokio::test]
async fn every_wait_of_an_export_is_reported() {
    // Three requests a second: pages, the job's status and results all meet 429s.
    let mut cfg = config(300);
    cfg.rate_limit = 3;
    cfg.rate_window_secs = 1;
    cfg.job_delay_ms = 400;
    let sim = sim(cfg).await;
    let mut opts = ExportOptions::new(week(), Media::Any);
    opts.attributes = true;
    let (lines, outcome, reports) = export_reporting(client(&sim), &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines, expected(&sim, Media::Any, true));
    let waits = reports
        .iter()
        .filter(
            |p| matches!(p, export::Progress::Waiting { reason, .. } if reason == "rate limited"),
        )
        .count();
    let limited = sim.stats().rate_limited as usize;
    assert!(limited > 0);
    assert_eq!(waits, limited, "one report per 429");
}

#[tokio::test]
async fn get_conversation_for_attributes_shares_the_limit_of_paging() {
    let mut cfg = config(300);
    cfg.latency_ms = 20;
    let sim = sim(cfg).await;
    let mut opts = ExportOptions::new(week(), Media::Any);
    opts.attributes = true;
    opts.attributes_from = AttributeSource::Conversations;
    opts.concurrency = 2;
    let (lines, outcome, _) = export_reporting(client(&sim), &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines, expected_whole(&sim, Media::Any));
    let st = sim.stats();
    assert!(st.requests > 300);
    assert!(
        (1..=2).contains(&st.peak_in_flight),
        "pages and GET conversation together: {st:?}"
    );
}
