#include "checkpoint/checkpoint_layout.h"

namespace molprop::checkpoint::layout {

std::map<std::string, torch::Tensor> named_tensors(models::PropertyModel& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : model->named_parameters(/*recurse=*/true)) out[item.key()] = item.value();
  for (const auto& item : model->named_buffers(/*recurse=*/true)) out[item.key()] = item.value();
  return out;
}

bool consistent(const data::ColumnScaling& s) {
  return s.std.size() == s.mean.size() && (s.names.empty() || s.names.size() == s.mean.size());
}

std::string describe(const data::ColumnScaling& s) {
  return std::to_string(s.names.size()) + " names, " + std::to_string(s.mean.size()) + " means and " +
         std::to_string(s.std.size()) + " stds";
}

}  // namespace molprop::checkpoint::layout
