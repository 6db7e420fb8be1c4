//! End to end in tmux: the detail pane draws the conversation's timeline from the real binary
//! on the embedded simulator, and `S` opens the summary of the rows shown, cycles its groupings
//! and closes it. Every wait polls the screen for a marker.

mod tmux;

use tmux::{Launch, bin};

#[test]
fn the_detail_draws_the_timeline_and_s_sums_up_the_rows() {
    let t = Launch::new("anatomy", 160, 50, format!("{} --demo --utc", bin())).start();
    t.wait_for("Range · times in UTC");
    // --demo loads at once and starts in the list.
    t.wait("the load to finish", |s| s.contains("✓ loaded"));
    // The selected conversation's anatomy, from the list's own record. It comes after the
    // participants and their attributes: once those are read it is below the pane's fold, so
    // wait for them, then go to the pane's bottom (before they are read the anatomy shows
    // without scrolling, but only until they arrive).
    t.wait_for("attributes as read at");
    t.keys(&["Tab", "G"]);
    t.wait("the timeline", |s| {
        s.contains("Timeline")
            && s.contains("Transfers")
            && s.contains("┼")
            // A queue's lane, a segment drawn.
            && s.contains("≡ ")
            && s.contains('█')
    });
    // Back to the list.
    t.keys(&["Escape"]);
    t.wait_for("/ filter");

    t.keys(&["S"]);
    let s = t.wait_for("Summary of the");
    assert!(s.contains("By queue"), "{s}");
    assert!(s.contains("median"), "{s}");
    t.keys(&["S"]);
    t.wait_for("By agent");
    // After the last grouping, S closes it.
    t.keys(&["S", "S", "S", "S"]);
    t.wait("the summary to close", |s| {
        !s.contains("Summary of the") && s.contains("Participants & attributes")
    });

    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.assert_restored();
}
