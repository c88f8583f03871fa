#include "checkpoint/domain.h"

#include <optional>

#include "chem/parse.h"
#include "core/atomic_file.h"
#include "core/check.h"
#include "data/h5_util.h"

namespace molprop::checkpoint {
namespace h5 = data::h5;

namespace {

constexpr const char* kMagic = "molprop-domain";
constexpr int64_t kVersion = 1;
constexpr int kBits = 2048;
constexpr size_t kBytes = kBits / 8;
constexpr size_t kWords = kBits / 64;

}  // namespace

void ApplicabilityDomain::add(chem::PackedFingerprint fp) {
  popcounts_.push_back(chem::popcount(fp));
  fingerprints_.push_back(std::move(fp));
}

ApplicabilityDomain ApplicabilityDomain::from_smiles(const std::vector<std::string>& smiles, double threshold) {
  ApplicabilityDomain d;
  d.threshold_ = threshold;
  for (const auto& s : smiles) {
    const chem::ParsedMol parsed = chem::parse_smiles(s);
    if (parsed.ok()) d.add(chem::packed_morgan_fingerprint(*parsed.mol));
  }
  return d;
}

namespace {

// The hot loop of every prediction with a domain: thousands of 32-word AND+popcounts per
// molecule. Portable builds have no POPCNT instruction by default, so let the loader pick
// a POPCNT clone where the CPU has one (GCC function multi-versioning).
__attribute__((target_clones("popcnt", "default"))) int common_bits(const uint64_t* x, const uint64_t* y) {
  int both = 0;
  for (size_t w = 0; w < kWords; ++w) both += __builtin_popcountll(x[w] & y[w]);
  return both;
}

}  // namespace

double ApplicabilityDomain::max_similarity(const chem::PackedFingerprint& fp) const {
  if (fingerprints_.empty() || fp.empty()) return 0.0;
  MOLPROP_CHECK(fp.size() == kWords,
                "applicability domain: fingerprint has " << fp.size() << " words, expected " << kWords);
  const int a = chem::popcount(fp);
  double best = 0.0;
  for (size_t i = 0; i < fingerprints_.size(); ++i) {
    // |a ∩ b| ≤ min(a, b), so Tanimoto ≤ min/max: skip molecules that cannot beat the best.
    const int b = popcounts_[i];
    if (std::min(a, b) < best * std::max(a, b)) continue;
    const int both = common_bits(fp.data(), fingerprints_[i].data());
    const int either = a + b - both;
    const double t = either == 0 ? 1.0 : static_cast<double>(both) / either;
    if (t > best) best = t;
  }
  return best;
}

void ApplicabilityDomain::save(const std::string& path) const {
  h5::silence_errors();
  core::AtomicFile out(path);  // declared first: the temporary is removed after the handles go
  // optional: HDF5's C++ handles are constructed in place. After an HDF5 failure (a full
  // disk) they are abandoned, never closed (h5::abandon): closing would fail again.
  std::optional<H5::H5File> file;
  std::optional<H5::Group> root;
  std::optional<h5::Appender<uint8_t>> rows;
  try {
    file.emplace(out.temp_path(), H5F_ACC_TRUNC);
    root.emplace(file->openGroup("/"));
    h5::write_attr(*root, "format", std::string(kMagic));
    h5::write_attr(*root, "format_version", kVersion);
    h5::write_attr(*root, "fingerprint", std::string("morgan radius=2 bits=2048 (ECFP4), RDKit default invariants"));
    h5::write_attr(*root, "threshold", threshold_);
    h5::write_attr(*root, "num_molecules", static_cast<int64_t>(fingerprints_.size()));
    // Row i: bytes of fingerprint i, byte j holding bits 8j..8j+7 (least significant first).
    rows.emplace(*root, "fingerprints", kBytes, 1024, 6);
    std::vector<uint8_t> bytes(kBytes);
    for (const auto& fp : fingerprints_) {
      for (size_t j = 0; j < kBytes; ++j) bytes[j] = static_cast<uint8_t>(fp[j / 8] >> (8 * (j % 8)));
      rows->append(bytes.data(), 1);
    }
    rows->flush();
    file->flush(H5F_SCOPE_GLOBAL);  // everything on disk while every handle is open
    rows->close();
    rows.reset();
    root->close();
    root.reset();
    file->close();
    file.reset();
  } catch (const H5::Exception& e) {
    if (rows) rows->abandon();
    if (root) h5::abandon(*root);
    if (file) h5::abandon(*file);
    throw Error(path + ": cannot write applicability domain (" + e.getDetailMsg() + ")");
  }
  out.commit();
}

ApplicabilityDomain ApplicabilityDomain::load(const std::string& path) {
  h5::silence_errors();
  ApplicabilityDomain d;
  try {
    H5::H5File file(path, H5F_ACC_RDONLY);
    H5::Group root = file.openGroup("/");
    if (!h5::has_attr(root, "format") || h5::read_string_attr(root, "format") != kMagic) {
      throw Error(path + ": not a molprop applicability-domain file");
    }
    if (h5::read_int_attr(root, "format_version") > kVersion) {
      throw Error(path + ": written by a newer molprop (domain format version " +
                  std::to_string(h5::read_int_attr(root, "format_version")) + ")");
    }
    d.threshold_ = h5::read_double_attr(root, "threshold");
    H5::DataSet ds = file.openDataSet("fingerprints");
    const auto [rows, cols] = h5::shape(ds);
    if (cols != kBytes) throw Error(path + ": fingerprints have " + std::to_string(cols) + " bytes, expected 256");
    std::vector<uint8_t> bytes;
    if (rows > 0) h5::read_rows(ds, 0, rows, bytes);
    for (hsize_t i = 0; i < rows; ++i) {
      chem::PackedFingerprint fp(kWords, 0);
      for (size_t j = 0; j < kBytes; ++j) fp[j / 8] |= static_cast<uint64_t>(bytes[i * kBytes + j]) << (8 * (j % 8));
      d.add(std::move(fp));
    }
  } catch (const H5::Exception& e) {
    throw Error(path + ": cannot read applicability domain (" + e.getDetailMsg() + ")");
  }
  return d;
}

}  // namespace molprop::checkpoint
