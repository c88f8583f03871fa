// Validation of the streaming jobs' options (predict_csv.h, embed_csv.h, oversmoothing.h),
// kept apart from the streaming loops.
#include "core/check.h"
#include "core/options.h"
#include "inference/embed_csv.h"
#include "inference/oversmoothing.h"
#include "inference/predict_csv.h"

namespace molprop::inference {
namespace {

constexpr int64_t kMaxBatch = int64_t{1} << 20;

void check_shard(const char* field, int index, int count) {
  if (count >= 1 && index >= 0 && index < count) return;
  throw Error(std::string(field) + ": shard_index must be in [0, num_shards), got " + std::to_string(index) + " of " +
              std::to_string(count));
}

}  // namespace

void PredictCsvOptions::validate() const {
  core::check_choice("PredictCsvOptions::format", format, {"csv", "table"});
  core::check_range<int64_t>("PredictCsvOptions::batch_size", batch_size, 1, kMaxBatch);
  core::check_threads("PredictCsvOptions::threads", threads);
  check_shard("PredictCsvOptions::shard_index", shard_index, num_shards);
  core::check_range("PredictCsvOptions::max_smiles_length", max_smiles_length, 1, 1 << 24);
  core::check_range("PredictCsvOptions::max_atoms", max_atoms, 1, 1 << 20);
}

void EmbedCsvOptions::validate() const {
  core::check_range<int64_t>("EmbedCsvOptions::batch_size", batch_size, 1, kMaxBatch);
  core::check_threads("EmbedCsvOptions::threads", threads);
  check_shard("EmbedCsvOptions::shard_index", shard_index, num_shards);
}

void OversmoothingCsvOptions::validate() const {
  core::check_range<int64_t>("OversmoothingCsvOptions::max_molecules", max_molecules, 1, 10000000);
  core::check_range<int64_t>("OversmoothingCsvOptions::batch_size", batch_size, 1, kMaxBatch);
  core::check_threads("OversmoothingCsvOptions::threads", threads);
}

}  // namespace molprop::inference
