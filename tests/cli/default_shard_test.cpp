// End-to-end: the shipped default model, sharded prediction + merge, and two-process
// data-parallel pretraining through the CLI, as users run them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <H5Cpp.h>

#include "data/h5_util.h"
#include "tests/util/cli_util.h"
#include "tests/util/scratch_dir.h"

namespace fs = std::filesystem;
using molprop::testing_util::count_lines;
using molprop::testing_util::csv_rows;
using molprop::testing_util::read_file;
using molprop::testing_util::run_molprop;
using ::testing::HasSubstr;
namespace h5 = molprop::data::h5;

namespace {

const std::string kExamples = std::string(MOLPROP_TEST_DATA_DIR) + "/../../examples/molecules.smi";
const std::string kData = std::string(MOLPROP_TEST_DATA_DIR) + "/train_small.csv";

TEST(CliDefaultModel, PredictsWithoutModelFlagWithUnitsSpreadAndDomain) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_default");
  auto p = run_molprop("predict " + kExamples + " --output " + dir + "/pred.csv", dir);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_THAT(p.err, HasSubstr("default model: "));
  EXPECT_THAT(p.err, HasSubstr("22 rows: 21 predicted, 1 failed"));
  const std::string out = read_file(dir + "/pred.csv");
  EXPECT_EQ(count_lines(out), 23);
  // The default properties (predict.json), a calibrated spread and a domain per property.
  EXPECT_THAT(out, HasSubstr("smiles,name,logS (log10(mol/L)),logP (log10(Kow)),logD7.4 (log10(D)),mp (°C),"
                             "dG_hyd (kcal/mol),logS_std (log10(mol/L)),logP_std (log10(Kow)),logD7.4_std (log10(D)),"
                             "mp_std (°C),dG_hyd_std (kcal/mol),train_similarity,logS_in_domain,logP_in_domain,"
                             "logD7.4_in_domain,mp_in_domain,dG_hyd_in_domain,domain_note,error\n"));
  // Benzene is in the training data (ESOL, OPERA logP, ...): its own nearest neighbour, and
  // its logS and logP are near the measured −1.64 and 2.13 — a model that predicts nonsense
  // fails here.
  const size_t at = out.find("\nc1ccccc1,benzene,");
  ASSERT_NE(at, std::string::npos);
  const std::vector<std::string> f = csv_rows(out.substr(at + 1, out.find('\n', at + 1) - at - 1)).at(0);
  ASSERT_EQ(f.size(), 20u);
  EXPECT_EQ(f[19], "");  // no error
  EXPECT_NEAR(std::stod(f[2]), -1.64, 0.8);
  EXPECT_NEAR(std::stod(f[3]), 2.13, 0.7);
  EXPECT_GT(std::stod(f[7]), 0.0);  // calibrated: never zero
  EXPECT_EQ(f[12], "1.000");
  EXPECT_EQ(f[13], "yes");
  EXPECT_EQ(f[14], "yes");
  EXPECT_EQ(f[18], "");  // no domain note
  // A salt is predicted for its parent and out of every domain, with the reason.
  EXPECT_THAT(out, HasSubstr(",no,no,no,no,no,\"2 components (salt, hydrate or mixture): predicted for the largest "
                             "organic fragment, CC(=O)O\",\n"));
}

TEST(CliDefaultModel, TableFormatGoesToStdout) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_default_table");
  auto p = run_molprop("predict " + kExamples + " --format table --quiet", dir);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(count_lines(p.out), 1 + 22 + 3);  // header, every row, a blank line and the legend
  EXPECT_THAT(p.out, HasSubstr("aspirin "));
  EXPECT_THAT(p.out, HasSubstr("cells: prediction ± standard deviation; units: logS log10(mol/L), logP log10(Kow)"));
  // Aligned columns, not CSV: the header has none of CSV's commas.
  const std::string header = p.out.substr(0, p.out.find('\n'));
  EXPECT_THAT(header, ::testing::Not(HasSubstr(",")));
  EXPECT_THAT(header, ::testing::ContainsRegex("^smiles +name +logS +logP +logD7.4 +mp +dG_hyd +note$"));
}

TEST(CliDefaultModel, MissingDefaultModelIsOneClearLine) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_default_missing");
  // MOLPROP_DEFAULT_MODEL set for the molprop process itself:
  const std::string cmd = "MOLPROP_DEFAULT_MODEL=" + dir + "/none " + std::string(MOLPROP_BINARY) + " predict " +
                          kExamples + " > " + dir + "/o.txt 2> " + dir + "/e.txt";
  const int status = std::system(cmd.c_str());
  EXPECT_NE(status, 0);
  const std::string err = read_file(dir + "/e.txt");
  EXPECT_THAT(err, HasSubstr("no default model found (looked in " + dir + "/none)"));
  EXPECT_EQ(count_lines(err), 1);
}

TEST(CliFoundation, AMissingFoundationIsOneClearLineForTrainEmbedAndAnalyze) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_foundation_missing");
  const std::string env = "MOLPROP_FOUNDATION_MODEL=" + dir + "/none ";
  const std::vector<std::string> commands = {
      "train --data " + kData + " --from foundation --output-dir " + dir + "/run",
      "embed --model foundation --input " + kExamples + " --output " + dir + "/e.h5",
      "analyze --model foundation --input " + kExamples};
  for (const auto& c : commands) {
    const std::string cmd = env + std::string(MOLPROP_BINARY) + " " + c + " > " + dir + "/o.txt 2> " + dir + "/e.txt";
    EXPECT_NE(std::system(cmd.c_str()), 0) << c;
    const std::string err = read_file(dir + "/e.txt");
    EXPECT_THAT(err, HasSubstr("no foundation model found (looked in " + dir + "/none)")) << c;
    EXPECT_THAT(err, HasSubstr("give the encoder's path instead of 'foundation'")) << c;
    EXPECT_EQ(count_lines(err), 1) << c << ": " << err;
  }
  EXPECT_FALSE(fs::exists(dir + "/run"));
  EXPECT_FALSE(fs::exists(dir + "/e.h5"));
}

// The shipped encoder (share/molprop/models/foundation) is found without a path: train
// fine-tunes it, embed writes its embeddings, analyze reads it.
TEST(CliFoundation, TrainEmbedAndAnalyzeFindTheShippedEncoder) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_foundation");
  auto t = run_molprop("train --data " + kData + " --from foundation --epochs 2 --output-dir " + dir + "/run", dir);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_TRUE(fs::exists(dir + "/run/model.h5"));
  EXPECT_THAT(read_file(dir + "/run/command.txt"), HasSubstr("--from foundation"));
  auto e = run_molprop("embed --model foundation --input " + kExamples + " --output " + dir + "/e.h5", dir);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_TRUE(fs::exists(dir + "/e.h5"));
  auto a = run_molprop("analyze --model foundation --input " + kExamples, dir);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_THAT(a.out, HasSubstr("share/molprop/models/foundation/encoder.h5: encoder dmpnn, depth 3"));
}

TEST(CliDevice, CudaOnACpuOnlyBuildIsOneClearLine) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_device");
  auto p = run_molprop("predict " + kExamples + " --device cuda --output " + dir + "/p.csv", dir);
  if (p.exit_code == 0) GTEST_SKIP() << "this build has CUDA and a GPU";
  EXPECT_THAT(p.err, HasSubstr("--device cuda: no CUDA here"));
  EXPECT_EQ(count_lines(p.err), 1);
  EXPECT_FALSE(fs::exists(dir + "/p.csv"));
  auto bad = run_molprop("train --data " + kData + " --output-dir " + dir + "/run --device tpu", dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("--device: 'tpu' is not a device; use cpu, cuda or cuda:K"));
}

// A SMILES file of n lines, some invalid, for sharding.
std::string write_input(const std::string& dir, int n) {
  const std::string path = dir + "/in.smi";
  std::ofstream out(path);
  const char* pool[] = {"CCO", "c1ccccc1", "CC(=O)O", "C1CC(C", "CCN(CC)CC", "O=C=O", "CCCCCCCC", "c1ccncc1"};
  for (int i = 0; i < n; ++i) out << pool[i % 8] << " mol" << i << "\n";
  return path;
}

TEST(CliShardMerge, ShardsMergeToExactlyTheUnshardedOutput) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_shard");
  const std::string input = write_input(dir, 203);
  auto whole = run_molprop("predict " + input + " --output " + dir + "/whole.csv --quiet", dir);
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  std::string parts;
  for (int i = 0; i < 3; ++i) {
    auto s = run_molprop("predict " + input + " --shard " + std::to_string(i) + "/3 --output " + dir + "/part" +
                             std::to_string(i) + ".csv --quiet",
                         dir);
    ASSERT_EQ(s.exit_code, 0) << s.err;
    EXPECT_TRUE(fs::exists(dir + "/part" + std::to_string(i) + ".csv.shard.json"));
    EXPECT_LT(count_lines(read_file(dir + "/part" + std::to_string(i) + ".csv")), 100);  // a slice, not all
  }
  // Given out of order on purpose.
  auto m = run_molprop(
      "merge --output " + dir + "/merged.csv " + dir + "/part2.csv " + dir + "/part0.csv " + dir + "/part1.csv", dir);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_THAT(m.err, HasSubstr("3 shards, 203 rows"));
  // Same rows in the same order; values equal up to float noise (batches are composed
  // differently, and batched float sums are not bitwise batch-invariant). A prediction is
  // de-standardised (z · sd + mean), so its noise scales with the column's spread, not with the
  // value: the tolerance is 1e-4 of the column's largest magnitude (a melting point of 5 °C
  // carries the noise of a column that reaches 150 °C). A row mix-up moves values by whole units.
  const auto number = [](const std::string& x, double* v) {
    char* end = nullptr;
    *v = std::strtod(x.c_str(), &end);
    return !x.empty() && *end == '\0';
  };
  const auto merged = csv_rows(read_file(dir + "/merged.csv")), whole_rows = csv_rows(read_file(dir + "/whole.csv"));
  ASSERT_EQ(merged.size(), whole_rows.size());
  std::vector<double> scale;
  for (const auto& row : whole_rows) {
    if (scale.size() < row.size()) scale.resize(row.size(), 1.0);
    for (size_t c = 0; c < row.size(); ++c) {
      double v = 0;
      if (number(row[c], &v)) scale[c] = std::max(scale[c], std::abs(v));
    }
  }
  int lines = 0;
  for (size_t r = 0; r < merged.size(); ++r) {
    ++lines;
    const auto &a = merged[r], &b = whole_rows[r];
    ASSERT_EQ(a.size(), b.size()) << "row " << r;
    for (size_t c = 0; c < a.size(); ++c) {
      double vx = 0, vy = 0;
      if (number(a[c], &vx)) {
        ASSERT_TRUE(number(b[c], &vy)) << "row " << r << ": " << a[c] << " vs " << b[c];
        EXPECT_NEAR(vx, vy, 1e-4 * scale[c]) << "row " << r << " column " << c;
      } else {
        EXPECT_EQ(a[c], b[c]) << "row " << r << " column " << c;
      }
    }
  }
  EXPECT_EQ(lines, 1 + 203);
}

TEST(CliShardMerge, MergeRefusesMissingDuplicatedOrTruncatedShards) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_shard_bad");
  const std::string input = write_input(dir, 50);
  for (int i = 0; i < 2; ++i) {
    auto s = run_molprop("predict " + input + " --shard " + std::to_string(i) + "/2 --output " + dir + "/p" +
                             std::to_string(i) + ".csv --quiet",
                         dir);
    ASSERT_EQ(s.exit_code, 0) << s.err;
  }
  auto missing = run_molprop("merge --output " + dir + "/m.csv " + dir + "/p0.csv", dir);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("shard 1 of 2 is missing"));
  auto twice = run_molprop("merge --output " + dir + "/m.csv " + dir + "/p0.csv " + dir + "/p0.csv", dir);
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_THAT(twice.err, HasSubstr("shard 0 given twice"));
  {
    std::string text = read_file(dir + "/p1.csv");
    text.erase(text.rfind('\n', text.size() - 2) + 1);  // drop the last row
    std::ofstream(dir + "/p1.csv") << text;
  }
  auto truncated = run_molprop("merge --output " + dir + "/m.csv " + dir + "/p0.csv " + dir + "/p1.csv", dir);
  EXPECT_NE(truncated.exit_code, 0);
  EXPECT_THAT(truncated.err, ::testing::MatchesRegex(".*p1.csv: holds ([0-9]+) rows, its manifest promises [0-9]+ .*"));
  EXPECT_FALSE(fs::exists(dir + "/m.csv"));
  auto bad = run_molprop("predict " + input + " --shard 2/2 --output " + dir + "/x.csv", dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_THAT(bad.err, HasSubstr("--shard must be INDEX/COUNT"));
}

TEST(CliShardMerge, EmbeddingShardsMergeIntoOneFileInInputOrder) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_shard_embed");
  const std::string input = write_input(dir, 101);
  const std::string model =
      std::string(MOLPROP_TEST_DATA_DIR) + "/../../share/molprop/models/default/models/fold0_member0.h5";
  auto whole =
      run_molprop("embed --model " + model + " --input " + input + " --output " + dir + "/whole.h5 --quiet", dir);
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  for (int i = 0; i < 2; ++i) {
    auto s = run_molprop("embed --model " + model + " --input " + input + " --shard " + std::to_string(i) +
                             "/2 --output " + dir + "/e" + std::to_string(i) + ".h5 --quiet",
                         dir);
    ASSERT_EQ(s.exit_code, 0) << s.err;
  }
  auto m = run_molprop("merge --output " + dir + "/merged.h5 " + dir + "/e1.h5 " + dir + "/e0.h5", dir);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_THAT(m.err, HasSubstr("2 shards, 101 rows"));
  H5::H5File a(dir + "/whole.h5", H5F_ACC_RDONLY), b(dir + "/merged.h5", H5F_ACC_RDONLY);
  std::vector<float> ea, eb;
  std::vector<int64_t> ra, rb;
  std::vector<std::string> sa, sb;
  h5::read_rows(a.openDataSet("embeddings"), 0, 101, ea);
  h5::read_rows(b.openDataSet("embeddings"), 0, 101, eb);
  h5::read_rows(a.openDataSet("row"), 0, 101, ra);
  h5::read_rows(b.openDataSet("row"), 0, 101, rb);
  h5::read_strings(a.openDataSet("smiles"), 0, 101, sa);
  h5::read_strings(b.openDataSet("smiles"), 0, 101, sb);
  EXPECT_EQ(ra, rb);
  EXPECT_EQ(sa, sb);
  ASSERT_EQ(ea.size(), eb.size());
  for (size_t k = 0; k < ea.size(); ++k) {
    if (std::isnan(ea[k])) {
      EXPECT_TRUE(std::isnan(eb[k])) << k;
    } else {
      EXPECT_NEAR(ea[k], eb[k], 1e-4) << k;
    }
  }
  auto missing = run_molprop("merge --output " + dir + "/m.h5 " + dir + "/e1.h5", dir);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("shard 0 of 2 is missing"));
}

// Two `molprop pretrain` processes, as torchrun would start them.
TEST(CliDistributedPretrain, TwoRanksOnLoopbackWriteOneRunAndADeadRankStopsTheOther) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_ddp");
  auto f =
      run_molprop("featurize --input " + kData + " --output " + dir + "/c.h5 --no-targets --descriptors --quiet", dir);
  ASSERT_EQ(f.exit_code, 0) << f.err;
  const int port = 20000 + static_cast<int>(::getpid() % 20000);
  auto launch = [&](const std::string& run, const std::string& rank1_extra, int port_used) {
    const std::string common =
        " pretrain --data " + dir + "/c.h5 --output-dir " + dir + "/" + run +
        " --encoder dmpnn --hidden 16 --epochs 2 --batch-size 8 --log-every 1 --threads 1 --dist-timeout 20";
    const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port_used) + " WORLD_SIZE=2 ";
    const std::string p = dir + "/" + run;
    const std::string cmd = "(" + env + "RANK=0 " + MOLPROP_BINARY + common + " >" + p + ".out0 2>" + p +
                            ".err0; echo $? >" + p + ".rc0) & (" + env + "RANK=1 " + MOLPROP_BINARY + common +
                            rank1_extra + " >" + p + ".out1 2>" + p + ".err1; echo $? >" + p + ".rc1) & wait";
    return std::system(cmd.c_str());
  };
  launch("ok", "", port);
  EXPECT_EQ(read_file(dir + "/ok.rc0"), "0\n") << read_file(dir + "/ok.err0");
  EXPECT_EQ(read_file(dir + "/ok.rc1"), "0\n") << read_file(dir + "/ok.err1");
  EXPECT_THAT(read_file(dir + "/ok.err0"), HasSubstr("data-parallel over 2 processes"));
  // The summary counts both ranks: 2 epochs × 30 molecules × 2 ranks.
  EXPECT_THAT(read_file(dir + "/ok.err0"), HasSubstr("8 steps, 120 molecules in"));
  EXPECT_THAT(read_file(dir + "/ok.err0"), HasSubstr("mol/s, 2 ranks × 1 threads"));
  EXPECT_EQ(read_file(dir + "/ok.err1"), "");  // rank 1 is silent
  EXPECT_TRUE(fs::exists(dir + "/ok/encoder.h5"));
  // 60 molecules → 30 per rank → 4 steps of 8 per epoch, 2 epochs, one log line per step.
  EXPECT_EQ(count_lines(read_file(dir + "/ok/log.csv")), 1 + 8);

  const auto start = std::chrono::steady_clock::now();
  launch("dies", " --stop-after-steps 2", port + 1);  // rank 1 leaves after 2 of 8 steps
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(read_file(dir + "/dies.rc1"), "0\n");
  EXPECT_EQ(read_file(dir + "/dies.rc0"), "1\n");
  const std::string err = read_file(dir + "/dies.err0");
  EXPECT_THAT(err, HasSubstr("molprop: error: distributed gradient all-reduce failed on rank 0"));
  EXPECT_THAT(err, HasSubstr("did another rank exit?"));
  EXPECT_LT(seconds, 20.0);
}

// `molprop train` data-parallel: two ranks, one run folder, written by rank 0 only.
TEST(CliDistributedTrain, TwoRanksTrainOneModelAndOnlyRankZeroWrites) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_ddp_train");
  const int port = 20000 + static_cast<int>((::getpid() + 7919) % 20000);
  const std::string common = " train --data " + kData + " --output-dir " + dir + "/run --epochs 2 --hidden 16 " +
                             "--ensemble-size 2 --threads 1 --dist-timeout 20";
  const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " WORLD_SIZE=2 ";
  const std::string cmd = "(" + env + "RANK=0 " + MOLPROP_BINARY + common + " 2>" + dir + "/err0; echo $? >" + dir +
                          "/rc0) & (" + env + "RANK=1 " + MOLPROP_BINARY + common + " 2>" + dir + "/err1; echo $? >" +
                          dir + "/rc1) & wait";
  std::system(cmd.c_str());
  EXPECT_EQ(read_file(dir + "/rc0"), "0\n") << read_file(dir + "/err0");
  EXPECT_EQ(read_file(dir + "/rc1"), "0\n") << read_file(dir + "/err1");
  EXPECT_EQ(read_file(dir + "/err1"), "");  // rank 1 is silent
  EXPECT_THAT(read_file(dir + "/err0"), HasSubstr("member 2/2 epoch 2/2"));
  EXPECT_TRUE(fs::exists(dir + "/run/models/fold0_member1.h5"));
  EXPECT_TRUE(fs::exists(dir + "/run/metrics.json"));
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir + "/run")) {
    files += 1;
    EXPECT_EQ(e.path().filename().string().find(".rank"), std::string::npos) << e.path();  // no scratch left
  }
  EXPECT_GT(files, 5);
  auto p = run_molprop("predict --model " + dir + "/run " + kExamples + " --quiet", dir);
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(count_lines(p.out), 23);
}

// Every weight of a checkpoint, by name.
std::map<std::string, std::vector<float>> checkpoint_weights(const std::string& path) {
  H5::H5File file(path, H5F_ACC_RDONLY);
  H5::Group weights = file.openGroup("weights");
  std::map<std::string, std::vector<float>> out;
  for (hsize_t i = 0; i < weights.getNumObjs(); ++i) {
    const std::string name = weights.getObjnameByIdx(i);
    H5::DataSet ds = weights.openDataSet(name);
    if (ds.getDataType().getClass() != H5T_FLOAT) continue;
    std::vector<float>& v = out[name];
    v.resize(static_cast<size_t>(ds.getSpace().getSimpleExtentNpoints()));
    ds.read(v.data(), H5::PredType::NATIVE_FLOAT);
  }
  return out;
}

TEST(CliDistributedTrain, TwoRanksOfBatchTenEqualOneProcessOfBatchTwenty) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_ddp_equal");
  const std::string common = " train --data " + kData + " --targets logS --epochs 3 --hidden 32 --threads 1 --quiet";
  auto single = run_molprop(common + " --batch-size 20 --output-dir " + dir + "/one", dir);
  ASSERT_EQ(single.exit_code, 0) << single.err;
  const int port = 20000 + static_cast<int>((::getpid() + 4099) % 20000);
  const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " WORLD_SIZE=2 ";
  const std::string two = common + " --batch-size 10 --output-dir " + dir + "/two";
  const std::string cmd = "(" + env + "RANK=0 " + MOLPROP_BINARY + two + "; echo $? >" + dir + "/rc0) & (" + env +
                          "RANK=1 " + MOLPROP_BINARY + two + "; echo $? >" + dir + "/rc1) & wait";
  std::system(cmd.c_str());
  ASSERT_EQ(read_file(dir + "/rc0"), "0\n");
  ASSERT_EQ(read_file(dir + "/rc1"), "0\n");
  const auto a = checkpoint_weights(dir + "/one/model.h5");
  const auto b = checkpoint_weights(dir + "/two/model.h5");
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 5u);
  double worst = 0;
  for (const auto& [name, va] : a) {
    const auto& vb = b.at(name);
    ASSERT_EQ(va.size(), vb.size()) << name;
    for (size_t k = 0; k < va.size(); ++k) worst = std::max(worst, static_cast<double>(std::abs(va[k] - vb[k])));
  }
  EXPECT_LE(worst, 1e-5);
  std::printf("largest |2 ranks × batch 10 − 1 process × batch 20| weight difference: %.3g\n", worst);
}

}  // namespace
