#!/usr/bin/env bash
# A soak of the engine plumbing: `regspec explore` against `regspec serve` for a while, with the
# resident memory, open descriptors and threads of both processes sampled every minute. Flat
# figures mean no leak per case; the closing line of explore must report no disagreement.
#
#   tools/soak.sh [MINUTES] [REGSPEC]     # default 30 minutes, .build/release/regspec
#
# Not run by CI (it takes half an hour); its figures go in the notes of the change that needs them.
set -euo pipefail
minutes="${1:-30}"
regspec="${2:-.build/release/regspec}"
[ -x "$regspec" ] || { echo "error: no regspec binary at $regspec; build it with swift build -c release --product regspec, or name one" >&2; exit 2; }
regspec="$(cd "$(dirname "$regspec")" && pwd)/$(basename "$regspec")"
work="$(mktemp -d "${TMPDIR:-/tmp}/regspec-soak.XXXXXX")"
trap 'kill "$explore" 2>/dev/null || true; rm -rf "$work"' EXIT

sample() {  # PID -> "rss_kb fds threads", or "gone"
  local status="/proc/$1/status"
  [ -r "$status" ] || { echo "gone"; return; }
  local rss threads fds
  rss=$(awk '/^VmRSS:/ {print $2}' "$status")
  threads=$(awk '/^Threads:/ {print $2}' "$status")
  fds=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
  echo "$rss $fds $threads"
}

"$regspec" explore --engine-command "$regspec serve" --seed 1 --time $((minutes * 60 + 30)) \
  --out "$work/findings" --max-disagreements 0 >"$work/explore.out" 2>"$work/explore.err" &
explore=$!
echo "minute  explore(rss_kb fds threads)  serve(rss_kb fds threads)"
for minute in $(seq 1 "$minutes"); do
  sleep 60
  if ! kill -0 "$explore" 2>/dev/null; then
    echo "error: explore ended before minute $minute:" >&2
    tail -n 5 "$work/explore.err" "$work/explore.out" >&2
    exit 1
  fi
  serve=$(pgrep -f "^$regspec serve" | head -1 || true)  # the engine itself, not the shell that started it
  printf '%6d  %-27s  %s\n' "$minute" "$(sample "$explore")" "$( [ -n "$serve" ] && sample "$serve" || echo none)"
done
wait "$explore" && status=0 || status=$?
echo "explore exit status $status; its closing lines:"
tail -n 3 "$work/explore.out"
tail -n 3 "$work/explore.err"
