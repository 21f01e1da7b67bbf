#!/bin/sh
# Runs a command and fails unless it exits with the expected status and its output (stdout and
# stderr together) matches every pattern. CTest's PASS_REGULAR_EXPRESSION ignores the exit status,
# so a test that used it passed on a command that crashed after printing the right line.
# Usage: cli_expect.sh [--exit N] [--log FILE] [--expect ERE]... -- COMMAND [ARG]...
#   --exit N      the status COMMAND must end with (default 0)
#   --log FILE    keep the output there (default: a temporary file, removed)
#   --expect ERE  an extended regular expression some line of the output must match (grep -E)
set -eu
want=0 log='' patterns=''
while [ $# -gt 0 ]; do
  case $1 in
  --exit) want=$2; shift 2 ;;
  --log) log=$2; shift 2 ;;
  --expect) patterns="$patterns$2
"; shift 2 ;;
  --) shift; break ;;
  *) echo "cli_expect: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "cli_expect: no command after --" >&2; exit 2; }
tmp=
if [ -z "$log" ]; then
  tmp=$(mktemp)
  log=$tmp
  trap 'rm -f "$tmp"' EXIT
else
  mkdir -p "$(dirname "$log")"
fi
status=0
"$@" >"$log" 2>&1 || status=$?
cat "$log"
failed=0
if [ "$status" -ne "$want" ]; then
  echo "FAIL: $1 exited with status $status, expected $want"
  failed=1
fi
while IFS= read -r pattern; do
  [ -n "$pattern" ] || continue
  if ! grep -E -q -e "$pattern" "$log"; then
    echo "FAIL: no line of the output matches: $pattern"
    failed=1
  fi
done <<EOF
$patterns
EOF
[ "$failed" -eq 0 ] || exit 1
echo "cli_expect: status $status and every pattern as expected"
