// Validation of FeaturizeCsvOptions (featurize_csv.h), kept apart from the streaming loop.
#include "chem/descriptors.h"
#include "core/check.h"
#include "core/options.h"
#include "data/csv_reader.h"
#include "data/featurize_csv.h"

namespace molprop::data {

void FeaturizeCsvOptions::validate() const {
  core::check_range("FeaturizeCsvOptions::chunk_rows", chunk_rows, 1, 1 << 20);
  core::check_threads("FeaturizeCsvOptions::threads", threads);
  core::check_range("FeaturizeOptions::max_smiles_length", featurize.max_smiles_length, 1, 1 << 24);
  core::check_range("FeaturizeOptions::max_atoms", featurize.max_atoms, 1, 1 << 20);
  // The dataset records the input's size and SHA-256 (data/dataset_writer.h), which a
  // pipe cannot give before it has been read.
  if (input == kStdinPath) {
    throw Error(
        "FeaturizeCsvOptions::input: featurize cannot read stdin (the dataset records the input's SHA-256); give a "
        "file");
  }
  core::check_choice("FeaturizeOptions::descriptor_set", featurize.descriptor_set, chem::descriptor_set_names());
}

}  // namespace molprop::data
