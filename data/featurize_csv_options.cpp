// Validation of FeaturizeCsvOptions (featurize_csv.h), kept apart from the streaming loop.
#include "core/options.h"
#include "data/featurize_csv.h"

namespace molprop::data {

void FeaturizeCsvOptions::validate() const {
  core::check_range("FeaturizeCsvOptions::chunk_rows", chunk_rows, 1, 1 << 20);
  core::check_threads("FeaturizeCsvOptions::threads", threads);
}

}  // namespace molprop::data
