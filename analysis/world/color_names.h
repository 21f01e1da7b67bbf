// Names an 8-bit sRGB colour with one of Broden's 11 basic colour terms (world_color ids).
#pragma once

#include <cstdint>

namespace unitscope::analysis {

// Nearest of a few prototypes per colour name in CIE L*a*b*. Exact but slow (cube roots).
int color_name_exact(std::uint8_t r, std::uint8_t g, std::uint8_t b);

// color_name_exact through a 64x64x64 table built once on first use (thread-safe); for per-pixel
// use. It agrees with color_name_exact except within a quantisation step of a boundary between
// names.
int color_name(std::uint8_t r, std::uint8_t g, std::uint8_t b);

}  // namespace unitscope::analysis
