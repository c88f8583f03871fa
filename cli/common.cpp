#include "cli/common.h"

#include <malloc.h>

#include <cstdio>
#include <thread>

#include "models/runtime_info.h"

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
  models::configure_threads(n);
  return n;
}

void configure_allocator_for_streaming() {
  mallopt(M_ARENA_MAX, 2);
}

void log_info(const CommonOptions& options, const std::string& command, const std::string& line) {
  if (options.quiet) return;
  std::fprintf(stderr, "molprop %s: %s\n", command.c_str(), line.c_str());
}

}  // namespace molprop::cli
