// data/canonicalize_csv: one output row per input row, in order, with the canonical SMILES
// or the reason it has none; the output replaced atomically.
#include "data/canonicalize_csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/check.h"

namespace molprop::data {
namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;

std::string temp_dir() {
  const auto* test = testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir =
      fs::path(testing::TempDir()) / (std::string("molprop_canon_") + test->name() + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Two spellings of ethanol and of benzene, an unreadable SMILES, and a quoted one.
const char* kCsv =
    "smiles,value\n"
    "OCC,1\n"
    "CCO,2\n"
    "C1CC,3\n"
    "c1ccccc1,4\n"
    "C1=CC=CC=C1,5\n"
    "\"[Na+].[Cl-]\",6\n";

TEST(CanonicalizeCsv, OneRowPerInputRowInOrder) {
  for (int threads : {1, 2}) {
    const std::string dir = temp_dir();
    CanonicalizeCsvOptions o;
    o.input = write_file(dir + "/in.csv", kCsv);
    o.output = dir + "/out.csv";
    o.threads = threads;
    o.chunk_rows = 2;
    o.quiet = true;
    const CanonicalizeSummary s = canonicalize_csv(o);
    EXPECT_EQ(s.rows, 6);
    EXPECT_EQ(s.failed, 1);
    const auto lines = lines_of(o.output);
    ASSERT_EQ(lines.size(), 7u) << "header + one line per input row";
    EXPECT_EQ(lines[0], "row,smiles,canonical_smiles,error");
    EXPECT_EQ(lines[1], "1,OCC,CCO,");
    EXPECT_EQ(lines[2], "2,CCO,CCO,");
    EXPECT_THAT(lines[3], testing::StartsWith("3,C1CC,,"));
    EXPECT_GT(lines[3].size(), std::string("3,C1CC,,").size()) << "the reason is kept";
    EXPECT_EQ(lines[4], "4,c1ccccc1,c1ccccc1,");
    EXPECT_EQ(lines[5], "5,C1=CC=CC=C1,c1ccccc1,");
    EXPECT_EQ(lines[6], "6,[Na+].[Cl-],[Cl-].[Na+],");
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir)) left.push_back(e.path().filename().string());
    EXPECT_EQ(left.size(), 2u) << "no temporary file left behind";
  }
}

TEST(CanonicalizeCsv, StandardizeKeepsTheLargestFragment) {
  const std::string dir = temp_dir();
  CanonicalizeCsvOptions o;
  o.input = write_file(dir + "/in.smi", "CC(=O)[O-].[Na+]\n");
  o.output = dir + "/out.csv";
  o.standardize = true;
  o.quiet = true;
  canonicalize_csv(o);
  const auto lines = lines_of(o.output);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "1,CC(=O)[O-].[Na+],CC(=O)O,");
}

TEST(CanonicalizeCsv, TautomerFormsAreAFifthColumn) {
  const std::string dir = temp_dir();
  CanonicalizeCsvOptions o;
  o.input = write_file(dir + "/in.smi", "O=c1cccc[nH]1\nCCO\nC1CC\n");
  o.output = dir + "/out.csv";
  o.tautomer_forms = 2;
  o.quiet = true;
  canonicalize_csv(o);
  const auto lines = lines_of(o.output);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "row,smiles,canonical_smiles,error,tautomers");
  // 2-pyridone (RDKit's canonical tautomer) first, then 2-hydroxypyridine.
  EXPECT_EQ(lines[1], "1,O=c1cccc[nH]1,O=c1cccc[nH]1,,O=c1cccc[nH]1 Oc1ccccn1");
  EXPECT_EQ(lines[2], "2,CCO,CCO,,CCO");
  EXPECT_THAT(lines[3], testing::StartsWith("3,C1CC,,"));
  EXPECT_THAT(lines[3], testing::EndsWith(","));  // no forms for a row that failed
  o.tautomer_forms = 65;
  EXPECT_THROW(o.validate(), Error);
}

TEST(CanonicalizeCsv, MissingColumnNamesTheFileAndWritesNothing) {
  const std::string dir = temp_dir();
  CanonicalizeCsvOptions o;
  o.input = write_file(dir + "/in.csv", kCsv);
  o.output = dir + "/out.csv";
  o.smiles_column = "SMILES";
  o.quiet = true;
  try {
    canonicalize_csv(o);
    FAIL() << "a missing column must throw";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr(o.input));
  }
  EXPECT_FALSE(fs::exists(o.output));
}

TEST(CanonicalizeCsv, CellsWithCommasOrQuotesAreQuoted) {
  EXPECT_EQ(csv_cell("CCO"), "CCO");
  EXPECT_EQ(csv_cell(""), "");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"x\""), "\"say \"\"x\"\"\"");
}

TEST(CanonicalizeCsv, ChunkRowsIsRangeChecked) {
  CanonicalizeCsvOptions o;
  o.chunk_rows = 0;
  try {
    o.validate();
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("CanonicalizeCsvOptions::chunk_rows"));
  }
}

}  // namespace
}  // namespace molprop::data
