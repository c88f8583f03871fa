#pragma once
// A molecule as a graph: a plain value with no RDKit, torch or HDF5 types.
#include <cstdint>
#include <vector>

#include "chem/features.h"

namespace molprop::chem {

// Atoms follow the order of the SMILES (RDKit's parse order). Each chemical bond is
// stored as two directed edges, 2k (a→b) and 2k+1 (b→a), so the reverse of edge e is
// e ^ 1 — what D-MPNN needs to exclude the reverse message.
struct MolGraph {
  int32_t num_atoms = 0;
  // num_atoms × kNumAtomFeatures, uint8, row-major: category index per atom feature
  // (see atom_feature_specs(); the last index of each feature means "other").
  std::vector<uint8_t> atom_features;
  // num_edges × 2, int32, row-major: (source atom, target atom) of each directed edge.
  std::vector<int32_t> edge_index;
  // num_edges × kNumBondFeatures, uint8, row-major: category index per bond feature.
  std::vector<uint8_t> bond_features;

  int32_t num_edges() const { return static_cast<int32_t>(edge_index.size() / 2); }
};

inline int32_t reverse_edge(int32_t e) { return e ^ 1; }

}  // namespace molprop::chem
