#pragma once
// Which checkpoint files a model path stands for: a .h5 file itself, or a run folder
// (`molprop train --output-dir`) whose completion marker run.json lists its models (one
// model.h5, or the ensemble's models/*.h5). One rule for `predict`, `embed`, `analyze`
// and the default-model lookup.
//
// run.json is written last, when training has finished (docs/run-folder.md):
//   {"format": "molprop-run", "format_version": 1, "complete": true,
//    "models": ["models/fold0_member0.h5", ...]}       (paths relative to the folder)
// A folder with model files but without the marker — a killed or failed run — is
// refused, so that `predict` never silently uses 1 model of 3.
#include <string>
#include <vector>

namespace molprop::checkpoint {

inline constexpr const char* kRunMarkerFileName = "run.json";
inline constexpr const char* kRunMarkerFormat = "molprop-run";

// Empty when the path does not exist or the folder holds no model. Throws molprop::Error
// "run folder X is incomplete (training did not finish: ...)" for a folder with model
// files and no (or a broken) run.json, or whose run.json lists a missing file.
std::vector<std::string> find_model_files(const std::string& path);

// The same, but throws molprop::Error naming the path when there is nothing to load.
std::vector<std::string> model_files(const std::string& path);

// Writes dir/run.json (atomically) listing `models`, paths relative to `dir`: the last
// file a finished training run writes.
void write_run_marker(const std::string& dir, const std::vector<std::string>& models);

}  // namespace molprop::checkpoint
