#include "training/schedule.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/check.h"
#include "core/options.h"

namespace molprop::training {

void ScheduleOptions::validate() const {
  // check_positive rejects NaN and infinite rates too.
  core::check_positive("ScheduleOptions::init_lr", init_lr);
  core::check_positive("ScheduleOptions::max_lr", max_lr);
  core::check_positive("ScheduleOptions::final_lr", final_lr);
  core::check_at_least("ScheduleOptions::warmup_epochs", warmup_epochs, 0);
}

// As Chemprop v1's NoamLR, stepped once per optimiser step:
//   step <  W:  lr = init_lr + step · (max_lr − init_lr) / W
//   step ≤ T:  lr = max_lr · γ^(step − W),  γ = (final_lr / max_lr)^(1 / (T − W))
//   step >  T:  lr = final_lr
// with W = ⌊warmup_epochs · steps_per_epoch⌋ and T = epochs · steps_per_epoch, so the
// warm-up ends exactly at max_lr and the decay exactly at final_lr.
NoamSchedule::NoamSchedule(const ScheduleOptions& options, int64_t epochs, int64_t steps_per_epoch)
    : options_(options) {
  options.validate();
  if (epochs < 1) throw Error("NoamSchedule: epochs must be >= 1, got " + std::to_string(epochs));
  if (steps_per_epoch < 1) {
    throw Error("NoamSchedule: steps per epoch (training rows / TrainOptions::batch_size) must be >= 1, got " +
                std::to_string(steps_per_epoch));
  }
  total_steps_ = epochs * steps_per_epoch;
  // A warm-up longer than the run (e.g. the default 2 epochs with 1 epoch) is cut to
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
