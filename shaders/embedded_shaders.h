// SPIR-V of every shader in shaders/, compiled by glslc at build time and linked in.
#pragma once

#include <cstdint>
#include <span>

namespace unitscope::shaders {

std::span<const std::uint32_t> quad_vert();
std::span<const std::uint32_t> image_frag();
std::span<const std::uint32_t> atlas_vert();
std::span<const std::uint32_t> atlas_frag();
std::span<const std::uint32_t> overlay_frag();
std::span<const std::uint32_t> difference_frag();
std::span<const std::uint32_t> imgui_vert();
std::span<const std::uint32_t> imgui_frag();

}  // namespace unitscope::shaders
