#!/bin/bash
# GANPaint and the keyboard with real input: under Xvfb and a window manager, xdotool drags the
# mouse over the Viewport's image of the demo GAN, then presses Ctrl+Z, Right and Esc. The studio's
# --state-file (rewritten whenever its state changes) shows what each did.
# Usage: studio_paint_test.sh UNITSCOPE FIXTURES GAN_DISSECTION SCRATCH
# Fails unless the drag painted exactly one stroke with a point per frame of the drag and moved no
# window (a drag over a plain ImGui::Image moves the Viewport window and paints at most a dab),
# Ctrl+Z removed that stroke, Right stepped the GAN sample and Esc cleared the selected unit; then a
# path typed into Model and layer and Open clicked, for a file that does not exist, leaves the GAN,
# its dissection and the sample as they were and shows the error.
set -euo pipefail
unitscope=$1 fixtures=$2 dissection=$3 scratch=$4
# The drag: kSteps mouse moves kStepSeconds apart, across the middle 60% of the image.
kSteps=24 kStepSeconds=0.1
# Frames draw on input, so most moves give a point; under load a few frames may take two moves.
kMinPoints=$((kSteps / 3))
rm -rf "$scratch"
mkdir -p "$scratch"
export UNITSCOPE_CONFIG_DIR="$scratch/config" UNITSCOPE_CACHE_DIR="$scratch/cache"
state=$scratch/state.json

source "$(dirname "$0")/xvfb_session.sh"
start_desktop studio_paint_test "$scratch" 1280x720

"$unitscope" --forget --model demo:gan --dissection "$dissection" --script "$fixtures/studio_paint.json" \
  --state-file "$state" >"$scratch/studio.log" 2>&1 &
studio=$!
pids+=($studio)
window=$(timeout 60 xdotool search --sync --name "unitscope studio" | head -n 1) || fail "no studio window in 60 s"

# A key held as a user holds it: ImGui 1.86 reads key state once a frame, so `xdotool key`'s
# press and release in the same microsecond would fall between two frames.
press() { xdotool keydown "$1"; sleep 0.3; xdotool keyup "$1"; }

wait_for 120 '.model == "demo:gan" and .has_frame and .has_dissection and .brush_active and .selected_unit == 5
  and .viewport_image[2] > 100 and (.computing | not)' "the demo GAN's first frame, its dissection and the brush"
xdotool windowactivate --sync "$window" 2>/dev/null || true
sleep 1
windows_before=$(value '.windows')
gan_index=$(value '.gan_index')
[ "$(value '.windows | length')" -ge 9 ] || fail "not every studio window is in the state: $windows_before"
[ "$(value '.paint_strokes')" -eq 0 ] || fail "paint before the drag"

# The drag, in window pixels: a press, kSteps moves with a small wave, a release.
read -r ix iy iw ih < <(jq -r '.viewport_image | map(floor) | @tsv' "$state")
xdotool mousemove --window "$window" $((ix + iw / 5)) $((iy + ih / 2))
sleep 0.5
xdotool mousedown 1
sleep 0.3
for i in $(seq 1 $kSteps); do
  xdotool mousemove --window "$window" $((ix + iw / 5 + iw * 3 * i / (5 * kSteps))) $((iy + ih / 2 + (i % 4) * ih / 40))
  sleep $kStepSeconds
done
sleep 0.3
xdotool mouseup 1
wait_for 60 '.paint_strokes >= 1 and (.computing | not)' "a paint stroke after the drag"
sleep 1
strokes=$(value '.paint_strokes')
points=$(value '.paint_points[0]')
[ "$strokes" -eq 1 ] || fail "the drag painted $strokes strokes, not one: $(value '.paint_points')"
[ "$points" -ge $kMinPoints ] || fail "the stroke has $points points for $kSteps mouse moves (under $kMinPoints)"
# It follows the mouse across the image: a window moving under the mouse keeps it on one spot.
span=$(value '.paint_extent[0] | .[2] - .[0]')
jq -e -n "$span >= 0.45" >/dev/null || fail "the stroke spans $span of the image's width, not the drag's 0.6"
[ "$(value '.windows')" = "$windows_before" ] || fail "the drag moved a window: before $windows_before"
[ "$(value '.undo_steps')" -eq 1 ] || fail "the stroke is not one undo step"

press ctrl+z
wait_for 30 '.paint_strokes == 0 and .undo_steps == 0' "Ctrl+Z taking the stroke back"
press Right
wait_for 30 ".gan_index == $((gan_index + 1))" "Right stepping the GAN sample from $gan_index"
press Escape
wait_for 30 '.selected_unit == -1' "Esc clearing the selected unit"
[ "$(value '.windows')" = "$windows_before" ] || fail "a window moved after the drag: before $windows_before"

# A failed Open, typed and clicked: the GAN, its dissection and the sample stay; the error shows.
click() {
  read -r x y w h < <(jq -r ".items.$1 | map(floor) | @tsv" "$state")
  xdotool mousemove --window "$window" $((x + w / 2)) $((y + h / 2))
  sleep 0.3
  xdotool mousedown 1; sleep 0.2; xdotool mouseup 1
  sleep 0.5
}
gan_index=$(value '.gan_index')
click model_path
xdotool type --delay 30 "$scratch/no_such_model.pt"
sleep 0.5
click model_open
wait_for 60 '.model_error | contains("no_such_model.pt")' "the failed Open's error naming the file"
sleep 1
[ "$(value '.model')" = '"demo:gan"' ] || fail "the failed Open changed the model: $(value '.model')"
[ "$(value '.has_dissection')" = true ] || fail "the failed Open dropped the dissection"
[ "$(value '.has_frame')" = true ] || fail "the failed Open left no frame"
[ "$(value '.gan_index')" = "$gan_index" ] || fail "the failed Open moved the GAN sample"
echo "painted one stroke of $points points with no window moved; Ctrl+Z, Right and Esc did their part;" \
  "a failed Open kept the GAN and its dissection"
