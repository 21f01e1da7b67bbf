// The unit inspector, dissection and ablation panels driven headless (ImGui without a window, a real
// Studio on the demo classifier, lavapipe for the image cache): a dissection run from its button is
// cached and loaded, the inspector then shows the unit's exemplars, and ablation hands its result to
// the studio. ImGui's own checks (Begin/End pairs, ID stack) run on every frame.
#include <doctest/doctest.h>

#include <imgui.h>
#include <imgui_internal.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "analysis/world/broden_writer.h"
#include "analysis/world/scene_world.h"
#include "engine/panels/ablation_panel.h"
#include "engine/panels/dissection_panel.h"
#include "engine/studio/image_cache.h"
#include "engine/studio/demo_assets.h"
#include "engine/studio/studio.h"
#include "engine/studio/studio_dissection.h"
#include "engine/panels/unit_inspector_panel.h"
#include "render/context.h"
#include "test_paths.h"

using namespace unitscope;
using namespace unitscope::engine;

namespace {

struct Panels {
  UnitInspectorPanel inspector;
  DissectionPanel dissection;
  AblationPanel ablation;
};

// One UI frame: the studio's update, then the three panels.
void frame(Studio& studio, PanelContext& ctx, Panels& panels, double& now) {
  now += 1.0 / 30.0;
  studio.update(now);
  ImGuiIO& io = ImGui::GetIO();
  io.DeltaTime = 1.0f / 30.0f;
  ImGui::NewFrame();
  // Side by side and large enough that nothing the test looks for is clipped.
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(ImVec2(800, 1200));
  panels.inspector.draw(ctx);
  ImGui::SetNextWindowPos(ImVec2(800, 0));
  ImGui::SetNextWindowSize(ImVec2(800, 600));
  panels.dissection.draw(ctx);
  ImGui::SetNextWindowPos(ImVec2(800, 600));
  ImGui::SetNextWindowSize(ImVec2(800, 600));
  panels.ablation.draw(ctx);
  ImGui::Render();
}

// Frames until `done` holds or `seconds` pass (a background job runs meanwhile).
bool frames_until(Studio& studio, PanelContext& ctx, Panels& panels, double& now, double seconds,
                  const std::function<bool()>& done) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    frame(studio, ctx, panels, now);
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Presses a button of a window on the next frame, as a click would.
void press(const char* window, const char* button) {
  ImGuiWindow* w = ImGui::FindWindowByName(window);
  REQUIRE(w != nullptr);
  ImGui::ActivateItem(w->GetID(button));
}

// Draw commands of a window that show a texture other than the font atlas: images shown.
int images_drawn(const char* window) {
  ImGuiWindow* w = ImGui::FindWindowByName(window);
  if (!w || !w->DrawList) return 0;
  int n = 0;
  for (const ImDrawCmd& cmd : w->DrawList->CmdBuffer)
    if (cmd.ElemCount > 0 && cmd.TextureId != ImGui::GetIO().Fonts->TexID) ++n;
  return n;
}

}  // namespace

TEST_SUITE("studio") {

TEST_CASE("each set of dissection options has its own cache folder, so a small run never replaces a full one") {
  StudioDissectionRequest full;
  full.out = "/cache/model/layer";
  CHECK(studio_dissection_out(full) == "/cache/model/layer/pnas");
  StudioDissectionRequest small = full;
  small.limit = 40;
  CHECK(studio_dissection_out(small) == "/cache/model/layer/pnas-n40");
  StudioDissectionRequest lite = small;
  lite.convention = analysis::Convention::kNetDissectLite;
  CHECK(studio_dissection_variant(lite) == "netdissect-lite-n40");
  StudioDissectionRequest demo = full;
  demo.dataset = demo_root() / "demo" / "world";  // what a run on the default dataset resolves to
  CHECK(studio_dissection_variant(demo) == "pnas");
  StudioDissectionRequest other = full;
  other.dataset = "/data/broden";
  const std::string variant = studio_dissection_variant(other);
  CHECK(variant.rfind("pnas-d", 0) == 0);
  other.dataset = "/data/broden2";
  CHECK(studio_dissection_variant(other) != variant);
  StudioDissectionRequest gan = full;
  gan.generator = true;
  CHECK(studio_dissection_variant(gan) == "pnas");
  gan.limit = kDefaultGanSamples;
  CHECK(studio_dissection_variant(gan) == "pnas");
  gan.limit = 200;
  CHECK(studio_dissection_variant(gan) == "pnas-s200");
}

TEST_CASE("the dissection and inspector and ablation panels run their jobs and share the results") {
  const auto scratch = test::scratch_dir("studio_panels");
  // A small demo root: the committed models and a 32-image demo dataset, and a private cache.
  const auto root = scratch / "root";
  std::filesystem::create_directories(root / "assets");
  std::filesystem::create_directory_symlink(test::source_dir() / "assets" / "models", root / "assets" / "models");
  analysis::SceneWorldOptions world;
  world.seed = 11;
  world.width = world.height = 64;
  analysis::BrodenExportOptions options;
  options.images = 32;
  options.val_fraction = 0.4;
  REQUIRE(analysis::export_broden(analysis::SceneWorld(world), root / "demo" / "world", options).complete);
  setenv("UNITSCOPE_ROOT", root.c_str(), 1);
  setenv("UNITSCOPE_CACHE_DIR", (scratch / "cache").c_str(), 1);

  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(1600, 1200);
  unsigned char* pixels = nullptr;
  int width = 0, height = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &width, &height);
  {
    render::Context context;
    ImageCache images(context);
    StudioSettings settings;
    settings.model = "demo:classifier";
    Studio studio(settings, /*deterministic=*/true);
    PanelContext ctx{studio, images};
    Panels panels;
    double now = 0.0;

    frame(studio, ctx, panels, now);
    REQUIRE(studio.info() != nullptr);
    CHECK(studio.settings.layer == "features.27");
    CHECK(studio.dissection() == nullptr);
    studio.select_unit(3);
    frame(studio, ctx, panels, now);

    // Dissect the demo dataset from the panel's button; the finished run is loaded from the cache.
    // A checkpoint an older unitscope left in the studio's cache is dropped, not an error.
    const auto old_state = studio.dissection_cache_dir() / "pnas" / ".dissect";
    std::filesystem::create_directories(old_state);
    std::ofstream(old_state / "checkpoint.bin") << "DSK3";
    press("Dissection pass", "Run");
    CHECK(frames_until(studio, ctx, panels, now, 240, [&] { return studio.dissection() != nullptr; }));
    REQUIRE(studio.dissection() != nullptr);
    CHECK(studio.dissection_dir() == studio.dissection_cache_dir() / "pnas");
    CHECK(studio.dissection()->units.size() == 128);
    CHECK(!studio.dissection()->units[3].top.empty());

    // The inspector composites the unit's top images once the dissection is there.
    CHECK(frames_until(studio, ctx, panels, now, 120, [&] {
      return images_drawn("Unit inspector") >= int(studio.dissection()->units[3].top.size());
    }));

    // Ablation of the current layer; its result becomes the studio's importance.
    press("Ablation curves", "Run");
    CHECK(frames_until(studio, ctx, panels, now, 240, [&] { return studio.importance() != nullptr; }));
    REQUIRE(studio.importance() != nullptr);
    CHECK(studio.importance()->layer == "features.27");
    CHECK(!studio.importance()->classes.empty());
    for (int i = 0; i < 3; ++i) frame(studio, ctx, panels, now);

    // A failed Open (a missing file, a file that is not a model) changes nothing but the error.
    const auto* dissection = studio.dissection();
    const auto importance = studio.importance();
    std::ofstream(scratch / "not_a_model.pt") << "these are not the weights you are looking for";
    for (const char* bad : {"missing.pt", "not_a_model.pt"}) {
      studio.open_model((scratch / bad).string());
      for (int i = 0; i < 3; ++i) frame(studio, ctx, panels, now);
      CHECK(!studio.opening_model());
      CHECK(studio.model_error().find(bad) != std::string::npos);
      CHECK(studio.settings.model == "demo:classifier");
      CHECK(studio.settings.layer == "features.27");
      CHECK(studio.settings.selected_unit == 3);
      CHECK(studio.dissection() == dissection);
      CHECK(studio.importance() == importance);
      CHECK(!studio.is_generator());
    }
    // One that opens replaces them all.
    studio.open_model("demo:gan");
    frame(studio, ctx, panels, now);
    CHECK(studio.model_error().empty());
    CHECK(studio.settings.model == "demo:gan");
    CHECK(studio.is_generator());
    CHECK(studio.settings.selected_unit == -1);
    CHECK(studio.importance() == nullptr);
  }
  ImGui::DestroyContext();
}

}  // TEST_SUITE
