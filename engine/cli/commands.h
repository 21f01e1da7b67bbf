// The unitscope executable's subcommands; each add_* registers one on the CLI11 app.
#pragma once

namespace CLI {
class App;
}

namespace unitscope::engine {

// Registers a subcommand and its callback. Callbacks throw on failure; main reports and exits 1.
using AddCommand = void (*)(CLI::App& app);

void add_world_command(CLI::App& app);  // world_command.cpp
void add_layers_command(CLI::App& app);  // layers_command.cpp
void add_dissect_command(CLI::App& app);  // dissect_command.cpp
void add_gan_dissect_command(CLI::App& app);  // dissect_command.cpp
void add_ablate_command(CLI::App& app);  // ablate_command.cpp
void add_attack_command(CLI::App& app);  // attack_command.cpp
void add_eval_command(CLI::App& app);  // eval_command.cpp
void add_intervene_command(CLI::App& app);  // intervene_command.cpp
void add_record_command(CLI::App& app);  // studio_command.cpp
// The options of `unitscope` itself; with no subcommand its callback opens the studio and puts
// the studio's exit status in `exit_code`.
void add_studio_options(CLI::App& app, int& exit_code);  // studio_command.cpp

}  // namespace unitscope::engine
