#!/usr/bin/env bash
# Side by side: the same conversations from the same simulator, paged by the official Python SDK
# (PureCloudPlatformClientV2, the tutorial's approach) and by `convoscope export`. Prints the ratio.
# Usage: bench/sdk_compare.sh [CONVERSATIONS]   (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
bin=target/release/convoscope
cargo build --release --quiet
venv=target/sdk-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import PureCloudPlatformClientV2' 2>/dev/null \
  || "$venv/bin/pip" install --quiet --disable-pip-version-check PureCloudPlatformClientV2
until=2026-11-20T00:00:00.000Z
from=2026-11-13T00:00:00.000Z
work=$(mktemp -d)
# A bench: no rate limit (the real 300 a minute would measure the limit, not the tools).
"$bin" sim --addr 127.0.0.1:0 --seed 1 --conversations "$n" --days 7 --until "$until" --rate-limit 0 >"$work/sim.log" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q '^listening on ' "$work/sim.log" && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$work/sim.log")

read -r sdk_n sdk_s < <("$venv/bin/python" bench/sdk_compare.py "$url" "$from" "$until")
t0=$(date +%s.%N)
cs_n=$("$bin" export --api-url "$url" --client-id demo --client-secret demo --from "$from" --to "$until" --media any | wc -l)
t1=$(date +%s.%N)
awk -v sn="$sdk_n" -v ss="$sdk_s" -v cn="$cs_n" -v a="$t0" -v b="$t1" 'BEGIN {
  cs = b - a
  printf "official Python SDK: %d conversations in %.2f s (%.0f/s)\n", sn, ss, sn / ss
  printf "convoscope export:   %d conversations in %.2f s (%.0f/s)\n", cn, cs, cn / cs
  printf "convoscope is %.1fx faster\n", ss / cs
}'
