#pragma once
// What the checkpoint writer (checkpoint_write.cpp) and reader (checkpoint_read.cpp)
// share: the names inside the file (docs/checkpoint-format.md) and the rules both apply.
// Private to checkpoint/.
#include <map>
#include <string>

#include "data/scaler.h"
#include "models/property_model.h"

namespace molprop::checkpoint::layout {

// Root attribute names, then the groups.
inline constexpr const char* kAttrFormat = "format";
inline constexpr const char* kAttrFormatVersion = "format_version";
inline constexpr const char* kAttrFeaturizerVersion = "featurizer_version";
inline constexpr const char* kAttrVocabulary = "feature_vocabulary";
inline constexpr const char* kAttrConfig = "config";
inline constexpr const char* kAttrTargetNames = "target_names";
inline constexpr const char* kAttrTargetMean = "target_mean";
inline constexpr const char* kAttrTargetStd = "target_std";
inline constexpr const char* kAttrTargetUnits = "target_units";
inline constexpr const char* kAttrDescriptorNames = "descriptor_names";
inline constexpr const char* kAttrDescriptorMean = "descriptor_mean";
inline constexpr const char* kAttrDescriptorStd = "descriptor_std";
inline constexpr const char* kAttrMetadata = "metadata";
inline constexpr const char* kAttrCreator = "created_by";
inline constexpr const char* kWeightsGroup = "weights";
inline constexpr const char* kRegressorGroup = "regressor";

// Every parameter and buffer of the model by its torch name ("encoder.w_h.weight").
// Parameters and buffers share one namespace: torch refuses to register both under a name.
std::map<std::string, torch::Tensor> named_tensors(models::PropertyModel& model);

// The rule scaler.cpp applies: as many stds as means, and names either absent or one
// per column.
bool consistent(const data::ColumnScaling& s);
// "2 names, 2 means and 1 stds": for the errors about an inconsistent scaling.
std::string describe(const data::ColumnScaling& s);

}  // namespace molprop::checkpoint::layout
