#include "pretrain/descriptor_objective.h"

#include "core/check.h"
#include "models/losses.h"

namespace molprop::pretrain {

torch::Tensor DescriptorObjective::loss(models::PropertyModel& model, const models::GraphTensors& g) {
  MOLPROP_CHECK(g.targets.defined(), "descriptor objective needs standardised descriptors as targets");
  return models::masked_mse(model->forward(g), g.targets);
}

}  // namespace molprop::pretrain
