// molprop pretrain: self-supervised pretraining on an unlabeled corpus.
#include <cstdio>

#include "cli/common.h"
#include "core/check.h"
#include "models/encoder.h"
#include "models/model_config.h"
#include "models/readout.h"
#include "pretrain/objective.h"
#include "pretrain/pretrainer.h"
#include "training/runtime_info.h"

namespace molprop::cli {
namespace {

// Field names in library errors → this subcommand's flags.
FlagNames pretrain_flag_names() {
  FlagNames names = model_flag_names();
  for (auto& entry : FlagNames{
           {"PretrainOptions::data", "--data"},
           {"PretrainOptions::output_dir", "--output-dir"},
           {"PretrainOptions::objectives", "--objectives"},
           {"PretrainOptions::readout", "--readout"},
           {"ReadoutOptions::name", "--readout"},
           {"PretrainOptions::epochs", "--epochs"},
           {"PretrainOptions::batch_size", "--batch-size"},
           {"PretrainOptions::seed", "--seed"},
           {"PretrainOptions::checkpoint_every", "--checkpoint-every"},
           {"PretrainOptions::log_every", "--log-every"},
           {"set PretrainOptions::resume", "add --resume"},
           {"PretrainOptions::resume", "--resume"},
           {"PretrainOptions::stop_after_steps", "--stop-after-steps"},
           {"PretrainOptions::device", "--device"},
           {"PretrainOptions::descriptor_target_fraction", "--descriptor-fraction"},
           {"PretrainOptions::target_clip", "--target-clip"},
           {"PretrainOptions::distributed_timeout_ms", "--dist-timeout"},
       }) {
    names.push_back(std::move(entry));
  }
  return names;
}

struct PretrainArgs {
  CommonOptions common;
  pretrain::PretrainOptions options;  // defaults (shown in --help) come from here
  std::string objectives = pretrain::format_objectives(options.objectives);
  int64_t depth = 0;  // 0: the encoder's own default (models::default_depth)
  double dist_timeout = static_cast<double>(options.distributed_timeout_ms) / 1000.0;  // seconds
  std::string precision = "auto";
};

void run(PretrainArgs& a, const std::string& command_line) {
  training::configure_allocator_for_training();
  const int threads = resolve_threads(a.common);
  const std::string arithmetic = resolve_precision_flag(a.precision, true);
  auto& o = a.options;
  o.quiet = a.common.quiet;
  o.command_line = command_line;
  o.objectives = pretrain::parse_objectives(a.objectives);
  o.encoder.depth = a.depth > 0 ? a.depth : models::default_depth(o.encoder.name);
  o.distributed = distributed_env_from_environment();
  o.device = resolve_device_flag(o.device).str();
  o.distributed_timeout_ms = static_cast<int64_t>(a.dist_timeout * 1000);
  o.validate();
  const pretrain::PretrainSummary s = pretrain::pretrain(o);
  if (o.distributed.rank != 0) return;  // rank 0 speaks for the run
  std::string losses;
  for (const auto& [name, value] : s.final_losses) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s %.4f", losses.empty() ? "" : ", ", name.c_str(), value);
    losses += buf;
  }
  const std::string ranks = s.ranks > 1 ? std::to_string(s.ranks) + " ranks × " : "";
  char line[768];
  std::snprintf(line, sizeof line,
                "%lld steps, %lld molecules in %.1f s (%.0f mol/s, %s%d threads, %s); last losses: %s → %s/encoder.h5",
                static_cast<long long>(s.steps), static_cast<long long>(s.molecules), s.seconds, s.molecules_per_second,
                ranks.c_str(), threads, arithmetic.c_str(), losses.c_str(), o.output_dir.c_str());
  log_info(a.common, "pretrain", line);
}

}  // namespace

void register_pretrain(CLI::App& app, const std::string& command_line) {
  auto a = std::make_shared<PretrainArgs>();
  auto& o = a->options;
  CLI::App* sub = app.add_subcommand("pretrain", "Self-supervised pretraining of an encoder on unlabeled molecules");
  sub->add_option("--data", o.data,
                  "Corpus .h5 from 'molprop featurize' (--descriptors or --descriptor-set for the descriptors "
                  "objective, --atom-targets for atom_descriptors)")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--output-dir,-o", o.output_dir, "Folder for encoder.h5, resume.pt, log.csv")->required();
  sub->add_option("--objectives", a->objectives,
                  "Comma-separated objectives with optional weights: masking, descriptors, contrastive, "
                  "atom_descriptors (e.g. masking,descriptors:1,atom_descriptors:0.5)")
      ->capture_default_str();
  sub->add_option("--encoder", o.encoder.name, "Message-passing encoder")
      ->check(CLI::IsMember(models::encoder_registry().names()))
      ->capture_default_str();
  sub->add_option("--hidden", o.encoder.hidden, "Encoder width")->capture_default_str();
  sub->add_option("--depth", a->depth,
                  "Layers (default: gine " + std::to_string(models::default_depth("gine")) + ", dmpnn " +
                      std::to_string(models::default_depth("dmpnn")) + ")");
  sub->add_option("--dropout", o.encoder.dropout, "Encoder dropout")->capture_default_str();
  sub->add_option("--norm", o.encoder.norm, "Normalisation")
      ->check(CLI::IsMember({"none", "batch", "layer"}))
      ->capture_default_str();
  sub->add_flag("--residual", o.encoder.residual, "Residual connections between layers");
  sub->add_flag("--virtual-node", o.encoder.virtual_node,
                "dmpnn: a per-molecule node that reads all atoms and writes to every message, each layer");
  sub->add_option("--jk", o.encoder.jk, "Jumping knowledge")
      ->check(CLI::IsMember({"last", "sum", "concat"}))
      ->capture_default_str();
  sub->add_option("--readout", o.readout,
                  "Atoms → molecule pooling: mean (Chemprop's), sum, mean_sum (both side by side, twice as "
                  "wide), mean_sum_norm (the same with the sum / 100) or attention")
      ->check(CLI::IsMember(models::readout_registry().names()))
      ->capture_default_str();
  sub->add_option("--descriptor-fraction", o.descriptor_target_fraction,
                  "descriptors objective: fraction of each molecule's descriptor targets the loss covers, drawn "
                  "anew every step (CheMeleon: 0.15; 1: all)")
      ->capture_default_str();
  sub->add_option("--target-clip", o.target_clip,
                  "Clip standardised descriptor and atom targets at ±N σ (0: no clipping)")
      ->capture_default_str();
  sub->add_option("--epochs", o.epochs, "Passes over the corpus")->capture_default_str();
  sub->add_option("--batch-size", o.batch_size, "Molecules per step")->capture_default_str();
  sub->add_option("--lr", o.schedule.max_lr, "Peak learning rate (Noam schedule)")->capture_default_str();
  sub->add_option("--warmup-epochs", o.schedule.warmup_epochs, "Warm-up length in epochs")->capture_default_str();
  sub->add_option("--seed", o.seed, "Seed for initialisation, masking and data order")->capture_default_str();
  sub->add_option("--checkpoint-every", o.checkpoint_every, "Write encoder.h5 and resume.pt every N steps")
      ->capture_default_str();
  sub->add_option("--log-every", o.log_every, "Append losses to log.csv every N steps")->capture_default_str();
  sub->add_flag("--resume", o.resume, "Continue the run in --output-dir from its last checkpoint");
  sub->add_option("--stop-after-steps", o.stop_after_steps,
                  "Stop after N steps in total without a final checkpoint (for testing --resume)")
      ->group("");
  sub->add_option("--device", o.device, "cpu, cuda or cuda:K (CUDA needs a CUDA-enabled LibTorch build)")
      ->capture_default_str();
  sub->add_option("--dist-timeout", a->dist_timeout,
                  "Data-parallel runs: seconds a rendezvous or gradient exchange may take before the run fails")
      ->capture_default_str();
  add_precision_option(*sub, a->precision);
  add_common_options(*sub, a->common);
  sub->footer(
      "Data-parallel: launch one process per rank with RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set\n"
      "(torchrun --no-python, srun, or a shell loop); see docs/distributed.md.\n"
      "Example:\n"
      "  molprop featurize --input ../shared/data/zinc250k.csv.gz --output zinc.h5 --no-targets --descriptors\n"
      "  molprop pretrain --data zinc.h5 --objectives masking,descriptors:0.5 --epochs 2 --output-dir runs/pretrain\n"
      "  molprop train --data ../shared/data/esol.csv --from runs/pretrain/encoder.h5 --output-dir runs/esol-ft");
  sub->callback([a, command_line] { report_with_flags(pretrain_flag_names(), [&] { run(*a, command_line); }); });
}

}  // namespace molprop::cli
