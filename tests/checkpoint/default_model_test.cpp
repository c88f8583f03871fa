#include "checkpoint/default_model.h"
#include "checkpoint/model_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/check.h"
#include "tests/util/scratch_dir.h"

namespace molprop {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(DefaultModel, AnOverrideIsTheOnlyCandidate) {
  EXPECT_THAT(checkpoint::default_model_candidates("/some/where"), ElementsAre("/some/where"));
}

TEST(DefaultModel, WithoutOverrideTheSourceTreeModelIsLastAndFound) {
  const std::vector<std::string> candidates = checkpoint::default_model_candidates();
  ASSERT_GE(candidates.size(), 2u);
  // The source tree's share/ mirrors the install prefix; it is the last resort.
  EXPECT_THAT(candidates.back(), HasSubstr("share/molprop/models/default"));
  const std::string found = checkpoint::default_model_dir();
  EXPECT_TRUE(fs::is_directory(found)) << found;
  EXPECT_TRUE(fs::exists(fs::path(found) / "domain.h5")) << found;
}

TEST(DefaultModel, AnOverrideFolderWithAModelIsUsed) {
  const std::string dir = testing_util::fresh_dir("default_model_override");
  std::ofstream(dir + "/model.h5") << "x";  // the lookup checks for model files, not their contents
  checkpoint::write_run_marker(dir, {"model.h5"});
  EXPECT_EQ(checkpoint::default_model_dir(dir), dir);
}

TEST(DefaultModel, AnEmptyOverrideFolderIsOneErrorNamingIt) {
  const std::string dir = testing_util::fresh_dir("default_model_empty");
  try {
    checkpoint::default_model_dir(dir);
    FAIL() << "expected molprop::Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_THAT(message, HasSubstr("no default model found"));
    EXPECT_THAT(message, HasSubstr(dir));
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
  }
}

TEST(ShippedModels, EachNameHasItsOwnFolderUnderTheSameRoots) {
  const auto defaults = checkpoint::shipped_model_candidates("default");
  const auto foundation = checkpoint::shipped_model_candidates("foundation");
  ASSERT_EQ(defaults.size(), foundation.size());
  for (size_t i = 0; i < defaults.size(); ++i) {
    EXPECT_EQ(fs::path(defaults[i]).filename(), "default");
    EXPECT_EQ(fs::path(foundation[i]).filename(), "foundation");
    EXPECT_EQ(fs::path(defaults[i]).parent_path(), fs::path(foundation[i]).parent_path());
  }
}

TEST(ShippedModels, APathIsNotAName) {
  EXPECT_EQ(checkpoint::resolve_model_name("runs/esol/model.h5"), "runs/esol/model.h5");
  EXPECT_EQ(checkpoint::resolve_model_name("./foundation"), "./foundation");
  EXPECT_EQ(checkpoint::resolve_model_name(""), "");
}

TEST(ShippedModels, FoundationInAnOverrideFolderIsItsListedEncoder) {
  const std::string dir = testing_util::fresh_dir("foundation_override");
  std::ofstream(dir + "/encoder.h5") << "x";
  checkpoint::write_run_marker(dir, {"encoder.h5"});
  EXPECT_EQ(fs::path(checkpoint::resolve_model_name("foundation", dir)), fs::path(dir) / "encoder.h5");
}

TEST(ShippedModels, AMissingFoundationIsOneErrorSayingWhatToDo) {
  const std::string dir = testing_util::fresh_dir("foundation_missing");
  try {
    checkpoint::resolve_model_name("foundation", dir);
    FAIL() << "expected molprop::Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_THAT(message, HasSubstr("no foundation model found"));
    EXPECT_THAT(message, HasSubstr(dir));
    EXPECT_THAT(message, HasSubstr("give the encoder's path"));
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line";
  }
}

}  // namespace
}  // namespace molprop
