#!/bin/sh
# Users' models end to end (make_users_models.py): a ViT's token layer dissected and ablated, and
# ProGAN-shaped generators dissected. Each command must exit 0 and give the figures that show it
# read the model right. Usage: users_models_test.sh MODE UNITSCOPE MODELS DIR
#   vit_dissect     vit_b_16's encoder_layer_6 on a SceneWorld dataset in Broden layout
#   vit_ablate      every token unit of the small ViT's encoder_layer_2, one at a time
#   progan_dissect  the scripted generator with a [512, 1, 1] latent, and builtin:progan256
set -eu
mode=$1 unitscope=$2 models=$3 dir=$4
here=$(cd "$(dirname "$0")/../../engine" && pwd)
. "$here/cli_helpers.sh"
# Each run starts from an empty directory: one left by an older build may hold other settings.
rm -rf "$dir"
mkdir -p "$dir"

world() {
  run "$dir/world.txt" "$unitscope" world --out "$dir/world" --images 24 --size 64 --threads 1
}

case $mode in
vit_dissect)
  run "$dir/layers.txt" "$unitscope" layers --model "$models/vit_b_16.pt"
  expect_line "$log" '^encoder\.layers\.encoder_layer_6 +EncoderBlock +17x768 +768 units on 4x4 tokens, class token aside$'
  expect_line "$log" '^conv_proj +Conv2d +768x4x4 +768 units on 4x4$'
  world
  layer=encoder.layers.encoder_layer_6
  run "$dir/dissect.txt" "$unitscope" dissect --model "$models/vit_b_16.pt" --layers $layer \
    --dataset "$dir/world" --out "$dir/vit" --threads 1
  expect_line "$log" "^ +$layer +768 units, +[0-9]+ detectors"
  doc=$dir/vit/$layer/dissection.json
  equals "dissected shape" "$(json_array "$doc" shape | paste -sd , -)" 768,4,4
  equals "units in tally.csv" "$(rows "$dir/vit/$layer/tally.csv")" 768
  equals "units with a class token value" "$(grep -c '"class_token": {' "$doc")" 768
  equals "images" "$(json "$doc" images)" 24
  [ -s "$dir/vit/report.html" ] || fail "no report.html"
  # A layout that does not fit is an error naming the layer and shape.
  "$here/cli_expect.sh" --exit 1 --expect "encoder_layer_6 of .* gives \[17, 768\] per sample; nhwc needs \[H, W, C\]" -- \
    "$unitscope" dissect --model "$models/vit_b_16.pt" --layers $layer --layout nhwc \
    --dataset "$dir/world" --out "$dir/vit_nhwc" --threads 1 || fail "a wrong --layout was not refused"
  ;;
vit_ablate)
  world
  layer=encoder.layers.encoder_layer_2
  run "$dir/ablate.txt" "$unitscope" ablate --model "$models/vit_small.pt" --layer $layer \
    --dataset "$dir/world" --out "$dir/ablate" --k 3 --random-repeats 1 --threads 1
  expect_line "$log" "ablated layer $layer of .*vit_small\.pt: 64 units, ranked on [0-9]+ train images"
  equals "units" "$(json "$dir/ablate/ablation.json" units)" 64
  equals "units.csv rows" "$(rows "$dir/ablate/units.csv")" 64
  # Zeroing a unit across its tokens moves the logits: some unit's removal changes some class's
  # train accuracy or margin (a no-op ablation leaves every drop at 0).
  moved=$(awk -F, 'NR > 1 && ($4 + 0 != 0 || $5 + 0 != 0) { n++ } END { print n + 0 }' "$dir/ablate/importance.csv")
  between "ranked (class, unit) pairs whose ablation moved accuracy or margin" "$moved" 1 640
  ;;
progan_dissect)
  run "$dir/progan.txt" "$unitscope" gan-dissect --model "$models/progan.pt" --layers layer2,layer3 \
    --samples 12 --out "$dir/progan" --threads 1
  expect_line "$log" '^ +layer2 +48 units'
  expect_line "$log" '^ +layer3 +32 units'
  equals "layer3 shape" "$(json_array "$dir/progan/layer3/dissection.json" shape | paste -sd , -)" 32,24,24
  equals "samples" "$(rows "$dir/progan/samples/index.csv")" 12
  equals "sample size (ih, iw, sh, sw)" "$(awk -F, 'NR == 2 { print $3 "," $4 "," $5 "," $6 }' "$dir/progan/samples/index.csv")" 48,48,48,48
  run "$dir/builtin.txt" "$unitscope" gan-dissect --model builtin:progan256 --layers layer2 \
    --samples 4 --batch 2 --out "$dir/builtin" --threads 2
  expect_line "$log" '^ +layer2 +[0-9]+ units'
  equals "builtin samples" "$(rows "$dir/builtin/samples/index.csv")" 4
  ;;
*)
  fail "unknown mode $mode"
  ;;
esac
echo "ok: $mode"
