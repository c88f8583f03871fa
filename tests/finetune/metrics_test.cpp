#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/check.h"
#include "finetune/metrics.h"

namespace molprop::finetune {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

// 3 rows × 2 tasks, small enough to check by hand; task 1 has a missing truth.
//   task 0: pred {1, 2, 3}, truth {1, 3, 5} → errors {0, −1, −2}, truth mean 3, SS_tot 8
//   task 1: pred {2, 4, 6}, truth {–, 5, 2} → errors {−1, 4}, truth mean 3.5, SS_tot 4.5
TEST(RegressionMetrics, HandComputedExampleSkipsMissingTruths) {
  const std::vector<float> pred = {1, 2, 2, 4, 3, 6};
  const std::vector<float> truth = {1, kMissing, 3, 5, 5, 2};
  const auto m = regression_metrics(pred, truth, /*tasks=*/2);
  ASSERT_EQ(m.size(), 2u);

  EXPECT_EQ(m[0].count, 3);
  EXPECT_NEAR(m[0].rmse, std::sqrt(5.0 / 3.0), 1e-12);
  EXPECT_NEAR(m[0].mae, 1.0, 1e-12);
  EXPECT_NEAR(m[0].r2, 1.0 - 5.0 / 8.0, 1e-12);

  EXPECT_EQ(m[1].count, 2);
  EXPECT_NEAR(m[1].rmse, std::sqrt(17.0 / 2.0), 1e-12);
  EXPECT_NEAR(m[1].mae, 2.5, 1e-12);
  EXPECT_NEAR(m[1].r2, 1.0 - 17.0 / 4.5, 1e-12);
}

TEST(RegressionMetrics, MaeNeverExceedsRmse) {
  const std::vector<float> pred = {0.5f, -1, 2, 7, 3.25f, 0};
  const std::vector<float> truth = {1, 2, kMissing, 4, 3, 1};
  for (const auto& m : regression_metrics(pred, truth, /*tasks=*/3)) {
    EXPECT_LE(m.mae, m.rmse + 1e-12);
  }
}

TEST(RegressionMetrics, PerfectPredictionHasZeroErrorAndUnitR2) {
  const std::vector<float> truth = {0.1f, 10, -3, 20, 2.5f, 30, 7, kMissing};
  std::vector<float> pred = truth;
  pred.back() = 123;  // prediction for a missing truth must be ignored
  for (const auto& m : regression_metrics(pred, truth, /*tasks=*/2)) {
    EXPECT_EQ(m.rmse, 0.0);
    EXPECT_EQ(m.mae, 0.0);
    EXPECT_EQ(m.r2, 1.0);
  }
}

TEST(RegressionMetrics, PredictingTheMeanGivesZeroR2) {
  const std::vector<float> truth = {1, 4, 2, 9, 5};
  const double mean = (1 + 4 + 2 + 9 + 5) / 5.0;
  const std::vector<float> pred(truth.size(), static_cast<float>(mean));
  const auto m = regression_metrics(pred, truth, /*tasks=*/1);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_NEAR(m[0].r2, 0.0, 1e-6);
  EXPECT_EQ(m[0].count, 5);
}

TEST(RegressionMetrics, TaskWithoutValuesIsNaNWithZeroCount) {
  const std::vector<float> pred = {1, 2, 3, 4};
  const std::vector<float> truth = {1, kMissing, 2, kMissing};
  const auto m = regression_metrics(pred, truth, /*tasks=*/2);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].count, 2);
  EXPECT_EQ(m[1].count, 0);
  EXPECT_TRUE(std::isnan(m[1].rmse));
  EXPECT_TRUE(std::isnan(m[1].mae));
  EXPECT_TRUE(std::isnan(m[1].r2));
}

TEST(RegressionMetrics, R2IsNaNWithoutSpreadInTheTruths) {
  // One value, then two equal values: SS_tot is zero either way.
  const auto one = regression_metrics({1.5f}, {2}, /*tasks=*/1);
  EXPECT_EQ(one[0].count, 1);
  EXPECT_NEAR(one[0].rmse, 0.5, 1e-12);
  EXPECT_TRUE(std::isnan(one[0].r2));

  const auto constant = regression_metrics({1, 3}, {2, 2}, /*tasks=*/1);
  EXPECT_EQ(constant[0].count, 2);
  EXPECT_NEAR(constant[0].rmse, 1.0, 1e-12);
  EXPECT_TRUE(std::isnan(constant[0].r2));
}

TEST(RegressionMetrics, NoRowsGivesOneEmptyResultPerTask) {
  const auto m = regression_metrics({}, {}, /*tasks=*/3);
  ASSERT_EQ(m.size(), 3u);
  for (const auto& t : m) EXPECT_EQ(t.count, 0);
}

TEST(RegressionMetrics, MismatchedSizesFail) {
  EXPECT_THROW(regression_metrics({1, 2, 3}, {1, 2}, /*tasks=*/1), Error);
  EXPECT_THROW(regression_metrics({1, 2, 3}, {1, 2, 3}, /*tasks=*/2), Error);
  EXPECT_THROW(regression_metrics({1, 2}, {1, 2}, /*tasks=*/0), Error);
}

TEST(MeanStd, SampleStandardDeviation) {
  // Population std of this classic set is 2; the sample std divides by n − 1 instead.
  const MeanStd s = mean_std({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_NEAR(s.mean, 5.0, 1e-12);
  EXPECT_NEAR(s.std, std::sqrt(32.0 / 7.0), 1e-12);
}

TEST(MeanStd, SingleValueHasZeroStdAndEmptyIsNaN) {
  const MeanStd one = mean_std({3.5});
  EXPECT_EQ(one.mean, 3.5);
  EXPECT_EQ(one.std, 0.0);

  const MeanStd none = mean_std({});
  EXPECT_TRUE(std::isnan(none.mean));
  EXPECT_TRUE(std::isnan(none.std));
}

}  // namespace
}  // namespace molprop::finetune
