#!/usr/bin/env bash
# Benchmark `malgraph scan` on the shared corpus: packages/s and peak RSS, median of N runs.
# Usage: bench/scan.sh [RUNS] [JOBS]     (defaults: 3 runs, 2 jobs)
# Needs ../shared/corpus beside the repo. Prints one Markdown table row per input.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
jobs=${2:-2}
corpus=${CORPUS:-../shared/corpus}
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 1; }
cargo build --release -q -p malgraph
bin=target/release/malgraph
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

bench_one() { # label, paths...
  local label=$1; shift
  local secs=() rss=() n=0
  for i in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$out/time" "$bin" scan --format json --jobs "$jobs" "$@" > "$out/scan.jsonl" || true
    read -r s r < <(tail -n 1 "$out/time")
    secs+=("$s"); rss+=("$r")
  done
  n=$(wc -l < "$out/scan.jsonl")
  local med_s med_r
  med_s=$(printf '%s\n' "${secs[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  med_r=$(printf '%s\n' "${rss[@]}" | sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
  local errors
  errors=$(grep -c '"error":"' "$out/scan.jsonl" || true)
  printf '| %s | `%s scan --format json --jobs %s %s` | %s packages (%s unreadable) | %s s | %.0f pkg/s | %.0f MB |\n' \
    "$(date -u +%F)" "malgraph" "$jobs" "$label" "$n" "$errors" "$med_s" "$(awk -v n="$n" -v s="$med_s" 'BEGIN{print n/s}')" "$(awk -v r="$med_r" 'BEGIN{print r/1024}')"
}

echo "| date | command | input | median time | throughput | peak RSS |"
echo "|---|---|---|---|---|---|"
bench_one "corpus/malicious" "$corpus/malicious"
bench_one "corpus/benign" "$corpus/benign/pypi"
