#include "cli/common.h"

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "checkpoint/default_model.h"
#include "core/check.h"
#include "training/distributed.h"
#include "training/runtime_info.h"

namespace molprop::cli {

void add_common_options(CLI::App& app, CommonOptions& options) {
  app.add_option("--threads", options.threads, "Worker threads (0 = all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_flag("--quiet,-q", options.quiet, "No progress bar or informational messages on stderr");
}

int resolve_threads(const CommonOptions& options) {
  int n = options.threads;
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
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

void configure_allocator_for_streaming() { mallopt(M_ARENA_MAX, 2); }

void log_info(const CommonOptions& options, const std::string& command, const std::string& line) {
  if (options.quiet) return;
  std::fprintf(stderr, "molprop %s: %s\n", command.c_str(), line.c_str());
}

}  // namespace molprop::cli
