#pragma once
// Column-wise standardisation fitted on training rows, ignoring NaN.
#include <cstdint>
#include <string>
#include <vector>

namespace molprop::data {

// Per-column standardisation: x' = (x − mean) / std.
struct ColumnScaling {
  std::vector<std::string> names;
  std::vector<double> mean;
  std::vector<double> std;
};

// Fits mean and std per column over rows × cols values (row-major), skipping NaN. A
// column with no values gets mean 0, std 1; a constant column gets std 1 (so it maps
// to 0 rather than dividing by zero).
ColumnScaling fit_scaling(const std::vector<float>& values, int64_t cols);

// In place: x ← (x − mean) / std. NaN stays NaN unless nan_to_zero (descriptors: a
// missing descriptor becomes the training mean). Values are clipped to ±clip when clip > 0
// (extreme descriptor values would otherwise dominate the head's input).
void apply_scaling(std::vector<float>& values, const ColumnScaling& s, bool nan_to_zero = false, double clip = 0);

// In place: x ← x · std + mean.
void invert_scaling(std::vector<float>& values, const ColumnScaling& s);

}  // namespace molprop::data
