#include "finetune/train_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "checkpoint/domain.h"
#include "checkpoint/feature_vocabulary.h"
#include "checkpoint/model_files.h"
#include "core/atomic_file.h"
#include "core/check.h"
#include "core/options.h"
#include "core/output_paths.h"
#include "data/graph_dataset.h"
#include "finetune/representations.h"
#include "finetune/train_inputs.h"
#include "regression/regressor.h"
#include "training/distributed.h"

namespace molprop::finetune {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json metrics_json(const std::vector<RegressionMetrics>& m, const std::vector<std::string>& names) {
  json j;
  for (size_t t = 0; t < m.size(); ++t) {
    j[names[t]] = {{"rmse", m[t].rmse}, {"mae", m[t].mae}, {"r2", m[t].r2}, {"count", m[t].count}};
  }
  return j;
}

void write_atomically(const std::string& path, const std::string& text) {
  core::write_file_atomically(path, [&](std::ostream& out) { out << text; });
}

// The molecules any fold trains on define where the saved models are on safe ground; per
// target, those with that target's label (a multi-task table leaves most cells empty).
void write_domain(data::GraphDataset& ds, const std::vector<data::Split>& splits, const std::string& path) {
  std::vector<char> used(static_cast<size_t>(ds.size()), 0);
  for (const auto& s : splits) {
    for (int64_t i : s.train) used[static_cast<size_t>(i)] = 1;
  }
  const std::vector<std::string>& names = ds.info().target_names;
  std::vector<std::string> smiles;
  std::vector<char> labelled;
  for (int64_t i = 0; i < ds.size(); ++i) {
    if (!used[static_cast<size_t>(i)]) continue;
    smiles.push_back(ds.smiles(i));
    for (float v : ds.targets(i)) labelled.push_back(std::isnan(v) ? 0 : 1);
  }
  if (names.size() > 1) {
    checkpoint::ApplicabilityDomain d = checkpoint::ApplicabilityDomain::from_smiles(smiles, labelled, names);
    std::vector<double> lo(names.size(), std::numeric_limits<double>::quiet_NaN()), hi = lo;
    for (int64_t i = 0; i < ds.size(); ++i) {
      if (!used[static_cast<size_t>(i)]) continue;
      const std::vector<float> y = ds.targets(i);
      for (size_t t = 0; t < y.size() && t < names.size(); ++t) {
        if (std::isnan(y[t])) continue;
        lo[t] = std::isnan(lo[t]) ? y[t] : std::min(lo[t], static_cast<double>(y[t]));
        hi[t] = std::isnan(hi[t]) ? y[t] : std::max(hi[t], static_cast<double>(y[t]));
      }
    }
    d.set_label_ranges(lo, hi);
    d.save(path);
  } else {
    checkpoint::ApplicabilityDomain::from_smiles(smiles).save(path);
  }
}

// Nothing the run writes may be one of its inputs (say `--from RUN/model.h5` into RUN, or
// a file in RUN/models/): refused before anything is written.
void check_outputs_are_not_inputs(const TrainRunOptions& o) {
  const std::vector<std::string> inputs{o.data, o.val_data, o.test_data, o.from};
  std::vector<std::string> outputs{"command.txt",
                                   "log.csv",
                                   "metrics.json",
                                   "splits.json",
                                   "model.h5",
                                   checkpoint::kDomainFileName,
                                   checkpoint::kRunMarkerFileName};
  // A CSV input is featurised into a cache in the run folder (train_inputs.cpp).
  const std::pair<const std::string*, const char*> caches[] = {
      {&o.data, "data.h5"}, {&o.val_data, "val.h5"}, {&o.test_data, "test.h5"}};
  for (const auto& [input, cache] : caches) {
    const bool hdf5 = fs::path(*input).extension() == ".h5" || fs::path(*input).extension() == ".hdf5";
    if (!input->empty() && !hdf5) outputs.push_back(cache);
  }
  for (const auto& name : outputs) core::check_output_is_not_input(o.output_dir + "/" + name, inputs);
  std::error_code ec;
  for (const auto& input : inputs) {
    if (input.empty() || !fs::exists(input, ec)) continue;
    if (core::same_file(fs::path(input).parent_path().empty() ? "." : fs::path(input).parent_path().string(),
                        o.output_dir + "/models")) {
      throw Error(input + ": is inside the run folder's models/ (TrainRunOptions::output_dir " + o.output_dir +
                  "), which the run overwrites; choose another output folder");
    }
  }
}

// A failed run removes the folder it created (the topmost folder of output_dir that did
// not exist before), so no half run is left to be mistaken for a model. A folder that
// existed before is never removed.
class RunFolderCleanup {
 public:
  RunFolderCleanup(const std::string& dir, bool writer) {
    if (!writer || dir.empty()) return;
    std::error_code ec;
    fs::path p = fs::absolute(dir, ec).lexically_normal();
    if (ec) return;
    if (p.filename().empty()) p = p.parent_path();
    while (!p.empty() && !fs::exists(p, ec)) {
      created_ = p;
      if (p == p.parent_path()) break;
      p = p.parent_path();
    }
  }
  ~RunFolderCleanup() {
    if (keep_ || created_.empty()) return;
    std::error_code ec;
    fs::remove_all(created_, ec);
  }
  RunFolderCleanup(const RunFolderCleanup&) = delete;
  RunFolderCleanup& operator=(const RunFolderCleanup&) = delete;
  void keep() { keep_ = true; }

 private:
  fs::path created_;  // empty: the folder existed before (or this rank does not write)
  bool keep_ = false;
};

// The model every MLP member is built from: the options' (the --from encoder's shape
// when there is one), this build's feature vocabulary, the dataset's tasks and descriptors.
models::ModelConfig member_config(const TrainRunOptions& o, int64_t tasks, int64_t num_descriptors) {
  models::ModelConfig config = o.model;
  if (!o.from.empty()) {
    // The pretrained encoder defines the encoder's shape (and, unless told otherwise, the readout).
    const models::ModelConfig pretrained = checkpoint::read_checkpoint_info(o.from).config;
    config.encoder = pretrained.encoder;
    if (o.readout_from_pretrained) config.readout = pretrained.readout;
  }
  checkpoint::set_feature_vocabulary(config);
  config.head.num_tasks = tasks;
  config.num_descriptors = num_descriptors;
  return config;
}

std::string member_label(size_t f, size_t folds, int m, int ensemble_size) {
  return (folds > 1 ? "fold " + std::to_string(f + 1) + "/" + std::to_string(folds) + " " : "") +
         (ensemble_size > 1 ? "member " + std::to_string(m + 1) + "/" + std::to_string(ensemble_size) + " " : "");
}

// One fold's subsets, by name ("train", "val", "test").
struct FoldParts {
  Subset train, val, test;
  std::map<std::string, const Subset*> parts() const { return {{"train", &train}, {"val", &val}, {"test", &test}}; }
};

// One `molprop train` run: set up in the constructor (process group, output folder,
// inputs, model configuration, regressor head, splits), then run(): every fold's members,
// then the metrics.
class TrainRun {
 public:
  explicit TrainRun(const TrainRunOptions& o) : o_(o), rank_(o.distributed.rank), writer_(rank_ == 0) {
    o.validate();
    if (o.distributed.distributed()) {
      parallel_ =
          std::make_unique<training::DataParallel>(o.distributed, std::chrono::milliseconds(o.distributed_timeout_ms));
    }
    check_outputs_are_not_inputs(o);
    std::error_code ec;
    fs::create_directories(o.output_dir, ec);
    if (ec) throw Error(o.output_dir + ": cannot create output folder (" + ec.message() + ")");
    if (writer_) write_atomically(o.output_dir + "/command.txt", o.command_line + "\n");
    open_inputs(o, rank_, in_);
    summary_.target_names = checked_targets(o, in_);
    tasks_ = static_cast<int64_t>(summary_.target_names.size());
    const int64_t num_descriptors =
        o.use_descriptors ? static_cast<int64_t>(in_.ds->info().descriptor_names.size()) : 0;
    if (o.use_descriptors && num_descriptors == 0) {
      throw Error(o.data +
                  ": TrainRunOptions::use_descriptors needs a dataset featurized with FeaturizeOptions::descriptors");
    }
    config_ = member_config(o, tasks_, num_descriptors);
    ensemble_size_ = o.ensemble_size;
    if (o.head != "mlp") set_up_regressor_head();
    splits_ = make_splits(o, *in_.ds, in_.val_ds != nullptr, in_.test_ds != nullptr);
    single_ = splits_.size() == 1 && ensemble_size_ == 1;
    if (writer_) write_domain(*in_.ds, splits_, o.output_dir + "/" + checkpoint::kDomainFileName);
    if (!single_) fs::create_directories(o.output_dir + "/models");
  }

  TrainRunSummary run() {
    // log.csv appears when the run completes; the other ranks' log goes nowhere (a stream
    // without a buffer discards what it is given).
    std::optional<core::AtomicOutputFile> log_file;
    if (writer_) log_file.emplace(o_.output_dir + "/log.csv");
    std::ostream discard(nullptr);
    std::ostream& log = log_file ? log_file->stream() : discard;
    log << "fold,member,epoch,train_loss,val_rmse,lr,seconds,molecules_per_second\n";
    for (size_t f = 0; f < splits_.size(); ++f) run_fold(f, log);
    if (log_file) log_file->commit();
    write_metrics();
    // Rank 0 hosts the rendezvous store: nobody leaves before everyone is done.
    if (parallel_) parallel_->barrier();
    return summary_;
  }

 private:
  bool regressor_head() const { return o_.head != "mlp"; }

  // A closed-form head: its representation (a frozen --from model's embeddings, or ECFP).
  void set_up_regressor_head() {
    // TrainRunOptions::validate() has checked the head, representation, from and descriptors.
    const TrainRunOptions& o = o_;
    if (o.representation == "embedding") {
      frozen_ = checkpoint::load_checkpoint(o.from, &frozen_info_);
      frozen_->to(torch::Device(o.device));
    }
    // A closed-form fit is deterministic: ensemble members would be identical.
    ensemble_size_ = 1;
  }

  std::vector<float> represent(const Subset& s) {
    return o_.representation == "ecfp" ? ecfp_subset(s) : embed_subset(frozen_, frozen_info_, s);
  }

  std::string model_path(size_t f, int m) const {
    return single_ ? o_.output_dir + "/model.h5"
                   : o_.output_dir + "/models/fold" + std::to_string(f) + "_member" + std::to_string(m) + ".h5";
  }

  // Fold f's members (the regressor, or the MLP ensemble), then the ensemble's metrics.
  void run_fold(size_t f, std::ostream& log) {
    const data::Split& split = splits_[f];
    const auto& ds = in_.ds;
    const auto& val_ds = in_.val_ds;
    const auto& test_ds = in_.test_ds;
    FoldParts fold_parts{Subset{ds.get(), split.train},
                         val_ds ? Subset{val_ds.get(), all_indices(*val_ds)} : Subset{ds.get(), split.val},
                         test_ds ? Subset{test_ds.get(), all_indices(*test_ds)} : Subset{ds.get(), split.test}};
    if (fold_parts.train.indices.empty())
      throw Error("the training split is empty; check TrainRunOptions::split_sizes");
    split_record_.push_back({{"fold", f},
                             {"train", split.train},
                             {"val", val_ds ? std::vector<int64_t>{} : split.val},
                             {"test", test_ds ? std::vector<int64_t>{} : split.test}});
    const std::map<std::string, const Subset*> parts = fold_parts.parts();
    std::map<std::string, std::vector<float>> ensemble_sum;
    json members = json::array();
    if (regressor_head()) members.push_back(fit_regressor(f, parts, ensemble_sum));
    for (int m = 0; m < (regressor_head() ? 0 : ensemble_size_); ++m) {
      members.push_back(train_member(f, m, parts, ensemble_sum, log));
    }
    json fold{{"fold", f}, {"members", members}};
    for (auto& [name, sum] : ensemble_sum) {
      for (float& v : sum) v /= static_cast<float>(regressor_head() ? 1 : ensemble_size_);
      const auto metrics = regression_metrics(sum, subset_targets(*parts.at(name)), tasks_);
      fold["ensemble"][name] = metrics_json(metrics, summary_.target_names);
      for (size_t t = 0; t < metrics.size(); ++t) per_fold_[name][summary_.target_names[t]].push_back(metrics[t]);
    }
    folds_.push_back(fold);
  }

  // The closed-form head of fold f: fitted, evaluated on every part, saved (on top of the
  // frozen model) when it regresses on embeddings. Returns its member record.
  json fit_regressor(size_t f, const std::map<std::string, const Subset*>& parts,
                     std::map<std::string, std::vector<float>>& ensemble_sum) {
    const TrainRunOptions& o = o_;
    const Subset& train = *parts.at("train");
    regression::RegressorOptions ro;
    if (o.representation == "ecfp") {
      ro.standardize_features = false;
      ro.gp_kernel = "tanimoto";
    }
    auto regressor = regression::make_regressor(o.head, ro);
    const std::vector<float> x_train = represent(train);
    const auto rows = static_cast<int64_t>(train.indices.size());
    regressor->fit(x_train, rows, static_cast<int64_t>(x_train.size()) / rows, subset_targets(train), tasks_,
                   o.train.seed);
    json member{{"member", 0},
                {"seed", o.train.seed},
                {"head", o.head},
                {"representation", o.representation},
                {"params", json::parse(regressor->params_json())}};
    for (const auto& [name, subset] : parts) {
      if (subset->indices.empty()) continue;
      std::vector<float> mean, spread;
      regressor->predict(represent(*subset), static_cast<int64_t>(subset->indices.size()), mean, spread);
      member["metrics"][name] =
          metrics_json(regression_metrics(mean, subset_targets(*subset), tasks_), summary_.target_names);
      ensemble_sum[name] = mean;
    }
    if (o.representation == "embedding") {
      checkpoint::Checkpoint c = frozen_info_;
      c.targets = {summary_.target_names, std::vector<double>(tasks_, 0.0), std::vector<double>(tasks_, 1.0)};
      c.target_units = o.target_units;
      c.regressor_kind = regressor->kind();
      c.regressor_params = regressor->params_json();
      c.regressor_arrays = regressor->arrays();
      c.metadata_json = json{{"head", o.head}, {"from", o.from},   {"seed", o.train.seed},     {"fold", f},
                             {"data", o.data}, {"split", o.split}, {"command", o.command_line}}
                            .dump();
      const std::string path = model_path(f, 0);
      checkpoint::save_checkpoint(path, c, frozen_);
      summary_.model_paths.push_back(path);
    }
    return member;
  }

  // MLP member m of fold f: trained, logged, evaluated on every part (added to the
  // ensemble's sums) and saved. Returns its member record.
  json train_member(size_t f, int m, const std::map<std::string, const Subset*>& parts,
                    std::map<std::string, std::vector<float>>& ensemble_sum, std::ostream& log) {
    const TrainRunOptions& o = o_;
    TrainOptions to = o.train;
    to.seed = o.train.seed + static_cast<uint64_t>(m);
    if (to.target_weights.empty() && o.target_weighting != "equal") {
      const std::vector<float> y = subset_targets(*parts.at("train"));
      std::vector<int64_t> counts(static_cast<size_t>(tasks_), 0);
      for (size_t i = 0; i < y.size(); ++i) counts[i % counts.size()] += std::isnan(y[i]) ? 0 : 1;
      to.target_weights = target_weights_for(o.target_weighting, counts);
    }
    to.quiet = o.quiet || !writer_;
    to.parallel = parallel_.get();
    if (!single_) to.label = member_label(f, splits_.size(), m, ensemble_size_);
    torch::manual_seed(to.seed);
    models::PropertyModel model(config_);
    if (!o.from.empty()) {
      checkpoint::load_weights_with_prefix(o.from, "encoder.", model);
      if (o.readout_from_pretrained) {  // the pretrained readout's weights too, where it has any
        const auto names = model->named_parameters().keys();
        if (std::any_of(names.begin(), names.end(), [](const std::string& n) { return n.rfind("readout.", 0) == 0; })) {
          checkpoint::load_weights_with_prefix(o.from, "readout.", model);
        }
      }
    }
    model->to(torch::Device(o.device));
    checkpoint::Checkpoint checkpoint;
    checkpoint.config = config_;
    checkpoint.target_units = o.target_units;
    const TrainResult r = train_model(model, checkpoint, *parts.at("train"), *parts.at("val"), to);
    train_mps_sum_ += r.train_molecules_per_second;
    summary_.workers = r.workers;
    ++train_runs_;
    for (const auto& e : r.log) {
      log << f << "," << m << "," << e.epoch << "," << e.train_loss << "," << e.val_rmse << "," << e.lr << ","
          << e.seconds << "," << e.molecules_per_second << "\n";
    }
    json member{{"member", m},
                {"seed", to.seed},
                {"target_weighting", o.target_weighting},
                {"target_weights", to.target_weights},
                {"best_epoch", r.best_epoch},
                {"best_val_rmse", r.best_val_rmse},
                {"train_molecules_per_second", r.train_molecules_per_second}};
    for (const auto& [name, subset] : parts) {
      if (subset->indices.empty()) continue;
      std::vector<float> pred = predict_subset(model, checkpoint, *subset);
      member["metrics"][name] =
          metrics_json(regression_metrics(pred, subset_targets(*subset), tasks_), summary_.target_names);
      auto& sum = ensemble_sum[name];
      if (sum.empty()) sum.assign(pred.size(), 0.0f);
      for (size_t k = 0; k < pred.size(); ++k) sum[k] += pred[k];
    }
    checkpoint.metadata_json = json{
        {"seed", to.seed},
        {"fold", f},
        {"member", m},
        {"best_epoch", r.best_epoch},
        {"best_val_rmse", r.best_val_rmse},
        {"epochs", o.train.epochs},
        {"target_weights", to.target_weights},
        {"data", o.data},
        {"split", o.split},
        {"command",
         o.command_line}}.dump();
    const std::string path = model_path(f, m);
    if (writer_) checkpoint::save_checkpoint(path, checkpoint, model);
    summary_.model_paths.push_back(path);
    return member;
  }

  // The per-task summary over folds, metrics.json and splits.json.
  void write_metrics() {
    json summary_json;
    for (const auto& [split_name, by_task] : per_fold_) {
      for (const auto& [task, ms] : by_task) {
        std::vector<double> rmse, mae, r2;
        for (const auto& m : ms) {
          rmse.push_back(m.rmse);
          mae.push_back(m.mae);
          r2.push_back(m.r2);
        }
        TrainRunSummary::TaskSummary ts{split_name, task, mean_std(rmse), mean_std(mae), mean_std(r2)};
        summary_.tasks.push_back(ts);
        summary_json[split_name][task] = {
            {"rmse_mean", ts.rmse.mean}, {"rmse_std", ts.rmse.std}, {"mae_mean", ts.mae.mean}, {"mae_std", ts.mae.std},
            {"r2_mean", ts.r2.mean},     {"r2_std", ts.r2.std},     {"folds", ms.size()}};
      }
    }
    summary_.train_molecules_per_second = train_runs_ > 0 ? train_mps_sum_ / train_runs_ : 0;
    json metrics{{"targets", summary_.target_names},
                 {"split", o_.split},
                 {"seed", o_.train.seed},
                 {"ensemble_size", ensemble_size_},
                 {"head", o_.head},
                 {"folds", folds_},
                 {"summary", summary_json},
                 {"train_molecules_per_second", summary_.train_molecules_per_second}};
    if (writer_) {
      write_atomically(o_.output_dir + "/metrics.json", metrics.dump(2) + "\n");
      write_atomically(o_.output_dir + "/splits.json", split_record_.dump() + "\n");
      // Last: the completion marker predict checks (checkpoint/model_files.h).
      std::vector<std::string> models;
      for (const auto& p : summary_.model_paths)
        models.push_back(fs::path(p).lexically_relative(o_.output_dir).string());
      if (!models.empty()) checkpoint::write_run_marker(o_.output_dir, models);
    }
  }

  const TrainRunOptions& o_;
  const int rank_;
  const bool writer_;  // one process writes the output folder
  std::unique_ptr<training::DataParallel> parallel_;
  TrainInputs in_;
  TrainRunSummary summary_;
  int64_t tasks_ = 0;
  models::ModelConfig config_;
  models::PropertyModel frozen_{nullptr};  // regressor head on embeddings: the --from model
  checkpoint::Checkpoint frozen_info_;
  int ensemble_size_ = 1;
  std::vector<data::Split> splits_;
  bool single_ = false;  // one fold, one member: model.h5 instead of models/
  json folds_ = json::array(), split_record_ = json::array();
  std::map<std::string, std::map<std::string, std::vector<RegressionMetrics>>> per_fold_;  // split → task → folds
  double train_mps_sum_ = 0;
  int train_runs_ = 0;
};

}  // namespace

std::vector<std::string> head_names() {
  std::vector<std::string> names{"mlp"};
  for (const auto& n : regression::regressor_names()) names.push_back(n);
  return names;
}

void TrainRunOptions::validate() const {
  core::check_choice("TrainRunOptions::split", split, {"random", "scaffold", "kfold", "column"});
  data::check_split_sizes("TrainRunOptions::split_sizes", split_sizes);
  core::check_range("TrainRunOptions::num_folds", num_folds, 2, 100);
  core::check_range("TrainRunOptions::ensemble_size", ensemble_size, 1, 100);
  core::check_choice("TrainRunOptions::head", head, head_names());
  core::check_choice("TrainRunOptions::target_weighting", target_weighting, target_weighting_names());
  if (target_weighting != "equal" && !train.target_weights.empty()) {
    throw Error("TrainRunOptions::target_weighting " + target_weighting +
                " and explicit TrainOptions::target_weights: give one of them");
  }
  // Checked again against the dataset's tasks in train_model; here before any featurising.
  if (!train.target_weights.empty() && !targets.empty() && train.target_weights.size() != targets.size()) {
    throw Error("TrainOptions::target_weights: " + std::to_string(train.target_weights.size()) + " weights for " +
                std::to_string(targets.size()) + " targets");
  }
  core::check_choice("TrainRunOptions::representation", representation, {"embedding", "ecfp"});
  core::check_threads("TrainRunOptions::threads", threads);
  training::check_distributed_timeout(distributed_timeout_ms, "TrainRunOptions::distributed_timeout_ms");
  model.encoder.validate();
  model.readout.validate();
  model.head.validate();
  train.validate();
  if (head != "mlp") {
    if (use_descriptors) {
      throw Error("TrainRunOptions::use_descriptors is not supported with TrainRunOptions::head " + head);
    }
    if (representation == "embedding" && from.empty()) {
      throw Error("TrainRunOptions::head " + head +
                  " needs TrainRunOptions::from (a model whose embeddings it regresses on) or "
                  "TrainRunOptions::representation ecfp");
    }
    if (distributed.distributed()) {
      throw Error("TrainRunOptions::head " + head + " is a closed-form fit: run it in one process");
    }
  }
}

std::vector<std::string> target_weighting_names() { return {"equal", "sqrt", "balanced"}; }

std::vector<double> target_weights_for(const std::string& weighting, const std::vector<int64_t>& label_counts) {
  core::check_choice("TrainRunOptions::target_weighting", weighting, target_weighting_names());
  double sum = 0;
  int64_t present = 0;
  for (int64_t n : label_counts) {
    if (n > 0) sum += static_cast<double>(n), ++present;
  }
  const double mean = present > 0 ? sum / static_cast<double>(present) : 0.0;
  std::vector<double> w;
  for (int64_t n : label_counts) {
    const double ratio = n > 0 ? mean / static_cast<double>(n) : 0.0;
    w.push_back(n <= 0 ? 0.0 : weighting == "sqrt" ? std::sqrt(ratio) : weighting == "balanced" ? ratio : 1.0);
  }
  return w;
}

TrainRunSummary run_training(const TrainRunOptions& o) {
  RunFolderCleanup cleanup(o.output_dir, o.distributed.rank == 0);
  TrainRunSummary summary = TrainRun(o).run();
  cleanup.keep();
  return summary;
}

}  // namespace molprop::finetune
