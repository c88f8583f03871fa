#include "inference/shards.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/check.h"
#include "core/output_paths.h"
#include "core/text.h"

namespace molprop::inference {
using nlohmann::json;

namespace {

constexpr const char* kFormat = "molprop-shard";
constexpr int kVersion = 1;

// Copies `in` (from its current position) to `out`, counting CSV records: newlines
// outside double quotes (a quoted error message may hold a newline).
int64_t copy_counting_records(std::istream& in, std::ostream& out, bool& in_quotes) {
  int64_t records = 0;
  std::vector<char> buf(1 << 16);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::streamsize n = in.gcount();
    for (std::streamsize i = 0; i < n; ++i) {
      if (buf[i] == '"') in_quotes = !in_quotes;
      else if (buf[i] == '\n' && !in_quotes)
        ++records;
    }
    out.write(buf.data(), n);
  }
  return records;
}

}  // namespace

std::string manifest_path(const std::string& output) { return output + ".shard.json"; }

void write_shard_manifest(const std::string& output, const ShardManifest& m) {
  const json j{{"format", kFormat},
               {"version", kVersion},
               {"kind", m.kind},
               {"shard", m.shard},
               {"num_shards", m.num_shards},
               {"input", m.input},
               {"input_size", m.input_size},
               {"byte_begin", m.byte_begin},
               {"byte_end", m.byte_end},
               {"rows", m.rows},
               {"header", m.header}};
  core::write_file_atomically(manifest_path(output), [&](std::ostream& out) { out << j.dump(2) << "\n"; });
}

namespace {

// Integer field `name` of manifest `j`, in [lo, hi]. A fraction, a boolean or a string is
// refused (nlohmann's get<int> reads 0.5 as 0 and true as 1), and so is a number outside
// the range (2^64 or 1e300 would wrap, a negative byte offset means nothing).
int64_t integer_field(const json& j, const char* name, int64_t lo, int64_t hi, const std::string& path) {
  const json& v = j.at(name);
  const std::string expected = ", expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "])";
  if (!v.is_number_integer()) {
    throw Error(path + ": malformed shard manifest (field '" + name + "' is a " + v.type_name() +
                (v.is_number() ? " " + core::escaped(v.dump(), 40) : "") + expected);
  }
  // An unsigned value above int64's range fails here; the rest compare as int64.
  const bool fits = !v.is_number_unsigned() || v.get<uint64_t>() <= static_cast<uint64_t>(hi);
  const bool in_range = fits && v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  if (!in_range) throw Error(path + ": malformed shard manifest (field '" + name + "' = " + v.dump() + expected);
  return v.get<int64_t>();
}

}  // namespace

ShardManifest read_shard_manifest(const std::string& output) {
  const std::string path = manifest_path(output);
  std::ifstream in(path);
  if (!in)
    throw Error(output + ": no shard manifest " + path + " (was it written with PredictCsvOptions::num_shards > 1?)");
  constexpr int64_t kMaxInt = std::numeric_limits<int>::max(), kMaxInt64 = std::numeric_limits<int64_t>::max();
  try {
    const json j = json::parse(in);
    if (!j.is_object() || j.at("format") != kFormat) throw Error(path + ": not a molprop shard manifest");
    if (integer_field(j, "version", 1, kMaxInt, path) > kVersion) throw Error(path + ": written by a newer molprop");
    ShardManifest m;
    m.kind = j.at("kind");
    m.num_shards = static_cast<int>(integer_field(j, "num_shards", 1, kMaxInt, path));
    m.shard = static_cast<int>(integer_field(j, "shard", 0, m.num_shards - 1, path));
    m.input = j.at("input");
    m.input_size = integer_field(j, "input_size", 0, kMaxInt64, path);
    m.byte_begin = integer_field(j, "byte_begin", 0, m.input_size, path);
    m.byte_end = integer_field(j, "byte_end", m.byte_begin, m.input_size, path);
    m.rows = integer_field(j, "rows", 0, kMaxInt64, path);
    m.header = j.at("header").get<std::vector<std::string>>();
    return m;
  } catch (const json::exception& e) {
    // nlohmann quotes what it last read, raw: a non-UTF-8 byte or a NUL would reach stderr.
    throw Error(path + ": malformed shard manifest (" + core::escaped(e.what(), 300) + ")");
  }
}

std::vector<size_t> check_shard_set(const std::vector<std::string>& files,
                                    const std::vector<ShardManifest>& manifests) {
  if (files.empty()) throw Error("merge: no shard files given");
  const ShardManifest& first = manifests.front();
  for (size_t i = 0; i < files.size(); ++i) {
    const ShardManifest& m = manifests[i];
    auto differs = [&](const std::string& what) {
      return Error(files[i] + ": " + what + " differs from " + files.front() +
                   "'s; these are shards of different runs");
    };
    if (m.kind != first.kind) throw differs("kind");
    if (m.input != first.input || m.input_size != first.input_size) throw differs("input file");
    if (m.num_shards != first.num_shards) throw differs("number of shards");
    if (m.header != first.header) throw differs(m.kind == "embeddings" ? "model or embedding width" : "header");
  }
  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return manifests[a].shard < manifests[b].shard; });
  for (size_t k = 1; k < order.size(); ++k) {
    if (manifests[order[k]].shard == manifests[order[k - 1]].shard) {
      throw Error("merge: shard " + std::to_string(manifests[order[k]].shard) + " given twice (" + files[order[k - 1]] +
                  ", " + files[order[k]] + ")");
    }
  }
  const int n = first.num_shards;
  for (int k = 0; k < n; ++k) {
    if (k >= static_cast<int>(order.size()) || manifests[order[static_cast<size_t>(k)]].shard != k) {
      throw Error("merge: shard " + std::to_string(k) + " of " + std::to_string(n) + " is missing");
    }
  }
  if (static_cast<int>(order.size()) != n) throw Error("merge: more files than shards");
  for (int k = 0; k + 1 < n; ++k) {
    if (manifests[order[k]].byte_end != manifests[order[k + 1]].byte_begin) {
      throw Error("merge: shards " + std::to_string(k) + " and " + std::to_string(k + 1) +
                  " do not cover adjacent byte ranges of the input");
    }
  }
  if (manifests[order.front()].byte_begin != 0) {
    throw Error("merge: the first shard does not start at the beginning of the input");
  }
  if (manifests[order.back()].byte_end != first.input_size) {
    throw Error("merge: the last shard does not reach the end of the input");
  }
  return order;
}

MergeSummary merge_prediction_shards(const std::vector<std::string>& files, const std::string& output) {
  core::check_output_is_not_input(output, files);
  std::vector<ShardManifest> manifests;
  for (const auto& f : files) manifests.push_back(read_shard_manifest(f));
  struct Shard {
    std::string file;
    ShardManifest m;
  };
  std::vector<Shard> shards;
  for (size_t i : check_shard_set(files, manifests)) shards.push_back({files[i], manifests[i]});
  core::AtomicOutputFile merged(output);
  std::ostream& out = merged.stream();
  MergeSummary summary;
  for (const auto& s : shards) {
    std::ifstream in(s.file, std::ios::binary);
    if (!in) throw Error(s.file + ": cannot open (" + std::strerror(errno) + ")");
    std::string header;
    std::getline(in, header);  // the header line never holds a newline
    if (summary.shards == 0) out << header << '\n';
    bool in_quotes = false;
    const int64_t rows = copy_counting_records(in, out, in_quotes);
    if (rows != s.m.rows) {
      throw Error(s.file + ": holds " + std::to_string(rows) + " rows, its manifest promises " +
                  std::to_string(s.m.rows) + " (truncated or edited?)");
    }
    summary.rows += rows;
    ++summary.shards;
  }
  merged.commit();
  return summary;
}

}  // namespace molprop::inference
