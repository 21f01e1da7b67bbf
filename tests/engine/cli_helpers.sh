# Shell helpers for the end-to-end command tests (cli_test.sh, users_models_test.sh): run a command
# through cli_expect.sh, and read figures from what it prints and the files it writes. Sourced; the
# caller sets `here` to this folder.

fail() {
  echo "FAIL: $*"
  exit 1
}
# run LOG COMMAND...: COMMAND must exit 0; its output is shown and kept in LOG.
run() {
  log=$1
  shift
  "$here/cli_expect.sh" --log "$log" -- "$@" || fail "$(basename "$1") $2 did not succeed"
}
# expect_line LOG ERE: some line of LOG matches the extended regular expression.
expect_line() {
  grep -E -q -e "$2" "$1" || fail "no line of $(basename "$1") matches: $2"
  echo "ok: output has /$2/"
}
# value_of LOG ERE SED: the first line matching ERE, rewritten by the sed expression SED.
value_of() {
  grep -E -m 1 -e "$2" "$1" | sed "$3"
}
is_number() {
  awk -v v="$1" 'BEGIN { exit !(v ~ /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?$/) }'
}
# between NAME VALUE MIN MAX: fails on a missing or non-numeric value too (awk reads "" as 0).
between() {
  is_number "$2" || fail "$1: \"$2\" is not a number"
  awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v + 0 >= lo + 0 && v + 0 <= hi + 0) }' ||
    fail "$1 = $2, outside [$3, $4]"
  echo "ok: $1 = $2, within [$3, $4]"
}
equals() {
  [ "$2" = "$3" ] || fail "$1 = \"$2\", expected \"$3\""
  echo "ok: $1 = $2"
}
# calc EXPR: an awk expression's value.
calc() {
  awk "BEGIN { printf \"%.6f\", $1 }"
}
# json FILE KEY: a top-level scalar of a JSON file written one key a line (strings keep quotes).
json() {
  awk -v key="\"$2\": " 'NR == 2 { match($0, /^ */); indent = RLENGTH }
    NR > 1 { match($0, /^ */)
      if (RLENGTH == indent && index($0, key) == indent + 1) {
        v = substr($0, indent + 1 + length(key)); sub(/,$/, "", v); print v; exit } }' "$1"
}
# json_array FILE KEY: the elements of a top-level array of scalars, one a line.
json_array() {
  awk -v key="\"$2\": [" 'NR == 2 { match($0, /^ */); indent = RLENGTH }
    inside { match($0, /^ */); if (RLENGTH == indent) exit; v = $0; gsub(/[ ,]/, "", v); print v; next }
    NR > 1 { match($0, /^ */); if (RLENGTH == indent && substr($0, indent + 1) == key) inside = 1 }' "$1"
}
# json_all FILE KEY: every value of KEY at any depth, one a line.
json_all() {
  sed -n "s/^ *\"$2\": \\([^,]*\\),\\{0,1\\}\$/\\1/p" "$1"
}
rows() {
  awk 'END { print NR - 1 }' "$1"
}
