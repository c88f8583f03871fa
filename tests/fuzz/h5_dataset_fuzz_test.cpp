// Fuzz harness for the HDF5 dataset reader (data::GraphDataset over data::DatasetFile):
// a valid small dataset written with data::DatasetWriter (tests/util/dataset_fixture.h),
// then structured mutations of a copy: raw (flip, overwrite or zero bytes of a dataset's
// stored chunks, truncate the file) and semantic through the HDF5 C API (one offset of atom_ptr/bond_ptr changed, a
// feature value out of vocabulary, a bond index out of range, a dataset truncated, its
// shape swapped or its type changed, a dataset or attribute deleted, an attribute's type or
// value changed).
//
// The promise checked on every mutant: opening it, validate_all(), every accessor and
// collating every molecule in batches (in memory, or streaming with small blocks, sometimes
// as the second of two shards) either works, for a file of this build's feature vocabulary,
// giving batches whose edges stay inside their molecules, or throws one molprop::Error of one line that names the file;
// never a crash, an HDF5 or other exception, or more than 10 s.
//
// Time: MOLPROP_FUZZ_SECONDS (default 3) and MOLPROP_FUZZ_SEED (default 1), as in
// csv_rows_fuzz_test.cpp. A mutant that breaks the promise is saved as
// tests/fuzz/crashes/<hash>.h5 (one that crashes the process is left there by a signal
// handler); H5DatasetFuzz.SavedInputsKeepThePromise replays every .h5 file there.
#include <H5Cpp.h>
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "chem/features.h"
#include "core/check.h"
#include "core/sha256.h"
#include "data/dataset_format.h"
#include "data/graph_dataset.h"
#include "tests/util/dataset_fixture.h"
#include "tests/util/fuzz_util.h"
#include "tests/util/h5_fuzz_util.h"
#include "tests/util/scratch_dir.h"

namespace molprop::data {
namespace {

namespace fs = std::filesystem;
using testing_util::dims_of;
using testing_util::fuzz_seconds;
using testing_util::fuzz_seed;
using testing_util::g_crash;
using testing_util::g_pending;
using testing_util::mutate_region;
using testing_util::one_line;
using testing_util::pick;
using testing_util::read_bytes;
using testing_util::save_crash_input;
using testing_util::write_bytes;
using testing_util::write_double_attr;
using testing_util::write_int_attr;
using testing_util::write_string_attr;
namespace fmt = format;

const std::string kCrashDir = std::string(MOLPROP_TEST_DATA_DIR) + "/../fuzz/crashes";
constexpr double kMaxSecondsPerInput = 10.0;

// Seeds: the fixture's 20 molecules and 2 failures, with and without stored scaffolds.
const std::vector<std::string>& seeds() {
  static const std::vector<std::string> all = [] {
    const std::string dir = testing_util::fresh_dir("h5_fuzz_seeds");
    std::vector<std::string> s;
    for (bool scaffolds : {true, false}) {
      const std::string path = dir + "/seed" + std::to_string(scaffolds) + ".h5";
      fixture::write_dataset(path, scaffolds);
      s.push_back(read_bytes(path));
    }
    return s;
  }();
  return all;
}

const std::vector<const char*> kDatasets = {
    fmt::kSmiles,         fmt::kRow,          fmt::kAtomPtr,       fmt::kBondPtr,      fmt::kAtomFeatures,
    fmt::kBondIndex,      fmt::kBondFeatures, fmt::kTargets,       fmt::kDescriptors,  fmt::kScaffoldId,
    fmt::kScaffoldSmiles, fmt::kFailureRow,   fmt::kFailureSmiles, fmt::kFailureReason};
const std::vector<const char*> kNumericDatasets = {
    fmt::kRow,          fmt::kAtomPtr, fmt::kBondPtr,     fmt::kAtomFeatures, fmt::kBondIndex,
    fmt::kBondFeatures, fmt::kTargets, fmt::kDescriptors, fmt::kScaffoldId,   fmt::kFailureRow};
const std::vector<const char*> kAttributes = {
    fmt::kAttrFormat,     fmt::kAttrFormatVersion, fmt::kAttrFormatMinorVersion, fmt::kAttrFeaturizerVersion,
    fmt::kAttrVocabulary, fmt::kAttrTargetNames,   fmt::kAttrDescriptorNames,    fmt::kAttrDescriptorSet,
    fmt::kAttrSourceFile, fmt::kAttrSourceSha256,  fmt::kAttrNumMolecules,       fmt::kAttrNumAtoms,
    fmt::kAttrNumEdges,   fmt::kAttrNumRows,       fmt::kAttrNumFailed,          fmt::kAttrStandardized};
const std::vector<int64_t> kInterestingInts = {0,
                                               1,
                                               -1,
                                               2,
                                               19,
                                               20,
                                               21,
                                               255,
                                               1000000000,
                                               -1000000000,
                                               int64_t{1} << 31,
                                               int64_t{1} << 40,
                                               std::numeric_limits<int64_t>::max(),
                                               std::numeric_limits<int64_t>::min()};
const std::vector<std::string> kInterestingStrings = {
    "", "[]", "[1,2]", "{\"a\":1}", "[\"logS\"]", "not json", "molprop-dataset", "\xFF\xFE", "[\"\"]"};

// Replaces dataset `name` by one of `type` and `dims` holding `data` (native layout).
bool replace_dataset(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims,
                     const std::vector<char>& data) {
  if (H5Ldelete(file, name, H5P_DEFAULT) < 0) return false;
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  const hid_t ds = H5Dcreate2(file, name, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = ds >= 0;
  if (ok && !data.empty()) ok = H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0;
  if (ds >= 0) H5Dclose(ds);
  H5Pclose(lcpl);
  H5Sclose(space);
  return ok;
}

// Reads numeric dataset `name` whole into `data` as its native type (returned, caller closes).
hid_t read_numeric(hid_t file, const char* name, std::vector<hsize_t>& dims, std::vector<char>& data) {
  const hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
  if (ds < 0) return -1;
  dims = dims_of(ds);
  const hid_t ftype = H5Dget_type(ds);
  const hid_t type = H5Tget_native_type(ftype, H5T_DIR_DEFAULT);
  H5Tclose(ftype);
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d;
  data.assign(static_cast<size_t>(n * H5Tget_size(type)), 0);
  const bool ok = dims.empty() || H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0;
  H5Dclose(ds);
  if (!ok || dims.empty()) {
    H5Tclose(type);
    return -1;
  }
  return type;
}

// Writes `value` (converted to the dataset's type) at flat element `k` of dataset `name`.
bool write_element(hid_t file, const char* name, int64_t value, std::mt19937_64& rng) {
  const hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
  if (ds < 0) return false;
  const std::vector<hsize_t> dims = dims_of(ds);
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d;
  bool ok = !dims.empty() && n > 0;
  if (ok) {
    hsize_t k = rng() % n;
    std::vector<hsize_t> coord(dims.size());
    for (size_t i = dims.size(); i-- > 0;) {
      coord[i] = k % dims[i];
      k /= dims[i];
    }
    const hid_t space = H5Dget_space(ds);
    H5Sselect_elements(space, H5S_SELECT_SET, 1, coord.data());
    const hsize_t one = 1;
    const hid_t mem = H5Screate_simple(1, &one, nullptr);
    // Out-of-range values are clipped by HDF5's conversion (255 for uint8, ...).
    const hid_t xfer = H5Pcreate(H5P_DATASET_XFER);
    ok = H5Dwrite(ds, H5T_NATIVE_INT64, mem, space, xfer, &value) >= 0;
    H5Pclose(xfer);
    H5Sclose(mem);
    H5Sclose(space);
  }
  H5Dclose(ds);
  return ok;
}

// One semantic mutation of the HDF5 file at `path`; returns its description ("" if it did
// not apply, e.g. the dataset was already deleted).
std::string mutate_semantic(const std::string& path, std::mt19937_64& rng) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) return "";
  std::string what;
  switch (rng() % 9) {
    case 0: {  // one offset of atom_ptr / bond_ptr
      const char* name = rng() % 2 ? fmt::kAtomPtr : fmt::kBondPtr;
      const int64_t v = rng() % 3 ? pick(kInterestingInts, rng) : static_cast<int64_t>(rng() % 200);
      if (write_element(file, name, v, rng)) what = std::string(name) + " entry = " + std::to_string(v);
      break;
    }
    case 1: {  // a feature value out of vocabulary, a bond index out of range, an odd row / target
      const char* name = pick(kNumericDatasets, rng);
      const int64_t v = pick(kInterestingInts, rng);
      if (write_element(file, name, v, rng)) what = std::string(name) + " element = " + std::to_string(v);
      break;
    }
    case 2: {  // truncate a dataset (or grow it) along its first dimension
      const char* name = pick(kNumericDatasets, rng);
      std::vector<hsize_t> dims;
      std::vector<char> data;
      const hid_t type = read_numeric(file, name, dims, data);
      if (type < 0) break;
      const hsize_t row_bytes = data.size() / std::max<hsize_t>(1, dims[0]);
      const hsize_t rows = rng() % 4 == 0 ? dims[0] + 1 + rng() % 3 : (dims[0] == 0 ? 0 : rng() % dims[0]);
      data.resize(static_cast<size_t>(rows * row_bytes), 0);
      dims[0] = rows;
      if (replace_dataset(file, name, type, dims, data))
        what = std::string(name) + " resized to " + std::to_string(rows);
      H5Tclose(type);
      break;
    }
    case 3: {  // swap a dataset's shape (transpose 2-D, or make 1-D 2-D)
      const char* name = pick(kNumericDatasets, rng);
      std::vector<hsize_t> dims;
      std::vector<char> data;
      const hid_t type = read_numeric(file, name, dims, data);
      if (type < 0) break;
      if (dims.size() == 2) {
        std::swap(dims[0], dims[1]);
      } else if (dims.size() == 1) {
        dims = {1, dims[0]};
      }
      if (replace_dataset(file, name, type, dims, data)) what = std::string(name) + " shape swapped";
      H5Tclose(type);
      break;
    }
    case 4: {  // change a dataset's type (int64 offsets as float, uint8 features as int32, ...)
      const char* name = pick(kNumericDatasets, rng);
      std::vector<hsize_t> dims;
      std::vector<char> data;
      const hid_t type = read_numeric(file, name, dims, data);
      if (type < 0) break;
      static const std::vector<hid_t> kTypes = {H5T_NATIVE_FLOAT, H5T_NATIVE_DOUBLE, H5T_NATIVE_INT32,
                                                H5T_NATIVE_UINT8, H5T_NATIVE_INT8,   H5T_NATIVE_UINT64};
      const hid_t to = pick(kTypes, rng);
      hsize_t n = 1;
      for (hsize_t d : dims) n *= d;
      std::vector<char> converted(static_cast<size_t>(n * std::max(H5Tget_size(type), H5Tget_size(to))), 0);
      std::copy(data.begin(), data.end(), converted.begin());
      if (H5Tconvert(type, to, n, converted.data(), nullptr, H5P_DEFAULT) >= 0) {
        converted.resize(static_cast<size_t>(n * H5Tget_size(to)));
        if (replace_dataset(file, name, to, dims, converted)) what = std::string(name) + " type changed";
      }
      H5Tclose(type);
      break;
    }
    case 5: {  // delete a dataset
      const char* name = pick(kDatasets, rng);
      if (H5Ldelete(file, name, H5P_DEFAULT) >= 0) what = std::string("deleted ") + name;
      break;
    }
    case 6: {  // delete an attribute
      const char* name = pick(kAttributes, rng);
      if (H5Adelete(file, name) >= 0) what = std::string("deleted attribute ") + name;
      break;
    }
    case 7:
    case 8: {  // an attribute of another type or value
      const char* name = pick(kAttributes, rng);
      H5Adelete(file, name);
      switch (rng() % 5) {
        case 0:
          write_int_attr(file, name, pick(kInterestingInts, rng));
          break;
        case 1:
          write_double_attr(file, name, rng() % 2 ? 1.5 : std::numeric_limits<double>::quiet_NaN());
          break;
        case 2:
          write_string_attr(file, name, pick(kInterestingStrings, rng), /*variable=*/true);
          break;
        case 3:
          write_string_attr(file, name, pick(kInterestingStrings, rng), /*variable=*/false);
          break;
        default:
          write_string_attr(file, name, std::to_string(pick(kInterestingInts, rng)), /*variable=*/rng() % 2 == 0);
      }
      what = std::string("attribute ") + name + " rewritten";
      break;
    }
  }
  H5Fclose(file);
  return what;
}

// Where the stored (compressed) bytes of one chunk of a numeric dataset lie in the file:
// {offset, size}, or {0, 0}.
std::pair<uint64_t, uint64_t> chunk_bytes(const std::string& path, std::mt19937_64& rng) {
  std::pair<uint64_t, uint64_t> where{0, 0};
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return where;
  const hid_t ds = H5Dopen2(file, pick(kNumericDatasets, rng), H5P_DEFAULT);
  if (ds >= 0) {
    const hid_t space = H5Dget_space(ds);
    hsize_t chunks = 0;
    if (H5Dget_num_chunks(ds, space, &chunks) >= 0 && chunks > 0) {
      haddr_t addr = 0;
      hsize_t size = 0;
      if (H5Dget_chunk_info(ds, space, rng() % chunks, nullptr, nullptr, &addr, &size) >= 0) where = {addr, size};
    } else if (H5Dget_offset(ds) != HADDR_UNDEF) {
      where = {H5Dget_offset(ds), H5Dget_storage_size(ds)};
    }
    H5Sclose(space);
    H5Dclose(ds);
  }
  H5Fclose(file);
  return where;
}

// One raw mutation of the bytes: flip, overwrite or zero a few bytes of a dataset's stored
// chunk (compressed data), or truncate the file. Bytes of HDF5's own metadata (object
// headers, B-trees, the global heap of variable-length strings) are not mutated: libhdf5
// 1.10 itself crashes on some of those (docs/reliability.md, "Fuzzing the HDF5 reader").
void mutate_raw(const std::string& path, std::mt19937_64& rng) {
  std::string bytes = read_bytes(path);
  if (bytes.empty()) return;
  if (rng() % 5 == 0) {
    bytes.resize(static_cast<size_t>(rng() % bytes.size()));
  } else {
    const auto [offset, size] = chunk_bytes(path, rng);
    if (!mutate_region(bytes, offset, size, rng)) return;
  }
  write_bytes(path, bytes);
}

// Edges of a batch stay inside their molecule; sizes agree with the counts.
std::string check_batch(const Batch& b) {
  if (b.atom_features.size() != static_cast<size_t>(b.num_atoms) * chem::kNumAtomFeatures ||
      b.edge_index.size() != static_cast<size_t>(b.num_edges) * 2 ||
      b.bond_features.size() != static_cast<size_t>(b.num_edges) * chem::kNumBondFeatures ||
      b.atom_to_mol.size() != static_cast<size_t>(b.num_atoms) ||
      b.atom_ptr.size() != static_cast<size_t>(b.num_molecules) + 1) {
    return "a batch whose array sizes disagree with its counts";
  }
  for (int32_t a : b.edge_index) {
    if (a < 0 || a >= b.num_atoms) return "a batch edge pointing outside the batch's atoms";
  }
  for (int64_t e = 0; e < b.num_edges; ++e) {
    if (b.atom_to_mol[b.edge_index[e * 2]] != b.atom_to_mol[b.edge_index[e * 2 + 1]]) {
      return "a batch edge crossing molecules";
    }
  }
  return "";
}

// Mutants refused with a molprop::Error (the rest were read whole), for the summary line.
int64_t g_refused = 0;

// Opens `path` and reads everything a training run, inspect and embed read; "" when the
// promise holds, else what broke.
std::string exercise(const std::string& path, uint64_t variant) {
  try {
    GraphDatasetOptions o;
    o.mode = variant % 2 ? GraphDatasetOptions::Mode::kStreaming : GraphDatasetOptions::Mode::kInMemory;
    o.block_size = 1 + static_cast<int64_t>(variant / 2 % 7);
    o.cache_blocks = 1 + static_cast<int>(variant / 16 % 2);
    if (variant % 5 == 4) {
      o.world_size = 2;
      o.rank = 1;
    }
    GraphDataset ds(path, o);
    if (ds.info().vocabulary != chem::vocabulary_signature()) return "accepted a dataset of another feature vocabulary";
    ds.validate_all();
    const int64_t n = ds.size();
    for (int64_t i = 0; i < n; ++i) {
      ds.graph(i);
      ds.smiles(i);
      ds.row(i);
      ds.targets(i);
    }
    ds.all_targets();
    ds.all_descriptors();
    ds.failures();
    ds.atom_counts();
    if (variant % 3 == 0) ds.scaffold_ids();
    const std::vector<int64_t> order = ds.epoch_order(variant, 0);
    Batch batch;
    for (size_t first = 0; first < order.size(); first += 6) {
      const std::vector<int64_t> part(order.begin() + static_cast<std::ptrdiff_t>(first),
                                      order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), first + 6)));
      ds.collate(part, batch);
      const std::string broken = check_batch(batch);
      if (!broken.empty()) return "accepted, but collated " + broken;
    }
    return "";
  } catch (const Error& e) {
    ++g_refused;
    const std::string what = e.what();
    if (std::getenv("MOLPROP_FUZZ_VERBOSE")) std::fprintf(stderr, "refused: %s\n", what.c_str());
    if (!one_line(what)) return "molprop::Error of more than one line: " + what.substr(0, 300);
    if (what.find(path) == std::string::npos) return "molprop::Error that does not name the file: " + what;
    return "";
  } catch (const H5::Exception& e) {
    return "HDF5 exception escaped: " + e.getFuncName() + ": " + e.getDetailMsg();
  } catch (const std::exception& e) {
    return std::string("exception other than molprop::Error: ") + e.what();
  }
}

std::string check_promise(const std::string& path, uint64_t variant) {
  const auto start = std::chrono::steady_clock::now();
  const std::string broken = exercise(path, variant);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (broken.empty() && seconds > kMaxSecondsPerInput) return "took " + std::to_string(seconds) + " s";
  return broken;
}

// Saved inputs are replayed in every reading variant.
constexpr uint64_t kReplayVariants = 10;

TEST(H5DatasetFuzz, MutatedDatasetsKeepThePromise) {
  H5::Exception::dontPrint();
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  fs::create_directories(kCrashDir);
  const std::string pending = kCrashDir + "/pending." + std::to_string(::getpid()) + ".h5";
  std::mt19937_64 rng(fuzz_seed());
  const auto& corpus = seeds();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(std::max(0.1, fuzz_seconds()));
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, save_crash_input);
  int64_t cases = 0, broken = 0, semantic = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    write_bytes(pending, pick(corpus, rng));
    const int mutations = 1 + static_cast<int>(rng() % 3);
    std::string applied;
    for (int m = 0; m < mutations; ++m) {
      if (rng() % 4 == 0) {
        mutate_raw(pending, rng);
        applied += "raw; ";
      } else {
        const std::string what = mutate_semantic(pending, rng);
        if (!what.empty()) ++semantic;
        applied += what + "; ";
      }
    }
    const std::string bytes = read_bytes(pending);
    const std::string crash = kCrashDir + "/" + core::sha256_bytes(bytes).substr(0, 16) + ".h5";
    std::snprintf(g_pending, sizeof g_pending, "%s", pending.c_str());
    std::snprintf(g_crash, sizeof g_crash, "%s", crash.c_str());
    const uint64_t variant = rng() % kReplayVariants;
    const int64_t refused_before = g_refused;
    const std::string problem = check_promise(pending, variant);
    g_pending[0] = '\0';
    if (std::getenv("MOLPROP_FUZZ_VERBOSE") && g_refused == refused_before) {
      std::fprintf(stderr, "accepted: %s\n", applied.c_str());
    }
    if (!problem.empty()) {
      ++broken;
      fs::rename(pending, crash);
      ADD_FAILURE() << problem << " (mutations: " << applied << "read variant " << variant << "; input saved as "
                    << crash << ")";
    }
    ++cases;
  }
  fs::remove(pending);
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, SIG_DFL);
  std::printf(
      "fuzz: %lld mutated datasets (%lld semantic mutations), %lld refused with an error, %lld broke the "
      "promise (seed %llu)\n",
      static_cast<long long>(cases), static_cast<long long>(semantic), static_cast<long long>(g_refused),
      static_cast<long long>(broken), static_cast<unsigned long long>(fuzz_seed()));
  EXPECT_GT(cases, 10) << "the harness ran too few inputs to mean anything";
  EXPECT_GT(g_refused, 0) << "no mutant was refused: the mutations do not reach the checks";
  EXPECT_LT(g_refused, cases) << "every mutant was refused: the mutations never leave a readable file";
}

// Every saved .h5 input (tests/fuzz/crashes/) is replayed in every reading variant; the
// folder starts with the issue 14 offset corruption (atom_ptr entry 1e9: was SIGSEGV).
TEST(H5DatasetFuzz, SavedInputsKeepThePromise) {
  H5::Exception::dontPrint();
  int replayed = 0;
  for (const auto& entry : fs::directory_iterator(kCrashDir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("pending.", 0) == 0 || entry.path().extension() != ".h5") continue;
    const std::string dir = testing_util::fresh_dir("h5_fuzz_replay");
    const std::string copy = dir + "/" + name;
    fs::copy_file(entry.path(), copy);
    for (uint64_t variant = 0; variant < kReplayVariants; ++variant) {
      EXPECT_EQ(check_promise(copy, variant), "") << entry.path() << " (read variant " << variant << ")";
    }
    ++replayed;
  }
  EXPECT_GT(replayed, 0) << "no saved .h5 inputs in " << kCrashDir;
}

}  // namespace
}  // namespace molprop::data
