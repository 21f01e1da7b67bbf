#!/bin/bash
# The layout of a live studio as its window is resized and its panels handled with real input:
# under Xvfb and a window manager, xdotool resizes the window, drags a panel's resize grip and
# clicks Layout > Reset layout; the studio's --state-file shows where the panels went.
# Usage: studio_layout_live_test.sh UNITSCOPE CHECKER SCRATCH
# Fails unless the default layout follows the window (1280x720 -> 1024x640 -> 1920x1080 -> back),
# the user's resized viewport makes the layout theirs, fitted into a smaller window and exactly
# restored on growing back (the bug report's "after growing back" case), and the menu's reset
# brings the default back.
set -euo pipefail
unitscope=$1 check=$2 scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch"
export UNITSCOPE_CONFIG_DIR="$scratch/config" UNITSCOPE_CACHE_DIR="$scratch/cache"
state=$scratch/state.json

source "$(dirname "$0")/xvfb_session.sh"
start_desktop studio_layout_live_test "$scratch" 2560x1440

"$unitscope" --width 1280 --height 720 --state-file "$state" >"$scratch/studio.log" 2>&1 &
studio=$!
pids+=($studio)
# The studio's own window (the window manager's frame around it carries the same name).
timeout 60 xdotool search --sync --pid $studio >/dev/null || fail "no studio window in 60 s"
window=$(xdotool search --pid $studio | tail -n 1)

# resize W H: the window to W x H, then the state once the studio has drawn that size.
resize() {
  xdotool windowsize "$window" "$1" "$2"
  wait_for 30 ".display == [$1, $2] and (.windows | length) == 9" "a ${1}x$2 window drawn"
  sleep 0.5  # the frame after: what a user would see settle
}
layout() { "$check" "$state" "$@" >"$scratch/check.log" || { cat "$scratch/check.log" >&2; fail "layout check failed: $*"; }; }
# drag X0 Y0 X1 Y1: the left button held from one window point to another, in steps a frame apart.
drag() {
  xdotool mousemove --window "$window" "$1" "$2"
  sleep 0.3
  xdotool mousedown 1
  sleep 0.3
  for step in 1 2 3 4; do
    xdotool mousemove --window "$window" $(($1 + ($3 - $1) * step / 4)) $(($2 + ($4 - $2) * step / 4))
    sleep 0.2
  done
  sleep 0.3
  xdotool mouseup 1
}

wait_for 120 '.has_frame and (.computing | not) and (.windows | length) == 9' "the first frame"
xdotool windowactivate --sync "$window" 2>/dev/null || true
layout --expect-layout 1280 720 --expect-default --customised no
for size in "1024 640" "1920 1080" "1280 720"; do
  resize $size
  layout --expect-layout $size --expect-default --customised no
done

# The viewport's resize grip (its bottom-right corner, clear of its neighbours' resize borders)
# dragged 40 px up and left: the user's layout, with a gap where the viewport was.
read -r vx vy vw vh < <(jq -r '.windows.Viewport | map(floor) | @tsv' "$state")
drag $((vx + vw - 6)) $((vy + vh - 6)) $((vx + vw - 46)) $((vy + vh - 46))
wait_for 10 '.layout.customised' "the resized viewport making the layout the user's"
layout --expect-layout 1280 720 --customised yes --expect-rect Viewport $vx $vy $((vw - 40)) $((vh - 40))
user=$(jq -c '.windows' "$state")
resize 1024 640
layout --expect-layout 1024 640 --customised yes
resize 1280 720
[ "$(jq -c '.windows' "$state")" = "$user" ] || fail "the user's layout came back changed: $user"

# Layout > Reset layout, clicked: the menu sits after the "unitscope" title in the menu bar, and
# its first item just below the bar.
xdotool mousemove --window "$window" 110 9 click 1
sleep 0.5
xdotool mousemove --window "$window" 125 33 click 1
wait_for 10 '.layout.customised | not' "Reset layout"
sleep 0.5
layout --expect-layout 1280 720 --expect-default --customised no
echo "live layout followed 1024x640, 1920x1080 and 1280x720; the user's kept and fitted; reset from the menu"
