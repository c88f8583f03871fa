#pragma once
// SMILES → sanitised RDKit molecule, with every failure folded into one result.
//
// RDKit reports a syntax error as a null molecule (the reason goes to its error log)
// and a chemistry error (valence, kekulisation) as an exception. parse_smiles turns both
// into ParsedMol::error carrying RDKit's own words, and keeps RDKit's log chatter off
// stderr: while a parse runs, RDKit's error and warning logs on this thread are captured
// into a per-thread buffer. Safe to call from many threads at once.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace RDKit {
class ROMol;
}

namespace molprop::chem {

// What parse_smiles accepts before RDKit sees the string (docs/reliability.md):
// printable ASCII only; surrounding whitespace is trimmed, whitespace inside is refused
// (RDKit would read "CCO ethanol" as ethanol named "ethanol", which hides a broken
// column); at most kDefaultMaxSmilesLength characters and kDefaultMaxAtoms atoms, so
// that one huge string cannot stall a batch inside RDKit (5,000 carbons take RDKit
// minutes). The longest SMILES in the shared datasets has 913 characters and 352 heavy
// atoms.
constexpr int kDefaultMaxSmilesLength = 2000;
constexpr int kDefaultMaxAtoms = 500;
constexpr int kMaxTautomerForms = 64;
// Caps on RDKit's tautomer enumeration for canonical_tautomer and tautomer_forms: at most this
// many tautomers listed and transforms applied per molecule. They bound the time and memory
// one molecule can take (a polyhydroxylated natural product lists hundreds of tautomers); a
// molecule that reaches a cap is ranked on the tautomers listed so far (docs/robustness.md).
constexpr int kMaxTautomersListed = 64;
constexpr int kMaxTautomerTransforms = 64;

struct ParseOptions {
  // Keep the largest organic fragment and neutralise charges (RDKit MolStandardize),
  // so "CC(=O)[O-].[Na+]" is featurised as acetic acid.
  bool standardize = false;
  // Replace the molecule by RDKit's canonical tautomer (MolStandardize TautomerEnumerator,
  // within the caps above), after standardisation: every tautomer of a compound becomes
  // the same graph (docs/robustness.md).
  bool canonical_tautomer = false;
  // Also keep the compound's `tautomer_forms` most plausible tautomers in ParsedMol::forms
  // (after standardisation): RDKit's TautomerEnumerator (within the caps above) lists them,
  // they are ordered by RDKit's tautomer score, highest first, ties by SMILES (so the first
  // is normally RDKit's canonical tautomer), and each is re-read from its canonical SMILES.
  // When the enumeration completes within the caps, the list does not depend on which
  // tautomer the SMILES wrote, so a prediction averaged over it does not either
  // (docs/robustness.md). 0: off; at most kMaxTautomerForms.
  int tautomer_forms = 0;
  // Longest SMILES (characters, after trimming surrounding whitespace) handed to RDKit.
  int max_smiles_length = kDefaultMaxSmilesLength;
  // Most atoms a SMILES may write (counted on the string before parsing: every bracket
  // atom and every organic-subset atom, hydrogens in brackets included).
  int max_atoms = kDefaultMaxAtoms;
};

struct ParsedMol {
  std::unique_ptr<RDKit::ROMol> mol;  // null when parsing failed
  std::string error;                  // empty when parsing succeeded
  // Disconnected components the SMILES wrote ("CC(=O)[O-].[Na+]": 2), counted before
  // standardisation kept the largest.
  int components = 1;
  // With ParseOptions::tautomer_forms: the most plausible tautomers, in order (at least the
  // molecule itself when enumeration finds nothing else); empty otherwise.
  std::vector<std::unique_ptr<RDKit::ROMol>> forms;

  bool ok() const { return mol != nullptr; }
  ParsedMol();
  ParsedMol(ParsedMol&&) noexcept;
  ParsedMol& operator=(ParsedMol&&) noexcept;
  ~ParsedMol();
};

// Failures (ParsedMol::error, one line of at most ~300 bytes): "empty SMILES", "non-ASCII
// byte 0xC3 at position 3" (1-based), "control byte 0x00 at position 2", "whitespace at
// position 4 ...", "SMILES has N characters, more than the limit of M", "SMILES has N
// atoms, more than the limit of M", or RDKit's reason.
ParsedMol parse_smiles(std::string_view smiles, const ParseOptions& options = {});

// The atoms a SMILES writes, counted on the string (no parsing): '[' ... ']' is one atom,
// and outside brackets every organic-subset element (B C N O P S F Cl Br I, aromatic b c
// n o p s) and '*'. Ring-closure digits, bonds, branches and '%nn' are not atoms.
int64_t count_smiles_atoms(std::string_view smiles);

// Canonical SMILES of a parsed molecule (RDKit's canonical form, isomeric).
std::string canonical_smiles(const RDKit::ROMol& mol);

// Stops RDKit printing to stderr for the whole process (parse_smiles captures per call
// anyway; this also covers other RDKit calls, e.g. descriptors). Idempotent.
void quiet_rdkit_logs();

}  // namespace molprop::chem
