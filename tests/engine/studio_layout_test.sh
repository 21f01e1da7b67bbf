#!/bin/sh
# The studio's panel layout end to end under Xvfb, checked on the screenshot's JSON:
#   - at 1024x640, 1280x720 and 1920x1080 a first run places the default for that size: every
#     panel inside the window, none over another, each with its title drawn;
#   - a user's layout (imgui.ini marked customised) is kept, fitted into a smaller window, and
#     fitted from a bigger window's;
#   - an older studio's imgui.ini, with the overlap the bug report saw, gives way to the default;
#   - Reset layout (a script's "reset_layout") brings a broken user layout back to the default.
# Usage: studio_layout_test.sh UNITSCOPE CHECKER SCRATCH FIXTURES
set -eu
unitscope=$1 check=$2 scratch=$3 fixtures=$4
rm -rf "$scratch"
mkdir -p "$scratch"
export UNITSCOPE_CACHE_DIR="$scratch/cache"
panels="Source|Model and layer|Toggles|Viewport|Feature maps|Unit inspector|Dissection pass|Ablation curves|Record"

# studio CASE W H [ARG]...: a few frames in a W x H window (the screen is bigger, so the window is
# never cut), config in $scratch/CASE (kept between runs of a case); writes $scratch/CASE/shot.png.
studio() {
  dir=$scratch/$1 w=$2 h=$3
  shift 3
  mkdir -p "$dir/config"
  UNITSCOPE_CONFIG_DIR="$dir/config" xvfb-run -a -s "-screen 0 2560x1440x24" \
    "$unitscope" --frames 6 --width "$w" --height "$h" --screenshot "$dir/shot.png" "$@"
}

# ini CASE [TITLE X Y W H]...: that case's imgui.ini with these windows; a layout section follows
# with `section CASE CUSTOMISED W H`.
ini() {
  mkdir -p "$scratch/$1/config"
  out=$scratch/$1/config/imgui.ini
  shift
  : >"$out"
  while [ $# -ge 5 ]; do
    printf '[Window][%s]\nPos=%s,%s\nSize=%s,%s\nCollapsed=0\n\n' "$1" "$2" "$3" "$4" "$5" >>"$out"
    shift 5
  done
}
section() { printf '[Unitscope][Layout]\nCustomised=%s\nDisplay=%s,%s\n\n' "$2" "$3" "$4" >>"$scratch/$1/config/imgui.ini"; }

# The default at each size, remembered in imgui.ini with the display it was made for.
for size in 1024x640 1280x720 1920x1080; do
  w=${size%x*} h=${size#*x}
  studio "default_$size" "$w" "$h"
  set --
  IFS='|'
  for p in $panels; do set -- "$@" --window "$p"; done
  unset IFS
  "$check" "$scratch/default_$size/shot.png" --expect-layout "$w" "$h" --expect-default --customised no "$@"
  grep -q "^Display=$w,$h\$" "$scratch/default_$size/config/imgui.ini"
done

# A user's layout at 1280x720 (viewport and feature maps swapped) is kept as they left it...
ini user Source 0 19 301 210  "Model and layer" 0 229 301 253  Toggles 0 482 301 238 \
  "Feature maps" 301 19 460 421  Viewport 761 19 519 421  "Unit inspector" 301 440 326 280 \
  "Dissection pass" 627 440 230 280  "Ablation curves" 857 440 243 280  Record 1100 440 180 280
section user 1 1280 720
studio user 1280 720
"$check" "$scratch/user/shot.png" --expect-layout 1280 720 --customised yes \
  --expect-rect "Feature maps" 301 19 460 421 --expect-rect Viewport 761 19 519 421
# ... fitted into a smaller window, and back (the layout saved in between) within rounding.
studio user 1024 640
"$check" "$scratch/user/shot.png" --expect-layout 1024 640 --customised yes --expect-rect Viewport 609 19 415 373
studio user 1280 720
"$check" "$scratch/user/shot.png" --expect-layout 1280 720 --customised yes --expect-rect Viewport 761 19 519 421

# A user's layout saved in a 2560x1440 window, opened in 1280x720: half the width, 701/1421 of the
# height below the menu bar, arrangement kept.
ini big Source 0 19 420 426  "Model and layer" 0 445 420 512  Toggles 0 957 420 483 \
  "Feature maps" 420 19 1006 941  Viewport 1426 19 1134 941  "Unit inspector" 420 960 713 480 \
  "Dissection pass" 1133 960 503 480  "Ablation curves" 1636 960 530 480  Record 2166 960 394 480
section big 1 2560 1440
studio big 1280 720
"$check" "$scratch/big/shot.png" --expect-layout 1280 720 --customised yes \
  --expect-rect Viewport 713 19 567 464 --expect-rect Record 1083 483 197 237

# An older studio's imgui.ini (no layout section) with Record over the ablation curves and the
# feature maps hanging out of the window: the default replaces it.
ini old Source 0 19 300 210  "Model and layer" 0 229 300 252  Toggles 0 481 300 238 \
  Viewport 300 19 518 420  "Feature maps" 819 19 460 420  "Unit inspector" 300 439 326 280 \
  "Dissection pass" 627 439 230 280  "Ablation curves" 857 439 243 280  Record 800 439 300 280
studio old 1024 640
"$check" "$scratch/old/shot.png" --expect-layout 1024 640 --expect-default --customised no

# The same overlap made by the user is theirs until they reset it; a script's reset_layout (the
# Layout menu's Reset layout) restores the default, and the next run keeps it.
ini reset Source 0 19 301 210  "Model and layer" 0 229 301 253  Toggles 0 482 301 238 \
  Viewport 301 19 519 421  "Feature maps" 820 19 460 421  "Unit inspector" 301 440 326 280 \
  "Dissection pass" 627 440 230 280  "Ablation curves" 857 440 243 280  Record 800 440 300 280
section reset 1 1280 720
studio reset 1280 720
"$check" "$scratch/reset/shot.png" --customised yes --expect-rect Record 800 440 300 280
studio reset 1280 720 --script "$fixtures/studio_reset_layout.json"
"$check" "$scratch/reset/shot.png" --expect-layout 1280 720 --expect-default --customised no
grep -q '^Customised=0$' "$scratch/reset/config/imgui.ini"
studio reset 1280 720
"$check" "$scratch/reset/shot.png" --expect-layout 1280 720 --expect-default --customised no
echo "layout checked at 1024x640, 1280x720 and 1920x1080; kept, fitted and reset"
