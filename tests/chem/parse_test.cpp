// Tests for chem/parse.h: every failure becomes ParsedMol::error carrying RDKit's own
// reason, nothing reaches stderr, reasons never leak between threads, and the
// standardize option keeps the largest fragment, neutralised.
#include "chem/parse.h"

#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/MolStandardize/Tautomer.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace molprop::chem {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Runs parse_smiles with stderr captured; the capture must stay empty.
ParsedMol parse_quietly(const std::string& smiles, const ParseOptions& options = {}) {
  testing::internal::CaptureStderr();
  ParsedMol p = parse_smiles(smiles, options);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "") << "parse_smiles(\"" << smiles << "\") printed to stderr";
  return p;
}

TEST(ParseSmiles, ValidSmilesParses) {
  struct Case {
    const char* smiles;
    unsigned heavy_atoms;
  };
  for (const Case& c : {Case{"C", 1}, Case{"CCO", 3}, Case{"c1ccccc1", 6}, Case{"C[C@H](N)C(=O)O", 6},
                        Case{"[Na+].[Cl-]", 2}, Case{"CC(C)Cc1ccc(cc1)C(C)C(=O)O", 15}}) {
    ParsedMol p = parse_quietly(c.smiles);
    ASSERT_TRUE(p.ok()) << c.smiles << ": " << p.error;
    EXPECT_TRUE(p.error.empty()) << c.smiles;
    EXPECT_EQ(p.mol->getNumAtoms(), c.heavy_atoms) << c.smiles;
  }
}

TEST(ParseSmiles, CountsTheComponentsAsRdkitDoes) {
  // Rings, bonds written out of order and single atoms; the count RDKit's getMolFrags gives.
  for (const std::string smiles :
       {"CCO", "CC(=O)[O-].[Na+]", "O.O.c1ccccc1", "[Cl-].[Na+].C1CC2CCC1C2.C1CC1", "C1CC.C1", "[Na+].[Cl-]", "[He]"}) {
    const ParsedMol parsed = parse_smiles(smiles);
    ASSERT_TRUE(parsed.ok()) << smiles;
    std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol(smiles));
    std::vector<int> fragment_of_atom;
    EXPECT_EQ(parsed.components, static_cast<int>(RDKit::MolOps::getMolFrags(*mol, fragment_of_atom))) << smiles;
  }
  EXPECT_EQ(parse_smiles("O.O.c1ccccc1").components, 3);
  EXPECT_EQ(parse_smiles("C1CC.C1").components, 1);  // a ring bond across the dot
}

TEST(ParseSmiles, SyntaxErrorsGiveRdkitReason) {
  for (const char* smi : {"C1CC", "C(C", "xyz", "CC)C", "C==C", "c1ccccc1]"}) {
    ParsedMol p = parse_quietly(smi);
    EXPECT_FALSE(p.ok()) << smi;
    EXPECT_EQ(p.mol, nullptr) << smi;
    EXPECT_FALSE(p.error.empty()) << smi;
    EXPECT_TRUE(contains(p.error, "SMILES Parse Error")) << smi << " → " << p.error;
    // Cleaned to one line without RDKit's "[hh:mm:ss] " timestamps.
    EXPECT_EQ(p.error.find('\n'), std::string::npos) << p.error;
    EXPECT_NE(p.error[0], '[') << p.error;
  }
  EXPECT_TRUE(contains(parse_quietly("C1CC").error, "unclosed ring"));
  // The reason names the offending input, so a user can find the row.
  EXPECT_TRUE(contains(parse_quietly("xyz").error, "xyz"));
}

TEST(ParseSmiles, ValenceErrorMentionsValence) {
  ParsedMol p = parse_quietly("C(C)(C)(C)(C)C");
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(contains(p.error, "valence")) << p.error;
  ParsedMol q = parse_quietly("FN(F)(F)F");
  EXPECT_FALSE(q.ok());
  EXPECT_TRUE(contains(q.error, "valence")) << q.error;
}

TEST(ParseSmiles, KekulizationErrorGivesReason) {
  ParsedMol p = parse_quietly("c1cccc1");
  EXPECT_FALSE(p.ok());
  EXPECT_FALSE(p.error.empty());
  EXPECT_TRUE(contains(p.error, "kekulize")) << p.error;
}

TEST(ParseSmiles, EmptySmiles) {
  ParsedMol p = parse_quietly("");
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.error, "empty SMILES");
}

// A failure must not leave its reason behind for the next, successful call.
TEST(ParseSmiles, SuccessAfterFailureHasNoError) {
  EXPECT_FALSE(parse_quietly("C1CC").ok());
  ParsedMol p = parse_quietly("CCO");
  EXPECT_TRUE(p.ok());
  EXPECT_EQ(p.error, "");
  // And the next failure reports only its own reason.
  ParsedMol q = parse_quietly("xyz");
  EXPECT_FALSE(contains(q.error, "C1CC")) << q.error;
}

TEST(ParseSmiles, NothingPrintedForWarningsEither) {
  // Standardisation logs INFO/WARNING lines in RDKit; they must not reach stderr.
  ParseOptions opts;
  opts.standardize = true;
  for (const char* smi : {"CC(=O)[O-].[Na+]", "C[N+](C)(C)C.[Cl-]", "c1ccccc1C(=O)[O-].[K+]"}) {
    ParsedMol p = parse_quietly(smi, opts);
    EXPECT_TRUE(p.ok()) << smi << ": " << p.error;
  }
}

TEST(ParseSmiles, QuietRdkitLogsIsIdempotent) {
  quiet_rdkit_logs();
  quiet_rdkit_logs();
  ParsedMol p = parse_quietly("C1CC");
  EXPECT_TRUE(contains(p.error, "unclosed ring")) << p.error;
}

// Issue 14 (AddressSanitizer, scripts/test-sanitizers.sh): RDKit's loggers flush the
// stream parse_smiles points them at when libRDKitRDGeneral is unloaded, after this
// executable's statics are gone; the stream was a function-local static, so every process
// that parsed a SMILES used it after its destruction at exit (SEGV under ASan, silent luck
// without). The capture stream now lives to the end: a process that parsed exits cleanly.
TEST(ParseSmiles, ProcessThatParsedExitsCleanly) {
  EXPECT_EXIT(
      {
        const bool failed = !parse_smiles("C1CC").ok();  // RDKit logs the reason
        std::exit(failed ? 0 : 3);
      },
      testing::ExitedWithCode(0), "");
}

// quiet_rdkit_logs() also silences RDKit calls made outside parse_smiles.
TEST(ParseSmiles, QuietRdkitLogsCoversDirectRdkitCalls) {
  quiet_rdkit_logs();
  testing::internal::CaptureStderr();
  std::unique_ptr<RDKit::RWMol> bad(RDKit::SmilesToMol("C1CC"));
  EXPECT_EQ(bad, nullptr);
  try {
    std::unique_ptr<RDKit::RWMol> valence(RDKit::SmilesToMol("C(C)(C)(C)(C)C"));
  } catch (const std::exception&) {
    // RDKit reports sanitisation failures as exceptions; only the log output matters here.
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  // parse_smiles still reports its own reason afterwards, not the leftovers above.
  ParsedMol p = parse_quietly("xyz");
  EXPECT_FALSE(contains(p.error, "C1CC")) << p.error;
  EXPECT_TRUE(contains(p.error, "xyz")) << p.error;
}

TEST(ParseSmiles, WarningsOnSuccessfulParsesStayOffStderr) {
  for (const char* smi : {"[H]", "[H][H]", "[2H]C", "C[C@H](C)C", "F/C=C/F", " CCO\r\n"}) {
    ParsedMol p = parse_quietly(smi);
    EXPECT_TRUE(p.ok()) << smi << ": " << p.error;
    EXPECT_EQ(p.error, "") << smi;
  }
}

// Each thread parses its own bad SMILES; the reason it gets back must always be its own
// (it names that SMILES) and never mention another thread's input.
TEST(ParseSmilesThreads, ReasonsDoNotLeakBetweenThreads) {
  const std::vector<std::string> bad = {"C1CC", "C(C", "xyz", "C(C)(C)(C)(C)C"};
  // Reference reasons from a single thread.
  std::vector<std::string> expected;
  for (const auto& s : bad) {
    ParsedMol p = parse_smiles(s);
    ASSERT_FALSE(p.ok());
    ASSERT_FALSE(p.error.empty()) << s;
    expected.push_back(p.error);
  }
  constexpr int kIters = 500;
  std::vector<int> mismatches(bad.size(), 0);
  std::vector<std::string> first_bad(bad.size());
  testing::internal::CaptureStderr();
  {
    std::vector<std::thread> threads;
    for (size_t t = 0; t < bad.size(); ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kIters; ++i) {
          ParsedMol p = parse_smiles(bad[t]);
          if (p.ok() || p.error != expected[t]) {
            if (mismatches[t]++ == 0) first_bad[t] = p.error;
          }
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  for (size_t t = 0; t < bad.size(); ++t) {
    EXPECT_EQ(mismatches[t], 0) << "thread parsing \"" << bad[t] << "\": expected \"" << expected[t]
                                << "\", first wrong reason: \"" << first_bad[t] << "\"";
  }
}

// Good and bad SMILES interleaved across threads: good ones never pick up an error.
TEST(ParseSmilesThreads, GoodParsesStayCleanUnderConcurrentFailures) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        if (t == 0) {
          ParsedMol p = parse_smiles("c1ccccc1O");
          if (!p.ok() || !p.error.empty()) ++wrong;
        } else {
          ParsedMol p = parse_smiles(t == 1 ? "C1CC" : "c1cccc1");
          if (p.ok() || p.error.empty()) ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ParseStandardize, SaltBecomesNeutralAcid) {
  ParseOptions opts;
  opts.standardize = true;
  ParsedMol p = parse_quietly("CC(=O)[O-].[Na+]", opts);
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(canonical_smiles(*p.mol), "CC(=O)O");
  // Largest fragment first, then neutralised, whatever the fragment order.
  ParsedMol q = parse_quietly("[Na+].[O-]C(=O)C", opts);
  ASSERT_TRUE(q.ok()) << q.error;
  EXPECT_EQ(canonical_smiles(*q.mol), "CC(=O)O");
}

TEST(ParseStandardize, OffKeepsBothFragments) {
  ParsedMol p = parse_quietly("CC(=O)[O-].[Na+]");
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.mol->getNumAtoms(), 5u);
  const std::string smi = canonical_smiles(*p.mol);
  EXPECT_TRUE(contains(smi, ".")) << smi;
  EXPECT_TRUE(contains(smi, "[Na+]")) << smi;
  EXPECT_TRUE(contains(smi, "[O-]")) << smi;
}

TEST(ParseStandardize, KeepsStereo) {
  ParseOptions opts;
  opts.standardize = true;
  ParsedMol plain = parse_quietly("C[C@H](N)C(=O)O");
  ParsedMol salt = parse_quietly("C[C@H](N)C(=O)[O-].[Na+]", opts);
  ASSERT_TRUE(plain.ok() && salt.ok()) << salt.error;
  EXPECT_EQ(canonical_smiles(*salt.mol), canonical_smiles(*plain.mol));
}

TEST(CanonicalSmiles, SameMoleculeSameString) {
  ParsedMol a = parse_quietly("OCC");
  ParsedMol b = parse_quietly("C(O)C");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(canonical_smiles(*a.mol), canonical_smiles(*b.mol));
  EXPECT_EQ(canonical_smiles(*a.mol), "CCO");
}

}  // namespace
}  // namespace molprop::chem

// RDKit reads "CCO ethanol" as ethanol with a name; in a CSV cell that hides a broken
// column, so whitespace inside a SMILES is an error while surrounding whitespace is not.
TEST(ParseSmiles, WhitespaceInsideIsAnErrorAroundIsTrimmed) {
  using molprop::chem::parse_smiles;
  const std::string named = parse_smiles("CCO ethanol").error;
  EXPECT_EQ(named.rfind("whitespace at position 4", 0), 0u) << named;
  EXPECT_NE(named.find("'ethanol'"), std::string::npos) << named;
  EXPECT_EQ(parse_smiles("CC\nCC").error.rfind("whitespace at position 3", 0), 0u);
  EXPECT_EQ(parse_smiles("CC\nCC").error.find('\n'), std::string::npos);
  EXPECT_TRUE(parse_smiles("  CCO\t").ok());
  EXPECT_TRUE(parse_smiles("CCO\r\n").ok());
  EXPECT_EQ(parse_smiles("   ").error, "empty SMILES");
}

// Issue 14 case 5: "CCéO" was featurised as ethane (RDKit stopped at the byte).
TEST(ParseSmiles, NonAsciiByteIsRefusedWithItsPosition) {
  using molprop::chem::parse_smiles;
  const molprop::chem::ParsedMol p = parse_smiles("CC\xC3\xA9O");
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.error.rfind("non-ASCII byte 0xC3 at position 3", 0), 0u) << p.error;
  EXPECT_EQ(parse_smiles("CC\xE9O").error.rfind("non-ASCII byte 0xE9 at position 3", 0), 0u);
}

// Issue 14: a NUL byte inside a cell; RDKit would stop reading at it.
TEST(ParseSmiles, ControlByteIsRefusedWithItsPosition) {
  using molprop::chem::parse_smiles;
  using namespace std::string_literals;
  EXPECT_EQ(parse_smiles("CC\0O"s).error, "control byte 0x00 at position 3");
  EXPECT_EQ(parse_smiles("C\x1b[31mC").error, "control byte 0x1B at position 2");
  EXPECT_EQ(parse_smiles("CC\x7f").error, "control byte 0x7F at position 3");
}

// Issue 14 case 11: one SMILES of a million carbons stalled a whole batch inside RDKit.
TEST(ParseSmiles, MillionCharacterSmilesIsRefusedAtOnce) {
  using molprop::chem::parse_smiles;
  const auto start = std::chrono::steady_clock::now();
  const molprop::chem::ParsedMol p = parse_smiles(std::string(1000000, 'C'));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.error, "SMILES has 1000000 characters, more than the limit of 2000");
  EXPECT_LT(seconds, 1.0);
}

// Issue 14 case 11: under the character limit, too many atoms (C x 1,999 took RDKit seconds).
TEST(ParseSmiles, TooManyAtomsIsRefusedBeforeRdkit) {
  using molprop::chem::parse_smiles;
  const auto start = std::chrono::steady_clock::now();
  const molprop::chem::ParsedMol p = parse_smiles(std::string(1999, 'C'));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(p.error, "SMILES has 1999 atoms, more than the limit of 500");
  EXPECT_LT(seconds, 1.0);
  EXPECT_TRUE(parse_smiles(std::string(500, 'C')).ok());
}

TEST(ParseSmiles, LimitsAreOptions) {
  using molprop::chem::parse_smiles;
  molprop::chem::ParseOptions small;
  small.max_smiles_length = 3;
  EXPECT_EQ(parse_smiles("CCCC", small).error, "SMILES has 4 characters, more than the limit of 3");
  EXPECT_TRUE(parse_smiles("CCC", small).ok());
  molprop::chem::ParseOptions few;
  few.max_atoms = 2;
  EXPECT_EQ(parse_smiles("CCO", few).error, "SMILES has 3 atoms, more than the limit of 2");
  EXPECT_TRUE(parse_smiles("[Na+].[Cl-]", few).ok());
}

TEST(CountSmilesAtoms, CountsBracketAndOrganicAtomsOnly) {
  using molprop::chem::count_smiles_atoms;
  EXPECT_EQ(count_smiles_atoms("CCO"), 3);
  EXPECT_EQ(count_smiles_atoms("c1ccccc1Cl"), 7);
  EXPECT_EQ(count_smiles_atoms("BrC(Br)=O"), 4);
  EXPECT_EQ(count_smiles_atoms("[Na+].[Cl-]"), 2);
  EXPECT_EQ(count_smiles_atoms("C%12CC%12"), 3);
  EXPECT_EQ(count_smiles_atoms("[C@@H](N)(O)S"), 4);
}

// Issue 14 case 11: the default limits accept every SMILES of the shared datasets. The
// longest ones (npatlas.csv.gz: 913 characters, 352 heavy atoms) parse with the
// defaults; a missing file fails the test.
TEST(ParseSmiles, DefaultLimitsAcceptTheLongestSharedSmiles) {
  const std::string path = std::string(MOLPROP_SHARED_DATA_DIR) + "/npatlas.csv.gz";
  const std::string command = "gzip -dc '" + path + "'";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string longest, line;
  char buf[1 << 16];
  while (fgets(buf, sizeof buf, pipe) != nullptr) {
    line += buf;
    if (line.empty() || line.back() != '\n') continue;
    line.pop_back();
    const std::string smiles = line.substr(0, line.find(','));
    if (smiles.size() > longest.size()) longest = smiles;
    line.clear();
  }
  ASSERT_EQ(pclose(pipe), 0) << path << " could not be read";
  ASSERT_EQ(longest.size(), 913u) << path;
  const molprop::chem::ParsedMol p = molprop::chem::parse_smiles(longest);
  EXPECT_TRUE(p.ok()) << p.error;
  EXPECT_LE(molprop::chem::count_smiles_atoms(longest), molprop::chem::kDefaultMaxAtoms);
}

namespace molprop::chem {
namespace {

// The tautomer enumerator and the standardiser's objects are built once per thread: several
// threads standardising, canonicalising and listing tautomer forms at once get exactly what
// one thread gets, molecule by molecule.
TEST(ParseTautomerThreads, PerThreadEnumeratorsGiveTheSingleThreadResults) {
  const std::vector<std::string> inputs = {"Oc1ccccn1",  "O=c1cccc[nH]1", "CC(=O)CC(C)=O", "CC(O)=CC(C)=O",
                                           "CC(=O)[O-].[Na+]", "C[NH3+]",  "NC(=O)c1ccccc1", "S=c1[nH]cccc1",
                                           "c1ccc2[nH]ccc2c1", "OC(=O)c1ccccc1O"};
  ParseOptions canonical;
  canonical.standardize = true;
  canonical.canonical_tautomer = true;
  ParseOptions forms;
  forms.standardize = true;
  forms.tautomer_forms = 3;
  // One string per molecule: the canonical tautomer, then the listed forms.
  auto describe = [&](const std::string& s) {
    const ParsedMol a = parse_smiles(s, canonical);
    const ParsedMol b = parse_smiles(s, forms);
    std::string out = a.ok() ? canonical_smiles(*a.mol) : "error: " + a.error;
    out += " |";
    for (const auto& f : b.forms) out += " " + canonical_smiles(*f);
    return out;
  };
  std::vector<std::string> expected;
  for (const auto& s : inputs) expected.push_back(describe(s));
  EXPECT_EQ(expected[0].substr(0, expected[0].find(" |")), expected[1].substr(0, expected[1].find(" |")))
      << "2-hydroxypyridine and 2-pyridone have one canonical tautomer";
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (size_t i = t; i < inputs.size() + t; ++i) {
          const size_t k = i % inputs.size();
          if (describe(inputs[k]) != expected[k]) ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

// The caps on RDKit's enumeration (kMaxTautomersListed, kMaxTautomerTransforms) bound the work
// of a heavily tautomeric molecule: quercetin lists more tautomers than the cap under RDKit's
// defaults, fewer than kMaxTautomerForms under the caps; the forms are still one ranked list
// whose first is the canonical tautomer, the same from both options.
TEST(ParseTautomerCaps, AHeavilyTautomericMoleculeIsRankedWithinTheCaps) {
  const std::string quercetin = "O=c1c(O)c(-c2ccc(O)c(O)c2)oc2cc(O)cc(O)c12";
  std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(quercetin));
  ASSERT_TRUE(mol);
  EXPECT_GT(RDKit::MolStandardize::TautomerEnumerator().enumerate(*mol).size(),
            static_cast<size_t>(kMaxTautomersListed));
  ParseOptions all;
  all.tautomer_forms = kMaxTautomerForms;
  const ParsedMol listed = parse_smiles(quercetin, all);
  ASSERT_TRUE(listed.ok()) << listed.error;
  EXPECT_GE(listed.forms.size(), 2u);
  EXPECT_LT(listed.forms.size(), static_cast<size_t>(kMaxTautomerForms)) << "the caps stop the enumeration";
  ParseOptions canonical;
  canonical.canonical_tautomer = true;
  const ParsedMol c = parse_smiles(quercetin, canonical);
  ASSERT_TRUE(c.ok()) << c.error;
  EXPECT_EQ(canonical_smiles(*c.mol), canonical_smiles(*listed.forms.front()));
  // Deterministic: the same list again.
  const ParsedMol again = parse_smiles(quercetin, all);
  ASSERT_EQ(again.forms.size(), listed.forms.size());
  for (size_t k = 0; k < listed.forms.size(); ++k) {
    EXPECT_EQ(canonical_smiles(*again.forms[k]), canonical_smiles(*listed.forms[k])) << k;
  }
}

}  // namespace
}  // namespace molprop::chem
