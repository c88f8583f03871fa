#include "pretrain/descriptor_objective.h"

#include <limits>

#include "core/check.h"
#include "models/losses.h"

namespace molprop::pretrain {

DescriptorObjective::DescriptorObjective(const ObjectiveContext& context)
    : fraction_(context.descriptor_target_fraction) {
  MOLPROP_CHECK(fraction_ > 0 && fraction_ <= 1,
                "PretrainOptions::descriptor_target_fraction must be in (0, 1]; got " << fraction_);
}

torch::Tensor DescriptorObjective::loss(models::PropertyModel& model, const models::GraphTensors& g,
                                        CleanStates& clean) {
  MOLPROP_CHECK(g.targets.defined(), "descriptor objective needs standardised descriptors as targets");
  const torch::Tensor pred = model->forward_from_states(clean.atom_states(), g);
  if (fraction_ >= 1) return models::masked_mse(pred, g.targets);
  const torch::Tensor keep = torch::rand(g.targets.sizes(), g.targets.options()) < fraction_;
  const torch::Tensor hidden = torch::full_like(g.targets, std::numeric_limits<float>::quiet_NaN());
  return models::masked_mse(pred, torch::where(keep, g.targets, hidden));
}

}  // namespace molprop::pretrain
