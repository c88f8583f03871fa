#pragma once
#include "pretrain/objective.h"

namespace molprop::pretrain {

// Descriptor prediction: the shared model's readout and head (num_tasks = number of
// descriptors) regress the standardised descriptor vector; NaN entries are skipped.
// The pretrained checkpoint is therefore itself a descriptor predictor.
class DescriptorObjective : public Objective {
 public:
  explicit DescriptorObjective(const ObjectiveContext&) {}
  std::string name() const override { return "descriptors"; }
  torch::Tensor loss(models::PropertyModel& model, const models::GraphTensors& g) override;
};

}  // namespace molprop::pretrain
