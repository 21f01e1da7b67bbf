// Renderer knobs: compile-time constants that size per-frame resources and pick defaults.
#pragma once

#include <cstddef>
#include <cstdint>

namespace unitscope::render {

// Frames the CPU may record ahead of the GPU. 2 hides one frame of GPU latency; 3 only helps when
// GPU time per frame varies a lot, at the cost of one more frame of input lag and memory.
inline constexpr std::uint32_t kFramesInFlight = 2;

// Initial size of each frame slot's upload arena (staging, vertex, index and per-draw data).
// It grows on demand (the old buffer is retired), so this only avoids growth in the first frames.
inline constexpr std::size_t kInitialArenaBytes = std::size_t(8) << 20;

// Alignment of every arena allocation: covers optimalBufferCopyOffsetAlignment and the
// uniform/storage offset alignments of the drivers we target (256 is the largest seen).
inline constexpr std::size_t kArenaAlignment = 256;

// Descriptor sets one frame may allocate; ImGui windows showing textures use one each.
inline constexpr std::uint32_t kDescriptorSetsPerFrame = 512;

// Name substring of the device used when neither the caller nor UNITSCOPE_GPU asks for one:
// lavapipe reports "llvmpipe (...)". Real GPUs are chosen by setting UNITSCOPE_GPU=<substring>.
inline constexpr const char* kDefaultDeviceName = "llvmpipe";

// Environment variable that overrides the device choice (case-insensitive name substring).
inline constexpr const char* kDeviceEnvVar = "UNITSCOPE_GPU";

// How long a fence wait may take before we call the device hung (nanoseconds). lavapipe at 4K
// with validation takes well under a second per frame; 10 s means something is wrong.
inline constexpr std::uint64_t kFenceTimeoutNs = 10'000'000'000ull;

}  // namespace unitscope::render
