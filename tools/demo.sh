#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds unitscope and runs the main job on the built-in demo:
# the demo models' held-out metrics, a dissection of the demo classifier, a GAN dissection of the
# demo GAN, causal tests of its bush and house units, the paper's story recorded as a video, and
# then the studio (when there is a display).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
cmake --preset release >/dev/null
cmake --build --preset release
out=${1:-demo}
bin=build/release/engine/unitscope
$bin eval
$bin dissect --out "$out/dissection"
$bin gan-dissect --out "$out/gan_dissection"
$bin intervene --action ablate --concept bush --dissection "$out/gan_dissection" --out "$out/remove_bushes"
$bin intervene --action insert --concept house --dissection "$out/gan_dissection" --out "$out/insert_houses"
$bin world --contact-sheet "$out/contact_sheet.png" --seed 1
$bin record --script assets/scripts/paper_story.json --out "$out/paper_story.mp4"
echo "demo: reports in $out/dissection/report.html and $out/gan_dissection/report.html, video $out/paper_story.mp4"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec $bin
else
  echo "demo: no display here; open the studio with: xvfb-run -a -s '-screen 0 1280x720x24' $bin, or run $bin on a desktop"
fi
