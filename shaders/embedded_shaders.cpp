#include "shaders/embedded_shaders.h"

namespace unitscope::shaders {
namespace {

// Each .inc is glslc -mfmt=c output: a braced list of 32-bit words.
constexpr std::uint32_t kQuadVert[] =
#include "quad_vert.inc"
    ;
constexpr std::uint32_t kImageFrag[] =
#include "image_frag.inc"
    ;
constexpr std::uint32_t kAtlasVert[] =
#include "atlas_vert.inc"
    ;
constexpr std::uint32_t kAtlasFrag[] =
#include "atlas_frag.inc"
    ;
constexpr std::uint32_t kOverlayFrag[] =
#include "overlay_frag.inc"
    ;
constexpr std::uint32_t kDifferenceFrag[] =
#include "difference_frag.inc"
    ;
constexpr std::uint32_t kImguiVert[] =
#include "imgui_vert.inc"
    ;
constexpr std::uint32_t kImguiFrag[] =
#include "imgui_frag.inc"
    ;

}  // namespace

std::span<const std::uint32_t> quad_vert() { return kQuadVert; }
std::span<const std::uint32_t> image_frag() { return kImageFrag; }
std::span<const std::uint32_t> atlas_vert() { return kAtlasVert; }
std::span<const std::uint32_t> atlas_frag() { return kAtlasFrag; }
std::span<const std::uint32_t> overlay_frag() { return kOverlayFrag; }
std::span<const std::uint32_t> difference_frag() { return kDifferenceFrag; }
std::span<const std::uint32_t> imgui_vert() { return kImguiVert; }
std::span<const std::uint32_t> imgui_frag() { return kImguiFrag; }

}  // namespace unitscope::shaders
