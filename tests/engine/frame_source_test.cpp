#include "engine/studio/frame_source.h"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "analysis/data/image.h"
#include "test_paths.h"

using namespace unitscope::engine;
using unitscope::analysis::Image;

namespace {

// Calls update until the source has opened (on its job thread), for at most five seconds.
void settle(FrameSource& source, StudioSettings& settings) {
  for (int i = 0; i < 500; ++i) {
    source.update(settings, 0.0);
    if (!source.opening()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Image flat(int width, int height, std::uint8_t value) {
  Image image(width, height, 3);
  std::fill(image.pixels.begin(), image.pixels.end(), value);
  return image;
}

}  // namespace

TEST_SUITE("studio") {
  TEST_CASE("the SceneWorld source draws a new scene only when the index or seed changes") {
    FrameSource source;
    StudioSettings settings;
    settings.source = SourceKind::kWorld;
    source.update(settings, 0.0);
    CHECK(source.image().width == FrameSource::kWorldSize);
    const auto serial = source.serial();
    const auto pixels = source.image().pixels;
    source.update(settings, 0.0);
    CHECK(source.serial() == serial);
    settings.world_index = 5;
    source.update(settings, 0.0);
    CHECK(source.serial() == serial + 1);
    CHECK(source.image().pixels != pixels);
    CHECK(source.count() == 0);
  }

  TEST_CASE("an image folder opens off the UI thread and steps through its sorted images") {
    const auto dir = unitscope::test::scratch_dir("frame_source_folder");
    std::filesystem::create_directories(dir / "sub");
    unitscope::analysis::write_png(dir / "b.png", flat(8, 6, 200));
    unitscope::analysis::write_png(dir / "sub" / "c.png", flat(10, 4, 50));
    unitscope::analysis::write_png(dir / "a.png", flat(5, 5, 10));
    FrameSource source;
    StudioSettings settings;
    settings.source = SourceKind::kFolder;
    settings.folder = dir.string();
    settings.source_index = 1;
    settle(source, settings);
    REQUIRE(source.error().empty());
    CHECK(source.count() == 3);
    CHECK(source.image().width == 8);  // a.png, b.png, sub/c.png: index 1 is b.png
    CHECK(source.image().pixels[0] == 200);
    settings.source_index = 7;  // past the end: the last image
    source.update(settings, 0.0);
    CHECK(settings.source_index == 2);
    CHECK(source.image().width == 10);
  }

  TEST_CASE("a missing folder is an error that names it and keeps the studio running") {
    FrameSource source;
    StudioSettings settings;
    settings.source = SourceKind::kFolder;
    settings.folder = "/nonexistent/unitscope/images";
    settle(source, settings);
    CHECK(source.error().find("/nonexistent/unitscope/images") != std::string::npos);
    CHECK(source.count() == 0);
    settings.source = SourceKind::kWorld;
    source.update(settings, 0.0);
    CHECK(source.error().empty());
    CHECK_FALSE(source.image().empty());
  }
}
