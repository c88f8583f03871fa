#include "inference/shards.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/check.h"
#include "tests/util/cli_util.h"
#include "tests/util/scratch_dir.h"

namespace molprop {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

inference::ShardManifest manifest(int shard, int num_shards, int64_t begin, int64_t end, int64_t rows) {
  inference::ShardManifest m;
  m.kind = "predictions";
  m.shard = shard;
  m.num_shards = num_shards;
  m.input = "in.csv";
  m.input_size = 90;
  m.byte_begin = begin;
  m.byte_end = end;
  m.rows = rows;
  m.header = {"smiles", "logS", "error"};
  return m;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// Writes a shard CSV and its manifest.
std::string write_shard(const std::string& dir, int shard, const std::string& body, inference::ShardManifest m) {
  const std::string path = dir + "/part" + std::to_string(shard) + ".csv";
  std::ofstream(path) << "smiles,logS,error\n" << body;
  inference::write_shard_manifest(path, m);
  return path;
}

TEST(ShardManifest, RoundTripsEveryField) {
  const std::string dir = testing_util::fresh_dir("shard_manifest");
  const auto m = manifest(1, 3, 30, 60, 7);
  inference::write_shard_manifest(dir + "/out.csv", m);
  EXPECT_EQ(inference::manifest_path(dir + "/out.csv"), dir + "/out.csv.shard.json");
  EXPECT_TRUE(fs::exists(dir + "/out.csv.shard.json"));
  const auto back = inference::read_shard_manifest(dir + "/out.csv");
  EXPECT_EQ(back.kind, m.kind);
  EXPECT_EQ(back.shard, 1);
  EXPECT_EQ(back.num_shards, 3);
  EXPECT_EQ(back.input, "in.csv");
  EXPECT_EQ(back.input_size, 90);
  EXPECT_EQ(back.byte_begin, 30);
  EXPECT_EQ(back.byte_end, 60);
  EXPECT_EQ(back.rows, 7);
  EXPECT_EQ(back.header, m.header);
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << "temporary file left: " << e.path();
  }
}

TEST(ShardManifest, MissingMalformedForeignAndNewerManifestsAreErrorsNamingTheFile) {
  const std::string dir = testing_util::fresh_dir("shard_manifest_bad");
  EXPECT_THAT(error_of([&] { inference::read_shard_manifest(dir + "/none.csv"); }),
              HasSubstr(dir + "/none.csv: no shard manifest"));
  std::ofstream(dir + "/a.csv.shard.json") << "{\"format\": ";
  EXPECT_THAT(error_of([&] { inference::read_shard_manifest(dir + "/a.csv"); }),
              HasSubstr(dir + "/a.csv.shard.json: malformed shard manifest"));
  std::ofstream(dir + "/b.csv.shard.json") << R"({"format": "something-else", "version": 1})";
  EXPECT_THAT(error_of([&] { inference::read_shard_manifest(dir + "/b.csv"); }),
              HasSubstr("not a molprop shard manifest"));
  std::ofstream(dir + "/c.csv.shard.json") << R"({"format": "molprop-shard", "version": 99})";
  EXPECT_THAT(error_of([&] { inference::read_shard_manifest(dir + "/c.csv"); }), HasSubstr("newer molprop"));
}

// Issue 14 (tests/fuzz/shard_manifest_fuzz_test.cpp): nlohmann's get<int> read "shard": 1.5
// as shard 1 and "version": true as version 1, and wrapped 2^64; a parse error quoted
// non-UTF-8 bytes raw.
TEST(ShardManifest, FractionalBooleanAndOutOfRangeIntegersAreRefusedNamingTheField) {
  const std::string dir = testing_util::fresh_dir("shard_manifest_types");
  inference::write_shard_manifest(dir + "/good.csv", manifest(1, 3, 30, 60, 7));
  std::ifstream in(dir + "/good.csv.shard.json");
  const nlohmann::json good = nlohmann::json::parse(in);
  auto read_with = [&](const char* field, const nlohmann::json& value) {
    nlohmann::json j = good;
    j[field] = value;
    std::ofstream(dir + "/m.csv.shard.json", std::ios::trunc) << j.dump(2);
    return error_of([&] { inference::read_shard_manifest(dir + "/m.csv"); });
  };
  EXPECT_THAT(read_with("shard", 1.5),
              HasSubstr(dir + "/m.csv.shard.json: malformed shard manifest (field 'shard' is a "
                              "number 1.5, expected an integer in [0, 2])"));
  EXPECT_THAT(read_with("version", true), HasSubstr("field 'version' is a boolean, expected an integer in [1, "));
  EXPECT_THAT(read_with("rows", std::numeric_limits<uint64_t>::max()),
              HasSubstr("field 'rows' = 18446744073709551615, expected an integer in [0, 9223372036854775807]"));
  EXPECT_THAT(read_with("shard", 3), HasSubstr("field 'shard' = 3, expected an integer in [0, 2]"));
  EXPECT_THAT(read_with("byte_end", 20), HasSubstr("field 'byte_end' = 20, expected an integer in [30, 90]"));
  EXPECT_THAT(read_with("byte_begin", -1), HasSubstr("field 'byte_begin' = -1, expected an integer in [0, 90]"));
  EXPECT_EQ(read_with("rows", 7), "(no error)");
  std::ofstream(dir + "/u.csv.shard.json") << "{\"format\": \"molprop-sh\xFF\"}";
  const std::string utf8 = error_of([&] { inference::read_shard_manifest(dir + "/u.csv"); });
  EXPECT_THAT(utf8, HasSubstr("malformed shard manifest"));
  EXPECT_THAT(utf8, HasSubstr("\\xFF"));
  EXPECT_EQ(utf8.find('\xFF'), std::string::npos) << utf8;
}

TEST(CheckShardSet, FirstShardStartingAfterByteZeroIsRefused) {
  EXPECT_THAT(error_of([&] {
                inference::check_shard_set({"a", "b"}, {manifest(0, 2, 5, 40, 1), manifest(1, 2, 40, 90, 1)});
              }),
              HasSubstr("merge: the first shard does not start at the beginning of the input"));
}

TEST(CheckShardSet, ReturnsShardOrderForAnyArgumentOrder) {
  const std::vector<std::string> files{"c", "a", "b"};
  const std::vector<inference::ShardManifest> ms{manifest(2, 3, 60, 90, 1), manifest(0, 3, 0, 30, 1),
                                                 manifest(1, 3, 30, 60, 1)};
  EXPECT_THAT(inference::check_shard_set(files, ms), ElementsAre(1u, 2u, 0u));
}

TEST(CheckShardSet, RefusesIncompleteDuplicatedForeignAndGappedSets) {
  const auto s0 = manifest(0, 2, 0, 40, 1), s1 = manifest(1, 2, 40, 90, 1);
  EXPECT_THAT(error_of([&] { inference::check_shard_set({}, {}); }), HasSubstr("no shard files"));
  EXPECT_THAT(error_of([&] { inference::check_shard_set({"a"}, {s0}); }), HasSubstr("shard 1 of 2 is missing"));
  EXPECT_THAT(error_of([&] {
                inference::check_shard_set({"a", "b"}, {s0, s0});
              }),
              HasSubstr("shard 0 given twice (a, b)"));
  auto other = s1;
  other.input = "other.csv";
  EXPECT_THAT(error_of([&] {
                inference::check_shard_set({"a", "b"}, {s0, other});
              }),
              HasSubstr("b: input file differs from a's"));
  other = s1;
  other.header = {"smiles", "pred", "error"};
  EXPECT_THAT(error_of([&] { inference::check_shard_set({"a", "b"}, {s0, other}); }), HasSubstr("header differs"));
  other = s1;
  other.num_shards = 3;
  EXPECT_THAT(error_of([&] {
                inference::check_shard_set({"a", "b"}, {s0, other});
              }),
              HasSubstr("number of shards differs"));
  other = s1;
  other.byte_begin = 41;
  EXPECT_THAT(error_of([&] {
                inference::check_shard_set({"a", "b"}, {s0, other});
              }),
              HasSubstr("shards 0 and 1 do not cover adjacent byte ranges"));
  other = s1;
  other.byte_end = 80;
  EXPECT_THAT(error_of([&] {
                inference::check_shard_set({"a", "b"}, {s0, other});
              }),
              HasSubstr("the last shard does not reach the end of the input"));
}

TEST(MergePredictionShards, ConcatenatesInShardOrderWithOneHeader) {
  const std::string dir = testing_util::fresh_dir("merge_shards");
  // A quoted error message holding a newline is one record.
  const std::string p1 = write_shard(dir, 1, "CCO,-0.2,\nX,,\"bad\nsmiles\"\n", manifest(1, 2, 45, 90, 2));
  const std::string p0 = write_shard(dir, 0, "C,1.5,\n", manifest(0, 2, 0, 45, 1));
  const auto summary = inference::merge_prediction_shards({p1, p0}, dir + "/all.csv");
  EXPECT_EQ(summary.shards, 2);
  EXPECT_EQ(summary.rows, 3);
  EXPECT_EQ(testing_util::read_file(dir + "/all.csv"), "smiles,logS,error\nC,1.5,\nCCO,-0.2,\nX,,\"bad\nsmiles\"\n");
}

TEST(MergePredictionShards, TruncatedShardFailsAndLeavesNoOutput) {
  const std::string dir = testing_util::fresh_dir("merge_shards_truncated");
  const std::string p0 = write_shard(dir, 0, "C,1.5,\n", manifest(0, 2, 0, 45, 1));
  const std::string p1 = write_shard(dir, 1, "CCO,-0.2,\n", manifest(1, 2, 45, 90, 2));
  EXPECT_THAT(error_of([&] {
                inference::merge_prediction_shards({p0, p1}, dir + "/all.csv");
              }),
              HasSubstr(p1 + ": holds 1 rows, its manifest promises 2"));
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().rfind("all.csv", 0), std::string::npos) << e.path();
  }
  EXPECT_THAT(error_of([&] {
                inference::merge_prediction_shards({p0, dir + "/nope.csv"}, dir + "/all.csv");
              }),
              HasSubstr("no shard manifest"));
}

}  // namespace
}  // namespace molprop
