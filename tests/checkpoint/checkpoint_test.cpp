// Checkpoint round trips: bit-identical predictions and every stored field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/util/checkpoint_fixture.h"

namespace molprop::checkpoint {
namespace {

using namespace fixture;  // NOLINT: the shared models and file helpers
namespace fs = std::filesystem;
using testing::HasSubstr;

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

}  // namespace
}  // namespace molprop::checkpoint
