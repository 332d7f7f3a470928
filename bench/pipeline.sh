#!/usr/bin/env bash
# Benchmark collect and graph build on the shared corpus: wall time and peak RSS per step.
# Usage: bench/pipeline.sh            (needs ../shared/corpus beside the repo)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=${CORPUS:-../shared/corpus}
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 1; }
cargo build --release -q -p malgraph
bin=target/release/malgraph
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/bench.db
step() { # label, args...
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$tmp/time" "$bin" "$@" > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  read -r s r < <(tail -n 1 "$tmp/time")
  printf '| %s | `malgraph %s` | %s s | %.0f MB |\n' "$(date -u +%F)" "$label" "$s" "$(awk -v r="$r" 'BEGIN{print r/1024}')"
}
echo "| date | step | wall time | peak RSS |"
echo "|---|---|---|---|"
intel=("$corpus"/intel/ossf-malicious-packages.zip "$corpus"/intel/leitwacht-malicious-packages.zip "$corpus"/intel/backstabbers-knife-collection "$corpus"/intel/maloss)
step "collect <all intel> <malicious> (first run)" collect --db "$db" "${intel[@]}" "$corpus/malicious"
step "collect <all intel> <malicious> (again, idempotent)" collect --db "$db" "${intel[@]}" "$corpus/malicious"
step "graph build (cold: fingerprints every sample)" graph build --db "$db"
step "graph build (warm: cached fingerprints)" graph build --db "$db"
step "collect <malicious> --scan" collect --db "$db" "$corpus/malicious" --scan
step "graph build (with scans)" graph build --db "$db"
tail -n 3 "$tmp/out" >&2
