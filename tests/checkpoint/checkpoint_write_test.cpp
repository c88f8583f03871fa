// save_checkpoint: refuses an inconsistent description, writes atomically, replaces an old file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/util/checkpoint_fixture.h"
#include "tests/util/file_size_limit.h"

namespace molprop::checkpoint {
namespace {

using namespace fixture;  // NOLINT: the shared models and file helpers
namespace fs = std::filesystem;
using testing::HasSubstr;

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

namespace molprop::checkpoint {
namespace {

using namespace fixture;  // NOLINT: the shared models and file helpers
namespace fs = std::filesystem;
using testing::HasSubstr;

// Issue 14 case 2: `train` on a full disk crashed in save_checkpoint.
TEST(Reliability, SaveCheckpointOnAFullDiskIsOneErrorAndLeavesNothing) {
  const ScratchDir scratch;
  const models::GraphTensors g = graph_inputs();
  const models::ModelConfig config = small_config("dmpnn");
  models::PropertyModel model = warmed_model(config, 1, g);
  const Checkpoint checkpoint = make_checkpoint(config);
  const std::string path = scratch.path + "/model.h5";
  const testing_util::ChildOutcome r =
      testing_util::run_with_file_size_limit(8 * 1024, [&] { save_checkpoint(path, checkpoint, model); });
  ASSERT_TRUE(r.threw_error()) << r.describe();
  EXPECT_THAT(r.message, HasSubstr(path + ": cannot write checkpoint"));
  EXPECT_EQ(r.message.find('\n'), std::string::npos) << r.message;
  EXPECT_TRUE(fs::is_empty(scratch.path)) << "the failed save left files";
  save_checkpoint(path, checkpoint, model);  // without the limit it saves
  EXPECT_NO_THROW(load_checkpoint(path));
}

}  // namespace
}  // namespace molprop::checkpoint
