// The error type analysis/ throws for bad user input: models, datasets, files and options.
#pragma once

#include <stdexcept>
#include <string>

namespace unitscope::analysis {

// Messages name the file, row, layer or value at fault, so they can be shown to a user as they are.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace unitscope::analysis
