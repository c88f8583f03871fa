#pragma once
// Shared by tests/data/graph_dataset_test.cpp, dataset_file_test.cpp and dataset_writer_test.cpp:
// 20 varied molecules and 2 failures written with DatasetWriter, and the checks that compare
// what GraphDataset reads back with the original graphs.
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

namespace molprop::data::fixture {

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

inline int64_t row_of(int64_t i) { return i + 1 + (i + 1 >= 5 ? 1 : 0) + (i + 2 >= 13 ? 1 : 0); }

inline std::vector<float> targets_of(int64_t i) {
  std::vector<float> t = {0.5f * static_cast<float>(i) - 3.0f, i % 3 == 0 ? kNaN : 1.25f * static_cast<float>(i)};
  if (i == 4) t = {kNaN, kNaN};
  return t;
}

inline const std::vector<chem::FeaturizedMol>& mols() {
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
inline std::string temp_dir() {
  const auto* test = testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::path(testing::TempDir()) / (std::string("molprop_ds_") + test->test_suite_name() + "_" +
                                                       test->name() + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

inline DatasetWriterOptions writer_options(bool scaffolds) {
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
inline std::string write_dataset(const std::string& path, bool scaffolds = true) {
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
inline bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

inline void expect_same_graph(const chem::MolGraph& got, const chem::MolGraph& want, const std::string& what) {
  EXPECT_EQ(got.num_atoms, want.num_atoms) << what;
  EXPECT_EQ(got.atom_features, want.atom_features) << what;
  EXPECT_EQ(got.edge_index, want.edge_index) << what;
  EXPECT_EQ(got.bond_features, want.bond_features) << what;
}

inline void expect_same_batch(const Batch& a, const Batch& b, const std::string& what) {
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
inline Batch expected_batch(const std::vector<int64_t>& indices) {
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
inline void expect_batch_invariants(const Batch& b) {
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

inline GraphDatasetOptions in_memory_options() {
  GraphDatasetOptions o;
  o.mode = Mode::kInMemory;
  return o;
}

inline GraphDatasetOptions streaming_options() {
  GraphDatasetOptions o;
  o.mode = Mode::kStreaming;
  o.block_size = 3;
  o.cache_blocks = 1;
  return o;
}

// ---------------------------------------------------------------- round trip

}  // namespace molprop::data::fixture
