#!/usr/bin/env bash
# Check the pickle reader (crates/analyze/src/pickle.rs) against CPython's own unpickler:
# every pyenv Python (2.7, 3.x) pickles varied objects (classes, function references,
# shared references, large frames) at every protocol it has, and records the globals its
# unpickler looks up; the reader must list the same globals in the same order.
# Usage: bench/pickle/check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for py in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python; do
  "$py" bench/pickle/gen.py "$tmp" >> "$tmp/want"
done
cut -f1 "$tmp/want" > "$tmp/list"
PICKLE_LIST="$tmp/list" cargo test -q -p malgraph-analyze --no-default-features --lib \
  pickle::tests::globals_for_listed_files -- --ignored --nocapture --test-threads 1 2>/dev/null \
  | grep "^$tmp" > "$tmp/got" || true
. bench/compare-lists.sh
compare_lists "pickles: same globals, in the same order, as CPython's unpickler"
