#include "data/shard_range.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "core/check.h"
#include "data/csv_reader.h"
#include "tests/util/scratch_dir.h"

namespace molprop {
namespace {

using ::testing::HasSubstr;

// A CSV with a header and `rows` records of varying length: "r<i>,<i repeated i % 7 times>".
std::string write_csv(const std::string& dir, int rows) {
  const std::string path = dir + "/in.csv";
  std::ofstream out(path);
  out << "name,value\n";
  for (int i = 0; i < rows; ++i) out << "r" << i << "," << std::string(static_cast<size_t>(i % 7), 'x') << "\n";
  return path;
}

std::vector<std::string> read_shard(const std::string& path, int index, int count, data::ByteRange* range = nullptr) {
  data::CsvReader reader(path);
  const data::ByteRange r = data::seek_shard(reader, index, count);
  if (range) *range = r;
  std::vector<std::string> names;
  data::CsvRecord rec;
  while (reader.next(rec)) names.push_back(rec.fields[0]);
  return names;
}

TEST(SeekShard, EveryRecordIsInExactlyOneShardInInputOrder) {
  const std::string path = write_csv(testing_util::fresh_dir("seek_shard"), 100);
  for (int count : {1, 2, 3, 7, 150}) {
    SCOPED_TRACE(count);
    std::vector<std::string> all;
    int64_t previous_end = -1;
    for (int k = 0; k < count; ++k) {
      data::ByteRange r;
      const auto names = read_shard(path, k, count, &r);
      if (k > 0) {
        EXPECT_EQ(r.begin, previous_end) << "ranges tile the data";
      }
      EXPECT_LE(r.begin, r.end);
      previous_end = r.end;
      all.insert(all.end(), names.begin(), names.end());
    }
    ASSERT_EQ(all.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(all[static_cast<size_t>(i)], "r" + std::to_string(i));
  }
}

TEST(SeekShard, LastShardEndsAtTheFileSizeAndTheFirstStartsAfterTheHeader) {
  const std::string path = write_csv(testing_util::fresh_dir("seek_shard_ends"), 10);
  data::ByteRange first, last;
  read_shard(path, 0, 3, &first);
  read_shard(path, 2, 3, &last);
  EXPECT_EQ(first.begin, static_cast<int64_t>(std::string("name,value\n").size()));
  data::CsvReader reader(path);
  EXPECT_EQ(last.end, reader.file_size());
}

TEST(SeekShard, ImpossibleShardsAreErrors) {
  const std::string path = write_csv(testing_util::fresh_dir("seek_shard_bad"), 3);
  for (auto [index, count] : {std::pair{2, 2}, std::pair{-1, 2}, std::pair{0, 0}}) {
    data::CsvReader reader(path);
    try {
      data::seek_shard(reader, index, count);
      ADD_FAILURE() << index << " of " << count;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("shard " + std::to_string(index) + " of " + std::to_string(count) +
                                      " does not exist (shards are numbered from 0)"));
    }
  }
}

TEST(SeekShard, GzipInputIsRefusedNamingTheFile) {
  const std::string dir = testing_util::fresh_dir("seek_shard_gz");
  const std::string path = dir + "/in.csv.gz";
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  const std::string text = "name,value\na,1\nb,2\n";
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  data::CsvReader reader(path);
  try {
    data::seek_shard(reader, 0, 2);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path + ": sharding needs an uncompressed file"));
  }
}

}  // namespace
}  // namespace molprop
