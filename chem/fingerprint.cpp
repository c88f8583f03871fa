#include "chem/fingerprint.h"

#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/ROMol.h>

#include <immintrin.h>

#include <memory>
#include <string>

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

int popcount(const uint64_t* words, size_t n) {
  int bits = 0;
  for (size_t w = 0; w < n; ++w) bits += __builtin_popcountll(words[w]);
  return bits;
}

int popcount(const PackedFingerprint& fp) { return popcount(fp.data(), fp.size()); }

namespace {

// Portable builds target plain x86-64 (no POPCNT): let the loader pick a POPCNT clone where
// the CPU has one (GCC function multi-versioning).
__attribute__((target_clones("popcnt", "default"))) void and_popcounts_scalar(const uint64_t* query,
                                                                             const uint64_t* rows, size_t words,
                                                                             size_t n, int32_t* out) {
  for (size_t r = 0; r < n; ++r) {
    const uint64_t* row = rows + r * words;
    int both = 0;
    for (size_t w = 0; w < words; ++w) both += __builtin_popcountll(query[w] & row[w]);
    out[r] = both;
  }
}

// GCC 12's AVX-512 intrinsics initialise their undefined registers from themselves, which
// -Wmaybe-uninitialized reports at every inlined use (a known false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// 8 words per VPOPCNTQ; a remainder of words % 8 is done word by word. For 2048-bit
// fingerprints the query stays in 4 registers and each row costs 4 loads, ANDs and popcounts.
__attribute__((target("avx512f,avx512vpopcntdq,popcnt"))) void and_popcounts_avx512(const uint64_t* query,
                                                                                   const uint64_t* rows,
                                                                                   size_t words, size_t n,
                                                                                   int32_t* out) {
  const size_t vec = words / 8 * 8;
  if (words == 32) {
    const __m512i q0 = _mm512_loadu_si512(query), q1 = _mm512_loadu_si512(query + 8),
                  q2 = _mm512_loadu_si512(query + 16), q3 = _mm512_loadu_si512(query + 24);
    for (size_t r = 0; r < n; ++r) {
      const uint64_t* row = rows + r * 32;
      __m512i s = _mm512_popcnt_epi64(_mm512_and_si512(q0, _mm512_loadu_si512(row)));
      s = _mm512_add_epi64(s, _mm512_popcnt_epi64(_mm512_and_si512(q1, _mm512_loadu_si512(row + 8))));
      s = _mm512_add_epi64(s, _mm512_popcnt_epi64(_mm512_and_si512(q2, _mm512_loadu_si512(row + 16))));
      s = _mm512_add_epi64(s, _mm512_popcnt_epi64(_mm512_and_si512(q3, _mm512_loadu_si512(row + 24))));
      out[r] = static_cast<int32_t>(_mm512_reduce_add_epi64(s));
    }
    return;
  }
  for (size_t r = 0; r < n; ++r) {
    const uint64_t* row = rows + r * words;
    __m512i s = _mm512_setzero_si512();
    for (size_t w = 0; w < vec; w += 8)
      s = _mm512_add_epi64(
          s, _mm512_popcnt_epi64(_mm512_and_si512(_mm512_loadu_si512(query + w), _mm512_loadu_si512(row + w))));
    int64_t both = _mm512_reduce_add_epi64(s);
    for (size_t w = vec; w < words; ++w) both += __builtin_popcountll(query[w] & row[w]);
    out[r] = static_cast<int32_t>(both);
  }
}

#pragma GCC diagnostic pop

bool detect_avx512_popcount() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq");
}

}  // namespace

bool avx512_popcount_available() {
  static const bool available = detect_avx512_popcount();
  return available;
}

void and_popcounts(const uint64_t* query, const uint64_t* rows, size_t words, size_t n, int32_t* out) {
  if (avx512_popcount_available()) {
    and_popcounts_avx512(query, rows, words, n, out);
  } else {
    and_popcounts_scalar(query, rows, words, n, out);
  }
}

void and_popcounts_with(std::string_view kernel, const uint64_t* query, const uint64_t* rows, size_t words, size_t n,
                        int32_t* out) {
  if (kernel == "portable") {
    and_popcounts_scalar(query, rows, words, n, out);
  } else if (kernel == "avx512") {
    MOLPROP_CHECK(avx512_popcount_available(), "and_popcounts: this CPU has no AVX-512 VPOPCNTDQ");
    and_popcounts_avx512(query, rows, words, n, out);
  } else {
    throw Error("and_popcounts: unknown kernel '" + std::string(kernel) + "' (portable or avx512)");
  }
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
