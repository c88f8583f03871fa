#include "pretrain/contrastive.h"

#include "models/dense.h"

namespace molprop::pretrain {

ContrastiveObjective::ContrastiveObjective(const ObjectiveContext& context, double atom_rate, double bond_rate,
                                           double temperature)
    : encoder_(context.config.encoder), atom_rate_(atom_rate), bond_rate_(bond_rate), temperature_(temperature) {
  const int64_t d = std::max<int64_t>(1, context.embedding_dim);
  projection_ = register_module("projection",
                                torch::nn::Sequential(models::Dense(d, d), torch::nn::ReLU(), models::Dense(d, 128)));
}

models::GraphTensors ContrastiveObjective::augment(const models::GraphTensors& g) {
  const auto opts = torch::TensorOptions().device(g.atom_features.device());
  models::GraphTensors view = mask_atoms(g, torch::rand({g.num_atoms}, opts) < atom_rate_, encoder_.atom_cardinalities,
                                         encoder_.bond_cardinalities);
  return drop_bonds(view, torch::rand({g.num_edges / 2}, opts) < bond_rate_);
}

torch::Tensor nt_xent(const torch::Tensor& a, const torch::Tensor& b, double temperature) {
  const int64_t m = a.size(0);
  const torch::Tensor z =
      torch::nn::functional::normalize(torch::cat({a, b}, 0), torch::nn::functional::NormalizeFuncOptions().dim(1));
  torch::Tensor sim = torch::mm(z, z.t()) / temperature;  // 2M × 2M
  // A view is never its own negative.
  sim = sim - torch::eye(2 * m, sim.options()) * 1e9;
  const torch::Tensor idx = torch::arange(2 * m, torch::TensorOptions().dtype(torch::kLong).device(a.device()));
  // Row i's positive is its other view: i + m for the first view, i − m for the second.
  const torch::Tensor positive = torch::cat({idx.slice(0, m, 2 * m), idx.slice(0, 0, m)});
  return torch::nn::functional::cross_entropy(sim, positive);
}

torch::Tensor ContrastiveObjective::loss(models::PropertyModel& model, const models::GraphTensors& g,
                                         CleanStates& /*clean*/) {
  if (g.num_molecules < 2) return torch::zeros({}, torch::TensorOptions().device(g.atom_features.device()));
  const torch::Tensor a = projection_->forward(model->embed(augment(g)));
  const torch::Tensor b = projection_->forward(model->embed(augment(g)));
  return nt_xent(a, b, temperature_);
}

}  // namespace molprop::pretrain
