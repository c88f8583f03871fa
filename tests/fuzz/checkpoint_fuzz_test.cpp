// Fuzz harness for the checkpoint reader (checkpoint::load_checkpoint): small valid
// checkpoints written with checkpoint::save_checkpoint (tests/util/checkpoint_fixture.h),
// then structured mutations of a copy through the HDF5 C API: the `config` JSON (a width,
// depth, name, count or cardinality list set to a huge, negative, fractional or wrongly typed
// value, a key deleted, the text truncated), the target/descriptor scaling JSON lists (other
// lengths, null for NaN, non-numbers, truncated), root attributes deleted or retyped, weight
// datasets deleted, reshaped, retyped, truncated or given a NaN/infinite/huge value; and raw
// byte flips inside weight datasets' stored data only (HDF5's own metadata bytes are not
// touched: libhdf5 1.10 itself crashes on some, see h5_dataset_fuzz_test.cpp), or the file
// truncated.
//
// The promise checked on every mutant: load_checkpoint either returns a model that runs a
// forward pass on a tiny batch giving one prediction per molecule and task (finite, or not
// when finite weights overflow: predict makes that an error cell of the row, by design), or
// throws one molprop::Error of one line that names the file; never a crash, a torch, HDF5
// or other exception, more than 10 s, or more than the address-space cap set below.
//
// Time: MOLPROP_FUZZ_SECONDS (default 3) and MOLPROP_FUZZ_SEED (default 1). A mutant that
// breaks the promise is saved as tests/fuzz/crashes/<hash>.ckpt (one that crashes the
// process is left there by a signal handler); CheckpointFuzz.SavedInputsKeepThePromise
// replays every .ckpt file there.
#include <hdf5.h>
#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "core/sha256.h"
#include "tests/util/checkpoint_fixture.h"
#include "tests/util/fuzz_util.h"
#include "tests/util/h5_fuzz_util.h"
#include "tests/util/scratch_dir.h"

namespace molprop::checkpoint {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
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

const std::string kCrashDir = std::string(MOLPROP_TEST_DATA_DIR) + "/../fuzz/crashes";
constexpr double kMaxSecondsPerInput = 10.0;

// Seeds: the fixture's small models, one task and two tasks.
const std::vector<std::string>& seeds() {
  static const std::vector<std::string> all = [] {
    const std::string dir = testing_util::fresh_dir("ckpt_fuzz_seeds");
    std::vector<std::string> s;
    const models::GraphTensors g = fixture::graph_inputs();
    for (int64_t tasks : {1, 2}) {
      const models::ModelConfig config = fixture::small_config("dmpnn", tasks);
      models::PropertyModel model = fixture::warmed_model(config, 1, g);
      const std::string path = dir + "/seed" + std::to_string(tasks) + ".h5";
      save_checkpoint(path, fixture::make_checkpoint(config), model);
      s.push_back(read_bytes(path));
    }
    return s;
  }();
  return all;
}

const std::vector<const char*> kAttributes = {
    "format",          "format_version", "featurizer_version", "feature_vocabulary", "config",
    "target_names",    "target_mean",    "target_std",         "target_units",       "descriptor_names",
    "descriptor_mean", "descriptor_std", "metadata",           "created_by"};
const std::vector<const char*> kScalingAttributes = {"target_names",     "target_mean",     "target_std",
                                                     "descriptor_names", "descriptor_mean", "descriptor_std",
                                                     "target_units"};
// Paths into the config JSON.
const std::vector<std::vector<std::string>> kConfigKeys = {{"encoder", "name"},
                                                           {"encoder", "hidden"},
                                                           {"encoder", "depth"},
                                                           {"encoder", "dropout"},
                                                           {"encoder", "norm"},
                                                           {"encoder", "residual"},
                                                           {"encoder", "jk"},
                                                           {"encoder", "atom_cardinalities"},
                                                           {"encoder", "bond_cardinalities"},
                                                           {"readout", "name"},
                                                           {"head", "hidden"},
                                                           {"head", "layers"},
                                                           {"head", "dropout"},
                                                           {"head", "num_tasks"},
                                                           {"num_descriptors"},
                                                           {"featurizer_version"},
                                                           {"encoder"},
                                                           {"head"}};
const std::vector<int64_t> kInterestingInts = {0,
                                               1,
                                               -1,
                                               2,
                                               3,
                                               4,
                                               8,
                                               15,
                                               16,
                                               17,
                                               32,
                                               100000,
                                               100001,
                                               1000000000,
                                               -1000000000,
                                               int64_t{1} << 31,
                                               int64_t{1} << 40,
                                               std::numeric_limits<int64_t>::max(),
                                               std::numeric_limits<int64_t>::min()};

json interesting_value(std::mt19937_64& rng) {
  switch (rng() % 10) {
    case 0:
      return json(nullptr);
    case 1:
      return json(rng() % 2 == 0);
    case 2:
      return json(pick(std::vector<double>{0.5, -0.5, 1.5, 1e308, -1e308, 16.5, 1e-300}, rng));
    case 3:
      return json(pick(std::vector<std::string>{"", "dmpnn", "gin", "batch", "none", "attention", "x", "16"}, rng));
    case 4:
      return json::array();
    case 5: {
      json a = json::array();
      const size_t n = rng() % 4 == 0 ? 1 + rng() % 2000 : 1 + rng() % 12;
      for (size_t i = 0; i < n; ++i) a.push_back(rng() % 3 == 0 ? pick(kInterestingInts, rng) : int64_t(rng() % 40));
      return a;
    }
    case 6:
      return json::object();
    case 7:
      return json(static_cast<uint64_t>(std::numeric_limits<uint64_t>::max()));
    default:
      return json(pick(kInterestingInts, rng));
  }
}

std::string string_attr(hid_t obj, const char* name) {
  std::string out;
  const hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  if (a < 0) return out;
  const hid_t type = H5Aget_type(a);
  if (H5Tget_class(type) == H5T_STRING) {
    if (H5Tis_variable_str(type) > 0) {
      char* p = nullptr;
      const hid_t mem = H5Tcopy(H5T_C_S1);
      H5Tset_size(mem, H5T_VARIABLE);
      if (H5Aread(a, mem, &p) >= 0 && p) {
        out = p;
        H5free_memory(p);
      }
      H5Tclose(mem);
    } else {
      std::vector<char> buf(H5Tget_size(type) + 1, '\0');
      if (H5Aread(a, type, buf.data()) >= 0) out = buf.data();
    }
  }
  H5Tclose(type);
  H5Aclose(a);
  return out;
}

std::vector<std::string> weight_names(hid_t file) {
  std::vector<std::string> names;
  const hid_t g = H5Gopen2(file, "weights", H5P_DEFAULT);
  if (g < 0) return names;
  hsize_t n = 0;
  H5G_info_t info;
  if (H5Gget_info(g, &info) >= 0) n = info.nlinks;
  for (hsize_t i = 0; i < n; ++i) {
    char buf[512] = {0};
    if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, buf, sizeof buf, H5P_DEFAULT) > 0) {
      names.push_back(std::string("weights/") + buf);
    }
  }
  H5Gclose(g);
  return names;
}

// Reads a weight dataset whole as doubles (empty when not readable or scalar).
std::vector<double> read_weight(hid_t file, const std::string& name, std::vector<hsize_t>& dims) {
  std::vector<double> data;
  const hid_t ds = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  if (ds < 0) return data;
  dims = dims_of(ds);
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d;
  if (!dims.empty() && n > 0) {
    data.resize(static_cast<size_t>(n));
    if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0) data.clear();
  }
  H5Dclose(ds);
  return data;
}

bool replace_weight(hid_t file, const std::string& name, hid_t type, const std::vector<hsize_t>& dims,
                    const std::vector<double>& data) {
  if (H5Ldelete(file, name.c_str(), H5P_DEFAULT) < 0) return false;
  const hid_t space =
      dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t ds = H5Dcreate2(file, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  bool ok = ds >= 0;
  if (ok && !data.empty()) ok = H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0;
  if (ds >= 0) H5Dclose(ds);
  H5Sclose(space);
  return ok;
}

// One semantic mutation; returns its description ("" if it did not apply).
std::string mutate_semantic(const std::string& path, std::mt19937_64& rng) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) return "";
  std::string what;
  const std::vector<std::string> weights = weight_names(file);
  switch (rng() % 12) {
    case 0:
    case 1:
    case 2: {  // the config JSON: one field changed or deleted, or the text truncated
      const std::string text = string_attr(file, "config");
      if (text.empty()) break;
      if (rng() % 6 == 0) {
        const size_t cut = rng() % text.size();
        write_string_attr(file, "config", text.substr(0, cut), true);
        what = "config truncated at " + std::to_string(cut);
        break;
      }
      json j = json::parse(text, nullptr, false);
      if (j.is_discarded()) break;
      const auto& key = pick(kConfigKeys, rng);
      json* node = &j;
      for (size_t i = 0; i + 1 < key.size() && node->is_object(); ++i) node = &(*node)[key[i]];
      if (!node->is_object()) break;
      std::string desc = key[0];
      for (size_t i = 1; i < key.size(); ++i) desc += "." + key[i];
      if (rng() % 8 == 0) {
        node->erase(key.back());
        what = "config " + desc + " deleted";
      } else {
        const json v = interesting_value(rng);
        (*node)[key.back()] = v;
        what = "config " + desc + " = " + v.dump().substr(0, 60);
      }
      write_string_attr(file, "config", j.dump(), true);
      break;
    }
    case 3:
    case 4: {  // a scaling JSON list: other length, null (NaN), non-numbers, truncated
      const char* name = pick(kScalingAttributes, rng);
      const std::string text = string_attr(file, name);
      json j = json::parse(text.empty() ? "[]" : text, nullptr, false);
      if (j.is_discarded() || !j.is_array()) j = json::array();
      switch (rng() % 7) {
        case 0:
          if (!j.empty()) j.erase(j.begin() + static_cast<std::ptrdiff_t>(rng() % j.size()));
          break;
        case 1:
          j.push_back(j.empty() ? json(1.0) : j.back());
          break;
        case 2:
          if (!j.empty()) j[rng() % j.size()] = nullptr;  // how nlohmann writes NaN
          break;
        case 3:
          if (!j.empty()) j[rng() % j.size()] = pick(std::vector<std::string>{"NaN", "1.0", "", "x"}, rng);
          break;
        case 4:
          if (!j.empty()) j[rng() % j.size()] = interesting_value(rng);
          break;
        case 5: {
          const std::string s = j.dump();
          write_string_attr(file, name, s.substr(0, rng() % (s.size() + 1)), true);
          what = std::string(name) + " truncated";
          break;
        }
        default:
          j = interesting_value(rng);
      }
      if (what.empty()) {
        write_string_attr(file, name, j.dump(), true);
        what = std::string(name) + " = " + j.dump().substr(0, 60);
      }
      break;
    }
    case 5: {  // a root attribute deleted
      const char* name = pick(kAttributes, rng);
      if (H5Adelete(file, name) >= 0) what = std::string("deleted attribute ") + name;
      break;
    }
    case 6: {  // a root attribute of another type
      const char* name = pick(kAttributes, rng);
      const std::string old = string_attr(file, name);
      H5Adelete(file, name);
      switch (rng() % 4) {
        case 0:
          write_int_attr(file, name, pick(kInterestingInts, rng));
          break;
        case 1:
          write_double_attr(file, name, rng() % 2 ? 1.5 : std::numeric_limits<double>::quiet_NaN());
          break;
        case 2:
          write_string_attr(file, name, old, /*variable=*/false);
          break;
        default:
          write_string_attr(file, name, std::to_string(pick(kInterestingInts, rng)), rng() % 2 == 0);
      }
      what = std::string("attribute ") + name + " retyped";
      break;
    }
    case 7: {  // a weight deleted
      if (weights.empty()) break;
      const std::string name = pick(weights, rng);
      if (H5Ldelete(file, name.c_str(), H5P_DEFAULT) >= 0) what = "deleted " + name;
      break;
    }
    case 8: {  // a weight reshaped (transposed, flattened, a dimension added, scalar)
      if (weights.empty()) break;
      const std::string name = pick(weights, rng);
      std::vector<hsize_t> dims;
      std::vector<double> data = read_weight(file, name, dims);
      if (data.empty()) break;
      const hid_t type = data.size() && name.find("offsets") != std::string::npos ? H5T_NATIVE_INT64 : H5T_NATIVE_FLOAT;
      switch (rng() % 4) {
        case 0:
          if (dims.size() == 2) std::swap(dims[0], dims[1]);
          break;
        case 1:
          dims = {static_cast<hsize_t>(data.size())};
          break;
        case 2:
          dims.insert(dims.begin(), 1);
          break;
        default:
          dims.clear();
          data.resize(1);
      }
      if (replace_weight(file, name, type, dims, data)) what = name + " reshaped";
      break;
    }
    case 9: {  // a weight retyped
      if (weights.empty()) break;
      const std::string name = pick(weights, rng);
      std::vector<hsize_t> dims;
      std::vector<double> data = read_weight(file, name, dims);
      if (data.empty()) break;
      static const std::vector<hid_t> kTypes = {H5T_NATIVE_DOUBLE, H5T_NATIVE_INT32, H5T_NATIVE_INT64,
                                                H5T_NATIVE_UINT8,  H5T_NATIVE_FLOAT, H5T_NATIVE_INT8};
      if (replace_weight(file, name, pick(kTypes, rng), dims, data)) what = name + " retyped";
      break;
    }
    case 10: {  // a weight value NaN, infinite, huge, or an offset changed
      if (weights.empty()) break;
      const std::string name = pick(weights, rng);
      std::vector<hsize_t> dims;
      std::vector<double> data = read_weight(file, name, dims);
      if (data.empty()) break;
      const double v = pick(std::vector<double>{std::numeric_limits<double>::quiet_NaN(),
                                                std::numeric_limits<double>::infinity(), -1e30, 1e30, 3e38, -1, 1e9, 0},
                            rng);
      data[rng() % data.size()] = v;
      const hid_t ds = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
      if (ds >= 0) {
        if (H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0) {
          what = name + " element = " + std::to_string(v);
        }
        H5Dclose(ds);
      }
      break;
    }
    default: {  // a weight truncated or grown along its first dimension
      if (weights.empty()) break;
      const std::string name = pick(weights, rng);
      std::vector<hsize_t> dims;
      std::vector<double> data = read_weight(file, name, dims);
      if (data.empty()) break;
      const size_t row = data.size() / std::max<hsize_t>(1, dims[0]);
      const hsize_t rows = rng() % 3 == 0 ? dims[0] + 1 + rng() % 3 : rng() % dims[0];
      dims[0] = rows;
      data.resize(static_cast<size_t>(rows) * row, 0.25);
      const hid_t type = name.find("offsets") != std::string::npos ? H5T_NATIVE_INT64 : H5T_NATIVE_FLOAT;
      if (replace_weight(file, name, type, dims, data)) what = name + " resized to " + std::to_string(rows);
    }
  }
  H5Fclose(file);
  return what;
}

// Where the stored bytes of one weight dataset lie in the file: {offset, size}, or {0, 0}.
std::pair<uint64_t, uint64_t> weight_bytes(const std::string& path, std::mt19937_64& rng) {
  std::pair<uint64_t, uint64_t> where{0, 0};
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return where;
  const std::vector<std::string> weights = weight_names(file);
  const hid_t ds = weights.empty() ? -1 : H5Dopen2(file, pick(weights, rng).c_str(), H5P_DEFAULT);
  if (ds >= 0) {
    const hid_t space = H5Dget_space(ds);
    hsize_t chunks = 0;
    const hid_t dcpl = H5Dget_create_plist(ds);
    const bool chunked = H5Pget_layout(dcpl) == H5D_CHUNKED;
    H5Pclose(dcpl);
    if (chunked && H5Dget_num_chunks(ds, space, &chunks) >= 0 && chunks > 0) {
      haddr_t addr = 0;
      hsize_t size = 0;
      if (H5Dget_chunk_info(ds, space, rng() % chunks, nullptr, nullptr, &addr, &size) >= 0) where = {addr, size};
    } else if (!chunked && H5Dget_offset(ds) != HADDR_UNDEF) {
      where = {H5Dget_offset(ds), H5Dget_storage_size(ds)};
    }
    H5Sclose(space);
    H5Dclose(ds);
  }
  H5Fclose(file);
  return where;
}

// Flips, overwrites or zeroes bytes of a weight's stored data, or truncates the file.
void mutate_raw(const std::string& path, std::mt19937_64& rng) {
  std::string bytes = read_bytes(path);
  if (bytes.empty()) return;
  if (rng() % 6 == 0) {
    bytes.resize(static_cast<size_t>(rng() % bytes.size()));
  } else {
    const auto [offset, size] = weight_bytes(path, rng);
    if (!mutate_region(bytes, offset, size, rng)) return;
  }
  write_bytes(path, bytes);
}

int64_t g_refused = 0;
int64_t g_predicted = 0;
int64_t g_non_finite = 0;  // of g_predicted

// Loads `path` and predicts the fixture's molecules; "" when the promise holds.
std::string exercise(const std::string& path) {
  try {
    Checkpoint info;
    models::PropertyModel model = load_checkpoint(path, &info);
    static const data::Batch batch = fixture::collate(fixture::kSmiles);
    const int64_t n = batch.num_molecules;
    torch::Tensor descriptors;
    if (info.config.num_descriptors > 0) descriptors = torch::full({n, info.config.num_descriptors}, 0.5);
    const models::GraphTensors g = models::to_tensors(batch, torch::kCPU, descriptors);
    torch::NoGradGuard no_grad;
    const torch::Tensor out = model->forward(g);
    if (out.dim() != 2 || out.size(0) != n || out.size(1) != info.config.head.num_tasks) {
      return "accepted, but predicted a tensor of the wrong shape";
    }
    // Finite weights whose output overflows (a weight at 3e38, a flipped exponent bit) are
    // loaded, by design: predict turns a non-finite prediction into an error cell of its
    // row (CliReliability.NonFinitePredictionIsAnErrorCell). Counted, not a broken promise.
    if (!torch::isfinite(out).all().item<bool>()) ++g_non_finite;
    ++g_predicted;
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
  } catch (const c10::Error& e) {
    return std::string("torch exception escaped: ") + e.what_without_backtrace();
  } catch (const std::exception& e) {
    return std::string("exception other than molprop::Error: ") + e.what();
  }
}

std::string check_promise(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  const std::string broken = exercise(path);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (broken.empty() && seconds > kMaxSecondsPerInput) return "took " + std::to_string(seconds) + " s";
  return broken;
}

// Caps the address space at what the process holds now plus 4 GiB: a damaged width that
// got past the checks and tried to allocate absurd memory fails (bad_alloc or a torch
// error, reported as a broken promise) instead of swapping the machine.
void cap_memory() {
  std::ifstream status("/proc/self/status");
  std::string line;
  uint64_t vm_kb = 0;
  while (std::getline(status, line)) {
    if (line.rfind("VmSize:", 0) == 0) vm_kb = std::strtoull(line.c_str() + 7, nullptr, 10);
  }
  if (vm_kb == 0) return;
  rlimit r{};
  getrlimit(RLIMIT_AS, &r);
  const rlim_t want = static_cast<rlim_t>(vm_kb * 1024 + (uint64_t{4} << 30));
  if (r.rlim_max == RLIM_INFINITY || want < r.rlim_max) r.rlim_cur = want;
  setrlimit(RLIMIT_AS, &r);
}

TEST(CheckpointFuzz, MutatedCheckpointsLoadAndPredictOrAreRefusedInOneLine) {
  H5::Exception::dontPrint();
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  torch::set_num_threads(1);
  fs::create_directories(kCrashDir);
  const std::string pending = kCrashDir + "/pending." + std::to_string(::getpid()) + ".ckpt";
  std::mt19937_64 rng(fuzz_seed());
  const auto& corpus = seeds();
  cap_memory();
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
    const std::string crash = kCrashDir + "/" + core::sha256_bytes(bytes).substr(0, 16) + ".ckpt";
    std::snprintf(g_pending, sizeof g_pending, "%s", pending.c_str());
    std::snprintf(g_crash, sizeof g_crash, "%s", crash.c_str());
    const int64_t refused_before = g_refused;
    const std::string problem = check_promise(pending);
    g_pending[0] = '\0';
    if (std::getenv("MOLPROP_FUZZ_VERBOSE") && g_refused == refused_before) {
      std::fprintf(stderr, "accepted: %s\n", applied.c_str());
    }
    if (!problem.empty()) {
      ++broken;
      fs::rename(pending, crash);
      ADD_FAILURE() << problem << " (mutations: " << applied << "input saved as " << crash << ")";
    }
    ++cases;
  }
  fs::remove(pending);
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, SIG_DFL);
  std::printf(
      "fuzz: %lld mutated checkpoints (%lld semantic mutations), %lld refused with an error, %lld loaded and "
      "predicted (%lld of them a non-finite value), %lld broke the promise (seed %llu)\n",
      static_cast<long long>(cases), static_cast<long long>(semantic), static_cast<long long>(g_refused),
      static_cast<long long>(g_predicted), static_cast<long long>(g_non_finite), static_cast<long long>(broken),
      static_cast<unsigned long long>(fuzz_seed()));
  EXPECT_GT(cases, 10) << "the harness ran too few inputs to mean anything";
  EXPECT_GT(g_refused, 0) << "no mutant was refused: the mutations do not reach the checks";
  EXPECT_GT(g_predicted, 0) << "every mutant was refused: the mutations never leave a loadable file";
}

// Every saved .ckpt input (tests/fuzz/crashes/) is replayed; the folder starts with two
// checkpoints with finite weights that predict infinity (a bias at 3e38; a flipped exponent
// byte in readout.gate.bias): loaded, and predicted without a crash.
TEST(CheckpointFuzz, SavedInputsKeepThePromise) {
  H5::Exception::dontPrint();
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  int replayed = 0;
  for (const auto& entry : fs::directory_iterator(kCrashDir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("pending.", 0) == 0 || entry.path().extension() != ".ckpt") continue;
    const std::string dir = testing_util::fresh_dir("ckpt_fuzz_replay");
    const std::string copy = dir + "/" + name;
    fs::copy_file(entry.path(), copy);
    EXPECT_EQ(check_promise(copy), "") << entry.path();
    ++replayed;
  }
  EXPECT_GT(replayed, 0) << "no saved .ckpt inputs in " << kCrashDir;
}

}  // namespace
}  // namespace molprop::checkpoint
