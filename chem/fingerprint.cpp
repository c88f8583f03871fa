#include "chem/fingerprint.h"

#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/ROMol.h>

#include <memory>

#include "core/check.h"

namespace molprop::chem {

namespace {

// RDKit's default Morgan invariants (ECFP-like: atomic number, degree, Hs, charge, ring
// membership, ...), bond types on, chirality off: the classic ECFP bit vector.
std::unique_ptr<ExplicitBitVect> rdkit_morgan_bits(const RDKit::ROMol& mol, const FingerprintOptions& options) {
  MOLPROP_CHECK(options.radius >= 0, "morgan_fingerprint: radius must be >= 0, got " << options.radius);
  MOLPROP_CHECK(options.num_bits > 0, "morgan_fingerprint: num_bits must be positive, got " << options.num_bits);
  // RDKit returns an owning raw pointer.
  std::unique_ptr<ExplicitBitVect> bits(RDKit::MorganFingerprints::getFingerprintAsBitVect(
      mol, static_cast<unsigned int>(options.radius), static_cast<unsigned int>(options.num_bits)));
  MOLPROP_CHECK(bits != nullptr, "morgan_fingerprint: RDKit returned no fingerprint");
  return bits;
}

}  // namespace

std::vector<uint8_t> morgan_fingerprint(const RDKit::ROMol& mol, const FingerprintOptions& options) {
  const std::unique_ptr<ExplicitBitVect> bits = rdkit_morgan_bits(mol, options);
  std::vector<uint8_t> out(static_cast<size_t>(options.num_bits), 0);
  for (unsigned int i = 0; i < bits->getNumBits(); ++i) out[i] = bits->getBit(i) ? 1 : 0;
  return out;
}

// Called per molecule by `predict` with a domain: only the set bits are visited.
PackedFingerprint packed_morgan_fingerprint(const RDKit::ROMol& mol, const FingerprintOptions& options) {
  const std::unique_ptr<ExplicitBitVect> bits = rdkit_morgan_bits(mol, options);
  PackedFingerprint out((static_cast<size_t>(options.num_bits) + 63) / 64, 0);
  std::vector<int> on;
  bits->getOnBits(on);
  for (int i : on) out[static_cast<size_t>(i) / 64] |= uint64_t{1} << (i % 64);
  return out;
}

int popcount(const PackedFingerprint& fp) {
  int n = 0;
  for (uint64_t w : fp) n += __builtin_popcountll(w);
  return n;
}

// |a ∧ b| / |a ∨ b|, any non-zero entry counting as a set bit.
double tanimoto(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  MOLPROP_CHECK(a.size() == b.size(),
                "tanimoto: fingerprints differ in length (" << a.size() << " vs " << b.size() << ")");
  size_t both = 0;
  size_t either = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const bool x = a[i] != 0;
    const bool y = b[i] != 0;
    both += (x && y) ? 1 : 0;
    either += (x || y) ? 1 : 0;
  }
  if (either == 0) return 1.0;  // two empty fingerprints are identical
  return static_cast<double>(both) / static_cast<double>(either);
}

}  // namespace molprop::chem
