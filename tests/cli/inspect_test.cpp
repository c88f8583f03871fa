// End-to-end: `molprop inspect` and `molprop --version`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/util/cli_util.h"
#include "tests/util/scratch_dir.h"

namespace fs = std::filesystem;
using molprop::testing_util::count_lines;
using molprop::testing_util::run_molprop;
using ::testing::HasSubstr;

TEST(CliInspect, ReportsCountsTargetsAndFailures) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_inspect");
  {
    std::ofstream csv(dir + "/in.csv");
    csv << "smiles,a,b\nCCO,1,\nCCN,3,4\nC1CC,5,6\nc1ccccc1,,8\n";
  }
  ASSERT_EQ(run_molprop("featurize -i " + dir + "/in.csv -o " + dir + "/d.h5 --scaffolds -q", dir).exit_code, 0);
  auto r = run_molprop("inspect " + dir + "/d.h5", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("4 read, 3 molecules, 1 failed"));
  EXPECT_THAT(r.out, HasSubstr("atoms/mol:"));
  // a: 2 values (1, 3) and 1 missing; b: 2 values (4, 8) and 1 missing.
  EXPECT_THAT(r.out, ::testing::ContainsRegex("a +2 +1 +2 "));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("b +2 +1 +6 "));
  EXPECT_THAT(r.out, HasSubstr("row 3 'C1CC'"));
  EXPECT_THAT(r.out, HasSubstr("scaffolds:   2 distinct"));
}

TEST(CliInspect, CorruptFileIsOneClearLine) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_inspect_bad");
  {
    std::ofstream bad(dir + "/bad.h5");
    bad << "this is not an HDF5 file";
  }
  auto r = run_molprop("inspect " + dir + "/bad.h5", dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("bad.h5"));
  EXPECT_THAT(r.err, HasSubstr("not an HDF5 file"));
}

TEST(CliVersion, PrintsVersion) {
  const std::string dir = ::testing::TempDir();
  auto r = run_molprop("--version", dir);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("molprop "));
}
