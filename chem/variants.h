#pragma once
// Other ways of writing the same compound as a graph, for `molprop robustness`
// (docs/robustness.md). The measured property belongs to the compound, so a model's
// prediction should not move between them.
//
// Kinds (each a SMILES a user could plausibly have written):
//   spelling    the same graph, another SMILES: non-canonical SMILES rooted at the middle
//               and at the last atom, every bond written out (C-C-O), and the Kekulé form;
//   tautomer    other tautomers from RDKit's MolStandardize TautomerEnumerator (its
//               default transforms; at most max_tautomers, at most 200 transforms tried);
//   charge      the neutral form (MolStandardize Uncharger) when the input is charged, and
//               the ionised forms at pH 7.4: every carboxylic / sulfonic acid O–H
//               deprotonated, every basic amine (sp3 N, not an amide, aniline,
//               sulfonamide, N–heteroatom or nitrile N) protonated;
//   explicit_h  every hydrogen written as an atom ([H]OC([H])([H])...).
// spelling and explicit_h variants are the input's graph by construction (a test of the
// featuriser); a tautomer or charge variant whose canonical SMILES equals the input's is
// dropped (an identical graph is no test of the model). A variant string equal to the input
// or to an earlier variant is dropped. Never throws on chemistry: a molecule that RDKit
// cannot handle gets fewer variants.
#include <string>
#include <vector>

namespace molprop::chem {

struct VariantOptions {
  bool spelling = true, tautomer = true, charge = true, explicit_h = true;
  int max_tautomers = 8;  // other tautomers kept per molecule, 1..1000
};

struct MolVariant {
  std::string kind;    // "spelling", "tautomer", "charge", "explicit_h"
  std::string smiles;  // as a user would write it
};

// The kinds, in the order enumerate_variants returns them.
const std::vector<std::string>& variant_kinds();

// Variants of `smiles` in kind order; empty when it does not parse.
std::vector<MolVariant> enumerate_variants(const std::string& smiles, const VariantOptions& options = {});

}  // namespace molprop::chem
