#include "chem/scaffold.h"

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <memory>

namespace molprop::chem {

std::string murcko_scaffold(const RDKit::ROMol& mol) {
  std::unique_ptr<RDKit::ROMol> scaffold(RDKit::MurckoDecompose(mol));
  if (!scaffold || scaffold->getNumAtoms() == 0) return "";
  return RDKit::MolToSmiles(*scaffold);
}

}  // namespace molprop::chem
