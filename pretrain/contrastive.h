#pragma once
#include "pretrain/objective.h"

namespace molprop::pretrain {

// MolCLR-style contrastive learning: two views per molecule, each made by masking
// `atom_rate` of atoms and deleting `bond_rate` of bonds; molecule embeddings go through
// a projection MLP; NT-Xent (normalised temperature-scaled cross-entropy) treats the
// other view of the same molecule as the positive and the 2(M−1) other views as
// negatives.
class ContrastiveObjective : public Objective {
 public:
  explicit ContrastiveObjective(const ObjectiveContext& context, double atom_rate = 0.25, double bond_rate = 0.25,
                                double temperature = 0.1);
  std::string name() const override { return "contrastive"; }
  using Objective::loss;
  torch::Tensor loss(models::PropertyModel& model, const models::GraphTensors& g, CleanStates& clean) override;

 private:
  models::GraphTensors augment(const models::GraphTensors& g);
  models::EncoderOptions encoder_;
  double atom_rate_, bond_rate_, temperature_;
  torch::nn::Sequential projection_{nullptr};
};

// NT-Xent over two M × d view embeddings.
torch::Tensor nt_xent(const torch::Tensor& a, const torch::Tensor& b, double temperature);

}  // namespace molprop::pretrain
