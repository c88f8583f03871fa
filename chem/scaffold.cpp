#include "chem/scaffold.h"

#include <GraphMol/ChemTransforms/ChemTransforms.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include <memory>

namespace molprop::chem {

std::string murcko_scaffold(const RDKit::ROMol& mol) {
  std::unique_ptr<RDKit::ROMol> scaffold(RDKit::MurckoDecompose(mol));
  if (!scaffold || scaffold->getNumAtoms() == 0) return "";
  // Non-isomeric, as Chemprop: MurckoDecompose keeps stereo marks only where the input
  // happened to place them on scaffold atoms, so isomeric output would depend on how the
  // SMILES was written.
  return RDKit::MolToSmiles(*scaffold, /*doIsomericSmiles=*/false);
}

}  // namespace molprop::chem
