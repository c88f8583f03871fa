#pragma once
// SMILES → sanitised RDKit molecule, with every failure folded into one result.
//
// RDKit reports a syntax error as a null molecule (the reason goes to its error log)
// and a chemistry error (valence, kekulisation) as an exception. parse_smiles turns both
// into ParsedMol::error carrying RDKit's own words, and keeps RDKit's log chatter off
// stderr: while a parse runs, RDKit's error and warning logs on this thread are captured
// into a per-thread buffer. Safe to call from many threads at once.
#include <memory>
#include <string>
#include <string_view>

namespace RDKit {
class ROMol;
}

namespace molprop::chem {

struct ParseOptions {
  // Keep the largest organic fragment and neutralise charges (RDKit MolStandardize),
  // so "CC(=O)[O-].[Na+]" is featurised as acetic acid.
  bool standardize = false;
};

struct ParsedMol {
  std::unique_ptr<RDKit::ROMol> mol;  // null when parsing failed
  std::string error;                  // empty when parsing succeeded

  bool ok() const { return mol != nullptr; }
  ParsedMol();
  ParsedMol(ParsedMol&&) noexcept;
  ParsedMol& operator=(ParsedMol&&) noexcept;
  ~ParsedMol();
};

ParsedMol parse_smiles(std::string_view smiles, const ParseOptions& options = {});

// Canonical SMILES of a parsed molecule (RDKit's canonical form, isomeric).
std::string canonical_smiles(const RDKit::ROMol& mol);

// Stops RDKit printing to stderr for the whole process (parse_smiles captures per call
// anyway; this also covers other RDKit calls, e.g. descriptors). Idempotent.
void quiet_rdkit_logs();

}  // namespace molprop::chem
