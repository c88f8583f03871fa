#include "models/losses.h"

namespace molprop::models {

torch::Tensor masked_mse(const torch::Tensor& pred, const torch::Tensor& target) {
  const torch::Tensor mask = ~torch::isnan(target);
  const torch::Tensor diff = torch::where(mask, pred - torch::nan_to_num(target), torch::zeros_like(pred));
  return diff.pow(2).sum() / mask.sum().clamp_min(1);
}

}  // namespace molprop::models
