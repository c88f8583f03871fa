#pragma once
// Molecule-level RDKit 2D descriptors and atom-level descriptor targets, computed in C++.
//
// Descriptor sets are named and versioned (docs/features.md lists every name):
//   rdkit2d-v1  the 43 values of RDKit's descriptor registry (RDKit::Descriptors::Properties:
//               molecular weight, logP, TPSA, counts, chi and kappa indices, ...); the set
//               `featurize --descriptors` has always stored, and the default.
//   rdkit2d-v2  rdkit2d-v1, then MQNs (42), SlogP/SMR/PEOE VSA bins (12 + 10 + 14), BCUT2D (8),
//               AUTOCORR2D (192) and a few count and charge summaries: a few hundred values,
//               the CheMeleon-style pretraining target.
// A dataset stores the names, not the set's name; descriptor_set_for() maps names back.
//
// Atom-level targets (one row of kNumAtomTargets values per atom, in atom order): Crippen
// logP and MR contributions, Gasteiger charge, TPSA and Labute ASA contributions.
//
// Nothing here throws on an odd molecule (no ring, no carbon, one atom, ions, metals): a
// value RDKit cannot compute, or one that is not finite, is NaN. Thread-safe for distinct
// molecules (RDKit caches some results as properties on the molecule itself).
#include <string>
#include <vector>

namespace RDKit {
class ROMol;
}

namespace molprop::chem {

inline constexpr const char* kDescriptorSetV1 = "rdkit2d-v1";
inline constexpr const char* kDescriptorSetV2 = "rdkit2d-v2";
inline constexpr const char* kDefaultDescriptorSet = kDescriptorSetV1;

struct DescriptorSet {
  std::string name;                                    // "rdkit2d-v2"
  std::vector<std::string> names;                      // D, in the order compute returns them
  std::vector<float> (*compute)(const RDKit::ROMol&);  // D floats, NaN where not computable
};

// The set called `name`; throws molprop::Error naming it and listing the known sets.
const DescriptorSet& descriptor_set(const std::string& name);
// Known set names, oldest first.
std::vector<std::string> descriptor_set_names();
// The name of the set whose names are exactly `names`; empty when none is (a file
// written by another RDKit build or a future set).
std::string descriptor_set_for(const std::vector<std::string>& names);

// The rdkit2d-v1 set, as before sets had names. Fixed for a given RDKit build.
const std::vector<std::string>& descriptor_names();
std::vector<float> compute_descriptors(const RDKit::ROMol& mol);

// Atom-level targets (version kAtomTargetsVersion).
inline constexpr int kAtomTargetsVersion = 1;
inline constexpr int kNumAtomTargets = 5;
// {"crippen_logp", "crippen_mr", "gasteiger_charge", "tpsa", "labute_asa"}.
const std::vector<std::string>& atom_target_names();
// mol.getNumAtoms() × kNumAtomTargets floats, row-major. The Crippen contributions include
// those of each atom's hydrogens (so a column sums to RDKit's MolLogP / MolMR); the
// Labute contribution is the heavy atom's own (RDKit keeps hydrogens as one total).
std::vector<float> compute_atom_targets(const RDKit::ROMol& mol);

}  // namespace molprop::chem
