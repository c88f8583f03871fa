#include "data/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
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
  EXPECT_THAT(message, HasSubstr("columns are: 'smiles', 'name', 'logS'"));
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
  EXPECT_FLOAT_EQ(parse_target(".5", "f.csv", 1, "logS"), 0.5f);
  EXPECT_FLOAT_EQ(parse_target("5.", "f.csv", 1, "logS"), 5.0f);
  EXPECT_FLOAT_EQ(parse_target("+1E-2", "f.csv", 1, "logS"), 0.01f);
  EXPECT_TRUE(std::isnan(parse_target("nan", "f.csv", 1, "logS")));
}

// Issue 14 case 6: "0x10" was read as 16 (strtof reads hex); targets are decimal numbers.
TEST(CsvReader, ParseTargetRefusesHexAndOtherNonDecimalSpellings) {
  for (const char* text :
       {"0x10", "0X1p3", "inf", "-inf", "Infinity", "nan(1)", "1e", "e5", ".", "-", "1.2.3", "1,5", "1 2", "٣"}) {
    const std::string message = error_of([&] { parse_target(text, "f.csv", 4, "y"); });
    EXPECT_THAT(message, HasSubstr("f.csv: row 4, column 'y': cannot parse ")) << text;
    EXPECT_THAT(message, HasSubstr("as a decimal number")) << text;
  }
}

// Issue 14: a NUL byte or a newline in a cell cut or split the one-line error.
TEST(CsvReader, ParseTargetErrorQuotesControlBytesOnOneLine) {
  using namespace std::string_literals;
  const std::string message = error_of([] { parse_target("1\0\n2"s, "f.csv", 1, "y"); });
  EXPECT_EQ(message, "f.csv: row 1, column 'y': cannot parse '1\\x00\\n2' as a decimal number");
  const std::string huge = error_of([] { parse_target(std::string(1000000, 'x'), "f.csv", 1, "y"); });
  EXPECT_LT(huge.size(), 200u);
  EXPECT_THAT(huge, HasSubstr("(1000000 bytes)"));
}

TEST(CsvReader, ParseTargetErrorNamesRowAndColumn) {
  EXPECT_EQ(error_of([] { parse_target("abc", "f.csv", 12, "logS"); }),
            "f.csv: row 12, column 'logS': cannot parse 'abc' as a decimal number");
  EXPECT_THAT(error_of([] { parse_target("1.5x", "f.csv", 1, "logS"); }), HasSubstr("'1.5x'"));
  EXPECT_THAT(error_of([] { parse_target("inf", "f.csv", 1, "logS"); }), HasSubstr("'inf'"));
  EXPECT_THAT(error_of([] { parse_target("1e999", "f.csv", 1, "logS"); }), HasSubstr("'1e999' is out of range"));
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

// Issue 14: "y,y" and "smiles,smiles" were accepted (which one is the target?).
TEST(CsvReader, DuplicateColumnNameIsRefusedWithBothPositions) {
  const auto path = write_temp("csv_dup_y.csv", "smiles,y,y\nCCO,1,2\n");
  EXPECT_EQ(error_of([&] { CsvReader reader(path); }),
            path + ": line 1: column 'y' appears twice (columns 2 and 3); column names must be unique");
  const auto smiles = write_temp("csv_dup_smiles.csv", "smiles,x,smiles\nCCO,1,CC\n");
  EXPECT_THAT(error_of([&] { CsvReader reader(smiles); }),
              HasSubstr("column 'smiles' appears twice (columns 1 and 3)"));
}

// Issue 14: an HDF5 file given as CSV printed binary in "columns are: ...".
TEST(CsvReader, Hdf5FileGivenAsCsvIsNamedAsSuch) {
  const auto path = write_temp("csv_really.csv", std::string("\x89HDF\r\n\x1a\n\0\0\0\0binary", 18));
  EXPECT_EQ(error_of([&] { CsvReader reader(path); }), path + " is an HDF5 file, not CSV or SMILES text");
  // A .smi reader (no header) checks too.
  CsvOptions smi;
  smi.whitespace_delimited = true;
  smi.has_header = false;
  EXPECT_EQ(error_of([&] { CsvReader reader(path, smi); }), path + " is an HDF5 file, not CSV or SMILES text");
}

// Issue 14: binary input generally gets a clear refusal rather than garbage column names.
TEST(CsvReader, NulByteInFirstLineIsNotText) {
  const auto path = write_temp("csv_binary.csv", std::string("PK\x03\x04\0\0smiles\nx\n", 16));
  EXPECT_EQ(error_of([&] { CsvReader reader(path); }),
            path + " is not a text file (NUL byte at byte 5 of line 1); expected CSV or SMILES text");
}

// A header name that is not UTF-8 (Latin-1 "Löslichkeit") would be stored in the HDF5 target
// names, which h5py reads as UTF-8.
TEST(CsvReader, NonUtf8ColumnNameIsRefused) {
  const auto path = write_temp("csv_latin1.csv", "smiles,L\xF6s\nCCO,1\n");
  EXPECT_EQ(
      error_of([&] { CsvReader reader(path); }),
      path + ": line 1: column 2 name 'L\\xF6s' is not UTF-8 text (byte 0xF6 at position 2); save the file as UTF-8");
  // UTF-8 names are fine.
  const auto utf8 = write_temp("csv_utf8.csv", "smiles,L\xC3\xB6s\nCCO,1\n");
  CsvReader reader(utf8);
  EXPECT_EQ(reader.column_index("L\xC3\xB6s"), 1);
}

// Issue 14: a name with an invisible trailing \r printed as "no column 'x'; columns are: x".
TEST(CsvReader, MissingColumnMessageShowsInvisibleCharacters) {
  // A lone \r (no \n after it) is data, so the last name is "x\r".
  const auto path = write_temp("csv_cr_name.csv", "smiles,x\r,\nCCO,1,\n");
  CsvReader reader(path);
  const std::string message = error_of([&] { reader.column_index("x"); });
  EXPECT_THAT(message, HasSubstr("no column 'x'; columns are: 'smiles', 'x\\r', ''"));
  EXPECT_EQ(message.find('\r'), std::string::npos);
  const std::string nul = error_of([&] { reader.column_index(std::string("a\0b", 3)); });
  EXPECT_THAT(nul, HasSubstr("no column 'a\\x00b'"));
}

// Issue 14: CRLF files just work: no \r at the end of the last column name or cell.
TEST(CsvReader, CrlfFileNamesAndCellsHaveNoCarriageReturn) {
  const auto path = write_temp("csv_crlf_names.csv", "smiles,logS\r\nCCO,1\r\n\"CC\",2\r\n");
  CsvReader reader(path);
  EXPECT_EQ(reader.column_index("logS"), 1);
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("CCO", "1"));
  EXPECT_THAT(records[1].fields, ElementsAre("CC", "2"));
}

// Issue 14: "predict -" said "File does not exist: -"; "-" reads standard input.
TEST(CsvReader, DashReadsStandardInput) {
  const auto path = write_temp("csv_stdin.csv", "smiles,y\nCCO,1\nCC,2\n");
  ASSERT_NE(std::freopen(path.c_str(), "rb", stdin), nullptr);
  CsvReader reader(kStdinPath);
  EXPECT_EQ(reader.path(), "stdin");
  EXPECT_THAT(reader.header(), ElementsAre("smiles", "y"));
  const auto records = read_all(reader);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[1].fields, ElementsAre("CC", "2"));
  EXPECT_THAT(error_of([&] { reader.seek_line(100); }), HasSubstr("stdin cannot be read from the middle"));
}

}  // namespace
}  // namespace molprop::data
