#include "models/graph_tensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/util/tiny_graphs.h"

namespace molprop {
namespace {

using testing_util::tiny_batch;
using testing_util::tiny_mols;

TEST(ToTensors, ShapesAndTypesMatchTheBatchCounts) {
  const data::Batch b = tiny_batch(tiny_mols());
  const models::GraphTensors g = models::to_tensors(b, torch::kCPU);
  EXPECT_EQ(g.num_molecules, 4);
  EXPECT_EQ(g.num_atoms, 3 + 5 + 1 + 2);
  EXPECT_EQ(g.num_edges, 2 * (2 + 5 + 0 + 1));
  EXPECT_EQ(g.atom_features.sizes(), (std::vector<int64_t>{g.num_atoms, 2}));
  EXPECT_EQ(g.bond_features.sizes(), (std::vector<int64_t>{g.num_edges, 2}));
  for (const auto* t : {&g.edge_src, &g.edge_dst, &g.edge_rev}) {
    EXPECT_EQ(t->sizes(), (std::vector<int64_t>{g.num_edges}));
    EXPECT_EQ(t->scalar_type(), torch::kLong);
  }
  EXPECT_EQ(g.atom_to_mol.sizes(), (std::vector<int64_t>{g.num_atoms}));
  EXPECT_EQ(g.atom_features.scalar_type(), torch::kLong);
  EXPECT_EQ(g.bond_features.scalar_type(), torch::kLong);
  EXPECT_FALSE(g.targets.defined());
  EXPECT_FALSE(g.descriptors.defined());
}

TEST(ToTensors, ValuesAreTheBatchValues) {
  const data::Batch b = tiny_batch(tiny_mols());
  const models::GraphTensors g = models::to_tensors(b, torch::kCPU);
  for (int64_t i = 0; i < g.num_atoms; ++i) {
    EXPECT_EQ(g.atom_to_mol[i].item<int64_t>(), b.atom_to_mol[i]);
    for (int64_t f = 0; f < 2; ++f) EXPECT_EQ(g.atom_features[i][f].item<int64_t>(), b.atom_features[i * 2 + f]);
  }
  for (int64_t e = 0; e < g.num_edges; ++e) {
    EXPECT_EQ(g.edge_src[e].item<int64_t>(), b.edge_index[2 * e]);
    EXPECT_EQ(g.edge_dst[e].item<int64_t>(), b.edge_index[2 * e + 1]);
    for (int64_t f = 0; f < 2; ++f) EXPECT_EQ(g.bond_features[e][f].item<int64_t>(), b.bond_features[e * 2 + f]);
  }
}

TEST(ToTensors, ReverseEdgeIsAnInvolutionThatSwapsEnds) {
  const models::GraphTensors g = testing_util::tiny_tensors(tiny_mols());
  const auto all = torch::arange(g.num_edges, torch::kLong);
  EXPECT_TRUE(torch::equal(g.edge_rev.index_select(0, g.edge_rev), all));
  EXPECT_FALSE(torch::equal(g.edge_rev, all));  // no edge is its own reverse
  EXPECT_TRUE(torch::equal(g.edge_src.index_select(0, g.edge_rev), g.edge_dst));
  EXPECT_TRUE(torch::equal(g.edge_dst.index_select(0, g.edge_rev), g.edge_src));
  EXPECT_TRUE(torch::equal(g.bond_features.index_select(0, g.edge_rev), g.bond_features));
}

TEST(ToTensors, TargetsKeepMissingValuesAndDescriptorsArePassedThrough) {
  auto mols = tiny_mols();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  mols[0].targets = {1.5f, nan};
  mols[1].targets = {nan, -2.0f};
  mols[2].targets = {0.0f, 3.0f};
  mols[3].targets = {4.0f, 5.0f};
  const auto descriptors = torch::arange(12, torch::kFloat32).reshape({4, 3});
  const models::GraphTensors g = models::to_tensors(tiny_batch(mols), torch::kCPU, descriptors);
  ASSERT_TRUE(g.targets.defined());
  EXPECT_EQ(g.targets.sizes(), (std::vector<int64_t>{4, 2}));
  EXPECT_FLOAT_EQ(g.targets[0][0].item<float>(), 1.5f);
  EXPECT_TRUE(std::isnan(g.targets[0][1].item<float>()));
  EXPECT_TRUE(std::isnan(g.targets[1][0].item<float>()));
  EXPECT_FLOAT_EQ(g.targets[1][1].item<float>(), -2.0f);
  ASSERT_TRUE(g.descriptors.defined());
  EXPECT_TRUE(torch::equal(g.descriptors, descriptors));
}

TEST(ToTensors, TensorsOwnTheirMemorySoTheBatchCanBeReused) {
  auto mols = tiny_mols();
  for (auto& m : mols) m.targets = {1.0f};
  data::Batch b = tiny_batch(mols);
  const models::GraphTensors g = models::to_tensors(b, torch::kCPU);
  const auto atoms = g.atom_features.clone(), src = g.edge_src.clone(), owner = g.atom_to_mol.clone(),
             targets = g.targets.clone();
  std::fill(b.atom_features.begin(), b.atom_features.end(), uint8_t{0});
  std::fill(b.edge_index.begin(), b.edge_index.end(), 0);
  std::fill(b.atom_to_mol.begin(), b.atom_to_mol.end(), 0);
  std::fill(b.targets.begin(), b.targets.end(), 9.0f);
  b.clear();
  EXPECT_TRUE(torch::equal(g.atom_features, atoms));
  EXPECT_TRUE(torch::equal(g.edge_src, src));
  EXPECT_TRUE(torch::equal(g.atom_to_mol, owner));
  EXPECT_TRUE(torch::equal(g.targets, targets));
}

TEST(ToTensors, BatchWithoutBondsHasNoEdges) {
  const models::GraphTensors g = testing_util::tiny_tensors({testing_util::tiny_ion(), testing_util::tiny_ion()});
  EXPECT_EQ(g.num_atoms, 2);
  EXPECT_EQ(g.num_edges, 0);
  EXPECT_EQ(g.edge_src.numel(), 0);
  EXPECT_EQ(g.edge_rev.numel(), 0);
  EXPECT_EQ(g.atom_features.sizes(), (std::vector<int64_t>{2, 2}));
}

}  // namespace
}  // namespace molprop
