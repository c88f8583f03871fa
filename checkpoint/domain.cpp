#include "checkpoint/domain.h"

#include <algorithm>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

#include "chem/parse.h"
#include "core/atomic_file.h"
#include "core/check.h"
#include "data/h5_util.h"

namespace molprop::checkpoint {
namespace h5 = data::h5;

namespace {

constexpr const char* kMagic = "molprop-domain";
constexpr int64_t kVersion = 2;  // 2: optional per-target label masks
constexpr int kBits = 2048;
constexpr size_t kBytes = kBits / 8;
constexpr size_t kWords = kBits / 64;

}  // namespace

void ApplicabilityDomain::add(const uint64_t* words) {
  popcounts_.push_back(chem::popcount(words, kWords));
  words_.insert(words_.end(), words, words + kWords);
  ++size_;
}

ApplicabilityDomain ApplicabilityDomain::from_smiles(const std::vector<std::string>& smiles, double threshold) {
  ApplicabilityDomain d;
  d.threshold_ = threshold;
  for (const auto& s : smiles) {
    const chem::ParsedMol parsed = chem::parse_smiles(s);
    if (parsed.ok()) d.add(chem::packed_morgan_fingerprint(*parsed.mol).data());
  }
  d.build_index();
  return d;
}

ApplicabilityDomain ApplicabilityDomain::from_smiles(const std::vector<std::string>& smiles,
                                                     const std::vector<char>& labelled,
                                                     const std::vector<std::string>& target_names, double threshold) {
  const size_t t = target_names.size();
  MOLPROP_CHECK(labelled.size() == smiles.size() * t, "applicability domain: " << labelled.size() << " label flags for "
                                                                               << smiles.size() << " molecules × " << t
                                                                               << " targets");
  ApplicabilityDomain d;
  d.threshold_ = threshold;
  d.target_names_ = target_names;
  for (size_t i = 0; i < smiles.size(); ++i) {
    const chem::ParsedMol parsed = chem::parse_smiles(smiles[i]);
    if (!parsed.ok()) continue;
    d.add(chem::packed_morgan_fingerprint(*parsed.mol).data());
    d.labelled_.insert(d.labelled_.end(), labelled.begin() + static_cast<std::ptrdiff_t>(i * t),
                       labelled.begin() + static_cast<std::ptrdiff_t>((i + 1) * t));
  }
  d.build_targets();
  return d;
}

void ApplicabilityDomain::set_label_ranges(std::vector<double> min, std::vector<double> max) {
  MOLPROP_CHECK(min.size() == target_names_.size() && max.size() == target_names_.size(),
                "applicability domain: label ranges for " << min.size() << " targets, the domain has "
                                                          << target_names_.size());
  label_min_ = std::move(min);
  label_max_ = std::move(max);
}

bool ApplicabilityDomain::in_label_range(size_t target, double value) const {
  if (label_min_.empty()) return true;
  const double lo = label_min_.at(target), hi = label_max_.at(target);
  if (!(lo <= hi)) return true;  // no label (NaN range)
  const double margin = kLabelRangeMargin * (hi - lo);
  return value >= lo - margin && value <= hi + margin;
}

std::vector<double> ApplicabilityDomain::all_similarities(const chem::PackedFingerprint& fp) const {
  std::vector<double> out{0.0};
  if (per_target_.empty()) {
    out[0] = search(fp);
    return out;
  }
  // Searching each target's (smaller) set prunes better than one search of the whole set
  // (measured on 20k ZINC molecules with the default model).
  for (const auto& d : per_target_) {
    out.push_back(d.search(fp));
    out[0] = std::max(out[0], out.back());
  }
  if (unlabelled_) out[0] = std::max(out[0], unlabelled_->search(fp));
  return out;
}

void ApplicabilityDomain::set_threshold(double t) {
  threshold_ = t;
  for (auto& d : per_target_) d.threshold_ = t;
}

void ApplicabilityDomain::build_targets() {
  per_target_.clear();
  sorted_words_ = {};
  start_.clear();
  const size_t t = target_names_.size();
  // A sub-domain of the rows `keep` selects, holding only its search arrays.
  auto subset = [&](auto&& keep) {
    ApplicabilityDomain d;
    d.threshold_ = threshold_;
    size_t rows = 0;
    for (size_t i = 0; i < size_; ++i) rows += keep(i) ? 1 : 0;
    d.words_.reserve(rows * kWords);
    d.popcounts_.reserve(rows);
    for (size_t i = 0; i < size_; ++i) {
      if (keep(i)) d.add(words_.data() + i * kWords);
    }
    d.build_index();
    d.words_ = {};
    d.popcounts_ = {};
    return d;
  };
  for (size_t k = 0; k < t; ++k) per_target_.push_back(subset([&](size_t i) { return labelled_[i * t + k] != 0; }));
  // Training molecules without any label (possible in a user's table) count for the overall
  // similarity only.
  ApplicabilityDomain none = subset([&](size_t i) {
    for (size_t k = 0; k < t; ++k) {
      if (labelled_[i * t + k]) return false;
    }
    return true;
  });
  unlabelled_.reset();
  if (none.size() > 0) unlabelled_ = std::make_shared<const ApplicabilityDomain>(std::move(none));
  popcounts_ = {};
}


void ApplicabilityDomain::build_index() {
  const auto n = static_cast<int64_t>(size_);
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
    return popcounts_[static_cast<size_t>(x)] < popcounts_[static_cast<size_t>(y)];
  });
  sorted_words_.assign(static_cast<size_t>(n) * kWords, 0);
  start_.assign(kBits + 2, n);
  for (int64_t r = n - 1; r >= 0; --r) {
    const auto i = static_cast<size_t>(order[static_cast<size_t>(r)]);
    std::copy(words_.begin() + static_cast<std::ptrdiff_t>(i * kWords),
              words_.begin() + static_cast<std::ptrdiff_t>((i + 1) * kWords),
              sorted_words_.begin() + static_cast<std::ptrdiff_t>(r) * kWords);
    start_[static_cast<size_t>(popcounts_[i])] = r;
  }
  for (int p = kBits; p >= 0; --p)
    start_[static_cast<size_t>(p)] = std::min(start_[static_cast<size_t>(p)], start_[static_cast<size_t>(p) + 1]);
}

double ApplicabilityDomain::max_similarity(const chem::PackedFingerprint& fp) const {
  return per_target_.empty() ? search(fp) : all_similarities(fp)[0];
}

double ApplicabilityDomain::search(const chem::PackedFingerprint& fp) const {
  if (size_ == 0 || fp.empty()) return 0.0;
  MOLPROP_CHECK(fp.size() == kWords,
                "applicability domain: fingerprint has " << fp.size() << " words, expected " << kWords);
  MOLPROP_CHECK(start_.size() == kBits + 2, "applicability domain: search index not built");
  const int a = chem::popcount(fp);
  if (a == 0) {
    // Tanimoto of two empty fingerprints is 1; of an empty and a non-empty one, 0.
    return start_[1] > 0 ? 1.0 : 0.0;
  }
  // The best Tanimoto so far as the fraction best_num / best_den (compared exactly in
  // integers, so no division per row), and as a double for the bounds.
  int64_t best_num = 0, best_den = 1;
  double best = 0.0;
  // Scans the rows with popcount b, a block at a time: the AND-popcounts of a block in one
  // call (chem::and_popcounts, AVX-512 where the CPU has it), then the comparisons.
  constexpr int64_t kBlock = 256;
  int32_t both[kBlock];
  auto scan = [&](int b) {
    const int64_t first = start_[static_cast<size_t>(b)], last = start_[static_cast<size_t>(b) + 1];
    for (int64_t r0 = first; r0 < last; r0 += kBlock) {
      const int64_t n = std::min(kBlock, last - r0);
      chem::and_popcounts(fp.data(), sorted_words_.data() + r0 * static_cast<int64_t>(kWords), kWords,
                          static_cast<size_t>(n), both);
      for (int64_t k = 0; k < n; ++k) {
        const int64_t num = both[k], den = a + b - both[k];
        if (num * best_den > best_num * den) {
          best_num = num;
          best_den = den;
        }
      }
    }
    best = static_cast<double>(best_num) / static_cast<double>(best_den);
  };
  // Popcounts b visited by decreasing bound min(a,b)/max(a,b): b = a, then the better of
  // the next one below (b/a) and above (a/b).
  scan(a);
  int lo = a - 1, hi = a + 1;
  while (lo >= 0 || hi <= kBits) {
    const double bound_lo = lo >= 1 ? static_cast<double>(lo) / a : (lo == 0 ? 0.0 : -1.0);
    const double bound_hi = hi <= kBits ? static_cast<double>(a) / hi : -1.0;
    const bool take_lo = bound_lo >= bound_hi;
    const double bound = take_lo ? bound_lo : bound_hi;
    if (bound <= best) break;
    if (take_lo) {
      scan(lo--);
    } else {
      scan(hi++);
    }
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
  std::optional<h5::Appender<uint8_t>> rows, flags;
  try {
    file.emplace(out.temp_path(), H5F_ACC_TRUNC);
    root.emplace(file->openGroup("/"));
    h5::write_attr(*root, "format", std::string(kMagic));
    h5::write_attr(*root, "format_version", kVersion);
    h5::write_attr(*root, "fingerprint", std::string("morgan radius=2 bits=2048 (ECFP4), RDKit default invariants"));
    h5::write_attr(*root, "threshold", threshold_);
    h5::write_attr(*root, "num_molecules", static_cast<int64_t>(size_));
    // Row i: bytes of fingerprint i, byte j holding bits 8j..8j+7 (least significant first).
    rows.emplace(*root, "fingerprints", kBytes, 1024, 6);
    std::vector<uint8_t> bytes(kBytes);
    for (size_t i = 0; i < size_; ++i) {
      const uint64_t* fp = words_.data() + i * kWords;
      for (size_t j = 0; j < kBytes; ++j) bytes[j] = static_cast<uint8_t>(fp[j / 8] >> (8 * (j % 8)));
      rows->append(bytes.data(), 1);
    }
    rows->flush();
    if (!target_names_.empty()) {
      // Row i, column t: 1 when training molecule i has target t's label.
      h5::write_attr(*root, "target_names", nlohmann::json(target_names_).dump());
      if (!label_min_.empty()) {
        h5::write_attr(*root, "label_min", nlohmann::json(label_min_).dump());
        h5::write_attr(*root, "label_max", nlohmann::json(label_max_).dump());
      }
      flags.emplace(*root, "labelled", target_names_.size(), 1024, 6);
      std::vector<uint8_t> row(target_names_.size());
      for (size_t i = 0; i < size_; ++i) {
        for (size_t k = 0; k < row.size(); ++k) row[k] = labelled_[i * row.size() + k] ? 1 : 0;
        flags->append(row.data(), 1);
      }
      flags->flush();
    }
    file->flush(H5F_SCOPE_GLOBAL);  // everything on disk while every handle is open
    if (flags) flags->close();
    flags.reset();
    rows->close();
    rows.reset();
    root->close();
    root.reset();
    file->close();
    file.reset();
  } catch (const H5::Exception& e) {
    if (flags) flags->abandon();
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
    {
      std::vector<uint8_t> bytes;
      if (rows > 0) h5::read_rows(ds, 0, rows, bytes);
      d.words_.reserve(rows * kWords);
      d.popcounts_.reserve(rows);
      uint64_t fp[kWords];
      for (hsize_t i = 0; i < rows; ++i) {
        std::fill(fp, fp + kWords, 0);
        for (size_t j = 0; j < kBytes; ++j) fp[j / 8] |= static_cast<uint64_t>(bytes[i * kBytes + j]) << (8 * (j % 8));
        d.add(fp);
      }
    }
    if (!h5::has_attr(root, "target_names")) {
      d.build_index();
    } else {
      try {
        d.target_names_ = nlohmann::json::parse(h5::read_string_attr(root, "target_names")).get<std::vector<std::string>>();
      } catch (const nlohmann::json::exception&) {
        throw Error(path + ": target_names is not a JSON list of names");
      }
      H5::DataSet flags = file.openDataSet("labelled");
      const auto [flag_rows, flag_cols] = h5::shape(flags);
      if (flag_rows != rows || flag_cols != d.target_names_.size()) {
        throw Error(path + ": labelled is " + std::to_string(flag_rows) + " × " + std::to_string(flag_cols) +
                    ", expected " + std::to_string(rows) + " × " + std::to_string(d.target_names_.size()));
      }
      std::vector<uint8_t> flag_bytes;
      if (rows > 0) h5::read_rows(flags, 0, rows, flag_bytes);
      d.labelled_.assign(flag_bytes.begin(), flag_bytes.end());
      d.build_targets();
      if (h5::has_attr(root, "label_min") && h5::has_attr(root, "label_max")) {
        try {
          // null (no label of a target) reads as NaN.
          auto values = [&](const char* name) {
            std::vector<double> out;
            for (const auto& v : nlohmann::json::parse(h5::read_string_attr(root, name))) {
              out.push_back(v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN());
            }
            return out;
          };
          d.set_label_ranges(values("label_min"), values("label_max"));
        } catch (const nlohmann::json::exception&) {
          throw Error(path + ": label_min / label_max are not JSON lists of numbers");
        } catch (const Error& e) {
          throw Error(path + ": " + e.what());
        }
      }
    }
  } catch (const H5::Exception& e) {
    throw Error(path + ": cannot read applicability domain (" + e.getDetailMsg() + ")");
  }
  return d;
}

}  // namespace molprop::checkpoint
