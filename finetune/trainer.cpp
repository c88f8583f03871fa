#include "finetune/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>

#include "checkpoint/model_inputs.h"
#include "core/check.h"
#include "core/options.h"
#include "core/ordered_pipeline.h"
#include "core/progress.h"
#include "core/rng.h"
#include "data/scaler.h"
#include "models/dense.h"
#include "models/graph_tensors.h"
#include "models/losses.h"
#include "training/distributed.h"
#include "training/optimizer_step.h"

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

// The validation score epochs are chosen by: one task's RMSE in its units; for several
// tasks the mean of RMSE / the task's training standard deviation, so that a target in
// large units (a melting point in °C) does not outweigh one in log units.
double mean_rmse(const std::vector<RegressionMetrics>& metrics, const std::vector<double>& scale = {}) {
  double sum = 0;
  int n = 0;
  const bool scaled = metrics.size() > 1 && scale.size() == metrics.size();
  for (size_t t = 0; t < metrics.size(); ++t) {
    const auto& m = metrics[t];
    if (m.count > 0) {
      sum += scaled && scale[t] > 0 ? m.rmse / scale[t] : m.rmse;
      ++n;
    }
  }
  return n > 0 ? sum / n : std::numeric_limits<double>::quiet_NaN();
}

// Scaling is fitted on training molecules only: nothing about val/test leaks in.
void fit_scalings(checkpoint::Checkpoint& checkpoint, const Subset& train) {
  checkpoint.targets = [&] {
    data::ColumnScaling s = data::fit_scaling(subset_targets(train), checkpoint.config.head.num_tasks);
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
}

// Parameter groups: the encoder may learn slower (fine-tuning) or not at all (frozen).
// Group 0 is everything but the encoder, group 1 (when there is one) the encoder.
std::unique_ptr<torch::optim::Adam> make_optimizer(models::PropertyModel& model, const TrainOptions& options) {
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
  return std::make_unique<torch::optim::Adam>(groups, torch::optim::AdamOptions(options.schedule.init_lr));
}

// Whether a step may be cut into parts run on model copies (TrainOptions::workers) without
// changing what it computes beyond float rounding: dropout would draw its masks from one
// generator in whatever order the threads reach it, batch norm would see part statistics,
// and data parallelism across processes already splits the batch.
bool parts_are_exact(const models::ModelConfig& config, const TrainOptions& options) {
  return options.workers > 1 && !options.parallel && config.encoder.dropout == 0 && config.head.dropout == 0 &&
         config.encoder.norm != "batch";
}

// `indices` cut into at most `parts` consecutive runs of about equal atom count (each
// non-empty): the work of a D-MPNN step grows with atoms and bonds, not molecules.
std::vector<std::vector<int64_t>> cut_by_atoms(const std::vector<int64_t>& indices, const std::vector<int32_t>& atoms,
                                               int parts) {
  const auto n = static_cast<int64_t>(indices.size());
  parts = static_cast<int>(std::min<int64_t>(parts, n));
  double total = 0;
  for (int64_t i : indices) total += std::max(1, atoms[static_cast<size_t>(i)]);
  std::vector<std::vector<int64_t>> out(static_cast<size_t>(parts));
  double seen = 0;
  int64_t next = 0;
  for (int p = 0; p < parts; ++p) {
    auto& part = out[static_cast<size_t>(p)];
    const double goal = total * (p + 1) / parts;
    const int64_t keep_for_rest = parts - p - 1;  // molecules the later parts need at least
    while (next < n - keep_for_rest) {
      const double a = std::max(1, atoms[static_cast<size_t>(indices[static_cast<size_t>(next)])]);
      // A molecule goes to the part its middle falls in (the last part takes the rest).
      if (!part.empty() && p < parts - 1 && seen + a / 2 > goal) break;
      seen += a;
      part.push_back(indices[static_cast<size_t>(next++)]);
    }
  }
  return out;
}

// The denominator masked_mse divides by for these targets (rows × tasks, NaN = missing):
// the count of present labels, or with task weights their weighted count.
double label_weight(const std::vector<float>& targets, size_t tasks, const std::vector<double>& task_weights) {
  double sum = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    if (!std::isnan(targets[i])) sum += task_weights.empty() ? 1.0 : task_weights[i % tasks];
  }
  return sum;
}

// What one epoch's training pass adds up.
struct EpochPass {
  double loss_sum = 0;       // of the batch losses (standardised units)
  int64_t loss_batches = 0;  // batches this rank learnt from
  int64_t molecules = 0;     // molecules in those batches
  double lr = 0;             // of the epoch's last step
};

// The training passes of one train_model call: the optimiser and its schedule, the step
// count, and this rank's slice of every global batch of batch_size × world molecules.
class TrainingPasses {
 public:
  TrainingPasses(models::PropertyModel& model, const checkpoint::Checkpoint& checkpoint, const Subset& train,
                 const TrainOptions& options)
      : model_(model), checkpoint_(checkpoint), train_(train), options_(options),
        device_(model->parameters()[0].device()), optimizer_(make_optimizer(model, options)),
        world_(options.parallel ? options.parallel->world_size() : 1),
        rank_(options.parallel ? options.parallel->rank() : 0), n_(static_cast<int64_t>(train.indices.size())),
        global_batch_(options.batch_size * world_),
        schedule_(options.schedule, options.epochs, (n_ + global_batch_ - 1) / global_batch_) {
    for (const auto& p : model->parameters()) {
      if (p.requires_grad()) trainable_.push_back(p);
    }
    if (!options.target_weights.empty()) {
      std::vector<float> w(options.target_weights.begin(), options.target_weights.end());
      task_weights_ = torch::tensor(w).to(device_);
    }
    if (parts_are_exact(model->config(), options) && device_.is_cpu()) {
      atoms_ = train.dataset->atom_counts();
      workers_ = options.workers;
      for (int k = 1; k < workers_; ++k) replicas_.push_back(make_replica());
      pool_ = std::make_unique<core::ThreadPool>(workers_ - 1);
    }
    step_options_.group_lr_ratios = {1.0, options.encoder_lr_ratio};
    step_options_.grad_clip = options.grad_clip;
    step_options_.parallel = options.parallel;
    if (options.parallel) {
      std::vector<torch::Tensor> state = model->parameters();
      for (const auto& b : model->buffers()) state.push_back(b);
      options.parallel->broadcast(state);  // one starting point, whatever each rank initialised
    }
  }

  int rank() const { return rank_; }
  int workers() const { return workers_; }

  // predict_subset of the model on `subset`; with step workers, its molecules are cut into
  // one run per worker, each predicted by that worker's copy (the same weights after every
  // step) on its own thread, and the predictions joined in subset order.
  std::vector<float> predict(const Subset& subset) {
    const auto n = static_cast<int64_t>(subset.indices.size());
    if (workers_ == 1 || n < 2 * workers_) return predict_subset(model_, checkpoint_, subset);
    std::vector<Subset> runs(static_cast<size_t>(workers_), Subset{subset.dataset, {}});
    for (int64_t k = 0; k < workers_; ++k) {
      runs[k].indices.assign(subset.indices.begin() + n * k / workers_,
                             subset.indices.begin() + n * (k + 1) / workers_);
    }
    std::vector<std::vector<float>> out(runs.size());
    pool_->run_each(runs.size(), [&](size_t k) {
      models::ScopedThreads one(1);
      out[k] = predict_subset(k == 0 ? model_ : replicas_[k - 1], checkpoint_, runs[k]);
    });
    std::vector<float> joined;
    for (const auto& part : out) joined.insert(joined.end(), part.begin(), part.end());
    return joined;
  }

  // One pass over the training set in the epoch's shuffled order, in train mode.
  EpochPass run_epoch(int64_t epoch, bool quiet) {
    model_->train();
    for (auto& replica : replicas_) replica->train();
    core::Rng rng(core::mix_seed(options_.seed, static_cast<uint64_t>(epoch)));
    order_ = train_.indices;
    core::shuffle(order_, rng);
    core::Progress progress(options_.label + "epoch " + std::to_string(epoch) + "/" + std::to_string(options_.epochs),
                            n_, "mol", quiet);
    EpochPass pass;
    for (int64_t start = 0; start < n_; start += global_batch_) {
      // Every rank shuffled the same order; rank r takes its slice of the global batch.
      const int64_t global_end = std::min(n_, start + global_batch_);
      const int64_t first = std::min(global_end, start + rank_ * options_.batch_size);
      idx_.assign(order_.begin() + first, order_.begin() + std::min(global_end, first + options_.batch_size));
      // BatchNorm cannot normalise a single sample; Chemprop skips such batches too.
      const bool skip = idx_.empty() || (idx_.size() < 2 && n_ > 1 && checkpoint_.config.encoder.norm == "batch");
      if (skip && !options_.parallel) continue;
      pass.lr = schedule_.lr(step_);
      optimizer_->zero_grad();
      double loss = 0;
      if (!skip) loss = workers_ > 1 && idx_.size() > 1 ? backward_in_parts() : backward_batch(global_end - start);
      // A rank with nothing to learn from still takes the step (the others wait for it in
      // the gradient exchange); its missing gradients count as zeros.
      training::optimizer_step(*optimizer_, trainable_, pass.lr, step_options_);
      ++step_;
      if (workers_ > 1) copy_weights_to_replicas();
      if (skip) continue;
      pass.loss_sum += loss;
      ++pass.loss_batches;
      pass.molecules += static_cast<int64_t>(idx_.size());
      char extra[64];
      std::snprintf(extra, sizeof extra, "loss %.4f", pass.loss_sum / static_cast<double>(pass.loss_batches));
      progress.update(pass.molecules, pass.molecules, extra);
    }
    progress.finish();
    return pass;
  }

 private:
  // Loss of this rank's batch idx_ (of a global batch of `global_size` molecules), after
  // accumulating its gradient.
  double backward_batch(int64_t global_size) {
    train_.dataset->collate(idx_, batch_);
    // Data-parallel: weighted by this rank's share of the global batch, so the averaged
    // gradient is the whole batch's, also when the last batch splits unevenly.
    const double share =
        options_.parallel ? static_cast<double>(idx_.size()) * world_ / static_cast<double>(global_size) : 1.0;
    return backward_part(model_, batch_, share) / share;
  }

  // Backpropagates `batch`'s loss × `share` through `model`; returns that product.
  double backward_part(models::PropertyModel& model, const data::Batch& batch, double share) {
    std::vector<float> y = batch.targets;
    data::apply_scaling(y, checkpoint_.targets);
    models::GraphTensors g = models::to_tensors(batch, device_, checkpoint::scaled_descriptors(batch, checkpoint_));
    const torch::Tensor target =
        torch::from_blob(y.data(), {batch.num_molecules, checkpoint_.config.head.num_tasks}, torch::kFloat32)
            .to(device_);
    const torch::Tensor pred = model->forward(g);
    const torch::Tensor loss =
        task_weights_.defined() ? models::masked_mse(pred, target, task_weights_) : models::masked_mse(pred, target);
    const torch::Tensor weighted = loss * share;
    weighted.backward();
    return weighted.item<double>();
  }

  // TrainOptions::workers: idx_ cut into parts of about equal atom count, part k learnt
  // by model copy k (0 = the model itself) on its own thread, each part's loss weighted by
  // its share of the batch's labels, so the summed gradient is the whole batch's. The
  // gradients are summed into the model's in part order (deterministic). Returns the loss.
  double backward_in_parts() {
    const std::vector<std::vector<int64_t>> parts = cut_by_atoms(idx_, atoms_, workers_);
    const size_t n = parts.size();
    part_batches_.resize(n);
    std::vector<double> weight(n), loss(n, 0.0);
    double total = 0;
    for (size_t k = 0; k < n; ++k) {
      train_.dataset->collate(parts[k], part_batches_[k]);
      weight[k] = label_weight(part_batches_[k].targets, static_cast<size_t>(checkpoint_.config.head.num_tasks),
                               options_.target_weights);
      total += weight[k];
    }
    auto run = [&](size_t k) {
      models::ScopedThreads one(1);
      models::PropertyModel& model = k == 0 ? model_ : replicas_[k - 1];
      if (k > 0) model->zero_grad();
      // masked_mse divides by the part's own label weight (1 when it has none, and then
      // its loss is 0): rescaled to the batch's, the parts' losses add up to the batch's.
      loss[k] = backward_part(model, part_batches_[k], total > 0 && weight[k] > 0 ? weight[k] / total : 0.0);
    };
    pool_->run_each(n, run);
    torch::NoGradGuard no_grad;
    const std::vector<torch::Tensor> params = model_->parameters();
    for (size_t k = 1; k < n; ++k) {
      const std::vector<torch::Tensor> copy = replicas_[k - 1]->parameters();
      for (size_t i = 0; i < params.size(); ++i) {
        const torch::Tensor& g = copy[i].grad();
        if (!g.defined()) continue;
        torch::Tensor& into = params[i].mutable_grad();
        if (into.defined()) {
          into.add_(g);
        } else {
          into = g.clone();
        }
      }
    }
    double sum = 0;
    for (double l : loss) sum += l;
    return sum;
  }

  // A copy of the model for a worker: same weights and trainable set, its own gradients.
  // Built without touching LibTorch's global generator, so the run's random stream does
  // not depend on the worker count.
  models::PropertyModel make_replica() {
    auto generator = at::detail::getDefaultCPUGenerator();
    torch::Tensor state;
    {
      std::lock_guard<std::mutex> lock(generator.mutex());
      state = generator.get_state();
    }
    models::PropertyModel replica(model_->config());
    {
      std::lock_guard<std::mutex> lock(generator.mutex());
      generator.set_state(state);
    }
    replica->to(device_);
    const std::vector<torch::Tensor> from = model_->parameters(), to = replica->parameters();
    for (size_t i = 0; i < from.size(); ++i) to[i].set_requires_grad(from[i].requires_grad());
    const std::vector<torch::Tensor> from_buffers = model_->buffers(), to_buffers = replica->buffers();
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < from_buffers.size(); ++i) to_buffers[i].copy_(from_buffers[i]);
    for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
    replica->train();
    return replica;
  }

  void copy_weights_to_replicas() {
    torch::NoGradGuard no_grad;
    const std::vector<torch::Tensor> params = model_->parameters();
    for (auto& replica : replicas_) {
      const std::vector<torch::Tensor> to = replica->parameters();
      for (size_t i = 0; i < params.size(); ++i) {
        if (params[i].requires_grad()) to[i].copy_(params[i]);
      }
    }
  }

  models::PropertyModel& model_;
  const checkpoint::Checkpoint& checkpoint_;
  const Subset& train_;
  const TrainOptions& options_;
  const torch::Device device_;
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::vector<torch::Tensor> trainable_;  // after freezing; the ones the step updates
  torch::Tensor task_weights_;            // TrainOptions::target_weights; undefined = every label alike
  training::OptimizerStepOptions step_options_;
  const int world_, rank_;
  const int64_t n_, global_batch_;
  const training::NoamSchedule schedule_;
  int64_t step_ = 0;
  data::Batch batch_;
  std::vector<int64_t> order_, idx_;
  // TrainOptions::workers, where parts_are_exact(); 1 = every step whole on this thread.
  int workers_ = 1;
  std::vector<models::PropertyModel> replicas_;  // workers 1.., in step with model_ after every step
  std::unique_ptr<core::ThreadPool> pool_;
  std::vector<int32_t> atoms_;  // per dataset molecule, to cut batches
  std::vector<data::Batch> part_batches_;
};

// Early stopping's memory: the best epoch so far and its weights. Without a validation
// set, the last epoch is the best one.
struct BestEpoch {
  double score = std::numeric_limits<double>::infinity();
  int64_t epoch = 0;
  int64_t since = 0;  // epochs after it
  std::vector<torch::Tensor> weights;

  // True when `epoch` (validation RMSE `val_rmse`) is the new best.
  bool offer(models::PropertyModel& model, int64_t epoch_number, double val_rmse) {
    const double s = std::isnan(val_rmse) ? -static_cast<double>(epoch_number) : val_rmse;
    if (s < score) {
      score = s;
      epoch = epoch_number;
      weights = snapshot(model);
      since = 0;
      return true;
    }
    ++since;
    return false;
  }
};

EpochLog epoch_log(int64_t epoch, const EpochPass& pass, double train_seconds) {
  EpochLog log;
  log.epoch = epoch;
  log.train_loss = pass.loss_batches > 0 ? pass.loss_sum / static_cast<double>(pass.loss_batches) : 0;
  log.lr = pass.lr;
  log.molecules_per_second = train_seconds > 0 ? static_cast<double>(pass.molecules) / train_seconds : 0;
  log.val_rmse = std::numeric_limits<double>::quiet_NaN();
  return log;
}

void print_epoch(const TrainOptions& options, const EpochLog& log, bool best, bool multi_task) {
  std::fprintf(stderr, "%sepoch %lld/%lld: train loss %.4f, val %s %.4f, lr %.2e, %.0f mol/s%s\n",
               options.label.c_str(), static_cast<long long>(log.epoch), static_cast<long long>(options.epochs),
               log.train_loss, multi_task ? "RMSE/sd" : "RMSE", log.val_rmse, log.lr, log.molecules_per_second,
               best ? " *" : "");
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
  core::check_range("TrainOptions::workers", workers, 1, 64);
  bool any_positive = false;
  for (double w : target_weights) {
    core::check_range("TrainOptions::target_weights", w, 0.0, 1e6);
    any_positive |= w > 0;
  }
  if (!target_weights.empty() && !any_positive) {
    throw Error("TrainOptions::target_weights: at least one weight must be positive");
  }
}

TrainResult train_model(models::PropertyModel& model, checkpoint::Checkpoint& checkpoint, const Subset& train,
                        const Subset& val, const TrainOptions& options) {
  MOLPROP_CHECK(train.dataset && !train.indices.empty(), "training set is empty");
  options.validate();
  const int64_t tasks = checkpoint.config.head.num_tasks;
  if (!options.target_weights.empty() && static_cast<int64_t>(options.target_weights.size()) != tasks) {
    throw Error("TrainOptions::target_weights: " + std::to_string(options.target_weights.size()) + " weights for " +
                std::to_string(tasks) + " targets");
  }
  fit_scalings(checkpoint, train);
  TrainingPasses passes(model, checkpoint, train, options);
  const bool quiet = options.quiet || passes.rank() != 0;
  const std::vector<float> val_truth = val.dataset ? subset_targets(val) : std::vector<float>{};

  TrainResult result;
  BestEpoch best;
  best.weights = snapshot(model);
  double train_time = 0;
  for (int64_t epoch = 1; epoch <= options.epochs; ++epoch) {
    const double t0 = now_seconds();
    const EpochPass pass = passes.run_epoch(epoch, quiet);
    const double train_seconds = now_seconds() - t0;
    train_time += train_seconds;
    EpochLog log = epoch_log(epoch, pass, train_seconds);
    if (val.dataset && !val.indices.empty()) {
      log.val_rmse = mean_rmse(regression_metrics(passes.predict(val), val_truth, tasks), checkpoint.targets.std);
    }
    log.seconds = now_seconds() - t0;
    const bool improved = best.offer(model, epoch, log.val_rmse);
    result.log.push_back(log);
    if (!quiet) print_epoch(options, log, improved, tasks > 1);
    if (options.patience > 0 && best.since >= options.patience) break;
  }
  restore(model, best.weights);
  model->eval();
  result.best_epoch = best.epoch;
  result.best_val_rmse =
      std::isnan(result.log[best.epoch - 1].val_rmse) ? std::numeric_limits<double>::quiet_NaN() : best.score;
  result.train_seconds = train_time;
  result.workers = passes.workers();
  const auto n = static_cast<int64_t>(train.indices.size());
  result.train_molecules_per_second =
      train_time > 0 ? static_cast<double>(n * static_cast<int64_t>(result.log.size())) / train_time : 0;
  return result;
}

}  // namespace molprop::finetune
