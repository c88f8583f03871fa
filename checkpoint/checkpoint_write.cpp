// Writing a checkpoint (docs/checkpoint-format.md): check what is to be saved, write
// every attribute and weight into a temporary file, commit it into place.
#include <nlohmann/json.hpp>
#include <optional>

#include "checkpoint/checkpoint.h"
#include "checkpoint/checkpoint_layout.h"
#include "chem/features.h"
#include "core/atomic_file.h"
#include "core/check.h"
#include "data/h5_util.h"

namespace molprop::checkpoint {
namespace h5 = data::h5;
using nlohmann::json;
using namespace layout;

namespace {

void check_scaling(const std::string& path, const data::ColumnScaling& s, const char* what) {
  if (!consistent(s)) {
    throw Error("cannot save checkpoint " + path + ": " + what + " scaling has " + describe(s) +
                " (expected as many stds as means, and no names or one per column)");
  }
}

void write_scaling(H5::Group& root, const data::ColumnScaling& s, const char* names_attr, const char* mean_attr,
                   const char* std_attr) {
  h5::write_attr(root, names_attr, json(s.names).dump());
  h5::write_attr(root, mean_attr, json(s.mean).dump());
  h5::write_attr(root, std_attr, json(s.std).dump());
}

// One dataset per tensor: float32 or int64, the tensor's own shape; a 0-dim tensor
// becomes a scalar dataset (HDF5's rank-0 dataspace; h5py reads it with ds[()]).
void write_tensor(H5::Group& group, const std::string& name, const torch::Tensor& tensor) {
  const torch::Tensor t = tensor.detach().to(torch::kCPU).contiguous();
  H5::PredType file_type = H5::PredType::IEEE_F32LE;
  H5::PredType mem_type = H5::PredType::NATIVE_FLOAT;
  if (t.scalar_type() == torch::kLong) {
    file_type = H5::PredType::STD_I64LE;
    mem_type = H5::PredType::NATIVE_INT64;
  } else if (t.scalar_type() != torch::kFloat) {
    throw Error("cannot save weight '" + name + "': dtype " + std::string(c10::toString(t.scalar_type())) +
                " is not supported (checkpoints hold float32 and int64 tensors)");
  }
  std::vector<hsize_t> dims(t.sizes().begin(), t.sizes().end());
  std::optional<H5::DataSpace> space;
  if (dims.empty()) {
    space.emplace(H5S_SCALAR);
  } else {
    space.emplace(static_cast<int>(dims.size()), dims.data());
  }
  H5::DataSet ds = group.createDataSet(name, file_type, *space);
  try {
    if (t.numel() > 0) ds.write(t.data_ptr(), mem_type);
  } catch (const H5::Exception&) {
    h5::abandon(ds);  // a failed file: its destructor must not close it (h5::abandon)
    throw;
  }
}

// The optional "regressor" group: attributes kind and params (JSON), one float64
// dataset per array with its shape.
void write_regressor(H5::H5File& file, const Checkpoint& c) {
  H5::Group group = file.createGroup(kRegressorGroup);
  h5::write_attr(group, "kind", c.regressor_kind);
  h5::write_attr(group, "params", c.regressor_params);
  for (const auto& a : c.regressor_arrays) {
    std::vector<hsize_t> dims(a.shape.begin(), a.shape.end());
    if (dims.empty()) dims.push_back(a.values.size());
    H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
    H5::DataSet ds = group.createDataSet(a.name, H5::PredType::IEEE_F64LE, space);
    try {
      if (!a.values.empty()) ds.write(a.values.data(), H5::PredType::NATIVE_DOUBLE);
    } catch (const H5::Exception&) {
      h5::abandon(ds);
      throw;
    }
  }
}

// Refuses, before any file is touched, what would make a checkpoint that no build can
// load or that contradicts itself. Returns the configuration as JSON.
std::string check_saveable(const std::string& path, const Checkpoint& checkpoint, models::PropertyModel& model) {
  const std::string config_json = models::to_json(checkpoint.config);
  if (config_json != models::to_json(model->config())) {
    throw Error("cannot save checkpoint " + path + ": its configuration differs from the model's (" + config_json +
                " vs " + models::to_json(model->config()) + ")");
  }
  // The weights are tied to the vocabulary of this build (feature_vocabulary below); a
  // configuration claiming another one would make a checkpoint that no build can load.
  if (checkpoint.config.featurizer_version != chem::kFeaturizerVersion) {
    throw Error("cannot save checkpoint " + path + ": its configuration says feature vocabulary v" +
                std::to_string(checkpoint.config.featurizer_version) + ", this build uses v" +
                std::to_string(chem::kFeaturizerVersion));
  }
  check_scaling(path, checkpoint.targets, "target");
  if (!checkpoint.target_units.empty() && checkpoint.target_units.size() != checkpoint.targets.names.size()) {
    throw Error("cannot save checkpoint " + path + ": " + std::to_string(checkpoint.target_units.size()) +
                " units for " + std::to_string(checkpoint.targets.names.size()) + " targets");
  }
  check_scaling(path, checkpoint.descriptors, "descriptor");
  if (!json::accept(checkpoint.metadata_json)) {
    throw Error("cannot save checkpoint " + path + ": metadata is not valid JSON");
  }
  return config_json;
}

// The root attributes: format, vocabulary, configuration, scaling, metadata.
void write_attributes(H5::Group& root, const Checkpoint& checkpoint, const std::string& config_json) {
  h5::write_attr(root, kAttrFormat, std::string(kCheckpointMagic));
  h5::write_attr(root, kAttrFormatVersion, int64_t{kCheckpointVersion});
  h5::write_attr(root, kAttrFeaturizerVersion, int64_t{checkpoint.config.featurizer_version});
  h5::write_attr(root, kAttrVocabulary, chem::vocabulary_signature());
  h5::write_attr(root, kAttrConfig, config_json);
  write_scaling(root, checkpoint.targets, kAttrTargetNames, kAttrTargetMean, kAttrTargetStd);
  write_scaling(root, checkpoint.descriptors, kAttrDescriptorNames, kAttrDescriptorMean, kAttrDescriptorStd);
  h5::write_attr(root, kAttrMetadata, checkpoint.metadata_json);
  if (!checkpoint.target_units.empty()) {
    h5::write_attr(root, kAttrTargetUnits, json(checkpoint.target_units).dump());
  }
  h5::write_attr(root, kAttrCreator, std::string("molprop"));
}

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint, models::PropertyModel& model) {
  h5::silence_errors();
  const std::string config_json = check_saveable(path, checkpoint, model);

  // Declared before the HDF5 handles, so that the temporary file is removed after they
  // are released.
  core::AtomicFile out(path);
  // optional: HDF5's C++ handles must not be copy-assigned; construct in place, and
  // release every handle before closing so the file is complete before the commit.
  std::optional<H5::H5File> file;
  std::optional<H5::Group> root, weights;
  // Everything reaches the disk in the flush, while every handle is open; then the
  // handles close. After an HDF5 failure (a full disk) they are abandoned instead, never
  // closed (h5::abandon): closing a failed file fails again and prints from destructors.
  auto close_all = [&] {
    file->flush(H5F_SCOPE_GLOBAL);
    weights->close();
    weights.reset();
    root->close();
    root.reset();
    file->close();
    file.reset();
  };
  auto abandon = [&](const std::string& reason) {
    if (weights) h5::abandon(*weights);
    weights.reset();
    if (root) h5::abandon(*root);
    root.reset();
    if (file) h5::abandon(*file);
    file.reset();
    throw Error(path + ": cannot write checkpoint (" + reason + ")");  // ~AtomicFile removes the temporary
  };
  try {
    file.emplace(out.temp_path(), H5F_ACC_TRUNC);
  } catch (const H5::Exception&) {
    throw Error(path + ": cannot create checkpoint file (does the folder exist and is it writable?)");
  }
  try {
    root.emplace(file->openGroup("/"));
    write_attributes(*root, checkpoint, config_json);
    weights.emplace(file->createGroup(kWeightsGroup));
    for (const auto& [name, tensor] : named_tensors(model)) write_tensor(*weights, name, tensor);
    if (!checkpoint.regressor_kind.empty()) write_regressor(*file, checkpoint);
    close_all();
  } catch (const std::exception& e) {
    // molprop::Error from write_tensor, or torch; HDF5 exceptions are no std::exception.
    abandon(e.what());
  } catch (const H5::Exception& e) {
    abandon(e.getDetailMsg());
  }
  out.commit();
}

}  // namespace molprop::checkpoint
