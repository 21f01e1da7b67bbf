// LiveSession on the committed demo models: the classifier's live predictions and maps on
// SceneWorld images, the GAN's images by latent and mix, and unit edits in both.
// DOCTEST_CHECK throughout: demo_eval.h brings glog, whose CHECK would replace doctest's.
#include "analysis/model/live_session.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "analysis/world/demo_eval.h"
#include "analysis/data/error.h"
#include "analysis/world/scene_world.h"
#include "analysis/world/world_batches.h"
#include "model_fixture.h"

using namespace unitscope::analysis;
using unitscope::test::error_of;

namespace {

std::string asset(const char* file) {
  return (std::filesystem::path(UNITSCOPE_SOURCE_DIR) / "assets" / "models" / file).string();
}

LiveOptions options(const char* file, const std::string& layer = "") {
  LiveOptions o;
  o.model = {asset(file), {}, 1};
  o.layer = layer;
  return o;
}

LiveRequest latent_request(LatentPoint a, LatentPoint b, float mix) {
  LiveRequest r;
  r.latent_a = a;
  r.latent_b = b;
  r.mix = mix;
  return r;
}

UnitEdit all_units_off(int units) {
  UnitEdit e;
  e.units.resize(std::size_t(units));
  std::iota(e.units.begin(), e.units.end(), 0);
  e.op = EditOp::kMultiply;
  e.value = 0.0f;
  return e;
}

std::size_t differing_bytes(const Image& a, const Image& b) {
  REQUIRE(a.pixels.size() == b.pixels.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) n += a.pixels[i] != b.pixels[i];
  return n;
}

}  // namespace

TEST_SUITE("live") {
  TEST_CASE("the live classifier predicts SceneWorld scenes and shows its last conv maps") {
    LiveSession session(options("classifier.pt"));
    const LiveModelInfo& info = session.info();
    DOCTEST_CHECK(info.kind == LiveKind::kClassifier);
    DOCTEST_CHECK(info.default_layer == "features.27");
    DOCTEST_CHECK(session.layer() == "features.27");
    DOCTEST_CHECK(info.classes == scene_class_names());
    DOCTEST_CHECK(info.input_size == 128);
    const SceneWorld world(SceneWorldOptions{kHeldOutSeed, 128, 128, 1});
    int top1 = 0;
    for (std::uint64_t i = 0; i < 8; ++i) {
      CAPTURE(i);
      const Scene scene = world.generate(i);
      LiveRequest r;
      r.image = scene.image;
      const LiveFrame f = session.run(r);
      REQUIRE(f.top.size() == 5);
      float sum = 0.0f;
      bool found = false;
      for (std::size_t k = 0; k < f.top.size(); ++k) {
        sum += f.top[k].probability;
        if (k > 0) DOCTEST_CHECK(f.top[k].probability <= f.top[k - 1].probability);
        DOCTEST_CHECK(f.top[k].label == info.classes.at(std::size_t(f.top[k].index)));
        found = found || f.top[k].index == scene.scene_class;
      }
      DOCTEST_CHECK(sum <= 1.0f + 1e-5f);
      DOCTEST_CHECK(sum > 0.5f);
      DOCTEST_CHECK(found);
      top1 += f.top[0].index == scene.scene_class;
      DOCTEST_CHECK(f.image.pixels == scene.image.pixels);
      DOCTEST_CHECK(f.layer == "features.27");
      DOCTEST_CHECK(f.channels == 128);
      DOCTEST_CHECK(f.height == 8);
      DOCTEST_CHECK(f.width == 8);
      REQUIRE(f.activations.size() == 128u * 8 * 8);
      REQUIRE(f.unit_max.size() == 128u);
      for (std::size_t c = 0; c < 128; ++c) {
        const auto map = f.activations.begin() + std::ptrdiff_t(c * 64);
        DOCTEST_CHECK(f.unit_max[c] == *std::max_element(map, map + 64));
      }
      DOCTEST_CHECK(*std::max_element(f.unit_max.begin(), f.unit_max.end()) > 0.0f);
      DOCTEST_CHECK(f.inference_ms > 0.0);
    }
    DOCTEST_CHECK(top1 >= 7);
  }

  TEST_CASE(
      "switching off every unit of the live classifier's layer zeroes its maps and moves the "
      "predictions") {
    LiveSession session(options("classifier.pt"));
    const SceneWorld world(SceneWorldOptions{kHeldOutSeed, 128, 128, 1});
    LiveRequest r;
    r.image = world.generate(3).image;
    const LiveFrame plain = session.run(r);
    r.edits = {all_units_off(128)};
    r.want_unedited = true;
    const LiveFrame off = session.run(r);
    DOCTEST_CHECK(std::all_of(off.activations.begin(), off.activations.end(),
                              [](float v) { return v == 0.0f; }));
    DOCTEST_CHECK(
        std::all_of(off.unit_max.begin(), off.unit_max.end(), [](float v) { return v == 0.0f; }));
    REQUIRE(off.top_unedited.size() == plain.top.size());
    for (std::size_t k = 0; k < plain.top.size(); ++k) {
      DOCTEST_CHECK(off.top_unedited[k].index == plain.top[k].index);
      DOCTEST_CHECK(off.top_unedited[k].probability == doctest::Approx(plain.top[k].probability));
    }
    DOCTEST_CHECK(off.top[0].probability != doctest::Approx(plain.top[0].probability));
    // A mask at the layer's 8x8 resolution switches the units off in its half only.
    UnitEdit half = all_units_off(128);
    half.mask.assign(64, 0.0f);
    std::fill(half.mask.begin(), half.mask.begin() + 32, 1.0f);
    half.mask_height = half.mask_width = 8;
    r.edits = {half};
    const LiveFrame masked = session.run(r);
    for (std::size_t i = 0; i < masked.activations.size(); ++i) {
      const bool inside = i % 64 < 32;
      DOCTEST_CHECK(masked.activations[i] == (inside ? 0.0f : plain.activations[i]));
    }
    // Off at an earlier layer: everything after it sees no signal either.
    UnitEdit early = all_units_off(16);
    early.layer = "features.2";
    r.edits = {early};
    const LiveFrame first_off = session.run(r);
    DOCTEST_CHECK(first_off.top[0].probability != doctest::Approx(plain.top[0].probability));
  }

  TEST_CASE("live classifier maps for a batch of images match one image at a time") {
    LiveSession session(options("classifier.pt"));
    const SceneWorld world(SceneWorldOptions{kHeldOutSeed, 128, 128, 1});
    std::vector<Image> images;
    for (std::uint64_t i = 0; i < 3; ++i) images.push_back(world.generate(i).image);
    images.push_back(
        SceneWorld(SceneWorldOptions{5, 96, 96, 1}).generate(0).image);  // another size
    const std::vector<LiveFrame> batch = session.run_images(images);
    REQUIRE(batch.size() == images.size());
    for (std::size_t i = 0; i < images.size(); ++i) {
      LiveRequest r;
      r.image = images[i];
      const LiveFrame one = session.run(r);
      DOCTEST_CHECK(batch[i].image.pixels == images[i].pixels);
      DOCTEST_CHECK(batch[i].channels == one.channels);
      DOCTEST_CHECK(batch[i].height == one.height);
      DOCTEST_CHECK(batch[i].width == one.width);
      REQUIRE(batch[i].activations.size() == one.activations.size());
      for (std::size_t k = 0; k < one.activations.size(); ++k) {
        DOCTEST_CHECK(batch[i].activations[k] == doctest::Approx(one.activations[k]).epsilon(1e-4));
      }
    }
    DOCTEST_CHECK(batch[3].height == 6);
  }

  TEST_CASE("the live GAN draws the same image for the same latent and interpolates between two") {
    LiveSession session(options("gan.pt"));
    const LiveModelInfo& info = session.info();
    DOCTEST_CHECK(info.kind == LiveKind::kGenerator);
    DOCTEST_CHECK(info.default_layer == "layer3");
    DOCTEST_CHECK(info.latent_size == 128);
    DOCTEST_CHECK(info.output_width == 64);
    DOCTEST_CHECK(info.output_height == 64);
    const LatentPoint a{2, 5}, b{2, 9};
    const LiveFrame first = session.run(latent_request(a, a, 0.0f));
    const LiveFrame other = session.run(latent_request(b, b, 0.0f));
    const LiveFrame again = session.run(latent_request(a, a, 0.0f));
    DOCTEST_CHECK(first.image.width == 64);
    DOCTEST_CHECK(first.image.height == 64);
    DOCTEST_CHECK(first.image.channels == 3);
    DOCTEST_CHECK(again.image.pixels == first.image.pixels);
    DOCTEST_CHECK(differing_bytes(first.image, other.image) > 1000);
    DOCTEST_CHECK(first.channels == 128);
    DOCTEST_CHECK(first.height == 16);
    DOCTEST_CHECK(first.width == 16);
    DOCTEST_CHECK(first.activations.size() == 128u * 16 * 16);
    // The images gan-dissect and intervene draw for the same latent samples.
    auto model = open_model(options("gan.pt").model);
    DOCTEST_CHECK(first.image.pixels == generate(*model, 2, 5, 1).at(0).pixels);
    DOCTEST_CHECK(other.image.pixels == generate(*model, 2, 9, 1).at(0).pixels);
    DOCTEST_CHECK(session.run(latent_request(a, b, 0.0f)).image.pixels == first.image.pixels);
    DOCTEST_CHECK(session.run(latent_request(a, b, 1.0f)).image.pixels == other.image.pixels);
    const LiveFrame middle = session.run(latent_request(a, b, 0.5f));
    DOCTEST_CHECK(differing_bytes(middle.image, first.image) > 1000);
    DOCTEST_CHECK(differing_bytes(middle.image, other.image) > 1000);
  }

  TEST_CASE("live GAN unit edits change the pixels and the unedited image comes alongside") {
    LiveSession session(options("gan.pt"));
    const LatentPoint a{2, 5};
    const LiveFrame plain = session.run(latent_request(a, a, 0.0f));
    LiveRequest r = latent_request(a, a, 0.0f);
    UnitEdit off;
    for (int u = 0; u < 128; u += 2) off.units.push_back(u);
    r.edits = {off};
    r.want_unedited = true;
    const LiveFrame edited = session.run(r);
    DOCTEST_CHECK(differing_bytes(edited.image, plain.image) > 1000);
    DOCTEST_CHECK(edited.unedited.pixels == plain.image.pixels);
    for (int u = 0; u < 4; ++u) {
      DOCTEST_CHECK(edited.unit_max[std::size_t(2 * u)] == 0.0f);
      DOCTEST_CHECK(edited.unit_max[std::size_t(2 * u + 1)] ==
                    plain.unit_max[std::size_t(2 * u + 1)]);
    }
    // Switched back on, the scene returns exactly.
    r.edits.clear();
    const LiveFrame back = session.run(r);
    DOCTEST_CHECK(back.image.pixels == plain.image.pixels);
    DOCTEST_CHECK(back.unedited.pixels == plain.image.pixels);
    // Edits at a later layer than the session's also reach the pixels.
    UnitEdit late;
    late.layer = "layer4";
    late.units = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    r.edits = {late};
    DOCTEST_CHECK(differing_bytes(session.run(r).image, plain.image) > 100);
    // Another layer for the session: its maps, the same image.
    session.set_layer("layer2");
    const LiveFrame l2 = session.run(latent_request(a, a, 0.0f));
    DOCTEST_CHECK(l2.layer == "layer2");
    DOCTEST_CHECK(l2.channels == 192);
    DOCTEST_CHECK(l2.height == 8);
    DOCTEST_CHECK(l2.image.pixels == plain.image.pixels);
  }

  TEST_CASE("a live session names a bad layer or unit or input") {
    DOCTEST_CHECK(error_of([] { LiveSession s(options("gan.pt", "layer9")); }).find("layer9") !=
                  std::string::npos);
    LiveSession session(options("classifier.pt"));
    const std::string message = error_of([&] { session.set_layer("features.99"); });
    DOCTEST_CHECK(message.find("features.99") != std::string::npos);
    DOCTEST_CHECK(message.find("features.27") != std::string::npos);  // the valid ones are listed
    DOCTEST_CHECK(session.layer() == "features.27");
    LiveRequest r;
    DOCTEST_CHECK(error_of([&] { session.run(r); }).find("no image") != std::string::npos);
    r.image = SceneWorld(SceneWorldOptions{}).generate(0).image;
    UnitEdit bad;
    bad.units = {128};  // index 128: unit 129 of 128
    r.edits = {bad};
    DOCTEST_CHECK(error_of([&] { session.run(r); }).find("unit 129") != std::string::npos);
    bad.layer = "nowhere";
    r.edits = {bad};
    DOCTEST_CHECK(error_of([&] { session.run(r); }).find("nowhere") != std::string::npos);
    DOCTEST_CHECK(error_of([] {
                    LiveSession s(options("gan.pt"));
                    std::vector<Image> none;
                    s.run_images(none);
                  }).find("generator") != std::string::npos);
  }
}
