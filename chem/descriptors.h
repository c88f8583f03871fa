#pragma once
// Molecule-level RDKit 2D descriptors, computed in C++ from RDKit's descriptor registry
// (RDKit::Descriptors::Properties: molecular weight, logP, TPSA, counts, chi and kappa
// indices, ...). Used as a pretraining target and as optional extra model inputs.
#include <string>
#include <vector>

namespace RDKit {
class ROMol;
}

namespace molprop::chem {

// Names, in the order compute_descriptors returns them. Fixed for a given RDKit build.
const std::vector<std::string>& descriptor_names();

// One float per descriptor_names() entry; a value RDKit cannot compute, or one that is
// not finite, is NaN.
std::vector<float> compute_descriptors(const RDKit::ROMol& mol);

}  // namespace molprop::chem
