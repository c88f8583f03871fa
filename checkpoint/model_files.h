#pragma once
// Which checkpoint files a model path stands for: a .h5 file itself; a folder's model.h5;
// or else every models/*.h5 in it (an ensemble, sorted by name). One rule for `predict`,
// `analyze` and the default-model lookup.
#include <string>
#include <vector>

namespace molprop::checkpoint {

// Empty when the path does not exist or the folder holds no model.
std::vector<std::string> find_model_files(const std::string& path);

// The same, but throws molprop::Error naming the path when there is nothing to load.
std::vector<std::string> model_files(const std::string& path);

}  // namespace molprop::checkpoint
