#include "training/schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/check.h"

namespace molprop::training {

namespace {

// Options are user settings, so a bad value is reported by its flag name, without the
// source location MOLPROP_CHECK would add.
void require(bool ok, const char* flag, const char* rule, double got) {
  if (ok) return;
  std::ostringstream os;
  os << flag << " must be " << rule << ", got " << got;
  throw Error(os.str());
}

}  // namespace

// As Chemprop v1's NoamLR, stepped once per optimiser step:
//   step <  W:  lr = init_lr + step · (max_lr − init_lr) / W
//   step ≤ T:  lr = max_lr · γ^(step − W),  γ = (final_lr / max_lr)^(1 / (T − W))
//   step >  T:  lr = final_lr
// with W = ⌊warmup_epochs · steps_per_epoch⌋ and T = epochs · steps_per_epoch, so the
// warm-up ends exactly at max_lr and the decay exactly at final_lr.
NoamSchedule::NoamSchedule(const ScheduleOptions& options, int64_t epochs, int64_t steps_per_epoch)
    : options_(options) {
  // Written as `x > 0` so NaN fails too; isfinite rejects an infinite rate.
  require(options.init_lr > 0 && std::isfinite(options.init_lr), "--init-lr", "> 0", options.init_lr);
  require(options.max_lr > 0 && std::isfinite(options.max_lr), "--max-lr", "> 0", options.max_lr);
  require(options.final_lr > 0 && std::isfinite(options.final_lr), "--final-lr", "> 0", options.final_lr);
  require(options.warmup_epochs >= 0 && std::isfinite(options.warmup_epochs), "--warmup-epochs", ">= 0",
          options.warmup_epochs);
  require(epochs >= 1, "--epochs", ">= 1", static_cast<double>(epochs));
  require(steps_per_epoch >= 1, "steps per epoch (training rows / --batch-size)", ">= 1",
          static_cast<double>(steps_per_epoch));
  total_steps_ = epochs * steps_per_epoch;
  // A warm-up longer than the run (e.g. the default 2 epochs with --epochs 1) is cut to
  // the run: the rate then only rises, which is what a user asking for so few epochs gets.
  warmup_steps_ =
      std::min(total_steps_, static_cast<int64_t>(options.warmup_epochs * static_cast<double>(steps_per_epoch)));
  const int64_t decay_steps = total_steps_ - warmup_steps_;
  gamma_ = decay_steps > 0 ? std::pow(options.final_lr / options.max_lr, 1.0 / decay_steps) : 1.0;
}

double NoamSchedule::lr(int64_t step) const {
  MOLPROP_CHECK(step >= 0, "NoamSchedule::lr: step must be non-negative, got " << step);
  if (step < warmup_steps_) {
    const double increment = (options_.max_lr - options_.init_lr) / static_cast<double>(warmup_steps_);
    return options_.init_lr + static_cast<double>(step) * increment;
  }
  if (step <= total_steps_) {
    return options_.max_lr * std::pow(gamma_, static_cast<double>(step - warmup_steps_));
  }
  return options_.final_lr;
}

}  // namespace molprop::training
