// FeaturizeStream: rows come back in input order whatever the thread count, failures
// carry their row and reason, shards partition the file, and chunks are cut where asked.
#include "data/featurize_stream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/check.h"
#include "tests/util/scratch_dir.h"

namespace molprop::data {
namespace {

using testing::HasSubstr;

std::string write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return path;
}

// n rows "smiles,id" whose SMILES are alkanes of 1..(k % 7 + 1) carbons; every 5th row
// (k % 5 == 4) holds an unclosed ring instead.
std::string numbered_csv(int n) {
  std::string text = "smiles,id\n";
  for (int k = 0; k < n; ++k) {
    const std::string smiles = k % 5 == 4 ? "C1CC" : std::string(static_cast<size_t>(k % 7 + 1), 'C');
    text += smiles + "," + std::to_string(k + 1) + "\n";
  }
  return text;
}

FeaturizeStreamOptions quiet_options(int threads, int64_t chunk_rows) {
  FeaturizeStreamOptions o;
  o.threads = threads;
  o.chunk_rows = chunk_rows;
  o.quiet = true;
  return o;
}

// Every row the stream hands over, in the order it handed them.
std::vector<FeaturizedRow> read_all(FeaturizeStream& stream, const RowSteps& steps = {},
                                    std::vector<size_t>* chunk_sizes = nullptr) {
  std::vector<FeaturizedRow> rows;
  stream.run(
      [&](FeaturizedChunk& chunk) {
        if (chunk_sizes) chunk_sizes->push_back(chunk.rows.size());
        for (auto& r : chunk.rows) rows.push_back(std::move(r));
      },
      steps);
  stream.finish();
  return rows;
}

TEST(FeaturizeStream, KeepsInputOrderWithSeveralThreads) {
  const std::string dir = testing_util::fresh_dir("stream_order");
  const std::string input = write_file(dir + "/in.csv", numbered_csv(500));
  for (int threads : {1, 4}) {
    FeaturizeStream stream(input, quiet_options(threads, 7));
    const std::vector<FeaturizedRow> rows = read_all(stream);
    ASSERT_EQ(rows.size(), 500u) << threads << " threads";
    for (size_t k = 0; k < rows.size(); ++k) {
      EXPECT_EQ(rows[k].row, static_cast<int64_t>(k + 1));
      EXPECT_EQ(rows[k].line, static_cast<int64_t>(k + 2));  // after the header
      ASSERT_EQ(rows[k].fields.size(), 2u);
      EXPECT_EQ(rows[k].fields[1], std::to_string(k + 1));
      EXPECT_EQ(rows[k].smiles, rows[k].fields[0]);
      EXPECT_EQ(rows[k].mol.ok(), k % 5 != 4) << "row " << rows[k].row;
      if (rows[k].mol.ok()) {
        EXPECT_EQ(rows[k].mol.graph.num_atoms, static_cast<int32_t>(k % 7 + 1));
      }
    }
    EXPECT_TRUE(stream.at_end());
  }
}

TEST(FeaturizeStream, ReportsFailuresWithRowAndReason) {
  const std::string dir = testing_util::fresh_dir("stream_failures");
  const std::string input =
      write_file(dir + "/in.csv", "name,smiles\na,CCO\nb,C1CC\nc,C(C)(C)(C)(C)C\nd\ne,c1ccccc1\n");
  FeaturizeStreamOptions o = quiet_options(2, 2);
  FeaturizeStream stream(input, o);
  EXPECT_EQ(stream.smiles_column(), 1);
  const std::vector<FeaturizedRow> rows = read_all(stream);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_TRUE(rows[0].mol.ok());
  EXPECT_EQ(rows[1].row, 2);
  EXPECT_FALSE(rows[1].mol.ok());
  EXPECT_FALSE(rows[1].mol.error.empty());
  EXPECT_EQ(rows[2].row, 3);
  EXPECT_FALSE(rows[2].mol.ok());
  EXPECT_EQ(rows[3].row, 4);
  EXPECT_EQ(rows[3].smiles, "");  // too short to have a SMILES column
  EXPECT_FALSE(rows[3].mol.ok());
  EXPECT_TRUE(rows[4].mol.ok());
  EXPECT_EQ(rows[4].smiles, "c1ccccc1");
}

TEST(FeaturizeStream, StepsRunAroundFeaturisation) {
  const std::string dir = testing_util::fresh_dir("stream_steps");
  const std::string input = write_file(dir + "/in.csv", numbered_csv(40));
  std::atomic<int> annotated{0};
  RowSteps steps;
  // Rows with an even id fail before featurisation; the others are annotated.
  steps.check = [](FeaturizedRow& r) -> std::string {
    return std::stoi(r.fields[1]) % 2 == 0 ? "even row " + std::to_string(r.row) : "";
  };
  steps.annotate = [&](FeaturizedRow& r) {
    r.values = {static_cast<double>(r.mol.graph.num_atoms)};
    ++annotated;
  };
  FeaturizeStream stream(input, quiet_options(3, 4));
  const std::vector<FeaturizedRow> rows = read_all(stream, steps);
  ASSERT_EQ(rows.size(), 40u);
  int ok = 0;
  for (const FeaturizedRow& r : rows) {
    if (r.row % 2 == 0) {
      EXPECT_EQ(r.mol.error, "even row " + std::to_string(r.row));
      EXPECT_TRUE(r.mol.graph.atom_features.empty()) << "row " << r.row << " was featurised";
      EXPECT_TRUE(r.values.empty());
    } else if (r.mol.ok()) {
      ++ok;
      ASSERT_EQ(r.values.size(), 1u);
      EXPECT_EQ(r.values[0], r.mol.graph.num_atoms);
    } else {
      EXPECT_TRUE(r.values.empty());  // annotate runs only after a successful featurisation
    }
  }
  EXPECT_EQ(annotated.load(), ok);
}

TEST(FeaturizeStream, ShardsTogetherAreTheWholeFile) {
  const std::string dir = testing_util::fresh_dir("stream_shards");
  const std::string input = write_file(dir + "/in.csv", numbered_csv(301));
  std::vector<std::string> ids;
  for (int k = 0; k < 4; ++k) {
    FeaturizeStreamOptions o = quiet_options(2, 16);
    o.shard_index = k;
    o.num_shards = 4;
    FeaturizeStream stream(input, o);
    EXPECT_TRUE(stream.sharded());
    const std::vector<FeaturizedRow> rows = read_all(stream);
    EXPECT_GT(rows.size(), 0u) << "shard " << k;
    for (size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].row, static_cast<int64_t>(i + 1)) << "rows count from the shard's start";
      ids.push_back(rows[i].fields[1]);
    }
    EXPECT_LE(stream.range().begin, stream.range().end);
  }
  ASSERT_EQ(ids.size(), 301u);
  for (size_t k = 0; k < ids.size(); ++k) EXPECT_EQ(ids[k], std::to_string(k + 1));
}

TEST(FeaturizeStream, ShardOfAGzipInputIsAnError) {
  const std::string dir = testing_util::fresh_dir("stream_gz");
  const std::string input = dir + "/in.csv.gz";
  {
    const std::string text = "smiles\nC\nCC\n";
    gzFile gz = gzopen(input.c_str(), "wb");
    ASSERT_NE(gz, nullptr);
    ASSERT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
    ASSERT_EQ(gzclose(gz), Z_OK);
  }
  FeaturizeStreamOptions o = quiet_options(1, 4);
  o.shard_index = 1;
  o.num_shards = 2;
  try {
    FeaturizeStream stream(input, o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("sharding needs an uncompressed file"));
  }
}

TEST(FeaturizeStream, CutsChunksOfChunkRows) {
  const std::string dir = testing_util::fresh_dir("stream_chunks");
  const std::string input = write_file(dir + "/in.csv", numbered_csv(23));
  std::vector<size_t> sizes;
  FeaturizeStream stream(input, quiet_options(2, 5));
  read_all(stream, {}, &sizes);
  EXPECT_EQ(sizes, (std::vector<size_t>{5, 5, 5, 5, 3}));

  // An exact multiple ends without an empty chunk.
  const std::string even = write_file(dir + "/even.csv", numbered_csv(10));
  sizes.clear();
  FeaturizeStream stream2(even, quiet_options(1, 5));
  read_all(stream2, {}, &sizes);
  EXPECT_EQ(sizes, (std::vector<size_t>{5, 5}));
}

TEST(FeaturizeStream, ReadsOnInRoundsOfMaxRows) {
  const std::string dir = testing_util::fresh_dir("stream_rounds");
  const std::string input = write_file(dir + "/in.csv", numbered_csv(12));
  FeaturizeStream stream(input, quiet_options(2, 4));
  std::vector<size_t> sizes;
  std::vector<int64_t> rows;
  auto consume = [&](FeaturizedChunk& chunk) {
    sizes.push_back(chunk.rows.size());
    for (const auto& r : chunk.rows) rows.push_back(r.row);
  };
  EXPECT_EQ(stream.run(consume, {}, 6), 6);  // a round ends at max_rows, mid-chunk
  EXPECT_FALSE(stream.at_end());
  EXPECT_EQ(stream.run(consume, {}, 100), 6);
  EXPECT_TRUE(stream.at_end());
  EXPECT_EQ(stream.run(consume, {}, 100), 0);
  EXPECT_EQ(sizes, (std::vector<size_t>{4, 2, 4, 2}));
  std::vector<int64_t> want(12);
  for (size_t k = 0; k < want.size(); ++k) want[k] = static_cast<int64_t>(k + 1);
  EXPECT_EQ(rows, want);
}

TEST(FeaturizeStream, SmiFileHasNoHeaderAndKeepsNameWords) {
  const std::string dir = testing_util::fresh_dir("stream_smi");
  const std::string input = write_file(dir + "/in.smi", "CCO ethanol\nC1CC broken ring\n\nc1ccccc1\tbenzene\n");
  FeaturizeStream stream(input, quiet_options(1, 8));
  EXPECT_TRUE(stream.is_smiles_file());
  const std::vector<FeaturizedRow> rows = read_all(stream);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"CCO", "ethanol"}));
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"C1CC", "broken", "ring"}));
  EXPECT_FALSE(rows[1].mol.ok());
  EXPECT_EQ(rows[2].row, 3);
  EXPECT_EQ(rows[2].line, 4);
  EXPECT_EQ(rows[2].smiles, "c1ccccc1");
}

// Issue 14 case 7: a row with more fields than the header was accepted (featurize) or had
// its extra fields dropped (predict); it fails, naming file, row and both counts, and is kept.
TEST(FeaturizeStream, RowWithMoreFieldsThanHeaderFails) {
  const std::string dir = testing_util::fresh_dir("stream_extra_fields");
  const std::string input = write_file(dir + "/in.csv", "smiles,y\nCCO,1\nCC,2,3\nCCC,4\n");
  FeaturizeStream stream(input, quiet_options(2, 1));
  const std::vector<FeaturizedRow> rows = read_all(stream);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows[0].mol.ok());
  EXPECT_EQ(rows[1].mol.error, input + ": row 2 (line 3) has 3 fields, but the header has 2 columns");
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"CC", "2", "3"}));
  EXPECT_TRUE(rows[2].mol.ok());
}

// Issue 14 case 5: "CCéO" (here in Latin-1, not UTF-8) was featurised as ethane, and the
// invalid UTF-8 reached the HDF5 smiles dataset. The row fails and its SMILES is escaped.
TEST(FeaturizeStream, NonAsciiSmilesFailsAndNonUtf8IsEscaped) {
  const std::string dir = testing_util::fresh_dir("stream_non_ascii");
  const std::string input = write_file(dir + "/in.csv", "smiles\nCC\xE9O\nCC\xC3\xA9O\nCCO\n");
  FeaturizeStream stream(input, quiet_options(1, 8));
  const std::vector<FeaturizedRow> rows = read_all(stream);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].mol.error.rfind("non-ASCII byte 0xE9 at position 3", 0), 0u) << rows[0].mol.error;
  EXPECT_EQ(rows[0].smiles, "CC\\xE9O");  // not UTF-8: escaped
  EXPECT_EQ(rows[1].mol.error.rfind("non-ASCII byte 0xC3 at position 3", 0), 0u) << rows[1].mol.error;
  EXPECT_EQ(rows[1].smiles, "CC\xC3\xA9O");  // valid UTF-8: kept as written
  EXPECT_EQ(rows[1].fields[0], "CC\xC3\xA9O");
  EXPECT_TRUE(rows[2].mol.ok());
}

// Issue 14: a 1 MB garbage SMILES became a 4 MB error cell; case 11: one huge SMILES
// stalled the batch. The reason is short and the next row is read.
TEST(FeaturizeStream, MegabyteSmilesFailsWithAShortReason) {
  const std::string dir = testing_util::fresh_dir("stream_huge");
  const std::string input = write_file(dir + "/in.csv", "smiles\n" + std::string(1000000, 'C') + "\nCCO\n");
  FeaturizeStream stream(input, quiet_options(1, 8));
  const std::vector<FeaturizedRow> rows = read_all(stream);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].mol.error, "SMILES has 1000000 characters, more than the limit of 2000");
  EXPECT_TRUE(rows[1].mol.ok());
}

TEST(FeaturizeStream, StdinCannotBeSharded) {
  const std::string dir = testing_util::fresh_dir("stream_stdin_shard");
  ASSERT_NE(std::freopen(write_file(dir + "/in.csv", "smiles\nCCO\nCC\n").c_str(), "rb", stdin), nullptr);
  FeaturizeStreamOptions o = quiet_options(1, 8);
  o.num_shards = 2;
  try {
    FeaturizeStream stream(kStdinPath, o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("stdin cannot be sharded"));
  }
}

// bytes_done never decreases and ends at the input's (or the shard's) size.
TEST(FeaturizeStream, ProgressBytesReachTheEnd) {
  const std::string dir = testing_util::fresh_dir("stream_progress");
  const std::string input = write_file(dir + "/in.csv", numbered_csv(50));
  for (int shards : {1, 2}) {
    FeaturizeStreamOptions o = quiet_options(2, 8);
    o.num_shards = shards;
    FeaturizeStream stream(input, o);
    int64_t last = -1;
    bool increasing = true;
    stream.run([&](FeaturizedChunk& chunk) {
      increasing = increasing && chunk.bytes_done >= last;
      last = chunk.bytes_done;
    });
    EXPECT_TRUE(increasing) << shards << " shards";
    EXPECT_EQ(last, shards == 1 ? stream.file_size() : stream.range().end - stream.range().begin) << shards;
  }
}

}  // namespace
}  // namespace molprop::data
