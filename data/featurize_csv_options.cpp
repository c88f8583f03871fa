// Validation of FeaturizeCsvOptions (featurize_csv.h), kept apart from the streaming loop.
#include "chem/descriptors.h"
#include "core/options.h"
#include "data/featurize_csv.h"

namespace molprop::data {

void FeaturizeCsvOptions::validate() const {
  core::check_range("FeaturizeCsvOptions::chunk_rows", chunk_rows, 1, 1 << 20);
  core::check_range("FeaturizeCsvOptions::threads", threads, 1, 1 << 16);
  core::check_choice("FeaturizeOptions::descriptor_set", featurize.descriptor_set, chem::descriptor_set_names());
}

}  // namespace molprop::data
