#pragma once
// Streams featurised molecules into a molprop HDF5 dataset (docs/hdf5-format.md).
//
// Appends go to chunked, compressed, extendible datasets, so memory does not grow with
// the number of molecules (only the scaffold dictionary does, one string per distinct
// scaffold). Everything is written to "<path>.tmp.<pid>" and renamed over <path> by
// finish(): an interrupted run leaves no half-written dataset behind.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chem/featurizer.h"

namespace molprop::data {

struct DatasetWriterOptions {
  std::vector<std::string> target_names;       // T; may be empty (unlabeled corpus)
  std::vector<std::string> descriptor_names;   // D; non-empty ⇔ descriptors are stored
  std::string descriptor_set;                  // chem::descriptor_set() name of descriptor_names, if any
  std::vector<std::string> atom_target_names;  // K; non-empty ⇔ atom targets (A × K) are stored
  bool scaffolds = false;                      // store scaffold ids + scaffold table
  bool standardized = false;                   // recorded as an attribute
  std::string source_file;                     // recorded as an attribute
  std::string source_sha256;                   // recorded as an attribute
  int compression_level = 4;                   // deflate 0..9 (with byte shuffle)
};

class DatasetWriter {
 public:
  DatasetWriter(const std::string& path, DatasetWriterOptions options);
  ~DatasetWriter();  // without finish(): removes the temporary file
  DatasetWriter(const DatasetWriter&) = delete;
  DatasetWriter& operator=(const DatasetWriter&) = delete;

  // One successfully featurised molecule. `targets` has T values (NaN = missing);
  // mol.descriptors has D values when descriptors are stored, mol.atom_targets
  // num_atoms × K when atom targets are.
  void add(int64_t row, const std::string& smiles, const chem::FeaturizedMol& mol, const float* targets);
  // One input row that could not be used; kept in the file with its reason.
  void add_failure(int64_t row, const std::string& smiles, const std::string& reason);

  // Writes the remaining buffers and attributes, closes, and renames into place.
  void finish(int64_t num_rows);

  int64_t num_molecules() const;
  int64_t num_failures() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace molprop::data
