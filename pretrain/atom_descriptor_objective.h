#pragma once
#include "pretrain/objective.h"

namespace molprop::pretrain {

// Atom-level descriptor regression: a two-layer head of its own (atom state → state width
// → K, ReLU between) predicts each atom's standardised atom-level targets (g.atom_targets,
// A × K: Crippen logP and MR contributions, Gasteiger charge, TPSA and Labute ASA
// contributions) from the encoder's atom states of the unmasked graph. Loss: mean squared
// error over the entries that are not NaN.
class AtomDescriptorObjective : public Objective {
 public:
  explicit AtomDescriptorObjective(const ObjectiveContext& context);
  std::string name() const override { return "atom_descriptors"; }
  using Objective::loss;
  torch::Tensor loss(models::PropertyModel& model, const models::GraphTensors& g, CleanStates& clean) override;

 private:
  int64_t k_;
  torch::nn::Sequential head_{nullptr};
};

}  // namespace molprop::pretrain
