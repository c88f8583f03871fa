#pragma once
// Streaming reader for delimited text: CSV (RFC 4180 quoting), .csv.gz, and SMILES files.
// Reads through zlib, so plain and gzip-compressed files are handled alike, and holds
// only one record in memory at a time.
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace molprop::data {

struct CsvOptions {
  char delimiter = ',';
  // For .smi files: fields are separated by runs of spaces/tabs and there is no quoting.
  bool whitespace_delimited = false;
  bool has_header = true;
};

struct CsvRecord {
  int64_t row = 0;     // 1-based data row number (header and blank lines not counted)
  int64_t line = 0;    // 1-based physical line where the record starts (for messages)
  int64_t offset = 0;  // uncompressed byte offset where the record starts (for sharding)
  std::vector<std::string> fields;
};

// The path that means "read standard input" (streamed; CSV with a header unless
// CsvOptions say otherwise), and how messages name it.
inline constexpr const char* kStdinPath = "-";
inline constexpr const char* kStdinName = "stdin";

class CsvReader {
 public:
  // Throws molprop::Error naming the file when it cannot be opened, when it is not text
  // (an HDF5 file, a NUL byte in its first line), or when its header names a column twice
  // or has a name that is not UTF-8. `path` "-" reads standard input (not seekable).
  explicit CsvReader(const std::string& path, CsvOptions options = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Column names (empty when options.has_header is false).
  const std::vector<std::string>& header() const { return header_; }
  // Index of a named column; throws molprop::Error listing the columns that exist (each
  // quoted and escaped, core::quoted, so that 'x\r' shows its \r).
  int column_index(const std::string& name) const;

  // Next non-blank record; false at end of file. Handles quoted fields (with embedded
  // delimiters, doubled quotes and newlines), CRLF and a UTF-8 BOM. Throws
  // molprop::Error naming file and line for an unterminated quote or a read error.
  bool next(CsvRecord& record);

  // Uncompressed byte offset of the next unread byte.
  int64_t offset() const;
  // True for gzip input (where seeking means decompressing everything before).
  bool compressed() const;
  // Moves to the first line that starts at or after byte `target` (no-op when already
  // there). Assumes records do not span lines (no quoted newlines). Row and line numbers
  // of later records count from this point. Throws molprop::Error on standard input.
  void seek_line(int64_t target);
  // next() ends (returns false) at the first record that starts at or after byte `end`.
  void stop_at(int64_t end) { end_ = end; }

  // Compressed bytes consumed so far and the file's size, for progress and ETA.
  int64_t bytes_read() const;
  int64_t file_size() const { return file_size_; }
  // The path as given, or "stdin" for "-".
  const std::string& path() const { return path_; }

 private:
  void refuse_binary() const;
  void check_header() const;

  std::string path_;
  CsvOptions options_;
  std::vector<std::string> header_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int64_t file_size_ = 0;
  int64_t line_ = 0;
  int64_t row_ = 0;
  int64_t end_ = std::numeric_limits<int64_t>::max();  // stop_at()
  bool stopped_ = false;
};

// True for names ending in .smi, .smiles (optionally .gz): whitespace-delimited SMILES
// with no header.
bool is_smiles_file(const std::string& path);

// Reader options for a SMILES source: CSV with a header, or a .smi file (whitespace-
// delimited, no header).
CsvOptions smiles_source_options(const std::string& path);
// Column holding the SMILES: the named column (error listing the columns if absent), or
// 0 when the reader has no header (.smi).
int smiles_column(const CsvReader& reader, const std::string& name);
// The record's field `col`, or an empty string when the row is shorter.
const std::string& field_or_empty(const CsvRecord& record, int col);

// Parses a target cell (surrounding whitespace ignored): "", NA, N/A, NaN, nan → NaN (a
// missing value); a decimal number ("1", "-0.5", ".5", "1e-3") → its value; anything else
// (text, hex "0x10", "inf", a number past the float range) → throws molprop::Error
// "<file>: row R, column 'C': cannot parse '<text>' as a decimal number" (text quoted
// and escaped, core::quoted).
float parse_target(const std::string& text, const std::string& file, int64_t row, const std::string& column);

}  // namespace molprop::data
