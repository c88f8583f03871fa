#include "models/readout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/check.h"
#include "tests/util/tiny_graphs.h"

namespace molprop {
namespace {

using ::testing::HasSubstr;
using testing_util::tiny_mols;
using testing_util::tiny_tensors;

// Per-atom states that differ per atom: row i is (i, 2i, ..., dim·i) / 10.
torch::Tensor atom_states(int64_t atoms, int64_t dim) {
  return torch::arange(atoms, torch::kFloat32).unsqueeze(1) * torch::arange(1, dim + 1, torch::kFloat32) / 10;
}

TEST(ReadoutRegistry, EveryNameBuildsAReadoutOfTheGivenWidth) {
  const auto g = tiny_tensors(tiny_mols());
  for (const char* name : {"sum", "mean", "attention", "mean_sum", "mean_sum_norm"}) {
    SCOPED_TRACE(name);
    models::ReadoutOptions o;
    o.name = name;
    auto r = models::make_readout(o, 5);
    const int64_t width = std::string(name).rfind("mean_sum", 0) == 0 ? 10 : 5;
    EXPECT_EQ(r->in_dim(), 5);
    EXPECT_EQ(r->out_dim(), width);
    EXPECT_EQ(r->forward(atom_states(g.num_atoms, 5), g).sizes(), (std::vector<int64_t>{g.num_molecules, width}));
  }
}

TEST(ReadoutRegistry, UnknownNameFailsNamingTheKnownOnes) {
  models::ReadoutOptions o;
  o.name = "max";
  try {
    models::make_readout(o, 4);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("unknown readout 'max'; known readouts: attention, mean, mean_sum, mean_sum_norm, sum"));
  }
}

TEST(Readout, SumAndMeanAreTheMoleculesSumsAndMeans) {
  const auto mols = tiny_mols();
  const auto g = tiny_tensors(mols);
  const auto x = atom_states(g.num_atoms, 3);
  const auto sum = models::SumReadout(3).forward(x, g);
  const auto mean = models::MeanReadout(3).forward(x, g);
  const auto both = models::MeanSumReadout(3).forward(x, g);
  ASSERT_EQ(both.sizes(), (std::vector<int64_t>{g.num_molecules, 6}));
  models::ReadoutOptions norm;
  norm.name = "mean_sum_norm";
  const auto both_norm = models::make_readout(norm, 3)->forward(x, g);  // the sum's columns / 100
  int64_t first = 0;
  for (size_t m = 0; m < mols.size(); ++m) {
    const auto n = static_cast<int64_t>(mols[m].atoms.size());
    const auto rows = x.narrow(0, first, n);
    EXPECT_TRUE(torch::allclose(sum[m], rows.sum(0))) << m;
    EXPECT_TRUE(torch::allclose(mean[m], rows.mean(0))) << m;
    EXPECT_TRUE(torch::allclose(both[m], torch::cat({rows.mean(0), rows.sum(0)}))) << m;
    EXPECT_TRUE(torch::allclose(both_norm[m], torch::cat({rows.mean(0), rows.sum(0) / 100}))) << m;
    first += n;
  }
}

TEST(Readout, WithoutAutogradSumAndMeanAreIndexAddsBitForBit) {
  // The inference loop (no autograd, CPU fp32) against index_add_, its path with autograd.
  torch::manual_seed(8);
  const auto g = tiny_tensors(tiny_mols());
  const auto x = torch::randn({g.num_atoms, 37});
  const auto sum_ref =
      torch::zeros({g.num_molecules, 37}).index_add_(0, g.atom_to_mol, x.clone().requires_grad_(true)).detach();
  const auto count = torch::zeros({g.num_molecules}).index_add_(0, g.atom_to_mol, torch::ones({g.num_atoms}));
  const auto sum = models::SumReadout(37).forward(x, g);
  EXPECT_TRUE(torch::equal(sum, sum_ref));
  EXPECT_TRUE(torch::equal(models::MeanReadout(37).forward(x, g), sum_ref / count.clamp_min(1).unsqueeze(1)));
  const auto with_grad = x.clone().requires_grad_(true);
  EXPECT_TRUE(torch::equal(models::SumReadout(37).forward(with_grad, g).detach(), sum));
  // mean_sum: the same two loops, then side by side; with autograd its gradient is the mean's
  // 1/n plus the sum's 1 for every atom of every column.
  const auto both = models::MeanSumReadout(37).forward(x, g);
  EXPECT_TRUE(torch::equal(both, torch::cat({sum_ref / count.clamp_min(1).unsqueeze(1), sum_ref}, 1)));
  const auto both_grad = models::MeanSumReadout(37).forward(with_grad, g);
  EXPECT_TRUE(torch::equal(both_grad.detach(), both));
  both_grad.sum().backward();
  const auto per_atom = (1 / count.clamp_min(1) + 1).index_select(0, g.atom_to_mol);
  EXPECT_TRUE(torch::allclose(with_grad.grad(), per_atom.unsqueeze(1).expand({g.num_atoms, 37})));
}

TEST(Readout, AttentionWeightsSumToOneWithinEachMolecule) {
  // Equal atom states within a molecule: any weights that sum to one give that state back.
  torch::manual_seed(0);
  const auto g = tiny_tensors(tiny_mols());
  models::AttentionReadout r(4);
  const auto per_mol = torch::randn({g.num_molecules, 4});
  const auto x = per_mol.index_select(0, g.atom_to_mol);
  EXPECT_TRUE(torch::allclose(r.forward(x, g), per_mol, 1e-5, 1e-5));
  // Scores far apart (a large shift) stay finite thanks to the per-molecule maximum.
  EXPECT_TRUE(torch::isfinite(r.forward(x * 1e4, g)).all().item<bool>());
}

TEST(Readout, ABatchEqualsEachMoleculeAlone) {
  torch::manual_seed(1);
  for (const char* name : {"sum", "mean", "attention", "mean_sum", "mean_sum_norm"}) {
    SCOPED_TRACE(name);
    models::ReadoutOptions o;
    o.name = name;
    auto r = models::make_readout(o, 3);
    // Deterministic per-atom states from the atom features, so that "alone" sees the same rows.
    const double diff = testing_util::batch_vs_alone_difference(
        tiny_mols(),
        [&](const models::GraphTensors& g) {
          const auto f = g.atom_features.to(torch::kFloat32);
          return r->forward(torch::cat({f, f.sum(1, true)}, 1), g);
        },
        /*per_atom=*/false);
    EXPECT_LT(diff, 1e-5);
  }
}

TEST(Readout, AtomOrderWithinAMoleculeDoesNotMatter) {
  torch::manual_seed(2);
  const auto g = tiny_tensors({testing_util::tiny_ring()});
  const auto x = torch::randn({g.num_atoms, 3});
  const auto p = torch::tensor({4, 2, 0, 3, 1}, torch::kLong);
  for (const char* name : {"sum", "mean", "attention", "mean_sum", "mean_sum_norm"}) {
    models::ReadoutOptions o;
    o.name = name;
    auto r = models::make_readout(o, 3);
    EXPECT_TRUE(torch::allclose(r->forward(x, g), r->forward(x.index_select(0, p), g), 1e-5, 1e-5)) << name;
  }
}

}  // namespace
}  // namespace molprop
