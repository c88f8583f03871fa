#pragma once
// Reads a molprop HDF5 dataset back: validation, random access, batching, shuffled
// epochs and sharding across processes.
//
// Two modes: in memory (the whole file is read at open: small and medium sets), or
// streaming, where molecules are read in blocks of `block_size` with a small block
// cache, so memory is independent of the corpus size. Shuffled epochs in streaming
// mode permute the block order and the molecules inside each block, which keeps reads
// sequential within a block while still mixing the data every epoch.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chem/mol_graph.h"
#include "data/batch.h"

namespace molprop::data {

struct GraphDatasetOptions {
  // Load everything at open. "auto" (the default) does so below max_in_memory_atoms.
  enum class Mode { kAuto, kInMemory, kStreaming };
  Mode mode = Mode::kAuto;
  int64_t max_in_memory_atoms = 20'000'000;  // ~200 MB of atom + bond arrays
  int64_t block_size = 4096;                 // molecules per block when streaming
  int cache_blocks = 4;                      // blocks kept in the streaming cache
  // This process's shard: a contiguous, disjoint slice [N·rank/world, N·(rank+1)/world).
  int rank = 0;
  int world_size = 1;
};

struct DatasetInfo {
  std::string path;
  int64_t format_version = 0;
  int64_t featurizer_version = 0;
  std::string vocabulary;
  std::vector<std::string> target_names;
  std::vector<std::string> descriptor_names;
  std::string descriptor_set;                  // chem::descriptor_set() name of descriptor_names; empty if none matches
  std::vector<std::string> atom_target_names;  // K; empty when the file has no atom targets
  int64_t format_minor_version = 0;            // 0 for files written before it existed
  std::string source_file, source_sha256;
  int64_t num_molecules = 0;  // in the whole file, not the shard
  int64_t num_atoms = 0, num_edges = 0, num_rows = 0, num_failed = 0;
  bool has_scaffolds = false;
  bool standardized = false;
};

struct FailureRecord {
  int64_t row;
  std::string smiles, reason;
};

class GraphDataset {
 public:
  // Opens and validates: a missing, truncated, foreign or newer-version file, or one
  // written with another feature vocabulary, throws molprop::Error naming the file and
  // the reason.
  explicit GraphDataset(const std::string& path, GraphDatasetOptions options = {});
  ~GraphDataset();
  GraphDataset(GraphDataset&&) noexcept;
  GraphDataset& operator=(GraphDataset&&) noexcept;

  const DatasetInfo& info() const;
  bool in_memory() const;
  // Molecules in this shard; indices below are shard-local, 0..size()-1.
  int64_t size() const;
  // File-wide index of shard-local molecule i.
  int64_t global_index(int64_t i) const;

  chem::MolGraph graph(int64_t i);
  std::string smiles(int64_t i);
  int64_t row(int64_t i);  // 1-based row in the source file
  std::vector<float> targets(int64_t i);
  // scaffold id per shard molecule (computed from SMILES with RDKit when the file has none).
  std::vector<int32_t> scaffold_ids();
  // All targets of the shard, size() × T (for statistics and target scaling).
  std::vector<float> all_targets();
  std::vector<float> all_descriptors();
  std::vector<FailureRecord> failures();
  // Atoms per shard molecule (read in blocks from the offsets, not from the features).
  std::vector<int32_t> atom_counts();

  // Reads every block of the shard and runs the checks a training run makes on it
  // (offsets, bond indices, feature vocabulary): a damaged file fails with the Error
  // naming it and the molecule. For readers that do not touch every molecule (inspect).
  void validate_all();

  // Collates the given shard-local molecules, in the given order, into `out` (reusing
  // its storage).
  void collate(const std::vector<int64_t>& indices, Batch& out);

  // The visiting order for one epoch: a permutation of 0..size()-1 fixed by
  // (seed, epoch); block-local in streaming mode (see the header comment).
  std::vector<int64_t> epoch_order(uint64_t seed, int64_t epoch) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace molprop::data
