#pragma once
// RDKit's MolStandardize::TautomerEnumerator, one per thread and per setting, shared by
// canonical_tautomer / tautomer_forms (chem/parse.cpp) and the robustness variants
// (chem/variants.cpp). Building one parses RDKit's transform catalogue (dozens of SMARTS), a
// fifth of the tautomer options' cost when it was done per molecule; enumerate() and
// canonicalize() are const, so a thread reuses its own. Internal to chem: RDKit's
// MolStandardize is a private dependency of molprop_chem.

namespace RDKit {
namespace MolStandardize {
class TautomerEnumerator;
}  // namespace MolStandardize
}  // namespace RDKit

namespace molprop::chem {

inline constexpr int kKeptTautomerEnumerators = 4;

struct TautomerEnumeratorSettings {
  unsigned max_tautomers = 1000;  // RDKit's defaults
  unsigned max_transforms = 1000;
  // Keep the input's sp3 and double-bond stereo (RDKit's default removes it from the tautomers).
  bool keep_stereo = false;

  bool operator==(const TautomerEnumeratorSettings& o) const {
    return max_tautomers == o.max_tautomers && max_transforms == o.max_transforms && keep_stereo == o.keep_stereo;
  }
};

// The calling thread's enumerator for `settings`, built on first use and kept for the next
// call with the same settings. The reference is valid until this thread's next call (a thread
// keeps the enumerators of the last kKeptTautomerEnumerators settings it built; building one more
// drops the oldest).
const RDKit::MolStandardize::TautomerEnumerator& thread_tautomer_enumerator(const TautomerEnumeratorSettings& settings);

}  // namespace molprop::chem
