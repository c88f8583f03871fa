#pragma once
// The versioned feature vocabulary: which categorical features describe an atom and a
// bond, and how many categories each has. Documented in docs/features.md.
//
// Every feature is a category index in [0, cardinality). The last index of each feature
// is "other": a value outside the vocabulary maps there instead of failing, so a new
// element or an exotic hybridisation never crashes featurisation.
//
// Any change to the lists or their order changes what a stored index means: bump
// kFeaturizerVersion so that old datasets and checkpoints are refused, not misread.
#include <array>
#include <cstdint>
#include <string>

namespace RDKit {
class Atom;
class Bond;
}  // namespace RDKit

namespace molprop::chem {

inline constexpr int kFeaturizerVersion = 1;

struct FeatureSpec {
  const char* name;  // e.g. "atomic_num"
  int cardinality;   // number of categories, "other" included
};

inline constexpr int kNumAtomFeatures = 9;
inline constexpr int kNumBondFeatures = 4;

// atomic_num (1..100, other), degree (0..6, other), formal_charge (-2..2, other),
// chirality (none, R, S, other: a tag without a CIP label), total_num_hs (0..4, other),
// hybridization (S, SP, SP2, SP3, SP3D, SP3D2, other), aromatic (no, yes),
// in_ring (no, yes), radical_electrons (0..2, other).
const std::array<FeatureSpec, kNumAtomFeatures>& atom_feature_specs();
// bond_type (single, double, triple, aromatic, other), stereo (none, any, Z, E, cis,
// trans, other; from SMILES RDKit assigns E/Z, which do not depend on atom order), conjugated (no, yes), in_ring (no,
// yes).
const std::array<FeatureSpec, kNumBondFeatures>& bond_feature_specs();

// Writes kNumAtomFeatures category indices for `atom` to `out`.
void atom_features(const RDKit::Atom& atom, uint8_t* out);
// Writes kNumBondFeatures category indices for `bond` to `out`.
void bond_features(const RDKit::Bond& bond, uint8_t* out);

// "molprop-features-v<N>: atomic_num:101,degree:8,..." — a one-line description stored
// with datasets and checkpoints so a mismatch can be explained, not just detected.
std::string vocabulary_signature();

}  // namespace molprop::chem
