// Short content fingerprints, so that caches and resumed runs notice when what they were built from changed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace unitscope::analysis {

// FNV-1a, 64 bits, as 16 hex digits. Not cryptographic: it tells versions of a file apart.
std::string fnv1a_64_hex(std::string_view text);

// Streams the file through FNV-1a; throws Error naming the file when it cannot be read.
// A missing file hashes as "missing" (a sidecar that is not there is a state too).
std::string file_fingerprint(const std::filesystem::path& path);

}  // namespace unitscope::analysis
