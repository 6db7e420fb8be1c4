//! Export against the simulator: what it writes equals what the simulator holds.

mod common;

use chrono::Duration as Span;
use convoscope::export::{self, AttributeSource, ExportOptions, Format, NdjsonWriter};
use convoscope::genesys::Scope;
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
/// The export of the simulator's week, as the data set holds it. With attributes, whole: values
/// a job cut at 1,024 characters are read again with GET conversation.
fn expected(sim: &Sim, media: Media, attributes: bool) -> Vec<Value> {
    if attributes {
        return expected_whole(sim, media);
    }
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
        .map(|i| serde_json::to_value(ds.analytics_with_whole_attributes(i, now)).unwrap())
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
    let opts = ExportOptions::new(Scope::new(week(), Media::Any));
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
    // A job cuts long values at 1,024 characters; those are read again whole.
    for (source, want) in [
        (
            AttributeSource::Jobs,
            expected_whole(&sim, Media::Webmessaging),
        ),
        (
            AttributeSource::Conversations,
            expected_whole(&sim, Media::Webmessaging),
        ),
    ] {
        assert!(!want.is_empty());
        let mut opts = ExportOptions::new(Scope::new(week(), Media::Webmessaging));
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
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
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
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    let (lines, outcome) = export_lines(&sim, &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines, expected(&sim, Media::Any, true));
}

#[tokio::test]
async fn csv_has_one_row_per_attribute_and_one_per_bare_participant() {
    let sim = sim(config(120)).await;
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    opts.format = Format::CsvAttributes;
    let mut buf = Vec::new();
    let outcome = {
        let mut w = export::CsvWriter::new(&mut buf, false).unwrap();
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
async fn summary_says_off_a_terminal_what_was_exported_from_where_and_its_cost() {
    // Over a thousand, so that the counts people read have a separator.
    let sim = sim(config(1200)).await;
    let out = run_binary(
        &sim,
        &[
            "--from",
            "2026-11-13T00:00:00Z",
            "--to",
            "2026-11-20T00:00:00Z",
            "--summary",
        ],
    )
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let n = String::from_utf8(out.stdout).unwrap().lines().count();
    assert!(n >= 1000, "{n}");
    // The count said is the count written, written the same way on both lines (`1,187`); where
    // from and the cost follow, with no terminal codes.
    let said = convoscope::human::num(n);
    assert!(said.contains(','), "{said}");
    assert!(
        err.contains(&format!("exported {said} conversations")),
        "{err}"
    );
    assert!(
        err.contains(&format!(": {said} conversations (UTC)")),
        "{err}"
    );
    assert!(!err.contains(&n.to_string()), "{err}");
    assert!(err.contains("from the "), "{err}");
    assert!(err.contains("API request(s), 0 answered 429"), "{err}");
    assert!(!err.contains('\x1b'), "{err:?}");
}

/// Audit of issue 14: an export that fails part-way still says with `--summary` what it cost
/// (requests, 429s, time waited), before the error: a cron job's log shows what led to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summary_says_what_a_failed_export_cost() {
    let mut cfg = config(50);
    cfg.forbid = convoscope::sim::Forbid::parse("conversations").unwrap();
    let sim = sim(cfg).await;
    let out = run_binary(
        &sim,
        &[
            "--from",
            "2026-11-13T00:00:00Z",
            "--to",
            "2026-11-20T00:00:00Z",
            "--attributes",
            "--attributes-from",
            "conversations",
            "--summary",
        ],
    )
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    // The token's request is the login's, not the API's.
    let answered = sim.stats().requests - 1;
    let made: u64 = err
        .split(" API request(s), 0 answered 429")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no cost in the summary: {err}"));
    // Every request answered is counted; so are those the failure cut short on their way (the
    // simulator may not have counted them when the program ended), at most one per worker.
    let in_flight = convoscope::paging::DEFAULT_CONCURRENCY as u64;
    assert!(
        answered <= made && made <= answered + in_flight,
        "{answered} answered, {made} made: {err}"
    );
    assert!(err.contains("written before the failure"), "{err}");
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
    let opts = ExportOptions::new(Scope::new(week(), Media::Any));
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
async fn hostile_data_is_exported_as_the_same_values_and_nothing_raw() {
    let mut cfg = config(80);
    cfg.hostile = true;
    let sim = sim(cfg).await;
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
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
    // NDJSON carries them in JSON escapes only: no raw control or invisible character.
    let mut raw = Vec::new();
    {
        let mut w = NdjsonWriter::new(&mut raw);
        assert!(
            export::run(client(&sim), &opts, &mut w, &|_| {})
                .await
                .error
                .is_none()
        );
    }
    let raw = String::from_utf8(raw).unwrap();
    assert!(!convoscope::tui::sanitize::has_unsafe(
        &raw.replace('\n', "")
    ));
    // CSV carries them as the screen shows them (escaped, formula-quoted), one line per row.
    opts.format = Format::CsvAttributes;
    let mut buf = Vec::new();
    {
        let mut w = export::CsvWriter::new(&mut buf, false).unwrap();
        let o = export::run(client(&sim), &opts, &mut w, &|_| {}).await;
        assert!(o.error.is_none());
    }
    let mut r = csv::Reader::from_reader(&buf[..]);
    let values: std::collections::HashSet<String> =
        r.records().map(|r| r.unwrap()[12].to_string()).collect();
    for s in convoscope::sim::hostile::CORPUS {
        let cell = export::csv_cell(s);
        assert!(
            values.contains(cell.as_ref()),
            "{cell:?} not read back from the CSV"
        );
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
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
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

    // A job in time: QUEUED then FULFILLED, and deleted once read.
    let mut cfg = config(200);
    cfg.job_delay_ms = 300;
    let sim = self::sim(cfg).await;
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
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
    // PENDING shows when a poll falls in it; QUEUED too (a loaded machine may poll first
    // after it: the job above shows QUEUED for sure).
    states.retain(|s| *s != "PENDING");
    states.dedup();
    assert!(
        states == ["QUEUED", "FULFILLED"] || states == ["FULFILLED"],
        "{states:?}"
    );
    assert_eq!((sim.stats().jobs_created, sim.stats().jobs_deleted), (1, 1));
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
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
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
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
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
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    // Unpaced, as when another process spends the same budget: 429s come (paced, none do:
    // tests/budget.rs).
    let mut unpaced = client_config(&sim);
    unpaced.pacing = false;
    let unpaced = std::sync::Arc::new(convoscope::genesys::Client::new(unpaced).unwrap());
    let (lines, outcome, reports) = export_reporting(unpaced, &opts).await;
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
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
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

/// A pipe whose reader read `room` bytes and went away.
struct ClosedAfter {
    got: Vec<u8>,
    room: usize,
}

impl std::io::Write for ClosedAfter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let n = b.len().min(self.room - self.got.len());
        if n == 0 {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        self.got.extend_from_slice(&b[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn after_a_write_error_the_count_is_what_reached_the_output() {
    let sim = sim(config(700)).await;
    let opts = ExportOptions::new(Scope::new(week(), Media::Any));
    let mut out = ClosedAfter {
        got: Vec::new(),
        room: 150_000,
    };
    let (outcome, delivered) = {
        let mut w = NdjsonWriter::new(&mut out);
        let o = export::run(client(&sim), &opts, &mut w, &|_| {}).await;
        (o, export::ConversationWriter::delivered(&w).unwrap())
    };
    let e = outcome.error.expect("the closed pipe fails the export");
    assert!(e.to_string().contains("broken pipe"), "{e}");
    assert!(delivered.closed);
    let text = String::from_utf8_lossy(&out.got);
    let whole = text.matches('\n').count() as u64;
    assert!(whole > 10 && whole < 700, "{whole}");
    assert_eq!(
        outcome.written, whole,
        "counted: what reached the output whole"
    );
    assert_eq!(delivered.bytes as usize, text.rfind('\n').unwrap() + 1);
}

fn faulty(n: usize, faults: &str) -> convoscope::sim::SimConfig {
    let mut cfg = config(n);
    cfg.faults = convoscope::sim::Faults::parse(faults).unwrap();
    cfg
}

/// Requests the simulator answered whose path ends with `suffix` (and, with `prefix`, starts
/// with it).
fn answered(sim: &Sim, prefix: &str, suffix: &str) -> Vec<u16> {
    sim.requests()
        .into_iter()
        .filter(|r| r.path.starts_with(prefix) && r.path.ends_with(suffix))
        .map(|r| r.status)
        .collect()
}

const GET_CONVERSATION: &str = "/api/v2/conversations/";

/// Issue 12.2: a job whose results cursor never ends is read no further than its data: the
/// reading stops, says so, and the export is whole.
#[tokio::test]
async fn a_job_whose_results_never_end_is_read_no_further() {
    let sim = sim(faulty(300, "endless=1")).await;
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    let (lines, outcome, reports) = export_reporting(client(&sim), &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines, expected(&sim, Media::Any, true));
    let gets = answered(&sim, GET_CONVERSATION, "").len() as u64;
    let results = answered(&sim, "/api/v2/analytics", "/results");
    assert!(
        (2..=5).contains(&results.len()),
        "one page of data, a few empty ones: {results:?}"
    );
    assert!(
        reports
            .iter()
            .any(|p| matches!(p, export::Progress::Note(n) if n.contains("stopped early"))),
        "{reports:?}"
    );
    assert_eq!(
        gets, outcome.attributes.cut,
        "all from the job but the values it cut"
    );
}

/// Issue 12.2: GET conversation failing every time stops the export at the first failure that
/// retries cannot fix, after a few requests (not one series of retries per conversation).
#[tokio::test]
async fn a_get_conversation_that_always_fails_stops_the_export_at_the_first_failure() {
    let sim = sim(faulty(300, "get500=1")).await;
    let mut cfg = client_config(&sim);
    cfg.retry.max_attempts = 3;
    let client = std::sync::Arc::new(convoscope::genesys::Client::new(cfg).unwrap());
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    opts.attributes_from = AttributeSource::Conversations;
    opts.concurrency = 4;
    let (lines, outcome, _) = export_reporting(client, &opts).await;
    let e = outcome.error.expect("fails");
    assert!(
        matches!(e, convoscope::genesys::Error::Server { status: 500, .. }),
        "{e:?}"
    );
    assert!(lines.is_empty() && outcome.written == 0);
    let gets = answered(&sim, GET_CONVERSATION, "").len();
    assert!(gets <= 4 * 3, "{gets} GET conversation requests");
}

/// Issue 12.4: records that cannot be decoded are written as the API sent them (made valid),
/// each named on stderr; a record without an id cannot be written, and the export says how many
/// are missing and fails.
#[tokio::test]
async fn records_that_cannot_be_decoded_are_written_as_the_api_sent_them() {
    use convoscope::sim::breakage::{DAMAGED_FIELD, Damage, damage, damaged_record};
    let share = 0.08;
    let sim = sim(faulty(400, &format!("badrecord={share}"))).await;
    for attributes in [false, true] {
        let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
        opts.attributes = attributes;
        // The details query's records (the lake's: tests/export_lake.rs).
        opts.plan = export::Plan::Query;
        let mut buf = Vec::new();
        let reports = std::sync::Mutex::new(Vec::new());
        let outcome = {
            let mut w = NdjsonWriter::new(&mut buf);
            export::run(client(&sim), &opts, &mut w, &|p| {
                reports.lock().unwrap().push(p)
            })
            .await
        };
        let text = String::from_utf8(buf).expect("what is written is UTF-8");
        let got: Vec<&str> = text.lines().collect();
        let ds = sim.dataset();
        let mut want: Vec<String> = Vec::new();
        let mut no_id = 0;
        for (i, v) in
            ds.matching(&week(), Media::Any)
                .into_iter()
                .zip(expected(&sim, Media::Any, attributes))
        {
            let id = v["conversationId"].as_str().unwrap().to_string();
            let sent = serde_json::to_value(ds.analytics(i)).unwrap();
            match damage(&id, share) {
                None => want.push(v.to_string()),
                Some(Damage::LoneSurrogate | Damage::InvalidUtf8) => {
                    let mut v = v.clone();
                    v[DAMAGED_FIELD] = "x\u{fffd}y".into();
                    want.push(v.to_string());
                }
                Some(d @ (Damage::NumberForText | Damage::HugeNumber)) => {
                    want.push(String::from_utf8(damaged_record(&sent, d)).unwrap());
                }
                Some(Damage::NoId) => no_id += 1,
            }
        }
        assert!(no_id > 0);
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            match serde_json::from_str::<Value>(w) {
                // Parsed and compared: key order aside, the same.
                Ok(wv) if !w.contains("1e999") => {
                    assert_eq!(serde_json::from_str::<Value>(g).unwrap(), wv)
                }
                _ => assert_eq!(g, w, "written as it came"),
            }
        }
        let error = outcome.error.expect("some are missing");
        assert!(
            error
                .to_string()
                .starts_with(&format!("{no_id} conversation(s) missing")),
            "{error}"
        );
        assert_eq!(error.exit_code(), 4);
        let notes: Vec<String> = reports
            .into_inner()
            .unwrap()
            .into_iter()
            .filter_map(|p| match p {
                export::Progress::Note(n) => Some(n),
                _ => None,
            })
            .collect();
        for w in &want {
            if w.contains("1e999") {
                let id = w.split("\"conversationId\":\"").nth(1).unwrap();
                let id = &id[..id.find('"').unwrap()];
                assert!(
                    notes.iter().any(|n| n.contains(id)),
                    "{id} named: {notes:?}"
                );
            }
        }
    }
}

/// Issue 12.3: an export that lacks conversations the API counted exits non-zero, saying how
/// many are missing and where.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_exits_non_zero_when_conversations_are_missing() {
    let sim = sim(faulty(300, "empty=1")).await;
    let out = run_binary(
        &sim,
        &[
            "--from",
            "2026-11-13T00:00:00Z",
            "--to",
            "2026-11-20T00:00:00Z",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("conversation(s) missing"), "{err}");
    assert!(err.contains("came back empty"), "{err}");
    let written = String::from_utf8(out.stdout).unwrap().lines().count();
    assert!(
        err.contains(&format!("{written} conversations written")),
        "{err}"
    );
}

/// Issue 11.10: values of 1,024 characters or more in job results were cut by the job: those
/// conversations are read again with GET conversation, and the export has the whole values.
#[tokio::test]
async fn attributes_the_job_cut_are_read_again_whole() {
    let mut cfg = config(80);
    cfg.hostile = true;
    let sim = sim(cfg).await;
    // The job's results as the records (the lake plan), and the job for attributes alone (the
    // details query's records).
    for plan in [export::Plan::Lake, export::Plan::Query] {
        let gets_before = answered(&sim, GET_CONVERSATION, "").len() as u64;
        let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
        opts.attributes = true;
        opts.plan = plan;
        let (lines, outcome, reports) = export_reporting(client(&sim), &opts).await;
        assert!(outcome.error.is_none(), "{plan:?}: {:?}", outcome.error);
        assert_eq!(lines, expected(&sim, Media::Any, true), "{plan:?}");
        let cut = outcome.attributes.cut;
        assert!(cut > 0, "{plan:?}: {:?}", outcome.attributes);
        let gets = answered(&sim, GET_CONVERSATION, "").len() as u64 - gets_before;
        assert_eq!(gets, cut, "{plan:?}");
        assert_eq!(outcome.attributes.from_job + cut, lines.len() as u64);
        // Routine on a real org: no warning for it.
        assert!(
            !reports
                .iter()
                .any(|p| matches!(p, export::Progress::Note(n) if n.contains("1024 characters"))),
            "{reports:?}"
        );
    }
}

/// Issue 11.10: GET conversation answering 404 (older than the conversations API keeps) is
/// written as such: no `attributes`, a marker, counted and named.
#[tokio::test]
async fn conversations_gone_from_get_conversation_are_written_as_such_and_counted() {
    let share = 0.2;
    let sim = sim(faulty(150, &format!("gone={share}"))).await;
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    opts.attributes_from = AttributeSource::Conversations;
    let (lines, outcome, reports) = export_reporting(client(&sim), &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let mut gone = 0;
    for (got, mut want) in lines.iter().zip(expected(&sim, Media::Any, true)) {
        let id = want["conversationId"].as_str().unwrap().to_string();
        if convoscope::sim::breakage::is_gone(&id, share) {
            gone += 1;
            for p in want["participants"].as_array_mut().unwrap() {
                p.as_object_mut().unwrap().remove("attributes");
            }
            want[export::ATTRIBUTES_MARKER] = "notFound".into();
        }
        assert_eq!(got, &want);
    }
    assert_eq!(lines.len(), 150);
    assert!(gone > 10);
    assert_eq!(outcome.attributes.not_found, gone);
    let named = reports
        .iter()
        .filter(|p| matches!(p, export::Progress::Note(n) if n.contains("cannot be read")))
        .count();
    assert_eq!(
        named, 6,
        "the first five by name, then one line: {reports:?}"
    );
    let summary = export::attributes_summary(&outcome).unwrap();
    assert!(
        summary.contains(&format!(
            "the attributes of {} could not",
            convoscope::human::count(gone, "conversation")
        )),
        "{summary}"
    );
}

/// Issue 11.10: a job results page that fails is asked again from its cursor, and nothing the
/// job gave is dropped.
#[tokio::test]
async fn a_failed_results_page_is_asked_again_from_its_cursor() {
    let sim = sim(faulty(300, "flakyresults=1")).await;
    let mut cfg = client_config(&sim);
    // No retries in the client: the fetcher itself asks again.
    cfg.retry.max_attempts = 1;
    let client = std::sync::Arc::new(convoscope::genesys::Client::new(cfg).unwrap());
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    let (lines, outcome, _) = export_reporting(client, &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines, expected(&sim, Media::Any, true));
    assert_eq!(answered(&sim, "/api/v2/analytics", "/results"), [500, 200]);
    assert_eq!(
        answered(&sim, GET_CONVERSATION, "").len() as u64,
        outcome.attributes.cut,
        "all from the job but the values it cut"
    );
}

/// Issue 11.10: conversations the data lake does not hold yet (ended after its availability
/// date) come from GET conversation at once; a range the lake holds nothing of asks for no job.
#[tokio::test]
async fn conversations_the_lake_lacks_go_straight_to_get_conversation() {
    let now = chrono::Utc::now();
    let mut cfg = config(400);
    cfg.until = now;
    cfg.days = 1;
    cfg.data_lag = 3 * 3600;
    let sim = sim(cfg).await;
    let ds = sim.dataset();
    let want_of = |range: &Interval| -> Vec<Value> {
        ds.matching(range, Media::Any)
            .into_iter()
            .map(|i| {
                // Whole: values a job cut are read again.
                let c = ds.analytics_with_whole_attributes(i, chrono::Utc::now());
                serde_json::to_value(c).unwrap()
            })
            .collect()
    };
    // The last two hours: nothing of it is in the lake.
    let recent = Interval::new(now - Span::hours(2), now);
    let mut opts = ExportOptions::new(Scope::new(recent, Media::Any));
    opts.attributes = true;
    let (lines, outcome, reports) = export_reporting(client(&sim), &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines, want_of(&recent));
    assert!(!lines.is_empty());
    assert_eq!(
        sim.stats().jobs_created,
        0,
        "no job for what the lake lacks"
    );
    assert!(
        reports.iter().any(
            |p| matches!(p, export::Progress::Note(n) if n.contains("holds nothing of this range"))
        ),
        "{reports:?}"
    );
    // The last ten hours from the details query (the lake plan: tests/export_lake.rs): a job
    // for the attributes of the older part, GET conversation for the rest.
    let range = Interval::new(now - Span::hours(10), now);
    let mut opts = ExportOptions::new(Scope::new(range, Media::Any));
    opts.attributes = true;
    opts.plan = export::Plan::Query;
    let before = chrono::Utc::now() - Span::hours(3);
    let gets_before = answered(&sim, GET_CONVERSATION, "").len();
    let (lines, outcome, _) = export_reporting(client(&sim), &opts).await;
    let after = chrono::Utc::now() - Span::hours(3);
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines, want_of(&range));
    assert_eq!(sim.stats().jobs_created, 1);
    let gets = (answered(&sim, GET_CONVERSATION, "").len() - gets_before) as u64;
    let ended_after = |t: chrono::DateTime<chrono::Utc>| {
        lines
            .iter()
            .filter(|l| {
                l["conversationEnd"]
                    .as_str()
                    .and_then(convoscope::genesys::model::parse_time)
                    .is_none_or(|e| e >= t)
            })
            .count() as u64
    };
    let cut = outcome.attributes.cut;
    assert!(
        (ended_after(after) + cut..=ended_after(before) + cut).contains(&gets),
        "{gets} GETs for {} conversations not yet in the lake and {cut} the job cut",
        ended_after(before)
    );
    assert_eq!(outcome.attributes.from_get, gets);
    assert_eq!(outcome.attributes.from_job, lines.len() as u64 - gets);
}

/// Issue 12.1: GET conversation for attributes runs `concurrency` at once (it ran about one at
/// a time, the others' slots held by page fetches nobody polled).
#[tokio::test]
async fn get_conversation_for_attributes_runs_concurrency_at_once() {
    let mut cfg = config(400);
    cfg.latency_ms = 20;
    let sim = sim(cfg).await;
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    opts.attributes_from = AttributeSource::Conversations;
    opts.concurrency = 4;
    opts.page_size = 20;
    let (lines, outcome, _) = export_reporting(client(&sim), &opts).await;
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert_eq!(lines.len(), 400);
    let most = sim
        .requests()
        .iter()
        .filter(|r| r.path.starts_with(GET_CONVERSATION))
        .map(|r| r.in_flight)
        .max();
    assert_eq!(most, Some(4));
    assert!(sim.stats().peak_in_flight <= 4);
}

/// `--format csv`: one row per conversation, queues, wrap-up codes and agents by name (read from
/// the directories, one call per kind a page), the caller as customer on voice, `--attr` columns
/// and a BOM.
#[tokio::test]
async fn csv_has_one_row_per_conversation_with_names_not_ids() {
    let sim = sim(config(150)).await;
    let mut opts = ExportOptions::new(Scope::new(week(), Media::Any));
    opts.attributes = true;
    opts.format = Format::Csv;
    let ds = sim.dataset();
    // An attribute key some customer has.
    let key = ds
        .matching(&week(), Media::Any)
        .into_iter()
        .flat_map(|i| ds.conversation(i, until()).participants)
        .flat_map(|p| p.attributes.into_keys())
        .next()
        .expect("some attribute");
    let csv_opts = export::CsvOptions {
        attrs: vec![key.clone()],
        bom: true,
    };
    let mut buf = Vec::new();
    let outcome = {
        let mut w = export::ConversationCsvWriter::new(&mut buf, &csv_opts).unwrap();
        export::run(client(&sim), &opts, &mut w, &|_| {}).await
    };
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    assert!(buf.starts_with(export::BOM));
    let mut r = csv::Reader::from_reader(&buf[export::BOM.len()..]);
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header.len(), export::CONVERSATION_HEADER.len() + 1);
    assert_eq!(header.last().unwrap(), &format!("attr:{key}"));
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let want: Vec<usize> = ds.matching(&week(), Media::Any);
    assert_eq!(rows.len(), want.len(), "one row per conversation");
    assert_eq!(rows.len() as u64, outcome.written);
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let uuid = |s: &str| s.len() == 36 && s.matches('-').count() == 4;
    let mut voice_callers = 0;
    for (row, &i) in rows.iter().zip(&want) {
        let conv = ds.conversation(i, until());
        assert_eq!(&row[0], conv.id);
        // Agents by the names the conversation API gives them (analytics has none).
        for p in conv
            .participants
            .iter()
            .filter(|p| p.purpose.as_deref() == Some("agent"))
        {
            let n = p.name.as_deref().unwrap();
            assert!(
                row[col("agents")].contains(n),
                "{n} in {:?}",
                &row[col("agents")]
            );
        }
        for c in ["queue", "wrapUp", "agents", "divisions"] {
            assert!(
                row[col(c)].split(", ").all(|x| !uuid(x)),
                "{c}: {:?}",
                &row[col(c)]
            );
        }
        if conv.participants.iter().any(|p| p.queue_id.is_some()) {
            assert!(!row[col("queue")].is_empty());
        }
        if row[col("media")] == *"voice" {
            assert!(
                !row[col("customer")].is_empty(),
                "a voice row has its caller"
            );
            voice_callers += 1;
        }
    }
    assert!(voice_callers > 0);
    assert!(rows.iter().any(|r| !r[header.len() - 1].is_empty()));
    // Names cost one directory call per kind a page (100 conversations a page): 2 pages here.
    let calls = |p: &str| sim.requests().iter().filter(|r| r.path == p).count();
    assert!(calls("/api/v2/users") <= 2, "{}", calls("/api/v2/users"));
    assert!(calls("/api/v2/routing/queues") <= 2);
    assert!(calls("/api/v2/routing/wrapupcodes") <= 2);
}

/// `--format csv-attributes` is a row per attribute: it reads them without `--attributes` (a
/// file of participants without their attributes is not what anyone asks it for).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_attributes_reads_the_attributes_it_is_made_of() {
    let sim = sim(config(30)).await;
    let url = sim.url();
    let mut cmd = convoscope();
    cmd.arg("export")
        .args(["--api-url", &url, "--client-id", "demo"])
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "demo")
        .args(["--from", "-30d", "--to", "now", "--utc"])
        .args(["--format", "csv-attributes"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut r = csv::Reader::from_reader(&out.stdout[..]);
    let keys: Vec<String> = r.records().map(|r| r.unwrap()[11].to_string()).collect();
    assert!(!keys.is_empty());
    assert!(
        keys.iter().filter(|k| !k.is_empty()).count() > keys.len() / 2,
        "most rows carry an attribute: {keys:?}"
    );
}
