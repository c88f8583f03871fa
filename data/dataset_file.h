#pragma once
// The HDF5 side of GraphDataset (data/graph_dataset.h): opening a molprop dataset file
// and validating its attributes and array shapes, and reading one block of molecules
// with the checks that make corruption an error rather than a crash. Internal to data/.
#include <H5Cpp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/check.h"
#include "data/graph_dataset.h"

namespace molprop::data {

// Molecules [first, first + count) of the file, file-wide indices.
struct Block {
  int64_t first = 0, count = 0;
  std::vector<int64_t> atom_ptr, bond_ptr;  // count + 1 each, file-wide offsets
  std::vector<uint8_t> atom_features;       // atoms × kNumAtomFeatures
  std::vector<uint8_t> bond_features;       // directed edges × kNumBondFeatures
  std::vector<int32_t> bond_index;          // directed edges × 2, molecule-local atom indices
  std::vector<float> targets, descriptors;  // count × T, count × D
  std::vector<float> atom_targets;          // atoms × K (empty when the file has none)
};

struct DatasetFile {
  DatasetInfo info;
  H5::H5File file;
  H5::DataSet smiles, row, atom_ptr, bond_ptr, atom_features, bond_index, bond_features;
  H5::DataSet targets, descriptors, atom_targets, scaffold_id;  // open when the file has them

  // Throws molprop::Error "<path>: <why>".
  [[noreturn]] void fail(const std::string& why) const { throw Error(info.path + ": " + why); }

  // Opens `path` and validates it: a missing, truncated, foreign or newer-version file,
  // another feature vocabulary, or arrays whose shapes disagree with the attributes fail
  // naming the file. HDF5 exceptions from the attribute helpers may escape.
  void open(const std::string& path);

  // Reads molecules [first, first + count) and validates the offsets (non-decreasing, in
  // range), bond indices and feature values it will index with; each problem fails
  // naming the file and the molecule.
  std::shared_ptr<const Block> load(int64_t first, int64_t count) const;

  // ptr (offsets first, first+1, ... of the file's `name`) must be non-decreasing and in
  // [0, total]; otherwise fail() naming the molecule and the offset.
  void check_offsets(const std::vector<int64_t>& ptr, int64_t total, const char* name, int64_t first) const;

 private:
  void open_file(const std::string& path);
  void read_attributes();
  void open_datasets();
  H5::DataSet require(const char* name);
  void check_shape(const H5::DataSet& ds, const char* name, hsize_t rows, hsize_t cols);
  void validate(const Block& b) const;
};

}  // namespace molprop::data
