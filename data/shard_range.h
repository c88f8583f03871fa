#pragma once
// Byte-range shards of a text input: shard k of n owns the records that start in the k-th
// of n equal byte ranges of the data (after the header). Every record belongs to exactly
// one shard, and a shard is found by seeking, so no process reads the others' bytes.
#include <cstdint>
#include <limits>

namespace molprop::data {

class CsvReader;

struct ByteRange {
  int64_t begin = 0;
  int64_t end = std::numeric_limits<int64_t>::max();  // records starting here belong to the next shard
};

// Positions `reader` (just opened, header read) at the first record of shard `index` of
// `count`, makes it end at the shard's last record, and returns the shard's range. Throws molprop::Error for an
// impossible shard or a gzip input (which cannot be entered in the middle).
ByteRange seek_shard(CsvReader& reader, int index, int count);

}  // namespace molprop::data
