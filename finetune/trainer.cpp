#include "finetune/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>

#include "checkpoint/model_inputs.h"
#include "core/check.h"
#include "core/options.h"
#include "core/progress.h"
#include "core/rng.h"
#include "data/scaler.h"
#include "models/graph_tensors.h"
#include "models/losses.h"
#include "training/distributed.h"

namespace molprop::finetune {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// A deep copy of every parameter and buffer, to restore the best epoch.
std::vector<torch::Tensor> snapshot(models::PropertyModel& model) {
  std::vector<torch::Tensor> out;
  for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
  for (const auto& b : model->buffers()) out.push_back(b.detach().clone());
  return out;
}

void restore(models::PropertyModel& model, const std::vector<torch::Tensor>& saved) {
  torch::NoGradGuard no_grad;
  size_t k = 0;
  for (auto& p : model->parameters()) p.copy_(saved[k++]);
  for (auto& b : model->buffers()) b.copy_(saved[k++]);
}

double mean_rmse(const std::vector<RegressionMetrics>& metrics) {
  double sum = 0;
  int n = 0;
  for (const auto& m : metrics) {
    if (m.count > 0) {
      sum += m.rmse;
      ++n;
    }
  }
  return n > 0 ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

std::vector<float> subset_targets(const Subset& subset) {
  const auto t = static_cast<int64_t>(subset.dataset->info().target_names.size());
  std::vector<float> all = subset.dataset->all_targets();
  std::vector<float> out;
  out.reserve(subset.indices.size() * t);
  for (int64_t i : subset.indices) out.insert(out.end(), all.begin() + i * t, all.begin() + (i + 1) * t);
  return out;
}

std::vector<float> map_batches(models::PropertyModel& model, const checkpoint::Checkpoint& checkpoint,
                               const Subset& subset, int64_t batch_size,
                               const std::function<torch::Tensor(const models::GraphTensors&)>& fn) {
  torch::NoGradGuard no_grad;
  model->eval();
  const torch::Device device = model->parameters()[0].device();
  std::vector<float> out;
  data::Batch batch;
  std::vector<int64_t> idx;
  const size_t step = static_cast<size_t>(batch_size);
  for (size_t start = 0; start < subset.indices.size(); start += step) {
    idx.assign(subset.indices.begin() + start, subset.indices.begin() + std::min(subset.indices.size(), start + step));
    subset.dataset->collate(idx, batch);
    const models::GraphTensors g = models::to_tensors(batch, device, checkpoint::scaled_descriptors(batch, checkpoint));
    const torch::Tensor result = fn(g).to(torch::kCPU).contiguous();
    out.insert(out.end(), result.data_ptr<float>(), result.data_ptr<float>() + result.numel());
  }
  return out;
}

std::vector<float> predict_subset(models::PropertyModel& model, const checkpoint::Checkpoint& checkpoint,
                                  const Subset& subset, int64_t batch_size) {
  std::vector<float> out = map_batches(model, checkpoint, subset, batch_size,
                                       [&](const models::GraphTensors& g) { return model->forward(g); });
  data::invert_scaling(out, checkpoint.targets);
  return out;
}

void TrainOptions::validate() const {
  core::check_range<int64_t>("TrainOptions::epochs", epochs, 1, 100000);
  core::check_range<int64_t>("TrainOptions::batch_size", batch_size, 1, 1000000);
  schedule.validate();
  core::check_at_least("TrainOptions::grad_clip", grad_clip, 0);
  core::check_range<int64_t>("TrainOptions::patience", patience, 0, 1000000);
  core::check_range("TrainOptions::encoder_lr_ratio", encoder_lr_ratio, 0.0, 100.0);
}

TrainResult train_model(models::PropertyModel& model, checkpoint::Checkpoint& checkpoint, const Subset& train,
                        const Subset& val, const TrainOptions& options) {
  MOLPROP_CHECK(train.dataset && !train.indices.empty(), "training set is empty");
  options.validate();
  const int64_t tasks = checkpoint.config.head.num_tasks;
  const torch::Device device = model->parameters()[0].device();

  // Scaling is fitted on training molecules only: nothing about val/test leaks in.
  checkpoint.targets = [&] {
    data::ColumnScaling s = data::fit_scaling(subset_targets(train), tasks);
    s.names = train.dataset->info().target_names;
    return s;
  }();
  if (checkpoint.config.num_descriptors > 0) {
    const auto d = checkpoint.config.num_descriptors;
    std::vector<float> all = train.dataset->all_descriptors();
    std::vector<float> rows;
    rows.reserve(train.indices.size() * d);
    for (int64_t i : train.indices) rows.insert(rows.end(), all.begin() + i * d, all.begin() + (i + 1) * d);
    checkpoint.descriptors = data::fit_scaling(rows, d);
    checkpoint.descriptors.names = train.dataset->info().descriptor_names;
  }

  // Parameter groups: the encoder may learn slower (fine-tuning) or not at all (frozen).
  std::vector<torch::Tensor> encoder_params, other_params;
  for (const auto& p : model->named_parameters()) {
    (p.key().rfind("encoder.", 0) == 0 ? encoder_params : other_params).push_back(p.value());
  }
  if (options.freeze_encoder) {
    for (auto& p : encoder_params) p.set_requires_grad(false);
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(other_params, std::make_unique<torch::optim::AdamOptions>(options.schedule.init_lr));
  if (!options.freeze_encoder && !encoder_params.empty()) {
    groups.emplace_back(encoder_params, std::make_unique<torch::optim::AdamOptions>(options.schedule.init_lr *
                                                                                    options.encoder_lr_ratio));
  }
  torch::optim::Adam optimizer(groups, torch::optim::AdamOptions(options.schedule.init_lr));

  training::DataParallel* parallel = options.parallel;
  const int world = parallel ? parallel->world_size() : 1;
  const int rank = parallel ? parallel->rank() : 0;
  const bool quiet = options.quiet || rank != 0;
  std::vector<torch::Tensor> trainable;
  for (const auto& p : model->parameters()) {
    if (p.requires_grad()) trainable.push_back(p);
  }
  if (parallel) {
    std::vector<torch::Tensor> state = model->parameters();
    for (const auto& b : model->buffers()) state.push_back(b);
    parallel->broadcast(state);  // one starting point, whatever each rank initialised
  }

  const auto n = static_cast<int64_t>(train.indices.size());
  const int64_t global_batch = options.batch_size * world;
  const int64_t steps_per_epoch = (n + global_batch - 1) / global_batch;
  const training::NoamSchedule schedule(options.schedule, options.epochs, steps_per_epoch);
  const std::vector<float> val_truth = val.dataset ? subset_targets(val) : std::vector<float>{};

  TrainResult result;
  result.best_val_rmse = std::numeric_limits<double>::infinity();
  std::vector<torch::Tensor> best = snapshot(model);
  int64_t step = 0, since_best = 0;
  double train_time = 0;
  data::Batch batch;
  std::vector<int64_t> order = train.indices, idx;

  for (int64_t epoch = 1; epoch <= options.epochs; ++epoch) {
    const double t0 = now_seconds();
    model->train();
    core::Rng rng(core::mix_seed(options.seed, static_cast<uint64_t>(epoch)));
    order = train.indices;
    core::shuffle(order, rng);
    core::Progress progress(options.label + "epoch " + std::to_string(epoch) + "/" + std::to_string(options.epochs), n,
                            "mol", quiet);
    double loss_sum = 0;
    int64_t loss_batches = 0, done = 0;
    double lr = 0;
    for (int64_t start = 0; start < n; start += global_batch) {
      // Every rank shuffled the same order; rank r takes its slice of the global batch.
      const int64_t global_end = std::min(n, start + global_batch);
      const int64_t first = std::min(global_end, start + rank * options.batch_size);
      idx.assign(order.begin() + first, order.begin() + std::min(global_end, first + options.batch_size));
      // BatchNorm cannot normalise a single sample; Chemprop skips such batches too.
      const bool skip = idx.empty() || (idx.size() < 2 && n > 1 && checkpoint.config.encoder.norm == "batch");
      if (skip && !parallel) continue;
      lr = schedule.lr(step);
      auto& group_list = optimizer.param_groups();
      static_cast<torch::optim::AdamOptions&>(group_list[0].options()).lr(lr);
      if (group_list.size() > 1)
        static_cast<torch::optim::AdamOptions&>(group_list[1].options()).lr(lr * options.encoder_lr_ratio);
      optimizer.zero_grad();
      torch::Tensor loss;
      if (!skip) {
        train.dataset->collate(idx, batch);
        std::vector<float> y = batch.targets;
        data::apply_scaling(y, checkpoint.targets);
        models::GraphTensors g = models::to_tensors(batch, device, checkpoint::scaled_descriptors(batch, checkpoint));
        const torch::Tensor target =
            torch::from_blob(y.data(), {batch.num_molecules, tasks}, torch::kFloat32).to(device);
        loss = models::masked_mse(model->forward(g), target);
        // Data-parallel: weighted by this rank's share of the global batch, so the averaged
        // gradient is the whole batch's, also when the last batch splits unevenly.
        const double share =
            parallel ? static_cast<double>(idx.size()) * world / static_cast<double>(global_end - start) : 1.0;
        (loss * share).backward();
      }
      // A rank with nothing to learn from still takes part in the exchange (the others wait
      // for it); its missing gradients count as zeros.
      if (parallel) parallel->average_gradients(trainable);
      if (options.grad_clip > 0) torch::nn::utils::clip_grad_norm_(trainable, options.grad_clip);
      optimizer.step();
      ++step;
      if (skip) continue;
      loss_sum += loss.item<double>();
      ++loss_batches;
      done += static_cast<int64_t>(idx.size());
      char extra[64];
      std::snprintf(extra, sizeof extra, "loss %.4f", loss_sum / static_cast<double>(loss_batches));
      progress.update(done, done, extra);
    }
    progress.finish();
    const double train_seconds = now_seconds() - t0;
    train_time += train_seconds;

    EpochLog log;
    log.epoch = epoch;
    log.train_loss = loss_batches > 0 ? loss_sum / static_cast<double>(loss_batches) : 0;
    log.lr = lr;
    log.molecules_per_second = train_seconds > 0 ? static_cast<double>(done) / train_seconds : 0;
    log.val_rmse = std::numeric_limits<double>::quiet_NaN();
    if (val.dataset && !val.indices.empty()) {
      log.val_rmse = mean_rmse(regression_metrics(predict_subset(model, checkpoint, val), val_truth, tasks));
    }
    log.seconds = now_seconds() - t0;
    // Without a validation set, the last epoch is the best one.
    const double score = std::isnan(log.val_rmse) ? -static_cast<double>(epoch) : log.val_rmse;
    if (score < result.best_val_rmse) {
      result.best_val_rmse = score;
      result.best_epoch = epoch;
      best = snapshot(model);
      since_best = 0;
    } else {
      ++since_best;
    }
    result.log.push_back(log);
    if (!quiet) {
      std::fprintf(stderr, "%sepoch %lld/%lld: train loss %.4f, val RMSE %.4f, lr %.2e, %.0f mol/s%s\n",
                   options.label.c_str(), static_cast<long long>(epoch), static_cast<long long>(options.epochs),
                   log.train_loss, log.val_rmse, lr, log.molecules_per_second, since_best == 0 ? " *" : "");
    }
    if (options.patience > 0 && since_best >= options.patience) break;
  }
  restore(model, best);
  model->eval();
  if (std::isnan(result.log[result.best_epoch - 1].val_rmse)) {
    result.best_val_rmse = std::numeric_limits<double>::quiet_NaN();
  }
  result.train_seconds = train_time;
  result.train_molecules_per_second =
      train_time > 0 ? static_cast<double>(n * static_cast<int64_t>(result.log.size())) / train_time : 0;
  return result;
}

}  // namespace molprop::finetune
