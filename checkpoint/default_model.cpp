#include "checkpoint/default_model.h"

#include <dlfcn.h>

#include <filesystem>

#include "checkpoint/model_files.h"
#include "core/check.h"

namespace molprop::checkpoint {
namespace fs = std::filesystem;

namespace {

// <prefix>/share/molprop/models/<name> for a binary or library installed as <prefix>/bin/x
// or <prefix>/lib/x.
std::string beside_prefix_of(const fs::path& file, const std::string& name) {
  return (file.parent_path().parent_path() / "share/molprop/models" / name).string();
}

bool holds_model(const std::string& dir) {
  std::error_code ec;
  return fs::is_directory(dir, ec) && !find_model_files(dir).empty();
}

}  // namespace

std::vector<std::string> shipped_model_candidates(const std::string& name, const std::string& override_dir) {
  if (!override_dir.empty()) return {override_dir};
  std::vector<std::string> out;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back(beside_prefix_of(exe, name));
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&default_model_candidates), &info) != 0 && info.dli_fname) {
    const std::string lib = beside_prefix_of(fs::absolute(info.dli_fname, ec), name);
    if (out.empty() || out.back() != lib) out.push_back(lib);
  }
  out.push_back((fs::path(MOLPROP_INSTALL_MODELS_ROOT) / name).string());
  out.push_back((fs::path(MOLPROP_SOURCE_MODELS_ROOT) / name).string());
  return out;
}

std::string shipped_model_dir(const std::string& name, const std::string& override_dir, const std::string& hint) {
  const std::vector<std::string> candidates = shipped_model_candidates(name, override_dir);
  for (const auto& dir : candidates) {
    if (holds_model(dir)) return dir;
  }
  std::string where;
  for (const auto& dir : candidates) where += (where.empty() ? "" : ", ") + dir;
  throw Error("no " + name + " model found (looked in " + where + "); " + hint);
}

std::vector<std::string> default_model_candidates(const std::string& override_dir) {
  return shipped_model_candidates("default", override_dir);
}

std::string default_model_dir(const std::string& override_dir) {
  return shipped_model_dir("default", override_dir, "give a model path or a default-model folder");
}

std::string resolve_model_name(const std::string& model, const std::string& foundation_override) {
  if (model != kFoundationName) return model;
  const std::string dir = shipped_model_dir(kFoundationName, foundation_override,
                                            "give the encoder's path instead of 'foundation'");
  // The folder's run.json lists its one file, the encoder (holds_model has checked it).
  return find_model_files(dir).front();
}

}  // namespace molprop::checkpoint
