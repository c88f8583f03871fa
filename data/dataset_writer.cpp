#include "data/dataset_writer.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "chem/features.h"
#include "core/atomic_file.h"
#include "core/check.h"
#include "data/dataset_format.h"
#include "data/h5_util.h"

namespace molprop::data {
namespace fmt = format;

namespace {
constexpr hsize_t kMolChunk = 16384;   // rows per chunk of per-molecule datasets
constexpr hsize_t kAtomChunk = 65536;  // rows per chunk of per-atom / per-edge datasets
constexpr hsize_t kStringChunk = 4096;
constexpr int64_t kFlushEvery = 8192;  // molecules buffered before a write
}  // namespace

struct DatasetWriter::Impl {
  explicit Impl(const std::string& path) : out(path) {}
  // Declared before the HDF5 handles, so an unfinished writer closes them before the
  // temporary file is removed.
  core::AtomicFile out;
  DatasetWriterOptions options;
  // optional: HDF5's C++ handles are not safely copy-assignable, so construct in place.
  std::optional<H5::H5File> file;
  std::optional<H5::Group> root;
  std::optional<H5::Group> failures;
  std::optional<h5::StringAppender> smiles;
  std::optional<h5::Appender<int64_t>> row, atom_ptr, bond_ptr;
  std::optional<h5::Appender<uint8_t>> atom_features, bond_features;
  std::optional<h5::Appender<int32_t>> bond_index, scaffold_id;
  std::optional<h5::Appender<float>> targets, descriptors, atom_targets;
  std::optional<h5::Appender<int64_t>> failure_row;
  std::optional<h5::StringAppender> failure_smiles, failure_reason;
  std::unordered_map<std::string, int32_t> scaffold_ids;
  std::vector<std::string> scaffold_table;
  int64_t num_molecules = 0, num_atoms = 0, num_edges = 0, num_failures = 0;
  int64_t pending = 0;
  bool finished = false;
  bool broken = false;  // an HDF5 call failed: the file is abandoned, never closed again

  // Runs f; an HDF5 failure (a full disk, a quota, an I/O error) becomes one Error naming
  // the output, and marks the writer broken.
  template <typename F>
  void guard(const char* what, F&& f) {
    MOLPROP_CHECK(!broken, out.path() << ": DatasetWriter used after a failed write");
    try {
      f();
    } catch (const H5::Exception& e) {
      broken = true;
      abandon();
      throw Error(out.path() + ": cannot write dataset: " + what + " failed (disk full?); HDF5 " + e.getFuncName() +
                  ": " + e.getDetailMsg());
    }
  }

  // Lets go of every handle without closing it (h5::abandon): a failed file is never
  // touched again (closing it would flush, fail again, print from every destructor, and
  // leave HDF5 to crash on it at exit). ~AtomicFile removes the temporary. Never throws.
  void abandon() noexcept {
    for_each_handle([](auto& handle) { h5::abandon_and_reset(handle); });
  }

  // f(handle) for every optional HDF5 handle, datasets first, the file last.
  template <typename F>
  void for_each_handle(F&& f) {
    f(smiles);
    f(row);
    f(atom_ptr);
    f(bond_ptr);
    f(atom_features);
    f(bond_features);
    f(bond_index);
    f(scaffold_id);
    f(targets);
    f(descriptors);
    f(atom_targets);
    f(failure_row);
    f(failure_smiles);
    f(failure_reason);
    f(failures);
    f(root);
    f(file);
  }

  void create_datasets();
  // The scaffold table and the attributes, then every handle closed: the file complete.
  void write_tail(int64_t num_rows);

  void flush_all() {
    smiles->flush();
    row->flush();
    atom_ptr->flush();
    bond_ptr->flush();
    atom_features->flush();
    bond_features->flush();
    bond_index->flush();
    if (scaffold_id) scaffold_id->flush();
    if (targets) targets->flush();
    if (descriptors) descriptors->flush();
    if (atom_targets) atom_targets->flush();
    failure_row->flush();
    failure_smiles->flush();
    failure_reason->flush();
    pending = 0;
  }

  // HDF5 keeps a file open while any dataset in it is open, so release every handle
  // before closing: only then is the file complete on disk and safe to commit.
  // Closes every handle, datasets first: only then is the file complete on disk. Throws
  // H5::Exception at the first that fails (the caller abandons the rest).
  void close_all() {
    for_each_handle([](auto& handle) {
      if (!handle) return;
      handle->close();
      handle.reset();
    });
  }
};

DatasetWriter::DatasetWriter(const std::string& path, DatasetWriterOptions options)
    : impl_(std::make_unique<Impl>(path)) {
  h5::silence_errors();
  Impl& m = *impl_;
  m.options = std::move(options);
  try {
    m.file.emplace(m.out.temp_path(), H5F_ACC_TRUNC);
  } catch (const H5::Exception&) {
    throw Error(path + ": cannot create output file (does the folder exist and is it writable?)");
  }
  m.guard("creating the datasets", [&] { m.create_datasets(); });
}

void DatasetWriter::Impl::create_datasets() {
  Impl& m = *this;
  const int level = m.options.compression_level;
  m.root.emplace(m.file->openGroup("/"));
  m.failures.emplace(m.file->createGroup("failures"));
  m.smiles.emplace(*m.root, fmt::kSmiles, kStringChunk, level);
  m.row.emplace(*m.root, fmt::kRow, 0, kMolChunk, level);
  m.atom_ptr.emplace(*m.root, fmt::kAtomPtr, 0, kMolChunk, level);
  m.bond_ptr.emplace(*m.root, fmt::kBondPtr, 0, kMolChunk, level);
  m.atom_features.emplace(*m.root, fmt::kAtomFeatures, chem::kNumAtomFeatures, kAtomChunk, level);
  m.bond_index.emplace(*m.root, fmt::kBondIndex, 2, kAtomChunk, level);
  m.bond_features.emplace(*m.root, fmt::kBondFeatures, chem::kNumBondFeatures, kAtomChunk, level);
  const hsize_t t = m.options.target_names.size();
  if (t > 0) m.targets.emplace(*m.root, fmt::kTargets, t, kMolChunk, level);
  const hsize_t d = m.options.descriptor_names.size();
  if (d > 0) m.descriptors.emplace(*m.root, fmt::kDescriptors, d, 1024, level);
  const hsize_t k = m.options.atom_target_names.size();
  if (k > 0) m.atom_targets.emplace(*m.root, fmt::kAtomTargets, k, kAtomChunk, level);
  if (m.options.scaffolds) m.scaffold_id.emplace(*m.root, fmt::kScaffoldId, 0, kMolChunk, level);
  m.failure_row.emplace(*m.failures, "row", 0, kMolChunk, level);
  m.failure_smiles.emplace(*m.failures, "smiles", kStringChunk, level);
  m.failure_reason.emplace(*m.failures, "reason", kStringChunk, level);
  const int64_t zero = 0;
  m.atom_ptr->append(&zero, 1);
  m.bond_ptr->append(&zero, 1);
}

DatasetWriter::~DatasetWriter() {
  // Unfinished (an exception elsewhere): close what is open; a broken writer has let go of
  // its handles already. ~Impl removes the temporary file.
  if (!impl_ || impl_->finished || impl_->broken) return;
  try {
    impl_->close_all();
  } catch (...) {
    impl_->abandon();
  }
}

void DatasetWriter::add(int64_t row, const std::string& smiles, const chem::FeaturizedMol& mol, const float* targets) {
  Impl& m = *impl_;
  const chem::MolGraph& g = mol.graph;
  m.smiles->append(smiles);
  m.row->append(&row, 1);
  m.atom_features->append(g.atom_features.data(), static_cast<size_t>(g.num_atoms));
  m.bond_index->append(g.edge_index.data(), static_cast<size_t>(g.num_edges()));
  m.bond_features->append(g.bond_features.data(), static_cast<size_t>(g.num_edges()));
  m.num_atoms += g.num_atoms;
  m.num_edges += g.num_edges();
  m.atom_ptr->append(&m.num_atoms, 1);
  m.bond_ptr->append(&m.num_edges, 1);
  if (m.targets) m.targets->append(targets, 1);
  if (m.descriptors) {
    MOLPROP_CHECK(mol.descriptors.size() == m.options.descriptor_names.size(),
                  "molecule has " << mol.descriptors.size() << " descriptors, dataset expects "
                                  << m.options.descriptor_names.size());
    m.descriptors->append(mol.descriptors.data(), 1);
  }
  if (m.atom_targets) {
    const size_t k = m.options.atom_target_names.size();
    MOLPROP_CHECK(mol.atom_targets.size() == static_cast<size_t>(g.num_atoms) * k,
                  "molecule has " << mol.atom_targets.size() << " atom target values, dataset expects " << g.num_atoms
                                  << " atoms × " << k);
    m.atom_targets->append(mol.atom_targets.data(), static_cast<size_t>(g.num_atoms));
  }
  if (m.scaffold_id) {
    auto [it, inserted] = m.scaffold_ids.emplace(mol.scaffold, static_cast<int32_t>(m.scaffold_table.size()));
    if (inserted) m.scaffold_table.push_back(mol.scaffold);
    m.scaffold_id->append(&it->second, 1);
  }
  ++m.num_molecules;
  if (++m.pending >= kFlushEvery) m.guard("writing molecules", [&] { m.flush_all(); });
}

void DatasetWriter::add_failure(int64_t row, const std::string& smiles, const std::string& reason) {
  Impl& m = *impl_;
  m.failure_row->append(&row, 1);
  m.failure_smiles->append(smiles);
  m.failure_reason->append(reason);
  ++m.num_failures;
  if (++m.pending >= kFlushEvery) m.guard("writing molecules", [&] { m.flush_all(); });
}

void DatasetWriter::finish(int64_t num_rows) {
  Impl& m = *impl_;
  MOLPROP_CHECK(!m.finished, "DatasetWriter::finish called twice");
  m.guard("writing molecules", [&] { m.flush_all(); });
  m.guard("finishing the file", [&] { m.write_tail(num_rows); });
  m.out.commit();
  m.finished = true;
}

void DatasetWriter::Impl::write_tail(int64_t num_rows) {
  Impl& m = *this;
  if (m.scaffold_id) {
    h5::StringAppender table(*m.root, fmt::kScaffoldSmiles, kStringChunk, m.options.compression_level);
    try {
      for (const auto& s : m.scaffold_table) table.append(s);
      table.flush();
      table.close();
    } catch (const H5::Exception&) {
      table.abandon();  // its destructor must not try the failed file again
      throw;
    }
  }
  h5::write_attr(*m.root, fmt::kAttrFormat, std::string(fmt::kMagic));
  h5::write_attr(*m.root, fmt::kAttrFormatVersion, int64_t{fmt::kFormatVersion});
  h5::write_attr(*m.root, fmt::kAttrFormatMinorVersion, int64_t{fmt::kFormatMinorVersion});
  h5::write_attr(*m.root, fmt::kAttrFeaturizerVersion, int64_t{chem::kFeaturizerVersion});
  h5::write_attr(*m.root, fmt::kAttrVocabulary, chem::vocabulary_signature());
  h5::write_attr(*m.root, fmt::kAttrTargetNames, nlohmann::json(m.options.target_names).dump());
  h5::write_attr(*m.root, fmt::kAttrDescriptorNames, nlohmann::json(m.options.descriptor_names).dump());
  if (!m.options.descriptor_set.empty()) h5::write_attr(*m.root, fmt::kAttrDescriptorSet, m.options.descriptor_set);
  if (m.atom_targets) {
    h5::write_attr(*m.root, fmt::kAttrAtomTargetNames, nlohmann::json(m.options.atom_target_names).dump());
  }
  h5::write_attr(*m.root, fmt::kAttrSourceFile, m.options.source_file);
  h5::write_attr(*m.root, fmt::kAttrSourceSha256, m.options.source_sha256);
  h5::write_attr(*m.root, fmt::kAttrNumMolecules, m.num_molecules);
  h5::write_attr(*m.root, fmt::kAttrNumAtoms, m.num_atoms);
  h5::write_attr(*m.root, fmt::kAttrNumEdges, m.num_edges);
  h5::write_attr(*m.root, fmt::kAttrNumRows, num_rows);
  h5::write_attr(*m.root, fmt::kAttrNumFailed, m.num_failures);
  h5::write_attr(*m.root, fmt::kAttrStandardized, int64_t{m.options.standardized ? 1 : 0});
  h5::write_attr(*m.root, fmt::kAttrCreator, std::string("molprop"));
  // Everything reaches the disk here, while every handle is still open: a full disk fails
  // this flush, and the handles are then abandoned rather than closed (a failed close
  // leaves HDF5 1.10 with a half-closed object it crashes on at exit).
  m.file->flush(H5F_SCOPE_GLOBAL);
  m.close_all();
}

int64_t DatasetWriter::num_molecules() const { return impl_->num_molecules; }
int64_t DatasetWriter::num_failures() const { return impl_->num_failures; }

}  // namespace molprop::data
