#include "analysis/model/builtin_init.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace unitscope::analysis {
namespace {

// Values of at least this count are drawn in chunks of kInitChunk, one generator each.
constexpr std::int64_t kParallelInit = std::int64_t{1} << 20;
constexpr std::int64_t kInitChunk = std::int64_t{1} << 16;
constexpr double kLn2 = 0.693147180559945309417232121458176568;

std::uint64_t splitmix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// std::mt19937_64 is fully specified by the standard, so its bits are the same everywhere.
class InitRng {
 public:
  explicit InitRng(std::uint64_t seed) : engine_(seed) {}
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return double(engine_() >> 11) * 0x1.0p-53; }
  // Marsaglia's polar method: only a square root (exact in IEEE) and portable_log.
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u = 0.0, v = 0.0, s = 0.0;
    do {
      u = 2.0 * uniform() - 1.0;
      v = 2.0 * uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double f = std::sqrt(-2.0 * portable_log(s) / s);
    spare_ = v * f;
    has_spare_ = true;
    return u * f;
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

void fill(float* out, std::int64_t n, bool normal, double a, double b, InitRng& rng) {
  for (std::int64_t i = 0; i < n; ++i)
    out[i] = normal ? float(a + b * rng.normal()) : float(a + (b - a) * rng.uniform());
}

}  // namespace

double portable_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // x = m * 2^e, m in [0.5, 1): exact
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    --e;
  }
  // ln m = 2 atanh(t) = 2 (t + t^3/3 + t^5/5 + ...), with |t| <= 0.172 for m in [0.707, 1.414).
  const double t = (m - 1.0) / (m + 1.0);
  const double t2 = t * t;
  double term = t, sum = 0.0;
  for (int k = 1; k <= 41; k += 2) {
    sum += term / k;
    term *= t2;
  }
  return 2.0 * sum + e * kLn2;
}

void init_values(const at::Tensor& t, bool normal, double a, double b, std::uint64_t seed, std::uint64_t tensor) {
  if (t.scalar_type() != at::kFloat || !t.is_contiguous())
    throw std::invalid_argument("init_values: a contiguous float tensor is needed");
  float* data = t.data_ptr<float>();
  const std::int64_t n = t.numel();
  const std::uint64_t base = splitmix64(seed ^ (tensor << 40));
  if (n < kParallelInit) {
    InitRng rng(base);
    fill(data, n, normal, a, b, rng);
    return;
  }
  at::parallel_for(0, (n + kInitChunk - 1) / kInitChunk, 1, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t c = begin; c < end; ++c) {
      InitRng rng(splitmix64(base ^ std::uint64_t(c)));
      fill(data + c * kInitChunk, std::min(kInitChunk, n - c * kInitChunk), normal, a, b, rng);
    }
  });
}

void init_like_torchvision(torch::nn::Module& net, std::uint64_t seed, bool normal_linear) {
  torch::NoGradGuard no_grad;
  std::uint64_t tensor = 0;
  for (auto& m : net.modules(/*include_self=*/false)) {
    if (auto* c = m->as<torch::nn::Conv2d>()) {
      const double fan_out = double(c->weight.size(0)) * c->weight.size(2) * c->weight.size(3);
      init_values(c->weight, true, 0.0, std::sqrt(2.0 / fan_out), seed, tensor++);
      if (c->bias.defined()) c->bias.zero_();
    } else if (auto* b = m->as<torch::nn::BatchNorm2d>()) {
      b->weight.fill_(1.0);
      b->bias.zero_();
    } else if (auto* l = m->as<torch::nn::Linear>()) {
      if (normal_linear) {
        init_values(l->weight, true, 0.0, 0.01, seed, tensor++);
        l->bias.zero_();
      } else {
        const double bound = 1.0 / std::sqrt(double(l->weight.size(1)));
        init_values(l->weight, false, -bound, bound, seed, tensor++);
        init_values(l->bias, false, -bound, bound, seed, tensor++);
      }
    }
  }
}

}  // namespace unitscope::analysis
