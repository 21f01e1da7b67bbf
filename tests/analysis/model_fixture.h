// Helpers the torch tests share: a hand-built colour classifier with known detector units, its
// ImageFolder data, and the message of an expected analysis::Error.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/data/error.h"

namespace unitscope::test {

// The colour classifier's classes, in index order.
const std::vector<std::string>& color_classes();

// DIR/color.pt: a one-stage built-in VGG over 16x16 images with `units` units at features.1
// (after the ReLU). Units k and k+3 detect colour channel k and are all the classifier reads;
// the others see the colours weakly (a third of the detectors' weight) and are ignored.
std::filesystem::path make_color_net(const std::filesystem::path& dir, int units = 32);

// DIR/train/<class>/<i>.png and DIR/val/<class>/<i>.png, 16x16: with `colored`, class k's images
// are brighter in channel k (plus noise), else uniform noise. The same seed gives the same files.
void write_class_folder(const std::filesystem::path& dir, const std::vector<std::string>& classes,
                        int per_class, bool colored, unsigned seed);

std::string read_text(const std::filesystem::path& path);

// The message of the analysis::Error that f() throws, or "(no error)".
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const analysis::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace unitscope::test
