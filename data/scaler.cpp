#include "data/scaler.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"

namespace molprop::data {

namespace {

// Below this a column is treated as constant: dividing by a tiny std would turn float
// noise into huge standardised values.
constexpr double kMinStd = 1e-12;

// Number of columns in `s`, after checking that its parts agree with each other and
// with the length of `values` (rows × cols, row-major).
size_t checked_columns(const std::vector<float>& values, const ColumnScaling& s, const char* caller) {
  MOLPROP_CHECK(!s.mean.empty(), caller << ": scaling has no columns");
  MOLPROP_CHECK(s.std.size() == s.mean.size(),
                caller << ": scaling has " << s.mean.size() << " means but " << s.std.size() << " stds");
  MOLPROP_CHECK(s.names.empty() || s.names.size() == s.mean.size(),
                caller << ": scaling has " << s.names.size() << " names but " << s.mean.size() << " means");
  MOLPROP_CHECK(values.size() % s.mean.size() == 0,
                caller << ": " << values.size() << " values are not rows × " << s.mean.size() << " columns");
  return s.mean.size();
}

}  // namespace

// Population std (divide by n), as sklearn's and Chemprop's StandardScaler do, so a
// fitted column maps to exactly mean 0, std 1 (population) on the training rows.
// Non-finite entries are skipped: NaN means missing, and one inf would make the whole
// column's mean and std non-finite.
ColumnScaling fit_scaling(const std::vector<float>& values, int64_t cols) {
  MOLPROP_CHECK(cols > 0, "fit_scaling: cols must be positive, got " << cols);
  const size_t c = static_cast<size_t>(cols);
  MOLPROP_CHECK(values.size() % c == 0,
                "fit_scaling: " << values.size() << " values are not rows × " << cols << " columns");
  const size_t rows = values.size() / c;

  ColumnScaling s;
  s.mean.assign(c, 0.0);
  s.std.assign(c, 1.0);
  for (size_t j = 0; j < c; ++j) {
    int64_t n = 0;
    double sum = 0;
    for (size_t i = 0; i < rows; ++i) {
      const float v = values[i * c + j];
      if (!std::isfinite(v)) continue;
      sum += v;
      ++n;
    }
    if (n == 0) continue;  // no values: identity scaling (mean 0, std 1)
    const double mean = sum / static_cast<double>(n);
    double ss = 0;
    for (size_t i = 0; i < rows; ++i) {
      const float v = values[i * c + j];
      if (!std::isfinite(v)) continue;
      ss += (v - mean) * (v - mean);
    }
    const double std = std::sqrt(ss / static_cast<double>(n));
    s.mean[j] = mean;
    s.std[j] = std < kMinStd ? 1.0 : std;
  }
  return s;
}

void apply_scaling(std::vector<float>& values, const ColumnScaling& s, bool nan_to_zero, double clip) {
  const size_t c = checked_columns(values, s, "apply_scaling");
  for (size_t k = 0; k < values.size(); ++k) {
    const size_t j = k % c;
    double x = values[k];
    if (std::isnan(x)) {
      // Zero after scaling is the training mean.
      if (nan_to_zero) values[k] = 0.0f;
      continue;
    }
    x = (x - s.mean[j]) / s.std[j];
    if (clip > 0) x = std::clamp(x, -clip, clip);
    values[k] = static_cast<float>(x);
  }
}

void invert_scaling(std::vector<float>& values, const ColumnScaling& s) {
  const size_t c = checked_columns(values, s, "invert_scaling");
  for (size_t k = 0; k < values.size(); ++k) {
    const size_t j = k % c;
    values[k] = static_cast<float>(static_cast<double>(values[k]) * s.std[j] + s.mean[j]);
  }
}

}  // namespace molprop::data
