//! The export on a terminal (the real binary in tmux), held back by its own pacing: its line
//! says so and, once it can tell, about how long is left; the summary says what it cost.

mod tmux;

use tmux::{BIN, Launch, SimProcess};

#[test]
fn an_export_paced_on_a_terminal_says_it_waits_and_how_long_is_left() {
    // 600 conversations, a GET conversation each, 40 requests every 2 s: about 30 s, most
    // of it held back by the budget.
    let sim = SimProcess::start(&[
        "--conversations",
        "600",
        "--days",
        "1",
        "--until",
        "2026-11-20T00:00:00Z",
        "--rate-limit",
        "40",
        "--rate-window",
        "2",
    ]);
    let dir = tmux::scratch("export-paced");
    let out = dir.join("out.ndjson");
    let t = Launch::new(
        "export-paced",
        200,
        12,
        format!(
            "{BIN} export --api-url {} --client-id demo --client-secret demo --from \
             2026-11-19T00:00:00Z --to 2026-11-20T00:00:00Z --attributes --attributes-from \
             conversations -o {}",
            sim.url,
            tmux::sh_path(&out)
        ),
    )
    .start();
    let s = t.wait("the pacing said", |s| {
        s.contains("of 600 conversations · pacing for the rate budget: ")
    });
    assert!(!s.contains("spent by others"), "{s}");
    t.wait("the time left", |s| {
        s.contains("conversations · pacing for the rate budget: ") && s.contains(" left")
    });
    assert_eq!(t.wait_exit(), 0);
    let s = t.screen();
    assert!(s.contains("exported 600 conversations to "), "{s}");
    assert!(s.contains("API request(s), 0 answered 429"), "{s}");
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 600);
}
