#include "chem/featurizer.h"

#include <GraphMol/PeriodicTable.h>
#include <GraphMol/ROMol.h>
#include <algorithm>
#include <set>

#include "chem/descriptors.h"
#include "chem/scaffold.h"

namespace molprop::chem {

MolGraph build_graph(const RDKit::ROMol& mol) {
  MolGraph g;
  g.num_atoms = static_cast<int32_t>(mol.getNumAtoms());
  g.atom_features.resize(static_cast<size_t>(g.num_atoms) * kNumAtomFeatures);
  for (const auto* atom : mol.atoms()) {
    atom_features(*atom, &g.atom_features[atom->getIdx() * kNumAtomFeatures]);
  }
  const size_t num_bonds = mol.getNumBonds();
  g.edge_index.resize(num_bonds * 4);
  g.bond_features.resize(num_bonds * 2 * kNumBondFeatures);
  for (const auto* bond : mol.bonds()) {
    const size_t e = bond->getIdx() * 2;  // edges 2k (a→b) and 2k+1 (b→a)
    const auto a = static_cast<int32_t>(bond->getBeginAtomIdx());
    const auto b = static_cast<int32_t>(bond->getEndAtomIdx());
    g.edge_index[e * 2 + 0] = a;
    g.edge_index[e * 2 + 1] = b;
    g.edge_index[e * 2 + 2] = b;
    g.edge_index[e * 2 + 3] = a;
    uint8_t* f = &g.bond_features[e * kNumBondFeatures];
    bond_features(*bond, f);
    std::copy(f, f + kNumBondFeatures, f + kNumBondFeatures);
  }
  return g;
}

namespace {

// FeaturizedMol::domain_note of a parsed molecule ("" when nothing is unusual).
std::string domain_note(const ParsedMol& parsed, const FeaturizeOptions& options) {
  std::string note;
  if (parsed.components > 1) {
    note = std::to_string(parsed.components) + " components (salt, hydrate or mixture): ";
    note += options.standardize ? "predicted for the largest organic fragment, " + canonical_smiles(*parsed.mol)
                                : "predicted for all of them as one graph";
  }
  if (!options.known_elements.empty()) {
    std::set<std::string> unknown;
    for (const auto* atom : parsed.mol->atoms()) {
      const int z = atom->getAtomicNum();
      if (std::find(options.known_elements.begin(), options.known_elements.end(), z) == options.known_elements.end()) {
        unknown.insert(atom->getSymbol());
      }
    }
    if (!unknown.empty()) {
      std::string list;
      for (const auto& e : unknown) list += (list.empty() ? "" : ", ") + e;
      if (!note.empty()) note += "; ";
      note += "contains " + list + (unknown.size() == 1 ? ", an element" : ", elements") +
              " the model was not trained on";
    }
  }
  return note;
}

}  // namespace

FeaturizedMol featurize_smiles(std::string_view smiles, const FeaturizeOptions& options) {
  FeaturizedMol out;
  ParseOptions parse_options;
  parse_options.standardize = options.standardize;
  parse_options.canonical_tautomer = options.canonical_tautomer;
  parse_options.tautomer_forms = options.tautomer_forms;
  parse_options.max_smiles_length = options.max_smiles_length;
  parse_options.max_atoms = options.max_atoms;
  ParsedMol parsed = parse_smiles(smiles, parse_options);
  if (!parsed.ok()) {
    out.error = parsed.error;
    return out;
  }
  try {
    // With forms and FeaturizeOptions::written_graph false, the molecule as written keeps an
    // empty graph (num_atoms 0): only its forms are predicted.
    if (options.written_graph || parsed.forms.empty()) {
      out.graph = build_graph(*parsed.mol);
      if (options.descriptors) out.descriptors = descriptor_set(options.descriptor_set).compute(*parsed.mol);
      if (options.atom_targets) out.atom_targets = compute_atom_targets(*parsed.mol);
    }
    if (options.scaffold) out.scaffold = murcko_scaffold(*parsed.mol);
    if (options.fingerprint) out.fingerprint = packed_morgan_fingerprint(*parsed.mol);
    if (options.canonical_smiles) out.canonical_smiles = chem::canonical_smiles(*parsed.mol);
    if (options.domain_notes) out.domain_note = domain_note(parsed, options);
    for (const auto& form : parsed.forms) {
      FeaturizedForm& f = out.forms.emplace_back();
      f.graph = build_graph(*form);
      if (options.descriptors) f.descriptors = descriptor_set(options.descriptor_set).compute(*form);
      if (options.canonical_smiles) f.canonical_smiles = chem::canonical_smiles(*form);
    }
  } catch (const std::exception& e) {
    out = FeaturizedMol{};
    out.error = std::string("featurisation failed: ") + e.what();
  }
  return out;
}

int element_number(const std::string& symbol) {
  const RDKit::PeriodicTable* table = RDKit::PeriodicTable::getTable();
  for (unsigned z = 1; z <= 118; ++z) {
    if (table->getElementSymbol(z) == symbol) return static_cast<int>(z);
  }
  return 0;
}

std::string element_symbol(int atomic_number) {
  return RDKit::PeriodicTable::getTable()->getElementSymbol(static_cast<unsigned>(atomic_number));
}

}  // namespace molprop::chem
