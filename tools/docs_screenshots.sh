#!/usr/bin/env bash
# Renders the README's studio screenshots (docs/screenshots/studio_WxH.png): the demo classifier
# labelled by its dissection, units sorted by IoU, at 1024x640, 1280x720 and 1920x1080 under Xvfb.
# Each is checked before it is kept: every panel inside the window, none over another, and nothing
# in any panel laid out past its right edge (the studio's own overflow measure).
# Usage: tools/docs_screenshots.sh [BUILD_DIR] [DISSECTION]
#   BUILD_DIR   a configured build with the tests (default build/ci)
#   DISSECTION  a `unitscope dissect` output of the demo classifier (default: made in a temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/ci}
unitscope=$build/engine/unitscope
check=$build/tests/engine/studio_screenshot_check
for f in "$unitscope" "$check"; do
  [ -x "$f" ] || { echo "docs_screenshots: $f is missing; build $build first" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dissection=${2:-}
if [ -z "$dissection" ]; then
  dissection=$work/dissection
  "$unitscope" dissect --out "$dissection"
fi
panels=(Source "Model and layer" Toggles Viewport "Feature maps" "Unit inspector" "Dissection pass" "Ablation curves"
  Record)
args=()
for p in "${panels[@]}"; do args+=(--window "$p" --fit "$p"); done
for size in 1024x640 1280x720 1920x1080; do
  w=${size%x*} h=${size#*x}
  config=$work/config_$size
  mkdir -p "$config"
  # Best detectors first: each tile shows its number and label.
  echo '{"sort": "iou"}' >"$config/studio.json"
  UNITSCOPE_CONFIG_DIR=$config UNITSCOPE_CACHE_DIR=$work/cache UNITSCOPE_OUTPUT_DIR=$work/output \
    xvfb-run -a -s "-screen 0 2560x1440x24" "$unitscope" --frames 45 --width "$w" --height "$h" \
    --script docs/screenshots/studio_tour.json --dissection "$dissection" --screenshot "$work/studio_$size.png"
  "$check" "$work/studio_$size.png" --expect-layout "$w" "$h" --expect-mask "${args[@]}"
  cp "$work/studio_$size.png" "docs/screenshots/studio_$size.png"
  echo "docs/screenshots/studio_$size.png"
done
