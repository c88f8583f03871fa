// Fuzz harness for the shard manifests `molprop merge` reads (inference::read_shard_manifest,
// check_shard_set, merge_prediction_shards): a valid set of three prediction shards, then
// mutations of one or two of their <shard>.shard.json manifests: a field removed, a field of
// another type (string, bool, null, array, object, fraction), huge and negative numbers
// (2^63 - 1, -2^63, 2^64, 1e300, -1), another shard's value, and raw text mutations (byte
// flips, truncation, non-UTF-8 bytes, NULs).
//
// The promise: merge either writes exactly the rows of the original shards in input order,
// and only when every field of every manifest still has its original value, or refuses
// with one molprop::Error of one line of valid UTF-8 without control bytes, and leaves no
// output; no other exception and no crash.
//
// Links LibTorch (inference/), so it runs in the normal build only, not in the sanitizer
// build. MOLPROP_FUZZ_SECONDS (default 3) and MOLPROP_FUZZ_SEED (default 1), as the other
// harnesses; a manifest that breaks the promise is saved as
// tests/fuzz/crashes/<hash>.part<k>.shard.json (k: the shard it was) and
// ShardManifestFuzz.SavedManifestsKeepThePromise replays each as that shard of the set.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/check.h"
#include "core/sha256.h"
#include "core/text.h"
#include "inference/shards.h"
#include "tests/util/fuzz_util.h"
#include "tests/util/scratch_dir.h"

namespace molprop::inference {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing_util::fuzz_seconds;
using testing_util::fuzz_seed;
using testing_util::g_crash;
using testing_util::g_pending;
using testing_util::read_bytes;
using testing_util::save_crash_input;
using testing_util::write_bytes;

const std::string kCrashDir = std::string(MOLPROP_TEST_DATA_DIR) + "/../fuzz/crashes";
const std::vector<std::string> kBodies = {"CCO,-0.77,\nc1ccccc1,-2.1,\n", "C1CC,,\"bad\nring\"\n",
                                          "CC(=O)O,1.5,\nCCN,0.1,\nCl,0.2,\n"};
const std::vector<std::string> kFields = {"format",     "version",    "kind",     "shard", "num_shards", "input",
                                          "input_size", "byte_begin", "byte_end", "rows",  "header"};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Writes the three shards of one 90-byte input into `dir`; returns their CSV paths.
std::vector<std::string> write_set(const std::string& dir) {
  std::vector<std::string> files;
  const int64_t bounds[] = {0, 30, 55, 90};
  for (int k = 0; k < 3; ++k) {
    const std::string path = dir + "/part" + std::to_string(k) + ".csv";
    write_text(path, "smiles,logS,error\n" + kBodies[static_cast<size_t>(k)]);
    ShardManifest m;
    m.kind = "predictions";
    m.shard = k;
    m.num_shards = 3;
    m.input = "in.csv";
    m.input_size = 90;
    m.byte_begin = bounds[k];
    m.byte_end = bounds[k + 1];
    m.rows = k == 1 ? 1
                    : static_cast<int64_t>(std::count(kBodies[static_cast<size_t>(k)].begin(),
                                                      kBodies[static_cast<size_t>(k)].end(), '\n'));
    m.header = {"smiles", "logS", "error"};
    write_shard_manifest(path, m);
    files.push_back(path);
  }
  return files;
}

std::string expected_merge() { return "smiles,logS,error\n" + kBodies[0] + kBodies[1] + kBodies[2]; }

json odd_value(std::mt19937_64& rng, const json& others) {
  switch (rng() % 14) {
    case 0:
      return "3";
    case 1:
      return true;
    case 2:
      return nullptr;
    case 3:
      return json::array({1, 2});
    case 4:
      return json::object({{"a", 1}});
    case 5:
      return 0.5;
    case 6:
      return std::numeric_limits<int64_t>::max();
    case 7:
      return std::numeric_limits<int64_t>::min();
    case 8:
      return std::numeric_limits<uint64_t>::max();
    case 9:
      return 1e300;
    case 10:
      return -1;
    case 11:
      return 2.0;
    case 12:
      return json::array({"smiles", "logS"});
    default:
      return others;  // the same field of another shard
  }
}

// One mutation of manifest text `text`; `other` is another shard's manifest.
void mutate(std::string& text, const json& other, std::mt19937_64& rng) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const std::string field = kFields[static_cast<size_t>(rng() % kFields.size())];
  const int kind = j.is_object() ? static_cast<int>(rng() % 6) : 4 + static_cast<int>(rng() % 2);
  if (kind == 0) {
    j.erase(field);
  } else if (kind <= 3) {
    j[field] = odd_value(rng, other.contains(field) ? other[field] : json());
  }
  if (kind <= 3) {
    text = j.dump(2);
    return;
  }
  if (text.empty()) return;
  const size_t at = static_cast<size_t>(rng() % text.size());
  static const std::vector<std::string> kInserts = {
      "\xFF", "\xC3", "\xE9", std::string(1, '\0'), "\n", "\"", "9999999999999999999999", "-", "}", "]"};
  if (kind == 4) {
    text.insert(at, kInserts[static_cast<size_t>(rng() % kInserts.size())]);
  } else if (rng() % 2) {
    text[at] = static_cast<char>(rng());
  } else {
    text.resize(at);
  }
}

bool one_clean_line(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return false;
  }
  return !core::invalid_utf8_at(s).has_value();
}

// Runs merge over `files` (whose manifests may be mutated; `originals` are the unmutated
// texts); "" when the promise holds.
std::string check_promise(const std::vector<std::string>& files, const std::vector<std::string>& originals,
                          const std::string& output) {
  try {
    merge_prediction_shards(files, output);
  } catch (const Error& e) {
    const std::string what = e.what();
    if (!one_clean_line(what)) return "molprop::Error that is not one clean line: " + core::escaped(what, 300);
    if (fs::exists(output)) return "refused, but left the output";
    return "";
  } catch (const std::exception& e) {
    return std::string("exception other than molprop::Error: ") + e.what();
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const json got = json::parse(read_text(manifest_path(files[i])), nullptr, /*allow_exceptions=*/false);
    const json want = json::parse(originals[i]);
    for (const std::string& f : kFields) {
      // Same value and kind: 2 and 2.0 differ, 0 and -0 (both integers) do not.
      const bool same_kind =
          got.is_object() && got.contains(f) &&
          (got[f].type() == want[f].type() || (got[f].is_number_integer() && want[f].is_number_integer()));
      if (!same_kind || got[f] != want[f]) {
        return "merged although " + files[i] + "'s field '" + f + "' was changed";
      }
    }
  }
  if (read_text(output) != expected_merge()) return "merged output differs from the shards in input order";
  return "";
}

TEST(ShardManifestFuzz, MutatedManifestsAreMergedExactlyOrRefusedInOneLine) {
  const std::string dir = testing_util::fresh_dir("shard_manifest_fuzz");
  const std::vector<std::string> files = write_set(dir);
  std::vector<std::string> originals;
  for (const auto& f : files) originals.push_back(read_text(manifest_path(f)));
  fs::create_directories(kCrashDir);
  std::mt19937_64 rng(fuzz_seed());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(std::max(0.1, fuzz_seconds()));
  int64_t cases = 0, broken = 0, merged = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const size_t victim = static_cast<size_t>(rng() % files.size());
    std::string text = originals[victim];
    const json other = json::parse(originals[(victim + 1) % files.size()]);
    const int mutations = 1 + static_cast<int>(rng() % 3);
    for (int m = 0; m < mutations; ++m) mutate(text, other, rng);
    write_text(manifest_path(files[victim]), text);
    const std::string output = dir + "/merged.csv";
    const std::string problem = check_promise(files, originals, output);
    if (problem.empty() && fs::exists(output)) ++merged;
    fs::remove(output);
    if (!problem.empty()) {
      ++broken;
      const std::string crash =
          kCrashDir + "/" + core::sha256_bytes(text).substr(0, 16) + ".part" + std::to_string(victim) + ".shard.json";
      write_text(crash, text);
      ADD_FAILURE() << problem << " (shard " << victim << "'s manifest saved as " << crash << ")";
    }
    write_text(manifest_path(files[victim]), originals[victim]);
    ++cases;
  }
  std::printf("fuzz: %lld mutated manifest sets, %lld merged, %lld broke the promise (seed %llu)\n",
              static_cast<long long>(cases), static_cast<long long>(merged), static_cast<long long>(broken),
              static_cast<unsigned long long>(fuzz_seed()));
  EXPECT_GT(cases, 10) << "the harness ran too few inputs to mean anything";
  EXPECT_LT(merged, cases) << "no mutant was refused: the mutations do not reach the checks";
}

// Each saved manifest (tests/fuzz/crashes/<name>.part<k>.shard.json) replayed as shard k
// of the set; the folder starts with the issue 14 cases (see tests/fuzz/crashes/README.md).
TEST(ShardManifestFuzz, SavedManifestsKeepThePromise) {
  int replayed = 0;
  for (const auto& entry : fs::directory_iterator(kCrashDir)) {
    const std::string name = entry.path().filename().string();
    const size_t part = name.rfind(".part");
    if (part == std::string::npos || name.size() != part + 17 || name.compare(part + 6, 11, ".shard.json") != 0)
      continue;
    const size_t victim = static_cast<size_t>(name[part + 5] - '0');
    ASSERT_LT(victim, 3u) << name;
    const std::string dir = testing_util::fresh_dir("shard_manifest_replay");
    const std::vector<std::string> files = write_set(dir);
    std::vector<std::string> originals;
    for (const auto& f : files) originals.push_back(read_text(manifest_path(f)));
    write_text(manifest_path(files[victim]), read_text(entry.path().string()));
    EXPECT_EQ(check_promise(files, originals, dir + "/merged.csv"), "") << entry.path();
    ++replayed;
  }
  EXPECT_GT(replayed, 0) << "no saved .shard.json inputs in " << kCrashDir;
}

}  // namespace
}  // namespace molprop::inference
