// `unitscope layers`: every tappable layer of a model with its output shape.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "analysis/data/error.h"
#include "analysis/model/layer_layout.h"
#include "analysis/model/model_spec.h"
#include "analysis/data/preprocess.h"
#include "engine/cli/commands.h"
#include "engine/cli/model_options.h"

namespace unitscope::engine {
namespace {

struct LayersOptions {
  ModelOptions model;
  int size = 0;
  bool save_preprocess = false;
};

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

void run(const LayersOptions& o) {
  analysis::set_threads(o.model.threads);
  const analysis::ModelSpec spec = o.model.spec();
  const bool is_file = spec.source.rfind("builtin:", 0) != 0;
  if (o.save_preprocess) {
    if (!is_file) throw analysis::Error("--save-preprocess needs a model file, not " + spec.source);
    analysis::Sidecar sidecar = analysis::read_sidecar(spec.source).value_or(analysis::Sidecar{});
    sidecar.preprocess = analysis::resolve_preprocess(sidecar, spec.overrides);
    analysis::write_sidecar(spec.source, sidecar);
    std::printf("saved preprocessing to %s\n", analysis::sidecar_path(spec.source).string().c_str());
  }
  const analysis::ModelSummary summary = analysis::summarize_model(spec, o.size);
  std::printf("model       %s\n", spec.source.c_str());
  std::printf("input       %s\n", shape_text(summary.input_shape).c_str());
  std::printf("preprocess  %s\n\n", analysis::describe(summary.preprocess).c_str());
  std::size_t name_width = 5, type_width = 4;
  for (const auto& l : summary.layers) {
    name_width = std::max(name_width, l.name.size());
    type_width = std::max(type_width, l.type.size());
  }
  // How dissect, ablate and the studio read each layer, unless --layout says otherwise.
  std::vector<std::string> shapes, reads;
  std::size_t shape_width = 5;
  for (const auto& l : summary.layers) {
    shapes.push_back(shape_text(l.shape));
    shape_width = std::max(shape_width, shapes.back().size());
    const analysis::LayerLayout guess = analysis::guess_layout(l.shape);
    reads.push_back(guess == analysis::LayerLayout::kAuto
                        ? "no grid guessed: give --layout"
                        : analysis::unit_grid(l.shape, guess, l.name).describe());
  }
  std::printf("%-*s  %-*s  %-*s  %s\n", int(name_width), "layer", int(type_width), "type", int(shape_width), "shape",
              "read as");
  for (std::size_t i = 0; i < summary.layers.size(); ++i) {
    const auto& l = summary.layers[i];
    std::printf("%-*s  %-*s  %-*s  %s\n", int(name_width), l.name.c_str(), int(type_width), l.type.c_str(),
                int(shape_width), shapes[i].c_str(), reads[i].c_str());
  }
  if (summary.untappable.empty()) return;
  std::printf("\nnot tappable (%zu)\n", summary.untappable.size());
  for (const auto& u : summary.untappable) std::printf("%s  %s\n", u.name.c_str(), u.reason.c_str());
}

}  // namespace

void add_layers_command(CLI::App& app) {
  auto options = std::make_shared<LayersOptions>();
  CLI::App* cmd = app.add_subcommand("layers", "List a model's tappable layers and their output shapes");
  add_model_options(*cmd, options->model);
  cmd->add_option("--size", options->size, "Input size in pixels (default: the model's own, else 224)");
  cmd->add_flag("--save-preprocess", options->save_preprocess,
                "Store the preprocessing options in the model's sidecar (MODEL.json)");
  cmd->callback([options] { run(*options); });
}

}  // namespace unitscope::engine
