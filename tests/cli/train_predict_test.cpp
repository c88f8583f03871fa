// End-to-end: `molprop train` then `molprop predict`, as a user runs them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/util/cli_util.h"
#include "tests/util/scratch_dir.h"

namespace fs = std::filesystem;
using molprop::testing_util::count_lines;
using molprop::testing_util::csv_rows;
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
  // Two targets: a domain per target (the molecules with that label).
  EXPECT_THAT(out, HasSubstr("smiles,name,logS (log10(mol/L)),size_score (points),train_similarity,logS_in_domain,"
                             "size_score_in_domain,domain_note,error\n"));
  EXPECT_THAT(out, HasSubstr("C1CC(C,not_a_molecule,,,,,,,SMILES Parse Error"));
  EXPECT_THAT(p.err, HasSubstr("22 rows: 21 predicted, 1 failed"));
  // The domain columns: a similarity in [0, 1], "yes" exactly when it reaches 0.35.
  const auto rows = csv_rows(out);
  int checked = 0, out_of_domain = 0;
  for (size_t r = 1; r < rows.size(); ++r) {  // after the header
    const std::vector<std::string>& f = rows[r];
    if (f.size() < 6 || f[4].empty()) continue;  // the failed row: no similarity
    const double sim = std::stod(f[4]);
    EXPECT_GE(sim, 0.0);
    EXPECT_LE(sim, 1.0);
    // A target's labelled molecules are a subset of all: never closer than the nearest of all.
    if (sim < 0.35) {
      EXPECT_EQ(f[5], "no") << f[0];
      EXPECT_EQ(f[6], "no") << f[0];
    }
    out_of_domain += f[5] == "no";
    ++checked;
  }
  EXPECT_EQ(checked, 21);
  EXPECT_GT(out_of_domain, 0);  // drugs far from 48 ESOL training molecules exist in the examples
  auto q = run_molprop("predict --model " + dir + "/run " + kExamples + " --domain-threshold 0 --quiet", dir);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  // stdout; at threshold 0 every molecule is in domain but the salts, which say why not.
  std::istringstream q_lines(q.out);
  int salts = 0;
  for (std::string l; std::getline(q_lines, l);) {
    if (l.find(",no,") == std::string::npos) continue;
    EXPECT_THAT(l, HasSubstr("2 components (salt, hydrate or mixture): predicted for all of them as one graph"));
    ++salts;
  }
  EXPECT_EQ(salts, 3);  // sodium acetate, salbutamol hydrochloride, sodium benzoate
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
              HasSubstr("logS,size_score,logS_std,size_score_std,train_similarity,logS_in_domain,size_score_in_domain,"
                        "domain_note,error\n"));
}

TEST(CliTrainPredict, CalibrateScalesTheSpreadAndPredictSelectsProperties) {
  const std::string scratch = molprop::testing_util::fresh_dir("cli_calibrate");
  const std::string dir = scratch + "/run";
  auto t = run_molprop("train --data " + kData + " --output-dir " + dir +
                           " --epochs 2 --hidden 16 --ensemble-size 2 --seed 3 --threads 1 --quiet",
                       scratch);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  auto before = run_molprop("predict --model " + dir + " " + kData + " --properties logS --quiet", scratch);
  ASSERT_EQ(before.exit_code, 0) << before.err;
  // --properties: only logS's columns, in the order asked.
  const auto raw = csv_rows(before.out);
  EXPECT_EQ(raw[0], (std::vector<std::string>{"smiles", "logS", "size_score", "logS_pred", "logS_std",
                                               "train_similarity", "logS_in_domain", "domain_note", "error"}));

  auto c = run_molprop("calibrate " + dir + " --data " + kData, scratch);
  ASSERT_EQ(c.exit_code, 0) << c.err;
  EXPECT_THAT(c.err, HasSubstr("calibration.json"));
  EXPECT_THAT(c.err, HasSubstr("cal 2sd"));  // the per-target table
  const auto cal = nlohmann::json::parse(read_file(dir + "/calibration.json"));
  EXPECT_EQ(cal["format"], "molprop-calibration");
  ASSERT_TRUE(cal["targets"].contains("logS"));
  ASSERT_TRUE(cal["targets"].contains("size_score"));
  const double a = cal["targets"]["logS"]["spread_scale"], b = cal["targets"]["logS"]["spread_floor"];
  EXPECT_GT(a, 0.0);
  EXPECT_GE(b, 0.0);
  const auto& v = cal["targets"]["logS"]["validation"];
  EXPECT_GT(v["molecules"].get<int>(), 40);
  // The likelihood fit on these molecules puts about two thirds of them within ±1σ.
  EXPECT_GT(v["coverage_1sd"].get<double>(), 0.4);
  EXPECT_GT(v["coverage_2sd"].get<double>(), v["coverage_1sd"].get<double>());

  // predict applies it: σ = sqrt((a·s)² + b²) of the raw spread s, row by row.
  auto after = run_molprop("predict --model " + dir + " " + kData + " --properties logS --quiet", scratch);
  ASSERT_EQ(after.exit_code, 0) << after.err;
  const auto calibrated = csv_rows(after.out);
  ASSERT_EQ(calibrated.size(), raw.size());
  int compared = 0;
  for (size_t i = 1; i < raw.size(); ++i) {
    if (raw[i][4].empty()) continue;
    const double s = std::stod(raw[i][4]), sigma = std::stod(calibrated[i][4]);
    EXPECT_NEAR(sigma, std::sqrt(a * a * s * s + b * b), 1e-4 + 1e-4 * sigma) << i;
    EXPECT_EQ(calibrated[i][3], raw[i][3]);  // the mean is unchanged
    ++compared;
  }
  EXPECT_GT(compared, 50);

  // Table: one "value ± std" column per property, then note, then the legend.
  auto table = run_molprop("predict --model " + dir + " " + kExamples + " --format table -p size_score,logS --quiet",
                           scratch);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out.rfind("smiles ", 0), 0u);
  EXPECT_LT(table.out.find(" size_score "), table.out.find(" logS "));
  EXPECT_THAT(table.out, HasSubstr("cells: prediction ± standard deviation\n"));
  EXPECT_THAT(table.out, HasSubstr("* outside the property's applicability domain"));
  EXPECT_THAT(table.out, HasSubstr(" ± "));

  auto bad = run_molprop("predict --model " + dir + " " + kExamples + " --properties logP --quiet", scratch);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("--properties: the model has no property logP (it has logS, size_score, or all)"));
  std::ofstream(scratch + "/unlabelled.csv") << "smiles,other\nCCO,1\n";
  auto no_labels = run_molprop("calibrate " + dir + " --data " + scratch + "/unlabelled.csv", scratch);
  EXPECT_NE(no_labels.exit_code, 0);
  EXPECT_THAT(no_labels.err, HasSubstr("no column named like a target"));
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

TEST(CliTrainPredict, TargetWeightsAreRecordedAndBadOnesAreOneClearLine) {
  const std::string scratch = molprop::testing_util::fresh_dir("cli_target_weights");
  auto t = run_molprop("train --data " + kData + " --output-dir " + scratch +
                           "/run --epochs 1 --hidden 16 --target-weights balanced --quiet",
                       scratch);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const auto metrics = nlohmann::json::parse(read_file(scratch + "/run/metrics.json"));
  const auto& member = metrics["folds"][0]["members"][0];
  EXPECT_EQ(member["target_weighting"], "balanced");
  ASSERT_EQ(member["target_weights"].size(), 2u);
  // Balanced weights are inverse to the label counts: the target with gaps weighs more.
  EXPECT_GT(member["target_weights"][1].get<double>(), 0.0);
  EXPECT_GT(member["target_weights"][0].get<double>(), 0.0);
  EXPECT_NE(member["target_weights"][0].get<double>(), member["target_weights"][1].get<double>());

  auto explicit_weights = run_molprop("train --data " + kData + " --targets logS,size_score --output-dir " + scratch +
                                          "/run2 --epochs 1 --hidden 16 --target-weights 2,0.5 --quiet",
                                      scratch);
  ASSERT_EQ(explicit_weights.exit_code, 0) << explicit_weights.err;
  const auto m2 = nlohmann::json::parse(read_file(scratch + "/run2/metrics.json"));
  EXPECT_EQ(m2["folds"][0]["members"][0]["target_weights"], nlohmann::json::parse("[2.0, 0.5]"));

  for (const std::string bad : {"loud", "1,0x2", "1,", "1,2,3"}) {
    auto r = run_molprop("train --data " + kData + " --targets logS,size_score --output-dir " + scratch +
                             "/bad --epochs 1 --target-weights " + bad,
                         scratch);
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_THAT(r.err, HasSubstr("--target-weights")) << r.err;
    EXPECT_FALSE(fs::exists(scratch + "/bad")) << bad;
  }
}

TEST(CliTrainPredict, StepWorkersFollowTheThreadsWhereThePartsCannotDiffer) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_train_workers");
  const std::string base = "train --data " + kData + " --epochs 2 --hidden 32 --seed 1 --threads 2 --output-dir " + dir;
  auto summary = [](const std::string& err) {
    const auto at = err.find(" model(s) in ");  // the run's summary line
    return at == std::string::npos ? std::string() : err.substr(at, err.find('\n', at) - at);
  };
  auto oneDNN = run_molprop(base + "/a --precision bf16", dir);
  if (oneDNN.exit_code != 0) {
    // A CPU without native bf16 says so in one line; oneDNN fp32 is the other path with workers.
    EXPECT_THAT(oneDNN.err, HasSubstr("bf16"));
    oneDNN = run_molprop(base + "/a --precision auto", dir);
  }
  ASSERT_EQ(oneDNN.exit_code, 0) << oneDNN.err;
  EXPECT_THAT(summary(oneDNN.err), HasSubstr("2 threads, 2 step workers")) << oneDNN.err;
  auto reference = run_molprop(base + "/b --precision fp32", dir);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;
  EXPECT_THAT(summary(reference.err), HasSubstr("2 threads, 1 step worker,")) << reference.err;
  auto dropout = run_molprop(base + "/c --dropout 0.1 --workers 2", dir);
  ASSERT_EQ(dropout.exit_code, 0) << dropout.err;
  EXPECT_THAT(summary(dropout.err), HasSubstr("1 step worker,")) << dropout.err;
  auto bad = run_molprop(base + "/d --workers 65", dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(count_lines(bad.err), 1) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("--workers"));
}
