// molprop embed: SMILES file in, one readout embedding per input row out (HDF5).
#include <cstdio>

#include "cli/common.h"
#include "inference/embed_csv.h"
#include "inference/predictor.h"
#include "training/runtime_info.h"

namespace molprop::cli {
namespace {

// Field names in library errors → this subcommand's flags.
FlagNames embed_flag_names() {
  return {
      {"EmbedCsvOptions::input", "--input"},
      {"EmbedCsvOptions::output", "--output"},
      {"EmbedCsvOptions::smiles_column", "--smiles-column"},
      {"EmbedCsvOptions::batch_size", "--batch-size"},
      {"EmbedCsvOptions::threads", "--threads"},
      {"EmbedCsvOptions::shard_index", "--shard"},
  };
}

struct EmbedArgs {
  CommonOptions common;
  std::string model;
  std::string device = "cpu";
  std::string shard;  // "i/n"
  std::string precision = "auto";
  inference::EmbedCsvOptions options;
};

void run(EmbedArgs& a) {
  training::configure_allocator_for_streaming();
  resolve_shard(a.shard, a.options.output, a.options.shard_index, a.options.num_shards);
  const int threads = resolve_threads(a.common);
  training::configure_worker_threads();
  const std::string arithmetic = resolve_precision_flag(a.precision, false);
  auto& o = a.options;
  o.threads = threads;
  o.quiet = a.common.quiet;
  o.validate();
  inference::Predictor predictor(resolve_model_argument(a.model), resolve_device_flag(a.device));
  if (predictor.ensemble_size() > 1) {
    log_info(a.common, "embed",
             "embeddings come from the first of " + std::to_string(predictor.ensemble_size()) +
                 " models: " + predictor.model_paths().front());
  }
  const inference::EmbedSummary s = inference::embed_csv(predictor, o);
  char line[256];
  std::snprintf(line, sizeof line,
                "%lld rows: %lld embedded, %lld failed, in %.2f s (%.0f mol/s, dim %lld, %d threads, %s) → %s",
                static_cast<long long>(s.rows), static_cast<long long>(s.embedded), static_cast<long long>(s.failed),
                s.seconds, s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0,
                static_cast<long long>(predictor.embedding_dim()), threads, arithmetic.c_str(), o.output.c_str());
  log_info(a.common, "embed", line);
}

}  // namespace

void register_embed(CLI::App& app) {
  auto a = std::make_shared<EmbedArgs>();
  CLI::App* sub = app.add_subcommand("embed", "Write learned molecule embeddings (HDF5) for a CSV or SMILES file");
  sub->add_option("--model,-m", a->model,
                  "Any molprop checkpoint .h5 (trained model or pretrained encoder), a folder from 'molprop train', or 'foundation' (the encoder shipped with molprop)")
      ->required();
  sub->add_option("--input,-i", a->options.input, "Input .csv, .csv.gz, .smi or .smi.gz")
      ->required()
      ->check(existing_file_or_stdin());
  sub->add_option("--output,-o", a->options.output, "Output .h5 (written atomically)")->required();
  sub->add_option("--smiles-column", a->options.smiles_column, "CSV input: SMILES column")->capture_default_str();
  sub->add_option("--batch-size", a->options.batch_size, "Molecules per inference batch")->capture_default_str();
  sub->add_option("--shard", a->shard,
                  "INDEX/COUNT: embed only this shard of an uncompressed input (default: RANK/WORLD_SIZE when set); "
                  "join the outputs with 'molprop merge'");
  sub->add_option("--device", a->device, "cpu, cuda or cuda:K (CUDA needs a CUDA-enabled LibTorch build)")
      ->capture_default_str();
  add_precision_option(*sub, a->precision);
  add_common_options(*sub, a->common);
  sub->footer(
      "Example:\n"
      "  molprop embed --model runs/esol --input examples/molecules.smi --output embeddings.h5\n"
      "Every input row gets one row, in order: 'embeddings' (N × D float32, the readout before\n"
      "the head; NaN for a row that failed), 'smiles', 'row', 'status' (0 ok, 1 failed) and\n"
      "'error'. With a folder of several models, the first model's embeddings are written.\n"
      "Layout: docs/embeddings-format.md.");
  sub->callback([a] { report_with_flags(embed_flag_names(), [&] { run(*a); }); });
}

}  // namespace molprop::cli
