#include "data/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/check.h"

namespace molprop::data {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

std::string fixture(const std::string& name) { return std::string(MOLPROP_TEST_DATA_DIR) + "/" + name; }

// Files with CR, BOM or odd endings are written here byte for byte rather than checked
// in, where editors and git could rewrite them.
std::string write_temp(const std::string& name, const std::string& content) {
  const std::string path = testing::TempDir() + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return path;
}

std::string write_temp_gz(const std::string& name, const std::string& content) {
  const std::string path = testing::TempDir() + "/" + name;
  gzFile gz = gzopen(path.c_str(), "wb");
  EXPECT_NE(gz, nullptr);
  EXPECT_EQ(gzwrite(gz, content.data(), static_cast<unsigned>(content.size())), static_cast<int>(content.size()));
  EXPECT_EQ(gzclose(gz), Z_OK);
  return path;
}

std::vector<CsvRecord> read_all(CsvReader& reader) {
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (reader.next(record)) records.push_back(record);
  return records;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no molprop::Error thrown)";
}

TEST(CsvReader, QuotedFieldsWithDelimitersQuotesAndNewlines) {
  CsvReader reader(fixture("csv_quoted.csv"));
  EXPECT_THAT(reader.header(), ElementsAre("smiles", "name", "logS"));
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].fields, ElementsAre("CCO", "ethanol, absolute", "-0.77"));
  EXPECT_THAT(records[1].fields, ElementsAre("c1ccccc1", "the \"benzene\" ring", "-2.1"));
  EXPECT_THAT(records[2].fields, ElementsAre("CC(=O)O", "acetic\nacid", "1.5"));
  EXPECT_EQ(records[2].row, 3);
  EXPECT_EQ(records[2].line, 4);
}

TEST(CsvReader, CrlfNeverLeavesCarriageReturnInFields) {
  const auto path = write_temp("csv_crlf.csv", "a,b\r\n1,2\r\n\"x\",\"y\"\r\n3,4");
  CsvReader reader(path);
  EXPECT_THAT(reader.header(), ElementsAre("a", "b"));
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].fields, ElementsAre("1", "2"));
  EXPECT_THAT(records[1].fields, ElementsAre("x", "y"));
  EXPECT_THAT(records[2].fields, ElementsAre("3", "4"));
}

TEST(CsvReader, BlankLinesAreSkippedAndNotCounted) {
  const auto path = write_temp("csv_blank.csv", "\na,b\n\n1,2\r\n\r\n\n\"3\nx\",4\n\n5,6\n\n");
  CsvReader reader(path);
  EXPECT_THAT(reader.header(), ElementsAre("a", "b"));
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].row, 1);
  EXPECT_EQ(records[0].line, 4);
  EXPECT_EQ(records[1].row, 2);
  EXPECT_EQ(records[1].line, 7);
  EXPECT_THAT(records[1].fields, ElementsAre("3\nx", "4"));
  EXPECT_EQ(records[2].row, 3);
  EXPECT_EQ(records[2].line, 10);
  EXPECT_THAT(records[2].fields, ElementsAre("5", "6"));
}

TEST(CsvReader, QuotedEmptyFieldIsNotABlankLine) {
  const auto path = write_temp("csv_quoted_empty.csv", "a\n\"\"\n");
  CsvReader reader(path);
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].fields, ElementsAre(""));
}

TEST(CsvReader, TrailingEmptyFieldIsKept) {
  const auto path = write_temp("csv_trailing_empty.csv", "a,b\n1,\n");
  CsvReader reader(path);
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].fields, ElementsAre("1", ""));
}

TEST(CsvReader, ByteOrderMarkIsSkipped) {
  const auto path = write_temp("csv_bom.csv", "\xEF\xBB\xBFsmiles,logS\nCCO,1\n");
  CsvReader reader(path);
  EXPECT_THAT(reader.header(), ElementsAre("smiles", "logS"));
  EXPECT_EQ(reader.column_index("smiles"), 0);
}

TEST(CsvReader, MissingColumnListsTheColumns) {
  CsvReader reader(fixture("csv_quoted.csv"));
  EXPECT_EQ(reader.column_index("logS"), 2);
  const std::string message = error_of([&] { reader.column_index("foo"); });
  EXPECT_THAT(message, HasSubstr("csv_quoted.csv"));
  EXPECT_THAT(message, HasSubstr("no column 'foo'"));
  EXPECT_THAT(message, HasSubstr("columns are: smiles, name, logS"));
}

TEST(CsvReader, UnterminatedQuoteNamesTheLine) {
  const auto path = write_temp("csv_unterminated.csv", "a,b\n1,2\n3,\"open\nmore\n");
  CsvReader reader(path);
  CsvRecord record;
  ASSERT_TRUE(reader.next(record));
  const std::string message = error_of([&] { reader.next(record); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("line 3: unterminated quoted field"));
}

TEST(CsvReader, GzipReadsLikePlain) {
  // Enough rows that the decompressed text spans several read buffers.
  std::string content = "smiles,\"name\",logS\r\n";
  for (int i = 0; i < 20000; ++i) {
    content += "C" + std::to_string(i) + ",\"mol, " + std::to_string(i) + "\"\"\"," + std::to_string(i * 0.5) + "\r\n";
    if (i % 1000 == 0) content += "\n";
  }
  const auto plain_path = write_temp("csv_gz_plain.csv", content);
  const auto gz_path = write_temp_gz("csv_gz_plain.csv.gz", content);
  CsvReader plain(plain_path);
  CsvReader gz(gz_path);
  EXPECT_EQ(plain.header(), gz.header());
  const auto plain_records = read_all(plain);
  const auto gz_records = read_all(gz);
  ASSERT_EQ(plain_records.size(), 20000u);
  ASSERT_EQ(gz_records.size(), plain_records.size());
  for (size_t i = 0; i < plain_records.size(); ++i) {
    EXPECT_EQ(gz_records[i].fields, plain_records[i].fields) << "row " << i + 1;
    EXPECT_EQ(gz_records[i].row, plain_records[i].row);
    EXPECT_EQ(gz_records[i].line, plain_records[i].line);
  }
  EXPECT_THAT(gz_records[7].fields, ElementsAre("C7", "mol, 7\"", "3.500000"));
  // The whole compressed file has been consumed, and it is smaller than the text.
  EXPECT_EQ(gz.bytes_read(), gz.file_size());
  EXPECT_LT(gz.file_size(), static_cast<int64_t>(content.size()));
  EXPECT_EQ(plain.bytes_read(), plain.file_size());
}

TEST(CsvReader, TruncatedGzipIsAnError) {
  std::string content;
  for (int i = 0; i < 5000; ++i) content += "CCO," + std::to_string(i) + "\n";
  const auto gz_path = write_temp_gz("csv_truncated_full.csv.gz", content);
  std::ifstream in(gz_path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto truncated = write_temp("csv_truncated.csv.gz", bytes.substr(0, bytes.size() / 2));
  const std::string message = error_of([&] {
    CsvOptions options;
    options.has_header = false;
    CsvReader reader(truncated, options);
    CsvRecord record;
    while (reader.next(record)) {
    }
  });
  EXPECT_THAT(message, HasSubstr(truncated));
}

TEST(CsvReader, SmilesFileIsWhitespaceDelimited) {
  const auto path = write_temp("csv_mols.smi", "CCO ethanol\n  c1ccccc1\t\t benzene\r\n\n   \nCC(=O)O\n");
  ASSERT_TRUE(is_smiles_file(path));
  CsvOptions options;
  options.whitespace_delimited = true;
  options.has_header = false;
  CsvReader reader(path, options);
  EXPECT_TRUE(reader.header().empty());
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_THAT(records[0].fields, ElementsAre("CCO", "ethanol"));
  EXPECT_THAT(records[1].fields, ElementsAre("c1ccccc1", "benzene"));
  EXPECT_THAT(records[2].fields, ElementsAre("CC(=O)O"));
  EXPECT_EQ(records[2].row, 3);
  EXPECT_EQ(records[2].line, 5);
}

TEST(CsvReader, IsSmilesFile) {
  EXPECT_TRUE(is_smiles_file("a.smi"));
  EXPECT_TRUE(is_smiles_file("dir/a.smi.gz"));
  EXPECT_TRUE(is_smiles_file("a.smiles"));
  EXPECT_FALSE(is_smiles_file("a.csv"));
  EXPECT_FALSE(is_smiles_file("a.csv.gz"));
  EXPECT_FALSE(is_smiles_file("smi"));
}

TEST(CsvReader, ParseTarget) {
  EXPECT_TRUE(std::isnan(parse_target("", "f.csv", 1, "logS")));
  EXPECT_TRUE(std::isnan(parse_target("NA", "f.csv", 1, "logS")));
  EXPECT_TRUE(std::isnan(parse_target("NaN", "f.csv", 1, "logS")));
  EXPECT_TRUE(std::isnan(parse_target("N/A", "f.csv", 1, "logS")));
  EXPECT_FLOAT_EQ(parse_target("1.5", "f.csv", 1, "logS"), 1.5f);
  EXPECT_FLOAT_EQ(parse_target("-2e3", "f.csv", 1, "logS"), -2000.0f);
  EXPECT_FLOAT_EQ(parse_target(" 3 ", "f.csv", 1, "logS"), 3.0f);
}

TEST(CsvReader, ParseTargetErrorNamesRowAndColumn) {
  EXPECT_EQ(error_of([] { parse_target("abc", "f.csv", 12, "logS"); }),
            "f.csv: row 12, column 'logS': cannot parse 'abc' as a number");
  EXPECT_THAT(error_of([] { parse_target("1.5x", "f.csv", 1, "logS"); }), HasSubstr("'1.5x'"));
  EXPECT_THAT(error_of([] { parse_target("inf", "f.csv", 1, "logS"); }), HasSubstr("'inf'"));
  EXPECT_THAT(error_of([] { parse_target("1e999", "f.csv", 1, "logS"); }), HasSubstr("'1e999'"));
}

TEST(CsvReader, HeaderOnlyFileHasNoRecords) {
  const auto path = write_temp("csv_header_only.csv", "smiles,logS\n");
  CsvReader reader(path);
  EXPECT_THAT(reader.header(), ElementsAre("smiles", "logS"));
  CsvRecord record;
  EXPECT_FALSE(reader.next(record));
  EXPECT_FALSE(reader.next(record));
}

TEST(CsvReader, EmptyFileWithHeaderExpectedIsAnError) {
  const auto path = write_temp("csv_empty.csv", "\n\r\n");
  const std::string message = error_of([&] { CsvReader reader(path); });
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("empty file"));
}

TEST(CsvReader, NonexistentFileNamesItAndTheReason) {
  const std::string path = testing::TempDir() + "/csv_does_not_exist.csv";
  const std::string message = error_of([&] { CsvReader reader(path); });
  EXPECT_EQ(message, path + ": cannot open (No such file or directory)");
}

// A narrower record after a wider one (and back) must not leak stale fields.
TEST(CsvReader, RecordReuseKeepsFieldCountsExact) {
  const auto path = write_temp("csv_ragged.csv", "a,b,c\n1,2,3\n4\n5,6,7,8\n9,10\n");
  CsvReader reader(path);
  CsvRecord record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_THAT(record.fields, ElementsAre("1", "2", "3"));
  ASSERT_TRUE(reader.next(record));
  EXPECT_THAT(record.fields, ElementsAre("4"));
  ASSERT_TRUE(reader.next(record));
  EXPECT_THAT(record.fields, ElementsAre("5", "6", "7", "8"));
  ASSERT_TRUE(reader.next(record));
  EXPECT_THAT(record.fields, ElementsAre("9", "10"));
  EXPECT_FALSE(reader.next(record));
}

}  // namespace
}  // namespace molprop::data
