//! The live queue view over ten minutes (issue 16, "Measure"): `convoscope --live` on two
//! queues of a simulator with `--active 20`, the screen's own state and runner, checked against
//! the details query every 10 s. Wall clock, in release mode:
//!
//! ```sh
//! cargo run --release --example live_queue_soak               # 10 minutes, every 10 s
//! cargo run --release --example live_queue_soak -- --minutes 2 --every 5 --active 40
//! ```
//!
//! It prints the checkpoints, the mismatches (there must be none: the exit code is 1 otherwise),
//! the conversations seen and gone, the queue events applied, and the requests the view made
//! after its first page. `tests/live_queue.rs` runs the same for 40 s.

#[path = "../tests/soak/mod.rs"]
mod soak;

use std::time::{Duration, Instant};

fn arg(args: &[String], name: &str, default: f64) -> f64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} {v}: expected a number"))
        })
        .unwrap_or(default)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = soak::Options {
        span: Duration::from_secs_f64(arg(&args, "--minutes", 10.0) * 60.0),
        every: Duration::from_secs_f64(arg(&args, "--every", 10.0)),
        active: arg(&args, "--active", 20.0) as usize,
        end_first_after: None,
        rate_limit: arg(&args, "--rate-limit", 300.0) as u32,
        verbose: args.iter().any(|a| a == "-v" || a == "--verbose"),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let t = Instant::now();
    let r = rt.block_on(soak::run(&o));
    let took = t.elapsed().as_secs_f64();
    println!(
        "live queue view {} over {:.0} s (--active {}, rate limit {}/min), a checkpoint every {} s:",
        r.query,
        took,
        o.active,
        o.rate_limit,
        o.every.as_secs_f64()
    );
    println!(
        "  {} checkpoints, {} mismatches ({} agreed once an event in flight arrived)",
        r.checkpoints,
        r.mismatches.len(),
        r.settled_after_waiting
    );
    println!(
        "  first page {} live; {} conversations seen, {} ended and left; {}..{} listed",
        r.first_page, r.seen, r.left, r.listed_min, r.listed_max
    );
    println!(
        "  {} queue events applied; the view's requests after its first page: {} {:?}",
        r.events,
        r.view_requests.len(),
        r.view_requests
    );
    println!(
        "  the checker's details query pages: {}; at the end: {}",
        r.checker_requests, r.feed
    );
    for m in &r.mismatches {
        println!("  MISMATCH {m}");
    }
    if !r.mismatches.is_empty() {
        std::process::exit(1);
    }
}
