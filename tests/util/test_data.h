#pragma once
// Shared set-up for the finetune tests: a small featurised training set and a small
// default-shaped model configuration.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "checkpoint/feature_vocabulary.h"
#include "data/featurize_csv.h"
#include "models/model_config.h"

namespace molprop::testing_util {

// tests/fixtures/train_small.csv (60 ESOL molecules; logS and a second task with gaps)
// featurised into a fresh folder under TempDir; returns the .h5 path.
inline std::string small_dataset(const std::string& name, bool descriptors = false) {
  // One folder per process: ctest runs the tests of one file in parallel processes, and
  // several of them ask for the same dataset name.
  const std::string dir = ::testing::TempDir() + "/finetune_" + name + "." + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  data::FeaturizeCsvOptions o;
  o.input = std::string(MOLPROP_TEST_DATA_DIR) + "/train_small.csv";
  o.output = dir + "/small.h5";
  o.quiet = true;
  o.featurize.descriptors = descriptors;
  data::featurize_csv(o);
  return o.output;
}

// train_small.csv featurised with `featurize` (descriptor set, atom targets, ...), unlabeled
// when `targets` is false: the tiny pretraining corpus.
inline std::string small_dataset_with(const std::string& name, const chem::FeaturizeOptions& featurize,
                                      bool targets = true) {
  const std::string dir = ::testing::TempDir() + "/finetune_" + name + "." + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  data::FeaturizeCsvOptions o;
  o.input = std::string(MOLPROP_TEST_DATA_DIR) + "/train_small.csv";
  o.output = dir + "/small.h5";
  o.quiet = true;
  o.featurize = featurize;
  o.all_other_columns_are_targets = targets;
  data::featurize_csv(o);
  return o.output;
}

inline models::ModelConfig small_config(int64_t tasks, int64_t hidden = 64, const std::string& encoder = "dmpnn") {
  models::ModelConfig c;
  c.encoder.name = encoder;
  c.encoder.hidden = hidden;
  c.encoder.depth = 3;
  checkpoint::set_feature_vocabulary(c);
  c.head.hidden = hidden;
  c.head.num_tasks = tasks;
  return c;
}

}  // namespace molprop::testing_util
