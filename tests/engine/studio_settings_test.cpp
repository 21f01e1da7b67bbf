#include "engine/studio/studio_settings.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "test_paths.h"

using namespace unitscope::engine;
namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Sets an environment variable for one scope and restores it afterwards.
class EnvVar {
 public:
  EnvVar(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~EnvVar() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

StudioSettings every_field_changed() {
  StudioSettings s;
  s.source = SourceKind::kVideo;
  s.world_seed = 90210;
  s.world_index = 18446744073709551615ull;  // the largest seed JSON must carry exactly
  s.folder = "/data/images";
  s.broden = "/data/broden1_224";
  s.video = "/videos/street \"night\".mp4";
  s.gan_seed_a = 11;
  s.gan_index_a = 3;
  s.gan_seed_b = 12;
  s.gan_index_b = 4;
  s.gan_mix = 0.375f;
  s.model = "/models/resnet.pt";
  s.layer = "layer4.1.conv2";
  s.dissection = "/out/dissection";
  s.selected_unit = 117;
  s.sort = SortKey::kImportance;
  s.concept_filter = "tree";
  s.side_by_side = true;
  s.toggles = {{5, false, 1.0f}, {17, true, 2.5f}, {120, true, 0.1f}};
  s.window_width = 1920;
  s.window_height = 1080;
  return s;
}

}  // namespace

TEST_SUITE("settings") {
  TEST_CASE("every field including the toggles survives a save and a load") {
    const auto dir = unitscope::test::scratch_dir("settings_round_trip");
    const auto path = dir / "nested" / "studio.json";
    const auto settings = every_field_changed();
    REQUIRE(!(settings == StudioSettings{}));
    save_settings(path, settings);
    const auto loaded = load_settings(path);
    REQUIRE(loaded);
    CHECK(*loaded == settings);
    CHECK(loaded->toggles.size() == 3);
    CHECK(loaded->toggles[1] == UnitToggle{17, true, 2.5f});

    // Saving again replaces the file in place and leaves no temporary file behind.
    auto changed = settings;
    changed.sort = SortKey::kLabel;
    changed.toggles.clear();
    save_settings(path, changed);
    CHECK(load_settings(path) == changed);
    int files = 0;
    for (const auto& entry : fs::directory_iterator(path.parent_path())) {
      ++files;
      CHECK(entry.path().filename() == "studio.json");
    }
    CHECK(files == 1);
  }

  TEST_CASE("every enum value round-trips through its text") {
    for (auto k : {SourceKind::kWorld, SourceKind::kFolder, SourceKind::kBroden, SourceKind::kVideo,
                   SourceKind::kGan}) {
      CHECK(parse_source_kind(to_string(k)) == k);
    }
    for (auto k : {SortKey::kUnit, SortKey::kActivation, SortKey::kIou, SortKey::kImportance,
                   SortKey::kLabel}) {
      CHECK(parse_sort_key(to_string(k)) == k);
    }
    CHECK(!parse_source_kind("World"));
    CHECK(!parse_sort_key(""));
  }

  TEST_CASE("a missing file gives nullopt") {
    const auto dir = unitscope::test::scratch_dir("settings_missing");
    CHECK(!load_settings(dir / "none.json"));
  }

  TEST_CASE("missing keys keep their defaults and unknown keys are ignored") {
    const auto dir = unitscope::test::scratch_dir("settings_partial");
    write_text(dir / "s.json", R"({"layer": "features.27", "from_a_newer_version": [1, 2]})");
    const auto loaded = load_settings(dir / "s.json");
    REQUIRE(loaded);
    StudioSettings expected;
    expected.layer = "features.27";
    CHECK(*loaded == expected);
  }

  TEST_CASE("corrupt JSON or wrong types or bad values give nullopt and never a crash") {
    const auto dir = unitscope::test::scratch_dir("settings_corrupt");
    const char* bad[] = {
        "",
        "{",
        "{\"model\": \"demo:classifier\",",
        "\x01\xff\xfe garbage",
        "[1, 2, 3]",
        "null",
        R"({"model": 5})",
        R"({"world_seed": -1})",
        R"({"world_seed": 1.5})",
        R"({"world_seed": "7"})",
        R"({"side_by_side": 1})",
        R"({"source": "webcam"})",
        R"({"sort": 3})",
        R"({"selected_unit": -2})",
        R"({"selected_unit": 1e40})",
        R"({"window_width": 0})",
        R"({"window_height": 99999999999})",
        R"({"gan_mix": 2})",
        R"({"toggles": {"unit": 1}})",
        R"({"toggles": [1, 2]})",
        R"({"toggles": [{"on": true}]})",
        R"({"toggles": [{"unit": -4}]})",
        R"({"toggles": [{"unit": 4, "strength": "big"}]})",
    };
    int i = 0;
    for (const char* text : bad) {
      CAPTURE(text);
      const auto path = dir / ("bad" + std::to_string(i++) + ".json");
      write_text(path, text);
      CHECK(!load_settings(path));
    }
    // A directory where the file should be is unreadable, not fatal.
    fs::create_directories(dir / "dir.json");
    CHECK(!load_settings(dir / "dir.json"));
  }

  TEST_CASE("saving where no file can be written throws an error naming the file") {
    const auto dir = unitscope::test::scratch_dir("settings_unwritable");
    write_text(dir / "plain", "not a directory");
    const auto path = dir / "plain" / "studio.json";
    std::string message;
    try {
      save_settings(path, StudioSettings{});
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    CHECK(message.find(path.string()) != std::string::npos);
  }

  TEST_CASE("config_dir prefers UNITSCOPE_CONFIG_DIR then XDG_CONFIG_HOME then HOME") {
    EnvVar home("HOME", "/home/ada");
    {
      EnvVar own("UNITSCOPE_CONFIG_DIR", "/etc/unitscope-test");
      EnvVar xdg("XDG_CONFIG_HOME", "/xdg");
      CHECK(config_dir() == fs::path("/etc/unitscope-test"));
    }
    {
      EnvVar own("UNITSCOPE_CONFIG_DIR", nullptr);
      EnvVar xdg("XDG_CONFIG_HOME", "/xdg");
      CHECK(config_dir() == fs::path("/xdg/unitscope"));
    }
    {
      EnvVar own("UNITSCOPE_CONFIG_DIR", "");  // empty counts as unset
      EnvVar xdg("XDG_CONFIG_HOME", "");
      CHECK(config_dir() == fs::path("/home/ada/.config/unitscope"));
    }
  }
}
