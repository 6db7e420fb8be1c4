#!/usr/bin/env bash
# CPU the browser uses while nothing happens: the release binary in tmux on its demo, a range
# loaded and a conversation's attributes shown; then the CPU seconds (user + system, from
# /proc/PID/stat) it spends over 10 idle seconds. Goal: at most 0.1 s.
# Then the same while watching a conversation (w, every 2 s), for comparison.
# Usage: bench/idle_cpu.sh [SECONDS]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
bin=$PWD/target/release/convoscope
cargo build --release --quiet
sock=convoscope-idle-$$
home=$(mktemp -d)
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -rf "$home"' EXIT
tmux -L "$sock" -f /dev/null new-session -d -x 160 -y 45 \
  "HOME=$home XDG_STATE_HOME=$home/state $bin --demo --utc; sleep 60"
wait_for() {
  for _ in $(seq 200); do
    tmux -L "$sock" capture-pane -p | grep -q -- "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for: $1" >&2
  tmux -L "$sock" capture-pane -p >&2
  exit 1
}
wait_for "Range · times in UTC"
tmux -L "$sock" send-keys Enter
wait_for "✓ loaded"
wait_for "attributes as read at"
pid=$(pgrep -f "^$bin --demo --utc$" | head -1)
ticks=$(getconf CLK_TCK)
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
measure() {
  local a b
  a=$(cpu)
  sleep "$secs"
  b=$(cpu)
  awk -v a="$a" -v b="$b" -v t="$ticks" -v s="$secs" -v what="$1" \
    'BEGIN { printf "%s: %.2f CPU seconds over %d s\n", what, (b - a) / t, s }'
}
# The embedded simulator runs in the same process: idle means it is idle too.
measure "idle, list loaded"
tmux -L "$sock" send-keys Tab w
wait_for "● LIVE"
measure "watching one conversation every 2 s"
