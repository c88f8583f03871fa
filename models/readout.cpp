#include "models/readout.h"

#include <cstring>

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
          {"mean_sum", [](const ReadoutOptions&, int64_t d) { return std::make_shared<MeanSumReadout>(d); }},
          {"mean_sum_norm", [](const ReadoutOptions&, int64_t d) { return std::make_shared<MeanSumReadout>(d, 0.01); }},
      }};
  return registry;
}

void ReadoutOptions::validate() const { core::check_choice("ReadoutOptions::name", name, readout_registry().names()); }

std::shared_ptr<Readout> make_readout(const ReadoutOptions& options, int64_t in_dim) {
  return readout_registry().at(options.name)(options, in_dim);
}

namespace {

// sums[group[i]] += rows[i] for i < count in that order (sums zeroed first), and counts[g] the
// number of rows of group g: index_add_'s additions in index_add_'s order.
__attribute__((target_clones("avx512f", "avx2", "default"))) void sum_rows_by_group(const float* rows,
                                                                                    const int64_t* group, int64_t count,
                                                                                    int64_t dim, int64_t groups,
                                                                                    float* sums, float* counts) {
  std::memset(sums, 0, sizeof(float) * static_cast<size_t>(groups * dim));
  if (counts != nullptr) std::memset(counts, 0, sizeof(float) * static_cast<size_t>(groups));
  for (int64_t i = 0; i < count; ++i) {
    float* s = sums + group[i] * dim;
    const float* r = rows + i * dim;
    for (int64_t j = 0; j < dim; ++j) s[j] += r[j];
    if (counts != nullptr) counts[group[i]] += 1.0f;
  }
}

// Without autograd on the CPU in fp32: index_add_'s sums (same additions, same order) and
// atom counts by one loop instead of LibTorch's index_add_ (5 % of a predict run's model time).
bool plain_sums_apply(const torch::Tensor& atoms, const GraphTensors& g) {
  return !atoms.requires_grad() && atoms.device().is_cpu() && atoms.scalar_type() == torch::kFloat32 &&
         atoms.dim() == 2 && g.atom_to_mol.scalar_type() == torch::kLong && g.atom_to_mol.device().is_cpu();
}

torch::Tensor plain_sums(const torch::Tensor& atoms, const GraphTensors& g, torch::Tensor* counts) {
  const torch::Tensor a = atoms.contiguous();
  const torch::Tensor mol = g.atom_to_mol.contiguous();
  MOLPROP_CHECK(mol.numel() == a.size(0),
                "atom_to_mol has " << mol.numel() << " entries for " << a.size(0) << " atoms");
  torch::Tensor sums = torch::empty({g.num_molecules, a.size(1)}, a.options());
  if (counts != nullptr) *counts = torch::empty({g.num_molecules}, a.options());
  if (a.size(0) > 0) {
    const int64_t* m = mol.data_ptr<int64_t>();
    for (int64_t i = 0; i < a.size(0); ++i)
      MOLPROP_CHECK(m[i] >= 0 && m[i] < g.num_molecules,
                    "atom " << i << " belongs to molecule " << m[i] << " of " << g.num_molecules);
  }
  sum_rows_by_group(a.data_ptr<float>(), mol.data_ptr<int64_t>(), a.size(0), a.size(1), g.num_molecules,
                    sums.data_ptr<float>(), counts != nullptr ? counts->data_ptr<float>() : nullptr);
  return sums;
}

// Each molecule's sum of atom rows and, where count is not null, its number of atoms: the plain
// loop where it applies, else index_add_ (with autograd).
torch::Tensor sums_and_counts(const torch::Tensor& atoms, const GraphTensors& g, torch::Tensor* count) {
  if (plain_sums_apply(atoms, g)) return plain_sums(atoms, g, count);
  if (count != nullptr) {
    *count = torch::zeros({g.num_molecules}, atoms.options())
                 .index_add_(0, g.atom_to_mol, torch::ones({atoms.size(0)}, atoms.options()));
  }
  return torch::zeros({g.num_molecules, atoms.size(1)}, atoms.options()).index_add_(0, g.atom_to_mol, atoms);
}

}  // namespace

torch::Tensor SumReadout::forward(const torch::Tensor& atoms, const GraphTensors& g) {
  return sums_and_counts(atoms, g, nullptr);
}

torch::Tensor MeanReadout::forward(const torch::Tensor& atoms, const GraphTensors& g) {
  torch::Tensor count;
  const torch::Tensor sum = sums_and_counts(atoms, g, &count);
  return sum / count.clamp_min(1).unsqueeze(1);
}

torch::Tensor MeanSumReadout::forward(const torch::Tensor& atoms, const GraphTensors& g) {
  torch::Tensor count;
  const torch::Tensor sum = sums_and_counts(atoms, g, &count);
  const torch::Tensor mean = sum / count.clamp_min(1).unsqueeze(1);
  return torch::cat({mean, sum_scale_ == 1.0 ? sum : sum * sum_scale_}, 1);
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
