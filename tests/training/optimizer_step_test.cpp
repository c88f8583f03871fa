// training::optimizer_step: the learning rate reaches every param group (times its
// ratio), the gradient norm is clipped to grad_clip, and left alone when grad_clip is 0.
#include "training/optimizer_step.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <vector>

namespace molprop::training {
namespace {

double grad_norm(const std::vector<torch::Tensor>& params) {
  double sq = 0;
  for (const auto& p : params) sq += p.grad().pow(2).sum().item<double>();
  return std::sqrt(sq);
}

// Parameters whose gradient is `scale` × (1, 2, ..., n) after backward.
std::vector<torch::Tensor> params_with_gradients(int count, double scale) {
  std::vector<torch::Tensor> params;
  torch::Tensor loss = torch::zeros({});
  for (int k = 0; k < count; ++k) {
    params.push_back(torch::zeros({3}, torch::requires_grad()));
    loss = loss + scale * (params.back() * torch::arange(1, 4, torch::kFloat32) * (k + 1)).sum();
  }
  loss.backward();
  return params;
}

TEST(OptimizerStep, SetsLearningRateOfEveryGroupTimesItsRatio) {
  std::vector<torch::Tensor> params = params_with_gradients(3, 1.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (const auto& p : params) {
    groups.emplace_back(std::vector<torch::Tensor>{p}, std::make_unique<torch::optim::SGDOptions>(123.0));
  }
  torch::optim::SGD optimizer(groups, torch::optim::SGDOptions(123.0));
  OptimizerStepOptions options;
  options.group_lr_ratios = {1.0, 0.25};  // the third group has no ratio: it learns at lr
  optimizer_step(optimizer, params, 0.1, options);

  const std::vector<double> expected{0.1, 0.1 * 0.25, 0.1};
  for (size_t k = 0; k < groups.size(); ++k) {
    EXPECT_DOUBLE_EQ(optimizer.param_groups()[k].options().get_lr(), expected[k]) << "group " << k;
    // Plain SGD: the step moved each parameter by −lr × gradient, with that group's lr.
    const torch::Tensor want = -expected[k] * params[k].grad();
    EXPECT_TRUE(torch::allclose(params[k].detach(), want)) << "group " << k;
  }
}

TEST(OptimizerStep, EmptyRatiosGiveEveryGroupTheSameRate) {
  std::vector<torch::Tensor> params = params_with_gradients(2, 1.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<torch::Tensor>{params[0]}, std::make_unique<torch::optim::AdamOptions>(1.0));
  groups.emplace_back(std::vector<torch::Tensor>{params[1]}, std::make_unique<torch::optim::AdamOptions>(2.0));
  torch::optim::Adam optimizer(groups, torch::optim::AdamOptions(1.0));
  optimizer_step(optimizer, params, 3e-4, OptimizerStepOptions{});
  for (const auto& group : optimizer.param_groups()) EXPECT_DOUBLE_EQ(group.options().get_lr(), 3e-4);
}

TEST(OptimizerStep, ClipsTheJointGradientNormToGradClip) {
  std::vector<torch::Tensor> params = params_with_gradients(2, 10.0);
  ASSERT_GT(grad_norm(params), 5.0);
  const std::vector<torch::Tensor> before{params[0].grad().clone(), params[1].grad().clone()};
  torch::optim::SGD optimizer(params, torch::optim::SGDOptions(1.0));
  OptimizerStepOptions options;
  options.grad_clip = 5.0;
  optimizer_step(optimizer, params, 1.0, options);

  EXPECT_LE(grad_norm(params), 5.0 * (1 + 1e-5));
  EXPECT_NEAR(grad_norm(params), 5.0, 1e-3);
  // Clipping scales all gradients together: their direction is kept.
  const double factor = params[0].grad()[0].item<double>() / before[0][0].item<double>();
  for (size_t k = 0; k < params.size(); ++k) {
    EXPECT_TRUE(torch::allclose(params[k].grad(), before[k] * factor)) << k;
    // The step used the clipped gradient (lr 1, parameters started at 0).
    EXPECT_TRUE(torch::allclose(params[k].detach(), -params[k].grad())) << k;
  }
}

TEST(OptimizerStep, GradientBelowTheBoundIsLeftAlone) {
  std::vector<torch::Tensor> params = params_with_gradients(2, 0.01);
  const std::vector<torch::Tensor> before{params[0].grad().clone(), params[1].grad().clone()};
  torch::optim::SGD optimizer(params, torch::optim::SGDOptions(1.0));
  OptimizerStepOptions options;
  options.grad_clip = 5.0;
  optimizer_step(optimizer, params, 1.0, options);
  for (size_t k = 0; k < params.size(); ++k) EXPECT_TRUE(torch::equal(params[k].grad(), before[k])) << k;
}

TEST(OptimizerStep, NoClippingWhenGradClipIsZero) {
  std::vector<torch::Tensor> params = params_with_gradients(2, 1000.0);
  const std::vector<torch::Tensor> before{params[0].grad().clone(), params[1].grad().clone()};
  torch::optim::SGD optimizer(params, torch::optim::SGDOptions(1.0));
  OptimizerStepOptions options;
  options.grad_clip = 0;
  optimizer_step(optimizer, params, 0.5, options);
  for (size_t k = 0; k < params.size(); ++k) {
    EXPECT_TRUE(torch::equal(params[k].grad(), before[k])) << k;
    EXPECT_TRUE(torch::allclose(params[k].detach(), -0.5 * before[k])) << k;
  }
}

// Two equal parameter sets (a matrix, a vector with an untouched entry, a parameter without
// gradient) with the same gradients each step.
struct AdamCase {
  std::vector<torch::Tensor> params;
  void set_gradients(int step, double scale) {
    const float s = static_cast<float>(scale * (step + 1));
    params[0].mutable_grad() = torch::linspace(-3, 2, 12).reshape({3, 4}) * s;
    params[1].mutable_grad() = torch::tensor({0.5f, -0.25f, 0.0f}) * s;
  }
};

AdamCase adam_case() {
  AdamCase c;
  c.params.push_back(torch::linspace(0, 1, 12).reshape({3, 4}).requires_grad_());
  c.params.push_back(torch::tensor({1.0f, -1.0f, 2.0f}).requires_grad_());
  c.params.push_back(torch::ones({2}).requires_grad_());  // never gets a gradient
  return c;
}

TEST(OptimizerStep, FusedAdamStepIsLibTorchsAdamWithClipping) {
  for (double clip : {0.0, 1.0}) {
    AdamCase fused = adam_case(), reference = adam_case();
    torch::optim::Adam fused_adam(fused.params, torch::optim::AdamOptions(1e-2));
    torch::optim::Adam reference_adam(reference.params, torch::optim::AdamOptions(1e-2));
    OptimizerStepOptions options;
    options.grad_clip = clip;
    for (int step = 0; step < 4; ++step) {
      fused.set_gradients(step, 3.0);
      reference.set_gradients(step, 3.0);
      optimizer_step(fused_adam, {fused.params[0], fused.params[1]}, 2e-2, options);
      // LibTorch's own clip and step (the unfused path of optimizer_step).
      for (auto& group : reference_adam.param_groups()) group.options().set_lr(2e-2);
      if (clip > 0)
        torch::nn::utils::clip_grad_norm_(std::vector<torch::Tensor>{reference.params[0], reference.params[1]}, clip);
      reference_adam.step();
      for (size_t k = 0; k < 2; ++k) {
        EXPECT_TRUE(torch::allclose(fused.params[k], reference.params[k], 1e-5, 1e-6))
            << "clip " << clip << " step " << step << " param " << k;
        // The gradients are left clipped, as clip_grad_norm_ leaves them.
        EXPECT_TRUE(torch::allclose(fused.params[k].grad(), reference.params[k].grad(), 1e-5, 1e-6)) << k;
      }
      // Every step moved the parameters (lr 2e-2 against a 1e-6 tolerance).
      EXPECT_FALSE(torch::allclose(fused.params[0], adam_case().params[0], 0, 1e-3));
    }
    EXPECT_TRUE(torch::equal(fused.params[2], torch::ones({2})));
    // The state lives in the optimizer, as LibTorch's: saving and resuming keep working.
    ASSERT_EQ(fused_adam.state().size(), 2u);
    for (const auto& [key, state] : fused_adam.state()) {
      EXPECT_EQ(static_cast<const torch::optim::AdamParamState&>(*state).step(), 4) << key;
    }
    ASSERT_EQ(reference_adam.state().size(), 2u);
  }
}

}  // namespace
}  // namespace molprop::training
