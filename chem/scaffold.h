#pragma once
// Bemis–Murcko scaffold of a molecule as canonical SMILES, for scaffold splits.
#include <string>

namespace RDKit {
class ROMol;
}

namespace molprop::chem {

// Canonical non-isomeric SMILES of the Murcko scaffold (ring systems and the linkers
// between them, side chains removed; stereo ignored, as Chemprop does). Acyclic molecules have no scaffold: the result
// is "", and a scaffold split keeps all of them in one group, as Chemprop does.
std::string murcko_scaffold(const RDKit::ROMol& mol);

}  // namespace molprop::chem
