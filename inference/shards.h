#pragma once
// Sharded outputs and how they are joined back (`molprop merge`).
//
// A sharded `predict` writes its CSV plus <output>.shard.json, the manifest: which shard
// of how many, the input file and size, the byte range of the input it covered, the
// number of rows written and the header. Merging checks that the manifests agree, that
// every shard from 0 to n−1 is there exactly once, that their byte ranges tile the input
// without gap or overlap, and that each file holds exactly the rows its manifest
// promises; then it concatenates the shards in shard order, which is input order.
#include <cstdint>
#include <string>
#include <vector>

namespace molprop::inference {

struct ShardManifest {
  std::string kind;  // "predictions"
  int shard = 0, num_shards = 1;
  std::string input;
  int64_t input_size = 0;
  int64_t byte_begin = 0, byte_end = 0;
  int64_t rows = 0;
  std::vector<std::string> header;
};

std::string manifest_path(const std::string& output);
// Atomic (temporary file + rename).
void write_shard_manifest(const std::string& output, const ShardManifest& manifest);
// Throws molprop::Error naming the file when it is missing or malformed.
ShardManifest read_shard_manifest(const std::string& output);

// Checks that `manifests` (of `files`) are one complete set of shards: same kind, input
// and header, every shard 0..n−1 exactly once, byte ranges tiling the input. Returns the
// indices of `files` in shard order; throws molprop::Error naming the problem.
std::vector<size_t> check_shard_set(const std::vector<std::string>& files, const std::vector<ShardManifest>& manifests);

struct MergeSummary {
  int shards = 0;
  int64_t rows = 0;
};

// Joins shard CSVs (any order on the command line) into `output`, atomically. Throws
// molprop::Error naming the problem (missing, duplicated or foreign shard, gap, truncation).
MergeSummary merge_prediction_shards(const std::vector<std::string>& shards, const std::string& output);

// The same for sharded `molprop embed` outputs (HDF5, docs/embeddings-format.md; the
// manifest is in each file's attributes): rows renumbered to the whole input's.
MergeSummary merge_embedding_shards(const std::vector<std::string>& shards, const std::string& output);

}  // namespace molprop::inference
