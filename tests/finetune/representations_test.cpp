#include "finetune/representations.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "chem/parse.h"
#include "tests/util/test_data.h"

namespace molprop {
namespace {

using testing_util::small_config;
using testing_util::small_dataset;

finetune::Subset first_n(data::GraphDataset& ds, int64_t n) {
  finetune::Subset s{&ds, {}};
  for (int64_t i = 0; i < n; ++i) s.indices.push_back(i);
  return s;
}

TEST(EmbedSubset, OneRowPerMoleculeInSubsetOrderWhateverTheBatchSize) {
  data::GraphDataset ds(small_dataset("representations_embed"));
  torch::manual_seed(0);
  const auto config = small_config(2, /*hidden=*/16);
  models::PropertyModel model(config);
  checkpoint::Checkpoint ckpt;
  ckpt.config = config;
  const finetune::Subset subset = first_n(ds, 20);
  const int64_t dim = model->embedding_dim();
  const std::vector<float> all = finetune::embed_subset(model, ckpt, subset);
  ASSERT_EQ(all.size(), static_cast<size_t>(20 * dim));
  // A batch equals separate runs: small batches give the same rows.
  const std::vector<float> small = finetune::embed_subset(model, ckpt, subset, /*batch_size=*/3);
  ASSERT_EQ(small.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) ASSERT_NEAR(small[i], all[i], 1e-5) << i;
  // Rows follow the subset's order.
  finetune::Subset reversed = subset;
  std::reverse(reversed.indices.begin(), reversed.indices.end());
  const std::vector<float> back = finetune::embed_subset(model, ckpt, reversed, /*batch_size=*/7);
  for (int64_t r = 0; r < 20; ++r) {
    for (int64_t c = 0; c < dim; ++c) ASSERT_NEAR(back[(19 - r) * dim + c], all[r * dim + c], 1e-5) << r;
  }
  // Eval mode, no gradient: the model is left as it was and a second call is identical.
  EXPECT_EQ(finetune::embed_subset(model, ckpt, subset), all);
  EXPECT_TRUE(finetune::embed_subset(model, ckpt, finetune::Subset{&ds, {}}).empty());
}

TEST(EcfpSubset, BitsAreTheMorganFingerprintsOfTheStoredSmiles) {
  data::GraphDataset ds(small_dataset("representations_ecfp"));
  chem::FingerprintOptions o;
  o.num_bits = 256;
  const finetune::Subset subset{&ds, {5, 0, 5}};
  const std::vector<float> bits = finetune::ecfp_subset(subset, o);
  ASSERT_EQ(bits.size(), 3u * 256);
  EXPECT_TRUE(std::all_of(bits.begin(), bits.end(), [](float b) { return b == 0.0f || b == 1.0f; }));
  EXPECT_TRUE(std::equal(bits.begin(), bits.begin() + 256, bits.begin() + 512)) << "same molecule, same row";
  for (size_t row = 0; row < 2; ++row) {
    const chem::ParsedMol p = chem::parse_smiles(ds.smiles(subset.indices[row]));
    ASSERT_TRUE(p.ok());
    const std::vector<uint8_t> expected = chem::morgan_fingerprint(*p.mol, o);
    for (size_t b = 0; b < 256; ++b) ASSERT_EQ(bits[row * 256 + b], expected[b]) << row << " " << b;
  }
  EXPECT_GT(std::count(bits.begin(), bits.end(), 1.0f), 0);
}

}  // namespace
}  // namespace molprop
