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
// Set bits of `n` words.
int popcount(const uint64_t* words, size_t n);

// out[r] = popcount(query ∧ row r) for the n rows of `words` words each, stored one after
// another at `rows`: the hot loop of the applicability-domain search. Uses AVX-512
// VPOPCNTDQ where the CPU has it (checked once at run time; portable binaries included),
// else POPCNT, else plain C++; all give the same counts.
void and_popcounts(const uint64_t* query, const uint64_t* rows, size_t words, size_t n, int32_t* out);
// The same with a chosen kernel, for tests and benchmarks: "portable" (no special
// instructions) or "avx512" (only where avx512_popcount_available()).
void and_popcounts_with(std::string_view kernel, const uint64_t* query, const uint64_t* rows, size_t words,
                        size_t n, int32_t* out);
bool avx512_popcount_available();

// Tanimoto similarity of two equal-length 0/1 vectors (1 when both are empty).
double tanimoto(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b);

}  // namespace molprop::chem
