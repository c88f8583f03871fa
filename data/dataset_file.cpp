#include "data/dataset_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "chem/descriptors.h"
#include "chem/features.h"
#include "core/text.h"
#include "data/dataset_format.h"
#include "data/h5_util.h"

namespace molprop::data {
namespace fmt = format;

namespace {

std::vector<std::string> json_list(const std::string& text, const std::string& path, const char* attr) {
  try {
    return nlohmann::json::parse(text).get<std::vector<std::string>>();
  } catch (const std::exception&) {
    throw Error(path + ": attribute '" + attr + "' is not a JSON list of strings");
  }
}

// File-wide index of the molecule holding element `k` of a block's per-atom (or per-edge)
// feature array of `width` columns, from the block's offsets `ptr`.
int64_t molecule_of(const Block& b, const std::vector<int64_t>& ptr, size_t k, size_t width) {
  const int64_t item = ptr.front() + static_cast<int64_t>(k / width);
  const auto it = std::upper_bound(ptr.begin(), ptr.end(), item);
  return b.first + static_cast<int64_t>(it - ptr.begin()) - 1;
}

}  // namespace

H5::DataSet DatasetFile::require(const char* name) {
  if (!file.nameExists(name)) fail(std::string("missing dataset '") + name + "' (truncated or not a molprop dataset?)");
  return file.openDataSet(name);
}

void DatasetFile::check_shape(const H5::DataSet& ds, const char* name, hsize_t rows, hsize_t cols) {
  auto [r, c] = h5::shape(ds);
  if (r != rows || c != cols) {
    fail(std::string("dataset '") + name + "' has shape " + std::to_string(r) + "×" + std::to_string(c) +
         ", expected " + std::to_string(rows) + "×" + std::to_string(cols));
  }
}

void DatasetFile::open(const std::string& path) {
  open_file(path);
  read_attributes();
  open_datasets();
}

void DatasetFile::open_file(const std::string& path) {
  info.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail("no such file");
  h5::silence_errors();
  htri_t is_h5 = H5Fis_hdf5(path.c_str());
  if (is_h5 <= 0) fail("not an HDF5 file (or truncated)");
  try {
    file.openFile(path, H5F_ACC_RDONLY);
  } catch (const H5::Exception&) {
    fail("cannot open as HDF5 (truncated or corrupted?)");
  }
}

void DatasetFile::read_attributes() {
  const std::string& path = info.path;
  H5::Group root = file.openGroup("/");
  if (!h5::has_attr(root, fmt::kAttrFormat) || h5::read_string_attr(root, fmt::kAttrFormat) != fmt::kMagic) {
    fail("not a molprop dataset (no 'format' attribute with value 'molprop-dataset')");
  }
  info.format_version = h5::read_int_attr(root, fmt::kAttrFormatVersion);
  if (info.format_version > fmt::kFormatVersion) {
    fail("written by a newer molprop (dataset format version " + std::to_string(info.format_version) +
         "; this build reads up to version " + std::to_string(fmt::kFormatVersion) + ")");
  }
  info.featurizer_version = h5::read_int_attr(root, fmt::kAttrFeaturizerVersion);
  info.vocabulary = h5::read_string_attr(root, fmt::kAttrVocabulary);
  if (info.featurizer_version != chem::kFeaturizerVersion) {
    fail("featurised with feature vocabulary v" + std::to_string(info.featurizer_version) + ", this build uses v" +
         std::to_string(chem::kFeaturizerVersion) + "; run 'molprop featurize' again on the source file");
  }
  // The version alone does not catch a file whose vocabulary (features and cardinalities)
  // differs under the same version number; checkpoints are refused the same way.
  if (info.vocabulary != chem::vocabulary_signature()) {
    fail("written with feature vocabulary " + core::quoted(info.vocabulary, 400) + ", this build uses " +
         core::quoted(chem::vocabulary_signature(), 400) + "; run 'molprop featurize' again on the source file");
  }
  info.target_names = json_list(h5::read_string_attr(root, fmt::kAttrTargetNames), path, fmt::kAttrTargetNames);
  info.descriptor_names =
      json_list(h5::read_string_attr(root, fmt::kAttrDescriptorNames), path, fmt::kAttrDescriptorNames);
  info.descriptor_set = h5::has_attr(root, fmt::kAttrDescriptorSet)
                            ? h5::read_string_attr(root, fmt::kAttrDescriptorSet)
                            : chem::descriptor_set_for(info.descriptor_names);
  if (h5::has_attr(root, fmt::kAttrAtomTargetNames)) {
    info.atom_target_names =
        json_list(h5::read_string_attr(root, fmt::kAttrAtomTargetNames), path, fmt::kAttrAtomTargetNames);
  }
  if (h5::has_attr(root, fmt::kAttrFormatMinorVersion)) {
    info.format_minor_version = h5::read_int_attr(root, fmt::kAttrFormatMinorVersion);
  }
  info.source_file = h5::read_string_attr(root, fmt::kAttrSourceFile);
  info.source_sha256 = h5::read_string_attr(root, fmt::kAttrSourceSha256);
  info.num_molecules = h5::read_int_attr(root, fmt::kAttrNumMolecules);
  info.num_atoms = h5::read_int_attr(root, fmt::kAttrNumAtoms);
  info.num_edges = h5::read_int_attr(root, fmt::kAttrNumEdges);
  info.num_rows = h5::read_int_attr(root, fmt::kAttrNumRows);
  info.num_failed = h5::read_int_attr(root, fmt::kAttrNumFailed);
  info.standardized = h5::read_int_attr(root, fmt::kAttrStandardized) != 0;
}

void DatasetFile::open_datasets() {
  const auto n = static_cast<hsize_t>(info.num_molecules);
  smiles = require(fmt::kSmiles);
  row = require(fmt::kRow);
  atom_ptr = require(fmt::kAtomPtr);
  bond_ptr = require(fmt::kBondPtr);
  atom_features = require(fmt::kAtomFeatures);
  bond_index = require(fmt::kBondIndex);
  bond_features = require(fmt::kBondFeatures);
  check_shape(smiles, fmt::kSmiles, n, 1);
  check_shape(row, fmt::kRow, n, 1);
  check_shape(atom_ptr, fmt::kAtomPtr, n + 1, 1);
  check_shape(bond_ptr, fmt::kBondPtr, n + 1, 1);
  check_shape(atom_features, fmt::kAtomFeatures, info.num_atoms, chem::kNumAtomFeatures);
  check_shape(bond_index, fmt::kBondIndex, info.num_edges, 2);
  check_shape(bond_features, fmt::kBondFeatures, info.num_edges, chem::kNumBondFeatures);
  if (!info.target_names.empty()) {
    targets = require(fmt::kTargets);
    check_shape(targets, fmt::kTargets, n, info.target_names.size());
  }
  if (!info.descriptor_names.empty()) {
    descriptors = require(fmt::kDescriptors);
    check_shape(descriptors, fmt::kDescriptors, n, info.descriptor_names.size());
  }
  if (!info.atom_target_names.empty()) {
    atom_targets = require(fmt::kAtomTargets);
    check_shape(atom_targets, fmt::kAtomTargets, info.num_atoms, info.atom_target_names.size());
  }
  info.has_scaffolds = file.nameExists(fmt::kScaffoldId);
  if (info.has_scaffolds) {
    scaffold_id = file.openDataSet(fmt::kScaffoldId);
    check_shape(scaffold_id, fmt::kScaffoldId, n, 1);
  }
  // The offsets must end exactly at the feature arrays' lengths.
  std::vector<int64_t> last;
  h5::read_rows(atom_ptr, n, 1, last);
  if (last[0] != info.num_atoms) fail("atom_ptr does not end at num_atoms (corrupted?)");
  h5::read_rows(bond_ptr, n, 1, last);
  if (last[0] != info.num_edges) fail("bond_ptr does not end at num_edges (corrupted?)");
}

std::shared_ptr<const Block> DatasetFile::load(int64_t first, int64_t count) const {
  auto b = std::make_shared<Block>();
  b->first = first;
  b->count = count;
  h5::read_rows(atom_ptr, first, count + 1, b->atom_ptr);
  h5::read_rows(bond_ptr, first, count + 1, b->bond_ptr);
  check_offsets(b->atom_ptr, info.num_atoms, fmt::kAtomPtr, first);
  check_offsets(b->bond_ptr, info.num_edges, fmt::kBondPtr, first);
  const int64_t a0 = b->atom_ptr.front(), a1 = b->atom_ptr.back();
  const int64_t e0 = b->bond_ptr.front(), e1 = b->bond_ptr.back();
  h5::read_rows(atom_features, a0, a1 - a0, b->atom_features);
  h5::read_rows(bond_index, e0, e1 - e0, b->bond_index);
  h5::read_rows(bond_features, e0, e1 - e0, b->bond_features);
  if (!info.target_names.empty()) h5::read_rows(targets, first, count, b->targets);
  if (!info.descriptor_names.empty()) h5::read_rows(descriptors, first, count, b->descriptors);
  if (!info.atom_target_names.empty()) h5::read_rows(atom_targets, a0, a1 - a0, b->atom_targets);
  validate(*b);
  return b;
}

void DatasetFile::check_offsets(const std::vector<int64_t>& ptr, int64_t total, const char* name, int64_t first) const {
  for (size_t k = 0; k < ptr.size(); ++k) {
    const bool in_range = ptr[k] >= 0 && ptr[k] <= total;
    if (!in_range || (k > 0 && ptr[k] < ptr[k - 1])) {
      // Offset k + first starts molecule k + first; a bad one breaks that molecule (or,
      // past the last molecule, the one before it).
      const int64_t mol = first + static_cast<int64_t>(k < ptr.size() - 1 || k == 0 ? k : k - 1);
      fail(std::string("corrupted offsets at molecule ") + std::to_string(mol) + " ('" + name + "'[" +
           std::to_string(first + static_cast<int64_t>(k)) + "] = " + std::to_string(ptr[k]) + ", expected " +
           (in_range ? "no less than the offset before it" : "a value in [0, " + std::to_string(total) + "]") + ")");
    }
  }
}

// Validates what we will index with, so corruption is an error rather than a crash.
void DatasetFile::validate(const Block& b) const {
  const int64_t e0 = b.bond_ptr.front();
  for (int64_t m = 0; m < b.count; ++m) {
    const int64_t na = b.atom_ptr[m + 1] - b.atom_ptr[m];
    const int64_t ne = b.bond_ptr[m + 1] - b.bond_ptr[m];
    if (na < 0 || ne < 0 || ne % 2 != 0) fail("corrupted offsets at molecule " + std::to_string(b.first + m));
    const int32_t* idx = b.bond_index.data() + (b.bond_ptr[m] - e0) * 2;
    for (int64_t k = 0; k < ne * 2; ++k) {
      if (idx[k] < 0 || idx[k] >= na) fail("bond index out of range at molecule " + std::to_string(b.first + m));
    }
  }
  const auto& aspecs = chem::atom_feature_specs();
  for (size_t k = 0; k < b.atom_features.size(); ++k) {
    if (b.atom_features[k] >= aspecs[k % chem::kNumAtomFeatures].cardinality)
      fail("atom feature out of vocabulary at molecule " +
           std::to_string(molecule_of(b, b.atom_ptr, k, chem::kNumAtomFeatures)) + " (corrupted?)");
  }
  const auto& bspecs = chem::bond_feature_specs();
  for (size_t k = 0; k < b.bond_features.size(); ++k) {
    if (b.bond_features[k] >= bspecs[k % chem::kNumBondFeatures].cardinality)
      fail("bond feature out of vocabulary at molecule " +
           std::to_string(molecule_of(b, b.bond_ptr, k, chem::kNumBondFeatures)) + " (corrupted?)");
  }
}

}  // namespace molprop::data
