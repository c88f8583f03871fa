#pragma once
// Chemprop's Noam-like learning-rate schedule: linear warm-up from init_lr to max_lr
// over warmup_epochs (at most the whole run), then exponential decay to final_lr at the
// last step.
#include <cstdint>

namespace molprop::training {

struct ScheduleOptions {
  double init_lr = 1e-4;       // > 0
  double max_lr = 1e-3;        // > 0, the peak
  double final_lr = 1e-4;      // > 0
  double warmup_epochs = 2.0;  // ≥ 0

  // Throws molprop::Error naming the field (ScheduleOptions::init_lr, ...).
  void validate() const;
};

class NoamSchedule {
 public:
  NoamSchedule(const ScheduleOptions& options, int64_t epochs, int64_t steps_per_epoch);
  // Learning rate for optimiser step `step` (0-based); constant final_lr past the end.
  double lr(int64_t step) const;

 private:
  ScheduleOptions options_;
  int64_t warmup_steps_, total_steps_;
  double gamma_;
};

}  // namespace molprop::training
