#!/bin/sh
# dissect --cache fp32|fp16|none and --disk-budget on the demo classifier.
# Usage: cache_test.sh MODE UNITSCOPE DIR
#   modes   none gives tally.csv, dissection.json and report.html byte-identical to fp32; fp16's
#           cache is half of fp32's and its labels and IoUs stay close; auto picks by the budget,
#           after printing the estimate; bad values are refused
#   switch  an fp32 run killed (-9) mid-way resumes with --cache none to fp32's bytes; switching
#           to fp16 is refused
#   mpi     2 ranks with --cache none and with --cache fp16 give one process's bytes of that mode
set -eu
mode=$1 unitscope=$2 dir=$3
here=$(cd "$(dirname "$0")/../../engine" && pwd)
. "$here/cli_helpers.sh"
rm -rf "$dir"
mkdir -p "$dir"
export UNITSCOPE_CACHE_DIR="$dir/cache"
same() {
  for f in features.24/tally.csv features.24/dissection.json features.27/tally.csv features.27/dissection.json report.html; do
    cmp "$1/$f" "$2/$f" || fail "$f differs between $(basename "$1") and $(basename "$2")"
  done
  echo "ok: $(basename "$2") = $(basename "$1") (tally.csv, dissection.json, report.html)"
}
run "$dir/world.txt" "$unitscope" world --out "$dir/world" --images 120 --size 96 --threads 2
common="dissect --dataset $dir/world --layers features.24,features.27 --batch 8"

case $mode in
modes)
  for m in fp32 none fp16; do
    run "$dir/$m.txt" "$unitscope" $common --out "$dir/$m" --cache $m --keep-cache --threads 2
    expect_line "$log" "^dissect: the activation cache needs .* for 120 images; .* free, budget .*: --cache $m\$"
  done
  same "$dir/fp32" "$dir/none"
  [ -z "$(find "$dir/none/.dissect" -name '*.f*')" ] || fail "--cache none wrote a cache"
  f32=$(stat -c %s "$dir/fp32/.dissect/features.27.f32")
  f16=$(stat -c %s "$dir/fp16/.dissect/features.27.f16")
  equals "fp16 cache bytes x 2" "$((f16 * 2))" "$f32"
  # fp16 against fp32: every unit's IoU with its label, and how many labels change.
  awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    FILENAME == ARGV[1] { label[$col["unit"]] = $col["label"]; iou[$col["unit"]] = $col["score"]; next }
    { d = $col["score"] - iou[$col["unit"]]; if (d < 0) d = -d; if (d > worst) worst = d; sum += d; n++
      if ($col["label"] != label[$col["unit"]]) changed++ }
    END { printf "fp16 vs fp32 on features.27: %d units, %d labels changed, mean |dIoU| %.5f, max %.5f\n", n, changed, sum / n, worst
      print changed + 0 > "/dev/stderr" }' "$dir/fp32/features.27/tally.csv" "$dir/fp16/features.27/tally.csv" 2>"$dir/changed.txt"
  between "labels changed by fp16" "$(cat "$dir/changed.txt")" 0 6
  # auto: the estimate against the budget.
  need=$(value_of "$dir/fp32.txt" '^dissect: the activation cache needs' 's/.* needs \([0-9.]*\) MB in fp32.*/\1/')
  for pick in fp32:$(calc "$need * 1.5")M fp16:$(calc "$need * 0.75")M none:$(calc "$need * 0.25")M; do
    run "$dir/auto.txt" "$unitscope" $common --out "$dir/auto-${pick%%:*}" --disk-budget "${pick#*:}" --threads 2 --no-report
    expect_line "$log" "budget .*: --cache ${pick%%:*}\$"
  done
  "$here/cli_expect.sh" --exit 1 --expect "unknown cache mode 'fp8': give auto, fp32, fp16 or none" -- \
    "$unitscope" $common --out "$dir/bad" --cache fp8 || fail "--cache fp8 was not refused"
  "$here/cli_expect.sh" --exit 1 --expect "--disk-budget 20X is no size" -- \
    "$unitscope" $common --out "$dir/bad" --disk-budget 20X || fail "--disk-budget 20X was not refused"
  ;;
switch)
  run "$dir/one.txt" "$unitscope" $common --out "$dir/one" --threads 2
  "$unitscope" $common --out "$dir/two" --cache fp32 --threads 1 >"$dir/killed.txt" 2>&1 &
  job=$!
  for _ in $(seq 1 600); do
    [ -f "$dir/two/.dissect/features.27.f32" ] && [ "$(stat -c %s "$dir/two/.dissect/features.27.f32")" -gt 300000 ] && break
    sleep 0.05
  done
  kill -9 $job
  wait $job || true
  [ ! -f "$dir/two/features.27/tally.csv" ] || fail "the killed run finished first"
  "$here/cli_expect.sh" --exit 1 --log "$dir/refused.txt" \
    --expect "holds a run that keeps its activations as fp32; resume it with --cache fp32 or --cache none" -- \
    "$unitscope" $common --out "$dir/two" --cache fp16 --threads 2 || fail "switching to fp16 was not refused"
  run "$dir/resumed.txt" "$unitscope" $common --out "$dir/two" --cache none --threads 2
  expect_line "$log" '^dissect: resuming with no activation cache'
  expect_line "$log" '^dissect: forward pass, resuming after [1-9][0-9]* of 120 images'
  [ ! -f "$dir/two/.dissect/features.27.f32" ] || fail "the cache stayed after switching to none"
  same "$dir/one" "$dir/two"
  ;;
mpi)
  mpi="mpirun --allow-run-as-root --oversubscribe --bind-to none -n 2"
  for m in none fp16; do
    run "$dir/one-$m.txt" "$unitscope" $common --out "$dir/one-$m" --cache $m --threads 2
    run "$dir/two-$m.txt" $mpi "$unitscope" $common --out "$dir/two-$m" --cache $m --threads 1
    same "$dir/one-$m" "$dir/two-$m"
  done
  ;;
*)
  fail "unknown mode $mode"
  ;;
esac
echo "PASS"
