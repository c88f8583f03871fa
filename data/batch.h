#pragma once
// A collated batch of molecules: concatenation plus offsets, never padding.
#include <cstdint>
#include <vector>

namespace molprop::data {

struct Batch {
  int64_t num_molecules = 0;
  int64_t num_atoms = 0;
  int64_t num_edges = 0;  // directed edges; edge e's reverse is e ^ 1, as in MolGraph
  int64_t num_targets = 0;
  int64_t num_descriptors = 0;
  int64_t num_atom_targets = 0;  // K: atom-level targets per atom (0 when the dataset has none)

  // num_atoms × kNumAtomFeatures uint8: category indices (chem/features.h).
  std::vector<uint8_t> atom_features;
  // num_edges × 2 int32: (source, target) as batch-wide atom indices.
  std::vector<int32_t> edge_index;
  // num_edges × kNumBondFeatures uint8.
  std::vector<uint8_t> bond_features;
  // num_atoms int32: the molecule (0..num_molecules-1) each atom belongs to.
  std::vector<int32_t> atom_to_mol;
  // num_molecules + 1 int64: atoms of molecule m are [atom_ptr[m], atom_ptr[m+1]).
  std::vector<int64_t> atom_ptr;
  // num_molecules × num_targets float32, NaN where a target is missing.
  std::vector<float> targets;
  // num_molecules × num_descriptors float32 (empty when the dataset has none).
  std::vector<float> descriptors;
  // num_atoms × num_atom_targets float32, NaN where RDKit gives none (empty when K = 0).
  std::vector<float> atom_targets;
  // num_molecules int64: dataset index of each molecule, in batch order.
  std::vector<int64_t> indices;

  // Empties the batch but keeps every vector's capacity, so collating batch after
  // batch into one Batch allocates nothing in steady state.
  void clear() {
    num_molecules = num_atoms = num_edges = 0;
    for (auto* v : {&atom_features, &bond_features}) v->clear();
    edge_index.clear();
    atom_to_mol.clear();
    atom_ptr.clear();
    targets.clear();
    descriptors.clear();
    atom_targets.clear();
    indices.clear();
  }
};

}  // namespace molprop::data
