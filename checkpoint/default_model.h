#pragma once
// The model that ships with molprop (models/default/ in the source tree, installed to
// <prefix>/share/molprop/models/default): `molprop predict` uses it when no model is given.
#include <string>
#include <vector>

namespace molprop::checkpoint {

// The library does not read the environment: the edges (cli/, api/) pass
// $MOLPROP_DEFAULT_MODEL as `override_dir`.
inline constexpr const char* kDefaultModelVariable = "MOLPROP_DEFAULT_MODEL";

// Where the default model is looked for, in order: `override_dir` (when not empty, the
// only candidate); share/molprop/models/default next to the running executable's and this
// library's prefix; the install prefix molprop was configured with; the source tree.
std::vector<std::string> default_model_candidates(const std::string& override_dir = "");

// The first candidate folder that holds a model; throws molprop::Error listing where it
// looked ("...; give a model path or a default-model folder").
std::string default_model_dir(const std::string& override_dir = "");

}  // namespace molprop::checkpoint
