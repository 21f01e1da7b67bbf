#include "model_fixture.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <fstream>
#include <random>

#include "analysis/model/builtin_models.h"
#include "analysis/data/image.h"

namespace unitscope::test {

using namespace unitscope::analysis;

const std::vector<std::string>& color_classes() {
  static const std::vector<std::string> kColors{"red", "green", "blue"};
  return kColors;
}

std::filesystem::path make_color_net(const std::filesystem::path& dir, int units) {
  VggConfig c;
  c.stages = {{units}};
  c.pool_size = 1;
  c.hidden = {};
  c.classes = 3;
  auto net = make_vgg(c, 1);
  {
    at::NoGradGuard no_grad;
    auto params = net->named_parameters();
    at::Tensor w = params["features.0.weight"], b = params["features.0.bias"];
    at::Tensor fc = params["classifier.0.weight"];
    w.zero_();
    fc.zero_();
    params["classifier.0.bias"].zero_();
    for (int k = 0; k < 3; ++k) {
      w[k][k][1][1] = 1.0f;
      b[k] = 0.3f;
      w[k + 3][k][1][1] = 0.8f;
      b[k + 3] = 0.25f;
      fc[k][k] = 3.0f;
      fc[k][k + 3] = 3.0f;
    }
    for (int u = 6; u < units; ++u) {
      w[u][u % 3][1][1] = 0.3f;
      b[u] = 0.5f;
    }
  }
  Sidecar sidecar;
  Preprocess pre;
  pre.mean = {127.5f, 127.5f, 127.5f};
  pre.std = {127.5f, 127.5f, 127.5f};
  sidecar.preprocess = pre;
  sidecar.input_size = 16;
  sidecar.classes = color_classes();
  const auto path = dir / "color.pt";
  save_builtin(*net, path, sidecar);
  return path;
}

void write_class_folder(const std::filesystem::path& dir, const std::vector<std::string>& classes,
                        int per_class, bool colored, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-10, 10), any(0, 255);
  for (const char* split : {"train", "val"}) {
    for (std::size_t k = 0; k < classes.size(); ++k) {
      const auto sub = dir / split / classes[k];
      std::filesystem::create_directories(sub);
      for (int i = 0; i < per_class; ++i) {
        Image im(16, 16, 3);
        for (std::size_t p = 0; p < im.pixels.size(); ++p) {
          im.pixels[p] = std::uint8_t(colored ? (p % 3 == k ? 140 : 115) + noise(rng) : any(rng));
        }
        write_png(sub / (std::to_string(i) + ".png"), im);
      }
    }
  }
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text(std::filesystem::file_size(path), '\0');
  in.read(text.data(), std::streamsize(text.size()));
  return text;
}

}  // namespace unitscope::test
