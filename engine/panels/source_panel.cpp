#include "engine/panels/source_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdint>

#include "engine/panels/panel_widgets.h"
#include "engine/studio/studio.h"

namespace unitscope::engine {

namespace {

bool input_u64(const char* label, std::uint64_t& value) {
  return ImGui::InputScalar(label, ImGuiDataType_U64, &value);
}

// Prev / next buttons and a scrub slider over 0..count-1 (count 0: unbounded, no slider).
bool position_controls(std::uint64_t& index, std::uint64_t count) {
  bool changed = false;
  if (ImGui::ArrowButton("##prev", ImGuiDir_Left) && index > 0) {
    --index;
    changed = true;
  }
  ImGui::SameLine();
  if (ImGui::ArrowButton("##next", ImGuiDir_Right) && (count == 0 || index + 1 < count)) {
    ++index;
    changed = true;
  }
  ImGui::SameLine();
  if (count > 0) {
    int i = int(std::min<std::uint64_t>(index, count - 1));
    if (ImGui::SliderInt("##scrub", &i, 0, int(count - 1))) {
      index = std::uint64_t(i);
      changed = true;
    }
  } else {
    changed |= input_u64("index", index);
  }
  return changed;
}

}  // namespace

void SourcePanel::draw(PanelContext& ctx) {
  Studio& studio = ctx.studio;
  StudioSettings& s = studio.settings;
  if (!ImGui::Begin("Source")) {
    ImGui::End();
    return;
  }
  if (studio.is_generator()) {
    ImGui::TextWrapped("GAN samples: latent sample (seed, index)");
    bool changed = false;
    ImGui::PushItemWidth(label_room({"seed A", "index A", "A -> B"}));
    changed |= input_u64("seed A", s.gan_seed_a);
    changed |= input_u64("index A", s.gan_index_a);
    changed |= input_u64("seed B", s.gan_seed_b);
    changed |= input_u64("index B", s.gan_index_b);
    changed |= ImGui::SliderFloat("A -> B", &s.gan_mix, 0.0f, 1.0f);
    ImGui::PopItemWidth();
    if (ImGui::Button("next sample")) {
      ++s.gan_index_a;
      changed = true;
    }
    if (changed) studio.mark_dirty();
    ImGui::End();
    return;
  }

  const char* kinds[] = {"SceneWorld", "Image folder", "Broden dataset", "Video"};
  int kind = std::min(int(s.source), 3);
  ImGui::PushItemWidth(label_room({"source", "world seed", "index"}));
  if (ImGui::Combo("source", &kind, kinds, 4)) s.source = SourceKind(kind);

  FrameSource& source = studio.source();
  if (s.source == SourceKind::kWorld) {
    input_u64("world seed", s.world_seed);
    position_controls(s.world_index, 0);
  } else {
    std::string& current = s.source == SourceKind::kFolder ? s.folder : s.source == SourceKind::kBroden ? s.broden : s.video;
    if (path_kind_ != int(s.source)) {
      path_edit_ = current;
      path_kind_ = int(s.source);
    }
    ImGui::SetNextItemWidth(-(button_width("Open") + ImGui::GetStyle().ItemSpacing.x));
    ImGui::InputTextWithHint("##path", "path", &path_edit_);
    hover_tooltip(path_edit_);
    ImGui::SameLine();
    if (ImGui::Button("Open")) {
      current = path_edit_;
      s.source_index = 0;
    }
    if (s.source == SourceKind::kVideo && source.count() > 0) {
      if (ImGui::Button(source.playing() ? "Pause" : "Play")) source.set_playing(!source.playing(), studio.now());
      ImGui::SameLine();
      if (ImGui::Button("Step") && s.source_index + 1 < source.count()) {
        source.set_playing(false, studio.now());
        ++s.source_index;
      }
      ImGui::SameLine();
      ImGui::Text("%.1f fps", source.video_fps());
    }
    if (source.count() > 0 && position_controls(s.source_index, source.count())) source.set_playing(false, studio.now());
  }
  ImGui::PopItemWidth();
  if (!source.error().empty()) {
    error_text(source.error());
  } else {
    ImGui::TextWrapped("%s", source.describe().c_str());
  }
  ImGui::End();
}

}  // namespace unitscope::engine
