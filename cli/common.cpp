#include "cli/common.h"

#include <algorithm>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "checkpoint/default_model.h"
#include "chem/parse.h"
#include "core/check.h"
#include "core/options.h"
#include "models/precision.h"
#include "training/device.h"
#include "training/distributed.h"
#include "training/runtime_info.h"

namespace molprop::cli {

void add_common_options(CLI::App& app, CommonOptions& options) {
  app.add_option("--threads", options.threads, "Worker threads (0 = all cores; at most 1024)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--quiet,-q", options.quiet, "No progress bar or informational messages on stderr");
}

void add_precision_option(CLI::App& app, std::string& precision) {
  app.add_option("--precision", precision,
                 "Dense-layer arithmetic: fp32 (LibTorch BLAS, as before), bf16 (oneDNN, fp32 accumulation; needs "
                 "native bf16), or auto (inference: bf16 where the CPU has it, else oneDNN fp32; training: bf16 where the CPU has it, else fp32)")
      ->check(CLI::IsMember(models::precision_choices()))
      ->capture_default_str();
}

std::string resolve_precision_flag(const std::string& precision, bool training) {
  return models::apply_precision(
      precision, training ? models::PrecisionUse::kTraining : models::PrecisionUse::kInference, "--precision");
}

CLI::Validator existing_file_or_stdin() {
  return CLI::Validator([](std::string& path) { return path == "-" ? std::string() : CLI::ExistingFile(path); },
                        "FILE or - (stdin)");
}

void add_parse_limit_options(CLI::App& app, int& max_smiles_length, int& max_atoms) {
  app.add_option("--max-smiles-length", max_smiles_length,
                 "Longest SMILES read (characters); a longer one fails its row, so one huge string cannot stall a "
                 "batch inside RDKit")
      ->capture_default_str();
  app.add_option("--max-atoms", max_atoms, "Most atoms a SMILES may write; a larger molecule fails its row")
      ->capture_default_str();
}

void add_tautomer_forms_option(CLI::App& app, int& forms) {
  app.add_option("--tautomer-forms", forms,
                 "Predict each molecule as the mean over its N most plausible tautomers (RDKit's tautomer score), "
                 "so every tautomer of a compound gets the same answer; 0: as written (default: the model's "
                 "predict.json)")
      ->check(CLI::Range(0, chem::kMaxTautomerForms));
}

int resolve_threads(const CommonOptions& options) {
  int n = options.threads;
  if (n <= 0)
    n = static_cast<int>(std::min<unsigned>(core::kMaxThreads, std::max(1u, std::thread::hardware_concurrency())));
  // Before configure_threads: LibTorch and OpenBLAS would try to start that many threads.
  report_with_flags({{"CommonOptions::threads", "--threads"}},
                    [&] { core::check_threads("CommonOptions::threads", n); });
  training::configure_threads(n);
  return n;
}

void resolve_shard(const std::string& spec, std::string& output, int& index, int& count) {
  if (!spec.empty()) {
    const size_t slash = spec.find('/');
    try {
      if (slash == std::string::npos) throw std::invalid_argument("no slash");
      size_t used = 0;
      index = std::stoi(spec.substr(0, slash), &used);
      if (used != slash) throw std::invalid_argument("index");
      count = std::stoi(spec.substr(slash + 1), &used);
      if (used != spec.size() - slash - 1) throw std::invalid_argument("count");
    } catch (const std::exception&) {
      throw Error("--shard must be INDEX/COUNT with 0 ≤ INDEX < COUNT, e.g. 0/4; got '" + spec + "'");
    }
    if (count < 1 || index < 0 || index >= count) {
      throw Error("--shard must be INDEX/COUNT with 0 ≤ INDEX < COUNT, e.g. 0/4; got '" + spec + "'");
    }
  } else if (const training::DistributedEnv env = distributed_env_from_environment(); env.distributed()) {
    index = env.rank;  // one shard per rank of a torchrun / Slurm launch
    count = env.world_size;
  }
  if (count > 1) {
    const size_t at = output.find("{shard}");
    if (at != std::string::npos) {
      output.replace(at, 7, std::to_string(index));
    } else if (spec.empty()) {
      throw Error("shard " + std::to_string(index) + " of " + std::to_string(count) +
                  " (from RANK/WORLD_SIZE): put {shard} in --output so the ranks write different files");
    }
  }
}

training::DistributedEnv distributed_env_from_environment() {
  return training::distributed_env_from([](const char* name) -> const char* { return std::getenv(name); });
}

std::string default_model_override() {
  const char* dir = std::getenv(checkpoint::kDefaultModelVariable);
  return dir ? dir : "";
}

std::string resolve_model_argument(const std::string& model) {
  const char* dir = std::getenv(checkpoint::kFoundationModelVariable);
  return checkpoint::resolve_model_name(model, dir ? dir : "");
}

FlagNames shared_flag_names() {
  return {
      {"FeaturizeOptions::descriptors", "--descriptors"},
      {"FeaturizeOptions::atom_targets", "--atom-targets"},
      {"FeaturizeOptions::descriptor_set", "--descriptor-set"},
      {"FeaturizeCsvOptions::targets", "--targets"},
      {"FeaturizeOptions::max_smiles_length", "--max-smiles-length"},
      {"FeaturizeOptions::max_atoms", "--max-atoms"},
      {"; give a model path or a default-model folder", "; pass --model or set MOLPROP_DEFAULT_MODEL"},
  };
}

FlagNames model_flag_names() {
  return {
      {"EncoderOptions::name", "--encoder"},       {"EncoderOptions::hidden", "--hidden"},
      {"EncoderOptions::depth", "--depth"},        {"EncoderOptions::dropout", "--dropout"},
      {"EncoderOptions::norm", "--norm"},          {"EncoderOptions::jk", "--jk"},
      {"EncoderOptions::virtual_node", "--virtual-node"},
      {"ReadoutOptions::name", "--readout"},       {"HeadOptions::hidden", "--ffn-hidden"},
      {"HeadOptions::layers", "--ffn-layers"},     {"HeadOptions::dropout", "--dropout"},
      {"ScheduleOptions::init_lr", "--init-lr"},   {"ScheduleOptions::max_lr", "--lr"},
      {"ScheduleOptions::final_lr", "--final-lr"}, {"ScheduleOptions::warmup_epochs", "--warmup-epochs"},
  };
}

std::string with_flag_names(std::string message, const FlagNames& names) {
  std::vector<const std::pair<std::string, std::string>*> order;
  for (const auto& entry : names) order.push_back(&entry);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto* a, const auto* b) { return a->first.size() > b->first.size(); });
  for (const auto* entry : order) {
    for (size_t at = message.find(entry->first); at != std::string::npos;
         at = message.find(entry->first, at + entry->second.size())) {
      message.replace(at, entry->first.size(), entry->second);
    }
  }
  return message;
}

void report_with_flags(const FlagNames& names, const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    FlagNames all = names;
    for (auto& entry : shared_flag_names()) all.push_back(std::move(entry));
    throw Error(with_flag_names(e.what(), all));
  }
}

c10::Device resolve_device_flag(const std::string& spec) {
  try {
    return training::resolve_device(spec);
  } catch (const Error& e) {
    const std::string message = e.what();
    // "'tpu' is not a device; ..." → "--device: 'tpu' ..."; "cuda: no CUDA here" → "--device cuda: ..."
    throw Error((message.rfind('\'', 0) == 0 ? "--device: " : "--device ") + message);
  }
}

void log_info(const CommonOptions& options, const std::string& command, const std::string& line) {
  if (options.quiet) return;
  std::fprintf(stderr, "molprop %s: %s\n", command.c_str(), line.c_str());
}

}  // namespace molprop::cli
