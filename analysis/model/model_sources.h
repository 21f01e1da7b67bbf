// The concrete model kinds behind open_model(); internal to analysis/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>

#include "analysis/model/model.h"

namespace unitscope::analysis {

// torch::jit::load with layer taps and edits by graph surgery. Throws Error for an invalid file.
std::unique_ptr<Model> open_torchscript(const std::filesystem::path& path, Preprocess preprocess,
                                        std::optional<Sidecar> sidecar);
// "vgg16"/"resnet18"/"progan256" with random weights from `seed`; throws Error listing the names otherwise.
std::unique_ptr<Model> open_builtin(const std::string& name, Preprocess preprocess,
                                    std::uint64_t seed);
// A LibTorch archive whose sidecar names the architecture.
std::unique_ptr<Model> open_builtin_archive(const std::filesystem::path& path, Preprocess preprocess,
                                            Sidecar sidecar);

}  // namespace unitscope::analysis
