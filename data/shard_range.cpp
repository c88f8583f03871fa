#include "data/shard_range.h"

#include <string>

#include "core/check.h"
#include "data/csv_reader.h"

namespace molprop::data {

ByteRange seek_shard(CsvReader& reader, int index, int count) {
  if (count < 1 || index < 0 || index >= count) {
    throw Error("shard " + std::to_string(index) + " of " + std::to_string(count) +
                " does not exist (shards are numbered from 0)");
  }
  if (reader.compressed()) {
    throw Error(reader.path() +
                ": sharding needs an uncompressed file (each shard seeks to its byte range); "
                "decompress it first, or give each process its own file");
  }
  const int64_t data_start = reader.offset();
  const int64_t size = reader.file_size() - data_start;
  ByteRange r;
  r.begin = data_start + size * index / count;
  r.end = data_start + size * (index + 1) / count;
  reader.seek_line(r.begin);
  reader.stop_at(r.end);
  return r;
}

}  // namespace molprop::data
