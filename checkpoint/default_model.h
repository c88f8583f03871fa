#pragma once
// The models that ship with molprop, in share/molprop/models/<name>/ of the source tree and
// installed to <prefix>/share/molprop/models/<name>:
//   default     the property model `molprop predict` uses when no model is given;
//   foundation  the pretrained encoder `train --from foundation`, `embed --model foundation`
//               and `analyze --model foundation` use (encoder.h5 + provenance.json).
#include <string>
#include <vector>

namespace molprop::checkpoint {

// The library does not read the environment: the edges (cli/, api/) pass
// $MOLPROP_DEFAULT_MODEL / $MOLPROP_FOUNDATION_MODEL as `override_dir`.
inline constexpr const char* kDefaultModelVariable = "MOLPROP_DEFAULT_MODEL";
inline constexpr const char* kFoundationModelVariable = "MOLPROP_FOUNDATION_MODEL";

// The word a user types instead of a path for the shipped foundation encoder.
inline constexpr const char* kFoundationName = "foundation";

// Where the shipped model `name` ("default" or "foundation") is looked for, in order:
// `override_dir` (when not empty, the only candidate); share/molprop/models/<name> next to
// the running executable's and this library's prefix; the install prefix molprop was
// configured with; the source tree.
std::vector<std::string> shipped_model_candidates(const std::string& name, const std::string& override_dir = "");

// The first candidate folder that holds a model; throws molprop::Error listing where it
// looked ("no <name> model found (looked in ...); <hint>").
std::string shipped_model_dir(const std::string& name, const std::string& override_dir = "",
                              const std::string& hint = "give a model path");

// The default property model (name "default").
std::vector<std::string> default_model_candidates(const std::string& override_dir = "");
std::string default_model_dir(const std::string& override_dir = "");

// `model` as typed by a user: "foundation" → the shipped encoder's file
// (<foundation dir>/encoder.h5); anything else is returned unchanged (a path; a local file
// called "foundation" is reached as ./foundation).
std::string resolve_model_name(const std::string& model, const std::string& foundation_override = "");

}  // namespace molprop::checkpoint
