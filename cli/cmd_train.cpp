// molprop train: supervised training (from scratch or from a pretrained encoder).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "cli/common.h"
#include "core/check.h"
#include "data/splits.h"
#include "finetune/train_run.h"
#include "models/dense.h"
#include "models/encoder.h"
#include "models/model_config.h"
#include "models/readout.h"
#include "training/runtime_info.h"

namespace molprop::cli {
namespace {

// Field names in library errors → this subcommand's flags.
FlagNames train_flag_names() {
  FlagNames names = model_flag_names();
  for (auto& entry : FlagNames{
           {"TrainRunOptions::data", "--data"},
           {"TrainRunOptions::val_data", "--val"},
           {"TrainRunOptions::test_data", "--test"},
           {"TrainRunOptions::targets", "--targets"},
           {"TrainRunOptions::target_units", "--units"},
           {"TrainRunOptions::smiles_column", "--smiles-column"},
           {"TrainRunOptions::output_dir", "--output-dir"},
           {"TrainRunOptions::split = column", "--split column"},
           {"TrainRunOptions::split = random", "--split random"},
           {"TrainRunOptions::split", "--split"},
           {"TrainRunOptions::split_sizes", "--split-sizes"},
           {"SplitSizes", "--split-sizes"},
           {"TrainRunOptions::split_column", "--split-column"},
           {"TrainRunOptions::num_folds", "--num-folds"},
           {"TrainRunOptions::ensemble_size", "--ensemble-size"},
           {"TrainRunOptions::use_descriptors", "--features descriptors"},
           {"TrainRunOptions::target_weighting", "--target-weights"},
           {"TrainOptions::target_weights", "--target-weights"},
           {"TrainRunOptions::from", "--from"},
           {"TrainRunOptions::head", "--head"},
           {"TrainRunOptions::representation", "--representation"},
           {"TrainRunOptions::device", "--device"},
           {"TrainRunOptions::distributed_timeout_ms", "--dist-timeout"},
           {"TrainRunOptions::threads", "--threads"},
           {"TrainOptions::epochs", "--epochs"},
           {"TrainOptions::batch_size", "--batch-size"},
           {"TrainOptions::grad_clip", "--grad-clip"},
           {"TrainOptions::patience", "--patience"},
           {"TrainOptions::encoder_lr_ratio", "--encoder-lr-ratio"},
           {"TrainOptions::freeze_encoder", "--freeze-encoder"},
           {"TrainOptions::workers", "--workers"},
       }) {
    names.push_back(std::move(entry));
  }
  return names;
}

struct TrainArgs {
  CommonOptions common;
  finetune::TrainRunOptions run;  // defaults (shown in --help) come from here
  std::string targets, units, features;
  std::string target_weights = "equal";  // equal | sqrt | balanced | W1,W2,...
  std::string split_sizes = data::format_split_sizes(run.split_sizes);
  int64_t depth = 0;  // 0: the encoder's own default (models::default_depth)
  std::string readout;  // empty: the --from checkpoint's readout, else the library's default
  double dist_timeout = static_cast<double>(run.distributed_timeout_ms) / 1000.0;  // seconds
  std::string precision = "auto";
  int workers = 0;  // 0: --threads
};

// --target-weights: a weighting name, or one decimal weight per target.
void apply_target_weights(const std::string& text, finetune::TrainRunOptions& o) {
  const std::vector<std::string> names = finetune::target_weighting_names();
  if (std::find(names.begin(), names.end(), text) != names.end()) {
    o.target_weighting = text;
    return;
  }
  std::stringstream ss(text);
  for (std::string field; std::getline(ss, field, ',');) {
    const bool decimal = !field.empty() && field.find_first_not_of("0123456789.eE+-") == std::string::npos;
    char* end = nullptr;
    const double w = decimal ? std::strtod(field.c_str(), &end) : 0.0;
    if (!decimal || end != field.c_str() + field.size()) {
      throw Error("--target-weights: expected equal, sqrt, balanced or comma-separated decimal weights, got '" + text +
                  "'");
    }
    o.train.target_weights.push_back(w);
  }
  if (!text.empty() && text.back() == ',') throw Error("--target-weights: empty weight in '" + text + "'");
}

void run(TrainArgs& a, const std::string& command_line) {
  auto& o = a.run;
  training::configure_allocator_for_training();
  o.threads = resolve_threads(a.common);
  const std::string arithmetic = resolve_precision_flag(a.precision, true);
  // Default: one step worker per thread on the oneDNN paths; the reference path's OpenBLAS has
  // one thread pool per process, which concurrent products share (bench_train: slower with two).
  o.train.workers = a.workers != 0                                          ? a.workers
                    : models::dense_path() == models::DensePath::kReference ? 1
                                                                            : std::min(o.threads, 64);
  o.quiet = a.common.quiet;
  o.command_line = command_line;
  if (!o.from.empty()) o.from = resolve_model_argument(o.from);
  std::stringstream ss(a.targets);
  for (std::string t; std::getline(ss, t, ',');) {
    if (!t.empty()) o.targets.push_back(t);
  }
  std::stringstream us(a.units);
  for (std::string u; std::getline(us, u, ',');) o.target_units.push_back(u);
  o.split_sizes = data::parse_split_sizes(a.split_sizes);
  if (!a.features.empty() && a.features != "descriptors") {
    throw Error("--features: only 'descriptors' is supported, got '" + a.features + "'");
  }
  o.use_descriptors = a.features == "descriptors";
  apply_target_weights(a.target_weights, o);
  o.model.encoder.depth = a.depth > 0 ? a.depth : models::default_depth(o.model.encoder.name);
  o.readout_from_pretrained = a.readout.empty();
  if (!a.readout.empty()) o.model.readout.name = a.readout;
  o.device = resolve_device_flag(o.device).str();
  o.distributed = distributed_env_from_environment();
  o.distributed_timeout_ms = static_cast<int64_t>(a.dist_timeout * 1000);
  o.model.head.dropout = o.model.encoder.dropout;
  o.validate();
  const finetune::TrainRunSummary s = finetune::run_training(o);
  if (a.common.quiet || o.distributed.rank != 0) return;
  std::fprintf(stderr, "molprop train: %zu model(s) in %s (%.0f training mol/s, %d thread%s, %d step worker%s, %s)\n",
               s.model_paths.size(), o.output_dir.c_str(), s.train_molecules_per_second, o.threads,
               o.threads == 1 ? "" : "s", s.workers, s.workers == 1 ? "" : "s", arithmetic.c_str());
  for (const auto& t : s.tasks) {
    std::fprintf(stderr, "  %-5s %-20s RMSE %.4f ± %.4f   MAE %.4f   R² %.3f\n", t.split.c_str(), t.task.c_str(),
                 t.rmse.mean, t.rmse.std, t.mae.mean, t.r2.mean);
  }
}

}  // namespace

void register_train(CLI::App& app, const std::string& command_line) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* sub = app.add_subcommand("train", "Train a property model (optionally from a pretrained encoder)");
  auto& o = a->run;
  sub->add_option("--data", o.data, "Training data: .h5 from 'featurize', or .csv/.csv.gz (featurized on the fly)")
      ->required();
  sub->add_option("--val", o.val_data, "Fixed validation set (.h5 or .csv) instead of a split");
  sub->add_option("--test", o.test_data, "Fixed test set (.h5 or .csv) instead of a split");
  sub->add_option("--targets", a->targets, "CSV input: comma-separated target columns (default: all but SMILES)");
  sub->add_option(
      "--units", a->units,
      "Comma-separated unit of each target, in target order (e.g. 'log10(mol/L)'); predict prints them in its header");
  sub->add_option("--smiles-column", o.smiles_column, "CSV input: SMILES column")->capture_default_str();
  sub->add_option("--output-dir,-o", o.output_dir, "Folder for models, metrics.json, log.csv, splits.json")->required();
  sub->add_option("--encoder", o.model.encoder.name, "Message-passing encoder")
      ->check(CLI::IsMember(models::encoder_registry().names()))
      ->capture_default_str();
  sub->add_option("--hidden", o.model.encoder.hidden, "Encoder width")->capture_default_str();
  sub->add_option("--depth", a->depth,
                  "Message-passing depth (default: dmpnn " + std::to_string(models::default_depth("dmpnn")) +
                      ", gine " + std::to_string(models::default_depth("gine")) + ")");
  sub->add_option("--dropout", o.model.encoder.dropout, "Dropout in encoder and head")->capture_default_str();
  sub->add_option("--norm", o.model.encoder.norm, "Normalisation in the encoder")
      ->check(CLI::IsMember({"none", "batch", "layer"}))
      ->capture_default_str();
  sub->add_flag("--residual", o.model.encoder.residual, "Residual connections between layers");
  sub->add_flag("--virtual-node", o.model.encoder.virtual_node,
                "dmpnn: a per-molecule node that reads all atoms and writes to every message, each layer");
  sub->add_option("--jk", o.model.encoder.jk, "Jumping knowledge over layers")
      ->check(CLI::IsMember({"last", "sum", "concat"}))
      ->capture_default_str();
  sub->add_option("--readout", a->readout,
                  "Atoms → molecule pooling: mean (Chemprop's), sum, mean_sum (both side by side, twice as "
                  "wide), mean_sum_norm (the same with the sum / 100) or attention. Default: the --from "
                  "checkpoint's, else " + o.model.readout.name)
      ->check(CLI::IsMember(models::readout_registry().names()));
  sub->add_option("--ffn-hidden", o.model.head.hidden, "Head hidden width")->capture_default_str();
  sub->add_option("--ffn-layers", o.model.head.layers, "Head linear layers")->capture_default_str();
  sub->add_option("--features", a->features, "Extra molecule features: 'descriptors' (RDKit 2D, standardised)");
  sub->add_option("--target-weights", a->target_weights,
                  "How targets share the loss: equal (every label alike), sqrt (weight ~ 1/sqrt(labels)), "
                  "balanced (~ 1/labels: every target alike), or one weight per target (W1,W2,...)")
      ->capture_default_str();
  sub->add_option("--split", o.split, "How to split --data")
      ->check(CLI::IsMember({"random", "scaffold", "kfold", "column"}))
      ->capture_default_str();
  sub->add_option("--split-sizes", a->split_sizes, "Train,val,test fractions")->capture_default_str();
  sub->add_option("--split-column", o.split_column, "split=column: CSV column with train/val/test")
      ->capture_default_str();
  sub->add_option("--num-folds", o.num_folds, "split=kfold: number of folds")->capture_default_str();
  sub->add_option("--ensemble-size", o.ensemble_size, "Models per split (seeds seed..seed+K-1)")->capture_default_str();
  sub->add_option("--seed", o.train.seed, "Seed for the split, initialisation, dropout and batch order")
      ->capture_default_str();
  sub->add_option("--epochs", o.train.epochs, "Training epochs")->capture_default_str();
  sub->add_option(
      "--workers", a->workers,
      "Threads that share each step, each on its own part of the batch, 1..64 (0, the default: --threads, or 1 with "
      "--precision fp32; 1: the whole batch on one thread, its matrix products on --threads). Needs "
      "--dropout 0 and no batch norm, else 1");
  sub->add_option("--batch-size", o.train.batch_size, "Molecules per batch")->capture_default_str();
  sub->add_option("--lr", o.train.schedule.max_lr, "Peak learning rate (Noam schedule)")->capture_default_str();
  sub->add_option("--init-lr", o.train.schedule.init_lr, "Learning rate at the start of warm-up")
      ->capture_default_str();
  sub->add_option("--final-lr", o.train.schedule.final_lr, "Learning rate at the last step")->capture_default_str();
  sub->add_option("--warmup-epochs", o.train.schedule.warmup_epochs, "Warm-up length")->capture_default_str();
  sub->add_option("--grad-clip", o.train.grad_clip, "Max gradient norm (0 = off)")->capture_default_str();
  sub->add_option("--patience", o.train.patience, "Stop after N epochs without val improvement (0 = off)")
      ->capture_default_str();
  sub->add_option("--from", o.from,
                  "Pretrained checkpoint whose encoder initialises the model: 'foundation' (the encoder shipped with "
                  "molprop) or a path");
  sub->add_flag("--freeze-encoder", o.train.freeze_encoder, "With --from: train only the head")->needs("--from");
  sub->add_option("--head", o.head, "mlp (trained), or ridge / gp fitted in closed form on frozen --from embeddings")
      ->check(CLI::IsMember(finetune::head_names()))
      ->capture_default_str();
  sub->add_option(
         "--representation", o.representation,
         "With --head ridge|gp: embedding (of --from) or ecfp (Morgan r=2, 2048 bits; a baseline, metrics only)")
      ->check(CLI::IsMember({"embedding", "ecfp"}))
      ->capture_default_str();
  sub->add_option("--encoder-lr-ratio", o.train.encoder_lr_ratio, "With --from: encoder lr = ratio × lr")
      ->capture_default_str();
  sub->add_option("--device", o.device,
                  "cpu, cuda or cuda:K: where the model trains (CUDA needs a CUDA-enabled LibTorch)")
      ->capture_default_str();
  sub->add_option("--dist-timeout", a->dist_timeout,
                  "Data-parallel runs (RANK/WORLD_SIZE set): seconds a gradient exchange may take before the run fails")
      ->capture_default_str();
  add_precision_option(*sub, a->precision);
  add_common_options(*sub, a->common);
  sub->footer(
      "Example:\n"
      "  molprop train --data ../shared/data/esol.csv --targets logS --output-dir runs/esol \\\n"
      "      --split scaffold --seed 0 --ensemble-size 3\n"
      "Writes model.h5 (or models/*.h5), metrics.json, log.csv, splits.json and command.txt.");
  sub->callback([a, command_line] { report_with_flags(train_flag_names(), [&] { run(*a, command_line); }); });
}

}  // namespace molprop::cli
