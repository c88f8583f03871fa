#pragma once
// Training losses shared by supervised training and pretraining.
#include <torch/torch.h>

namespace molprop::models {

// Mean squared error over the present entries of `target` (NaN = missing): missing
// entries add neither loss nor gradient, so tasks with gaps can share one model.
torch::Tensor masked_mse(const torch::Tensor& pred, const torch::Tensor& target);

}  // namespace molprop::models
