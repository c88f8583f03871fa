#pragma once
// Appends freshly featurised molecules to a Batch (for prediction, where molecules come
// from a SMILES stream rather than from a dataset file). Same layout as
// GraphDataset::collate: concatenation, shifted edge indices, atom→molecule index.
#include "chem/mol_graph.h"
#include "data/batch.h"

namespace molprop::data {

// `descriptors` has batch.num_descriptors values (or is null when there are none).
inline void append_graph(const chem::MolGraph& g, const float* descriptors, Batch& batch) {
  if (batch.atom_ptr.empty()) batch.atom_ptr.push_back(0);
  const auto shift = static_cast<int32_t>(batch.num_atoms);
  const auto mol = static_cast<int32_t>(batch.num_molecules);
  batch.atom_features.insert(batch.atom_features.end(), g.atom_features.begin(), g.atom_features.end());
  batch.bond_features.insert(batch.bond_features.end(), g.bond_features.begin(), g.bond_features.end());
  for (int32_t v : g.edge_index) batch.edge_index.push_back(v + shift);
  batch.atom_to_mol.insert(batch.atom_to_mol.end(), static_cast<size_t>(g.num_atoms), mol);
  if (batch.num_descriptors > 0 && descriptors != nullptr) {
    batch.descriptors.insert(batch.descriptors.end(), descriptors, descriptors + batch.num_descriptors);
  }
  batch.num_atoms += g.num_atoms;
  batch.num_edges += g.num_edges();
  batch.atom_ptr.push_back(batch.num_atoms);
  batch.indices.push_back(batch.num_molecules);
  ++batch.num_molecules;
}

}  // namespace molprop::data
