# Sourced by the reader checks (bench/pyc, bench/pickle): compares the lines the reader
# printed ($tmp/got) with CPython's ($tmp/want), prints "<same> of <total> <what>", the
# first differences, and fails unless all lines are equal. Usage: compare_lists "WHAT"
compare_lists() {
  sort -o "$tmp/got" "$tmp/got"; sort -o "$tmp/want" "$tmp/want"
  local total same
  total=$(wc -l < "$tmp/want")
  same=$(comm -12 "$tmp/got" "$tmp/want" | wc -l)
  echo "$same of $total $1"
  diff "$tmp/got" "$tmp/want" | head -n 10 || true
  [ "$same" -eq "$total" ]
}
