// End-to-end cases of issue 14 (reliability part 1: HDF5 files, full disks, checkpoints,
// run folders), run the way the hostile-user probe ran them. Each case is named for what
// it checks; docs/reliability.md lists them.
#include <H5Cpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cfloat>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/util/cli_util.h"
#include "tests/util/scratch_dir.h"

namespace {

namespace fs = std::filesystem;
using molprop::testing_util::CommandResult;
using molprop::testing_util::count_lines;
using molprop::testing_util::read_file;
using molprop::testing_util::run_molprop;
using ::testing::HasSubstr;

const std::string kData = std::string(MOLPROP_TEST_DATA_DIR) + "/train_small.csv";

// Runs molprop with its files limited to `blocks` × 512 bytes (sh's `ulimit -f`), SIGXFSZ
// ignored (inherited through exec), so that writes past the limit fail with EFBIG the way
// they fail with ENOSPC on a full disk. Works as root in a container.
CommandResult run_molprop_on_full_disk(int blocks, const std::string& args, const std::string& dir) {
  const std::string out = dir + "/limited.out", err = dir + "/limited.err";
  const std::string cmd = "trap '' XFSZ; ulimit -f " + std::to_string(blocks) + " || exit 99; exec " +
                          std::string(MOLPROP_BINARY) + " " + args + " >" + out + " 2>" + err;
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

// Files under `dir` whose name holds ".tmp".
std::vector<std::string> temporaries(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp") != std::string::npos) found.push_back(e.path().string());
  }
  return found;
}

// A quickly trained single model: dir/run (model.h5, domain.h5, run.json, ...).
std::string trained_run(const std::string& dir, const std::string& extra = "") {
  const std::string run = dir + "/run";
  const CommandResult t = run_molprop(
      "train --data " + kData + " --output-dir " + run + " --epochs 1 --hidden 16 --threads 1 --quiet " + extra, dir);
  EXPECT_EQ(t.exit_code, 0) << t.err;
  return run;
}

std::string featurized(const std::string& dir) {
  const std::string path = dir + "/d.h5";
  const CommandResult f = run_molprop("featurize --input " + kData + " --output " + path + " --quiet", dir);
  EXPECT_EQ(f.exit_code, 0) << f.err;
  return path;
}

void expect_one_line_error(const CommandResult& r, const std::string& what) {
  EXPECT_EQ(r.exit_code, 1) << "stdout: " << r.out << "\nstderr: " << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr(what));
}

// Overwrites element (row, col) of a 1-D (col 0) or 2-D dataset with `value`, through
// the HDF5 C++ API (what an h5py edit does).
template <typename T>
void poke(const std::string& path, const std::string& name, hsize_t row, hsize_t col, T value, H5::PredType type) {
  H5::Exception::dontPrint();
  H5::H5File file(path, H5F_ACC_RDWR);
  H5::DataSet ds = file.openDataSet(name);
  H5::DataSpace space = ds.getSpace();
  const int rank = space.getSimpleExtentNdims();
  hsize_t start[2] = {row, col}, count[2] = {1, 1};
  space.selectHyperslab(H5S_SELECT_SET, count, start);
  ds.write(&value, type, H5::DataSpace(rank, count), space);
}

void set_string_attr(const std::string& path, const std::string& name, const std::string& value) {
  H5::Exception::dontPrint();
  H5::H5File file(path, H5F_ACC_RDWR);
  H5::Group root = file.openGroup("/");
  root.removeAttr(name);
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  root.createAttribute(name, type, H5::DataSpace(H5S_SCALAR)).write(type, value);
}

// ------------------------------------------------------------------ HDF5 datasets (case 1)

TEST(CliReliability, InspectRefusesCorruptOffsets) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_inspect_offsets");
  const std::string path = featurized(dir);
  poke<int64_t>(path, "atom_ptr", 5, 0, 1000000000, H5::PredType::NATIVE_INT64);
  const CommandResult r = run_molprop("inspect " + path, dir);
  expect_one_line_error(r, path + ": corrupted offsets at molecule ");
  // train refuses the same file, as it did before.
  expect_one_line_error(run_molprop("train --data " + path + " --output-dir " + dir + "/run --epochs 1 --quiet", dir),
                        "corrupted offsets at molecule ");
}

TEST(CliReliability, InspectReportsOutOfVocabularyFeaturesAsAnError) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_inspect_vocabulary");
  const std::string path = featurized(dir);
  poke<uint8_t>(path, "atom_features", 3, 0, 250, H5::PredType::NATIVE_UINT8);
  expect_one_line_error(run_molprop("inspect " + path, dir), path + ": atom feature out of vocabulary at molecule ");
}

// ------------------------------------------------------------------ full disks (case 2)

TEST(CliReliability, FeaturizeOnAFullDiskIsOneLineAndLeavesNoTemporary) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_full_featurize");
  const std::string out = dir + "/out.h5";
  const CommandResult r = run_molprop_on_full_disk(16, "featurize --input " + kData + " --output " + out + " -q", dir);
  expect_one_line_error(r, out);
  EXPECT_THAT(r.err, HasSubstr("disk full"));
  EXPECT_FALSE(fs::exists(out));
  EXPECT_THAT(temporaries(dir), ::testing::IsEmpty());
}

TEST(CliReliability, EmbedOnAFullDiskIsOneLineAndLeavesNoTemporary) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_full_embed");
  const std::string run = trained_run(dir);
  const std::string out = dir + "/emb.h5";
  const CommandResult r =
      run_molprop_on_full_disk(16, "embed --model " + run + " --input " + kData + " --output " + out + " -q", dir);
  expect_one_line_error(r, out);
  EXPECT_THAT(r.err, HasSubstr("disk full"));
  EXPECT_FALSE(fs::exists(out));
  EXPECT_THAT(temporaries(dir), ::testing::IsEmpty());
}

TEST(CliReliability, TrainOnAFullDiskIsOneLineAndRemovesItsRunFolder) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_full_train");
  const std::string data = featurized(dir);
  // 100 KiB: command.txt and domain.h5 fit, a width-300 checkpoint (~1.5 MB) does not.
  for (const int blocks : {200, 16}) {
    const std::string run = dir + "/run" + std::to_string(blocks);
    const CommandResult r = run_molprop_on_full_disk(
        blocks, "train --data " + data + " --output-dir " + run + " --epochs 1 --threads 1 -q", dir);
    expect_one_line_error(r, run);
    EXPECT_FALSE(fs::exists(run)) << "the failed run left its folder";
  }
  EXPECT_THAT(temporaries(dir), ::testing::IsEmpty());
}

// ------------------------------------------------------------------ threads (case 3)

TEST(CliReliability, ThreadsAboveTheMaximumAreOneLine) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_threads");
  expect_one_line_error(run_molprop("featurize --input " + kData + " --output " + dir + "/d.h5 --threads 100000", dir),
                        "--threads must be in [1, 1024], got 100000");
  expect_one_line_error(run_molprop("predict " + kData + " --output " + dir + "/p.csv --threads 100000", dir),
                        "--threads must be in [1, 1024], got 100000");
  EXPECT_FALSE(fs::exists(dir + "/d.h5"));
}

// ------------------------------------------------------------------ outputs over inputs (case 4)

TEST(CliReliability, OutputThatIsAnInputIsRefusedAndTheInputKept) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_same_file");
  const std::string run = trained_run(dir);
  const std::string csv = dir + "/a.csv";
  fs::copy_file(kData, csv);
  fs::create_hard_link(csv, dir + "/hard.csv");
  const std::string before = read_file(csv);
  const std::string same = "is the same file as the input";
  expect_one_line_error(run_molprop("featurize --input " + csv + " --output " + dir + "/./a.csv -q", dir), same);
  expect_one_line_error(
      run_molprop("embed --model " + run + " --input " + csv + " --output " + dir + "/hard.csv -q", dir), same);
  expect_one_line_error(run_molprop("predict --model " + run + " " + csv + " --output " + csv + " -q", dir), same);
  expect_one_line_error(run_molprop("predict --model " + run + " " + csv + " --output " + run + "/model.h5 -q", dir),
                        same);
  expect_one_line_error(
      run_molprop("analyze --model " + run + " --input " + csv + " --output " + dir + "/./a.csv -q", dir), same);
  EXPECT_EQ(read_file(csv), before);
  // merge: the output is one of the shards.
  for (int i = 0; i < 2; ++i) {
    const CommandResult p = run_molprop("predict --model " + run + " " + csv + " --shard " + std::to_string(i) +
                                            "/2 --output " + dir + "/part" + std::to_string(i) + ".csv -q",
                                        dir);
    ASSERT_EQ(p.exit_code, 0) << p.err;
  }
  const std::string part0 = read_file(dir + "/part0.csv");
  expect_one_line_error(
      run_molprop("merge --output " + dir + "/part0.csv " + dir + "/part0.csv " + dir + "/part1.csv", dir), same);
  EXPECT_EQ(read_file(dir + "/part0.csv"), part0);
  // train: --from a model inside the run folder, under the name the run writes.
  const std::string from = run + "/model.h5";
  const std::string model_before = read_file(from);
  expect_one_line_error(
      run_molprop("train --data " + kData + " --from " + from + " --output-dir " + run + " --epochs 1 -q", dir), same);
  EXPECT_EQ(read_file(from), model_before);
}

// ------------------------------------------------------------------ checkpoints (case 8)

TEST(CliReliability, CheckpointWithANanWeightIsRefusedByPredictEmbedAndTrainFrom) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_nan_weight");
  const std::string run = trained_run(dir);
  poke<float>(run + "/model.h5", "weights/encoder.atom_in.table.weight", 0, 0, NAN, H5::PredType::NATIVE_FLOAT);
  const std::string what = "weight 'encoder.atom_in.table.weight' holds 1 non-finite values";
  expect_one_line_error(run_molprop("predict --model " + run + " " + kData + " --output " + dir + "/p.csv", dir), what);
  expect_one_line_error(run_molprop("embed --model " + run + " --input " + kData + " --output " + dir + "/e.h5", dir),
                        what);
  expect_one_line_error(
      run_molprop("train --data " + kData + " --from " + run + "/model.h5 --output-dir " + dir + "/tuned --epochs 1 -q",
                  dir),
      what);
  EXPECT_FALSE(fs::exists(dir + "/tuned"));
}

TEST(CliReliability, NonFinitePredictionIsAnErrorCell) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_inf_prediction");
  const std::string run = trained_run(dir);
  const std::string model = run + "/model.h5";
  // Finite weights whose output overflows: the last head layer's bias at FLT_MAX, and a
  // target scale of 10 on top of it.
  H5::Exception::dontPrint();
  std::string last_bias;
  {
    H5::H5File file(model, H5F_ACC_RDONLY);
    H5::Group weights = file.openGroup("weights");
    for (hsize_t i = 0; i < weights.getNumObjs(); ++i) {
      const std::string name = weights.getObjnameByIdx(i);
      if (name.rfind("head.", 0) == 0 && name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0)
        last_bias = name;  // names are sorted: the last layer's comes last
    }
  }
  ASSERT_FALSE(last_bias.empty());
  poke<float>(model, "weights/" + last_bias, 0, 0, FLT_MAX, H5::PredType::NATIVE_FLOAT);
  poke<float>(model, "weights/" + last_bias, 1, 0, FLT_MAX, H5::PredType::NATIVE_FLOAT);
  set_string_attr(model, "target_std", "[10.0,10.0]");
  const CommandResult p = run_molprop("predict --model " + run + " " + kData + " --output " + dir + "/p.csv -q", dir);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const std::string out = read_file(dir + "/p.csv");
  EXPECT_EQ(count_lines(out), 1 + 60);  // every row kept
  EXPECT_THAT(out, HasSubstr(",non-finite prediction\n"));
  EXPECT_THAT(out, ::testing::Not(::testing::ContainsRegex(",,,,\n")));  // no row without values and without error
}

TEST(CliReliability, PretrainedEncoderGivenToPredictIsExplained) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_encoder_predict");
  const CommandResult f =
      run_molprop("featurize --input " + kData + " --output " + dir + "/c.h5 --no-targets --descriptors --quiet", dir);
  ASSERT_EQ(f.exit_code, 0) << f.err;
  const CommandResult pre = run_molprop("pretrain --data " + dir + "/c.h5 --output-dir " + dir +
                                            "/pre --hidden 16 --epochs 1 --batch-size 16 --threads 1 --quiet",
                                        dir);
  ASSERT_EQ(pre.exit_code, 0) << pre.err;
  const std::string encoder = dir + "/pre/encoder.h5";
  const CommandResult r = run_molprop("predict --model " + encoder + " " + kData + " --output " + dir + "/p.csv", dir);
  expect_one_line_error(r, encoder + " is a pretrained encoder, not a property model; fine-tune it with");
  EXPECT_THAT(r.err, HasSubstr("`molprop train --from` " + encoder));
  EXPECT_FALSE(fs::exists(dir + "/p.csv"));
}

// ------------------------------------------------------------------ run folders (case 9)

TEST(CliReliability, KilledEnsembleRunIsRefusedAsIncomplete) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_killed_ensemble");
  const std::string run = trained_run(dir, "--ensemble-size 3");
  ASSERT_TRUE(fs::exists(run + "/run.json"));
  const CommandResult ok = run_molprop("predict --model " + run + " " + kData + " --output " + dir + "/p.csv -q", dir);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  // What `kill -9` after the first member leaves: one member, no metrics.json, no marker.
  fs::remove(run + "/run.json");
  fs::remove(run + "/metrics.json");
  fs::remove(run + "/models/fold0_member1.h5");
  fs::remove(run + "/models/fold0_member2.h5");
  const CommandResult r = run_molprop("predict --model " + run + " " + kData + " --output " + dir + "/q.csv", dir);
  expect_one_line_error(r, "run folder " + run + " is incomplete (training did not finish");
  EXPECT_FALSE(fs::exists(dir + "/q.csv"));
  // The surviving member, given as a file, still predicts.
  EXPECT_EQ(run_molprop(
                "predict --model " + run + "/models/fold0_member0.h5 " + kData + " -q --output " + dir + "/r.csv", dir)
                .exit_code,
            0);
}

TEST(CliReliability, FailedTrainRemovesTheRunFolderItCreatedOnly) {
  const std::string dir = molprop::testing_util::fresh_dir("rel_failed_train");
  const CommandResult a =
      run_molprop("train --data " + kData + " --output-dir " + dir + "/new/run --targets nope -q", dir);
  EXPECT_NE(a.exit_code, 0);
  EXPECT_THAT(a.err, HasSubstr("no column 'nope'"));
  EXPECT_FALSE(fs::exists(dir + "/new")) << "the failed run left the folders it created";
  // A folder that existed before is kept, with the user's files in it.
  fs::create_directories(dir + "/mine");
  std::ofstream(dir + "/mine/notes.txt") << "keep me";
  const CommandResult b =
      run_molprop("train --data " + kData + " --output-dir " + dir + "/mine --targets nope -q", dir);
  EXPECT_NE(b.exit_code, 0);
  EXPECT_EQ(read_file(dir + "/mine/notes.txt"), "keep me");
}

}  // namespace
