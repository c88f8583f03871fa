#pragma once
// Training losses shared by supervised training and pretraining.
#include <torch/torch.h>

namespace molprop::models {

// Mean squared error over the present entries of `target` (NaN = missing): missing
// entries add neither loss nor gradient, so tasks with gaps can share one model.
torch::Tensor masked_mse(const torch::Tensor& pred, const torch::Tensor& target);

// The same with a weight per task (column; `task_weights` has k ≥ 0 entries for an M × k
// target): the weighted mean Σ w_j (pred − target)² / Σ w_j over the present entries, so
// weights change how much each task counts, not the loss's scale. All ones equals the
// unweighted loss; a zero weight takes a task out of the loss and its gradient.
torch::Tensor masked_mse(const torch::Tensor& pred, const torch::Tensor& target, const torch::Tensor& task_weights);

}  // namespace molprop::models
