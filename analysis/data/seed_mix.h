// One step of splitmix64: turns a seed and an index into well-spread, platform-independent bits.
#pragma once

#include <cstdint>

namespace unitscope::analysis {

inline std::uint64_t seed_mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace unitscope::analysis
