#include "finetune/trainer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "finetune/metrics.h"
#include "finetune/train_run.h"
#include "tests/util/test_data.h"

using namespace molprop;
using testing_util::small_config;
using testing_util::small_dataset;

namespace {

finetune::Subset first_n(data::GraphDataset& ds, int64_t n) {
  finetune::Subset s{&ds, {}};
  for (int64_t i = 0; i < n; ++i) s.indices.push_back(i);
  return s;
}

std::vector<torch::Tensor> weights(models::PropertyModel& m) {
  std::vector<torch::Tensor> out;
  for (const auto& p : m->parameters()) out.push_back(p.detach().clone());
  return out;
}

}  // namespace

TEST(Trainer, OverfitsATinySet) {
  data::GraphDataset ds(small_dataset("overfit"));
  const auto train = first_n(ds, 12);
  torch::manual_seed(0);
  auto config = small_config(2);
  models::PropertyModel model(config);
  checkpoint::Checkpoint ckpt;
  ckpt.config = config;
  finetune::TrainOptions o;
  o.epochs = 150;
  o.batch_size = 4;
  o.quiet = true;
  finetune::train_model(model, ckpt, train, finetune::Subset{}, o);
  const auto pred = finetune::predict_subset(model, ckpt, train);
  const auto metrics = finetune::regression_metrics(pred, finetune::subset_targets(train), 2);
  // logS of these molecules spans several log units; memorising them must get close.
  EXPECT_LT(metrics[0].rmse, 0.2);
  EXPECT_GT(metrics[0].r2, 0.95);
  EXPECT_GT(metrics[1].count, 0);
  EXPECT_LT(metrics[1].count, 12);  // the second task has gaps, which were skipped
  EXPECT_LT(metrics[1].rmse, 0.2);
}

TEST(Trainer, SameSeedSameWeightsOtherSeedOtherWeights) {
  data::GraphDataset ds(small_dataset("determinism"));
  const auto train = first_n(ds, 30);
  auto run = [&](uint64_t seed) {
    torch::manual_seed(seed);
    auto config = small_config(2, 32);
    config.encoder.dropout = 0.1;  // dropout must be seeded too
    models::PropertyModel model(config);
    checkpoint::Checkpoint ckpt;
    ckpt.config = config;
    finetune::TrainOptions o;
    o.epochs = 3;
    o.batch_size = 8;
    o.seed = seed;
    o.quiet = true;
    finetune::train_model(model, ckpt, train, finetune::Subset{}, o);
    return weights(model);
  };
  const auto a = run(1), b = run(1), c = run(2);
  ASSERT_EQ(a.size(), b.size());
  bool all_equal = true, any_differs = false;
  for (size_t k = 0; k < a.size(); ++k) {
    all_equal = all_equal && torch::equal(a[k], b[k]);
    any_differs = any_differs || !torch::equal(a[k], c[k]);
  }
  EXPECT_TRUE(all_equal);
  EXPECT_TRUE(any_differs);
}

TEST(Trainer, KeepsTheBestValidationEpoch) {
  data::GraphDataset ds(small_dataset("best"));
  finetune::Subset train{&ds, {}}, val{&ds, {}};
  for (int64_t i = 0; i < ds.size(); ++i) (i % 5 == 0 ? val : train).indices.push_back(i);
  // With step workers the validation set is predicted in parts on the workers' model copies.
  for (int workers : {1, 2}) {
    torch::manual_seed(0);
    auto config = small_config(2, 32);
    models::PropertyModel model(config);
    checkpoint::Checkpoint ckpt;
    ckpt.config = config;
    finetune::TrainOptions o;
    o.epochs = 8;
    o.batch_size = 10;
    o.quiet = true;
    o.workers = workers;
    const auto r = finetune::train_model(model, ckpt, train, val, o);
    ASSERT_EQ(r.workers, workers);
    ASSERT_EQ(r.log.size(), 8u);
    double best = 1e9;
    for (const auto& e : r.log) best = std::min(best, e.val_rmse);
    EXPECT_DOUBLE_EQ(r.best_val_rmse, best);
    const auto m =
        finetune::regression_metrics(finetune::predict_subset(model, ckpt, val), finetune::subset_targets(val), 2);
    // Two tasks: the score is the mean of RMSE / the task's training standard deviation, so
    // that a target in large units does not decide the epoch alone.
    ASSERT_EQ(ckpt.targets.std.size(), 2u);
    EXPECT_NEAR((m[0].rmse / ckpt.targets.std[0] + m[1].rmse / ckpt.targets.std[1]) / 2, best, 1e-4) << workers;
  }
}

TEST(Trainer, FrozenEncoderDoesNotChange) {
  data::GraphDataset ds(small_dataset("frozen"));
  const auto train = first_n(ds, 20);
  torch::manual_seed(0);
  auto config = small_config(2, 32);
  models::PropertyModel model(config);
  std::vector<torch::Tensor> before;
  for (const auto& p : model->encoder().parameters()) before.push_back(p.detach().clone());
  const auto head_before = model->head()->parameters()[0].detach().clone();
  checkpoint::Checkpoint ckpt;
  ckpt.config = config;
  finetune::TrainOptions o;
  o.epochs = 2;
  o.freeze_encoder = true;
  o.quiet = true;
  finetune::train_model(model, ckpt, train, finetune::Subset{}, o);
  const auto after = model->encoder().parameters();
  for (size_t k = 0; k < before.size(); ++k) EXPECT_TRUE(torch::equal(before[k], after[k]));
  EXPECT_FALSE(torch::equal(head_before, model->head()->parameters()[0]));
}

TEST(Trainer, TargetScalingIsFittedOnTrainingRowsIgnoringGaps) {
  data::GraphDataset ds(small_dataset("scaling"));
  const auto train = first_n(ds, 30);
  auto config = small_config(2, 16);
  models::PropertyModel model(config);
  checkpoint::Checkpoint ckpt;
  ckpt.config = config;
  finetune::TrainOptions o;
  o.epochs = 1;
  o.quiet = true;
  finetune::train_model(model, ckpt, train, finetune::Subset{}, o);
  const auto y = finetune::subset_targets(train);
  double sum = 0;
  int n = 0;
  for (size_t i = 1; i < y.size(); i += 2) {
    if (!std::isnan(y[i])) {
      sum += y[i];
      ++n;
    }
  }
  EXPECT_NEAR(ckpt.targets.mean[1], sum / n, 1e-6);
  EXPECT_EQ(ckpt.targets.names, ds.info().target_names);
}

namespace {

// Row `task` of the head's last linear layer (its output for that task).
torch::Tensor last_layer_row(models::PropertyModel& m, int64_t task) {
  torch::Tensor last;
  for (const auto& p : m->named_parameters()) {
    const std::string& name = p.key();
    if (name.rfind("head.", 0) == 0 && name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0) {
      last = p.value();
    }
  }
  EXPECT_TRUE(last.defined());
  return last[task].detach().clone();
}

}  // namespace

TEST(Trainer, AZeroTargetWeightLeavesThatTasksOutputLayerUntrained) {
  data::GraphDataset ds(small_dataset("weights"));
  const auto train = first_n(ds, 20);
  auto trained_rows = [&](std::vector<double> target_weights) {
    torch::manual_seed(3);
    auto config = small_config(2, 16);
    models::PropertyModel model(config);
    const torch::Tensor before = last_layer_row(model, 1);
    checkpoint::Checkpoint ckpt;
    ckpt.config = config;
    finetune::TrainOptions o;
    o.epochs = 3;
    o.batch_size = 5;
    o.quiet = true;
    o.target_weights = std::move(target_weights);
    finetune::train_model(model, ckpt, train, finetune::Subset{}, o);
    return std::make_pair(before, last_layer_row(model, 1));
  };
  const auto [before_off, after_off] = trained_rows({1.0, 0.0});
  EXPECT_TRUE(torch::equal(before_off, after_off));
  const auto [before_on, after_on] = trained_rows({1.0, 1.0});
  EXPECT_FALSE(torch::equal(before_on, after_on));
}

TEST(Trainer, TargetWeightsAreCheckedAgainstTheTasks) {
  data::GraphDataset ds(small_dataset("weights-check"));
  const auto train = first_n(ds, 10);
  auto config = small_config(2, 16);
  models::PropertyModel model(config);
  checkpoint::Checkpoint ckpt;
  ckpt.config = config;
  finetune::TrainOptions o;
  o.epochs = 1;
  o.quiet = true;
  auto message = [&](std::vector<double> w) {
    o.target_weights = std::move(w);
    try {
      finetune::train_model(model, ckpt, train, finetune::Subset{}, o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(message({1.0, 2.0, 3.0}), "TrainOptions::target_weights: 3 weights for 2 targets");
  EXPECT_EQ(message({1.0, -1.0}), "TrainOptions::target_weights must be in [0, 1e+06], got -1");
  EXPECT_EQ(message({0.0, 0.0}), "TrainOptions::target_weights: at least one weight must be positive");
}

TEST(TargetWeights, FollowTheWeightingFromTheLabelCounts) {
  const std::vector<int64_t> counts{100, 25, 0};  // mean over targets with labels: 62.5
  EXPECT_EQ(finetune::target_weights_for("equal", counts), (std::vector<double>{1.0, 1.0, 0.0}));
  const auto s = finetune::target_weights_for("sqrt", counts);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_NEAR(s[0], std::sqrt(0.625), 1e-12);
  EXPECT_NEAR(s[1], std::sqrt(2.5), 1e-12);
  EXPECT_EQ(s[2], 0.0);
  const auto b = finetune::target_weights_for("balanced", counts);
  EXPECT_NEAR(b[0], 0.625, 1e-12);
  EXPECT_NEAR(b[1], 2.5, 1e-12);
  // Balanced: every target's labels carry the same total weight.
  EXPECT_NEAR(b[0] * 100, b[1] * 25, 1e-9);
  EXPECT_THROW(finetune::target_weights_for("loud", counts), Error);
}

namespace {

struct WorkerRun {
  std::vector<torch::Tensor> start, end;
  finetune::TrainResult result;
};

// Two tasks with gaps (so the parts' label counts differ), optional task weights.
WorkerRun train_with_workers(data::GraphDataset& ds, int workers, std::vector<double> target_weights = {},
                             double dropout = 0) {
  const auto train = first_n(ds, 30);
  torch::manual_seed(5);
  auto config = small_config(2, 32);
  config.encoder.dropout = dropout;
  models::PropertyModel model(config);
  WorkerRun run;
  run.start = weights(model);
  checkpoint::Checkpoint ckpt;
  ckpt.config = config;
  finetune::TrainOptions o;
  o.epochs = 2;
  o.batch_size = 10;
  o.quiet = true;
  o.seed = 4;
  o.workers = workers;
  o.target_weights = std::move(target_weights);
  run.result = finetune::train_model(model, ckpt, train, finetune::Subset{}, o);
  run.end = weights(model);
  return run;
}

// Mean |a − b| over every weight.
double mean_abs_difference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double sum = 0;
  int64_t n = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    sum += (a[k] - b[k]).abs().sum().item<double>();
    n += a[k].numel();
  }
  return sum / static_cast<double>(n);
}

}  // namespace

TEST(Trainer, WorkersLearnWhatTheWholeBatchTeaches) {
  data::GraphDataset ds(small_dataset("workers"));
  for (const std::vector<double>& task_weights : {std::vector<double>{}, std::vector<double>{1.0, 0.3}}) {
    const WorkerRun one = train_with_workers(ds, 1, task_weights), two = train_with_workers(ds, 2, task_weights),
                    three = train_with_workers(ds, 3, task_weights);
    ASSERT_EQ(one.result.workers, 1);
    ASSERT_EQ(two.result.workers, 2);
    ASSERT_EQ(three.result.workers, 3);
    // The first batch's loss is computed before any update: the parts' weighted losses
    // add up to the whole batch's (label counts differ between parts: task 2 has gaps).
    EXPECT_NEAR(two.result.log[0].train_loss, one.result.log[0].train_loss, 1e-3 * one.result.log[0].train_loss);
    EXPECT_NEAR(three.result.log[0].train_loss, one.result.log[0].train_loss, 1e-3 * one.result.log[0].train_loss);
    // Six Adam steps moved the weights; cutting the batches into parts changes them only by
    // float rounding (a part's gradient missing or mis-weighted moves them as far again).
    const double moved = mean_abs_difference(one.start, one.end);
    ASSERT_GT(moved, 1e-4);
    EXPECT_LT(mean_abs_difference(one.end, two.end), 1e-3 * moved);
    EXPECT_LT(mean_abs_difference(one.end, three.end), 1e-3 * moved);
  }
}

TEST(Trainer, WorkersAreDeterministic) {
  data::GraphDataset ds(small_dataset("workers-determinism"));
  const WorkerRun a = train_with_workers(ds, 2), b = train_with_workers(ds, 2);
  for (size_t k = 0; k < a.end.size(); ++k) EXPECT_TRUE(torch::equal(a.end[k], b.end[k])) << k;
  EXPECT_EQ(a.result.log[1].train_loss, b.result.log[1].train_loss);
}

TEST(Trainer, WorkersNeedAModelWhosePartsCannotDiffer) {
  data::GraphDataset ds(small_dataset("workers-dropout"));
  // Dropout would draw its masks in whatever order the threads reach the generator.
  EXPECT_EQ(train_with_workers(ds, 2, {}, 0.1).result.workers, 1);
  finetune::TrainOptions o;
  o.workers = 0;
  EXPECT_THROW(o.validate(), Error);
  o.workers = 65;
  EXPECT_THROW(o.validate(), Error);
}
