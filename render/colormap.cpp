#include "render/colormap.h"

#include "render/buffer.h"
#include "render/context.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace unitscope::render {
namespace {

using Rgb = std::array<float, 3>;

// Degree-6 least-squares fits of matplotlib's viridis, magma and inferno (max error about 1/255
// per channel), evaluated by Horner's rule: c0 + t(c1 + t(c2 + ...)).
constexpr Rgb kViridis[7] = {
    {0.2777273272234177f, 0.005407344544966578f, 0.3340998053353061f},
    {0.1050930431085774f, 1.404613529898575f, 1.384590162594685f},
    {-0.3308618287255563f, 0.214847559468213f, 0.09509516302823659f},
    {-4.634230498983486f, -5.799100973351585f, -19.33244095627987f},
    {6.228269936347081f, 14.17993336680509f, 56.69055260068105f},
    {4.776384997670288f, -13.74514537774601f, -65.35303263337234f},
    {-5.435455855934631f, 4.645852612178535f, 26.3124352495832f},
};
constexpr Rgb kMagma[7] = {
    {-0.002136485053939582f, -0.000749655052795221f, -0.005386127855323933f},
    {0.2516605407371642f, 0.6775232436837668f, 2.494026599312351f},
    {8.353717279216625f, -3.577719514958484f, 0.3144679030132573f},
    {-27.66873308576866f, 14.26473078096533f, -13.64921318813922f},
    {52.17613981234068f, -27.94360607168351f, 12.94416944238394f},
    {-50.76852536473588f, 29.04658282127291f, 4.23415299384598f},
    {18.65570506591883f, -11.48977351997711f, -5.601961508734096f},
};
constexpr Rgb kInferno[7] = {
    {0.0002189403691192265f, 0.001651004631001012f, -0.01948089843709184f},
    {0.1065134194856116f, 0.5639564367884091f, 3.932712388889277f},
    {11.60249308247187f, -3.972853965665698f, -15.9423941062914f},
    {-41.70399613139459f, 17.43639888205313f, 44.35414519872813f},
    {77.162935699427f, -33.40235894210092f, -81.80730925738993f},
    {-71.31942824499214f, 32.62606426397723f, 73.20951985803202f},
    {25.13112622477341f, -12.24266895238567f, -23.07032500287172f},
};

// Moreland's cool-warm diverging map at five control points, interpolated linearly in RGB;
// the midpoint is a light grey so that "no difference" reads as neutral.
constexpr float kDivergingT[5] = {0.0f, 0.25f, 0.5f, 0.75f, 1.0f};
constexpr Rgb kDiverging[5] = {
    {0.230f, 0.299f, 0.754f}, {0.552f, 0.690f, 0.996f}, {0.865f, 0.865f, 0.865f},
    {0.958f, 0.604f, 0.482f}, {0.706f, 0.016f, 0.150f},
};

Rgb polynomial(const Rgb (&c)[7], float t) {
  Rgb out{};
  for (int ch = 0; ch < 3; ++ch) {
    float v = c[6][ch];
    for (int i = 5; i >= 0; --i) v = v * t + c[i][ch];
    out[ch] = std::clamp(v, 0.0f, 1.0f);
  }
  return out;
}

Rgb piecewise(float t) {
  int i = 0;
  while (i < 3 && t > kDivergingT[i + 1]) ++i;
  const float f = (t - kDivergingT[i]) / (kDivergingT[i + 1] - kDivergingT[i]);
  Rgb out{};
  for (int ch = 0; ch < 3; ++ch) out[ch] = kDiverging[i][ch] + f * (kDiverging[i + 1][ch] - kDiverging[i][ch]);
  return out;
}

}  // namespace

std::string_view colormap_name(Colormap map) {
  switch (map) {
    case Colormap::kViridis: return "viridis";
    case Colormap::kMagma: return "magma";
    case Colormap::kInferno: return "inferno";
    case Colormap::kGray: return "gray";
    case Colormap::kDiverging: return "diverging";
  }
  return "unknown";
}

std::array<float, 3> colormap_rgb(Colormap map, float t) {
  t = std::clamp(std::isnan(t) ? 0.0f : t, 0.0f, 1.0f);
  switch (map) {
    case Colormap::kViridis: return polynomial(kViridis, t);
    case Colormap::kMagma: return polynomial(kMagma, t);
    case Colormap::kInferno: return polynomial(kInferno, t);
    case Colormap::kGray: return {t, t, t};
    case Colormap::kDiverging: return piecewise(t);
  }
  return {t, t, t};
}

std::vector<std::uint8_t> colormap_lut() {
  std::vector<std::uint8_t> texels(std::size_t(kColormapLutSize) * kColormapCount * 4);
  for (std::uint32_t row = 0; row < kColormapCount; ++row) {
    for (std::uint32_t i = 0; i < kColormapLutSize; ++i) {
      const Rgb rgb = colormap_rgb(Colormap(row), float(i) / float(kColormapLutSize - 1));
      std::uint8_t* p = &texels[(std::size_t(row) * kColormapLutSize + i) * 4];
      for (int ch = 0; ch < 3; ++ch) p[ch] = std::uint8_t(std::lround(rgb[ch] * 255.0f));
      p[3] = 255;
    }
  }
  return texels;
}

ColormapTexture::ColormapTexture(const Context& context)
    : texture_(context, TextureDesc{kColormapLutSize, kColormapCount, VK_FORMAT_R8G8B8A8_UNORM,
                                    VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT}) {
  const std::vector<std::uint8_t> texels = colormap_lut();
  Buffer staging(context, texels.size(), VK_BUFFER_USAGE_TRANSFER_SRC_BIT, MemoryUsage::kUpload);
  std::memcpy(staging.mapped(), texels.data(), texels.size());
  context.submit_and_wait([&](VkCommandBuffer cmd) {
    texture_.transition(cmd, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, true);
    texture_.copy_from(cmd, staging.handle(), 0, {0, 0}, texture_.extent());
    texture_.transition(cmd, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
  });
}

}  // namespace unitscope::render
