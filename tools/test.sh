#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, then builds and runs every test: the optimised suite, the
# LibTorch-free suites again under AddressSanitizer and UBSan, and the studio (with LibTorch) under both.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
cmake --workflow --preset ci
cmake --workflow --preset asan
cmake --workflow --preset asan-studio
