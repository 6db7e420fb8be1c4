#!/usr/bin/env bash
# Regenerates the README's screenshots, assets/browser.svg (the browser) and assets/timeline.svg
# (the detail pane of a transferred call), drawn from the simulator's fixed data
# (examples/screenshot.rs), no terminal or network needed. With rsvg-convert
# (Debian: librsvg2-bin) it also writes a PNG next to it, to look at: `scripts/screenshot.sh --png`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=assets/browser.svg
cargo run --quiet --example screenshot -- "$out"
cargo run --quiet --example screenshot -- --timeline assets/timeline.svg
if [ "${1:-}" = --png ]; then
  command -v rsvg-convert >/dev/null || { echo "rsvg-convert is missing (apt-get install librsvg2-bin)" >&2; exit 1; }
  rsvg-convert "$out" -o target/browser.png
  rsvg-convert assets/timeline.svg -o target/timeline.png
  echo "wrote target/browser.png and target/timeline.png"
fi
