#!/bin/sh
# A trainer stopped mid-run and run again ends with byte-identical weights to an uninterrupted run.
# Usage: train_resume_test.sh TRAIN_DEMO SCRATCH_DIR MODEL [extra options]
set -eu
bin=$1 dir=$2 model=$3
shift 3
rm -rf "$dir"
common="--steps 4 --batch 4 --eval-images 8 --threads 1 $*"
"$bin" "$model" $common --work "$dir/a" --out "$dir/a/m.pt"
status=0
"$bin" "$model" $common --work "$dir/b" --out "$dir/b/m.pt" --stop-after 2 || status=$?
[ "$status" -eq 3 ] || { echo "expected exit 3 from a stopped run, got $status"; exit 1; }
[ ! -e "$dir/b/m.pt" ] || { echo "a stopped run wrote final weights"; exit 1; }
"$bin" "$model" $common --work "$dir/b" --out "$dir/b/m.pt"
grep -q "resumed at step 2" "$dir/b/train.log" || { echo "the second run did not resume"; exit 1; }
cmp "$dir/a/m.pt" "$dir/b/m.pt"
echo "resumed $model run matches the uninterrupted one"
