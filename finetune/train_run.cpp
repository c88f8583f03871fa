#include "finetune/train_run.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "checkpoint/domain.h"
#include "chem/features.h"
#include "core/atomic_file.h"
#include "core/check.h"
#include "data/csv_reader.h"
#include "data/featurize_csv.h"
#include "data/graph_dataset.h"
#include "finetune/representations.h"
#include "regression/regressor.h"

namespace molprop::finetune {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool is_hdf5_path(const std::string& path) {
  return path.size() > 3 && (path.compare(path.size() - 3, 3, ".h5") == 0 ||
                             (path.size() > 5 && path.compare(path.size() - 5, 5, ".hdf5") == 0));
}

// Opens an .h5 dataset, or featurises a CSV into `cache` first (same code path as
// `molprop featurize`).
std::unique_ptr<data::GraphDataset> open_data(const TrainRunOptions& o, const std::string& path,
                                              const std::string& cache) {
  if (is_hdf5_path(path)) return std::make_unique<data::GraphDataset>(path);
  data::FeaturizeCsvOptions f;
  f.input = path;
  f.output = cache;
  f.smiles_column = o.smiles_column;
  f.targets = o.targets;
  f.featurize.descriptors = o.use_descriptors;
  f.featurize.scaffold = o.split == "scaffold";
  f.threads = o.threads;
  f.quiet = o.quiet;
  const data::FeaturizeSummary s = data::featurize_csv(f);
  if (!o.quiet) {
    std::fprintf(stderr, "molprop train: featurized %s: %lld molecules, %lld failed rows (listed in %s)\n",
                 path.c_str(), static_cast<long long>(s.molecules), static_cast<long long>(s.failed), cache.c_str());
  }
  return std::make_unique<data::GraphDataset>(cache);
}

std::vector<int64_t> all_indices(const data::GraphDataset& ds) {
  std::vector<int64_t> v(static_cast<size_t>(ds.size()));
  for (int64_t i = 0; i < ds.size(); ++i) v[static_cast<size_t>(i)] = i;
  return v;
}

// split=column: labels come from the CSV, matched to molecules by source row.
data::Split column_split_from_csv(const TrainRunOptions& o, data::GraphDataset& ds) {
  if (is_hdf5_path(o.data)) {
    throw Error("--split column needs the CSV as --data (the labels are read from column '" + o.split_column + "')");
  }
  data::CsvReader reader(o.data);
  const int col = reader.column_index(o.split_column);
  std::unordered_map<int64_t, std::string> by_row;
  data::CsvRecord rec;
  while (reader.next(rec)) {
    if (static_cast<int>(rec.fields.size()) > col) by_row[rec.row] = rec.fields[col];
  }
  std::vector<std::string> labels;
  labels.reserve(static_cast<size_t>(ds.size()));
  for (int64_t i = 0; i < ds.size(); ++i) labels.push_back(by_row[ds.row(i)]);
  return data::column_split(labels);
}

std::vector<data::Split> make_splits(const TrainRunOptions& o, data::GraphDataset& ds, bool has_val, bool has_test) {
  const int64_t n = ds.size();
  data::SplitSizes sizes = o.split_sizes;
  // Separate val/test files take the place of those parts of the split.
  if (has_val && has_test) return {data::Split{all_indices(ds), {}, {}}};
  if (has_val) sizes = {sizes[0] / (sizes[0] + sizes[2]), 0, sizes[2] / (sizes[0] + sizes[2])};
  if (has_test) sizes = {sizes[0] / (sizes[0] + sizes[1]), sizes[1] / (sizes[0] + sizes[1]), 0};
  if (o.split == "random") return {data::random_split(n, sizes, o.train.seed)};
  if (o.split == "scaffold") return {data::scaffold_balanced_split(ds.scaffold_ids(), sizes, o.train.seed)};
  if (o.split == "kfold") return data::kfold_splits(n, o.num_folds, o.train.seed);
  if (o.split == "column") return {column_split_from_csv(o, ds)};
  throw Error("unknown --split '" + o.split + "'; use random, scaffold, kfold or column");
}

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

// The molecules any fold trains on define where the saved models are on safe ground.
void write_domain(data::GraphDataset& ds, const std::vector<data::Split>& splits, const std::string& path) {
  std::vector<char> used(static_cast<size_t>(ds.size()), 0);
  for (const auto& s : splits) {
    for (int64_t i : s.train) used[static_cast<size_t>(i)] = 1;
  }
  std::vector<std::string> smiles;
  for (int64_t i = 0; i < ds.size(); ++i) {
    if (used[static_cast<size_t>(i)]) smiles.push_back(ds.smiles(i));
  }
  checkpoint::ApplicabilityDomain::from_smiles(smiles).save(path);
}

}  // namespace

TrainRunSummary run_training(const TrainRunOptions& o) {
  if (o.ensemble_size < 1) throw Error("--ensemble-size must be ≥ 1");
  std::unique_ptr<training::DataParallel> parallel;
  if (o.distributed.distributed()) {
    if (o.head != "mlp") throw Error("--head " + o.head + " is a closed-form fit: run it in one process");
    parallel =
        std::make_unique<training::DataParallel>(o.distributed, std::chrono::milliseconds(o.distributed_timeout_ms));
  }
  const int rank = o.distributed.rank;
  const bool writer = rank == 0;  // one process writes the output folder
  std::error_code ec;
  fs::create_directories(o.output_dir, ec);
  if (ec) throw Error(o.output_dir + ": cannot create output folder (" + ec.message() + ")");
  if (writer) write_atomically(o.output_dir + "/command.txt", o.command_line + "\n");

  // Featurised copies of CSV inputs: rank 0's stay in the folder, the others' are scratch.
  std::vector<std::string> scratch;
  auto cache = [&](const std::string& name) {
    if (writer) return o.output_dir + "/" + name + ".h5";
    scratch.push_back(o.output_dir + "/." + name + ".rank" + std::to_string(rank) + ".h5");
    return scratch.back();
  };
  struct RemoveScratch {
    std::vector<std::string>& files;
    ~RemoveScratch() {
      for (const auto& f : files) std::remove(f.c_str());
    }
  } remove_scratch{scratch};
  TrainRunOptions quiet_options = o;
  quiet_options.quiet = o.quiet || !writer;
  auto ds = open_data(quiet_options, o.data, cache("data"));
  std::unique_ptr<data::GraphDataset> val_ds, test_ds;
  if (!o.val_data.empty()) val_ds = open_data(quiet_options, o.val_data, cache("val"));
  if (!o.test_data.empty()) test_ds = open_data(quiet_options, o.test_data, cache("test"));

  TrainRunSummary summary;
  summary.target_names = ds->info().target_names;
  const auto tasks = static_cast<int64_t>(summary.target_names.size());
  if (tasks == 0) throw Error(o.data + ": the dataset has no targets to train on");
  if (!o.targets.empty() && is_hdf5_path(o.data) && o.targets != summary.target_names) {
    throw Error(o.data +
                ": --targets does not match the targets stored in the dataset; featurize again with --targets");
  }
  for (auto* other : {val_ds.get(), test_ds.get()}) {
    if (other && other->info().target_names != summary.target_names) {
      throw Error(other->info().path + ": targets differ from those of " + o.data);
    }
  }
  if (!o.target_units.empty() && static_cast<int64_t>(o.target_units.size()) != tasks) {
    throw Error("--units has " + std::to_string(o.target_units.size()) + " entries for " + std::to_string(tasks) +
                " targets (" + std::to_string(tasks) + " expected, in target order)");
  }
  const int64_t num_descriptors = o.use_descriptors ? static_cast<int64_t>(ds->info().descriptor_names.size()) : 0;
  if (o.use_descriptors && num_descriptors == 0) {
    throw Error(o.data + ": --features descriptors needs a dataset featurized with --descriptors");
  }

  models::ModelConfig config = o.model;
  if (!o.from.empty()) {
    // The pretrained encoder defines the encoder's shape.
    config.encoder = checkpoint::read_checkpoint_info(o.from).config.encoder;
  }
  config.encoder.atom_cardinalities.clear();
  config.encoder.bond_cardinalities.clear();
  for (const auto& s : chem::atom_feature_specs()) config.encoder.atom_cardinalities.push_back(s.cardinality);
  for (const auto& s : chem::bond_feature_specs()) config.encoder.bond_cardinalities.push_back(s.cardinality);
  config.head.num_tasks = tasks;
  config.num_descriptors = num_descriptors;
  config.featurizer_version = chem::kFeaturizerVersion;

  const bool regressor_head = o.head != "mlp";
  models::PropertyModel frozen{nullptr};
  checkpoint::Checkpoint frozen_info;
  int ensemble_size = o.ensemble_size;
  if (regressor_head) {
    if (o.head != "ridge" && o.head != "gp") throw Error("--head must be mlp, ridge or gp, got '" + o.head + "'");
    if (o.use_descriptors) throw Error("--features descriptors is not supported with --head " + o.head);
    if (o.representation == "embedding") {
      if (o.from.empty())
        throw Error("--head " + o.head +
                    " needs --from (a model whose embeddings it regresses on) or --representation ecfp");
      frozen = checkpoint::load_checkpoint(o.from, &frozen_info);
      frozen->to(torch::Device(o.device));
    } else if (o.representation != "ecfp") {
      throw Error("--representation must be embedding or ecfp, got '" + o.representation + "'");
    }
    // A closed-form fit is deterministic: ensemble members would be identical.
    ensemble_size = 1;
  }
  auto represent = [&](const Subset& s) {
    return o.representation == "ecfp" ? ecfp_subset(s) : embed_subset(frozen, frozen_info, s);
  };

  const std::vector<data::Split> splits = make_splits(o, *ds, val_ds != nullptr, test_ds != nullptr);
  const bool single = splits.size() == 1 && ensemble_size == 1;
  if (writer) write_domain(*ds, splits, o.output_dir + "/" + checkpoint::kDomainFileName);
  if (!single) fs::create_directories(o.output_dir + "/models");

  // log.csv appears when the run completes; the other ranks' log goes nowhere (a stream
  // without a buffer discards what it is given).
  std::optional<core::AtomicOutputFile> log_file;
  if (writer) log_file.emplace(o.output_dir + "/log.csv");
  std::ostream discard(nullptr);
  std::ostream& log = log_file ? log_file->stream() : discard;
  log << "fold,member,epoch,train_loss,val_rmse,lr,seconds,molecules_per_second\n";
  json folds = json::array(), split_record = json::array();
  std::map<std::string, std::map<std::string, std::vector<RegressionMetrics>>> per_fold;  // split → task → folds
  double train_mps_sum = 0;
  int train_runs = 0;

  for (size_t f = 0; f < splits.size(); ++f) {
    const data::Split& split = splits[f];
    Subset train{ds.get(), split.train};
    Subset val = val_ds ? Subset{val_ds.get(), all_indices(*val_ds)} : Subset{ds.get(), split.val};
    Subset test = test_ds ? Subset{test_ds.get(), all_indices(*test_ds)} : Subset{ds.get(), split.test};
    if (train.indices.empty()) throw Error("the training split is empty; check --split-sizes");
    split_record.push_back({{"fold", f},
                            {"train", split.train},
                            {"val", val_ds ? std::vector<int64_t>{} : split.val},
                            {"test", test_ds ? std::vector<int64_t>{} : split.test}});
    const std::map<std::string, const Subset*> parts{{"train", &train}, {"val", &val}, {"test", &test}};
    std::map<std::string, std::vector<float>> ensemble_sum;
    json members = json::array();

    if (regressor_head) {
      regression::RegressorOptions ro;
      if (o.representation == "ecfp") {
        ro.standardize_features = false;
        ro.gp_kernel = "tanimoto";
      }
      auto regressor = regression::make_regressor(o.head, ro);
      const std::vector<float> x_train = represent(train);
      const auto rows = static_cast<int64_t>(train.indices.size());
      regressor->fit(x_train, rows, static_cast<int64_t>(x_train.size()) / rows, subset_targets(train), tasks,
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
            metrics_json(regression_metrics(mean, subset_targets(*subset), tasks), summary.target_names);
        ensemble_sum[name] = mean;
      }
      members.push_back(member);
      if (o.representation == "embedding") {
        checkpoint::Checkpoint c = frozen_info;
        c.targets = {summary.target_names, std::vector<double>(tasks, 0.0), std::vector<double>(tasks, 1.0)};
        c.target_units = o.target_units;
        c.regressor_kind = regressor->kind();
        c.regressor_params = regressor->params_json();
        c.regressor_arrays = regressor->arrays();
        c.metadata_json = json{{"head", o.head}, {"from", o.from},   {"seed", o.train.seed},     {"fold", f},
                               {"data", o.data}, {"split", o.split}, {"command", o.command_line}}
                              .dump();
        const std::string path =
            single ? o.output_dir + "/model.h5" : o.output_dir + "/models/fold" + std::to_string(f) + "_member0.h5";
        checkpoint::save_checkpoint(path, c, frozen);
        summary.model_paths.push_back(path);
      }
    }
    for (int m = 0; m < (regressor_head ? 0 : ensemble_size); ++m) {
      TrainOptions to = o.train;
      to.seed = o.train.seed + static_cast<uint64_t>(m);
      to.quiet = o.quiet || !writer;
      to.parallel = parallel.get();
      if (!single) {
        to.label =
            (splits.size() > 1 ? "fold " + std::to_string(f + 1) + "/" + std::to_string(splits.size()) + " " : "") +
            (ensemble_size > 1 ? "member " + std::to_string(m + 1) + "/" + std::to_string(ensemble_size) + " " : "");
      }
      torch::manual_seed(to.seed);
      models::PropertyModel model(config);
      if (!o.from.empty()) checkpoint::load_weights_with_prefix(o.from, "encoder.", model);
      model->to(torch::Device(o.device));
      checkpoint::Checkpoint checkpoint;
      checkpoint.config = config;
      checkpoint.target_units = o.target_units;
      const TrainResult r = train_model(model, checkpoint, train, val, to);
      train_mps_sum += r.train_molecules_per_second;
      ++train_runs;
      for (const auto& e : r.log) {
        log << f << "," << m << "," << e.epoch << "," << e.train_loss << "," << e.val_rmse << "," << e.lr << ","
            << e.seconds << "," << e.molecules_per_second << "\n";
      }
      json member{{"member", m},
                  {"seed", to.seed},
                  {"best_epoch", r.best_epoch},
                  {"best_val_rmse", r.best_val_rmse},
                  {"train_molecules_per_second", r.train_molecules_per_second}};
      for (const auto& [name, subset] : parts) {
        if (subset->indices.empty()) continue;
        std::vector<float> pred = predict_subset(model, checkpoint, *subset);
        member["metrics"][name] =
            metrics_json(regression_metrics(pred, subset_targets(*subset), tasks), summary.target_names);
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
          {"data", o.data},
          {"split", o.split},
          {"command",
           o.command_line}}.dump();
      const std::string path =
          single ? o.output_dir + "/model.h5"
                 : o.output_dir + "/models/fold" + std::to_string(f) + "_member" + std::to_string(m) + ".h5";
      if (writer) checkpoint::save_checkpoint(path, checkpoint, model);
      summary.model_paths.push_back(path);
      members.push_back(member);
    }
    json fold{{"fold", f}, {"members", members}};
    for (auto& [name, sum] : ensemble_sum) {
      for (float& v : sum) v /= static_cast<float>(regressor_head ? 1 : ensemble_size);
      const auto metrics = regression_metrics(sum, subset_targets(*parts.at(name)), tasks);
      fold["ensemble"][name] = metrics_json(metrics, summary.target_names);
      for (size_t t = 0; t < metrics.size(); ++t) per_fold[name][summary.target_names[t]].push_back(metrics[t]);
    }
    folds.push_back(fold);
  }
  if (log_file) log_file->commit();

  json summary_json;
  for (const auto& [split_name, by_task] : per_fold) {
    for (const auto& [task, ms] : by_task) {
      std::vector<double> rmse, mae, r2;
      for (const auto& m : ms) {
        rmse.push_back(m.rmse);
        mae.push_back(m.mae);
        r2.push_back(m.r2);
      }
      TrainRunSummary::TaskSummary ts{split_name, task, mean_std(rmse), mean_std(mae), mean_std(r2)};
      summary.tasks.push_back(ts);
      summary_json[split_name][task] = {
          {"rmse_mean", ts.rmse.mean}, {"rmse_std", ts.rmse.std}, {"mae_mean", ts.mae.mean}, {"mae_std", ts.mae.std},
          {"r2_mean", ts.r2.mean},     {"r2_std", ts.r2.std},     {"folds", ms.size()}};
    }
  }
  summary.train_molecules_per_second = train_runs > 0 ? train_mps_sum / train_runs : 0;
  json metrics{{"targets", summary.target_names},
               {"split", o.split},
               {"seed", o.train.seed},
               {"ensemble_size", ensemble_size},
               {"head", o.head},
               {"folds", folds},
               {"summary", summary_json},
               {"train_molecules_per_second", summary.train_molecules_per_second}};
  if (writer) {
    write_atomically(o.output_dir + "/metrics.json", metrics.dump(2) + "\n");
    write_atomically(o.output_dir + "/splits.json", split_record.dump() + "\n");
  }
  // Rank 0 hosts the rendezvous store: nobody leaves before everyone is done.
  if (parallel) parallel->barrier();
  return summary;
}

}  // namespace molprop::finetune
