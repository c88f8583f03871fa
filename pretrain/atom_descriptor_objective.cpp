#include "pretrain/atom_descriptor_objective.h"

#include "core/check.h"
#include "models/dense.h"
#include "models/losses.h"

namespace molprop::pretrain {

AtomDescriptorObjective::AtomDescriptorObjective(const ObjectiveContext& context) : k_(context.num_atom_targets) {
  MOLPROP_CHECK(k_ > 0,
                "the atom_descriptors objective needs atom-level targets (ObjectiveContext::num_atom_targets "
                "is 0)");
  const int64_t width = context.atom_state_dim;
  head_ = register_module(
      "head", torch::nn::Sequential(models::Dense(width, width), torch::nn::ReLU(), models::Dense(width, k_)));
}

torch::Tensor AtomDescriptorObjective::loss(models::PropertyModel& /*model*/, const models::GraphTensors& g,
                                            CleanStates& clean) {
  MOLPROP_CHECK(g.atom_targets.defined(), "atom_descriptors objective needs standardised atom targets");
  MOLPROP_CHECK(g.atom_targets.size(0) == g.num_atoms && g.atom_targets.size(1) == k_,
                "atom targets are " << g.atom_targets.size(0) << " × " << g.atom_targets.size(1) << ", expected "
                                    << g.num_atoms << " × " << k_);
  return models::masked_mse(head_->forward(clean.atom_states()), g.atom_targets);
}

}  // namespace molprop::pretrain
