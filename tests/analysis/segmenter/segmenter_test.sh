#!/bin/sh
# Concepts from any segmenter, end to end, with a segmenter of our own vocabulary (two heads, hue and
# form, made by make_test_segmenter.py). Each command must exit 0 and give the figures that show it
# read the segmenter right. Usage: segmenter_test.sh MODE UNITSCOPE MODELS DIR
#   folder   dissect --segmenter on a folder with class subfolders, a list and a video; the labels
#            are cached, written with --write-labels, and read back with --dataset; a bad sidecar
#   resume   a dissect --segmenter run killed (-9) while labelling, then re-run: byte-identical
#   demo     the demo segmenter on a plain folder of SceneWorld images against the Broden export
#            of the same images: features.27's object units keep their best label
#   gan      gan-dissect and intervene on the demo GAN with the test segmenter's concepts, with no
#            --dissection (the cached one is made, then reused)
#   ace      intervene --rank ace on the demo GAN's bush: the ACE- and IoU-ranked removal curves
#   studio   the studio (under Xvfb) and `record` open a user's generator paired with the test
#            segmenter from a script: its concepts fill the concept filter, a concept toggle records,
#            and a concept paints
set -eu
mode=$1 unitscope=$2 models=$3 dir=$4
here=$(cd "$(dirname "$0")/../../engine" && pwd)
. "$here/cli_helpers.sh"
rm -rf "$dir"
mkdir -p "$dir"
export UNITSCOPE_CACHE_DIR="$dir/cache"
segmenter=$models/test_segmenter.pt

# N SceneWorld images of SIZE, as plain JPEG files in DIR/plain (no index, no labels), and their
# Broden export in DIR/world.
plain_images() {
  run "$dir/world.txt" "$unitscope" world --out "$dir/world" --images "$1" --size "$2" --threads 2
  mkdir -p "$dir/plain"
  cp "$dir"/world/images/sceneworld/*.jpg "$dir/plain/"
}

case $mode in
folder)
  plain_images 48 128
  # Class subfolders: the folder is walked whole.
  mkdir -p "$dir/classes/a" "$dir/classes/b"
  for f in "$dir"/plain/0000[0-1]*.jpg; do cp "$f" "$dir/classes/a/"; done
  for f in "$dir"/plain/0000[2-4]*.jpg; do cp "$f" "$dir/classes/b/"; done
  run "$dir/d1.txt" "$unitscope" dissect --layers features.27 --dataset "$dir/classes" --segmenter "$segmenter" \
    --out "$dir/d1" --threads 2
  expect_line "$log" "^dissect: 48 images labelled by .*test_segmenter.pt in $dir/cache/labels/classes-[0-9a-f]+\$"
  expect_line "$log" '^ +features\.27 +128 units'
  doc=$dir/d1/features.27/dissection.json
  equals "images" "$(json "$doc" images)" 48
  # Its concepts, its categories: nothing of SceneWorld's.
  equals "categories" "$(json_array "$doc" categories | paste -sd , -)" '"color","shape"'
  labels=$(json_all "$doc" label | sort -u | paste -sd ' ' -)
  echo "unit labels: $labels"
  for l in $labels; do
    case $l in '"ruby"' | '"jade"' | '"cobalt"' | '"snow"' | '"coal"' | '"amber"' | '"ridge-h"' | '"ridge-v"' | '"level"') ;;
      *) fail "label $l is not the test segmenter's" ;; esac
  done
  grep -q '>level<\|level' "$dir/d1/report.html" || fail "report.html names no concept of the segmenter"
  head -1 "$dir/d1/features.27/tally.csv" | grep -q "color" || fail "tally.csv has no color column"
  # A second layer reuses the labels.
  run "$dir/d2.txt" "$unitscope" dissect --layers features.24 --dataset "$dir/classes" --segmenter "$segmenter" \
    --out "$dir/d2" --threads 2 --no-report
  expect_line "$log" 'labelled by .* \(already there\)$'
  # --write-labels writes a Broden-layout dataset that --dataset reads to the same tallies.
  run "$dir/w.txt" "$unitscope" dissect --dataset "$dir/classes" --segmenter "$segmenter" --write-labels "$dir/labels" \
    --labels-only
  equals "labelled rows" "$(rows "$dir/labels/index.csv")" 48
  equals "index header" "$(head -1 "$dir/labels/index.csv")" "image,split,ih,iw,sh,sw,color,shape"
  run "$dir/d3.txt" "$unitscope" dissect --layers features.27 --dataset "$dir/labels" --out "$dir/d3" --threads 2
  cmp "$dir/d1/features.27/tally.csv" "$dir/d3/features.27/tally.csv" || fail "tallies differ between the cache and --write-labels"
  echo "ok: the written labels give the same tally.csv"
  # A file list, relative to its folder, with a comment.
  (cd "$dir/plain" && { echo "# twelve"; ls | head -12; }) >"$dir/plain/list.txt"
  run "$dir/d4.txt" "$unitscope" dissect --layers features.27 --dataset "$dir/plain/list.txt" --segmenter "$segmenter" \
    --out "$dir/d4" --threads 2 --no-report
  equals "listed images" "$(json "$dir/d4/features.27/dissection.json" images)" 12
  # A video, every second frame.
  ffmpeg -loglevel error -framerate 10 -pattern_type glob -i "$dir/plain/*.jpg" -c:v libx264 -pix_fmt yuv420p \
    "$dir/clip.mp4"
  run "$dir/d5.txt" "$unitscope" dissect --layers features.27 --dataset "$dir/clip.mp4" --segmenter "$segmenter" \
    --video-step 2 --out "$dir/d5" --threads 2 --no-report
  equals "video frames" "$(json "$dir/d5/features.27/dissection.json" images)" 24
  # A sidecar that does not match the model is refused before any work, naming both.
  "$here/cli_expect.sh" --exit 1 --expect "bad_channels\.pt gives 12 channels; its sidecar .*bad_channels\.pt\.json names 13: hue \(color, channels 0\.\.8" -- \
    "$unitscope" dissect --layers features.27 --dataset "$dir/plain" --segmenter "$models/bad_channels.pt" \
    --out "$dir/bad" || fail "a sidecar naming too many channels was not refused"
  test ! -e "$dir/bad" || fail "a refused run wrote $dir/bad"
  ;;
resume)
  plain_images 160 128
  common="--layers features.27 --dataset $dir/plain --segmenter $segmenter --threads 1"
  # Both runs write the same paths (dissection.json names its dataset): the first is moved aside.
  run "$dir/whole.txt" "$unitscope" dissect $common --out "$dir/out" --write-labels "$dir/labels"
  mv "$dir/out" "$dir/whole"
  mv "$dir/labels" "$dir/labels_whole"
  "$unitscope" dissect $common --out "$dir/out" --write-labels "$dir/labels" >"$dir/killed.txt" 2>&1 &
  pid=$!
  # Killed as soon as the first chunk of labels is on disk.
  i=0
  until [ -e "$dir/labels/.chunks/000000.json" ]; do
    i=$((i + 1))
    [ $i -lt 2000 ] || fail "no chunk of labels appeared"
    sleep 0.02
  done
  kill -9 $pid
  wait $pid || true
  test ! -e "$dir/labels/index.csv" || fail "the run ended before it was killed"
  run "$dir/resumed.txt" "$unitscope" dissect $common --out "$dir/out" --write-labels "$dir/labels"
  for f in features.27/tally.csv features.27/dissection.json report.html; do
    cmp "$dir/whole/$f" "$dir/out/$f" || fail "$f differs after the resume"
  done
  diff -r "$dir/labels_whole" "$dir/labels" || fail "the labels differ after the resume"
  echo "ok: the resumed run is byte-identical"
  ;;
demo)
  plain_images 300 128
  run "$dir/broden.txt" "$unitscope" dissect --layers features.27 --dataset "$dir/world" --out "$dir/broden" --no-report
  run "$dir/seg.txt" "$unitscope" dissect --layers features.27 --dataset "$dir/plain" --segmenter demo \
    --out "$dir/seg" --no-report
  # Per unit: best label and category on the Broden export, best label with the segmenter.
  pairs() { sed -n 's/^   "label": "\([^"]*\)",$/\1/p; s/^   "category": "\([^"]*\)",$/\1/p' "$1" | paste - -; }
  pairs "$dir/broden/features.27/dissection.json" >"$dir/broden.tsv"
  pairs "$dir/seg/features.27/dissection.json" >"$dir/seg.tsv"
  paste "$dir/broden.tsv" "$dir/seg.tsv" >"$dir/both.tsv"
  objects=$(awk '$2 == "object"' "$dir/both.tsv" | wc -l)
  same=$(awk '$2 == "object" && $1 == $3' "$dir/both.tsv" | wc -l)
  echo "units whose Broden best label is an object: $objects; same best label with the demo segmenter: $same"
  awk '$2 == "object" && $1 != $3 { print "  differs: " $1 " -> " $3 }' "$dir/both.tsv"
  between "object units" "$objects" 20 128
  between "share that keep their label" "$(calc "$same / $objects")" 0.9 1
  ;;
gan)
  run "$dir/gd.txt" "$unitscope" gan-dissect --segmenter "$segmenter" --samples 100 --out "$dir/gd" --threads 2
  expect_line "$log" '^ +color +[0-9]+ units'
  doc=$dir/gd/layer3/dissection.json
  equals "categories" "$(json_array "$doc" categories | paste -sd , -)" '"color","shape"'
  equals "sample label planes" "$(head -1 "$dir/gd/samples/index.csv")" "image,split,ih,iw,sh,sw,color,shape"
  grep -q 'snow\|cobalt\|ruby\|jade' "$dir/gd/report.html" || fail "report.html names no hue"
  # intervene with no --dissection: the generator, segmenter and layer's cached dissection is made,
  # then found.
  run "$dir/i1.txt" "$unitscope" intervene --segmenter "$segmenter" --concept snow --samples 16 --counts 1,8 \
    --out "$dir/i1" --threads 2
  expect_line "$log" '^intervene: no dissection of layer3 yet; dissecting it \(cached in .*/dissections/gan-[0-9a-f]+/layer3/pnas-g[0-9a-f]+\)$'
  expect_line "$log" '^ablating the top units by IoU for snow at layer3 over 16 samples'
  equals "concept" "$(json "$dir/i1/intervention.json" concept)" '"snow"'
  removed=$(awk -F, 'NR == 3 { print $2 }' "$dir/i1/ablation.csv")
  between "snow removed by its top 8 units" "$removed" 0.05 1
  run "$dir/i2.txt" "$unitscope" intervene --segmenter "$segmenter" --action insert --concept ruby --samples 2 \
    --out "$dir/i2" --threads 2
  expect_line "$log" '^intervene: using the dissection in .*/pnas-g[0-9a-f]+$'
  # A concept the segmenter does not know is named with those it knows.
  "$here/cli_expect.sh" --exit 1 --expect 'knows no concept "bush"; it knows ruby, jade, cobalt, snow, coal, amber, ridge-h, ridge-v, level' -- \
    "$unitscope" intervene --segmenter "$segmenter" --concept bush --samples 2 --out "$dir/i3" ||
    fail "an unknown concept was not refused"
  ;;
ace)
  run "$dir/gd.txt" "$unitscope" gan-dissect --samples 200 --out "$dir/gd" --threads 2 --no-report
  run "$dir/ace.txt" "$unitscope" intervene --rank ace --concept bush --counts 4,8,20 --samples 64 \
    --dissection "$dir/gd" --out "$dir/ace" --threads 2
  csv=$dir/ace/ablation.csv
  equals "header" "$(head -1 "$csv")" "units,removed,others_kept,removed_iou,others_kept_iou"
  equals "rank" "$(json "$dir/ace/intervention.json" rank)" '"ace"'
  grep -q '<polyline' "$dir/ace/report.html" || fail "report.html draws no curves"
  awk -F, 'NR > 1 { printf "k = %s: ACE top-k removes %.1f%%, IoU top-k %.1f%%\n", $1, 100 * $2, 100 * $4 }' "$csv"
  for k in 4 8 20; do
    row=$(awk -F, -v k=$k '$1 == k' "$csv")
    ace=$(echo "$row" | cut -d, -f2)
    iou=$(echo "$row" | cut -d, -f4)
    between "k = $k: ACE top-k minus IoU top-k" "$(calc "$ace - $iou")" 0 1
  done
  ;;
studio)
  export UNITSCOPE_CONFIG_DIR="$dir/config"
  cat >"$dir/pair.json" <<JSON
{"title": "a user's generator and segmenter", "width": 480, "height": 270, "fps": 10, "duration": 1.0,
 "events": [
  {"at": 0.0, "model": "$models/test_generator.pt", "segmenter": "$segmenter", "layer": "block2"},
  {"at": 0.0, "source": "gan", "seed": 3, "index": 1},
  {"at": 0.2, "concept_filter": "ruby"},
  {"at": 0.5, "toggle_concept": {"concept": "ruby", "units": 4, "on": false}},
  {"at": 0.7, "paint": {"concept": "jade", "units": 4, "points": [[0.3, 0.3], [0.6, 0.6]], "radius": 0.1}}
 ]}
JSON
  # record dissects the pair first (into the cache the studio reads); the toggle changes the frames after it.
  run "$dir/record.txt" "$unitscope" record --quiet --script "$dir/pair.json" --png --out "$dir/frames"
  equals "frames" "$(ls "$dir/frames" | wc -l)" 10
  if cmp -s "$dir/frames/frame_000004.png" "$dir/frames/frame_000007.png"; then
    fail "frames before and after the toggle are identical"
  fi
  echo "ok: the toggle shows in the recording"
  xvfb-run -a -s "-screen 0 1280x720x24" "$unitscope" --script "$dir/pair.json" --frames 40 \
    --state-file "$dir/state.json" >"$dir/studio.txt" 2>&1 || { cat "$dir/studio.txt"; fail "the studio did not run the script"; }
  state=$dir/state.json
  cat "$state" | grep -v '^    ' | head -40
  equals "model" "$(json "$state" model)" "\"$models/test_generator.pt\""
  equals "segmenter" "$(json "$state" segmenter)" "\"$segmenter\""
  equals "concept filter" "$(json "$state" concept_filter)" '"ruby"'
  equals "toggles" "$(json "$state" toggles)" 4
  equals "paint strokes with jade" "$(json "$state" paint_strokes)" 1
  concepts=$(json_array "$state" concepts | paste -sd ' ' -)
  echo "the concept filter lists: $concepts"
  [ -n "$concepts" ] || fail "the concept filter lists nothing"
  for c in $concepts; do
    case $c in '"ruby"' | '"jade"' | '"cobalt"' | '"snow"' | '"coal"' | '"amber"' | '"ridge-h"' | '"ridge-v"' | '"level"') ;;
      *) fail "the concept filter lists $c, not a concept of the test segmenter" ;; esac
  done
  echo "$concepts" | grep -q '"ruby"' || fail "ruby, the toggled concept, is not listed"
  ls "$dir"/cache/dissections/test_generator-*/block2/ | grep -q '^pnas-g[0-9a-f]*$' ||
    fail "no dissection of the pair in the cache"
  # The pair is remembered for the next session.
  grep -q "\"segmenter\": \"$segmenter\"" "$dir/config/studio.json" || fail "studio.json lost the segmenter"
  ;;
*)
  echo "unknown mode $mode" >&2
  exit 2
  ;;
esac
echo "segmenter_test $mode: every check passed"
