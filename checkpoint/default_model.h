#pragma once
// The model that ships with molprop (models/default/ in the source tree, installed to
// <prefix>/share/molprop/models/default): `molprop predict` uses it when no --model is given.
#include <string>
#include <vector>

namespace molprop::checkpoint {

// Where the default model is looked for, in order: $MOLPROP_DEFAULT_MODEL (when set, the
// only candidate); share/molprop/models/default next to the running executable's and this
// library's prefix; the install prefix molprop was configured with; the source tree.
std::vector<std::string> default_model_candidates();

// The first candidate folder that holds a model; throws molprop::Error listing where it looked.
std::string default_model_dir();

}  // namespace molprop::checkpoint
