#include "checkpoint/model_files.h"

#include <algorithm>
#include <filesystem>

#include "core/check.h"

namespace molprop::checkpoint {
namespace fs = std::filesystem;

std::vector<std::string> find_model_files(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return {};
  if (!fs::is_directory(path, ec)) return {path};
  if (fs::exists(path + "/model.h5", ec)) return {path + "/model.h5"};
  std::vector<std::string> files;
  if (fs::is_directory(path + "/models", ec)) {
    for (const auto& e : fs::directory_iterator(path + "/models", ec)) {
      if (e.path().extension() == ".h5") files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> model_files(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path + ": no such model file or folder");
  std::vector<std::string> files = find_model_files(path);
  if (files.empty()) throw Error(path + ": no model.h5 or models/*.h5 in this folder");
  return files;
}

}  // namespace molprop::checkpoint
