//! The export binary never lies about what it wrote, never destroys a file, ends cleanly on a
//! signal or a closed pipe, and writes nothing a terminal or a spreadsheet would run.

mod common;

use std::io::{BufRead, Read};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use convoscope::sim::Sim;
use serde_json::Value;

use common::*;

const RANGE: [&str; 4] = [
    "--from",
    "2026-11-13T00:00:00Z",
    "--to",
    "2026-11-20T00:00:00Z",
];

/// The export command against the simulator, with `args` after it.
fn export_cmd(sim: &Sim, args: &[&str]) -> std::process::Command {
    let url = sim.url();
    let mut cmd = convoscope();
    cmd.arg("export")
        .args(["--api-url", &url, "--client-id", "demo"])
        .env("GENESYSCLOUD_OAUTHCLIENT_SECRET", "demo")
        .args(RANGE)
        .args(args);
    cmd
}

async fn output(mut cmd: std::process::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// Waits for the child to end (at most 30 s), reading its stderr.
async fn wait(mut child: Child) -> (Option<i32>, String) {
    tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = child.try_wait().unwrap() {
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                return (st.code(), err);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("the export did not end within 30 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    })
    .await
    .unwrap()
}

/// Polls `cond` every 20 ms for up to 20 s.
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

/// Every line parses as one conversation: no record was cut.
fn whole_lines(text: &str) -> u64 {
    assert!(text.is_empty() || text.ends_with('\n'), "a cut last line");
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        assert!(v["conversationId"].is_string());
    }
    text.lines().count() as u64
}

/// "N conversations written" in `err`.
fn written_in(err: &str) -> u64 {
    let i = err
        .find(" conversations written")
        .or_else(|| err.find(" conversation written"))
        .unwrap_or_else(|| panic!("no count in {err}"));
    // Written as people read it: `1,234`.
    err[..i]
        .rsplit(|c: char| !c.is_ascii_digit() && c != ',')
        .next()
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap()
}

/// 8,000 conversations at 150 ms a request: an export of several seconds.
fn slow_sim_config() -> convoscope::sim::SimConfig {
    let mut cfg = config(8000);
    cfg.latency_ms = 150;
    cfg
}

#[cfg(unix)]
fn kill(child: &Child, sig: i32) {
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_counts_what_reached_it_not_what_was_buffered() {
    let sim = sim(config(300)).await;
    let out = output(export_cmd(&sim, &["-o", "/dev/full"])).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    assert_eq!(written_in(&err), 0, "{err}");
    assert!(err.contains("to /dev/full"), "{err}");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signal_ends_an_export_with_whole_records_the_file_kept_and_the_job_deleted() {
    use std::os::unix::fs::PermissionsExt;
    {
        let (sig, code, name) = (libc::SIGTERM, 143, "SIGTERM");
        let sim = sim(slow_sim_config()).await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out.ndjson");
        std::fs::write(&file, "the old export\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let partial = dir.path().join("out.ndjson.partial");
        let child = export_cmd(&sim, &["--attributes", "-o", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        until("records in the partial file", || size(&partial) > 0).await;
        assert_eq!(sim.stats().jobs_created, 1);
        kill(&child, sig);
        let (status, err) = wait(child).await;
        assert_eq!(status, Some(code), "{name}: {err}");
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "the old export\n",
            "{name}: the file is left as it was"
        );
        let kept = std::fs::read_to_string(&partial).unwrap();
        let n = written_in(&err);
        assert!(n > 0 && n < 8000, "{name}: {err}");
        assert_eq!(whole_lines(&kept), n, "{name}: the count is true");
        assert!(
            err.contains(&format!("interrupted by {name}"))
                && err.contains(&format!("to {}", partial.display()))
                && err.contains("was left as it was"),
            "{err}"
        );
        let mode = std::fs::metadata(&partial).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
        assert_eq!(
            sim.stats().jobs_deleted,
            1,
            "{name}: the async job is deleted before the exit"
        );
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_and_sighup_leave_stdout_with_whole_records_counted() {
    // The details query's pages, and the data lake's job results (1,000 a page).
    for (sig, code, plan) in [
        (libc::SIGINT, 130, "query"),
        (libc::SIGHUP, 129, "query"),
        (libc::SIGINT, 130, "lake"),
    ] {
        let sim = sim(slow_sim_config()).await;
        let mut child = export_cmd(&sim, &["--plan", plan])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut s = String::new();
            stdout.read_to_string(&mut s).unwrap();
            s
        });
        if plan == "query" {
            until("a few pages", || sim.stats().requests > 6).await;
        } else {
            // The second results page asked: the first was written.
            until("a results page written", || {
                sim.requests()
                    .iter()
                    .filter(|r| r.path.ends_with("/results"))
                    .count()
                    >= 2
            })
            .await;
        }
        kill(&child, sig);
        let (status, err) = wait(child).await;
        let text = reader.join().unwrap();
        assert_eq!(status, Some(code), "{err}");
        let n = written_in(&err);
        assert!(err.contains("to stdout, the last one whole"), "{err}");
        assert_eq!(whole_lines(&text), n);
    }
}

/// Audit of issue 14: Ctrl-C while the export is held back by its own pacing (a budget of 3
/// requests every 2 s): whole records, the file left as it was, and with `--summary` what it
/// cost, including the time it waited; no 429 drawn.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_under_pacing_keeps_records_whole_and_says_what_it_cost() {
    let mut cfg = config(8000);
    cfg.rate_limit = 3;
    cfg.rate_window_secs = 2;
    let sim = sim(cfg).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.ndjson");
    std::fs::write(&file, "the old export\n").unwrap();
    let partial = dir.path().join("out.ndjson.partial");
    let child = export_cmd(
        &sim,
        &["--plan", "query", "--summary", "-o", file.to_str().unwrap()],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Pages written, and more asked than a window allows (the token's request aside): pacing
    // held the export back for the next window.
    until("records written under pacing", || {
        size(&partial) > 0 && sim.stats().requests > 5
    })
    .await;
    kill(&child, libc::SIGINT);
    let (status, err) = wait(child).await;
    assert_eq!(status, Some(130), "{err}");
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "the old export\n",
        "the file is left as it was"
    );
    let n = written_in(&err);
    assert_eq!(whole_lines(&std::fs::read_to_string(&partial).unwrap()), n);
    assert!(err.contains("API request(s), 0 answered 429"), "{err}");
    let waited: f64 = err
        .split(" s waiting for the rate budget")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no time waited in {err}"));
    assert!(waited > 0.0, "{err}");
    assert_eq!(sim.stats().rate_limited, 0, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_pipe_ends_the_export_quietly_with_status_zero() {
    let sim = sim(config(3000)).await;
    let mut child = export_cmd(&sim, &["--attributes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -1`: one line read, then the pipe closed.
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(serde_json::from_str::<Value>(&first).is_ok(), "{first}");
    let (status, err) = wait(child).await;
    assert_eq!(status, Some(0), "{err}");
    assert_eq!(err, "", "nothing said");
    assert_eq!(sim.stats().jobs_deleted, 1, "the job is not left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_export_leaves_the_file_and_keeps_what_it_wrote_as_partial() {
    let sim = sim(slow_sim_config()).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.ndjson");
    std::fs::write(&file, "the old export\n").unwrap();
    let partial = dir.path().join("out.ndjson.partial");
    let child = export_cmd(&sim, &["-o", file.to_str().unwrap()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    until("records in the partial file", || size(&partial) > 0).await;
    // The server goes away: the export fails once its retries are spent.
    sim.stop().await;
    let (status, err) = wait(child).await;
    assert_eq!(status, Some(4), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "the old export\n");
    let n = written_in(&err);
    assert!(n > 0, "{err}");
    assert_eq!(whole_lines(&std::fs::read_to_string(&partial).unwrap()), n);
    assert!(
        err.contains("written before the failure to")
            && err.contains("out.ndjson.partial")
            && err.contains("was left as it was"),
        "{err}"
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_files_are_private_replaced_whole_and_never_through_a_link() {
    use std::os::unix::fs::PermissionsExt;
    let sim = sim(config(50)).await;
    let dir = tempfile::tempdir().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // A new file: 0600.
    let new = dir.path().join("new.csv");
    let out = output(export_cmd(
        &sim,
        &["--format", "csv", "-o", new.to_str().unwrap()],
    ))
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&new), 0o600);
    assert!(
        std::fs::read_to_string(&new)
            .unwrap()
            .starts_with("conversationId,")
    );
    // An existing file is replaced (asked for by name), keeping its permissions.
    let shared = dir.path().join("shared.ndjson");
    std::fs::write(&shared, "old\n").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = output(export_cmd(&sim, &["-o", shared.to_str().unwrap()])).await;
    assert!(out.status.success());
    assert_eq!(mode(&shared), 0o644);
    assert_eq!(whole_lines(&std::fs::read_to_string(&shared).unwrap()), 50);
    // A link is refused before any request; its target is untouched.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "keep\n").unwrap();
    let link = dir.path().join("link.ndjson");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let before = sim.stats().requests;
    let out = output(export_cmd(&sim, &["-o", link.to_str().unwrap()])).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
    assert_eq!(sim.stats().requests, before);
    // Nothing is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

/// Bytes a terminal would act on: C0 (but tab and line ends), ESC, DEL, C1, BiDi controls.
fn terminal_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            (c.is_control() && !matches!(c, '\n' | '\r'))
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_reaches_neither_terminal_nor_spreadsheet() {
    let mut cfg = config(80);
    cfg.hostile = true;
    let sim = sim(cfg).await;
    for format in ["csv-attributes", "csv", "ndjson"] {
        let out = output(export_cmd(&sim, &["--attributes", "--format", format])).await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(terminal_controls(&text), Vec::<char>::new(), "{format}");
        if format == "ndjson" {
            // The same values, in JSON's escapes.
            let all = text
                .lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap().to_string())
                .collect::<String>();
            for s in convoscope::sim::hostile::CORPUS {
                let quoted = serde_json::to_string(s).unwrap();
                assert!(all.contains(&quoted[1..quoted.len() - 1]), "{s:?}");
            }
        } else if format == "csv" {
            // One row per conversation: every cell (names, addresses, attribute columns) is
            // already safe: escaping it again changes nothing.
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let mut cells = 0;
            for rec in r.records() {
                for c in rec.unwrap().iter() {
                    assert_eq!(convoscope::export::csv_cell(c), c, "{c:?}");
                    cells += 1;
                }
            }
            assert!(cells > 0);
        } else {
            // One CSV line per row, every cell as the screen shows it.
            let mut r = csv::Reader::from_reader(text.as_bytes());
            let values: std::collections::HashSet<String> =
                r.records().map(|r| r.unwrap()[12].to_string()).collect();
            for s in convoscope::sim::hostile::CORPUS {
                let cell = convoscope::export::csv_cell(s);
                assert!(values.contains(cell.as_ref()), "{cell:?}");
            }
        }
    }
}
