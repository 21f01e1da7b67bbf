#!/bin/sh
# The studio end to end. Usage: studio_test.sh MODE UNITSCOPE CHECKER SCRATCH FIXTURES [DISSECTION]
#   screenshot: under Xvfb, a scripted sequence; the screenshot must show every panel and the mask,
#               and (classifier and GAN) no panel's contents cut at its right edge.
#   layout:     selections and the window layout are saved on exit and restored by the next run.
#   record:     `unitscope record` twice gives byte-identical frames (PNG) and files (MP4).
#   stray:      a session writes nothing into the launch folder or HOME, only its own folders.
set -eu
mode=$1 unitscope=$2 check=$3 scratch=$4 fixtures=$5 dissection=${6:-}
xvfb() { xvfb-run -a -s "-screen 0 1280x720x24" "$@"; }
rm -rf "$scratch"
mkdir -p "$scratch"
export UNITSCOPE_CONFIG_DIR="$scratch/config" UNITSCOPE_CACHE_DIR="$scratch/cache" UNITSCOPE_OUTPUT_DIR="$scratch/output"
case $mode in
screenshot)
  xvfb "$unitscope" --forget --frames 45 --script "$fixtures/studio_smoke.json" --dissection "$dissection" \
    --screenshot "$scratch/shot.png"
  "$check" "$scratch/shot.png" --expect-mask --window Source --window "Model and layer" --window Toggles \
    --window Viewport --window "Feature maps" --window "Unit inspector" --window "Dissection pass" \
    --window "Ablation curves" --window Record
  grep -q '"toggles": 3' "$scratch/shot.png.json"
  # Nothing cut at the right edge, for the classifier and for the GAN (its own Source, Toggles and
  # layer list), at the three sizes the layout is made for.
  fits() {
    "$check" "$1" --fit Source --fit "Model and layer" --fit Toggles --fit Viewport --fit "Feature maps" \
      --fit "Unit inspector" --fit "Dissection pass" --fit "Ablation curves" --fit Record
  }
  for size in 1024x640 1280x720 1920x1080; do
    xvfb-run -a -s "-screen 0 2560x1440x24" "$unitscope" --forget --frames 45 --width "${size%x*}" \
      --height "${size#*x}" --script "$fixtures/studio_smoke.json" --dissection "$dissection" \
      --screenshot "$scratch/classifier_$size.png"
    fits "$scratch/classifier_$size.png"
    xvfb-run -a -s "-screen 0 2560x1440x24" "$unitscope" --forget --frames 30 --width "${size%x*}" \
      --height "${size#*x}" --script "$fixtures/studio_gan_fit.json" --dissection "$dissection" \
      --screenshot "$scratch/gan_$size.png"
    fits "$scratch/gan_$size.png"
    # The GAN with edits shows original | edited, each half captioned; the classifier never does.
    "$check" "$scratch/gan_$size.png" --expect-captions
    test "$(jq -r '.viewport_original' "$scratch/classifier_$size.png.json")" = null
  done
  # A still is the viewport rendered again at 4x its size, not the screen's pixels scaled up.
  xvfb "$unitscope" --forget --frames 40 --script "$fixtures/studio_still.json" --dissection "$dissection" \
    --screenshot "$scratch/still.png"
  "$check" "$scratch/still.png" --still "$scratch/output/stills/unit.png" 4
  echo "studio screenshot checked"
  ;;
layout)
  xvfb "$unitscope" --frames 20 --script "$fixtures/studio_smoke.json" --dissection "$dissection" \
    --screenshot "$scratch/first.png"
  test -s "$scratch/config/imgui.ini"
  test -s "$scratch/config/studio.json"
  unit=$(sed -n 's/.*"selected_unit": \(-\{0,1\}[0-9]*\).*/\1/p' "$scratch/first.png.json")
  test "$unit" -ge 0
  xvfb "$unitscope" --frames 3 --screenshot "$scratch/second.png"
  grep -q "\"selected_unit\": $unit," "$scratch/second.png.json"
  grep -q '\[Window\]\[Viewport\]' "$scratch/config/imgui.ini"
  echo "layout and selection restored (unit $unit)"
  ;;
stray)
  # Launched from a folder of its own with a HOME of its own: after a scripted session (model,
  # layer, selection, toggles) and a clean exit, both must still be empty; what it keeps goes to
  # the config, cache and output folders. (Mesa's own shader cache, the driver's, is not ours.)
  mkdir -p "$scratch/cwd" "$scratch/home"
  (cd "$scratch/cwd" && HOME="$scratch/home" xvfb "$unitscope" --frames 20 --script "$fixtures/studio_smoke.json" \
    --dissection "$dissection" --screenshot "$scratch/shot.png")
  stray=$(find "$scratch/cwd" "$scratch/home" -mindepth 1 -not -path "$scratch/home/.cache" \
    -not -path "$scratch/home/.cache/mesa_shader_cache*")
  if [ -n "$stray" ]; then
    echo "the studio wrote outside its folders:" >&2
    echo "$stray" >&2
    exit 1
  fi
  test -s "$scratch/config/imgui.ini"
  test -s "$scratch/config/studio.json"
  echo "no file outside the config, cache and output folders"
  ;;
record)
  for run in a b; do
    "$unitscope" record --quiet --script "$fixtures/studio_record.json" --png --out "$scratch/$run"
    "$unitscope" record --quiet --script "$fixtures/studio_record.json" --out "$scratch/$run.mp4"
  done
  frames=$(ls "$scratch/a" | wc -l)
  test "$frames" -eq 16
  for f in "$scratch"/a/*.png; do cmp "$f" "$scratch/b/$(basename "$f")"; done
  cmp "$scratch/a.mp4" "$scratch/b.mp4"
  # The frames change along the timeline: the edits and the GAN are really drawn.
  # (`! cmd` never stops a `set -e` script, so each comparison fails the test explicitly.)
  for pair in 000003:000006 000006:000014; do
    if cmp -s "$scratch/a/frame_${pair%:*}.png" "$scratch/a/frame_${pair#*:}.png"; then
      echo "frames ${pair%:*} and ${pair#*:} are identical: the timeline did not move" >&2
      exit 1
    fi
  done
  echo "recorded $frames identical frames twice"
  ;;
*)
  echo "unknown mode $mode" >&2
  exit 2
  ;;
esac
