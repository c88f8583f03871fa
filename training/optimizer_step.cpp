#include "training/optimizer_step.h"

#include <c10/util/string_utils.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "training/adam_kernels.h"
#include "training/distributed.h"

namespace molprop::training {
namespace {

bool is_plain_cpu_float(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous() &&
         t.layout() == torch::kStrided;
}

// Whether the fused step below applies: Adam without weight decay or AMSGrad, every
// parameter of every group a contiguous CPU float32 tensor, every defined gradient too,
// and `parameters` (the ones clipped) exactly the groups' parameters that have gradients.
bool fused_adam_applies(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& parameters) {
  auto* adam = dynamic_cast<torch::optim::Adam*>(&optimizer);
  if (!adam) return false;
  size_t with_grad = 0;
  for (auto& group : adam->param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    if (o.weight_decay() != 0 || o.amsgrad()) return false;
    for (const auto& p : group.params()) {
      if (!is_plain_cpu_float(p)) return false;
      if (p.grad().defined()) {
        if (!is_plain_cpu_float(p.grad())) return false;
        ++with_grad;
      }
    }
  }
  size_t listed_with_grad = 0;
  for (const auto& p : parameters) listed_with_grad += p.grad().defined() ? 1 : 0;
  return listed_with_grad == with_grad;
}

// Steps 3 and 4 in one pass per parameter instead of ~10 LibTorch ops each: the same
// arithmetic as clip_grad_norm_ + Adam::step, in fp32 (the clip coefficient from a double
// norm), keeping its state in the optimizer (so saving and resuming it works as before).
void fused_adam_step(torch::optim::Adam& adam, const std::vector<torch::Tensor>& parameters, double grad_clip) {
  float scale = 1.0f;
  if (grad_clip > 0) {
    double sq = 0;
    for (const auto& p : parameters) {
      if (p.grad().defined()) sq += sum_of_squares(p.grad().data_ptr<float>(), p.grad().numel());
    }
    // clip_grad_norm_: coefficient max_norm / (norm + 1e-6), at most 1.
    scale = static_cast<float>(std::min(1.0, grad_clip / (std::sqrt(sq) + 1e-6)));
  }
  torch::NoGradGuard no_grad;
  auto& state = adam.state();
  for (auto& group : adam.param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const std::string key = c10::guts::to_string(p.unsafeGetTensorImpl());
      auto it = state.find(key);
      if (it == state.end()) {
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state.emplace(key, std::move(fresh)).first;
      }
      auto& s = static_cast<torch::optim::AdamParamState&>(*it->second);
      s.step(s.step() + 1);
      const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
      const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(s.step()));
      const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(s.step()));
      adam_update(p.data_ptr<float>(), p.mutable_grad().data_ptr<float>(), s.exp_avg().data_ptr<float>(),
                  s.exp_avg_sq().data_ptr<float>(), p.numel(), scale, static_cast<float>(beta1),
                  static_cast<float>(beta2), static_cast<float>(o.lr() / bias_correction1),
                  static_cast<float>(1.0 / std::sqrt(bias_correction2)), static_cast<float>(o.eps()));
    }
  }
}

}  // namespace

void optimizer_step(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& parameters, double lr,
                    const OptimizerStepOptions& options) {
  auto& groups = optimizer.param_groups();
  for (size_t k = 0; k < groups.size(); ++k) {
    groups[k].options().set_lr(k < options.group_lr_ratios.size() ? lr * options.group_lr_ratios[k] : lr);
  }
  if (options.parallel) options.parallel->average_gradients(parameters);
  if (fused_adam_applies(optimizer, parameters)) {
    fused_adam_step(static_cast<torch::optim::Adam&>(optimizer), parameters, options.grad_clip);
    return;
  }
  if (options.grad_clip > 0) torch::nn::utils::clip_grad_norm_(parameters, options.grad_clip);
  optimizer.step();
}

}  // namespace molprop::training
