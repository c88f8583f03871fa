#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <gtest/gtest.h>

#include <bitset>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "chem/fingerprint.h"
#include "chem/parse.h"
#include "core/check.h"

namespace molprop::chem {
namespace {

std::vector<uint8_t> fingerprint_of(const std::string& smiles, const FingerprintOptions& options = {}) {
  ParsedMol parsed = parse_smiles(smiles);
  EXPECT_TRUE(parsed.ok()) << smiles << ": " << parsed.error;
  if (!parsed.ok()) return {};
  return morgan_fingerprint(*parsed.mol, options);
}

size_t count_bits(const std::vector<uint8_t>& fp) {
  size_t n = 0;
  for (uint8_t b : fp) n += b;
  return n;
}

TEST(Fingerprint, DefaultIs2048BitsOfZeroOrOne) {
  const std::vector<uint8_t> fp = fingerprint_of("CC(=O)Oc1ccccc1C(=O)O");
  ASSERT_EQ(fp.size(), 2048u);
  for (uint8_t b : fp) EXPECT_TRUE(b == 0 || b == 1);
  EXPECT_GT(count_bits(fp), 0u);
}

TEST(Fingerprint, SameForRandomisedSmilesOfTheSameMolecule) {
  for (const std::string smiles : {"CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
                                   "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O", "c1ccc2c(c1)ccc1ccccc12"}) {
    ParsedMol parsed = parse_smiles(smiles);
    ASSERT_TRUE(parsed.ok()) << smiles;
    const std::vector<uint8_t> reference = morgan_fingerprint(*parsed.mol);
    EXPECT_EQ(fingerprint_of(canonical_smiles(*parsed.mol)), reference) << smiles << " (canonical)";
    std::set<std::string> seen;
    for (int k = 0; k < 10; ++k) {
      const std::string random = RDKit::MolToSmiles(*parsed.mol, /*doIsomericSmiles=*/true, /*doKekule=*/false,
                                                    /*rootedAtAtom=*/-1, /*canonical=*/false,
                                                    /*allBondsExplicit=*/false, /*allHsExplicit=*/false,
                                                    /*doRandom=*/true);
      seen.insert(random);
      EXPECT_EQ(fingerprint_of(random), reference) << smiles << " written as " << random;
    }
    EXPECT_GT(seen.size(), 1u) << "random SMILES of " << smiles << " never differed";
  }
}

TEST(Fingerprint, TanimotoOfItselfIsOne) {
  const std::vector<uint8_t> fp = fingerprint_of("c1ccccc1O");
  EXPECT_DOUBLE_EQ(tanimoto(fp, fp), 1.0);
}

TEST(Fingerprint, TanimotoIsSymmetricAndInUnitInterval) {
  const std::vector<std::string> smiles{"c1ccccc1", "Cc1ccccc1", "CCO", "CC(=O)O", "C1CCCCC1", "c1ccncc1"};
  std::vector<std::vector<uint8_t>> fps;
  for (const auto& s : smiles) fps.push_back(fingerprint_of(s));
  for (size_t i = 0; i < fps.size(); ++i) {
    for (size_t j = 0; j < fps.size(); ++j) {
      const double s = tanimoto(fps[i], fps[j]);
      EXPECT_GE(s, 0.0);
      EXPECT_LE(s, 1.0);
      EXPECT_DOUBLE_EQ(s, tanimoto(fps[j], fps[i])) << smiles[i] << " vs " << smiles[j];
    }
  }
}

TEST(Fingerprint, BenzeneIsCloserToTolueneThanToEthanol) {
  const auto benzene = fingerprint_of("c1ccccc1");
  const auto toluene = fingerprint_of("Cc1ccccc1");
  const auto ethanol = fingerprint_of("CCO");
  EXPECT_GT(tanimoto(benzene, toluene), tanimoto(benzene, ethanol));
  EXPECT_GT(tanimoto(benzene, toluene), 0.0);
}

TEST(Fingerprint, TanimotoOfEmptyVectorsIsOne) {
  const std::vector<uint8_t> zeros(16, 0);
  EXPECT_DOUBLE_EQ(tanimoto(zeros, zeros), 1.0);
  EXPECT_DOUBLE_EQ(tanimoto({}, {}), 1.0);
}

TEST(Fingerprint, TanimotoOfHandMadeVectors) {
  EXPECT_DOUBLE_EQ(tanimoto({1, 1, 0, 0}, {1, 0, 1, 0}), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(tanimoto({1, 0, 0, 0}, {0, 1, 0, 0}), 0.0);
}

TEST(Fingerprint, TanimotoRejectsDifferentLengths) {
  EXPECT_THROW(tanimoto(std::vector<uint8_t>(8, 1), std::vector<uint8_t>(16, 1)), molprop::Error);
}

TEST(Fingerprint, NumBitsOptionIsRespected) {
  FingerprintOptions options;
  options.num_bits = 512;
  const auto fp = fingerprint_of("CC(=O)Oc1ccccc1C(=O)O", options);
  ASSERT_EQ(fp.size(), 512u);
  for (uint8_t b : fp) EXPECT_TRUE(b == 0 || b == 1);
  EXPECT_GT(count_bits(fp), 0u);
}

TEST(Fingerprint, LargerRadiusSetsAtLeastAsManyEnvironments) {
  // Radius 0 hashes atom invariants only; each larger radius adds environments, so with
  // many bits (few collisions) the number of set bits cannot fall.
  const std::string smiles = "CC(=O)Oc1ccccc1C(=O)O";
  size_t previous = 0;
  for (int radius = 0; radius <= 3; ++radius) {
    FingerprintOptions options;
    options.radius = radius;
    options.num_bits = 1 << 16;
    const size_t bits = count_bits(fingerprint_of(smiles, options));
    EXPECT_GE(bits, previous) << "radius " << radius;
    if (radius == 1) {
      EXPECT_GT(bits, previous) << "radius 1 should add environments to radius 0";
    }
    previous = bits;
  }
  FingerprintOptions r0, r2;
  r0.radius = 0;
  EXPECT_NE(fingerprint_of(smiles, r0), fingerprint_of(smiles, r2));
}

TEST(Fingerprint, RejectsBadOptions) {
  ParsedMol parsed = parse_smiles("CCO");
  ASSERT_TRUE(parsed.ok());
  FingerprintOptions options;
  options.num_bits = 0;
  EXPECT_THROW(morgan_fingerprint(*parsed.mol, options), molprop::Error);
  options.num_bits = 2048;
  options.radius = -1;
  EXPECT_THROW(morgan_fingerprint(*parsed.mol, options), molprop::Error);
}

// The domain search's kernel: every kernel gives the bit-by-bit count, for 2048-bit rows
// (the fast path) and for widths that are not a multiple of 8 words, sparse and dense.
TEST(AndPopcounts, EveryKernelCountsTheCommonBitsOfEachRow) {
  std::mt19937_64 rng(7);
  for (const size_t words : {size_t{32}, size_t{1}, size_t{9}, size_t{19}}) {
    const size_t n = 300;
    std::vector<uint64_t> query(words), rows(words * n);
    for (auto& w : query) w = rng() & rng();  // ~1/4 of the bits
    for (size_t i = 0; i < rows.size(); ++i) rows[i] = (i / words) % 3 == 0 ? rng() : rng() & rng() & rng();
    rows[0] = ~uint64_t{0};  // a full word and an empty row
    std::fill(rows.begin() + static_cast<std::ptrdiff_t>(words), rows.begin() + static_cast<std::ptrdiff_t>(2 * words),
              0);
    std::vector<int32_t> expected(n);
    for (size_t r = 0; r < n; ++r) {
      int count = 0;
      for (size_t w = 0; w < words; ++w) count += static_cast<int>(std::bitset<64>(query[w] & rows[r * words + w]).count());
      expected[r] = count;
    }
    EXPECT_EQ(expected[1], 0);
    std::vector<int32_t> got(n, -1);
    and_popcounts(query.data(), rows.data(), words, n, got.data());
    EXPECT_EQ(got, expected) << words << " words, the dispatched kernel";
    std::fill(got.begin(), got.end(), -1);
    and_popcounts_with("portable", query.data(), rows.data(), words, n, got.data());
    EXPECT_EQ(got, expected) << words << " words, portable";
    if (avx512_popcount_available()) {
      std::fill(got.begin(), got.end(), -1);
      and_popcounts_with("avx512", query.data(), rows.data(), words, n, got.data());
      EXPECT_EQ(got, expected) << words << " words, avx512";
    } else {
      EXPECT_THROW(and_popcounts_with("avx512", query.data(), rows.data(), words, n, got.data()), molprop::Error);
    }
  }
  std::vector<int32_t> out(1);
  const uint64_t one = 1;
  EXPECT_THROW(and_popcounts_with("sse", &one, &one, 1, 1, out.data()), molprop::Error);
}

}  // namespace
}  // namespace molprop::chem
