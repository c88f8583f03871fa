#include "models/gine.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/util/tiny_graphs.h"

namespace molprop {
namespace {

using testing_util::tiny_encoder_options;
using testing_util::tiny_mols;
using testing_util::tiny_tensors;
using testing_util::TinyMol;

std::shared_ptr<models::GineEncoder> seeded_gine(uint64_t seed,
                                                 models::EncoderOptions o = tiny_encoder_options("gine")) {
  torch::manual_seed(seed);
  auto encoder = std::make_shared<models::GineEncoder>(o);
  encoder->eval();
  return encoder;
}

TEST(Gine, AtomStatesHaveOneRowPerAtomAndTheReportedWidth) {
  const auto g = tiny_tensors(tiny_mols());
  auto last = seeded_gine(0);
  EXPECT_EQ(last->out_dim(), 8);
  EXPECT_EQ(last->forward(g).sizes(), (std::vector<int64_t>{g.num_atoms, 8}));
  const auto states = last->layer_states(g);
  ASSERT_EQ(states.size(), 3u);  // one per layer
  for (const auto& s : states) EXPECT_EQ(s.sizes(), (std::vector<int64_t>{g.num_atoms, 8}));
  EXPECT_TRUE(torch::equal(last->forward(g), states.back()));

  auto o = tiny_encoder_options("gine", /*hidden=*/8, /*depth=*/4);
  o.jk = "concat";
  auto concat = seeded_gine(0, o);
  EXPECT_EQ(concat->out_dim(), 8 * 4);
  EXPECT_EQ(concat->forward(g).sizes(), (std::vector<int64_t>{g.num_atoms, 32}));
}

TEST(Gine, ABatchEqualsEachMoleculeAlone) {
  for (const char* jk : {"last", "sum", "concat"}) {
    SCOPED_TRACE(jk);
    auto o = tiny_encoder_options("gine");
    o.jk = jk;
    o.norm = "layer";
    o.residual = true;
    o.dropout = 0.3;  // eval mode: no dropout
    auto encoder = seeded_gine(1, o);
    torch::NoGradGuard no_grad;
    const double diff = testing_util::batch_vs_alone_difference(
        tiny_mols(), [&](const models::GraphTensors& g) { return encoder->forward(g); }, /*per_atom=*/true);
    EXPECT_LT(diff, 1e-5);
  }
}

TEST(Gine, BondOrderAndDirectionDoNotChangeTheOutput) {
  auto encoder = seeded_gine(2);
  torch::NoGradGuard no_grad;
  TinyMol ring = testing_util::tiny_ring();
  TinyMol permuted = ring;
  std::rotate(permuted.bonds.begin(), permuted.bonds.begin() + 2, permuted.bonds.end());
  std::swap(permuted.bonds[0].u, permuted.bonds[0].v);
  EXPECT_TRUE(
      torch::allclose(encoder->forward(tiny_tensors({ring})), encoder->forward(tiny_tensors({permuted})), 1e-5, 1e-5));
}

TEST(Gine, BondFeaturesAndNeighboursChangeTheOutput) {
  auto encoder = seeded_gine(3);
  torch::NoGradGuard no_grad;
  TinyMol chain = testing_util::tiny_chain();
  TinyMol other = chain;
  other.bonds[0].categories = {3, 0};
  EXPECT_FALSE(
      torch::allclose(encoder->forward(tiny_tensors({chain})), encoder->forward(tiny_tensors({other})), 1e-4, 1e-4));
}

TEST(Gine, SameSeedGivesIdenticalOutputsAndAnotherSeedDiffers) {
  const auto g = tiny_tensors(tiny_mols());
  torch::NoGradGuard no_grad;
  const auto a = seeded_gine(5)->forward(g);
  const auto b = seeded_gine(5)->forward(g);
  const auto c = seeded_gine(6)->forward(g);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::allclose(a, c));
}

TEST(Gine, ABatchWithoutBondsStillGivesEveryAtomAState) {
  auto encoder = seeded_gine(7);
  const auto h = encoder->forward(tiny_tensors({testing_util::tiny_ion(), testing_util::tiny_ion()}));
  EXPECT_EQ(h.sizes(), (std::vector<int64_t>{2, 8}));
  EXPECT_TRUE(torch::isfinite(h).all().item<bool>());
}

}  // namespace
}  // namespace molprop
