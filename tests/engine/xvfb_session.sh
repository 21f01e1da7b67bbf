# Sourced (bash) by the studio tests that drive a real window: a private Xvfb display named by Xvfb
# itself (so parallel tests never collide) with openbox, so minimising and resizing are real.
# Everything started goes into `pids`, which is stopped on exit.
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# start_desktop NAME SCRATCH WxH: checks the tools, starts the display and exports DISPLAY.
start_desktop() {
  local name=$1 scratch=$2 screen=$3 tool fd display
  test_name=$name
  for tool in Xvfb openbox xdotool jq; do
    command -v $tool >/dev/null || { echo "$name: $tool is missing (tools/setup.sh installs it)" >&2; exit 1; }
  done
  exec {fd}<> <(:)
  Xvfb -displayfd $fd -screen 0 "${screen}x24" -nolisten tcp >"$scratch/xvfb.log" 2>&1 &
  pids+=($!)
  read -r -t 20 -u $fd display || { echo "$name: Xvfb did not start" >&2; cat "$scratch/xvfb.log" >&2; exit 1; }
  export DISPLAY=:$display
  openbox >"$scratch/openbox.log" 2>&1 &
  pids+=($!)
}

# For a studio started with --state-file: the caller sets `state` (that file), `scratch` (where
# studio.log is) and `studio` (its pid) before calling these.
# fail MESSAGE: the test's name and MESSAGE, the last state and the studio's log; exits 1.
fail() {
  echo "$test_name: $*" >&2
  echo "--- state" >&2; cat "$state" >&2 2>/dev/null || true
  echo "--- studio log" >&2; cat "$scratch/studio.log" >&2
  exit 1
}
# wait_for SECONDS JQ_FILTER WHAT: until the state file satisfies the filter.
wait_for() {
  local end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    if [ -s "$state" ] && jq -e "$2" "$state" >/dev/null 2>&1; then return 0; fi
    kill -0 $studio 2>/dev/null || fail "the studio exited while waiting for: $3"
    sleep 0.2
  done
  fail "not within $1 s: $3"
}
# value JQ_FILTER: that part of the state, as compact JSON.
value() { jq -c "$1" "$state"; }
