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

}  // namespace
}  // namespace molprop
