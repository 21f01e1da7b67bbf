#!/bin/bash
# The studio built with AddressSanitizer and UBSan (the asan-studio preset), from start to a clean
# exit under Xvfb: a scripted session through the classifier and the GAN (selection, toggles,
# captions, stills, side by side, layout reset), then the exit that saves imgui.ini and studio.json.
# Any report fails it: ASan and UBSan abort with a non-zero exit, and their report is searched too.
# Usage: studio_sanitize_test.sh UNITSCOPE FIXTURES SCRATCH
set -euo pipefail
unitscope=$1 fixtures=$2 scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch/cwd"
export UNITSCOPE_CONFIG_DIR="$scratch/config" UNITSCOPE_CACHE_DIR="$scratch/cache" UNITSCOPE_OUTPUT_DIR="$scratch/output"

# Vulkan's loader unloads the lavapipe driver at exit, and LeakSanitizer then cannot name the module
# of the driver's own leftovers (tests/lsan.supp suppresses them by name). Preloaded, it stays
# mapped; ASan then no longer comes first among the preloads, which is fine for a library that
# neither allocates before main nor replaces malloc.
icd=$(jq -r '.ICD.library_path' /usr/share/vulkan/icd.d/lvp_icd.*.json 2>/dev/null | head -n 1)
[ -f "$icd" ] || { echo "studio_sanitize_test: no lavapipe driver (mesa-vulkan-drivers)" >&2; exit 1; }
export LD_PRELOAD=$icd ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

status=0
(cd "$scratch/cwd" && xvfb-run -a -s "-screen 0 1280x720x24" "$unitscope" --frames 100 \
  --script "$fixtures/studio_sanitize.json" --screenshot "$scratch/shot.png") >"$scratch/studio.log" 2>&1 || status=$?
if [ $status -ne 0 ] || grep -q -e "ERROR: AddressSanitizer" -e "ERROR: LeakSanitizer" -e "runtime error:" \
  "$scratch/studio.log"; then
  echo "studio_sanitize_test: the studio exited $status or a sanitizer reported:" >&2
  cat "$scratch/studio.log" >&2
  exit 1
fi
# It really ran the session: the GAN at the end, both stills written, settings saved on exit, and
# nothing written into the launch folder (the bug this test was made for left an ini copy there).
test "$(jq -r .model "$scratch/shot.png.json")" = "demo:gan"
test "$(jq -r .has_frame "$scratch/shot.png.json")" = true
test -s "$scratch/output/stills/classifier.png"
test -s "$scratch/output/stills/gan.png"
test -s "$scratch/config/imgui.ini"
test -s "$scratch/config/studio.json"
test -z "$(ls -A "$scratch/cwd")"
echo "studio session clean under ASan and UBSan"
