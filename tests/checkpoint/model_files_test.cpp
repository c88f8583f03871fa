#include "checkpoint/model_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "checkpoint/default_model.h"
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

TEST(ModelFiles, ARunFolderIsTheModelsItsMarkerLists) {
  const std::string dir = testing_util::fresh_dir("model_files_single");
  fs::create_directories(dir + "/models");
  touch(dir + "/model.h5");
  touch(dir + "/models/a.h5");
  checkpoint::write_run_marker(dir, {"model.h5"});
  EXPECT_THAT(checkpoint::find_model_files(dir), ElementsAre(dir + "/model.h5"));
}

TEST(ModelFiles, AnEnsembleIsEveryModelItsMarkerLists) {
  const std::string dir = testing_util::fresh_dir("model_files_ensemble");
  fs::create_directories(dir + "/models");
  for (const char* name : {"fold2.h5", "fold0.h5", "fold1.h5", "notes.txt", "fold3.h5.tmp"})
    touch(dir + "/models/" + name);
  checkpoint::write_run_marker(dir, {"models/fold0.h5", "models/fold1.h5", "models/fold2.h5"});
  EXPECT_THAT(checkpoint::model_files(dir),
              ElementsAre(dir + "/models/fold0.h5", dir + "/models/fold1.h5", dir + "/models/fold2.h5"));
}

// Issue 14 case 9: `kill -9` during a 3-member ensemble left one member and no marker,
// and predict silently used 1 model of 3.
TEST(Reliability, RunFolderWithoutMarkerIsRefusedAsIncomplete) {
  const std::string dir = testing_util::fresh_dir("model_files_killed");
  fs::create_directories(dir + "/models");
  touch(dir + "/models/fold0_member0.h5");
  for (const auto& path : {dir, dir + "/"}) {
    try {
      checkpoint::model_files(path);
      ADD_FAILURE() << "a run folder without " << checkpoint::kRunMarkerFileName << " was used";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("run folder " + path + " is incomplete (training did not finish: no run.json)"));
    }
  }
  // A single-model run folder the same way.
  const std::string single = testing_util::fresh_dir("model_files_killed_single");
  touch(single + "/model.h5");
  EXPECT_THROW(checkpoint::model_files(single), Error);
  // The file itself, given directly, still loads.
  EXPECT_THAT(checkpoint::model_files(dir + "/models/fold0_member0.h5"), ElementsAre(dir + "/models/fold0_member0.h5"));
}

TEST(Reliability, RunMarkerListingAMissingMemberIsRefused) {
  const std::string dir = testing_util::fresh_dir("model_files_missing_member");
  fs::create_directories(dir + "/models");
  touch(dir + "/models/m0.h5");
  checkpoint::write_run_marker(dir, {"models/m0.h5", "models/m1.h5"});
  try {
    checkpoint::model_files(dir);
    ADD_FAILURE() << "a marker listing a missing member was accepted";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("is incomplete"));
    EXPECT_THAT(e.what(), HasSubstr("models/m1.h5, which is missing"));
  }
  std::ofstream(dir + "/run.json") << "{not json";
  EXPECT_THROW(checkpoint::model_files(dir), Error);
}

TEST(Reliability, ShippedDefaultModelHasItsMarker) {
  // The last candidate is the source tree's share/molprop/models/default.
  const std::string dir = checkpoint::default_model_candidates("").back();
  ASSERT_THAT(dir, HasSubstr("share/molprop/models/default"));
  EXPECT_EQ(checkpoint::model_files(dir).size(), 5u);  // the shipped ensemble's members
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
