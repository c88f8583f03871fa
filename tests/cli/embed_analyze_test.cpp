// End-to-end: `molprop train`, then `molprop embed` and `molprop analyze`, as a user runs them.
#include <H5Cpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "data/h5_util.h"
#include "tests/util/cli_util.h"
#include "tests/util/scratch_dir.h"

namespace fs = std::filesystem;
namespace h5 = molprop::data::h5;
using molprop::testing_util::count_lines;
using molprop::testing_util::read_file;
using molprop::testing_util::run_molprop;
using ::testing::HasSubstr;

namespace {

const std::string kData = std::string(MOLPROP_TEST_DATA_DIR) + "/train_small.csv";
const std::string kExamples = std::string(MOLPROP_TEST_DATA_DIR) + "/../../examples/molecules.smi";

// One tiny model for every test in this file: trained once, on first use.
const std::string& trained_run() {
  static const std::string run = [] {
    const std::string dir = molprop::testing_util::fresh_dir("cli_embed_analyze");
    auto t = run_molprop("train --data " + kData + " --epochs 1 --hidden 16 --output-dir " + dir + "/run --quiet", dir);
    EXPECT_EQ(t.exit_code, 0) << t.err;
    return dir + "/run";
  }();
  return run;
}

// Lines of `text` whose first non-blank character is a digit: the per-layer rows.
int layer_lines(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    const size_t i = line.find_first_not_of(' ');
    n += i != std::string::npos && std::isdigit(static_cast<unsigned char>(line[i]));
  }
  return n;
}

}  // namespace

TEST(CliEmbed, EmbedsEveryLineOfTheExampleFileIncludingTheInvalidOne) {
  const std::string run = trained_run();
  const std::string dir = fs::path(run).parent_path();
  auto e =
      run_molprop("embed --model " + run + " --input " + kExamples + " --output " + dir + "/emb.h5 --threads 2", dir);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_THAT(e.err, HasSubstr("22 rows: 21 embedded, 1 failed"));
  H5::H5File file(dir + "/emb.h5", H5F_ACC_RDONLY);
  H5::Group root = file.openGroup("/");
  EXPECT_EQ(h5::read_string_attr(root, "format"), "molprop-embeddings");
  EXPECT_EQ(h5::read_int_attr(root, "num_rows"), 22);
  EXPECT_EQ(h5::read_int_attr(root, "num_failed"), 1);
  const int64_t dim = h5::read_int_attr(root, "embedding_dim");
  EXPECT_EQ(dim, 16);  // mean readout of a 16-wide encoder
  H5::DataSet emb = file.openDataSet("embeddings");
  EXPECT_EQ(h5::shape(emb), (std::pair<hsize_t, hsize_t>{22, 16}));
  std::vector<float> values;
  h5::read_rows(emb, 0, 22, values);
  std::vector<std::string> errors;
  h5::read_strings(file.openDataSet("error"), 0, 22, errors);
  int nan_rows = 0;
  for (size_t i = 0; i < 22; ++i) {
    const bool nan = std::isnan(values[i * 16]);
    nan_rows += nan;
    EXPECT_EQ(nan, !errors[i].empty()) << i;
  }
  EXPECT_EQ(nan_rows, 1);
}

TEST(CliAnalyze, PrintsOneLinePerLayerAndWritesTheCsv) {
  const std::string run = trained_run();
  const std::string dir = fs::path(run).parent_path();
  auto a = run_molprop("analyze --model " + run + "/model.h5 --input " + kExamples + " --output " + dir + "/layers.csv",
                       dir);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  // D-MPNN's default depth is 3: its input layer and two message-passing updates.
  EXPECT_EQ(layer_lines(a.out), 3) << a.out;
  EXPECT_THAT(a.out, HasSubstr("mean_cosine"));
  EXPECT_THAT(a.out, HasSubstr("dirichlet_energy"));
  EXPECT_THAT(a.err, HasSubstr("22 rows: 21 molecules analysed, 1 failed"));
  const std::string csv = read_file(dir + "/layers.csv");
  EXPECT_EQ(count_lines(csv), 1 + 3 + 1) << csv;
  EXPECT_THAT(csv, HasSubstr("layer,mean_cosine,dirichlet_energy,molecules\n1,"));
  EXPECT_THAT(csv, HasSubstr("\noutput,"));

  auto limited = run_molprop("analyze --model " + run + " --input " + kExamples + " --max-molecules 5 --quiet", dir);
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_EQ(limited.err, "");
  EXPECT_EQ(layer_lines(limited.out), 3) << limited.out;
}

TEST(CliEmbedAnalyze, BadModelPathIsOneClearLine) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_embed_analyze_bad");
  for (const std::string command : {"embed", "analyze"}) {
    auto r = run_molprop(command + " --model " + dir + "/missing.h5 --input " + kExamples + " --output " + dir + "/out",
                         dir);
    EXPECT_NE(r.exit_code, 0) << command;
    EXPECT_EQ(count_lines(r.err), 1) << command << ": " << r.err;
    EXPECT_THAT(r.err, HasSubstr("missing.h5")) << command;
    EXPECT_FALSE(fs::exists(dir + "/out")) << command;
  }
  // A file that is not a checkpoint.
  auto r = run_molprop("embed --model " + kExamples + " --input " + kExamples + " --output " + dir + "/out.h5", dir);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/out.h5"));
}

namespace {

// `embed --model MODEL` of the example file: the embeddings (rows × width, NaN rows kept).
std::vector<float> embeddings_of(const std::string& model, const std::string& dir, const std::string& name,
                                 int64_t* width) {
  auto e = run_molprop("embed --model " + model + " --input " + kExamples + " --output " + dir + "/" + name +
                           ".h5 --threads 1 --precision fp32 --quiet",
                       dir);
  EXPECT_EQ(e.exit_code, 0) << e.err;
  H5::H5File file(dir + "/" + name + ".h5", H5F_ACC_RDONLY);
  *width = h5::read_int_attr(file.openGroup("/"), "embedding_dim");
  std::vector<float> values;
  h5::read_rows(file.openDataSet("embeddings"), 0, 22, values);
  return values;
}

}  // namespace

// `train --from ENCODER` pools the atom states the way the encoder was pretrained to (its
// readout, with its weights), unless --readout says otherwise.
TEST(CliTrainFrom, KeepsThePretrainedReadoutUnlessToldOtherwise) {
  const std::string dir = molprop::testing_util::fresh_dir("cli_train_from_readout");
  auto f = run_molprop("featurize --input " + kData + " --output " + dir + "/c.h5 --no-targets --descriptors --quiet",
                       dir);
  ASSERT_EQ(f.exit_code, 0) << f.err;
  for (const std::string readout : {"mean_sum_norm", "attention"}) {
    auto pre = run_molprop("pretrain --data " + dir + "/c.h5 --output-dir " + dir + "/pre-" + readout +
                               " --hidden 16 --norm none --readout " + readout +
                               " --epochs 1 --batch-size 16 --threads 1 --seed 3 --quiet",
                           dir);
    ASSERT_EQ(pre.exit_code, 0) << pre.err;
  }
  const std::string train = "train --data " + kData + " --epochs 1 --threads 1 --seed 1 --quiet --from ";
  int64_t width = 0;

  // mean_sum_norm: inherited (twice the encoder's width), or replaced by --readout mean.
  auto t = run_molprop(train + dir + "/pre-mean_sum_norm/encoder.h5 --output-dir " + dir + "/msn", dir);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  embeddings_of(dir + "/msn", dir, "msn", &width);
  EXPECT_EQ(width, 32);
  t = run_molprop(train + dir + "/pre-mean_sum_norm/encoder.h5 --readout mean --output-dir " + dir + "/mean", dir);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  embeddings_of(dir + "/mean", dir, "mean", &width);
  EXPECT_EQ(width, 16);

  // attention: its weights come with it. With a learning rate of 1e-12 the fine-tuned model
  // embeds as the encoder does; a fresh attention readout (--readout attention) does not.
  const std::string encoder = dir + "/pre-attention/encoder.h5";
  const std::string still = " --init-lr 1e-12 --lr 1e-12 --final-lr 1e-12";
  t = run_molprop(train + encoder + still + " --output-dir " + dir + "/att", dir);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  t = run_molprop(train + encoder + still + " --readout attention --output-dir " + dir + "/att-fresh", dir);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const std::vector<float> pretrained = embeddings_of(encoder, dir, "enc", &width);
  const std::vector<float> tuned = embeddings_of(dir + "/att", dir, "att", &width);
  const std::vector<float> fresh = embeddings_of(dir + "/att-fresh", dir, "att-fresh", &width);
  ASSERT_EQ(pretrained.size(), tuned.size());
  ASSERT_EQ(pretrained.size(), fresh.size());
  double max_tuned = 0, max_fresh = 0;
  for (size_t i = 0; i < pretrained.size(); ++i) {
    if (std::isnan(pretrained[i])) continue;  // the invalid example line
    max_tuned = std::max(max_tuned, std::abs(static_cast<double>(tuned[i] - pretrained[i])));
    max_fresh = std::max(max_fresh, std::abs(static_cast<double>(fresh[i] - pretrained[i])));
  }
  EXPECT_LT(max_tuned, 1e-4);
  EXPECT_GT(max_fresh, 1e-2);
}
