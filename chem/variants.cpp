#include "chem/variants.h"

#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/MolStandardize/Charge.h>
#include <GraphMol/MolStandardize/Tautomer.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <algorithm>
#include <memory>
#include <set>

#include "chem/parse.h"
#include "chem/tautomer_enumerator.h"

namespace molprop::chem {
namespace {

// RDKit's transform limit for the robustness variants (parse's caps are tighter,
// chem::kMaxTautomerTransforms): the report lists as many tautomers as the user's cap allows.
constexpr unsigned kVariantTautomerTransforms = 200;

// Ionisable at pH 7.4: the O–H of a carboxylic or sulfonic acid, and a basic amine N.
const RDKit::ROMol& acid_pattern() {
  static const std::unique_ptr<RDKit::ROMol> p(RDKit::SmartsToMol("[$([OX2H1][CX3]=O),$([OX2H1][SX4](=O)=O)]"));
  return *p;
}
const RDKit::ROMol& amine_pattern() {
  static const std::unique_ptr<RDKit::ROMol> p(RDKit::SmartsToMol(
      "[NX3;+0;!$(N-[!#6;!#1]);!$(N-C=[O,N,S]);!$(N-a);!$(N-C#N);!$(N-S(=O)=O);!$(N-[CX3]=[CX3])]"));
  return *p;
}

std::string canonical(const RDKit::ROMol& mol) { return RDKit::MolToSmiles(mol); }

// `mol` with the charge of every atom matched by `pattern` changed by `delta` (+1: gains an
// H; −1: loses one); empty when nothing matched or the result does not sanitise.
std::string ionised(const RDKit::ROMol& mol, const RDKit::ROMol& pattern, int delta) {
  std::vector<RDKit::MatchVectType> matches;
  if (RDKit::SubstructMatch(mol, pattern, matches) == 0) return "";
  RDKit::RWMol edited(mol);
  for (const auto& match : matches) {
    RDKit::Atom* atom = edited.getAtomWithIdx(static_cast<unsigned>(match.front().second));
    const int hs = static_cast<int>(atom->getTotalNumHs());
    if (hs + delta < 0) continue;
    atom->setFormalCharge(atom->getFormalCharge() + delta);
    atom->setNoImplicit(true);
    atom->setNumExplicitHs(static_cast<unsigned>(hs + delta));
  }
  try {
    RDKit::MolOps::sanitizeMol(edited);
  } catch (const std::exception&) {
    return "";
  }
  return canonical(edited);
}

}  // namespace

const std::vector<std::string>& variant_kinds() {
  static const std::vector<std::string> kinds = {"spelling", "tautomer", "charge", "explicit_h"};
  return kinds;
}

// The tautomer enumerator of enumerate_variants (this thread's): up to one more tautomer than
// the cap (the input itself is among them), and the stereo the input has kept: a tautomer is not
// a stereoisomer.
static const RDKit::MolStandardize::TautomerEnumerator& variant_enumerator(int max_tautomers) {
  return thread_tautomer_enumerator({static_cast<unsigned>(std::max(1, max_tautomers) + 1), kVariantTautomerTransforms,
                                     /*keep_stereo=*/true});
}

std::vector<MolVariant> enumerate_variants(const std::string& smiles, const VariantOptions& options) {
  std::vector<MolVariant> out;
  const ParsedMol parsed = parse_smiles(smiles);
  if (!parsed.ok()) return out;
  const RDKit::ROMol& mol = *parsed.mol;
  const std::string self = canonical(mol);
  std::set<std::string> seen = {smiles};
  auto add = [&](const std::string& kind, const std::string& s, bool other_graph) {
    if (s.empty() || (other_graph && s == self) || !seen.insert(s).second) return;
    out.push_back({kind, s});
  };
  try {
    if (options.spelling) {
      const int n = static_cast<int>(mol.getNumAtoms());
      for (int root : {n / 2, n - 1}) {
        RDKit::SmilesWriteParams p;
        p.canonical = false;
        p.rootedAtAtom = root;
        add("spelling", RDKit::MolToSmiles(mol, p), false);
      }
      RDKit::SmilesWriteParams explicit_bonds;
      explicit_bonds.allBondsExplicit = true;
      add("spelling", RDKit::MolToSmiles(mol, explicit_bonds), false);
      RDKit::RWMol kekule(mol);
      RDKit::MolOps::Kekulize(kekule, /*markAtomsBonds=*/true);
      RDKit::SmilesWriteParams p;
      p.doKekule = true;
      add("spelling", RDKit::MolToSmiles(kekule, p), false);
    }
  } catch (const std::exception&) {
  }
  try {
    if (options.tautomer) {
      const auto result = variant_enumerator(options.max_tautomers).enumerate(mol);
      int kept = 0;
      for (const auto& s : result.smiles()) {
        if (kept >= options.max_tautomers) break;
        const size_t before = out.size();
        add("tautomer", s, true);
        kept += out.size() > before;
      }
    }
  } catch (const std::exception&) {
  }
  try {
    if (options.charge) {
      std::unique_ptr<RDKit::ROMol> neutral(RDKit::MolStandardize::Uncharger().uncharge(mol));
      add("charge", canonical(*neutral), true);
      add("charge", ionised(*neutral, acid_pattern(), -1), true);
      add("charge", ionised(*neutral, amine_pattern(), +1), true);
    }
  } catch (const std::exception&) {
  }
  try {
    if (options.explicit_h) {
      std::unique_ptr<RDKit::ROMol> with_hs(RDKit::MolOps::addHs(mol));
      add("explicit_h", RDKit::MolToSmiles(*with_hs), false);
    }
  } catch (const std::exception&) {
  }
  return out;
}

}  // namespace molprop::chem
