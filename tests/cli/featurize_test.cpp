// End-to-end: `molprop featurize` as a user runs it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/graph_dataset.h"
#include "tests/util/cli_util.h"
#include "tests/util/scratch_dir.h"

namespace fs = std::filesystem;
using molprop::testing_util::count_lines;
using molprop::testing_util::run_molprop;
using ::testing::HasSubstr;

namespace {

std::string make_dir(const std::string& name) { return molprop::testing_util::fresh_dir("cli_featurize_" + name); }

}  // namespace

TEST(CliFeaturize, WritesDatasetAndKeepsFailures) {
  const std::string dir = make_dir("ok");
  {
    std::ofstream csv(dir + "/in.csv");
    csv << "name,smiles,y\nethanol,CCO,1.5\nbad,C1CC,2\nbenzene,c1ccccc1,\n";
  }
  auto r = run_molprop(
      "featurize --input " + dir + "/in.csv --output " + dir + "/out.h5 --targets y --quiet --threads 2", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // --quiet
  molprop::data::GraphDataset ds(dir + "/out.h5");
  EXPECT_EQ(ds.size(), 2);
  EXPECT_EQ(ds.info().num_failed, 1);
  EXPECT_EQ(ds.info().num_rows, 3);
  EXPECT_EQ(ds.smiles(1), "c1ccccc1");
  EXPECT_TRUE(std::isnan(ds.targets(1)[0]));

  // Without --quiet a summary goes to stderr and nothing to stdout.
  auto loud = run_molprop("featurize --input " + dir + "/in.csv --output " + dir + "/out2.h5 --targets y", dir);
  ASSERT_EQ(loud.exit_code, 0) << loud.err;
  EXPECT_EQ(loud.out, "");
  EXPECT_THAT(loud.err, HasSubstr("3 rows"));
  EXPECT_THAT(loud.err, HasSubstr("row 2 'C1CC'"));
}

// --descriptor-set picks the set (and implies --descriptors); --atom-targets adds A × K;
// --descriptors alone still means rdkit2d-v1.
TEST(CliFeaturize, DescriptorSetAndAtomTargets) {
  const std::string dir = make_dir("sets");
  {
    std::ofstream csv(dir + "/in.csv");
    csv << "smiles\nCCO\nO\n[Na+].[Cl-]\nc1ccccc1\n";
  }
  auto r = run_molprop("featurize --input " + dir + "/in.csv --output " + dir +
                           "/v2.h5 --descriptor-set rdkit2d-v2 --atom-targets --quiet",
                       dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  molprop::data::GraphDataset v2(dir + "/v2.h5");
  EXPECT_EQ(v2.size(), 4);
  EXPECT_EQ(v2.info().descriptor_set, "rdkit2d-v2");
  EXPECT_EQ(v2.info().descriptor_names.size(), 332u);
  EXPECT_EQ(v2.info().atom_target_names.size(), 5u);
  molprop::data::Batch b;
  v2.collate({0, 1, 2, 3}, b);
  EXPECT_EQ(b.atom_targets.size(), static_cast<size_t>(b.num_atoms) * 5);

  auto old = run_molprop("featurize --input " + dir + "/in.csv --output " + dir + "/v1.h5 --descriptors --quiet", dir);
  ASSERT_EQ(old.exit_code, 0) << old.err;
  molprop::data::GraphDataset v1(dir + "/v1.h5");
  EXPECT_EQ(v1.info().descriptor_set, "rdkit2d-v1");
  EXPECT_EQ(v1.info().descriptor_names.size(), 43u);
  EXPECT_TRUE(v1.info().atom_target_names.empty());

  auto bad =
      run_molprop("featurize --input " + dir + "/in.csv --output " + dir + "/x.h5 --descriptor-set mordred", dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(count_lines(bad.err), 1) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("--descriptor-set must be one of rdkit2d-v1, rdkit2d-v2; got 'mordred'"));
  EXPECT_FALSE(fs::exists(dir + "/x.h5"));
}

// canonicalize: one output line per input row, canonical SMILES or the reason.
TEST(CliCanonicalize, OneLinePerRowAndASummary) {
  const std::string dir = make_dir("canon");
  {
    std::ofstream csv(dir + "/in.csv");
    csv << "smiles\nOCC\nC1CC\nC1=CC=CC=C1\n";
  }
  auto r = run_molprop("canonicalize --input " + dir + "/in.csv --output " + dir + "/out.csv", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("3 rows → 2 canonical SMILES, 1 unreadable"));
  std::ifstream in(dir + "/out.csv");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1], "1,OCC,CCO,");
  EXPECT_THAT(lines[2], ::testing::StartsWith("2,C1CC,,"));
  EXPECT_EQ(lines[3], "3,C1=CC=CC=C1,c1ccccc1,");
  auto bad = run_molprop("canonicalize --input " + dir + "/in.csv --output " + dir + "/x.csv --chunk-rows 0", dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(count_lines(bad.err), 1) << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("--chunk-rows"));
}

// pretrain refuses a corpus without the data an objective needs, naming the featurize flag.
TEST(CliPretrain, AtomDescriptorsWithoutAtomTargetsNamesTheFeaturizeFlag) {
  const std::string dir = make_dir("pretrain_refuse");
  {
    std::ofstream csv(dir + "/in.csv");
    csv << "smiles\nCCO\nc1ccccc1\nCCN\nCCCl\n";
  }
  ASSERT_EQ(run_molprop("featurize --input " + dir + "/in.csv --output " + dir + "/c.h5 --quiet", dir).exit_code, 0);
  auto r = run_molprop(
      "pretrain --data " + dir + "/c.h5 --output-dir " + dir + "/run --objectives masking,atom_descriptors:0.5 --quiet",
      dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("atom_descriptors objective needs a corpus featurized with --atom-targets"));
  auto d = run_molprop("pretrain --data " + dir + "/c.h5 --output-dir " + dir +
                           "/run2 --objectives descriptors --descriptor-fraction 1.5 --quiet",
                       dir);
  EXPECT_NE(d.exit_code, 0);
  EXPECT_EQ(count_lines(d.err), 1) << d.err;
  EXPECT_THAT(d.err, HasSubstr("--descriptor-fraction"));
}

TEST(CliFeaturize, MissingColumnIsOneClearLine) {
  const std::string dir = make_dir("column");
  {
    std::ofstream csv(dir + "/in.csv");
    csv << "SMILES,y\nCCO,1\n";
  }
  auto r = run_molprop("featurize --input " + dir + "/in.csv --output " + dir + "/out.h5", dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no column 'smiles'"));
  EXPECT_THAT(r.err, HasSubstr("columns are: 'SMILES', 'y'"));
  EXPECT_FALSE(fs::exists(dir + "/out.h5"));
}

TEST(CliFeaturize, NothingReadableFailsWithoutOutput) {
  const std::string dir = make_dir("nothing");
  {
    std::ofstream csv(dir + "/in.csv");
    csv << "smiles\nnot_a_smiles\nC1CC\n";
  }
  auto r = run_molprop("featurize --input " + dir + "/in.csv --output " + dir + "/out.h5", dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("no molecule could be read"));
  EXPECT_FALSE(fs::exists(dir + "/out.h5"));
  for (const auto& entry : fs::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos) << entry.path();
  }
}

TEST(CliFeaturize, MissingInputAndBadFlagsAreUsageErrors) {
  const std::string dir = make_dir("usage");
  auto r = run_molprop("featurize --input " + dir + "/absent.csv --output " + dir + "/out.h5", dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("absent.csv"));
  auto t = run_molprop("featurize --input x.csv --output y.h5 --threads -3", dir);
  EXPECT_NE(t.exit_code, 0);
}

TEST(CliFeaturize, HelpShowsAnExample) {
  const std::string dir = make_dir("help");
  auto r = run_molprop("featurize --help", dir);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("Example:"));
  EXPECT_THAT(r.out, HasSubstr("--threads"));
  EXPECT_THAT(r.out, HasSubstr("--quiet"));
}

TEST(CliFeaturize, SharedEsolDataset) {
  const std::string esol = std::string(MOLPROP_SHARED_DATA_DIR) + "/esol.csv";
  if (!fs::exists(esol)) GTEST_SKIP() << esol << " not present";
  const std::string dir = make_dir("esol");
  auto r =
      run_molprop("featurize --input " + esol + " --output " + dir + "/esol.h5 --descriptors --scaffolds --quiet", dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  molprop::data::GraphDataset ds(dir + "/esol.h5");
  EXPECT_EQ(ds.size(), 1128);
  EXPECT_EQ(ds.info().target_names, std::vector<std::string>{"logS"});
  EXPECT_TRUE(ds.info().has_scaffolds);
  EXPECT_FALSE(ds.info().descriptor_names.empty());
}
