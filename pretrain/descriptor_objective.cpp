#include "pretrain/descriptor_objective.h"

#include "chem/check.h"
#include "finetune/trainer.h"

namespace molprop::pretrain {

torch::Tensor DescriptorObjective::loss(models::PropertyModel& model, const models::GraphTensors& g) {
  MOLPROP_CHECK(g.targets.defined(), "descriptor objective needs standardised descriptors as targets");
  return finetune::masked_mse(model->forward(g), g.targets);
}

}  // namespace molprop::pretrain
