#include "data/csv_reader.h"

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>

#include "core/check.h"
#include "core/text.h"

namespace molprop::data {

namespace {

// Our own buffer, so that the parser scans contiguous bytes instead of paying one
// gzgetc call per character; 64 KiB amortises the gzread call well.
constexpr size_t kBufferSize = 64 * 1024;
// zlib's internal input buffer (compressed side); larger than its 8 KiB default to cut
// read() system calls on big .csv.gz files.
constexpr unsigned kGzBufferSize = 128 * 1024;

constexpr std::string_view kHdf5Signature("\x89HDF\r\n\x1a\n", 8);

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// What reading one physical record found.
struct RawRecord {
  size_t count = 0;         // fields read
  bool any_quoted = false;  // some field was quoted (so a lone "" is not a blank line)
  bool at_eof = false;      // the record ended at the end of the file
};

// How an unquoted stretch of a CSV field ended.
enum class Scan { kMore, kFieldEnd, kLineEnd, kEof };

}  // namespace

struct CsvReader::Impl {
  gzFile gz = nullptr;
  std::vector<char> buf = std::vector<char>(kBufferSize);
  size_t pos = 0;    // next unread byte in buf
  size_t end = 0;    // one past the last valid byte in buf
  int64_t base = 0;  // uncompressed offset of buf[0]
  bool exhausted = false;
  bool is_stdin = false;  // reading standard input ("-"): no seeking
  // Strings dropped when a record has fewer fields than the previous one; handed back
  // when a later record is wider, so their capacity is never freed and reallocated.
  std::vector<std::string> spare;

  ~Impl() {
    if (gz != nullptr) gzclose(gz);
  }

  // Replaces the buffer with the next block of decompressed bytes; false at end of file.
  bool refill(const std::string& path) {
    base += static_cast<int64_t>(end);
    pos = end = 0;
    if (exhausted) return false;
    const int n = gzread(gz, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < static_cast<int>(buf.size())) {
      // A short read is end of file or an error; a truncated .gz shows up here as
      // Z_BUF_ERROR rather than as n < 0, so check the error state either way.
      int errnum = Z_OK;
      const char* msg = gzerror(gz, &errnum);
      if (n < 0 || errnum != Z_OK) {
        const std::string reason = errnum == Z_ERRNO ? std::strerror(errno) : msg;
        throw Error(path + ": read error (" + reason + ")");
      }
      exhausted = true;
    }
    end = static_cast<size_t>(n);
    return end > 0;
  }

  bool has_data(const std::string& path) { return pos < end || refill(path); }

  // Returns the string for field number `count` (0-based), emptied but with its capacity.
  std::string& start_field(std::vector<std::string>& fields, size_t& count) {
    if (count == fields.size()) {
      if (spare.empty()) {
        fields.emplace_back();
      } else {
        fields.push_back(std::move(spare.back()));
        spare.pop_back();
      }
    }
    std::string& field = fields[count++];
    field.clear();
    return field;
  }

  void shrink_to(std::vector<std::string>& fields, size_t count) {
    while (fields.size() > count) {
      spare.push_back(std::move(fields.back()));
      fields.pop_back();
    }
  }

  // A .smi record: fields separated by runs of spaces/tabs, no quoting, through the end
  // of the line. `line` counts the newlines consumed.
  RawRecord read_whitespace(std::vector<std::string>& fields, int64_t& line, const std::string& path) {
    RawRecord r;
    std::string* field = nullptr;  // null between fields
    for (;;) {
      if (!has_data(path)) {
        r.at_eof = true;
        return r;
      }
      const char* p = buf.data() + pos;
      const char* e = buf.data() + end;
      const char* q = p;
      if (field != nullptr) {
        while (q < e && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n') ++q;
        field->append(p, q);
        pos += q - p;
        if (q == e) continue;
        field = nullptr;
      }
      // \r counts as a separator here, so a CRLF ending never reaches a field.
      while (q < e && (*q == ' ' || *q == '\t' || *q == '\r')) ++q;
      pos = static_cast<size_t>(q - buf.data());
      if (q == e) continue;
      if (*q == '\n') {
        ++pos;
        ++line;
        return r;
      }
      field = &start_field(fields, r.count);
    }
  }

  // A CSV record (RFC 4180 quoting; quoted fields may hold delimiters, doubled quotes and
  // newlines). Throws molprop::Error for a quote still open at the end of the file.
  RawRecord read_delimited(std::vector<std::string>& fields, char delim, int64_t& line, const std::string& path) {
    enum class State { kFieldStart, kUnquoted, kQuoted };
    RawRecord r;
    State state = State::kFieldStart;
    std::string* field = &start_field(fields, r.count);
    int64_t quote_line = 0;
    for (;;) {
      if (!has_data(path)) {
        if (state == State::kQuoted) {
          throw Error(path + ": line " + std::to_string(quote_line) + ": unterminated quoted field");
        }
        r.at_eof = true;
        return r;
      }
      if (state == State::kFieldStart) {
        state = State::kUnquoted;
        if (buf[pos] == '"') {
          state = State::kQuoted;
          quote_line = line + 1;
          r.any_quoted = true;
          ++pos;
          continue;
        }
      }
      if (state == State::kQuoted) {
        if (scan_quoted(*field, line, path)) state = State::kUnquoted;
        continue;
      }
      switch (scan_unquoted(*field, delim, line, path)) {
        case Scan::kMore:
          break;
        case Scan::kFieldEnd:
          field = &start_field(fields, r.count);
          state = State::kFieldStart;
          break;
        case Scan::kLineEnd:
          return r;
        case Scan::kEof:
          r.at_eof = true;
          return r;
      }
    }
  }

  // Appends unquoted text (at least one byte is buffered) up to a delimiter or the end
  // of the line, and consumes that delimiter or line ending.
  Scan scan_unquoted(std::string& field, char delim, int64_t& line, const std::string& path) {
    const char* p = buf.data() + pos;
    const char* e = buf.data() + end;
    const char* q = p;
    while (q < e && *q != delim && *q != '\n' && *q != '\r') ++q;
    field.append(p, q);
    pos += q - p;
    if (q == e) return Scan::kMore;
    const char c = *q;
    ++pos;
    if (c == delim) return Scan::kFieldEnd;
    if (c == '\n') {
      ++line;
      return Scan::kLineEnd;
    }
    // \r ends the line when \n or end of file follows; a lone \r is data.
    if (!has_data(path)) return Scan::kEof;
    if (buf[pos] == '\n') {
      ++pos;
      ++line;
      return Scan::kLineEnd;
    }
    field.push_back('\r');
    return Scan::kMore;
  }

  // Appends quoted text (at least one byte is buffered): everything up to the closing
  // quote is data, newlines included, and "" is an escaped quote. True once the closing
  // quote is consumed. Text between it and the next delimiter is then kept as is
  // (lenient, like Python's csv module) rather than rejected.
  bool scan_quoted(std::string& field, int64_t& line, const std::string& path) {
    const char* p = buf.data() + pos;
    const char* e = buf.data() + end;
    const char* q = p;
    while (q < e && *q != '"') {
      if (*q == '\n') ++line;
      ++q;
    }
    field.append(p, q);
    pos += q - p;
    if (q == e) return false;
    ++pos;  // the quote
    if (has_data(path) && buf[pos] == '"') {
      field.push_back('"');
      ++pos;
      return false;
    }
    return true;
  }
};

CsvReader::CsvReader(const std::string& path, CsvOptions options)
    : path_(path == kStdinPath ? std::string(kStdinName) : path), options_(options), impl_(std::make_unique<Impl>()) {
  errno = 0;
  if (path == kStdinPath) {
    impl_->is_stdin = true;
    // A pipe has no size (file_size() 0: progress without a percentage) and cannot seek.
    const int fd = ::dup(STDIN_FILENO);
    impl_->gz = fd < 0 ? nullptr : gzdopen(fd, "rb");
    if (impl_->gz == nullptr && fd >= 0) ::close(fd);
  } else {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      throw Error(path + ": cannot open (" + std::strerror(errno) + ")");
    }
    // open() succeeds on a directory and only the first read fails; say what is wrong.
    if (S_ISDIR(st.st_mode)) throw Error(path + ": cannot open (" + std::strerror(EISDIR) + ")");
    file_size_ = static_cast<int64_t>(st.st_size);
    impl_->gz = gzopen(path.c_str(), "rb");
  }
  if (impl_->gz == nullptr) {
    const std::string reason = errno != 0 ? std::strerror(errno) : "out of memory";
    throw Error(path_ + ": cannot open (" + reason + ")");
  }
  gzbuffer(impl_->gz, kGzBufferSize);

  // Excel and some Windows tools prefix UTF-8 files with a byte-order mark; without
  // this it would become part of the first column name.
  if (impl_->refill(path_) && impl_->end >= 3 && std::memcmp(impl_->buf.data(), "\xEF\xBB\xBF", 3) == 0) {
    impl_->pos = 3;
  }
  refuse_binary();

  if (options_.has_header) {
    CsvRecord header;
    if (!next(header)) throw Error(path_ + ": empty file, expected a header line");
    header_ = std::move(header.fields);
    row_ = 0;  // data rows are numbered from the first record after the header
    check_header();
  }
}

// Binary input would otherwise print as a header ("columns are: \x89HDF...") or as rows
// of garbage; say what the file is instead. Looks at the first buffer only.
void CsvReader::refuse_binary() const {
  const Impl& in = *impl_;
  const std::string_view head(in.buf.data() + in.pos, in.end - in.pos);
  if (head.substr(0, kHdf5Signature.size()) == kHdf5Signature) {
    throw Error(path_ + " is an HDF5 file, not CSV or SMILES text");
  }
  // Text has no NUL bytes; look in the first line (the header, or the first .smi record).
  const std::string_view first_line = head.substr(0, head.find('\n'));
  if (const size_t nul = first_line.find('\0'); nul != std::string_view::npos) {
    throw Error(path_ + " is not a text file (NUL byte at byte " + std::to_string(nul + 1) +
                " of line 1); expected CSV or SMILES text");
  }
}

// Column names are printed in messages and stored as HDF5 UTF-8 strings (target names):
// each must be UTF-8, and no name may appear twice (which of two 'y' columns is the target?).
void CsvReader::check_header() const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (const auto bad = core::invalid_utf8_at(header_[i])) {
      throw Error(path_ + ": line 1: column " + std::to_string(i + 1) + " name " + core::quoted(header_[i]) +
                  " is not UTF-8 text (byte " + core::hex_byte(static_cast<unsigned char>(header_[i][*bad])) +
                  " at position " + std::to_string(*bad + 1) + "); save the file as UTF-8");
    }
    for (size_t j = 0; j < i; ++j) {
      if (header_[j] == header_[i]) {
        throw Error(path_ + ": line 1: column " + core::quoted(header_[i]) + " appears twice (columns " +
                    std::to_string(j + 1) + " and " + std::to_string(i + 1) + "); column names must be unique");
      }
    }
  }
}

CsvReader::~CsvReader() = default;

int CsvReader::column_index(const std::string& name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return static_cast<int>(i);
  }
  std::string columns;
  for (const auto& column : header_) {
    if (!columns.empty()) columns += ", ";
    if (columns.size() > 400) {
      columns += "… (" + std::to_string(header_.size()) + " columns)";
      break;
    }
    columns += core::quoted(column);
  }
  if (header_.empty()) columns = "(none: the file is read without a header)";
  throw Error(path_ + ": no column " + core::quoted(name) + "; columns are: " + columns);
}

bool CsvReader::next(CsvRecord& record) {
  if (stopped_) return false;
  Impl& in = *impl_;
  std::vector<std::string>& fields = record.fields;
  for (;;) {
    const int64_t start_line = line_ + 1;
    const int64_t start_offset = offset();
    const RawRecord r = options_.whitespace_delimited ? in.read_whitespace(fields, line_, path_)
                                                      : in.read_delimited(fields, options_.delimiter, line_, path_);
    const bool blank =
        options_.whitespace_delimited ? r.count == 0 : r.count == 1 && fields[0].empty() && !r.any_quoted;
    if (blank) {
      if (r.at_eof) {
        in.shrink_to(fields, 0);
        return false;
      }
      continue;
    }
    in.shrink_to(fields, r.count);
    if (start_offset >= end_) {  // the first record past stop_at(): another shard's
      stopped_ = true;
      return false;
    }
    record.row = ++row_;
    record.line = start_line;
    record.offset = start_offset;
    return true;
  }
}

int64_t CsvReader::offset() const {
  // At a buffer boundary the next byte is the first of the next buffer.
  return impl_->base + static_cast<int64_t>(impl_->pos);
}

bool CsvReader::compressed() const { return gzdirect(impl_->gz) == 0; }

void CsvReader::seek_line(int64_t target) {
  Impl& in = *impl_;
  if (target <= offset()) return;
  if (in.is_stdin) throw Error("stdin cannot be read from the middle (no sharding or seeking on a pipe)");
  if (gzseek(in.gz, static_cast<z_off_t>(target - 1), SEEK_SET) < 0) {
    throw Error(path_ + ": cannot seek to byte " + std::to_string(target));
  }
  in.pos = in.end = 0;
  in.base = target - 1;
  in.exhausted = false;
  // The byte before `target` ends a line exactly when a line starts at `target`.
  while (in.has_data(path_)) {
    if (in.buf[in.pos++] == '\n') break;
  }
  row_ = 0;
  line_ = 0;
}

int64_t CsvReader::bytes_read() const {
  const z_off_t offset = gzoffset(impl_->gz);
  return offset < 0 ? 0 : static_cast<int64_t>(offset);
}

bool is_smiles_file(const std::string& path) {
  return ends_with(path, ".smi") || ends_with(path, ".smi.gz") || ends_with(path, ".smiles") ||
         ends_with(path, ".smiles.gz");
}

namespace {

// A decimal number as the docs promise: [+-] digits [. digits] [(e|E) [+-] digits], with
// digits on at least one side of the point. strtof alone also reads hex ("0x10" → 16),
// "inf", "infinity" and "nan(...)".
bool is_decimal_number(const std::string& s) {
  size_t i = 0;
  const size_t n = s.size();
  auto digits = [&] {
    const size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  size_t mantissa = digits();
  if (i < n && s[i] == '.') {
    ++i;
    mantissa += digits();
  }
  if (mantissa == 0) return false;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == n;
}

}  // namespace

float parse_target(const std::string& text, const std::string& file, int64_t row, const std::string& column) {
  const char* kSpace = " \t\r\n";
  const size_t first = text.find_first_not_of(kSpace);
  const std::string trimmed =
      first == std::string::npos ? std::string() : text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  if (trimmed.empty() || trimmed == "NA" || trimmed == "NaN" || trimmed == "nan" || trimmed == "N/A") {
    return std::numeric_limits<float>::quiet_NaN();
  }
  const std::string where = file + ": row " + std::to_string(row) + ", column " + core::quoted(column) + ": ";
  if (!is_decimal_number(trimmed)) {
    throw Error(where + "cannot parse " + core::quoted(text) + " as a decimal number");
  }
  errno = 0;
  const float value = std::strtof(trimmed.c_str(), nullptr);
  // An overflow gives HUGE_VALF with ERANGE; a target must be finite.
  if (!std::isfinite(value)) {
    throw Error(where + core::quoted(text) + " is out of range for a 32-bit float target");
  }
  return value;
}

CsvOptions smiles_source_options(const std::string& path) {
  CsvOptions options;
  if (is_smiles_file(path)) {
    options.whitespace_delimited = true;
    options.has_header = false;
  }
  return options;
}

int smiles_column(const CsvReader& reader, const std::string& name) {
  return reader.header().empty() ? 0 : reader.column_index(name);
}

const std::string& field_or_empty(const CsvRecord& record, int col) {
  static const std::string empty;
  return col >= 0 && static_cast<size_t>(col) < record.fields.size() ? record.fields[static_cast<size_t>(col)] : empty;
}

}  // namespace molprop::data
