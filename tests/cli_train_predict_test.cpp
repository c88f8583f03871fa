// End-to-end: `molprop train` then `molprop predict`, as a user runs them.
#include <gtest/gtest.h>
#include <gmock/gmock.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "scratch_dir.h"

namespace fs = std::filesystem;
using molprop::testing_util::count_lines;
using molprop::testing_util::read_file;
using molprop::testing_util::run_molprop;
using ::testing::HasSubstr;

namespace {
const std::string kData = std::string(MOLPROP_TEST_DATA_DIR) + "/train_small.csv";
const std::string kExamples = std::string(MOLPROP_TEST_DATA_DIR) + "/../../examples/molecules.smi";
}  // namespace

TEST(CliTrainPredict, TrainWritesTheRunFolderAndPredictReadsIt) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_train");
  auto t = run_molprop("train --data " + kData + " --output-dir " + dir + "/run --epochs 3 --hidden 32 --seed 1 --threads 1", dir);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  for (const char* f : {"model.h5", "metrics.json", "log.csv", "splits.json", "command.txt", "data.h5"}) {
    EXPECT_TRUE(fs::exists(dir + "/run/" + f)) << f;
  }
  const auto metrics = nlohmann::json::parse(read_file(dir + "/run/metrics.json"));
  EXPECT_EQ(metrics["targets"], (nlohmann::json{"logS", "size_score"}));
  EXPECT_TRUE(metrics["summary"]["test"]["logS"]["rmse_mean"].is_number());
  EXPECT_EQ(count_lines(read_file(dir + "/run/log.csv")), 1 + 3);  // header + one line per epoch
  EXPECT_THAT(read_file(dir + "/run/command.txt"), HasSubstr("train --data"));
  EXPECT_THAT(t.err, HasSubstr("epoch 3/3"));

  auto p = run_molprop("predict --model " + dir + "/run --input " + kExamples + " --output " + dir + "/pred.csv", dir);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const std::string out = read_file(dir + "/pred.csv");
  EXPECT_EQ(count_lines(out), 1 + 22);  // header + every input line, the invalid one included
  EXPECT_THAT(out, HasSubstr("smiles,name,logS,size_score,error\n"));
  EXPECT_THAT(out, HasSubstr("C1CC(C,not_a_molecule,,,SMILES Parse Error"));
  EXPECT_THAT(p.err, HasSubstr("22 rows: 21 predicted, 1 failed"));
}

TEST(CliTrainPredict, KfoldEnsembleWritesOneModelPerFoldAndMember) {
  const std::string scratch = molprop::testing_util::fresh_dir("cli_kfold");
  const std::string dir = scratch + "/run";
  auto t = run_molprop("train --data " + kData + " --output-dir " + dir + " --epochs 1 --hidden 16 --split kfold --num-folds 3 --ensemble-size 2 --quiet", scratch);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  int models = 0;
  for (const auto& e : fs::directory_iterator(dir + "/models")) models += e.path().extension() == ".h5";
  EXPECT_EQ(models, 6);
  const auto metrics = nlohmann::json::parse(read_file(dir + "/metrics.json"));
  EXPECT_EQ(metrics["summary"]["test"]["logS"]["folds"], 3);
  auto p = run_molprop("predict --model " + dir + " --input " + kExamples + " --output " + dir + "/pred.csv --quiet", dir);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_THAT(read_file(dir + "/pred.csv"), HasSubstr("logS,size_score,logS_std,size_score_std,error\n"));
}

TEST(CliTrainPredict, BadArgumentsAreOneClearLine) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_train_bad");
  auto a = run_molprop("train --data " + kData + " --output-dir " + dir + "/x --split-sizes 0.5,0.6,0.1", dir);
  EXPECT_NE(a.exit_code, 0);
  EXPECT_EQ(count_lines(a.err), 1) << a.err;
  EXPECT_THAT(a.err, HasSubstr("--split-sizes"));
  auto b = run_molprop("predict --model " + dir + "/missing.h5 --input " + kExamples + " --output " + dir + "/p.csv", dir);
  EXPECT_NE(b.exit_code, 0);
  EXPECT_EQ(count_lines(b.err), 1) << b.err;
  EXPECT_THAT(b.err, HasSubstr("missing.h5"));
  auto c = run_molprop("train --data " + kData + " --output-dir " + dir + "/y --targets nope", dir);
  EXPECT_NE(c.exit_code, 0);
  EXPECT_THAT(c.err, HasSubstr("no column 'nope'"));
}
