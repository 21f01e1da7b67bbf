#!/usr/bin/env bash
# Installs every Debian 12 package unitscope needs. Idempotent; prints nothing when all are present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  mesa-vulkan-drivers libvulkan-dev vulkan-tools vulkan-validationlayers glslc spirv-tools
  libglfw3-dev libx11-dev xvfb xauth imagemagick
  # A window manager and an input driver, so tests minimise and click the studio as a user would,
  # and jq to read the state it writes.
  openbox xdotool jq
  libimgui-dev libglm-dev doctest-dev libstb-dev nlohmann-json3-dev libcli11-dev libbenchmark-dev
  libtorch-dev python3-torch
  # Real torchvision architectures with random weights, made at test time (tests/analysis/torchvision).
  python3-torchvision
  # LibTorch's matrix products go through the libblas.so.3 alternative: OpenBLAS's OpenMP build
  # replaces the reference BLAS (a VGG16 forward twice as fast) and shares LibTorch's threads.
  libopenblas0-openmp
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev ffmpeg
  # Dissection sharded over processes and machines (mpirun unitscope dissect ...).
  libopenmpi-dev openmpi-bin
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
echo "setup: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
