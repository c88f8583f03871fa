#include "models/losses.h"

namespace molprop::models {

torch::Tensor masked_mse(const torch::Tensor& pred, const torch::Tensor& target) {
  const torch::Tensor mask = ~torch::isnan(target);
  const torch::Tensor diff = torch::where(mask, pred - torch::nan_to_num(target), torch::zeros_like(pred));
  return diff.pow(2).sum() / mask.sum().clamp_min(1);
}

torch::Tensor masked_mse(const torch::Tensor& pred, const torch::Tensor& target, const torch::Tensor& task_weights) {
  const torch::Tensor mask = ~torch::isnan(target);
  const torch::Tensor w = torch::where(mask, task_weights.to(pred.dtype()).unsqueeze(0).expand_as(pred),
                                       torch::zeros_like(pred));
  const torch::Tensor diff = torch::where(mask, pred - torch::nan_to_num(target), torch::zeros_like(pred));
  const torch::Tensor total = w.sum();
  // No present entry with a positive weight: zero (and zero gradient), as without weights.
  return (w * diff.pow(2)).sum() / torch::where(total > 0, total, torch::ones_like(total));
}

}  // namespace molprop::models
