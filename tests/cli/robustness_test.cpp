// `molprop robustness`: drift between ways of writing the same compound.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/util/cli_util.h"
#include "tests/util/scratch_dir.h"

namespace {

using molprop::testing_util::csv_rows;
using molprop::testing_util::read_file;
using molprop::testing_util::run_molprop;
using ::testing::HasSubstr;

const std::string kExamples = std::string(MOLPROP_TEST_DATA_DIR) + "/../../examples/molecules.smi";

// One line of the stdout table: kind target molecules variants mean median p95 max test-RMSE.
struct DriftRow {
  std::string kind, target;
  long long molecules = 0, variants = 0;
  double max = 0;
};

// The table's rows, up to the "worst ..." lines; the header line must come first.
std::vector<DriftRow> drift_rows(const std::string& out) {
  std::istringstream lines(out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("kind ", 0), 0u) << line;
  std::vector<DriftRow> rows;
  while (std::getline(lines, line) && line.rfind("worst", 0) != 0) {
    std::istringstream f(line);
    DriftRow r;
    std::string mean, median, p95, max;
    f >> r.kind >> r.target >> r.molecules >> r.variants >> mean >> median >> p95 >> max;
    r.max = std::stod(max);
    rows.push_back(r);
  }
  return rows;
}

// `molprop predict ARGS --output DIR/OUT --quiet` (it must succeed), then its CSV: the header and
// each row, split at commas (these tests' SMILES and values hold no commas or quotes).
std::vector<std::vector<std::string>> predicted_csv(const std::string& dir, const std::string& args,
                                                    const std::string& out) {
  auto p = run_molprop("predict " + args + " --output " + dir + "/" + out + " --quiet", dir);
  EXPECT_EQ(p.exit_code, 0) << p.err;
  const auto rows = csv_rows(read_file(dir + "/" + out));
  if (rows.empty()) ADD_FAILURE() << dir << "/" << out << " is empty";
  return rows;
}

// A tiny model (1 epoch, 16 wide) of tests/data/train_small.csv (logS, size_score) in DIR/run.
::testing::AssertionResult train_tiny_model(const std::string& dir, const std::string& flags) {
  const auto t = run_molprop("train --data " + std::string(MOLPROP_TEST_DATA_DIR) + "/train_small.csv --output-dir " +
                                 dir + "/run --epochs 1 --hidden 16 --quiet " + flags,
                             dir);
  if (t.exit_code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "train exited " << t.exit_code << ": " << t.err;
}

TEST(CliRobustness, SpellingAndExplicitHydrogensDoNotMoveTheDefaultModel) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_robustness");
  auto r = run_molprop("robustness " + kExamples + " --variants spelling,explicit_h --output " + dir + "/d.csv", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("22 molecules (1 failed)"));  // the invalid line of the examples
  const auto rows = drift_rows(r.out);
  for (const auto& row : rows) {
    EXPECT_TRUE(row.kind == "spelling" || row.kind == "explicit_h") << row.kind;
    EXPECT_EQ(row.molecules, 21) << row.kind;  // every molecule that parses has both kinds
    // The same graph: the prediction moves by float rounding at most.
    EXPECT_LT(row.max, 1e-3) << row.kind << " " << row.target;
  }
  EXPECT_GT(rows.size(), 2u);
  const std::string detail = read_file(dir + "/d.csv");
  EXPECT_EQ(detail.rfind("row,smiles,kind,variant,", 0), 0u);
  EXPECT_THAT(detail, HasSubstr(",explicit_h,[H]"));
}

TEST(CliRobustness, TautomersAndChargesAreCountedAndBadKindsRefused) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_robustness_taut");
  std::ofstream(dir + "/in.csv") << "smiles\nOc1ccccn1\nCC(=O)O\nCCN(CC)CC\nc1ccccc1\n";
  auto r = run_molprop("robustness " + dir + "/in.csv --variants tautomer,charge --quiet", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 2-hydroxypyridine and acetic acid (its enol, C=C(O)O) have tautomers; acetic acid and
  // triethylamine an ionised form; benzene has neither.
  EXPECT_THAT(r.out, ::testing::ContainsRegex("tautomer +logS +2 "));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("charge +logS +2 "));
  auto bad = run_molprop("robustness " + dir + "/in.csv --variants bogus", dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("--variants: unknown kind bogus"));
}

TEST(CliRobustness, AModelThatCanonicalisesTautomersDoesNotDriftBetweenThem) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_robustness_canonical");
  ASSERT_TRUE(train_tiny_model(dir, "--ensemble-size 2"));
  std::ofstream(dir + "/in.csv") << "smiles\nOc1ccccn1\nCC(=O)CC(C)=O\nO=C1NC(=O)C=C1\nCc1cc(O)nn1C\n";
  auto before = run_molprop("robustness " + dir + "/in.csv --model " + dir + "/run --variants tautomer --quiet", dir);
  ASSERT_EQ(before.exit_code, 0) << before.err;
  std::ofstream(dir + "/run/predict.json")
      << R"({"format": "molprop-predict-settings", "format_version": 1, "canonical_tautomer": true})";
  auto after = run_molprop("robustness " + dir + "/in.csv --model " + dir + "/run --variants tautomer --quiet", dir);
  ASSERT_EQ(after.exit_code, 0) << after.err;
  const auto rows = drift_rows(after.out);
  for (const auto& row : rows) {
    EXPECT_EQ(row.molecules, 4) << row.target;
    EXPECT_LT(row.max, 1e-4) << row.target;  // every tautomer is the same graph now
  }
  EXPECT_EQ(rows.size(), 2u);  // logS, size_score
  EXPECT_NE(before.out, after.out);  // without the option the tautomers did move the model
}

// --tautomer-forms on predict and robustness: the mean over the most plausible tautomers, the
// same for every tautomer; out-of-range counts are one clear line.
TEST(CliRobustness, TautomerFormsGiveEveryTautomerTheSamePrediction) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_robustness_forms");
  ASSERT_TRUE(train_tiny_model(dir, ""));
  std::ofstream(dir + "/in.csv") << "smiles\nOc1ccccn1\nCC(=O)CC(C)=O\nO=C1NC(=O)C=C1\nCc1cc(O)nn1C\n";
  auto r = run_molprop("robustness " + dir + "/in.csv --model " + dir + "/run --variants tautomer --tautomer-forms 4 --quiet",
                       dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = drift_rows(r.out);
  ASSERT_EQ(rows.size(), 2u);  // logS, size_score
  for (const auto& row : rows) {
    EXPECT_EQ(row.molecules, 4) << row.target;
    EXPECT_LT(row.max, 1e-4) << row.target;
  }
  // predict: 2-pyridone and 2-hydroxypyridine, as written they differ, with forms they agree.
  std::ofstream(dir + "/pair.csv") << "smiles\nO=c1cccc[nH]1\nOc1ccccn1\n";
  const auto values = [&](const std::string& flags) {
    const auto rows = predicted_csv(dir, dir + "/pair.csv --model " + dir + "/run " + flags, "p.csv");
    std::vector<double> v;
    for (size_t i = 1; i < rows.size(); ++i) v.push_back(std::stod(rows[i].at(1)));
    return v;
  };
  const auto as_written = values(""), averaged = values("--tautomer-forms 4");
  ASSERT_EQ(as_written.size(), 2u);
  ASSERT_EQ(averaged.size(), 2u);
  EXPECT_GT(std::abs(as_written[0] - as_written[1]), 1e-4);
  EXPECT_NEAR(averaged[0], averaged[1], 1e-5);
  auto bad = run_molprop("predict " + dir + "/pair.csv --model " + dir + "/run --tautomer-forms 65", dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("--tautomer-forms"));
}

}  // namespace

// predict.json's tautomer_as_written: those targets from the molecule as written, the others
// averaged over the tautomer forms; a name that is no target is one clear line.
TEST(CliRobustness, TautomerAsWrittenTargetsIgnoreTheForms) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_robustness_as_written");
  ASSERT_TRUE(train_tiny_model(dir, "--seed 2"));
  std::ofstream(dir + "/pair.csv") << "smiles\nO=c1cccc[nH]1\nOc1ccccn1\nCC(=O)CC(C)=O\n";
  // Per row: {logS, size_score}.
  const auto values = [&](const std::string& flags) {
    const auto rows = predicted_csv(
        dir, dir + "/pair.csv --model " + dir + "/run --precision fp32 --properties logS,size_score " + flags, "p.csv");
    std::vector<std::pair<double, double>> v;
    if (rows.empty()) return v;
    EXPECT_GT(rows[0].size(), 3u);
    EXPECT_EQ(std::vector<std::string>(rows[0].begin(), rows[0].begin() + std::min<size_t>(3, rows[0].size())),
              (std::vector<std::string>{"smiles", "logS", "size_score"}));
    for (size_t i = 1; i < rows.size(); ++i) v.emplace_back(std::stod(rows[i].at(1)), std::stod(rows[i].at(2)));
    return v;
  };
  const auto as_written = values(""), averaged = values("--tautomer-forms 4");
  std::ofstream(dir + "/run/predict.json")
      << R"({"format": "molprop-predict-settings", "format_version": 1, "tautomer_forms": 4,
             "tautomer_as_written": ["size_score"]})";
  const auto mixed = values("");
  ASSERT_EQ(as_written.size(), 3u);
  ASSERT_EQ(averaged.size(), 3u);
  ASSERT_EQ(mixed.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(mixed[i].first, averaged[i].first, 1e-5) << i;     // logS: over the forms
    EXPECT_NEAR(mixed[i].second, as_written[i].second, 1e-5) << i;  // size_score: as written
  }
  // The two rules differ on these molecules, so the comparisons above tell them apart.
  EXPECT_GT(std::abs(as_written[0].first - averaged[0].first), 1e-4);
  EXPECT_GT(std::abs(as_written[0].second - averaged[0].second), 1e-4);
  EXPECT_GT(std::abs(mixed[0].second - mixed[1].second), 1e-4);  // as written, the pair differs
  EXPECT_NEAR(mixed[0].first, mixed[1].first, 1e-5);             // over the forms, it agrees
  // Without a column taken as written, the molecule as written is neither featurised nor
  // predicted: the forms' column is the same to the last digit, and no row fails.
  const auto cells = [&](const std::string& properties) {
    const auto rows =
        predicted_csv(dir, dir + "/pair.csv --model " + dir + "/run --precision fp32 --properties " + properties, "c.csv");
    std::vector<std::string> logs;
    for (size_t i = 1; i < rows.size(); ++i) {
      EXPECT_FALSE(rows[i].at(1).empty()) << rows[i].at(0);
      logs.push_back(rows[i].at(1));
    }
    return logs;
  };
  const std::vector<std::string> only_forms = cells("logS"), with_written = cells("logS,size_score");
  ASSERT_EQ(only_forms.size(), 3u);
  EXPECT_EQ(only_forms, with_written);

  std::ofstream(dir + "/run/predict.json")
      << R"({"format": "molprop-predict-settings", "format_version": 1, "tautomer_forms": 1,
             "tautomer_as_written": ["pKa"]})";
  auto bad = run_molprop("predict " + dir + "/pair.csv --model " + dir + "/run --output " + dir + "/q.csv", dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("predict.json: tautomer_as_written names pKa, which is not a target of the model"));
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
}
