#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "engine/cli/commands.h"

namespace {

constexpr unitscope::engine::AddCommand kCommands[] = {
    unitscope::engine::add_world_command,
    unitscope::engine::add_layers_command,
    unitscope::engine::add_dissect_command,
    unitscope::engine::add_gan_dissect_command,
    unitscope::engine::add_ablate_command,
    unitscope::engine::add_attack_command,
    unitscope::engine::add_eval_command,
    unitscope::engine::add_intervene_command,
    unitscope::engine::add_record_command,
    nullptr,
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"unitscope: see what the individual units of a deep network do"};
  app.require_subcommand(0, 1);
  for (auto add : kCommands) {
    if (add) add(app);
  }
  int studio_exit = 0;
  unitscope::engine::add_studio_options(app, studio_exit);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unitscope: %s\n", e.what());
    return 1;
  }
  return studio_exit;
}
