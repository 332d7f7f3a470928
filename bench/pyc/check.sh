#!/usr/bin/env bash
# Check the .pyc reader (crates/analyze/src/pyc.rs) against CPython's marshal: for up to N
# standard-library .pyc files of every pyenv Python (2.7, 3.x), the counts of string
# constants and names must be equal. Usage: bench/pyc/check.sh [N per version, default 40]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-40}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/list"
for py in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*/bin/python; do
  v=$(dirname "$(dirname "$py")")
  find "$v"/lib/python*/ -maxdepth 3 -name '*.pyc' | sort > "$tmp/all"
  head -n "$n" "$tmp/all" > "$tmp/one"
  [ -s "$tmp/one" ] || continue
  cat "$tmp/one" >> "$tmp/list"
  xargs "$py" bench/pyc/count.py < "$tmp/one" >> "$tmp/want"
done
PYC_LIST="$tmp/list" cargo test -q -p malgraph-analyze --no-default-features --lib \
  pyc::tests::counts_for_listed_files -- --ignored --nocapture --test-threads 1 2>/dev/null \
  | grep '^/' > "$tmp/got"
. bench/compare-lists.sh
compare_lists ".pyc files: same constant and name counts as CPython's marshal"
