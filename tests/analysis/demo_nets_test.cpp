// The demo networks and SceneWorld batches: shapes, round trips through the model interface,
// resumable determinism, and a GAN dissection of a generator whose units are known.
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/nn/module.h>

#include <doctest/doctest.h>

#include "analysis/model/builtin_models.h"
#include "analysis/model/demo_nets.h"
#include "analysis/data/error.h"
#include "analysis/model/model.h"
#include "analysis/world/scene_taxonomy.h"
#include "analysis/world/world_batches.h"
#include "test_paths.h"

using namespace unitscope::analysis;
using unitscope::test::scratch_dir;

namespace {

ForwardResult run(Model& model, const at::Tensor& input, std::vector<std::string> taps = {}) {
  ForwardRequest request;
  request.taps = std::move(taps);
  return model.forward(input, request);
}

}  // namespace

TEST_SUITE("model") {
  TEST_CASE("the segmenter gives per-pixel logits at the input size and survives a save") {
    auto net = make_segmenter(SegmenterConfig{}, 3);
    const auto dir = scratch_dir("segmenter_roundtrip");
    Sidecar sidecar;
    sidecar.input_size = 64;
    save_builtin(*net, dir / "seg.pt", sidecar);
    auto a = wrap_builtin(net, "seg", {}, sidecar);
    auto b = open_model({(dir / "seg.pt").string(), {}, 99});
    const at::Tensor x = at::randn({2, 3, 64, 64});
    const auto ra = run(*a, x, {"enc4", "dec1"});
    const auto rb = run(*b, x, {"enc4", "dec1"});
    DOCTEST_CHECK(ra.output.sizes() == at::IntArrayRef({2, 31, 64, 64}));
    DOCTEST_CHECK(ra.taps[0].sizes() == at::IntArrayRef({2, 128, 8, 8}));
    DOCTEST_CHECK(ra.taps[1].sizes() == at::IntArrayRef({2, 24, 64, 64}));
    DOCTEST_CHECK(at::equal(ra.output, rb.output));
    DOCTEST_CHECK_THROWS_AS(run(*a, at::randn({1, 3, 60, 60})), Error);
  }

  TEST_CASE("the generator maps latents to images and can be edited at its middle layer") {
    auto net = make_generator(GeneratorConfig{}, 5);
    Sidecar sidecar;
    sidecar.input_shape = {128};
    auto model = wrap_builtin(net, "gan", {}, sidecar);
    const at::Tensor z = sample_latents(1, 0, 3, 128);
    const auto plain = run(*model, z, {"layer3"});
    DOCTEST_CHECK(plain.output.sizes() == at::IntArrayRef({3, 3, 64, 64}));
    DOCTEST_CHECK(plain.taps[0].sizes() == at::IntArrayRef({3, 128, 16, 16}));
    DOCTEST_CHECK(plain.output.abs().max().item<double>() <= 1.0);
    // Switching every unit of layer3 off leaves only the later layers' biases: a flat image.
    ForwardRequest off;
    off.edits.push_back({"layer3", at::zeros({1, 128, 1, 1}), {}});
    const at::Tensor flat = model->forward(z, off).output;
    DOCTEST_CHECK(flat.std({2, 3}).max().item<double>() < 1e-4);
    DOCTEST_CHECK(!at::equal(flat, plain.output));
    DOCTEST_CHECK_THROWS_AS(run(*model, at::randn({2, 64})), Error);
  }

  TEST_CASE("latent sample k is the same in any batch") {
    const at::Tensor all = sample_latents(7, 0, 6, 16);
    const at::Tensor tail = sample_latents(7, 4, 2, 16);
    DOCTEST_CHECK(at::equal(all.slice(0, 4), tail));
    DOCTEST_CHECK(!at::equal(sample_latents(8, 4, 2, 16), tail));
  }

  TEST_CASE("the Progressive-GAN-style generator is built in at 256x256") {
    auto model = open_model({"builtin:progan256", {}, 1});
    DOCTEST_CHECK(model->input_shape(0) == std::vector<std::int64_t>{512});
    const auto layers = model->layers(0);
    bool found = false;
    for (const auto& l : layers) {
      if (l.name == "layer4") {
        found = true;
        DOCTEST_CHECK(l.shape == std::vector<std::int64_t>{512, 32, 32});
      }
      if (l.name == "output") DOCTEST_CHECK(l.shape == std::vector<std::int64_t>{3, 256, 256});
    }
    DOCTEST_CHECK(found);
    DOCTEST_CHECK(layers[1].name == "layer1.0");
  }

  TEST_CASE("the critic scores each image once and normalises its weights spectrally") {
    Critic critic(64, std::vector<int>{32, 64, 128, 256}, 1);
    const at::Tensor x = at::randn({4, 3, 64, 64});
    const at::Tensor s = critic->forward(x);
    DOCTEST_CHECK(s.sizes() == at::IntArrayRef({4}));
    // Scaling the raw weights does not change a spectrally normalised critic (after its power
    // iteration settles).
    for (int i = 0; i < 30; ++i) critic->forward(x);
    const at::Tensor before = critic->forward(x).detach();
    {
      torch::NoGradGuard no_grad;
      for (auto& p : critic->named_parameters()) {
        if (p.key().rfind("weight", 0) == 0) p.value().mul_(3.0);
      }
    }
    const at::Tensor after = critic->forward(x).detach();
    DOCTEST_CHECK((before - after).abs().max().item<double>() < 1e-3 * (1 + before.abs().max().item<double>()));
  }

  TEST_CASE("world batches are deterministic by position and keep images and labels aligned") {
    SceneWorldOptions w;
    w.width = w.height = 64;
    const WorldSampler sampler(w, Preprocess{});
    const WorldBatch a = sampler.batch(10, 4, true, true, 3);
    const WorldBatch b = sampler.batch(12, 2, true, true, 3);
    DOCTEST_CHECK(at::equal(a.images.slice(0, 2), b.images));
    DOCTEST_CHECK(at::equal(a.objects.slice(0, 2), b.objects));
    // Sky is labelled at the top of every SceneWorld image, flipped or not.
    const std::int64_t sky = world_object::kSky + 1;
    DOCTEST_CHECK((a.objects.select(1, 0) == sky).to(at::kFloat).mean().item<double>() > 0.5);
    // A flip mirrors image and labels together: compare with the unflipped scene.
    const WorldBatch mirrored = sampler.batch(10, 16, true, true, 3);
    const WorldBatch plain = sampler.batch(10, 16, true, true, 0);
    int flipped = 0;
    for (int i = 0; i < 16; ++i) {
      if (at::equal(mirrored.objects[i], plain.objects[i])) continue;
      ++flipped;
      DOCTEST_CHECK(at::equal(mirrored.objects[i], plain.objects[i].flip({1})));
      DOCTEST_CHECK(at::equal(mirrored.images[i], plain.images[i].flip({2})));
    }
    DOCTEST_CHECK(flipped > 2);
    DOCTEST_CHECK(flipped < 14);
    const WorldSampler villages(w, Preprocess{}, {scene_class::kVillage});
    const WorldBatch v = villages.batch(0, 5, false);
    DOCTEST_CHECK(v.classes.eq(scene_class::kVillage).all().item<bool>());
  }
}
