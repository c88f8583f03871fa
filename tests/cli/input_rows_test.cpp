// End-to-end: hostile input rows and files (issue 14, docs/reliability.md), as a
// user runs molprop on them. Predictions use the shipped default model (no training).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tests/util/cli_util.h"
#include "tests/util/scratch_dir.h"

using molprop::testing_util::count_lines;
using molprop::testing_util::read_file;
using molprop::testing_util::run_molprop;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const std::string kData = std::string(MOLPROP_TEST_DATA_DIR) + "/train_small.csv";

std::string write(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return path;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) lines.push_back(line);
  return lines;
}

// train_small.csv with one more column, `extra`, holding `cell(k)` in data row k (1-based).
std::string with_extra_column(const std::string& path, const std::function<std::string(int)>& cell) {
  const std::vector<std::string> in = lines_of(read_file(kData));
  std::string out = in[0] + ",extra\n";
  for (size_t k = 1; k < in.size(); ++k) out += in[k] + "," + cell(static_cast<int>(k)) + "\n";
  return write(path, out);
}

// The first `n` data rows of train_small.csv.
std::string first_rows(const std::string& path, size_t n) {
  const std::vector<std::string> in = lines_of(read_file(kData));
  std::string out;
  for (size_t k = 0; k <= n && k < in.size(); ++k) out += in[k] + "\n";
  return write(path, out);
}

}  // namespace

// Issue 14 case 10: a target column that is entirely empty trained, exited 0 with NaN
// metrics and wrote a model.
TEST(CliInputRows, TrainRefusesAnEntirelyEmptyTargetColumn) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_rows_empty_target");
  write(dir + "/empty.csv", "smiles,y\nCCO,\nCCC,NA\nCCN,\nCCCl,\nc1ccccc1,\n");
  auto r = run_molprop("train --data " + dir + "/empty.csv --output-dir " + dir + "/run --epochs 1 --quiet", dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("target column 'y' has no values (all 5 molecules are empty or NA)"));
  EXPECT_THAT(r.err, HasSubstr("--targets"));
  EXPECT_FALSE(std::ifstream(dir + "/run/model.h5").good());
}

// Issue 14 case 10: one empty column of two trained silently (a model that predicts a
// column it never saw).
TEST(CliInputRows, TrainRefusesOneEmptyColumnOfTwoNamingIt) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_rows_one_empty");
  const std::string data = with_extra_column(dir + "/data.csv", [](int) { return std::string(); });
  auto r = run_molprop("train --data " + data + " --output-dir " + dir + "/run --epochs 1 --quiet", dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("target column 'extra' has no values"));
  EXPECT_FALSE(std::ifstream(dir + "/run/model.h5").good());
}

// Issue 14 case 10: 3 molecules trained with "val RMSE nan" and no warning.
TEST(CliInputRows, TrainRefusesASplitWithAnEmptyValidationSet) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_rows_tiny_split");
  const std::string data = first_rows(dir + "/three.csv", 3);
  auto r = run_molprop("train --data " + data + " --targets logS --output-dir " + dir + "/run --epochs 1 --quiet", dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("a split 0.8,0.1,0.1 of 3 molecules leaves the validation set empty"));
  EXPECT_THAT(r.err, HasSubstr("--split-sizes needs at least 6 molecules"));
}

// Issue 14: a scaffold split of a single scaffold blamed --split-sizes.
TEST(CliInputRows, ScaffoldSplitOfOneScaffoldSaysSoAndSuggestsRandom) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_rows_one_scaffold");
  std::string csv = "smiles,y\n";
  for (int k = 1; k <= 20; ++k) csv += std::string(static_cast<size_t>(k), 'C') + "O," + std::to_string(k) + "\n";
  write(dir + "/acyclic.csv", csv);  // acyclic molecules all share the empty scaffold
  auto r = run_molprop(
      "train --data " + dir + "/acyclic.csv --split scaffold --output-dir " + dir + "/run --epochs 1 --quiet", dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the data has only 1 scaffold (20 molecules), so a scaffold split cannot make"));
  EXPECT_THAT(r.err, HasSubstr("--split random"));
  EXPECT_THAT(r.err, Not(HasSubstr("--split-sizes")));
}

// Issue 14: an input with its own `error` column (or a target's column name) gave
// duplicate output headers; the output columns get "_pred" appended.
TEST(CliInputRows, PredictRenamesOutputColumnsThatClashWithInputColumns) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_rows_clash");
  write(dir + "/in.csv", "smiles,logS (log10(mol/L)),error\nCCO,1,old\n");
  auto p = run_molprop("predict " + dir + "/in.csv --quiet", dir);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const std::vector<std::string> lines = lines_of(p.out);
  ASSERT_EQ(lines.size(), 2u) << p.out;
  EXPECT_EQ(lines[0].rfind("smiles,logS (log10(mol/L)),error,logS (log10(mol/L))_pred,logP (log10(Kow)),logD7.4 (log10(D)),", 0), 0u)
      << lines[0];
  EXPECT_EQ(lines[0].substr(lines[0].size() - 11), ",error_pred") << lines[0];
  EXPECT_EQ(lines[1].rfind("CCO,1,old,", 0), 0u) << lines[1];
}

// Issue 14 case 7: predict dropped the extra fields of a row wider than the header; the row
// is kept with an error naming file, row and both counts. Also case 5 (non-ASCII) and the
// 1 MB garbage SMILES whose error cell was 4 MB: every row is kept, in order.
TEST(CliInputRows, PredictKeepsBadRowsWithShortOneLineErrors) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_rows_bad_rows");
  const std::string input = write(dir + "/in.csv", "smiles,id\nCCO,1\nCC,2,surplus\nCC\xC3\xA9O,3\n" +
                                                       std::string(1000000, '(') + ",4\nc1ccccc1,5\n");
  auto p = run_molprop("predict " + input + " --output " + dir + "/out.csv", dir);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_THAT(p.err, HasSubstr("5 rows: 2 predicted, 3 failed"));
  const std::string out = read_file(dir + "/out.csv");
  const std::vector<std::string> lines = lines_of(out);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[1].rfind("CCO,1,", 0), 0u);
  EXPECT_EQ(lines[2].rfind("CC,2,", 0), 0u);
  EXPECT_THAT(lines[2], HasSubstr("row 2 (line 3) has 3 fields, but the header has 2 columns"));
  EXPECT_THAT(lines[3], HasSubstr("non-ASCII byte 0xC3 at position 3"));
  EXPECT_THAT(lines[4], HasSubstr("SMILES has 1000000 characters, more than the limit of 2000"));
  EXPECT_LT(lines[4].size() - 1000000, 400u);  // the input cell itself is kept as written
  EXPECT_EQ(lines[5].rfind("c1ccccc1,5,", 0), 0u);
  EXPECT_EQ(lines[5].back(), ',');  // predicted: empty error cell
}

// Issue 14 case 11: --max-smiles-length sets the limit (and is range-checked).
TEST(CliInputRows, MaxSmilesLengthFlagSetsTheLimit) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_rows_max_length");
  write(dir + "/in.csv", "smiles\nCCO\nCCCCCC\n");
  auto p = run_molprop("predict " + dir + "/in.csv --max-smiles-length 4 --quiet", dir);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_THAT(p.out, HasSubstr("SMILES has 6 characters, more than the limit of 4"));
  auto bad = run_molprop("predict " + dir + "/in.csv --max-smiles-length 0 --quiet", dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(count_lines(bad.err), 1) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("--max-smiles-length"));
}

// Issue 14: "predict -" said "File does not exist: -". It reads CSV from stdin; output to
// stdout as before.
TEST(CliInputRows, PredictReadsStdin) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_rows_stdin");
  write(dir + "/in.csv", "smiles,id\r\nCCO,1\r\nc1ccccc1,2\r\n");  // CRLF, too
  auto p = run_molprop("predict - --quiet < " + dir + "/in.csv", dir);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const std::vector<std::string> lines = lines_of(p.out);
  ASSERT_EQ(lines.size(), 3u) << p.out;
  EXPECT_EQ(lines[1].rfind("CCO,1,", 0), 0u);
  EXPECT_EQ(lines[2].rfind("c1ccccc1,2,", 0), 0u);
  EXPECT_EQ(p.out.find('\r'), std::string::npos);
  auto shard = run_molprop("predict - --shard 0/2 --quiet --output " + dir + "/p.csv < " + dir + "/in.csv", dir);
  EXPECT_NE(shard.exit_code, 0);
  EXPECT_EQ(count_lines(shard.err), 1) << shard.err;
  EXPECT_THAT(shard.err, HasSubstr("stdin cannot be sharded"));
}

// featurize records the input's SHA-256, so it says plainly that stdin is not supported.
TEST(CliInputRows, FeaturizeSaysStdinIsUnsupported) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_rows_featurize_stdin");
  auto r = run_molprop("featurize --input - --output " + dir + "/out.h5 < /dev/null", dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--input: featurize cannot read stdin"));
}

// Issue 14: an HDF5 file given as CSV printed binary in "columns are: ...".
TEST(CliInputRows, Hdf5GivenAsCsvIsNamed) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_rows_hdf5");
  write(dir + "/in.csv", "smiles\nCCO\nCCC\n");
  ASSERT_EQ(run_molprop("featurize --input " + dir + "/in.csv --output " + dir + "/data.h5 --quiet", dir).exit_code, 0);
  auto p = run_molprop("predict " + dir + "/data.h5 --quiet", dir);
  EXPECT_NE(p.exit_code, 0);
  EXPECT_EQ(count_lines(p.err), 1) << p.err;
  EXPECT_THAT(p.err, HasSubstr(dir + "/data.h5 is an HDF5 file, not CSV or SMILES text"));
  EXPECT_EQ(p.err.find('\x89'), std::string::npos);
}

// Issue 14: duplicate column names; a name with a trailing \r is shown escaped. (A NUL
// byte in the header is refused as binary input: CsvReader tests.)
TEST(CliInputRows, HeaderProblemsAreOneEscapedLine) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_rows_header");
  write(dir + "/dup.csv", "smiles,smiles\nCCO,CC\n");
  auto d = run_molprop("featurize --input " + dir + "/dup.csv --output " + dir + "/out.h5 --quiet", dir);
  EXPECT_NE(d.exit_code, 0);
  EXPECT_EQ(count_lines(d.err), 1) << d.err;
  EXPECT_THAT(d.err, HasSubstr("column 'smiles' appears twice (columns 1 and 2)"));
  write(dir + "/cr.csv", "smile\r,x\nCCO,1\n");
  auto c = run_molprop("predict " + dir + "/cr.csv --quiet", dir);
  EXPECT_NE(c.exit_code, 0);
  EXPECT_EQ(count_lines(c.err), 1) << c.err;
  EXPECT_THAT(c.err, HasSubstr("no column 'smiles'; columns are: 'smile\\r', 'x'"));
}
