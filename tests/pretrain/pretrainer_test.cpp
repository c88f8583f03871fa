#include "pretrain/pretrainer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.h"
#include "chem/descriptors.h"
#include "core/check.h"
#include "tests/util/test_data.h"

using namespace molprop;
namespace fs = std::filesystem;

namespace {

pretrain::PretrainOptions tiny_options(const std::string& data, const std::string& dir) {
  pretrain::PretrainOptions o;
  o.data = data;
  o.output_dir = dir;
  o.objectives = {{"masking", 1.0}, {"descriptors", 0.5}, {"contrastive", 0.2}};
  o.encoder.name = "gine";
  o.encoder.hidden = 32;
  o.encoder.depth = 2;
  o.encoder.norm = "batch";
  o.encoder.dropout = 0.1;  // dropout draws from the generator too
  o.head_hidden = 32;
  o.epochs = 3;
  o.batch_size = 8;
  o.checkpoint_every = 4;
  o.log_every = 2;
  o.seed = 5;
  o.quiet = true;
  return o;
}

std::vector<torch::Tensor> encoder_weights(const std::string& path) {
  auto model = checkpoint::load_checkpoint(path);
  std::vector<torch::Tensor> out;
  for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
  for (const auto& b : model->buffers()) out.push_back(b.detach().clone());
  return out;
}

}  // namespace

// The resume requirement: an interrupted run, resumed, ends with exactly the
// weights of an uninterrupted run. The interruption happens between checkpoints (step
// 10, last checkpoint at step 8), so work is lost and redone, as after a kill -9.
TEST(Pretrainer, ResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne) {
  const std::string data = testing_util::small_dataset("pretrain_resume", /*descriptors=*/true);
  const std::string base = fs::path(data).parent_path();
  const auto full = pretrain::pretrain(tiny_options(data, base + "/full"));
  ASSERT_TRUE(full.finished);

  auto interrupted = tiny_options(data, base + "/interrupted");
  interrupted.stop_after_steps = 10;
  const auto first = pretrain::pretrain(interrupted);
  EXPECT_FALSE(first.finished);
  EXPECT_EQ(first.steps, 10);
  ASSERT_TRUE(fs::exists(base + "/interrupted/resume.pt"));

  auto resumed = tiny_options(data, base + "/interrupted");
  resumed.resume = true;
  const auto second = pretrain::pretrain(resumed);
  EXPECT_TRUE(second.finished);
  EXPECT_EQ(second.steps + 8, full.steps);  // resumed from the checkpoint at step 8

  const auto a = encoder_weights(base + "/full/encoder.h5");
  const auto b = encoder_weights(base + "/interrupted/encoder.h5");
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(torch::equal(a[k], b[k])) << "tensor " << k;
}

TEST(Pretrainer, RefusesToOverwriteARunAndToResumeNothing) {
  const std::string data = testing_util::small_dataset("pretrain_guard", true);
  const std::string dir = fs::path(data).parent_path() / "run";
  auto o = tiny_options(data, dir);
  o.epochs = 1;
  pretrain::pretrain(o);
  EXPECT_THROW(pretrain::pretrain(o), Error);  // would overwrite
  auto r = tiny_options(data, fs::path(data).parent_path() / "empty");
  r.resume = true;
  EXPECT_THROW(pretrain::pretrain(r), Error);
}

TEST(Pretrainer, DescriptorObjectiveNeedsDescriptors) {
  const std::string data = testing_util::small_dataset("pretrain_nodesc", false);
  auto o = tiny_options(data, fs::path(data).parent_path() / "run");
  try {
    pretrain::pretrain(o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("FeaturizeOptions::descriptors"), std::string::npos);
  }
}

TEST(Pretrainer, EncoderCheckpointPredictsDescriptorsAndFeedsFineTuning) {
  const std::string data = testing_util::small_dataset("pretrain_ckpt", true);
  auto o = tiny_options(data, fs::path(data).parent_path() / "run");
  o.epochs = 1;
  pretrain::pretrain(o);
  checkpoint::Checkpoint info = checkpoint::read_checkpoint_info(o.output_dir + "/encoder.h5");
  EXPECT_EQ(info.config.encoder.name, "gine");
  EXPECT_FALSE(info.targets.names.empty());  // descriptor names: the head predicts them
  auto config = testing_util::small_config(2, 32, "gine");
  config.encoder = info.config.encoder;
  models::PropertyModel fresh(config);
  EXPECT_GT(checkpoint::load_weights_with_prefix(o.output_dir + "/encoder.h5", "encoder.", fresh), 0);
}

// ---- rdkit2d-v2 descriptors with a target fraction, and atom-level targets ----

namespace {

// train_small.csv with rdkit2d-v2 descriptors and atom targets, unlabeled.
std::string v2_corpus(const std::string& name) {
  chem::FeaturizeOptions f;
  f.descriptors = true;
  f.descriptor_set = chem::kDescriptorSetV2;
  f.atom_targets = true;
  return testing_util::small_dataset_with(name, f, /*targets=*/false);
}

pretrain::PretrainOptions new_objectives(const std::string& data, const std::string& dir) {
  auto o = tiny_options(data, dir);
  o.objectives = {{"masking", 1.0}, {"descriptors", 1.0}, {"atom_descriptors", 0.5}};
  o.descriptor_target_fraction = 0.15;
  return o;
}

}  // namespace

// Resume equals uninterrupted with the CheMeleon-style descriptor mask (drawn from the
// generator every step) and the atom_descriptors head (its weights live in resume.pt).
TEST(Pretrainer, ResumeEqualsUninterruptedWithDescriptorMaskAndAtomDescriptors) {
  const std::string data = v2_corpus("pretrain_resume_v2");
  const std::string base = fs::path(data).parent_path();
  const auto full = pretrain::pretrain(new_objectives(data, base + "/full"));
  ASSERT_TRUE(full.finished);
  ASSERT_EQ(full.final_losses.size(), 3u);
  for (const auto& [name, loss] : full.final_losses) EXPECT_TRUE(std::isfinite(loss)) << name;

  auto interrupted = new_objectives(data, base + "/interrupted");
  interrupted.stop_after_steps = 10;
  EXPECT_FALSE(pretrain::pretrain(interrupted).finished);
  auto resumed = new_objectives(data, base + "/interrupted");
  resumed.resume = true;
  const auto second = pretrain::pretrain(resumed);
  EXPECT_TRUE(second.finished);
  EXPECT_EQ(second.steps + 8, full.steps);

  const auto a = encoder_weights(base + "/full/encoder.h5");
  const auto b = encoder_weights(base + "/interrupted/encoder.h5");
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) EXPECT_TRUE(torch::equal(a[k], b[k])) << "tensor " << k;
}

// The encoder file says what the targets were: the rdkit2d-v2 names and their scaling (the
// checkpoint's target scaling), the fraction, the clip and the atom-target scaling.
TEST(Pretrainer, EncoderCheckpointRecordsTheTargetsAndTheirScaling) {
  const std::string data = v2_corpus("pretrain_meta_v2");
  auto o = new_objectives(data, fs::path(data).parent_path() / "run");
  o.epochs = 1;
  pretrain::pretrain(o);
  const checkpoint::Checkpoint info = checkpoint::read_checkpoint_info(o.output_dir + "/encoder.h5");
  EXPECT_EQ(info.targets.names, chem::descriptor_set(chem::kDescriptorSetV2).names);
  EXPECT_EQ(info.targets.mean.size(), info.targets.names.size());
  EXPECT_EQ(info.config.head.num_tasks, static_cast<int64_t>(info.targets.names.size()));
  const auto meta = nlohmann::json::parse(info.metadata_json);
  EXPECT_EQ(meta.at("descriptor_set").get<std::string>(), "rdkit2d-v2");
  EXPECT_DOUBLE_EQ(meta.at("descriptor_target_fraction").get<double>(), 0.15);
  EXPECT_DOUBLE_EQ(meta.at("target_clip").get<double>(), 6.0);
  const auto& atoms = meta.at("atom_target_scaling");
  EXPECT_EQ(atoms.at("names").get<std::vector<std::string>>(), chem::atom_target_names());
  const auto std_dev = atoms.at("std").get<std::vector<double>>();
  ASSERT_EQ(std_dev.size(), chem::atom_target_names().size());
  for (double s : std_dev) EXPECT_GT(s, 0);
}

TEST(Pretrainer, AtomDescriptorsObjectiveNeedsAtomTargets) {
  const std::string data = testing_util::small_dataset("pretrain_noatoms", /*descriptors=*/true);
  auto o = tiny_options(data, fs::path(data).parent_path() / "run");
  o.objectives = {{"masking", 1.0}, {"atom_descriptors", 1.0}};
  try {
    pretrain::pretrain(o);
    FAIL() << "a corpus without atom targets must be refused";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(data), std::string::npos) << what;
    EXPECT_NE(what.find("the atom_descriptors objective needs a corpus featurized with FeaturizeOptions::atom_targets"),
              std::string::npos)
        << what;
  }
}

TEST(Pretrainer, DescriptorTargetFractionAndClipAreRangeChecked) {
  pretrain::PretrainOptions o;
  o.descriptor_target_fraction = 0;
  EXPECT_THROW(o.validate(), Error);
  o.descriptor_target_fraction = 1.5;
  EXPECT_THROW(o.validate(), Error);
  o.descriptor_target_fraction = 1;
  o.target_clip = -1;
  EXPECT_THROW(o.validate(), Error);
  o.target_clip = 0;
  EXPECT_NO_THROW(o.validate());
}
