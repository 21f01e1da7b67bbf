#include "analysis/model/generator_io.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>

#include <cstring>

#include "analysis/data/error.h"
#include "analysis/data/seed_mix.h"

namespace unitscope::analysis {

std::vector<Image> tensor_to_images(const at::Tensor& images) {
  const at::Tensor bytes = ((images.detach().to(at::kFloat).clamp(-1, 1) + 1) * 127.5)
                               .round()
                               .to(at::kByte)
                               .permute({0, 2, 3, 1})
                               .contiguous();
  std::vector<Image> out;
  const int n = int(bytes.size(0)), h = int(bytes.size(1)), w = int(bytes.size(2));
  for (int i = 0; i < n; ++i) {
    Image im(w, h, 3);
    std::memcpy(im.pixels.data(), bytes[i].data_ptr<std::uint8_t>(), im.pixels.size());
    out.push_back(std::move(im));
  }
  return out;
}

at::Tensor sample_latents(std::uint64_t seed, std::uint64_t first, int n, std::span<const std::int64_t> shape) {
  std::int64_t count = 1;
  for (const std::int64_t d : shape) count *= d;
  std::vector<std::int64_t> sizes{n};
  sizes.insert(sizes.end(), shape.begin(), shape.end());
  return sample_latents(seed, first, n, int(count)).reshape(sizes);
}

at::Tensor sample_latents(std::uint64_t seed, std::uint64_t first, int n, int latent) {
  at::Tensor z = at::empty({n, latent}, at::kFloat);
  for (int i = 0; i < n; ++i) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed_mix(seed) ^ seed_mix(first + std::uint64_t(i)));
    z[i].normal_(0.0, 1.0, gen);
  }
  return z;
}

std::vector<Image> generate(Model& generator, std::uint64_t seed, std::uint64_t first, int n) {
  c10::InferenceMode guard;
  const at::Tensor z = sample_latents(seed, first, n, generator.latent_shape());
  ForwardRequest request;
  const at::Tensor out = generator.forward(z, request).output;
  if (out.dim() != 4 || out.size(1) != 3) {
    throw Error("model " + generator.name() + " does not give [N, 3, H, W] images");
  }
  return tensor_to_images(out);
}

}  // namespace unitscope::analysis
