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

void touch(const std::string& path) { std::ofstream(path) << "x"; }

TEST(ModelFiles, AFileStandsForItself) {
  const std::string dir = testing_util::fresh_dir("model_files_file");
  touch(dir + "/any_name.h5");
  EXPECT_THAT(checkpoint::find_model_files(dir + "/any_name.h5"), ElementsAre(dir + "/any_name.h5"));
  EXPECT_THAT(checkpoint::model_files(dir + "/any_name.h5"), ElementsAre(dir + "/any_name.h5"));
}

TEST(ModelFiles, AFoldersModelH5WinsOverAnEnsemble) {
  const std::string dir = testing_util::fresh_dir("model_files_single");
  fs::create_directories(dir + "/models");
  touch(dir + "/model.h5");
  touch(dir + "/models/a.h5");
  EXPECT_THAT(checkpoint::find_model_files(dir), ElementsAre(dir + "/model.h5"));
}

TEST(ModelFiles, AnEnsembleIsEveryModelsH5SortedByName) {
  const std::string dir = testing_util::fresh_dir("model_files_ensemble");
  fs::create_directories(dir + "/models");
  for (const char* name : {"fold2.h5", "fold0.h5", "fold1.h5", "notes.txt", "fold3.h5.tmp"})
    touch(dir + "/models/" + name);
  EXPECT_THAT(checkpoint::model_files(dir),
              ElementsAre(dir + "/models/fold0.h5", dir + "/models/fold1.h5", dir + "/models/fold2.h5"));
}

TEST(ModelFiles, NothingToLoadIsEmptyOrAnErrorNamingThePath) {
  const std::string dir = testing_util::fresh_dir("model_files_empty");
  EXPECT_TRUE(checkpoint::find_model_files(dir).empty());
  EXPECT_TRUE(checkpoint::find_model_files(dir + "/missing").empty());
  try {
    checkpoint::model_files(dir);
    ADD_FAILURE() << "no error for an empty folder";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir + ": no model.h5 or models/*.h5 in this folder"));
  }
  try {
    checkpoint::model_files(dir + "/missing");
    ADD_FAILURE() << "no error for a missing path";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir + "/missing: no such model file or folder"));
  }
}

}  // namespace
}  // namespace molprop
