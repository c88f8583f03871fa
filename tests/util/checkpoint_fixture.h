#pragma once
// Shared by the checkpoint/ tests (checkpoint_test, checkpoint_read_test, checkpoint_write_test):
// small model configurations, a collated batch of varied molecules, warmed-up models, and
// helpers that rewrite parts of a saved file.
#include "checkpoint/checkpoint.h"

#include <H5Cpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "checkpoint/feature_vocabulary.h"
#include "chem/features.h"
#include "chem/featurizer.h"
#include "core/check.h"
#include "data/batch.h"
#include "models/graph_tensors.h"
#include "models/model_config.h"
#include "models/property_model.h"

namespace molprop::checkpoint::fixture {

namespace fs = std::filesystem;
using testing::HasSubstr;

// Rings, branches, a charged fragment and a lone atom (a molecule without edges).
const std::vector<std::string> kSmiles = {"CCO",         "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1",
                                          "[Na+].[Cl-]", "C",         "N[C@@H](C)C(=O)O"};
constexpr int64_t kNumDescriptors = 3;

// A fresh folder per test, removed when the test ends.
struct ScratchDir {
  std::string path;

  ScratchDir() {
    const auto* test = testing::UnitTest::GetInstance()->current_test_info();
    std::string name =
        std::string("molprop_ckpt_") + test->test_suite_name() + "_" + test->name() + "_" + std::to_string(::getpid());
    std::replace(name.begin(), name.end(), '/', '_');  // parameterised test names
    path = (fs::path(testing::TempDir()) / name).string();
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

inline models::ModelConfig small_config(const std::string& encoder, int64_t num_tasks = 1) {
  models::ModelConfig c;
  c.encoder.name = encoder;
  c.encoder.hidden = 16;
  c.encoder.depth = 3;
  c.encoder.norm = "batch";
  checkpoint::set_feature_vocabulary(c);
  c.readout.name = "attention";
  c.head.hidden = 16;
  c.head.num_tasks = num_tasks;
  c.num_descriptors = kNumDescriptors;
  return c;
}

// Collates the molecules by hand, the way GraphDataset does: concatenation, bond
// indices shifted to batch-wide atom numbers, and an atom → molecule index.
inline data::Batch collate(const std::vector<std::string>& smiles) {
  data::Batch b;
  b.atom_ptr.push_back(0);
  for (const auto& s : smiles) {
    const chem::FeaturizedMol mol = chem::featurize_smiles(s);
    EXPECT_TRUE(mol.ok()) << s << ": " << mol.error;
    const chem::MolGraph& g = mol.graph;
    const auto shift = static_cast<int32_t>(b.num_atoms);
    b.atom_features.insert(b.atom_features.end(), g.atom_features.begin(), g.atom_features.end());
    for (int32_t v : g.edge_index) b.edge_index.push_back(v + shift);
    b.bond_features.insert(b.bond_features.end(), g.bond_features.begin(), g.bond_features.end());
    b.atom_to_mol.insert(b.atom_to_mol.end(), static_cast<size_t>(g.num_atoms), static_cast<int32_t>(b.num_molecules));
    b.num_atoms += g.num_atoms;
    b.num_edges += g.num_edges();
    b.atom_ptr.push_back(b.num_atoms);
    ++b.num_molecules;
  }
  return b;
}

inline models::GraphTensors graph_inputs() {
  static const data::Batch batch = collate(kSmiles);
  torch::manual_seed(123);
  const torch::Tensor descriptors = torch::randn({static_cast<int64_t>(kSmiles.size()), kNumDescriptors});
  return models::to_tensors(batch, torch::kCPU, descriptors);
}

// A model whose weights and BatchNorm running statistics differ from a fresh one's:
// a few training-mode passes move the running means and variances and the counter.
inline models::PropertyModel warmed_model(const models::ModelConfig& config, uint64_t seed,
                                          const models::GraphTensors& g) {
  torch::manual_seed(seed);
  models::PropertyModel model(config);
  model->train();
  torch::NoGradGuard no_grad;
  for (int i = 0; i < 3; ++i) model->forward(g);
  model->eval();
  return model;
}

inline torch::Tensor predict(models::PropertyModel& model, const models::GraphTensors& g) {
  torch::NoGradGuard no_grad;
  model->eval();
  return model->forward(g);
}

inline Checkpoint make_checkpoint(const models::ModelConfig& config) {
  Checkpoint c;
  c.config = config;
  // Values without an exact short decimal form, to check doubles survive exactly.
  for (int64_t t = 0; t < config.head.num_tasks; ++t) {
    c.targets.names.push_back("task" + std::to_string(t));
    c.targets.mean.push_back(0.1 * static_cast<double>(t + 1) - 3.0);
    c.targets.std.push_back(1.0 / 3.0 + static_cast<double>(t));
  }
  c.descriptors.names = {"MolWt", "TPSA", "NumHDonors"};
  c.descriptors.mean = {180.15876543210987, 1e-300, -0.0};
  c.descriptors.std = {45.5, 2.0 / 7.0, 1.0};
  c.metadata_json = R"({"seed":7,"epochs":2,"command":"molprop train --data esol.h5"})";
  return c;
}

inline std::map<std::string, torch::Tensor> named_tensors(models::PropertyModel& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model->named_parameters()) out[p.key()] = p.value();
  for (const auto& b : model->named_buffers()) out[b.key()] = b.value();
  return out;
}

inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a molprop::Error";
  return "";
}

inline std::string load_error(const std::string& path) {
  return error_of([&] { load_checkpoint(path); });
}

// Saves a fresh checkpoint to dir/model.h5 and returns the path.
inline std::string saved_checkpoint(const std::string& dir, const std::string& encoder = "dmpnn") {
  const models::GraphTensors g = graph_inputs();
  const models::ModelConfig config = small_config(encoder);
  models::PropertyModel model = warmed_model(config, 1, g);
  const std::string path = dir + "/model.h5";
  save_checkpoint(path, make_checkpoint(config), model);
  return path;
}

inline void rewrite_int_attr(const std::string& path, const std::string& name, int64_t value) {
  H5::H5File file(path, H5F_ACC_RDWR);
  H5::Group root = file.openGroup("/");
  root.removeAttr(name);
  H5::Attribute a = root.createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR));
  a.write(H5::PredType::NATIVE_INT64, &value);
}

// Replaces weights/<name> by a float32 dataset of the given dims (empty: just unlinks).
inline void rewrite_weight(const std::string& path, const std::string& name, std::vector<hsize_t> dims) {
  H5::H5File file(path, H5F_ACC_RDWR);
  H5::Group weights = file.openGroup("weights");
  if (weights.nameExists(name)) weights.unlink(name);
  if (dims.empty()) return;
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d;
  std::vector<float> values(n, 0.5f);
  H5::DataSet ds =
      weights.createDataSet(name, H5::PredType::IEEE_F32LE, H5::DataSpace(static_cast<int>(dims.size()), dims.data()));
  ds.write(values.data(), H5::PredType::NATIVE_FLOAT);
}

}  // namespace molprop::checkpoint::fixture
