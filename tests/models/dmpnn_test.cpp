#include "models/dmpnn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/check.h"
#include "models/onednn_gemm.h"
#include "tests/util/tiny_graphs.h"

namespace molprop {
namespace {

using testing_util::tiny_encoder_options;
using testing_util::tiny_mols;
using testing_util::tiny_tensors;
using testing_util::TinyMol;

std::shared_ptr<models::DmpnnEncoder> seeded_dmpnn(uint64_t seed,
                                                   models::EncoderOptions o = tiny_encoder_options("dmpnn")) {
  torch::manual_seed(seed);
  auto encoder = std::make_shared<models::DmpnnEncoder>(o);
  encoder->eval();
  return encoder;
}

// The same graphs with the directed edges in another order; edge_rev follows the edges.
models::GraphTensors shuffle_edges(const models::GraphTensors& g, uint32_t seed) {
  std::vector<int64_t> perm(g.num_edges);
  std::iota(perm.begin(), perm.end(), 0);
  std::mt19937 rng(seed);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<int64_t> inverse(g.num_edges);
  for (int64_t i = 0; i < g.num_edges; ++i) inverse[perm[i]] = i;
  std::vector<int64_t> rev(g.num_edges);
  for (int64_t i = 0; i < g.num_edges; ++i) rev[i] = inverse[g.edge_rev[perm[i]].item<int64_t>()];
  const auto p = torch::tensor(perm, torch::kLong);
  models::GraphTensors s = g;
  s.edge_src = g.edge_src.index_select(0, p);
  s.edge_dst = g.edge_dst.index_select(0, p);
  s.bond_features = g.bond_features.index_select(0, p);
  s.edge_rev = torch::tensor(rev, torch::kLong);
  return s;
}

TEST(Dmpnn, AtomStatesHaveOneRowPerAtomAndTheHiddenWidth) {
  auto encoder = seeded_dmpnn(0);
  const auto g = tiny_tensors(tiny_mols());
  EXPECT_EQ(encoder->out_dim(), 8);
  EXPECT_EQ(encoder->forward(g).sizes(), (std::vector<int64_t>{g.num_atoms, 8}));
  // depth 3 counts the input layer: the input messages plus two updates.
  const auto states = encoder->layer_states(g);
  ASSERT_EQ(states.size(), 3u);
  for (const auto& s : states) EXPECT_EQ(s.sizes(), (std::vector<int64_t>{g.num_atoms, 8}));
}

TEST(Dmpnn, ABatchEqualsEachMoleculeAlone) {
  for (const char* jk : {"last", "sum", "concat"}) {
    SCOPED_TRACE(jk);
    auto o = tiny_encoder_options("dmpnn");
    o.jk = jk;
    o.norm = "layer";
    o.residual = true;
    o.dropout = 0.3;  // eval mode: no dropout
    auto encoder = seeded_dmpnn(1, o);
    torch::NoGradGuard no_grad;
    const double diff = testing_util::batch_vs_alone_difference(
        tiny_mols(), [&](const models::GraphTensors& g) { return encoder->forward(g); }, /*per_atom=*/true);
    EXPECT_LT(diff, 1e-5);
  }
}

TEST(Dmpnn, ReverseEdgeIndexIsAnInvolution) {
  const auto g = tiny_tensors(tiny_mols());
  EXPECT_TRUE(torch::equal(g.edge_rev.index_select(0, g.edge_rev), torch::arange(g.num_edges, torch::kLong)));
  const auto s = shuffle_edges(g, 7);
  EXPECT_TRUE(torch::equal(s.edge_rev.index_select(0, s.edge_rev), torch::arange(s.num_edges, torch::kLong)));
  EXPECT_TRUE(torch::equal(s.edge_src.index_select(0, s.edge_rev), s.edge_dst));
}

TEST(Dmpnn, BondOrderAndDirectionDoNotChangeTheOutput) {
  auto encoder = seeded_dmpnn(2);
  torch::NoGradGuard no_grad;
  TinyMol ring = testing_util::tiny_ring();
  TinyMol permuted = ring;
  std::reverse(permuted.bonds.begin(), permuted.bonds.end());
  std::swap(permuted.bonds[1].u, permuted.bonds[1].v);
  std::swap(permuted.bonds[3].u, permuted.bonds[3].v);
  const auto a = encoder->forward(tiny_tensors({ring}));
  const auto b = encoder->forward(tiny_tensors({permuted}));
  EXPECT_TRUE(torch::allclose(a, b, 1e-5, 1e-5));
}

TEST(Dmpnn, MessagesFollowTheReverseEdgeIndexNotTheEdgeOrder) {
  // Edges in an arbitrary order (reverse pairs no longer adjacent, so e ^ 1 is wrong):
  // the output only stays the same if the encoder reads the reverse from edge_rev.
  auto encoder = seeded_dmpnn(3);
  torch::NoGradGuard no_grad;
  const auto g = tiny_tensors(tiny_mols());
  const auto reference = encoder->forward(g);
  const auto shuffled = shuffle_edges(g, 11);
  ASSERT_FALSE(torch::equal(shuffled.edge_rev, g.edge_rev));
  EXPECT_TRUE(torch::allclose(encoder->forward(shuffled), reference, 1e-5, 1e-5));
  // And the reverse index matters: pointing every edge at itself changes the result.
  models::GraphTensors wrong = g;
  wrong.edge_rev = torch::arange(g.num_edges, torch::kLong);
  EXPECT_FALSE(torch::allclose(encoder->forward(wrong), reference, 1e-4, 1e-4));
}

TEST(Dmpnn, AMessageExcludesTheReverseEdge) {
  // In a diatomic molecule the only message into v comes from the reverse of v→w, so
  // m_{v→w} = 0 at every step and W_h never contributes: changing it changes nothing.
  auto encoder = seeded_dmpnn(4);
  torch::NoGradGuard no_grad;
  const auto diatomic = tiny_tensors({testing_util::tiny_diatomic()});
  const auto chain = tiny_tensors({testing_util::tiny_chain()});
  const auto diatomic_before = encoder->forward(diatomic);
  const auto chain_before = encoder->forward(chain);
  encoder->named_parameters()["w_h.weight"].uniform_(-5, 5);
  EXPECT_TRUE(torch::equal(encoder->forward(diatomic), diatomic_before));
  EXPECT_FALSE(torch::allclose(encoder->forward(chain), chain_before, 1e-4, 1e-4));
}

TEST(Dmpnn, SameSeedGivesIdenticalOutputsAndAnotherSeedDiffers) {
  const auto g = tiny_tensors(tiny_mols());
  torch::NoGradGuard no_grad;
  const auto a = seeded_dmpnn(5)->forward(g);
  const auto b = seeded_dmpnn(5)->forward(g);
  const auto c = seeded_dmpnn(6)->forward(g);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::allclose(a, c));
}

TEST(Dmpnn, ABatchWithoutBondsStillGivesEveryAtomAState) {
  for (const char* jk : {"last", "concat"}) {
    SCOPED_TRACE(jk);
    auto o = tiny_encoder_options("dmpnn");
    o.jk = jk;
    auto encoder = seeded_dmpnn(7, o);
    const auto g = tiny_tensors({testing_util::tiny_ion(), testing_util::tiny_ion()});
    const auto h = encoder->forward(g);
    EXPECT_EQ(h.sizes(), (std::vector<int64_t>{2, 8}));
    EXPECT_TRUE(torch::isfinite(h).all().item<bool>());
  }
}

TEST(Dmpnn, GradientsReachEveryParameter) {
  auto encoder = seeded_dmpnn(8);
  encoder->train();
  encoder->forward(tiny_tensors(tiny_mols())).pow(2).sum().backward();
  for (const auto& p : encoder->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << p.key();
  }
}

TEST(Dmpnn, GatherAndAtomSumsAreLibTorchsIndexOpsWithTheirGradients) {
  torch::manual_seed(12);
  const auto g = tiny_tensors(tiny_mols());
  const int64_t h = 37;
  for (const int threads : {1, 2}) {
    at::set_num_threads(threads);
    const auto incoming = torch::randn({g.num_atoms, h});
    const auto state = torch::randn({g.num_edges, h});
    const auto upstream = torch::randn({g.num_edges, h});
    auto a = incoming.clone().requires_grad_(true), b = state.clone().requires_grad_(true);
    const auto ours = models::gather_messages(a, b, g.edge_src, g.edge_rev);
    (ours * upstream).sum().backward();
    auto ra = incoming.clone().requires_grad_(true), rb = state.clone().requires_grad_(true);
    const auto ref = ra.index_select(0, g.edge_src) - rb.index_select(0, g.edge_rev);
    (ref * upstream).sum().backward();
    EXPECT_TRUE(torch::equal(ours, ref));
    EXPECT_TRUE(torch::equal(a.grad(), ra.grad()));
    EXPECT_TRUE(torch::equal(b.grad(), rb.grad()));

    const auto atom_upstream = torch::randn({g.num_atoms, h});
    auto c = state.clone().requires_grad_(true), rc = state.clone().requires_grad_(true);
    const auto sums = models::sum_into_atoms(c, g.edge_dst, g.num_atoms);
    (sums * atom_upstream).sum().backward();
    const auto ref_sums = torch::zeros({g.num_atoms, h}).index_add_(0, g.edge_dst, rc);
    (ref_sums * atom_upstream).sum().backward();
    EXPECT_TRUE(torch::equal(sums, ref_sums));
    EXPECT_TRUE(torch::equal(c.grad(), rc.grad()));
  }
  at::set_num_threads(1);
  EXPECT_THROW(models::gather_messages(torch::zeros({2, 3}), torch::zeros({4, 3}), torch::zeros({3}, torch::kLong),
                                       torch::zeros({4}, torch::kLong)),
               Error);
}

TEST(Dmpnn, FusedInferenceIsBitForBitTheTensorPathOnTheOnednnPaths) {
  std::vector<models::DensePath> paths = {models::DensePath::kOnednnFp32};
  if (models::onednn_bf16_available()) paths.push_back(models::DensePath::kOnednnBf16);
  const auto g = tiny_tensors(tiny_mols());
  // One thread: the passes over the edges also sum into the atoms; two: they run in parallel parts.
  for (const int threads : {1, 2}) {
  at::set_num_threads(threads);
  for (const models::DensePath path : paths) {
    models::set_dense_path(path);
    for (const char* jk : {"last", "sum", "concat"}) {
      for (const bool residual : {false, true}) {
        SCOPED_TRACE(models::dense_path_name(path) + " jk " + jk + (residual ? " residual" : "") + ", " +
                     std::to_string(threads) + " threads");
        models::EncoderOptions o = tiny_encoder_options("dmpnn");
        o.hidden = 37;  // not a multiple of any vector width: the loops' tails run too
        o.depth = 4;
        o.jk = jk;
        o.residual = residual;
        auto encoder = seeded_dmpnn(3, o);
        EXPECT_FALSE(encoder->fused_applies(g));  // autograd on: the tensor path
        const torch::Tensor tensor_path = encoder->forward(g).detach();
        const std::vector<torch::Tensor> tensor_layers = encoder->layer_states(g);
        torch::NoGradGuard no_grad;
        ASSERT_TRUE(encoder->fused_applies(g));
        EXPECT_TRUE(torch::equal(encoder->forward(g), tensor_path));
        const std::vector<torch::Tensor> fused_layers = encoder->layer_states(g);
        ASSERT_EQ(fused_layers.size(), tensor_layers.size());
        for (size_t t = 0; t < fused_layers.size(); ++t) EXPECT_TRUE(torch::equal(fused_layers[t], tensor_layers[t]));
      }
    }
  }
  }
  at::set_num_threads(1);
  models::set_dense_path(models::DensePath::kReference);
}

TEST(Dmpnn, FusedInferenceIsNotUsedWhereItWouldDiffer) {
  const auto g = tiny_tensors(tiny_mols());
  torch::NoGradGuard no_grad;
  models::set_dense_path(models::DensePath::kReference);
  EXPECT_FALSE(seeded_dmpnn(0)->fused_applies(g));  // the reference path stays bit-for-bit as before
  models::set_dense_path(models::DensePath::kOnednnFp32);
  auto encoder = seeded_dmpnn(0);
  EXPECT_TRUE(encoder->fused_applies(g));
  encoder->train();
  EXPECT_FALSE(encoder->fused_applies(g));  // dropout and batch statistics in training mode
  models::EncoderOptions o = tiny_encoder_options("dmpnn");
  o.norm = "layer";
  EXPECT_FALSE(seeded_dmpnn(0, o)->fused_applies(g));
  o = tiny_encoder_options("dmpnn");
  o.virtual_node = true;
  EXPECT_FALSE(seeded_dmpnn(0, o)->fused_applies(g));
  models::set_dense_path(models::DensePath::kReference);
}

TEST(Dmpnn, AVirtualNodeKeepsMoleculesApartAndReachesEveryAtom) {
  auto o = tiny_encoder_options("dmpnn");
  o.virtual_node = true;
  o.depth = 4;
  auto encoder = seeded_dmpnn(9, o);
  const auto mols = tiny_mols();
  {
    torch::NoGradGuard no_grad;
    // The node is per molecule: a batch still equals each molecule alone.
    EXPECT_LT(testing_util::batch_vs_alone_difference(
                  mols, [&](const models::GraphTensors& g) { return encoder->forward(g); }, /*per_atom=*/true),
              1e-5);
    // It changes the states (W_u is a real parameter), with the same shapes.
    auto plain = seeded_dmpnn(9, tiny_encoder_options("dmpnn"));
    const auto g = tiny_tensors(mols);
    EXPECT_EQ(encoder->forward(g).sizes(), plain->forward(g).sizes());
    EXPECT_EQ(encoder->layer_states(g).size(), 4u);
  }
  encoder->train();
  encoder->forward(tiny_tensors(mols)).pow(2).sum().backward();
  for (const auto& p : encoder->named_parameters()) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key();
    EXPECT_GT(p.value().grad().abs().sum().item<double>(), 0) << p.key();
  }
  auto bad = tiny_encoder_options("gine");
  bad.virtual_node = true;
  EXPECT_THROW(bad.validate(), Error);
}

}  // namespace
}  // namespace molprop
