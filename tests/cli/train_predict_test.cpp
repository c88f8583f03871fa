// End-to-end: `molprop train` then `molprop predict`, as a user runs them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/util/cli_util.h"
#include "tests/util/scratch_dir.h"

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
  auto t = run_molprop("train --data " + kData + " --output-dir " + dir +
                           "/run --epochs 3 --hidden 32 --seed 1 --threads 1 --units 'log10(mol/L),points'",
                       dir);
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
  EXPECT_THAT(out, HasSubstr("smiles,name,logS (log10(mol/L)),size_score (points),train_similarity,in_domain,error\n"));
  EXPECT_THAT(out, HasSubstr("C1CC(C,not_a_molecule,,,,,SMILES Parse Error"));
  EXPECT_THAT(p.err, HasSubstr("22 rows: 21 predicted, 1 failed"));
  // The domain columns: a similarity in [0, 1], "yes" exactly when it reaches 0.35.
  std::istringstream lines(out);
  std::string line;
  std::getline(lines, line);
  int checked = 0, out_of_domain = 0;
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string cell; std::getline(ss, cell, ',');) f.push_back(cell);
    if (f.size() < 6 || f[4].empty()) continue;  // the failed row (getline drops the empty error cell)
    const double sim = std::stod(f[4]);
    EXPECT_GE(sim, 0.0);
    EXPECT_LE(sim, 1.0);
    EXPECT_EQ(f[5], sim >= 0.35 ? "yes" : "no") << line;
    out_of_domain += f[5] == "no";
    ++checked;
  }
  EXPECT_EQ(checked, 21);
  EXPECT_GT(out_of_domain, 0);  // drugs far from 48 ESOL training molecules exist in the examples
  auto q = run_molprop("predict --model " + dir + "/run " + kExamples + " --domain-threshold 0 --quiet", dir);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_THAT(q.out, ::testing::Not(HasSubstr(",no,")));  // stdout, every molecule in domain at threshold 0
}

TEST(CliTrainPredict, KfoldEnsembleWritesOneModelPerFoldAndMember) {
  const std::string scratch = molprop::testing_util::fresh_dir("cli_kfold");
  const std::string dir = scratch + "/run";
  auto t = run_molprop("train --data " + kData + " --output-dir " + dir +
                           " --epochs 1 --hidden 16 --split kfold --num-folds 3 --ensemble-size 2 --quiet",
                       scratch);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  int models = 0;
  for (const auto& e : fs::directory_iterator(dir + "/models")) models += e.path().extension() == ".h5";
  EXPECT_EQ(models, 6);
  const auto metrics = nlohmann::json::parse(read_file(dir + "/metrics.json"));
  EXPECT_EQ(metrics["summary"]["test"]["logS"]["folds"], 3);
  auto p =
      run_molprop("predict --model " + dir + " --input " + kExamples + " --output " + dir + "/pred.csv --quiet", dir);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_THAT(read_file(dir + "/pred.csv"),
              HasSubstr("logS,size_score,logS_std,size_score_std,train_similarity,in_domain,error\n"));
}

TEST(CliTrainPredict, BadArgumentsAreOneClearLine) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_train_bad");
  auto a = run_molprop("train --data " + kData + " --output-dir " + dir + "/x --split-sizes 0.5,0.6,0.1", dir);
  EXPECT_NE(a.exit_code, 0);
  EXPECT_EQ(count_lines(a.err), 1) << a.err;
  EXPECT_THAT(a.err, HasSubstr("--split-sizes"));
  auto b =
      run_molprop("predict --model " + dir + "/missing.h5 --input " + kExamples + " --output " + dir + "/p.csv", dir);
  EXPECT_NE(b.exit_code, 0);
  EXPECT_EQ(count_lines(b.err), 1) << b.err;
  EXPECT_THAT(b.err, HasSubstr("missing.h5"));
  auto c = run_molprop("train --data " + kData + " --output-dir " + dir + "/y --targets nope", dir);
  EXPECT_NE(c.exit_code, 0);
  EXPECT_THAT(c.err, HasSubstr("no column 'nope'"));
}
