#include "chem/descriptors.h"

#include <GraphMol/Descriptors/Property.h>
#include <GraphMol/ROMol.h>

#include <cmath>
#include <limits>

namespace molprop::chem {
namespace {

// The registry is filled during RDKit's static initialisation and is read-only after,
// so one Properties object can be shared by all threads.
const RDKit::Descriptors::Properties& properties() {
  static const RDKit::Descriptors::Properties props;
  return props;
}

}  // namespace

const std::vector<std::string>& descriptor_names() {
  static const std::vector<std::string> names = properties().getPropertyNames();
  return names;
}

std::vector<float> compute_descriptors(const RDKit::ROMol& mol) {
  const size_t n = descriptor_names().size();
  std::vector<float> out(n, std::numeric_limits<float>::quiet_NaN());
  std::vector<double> values;
  try {
    values = properties().computeProperties(mol);
  } catch (const std::exception&) {
    return out;
  }
  for (size_t i = 0; i < n && i < values.size(); ++i) {
    if (std::isfinite(values[i])) out[i] = static_cast<float>(values[i]);
  }
  return out;
}

}  // namespace molprop::chem
