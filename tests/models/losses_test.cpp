#include "models/losses.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace molprop {
namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(MaskedMse, WithoutMissingValuesIsTheMeanSquaredError) {
  torch::manual_seed(1);
  const auto pred = torch::randn({5, 3});
  const auto target = torch::randn({5, 3});
  EXPECT_NEAR(models::masked_mse(pred, target).item<double>(), torch::mse_loss(pred, target).item<double>(), 1e-6);
}

TEST(MaskedMse, MissingTargetsAddNeitherLossNorGradient) {
  const auto target = torch::tensor({{1.0f, kNaN}, {kNaN, 2.0f}, {3.0f, 4.0f}});
  auto pred = torch::tensor({{2.0f, 100.0f}, {-50.0f, 2.0f}, {3.0f, 2.0f}}).requires_grad_(true);
  const auto loss = models::masked_mse(pred, target);
  // Present entries: (2−1)², (2−2)², (3−3)², (2−4)² → 5 / 4.
  EXPECT_NEAR(loss.item<double>(), 5.0 / 4.0, 1e-6);
  loss.backward();
  const auto grad = pred.grad();
  EXPECT_TRUE(torch::isfinite(grad).all().item<bool>());
  EXPECT_EQ(grad[0][1].item<float>(), 0.0f);
  EXPECT_EQ(grad[1][0].item<float>(), 0.0f);
  EXPECT_NEAR(grad[0][0].item<float>(), 2.0f * 1.0f / 4.0f, 1e-6);
  EXPECT_NEAR(grad[2][1].item<float>(), 2.0f * -2.0f / 4.0f, 1e-6);
}

TEST(MaskedMse, ChangingAPredictionWhoseTargetIsMissingChangesNothing) {
  const auto target = torch::tensor({{1.0f, kNaN}});
  const auto a = models::masked_mse(torch::tensor({{0.0f, 0.0f}}), target);
  const auto b = models::masked_mse(torch::tensor({{0.0f, 1e6f}}), target);
  EXPECT_EQ(a.item<float>(), b.item<float>());
}

TEST(MaskedMse, AllTargetsMissingGivesZeroNotNaN) {
  auto pred = torch::ones({2, 2}).requires_grad_(true);
  const auto loss = models::masked_mse(pred, torch::full({2, 2}, kNaN));
  EXPECT_EQ(loss.item<float>(), 0.0f);
  loss.backward();
  EXPECT_TRUE(torch::equal(pred.grad(), torch::zeros({2, 2})));
}

// Moved from tests/finetune/trainer_test.cpp (the loss lives in models/).
TEST(MaskedMse, MissingTargetsAddNoLossAndNoGradient) {
  auto pred = torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}, {5.0f, 6.0f}}).requires_grad_(true);
  const float nan = std::nanf("");
  auto target = torch::tensor({{2.0f, nan}, {3.0f, 1.0f}, {nan, nan}});
  auto loss = models::masked_mse(pred, target);
  // Present entries: (1-2)², (3-3)², (4-1)² → (1 + 0 + 9) / 3.
  EXPECT_NEAR(loss.item<float>(), 10.0f / 3.0f, 1e-6);
  loss.backward();
  auto grad = pred.grad();
  EXPECT_EQ(grad[0][1].item<float>(), 0.0f);
  EXPECT_EQ(grad[2][0].item<float>(), 0.0f);
  EXPECT_EQ(grad[2][1].item<float>(), 0.0f);
  EXPECT_NE(grad[0][0].item<float>(), 0.0f);
  EXPECT_FALSE(torch::isnan(grad).any().item<bool>());
}

TEST(MaskedMse, AllMissingIsZeroNotNan) {
  auto pred = torch::ones({2, 1}, torch::requires_grad());
  auto target = torch::full({2, 1}, std::nanf(""));
  auto loss = models::masked_mse(pred, target);
  EXPECT_EQ(loss.item<float>(), 0.0f);
}

TEST(MaskedMse, UnitTaskWeightsGiveTheUnweightedLossAndGradient) {
  const auto target = torch::tensor({{1.0f, kNaN}, {kNaN, 2.0f}, {3.0f, 4.0f}});
  auto a = torch::tensor({{2.0f, 100.0f}, {-50.0f, 2.5f}, {3.5f, 2.0f}}).requires_grad_(true);
  auto b = a.detach().clone().requires_grad_(true);
  const auto plain = models::masked_mse(a, target);
  const auto weighted = models::masked_mse(b, target, torch::ones({2}));
  EXPECT_NEAR(plain.item<double>(), weighted.item<double>(), 1e-6);
  plain.backward();
  weighted.backward();
  EXPECT_TRUE(torch::allclose(a.grad(), b.grad()));
}

TEST(MaskedMse, TaskWeightsGiveTheWeightedMeanOfThePresentEntries) {
  const auto target = torch::tensor({{1.0f, kNaN}, {kNaN, 2.0f}, {3.0f, 4.0f}});
  const auto pred = torch::tensor({{2.0f, 100.0f}, {-50.0f, 2.0f}, {3.0f, 2.0f}});
  // Column 0: (2−1)², (3−3)² with weight 3; column 1: (2−2)², (2−4)² with weight 1.
  const double expected = (3.0 * (1.0 + 0.0) + 1.0 * (0.0 + 4.0)) / (3.0 * 2 + 1.0 * 2);
  EXPECT_NEAR(models::masked_mse(pred, target, torch::tensor({3.0f, 1.0f})).item<double>(), expected, 1e-6);
  // Only the ratio matters.
  EXPECT_NEAR(models::masked_mse(pred, target, torch::tensor({6.0f, 2.0f})).item<double>(), expected, 1e-6);
}

TEST(MaskedMse, AZeroTaskWeightTakesTheTaskOutOfLossAndGradient) {
  const auto target = torch::tensor({{1.0f, 5.0f}, {3.0f, 4.0f}});
  auto pred = torch::tensor({{2.0f, 100.0f}, {3.0f, -7.0f}}).requires_grad_(true);
  const auto loss = models::masked_mse(pred, target, torch::tensor({1.0f, 0.0f}));
  EXPECT_NEAR(loss.item<double>(), (1.0 + 0.0) / 2.0, 1e-6);
  loss.backward();
  EXPECT_EQ(pred.grad()[0][1].item<float>(), 0.0f);
  EXPECT_EQ(pred.grad()[1][1].item<float>(), 0.0f);
  EXPECT_NE(pred.grad()[0][0].item<float>(), 0.0f);
}

TEST(MaskedMse, WeightedWithNothingPresentGivesZeroNotNaN) {
  auto pred = torch::ones({2, 2}).requires_grad_(true);
  const auto loss = models::masked_mse(pred, torch::tensor({{kNaN, 1.0f}, {kNaN, 2.0f}}), torch::tensor({1.0f, 0.0f}));
  EXPECT_EQ(loss.item<float>(), 0.0f);
  loss.backward();
  EXPECT_TRUE(torch::equal(pred.grad(), torch::zeros({2, 2})));
}

}  // namespace
}  // namespace molprop
