#include "checkpoint/default_model.h"

#include <dlfcn.h>

#include <filesystem>

#include "checkpoint/model_files.h"
#include "core/check.h"

namespace molprop::checkpoint {
namespace fs = std::filesystem;

namespace {

constexpr const char* kRelative = "share/molprop/models/default";

// <prefix>/share/... for a binary or library installed as <prefix>/bin/x or <prefix>/lib/x.
std::string beside_prefix_of(const fs::path& file) { return (file.parent_path().parent_path() / kRelative).string(); }

bool holds_model(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && !find_model_files(dir).empty();
}

}  // namespace

std::vector<std::string> default_model_candidates(const std::string& override_dir) {
  if (!override_dir.empty()) return {override_dir};
  std::vector<std::string> out;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back(beside_prefix_of(exe));
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&default_model_candidates), &info) != 0 && info.dli_fname) {
    const std::string lib = beside_prefix_of(fs::absolute(info.dli_fname, ec));
    if (out.empty() || out.back() != lib) out.push_back(lib);
  }
  out.push_back(MOLPROP_INSTALL_MODEL_DIR);
  out.push_back(MOLPROP_SOURCE_MODEL_DIR);
  return out;
}

std::string default_model_dir(const std::string& override_dir) {
  const std::vector<std::string> candidates = default_model_candidates(override_dir);
  for (const auto& dir : candidates) {
    if (holds_model(dir)) return dir;
  }
  std::string where;
  for (const auto& dir : candidates) where += (where.empty() ? "" : ", ") + dir;
  throw Error("no default model found (looked in " + where + "); give a model path or a default-model folder");
}

}  // namespace molprop::checkpoint
