#pragma once
// Self-describing model checkpoints: one HDF5 file (docs/checkpoint-format.md) with the
// model's JSON configuration, feature vocabulary version, target names and scaling,
// descriptor names and scaling, training metadata, and every parameter and buffer as a
// named float32 dataset. `predict` and `embed` rebuild the model from the file alone,
// and plain h5py can read it.
#include <string>
#include <vector>

#include "data/scaler.h"
#include "models/property_model.h"
#include "regression/regressor.h"

namespace molprop::checkpoint {

struct Checkpoint {
  models::ModelConfig config;
  data::ColumnScaling targets;            // names = target names (size num_tasks)
  data::ColumnScaling descriptors;        // names empty when the model uses no descriptors
  std::vector<std::string> target_units;  // empty, or one per target ("log10(mol/L)")
  std::string metadata_json = "{}";       // free-form training record (seed, epochs, command...)
  // A ridge or GP head on the frozen model's embeddings (model->embed), used instead of
  // the MLP head when regressor_kind is non-empty. Stored in the group "regressor".
  std::string regressor_kind;
  std::string regressor_params;  // JSON, from EmbeddingRegressor::params_json()
  std::vector<regression::NamedArray> regressor_arrays;
};

// Writes atomically (temporary file + rename). Throws molprop::Error naming the path.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint, models::PropertyModel& model);

// Reads the description only (no weights): for listing and compatibility checks.
Checkpoint read_checkpoint_info(const std::string& path);

// Rebuilds the model and loads every weight. Refuses — with a molprop::Error that names
// the file and says why — a file that is not a molprop checkpoint, a newer checkpoint
// format, another feature vocabulary version, or weights whose names or shapes do not
// match the configuration.
models::PropertyModel load_checkpoint(const std::string& path, Checkpoint* checkpoint = nullptr);

// Copies the weights whose names start with `prefix` (e.g. "encoder.") from a
// checkpoint into `model`; for fine-tuning a pretrained encoder. Shapes must match.
// Returns how many tensors were copied.
int load_weights_with_prefix(const std::string& path, const std::string& prefix, models::PropertyModel& model);

inline constexpr const char* kCheckpointMagic = "molprop-checkpoint";
inline constexpr int kCheckpointVersion = 1;

}  // namespace molprop::checkpoint
