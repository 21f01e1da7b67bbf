// The unitscope executable's subcommands; each add_* registers one on the CLI11 app.
#pragma once

namespace CLI {
class App;
}

namespace unitscope::engine {

// Registers a subcommand and its callback. Callbacks throw on failure; main reports and exits 1.
using AddCommand = void (*)(CLI::App& app);

}  // namespace unitscope::engine
