#include "chem/tautomer_enumerator.h"

#include <GraphMol/MolStandardize/Tautomer.h>

#include <memory>
#include <utility>
#include <vector>

namespace molprop::chem {

const RDKit::MolStandardize::TautomerEnumerator& thread_tautomer_enumerator(const TautomerEnumeratorSettings& settings) {
  // A thread sees one or two settings in practice (parse's caps; robustness's --max-tautomers),
  // so a short list searched in order is enough; the oldest is dropped when it is full.
  thread_local std::vector<std::pair<TautomerEnumeratorSettings, std::unique_ptr<RDKit::MolStandardize::TautomerEnumerator>>>
      built;
  for (const auto& [s, enumerator] : built) {
    if (s == settings) return *enumerator;
  }
  if (built.size() >= static_cast<size_t>(kKeptTautomerEnumerators)) built.erase(built.begin());
  auto enumerator = std::make_unique<RDKit::MolStandardize::TautomerEnumerator>();
  enumerator->setMaxTautomers(settings.max_tautomers);
  enumerator->setMaxTransforms(settings.max_transforms);
  if (settings.keep_stereo) {
    enumerator->setRemoveSp3Stereo(false);
    enumerator->setRemoveBondStereo(false);
  }
  built.emplace_back(settings, std::move(enumerator));
  return *built.back().second;
}

}  // namespace molprop::chem
