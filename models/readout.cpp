#include "models/readout.h"

#include "core/check.h"
#include "core/options.h"

namespace molprop::models {

const core::Registry<ReadoutFactory>& readout_registry() {
  static const core::Registry<ReadoutFactory> registry{
      "readout",
      "known readouts",
      {
          {"sum", [](const ReadoutOptions&, int64_t d) { return std::make_shared<SumReadout>(d); }},
          {"mean", [](const ReadoutOptions&, int64_t d) { return std::make_shared<MeanReadout>(d); }},
          {"attention", [](const ReadoutOptions&, int64_t d) { return std::make_shared<AttentionReadout>(d); }},
      }};
  return registry;
}

void ReadoutOptions::validate() const { core::check_choice("ReadoutOptions::name", name, readout_registry().names()); }

std::shared_ptr<Readout> make_readout(const ReadoutOptions& options, int64_t in_dim) {
  return readout_registry().at(options.name)(options, in_dim);
}

torch::Tensor SumReadout::forward(const torch::Tensor& atoms, const GraphTensors& g) {
  return torch::zeros({g.num_molecules, atoms.size(1)}, atoms.options()).index_add_(0, g.atom_to_mol, atoms);
}

torch::Tensor MeanReadout::forward(const torch::Tensor& atoms, const GraphTensors& g) {
  torch::Tensor sum =
      torch::zeros({g.num_molecules, atoms.size(1)}, atoms.options()).index_add_(0, g.atom_to_mol, atoms);
  torch::Tensor count = torch::zeros({g.num_molecules}, atoms.options())
                            .index_add_(0, g.atom_to_mol, torch::ones({atoms.size(0)}, atoms.options()));
  return sum / count.clamp_min(1).unsqueeze(1);
}

AttentionReadout::AttentionReadout(int64_t dim) : dim_(dim) {
  gate_ = register_module("gate", torch::nn::Linear(dim, 1));
}

torch::Tensor AttentionReadout::forward(const torch::Tensor& atoms, const GraphTensors& g) {
  const torch::Tensor score = gate_(atoms).squeeze(1);  // A
  // Softmax within each molecule, stabilised by the molecule's maximum score.
  const torch::Tensor max = torch::full({g.num_molecules}, -1e30, score.options())
                                .scatter_reduce(0, g.atom_to_mol, score, "amax", /*include_self=*/true);
  const torch::Tensor e = torch::exp(score - max.index_select(0, g.atom_to_mol));
  const torch::Tensor denom = torch::zeros({g.num_molecules}, score.options()).index_add_(0, g.atom_to_mol, e);
  const torch::Tensor weight = e / denom.index_select(0, g.atom_to_mol);
  return torch::zeros({g.num_molecules, atoms.size(1)}, atoms.options())
      .index_add_(0, g.atom_to_mol, atoms * weight.unsqueeze(1));
}

}  // namespace molprop::models
