#include "pretrain/masking.h"

namespace molprop::pretrain {

MaskingObjective::MaskingObjective(const ObjectiveContext& context, double mask_rate)
    : encoder_(context.config.encoder), mask_rate_(mask_rate) {
  for (size_t f = 0; f < encoder_.atom_cardinalities.size(); ++f) {
    classifiers_.push_back(register_module("classifier" + std::to_string(f),
                                           models::Dense(context.atom_state_dim, encoder_.atom_cardinalities[f])));
  }
}

torch::Tensor MaskingObjective::loss(models::PropertyModel& model, const models::GraphTensors& g,
                                     CleanStates& /*clean*/) {
  const auto opts = torch::TensorOptions().device(g.atom_features.device());
  torch::Tensor masked = torch::rand({g.num_atoms}, opts) < mask_rate_;
  if (!masked.any().item<bool>()) {
    masked.index_put_({torch::randint(g.num_atoms, {1}, opts.dtype(torch::kLong))}, true);
  }
  const models::GraphTensors view = mask_atoms(g, masked, encoder_.atom_cardinalities, encoder_.bond_cardinalities);
  const torch::Tensor idx = torch::nonzero(masked).squeeze(1);
  const torch::Tensor states = model->encoder().forward(view).index_select(0, idx);
  const torch::Tensor truth = g.atom_features.index_select(0, idx);
  torch::Tensor total = torch::zeros({}, states.options());
  for (size_t f = 0; f < classifiers_.size(); ++f) {
    total =
        total + torch::nn::functional::cross_entropy(classifiers_[f](states), truth.select(1, static_cast<int64_t>(f)));
  }
  return total / static_cast<double>(classifiers_.size());
}

}  // namespace molprop::pretrain
