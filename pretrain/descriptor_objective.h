#pragma once
#include "pretrain/objective.h"

namespace molprop::pretrain {

// Descriptor prediction: the shared model's readout and head (num_tasks = number of
// descriptors) regress the standardised descriptor vector; NaN entries are skipped.
// With a target fraction f < 1 (CheMeleon: 0.15) each step draws a fresh Bernoulli(f)
// mask over the M × D targets and the loss is the mean squared error over the entries it
// keeps (and that are not NaN); f = 1 uses every entry and draws nothing.
// The pretrained checkpoint is therefore itself a descriptor predictor.
class DescriptorObjective : public Objective {
 public:
  explicit DescriptorObjective(const ObjectiveContext& context);
  std::string name() const override { return "descriptors"; }
  using Objective::loss;
  torch::Tensor loss(models::PropertyModel& model, const models::GraphTensors& g, CleanStates& clean) override;

 private:
  double fraction_;
};

}  // namespace molprop::pretrain
