#pragma once
// Options every subcommand shares, and how they are registered and applied.
#include <c10/core/Device.h>
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "training/distributed_env.h"

namespace molprop::cli {

struct CommonOptions {
  int threads = 0;     // 0: all cores
  bool quiet = false;  // no progress bars or informational logs
};

// An existing file, or "-" (standard input) for the commands that stream their input.
CLI::Validator existing_file_or_stdin();

// Adds --max-smiles-length and --max-atoms (chem/parse.h: longer SMILES fail their row).
void add_parse_limit_options(CLI::App& app, int& max_smiles_length, int& max_atoms);

// Adds --tautomer-forms N (Predictor::set_tautomer_forms; `forms` stays -1 when not given:
// the model's predict.json decides).
void add_tautomer_forms_option(CLI::App& app, int& forms);

// Adds --threads and --quiet to a subcommand.
void add_common_options(CLI::App& app, CommonOptions& options);

// Adds --precision (fp32 | bf16 | auto) to a subcommand that runs a model.
void add_precision_option(CLI::App& app, std::string& precision);

// Applies --precision (models::apply_precision, errors naming the flag) for inference or
// training; returns the dense path's name for the summary line.
std::string resolve_precision_flag(const std::string& precision, bool training);

// Resolves threads = 0 to the core count and applies training::configure_threads.
int resolve_threads(const CommonOptions& options);

// --shard INDEX/COUNT (or RANK/WORLD_SIZE from a launcher when `spec` is empty) into
// index/count; replaces "{shard}" in `output` by the index (required when the shard comes
// from the environment, so that ranks write different files). One clear error otherwise.
void resolve_shard(const std::string& spec, std::string& output, int& index, int& count);

// The launcher's description of this process (RANK, WORLD_SIZE, ..., SLURM_*,
// GLOO_SOCKET_IFNAME), read from the environment: cli/ is where the environment is read.
training::DistributedEnv distributed_env_from_environment();

// $MOLPROP_DEFAULT_MODEL, or "" when unset.
std::string default_model_override();

// A model argument as typed (--from, --model): "foundation" → the shipped foundation
// encoder's file (or the folder in $MOLPROP_FOUNDATION_MODEL); a path unchanged.
std::string resolve_model_argument(const std::string& model);

// Informational log line on stderr ("molprop featurize: ..."), unless quiet.
void log_info(const CommonOptions& options, const std::string& command, const std::string& line);

// Library errors name option fields ("TrainOptions::epochs must be in [1, 100000], got 0")
// and a few phrases; a subcommand reports them with its own flags. Each pair is
// (library text, what the user typed): {"TrainOptions::epochs", "--epochs"}.
using FlagNames = std::vector<std::pair<std::string, std::string>>;

// The names every subcommand shares (featurizer options named in model errors, ...).
FlagNames shared_flag_names();
// EncoderOptions / ReadoutOptions / HeadOptions / ScheduleOptions fields → train and pretrain flags.
FlagNames model_flag_names();

// `message` with every library name of `names` replaced by its flag (longest names first,
// so "TrainRunOptions::split_sizes" wins over "TrainRunOptions::split").
std::string with_flag_names(std::string message, const FlagNames& names);

// Runs `fn`; a molprop::Error escaping it is rethrown with its field names replaced by
// `names` (plus shared_flag_names()), so that CLI users read the flags they typed.
void report_with_flags(const FlagNames& names, const std::function<void()>& fn);

// training::resolve_device for --device: its errors name the value; "--device" goes in front.
c10::Device resolve_device_flag(const std::string& spec);

// Registration functions, one per subcommand file.
void register_featurize(CLI::App& app);
void register_inspect(CLI::App& app);
void register_info(CLI::App& app);
// command_line: the whole invocation, recorded in the output folder.
void register_train(CLI::App& app, const std::string& command_line);
void register_predict(CLI::App& app);
void register_embed(CLI::App& app);
void register_analyze(CLI::App& app);
void register_pretrain(CLI::App& app, const std::string& command_line);
void register_merge(CLI::App& app);
void register_canonicalize(CLI::App& app);
void register_calibrate(CLI::App& app);
void register_robustness(CLI::App& app);

}  // namespace molprop::cli
