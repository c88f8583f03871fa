#pragma once
// The one entry point the data pipeline uses: SMILES in, graph (+ optional descriptors
// and scaffold) or a reason out. Never throws on bad molecules; thread-safe.
#include <string>
#include <string_view>
#include <vector>

#include "chem/descriptors.h"
#include "chem/fingerprint.h"
#include "chem/mol_graph.h"
#include "chem/parse.h"

namespace RDKit {
class ROMol;
}

namespace molprop::chem {

struct FeaturizeOptions {
  bool standardize = false;  // largest fragment + neutralise before featurising
  bool canonical_tautomer = false;  // then RDKit's canonical tautomer (chem::ParseOptions)
  // Also featurise the compound's most plausible tautomers (ParseOptions::tautomer_forms,
  // 0: off) into FeaturizedMol::forms: graph and descriptors of each, for a prediction
  // averaged over them.
  int tautomer_forms = 0;
  // With tautomer_forms: also the graph, descriptors and atom targets of the molecule as
  // written (false: the forms' only, for a prediction that takes no target from the molecule as
  // written; its fingerprint, scaffold, canonical SMILES and domain note are still computed).
  bool written_graph = true;
  bool descriptors = false;  // compute the molecule-level descriptors of descriptor_set
  // descriptor_set() name (chem/descriptors.h); rdkit2d-v1 is the 43-value set older files hold.
  std::string descriptor_set = kDefaultDescriptorSet;
  bool atom_targets = false;      // compute the atom-level targets (atom_target_names())
  bool scaffold = false;          // compute the Murcko scaffold SMILES
  bool fingerprint = false;       // compute the packed ECFP4 fingerprint (applicability domain)
  bool canonical_smiles = false;  // compute the canonical SMILES (deduplication)
  // Parse limits (chem/parse.h): longer SMILES, or SMILES with more atoms, fail their row.
  int max_smiles_length = kDefaultMaxSmilesLength;
  int max_atoms = kDefaultMaxAtoms;
  // Fill FeaturizedMol::domain_note for input a model knows nothing like: several
  // components (salt, hydrate, mixture), and atoms of elements outside known_elements
  // (atomic numbers; empty: no element check).
  bool domain_notes = false;
  std::vector<int> known_elements;
};

// One tautomer of FeaturizeOptions::tautomer_forms: what a model needs of it.
struct FeaturizedForm {
  MolGraph graph;
  std::vector<float> descriptors;  // empty unless requested
  std::string canonical_smiles;    // empty unless requested
};

struct FeaturizedMol {
  MolGraph graph;
  std::vector<float> descriptors;   // empty unless requested
  std::vector<float> atom_targets;  // num_atoms × kNumAtomTargets, row-major; empty unless requested
  std::string scaffold;             // empty unless requested (or acyclic)
  PackedFingerprint fingerprint;    // empty unless requested
  std::string canonical_smiles;     // RDKit canonical isomeric SMILES; empty unless requested
  // With FeaturizeOptions::domain_notes: why the molecule is outside every property's
  // domain ("2 components (salt, hydrate or mixture): predicted for the largest organic
  // fragment, CC(=O)O"; "contains Sn, an element the model was not trained on"); empty
  // when nothing is unusual.
  std::string domain_note;
  // With FeaturizeOptions::tautomer_forms: the most plausible tautomers (at least one), which
  // a prediction averages over instead of using `graph`; empty otherwise.
  std::vector<FeaturizedForm> forms;
  std::string error;                // non-empty ⇔ the molecule failed

  bool ok() const { return error.empty(); }
};

// Graph of an already parsed molecule.
MolGraph build_graph(const RDKit::ROMol& mol);

FeaturizedMol featurize_smiles(std::string_view smiles, const FeaturizeOptions& options = {});

// Atomic number of an element symbol ("Cl" → 17); 0 when RDKit knows no such element.
int element_number(const std::string& symbol);
// Symbol of an atomic number (17 → "Cl").
std::string element_symbol(int atomic_number);

}  // namespace molprop::chem
