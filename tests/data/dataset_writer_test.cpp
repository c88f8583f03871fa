// DatasetWriter: the output appears only when finished, whole; failures keep the previous file.
#include <H5Cpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include "tests/util/dataset_fixture.h"
#include "tests/util/file_size_limit.h"

namespace molprop::data {
namespace {

using namespace fixture;  // NOLINT: the shared dataset and its checks
namespace fs = std::filesystem;
using testing::HasSubstr;

// ---------------------------------------------------------------- writer atomicity

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(DatasetWriter, WithoutFinishLeavesNothingBehind) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/out.h5";
  {
    DatasetWriter writer(path, writer_options(true));
    const std::vector<float> t = targets_of(0);
    writer.add(1, kSmiles[0], mols()[0], t.data());
    writer.add_failure(2, "C1CC", "unclosed ring");
    EXPECT_FALSE(fs::exists(path)) << "the output appears only at finish()";
  }
  EXPECT_TRUE(entries(dir).empty()) << "left behind: " << testing::PrintToString(entries(dir));
}

TEST(DatasetWriter, FinishLeavesOnlyTheOutput) {
  const std::string dir = temp_dir();
  write_dataset(dir + "/out.h5");
  EXPECT_EQ(entries(dir), std::vector<std::string>{"out.h5"});
}

TEST(DatasetWriter, AbandonedRewriteKeepsThePreviousFile) {
  const std::string dir = temp_dir();
  const std::string path = write_dataset(dir + "/out.h5");
  {
    DatasetWriter writer(path, writer_options(false));
    const std::vector<float> t = targets_of(1);
    writer.add(1, kSmiles[1], mols()[1], t.data());
  }
  EXPECT_EQ(entries(dir), std::vector<std::string>{"out.h5"});
  GraphDataset ds(path);
  EXPECT_EQ(ds.size(), kN);
}

TEST(DatasetWriter, MissingFolderFailsAtConstruction) {
  const std::string path = temp_dir() + "/no_such_folder/out.h5";
  EXPECT_THROW(DatasetWriter writer(path, writer_options(true)), Error);
  try {
    DatasetWriter writer(path, writer_options(true));
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr(path));
    EXPECT_THAT(std::string(e.what()), HasSubstr("folder"));
  }
}

TEST(DatasetWriter, UnlabeledDatasetWithoutDescriptors) {
  const std::string path = temp_dir() + "/unlabeled.h5";
  {
    DatasetWriter writer(path, DatasetWriterOptions{});
    chem::FeaturizedMol plain = chem::featurize_smiles("c1ccccc1O");
    ASSERT_TRUE(plain.ok());
    writer.add(1, "c1ccccc1O", plain, nullptr);
    writer.finish(1);
  }
  GraphDataset ds(path);
  EXPECT_TRUE(ds.info().target_names.empty());
  EXPECT_TRUE(ds.info().descriptor_names.empty());
  EXPECT_FALSE(ds.info().has_scaffolds);
  EXPECT_TRUE(ds.targets(0).empty());
  Batch b;
  ds.collate({0, 0}, b);
  expect_batch_invariants(b);
  EXPECT_EQ(b.num_targets, 0);
  EXPECT_TRUE(b.targets.empty());
  EXPECT_TRUE(b.descriptors.empty());
  EXPECT_TRUE(ds.failures().empty());
}

}  // namespace
}  // namespace molprop::data

namespace molprop::data {
namespace {

using namespace fixture;  // NOLINT: the shared dataset and its checks
namespace fs = std::filesystem;
using testing::HasSubstr;

// Writes the 20 molecules `copies` times (and the failures once) and finishes.
void write_many(const std::string& path, int copies) {
  DatasetWriter writer(path, writer_options(/*scaffolds=*/true));
  for (const auto& f : kFailures) writer.add_failure(f.row, f.smiles, f.reason);
  int64_t row = 0;
  for (int c = 0; c < copies; ++c) {
    for (int64_t i = 0; i < kN; ++i) {
      const std::vector<float> t = targets_of(i);
      writer.add(++row, kSmiles[static_cast<size_t>(i)], mols()[static_cast<size_t>(i)], t.data());
    }
  }
  writer.finish(row);
}

// Issue 14 case 2: on a full disk the writer's flush/finish threw H5::DataSetIException
// past `featurize` (which aborted and left its .tmp), and its destructor could crash.
// Both a failure while streaming (a flush every 8192 molecules) and one in finish() must
// be one molprop::Error naming the output, with nothing left behind.
TEST(Reliability, DatasetWriterOnAFullDiskIsOneErrorAndLeavesNothing) {
  mols();  // featurise in the parent, once
  const std::string root = temp_dir();
  for (const int copies : {1, 2000}) {  // 20 molecules: fails in finish(); 40000: in a flush
    const std::string dir = root + "/full" + std::to_string(copies);
    fs::create_directories(dir);
    const std::string path = dir + "/out.h5";
    const testing_util::ChildOutcome r =
        testing_util::run_with_file_size_limit(8 * 1024, [&] { write_many(path, copies); });
    ASSERT_TRUE(r.threw_error()) << r.describe();
    EXPECT_THAT(r.message, HasSubstr(path + ": cannot write dataset"));
    EXPECT_THAT(r.message, HasSubstr("disk full"));
    EXPECT_EQ(r.message.find('\n'), std::string::npos) << r.message;
    EXPECT_TRUE(fs::is_empty(dir)) << "the failed write left files in " << dir;
  }
  // Without the limit the same writes succeed (the limit is what failed them).
  const std::string ok = root + "/ok.h5";
  write_many(ok, 1);
  EXPECT_EQ(GraphDataset(ok).size(), kN);
}

}  // namespace
}  // namespace molprop::data
