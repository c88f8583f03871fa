#include "checkpoint/model_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/check.h"

namespace molprop::checkpoint {
namespace fs = std::filesystem;

namespace {

// The run folder's model files as its completion marker lists them; throws molprop::Error
// "run folder X is incomplete (training did not finish: ...)" when the marker is missing,
// unreadable, or names a file that is not there.
std::vector<std::string> listed_models(const std::string& dir) {
  auto incomplete = [&](const std::string& why) {
    return Error("run folder " + dir + " is incomplete (training did not finish: " + why + ")");
  };
  const std::string marker = dir + "/" + kRunMarkerFileName;
  std::error_code ec;
  if (!fs::exists(marker, ec)) throw incomplete(std::string("no ") + kRunMarkerFileName);
  std::ifstream in(marker);
  nlohmann::json j;
  try {
    in >> j;
    if (j.at("format").get<std::string>() != kRunMarkerFormat || !j.at("complete").get<bool>()) {
      throw incomplete(marker + " does not mark a complete run");
    }
    std::vector<std::string> files;
    for (const auto& name : j.at("models").get<std::vector<std::string>>()) {
      const std::string file = dir + "/" + name;
      if (!fs::is_regular_file(file, ec)) throw incomplete(marker + " lists " + name + ", which is missing");
      files.push_back(file);
    }
    if (files.empty()) throw incomplete(marker + " lists no models");
    return files;
  } catch (const nlohmann::json::exception& e) {
    throw incomplete(marker + " is not a valid run marker (" + e.what() + ")");
  }
}

}  // namespace

std::vector<std::string> find_model_files(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return {};
  if (!fs::is_directory(path, ec)) return {path};
  if (fs::exists(path + "/" + kRunMarkerFileName, ec)) return listed_models(path);
  const bool single = fs::exists(path + "/model.h5", ec);
  bool members = false;
  if (fs::is_directory(path + "/models", ec)) {
    for (const auto& e : fs::directory_iterator(path + "/models", ec)) members |= e.path().extension() == ".h5";
  }
  // Model files without the marker: a run that was killed or failed part way.
  if (single || members) listed_models(path);
  return {};
}

std::vector<std::string> model_files(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path + ": no such model file or folder");
  std::vector<std::string> files = find_model_files(path);
  if (files.empty()) throw Error(path + ": no model.h5 or models/*.h5 in this folder");
  return files;
}

void write_run_marker(const std::string& dir, const std::vector<std::string>& models) {
  const nlohmann::json j{{"format", kRunMarkerFormat}, {"format_version", 1}, {"complete", true}, {"models", models}};
  core::write_file_atomically(dir + "/" + kRunMarkerFileName, [&](std::ostream& out) { out << j.dump(2) << "\n"; });
}

}  // namespace molprop::checkpoint
