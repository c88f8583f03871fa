#pragma once
// MLP head: molecule vector (+ descriptors) → task outputs, as Chemprop's FFN:
// [Linear(in, hidden) → ReLU → Dropout] × (layers − 1) → Linear(·, num_tasks).
#include <torch/torch.h>

#include "models/model_config.h"

namespace molprop::models {

class MlpHeadImpl : public torch::nn::Module {
 public:
  MlpHeadImpl(const HeadOptions& options, int64_t in_dim);
  torch::Tensor forward(const torch::Tensor& x);
  int64_t in_dim() const { return in_dim_; }
  int64_t out_dim() const { return options_.num_tasks; }

 private:
  HeadOptions options_;
  int64_t in_dim_;
  torch::nn::Sequential layers_{nullptr};
};
TORCH_MODULE(MlpHead);

}  // namespace molprop::models
