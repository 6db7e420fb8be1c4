#!/usr/bin/env bash
# Round trip and rate: `convoscope export --attributes` against `convoscope sim` must equal, byte for
# byte, what the simulator holds (`convoscope sim --dump`). Prints the export rate.
# Usage: bench/export_roundtrip.sh [CONVERSATIONS] [extra export flags...]   (default 5000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}
shift || true
bin=target/release/convoscope
cargo build --release --quiet
until=2026-11-20T00:00:00Z
from=2026-11-13T00:00:00Z
# A bench: no rate limit (the real 300 a minute would measure the limit, not export). The dump
# holds attributes whole, as export delivers them (values a job cut are read again).
sim_flags=(--seed 1 --conversations "$n" --days 7 --until "$until" --rate-limit 0)
work=$(mktemp -d)
"$bin" sim --addr 127.0.0.1:0 "${sim_flags[@]}" ${SIM_FLAGS:-} >"$work/sim.log" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q '^listening on ' "$work/sim.log" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/sim.log")
"$bin" sim "${sim_flags[@]}" --dump >"$work/want.ndjson"
t0=$(date +%s.%N)
"$bin" export --api-url "$url" --client-id demo --client-secret demo \
  --from "$from" --to "$until" --media any --attributes "$@" >"$work/got.ndjson"
t1=$(date +%s.%N)
got=$(wc -l <"$work/got.ndjson")
attrs=$(grep -o '"attributes":{[^}]' "$work/got.ndjson" | wc -l)
if cmp -s "$work/got.ndjson" "$work/want.ndjson"; then
  echo "round trip: identical ($got conversations, $attrs participants with attributes)"
else
  echo "round trip: DIFFERENT (got $got lines, want $(wc -l <"$work/want.ndjson"))"
  diff <(head -c 2000 "$work/got.ndjson") <(head -c 2000 "$work/want.ndjson") | head -20
  exit 1
fi
awk -v n="$got" -v a="$t0" -v b="$t1" 'BEGIN { printf "export: %d conversations in %.2f s = %.0f conversations/s\n", n, b-a, n/(b-a) }'
