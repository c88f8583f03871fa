#pragma once
// Morgan (ECFP-like) bit fingerprints computed by RDKit: the honest baseline for
// regressors on learned embeddings.
#include <cstdint>
#include <string_view>
#include <vector>

namespace RDKit {
class ROMol;
}

namespace molprop::chem {

struct FingerprintOptions {
  int radius = 2;  // ECFP4 = radius 2
  int num_bits = 2048;
};

// num_bits values, each 0 or 1.
std::vector<uint8_t> morgan_fingerprint(const RDKit::ROMol& mol, const FingerprintOptions& options = {});

// The same bits packed 64 to a word (bit i of the fingerprint is bit i%64 of word i/64):
// compact to store and fast to compare with popcounts.
using PackedFingerprint = std::vector<uint64_t>;
PackedFingerprint packed_morgan_fingerprint(const RDKit::ROMol& mol, const FingerprintOptions& options = {});

// Number of set bits.
int popcount(const PackedFingerprint& fp);

// Tanimoto similarity of two equal-length 0/1 vectors (1 when both are empty).
double tanimoto(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b);

}  // namespace molprop::chem
