// What the studio remembers between runs: the source, model, layer, selections and view options.
// Saved as JSON next to ImGui's window layout (imgui.ini) in the user's config directory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace unitscope::engine {

enum class SourceKind { kWorld, kFolder, kBroden, kVideo, kGan };
enum class SortKey { kUnit, kActivation, kIou, kImportance, kLabel };

// A unit switched off (scale 0) or on (set to its dissection threshold times strength; without a
// dissection, to the unit's maximum on the current frame times strength).
struct UnitToggle {
  int unit = 0;
  bool on = false;
  float strength = 1.0f;
  bool operator==(const UnitToggle&) const = default;
};

struct StudioSettings {
  // Source
  SourceKind source = SourceKind::kWorld;
  std::uint64_t world_seed = 7;
  std::uint64_t world_index = 0;
  std::uint64_t source_index = 0;     // position in the folder, Broden dataset or video
  std::string folder;
  std::string broden;
  std::string video;
  std::uint64_t gan_seed_a = 1, gan_index_a = 0;
  std::uint64_t gan_seed_b = 2, gan_index_b = 0;
  float gan_mix = 0.0f;
  // Model: "demo:classifier", "demo:gan" or a model path (TorchScript with its sidecar)
  std::string model = "demo:classifier";
  std::string layer;                 // empty: the model's default
  std::string dissection;            // a dissect/gan-dissect output directory ("" = the cached one)
  // The segmenter a generator is dissected, toggled and painted with ("" = the demo segmenter): a
  // TorchScript file whose sidecar names its concepts. It stays paired with the model it was set for.
  std::string segmenter;
  // Views
  int selected_unit = -1;
  SortKey sort = SortKey::kUnit;
  std::string concept_filter;
  bool side_by_side = false;
  std::vector<UnitToggle> toggles;
  int window_width = 1280, window_height = 720;

  bool operator==(const StudioSettings&) const = default;
};

// $UNITSCOPE_CONFIG_DIR, else $XDG_CONFIG_HOME/unitscope, else $HOME/.config/unitscope.
std::filesystem::path config_dir();
// Missing file: nullopt. A corrupt file or bad values: nullopt and a message on stderr naming the
// file (the studio starts with defaults and never crashes on it). Unknown keys are ignored.
std::optional<StudioSettings> load_settings(const std::filesystem::path& path);
// Writes atomically (temp file + rename); throws std::runtime_error naming the file on failure.
void save_settings(const std::filesystem::path& path, const StudioSettings& settings);

const char* to_string(SourceKind kind);
std::optional<SourceKind> parse_source_kind(const std::string& text);
const char* to_string(SortKey key);
std::optional<SortKey> parse_sort_key(const std::string& text);

}  // namespace unitscope::engine
