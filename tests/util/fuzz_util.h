#pragma once
// What the fuzz harnesses (tests/fuzz/) share: their time budget and seed from the
// environment (MOLPROP_FUZZ_SECONDS, default 3 s in ctest; MOLPROP_FUZZ_SEED, default 1),
// whole-file byte I/O, drawing from a list, and the signal handler that keeps the input being checked when the
// process crashes on it (moved to tests/fuzz/crashes/, replayed by the next run).
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace molprop::testing_util {

inline double fuzz_seconds() {
  const char* s = std::getenv("MOLPROP_FUZZ_SECONDS");
  return s ? std::atof(s) : 3.0;
}

inline uint64_t fuzz_seed() {
  const char* s = std::getenv("MOLPROP_FUZZ_SEED");
  return s ? std::strtoull(s, nullptr, 10) : 1;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_bytes(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

// One raw mutation inside bytes [offset, offset + size) of a file's content: flips one
// bit, overwrites up to 16 bytes with noise, or sets up to 64 bytes to 0x00/0xFF. Returns
// false (and changes nothing) when the region is empty or outside `bytes`.
template <typename Rng>
bool mutate_region(std::string& bytes, uint64_t offset, uint64_t size, Rng& rng) {
  if (size == 0 || offset + size > bytes.size()) return false;
  const size_t at = static_cast<size_t>(offset + rng() % size), end = static_cast<size_t>(offset + size);
  switch (rng() % 3) {
    case 0:
      bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
      break;
    case 1:
      for (size_t i = at; i < std::min(end, at + 1 + rng() % 16); ++i) bytes[i] = static_cast<char>(rng());
      break;
    default:
      for (size_t i = at; i < std::min(end, at + 1 + rng() % 64); ++i) bytes[i] = rng() % 2 ? '\0' : '\xFF';
  }
  return true;
}

// A uniformly drawn element of `v` (not empty).
template <typename T, typename Rng>
const T& pick(const std::vector<T>& v, Rng& rng) {
  return v[static_cast<size_t>(rng() % v.size())];
}

// A message the harnesses accept as "one line": no newline, carriage return or NUL.
inline bool one_line(const std::string& s) { return s.find_first_of(std::string("\n\r\0", 3)) == std::string::npos; }

// For the signal handler: where the input being checked is, and where it goes on a crash.
inline char g_pending[4096] = {0};
inline char g_crash[4096] = {0};

extern "C" inline void save_crash_input(int sig) {
  if (g_pending[0] != '\0') std::rename(g_pending, g_crash);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace molprop::testing_util
