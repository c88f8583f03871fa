#include "data/graph_dataset.h"

#include <H5Cpp.h>

#include <algorithm>
#include <limits>
#include <list>
#include <mutex>
#include <unordered_map>

#include "chem/features.h"
#include "chem/parse.h"
#include "chem/scaffold.h"
#include "core/check.h"
#include "core/rng.h"
#include "data/dataset_file.h"
#include "data/dataset_format.h"
#include "data/h5_util.h"

namespace molprop::data {
namespace fmt = format;

struct GraphDataset::Impl : DatasetFile {
  GraphDatasetOptions options;
  int64_t shard_begin = 0, shard_end = 0;  // file-wide molecule range of this shard
  int64_t block_size = 0;
  bool in_memory = false;
  std::list<std::pair<int64_t, std::shared_ptr<const Block>>> cache;  // most recent first
  std::mutex mutex;                                                   // serial HDF5 is not thread-safe

  // Block holding shard-local molecule i (caller holds the mutex).
  std::shared_ptr<const Block> block_of(int64_t i) {
    const int64_t id = i / block_size;
    for (auto it = cache.begin(); it != cache.end(); ++it) {
      if (it->first == id) {
        cache.splice(cache.begin(), cache, it);
        return cache.front().second;
      }
    }
    const int64_t first = shard_begin + id * block_size;
    const int64_t count = std::min(block_size, shard_end - first);
    std::shared_ptr<const Block> b;
    try {
      b = load(first, count);
    } catch (const H5::Exception& e) {
      fail("read failed in molecules " + std::to_string(first) + ".." + std::to_string(first + count - 1) +
           " (corrupted file?): " + e.getDetailMsg());
    }
    cache.emplace_front(id, b);
    const size_t capacity = in_memory ? 1 : static_cast<size_t>(std::max(1, options.cache_blocks));
    while (cache.size() > capacity) cache.pop_back();
    return b;
  }

  // Runs f, turning HDF5's exceptions (a damaged file) into one Error naming the file and
  // what was being read.
  template <typename F>
  auto guarded(const char* what, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const H5::Exception& e) {
      fail(std::string("cannot read ") + what + " (corrupted file?): HDF5 " + e.getFuncName() + ": " +
           e.getDetailMsg());
    }
  }

  void check_index(int64_t i) const {
    MOLPROP_CHECK(i >= 0 && i < shard_end - shard_begin,
                  "molecule index " << i << " out of range [0, " << shard_end - shard_begin << ")");
  }
};

GraphDataset::GraphDataset(const std::string& path, GraphDatasetOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.options = options;
  MOLPROP_CHECK(options.world_size >= 1 && options.rank >= 0 && options.rank < options.world_size,
                "invalid shard rank " << options.rank << " of world size " << options.world_size);
  MOLPROP_CHECK(options.block_size >= 1, "block_size must be ≥ 1");
  try {
    m.open(path);
  } catch (const H5::Exception& e) {
    m.fail("cannot read (" + e.getDetailMsg() + ")");
  } catch (const Error& e) {
    // Errors from the attribute helpers do not know the file; every open error must.
    const std::string what = e.what();
    if (what.rfind(path + ": ", 0) == 0) throw;
    m.fail(what);
  }
  const int64_t n = m.info.num_molecules;
  m.shard_begin = n * options.rank / options.world_size;
  m.shard_end = n * (options.rank + 1) / options.world_size;
  const int64_t shard_atoms = n > 0 ? m.info.num_atoms * (m.shard_end - m.shard_begin) / n : 0;
  using Mode = GraphDatasetOptions::Mode;
  m.in_memory =
      options.mode == Mode::kInMemory || (options.mode == Mode::kAuto && shard_atoms <= options.max_in_memory_atoms);
  m.block_size = m.in_memory ? std::max<int64_t>(1, m.shard_end - m.shard_begin) : options.block_size;
  if (m.in_memory && m.shard_end > m.shard_begin) {
    std::lock_guard<std::mutex> lock(m.mutex);
    m.block_of(0);  // read (and validate) everything now
  }
}

GraphDataset::~GraphDataset() = default;
GraphDataset::GraphDataset(GraphDataset&&) noexcept = default;
GraphDataset& GraphDataset::operator=(GraphDataset&&) noexcept = default;

const DatasetInfo& GraphDataset::info() const { return impl_->info; }
bool GraphDataset::in_memory() const { return impl_->in_memory; }
int64_t GraphDataset::size() const { return impl_->shard_end - impl_->shard_begin; }
int64_t GraphDataset::global_index(int64_t i) const {
  impl_->check_index(i);
  return impl_->shard_begin + i;
}

chem::MolGraph GraphDataset::graph(int64_t i) {
  impl_->check_index(i);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto b = impl_->block_of(i);
  const int64_t m = impl_->shard_begin + i - b->first;
  const int64_t a0 = b->atom_ptr[m] - b->atom_ptr[0], a1 = b->atom_ptr[m + 1] - b->atom_ptr[0];
  const int64_t e0 = b->bond_ptr[m] - b->bond_ptr[0], e1 = b->bond_ptr[m + 1] - b->bond_ptr[0];
  chem::MolGraph g;
  g.num_atoms = static_cast<int32_t>(a1 - a0);
  g.atom_features.assign(b->atom_features.begin() + a0 * chem::kNumAtomFeatures,
                         b->atom_features.begin() + a1 * chem::kNumAtomFeatures);
  g.edge_index.assign(b->bond_index.begin() + e0 * 2, b->bond_index.begin() + e1 * 2);
  g.bond_features.assign(b->bond_features.begin() + e0 * chem::kNumBondFeatures,
                         b->bond_features.begin() + e1 * chem::kNumBondFeatures);
  return g;
}

std::string GraphDataset::smiles(int64_t i) {
  const int64_t g = global_index(i);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<std::string> out;
  impl_->guarded("smiles", [&] { h5::read_strings(impl_->smiles, g, 1, out); });
  return out[0];
}

int64_t GraphDataset::row(int64_t i) {
  const int64_t g = global_index(i);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<int64_t> out;
  impl_->guarded("row", [&] { h5::read_rows(impl_->row, g, 1, out); });
  return out[0];
}

std::vector<float> GraphDataset::targets(int64_t i) {
  impl_->check_index(i);
  const size_t t = impl_->info.target_names.size();
  if (t == 0) return {};
  std::lock_guard<std::mutex> lock(impl_->mutex);
  auto b = impl_->block_of(i);
  const int64_t m = impl_->shard_begin + i - b->first;
  return {b->targets.begin() + m * t, b->targets.begin() + (m + 1) * t};
}

std::vector<float> GraphDataset::all_targets() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<float> out;
  if (!impl_->info.target_names.empty())
    impl_->guarded("targets", [&] { h5::read_rows(impl_->targets, impl_->shard_begin, size(), out); });
  return out;
}

std::vector<float> GraphDataset::all_descriptors() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<float> out;
  if (!impl_->info.descriptor_names.empty())
    impl_->guarded("descriptors", [&] { h5::read_rows(impl_->descriptors, impl_->shard_begin, size(), out); });
  return out;
}

std::vector<int32_t> GraphDataset::scaffold_ids() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<int32_t> ids;
  if (impl_->info.has_scaffolds) {
    impl_->guarded("scaffold_id", [&] { h5::read_rows(impl_->scaffold_id, impl_->shard_begin, size(), ids); });
    return ids;
  }
  // No stored scaffolds: compute them from the SMILES, streaming in blocks.
  std::unordered_map<std::string, int32_t> table;
  std::vector<std::string> smiles;
  ids.reserve(size());
  // Stored scaffolds come from the standardised molecule when the file was written with
  // --standardize; compute them the same way.
  chem::ParseOptions parse_options;
  parse_options.standardize = impl_->info.standardized;
  // Stored SMILES passed the limits they were featurised with, which may exceed the defaults.
  parse_options.max_smiles_length = std::numeric_limits<int>::max();
  parse_options.max_atoms = std::numeric_limits<int>::max();
  for (int64_t first = 0; first < size(); first += 4096) {
    const int64_t count = std::min<int64_t>(4096, size() - first);
    impl_->guarded("smiles", [&] { h5::read_strings(impl_->smiles, impl_->shard_begin + first, count, smiles); });
    for (const auto& s : smiles) {
      chem::ParsedMol p = chem::parse_smiles(s, parse_options);
      // A stored SMILES parsed when the file was written; if it fails now, it is its
      // own group rather than an error.
      std::string key = p.ok() ? chem::murcko_scaffold(*p.mol) : "!" + s;
      auto it = table.emplace(std::move(key), static_cast<int32_t>(table.size())).first;
      ids.push_back(it->second);
    }
  }
  return ids;
}

std::vector<FailureRecord> GraphDataset::failures() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<FailureRecord> out;
  impl_->guarded("failures", [&] {
    if (!impl_->file.nameExists("failures/row")) return;
    H5::DataSet rows = impl_->file.openDataSet(fmt::kFailureRow);
    H5::DataSet smiles = impl_->file.openDataSet(fmt::kFailureSmiles);
    H5::DataSet reasons = impl_->file.openDataSet(fmt::kFailureReason);
    const hsize_t n = h5::shape(rows).first;
    if (h5::shape(smiles).first != n || h5::shape(reasons).first != n) {
      impl_->fail("the failures/ datasets have different lengths (corrupted?)");
    }
    std::vector<int64_t> r;
    std::vector<std::string> s, why;
    h5::read_rows(rows, 0, n, r);
    h5::read_strings(smiles, 0, n, s);
    h5::read_strings(reasons, 0, n, why);
    for (hsize_t k = 0; k < n; ++k) out.push_back({r[k], s[k], why[k]});
  });
  return out;
}

std::vector<int32_t> GraphDataset::atom_counts() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  std::vector<int32_t> counts;
  counts.reserve(size());
  std::vector<int64_t> ptr;
  for (int64_t first = 0; first < size(); first += 65536) {
    const int64_t count = std::min<int64_t>(65536, size() - first);
    impl_->guarded("atom_ptr", [&] { h5::read_rows(impl_->atom_ptr, impl_->shard_begin + first, count + 1, ptr); });
    // The counts index histograms: a corrupted offset must fail here, not overflow there.
    impl_->check_offsets(ptr, impl_->info.num_atoms, fmt::kAtomPtr, impl_->shard_begin + first);
    for (int64_t k = 0; k < count; ++k) counts.push_back(static_cast<int32_t>(ptr[k + 1] - ptr[k]));
  }
  return counts;
}

void GraphDataset::validate_all() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mutex);
  for (int64_t i = 0; i < size(); i += m.block_size) m.block_of(i);
}

void GraphDataset::collate(const std::vector<int64_t>& indices, Batch& out) {
  Impl& m = *impl_;
  out.clear();
  const int64_t t = static_cast<int64_t>(m.info.target_names.size());
  const int64_t d = static_cast<int64_t>(m.info.descriptor_names.size());
  out.num_targets = t;
  out.num_descriptors = d;
  const int64_t na = static_cast<int64_t>(m.info.atom_target_names.size());  // atom targets per atom
  out.num_atom_targets = na;
  out.atom_ptr.push_back(0);
  std::lock_guard<std::mutex> lock(m.mutex);
  for (int64_t i : indices) {
    m.check_index(i);
    auto b = m.block_of(i);
    const int64_t k = m.shard_begin + i - b->first;
    const int64_t a0 = b->atom_ptr[k] - b->atom_ptr[0], a1 = b->atom_ptr[k + 1] - b->atom_ptr[0];
    const int64_t e0 = b->bond_ptr[k] - b->bond_ptr[0], e1 = b->bond_ptr[k + 1] - b->bond_ptr[0];
    const auto shift = static_cast<int32_t>(out.num_atoms);
    const auto mol = static_cast<int32_t>(out.num_molecules);
    out.atom_features.insert(out.atom_features.end(), b->atom_features.begin() + a0 * chem::kNumAtomFeatures,
                             b->atom_features.begin() + a1 * chem::kNumAtomFeatures);
    out.bond_features.insert(out.bond_features.end(), b->bond_features.begin() + e0 * chem::kNumBondFeatures,
                             b->bond_features.begin() + e1 * chem::kNumBondFeatures);
    for (int64_t e = e0 * 2; e < e1 * 2; ++e) out.edge_index.push_back(b->bond_index[e] + shift);
    out.atom_to_mol.insert(out.atom_to_mol.end(), a1 - a0, mol);
    if (t > 0) out.targets.insert(out.targets.end(), b->targets.begin() + k * t, b->targets.begin() + (k + 1) * t);
    if (d > 0)
      out.descriptors.insert(out.descriptors.end(), b->descriptors.begin() + k * d,
                             b->descriptors.begin() + (k + 1) * d);
    if (na > 0)
      out.atom_targets.insert(out.atom_targets.end(), b->atom_targets.begin() + a0 * na,
                              b->atom_targets.begin() + a1 * na);
    out.num_atoms += a1 - a0;
    out.num_edges += e1 - e0;
    out.atom_ptr.push_back(out.num_atoms);
    out.indices.push_back(i);
    ++out.num_molecules;
  }
}

std::vector<int64_t> GraphDataset::epoch_order(uint64_t seed, int64_t epoch) const {
  const int64_t n = size();
  core::Rng rng(core::mix_seed(seed, static_cast<uint64_t>(epoch)));
  std::vector<int64_t> order;
  order.reserve(n);
  if (impl_->in_memory) {
    for (int64_t i = 0; i < n; ++i) order.push_back(i);
    core::shuffle(order, rng);
    return order;
  }
  const int64_t bs = impl_->block_size;
  std::vector<int64_t> blocks;
  for (int64_t b = 0; b * bs < n; ++b) blocks.push_back(b);
  core::shuffle(blocks, rng);
  std::vector<int64_t> inner;
  for (int64_t b : blocks) {
    inner.clear();
    for (int64_t i = b * bs; i < std::min(n, (b + 1) * bs); ++i) inner.push_back(i);
    core::shuffle(inner, rng);
    order.insert(order.end(), inner.begin(), inner.end());
  }
  return order;
}

}  // namespace molprop::data
