//! Issue 14.3: exports planned around the data lake, against the simulator over HTTP. The part
//! of the range the lake holds comes from one async job's results (the records themselves), the
//! conversations of that part still going on at its availability date and the newer tail from
//! the details query; every conversation once, in start order, the same records whichever plan.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration as Span, Utc};
use convoscope::export::{self, ExportOptions, Format, NdjsonWriter, Plan, Progress, Source};
use convoscope::genesys::Scope;
use convoscope::genesys::model::parse_time;
use convoscope::genesys::query::{Interval, Media};
use convoscope::sim::{Sim, SimConfig};
use serde_json::Value;

use common::*;

const QUERY: &str = "/api/v2/analytics/conversations/details/query";
const GET_CONVERSATION: &str = "/api/v2/conversations/";
const MULTI_GET: &str = "/api/v2/analytics/conversations/details";

fn week() -> Interval {
    Interval::new(until() - Span::days(7), until())
}

/// The requests the simulator answered on `path` (exactly), or ending with `suffix`.
fn calls(sim: &Sim, path: &str) -> usize {
    sim.requests().iter().filter(|r| r.path == path).count()
}

fn calls_ending(sim: &Sim, suffix: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path.ends_with(suffix))
        .count()
}

fn calls_starting(sim: &Sim, prefix: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path.starts_with(prefix))
        .count()
}

/// The export of `range` as the data set holds it, in start order: the records as the details
/// query has them, or with every participant's attributes whole.
fn expected(sim: &Sim, range: &Interval, attributes: bool) -> Vec<Value> {
    let ds = sim.dataset();
    let now = Utc::now();
    ds.matching(range, Media::Any)
        .into_iter()
        .map(|i| {
            let c = if attributes {
                ds.analytics_with_whole_attributes(i, now)
            } else {
                ds.analytics_at(i, now)
            };
            serde_json::to_value(c).unwrap()
        })
        .collect()
}

struct Run {
    lines: Vec<Value>,
    outcome: export::Outcome,
    reports: Vec<Progress>,
}

async fn export_with(sim: &Sim, opts: &ExportOptions) -> Run {
    let reports = std::sync::Mutex::new(Vec::new());
    let mut buf = Vec::new();
    let outcome = {
        let mut w = NdjsonWriter::new(&mut buf);
        export::run(client(sim), opts, &mut w, &|p| {
            reports.lock().unwrap().push(p)
        })
        .await
    };
    let lines = String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Run {
        lines,
        outcome,
        reports: reports.into_inner().unwrap(),
    }
}

fn options(range: Interval, plan: Plan, attributes: bool) -> ExportOptions {
    let mut opts = ExportOptions::new(Scope::new(range, Media::Any));
    opts.plan = plan;
    opts.attributes = attributes;
    opts
}

fn ids(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["conversationId"].as_str().unwrap().to_string())
        .collect()
}

fn time(l: &Value, key: &str) -> Option<DateTime<Utc>> {
    l[key].as_str().and_then(parse_time)
}

fn notes(reports: &[Progress]) -> Vec<&str> {
    reports
        .iter()
        .filter_map(|p| match p {
            Progress::Note(n) => Some(n.as_str()),
            _ => None,
        })
        .collect()
}

/// Every conversation once, in start order.
fn once_in_start_order(lines: &[Value]) {
    let ids = ids(lines);
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a conversation written twice");
    let starts: Vec<DateTime<Utc>> = lines
        .iter()
        .map(|l| time(l, "conversationStart").unwrap())
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "not in start order"
    );
}

/// A range the lake holds whole: one job (created, polled, its results read 1,000 a page,
/// deleted) gives the records; the details query is asked only for the conversations still
/// going on at the lake's availability date (one page sorted by end, one of those going on: a
/// page each, nothing found), never paged through.
#[tokio::test]
async fn a_range_the_lake_holds_comes_from_one_job_and_no_paging_of_the_details_query() {
    let sim = sim(config(3000)).await;
    for attributes in [false, true] {
        let before = sim.requests().len();
        let jobs_before = sim.stats();
        let run = export_with(&sim, &options(week(), Plan::Auto, attributes)).await;
        assert!(run.outcome.error.is_none(), "{:?}", run.outcome.error);
        assert_eq!(run.lines, expected(&sim, &week(), attributes));
        assert_eq!(run.outcome.written, 3000);
        let asked: Vec<String> = sim.requests()[before..]
            .iter()
            .map(|r| r.path.clone())
            .collect();
        let count = |f: &dyn Fn(&str) -> bool| asked.iter().filter(|p| f(p)).count();
        assert_eq!(count(&|p| p == QUERY), 2, "{asked:?}");
        assert_eq!(count(&|p| p.ends_with("/results")), 3, "1,000 a page");
        assert_eq!(count(&|p| p.ends_with("/availability")), 1);
        assert_eq!(count(&|p| p == MULTI_GET), 0);
        // GET conversation only for the values the job cut.
        assert_eq!(
            count(&|p| p.starts_with(GET_CONVERSATION)) as u64,
            run.outcome.attributes.cut
        );
        let st = sim.stats();
        assert_eq!(st.jobs_created - jobs_before.jobs_created, 1);
        assert_eq!(st.jobs_deleted - jobs_before.jobs_deleted, 1);
        assert_eq!(
            run.outcome.parts,
            vec![export::PartReport {
                interval: week(),
                source: Source::Lake {
                    pages: 3,
                    available: match &run.outcome.parts[0].source {
                        Source::Lake { available, .. } => *available,
                        s => panic!("{s:?}"),
                    },
                    going_on: 0
                },
                written: 3000,
            }]
        );
        let summary = export::cost_summary(&run.outcome, attributes);
        assert!(
            summary.starts_with(
                "2026-11-13 → 2026-11-20 from the data lake (1 job, 3 result pages): 3,000 \
                 conversations (UTC); "
            ),
            "{summary}"
        );
        // Attributes as the job gave them, but for the values it cut.
        if attributes {
            let a = run.outcome.attributes;
            assert_eq!(a.from_job + a.cut, 3000, "{a:?}");
        }
    }
}

/// A simulator of a day up to two hours ago, the lake 2 h 15 min behind, ten conversations
/// still going on at its end (four of them never end): some of the lake's part end after its
/// availability date, or go on.
fn recent(conversations: usize, active: usize) -> (SimConfig, DateTime<Utc>) {
    let now = Utc::now();
    let cfg = SimConfig {
        until: now - Span::hours(2),
        days: 1,
        active,
        data_lag: 2 * 3600 + 15 * 60,
        ..config(conversations)
    };
    (cfg, now)
}

/// A range partly in the lake: the job for the part it holds, the details query for the tail
/// and for the part's conversations the lake lacks (ended after its availability date, or still
/// going on): none lost, none twice, in start order.
#[tokio::test]
async fn a_range_partly_in_the_lake_is_split_with_none_lost_and_none_twice() {
    let (mut cfg, now) = recent(4000, 10);
    // The lake's date just after the fifth of the ten live conversations started, wherever the
    // hour of the day puts them (the day's busy hours crowd them up to `until`): five of them
    // started before it and end after it or never, two of those are still going on now.
    let fifth = {
        let ds = sim(cfg.clone()).await.dataset();
        let active: Vec<i64> = (0..ds.len())
            .filter(|&i| ds.is_active(i))
            .map(|i| ds.start_ms(i))
            .collect();
        assert_eq!(active.len(), 10);
        active[4]
    };
    cfg.data_lag = ((now.timestamp_millis() - fifth) / 1000 - 1) as u64;
    let sim = sim(cfg).await;
    let range = Interval::new(now - Span::hours(30), now);
    let run = export_with(&sim, &options(range, Plan::Auto, false)).await;
    assert!(run.outcome.error.is_none(), "{:?}", run.outcome.error);
    once_in_start_order(&run.lines);
    let want: Vec<String> = ids(&expected(&sim, &range, false));
    assert_eq!(
        ids(&run.lines),
        want,
        "the same conversations, in start order"
    );
    assert!(
        run.lines.iter().any(|l| l.get("conversationEnd").is_none()),
        "live conversations are in the export"
    );
    let parts = &run.outcome.parts;
    assert_eq!(parts.len(), 2, "{parts:?}");
    let Source::Lake {
        available,
        going_on,
        pages,
    } = parts[0].source
    else {
        panic!("{parts:?}")
    };
    assert_eq!(parts[1].source, Source::Query);
    assert_eq!(parts[0].interval, Interval::new(range.start, available));
    assert_eq!(parts[1].interval, Interval::new(available, range.end));
    assert_eq!(parts[0].written + parts[1].written, run.outcome.written);
    // Those the lake lacks: started before its date, not ended before it.
    let lacking = run
        .lines
        .iter()
        .filter(|l| {
            time(l, "conversationStart").unwrap() < available
                && time(l, "conversationEnd").is_none_or(|e| e >= available)
        })
        .count() as u64;
    assert!(lacking >= 5, "{lacking}");
    assert!(
        run.lines.iter().any(|l| l.get("conversationEnd").is_none()
            && time(l, "conversationStart").unwrap() < available),
        "a conversation going on since before the lake's date: never in the lake"
    );
    assert_eq!(going_on, lacking);
    let in_lake = parts[0].written - going_on;
    assert_eq!(u64::from(pages), in_lake.div_ceil(1000).max(1));
    let tail = run
        .lines
        .iter()
        .filter(|l| time(l, "conversationStart").unwrap() >= available)
        .count() as u64;
    assert_eq!(parts[1].written, tail);
    let summary = export::parts_summary(parts).unwrap();
    assert!(
        summary.contains(&format!(
            "going on at {}",
            available.format("%Y-%m-%d %H:%M")
        )),
        "{summary}"
    );
    assert!(summary.contains(" from the details query: "), "{summary}");
}

/// Both plans write the same records on the same data: NDJSON (ids and whole attributes) and
/// both CSVs, the lake's job and its sweep against the details query with GET conversation.
#[tokio::test]
async fn both_plans_write_the_same_records_as_ndjson_and_csv() {
    let (mut cfg, now) = recent(1500, 0);
    cfg.hostile = true;
    let sim = sim(cfg).await;
    let range = Interval::new(now - Span::hours(20), now);
    let lake = export_with(&sim, &options(range, Plan::Lake, true)).await;
    let query = export_with(&sim, &options(range, Plan::Query, true)).await;
    for r in [&lake, &query] {
        assert!(r.outcome.error.is_none(), "{:?}", r.outcome.error);
    }
    let Source::Lake { going_on, .. } = lake.outcome.parts[0].source else {
        panic!("{:?}", lake.outcome.parts)
    };
    assert!(going_on > 0);
    let a = lake.outcome.attributes;
    assert!(a.cut > 0, "hostile values are cut");
    // The job's part: its attributes, or read again when cut; the rest from GET conversation.
    assert!(a.from_job > 100, "{a:?}");
    assert_eq!(a.from_job + a.cut, lake.outcome.parts[0].written - going_on);
    // GET conversation for the values cut, those going on, and the tail.
    assert_eq!(a.from_job + a.from_get, lake.outcome.written);
    assert_eq!(query.outcome.parts[0].source, Source::Query);
    assert_eq!(
        lake.lines, query.lines,
        "the same records, in the same order"
    );
    assert_eq!(lake.lines, expected(&sim, &range, true));

    for format in [Format::Csv, Format::CsvAttributes] {
        let mut rows: Vec<BTreeMap<String, Vec<Vec<String>>>> = Vec::new();
        for plan in [Plan::Lake, Plan::Query] {
            let mut opts = options(range, plan, true);
            opts.format = format;
            let csv = export::CsvOptions {
                attrs: vec!["context.email".into(), "intent".into()],
                bom: false,
            };
            let mut buf = Vec::new();
            let outcome = {
                let mut w = export::writer_for(format, &mut buf, &csv).unwrap();
                export::run(client(&sim), &opts, w.as_mut(), &|_| {}).await
            };
            assert!(
                outcome.error.is_none(),
                "{format:?} {plan:?}: {:?}",
                outcome.error
            );
            let mut r = csv::Reader::from_reader(&buf[..]);
            let mut by_id: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
            for row in r.records() {
                let row = row.unwrap();
                by_id
                    .entry(row[0].to_string())
                    .or_default()
                    .push(row.iter().map(str::to_string).collect());
            }
            assert_eq!(by_id.len() as u64, outcome.written);
            rows.push(by_id);
        }
        assert_eq!(rows[0], rows[1], "{format:?}");
    }
}

/// A range the lake holds nothing of: the details query alone, no job.
#[tokio::test]
async fn a_range_the_lake_holds_nothing_of_comes_from_the_details_query_alone() {
    let mut cfg = config(600);
    cfg.data_lag = 30 * 86_400;
    let sim = sim(cfg).await;
    let run = export_with(&sim, &options(week(), Plan::Lake, true)).await;
    assert!(run.outcome.error.is_none(), "{:?}", run.outcome.error);
    assert_eq!(run.lines, expected(&sim, &week(), true));
    assert_eq!(sim.stats().jobs_created, 0);
    assert_eq!(calls_ending(&sim, "/results"), 0);
    assert_eq!(calls(&sim, QUERY), 6, "pages of 100");
    assert_eq!(calls_starting(&sim, GET_CONVERSATION), 600);
    assert_eq!(
        run.outcome
            .parts
            .iter()
            .map(|p| &p.source)
            .collect::<Vec<_>>(),
        [&Source::Query]
    );
    assert!(
        notes(&run.reports)
            .iter()
            .any(|n| n.contains("holds nothing of this range")),
        "{:?}",
        run.reports
    );
}

/// `--plan auto` on a small part (one page of the details query with attributes, ten without):
/// no job and its wait; `--plan lake` takes the job whatever the size.
#[tokio::test]
async fn a_small_part_is_not_worth_a_job_unless_asked_for() {
    let sim = sim(config(90)).await;
    for (plan, attributes, jobs) in [
        (Plan::Auto, true, 0),
        (Plan::Auto, false, 0),
        (Plan::Lake, false, 1),
    ] {
        let before = sim.stats().jobs_created;
        let run = export_with(&sim, &options(week(), plan, attributes)).await;
        assert!(run.outcome.error.is_none(), "{:?}", run.outcome.error);
        assert_eq!(run.lines, expected(&sim, &week(), attributes));
        assert_eq!(
            sim.stats().jobs_created - before,
            jobs,
            "{plan:?} {attributes}"
        );
    }
    // 1,200 without attributes: more than ten pages, a job.
    let sim = self::sim(config(1200)).await;
    let run = export_with(&sim, &options(week(), Plan::Auto, false)).await;
    assert!(run.outcome.error.is_none(), "{:?}", run.outcome.error);
    assert_eq!(sim.stats().jobs_created, 1);
    assert_eq!(calls(&sim, QUERY), 2);
}

/// A job that FAILS, or is not FULFILLED by the deadline: its part from the details query (and
/// GET conversation), said on stderr; the job deleted.
#[tokio::test]
async fn a_job_failed_or_past_its_deadline_gives_its_part_to_the_details_query() {
    let mut failing = config(300);
    failing.faults = convoscope::sim::Faults::parse("job=1").unwrap();
    let mut slow = config(300);
    slow.job_delay_ms = 60_000;
    for (cfg, why) in [(failing, "FAILED"), (slow, "not FULFILLED after")] {
        let sim = sim(cfg).await;
        let mut opts = options(week(), Plan::Lake, true);
        opts.job_deadline = std::time::Duration::from_millis(300);
        let run = export_with(&sim, &opts).await;
        assert!(run.outcome.error.is_none(), "{:?}", run.outcome.error);
        assert_eq!(run.lines, expected(&sim, &week(), true));
        let parts = &run.outcome.parts;
        assert!(
            matches!(&parts[..], [export::PartReport { source: Source::Instead { why: w }, written: 300, .. }] if w.contains(why)),
            "{parts:?}"
        );
        assert!(
            notes(&run.reports).iter().any(|n| n.contains(
                "from the details query (attributes from GET conversation) instead of the data lake"
            ) && n.contains(why)),
            "{:?}",
            run.reports
        );
        assert_eq!(calls_ending(&sim, "/results"), 0);
        assert_eq!(calls_starting(&sim, GET_CONVERSATION), 300);
        let st = sim.stats();
        assert_eq!((st.jobs_created, st.jobs_deleted), (1, 1));
    }
}

/// A job whose results stop early (a cursor that never ends): what it gave stays written, the
/// details query gives the rest of its part, skipping what was written.
#[tokio::test]
async fn results_that_stop_early_leave_the_rest_to_the_details_query_without_repeats() {
    let sim = sim({
        let mut c = config(2500);
        c.faults = convoscope::sim::Faults::parse("endless=1").unwrap();
        c
    })
    .await;
    let run = export_with(&sim, &options(week(), Plan::Lake, false)).await;
    assert!(run.outcome.error.is_none(), "{:?}", run.outcome.error);
    assert_eq!(run.lines, expected(&sim, &week(), false));
    let parts = &run.outcome.parts;
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert!(matches!(parts[0].source, Source::Lake { .. }));
    assert_eq!(parts[0].written, 2500, "the job gave them all");
    assert!(
        matches!(&parts[1].source, Source::Instead { why } if why.contains("stopped early")),
        "{parts:?}"
    );
    assert_eq!(parts[1].written, 0, "nothing twice");
    assert_eq!(sim.stats().jobs_deleted, 1);
}

/// Records of the job's results that cannot be decoded are read again by id (what the details
/// query has) and written whole; a record without an id is missing: the export says how many
/// and fails, after writing everything else.
#[tokio::test]
async fn records_of_the_job_that_cannot_be_decoded_are_read_again_by_id() {
    use convoscope::sim::breakage::{DAMAGED_FIELD, Damage, damage};
    let share = 0.05;
    let sim = sim({
        let mut c = config(1200);
        c.faults = convoscope::sim::Faults::parse(&format!("badrecord={share}")).unwrap();
        c
    })
    .await;
    let run = export_with(&sim, &options(week(), Plan::Lake, true)).await;
    let mut want = Vec::new();
    let (mut no_id, mut again) = (0, 0);
    for v in expected(&sim, &week(), true) {
        let id = v["conversationId"].as_str().unwrap().to_string();
        match damage(&id, share) {
            None => want.push(v),
            Some(Damage::LoneSurrogate | Damage::InvalidUtf8) => {
                let mut v = v;
                v[DAMAGED_FIELD] = "x\u{fffd}y".into();
                want.push(v);
            }
            Some(Damage::NumberForText | Damage::HugeNumber) => {
                again += 1;
                want.push(v);
            }
            Some(Damage::NoId) => no_id += 1,
        }
    }
    assert!(no_id > 0 && again > 0);
    assert_eq!(run.lines, want);
    // One call a results page for its records read again (1,000 a page).
    assert_eq!(calls(&sim, MULTI_GET), 2, "{again} read again");
    let e = run.outcome.error.expect("some are missing");
    assert!(
        e.to_string()
            .starts_with(&format!("{no_id} conversation(s) missing")),
        "{e}"
    );
    assert_eq!(e.exit_code(), 4);
}

/// Stopped (Ctrl-C) while the job's results are read: whole records only, counted as
/// delivered, the job deleted before `run_until` returns.
#[tokio::test]
async fn a_stop_while_the_results_are_read_keeps_records_whole_and_deletes_the_job() {
    let sim = sim({
        let mut c = config(3000);
        c.latency_ms = 150;
        c
    })
    .await;
    let stop = tokio_util::sync::CancellationToken::new();
    let stopper = {
        let stop = stop.clone();
        tokio::spawn(async move {
            // After the first results page.
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            stop.cancel();
        })
    };
    let opts = options(week(), Plan::Lake, true);
    let mut buf = Vec::new();
    let outcome = {
        let mut w = NdjsonWriter::new(&mut buf);
        export::run_until(client(&sim), &opts, &mut w, &|_| {}, &stop).await
    };
    stopper.await.unwrap();
    assert_eq!(outcome.error, Some(convoscope::genesys::Error::Interrupted));
    let text = String::from_utf8(buf).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("whole records"))
        .collect();
    assert_eq!(outcome.written, lines.len() as u64);
    assert!(outcome.written < 3000);
    assert_eq!(
        outcome.parts.iter().map(|p| p.written).sum::<u64>(),
        outcome.written
    );
    assert_eq!(sim.stats().jobs_deleted, 1, "deleted before returning");
}

/// A dropped export (the future gone) deletes its job in the background.
#[tokio::test]
async fn a_dropped_export_deletes_its_job() {
    let mut cfg = config(300);
    cfg.job_delay_ms = 30_000;
    let sim = sim(cfg).await;
    let opts = options(week(), Plan::Lake, false);
    let mut w = NdjsonWriter::new(Vec::new());
    let dropped = tokio::time::timeout(
        std::time::Duration::from_millis(600),
        export::run(client(&sim), &opts, &mut w, &|_| {}),
    )
    .await;
    assert!(dropped.is_err(), "the job is not done yet");
    for _ in 0..100 {
        if sim.stats().jobs_deleted == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!((sim.stats().jobs_created, sim.stats().jobs_deleted), (1, 1));
}

/// The filters of `--query` and the media go into the job as into the query: a filtered
/// export holds the same conversations from either plan.
#[tokio::test]
async fn the_job_has_the_filters_of_the_query() {
    let sim = sim(config(3000)).await;
    let mut lake = options(week(), Plan::Lake, false);
    lake.scope = Scope::new(week(), Media::Voice).with_search(resolved(&sim, "dir:outbound").await);
    let mut query = lake.clone();
    query.plan = Plan::Query;
    let a = export_with(&sim, &lake).await;
    let b = export_with(&sim, &query).await;
    assert!(a.outcome.error.is_none() && b.outcome.error.is_none());
    assert!(matches!(a.outcome.parts[0].source, Source::Lake { .. }));
    assert!(!a.lines.is_empty() && a.lines.len() < 1000);
    assert_eq!(a.lines, b.lines);
    assert!(
        a.lines
            .iter()
            .all(|l| l["originatingDirection"] == "outbound")
    );
}

async fn resolved(sim: &Sim, text: &str) -> convoscope::genesys::search::Resolved {
    let q = convoscope::genesys::search::Query::parse(text).unwrap();
    let dir = convoscope::genesys::directory::Directory::new(client(sim), None);
    convoscope::genesys::names::resolve_names(&dir, text, &q)
        .await
        .unwrap()
}

/// `--plan` on the command line: `--plan lake` with `--attributes-from conversations` is a
/// usage error; `--help` names the plans.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_takes_a_plan_and_refuses_a_contradiction() {
    let out = convoscope()
        .args([
            "export",
            "--plan",
            "lake",
            "--attributes",
            "--attributes-from",
            "conversations",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("goes with --plan query"), "{err}");
    let help = convoscope().args(["export", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--plan <PLAN>"), "{help}");
    for plan in ["- auto:", "- lake:", "- query:"] {
        assert!(help.contains(plan), "{help}");
    }
    let sim = sim(config(1500)).await;
    let url = sim.url();
    let mut cmd = convoscope();
    cmd.args(["export", "--api-url", &url, "--client-id", "demo"])
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "demo")
        .args([
            "--from",
            "2026-11-13T00:00:00Z",
            "--to",
            "2026-11-20T00:00:00Z",
        ]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1500);
    assert_eq!(sim.stats().jobs_created, 1, "auto: the lake");
}
