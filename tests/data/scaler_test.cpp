#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/check.h"
#include "data/scaler.h"

namespace molprop::data {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

// Rows × 3 columns with missing entries: column 0 is spread out, column 1 has a large
// offset and small spread (float round-off matters there), column 2 is mostly missing.
std::vector<float> sample_values() {
  return {
      1.0f,     1000.25f, kMissing,  //
      -2.5f,    1000.5f,  4.0f,      //
      kMissing, 999.75f,  kMissing,  //
      7.0f,     1001.0f,  -6.0f,     //
      0.25f,    kMissing, 2.0f,      //
      3.0f,     1000.0f,  kMissing,  //
  };
}

// Mean and population std of column `j` over its non-NaN entries.
void column_moments(const std::vector<float>& v, size_t cols, size_t j, double& mean, double& std) {
  double sum = 0, ss = 0;
  int n = 0;
  for (size_t k = j; k < v.size(); k += cols) {
    if (std::isnan(v[k])) continue;
    sum += v[k];
    ++n;
  }
  mean = sum / n;
  for (size_t k = j; k < v.size(); k += cols) {
    if (std::isnan(v[k])) continue;
    ss += (v[k] - mean) * (v[k] - mean);
  }
  std = std::sqrt(ss / n);
}

TEST(Scaler, AppliedTrainingColumnsHaveZeroMeanUnitStd) {
  std::vector<float> v = sample_values();
  const ColumnScaling s = fit_scaling(v, /*cols=*/3);
  ASSERT_EQ(s.mean.size(), 3u);
  ASSERT_EQ(s.std.size(), 3u);
  apply_scaling(v, s);
  for (size_t j = 0; j < 3; ++j) {
    double mean = 0, std = 0;
    column_moments(v, 3, j, mean, std);
    EXPECT_NEAR(mean, 0.0, 1e-5) << "column " << j;
    EXPECT_NEAR(std, 1.0, 1e-5) << "column " << j;
  }
}

TEST(Scaler, FitMatchesPopulationMoments) {
  const std::vector<float> v = sample_values();
  const ColumnScaling s = fit_scaling(v, /*cols=*/3);
  for (size_t j = 0; j < 3; ++j) {
    double mean = 0, std = 0;
    column_moments(v, 3, j, mean, std);
    EXPECT_NEAR(s.mean[j], mean, 1e-9) << "column " << j;
    EXPECT_NEAR(s.std[j], std, 1e-9) << "column " << j;
  }
}

TEST(Scaler, InvertUndoesApply) {
  const std::vector<float> original = sample_values();
  const ColumnScaling s = fit_scaling(original, /*cols=*/3);
  std::vector<float> v = original;
  apply_scaling(v, s);
  invert_scaling(v, s);
  for (size_t k = 0; k < v.size(); ++k) {
    if (std::isnan(original[k])) {
      EXPECT_TRUE(std::isnan(v[k])) << "index " << k;
    } else {
      EXPECT_NEAR(v[k], original[k], 1e-5 * std::max(1.0f, std::abs(original[k]))) << "index " << k;
    }
  }
}

TEST(Scaler, MissingStaysMissingOrBecomesZero) {
  const std::vector<float> original = sample_values();
  const ColumnScaling s = fit_scaling(original, /*cols=*/3);

  std::vector<float> kept = original;
  apply_scaling(kept, s);
  std::vector<float> zeroed = original;
  apply_scaling(zeroed, s, /*nan_to_zero=*/true);
  for (size_t k = 0; k < original.size(); ++k) {
    if (std::isnan(original[k])) {
      EXPECT_TRUE(std::isnan(kept[k])) << "index " << k;
      EXPECT_EQ(zeroed[k], 0.0f) << "index " << k;
    } else {
      EXPECT_EQ(zeroed[k], kept[k]) << "index " << k;
    }
  }
}

TEST(Scaler, ConstantColumnMapsToZeroWithoutInf) {
  std::vector<float> v = {5, 1, 5, 2, 5, 3};
  const ColumnScaling s = fit_scaling(v, /*cols=*/2);
  EXPECT_EQ(s.mean[0], 5.0);
  EXPECT_EQ(s.std[0], 1.0);
  apply_scaling(v, s);
  for (size_t k = 0; k < v.size(); ++k) {
    EXPECT_TRUE(std::isfinite(v[k])) << "index " << k;
    if (k % 2 == 0) {
      EXPECT_EQ(v[k], 0.0f) << "index " << k;
    }
  }
}

TEST(Scaler, ColumnWithoutValuesIsIdentity) {
  const std::vector<float> v = {1, kMissing, 2, kMissing, 4, kMissing};
  const ColumnScaling s = fit_scaling(v, /*cols=*/2);
  EXPECT_EQ(s.mean[1], 0.0);
  EXPECT_EQ(s.std[1], 1.0);
}

TEST(Scaler, ClipBoundsEveryValue) {
  // One extreme outlier among small values.
  std::vector<float> v = {0, 1, -1, 0.5f, -0.5f, 0, 1, -1, 0.25f, 1000};
  const ColumnScaling s = fit_scaling(v, /*cols=*/1);
  std::vector<float> unclipped = v;
  apply_scaling(unclipped, s);
  ASSERT_GT(unclipped.back(), 2.0f);  // the outlier really lies beyond the bound

  const double clip = 2.0;
  std::vector<float> clipped = v;
  apply_scaling(clipped, s, /*nan_to_zero=*/false, clip);
  for (size_t k = 0; k < v.size(); ++k) {
    EXPECT_LE(std::abs(clipped[k]), clip) << "index " << k;
    EXPECT_EQ(clipped[k], std::clamp(unclipped[k], -2.0f, 2.0f)) << "index " << k;
  }
  EXPECT_EQ(clipped.back(), 2.0f);
}

TEST(Scaler, SizesMustBeWholeRows) {
  EXPECT_THROW(fit_scaling({1, 2, 3}, /*cols=*/2), Error);
  EXPECT_THROW(fit_scaling({1, 2}, /*cols=*/0), Error);

  const ColumnScaling s = fit_scaling({1, 2, 3, 4}, /*cols=*/2);
  std::vector<float> odd = {1, 2, 3};
  EXPECT_THROW(apply_scaling(odd, s), Error);
  EXPECT_THROW(invert_scaling(odd, s), Error);

  ColumnScaling mismatched = s;
  mismatched.std.pop_back();
  std::vector<float> two = {1, 2};
  EXPECT_THROW(apply_scaling(two, mismatched), Error);
}

}  // namespace
}  // namespace molprop::data
