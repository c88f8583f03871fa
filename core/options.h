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
