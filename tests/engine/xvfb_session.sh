# Sourced (bash) by the studio tests that drive a real window: a private Xvfb display named by Xvfb
# itself (so parallel tests never collide) with openbox, so minimising and resizing are real.
# Everything started goes into `pids`, which is stopped on exit.
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# start_desktop NAME SCRATCH WxH: checks the tools, starts the display and exports DISPLAY.
start_desktop() {
  local name=$1 scratch=$2 screen=$3 tool fd display
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
