#include "inference/predictor.h"

#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "checkpoint/model_files.h"
#include "core/check.h"
#include "data/collate.h"
#include "data/csv_reader.h"
#include "finetune/trainer.h"
#include "inference/predict_csv.h"
#include "tests/util/scratch_dir.h"
#include "tests/util/test_data.h"

using namespace molprop;
namespace fs = std::filesystem;

namespace {

// A briefly trained model saved to `dir`/model.h5, trained on `h5` (with its descriptors
// as inputs when asked).
std::string trained_model_on(const std::string& h5, bool descriptors, uint64_t seed);

// A briefly trained model saved to `dir`/model.h5 (with descriptors when asked).
std::string trained_model(const std::string& name, bool descriptors = false, uint64_t seed = 0) {
  return trained_model_on(testing_util::small_dataset(name, descriptors), descriptors, seed);
}

std::string trained_model_on(const std::string& h5, bool descriptors, uint64_t seed) {
  data::GraphDataset ds(h5);
  finetune::Subset train{&ds, {}};
  for (int64_t i = 0; i < ds.size(); ++i) train.indices.push_back(i);
  torch::manual_seed(seed);
  auto config = testing_util::small_config(2, 32);
  config.encoder.norm = "batch";  // running statistics must behave in eval mode
  config.num_descriptors = descriptors ? static_cast<int64_t>(ds.info().descriptor_names.size()) : 0;
  models::PropertyModel model(config);
  checkpoint::Checkpoint ckpt;
  ckpt.config = config;
  finetune::TrainOptions o;
  o.epochs = 3;
  o.batch_size = 10;
  o.seed = seed;
  o.quiet = true;
  finetune::train_model(model, ckpt, train, finetune::Subset{}, o);
  const std::string path = fs::path(h5).parent_path() / ("model" + std::to_string(seed) + ".h5");
  checkpoint::save_checkpoint(path, ckpt, model);
  return path;
}

std::vector<float> predict_smiles(inference::Predictor& p, const std::vector<std::string>& smiles) {
  data::Batch batch;
  batch.num_descriptors = p.num_descriptors();
  std::vector<chem::FeaturizedMol> mols;
  for (const auto& s : smiles) {
    mols.push_back(chem::featurize_smiles(s, p.featurize_options()));
    EXPECT_TRUE(mols.back().ok()) << s << ": " << mols.back().error;
    data::append_graph(mols.back().graph, mols.back().descriptors.data(), batch);
  }
  std::vector<float> mean, std;
  p.predict(batch, mean, std);
  return mean;
}

const std::vector<std::string> kMolecules = {"CC(=O)Oc1ccccc1C(=O)O",
                                             "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
                                             "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
                                             "C[C@@H](C(=O)O)c1ccc2cc(OC)ccc2c1",
                                             "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O",
                                             "ClC(Cl)Cl",
                                             "c1ccc2c(c1)[nH]c1ccccc12",
                                             "C/C=C/C(=O)OCC",
                                             "O=[N+]([O-])c1ccc(Cl)cc1",
                                             "CS(=O)(=O)Nc1ccccc1",
                                             "CCO",
                                             "[Na+].[Cl-]"};

}  // namespace

TEST(Predictor, PredictionsDoNotDependOnHowSmilesIsWritten) {
  for (bool descriptors : {false, true}) {
    inference::Predictor p(trained_model(descriptors ? "spelling_desc" : "spelling", descriptors));
    std::vector<std::string> canonical, randomised;
    for (const auto& s : kMolecules) {
      std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol(s));
      ASSERT_TRUE(mol) << s;
      canonical.push_back(RDKit::MolToSmiles(*mol));
      randomised.push_back(
          RDKit::MolToSmiles(*mol, true, false, -1, /*canonical=*/false, false, false, /*doRandom=*/true));
    }
    const auto a = predict_smiles(p, canonical), b = predict_smiles(p, randomised);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_NEAR(a[i], b[i], 1e-5) << canonical[i / 2] << " vs " << randomised[i / 2]
                                    << (descriptors ? " (descriptors)" : "");
    }
  }
}

TEST(Predictor, AMoleculeAloneEqualsItsPredictionInABatch) {
  inference::Predictor p(trained_model("alone"));
  const auto batch = predict_smiles(p, kMolecules);
  for (size_t i = 0; i < kMolecules.size(); ++i) {
    const auto alone = predict_smiles(p, {kMolecules[i]});
    EXPECT_NEAR(alone[0], batch[i * 2], 1e-5) << kMolecules[i];
    EXPECT_NEAR(alone[1], batch[i * 2 + 1], 1e-5) << kMolecules[i];
  }
}

TEST(Predictor, EnsembleFolderGivesMeanAndSpread) {
  const std::string m0 = trained_model("ensemble", false, 0);
  const std::string m1 = trained_model("ensemble_b", false, 1);
  const std::string dir = fs::path(m0).parent_path() / "ens";
  fs::create_directories(dir + "/models");
  fs::copy_file(m0, dir + "/models/a.h5", fs::copy_options::overwrite_existing);
  fs::copy_file(m1, dir + "/models/b.h5", fs::copy_options::overwrite_existing);
  checkpoint::write_run_marker(dir, {"models/a.h5", "models/b.h5"});
  inference::Predictor ens(dir), p0(m0), p1(m1);
  EXPECT_EQ(ens.ensemble_size(), 2u);
  data::Batch batch;
  for (const auto& s : kMolecules) data::append_graph(chem::featurize_smiles(s).graph, nullptr, batch);
  std::vector<float> mean, std, a, b, unused;
  ens.predict(batch, mean, std);
  p0.predict(batch, a, unused);
  p1.predict(batch, b, unused);
  for (size_t i = 0; i < mean.size(); ++i) {
    EXPECT_NEAR(mean[i], (a[i] + b[i]) / 2, 1e-5);
    EXPECT_NEAR(std[i], std::fabs(a[i] - b[i]) / 2, 1e-4);
  }
}

// A model trained on rdkit2d-v2 descriptors is given rdkit2d-v2 descriptors when it
// predicts new SMILES (the set is recognised from the names the checkpoint stores); before,
// predict computed rdkit2d-v1's 43 and refused the model's 332.
TEST(Predictor, RecomputesTheDescriptorSetTheModelWasTrainedWith) {
  chem::FeaturizeOptions f;
  f.descriptors = true;
  f.descriptor_set = chem::kDescriptorSetV2;
  inference::Predictor p(trained_model_on(testing_util::small_dataset_with("v2_inputs", f), true, 0));
  EXPECT_EQ(p.num_descriptors(), 332);
  EXPECT_EQ(p.featurize_options().descriptor_set, "rdkit2d-v2");
  const auto mean = predict_smiles(p, kMolecules);
  ASSERT_EQ(mean.size(), kMolecules.size() * 2);
  for (float v : mean) EXPECT_TRUE(std::isfinite(v));
  inference::Predictor old(trained_model("v1_inputs", true));
  EXPECT_EQ(old.featurize_options().descriptor_set, "rdkit2d-v1");
}

TEST(Predictor, MissingModelIsAClearError) {
  try {
    inference::Predictor p("/nonexistent/model.h5");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.h5"), std::string::npos);
  }
}

TEST(PredictCsv, KeepsEveryRowInOrderWithAnErrorColumn) {
  inference::Predictor p(trained_model("csv"));
  const std::string dir = molprop::testing_util::fresh_dir("predict_csv");
  {
    std::ofstream in(dir + "/in.csv");
    in << "id,smiles\r\n1,CCO\r\n2,C1CC\r\n\r\n3,\"c1ccccc1\"\r\n4,\r\n5,C(C)(C)(C)(C)C\r\n6,CC(=O)O\r\n";
  }
  inference::PredictCsvOptions o;
  o.input = dir + "/in.csv";
  o.output = dir + "/out.csv";
  o.quiet = true;
  o.batch_size = 2;  // several chunks, so ordering across chunks is exercised
  for (int threads : {1, 3}) {
    o.threads = threads;
    const auto s = inference::predict_csv(p, o);
    EXPECT_EQ(s.rows, 6);
    EXPECT_EQ(s.predicted, 3);
    EXPECT_EQ(s.failed, 3);
    data::CsvReader r(o.output);
    EXPECT_EQ(r.header(), (std::vector<std::string>{"id", "smiles", "logS", "size_score", "error"}));
    data::CsvRecord rec;
    std::vector<std::string> ids, errors, logs;
    while (r.next(rec)) {
      ASSERT_EQ(rec.fields.size(), 5u);
      ids.push_back(rec.fields[0]);
      logs.push_back(rec.fields[2]);
      errors.push_back(rec.fields[4]);
    }
    EXPECT_EQ(ids, (std::vector<std::string>{"1", "2", "3", "4", "5", "6"}));
    for (size_t i : {0u, 2u, 5u}) {
      EXPECT_EQ(errors[i], "") << i;
      EXPECT_NE(logs[i], "") << i;
    }
    for (size_t i : {1u, 3u, 4u}) {
      EXPECT_NE(errors[i], "") << i;
      EXPECT_EQ(logs[i], "") << i;
    }
    EXPECT_FALSE(fs::exists(o.output + ".tmp." + std::to_string(::getpid())));
  }
}
