#include "finetune/oversmoothing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "chem/check.h"
#include "data/collate.h"
#include "data/graph_dataset.h"
#include "finetune/checkpoint.h"
#include "finetune_test_util.h"
#include "models/graph_tensors.h"

using namespace molprop;
namespace fs = std::filesystem;

namespace {

// The 60 real molecules of tests/data/train_small.csv, collated into batches of 16.
const std::vector<data::Batch>& real_batches() {
  static const std::vector<data::Batch> batches = [] {
    data::GraphDataset ds(testing_util::small_dataset("oversmoothing"));
    std::vector<data::Batch> out;
    for (int64_t start = 0; start < ds.size(); start += 16) {
      std::vector<int64_t> idx;
      for (int64_t i = start; i < std::min<int64_t>(ds.size(), start + 16); ++i) idx.push_back(i);
      out.emplace_back();
      ds.collate(idx, out.back());
    }
    return out;
  }();
  return batches;
}

// An untrained GINE model, depth 8, hidden 64, no normalisation, fixed seed.
models::PropertyModel untrained_gine(bool residual, const std::string& jk, uint64_t seed) {
  auto config = testing_util::small_config(1, 64, "gine");
  config.encoder.depth = 8;
  config.encoder.residual = residual;
  config.encoder.jk = jk;
  torch::manual_seed(seed);
  return models::PropertyModel(config);
}

finetune::OversmoothingReport measure(bool residual, const std::string& jk, uint64_t seed) {
  auto model = untrained_gine(residual, jk, seed);
  return finetune::measure_oversmoothing(model, real_batches());
}

std::string describe(const finetune::OversmoothingReport& r) {
  std::ostringstream os;
  for (const auto& l : r.layers) os << " [" << l.layer << "] cos " << l.mean_cosine << " E " << l.dirichlet_energy;
  os << " [out] cos " << r.output.mean_cosine << " E " << r.output.dirichlet_energy;
  return os.str();
}

const std::vector<uint64_t> kSeeds = {0, 1, 2};

}  // namespace

// The diagnostic: the value rises with depth for a plain deep stack, and the
// residual / jumping-knowledge encoder keeps it lower.
TEST(Oversmoothing, CosineRisesWithDepthInAPlainDeepStack) {
  for (uint64_t seed : kSeeds) {
    const auto plain = measure(/*residual=*/false, "last", seed);
    ASSERT_EQ(plain.layers.size(), 8u);
    EXPECT_GT(plain.layers.back().mean_cosine, plain.layers.front().mean_cosine) << "seed " << seed << describe(plain);
    EXPECT_LT(plain.layers.back().dirichlet_energy, plain.layers.front().dirichlet_energy)
        << "seed " << seed << describe(plain);
    // With jk "last" the readout sees the last layer.
    EXPECT_NEAR(plain.output.mean_cosine, plain.layers.back().mean_cosine, 1e-9);
  }
}

TEST(Oversmoothing, ResidualEncoderKeepsTheLastLayerLessSmooth) {
  for (uint64_t seed : kSeeds) {
    const auto plain = measure(/*residual=*/false, "last", seed);
    const auto residual = measure(/*residual=*/true, "last", seed);
    EXPECT_LT(residual.layers.back().mean_cosine, plain.layers.back().mean_cosine)
        << "seed " << seed << "\nplain:" << describe(plain) << "\nresidual:" << describe(residual);
  }
}

TEST(Oversmoothing, JumpingKnowledgeKeepsWhatTheReadoutSeesLessSmooth) {
  for (const std::string jk : {"sum", "concat"}) {
    for (uint64_t seed : kSeeds) {
      const auto r = measure(/*residual=*/false, jk, seed);
      EXPECT_LT(r.output.mean_cosine, r.layers.back().mean_cosine) << jk << " seed " << seed << describe(r);
    }
  }
}

// The vectorised measure equals the definition, written out pair by pair.
TEST(Oversmoothing, MatchesTheDefinitionComputedPairByPair) {
  auto model = untrained_gine(/*residual=*/false, "last", 7);
  model->eval();
  const data::Batch& batch = real_batches().front();
  const auto report = finetune::measure_oversmoothing(model, {batch});
  torch::NoGradGuard no_grad;
  const models::GraphTensors g = models::to_tensors(batch, torch::kCPU);
  const auto states = model->encoder().layer_states(g);
  ASSERT_EQ(states.size(), report.layers.size());
  for (size_t l = 0; l < states.size(); ++l) {
    const torch::Tensor h = states[l].to(torch::kFloat64);
    auto a = h.accessor<double, 2>();
    const auto width = h.size(1);
    double cos_sum = 0, energy_sum = 0;
    int64_t molecules = 0;
    for (int64_t m = 0; m < batch.num_molecules; ++m) {
      const int64_t first = batch.atom_ptr[m], last = batch.atom_ptr[m + 1], n = last - first;
      if (n < 2) continue;
      ++molecules;
      auto dot = [&](int64_t i, int64_t j) {
        double s = 0;
        for (int64_t k = 0; k < width; ++k) s += a[i][k] * a[j][k];
        return s;
      };
      double cos = 0, mean_norm = 0;
      for (int64_t i = first; i < last; ++i) {
        mean_norm += std::sqrt(dot(i, i)) / n;
        for (int64_t j = first; j < last; ++j) {
          if (i != j) cos += dot(i, j) / std::max(1e-300, std::sqrt(dot(i, i) * dot(j, j)));
        }
      }
      cos_sum += cos / (n * (n - 1));
      double energy = 0;
      for (int64_t e = 0; e < batch.num_edges; ++e) {
        const int64_t u = batch.edge_index[2 * e], v = batch.edge_index[2 * e + 1];
        if (u < first || u >= last) continue;
        EXPECT_TRUE(v >= first && v < last);
        energy += (dot(u, u) + dot(v, v) - 2 * dot(u, v)) / 2;
      }
      energy_sum += energy / n / (mean_norm * mean_norm);
    }
    EXPECT_EQ(report.layers[l].molecules, molecules);
    EXPECT_NEAR(report.layers[l].mean_cosine, cos_sum / molecules, 1e-9) << "layer " << l + 1;
    EXPECT_NEAR(report.layers[l].dirichlet_energy, energy_sum / molecules, 1e-6 * (1 + energy_sum / molecules))
        << "layer " << l + 1;
  }
}

TEST(Oversmoothing, ABatchEqualsSeparateRunsAndSingleAtomsAreSkipped) {
  auto model = untrained_gine(/*residual=*/true, "sum", 3);
  const auto& batches = real_batches();
  const auto split = finetune::measure_oversmoothing(model, batches);
  data::Batch all;
  for (const std::string smiles : {"[Na+]", "C", "O"}) data::append_graph(chem::featurize_smiles(smiles).graph, nullptr, all);
  const auto singles = finetune::measure_oversmoothing(model, {all});
  EXPECT_EQ(singles.output.molecules, 0);
  EXPECT_TRUE(std::isnan(singles.output.mean_cosine));
  // The same molecules in one batch, plus single atoms (which must not count).
  data::GraphDataset ds(testing_util::small_dataset("oversmoothing_one"));
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < ds.size(); ++i) idx.push_back(i);
  ds.collate(idx, all);
  data::append_graph(chem::featurize_smiles("[Cl-]").graph, nullptr, all);
  const auto one = finetune::measure_oversmoothing(model, {all});
  ASSERT_EQ(one.layers.size(), split.layers.size());
  EXPECT_EQ(one.output.molecules, split.output.molecules);
  for (size_t l = 0; l < one.layers.size(); ++l) {
    EXPECT_NEAR(one.layers[l].mean_cosine, split.layers[l].mean_cosine, 1e-6);
    EXPECT_NEAR(one.layers[l].dirichlet_energy, split.layers[l].dirichlet_energy, 1e-5 * (1 + split.layers[l].dirichlet_energy));
  }
  for (const auto& l : split.layers) {
    EXPECT_GE(l.mean_cosine, -1.0 - 1e-9);
    EXPECT_LE(l.mean_cosine, 1.0 + 1e-9);
    EXPECT_GE(l.dirichlet_energy, 0.0);
  }
}

TEST(Oversmoothing, DmpnnGivesOneRowPerLayerEvenForABatchWithoutBonds) {
  auto config = testing_util::small_config(1, 32, "dmpnn");
  torch::manual_seed(0);
  models::PropertyModel model(config);
  data::Batch ions;
  data::append_graph(chem::featurize_smiles("[Na+].[Cl-]").graph, nullptr, ions);
  const auto only_ions = finetune::measure_oversmoothing(model, {ions});
  ASSERT_EQ(only_ions.layers.size(), static_cast<size_t>(config.encoder.depth));
  EXPECT_EQ(only_ions.output.molecules, 1);  // two atoms, no bond
  for (const auto& l : only_ions.layers) EXPECT_EQ(l.dirichlet_energy, 0.0);
  const auto alone = finetune::measure_oversmoothing(model, {real_batches().front()});
  const auto both = finetune::measure_oversmoothing(model, {ions, real_batches().front()});
  ASSERT_EQ(both.layers.size(), static_cast<size_t>(config.encoder.depth));
  EXPECT_EQ(both.output.molecules, alone.output.molecules + 1);
}

TEST(OversmoothingCsv, StopsAfterMaxMoleculesThatParseAndWritesTheTable) {
  const std::string dir = ::testing::TempDir() + "/oversmoothing_csv";
  fs::create_directories(dir);
  {
    std::ofstream in(dir + "/in.smi");
    in << "CCO a\nC1CC bad\nc1ccccc1 b\nnot_a_smiles c\nCC(=O)O d\nCCN e\nCCCl f\n";
  }
  auto model = untrained_gine(/*residual=*/false, "last", 0);
  finetune::OversmoothingCsvOptions o;
  o.input = dir + "/in.smi";
  o.max_molecules = 4;
  o.batch_size = 2;
  o.quiet = true;
  for (int threads : {1, 3}) {
    o.threads = threads;
    const auto r = finetune::measure_oversmoothing_csv(model, o);
    EXPECT_EQ(r.molecules, 4);
    EXPECT_EQ(r.failed, 2);
    EXPECT_EQ(r.rows, 6);  // the 7th row is never read
    EXPECT_EQ(r.report.output.molecules, 4);
  }
  o.max_molecules = 0;  // all
  const auto all = finetune::measure_oversmoothing_csv(model, o);
  EXPECT_EQ(all.rows, 7);
  EXPECT_EQ(all.molecules, 5);
  finetune::write_oversmoothing_csv(all.report, dir + "/layers.csv");
  std::ifstream in(dir + "/layers.csv");
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 1u + 8u + 1u);
  EXPECT_EQ(lines[0], "layer,mean_cosine,dirichlet_energy,molecules");
  EXPECT_EQ(lines[1].substr(0, 2), "1,");
  EXPECT_EQ(lines.back().substr(0, 7), "output,");
}
