// Little helpers for the flat binary images of checkpoints: append values, read them back checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace unitscope::analysis::bytes {

// Appends raw bytes (resize + memcpy: GCC 12 misreads vector::insert of a range at -O2).
inline void put_bytes(std::vector<std::uint8_t>& out, const void* data, std::size_t n) {
  if (n == 0) return;
  const std::size_t old = out.size();
  out.resize(old + n);
  std::memcpy(out.data() + old, data, n);
}

template <typename T>
void put(std::vector<std::uint8_t>& out, const T& value) {
  static_assert(std::is_trivially_copyable_v<T>);
  put_bytes(out, &value, sizeof(T));
}

// Throws std::runtime_error naming `what` when the data ends early.
template <typename T>
T get(std::span<const std::uint8_t> data, std::size_t& offset, const char* what) {
  static_assert(std::is_trivially_copyable_v<T>);
  if (offset + sizeof(T) > data.size()) throw std::runtime_error(std::string(what) + ": truncated data");
  T value;
  std::memcpy(&value, data.data() + offset, sizeof(T));
  offset += sizeof(T);
  return value;
}

template <typename T>
void put_vector(std::vector<std::uint8_t>& out, const std::vector<T>& v) {
  put(out, static_cast<std::uint64_t>(v.size()));
  put_bytes(out, v.data(), v.size() * sizeof(T));
}

template <typename T>
std::vector<T> get_vector(std::span<const std::uint8_t> data, std::size_t& offset, const char* what) {
  const auto n = get<std::uint64_t>(data, offset, what);
  if (n > (data.size() - offset) / sizeof(T)) throw std::runtime_error(std::string(what) + ": corrupt data");
  std::vector<T> v(n);
  if (n > 0) std::memcpy(v.data(), data.data() + offset, n * sizeof(T));
  offset += n * sizeof(T);
  return v;
}

inline void put_string(std::vector<std::uint8_t>& out, const std::string& s) {
  put(out, static_cast<std::uint64_t>(s.size()));
  put_bytes(out, s.data(), s.size());
}

inline std::string get_string(std::span<const std::uint8_t> data, std::size_t& offset, const char* what) {
  const auto n = get<std::uint64_t>(data, offset, what);
  if (n > data.size() - offset) throw std::runtime_error(std::string(what) + ": corrupt data");
  std::string s(reinterpret_cast<const char*>(data.data() + offset), n);
  offset += n;
  return s;
}

}  // namespace unitscope::analysis::bytes
