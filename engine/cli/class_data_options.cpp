#include "engine/cli/class_data_options.h"

#include <CLI/CLI.hpp>

#include "engine/studio/demo_assets.h"

namespace unitscope::engine {

std::string ClassDataOptions::dataset_or_demo() const {
  return dataset.empty() ? demo_dataset().string() : dataset;
}

void add_class_data_options(CLI::App& command, ClassDataOptions& options, const std::string& limit_help) {
  add_model_options(command, options.model, demo_model("classifier.pt"));
  command.add_option("--dataset", options.dataset,
                     "Broden-format directory (image-level labels of --label-category) or ImageFolder "
                     "(DIR/<class>/*.png, or DIR/train/<class> and DIR/val/<class>); default: the demo "
                     "SceneWorld dataset");
  command.add_option("--label-category", options.label_category, "Broden category holding the class labels")
      ->capture_default_str();
  command.add_option("--limit", options.limit, limit_help);
}

}  // namespace unitscope::engine
