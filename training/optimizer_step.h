#pragma once
// The one optimiser step of pretraining and fine-tuning, taken after backward():
//   1. every param group's learning rate is set (lr × that group's ratio);
//   2. with data parallelism, the gradients are averaged over the ranks;
//   3. with grad_clip > 0, their joint L2 norm is clipped to grad_clip;
//   4. optimizer.step().
// For Adam on CPU float32 parameters (no weight decay, no AMSGrad), 3 and 4 run fused, one
// pass per parameter, with the same arithmetic and the state kept in the optimizer (a
// step costs ~10 LibTorch ops per parameter tensor otherwise: 8 % of an ESOL training run).
// Every rank must take every step, also one that had nothing to learn from: the average
// is a collective, and its missing gradients count as zeros.
#include <torch/types.h>

#include <vector>

namespace torch::optim {
class Optimizer;
}

namespace molprop::training {

class DataParallel;

struct OptimizerStepOptions {
  // Learning rate of param group k = lr × group_lr_ratios[k]; a group past the end of
  // the list (every group when it is empty) learns at lr. Fine-tuning passes
  // {1, encoder_lr_ratio}: the head's group, then the encoder's.
  std::vector<double> group_lr_ratios;
  double grad_clip = 0;              // max L2 norm of the gradients of all `parameters`; 0 = off
  DataParallel* parallel = nullptr;  // set: average gradients over its ranks before clipping
};

// Steps 1–4 above for `parameters` (the trainable ones; every rank passes the same list).
void optimizer_step(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& parameters, double lr,
                    const OptimizerStepOptions& options);

}  // namespace molprop::training
