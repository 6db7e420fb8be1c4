//! Runs the Genesys Cloud simulator: `cargo run --example sim -- --conversations 100000`.
//! (The same as `convoscope sim`.)

use clap::Parser;
use convoscope::sim::{self, SimArgs};

#[derive(Debug, Parser)]
#[command(
    name = "sim",
    about = "A local Genesys Cloud API with deterministic data"
)]
struct Cli {
    #[command(flatten)]
    sim: SimArgs,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = sim::run(cli.sim).await {
        eprintln!("sim: {e}");
        std::process::exit(2);
    }
}
