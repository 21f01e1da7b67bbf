// Seeded initial weights of the built-in networks: the same bits on every machine and thread count.
#pragma once

#include <torch/nn.h>

#include <cstdint>

namespace unitscope::analysis {

// torchvision's initialisation (He-normal convolutions, unit BatchNorm, normal or uniform linear
// layers) drawn from `seed` alone. LibTorch's own normal_() is vectorised differently for each CPU
// capability (AVX2 and plain builds give different floats), so the values are drawn here instead,
// with integer random bits and IEEE arithmetic only; the global RNG is untouched.
void init_like_torchvision(torch::nn::Module& net, std::uint64_t seed, bool normal_linear);

// Fills a float tensor (contiguous) with N(mean, std) or U(low, high) values. Large tensors are
// cut into chunks with generators of their own, filled in parallel; the result never depends on
// how the chunks are spread over threads. `tensor` numbers the tensor within its network.
void init_values(const at::Tensor& t, bool normal, double a, double b, std::uint64_t seed, std::uint64_t tensor);

// The natural logarithm from +, *, / and exact scaling only: libm's log may differ in the last bit
// between CPUs (glibc picks an FMA variant where it can). Relative error below 1e-15. x > 0.
double portable_log(double x);

}  // namespace unitscope::analysis
