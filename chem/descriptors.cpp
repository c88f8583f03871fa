#include "chem/descriptors.h"

#include <GraphMol/Descriptors/AUTOCORR2D.h>
#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/MQN.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/Descriptors/Property.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/PartialCharges/GasteigerCharges.h>
#include <GraphMol/ROMol.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "core/check.h"

// BCUT.h declares BCUT2D only when RDK_HAS_EIGEN3 is defined, which RDKit's installed headers
// leave to the user's build; the function is in libRDKitDescriptors of every Eigen-enabled
// RDKit build (2022.09 here). Declared here with its exact signature instead of defining the
// macro, which would change what other RDKit headers expect.
namespace RDKit::Descriptors {
std::vector<double> BCUT2D(const ROMol& mol);
}  // namespace RDKit::Descriptors

namespace molprop::chem {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr size_t kNumMqns = 42, kNumSlogpVsa = 12, kNumSmrVsa = 10, kNumPeoeVsa = 14, kNumBcut = 8, kNumAutocorr = 192;

// The registry is filled during RDKit's static initialisation and is read-only after,
// so one Properties object can be shared by all threads.
const RDKit::Descriptors::Properties& properties() {
  static const RDKit::Descriptors::Properties props;
  return props;
}

// Appends `values` (exactly `n` of them, else all NaN) to `out`, non-finite → NaN.
template <typename T>
void append(std::vector<float>& out, const std::vector<T>& values, size_t n) {
  const bool ok = values.size() == n;
  for (size_t i = 0; i < n; ++i) {
    const double v = ok ? static_cast<double>(values[i]) : std::nan("");
    out.push_back(std::isfinite(v) ? static_cast<float>(v) : kNaN);
  }
}

// Runs one RDKit group; a group that throws contributes n NaNs rather than failing the
// molecule (RDKit throws on some odd molecules, e.g. BCUT2D on unparameterised atoms).
template <typename F>
void append_group(std::vector<float>& out, size_t n, F&& compute) {
  std::vector<double> values;
  try {
    values = compute();
  } catch (const std::exception&) {
    values.clear();
  }
  append(out, values, n);
}

std::vector<double> gasteiger_charges(const RDKit::ROMol& mol) {
  std::vector<double> charges(mol.getNumAtoms(), 0.0);
  RDKit::computeGasteigerCharges(mol, charges, 12, /*throwOnParamFailure=*/false);
  return charges;
}

bool is_metal(int z) {
  // Everything but hydrogen, the noble gases and the usual non-metals / metalloids.
  static const int kNonMetals[] = {1, 2, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 33, 34, 35, 36, 52, 53, 54, 85, 86};
  return z > 0 && std::find(std::begin(kNonMetals), std::end(kNonMetals), z) == std::end(kNonMetals);
}

const std::vector<std::string>& summary_names() {
  static const std::vector<std::string> names = {"TotalHCount",        "NetFormalCharge",       "AbsFormalChargeSum",
                                                 "NumChargedAtoms",    "NumFragments",          "NumMetalAtoms",
                                                 "SmallestRingSize",   "LargestRingSize",       "GasteigerChargeMax",
                                                 "GasteigerChargeMin", "GasteigerChargeAbsMean"};
  return names;
}

std::vector<double> summaries(const RDKit::ROMol& mol) {
  double hs = 0, net = 0, abs_charge = 0, charged = 0, metals = 0;
  for (const auto* atom : mol.atoms()) {
    hs += atom->getTotalNumHs();
    net += atom->getFormalCharge();
    abs_charge += std::abs(atom->getFormalCharge());
    charged += atom->getFormalCharge() != 0;
    metals += is_metal(atom->getAtomicNum());
  }
  std::vector<int> frag_of_atom;
  const double fragments = static_cast<double>(RDKit::MolOps::getMolFrags(mol, frag_of_atom));
  double smallest = 0, largest = 0;  // 0: no ring
  for (const auto& ring : mol.getRingInfo()->atomRings()) {
    const auto size = static_cast<double>(ring.size());
    smallest = smallest == 0 ? size : std::min(smallest, size);
    largest = std::max(largest, size);
  }
  double qmax = std::nan(""), qmin = std::nan(""), qabs = std::nan("");
  try {
    const std::vector<double> q = gasteiger_charges(mol);
    if (!q.empty() && std::all_of(q.begin(), q.end(), [](double v) { return std::isfinite(v); })) {
      qmax = *std::max_element(q.begin(), q.end());
      qmin = *std::min_element(q.begin(), q.end());
      qabs = 0;
      for (double v : q) qabs += std::abs(v) / static_cast<double>(q.size());
    }
  } catch (const std::exception&) {
  }
  return {hs, net, abs_charge, charged, fragments, metals, smallest, largest, qmax, qmin, qabs};
}

std::vector<float> compute_v2(const RDKit::ROMol& mol) {
  std::vector<float> out = compute_descriptors(mol);
  out.reserve(descriptor_set(kDescriptorSetV2).names.size());
  append_group(out, kNumMqns, [&] {
    const auto q = RDKit::Descriptors::calcMQNs(mol, /*force=*/true);
    return std::vector<double>(q.begin(), q.end());
  });
  append_group(out, kNumSlogpVsa, [&] { return RDKit::Descriptors::calcSlogP_VSA(mol, nullptr, /*force=*/true); });
  append_group(out, kNumSmrVsa, [&] { return RDKit::Descriptors::calcSMR_VSA(mol, nullptr, /*force=*/true); });
  append_group(out, kNumPeoeVsa, [&] { return RDKit::Descriptors::calcPEOE_VSA(mol, nullptr, /*force=*/true); });
  append_group(out, kNumBcut, [&] { return RDKit::Descriptors::BCUT2D(mol); });
  append_group(out, kNumAutocorr, [&] {
    std::vector<double> v;
    RDKit::Descriptors::AUTOCORR2D(mol, v);
    return v;
  });
  append_group(out, summary_names().size(), [&] { return summaries(mol); });
  return out;
}

std::vector<std::string> numbered(const std::string& prefix, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 1; i <= n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

std::vector<std::string> v2_names() {
  std::vector<std::string> names = properties().getPropertyNames();
  auto add = [&names](const std::vector<std::string>& more) { names.insert(names.end(), more.begin(), more.end()); };
  add(numbered("MQN", kNumMqns));
  add(numbered("SlogP_VSA", kNumSlogpVsa));
  add(numbered("SMR_VSA", kNumSmrVsa));
  add(numbered("PEOE_VSA", kNumPeoeVsa));
  add({"BCUT2D_MWHI", "BCUT2D_MWLOW", "BCUT2D_CHGHI", "BCUT2D_CHGLO", "BCUT2D_LOGPHI", "BCUT2D_LOGPLOW", "BCUT2D_MRHI",
       "BCUT2D_MRLOW"});
  add(numbered("AUTOCORR2D_", kNumAutocorr));
  add(summary_names());
  return names;
}

const std::vector<DescriptorSet>& sets() {
  static const std::vector<DescriptorSet> all = {
      {kDescriptorSetV1, properties().getPropertyNames(), &compute_descriptors},
      {kDescriptorSetV2, v2_names(), &compute_v2},
  };
  return all;
}

}  // namespace

const DescriptorSet& descriptor_set(const std::string& name) {
  for (const auto& s : sets()) {
    if (s.name == name) return s;
  }
  std::string known;
  for (const auto& s : sets()) known += (known.empty() ? "" : ", ") + s.name;
  throw Error("unknown descriptor set '" + name + "'; known descriptor sets: " + known);
}

std::vector<std::string> descriptor_set_names() {
  std::vector<std::string> out;
  for (const auto& s : sets()) out.push_back(s.name);
  return out;
}

std::string descriptor_set_for(const std::vector<std::string>& names) {
  for (const auto& s : sets()) {
    if (s.names == names) return s.name;
  }
  return "";
}

const std::vector<std::string>& descriptor_names() { return descriptor_set(kDescriptorSetV1).names; }

std::vector<float> compute_descriptors(const RDKit::ROMol& mol) {
  const size_t n = properties().getPropertyNames().size();
  std::vector<float> out(n, kNaN);
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

const std::vector<std::string>& atom_target_names() {
  static const std::vector<std::string> names = {"crippen_logp", "crippen_mr", "gasteiger_charge", "tpsa",
                                                 "labute_asa"};
  return names;
}

std::vector<float> compute_atom_targets(const RDKit::ROMol& mol) {
  const size_t n = mol.getNumAtoms();
  constexpr size_t k = kNumAtomTargets;
  std::vector<float> out(n * k, kNaN);
  auto set_column = [&](size_t column, const std::vector<double>& values) {
    if (values.size() != n) return;
    for (size_t a = 0; a < n; ++a) {
      if (std::isfinite(values[a])) out[a * k + column] = static_cast<float>(values[a]);
    }
  };
  // Crippen on a copy with explicit hydrogens, each hydrogen's contribution folded into
  // its heavy atom (addHs appends the new hydrogens after the original atoms).
  try {
    std::unique_ptr<RDKit::ROMol> with_hs(RDKit::MolOps::addHs(mol));
    std::vector<double> logp(with_hs->getNumAtoms()), mr(with_hs->getNumAtoms());
    RDKit::Descriptors::getCrippenAtomContribs(*with_hs, logp, mr, /*force=*/true);
    std::vector<double> atom_logp(logp.begin(), logp.begin() + n), atom_mr(mr.begin(), mr.begin() + n);
    for (size_t h = n; h < with_hs->getNumAtoms(); ++h) {
      for (const auto* neighbor : with_hs->atomNeighbors(with_hs->getAtomWithIdx(h))) {
        atom_logp[neighbor->getIdx()] += logp[h];
        atom_mr[neighbor->getIdx()] += mr[h];
      }
    }
    set_column(0, atom_logp);
    set_column(1, atom_mr);
  } catch (const std::exception&) {
  }
  try {
    set_column(2, gasteiger_charges(mol));
  } catch (const std::exception&) {
  }
  try {
    std::vector<double> tpsa(n);
    RDKit::Descriptors::getTPSAAtomContribs(mol, tpsa, /*force=*/true);
    set_column(3, tpsa);
  } catch (const std::exception&) {
  }
  try {
    std::vector<double> asa(n);
    double h_total = 0;
    RDKit::Descriptors::getLabuteAtomContribs(mol, asa, h_total, /*includeHs=*/true, /*force=*/true);
    set_column(4, asa);
  } catch (const std::exception&) {
  }
  return out;
}

}  // namespace molprop::chem
