// Checkpoint round trips (bit-identical predictions, every field), refusals with
// messages that name the file and the reason, prefix loading for fine-tuning, and
// atomic writes.
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

namespace molprop::checkpoint {
namespace {

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

models::ModelConfig small_config(const std::string& encoder, int64_t num_tasks = 1) {
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
data::Batch collate(const std::vector<std::string>& smiles) {
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

models::GraphTensors graph_inputs() {
  static const data::Batch batch = collate(kSmiles);
  torch::manual_seed(123);
  const torch::Tensor descriptors = torch::randn({static_cast<int64_t>(kSmiles.size()), kNumDescriptors});
  return models::to_tensors(batch, torch::kCPU, descriptors);
}

// A model whose weights and BatchNorm running statistics differ from a fresh one's:
// a few training-mode passes move the running means and variances and the counter.
models::PropertyModel warmed_model(const models::ModelConfig& config, uint64_t seed, const models::GraphTensors& g) {
  torch::manual_seed(seed);
  models::PropertyModel model(config);
  model->train();
  torch::NoGradGuard no_grad;
  for (int i = 0; i < 3; ++i) model->forward(g);
  model->eval();
  return model;
}

torch::Tensor predict(models::PropertyModel& model, const models::GraphTensors& g) {
  torch::NoGradGuard no_grad;
  model->eval();
  return model->forward(g);
}

Checkpoint make_checkpoint(const models::ModelConfig& config) {
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

std::map<std::string, torch::Tensor> named_tensors(models::PropertyModel& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model->named_parameters()) out[p.key()] = p.value();
  for (const auto& b : model->named_buffers()) out[b.key()] = b.value();
  return out;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a molprop::Error";
  return "";
}

std::string load_error(const std::string& path) {
  return error_of([&] { load_checkpoint(path); });
}

// Saves a fresh checkpoint to dir/model.h5 and returns the path.
std::string saved_checkpoint(const std::string& dir, const std::string& encoder = "dmpnn") {
  const models::GraphTensors g = graph_inputs();
  const models::ModelConfig config = small_config(encoder);
  models::PropertyModel model = warmed_model(config, 1, g);
  const std::string path = dir + "/model.h5";
  save_checkpoint(path, make_checkpoint(config), model);
  return path;
}

void rewrite_int_attr(const std::string& path, const std::string& name, int64_t value) {
  H5::H5File file(path, H5F_ACC_RDWR);
  H5::Group root = file.openGroup("/");
  root.removeAttr(name);
  H5::Attribute a = root.createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR));
  a.write(H5::PredType::NATIVE_INT64, &value);
}

// Replaces weights/<name> by a float32 dataset of the given dims (empty: just unlinks).
void rewrite_weight(const std::string& path, const std::string& name, std::vector<hsize_t> dims) {
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

class RoundTrip : public testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, ReproducesPredictionsAndEveryTensorExactly) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const models::GraphTensors g = graph_inputs();
  const models::ModelConfig config = small_config(GetParam());
  models::PropertyModel model = warmed_model(config, 1, g);
  const torch::Tensor expected = predict(model, g);

  // The warm-up really changed the state a fresh model would have.
  torch::manual_seed(99);
  models::PropertyModel fresh(config);
  ASSERT_FALSE(torch::equal(predict(fresh, g), expected));
  ASSERT_GT(model->named_buffers()["encoder.norm0.num_batches_tracked"].item<int64_t>(), 0);

  const std::string path = dir + "/model.h5";
  save_checkpoint(path, make_checkpoint(config), model);
  models::PropertyModel loaded = load_checkpoint(path);
  EXPECT_FALSE(loaded->is_training());
  EXPECT_TRUE(torch::equal(predict(loaded, g), expected));
  {
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(loaded->embed(g), model->embed(g)));
  }

  const auto original = named_tensors(model);
  const auto restored = named_tensors(loaded);
  ASSERT_EQ(original.size(), restored.size());
  for (const auto& [name, t] : original) {
    ASSERT_TRUE(restored.count(name)) << name;
    EXPECT_EQ(restored.at(name).scalar_type(), t.scalar_type()) << name;
    EXPECT_EQ(restored.at(name).sizes(), t.sizes()) << name;
    EXPECT_TRUE(torch::equal(restored.at(name), t)) << name;
  }
  // The int64 buffers are among them and were stored as integers.
  EXPECT_EQ(restored.at("encoder.atom_in.offsets").scalar_type(), torch::kLong);
  EXPECT_EQ(restored.at("encoder.norm0.num_batches_tracked").dim(), 0);
}

INSTANTIATE_TEST_SUITE_P(Encoders, RoundTrip, testing::Values("dmpnn", "gine"));

TEST(Checkpoint, DescriptionRoundTrips) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const models::ModelConfig config = small_config("gine", /*num_tasks=*/2);
  const models::GraphTensors g = graph_inputs();
  models::PropertyModel model = warmed_model(config, 3, g);
  const Checkpoint saved = make_checkpoint(config);
  const std::string path = dir + "/model.h5";
  save_checkpoint(path, saved, model);

  Checkpoint from_load;
  load_checkpoint(path, &from_load);
  for (const Checkpoint& c : {read_checkpoint_info(path), from_load}) {
    EXPECT_EQ(models::to_json(c.config), models::to_json(config));
    EXPECT_EQ(c.targets.names, saved.targets.names);
    EXPECT_EQ(c.targets.mean, saved.targets.mean);
    EXPECT_EQ(c.targets.std, saved.targets.std);
    EXPECT_EQ(c.descriptors.names, saved.descriptors.names);
    EXPECT_EQ(c.descriptors.mean, saved.descriptors.mean);
    EXPECT_EQ(c.descriptors.std, saved.descriptors.std);
    EXPECT_EQ(c.metadata_json, saved.metadata_json);
  }

  // The root attributes a reader without molprop relies on.
  H5::H5File file(path, H5F_ACC_RDONLY);
  H5::Group root = file.openGroup("/");
  auto str = [&](const char* name) {
    std::string v;
    H5::Attribute a = root.openAttribute(name);
    a.read(a.getStrType(), v);
    return v;
  };
  auto int64 = [&](const char* name) {
    int64_t v = 0;
    root.openAttribute(name).read(H5::PredType::NATIVE_INT64, &v);
    return v;
  };
  EXPECT_EQ(str("format"), kCheckpointMagic);
  EXPECT_EQ(int64("format_version"), kCheckpointVersion);
  EXPECT_EQ(int64("featurizer_version"), chem::kFeaturizerVersion);
  EXPECT_EQ(str("feature_vocabulary"), chem::vocabulary_signature());
  EXPECT_EQ(str("created_by"), "molprop");
  EXPECT_EQ(str("target_names"), R"(["task0","task1"])");
  H5::DataSet w = file.openDataSet("weights/encoder.atom_in.table.weight");
  EXPECT_EQ(w.getTypeClass(), H5T_FLOAT);
  EXPECT_EQ(w.getDataType().getSize(), 4u);
  EXPECT_EQ(file.openDataSet("weights/encoder.atom_in.offsets").getTypeClass(), H5T_INTEGER);
}

TEST(Checkpoint, EmptyScalingAndDefaultMetadataRoundTrip) {
  // A pretraining checkpoint: no targets, no descriptors.
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  models::ModelConfig config = small_config("dmpnn");
  config.num_descriptors = 0;
  torch::manual_seed(5);
  models::PropertyModel model(config);
  Checkpoint saved;
  saved.config = config;
  save_checkpoint(dir + "/pre.h5", saved, model);
  const Checkpoint c = read_checkpoint_info(dir + "/pre.h5");
  EXPECT_TRUE(c.targets.names.empty() && c.targets.mean.empty() && c.targets.std.empty());
  EXPECT_TRUE(c.descriptors.names.empty());
  EXPECT_EQ(c.metadata_json, "{}");
}

TEST(Checkpoint, SaveRefusesInconsistentDescription) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const models::ModelConfig config = small_config("dmpnn");
  torch::manual_seed(5);
  models::PropertyModel model(config);
  const std::string path = dir + "/model.h5";

  Checkpoint other = make_checkpoint(config);
  other.config.head.hidden = 32;
  EXPECT_THAT(error_of([&] { save_checkpoint(path, other, model); }), HasSubstr("configuration differs"));

  Checkpoint unversioned = make_checkpoint(config);
  unversioned.config.featurizer_version = 0;
  models::PropertyModel unversioned_model(unversioned.config);
  EXPECT_THAT(error_of([&] { save_checkpoint(path, unversioned, unversioned_model); }),
              HasSubstr("feature vocabulary v0, this build uses v"));

  Checkpoint short_std = make_checkpoint(config);
  short_std.targets.std.clear();
  EXPECT_THAT(error_of([&] { save_checkpoint(path, short_std, model); }), HasSubstr("target scaling"));

  Checkpoint bad_metadata = make_checkpoint(config);
  bad_metadata.metadata_json = "{seed: 7";
  EXPECT_THAT(error_of([&] { save_checkpoint(path, bad_metadata, model); }), HasSubstr("metadata"));
  EXPECT_FALSE(fs::exists(path));
}

TEST(Checkpoint, RefusesFilesThatAreNotCheckpoints) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string text = dir + "/notes.h5";
  std::ofstream(text) << "not an HDF5 file\n";
  EXPECT_THAT(load_error(text), HasSubstr(text + ": not a molprop checkpoint"));
  EXPECT_THAT(error_of([&] { read_checkpoint_info(text); }), HasSubstr("not a molprop checkpoint"));

  const std::string bare = dir + "/bare.h5";
  { H5::H5File file(bare, H5F_ACC_TRUNC); }
  EXPECT_THAT(load_error(bare), HasSubstr(bare + ": not a molprop checkpoint"));

  const std::string dataset = dir + "/dataset.h5";
  {
    H5::H5File file(dataset, H5F_ACC_TRUNC);
    H5::Group root = file.openGroup("/");
    H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
    root.createAttribute("format", t, H5::DataSpace(H5S_SCALAR)).write(t, std::string("molprop-dataset"));
  }
  EXPECT_THAT(load_error(dataset), HasSubstr("not a molprop checkpoint (its format is 'molprop-dataset')"));

  const std::string missing = dir + "/missing.h5";
  EXPECT_THAT(load_error(missing), HasSubstr(missing));
}

TEST(Checkpoint, RefusesAnotherFeatureVocabulary) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = saved_checkpoint(dir);
  const int64_t other = chem::kFeaturizerVersion + 1;
  rewrite_int_attr(path, "featurizer_version", other);
  const std::string message = load_error(path);
  EXPECT_THAT(message, HasSubstr(path + ": model was trained with feature vocabulary v" + std::to_string(other) +
                                 ", this build uses v" + std::to_string(chem::kFeaturizerVersion)));
  EXPECT_THAT(message, HasSubstr("retrain"));
  torch::manual_seed(5);
  models::PropertyModel model(small_config("dmpnn"));
  EXPECT_THAT(error_of([&] { load_weights_with_prefix(path, "encoder.", model); }), HasSubstr("feature vocabulary"));
  // The description stays readable, for listing and for the caller's own check.
  EXPECT_EQ(read_checkpoint_info(path).config.encoder.name, "dmpnn");
}

TEST(Checkpoint, RefusesANewerFormat) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = saved_checkpoint(dir);
  rewrite_int_attr(path, "format_version", 99);
  EXPECT_THAT(load_error(path), HasSubstr(path + ": written by a newer molprop (checkpoint format version 99; "
                                                 "this build reads up to 1)"));
  EXPECT_THAT(error_of([&] { read_checkpoint_info(path); }), HasSubstr("newer"));
}

TEST(Checkpoint, RefusesWeightsThatDoNotMatchTheConfiguration) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = saved_checkpoint(dir);
  const std::string copy = dir + "/copy.h5";

  fs::copy_file(path, copy);
  rewrite_weight(copy, "readout.gate.weight", {2, 16});
  const std::string shape = load_error(copy);
  EXPECT_THAT(shape, HasSubstr(copy + ": weight 'readout.gate.weight' has shape [2, 16]"));
  EXPECT_THAT(shape, HasSubstr("expects [1, 16]"));

  fs::remove(copy);
  fs::copy_file(path, copy);
  rewrite_weight(copy, "encoder.w_h.weight", {});
  EXPECT_THAT(load_error(copy), HasSubstr(copy + ": weight 'encoder.w_h.weight' (shape [16, 16]) is missing"));

  fs::remove(copy);
  fs::copy_file(path, copy);
  rewrite_weight(copy, "encoder.extra.weight", {3});
  EXPECT_THAT(load_error(copy), HasSubstr(copy + ": checkpoint has weight 'encoder.extra.weight' (shape [3])"));

  fs::remove(copy);
  fs::copy_file(path, copy);
  { H5::H5File(copy, H5F_ACC_RDWR).unlink("weights"); }
  EXPECT_THAT(load_error(copy), HasSubstr(copy + ": checkpoint has no 'weights' group"));

  fs::remove(copy);
  fs::copy_file(path, copy);
  {
    // An int64 buffer stored as float: the element type must match too.
    H5::H5File file(copy, H5F_ACC_RDWR);
    H5::Group weights = file.openGroup("weights");
    weights.unlink("encoder.atom_in.offsets");
    const hsize_t dims[2] = {1, chem::kNumAtomFeatures};
    std::vector<float> zeros(chem::kNumAtomFeatures, 0.0f);
    weights.createDataSet("encoder.atom_in.offsets", H5::PredType::IEEE_F32LE, H5::DataSpace(2, dims))
        .write(zeros.data(), H5::PredType::NATIVE_FLOAT);
  }
  EXPECT_THAT(load_error(copy),
              HasSubstr("'encoder.atom_in.offsets' holds floats in the checkpoint, but the model's tensor is int64"));
}

TEST(Checkpoint, TruncatedFileIsAnErrorNamingIt) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = saved_checkpoint(dir);
  const auto size = fs::file_size(path);
  for (const auto keep : {size / 2, size - 64, uintmax_t{600}}) {
    const std::string cut = dir + "/cut_" + std::to_string(keep) + ".h5";
    fs::copy_file(path, cut);
    fs::resize_file(cut, keep);
    EXPECT_THAT(load_error(cut), HasSubstr(cut + ": cannot open checkpoint; the file is truncated or damaged"))
        << "kept " << keep << " of " << size << " bytes";
  }
}

TEST(Checkpoint, PrefixLoadingCopiesTheEncoderOnly) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const models::GraphTensors g = graph_inputs();
  const models::ModelConfig pre_config = small_config("gine", /*num_tasks=*/1);
  models::PropertyModel pretrained = warmed_model(pre_config, 11, g);
  const std::string path = dir + "/pretrained.h5";
  save_checkpoint(path, make_checkpoint(pre_config), pretrained);

  torch::manual_seed(12);
  models::PropertyModel model(small_config("gine", /*num_tasks=*/2));
  model->eval();
  std::map<std::string, torch::Tensor> head_before;
  for (const auto& p : model->head()->named_parameters()) head_before[p.key()] = p.value().clone();
  torch::NoGradGuard no_grad;
  ASSERT_FALSE(torch::equal(model->encoder().forward(g), pretrained->encoder().forward(g)));

  int64_t encoder_tensors = 0;
  for (const auto& [name, t] : named_tensors(pretrained)) encoder_tensors += name.rfind("encoder.", 0) == 0;
  EXPECT_EQ(load_weights_with_prefix(path, "encoder.", model), encoder_tensors);
  EXPECT_TRUE(torch::equal(model->encoder().forward(g), pretrained->encoder().forward(g)));

  // The attention readout has its own weights; with them the embeddings agree too.
  EXPECT_EQ(load_weights_with_prefix(path, "readout.", model), 2);
  EXPECT_TRUE(torch::equal(model->embed(g), pretrained->embed(g)));
  for (const auto& p : model->head()->named_parameters()) {
    EXPECT_TRUE(torch::equal(p.value(), head_before.at(p.key()))) << p.key();
  }
  EXPECT_EQ(model->forward(g).size(1), 2);
}

TEST(Checkpoint, PrefixLoadingRefusesMismatches) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = saved_checkpoint(dir, "dmpnn");

  models::ModelConfig wider = small_config("dmpnn");
  wider.encoder.hidden = 8;
  torch::manual_seed(5);
  models::PropertyModel narrow(wider);
  EXPECT_THAT(error_of([&] { load_weights_with_prefix(path, "encoder.", narrow); }), HasSubstr("weight 'encoder."));

  models::ModelConfig deeper = small_config("dmpnn");
  deeper.encoder.depth = 4;
  models::PropertyModel deep(deeper);
  EXPECT_THAT(error_of([&] { load_weights_with_prefix(path, "encoder.", deep); }),
              HasSubstr("'encoder.norm2.bias' (shape [16]) is missing from the checkpoint"));

  models::PropertyModel gine(small_config("gine"));
  EXPECT_THAT(error_of([&] { load_weights_with_prefix(path, "encoder.", gine); }),
              HasSubstr("has no counterpart in the model"));

  models::PropertyModel same(small_config("dmpnn"));
  EXPECT_THAT(error_of([&] { load_weights_with_prefix(path, "decoder.", same); }),
              HasSubstr(path + ": no weights whose names start with 'decoder.'"));
}

bool has_tmp_file(const std::string& dir) {
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().filename().string().find(".tmp.") != std::string::npos) return true;
  }
  return false;
}

TEST(Checkpoint, UnwritablePathIsAnErrorAndLeavesNoTemporaryFile) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const models::ModelConfig config = small_config("dmpnn");
  torch::manual_seed(5);
  models::PropertyModel model(config);
  const Checkpoint c = make_checkpoint(config);

  const std::string nowhere = dir + "/no/such/folder/model.h5";
  EXPECT_THAT(error_of([&] { save_checkpoint(nowhere, c, model); }), HasSubstr(nowhere + ": "));
  EXPECT_FALSE(has_tmp_file(dir));

  // The temporary file is written but cannot replace a folder: it is removed again.
  const std::string folder = dir + "/taken";
  fs::create_directories(folder + "/inside");
  EXPECT_THAT(error_of([&] { save_checkpoint(folder, c, model); }), HasSubstr(folder + ": "));
  EXPECT_FALSE(has_tmp_file(dir));
  EXPECT_TRUE(fs::is_directory(folder));
}

TEST(Checkpoint, SavingOverAnExistingCheckpointReplacesIt) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = saved_checkpoint(dir, "dmpnn");
  const models::ModelConfig config = small_config("gine");
  torch::manual_seed(8);
  models::PropertyModel model(config);
  save_checkpoint(path, make_checkpoint(config), model);
  EXPECT_EQ(read_checkpoint_info(path).config.encoder.name, "gine");
  EXPECT_FALSE(has_tmp_file(dir));
}

}  // namespace
}  // namespace molprop::checkpoint
