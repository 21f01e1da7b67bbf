// The networks unitscope trains on SceneWorld (segmenter, GAN generator and critic) and the
// Progressive-GAN-style generator used for scale tests, all with tappable, PyTorch-style names.
#pragma once

#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/model/builtin_models.h"

namespace unitscope::analysis {

// An encoder-decoder with skips: enc1..enc4 (each a Sequential of conv-bn-relu pairs, enc2..4
// start with a 2x2 max-pool), dec3..dec1 (nearest upsample, concatenate the encoder's map, conv-bn-
// relu), head (1x1 conv to per-pixel logits at the input resolution). Input sides must divide by 8.
struct SegmenterConfig {
  std::vector<int> encoder{32, 64, 128, 128};
  std::vector<int> decoder{96, 48, 24};
  int classes = 31;
};
std::shared_ptr<BuiltinNet> make_segmenter(const SegmenterConfig& config, std::uint64_t seed);

// A latent vector [N, latent] (or [N, latent, 1, 1]) to an image in [-1, 1]. layer1 maps the
// latent to start_size^2 by a transposed conv; every later layerK doubles the size (nearest
// upsample, 3x3 conv, norm, activation); `output` is a conv to RGB and tanh.
// style "dcgan": BatchNorm and ReLU. style "progan": pixel norm and leaky ReLU as in Karras et al.
// (inference-only here; used at random weights for scale tests).
struct GeneratorConfig {
  std::string style = "dcgan";
  int latent = 128;
  int start_size = 4;
  std::vector<int> widths{256, 192, 128, 48, 24};  // layer1..layerK channels
};
std::shared_ptr<BuiltinNet> make_generator(const GeneratorConfig& config, std::uint64_t seed);
// Progressive GAN's 256x256 generator shape: latent 512, 4x4 to 256x256.
GeneratorConfig progan256_config();

// The critic the demo GAN trains against: stride-2 4x4 convs with spectral normalisation and
// leaky ReLU, no normalisation layers, then a linear score. Training only.
class CriticImpl : public torch::nn::Module {
 public:
  CriticImpl(int image_size, std::vector<int> widths, std::uint64_t seed);
  at::Tensor forward(const at::Tensor& images);

 private:
  struct Layer {
    at::Tensor weight, bias, u;
    int stride = 2;
    int pad = 1;
  };
  at::Tensor normalized(Layer& layer);
  std::vector<Layer> layers_;
};
TORCH_MODULE(Critic);

// Both from an architecture JSON object ({"type": "segmenter" | "generator", ...}); nullptr for
// other types.
std::shared_ptr<BuiltinNet> make_demo_net(const std::string& type, const std::string& json_text,
                                          std::uint64_t seed);

}  // namespace unitscope::analysis
