//! The live queue view (`--live 'queue:…'`) against the simulator over loopback HTTP and
//! WebSockets: seeded by one details query, then kept by the queues' topics only, the list
//! always equals what the details query answers for the live conversations of those queues
//! (the screen's own state and runner: see `soak/mod.rs`).

mod common;
mod soak;

use std::time::Duration;

/// The short version of the ten-minute soak (`cargo run --release --example live_queue_soak`):
/// 40 s of `--live` on two queues of `--active 20` (the first live conversation ends 4 s in,
/// others are transferred meanwhile), the list checked against the details query every 4 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_view_equals_the_details_query_throughout() {
    let r = soak::run(&soak::Options {
        span: Duration::from_secs(40),
        every: Duration::from_secs(4),
        active: 20,
        end_first_after: Some(4),
        rate_limit: 0,
        verbose: false,
    })
    .await;
    eprintln!("{r:?}");
    assert!(r.mismatches.is_empty(), "{:?}", r.mismatches);
    assert!(r.checkpoints >= 9, "{} checkpoints", r.checkpoints);
    assert!(r.first_page > 0, "live conversations in those queues");
    assert!(r.events > 0, "conversations changed in those queues");
    assert!(r.left >= 1, "a conversation ended and left the list");
    // After the first page the list reads nothing: its rows are the queues' events alone
    // (the names of agents and codes are looked up, the detail pane reads the selected one).
    assert!(
        r.view_requests.iter().all(|p| !p.contains("/analytics/")),
        "{:?}",
        r.view_requests
    );
    assert!(
        r.feed.starts_with("LIVE ") && !r.feed.contains('('),
        "{}",
        r.feed
    );
}

#[test]
fn live_says_what_is_wrong_with_its_query_before_the_screen_opens() {
    for (args, says) in [
        (
            vec!["--live", "dir:inbound"],
            "--live: name at least one queue",
        ),
        (
            vec!["--live", "queue:Sales agent:Bob"],
            "only queue:NAME terms (not agent:)",
        ),
        (vec!["--live", "queue:\"Sales"], "a quote is not closed"),
        (
            vec!["--live", "queue:Sales", "--media", "voice"],
            "cannot be used with",
        ),
    ] {
        let out = common::convoscope()
            .arg("--demo")
            .args(&args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
