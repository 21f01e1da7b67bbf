#!/bin/sh
# Sharded dissection under mpirun, against one process on the same data: tally.csv,
# dissection.json (with every unit's top-k exemplars) and report.html must be byte-identical.
# Usage: mpi_test.sh MODE UNITSCOPE DIR
#   classifier  dissect the demo classifier (pnas and netdissect-lite) with 1, 2 and 3 ranks
#   gan         gan-dissect the demo GAN with 1, 2 and 3 ranks
#   resume      kill -9 one rank of a 2-rank dissect mid-run; the same mpirun again gives the
#               same bytes as one process
#   resnet18    a user's torchvision ResNet-18 (traced, random weights) at layer3 and layer4, both
#               conventions, with 1, 2 and 3 ranks
#   errors      a corrupt image in rank 1's shard ends every rank with its message; a run with
#               more ranks than images is refused
set -eu
mode=$1 unitscope=$2 dir=$3
here=$(cd "$(dirname "$0")/../../engine" && pwd)
. "$here/cli_helpers.sh"
rm -rf "$dir"
mkdir -p "$dir"
export UNITSCOPE_CACHE_DIR="$dir/cache"
# As root OpenMPI needs to be told; --oversubscribe runs more ranks than this machine's cores, and
# --bind-to none lets them share the cores.
mpi="mpirun --allow-run-as-root --oversubscribe --bind-to none -n"
# same A B: the outputs of two runs are byte for byte the same.
same() {
  for f in $(cd "$1" && find . -name tally.csv -o -name dissection.json -o -name report.html | sort); do
    cmp "$1/$f" "$2/$f" || fail "$f differs between $(basename "$1") and $(basename "$2")"
  done
  layers=$(cd "$1" && find . -name tally.csv | wc -l)
  [ "$layers" -ge 1 ] || fail "no tally.csv in $1"
  echo "ok: $(basename "$2") = $(basename "$1") ($layers layers: tally.csv, dissection.json, report.html)"
}
# checks LOG OUT IMAGES: the run printed its summary once (rank 0 only) and dissected IMAGES images.
checks() {
  equals "summaries printed" "$(grep -c '^dissected ' "$1")" 1
  equals "images" "$(json "$2/features.27/dissection.json" images)" "$3"
  [ -z "$(find "$2/.dissect" -name '*.f32')" ] || fail "activation caches left in $2"
}

case $mode in
classifier)
  run "$dir/world.txt" "$unitscope" world --out "$dir/world" --images 45 --size 96 --threads 2
  for convention in pnas netdissect-lite; do
    common="dissect --dataset $dir/world --layers features.24,features.27 --convention $convention --batch 8"
    run "$dir/one-$convention.txt" "$unitscope" $common --out "$dir/one-$convention" --threads 2
    checks "$log" "$dir/one-$convention" 45
    for n in 2 3; do
      run "$dir/n$n-$convention.txt" $mpi "$n" "$unitscope" $common --out "$dir/n$n-$convention" --threads 1
      checks "$log" "$dir/n$n-$convention" 45
      same "$dir/one-$convention" "$dir/n$n-$convention"
      equals "rank checkpoints" "$(ls "$dir/n$n-$convention/.dissect" | grep -c '^rank-')" "$n"
    done
  done
  ;;
resnet18)
  /usr/bin/python3 -c "
import sys, torch, torchvision
torch.manual_seed(0)
m = torchvision.models.resnet18(weights=None).eval()
torch.jit.trace(m, torch.randn(1, 3, 112, 112)).save(sys.argv[1])" "$dir/resnet18.pt"
  run "$dir/world.txt" "$unitscope" world --out "$dir/world" --images 30 --size 112 --threads 2
  for convention in pnas netdissect-lite; do
    common="dissect --model $dir/resnet18.pt --dataset $dir/world --layers layer3,layer4 --convention $convention"
    run "$dir/one-$convention.txt" "$unitscope" $common --out "$dir/one-$convention" --threads 2
    equals "layer4 units" "$(rows "$dir/one-$convention/layer4/tally.csv")" 512
    for n in 2 3; do
      run "$dir/n$n-$convention.txt" $mpi "$n" "$unitscope" $common --out "$dir/n$n-$convention" --threads 1
      same "$dir/one-$convention" "$dir/n$n-$convention"
    done
  done
  ;;
errors)
  run "$dir/world.txt" "$unitscope" world --out "$dir/world" --images 40 --size 96 --threads 2
  # Row 35 is in rank 1's shard (rows 21 to 40): its image is no image.
  bad=$(sed -n 36p "$dir/world/index.csv" | cut -d, -f1)
  echo "not a jpeg" >"$dir/world/images/$bad"
  status=0
  timeout 300 $mpi 2 "$unitscope" dissect --dataset "$dir/world" --out "$dir/bad" --threads 1 >"$dir/bad.txt" 2>&1 ||
    status=$?
  cat "$dir/bad.txt"
  [ "$status" -ne 0 ] || fail "a run with a corrupt image exited 0"
  [ "$status" -ne 124 ] || fail "a run with a corrupt image hung"
  expect_line "$dir/bad.txt" "^unitscope \(rank 1 of 2\): .*$(basename "$bad")"
  # More ranks than images is refused, naming both, from every rank at once.
  status=0
  timeout 300 $mpi 3 "$unitscope" dissect --dataset "$dir/world" --limit 2 --out "$dir/few" --threads 1 >"$dir/few.txt" 2>&1 ||
    status=$?
  [ "$status" -ne 0 ] && [ "$status" -ne 124 ] || fail "3 ranks on 2 images: status $status"
  expect_line "$dir/few.txt" '2 images cannot be shared by 3 ranks'
  ;;
gan)
  # Each run writes to the same --out in turn (dissection.json names the samples' folder).
  common="gan-dissect --samples 30 --batch 8 --out $dir/out"
  run "$dir/one.txt" "$unitscope" $common --threads 2
  equals "summaries printed" "$(grep -c '^dissected ' "$log")" 1
  equals "samples" "$(json "$dir/out/layer3/dissection.json" images)" 30
  mv "$dir/out" "$dir/one"
  for n in 2 3; do
    run "$dir/n$n.txt" $mpi "$n" "$unitscope" $common --threads 1
    equals "summaries printed" "$(grep -c '^dissected ' "$log")" 1
    same "$dir/one" "$dir/out"
    mv "$dir/out" "$dir/n$n"
  done
  ;;
resume)
  run "$dir/world.txt" "$unitscope" world --out "$dir/world" --images 240 --size 96 --threads 2
  common="dissect --dataset $dir/world --layers features.27 --batch 4"
  run "$dir/one.txt" "$unitscope" $common --out "$dir/one" --threads 2
  # kill_rank1 OUT: a 2-rank run into OUT whose rank 1 is killed once its checkpoint holds a few
  # batches of the forward pass.
  kill_rank1() {
    $mpi 2 "$unitscope" $common --out "$1" --threads 1 >"$1.killed.txt" 2>&1 &
    job=$!
    victim=""
    for _ in $(seq 1 600); do
      cache=$1/.dissect/rank-1-of-2/features.27.f32
      if [ -f "$cache" ] && [ "$(stat -c %s "$cache")" -gt 1000000 ]; then
        for p in $(pgrep -f "$unitscope $common --out $1"); do
          if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -q '^OMPI_COMM_WORLD_RANK=1$'; then victim=$p; fi
        done
        [ -n "$victim" ] && break
      fi
      sleep 0.1
    done
    [ -n "$victim" ] || fail "rank 1 never got under way"
    kill -9 "$victim"
    if wait "$job"; then fail "mpirun exited 0 after its rank 1 was killed"; fi
    echo "ok: rank 1 ($victim) killed; mpirun stopped every rank"
    [ ! -f "$1/features.27/tally.csv" ] || fail "a killed run wrote its outputs"
  }
  kill_rank1 "$dir/two"
  run "$dir/resumed.txt" $mpi 2 "$unitscope" $common --out "$dir/two" --threads 1
  # One line for the whole job: it resumes after what both ranks had done.
  done_before=$(value_of "$log" '^dissect: (forward|tally) pass, resuming after ' 's/.* after \([0-9]*\) of .*/\1/')
  between "images done before the kill" "$done_before" 1 239
  same "$dir/one" "$dir/two"
  # A rank that lost its checkpoint (killed before its first, or its disk gone) starts its share
  # again while the other resumes: the ranks still agree, and the bytes are the same.
  kill_rank1 "$dir/three"
  rm -rf "$dir/three/.dissect/rank-1-of-2"
  run "$dir/three.txt" $mpi 2 "$unitscope" $common --out "$dir/three" --threads 1
  same "$dir/one" "$dir/three"
  ;;
*)
  fail "unknown mode $mode"
  ;;
esac
echo "PASS"
