#pragma once
#include "models/dense.h"
#include "pretrain/objective.h"

namespace molprop::pretrain {

// Attribute masking: each atom is masked with probability mask_rate (at least one atom
// per batch); one linear classifier per atom feature predicts the original category of
// masked atoms from their encoder state. Loss: mean cross-entropy over masked atoms and
// features.
class MaskingObjective : public Objective {
 public:
  explicit MaskingObjective(const ObjectiveContext& context, double mask_rate = 0.15);
  std::string name() const override { return "masking"; }
  using Objective::loss;
  torch::Tensor loss(models::PropertyModel& model, const models::GraphTensors& g, CleanStates& clean) override;

 private:
  models::EncoderOptions encoder_;
  double mask_rate_;
  std::vector<models::Dense> classifiers_;
};

}  // namespace molprop::pretrain
