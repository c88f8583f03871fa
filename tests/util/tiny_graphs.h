#pragma once
// Tiny synthetic molecular graphs for the models tests, built by hand (no RDKit, no HDF5):
// a TinyMol lists its atoms' category rows and its bonds; tiny_batch() concatenates
// molecules the way data/collate does (two directed edges per bond, edge 2k = u→v and
// 2k+1 = v→u, indices shifted by the atoms before, an atom → molecule index).
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "data/batch.h"
#include "models/graph_tensors.h"
#include "models/model_config.h"

namespace molprop::testing_util {

// Category counts of the synthetic vocabulary: two atom features, two bond features.
inline const std::vector<int64_t> kTinyAtomCardinalities{6, 3};
inline const std::vector<int64_t> kTinyBondCardinalities{4, 2};

struct TinyBond {
  int u = 0, v = 0;                 // atoms of the molecule
  std::vector<uint8_t> categories;  // one per bond feature
};

struct TinyMol {
  std::vector<std::vector<uint8_t>> atoms;  // per atom, one category per atom feature
  std::vector<TinyBond> bonds;
  std::vector<float> targets;  // T values (NaN = missing); empty for none
};

// C–C–O: three atoms in a chain.
inline TinyMol tiny_chain() { return {{{0, 1}, {0, 2}, {2, 0}}, {{0, 1, {0, 1}}, {1, 2, {1, 0}}}, {}}; }
// A four-ring with a branch atom on atom 2 (so atoms differ in degree).
inline TinyMol tiny_ring() {
  return {{{0, 0}, {1, 1}, {0, 2}, {3, 0}, {5, 1}},
          {{0, 1, {3, 1}}, {1, 2, {3, 1}}, {2, 3, {0, 0}}, {3, 0, {2, 1}}, {2, 4, {1, 0}}},
          {}};
}
// Two bonded atoms: every message into an atom comes over its only bond.
inline TinyMol tiny_diatomic() { return {{{4, 1}, {2, 2}}, {{0, 1, {1, 1}}}, {}}; }
// One atom, no bonds (an ion).
inline TinyMol tiny_ion() { return {{{5, 0}}, {}, {}}; }

inline data::Batch tiny_batch(const std::vector<TinyMol>& mols) {
  data::Batch b;
  b.atom_ptr.push_back(0);
  for (const auto& m : mols) {
    const auto first = static_cast<int32_t>(b.num_atoms);
    for (const auto& a : m.atoms) {
      b.atom_features.insert(b.atom_features.end(), a.begin(), a.end());
      b.atom_to_mol.push_back(static_cast<int32_t>(b.num_molecules));
    }
    for (const auto& bond : m.bonds) {
      for (auto [s, d] : {std::pair{bond.u, bond.v}, std::pair{bond.v, bond.u}}) {
        b.edge_index.push_back(first + s);
        b.edge_index.push_back(first + d);
        b.bond_features.insert(b.bond_features.end(), bond.categories.begin(), bond.categories.end());
      }
    }
    b.num_atoms += static_cast<int64_t>(m.atoms.size());
    b.num_edges += 2 * static_cast<int64_t>(m.bonds.size());
    b.num_targets = static_cast<int64_t>(m.targets.size());
    b.targets.insert(b.targets.end(), m.targets.begin(), m.targets.end());
    b.atom_ptr.push_back(b.num_atoms);
    b.indices.push_back(b.num_molecules);
    ++b.num_molecules;
  }
  return b;
}

inline models::GraphTensors tiny_tensors(const std::vector<TinyMol>& mols) {
  return models::to_tensors(tiny_batch(mols), torch::kCPU);
}

// The molecules most tests use together: several sizes, a ring, and one without bonds.
inline std::vector<TinyMol> tiny_mols() { return {tiny_chain(), tiny_ring(), tiny_ion(), tiny_diatomic()}; }

inline models::EncoderOptions tiny_encoder_options(const std::string& name, int64_t hidden = 8, int64_t depth = 3) {
  models::EncoderOptions o;
  o.name = name;
  o.hidden = hidden;
  o.depth = depth;
  o.atom_cardinalities = kTinyAtomCardinalities;
  o.bond_cardinalities = kTinyBondCardinalities;
  return o;
}

inline models::ModelConfig tiny_model_config(const std::string& encoder = "dmpnn", const std::string& readout = "mean",
                                             int64_t tasks = 2) {
  models::ModelConfig c;
  c.encoder = tiny_encoder_options(encoder);
  c.readout.name = readout;
  c.head.hidden = 6;
  c.head.num_tasks = tasks;
  return c;
}

// Largest absolute difference between `f` run on the batch of `mols` and `f` run on each
// molecule alone. `f` maps GraphTensors to one row per atom (per_atom) or per molecule.
template <typename F>
double batch_vs_alone_difference(const std::vector<TinyMol>& mols, F f, bool per_atom) {
  const torch::Tensor together = f(tiny_tensors(mols));
  double worst = 0;
  int64_t first = 0;
  for (const auto& m : mols) {
    const torch::Tensor alone = f(tiny_tensors({m}));
    const int64_t n = per_atom ? static_cast<int64_t>(m.atoms.size()) : 1;
    if (alone.size(0) != n) return std::numeric_limits<double>::infinity();
    worst = std::max(worst, (together.narrow(0, first, n) - alone).abs().max().template item<double>());
    first += n;
  }
  if (first != together.size(0)) return std::numeric_limits<double>::infinity();
  return worst;
}

}  // namespace molprop::testing_util
