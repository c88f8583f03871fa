// Reading a checkpoint (docs/checkpoint-format.md): open and check the format, the
// description, the vocabulary, then the weights by name, shape and type.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <utility>

#include "checkpoint/checkpoint.h"
#include "checkpoint/checkpoint_layout.h"
#include "chem/features.h"
#include "core/check.h"
#include "core/options.h"
#include "data/h5_util.h"

namespace molprop::checkpoint {
namespace h5 = data::h5;
using nlohmann::json;
using namespace layout;

namespace {

std::string shape_string(const std::vector<int64_t>& dims) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < dims.size(); ++i) os << (i ? ", " : "") << dims[i];
  os << "]";
  return os.str();
}

std::vector<int64_t> tensor_shape(const torch::Tensor& t) { return t.sizes().vec(); }

// Runs f, turning HDF5's exceptions (a truncated or damaged file) into an Error naming
// the file. Errors f throws itself already name it and pass through unchanged.
template <typename F>
auto guard_h5(const std::string& path, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const H5::Exception& e) {
    throw Error(path + ": cannot read checkpoint; the file is damaged (HDF5: " + e.getDetailMsg() + ")");
  }
}

// For code that does not know the file (the shared HDF5 helpers, the configuration
// parser, the model constructor): also prefixes its Errors with the path.
template <typename F>
auto with_path(const std::string& path, F&& f) -> decltype(f()) {
  try {
    return guard_h5(path, std::forward<F>(f));
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

std::string string_attr(const H5::Group& root, const std::string& path, const char* name) {
  if (!h5::has_attr(root, name)) {
    throw Error(path + ": checkpoint lacks the '" + name + "' attribute (truncated or not written by molprop?)");
  }
  return with_path(path, [&] { return h5::read_string_attr(root, name); });
}

int64_t int_attr(const H5::Group& root, const std::string& path, const char* name) {
  if (!h5::has_attr(root, name)) {
    throw Error(path + ": checkpoint lacks the '" + name + "' attribute (truncated or not written by molprop?)");
  }
  return with_path(path, [&] { return h5::read_int_attr(root, name); });
}

template <typename T>
T json_attr(const H5::Group& root, const std::string& path, const char* name) {
  const std::string text = string_attr(root, path, name);
  try {
    return json::parse(text).get<T>();
  } catch (const json::exception& e) {
    throw Error(path + ": attribute '" + name + "' is not the expected JSON (" + e.what() + ")");
  }
}

data::ColumnScaling read_scaling(const H5::Group& root, const std::string& path, const char* names_attr,
                                 const char* mean_attr, const char* std_attr) {
  data::ColumnScaling s;
  s.names = json_attr<std::vector<std::string>>(root, path, names_attr);
  s.mean = json_attr<std::vector<double>>(root, path, mean_attr);
  s.std = json_attr<std::vector<double>>(root, path, std_attr);
  if (!consistent(s)) {
    throw Error(path + ": '" + names_attr + "', '" + mean_attr + "' and '" + std_attr + "' do not agree (" +
                describe(s) + ")");
  }
  return s;
}

// Opens the file read-only; a missing file, a non-HDF5 file or a damaged one → Error.
void open_file(const std::string& path, std::optional<H5::H5File>& file) {
  h5::silence_errors();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(path + ": no such checkpoint file");
  }
  bool is_hdf5 = false;
  try {
    is_hdf5 = H5::H5File::isHdf5(path);
  } catch (const H5::Exception&) {
  }
  if (!is_hdf5) throw Error(path + ": not a molprop checkpoint (not an HDF5 file)");
  try {
    file.emplace(path, H5F_ACC_RDONLY);
  } catch (const H5::Exception& e) {
    throw Error(path + ": cannot open checkpoint; the file is truncated or damaged (HDF5: " + e.getDetailMsg() + ")");
  }
}

// Magic and layout version: what any reader must check before trusting the rest.
void check_format(const H5::Group& root, const std::string& path) {
  if (!h5::has_attr(root, kAttrFormat)) throw Error(path + ": not a molprop checkpoint");
  const std::string magic = string_attr(root, path, kAttrFormat);
  if (magic != kCheckpointMagic) {
    throw Error(path + ": not a molprop checkpoint (its format is '" + magic + "')");
  }
  const int64_t version = int_attr(root, path, kAttrFormatVersion);
  if (version > kCheckpointVersion) {
    throw Error(path + ": written by a newer molprop (checkpoint format version " + std::to_string(version) +
                "; this build reads up to " + std::to_string(kCheckpointVersion) + ")");
  }
  if (version < 1) {
    throw Error(path + ": invalid checkpoint format version " + std::to_string(version));
  }
}

Checkpoint read_info(const H5::Group& root, const std::string& path) {
  check_format(root, path);
  Checkpoint c;
  const std::string config_json = string_attr(root, path, kAttrConfig);
  c.config = with_path(path, [&] { return models::model_config_from_json(config_json); });
  c.targets = read_scaling(root, path, kAttrTargetNames, kAttrTargetMean, kAttrTargetStd);
  c.descriptors = read_scaling(root, path, kAttrDescriptorNames, kAttrDescriptorMean, kAttrDescriptorStd);
  c.metadata_json = string_attr(root, path, kAttrMetadata);
  if (h5::has_attr(root, kAttrTargetUnits)) {
    c.target_units = json_attr<std::vector<std::string>>(root, path, kAttrTargetUnits);
    if (c.target_units.size() != c.targets.names.size()) {
      throw Error(path + ": '" + kAttrTargetUnits + "' has " + std::to_string(c.target_units.size()) + " entries for " +
                  std::to_string(c.targets.names.size()) + " targets");
    }
  }
  return c;
}

void read_regressor(const H5::H5File& file, Checkpoint& c) {
  if (!file.nameExists(kRegressorGroup)) return;
  const H5::Group group = file.openGroup(kRegressorGroup);
  c.regressor_kind = h5::read_string_attr(group, "kind");
  c.regressor_params = h5::read_string_attr(group, "params");
  for (hsize_t i = 0; i < group.getNumObjs(); ++i) {
    regression::NamedArray a;
    a.name = group.getObjnameByIdx(i);
    const H5::DataSet ds = group.openDataSet(a.name);
    const H5::DataSpace space = ds.getSpace();
    std::vector<hsize_t> dims(static_cast<size_t>(space.getSimpleExtentNdims()));
    space.getSimpleExtentDims(dims.data());
    size_t count = 1;
    for (hsize_t d : dims) {
      a.shape.push_back(static_cast<int64_t>(d));
      count *= d;
    }
    a.values.resize(count);
    if (count > 0) ds.read(a.values.data(), H5::PredType::NATIVE_DOUBLE);
    c.regressor_arrays.push_back(std::move(a));
  }
}

// Weights are features-by-index: a model trained on another vocabulary would silently
// read the wrong embedding rows, so refuse it. Both the root attribute and the copy in
// the configuration are checked (they can only differ in a hand-edited file).
void check_vocabulary(const H5::Group& root, const std::string& path, const Checkpoint& c) {
  auto refuse = [&](const std::string& theirs, const std::string& ours) {
    throw Error(path + ": model was trained with feature vocabulary " + theirs + ", this build uses " + ours +
                "; retrain or use a matching molprop");
  };
  const int64_t ours = chem::kFeaturizerVersion;
  const int64_t attr = int_attr(root, path, kAttrFeaturizerVersion);
  if (attr != ours) refuse("v" + std::to_string(attr), "v" + std::to_string(ours));
  if (c.config.featurizer_version != ours) {
    refuse("v" + std::to_string(c.config.featurizer_version), "v" + std::to_string(ours));
  }
  const std::string signature = string_attr(root, path, kAttrVocabulary);
  if (signature != chem::vocabulary_signature()) {
    refuse("'" + signature + "'", "'" + chem::vocabulary_signature() + "'");
  }
}

// A weight dataset as it lies in the file, before any data is read.
struct StoredWeight {
  std::string name;
  std::vector<int64_t> shape;  // {} for a scalar dataset
  H5T_class_t type_class = H5T_NO_CLASS;
};

std::map<std::string, StoredWeight> list_weights(const H5::Group& weights, const std::string& path) {
  std::map<std::string, StoredWeight> out;
  const hsize_t n = weights.getNumObjs();
  for (hsize_t i = 0; i < n; ++i) {
    StoredWeight w;
    w.name = weights.getObjnameByIdx(i);
    if (weights.childObjType(w.name) != H5O_TYPE_DATASET) {
      throw Error(path + ": '" + kWeightsGroup + "/" + w.name + "' is not a dataset");
    }
    H5::DataSet ds = weights.openDataSet(w.name);
    H5::DataSpace space = ds.getSpace();
    const H5S_class_t space_class = space.getSimpleExtentType();
    if (space_class == H5S_SIMPLE) {
      std::vector<hsize_t> dims(static_cast<size_t>(space.getSimpleExtentNdims()));
      space.getSimpleExtentDims(dims.data());
      w.shape.assign(dims.begin(), dims.end());
    } else if (space_class != H5S_SCALAR) {
      throw Error(path + ": weight '" + w.name + "' has an empty dataspace");
    }
    w.type_class = ds.getTypeClass();
    out.emplace(w.name, std::move(w));
  }
  return out;
}

void check_match(const std::string& path, const StoredWeight& stored, const torch::Tensor& target) {
  if (stored.shape != tensor_shape(target)) {
    throw Error(path + ": weight '" + stored.name + "' has shape " + shape_string(stored.shape) +
                " in the checkpoint, but the model expects " + shape_string(tensor_shape(target)));
  }
  const bool want_int = target.scalar_type() == torch::kLong;
  const H5T_class_t want = want_int ? H5T_INTEGER : H5T_FLOAT;
  if (stored.type_class != want) {
    const char* got = stored.type_class == H5T_INTEGER ? "integers"
                      : stored.type_class == H5T_FLOAT ? "floats"
                                                       : "neither integers nor floats";
    throw Error(path + ": weight '" + stored.name + "' holds " + got +
                " in the checkpoint, but the model's tensor is " + (want_int ? "int64" : "float32"));
  }
}

// Reads one checked dataset and copies it into `target` (any device). Refuses values no
// trained model holds: a NaN or infinite float (it would predict NaN with no error, or
// train on a NaN loss), and categorical-embedding offsets other than the ones the
// configuration builds (they index the embedding table: a wrong one reads past it).
void read_into(const std::string& path, const H5::Group& weights, const std::string& name, torch::Tensor& target) {
  torch::Tensor buffer = torch::empty(target.sizes(), target.options().device(torch::kCPU));
  const bool integer = target.scalar_type() == torch::kLong;
  if (buffer.numel() > 0) {
    H5::DataSet ds = weights.openDataSet(name);
    ds.read(buffer.data_ptr(), integer ? H5::PredType::NATIVE_INT64 : H5::PredType::NATIVE_FLOAT);
  }
  if (!integer && buffer.numel() > 0 && !torch::isfinite(buffer).all().item<bool>()) {
    const int64_t bad = (~torch::isfinite(buffer)).sum().item<int64_t>();
    throw Error(path + ": weight '" + name + "' holds " + std::to_string(bad) +
                " non-finite values (NaN or infinity); the checkpoint is damaged or its training diverged");
  }
  const std::string suffix = ".offsets";
  if (integer && name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
      !torch::equal(buffer, target.to(torch::kCPU))) {
    throw Error(path + ": weight '" + name +
                "' does not hold the offsets its configuration's feature cardinalities give (damaged checkpoint?)");
  }
  torch::NoGradGuard no_grad;
  target.copy_(buffer);
}

// Upper bounds on a configuration read from a file, checked before the model is built
// (the constructor allocates every weight): a tampered width must fail here naming the
// file, not try to allocate hundreds of gigabytes. The widths must also be what the
// stored weights were saved with: each appears as a dimension of a stored weight of its
// part, and the model cannot hold more values than the file stores.
constexpr int64_t kMaxCardinality = 100000;
constexpr int64_t kMaxStoredValues = int64_t{1} << 31;  // 8 GiB of float32

void check_config_against_file(const std::string& path, const models::ModelConfig& config,
                               const std::map<std::string, StoredWeight>& stored) {
  with_path(path, [&] {
    config.encoder.validate();
    config.readout.validate();
    config.head.validate();
    core::check_range<int64_t>("ModelConfig::num_descriptors", config.num_descriptors, 0, 100000);
  });
  for (const auto* cards : {&config.encoder.atom_cardinalities, &config.encoder.bond_cardinalities}) {
    if (cards->empty() || cards->size() > 1000) {
      throw Error(path + ": configuration has " + std::to_string(cards->size()) +
                  " feature cardinalities (damaged checkpoint?)");
    }
    for (int64_t c : *cards) {
      if (c < 1 || c > kMaxCardinality) {
        throw Error(path + ": configuration has a feature cardinality of " + std::to_string(c) + ", expected 1.." +
                    std::to_string(kMaxCardinality) + " (damaged checkpoint?)");
      }
    }
  }
  int64_t total = 0;
  auto has_dim = [&](const std::string& prefix, int64_t width) {
    for (const auto& [name, w] : stored) {
      if (name.compare(0, prefix.size(), prefix) != 0) continue;
      for (int64_t d : w.shape) {
        if (d == width) return true;
      }
    }
    return false;
  };
  for (const auto& [name, w] : stored) {
    int64_t n = 1;
    for (int64_t d : w.shape) n = d > 0 && n <= kMaxStoredValues / d ? n * d : kMaxStoredValues + 1;
    total += std::min(n, kMaxStoredValues + 1);
    if (total > kMaxStoredValues) {
      throw Error(path + ": weights hold more than " + std::to_string(kMaxStoredValues) + " values (weight '" + name +
                  "' has shape " + shape_string(w.shape) + "; damaged checkpoint?)");
    }
  }
  if (!has_dim("encoder.", config.encoder.hidden)) {
    throw Error(path + ": configuration says encoder width " + std::to_string(config.encoder.hidden) +
                ", but no stored encoder weight has that dimension (damaged checkpoint?)");
  }
  if (config.head.layers > 1 && !has_dim("head.", config.head.hidden)) {
    throw Error(path + ": configuration says head width " + std::to_string(config.head.hidden) +
                ", but no stored head weight has that dimension (damaged checkpoint?)");
  }
}

H5::Group open_weights(const H5::H5File& file, const std::string& path) {
  if (!file.nameExists(kWeightsGroup)) {
    throw Error(path + ": checkpoint has no '" + kWeightsGroup + "' group (truncated file?)");
  }
  return file.openGroup(kWeightsGroup);
}

}  // namespace

Checkpoint read_checkpoint_info(const std::string& path) {
  std::optional<H5::H5File> file;
  open_file(path, file);
  return guard_h5(path, [&] {
    Checkpoint c = read_info(file->openGroup("/"), path);
    with_path(path, [&] { read_regressor(*file, c); });
    return c;
  });
}

models::PropertyModel load_checkpoint(const std::string& path, Checkpoint* checkpoint) {
  std::optional<H5::H5File> file;
  open_file(path, file);
  return guard_h5(path, [&] {
    const H5::Group root = file->openGroup("/");
    Checkpoint info = read_info(root, path);
    with_path(path, [&] { read_regressor(*file, info); });
    check_vocabulary(root, path, info);
    const H5::Group weights = open_weights(*file, path);
    const std::map<std::string, StoredWeight> stored = list_weights(weights, path);
    check_config_against_file(path, info.config, stored);
    models::PropertyModel model = with_path(path, [&] { return models::PropertyModel(info.config); });
    std::map<std::string, torch::Tensor> targets = named_tensors(model);
    // Check everything before reading anything: names both ways, then shapes and types.
    for (const auto& [name, tensor] : targets) {
      if (!stored.count(name)) {
        throw Error(path + ": weight '" + name + "' (shape " + shape_string(tensor_shape(tensor)) +
                    ") is missing from the checkpoint");
      }
    }
    for (const auto& [name, w] : stored) {
      auto it = targets.find(name);
      if (it == targets.end()) {
        throw Error(path + ": checkpoint has weight '" + name + "' (shape " + shape_string(w.shape) +
                    ") that the model built from its configuration lacks");
      }
      check_match(path, w, it->second);
    }
    for (auto& [name, tensor] : targets) read_into(path, weights, name, tensor);
    model->eval();
    if (checkpoint) *checkpoint = std::move(info);
    return model;
  });
}

int load_weights_with_prefix(const std::string& path, const std::string& prefix, models::PropertyModel& model) {
  std::optional<H5::H5File> file;
  open_file(path, file);
  return guard_h5(path, [&] {
    const H5::Group root = file->openGroup("/");
    const Checkpoint info = read_info(root, path);
    check_vocabulary(root, path, info);
    const H5::Group weights = open_weights(*file, path);
    const std::map<std::string, StoredWeight> stored = list_weights(weights, path);
    std::map<std::string, torch::Tensor> targets = named_tensors(model);
    auto has_prefix = [&](const std::string& name) { return name.compare(0, prefix.size(), prefix) == 0; };
    // The prefix must select the same tensors on both sides: a partial copy (e.g. a
    // deeper encoder than the pretrained one) would leave layers silently untrained.
    std::vector<std::string> names;
    for (const auto& [name, w] : stored) {
      if (!has_prefix(name)) continue;
      auto it = targets.find(name);
      if (it == targets.end()) {
        throw Error(path + ": checkpoint weight '" + name + "' (shape " + shape_string(w.shape) +
                    ") has no counterpart in the model");
      }
      check_match(path, w, it->second);
      names.push_back(name);
    }
    for (const auto& [name, tensor] : targets) {
      if (has_prefix(name) && !stored.count(name)) {
        throw Error(path + ": the model's weight '" + name + "' (shape " + shape_string(tensor_shape(tensor)) +
                    ") is missing from the checkpoint");
      }
    }
    if (names.empty()) throw Error(path + ": no weights whose names start with '" + prefix + "'");
    for (const auto& name : names) read_into(path, weights, name, targets.at(name));
    return static_cast<int>(names.size());
  });
}

}  // namespace molprop::checkpoint
