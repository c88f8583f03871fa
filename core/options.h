#pragma once
// Range checks for user settings. Each option struct declares its defaults and one
// validate() built from these; the message names the field as `Struct::field` (e.g.
// "TrainOptions::epochs must be in [1, 100000], got 0"), never a command-line flag:
// cli/ replaces the field names by its flags when it reports the error.
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "core/check.h"

namespace molprop::core {

// The most worker threads any option accepts (every `threads` field of every job): far
// above any machine's core count, low enough that creating the pool cannot exhaust the
// process's thread or memory limits (100000 threads did: "terminate called ...").
inline constexpr int kMaxThreads = 1024;

// lo ≤ value ≤ hi (NaN fails).
template <typename T>
void check_range(const char* field, T value, T lo, T hi) {
  if (value >= lo && value <= hi) return;
  std::ostringstream os;
  os << field << " must be in [" << lo << ", " << hi << "], got " << value;
  throw Error(os.str());
}

// value ≥ lo (NaN and infinity fail).
inline void check_at_least(const char* field, double value, double lo) {
  if (value >= lo && std::isfinite(value)) return;
  std::ostringstream os;
  os << field << " must be >= " << lo << ", got " << value;
  throw Error(os.str());
}

// value > 0 (NaN and infinity fail).
inline void check_positive(const char* field, double value) {
  if (value > 0 && std::isfinite(value)) return;
  std::ostringstream os;
  os << field << " must be > 0, got " << value;
  throw Error(os.str());
}

// A worker-thread count: 1 ≤ value ≤ kMaxThreads.
inline void check_threads(const char* field, int value) { check_range(field, value, 1, kMaxThreads); }

// value is one of `choices`.
inline void check_choice(const char* field, const std::string& value, const std::vector<std::string>& choices) {
  std::string list;
  for (const auto& c : choices) {
    if (c == value) return;
    list += (list.empty() ? "" : ", ") + c;
  }
  throw Error(std::string(field) + " must be one of " + list + "; got '" + value + "'");
}

}  // namespace molprop::core
