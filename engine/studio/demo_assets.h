// Where the built-in demo lives: the committed models under assets/models and the demo dataset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace unitscope::engine {

// The checkout holding assets/models: $UNITSCOPE_ROOT, else the nearest parent of the working
// directory or of the executable that has one, else the source tree the binary was built from.
std::filesystem::path demo_root();
// assets/models/<file> under demo_root(), as a string for --model defaults.
std::string demo_model(const std::string& file);
// The segmenter gan-dissect labels the demo GAN's samples with (assets/models/segmenter.pt).
std::string demo_segmenter();

// The demo dataset the analysis commands default to: kDemoImages SceneWorld scenes of world seed
// kDemoWorldSeed (a seed no demo model was trained on) at 128x128, in Broden format.
inline constexpr std::size_t kDemoImages = 2000;
inline constexpr std::uint64_t kDemoWorldSeed = 7;
// demo_root()/demo/world; writes it first (about half a minute) when it is not there yet.
// Thread-safe: studio jobs may ask for it at the same time.
std::filesystem::path demo_dataset();
// The demo classifier's last convolutional layer (after its ReLU): what dissect and ablate
// default to.
inline constexpr const char* kDemoClassifierLayer = "features.27";
// The demo GAN's middle layer (16x16, 128 units): what gan-dissect and intervene default to.
inline constexpr const char* kDemoGanLayer = "layer3";

}  // namespace unitscope::engine
