#include "training/optimizer_step.h"

#include <torch/torch.h>

#include "training/distributed.h"

namespace molprop::training {

void optimizer_step(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& parameters, double lr,
                    const OptimizerStepOptions& options) {
  auto& groups = optimizer.param_groups();
  for (size_t k = 0; k < groups.size(); ++k) {
    groups[k].options().set_lr(k < options.group_lr_ratios.size() ? lr * options.group_lr_ratios[k] : lr);
  }
  if (options.parallel) options.parallel->average_gradients(parameters);
  if (options.grad_clip > 0) torch::nn::utils::clip_grad_norm_(parameters, options.grad_clip);
  optimizer.step();
}

}  // namespace molprop::training
