// DatasetWriter → GraphDataset round trip, batching, epochs, shards and open errors.
#include <H5Cpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "chem/descriptors.h"
#include "chem/features.h"
#include "chem/featurizer.h"
#include "core/check.h"
#include "data/dataset_format.h"
#include "data/dataset_writer.h"
#include "data/graph_dataset.h"

namespace molprop::data {
namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;
using Mode = GraphDatasetOptions::Mode;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
const std::vector<std::string> kTargetNames = {"logS", "pIC50"};

// Small, varied molecules: a single atom (no edges), disconnected ions, stereo, rings
// sharing scaffolds (benzene, cyclohexane) and acyclic ones (empty scaffold).
const std::vector<std::string> kSmiles = {"CCO",
                                          "c1ccccc1",
                                          "Cc1ccccc1",
                                          "C",
                                          "CC(=O)O",
                                          "c1ccc2ccccc2c1",
                                          "Oc1ccccc1",
                                          "C1CCCCC1",
                                          "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
                                          "[Na+].[Cl-]",
                                          "C/C=C/C",
                                          "N[C@@H](C)C(=O)O",
                                          "c1ccncc1",
                                          "O=C(O)c1ccccc1",
                                          "CCN(CC)CC",
                                          "C1CCNCC1",
                                          "c1ccc(cc1)-c1ccccc1",
                                          "CC#N",
                                          "OC1CCCCC1",
                                          "Clc1ccc(Cl)cc1"};
constexpr int64_t kN = 20;

// Input rows 1..22; rows 5 and 13 are the failures, the molecules take the others.
constexpr int64_t kNumRows = 22;
const std::vector<FailureRecord> kFailures = {
    {5, "C1CC", "SMILES Parse Error: unclosed ring for input: 'C1CC'"},
    {13, "C(C)(C)(C)(C)C", "Explicit valence for atom # 0 C, 5, is greater than permitted"}};

int64_t row_of(int64_t i) { return i + 1 + (i + 1 >= 5 ? 1 : 0) + (i + 2 >= 13 ? 1 : 0); }

std::vector<float> targets_of(int64_t i) {
  std::vector<float> t = {0.5f * static_cast<float>(i) - 3.0f, i % 3 == 0 ? kNaN : 1.25f * static_cast<float>(i)};
  if (i == 4) t = {kNaN, kNaN};
  return t;
}

const std::vector<chem::FeaturizedMol>& mols() {
  static const std::vector<chem::FeaturizedMol> all = [] {
    chem::FeaturizeOptions options;
    options.descriptors = true;
    options.scaffold = true;
    std::vector<chem::FeaturizedMol> out;
    for (const auto& s : kSmiles) {
      out.push_back(chem::featurize_smiles(s, options));
      EXPECT_TRUE(out.back().ok()) << s << ": " << out.back().error;
    }
    return out;
  }();
  return all;
}

// A fresh, empty folder per test.
std::string temp_dir() {
  const auto* test = testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::path(testing::TempDir()) / (std::string("molprop_ds_") + test->test_suite_name() + "_" +
                                                       test->name() + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

DatasetWriterOptions writer_options(bool scaffolds) {
  DatasetWriterOptions o;
  o.target_names = kTargetNames;
  o.descriptor_names = chem::descriptor_names();
  o.scaffolds = scaffolds;
  o.source_file = "synthetic.csv";
  o.source_sha256 = std::string(64, 'a');
  o.compression_level = 4;
  return o;
}

// Writes the 20 molecules and 2 failures in row order.
std::string write_dataset(const std::string& path, bool scaffolds = true) {
  DatasetWriter writer(path, writer_options(scaffolds));
  size_t next_failure = 0;
  for (int64_t i = 0; i < kN; ++i) {
    while (next_failure < kFailures.size() && kFailures[next_failure].row < row_of(i)) {
      const auto& f = kFailures[next_failure++];
      writer.add_failure(f.row, f.smiles, f.reason);
    }
    const std::vector<float> t = targets_of(i);
    writer.add(row_of(i), kSmiles[static_cast<size_t>(i)], mols()[static_cast<size_t>(i)], t.data());
  }
  EXPECT_EQ(writer.num_molecules(), kN);
  EXPECT_EQ(writer.num_failures(), 2);
  writer.finish(kNumRows);
  return path;
}

// Float vectors equal bit for bit (so NaN == NaN).
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

void expect_same_graph(const chem::MolGraph& got, const chem::MolGraph& want, const std::string& what) {
  EXPECT_EQ(got.num_atoms, want.num_atoms) << what;
  EXPECT_EQ(got.atom_features, want.atom_features) << what;
  EXPECT_EQ(got.edge_index, want.edge_index) << what;
  EXPECT_EQ(got.bond_features, want.bond_features) << what;
}

void expect_same_batch(const Batch& a, const Batch& b, const std::string& what) {
  EXPECT_EQ(a.num_molecules, b.num_molecules) << what;
  EXPECT_EQ(a.num_atoms, b.num_atoms) << what;
  EXPECT_EQ(a.num_edges, b.num_edges) << what;
  EXPECT_EQ(a.num_targets, b.num_targets) << what;
  EXPECT_EQ(a.num_descriptors, b.num_descriptors) << what;
  EXPECT_EQ(a.atom_features, b.atom_features) << what;
  EXPECT_EQ(a.edge_index, b.edge_index) << what;
  EXPECT_EQ(a.bond_features, b.bond_features) << what;
  EXPECT_EQ(a.atom_to_mol, b.atom_to_mol) << what;
  EXPECT_EQ(a.atom_ptr, b.atom_ptr) << what;
  EXPECT_TRUE(same_bits(a.targets, b.targets)) << what;
  EXPECT_TRUE(same_bits(a.descriptors, b.descriptors)) << what;
  EXPECT_EQ(a.indices, b.indices) << what;
}

// The batch built by hand from the original graphs: concatenation, edge indices shifted
// by the atoms of the molecules before, atom → molecule owner index.
Batch expected_batch(const std::vector<int64_t>& indices) {
  Batch b;
  b.num_targets = static_cast<int64_t>(kTargetNames.size());
  b.num_descriptors = static_cast<int64_t>(chem::descriptor_names().size());
  b.atom_ptr.push_back(0);
  for (int64_t i : indices) {
    const chem::FeaturizedMol& m = mols()[static_cast<size_t>(i)];
    const chem::MolGraph& g = m.graph;
    b.atom_features.insert(b.atom_features.end(), g.atom_features.begin(), g.atom_features.end());
    b.bond_features.insert(b.bond_features.end(), g.bond_features.begin(), g.bond_features.end());
    for (int32_t a : g.edge_index) b.edge_index.push_back(a + static_cast<int32_t>(b.num_atoms));
    b.atom_to_mol.insert(b.atom_to_mol.end(), static_cast<size_t>(g.num_atoms), static_cast<int32_t>(b.num_molecules));
    const std::vector<float> t = targets_of(i);
    b.targets.insert(b.targets.end(), t.begin(), t.end());
    b.descriptors.insert(b.descriptors.end(), m.descriptors.begin(), m.descriptors.end());
    b.num_atoms += g.num_atoms;
    b.num_edges += g.num_edges();
    b.atom_ptr.push_back(b.num_atoms);
    b.indices.push_back(i);
    ++b.num_molecules;
  }
  return b;
}

// Shape and graph invariants any batch must satisfy.
void expect_batch_invariants(const Batch& b) {
  EXPECT_EQ(b.atom_features.size(), static_cast<size_t>(b.num_atoms * chem::kNumAtomFeatures));
  EXPECT_EQ(b.edge_index.size(), static_cast<size_t>(b.num_edges * 2));
  EXPECT_EQ(b.bond_features.size(), static_cast<size_t>(b.num_edges * chem::kNumBondFeatures));
  EXPECT_EQ(b.atom_to_mol.size(), static_cast<size_t>(b.num_atoms));
  EXPECT_EQ(b.atom_ptr.size(), static_cast<size_t>(b.num_molecules + 1));
  EXPECT_EQ(b.targets.size(), static_cast<size_t>(b.num_molecules * b.num_targets));
  EXPECT_EQ(b.descriptors.size(), static_cast<size_t>(b.num_molecules * b.num_descriptors));
  EXPECT_EQ(b.indices.size(), static_cast<size_t>(b.num_molecules));
  ASSERT_FALSE(b.atom_ptr.empty());
  EXPECT_EQ(b.atom_ptr.front(), 0);
  EXPECT_EQ(b.atom_ptr.back(), b.num_atoms);
  for (int64_t m = 0; m < b.num_molecules; ++m) {
    for (int64_t a = b.atom_ptr[m]; a < b.atom_ptr[m + 1]; ++a) EXPECT_EQ(b.atom_to_mol[a], m);
  }
  ASSERT_EQ(b.num_edges % 2, 0);
  for (int64_t e = 0; e < b.num_edges; ++e) {
    const int64_t r = chem::reverse_edge(static_cast<int32_t>(e));
    EXPECT_EQ(b.edge_index[e * 2], b.edge_index[r * 2 + 1]) << "edge " << e;
    EXPECT_EQ(b.edge_index[e * 2 + 1], b.edge_index[r * 2]) << "edge " << e;
    const int32_t src = b.edge_index[e * 2], dst = b.edge_index[e * 2 + 1];
    ASSERT_GE(src, 0);
    ASSERT_LT(src, b.num_atoms);
    ASSERT_GE(dst, 0);
    ASSERT_LT(dst, b.num_atoms);
    EXPECT_EQ(b.atom_to_mol[src], b.atom_to_mol[dst]) << "edge " << e << " crosses molecules";
    for (int k = 0; k < chem::kNumBondFeatures; ++k) {
      EXPECT_EQ(b.bond_features[e * chem::kNumBondFeatures + k], b.bond_features[r * chem::kNumBondFeatures + k]);
    }
  }
}

GraphDatasetOptions in_memory_options() {
  GraphDatasetOptions o;
  o.mode = Mode::kInMemory;
  return o;
}

GraphDatasetOptions streaming_options() {
  GraphDatasetOptions o;
  o.mode = Mode::kStreaming;
  o.block_size = 3;
  o.cache_blocks = 1;
  return o;
}

// ---------------------------------------------------------------- round trip

TEST(GraphDataset, InfoCountsAndNames) {
  const std::string path = write_dataset(temp_dir() + "/ds.h5");
  GraphDataset ds(path);
  const DatasetInfo& info = ds.info();
  EXPECT_EQ(info.path, path);
  EXPECT_EQ(info.format_version, format::kFormatVersion);
  EXPECT_EQ(info.featurizer_version, chem::kFeaturizerVersion);
  EXPECT_EQ(info.vocabulary, chem::vocabulary_signature());
  EXPECT_EQ(info.target_names, kTargetNames);
  EXPECT_EQ(info.descriptor_names, chem::descriptor_names());
  EXPECT_EQ(info.source_file, "synthetic.csv");
  EXPECT_EQ(info.source_sha256, std::string(64, 'a'));
  EXPECT_EQ(info.num_molecules, kN);
  EXPECT_EQ(info.num_rows, kNumRows);
  EXPECT_EQ(info.num_failed, 2);
  EXPECT_TRUE(info.has_scaffolds);
  EXPECT_FALSE(info.standardized);
  int64_t atoms = 0, edges = 0;
  for (const auto& m : mols()) {
    atoms += m.graph.num_atoms;
    edges += m.graph.num_edges();
  }
  EXPECT_EQ(info.num_atoms, atoms);
  EXPECT_EQ(info.num_edges, edges);
  EXPECT_EQ(ds.size(), kN);
  const std::vector<int32_t> counts = ds.atom_counts();
  ASSERT_EQ(counts.size(), static_cast<size_t>(kN));
  for (int64_t i = 0; i < kN; ++i) EXPECT_EQ(counts[i], mols()[i].graph.num_atoms);
}

TEST(GraphDataset, PerMoleculeAccessReproducesTheInputExactly) {
  const std::string path = write_dataset(temp_dir() + "/ds.h5");
  for (const GraphDatasetOptions& options : {in_memory_options(), streaming_options()}) {
    GraphDataset ds(path, options);
    EXPECT_EQ(ds.in_memory(), options.mode == Mode::kInMemory);
    ASSERT_EQ(ds.size(), kN);
    for (int64_t i = 0; i < kN; ++i) {
      const std::string what = "molecule " + std::to_string(i) + " (" + kSmiles[i] + ")";
      expect_same_graph(ds.graph(i), mols()[i].graph, what);
      EXPECT_EQ(ds.smiles(i), kSmiles[i]) << what;
      EXPECT_EQ(ds.row(i), row_of(i)) << what;
      const std::vector<float> t = ds.targets(i);
      const std::vector<float> want = targets_of(i);
      ASSERT_EQ(t.size(), want.size()) << what;
      for (size_t k = 0; k < t.size(); ++k) {
        EXPECT_EQ(std::isnan(t[k]), std::isnan(want[k])) << what << " target " << k;
        if (!std::isnan(want[k])) {
          EXPECT_EQ(t[k], want[k]) << what << " target " << k;
        }
      }
      EXPECT_EQ(ds.global_index(i), i);
    }
    std::vector<float> all_t, all_d;
    for (int64_t i = 0; i < kN; ++i) {
      const std::vector<float> t = targets_of(i);
      all_t.insert(all_t.end(), t.begin(), t.end());
      all_d.insert(all_d.end(), mols()[i].descriptors.begin(), mols()[i].descriptors.end());
    }
    EXPECT_TRUE(same_bits(ds.all_targets(), all_t));
    EXPECT_TRUE(same_bits(ds.all_descriptors(), all_d));
    EXPECT_THROW(ds.graph(kN), Error);
    EXPECT_THROW(ds.graph(-1), Error);
  }
}

TEST(GraphDataset, FailuresAreKeptWithRowSmilesAndReason) {
  const std::string path = write_dataset(temp_dir() + "/ds.h5");
  GraphDataset ds(path);
  const std::vector<FailureRecord> f = ds.failures();
  ASSERT_EQ(f.size(), kFailures.size());
  for (size_t k = 0; k < f.size(); ++k) {
    EXPECT_EQ(f[k].row, kFailures[k].row);
    EXPECT_EQ(f[k].smiles, kFailures[k].smiles);
    EXPECT_EQ(f[k].reason, kFailures[k].reason);
  }
  // Molecule rows and failure rows together are exactly 1..num_rows.
  std::vector<int64_t> rows;
  for (int64_t i = 0; i < ds.size(); ++i) rows.push_back(ds.row(i));
  for (const auto& r : f) rows.push_back(r.row);
  std::sort(rows.begin(), rows.end());
  std::vector<int64_t> all(kNumRows);
  std::iota(all.begin(), all.end(), int64_t{1});
  EXPECT_EQ(rows, all);
}

// ---------------------------------------------------------------- batching

TEST(GraphDataset, CollateConcatenatesAndShiftsEdgeIndices) {
  const std::string path = write_dataset(temp_dir() + "/ds.h5");
  GraphDataset ds(path);
  const std::vector<int64_t> indices = {3, 0, 7};
  Batch b;
  ds.collate(indices, b);
  expect_batch_invariants(b);
  expect_same_batch(b, expected_batch(indices), "collate {3,0,7}");
  // Spelled out for the first molecules: "C" has one atom and no edges, so "CCO" starts
  // at batch atom 1 and "C1CCCCC1" at 1 + 3.
  EXPECT_EQ(b.num_molecules, 3);
  EXPECT_EQ(b.atom_ptr, (std::vector<int64_t>{0, 1, 4, 10}));
  EXPECT_EQ(b.indices, indices);
  ASSERT_EQ(b.targets.size(), 6u);
  EXPECT_TRUE(std::isnan(b.targets[1]));  // molecule 3 has no second target
  EXPECT_EQ(b.targets[2], targets_of(0)[0]);
  EXPECT_EQ(b.targets[4], targets_of(7)[0]);
  EXPECT_EQ(b.targets[5], targets_of(7)[1]);
  const int64_t d = b.num_descriptors;
  ASSERT_GT(d, 0);
  for (size_t pos = 0; pos < indices.size(); ++pos) {
    const std::vector<float>& want = mols()[indices[pos]].descriptors;
    const std::vector<float> got(b.descriptors.begin() + pos * d, b.descriptors.begin() + (pos + 1) * d);
    EXPECT_TRUE(same_bits(got, want)) << "descriptor row " << pos;
  }
}

TEST(GraphDataset, CollateWholeDatasetHoldsReverseEdgeInvariant) {
  const std::string path = write_dataset(temp_dir() + "/ds.h5");
  GraphDataset ds(path);
  std::vector<int64_t> all(kN);
  std::iota(all.begin(), all.end(), int64_t{0});
  std::reverse(all.begin(), all.end());
  Batch b;
  ds.collate(all, b);
  expect_batch_invariants(b);
  expect_same_batch(b, expected_batch(all), "whole dataset reversed");
  Batch empty;
  ds.collate({}, empty);
  expect_batch_invariants(empty);
  EXPECT_EQ(empty.num_molecules, 0);
}

TEST(GraphDataset, CollateIntoReusedBatchEqualsFreshBatch) {
  const std::string path = write_dataset(temp_dir() + "/ds.h5");
  GraphDataset ds(path);
  Batch reused;
  ds.collate({8, 16, 5, 1, 9, 12, 19}, reused);  // bigger than the next one
  ds.collate({3, 0, 7}, reused);
  Batch fresh;
  ds.collate({3, 0, 7}, fresh);
  expect_same_batch(reused, fresh, "reused vs fresh");
  expect_batch_invariants(reused);
}

TEST(GraphDataset, StreamingAndInMemoryCollateIdentically) {
  const std::string path = write_dataset(temp_dir() + "/ds.h5");
  GraphDataset memory(path, in_memory_options());
  GraphDataset streaming(path, streaming_options());
  ASSERT_TRUE(memory.in_memory());
  ASSERT_FALSE(streaming.in_memory());
  std::mt19937 gen(2024);
  std::uniform_int_distribution<int64_t> pick(0, kN - 1);
  for (int round = 0; round < 5; ++round) {
    std::vector<int64_t> indices(static_cast<size_t>(5 + 7 * round));
    for (auto& i : indices) i = pick(gen);  // random, repeats allowed
    Batch a, b;
    memory.collate(indices, a);
    streaming.collate(indices, b);
    expect_same_batch(a, b, "round " + std::to_string(round));
    expect_same_batch(a, expected_batch(indices), "round " + std::to_string(round));
    expect_batch_invariants(b);
  }
}

// ---------------------------------------------------------------- epochs and shards

bool is_permutation_of_iota(std::vector<int64_t> v, int64_t n) {
  std::sort(v.begin(), v.end());
  std::vector<int64_t> want(static_cast<size_t>(n));
  std::iota(want.begin(), want.end(), int64_t{0});
  return v == want;
}

TEST(GraphDataset, EpochOrderIsASeededPermutation) {
  const std::string path = write_dataset(temp_dir() + "/ds.h5");
  for (const GraphDatasetOptions& options : {in_memory_options(), streaming_options()}) {
    GraphDataset ds(path, options);
    const std::string mode = ds.in_memory() ? "in memory" : "streaming";
    const std::vector<int64_t> a = ds.epoch_order(42, 0);
    EXPECT_TRUE(is_permutation_of_iota(a, kN)) << mode;
    EXPECT_EQ(a, ds.epoch_order(42, 0)) << mode;
    EXPECT_NE(a, ds.epoch_order(42, 1)) << mode;
    EXPECT_NE(a, ds.epoch_order(43, 0)) << mode;
    EXPECT_TRUE(is_permutation_of_iota(ds.epoch_order(42, 1), kN)) << mode;
    EXPECT_TRUE(is_permutation_of_iota(ds.epoch_order(43, 7), kN)) << mode;
    // The same (seed, epoch) gives the same order from a second handle on the file.
    GraphDataset again(path, options);
    EXPECT_EQ(a, again.epoch_order(42, 0)) << mode;
    if (!ds.in_memory()) {
      // Block-local: the molecules of each block of 3 are visited as one contiguous run.
      std::set<int64_t> finished_blocks;
      for (size_t p = 0; p < a.size(); ++p) {
        const int64_t block = a[p] / options.block_size;
        if (p > 0 && a[p - 1] / options.block_size != block) {
          finished_blocks.insert(a[p - 1] / options.block_size);
        }
        EXPECT_EQ(finished_blocks.count(block), 0u) << "block " << block << " revisited";
      }
    }
  }
}

TEST(GraphDataset, ShardsAreDisjointAndCoverTheFile) {
  const std::string path = write_dataset(temp_dir() + "/ds.h5");
  for (GraphDatasetOptions options : {in_memory_options(), streaming_options()}) {
    options.world_size = 3;
    std::vector<int64_t> covered;
    int64_t total = 0;
    int64_t previous_end = 0;
    for (int rank = 0; rank < 3; ++rank) {
      options.rank = rank;
      GraphDataset shard(path, options);
      total += shard.size();
      EXPECT_EQ(shard.info().num_molecules, kN);
      EXPECT_TRUE(is_permutation_of_iota(shard.epoch_order(1, 0), shard.size()));
      for (int64_t i = 0; i < shard.size(); ++i) {
        const int64_t g = shard.global_index(i);
        covered.push_back(g);
        if (i == 0) {
          EXPECT_EQ(g, previous_end) << "rank " << rank;  // contiguous, in rank order
        }
        expect_same_graph(shard.graph(i), mols()[g].graph, "rank " + std::to_string(rank));
        EXPECT_EQ(shard.smiles(i), kSmiles[g]);
        EXPECT_EQ(shard.row(i), row_of(g));
        EXPECT_TRUE(same_bits(shard.targets(i), targets_of(g)));
      }
      if (shard.size() > 0) previous_end = shard.global_index(shard.size() - 1) + 1;
      std::vector<int64_t> local(static_cast<size_t>(shard.size()));
      std::iota(local.begin(), local.end(), int64_t{0});
      Batch b;
      shard.collate(local, b);
      std::vector<int64_t> global;
      for (int64_t i : local) global.push_back(shard.global_index(i));
      Batch want = expected_batch(global);
      want.indices = local;  // a batch reports shard-local indices
      expect_same_batch(b, want, "rank " + std::to_string(rank));
    }
    EXPECT_EQ(total, kN);
    std::sort(covered.begin(), covered.end());
    EXPECT_EQ(std::adjacent_find(covered.begin(), covered.end()), covered.end()) << "a molecule is in two shards";
    EXPECT_TRUE(is_permutation_of_iota(covered, kN));
  }
}

// ---------------------------------------------------------------- scaffolds

// i ~ j ⇔ ids[i] == ids[j]
void expect_same_partition(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < a.size(); ++j) {
      EXPECT_EQ(a[i] == a[j], b[i] == b[j])
          << "molecules " << i << " (" << kSmiles[i] << ") and " << j << " (" << kSmiles[j] << ")";
    }
  }
}

TEST(GraphDataset, StoredScaffoldIdsMatchComputedOnes) {
  const std::string dir = temp_dir();
  const std::string with = write_dataset(dir + "/with.h5", /*scaffolds=*/true);
  const std::string without = write_dataset(dir + "/without.h5", /*scaffolds=*/false);
  GraphDataset a(with);
  GraphDataset b(without);
  EXPECT_TRUE(a.info().has_scaffolds);
  EXPECT_FALSE(b.info().has_scaffolds);
  const std::vector<int32_t> stored = a.scaffold_ids();
  const std::vector<int32_t> computed = b.scaffold_ids();
  ASSERT_EQ(stored.size(), static_cast<size_t>(kN));
  expect_same_partition(stored, computed);
  // Both equal the partition by scaffold string.
  std::map<std::string, int32_t> by_string;
  std::vector<int32_t> from_strings;
  for (const auto& m : mols()) {
    from_strings.push_back(by_string.emplace(m.scaffold, static_cast<int32_t>(by_string.size())).first->second);
  }
  expect_same_partition(stored, from_strings);
  EXPECT_GT(by_string.size(), 3u);   // the fixture has several scaffolds ...
  EXPECT_LT(by_string.size(), 20u);  // ... some of them shared
}

// A standardised dataset stores graphs of the standardised molecules (largest fragment,
// neutralised), and stored scaffolds come from those molecules too. Scaffold ids computed
// for a file without stored scaffolds must describe the same molecules, or a scaffold
// split depends on whether --scaffold was given at featurisation time.
// Currently fails: GraphDataset::scaffold_ids() (data/graph_dataset.cpp) parses the
// stored SMILES with default ParseOptions, ignoring info().standardized.
TEST(GraphDataset, ComputedScaffoldIdsOfStandardizedDatasetMatchStoredOnes) {
  const std::string dir = temp_dir();
  // Salts whose counter-ion has a ring: the raw SMILES and the standardised molecule
  // have different Murcko scaffolds.
  const std::vector<std::string> smiles = {"OC(=O)c1ccccc1.C1CCNCC1", "OC(=O)Cc1ccccc1", "C1CCNCC1",
                                           "Oc1ccccc1.C1CCNCC1", "c1ccncc1"};
  chem::FeaturizeOptions options;
  options.standardize = true;
  options.scaffold = true;
  auto write = [&](const std::string& path, bool scaffolds) {
    DatasetWriterOptions o;
    o.scaffolds = scaffolds;
    o.standardized = true;
    DatasetWriter writer(path, o);
    for (size_t i = 0; i < smiles.size(); ++i) {
      const chem::FeaturizedMol m = chem::featurize_smiles(smiles[i], options);
      EXPECT_TRUE(m.ok()) << smiles[i] << ": " << m.error;
      writer.add(static_cast<int64_t>(i) + 1, smiles[i], m, nullptr);
    }
    writer.finish(static_cast<int64_t>(smiles.size()));
    return path;
  };
  GraphDataset with(write(dir + "/with.h5", true));
  GraphDataset without(write(dir + "/without.h5", false));
  EXPECT_TRUE(without.info().standardized);
  const std::vector<int32_t> stored = with.scaffold_ids();
  const std::vector<int32_t> computed = without.scaffold_ids();
  ASSERT_EQ(stored.size(), smiles.size());
  ASSERT_EQ(computed.size(), smiles.size());
  for (size_t i = 0; i < smiles.size(); ++i) {
    for (size_t j = 0; j < smiles.size(); ++j) {
      EXPECT_EQ(stored[i] == stored[j], computed[i] == computed[j]) << smiles[i] << " and " << smiles[j];
    }
  }
}

// ---------------------------------------------------------------- open errors

std::string open_error(const std::string& path) {
  try {
    GraphDataset ds(path);
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("(not a molprop::Error) ") + e.what();
  }
  return "(no exception)";
}

// Shows the message in the test log, so a reviewer can judge its wording.
std::string logged_open_error(const std::string& path) {
  const std::string msg = open_error(path);
  std::cout << "  message: " << msg << "\n";
  return msg;
}

void copy_file(const std::string& from, const std::string& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void set_int_attr(const std::string& path, const char* name, int64_t value) {
  H5::Exception::dontPrint();
  H5::H5File file(path, H5F_ACC_RDWR);
  H5::Group root = file.openGroup("/");
  if (root.attrExists(name)) root.removeAttr(name);
  H5::Attribute a = root.createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR));
  a.write(H5::PredType::NATIVE_INT64, &value);
}

TEST(GraphDatasetOpen, NonexistentPath) {
  const std::string path = temp_dir() + "/does_not_exist.h5";
  EXPECT_THROW(GraphDataset ds(path), Error);
  EXPECT_THAT(logged_open_error(path), HasSubstr(path));
}

TEST(GraphDatasetOpen, RandomBytesAreNotHdf5) {
  const std::string path = temp_dir() + "/random.h5";
  std::mt19937 gen(7);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = static_cast<char>(gen() & 0xff);
  write_bytes(path, bytes);
  EXPECT_THROW(GraphDataset ds(path), Error);
  const std::string msg = logged_open_error(path);
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("not an HDF5"));
}

TEST(GraphDatasetOpen, EmptyFile) {
  const std::string path = temp_dir() + "/empty.h5";
  write_bytes(path, "");
  EXPECT_THROW(GraphDataset ds(path), Error);
  EXPECT_THAT(logged_open_error(path), HasSubstr(path));
}

TEST(GraphDatasetOpen, TruncatedDataset) {
  const std::string dir = temp_dir();
  const std::string good = write_dataset(dir + "/good.h5");
  const std::string bytes = read_bytes(good);
  ASSERT_GT(bytes.size(), 1000u);
  const std::string path = dir + "/truncated.h5";
  write_bytes(path, bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(GraphDataset ds(path), Error);
  EXPECT_THAT(logged_open_error(path), HasSubstr(path));
  // Any cut, not just the half, in either mode.
  for (int percent : {1, 10, 25, 75, 90, 99}) {
    write_bytes(path, bytes.substr(0, bytes.size() * percent / 100));
    EXPECT_THAT(open_error(path), HasSubstr(path)) << percent << "%";
    try {
      GraphDataset ds(path, streaming_options());
      ADD_FAILURE() << "opened a file cut at " << percent << "%";
    } catch (const Error& e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr(path)) << percent << "%";
    }
  }
}

TEST(GraphDatasetOpen, ForeignHdf5FileIsNotAMolpropDataset) {
  const std::string path = temp_dir() + "/foreign.h5";
  {
    H5::Exception::dontPrint();
    H5::H5File file(path, H5F_ACC_TRUNC);
    hsize_t dims[1] = {4};
    H5::DataSet ds = file.createDataSet("values", H5::PredType::NATIVE_INT32, H5::DataSpace(1, dims));
    const int32_t values[4] = {1, 2, 3, 4};
    ds.write(values, H5::PredType::NATIVE_INT32);
  }
  EXPECT_THROW(GraphDataset ds(path), Error);
  const std::string msg = logged_open_error(path);
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("not a molprop dataset"));
}

TEST(GraphDatasetOpen, NewerFormatVersionIsRefused) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/newer.h5";
  copy_file(write_dataset(dir + "/good.h5"), path);
  set_int_attr(path, format::kAttrFormatVersion, 99);
  EXPECT_THROW(GraphDataset ds(path), Error);
  const std::string msg = logged_open_error(path);
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("newer"));
  EXPECT_THAT(msg, HasSubstr("99"));
  EXPECT_NO_THROW(GraphDataset ok(dir + "/good.h5"));  // the original is untouched
}

TEST(GraphDatasetOpen, OtherFeaturizerVersionIsRefused) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/other_vocabulary.h5";
  copy_file(write_dataset(dir + "/good.h5"), path);
  set_int_attr(path, format::kAttrFeaturizerVersion, chem::kFeaturizerVersion + 98);
  EXPECT_THROW(GraphDataset ds(path), Error);
  const std::string msg = logged_open_error(path);
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("vocabulary"));
  EXPECT_THAT(msg, HasSubstr("featurize"));  // tells the user what to run
}

// The header promises that a foreign or corrupted file throws molprop::Error *naming the
// file*. An attribute of the wrong type is such a file.
// Currently fails: h5::read_int_attr / read_string_attr (data/h5_util.cpp) throw a
// MOLPROP_CHECK Error without the path, and GraphDataset::Impl::open
// (data/graph_dataset.cpp) lets it through; only H5::Exception gets the path added.
TEST(GraphDatasetOpen, AttributeOfWrongTypeNamesTheFile) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/string_version.h5";
  copy_file(write_dataset(dir + "/good.h5"), path);
  {
    H5::Exception::dontPrint();
    H5::H5File file(path, H5F_ACC_RDWR);
    H5::Group root = file.openGroup("/");
    root.removeAttr(format::kAttrFormatVersion);
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    H5::Attribute a = root.createAttribute(format::kAttrFormatVersion, type, H5::DataSpace(H5S_SCALAR));
    a.write(type, std::string("1"));
  }
  EXPECT_THROW(GraphDataset ds(path), Error);
  EXPECT_THAT(logged_open_error(path), HasSubstr(path));
}

// ---------------------------------------------------------------- writer atomicity

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(DatasetWriter, WithoutFinishLeavesNothingBehind) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/out.h5";
  {
    DatasetWriter writer(path, writer_options(true));
    const std::vector<float> t = targets_of(0);
    writer.add(1, kSmiles[0], mols()[0], t.data());
    writer.add_failure(2, "C1CC", "unclosed ring");
    EXPECT_FALSE(fs::exists(path)) << "the output appears only at finish()";
  }
  EXPECT_TRUE(entries(dir).empty()) << "left behind: " << testing::PrintToString(entries(dir));
}

TEST(DatasetWriter, FinishLeavesOnlyTheOutput) {
  const std::string dir = temp_dir();
  write_dataset(dir + "/out.h5");
  EXPECT_EQ(entries(dir), std::vector<std::string>{"out.h5"});
}

TEST(DatasetWriter, AbandonedRewriteKeepsThePreviousFile) {
  const std::string dir = temp_dir();
  const std::string path = write_dataset(dir + "/out.h5");
  {
    DatasetWriter writer(path, writer_options(false));
    const std::vector<float> t = targets_of(1);
    writer.add(1, kSmiles[1], mols()[1], t.data());
  }
  EXPECT_EQ(entries(dir), std::vector<std::string>{"out.h5"});
  GraphDataset ds(path);
  EXPECT_EQ(ds.size(), kN);
}

TEST(DatasetWriter, MissingFolderFailsAtConstruction) {
  const std::string path = temp_dir() + "/no_such_folder/out.h5";
  EXPECT_THROW(DatasetWriter writer(path, writer_options(true)), Error);
  try {
    DatasetWriter writer(path, writer_options(true));
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr(path));
    EXPECT_THAT(std::string(e.what()), HasSubstr("folder"));
  }
}

TEST(DatasetWriter, UnlabeledDatasetWithoutDescriptors) {
  const std::string path = temp_dir() + "/unlabeled.h5";
  {
    DatasetWriter writer(path, DatasetWriterOptions{});
    chem::FeaturizedMol plain = chem::featurize_smiles("c1ccccc1O");
    ASSERT_TRUE(plain.ok());
    writer.add(1, "c1ccccc1O", plain, nullptr);
    writer.finish(1);
  }
  GraphDataset ds(path);
  EXPECT_TRUE(ds.info().target_names.empty());
  EXPECT_TRUE(ds.info().descriptor_names.empty());
  EXPECT_FALSE(ds.info().has_scaffolds);
  EXPECT_TRUE(ds.targets(0).empty());
  Batch b;
  ds.collate({0, 0}, b);
  expect_batch_invariants(b);
  EXPECT_EQ(b.num_targets, 0);
  EXPECT_TRUE(b.targets.empty());
  EXPECT_TRUE(b.descriptors.empty());
  EXPECT_TRUE(ds.failures().empty());
}

}  // namespace
}  // namespace molprop::data
