#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds unitscope and runs the main job on the built-in demo:
# the demo models' held-out metrics, a dissection of the demo classifier, a GAN dissection of the
# demo GAN and causal tests of its bush and house units.
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
echo "demo: reports in $out/dissection/report.html and $out/gan_dissection/report.html"
