#include "pretrain/objective.h"

#include <gtest/gtest.h>

#include "chem/featurizer.h"
#include "core/check.h"
#include "data/collate.h"
#include "data/scaler.h"
#include "models/losses.h"
#include "pretrain/contrastive.h"
#include "tests/util/test_data.h"

using namespace molprop;

namespace {

models::GraphTensors batch_of(const std::vector<std::string>& smiles) {
  data::Batch b;
  for (const auto& s : smiles) data::append_graph(chem::featurize_smiles(s).graph, nullptr, b);
  return models::to_tensors(b, torch::kCPU);
}

const std::vector<std::string> kSmiles = {"CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "C1CCNCC1", "O=C(O)CCC(=O)O"};

}  // namespace

TEST(ParseObjectives, NamesAndWeights) {
  const auto o = pretrain::parse_objectives("masking,descriptors:0.5");
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].first, "masking");
  EXPECT_EQ(o[0].second, 1.0);
  EXPECT_EQ(o[1].second, 0.5);
  EXPECT_THROW(pretrain::parse_objectives("masking,unknown"), Error);
  EXPECT_THROW(pretrain::parse_objectives("masking:abc"), Error);
  EXPECT_THROW(pretrain::parse_objectives("masking:-1"), Error);
  EXPECT_THROW(pretrain::parse_objectives("masking,masking"), Error);
  EXPECT_THROW(pretrain::parse_objectives(""), Error);
}

TEST(MaskAtoms, ReplacesMaskedAtomsAndTheirBondsOnly) {
  const auto g = batch_of(kSmiles);
  const auto config = testing_util::small_config(1);
  torch::Tensor masked = torch::zeros({g.num_atoms}, torch::kBool);
  masked[1] = true;
  const auto v = pretrain::mask_atoms(g, masked, config.encoder.atom_cardinalities, config.encoder.bond_cardinalities);
  for (int64_t f = 0; f < v.atom_features.size(1); ++f) {
    EXPECT_EQ(v.atom_features[1][f].item<int64_t>(), config.encoder.atom_cardinalities[f]);
  }
  EXPECT_TRUE(torch::equal(v.atom_features[0], g.atom_features[0]));
  for (int64_t e = 0; e < g.num_edges; ++e) {
    const bool touches = g.edge_src[e].item<int64_t>() == 1 || g.edge_dst[e].item<int64_t>() == 1;
    EXPECT_EQ(v.bond_features[e][0].item<int64_t>() == config.encoder.bond_cardinalities[0], touches) << e;
  }
}

TEST(DropBonds, KeepsPairsAndReverseEdges) {
  const auto g = batch_of(kSmiles);
  torch::manual_seed(0);
  const torch::Tensor drop = torch::rand({g.num_edges / 2}) < 0.5;
  const auto v = pretrain::drop_bonds(g, drop);
  EXPECT_EQ(v.num_edges, 2 * (g.num_edges / 2 - drop.sum().item<int64_t>()));
  for (int64_t e = 0; e < v.num_edges; ++e) {
    const int64_t r = v.edge_rev[e].item<int64_t>();
    EXPECT_EQ(v.edge_src[e].item<int64_t>(), v.edge_dst[r].item<int64_t>());
    EXPECT_EQ(v.edge_dst[e].item<int64_t>(), v.edge_src[r].item<int64_t>());
  }
}

TEST(NtXent, LowWhenViewsAgreeHighWhenTheyDoNot) {
  torch::manual_seed(0);
  const torch::Tensor a = torch::randn({16, 8});
  const double same = pretrain::nt_xent(a, a, 0.1).item<double>();
  const double random = pretrain::nt_xent(a, torch::randn({16, 8}), 0.1).item<double>();
  EXPECT_LT(same, 0.1);
  EXPECT_GT(random, 1.0);
}

TEST(Objectives, EachGivesAFiniteLossWithGradientsToTheEncoder) {
  const auto g0 = batch_of(kSmiles);
  for (const char* name : {"masking", "descriptors", "contrastive"}) {
    torch::manual_seed(0);
    auto config = testing_util::small_config(3, 32, "gine");
    models::PropertyModel model(config);
    pretrain::ObjectiveContext ctx{config, model->encoder().out_dim(), model->embedding_dim()};
    auto objective = pretrain::make_objective(name, ctx);
    models::GraphTensors g = g0;
    g.targets = torch::randn({g.num_molecules, 3});
    g.targets[0][1] = std::nanf("");
    const torch::Tensor loss = objective->loss(model, g);
    ASSERT_TRUE(std::isfinite(loss.item<double>())) << name;
    loss.backward();
    double grad = 0;
    for (const auto& p : model->encoder().parameters()) {
      if (p.grad().defined()) grad += p.grad().abs().sum().item<double>();
    }
    EXPECT_GT(grad, 0) << name;
  }
}

TEST(Objectives, MaskingLearnsToRecoverAtoms) {
  // A tiny model trained briefly on masking alone must beat its starting loss clearly.
  const auto g = batch_of(kSmiles);
  torch::manual_seed(0);
  auto config = testing_util::small_config(1, 32, "gine");
  models::PropertyModel model(config);
  pretrain::ObjectiveContext ctx{config, model->encoder().out_dim(), model->embedding_dim()};
  auto objective = pretrain::make_objective("masking", ctx);
  std::vector<torch::Tensor> params = model->parameters();
  for (const auto& p : objective->parameters()) params.push_back(p);
  torch::optim::Adam opt(params, 1e-2);
  double first = 0, last = 0;
  for (int step = 0; step < 150; ++step) {
    opt.zero_grad();
    auto loss = objective->loss(model, g);
    loss.backward();
    opt.step();
    if (step < 10) first += loss.item<double>() / 10;
    if (step >= 140) last += loss.item<double>() / 10;
  }
  EXPECT_LT(last, 0.5 * first);
}

// ---- CheMeleon-style descriptor targets and the atom_descriptors objective ----

namespace {

// The batch of kSmiles with standardised rdkit2d-v2 descriptors as g.targets and
// standardised atom-level targets as g.atom_targets (NaN kept), as the pretrainer builds them.
models::GraphTensors batch_with_targets() {
  chem::FeaturizeOptions fo;
  fo.descriptors = true;
  fo.descriptor_set = chem::kDescriptorSetV2;
  fo.atom_targets = true;
  data::Batch b;
  std::vector<float> desc, atoms;
  for (const auto& s : kSmiles) {
    const chem::FeaturizedMol m = chem::featurize_smiles(s, fo);
    data::append_graph(m.graph, nullptr, b);
    desc.insert(desc.end(), m.descriptors.begin(), m.descriptors.end());
    atoms.insert(atoms.end(), m.atom_targets.begin(), m.atom_targets.end());
  }
  const auto d = static_cast<int64_t>(chem::descriptor_set(chem::kDescriptorSetV2).names.size());
  data::apply_scaling(desc, data::fit_scaling(desc, d), false, 6.0);
  data::apply_scaling(atoms, data::fit_scaling(atoms, chem::kNumAtomTargets), false, 6.0);
  models::GraphTensors g = models::to_tensors(b, torch::kCPU);
  g.targets = torch::from_blob(desc.data(), {g.num_molecules, d}, torch::kFloat32).clone();
  g.atom_targets = torch::from_blob(atoms.data(), {g.num_atoms, chem::kNumAtomTargets}, torch::kFloat32).clone();
  return g;
}

struct Trained {
  double first = 0, last = 0;  // mean loss of the first and of the last 10 steps
};

// `steps` Adam steps of the objective alone on one batch.
Trained train_alone(const std::string& name, pretrain::ObjectiveContext ctx, models::PropertyModel& model,
                    const models::GraphTensors& g, int steps) {
  auto objective = pretrain::make_objective(name, ctx);
  std::vector<torch::Tensor> params = model->parameters();
  for (const auto& p : objective->parameters()) params.push_back(p);
  torch::optim::Adam opt(params, 1e-2);
  Trained t;
  for (int step = 0; step < steps; ++step) {
    opt.zero_grad();
    auto loss = objective->loss(model, g);
    loss.backward();
    opt.step();
    if (step < 10) t.first += loss.item<double>() / 10;
    if (step >= steps - 10) t.last += loss.item<double>() / 10;
  }
  return t;
}

}  // namespace

TEST(Objectives, DescriptorsWithATargetFractionLearn) {
  const auto g = batch_with_targets();
  torch::manual_seed(0);
  auto config = testing_util::small_config(g.targets.size(1), 32, "gine");
  models::PropertyModel model(config);
  pretrain::ObjectiveContext ctx{config, model->encoder().out_dim(), model->embedding_dim()};
  ctx.descriptor_target_fraction = 0.15;
  const Trained t = train_alone("descriptors", ctx, model, g, 150);
  EXPECT_TRUE(std::isfinite(t.last));
  EXPECT_LT(t.last, 0.5 * t.first);
}

// f = 1: the loss is the masked MSE over every entry and draws nothing from the generator;
// f < 1: a fresh draw per call, reproducible from torch's (checkpointed) generator.
TEST(Objectives, DescriptorTargetFractionDrawsFromTheGenerator) {
  const auto g = batch_with_targets();
  torch::manual_seed(0);
  auto config = testing_util::small_config(g.targets.size(1), 32, "gine");
  config.encoder.dropout = 0;
  config.head.dropout = 0;
  models::PropertyModel model(config);
  model->eval();
  pretrain::ObjectiveContext ctx{config, model->encoder().out_dim(), model->embedding_dim()};
  torch::NoGradGuard no_grad;
  auto all = pretrain::make_objective("descriptors", ctx);
  const double full = models::masked_mse(model->forward(g), g.targets).item<double>();
  torch::manual_seed(3);
  EXPECT_DOUBLE_EQ(all->loss(model, g).item<double>(), full);
  const torch::Tensor after = torch::rand({1});
  torch::manual_seed(3);
  EXPECT_TRUE(torch::equal(torch::rand({1}), after)) << "fraction 1 must not draw";

  ctx.descriptor_target_fraction = 0.15;
  auto some = pretrain::make_objective("descriptors", ctx);
  torch::manual_seed(7);
  const double a = some->loss(model, g).item<double>();
  const double b = some->loss(model, g).item<double>();
  torch::manual_seed(7);
  const double a_again = some->loss(model, g).item<double>();
  EXPECT_NE(a, b) << "each call draws a new mask";
  EXPECT_DOUBLE_EQ(a, a_again) << "the mask comes from torch's generator";
  ctx.descriptor_target_fraction = 0;
  EXPECT_THROW(pretrain::make_objective("descriptors", ctx), Error);
}

TEST(Objectives, AtomDescriptorsLearnAndSkipNaN) {
  auto g = batch_with_targets();
  g.atom_targets[0][2] = std::nanf("");  // an atom without a Gasteiger charge
  torch::manual_seed(0);
  auto config = testing_util::small_config(1, 32, "gine");
  models::PropertyModel model(config);
  pretrain::ObjectiveContext ctx{config, model->encoder().out_dim(), model->embedding_dim()};
  ctx.num_atom_targets = chem::kNumAtomTargets;
  {
    auto objective = pretrain::make_objective("atom_descriptors", ctx);
    const torch::Tensor loss = objective->loss(model, g);
    ASSERT_TRUE(std::isfinite(loss.item<double>()));
    loss.backward();
    double grad = 0;
    for (const auto& p : model->encoder().parameters()) {
      if (p.grad().defined()) grad += p.grad().abs().sum().item<double>();
    }
    EXPECT_GT(grad, 0) << "the atom head trains the encoder";
    model->zero_grad();
  }
  const Trained t = train_alone("atom_descriptors", ctx, model, g, 150);
  EXPECT_TRUE(std::isfinite(t.last));
  EXPECT_LT(t.last, 0.5 * t.first);
}

// Objectives on the clean graph share one encoder pass a step (pretrain::CleanStates): the
// losses and every gradient equal those of separate passes, and the states are computed once.
TEST(Objectives, CleanGraphObjectivesShareOneEncoderPassWithTheSameLossesAndGradients) {
  const auto g = batch_with_targets();
  torch::manual_seed(0);
  auto config = testing_util::small_config(g.targets.size(1), 32, "dmpnn");
  config.encoder.dropout = 0;
  config.encoder.norm = "none";
  config.head.dropout = 0;
  models::PropertyModel model(config);
  pretrain::ObjectiveContext ctx{config, model->encoder().out_dim(), model->embedding_dim()};
  ctx.num_atom_targets = chem::kNumAtomTargets;  // fraction 1: no random draws
  auto descriptors = pretrain::make_objective("descriptors", ctx);
  auto atoms = pretrain::make_objective("atom_descriptors", ctx);
  auto grads = [&] {
    std::vector<torch::Tensor> out;
    for (const auto& p : model->parameters()) out.push_back(p.grad().clone());
    for (const auto& p : atoms->parameters()) out.push_back(p.grad().clone());
    model->zero_grad();
    atoms->zero_grad();
    return out;
  };
  const torch::Tensor separate = descriptors->loss(model, g) + 0.5 * atoms->loss(model, g);
  separate.backward();
  const auto separate_grads = grads();

  pretrain::CleanStates clean(model, g);
  const torch::Tensor shared = descriptors->loss(model, g, clean) + 0.5 * atoms->loss(model, g, clean);
  EXPECT_EQ(clean.atom_states().data_ptr(), clean.atom_states().data_ptr()) << "computed once";
  shared.backward();
  const auto shared_grads = grads();
  EXPECT_NEAR(shared.item<double>(), separate.item<double>(), 1e-6);
  ASSERT_EQ(shared_grads.size(), separate_grads.size());
  for (size_t i = 0; i < shared_grads.size(); ++i) {
    EXPECT_TRUE(torch::allclose(shared_grads[i], separate_grads[i], 1e-4, 1e-6)) << "parameter " << i;
  }
}

TEST(Objectives, AtomDescriptorsRefuseMissingOrMisshapenTargets) {
  auto g = batch_with_targets();
  torch::manual_seed(0);
  auto config = testing_util::small_config(1, 32, "gine");
  models::PropertyModel model(config);
  pretrain::ObjectiveContext ctx{config, model->encoder().out_dim(), model->embedding_dim()};
  EXPECT_THROW(pretrain::make_objective("atom_descriptors", ctx), Error) << "K = 0";
  ctx.num_atom_targets = chem::kNumAtomTargets;
  auto objective = pretrain::make_objective("atom_descriptors", ctx);
  g.atom_targets = g.atom_targets.slice(1, 0, 3);
  EXPECT_THROW(objective->loss(model, g), Error);
  g.atom_targets = torch::Tensor();
  EXPECT_THROW(objective->loss(model, g), Error);
}

TEST(ParseObjectives, CombinesAtomDescriptorsWithTheOthers) {
  const auto parsed = pretrain::parse_objectives("masking,descriptors:1,atom_descriptors:0.5");
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[2].first, "atom_descriptors");
  EXPECT_DOUBLE_EQ(parsed[2].second, 0.5);
}
