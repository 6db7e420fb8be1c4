#!/usr/bin/env bash
# Runs the official Genesys Cloud Python SDK (PureCloudPlatformClientV2), unmodified, against
# `convoscope sim`: the contract of every kind of answer, notification channels, their WebSocket
# and every kind of event body (tests/sdk/sdk_check.py).
# Usage: tests/sdk/run.sh [path/to/convoscope]
#   (default: $CARGO_TARGET_DIR/debug/convoscope, or target/debug/convoscope; built if absent)
# A failed install of the SDK fails the script (exit 1), unless CONVOSCOPE_SDK_OPTIONAL=1 is set:
# then it says SKIPPED and exits 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${CARGO_TARGET_DIR:-target}
bin=${1:-$target/debug/convoscope}
[ -x "$bin" ] || cargo build --quiet
[ -x "$bin" ] || { echo "no binary at $bin" >&2; exit 1; }
venv=$target/sdk-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import PureCloudPlatformClientV2' 2>/dev/null; then
  if ! "$venv/bin/pip" install --quiet --disable-pip-version-check PureCloudPlatformClientV2; then
    # CI reaches PyPI: a failed install is a failure, unless the caller said the check is optional.
    if [ "${CONVOSCOPE_SDK_OPTIONAL:-}" = 1 ]; then
      echo "************************************************************************" >&2
      echo "SKIPPED: the SDK check did NOT run: could not install" >&2
      echo "         PureCloudPlatformClientV2 from PyPI (CONVOSCOPE_SDK_OPTIONAL=1)" >&2
      echo "************************************************************************" >&2
      exit 0
    fi
    echo "FAILED: could not install PureCloudPlatformClientV2 from PyPI" >&2
    echo "        (set CONVOSCOPE_SDK_OPTIONAL=1 to skip the SDK check on a machine without PyPI)" >&2
    exit 1
  fi
fi
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
# Starts a simulator with the given flags; prints its URL.
start_sim() {
  local log=$work/sim$#.log
  "$bin" sim --addr 127.0.0.1:0 "$@" >"$log" 2>/dev/null &
  pids+=($!)
  for _ in $(seq 100); do
    grep -q '^listening on ' "$log" && break
    sleep 0.1
  done
  sed -n 's/^listening on //p' "$log" | head -1
}
args=(--seed 1 --conversations 1500 --days 2 --active 5 --until "$(date -u +%Y-%m-%dT%H:%M:%SZ)")
# The same data the simulator serves below: every kind of notification event, for the check.
"$bin" sim "${args[@]}" --dump-events >"$work/events.ndjson"
# The check makes a few hundred requests: a budget it never runs out of (still announced).
# WebSockets: a heartbeat a second, the maintenance warning 8 s after connecting, closed 1 s later.
url=$(start_sim "${args[@]}" --job-delay-ms 300 --rate-limit 100000 --hostile \
  --ws-heartbeat 1 --ws-faults maintenance=8 --ws-closing-grace 1)
# 429 and 403: three requests every 2 seconds, no analytics query, no queues.
strict=$(start_sim --seed 2 --conversations 20 --rate-limit 3 --rate-window 2 --forbid query,queues)
[ -n "$url" ] && [ -n "$strict" ] || { echo "the simulator did not start"; exit 1; }
"$venv/bin/python" tests/sdk/sdk_check.py "$url" demo demo "$strict" "$work/events.ndjson"
