#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds unitscope and runs the main job on the built-in demo.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
cmake --preset release >/dev/null
cmake --build --preset release
out=${1:-demo}
build/release/engine/unitscope world --out "$out/world" --images 2000 --seed 1 \
  --contact-sheet "$out/contact_sheet.png"
echo "demo: SceneWorld dataset in $out/world, contact sheet in $out/contact_sheet.png"
