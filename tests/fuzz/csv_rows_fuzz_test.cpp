// Fuzz harness for the CSV/SMILES row parser (data::FeaturizeStream over data::CsvReader
// and chem::parse_smiles): structured mutations of valid CSV and .smi files (byte flips,
// truncation, inserted quotes, commas, NULs, newlines and non-ASCII bytes, duplicated
// columns and lines, huge cells), for a bounded time.
//
// The promise checked on every input: no crash and no exception other than one
// molprop::Error of one line; every row handed over is numbered 1, 2, 3, ... and is either
// featurised or carries a one-line reason of bounded length (no NUL, CR or LF); a
// featurised row has atoms, a printable-ASCII SMILES and no more fields than the header;
// no input takes longer than 10 s.
//
// Time: MOLPROP_FUZZ_SECONDS (default 3; read only by this test) and MOLPROP_FUZZ_SEED
// (default 1). An input that breaks the promise is saved as tests/fuzz/crashes/<hash>.csv
// (or .smi); one that crashes the process is left there by a signal handler. Every file in
// that folder is replayed by Fuzz.SavedInputsKeepThePromise.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/check.h"
#include "core/sha256.h"
#include "data/featurize_stream.h"
#include "tests/util/fuzz_util.h"
#include "tests/util/scratch_dir.h"

namespace molprop::data {
namespace {

namespace fs = std::filesystem;
using testing_util::fuzz_seconds;
using testing_util::fuzz_seed;
using testing_util::g_crash;
using testing_util::g_pending;
using testing_util::one_line;
using testing_util::read_bytes;
using testing_util::save_crash_input;
using testing_util::write_bytes;

const std::string kCrashDir = std::string(MOLPROP_TEST_DATA_DIR) + "/../fuzz/crashes";

// The longest reason a row may carry: a path, a quoted cell and RDKit's capped words.
constexpr size_t kMaxReason = 1500;

// No input of a few hundred kilobytes may take longer (5,000 carbons took RDKit 93 s).
constexpr double kMaxSecondsPerInput = 10.0;

std::string check_rows(const std::string& path);

// Seeds: valid files of each shape the reader handles.
std::vector<std::pair<std::string, std::string>> seeds() {  // (extension, content)
  std::vector<std::pair<std::string, std::string>> s = {
      {".csv", "smiles,logS\nCCO,-0.77\nc1ccccc1,-2.1\nCC(=O)O,1.5\nC1CC,2\n"},
      {".csv", "name,smiles,y,z\r\nethanol,CCO,1,\r\n\"a, b\",\"c1ccccc1\",2,3\r\nx,CCN,NA,4\r\n"},
      {".csv", "smiles,\"na\"\"me\",y\nCCO,\"multi\nline\",1\nCl,\"q\",2\n\nBr,,3\n"},
      {".smi", "CCO ethanol\nc1ccccc1\tbenzene ring\nC1CC broken\n\nCC(=O)O\n"},
  };
  for (const char* name : {"csv_quoted.csv", "train_small.csv"}) {
    std::ifstream in(std::string(MOLPROP_TEST_DATA_DIR) + "/" + name, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    s.emplace_back(".csv", ss.str());
  }
  return s;
}

// One structured mutation of `text`.
void mutate(std::string& text, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  static const std::vector<std::string> kInserts = {"\"",
                                                    ",",
                                                    std::string(1, '\0'),
                                                    "\n",
                                                    "\r",
                                                    "\r\n",
                                                    "\"\"",
                                                    ",,",
                                                    " ",
                                                    "\t",
                                                    "\xC3\xA9",
                                                    "\xE9",
                                                    "\xFF\xFE",
                                                    "\x89HDF\r\n\x1a\n",
                                                    "0x10",
                                                    "inf",
                                                    "nan",
                                                    "1e999",
                                                    "[",
                                                    "]",
                                                    "(",
                                                    "%",
                                                    "C1",
                                                    ".",
                                                    "[Na+]",
                                                    "\xEF\xBB\xBF"};
  const size_t at = pick(text.size() + 1);
  switch (rng() % 10) {
    case 0:  // flip a byte
      if (!text.empty()) text[pick(text.size())] = static_cast<char>(rng());
      break;
    case 1:  // truncate
      text.resize(at);
      break;
    case 2:
    case 3:  // insert a delimiter, quote, NUL, line end, non-ASCII byte or odd token
      text.insert(at, kInserts[pick(kInserts.size())]);
      break;
    case 4: {  // duplicate the first column name
      const size_t comma = text.find_first_of(",\n");
      if (comma != std::string::npos) text.insert(comma, "," + text.substr(0, comma));
      break;
    }
    case 5: {  // a huge cell
      const size_t n = 1 + pick(200000);
      text.insert(at, std::string(n, "C(\"\x01"[pick(4)]));
      break;
    }
    case 6: {  // delete a range
      const size_t n = pick(std::min<size_t>(text.size() - std::min(at, text.size()), 40) + 1);
      text.erase(std::min(at, text.size()), n);
      break;
    }
    case 7: {  // duplicate a line
      const size_t begin = text.rfind('\n', at == 0 ? 0 : at - 1);
      const size_t start = begin == std::string::npos ? 0 : begin + 1;
      const size_t end = text.find('\n', start);
      const std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
      text.insert(start, line.empty() || line.back() == '\n' ? line : line + "\n");
      break;
    }
    case 8:  // an extra field on some line
      text.insert(at, ",extra");
      break;
    default:  // a random byte
      text.insert(at, 1, static_cast<char>(rng()));
  }
}

// parse_smiles trims surrounding whitespace (a lone \r is data to the CSV reader, and a
// quoted cell may start with a newline); what is left must be printable ASCII.
bool printable_ascii(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return true;
  const size_t last = s.find_last_not_of(" \t\r\n");
  for (size_t i = first; i <= last; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c >= 0x7F) return false;
  }
  return true;
}

// Runs the stream over `path` and returns "" when the promise holds, else what broke.
std::string check_promise(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  const std::string broken = check_rows(path);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (broken.empty() && seconds > kMaxSecondsPerInput) {
    return "took " + std::to_string(seconds) + " s (one input must not stall the stream)";
  }
  return broken;
}

std::string check_rows(const std::string& path) {
  try {
    FeaturizeStreamOptions o;
    o.threads = 1;
    o.chunk_rows = 7;  // several chunks per file
    o.quiet = true;
    FeaturizeStream stream(path, o);
    int64_t expected_row = 1;
    std::string broken;
    stream.run([&](FeaturizedChunk& chunk) {
      for (const FeaturizedRow& row : chunk.rows) {
        if (!broken.empty()) return;
        if (row.row != expected_row) {
          broken =
              "row " + std::to_string(row.row) + " handed over where row " + std::to_string(expected_row) + " was due";
        } else if (row.mol.ok() == !row.mol.error.empty()) {
          broken = "row " + std::to_string(row.row) + ": neither featurised nor failed with a reason";
        } else if (!one_line(row.mol.error) || row.mol.error.size() > kMaxReason) {
          broken = "row " + std::to_string(row.row) + ": reason of " + std::to_string(row.mol.error.size()) +
                   " bytes is not one short line";
        } else if (row.mol.ok() && row.mol.graph.num_atoms <= 0) {
          broken = "row " + std::to_string(row.row) + ": featurised without atoms";
        } else if (row.mol.ok() && !printable_ascii(row.smiles)) {
          broken = "row " + std::to_string(row.row) + ": featurised a SMILES that is not printable ASCII";
        } else if (row.mol.ok() && !stream.header().empty() && row.fields.size() > stream.header().size()) {
          broken = "row " + std::to_string(row.row) + ": featurised with more fields than the header has columns";
        }
        ++expected_row;
      }
    });
    return broken;
  } catch (const Error& e) {
    const std::string what = e.what();
    if (!one_line(what)) return "molprop::Error of more than one line: " + what.substr(0, 200);
    if (what.size() > 3000) return "molprop::Error of " + std::to_string(what.size()) + " bytes";
    return "";
  } catch (const std::exception& e) {
    return std::string("exception other than molprop::Error: ") + e.what();
  }
}

std::string write_input(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return path;
}

TEST(Fuzz, MutatedCsvAndSmiFilesKeepThePromise) {
  fs::create_directories(kCrashDir);
  const std::string pending = kCrashDir + "/pending." + std::to_string(::getpid());
  std::mt19937_64 rng(fuzz_seed());
  const auto corpus = seeds();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(std::max(0.1, fuzz_seconds()));
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, save_crash_input);
  int64_t cases = 0, broken = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto& [ext, seed] = corpus[rng() % corpus.size()];
    std::string text = seed;
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) mutate(text, rng);
    const std::string input = write_input(pending + ext, text);
    const std::string crash = kCrashDir + "/" + core::sha256_bytes(text).substr(0, 16) + ext;
    std::snprintf(g_pending, sizeof g_pending, "%s", input.c_str());
    std::snprintf(g_crash, sizeof g_crash, "%s", crash.c_str());
    const std::string problem = check_promise(input);
    g_pending[0] = '\0';
    if (!problem.empty()) {
      ++broken;
      fs::rename(input, crash);
      ADD_FAILURE() << problem << " (input saved as " << crash << ")";
    } else {
      fs::remove(input);
    }
    ++cases;
  }
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, SIG_DFL);
  std::printf("fuzz: %lld inputs, %lld broke the promise (seed %llu)\n", static_cast<long long>(cases),
              static_cast<long long>(broken), static_cast<unsigned long long>(fuzz_seed()));
  EXPECT_GT(cases, 10) << "the harness ran too few inputs to mean anything";
}

// Every saved input (tests/fuzz/crashes/) is replayed; the folder starts with inputs that
// broke the promise before issue 14 (an HDF5 signature, a NUL in the header, a wide row).
TEST(Fuzz, SavedInputsKeepThePromise) {
  int replayed = 0;
  for (const auto& entry : fs::directory_iterator(kCrashDir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("pending.", 0) == 0 || name == "README.md") continue;
    // A saved input is replayed from a scratch copy whose name keeps its extension.
    const std::string dir = testing_util::fresh_dir("fuzz_replay");
    const std::string copy = dir + "/" + name;
    fs::copy_file(entry.path(), copy);
    EXPECT_EQ(check_promise(copy), "") << entry.path();
    ++replayed;
  }
  EXPECT_GT(replayed, 0) << "no saved inputs in " << kCrashDir;
}

}  // namespace
}  // namespace molprop::data
