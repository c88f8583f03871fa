#include "chem/features.h"

#include <GraphMol/Atom.h>
#include <GraphMol/Bond.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/RingInfo.h>

#include <sstream>

namespace molprop::chem {
namespace {

// Index of `value` in [lo, hi], or the "other" index (hi - lo + 1).
uint8_t range_index(int value, int lo, int hi) {
  return static_cast<uint8_t>(value >= lo && value <= hi ? value - lo : hi - lo + 1);
}

// CW/CCW tags are relative to the order in which neighbours appear in the SMILES, so
// the same stereocentre written two ways gets opposite tags. The CIP label (R/S) that
// RDKit assigns while parsing does not depend on atom order, so we store that.
uint8_t chirality_index(const RDKit::Atom& atom) {
  if (atom.getChiralTag() == RDKit::Atom::CHI_UNSPECIFIED) return 0;
  std::string cip;
  if (atom.getPropIfPresent(RDKit::common_properties::_CIPCode, cip)) {
    if (cip == "R") return 1;
    if (cip == "S") return 2;
  }
  return 3;
}

uint8_t hybridization_index(RDKit::Atom::HybridizationType h) {
  switch (h) {
    case RDKit::Atom::S:
      return 0;
    case RDKit::Atom::SP:
      return 1;
    case RDKit::Atom::SP2:
      return 2;
    case RDKit::Atom::SP3:
      return 3;
    case RDKit::Atom::SP3D:
      return 4;
    case RDKit::Atom::SP3D2:
      return 5;
    default:
      return 6;
  }
}

uint8_t bond_type_index(RDKit::Bond::BondType t) {
  switch (t) {
    case RDKit::Bond::SINGLE:
      return 0;
    case RDKit::Bond::DOUBLE:
      return 1;
    case RDKit::Bond::TRIPLE:
      return 2;
    case RDKit::Bond::AROMATIC:
      return 3;
    default:
      return 4;
  }
}

uint8_t stereo_index(RDKit::Bond::BondStereo s) {
  switch (s) {
    case RDKit::Bond::STEREONONE:
      return 0;
    case RDKit::Bond::STEREOANY:
      return 1;
    case RDKit::Bond::STEREOZ:
      return 2;
    case RDKit::Bond::STEREOE:
      return 3;
    case RDKit::Bond::STEREOCIS:
      return 4;
    case RDKit::Bond::STEREOTRANS:
      return 5;
    default:
      return 6;
  }
}

}  // namespace

const std::array<FeatureSpec, kNumAtomFeatures>& atom_feature_specs() {
  static const std::array<FeatureSpec, kNumAtomFeatures> specs{{
      {"atomic_num", 101},
      {"degree", 8},
      {"formal_charge", 6},
      {"chirality", 4},
      {"total_num_hs", 6},
      {"hybridization", 7},
      {"aromatic", 2},
      {"in_ring", 2},
      {"radical_electrons", 4},
  }};
  return specs;
}

const std::array<FeatureSpec, kNumBondFeatures>& bond_feature_specs() {
  static const std::array<FeatureSpec, kNumBondFeatures> specs{{
      {"bond_type", 5},
      {"stereo", 7},
      {"conjugated", 2},
      {"in_ring", 2},
  }};
  return specs;
}

void atom_features(const RDKit::Atom& atom, uint8_t* out) {
  const auto& ring_info = *atom.getOwningMol().getRingInfo();
  out[0] = range_index(static_cast<int>(atom.getAtomicNum()), 1, 100);
  out[1] = range_index(static_cast<int>(atom.getDegree()), 0, 6);
  out[2] = range_index(atom.getFormalCharge(), -2, 2);
  out[3] = chirality_index(atom);
  out[4] = range_index(static_cast<int>(atom.getTotalNumHs()), 0, 4);
  out[5] = hybridization_index(atom.getHybridization());
  out[6] = atom.getIsAromatic() ? 1 : 0;
  out[7] = ring_info.numAtomRings(atom.getIdx()) > 0 ? 1 : 0;
  out[8] = range_index(static_cast<int>(atom.getNumRadicalElectrons()), 0, 2);
}

void bond_features(const RDKit::Bond& bond, uint8_t* out) {
  const auto& ring_info = *bond.getOwningMol().getRingInfo();
  out[0] = bond_type_index(bond.getBondType());
  out[1] = stereo_index(bond.getStereo());
  out[2] = bond.getIsConjugated() ? 1 : 0;
  out[3] = ring_info.numBondRings(bond.getIdx()) > 0 ? 1 : 0;
}

std::string vocabulary_signature() {
  std::ostringstream os;
  os << "molprop-features-v" << kFeaturizerVersion << ": atoms[";
  const char* sep = "";
  for (const auto& s : atom_feature_specs()) {
    os << sep << s.name << ":" << s.cardinality;
    sep = ",";
  }
  os << "] bonds[";
  sep = "";
  for (const auto& s : bond_feature_specs()) {
    os << sep << s.name << ":" << s.cardinality;
    sep = ",";
  }
  os << "]";
  return os.str();
}

}  // namespace molprop::chem
