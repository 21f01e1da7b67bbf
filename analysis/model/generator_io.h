// Any generator's latents and outputs: seeded latent samples that do not depend on the batch, and
// [N, 3, H, W] outputs in [-1, 1] as RGB8 images.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <span>
#include <vector>

#include "analysis/data/image.h"
#include "analysis/model/model.h"

namespace unitscope::analysis {

// [N, 3, H, W] generator output in [-1, 1] -> RGB8 images.
std::vector<Image> tensor_to_images(const at::Tensor& images);
// [N, latent] standard-normal latents for samples first .. first + n - 1 of `seed`: sample k is
// the same whatever batch it is drawn in.
at::Tensor sample_latents(std::uint64_t seed, std::uint64_t first, int n, int latent);
// The same draws shaped [n, ...shape] for a latent of any shape (sample_latents of its element count).
at::Tensor sample_latents(std::uint64_t seed, std::uint64_t first, int n, std::span<const std::int64_t> shape);
// Generator outputs for latent samples first .. first + n - 1 of `seed`, as RGB8 images. Throws
// Error naming the model when it gives no [N, 3, H, W] images.
std::vector<Image> generate(Model& generator, std::uint64_t seed, std::uint64_t first, int n);

}  // namespace unitscope::analysis
