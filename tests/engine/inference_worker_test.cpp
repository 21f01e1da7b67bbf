#include "engine/studio/inference_worker.h"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "test_paths.h"

using namespace unitscope;
using namespace unitscope::engine;

namespace {

analysis::LiveOptions demo(const char* file, const char* layer = "") {
  analysis::LiveOptions o;
  o.model.source = (test::source_dir() / "assets" / "models" / file).string();
  o.layer = layer;
  return o;
}

analysis::LiveRequest image_request(int width, std::uint8_t shade) {
  analysis::LiveRequest r;
  r.image = analysis::Image(width, width, 3);
  for (std::size_t i = 0; i < r.image.pixels.size(); ++i) {
    r.image.pixels[i] = std::uint8_t(shade + (i % 3) * 40);
  }
  return r;
}

}  // namespace

TEST_SUITE("live") {
  TEST_CASE(
      "the inference worker answers the latest request and a bad model leaves the old one "
      "running") {
    InferenceWorker worker;
    CHECK(!worker.latest());
    CHECK(!worker.info());

    const auto model = worker.open(demo("classifier.pt", "features.27"));
    CHECK(model == 1);
    worker.wait_idle();
    REQUIRE(worker.info());
    CHECK(worker.model_error() == "");
    CHECK(worker.model_generation() == model);
    CHECK(worker.info()->kind == analysis::LiveKind::kClassifier);
    CHECK(worker.info()->classes.size() == 10);
    CHECK(worker.layer() == "features.27");

    // Three requests in a row: the UI never waits, the last one is answered, and the answers seen
    // never go back to an older request (a waiting one is replaced, not queued).
    const auto r1 = worker.submit(image_request(64, 10));
    const auto r2 = worker.submit(image_request(96, 60));
    const auto r3 = worker.submit(image_request(128, 110));
    CHECK(r1 < r2);
    CHECK(r2 < r3);
    std::uint64_t seen = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto out = worker.latest()) {
        CHECK(out->request >= seen);
        seen = out->request;
        if (seen == r3) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(seen == r3);
    auto out = worker.latest();
    REQUIRE(out->frame);
    CHECK(out->error == "");
    CHECK(out->frame->image.width == 128);  // the third request's image, not an earlier one
    CHECK(out->frame->layer == "features.27");
    CHECK(out->frame->channels == 128);
    CHECK(out->frame->top.size() == 5);
    CHECK(out->frame->unit_max.size() == 128);

    // A model that cannot be opened: its error names it, and the previous model keeps answering.
    const std::string bad = "/nonexistent/dir/not_a_model.pt";
    analysis::LiveOptions bad_options;
    bad_options.model.source = bad;
    const auto bad_model = worker.open(bad_options);
    CHECK(bad_model == model + 1);
    const auto r4 = worker.submit(image_request(80, 200));
    CHECK(worker.busy());
    worker.wait_idle();
    CHECK(!worker.busy());
    CHECK(worker.model_error().find(bad) != std::string::npos);
    CHECK(worker.model_generation() == model);
    REQUIRE(worker.info());
    CHECK(worker.info()->kind == analysis::LiveKind::kClassifier);
    out = worker.latest();
    REQUIRE(out);
    CHECK(out->request == r4);
    REQUIRE(out->frame);
    CHECK(out->frame->image.width == 80);

    // Layers: a bad name is reported and the layer stays; a good one applies to the next request.
    worker.set_layer("features.999");
    worker.wait_idle();
    CHECK(worker.model_error().find("features.999") != std::string::npos);
    CHECK(worker.layer() == "features.27");
    worker.set_layer("features.24");
    const auto r5 = worker.submit(image_request(64, 30));
    worker.wait_idle();
    CHECK(worker.model_error() == "");
    CHECK(worker.layer() == "features.24");
    out = worker.latest();
    CHECK(out->request == r5);
    REQUIRE(out->frame);
    CHECK(out->frame->layer == "features.24");

    // A bad request fails alone, with a message, and the worker goes on.
    const auto r6 = worker.submit(analysis::LiveRequest{});
    worker.wait_idle();
    out = worker.latest();
    CHECK(out->request == r6);
    CHECK(!out->frame);
    CHECK(out->error != "");
    worker.submit(image_request(64, 90));
    worker.wait_idle();
    CHECK(worker.latest()->frame);
  }

  TEST_CASE("the inference worker runs the demo GAN on latents") {
    InferenceWorker worker;
    worker.open(demo("gan.pt"));
    analysis::LiveRequest r;
    r.latent_a = {1, 4};
    r.latent_b = {1, 5};
    r.mix = 0.5f;
    const auto id = worker.submit(r);
    worker.wait_idle();
    REQUIRE(worker.info());
    CHECK(worker.info()->kind == analysis::LiveKind::kGenerator);
    auto out = worker.latest();
    REQUIRE(out);
    CHECK(out->request == id);
    CHECK(out->error == "");
    REQUIRE(out->frame);
    CHECK(out->frame->image.width == worker.info()->output_width);
    CHECK(out->frame->image.height == worker.info()->output_height);
    CHECK(out->frame->image.channels == 3);
  }

  TEST_CASE(
      "requests before any model get an error and destruction with work pending does not hang") {
    {
      InferenceWorker worker;
      worker.submit(image_request(32, 1));
      worker.wait_idle();
      auto out = worker.latest();
      REQUIRE(out);
      CHECK(!out->frame);
      CHECK(out->error.find("no model") != std::string::npos);
    }
    {
      InferenceWorker worker;
      worker.open(demo("classifier.pt"));
      worker.submit(image_request(64, 1));
    }
  }
}
