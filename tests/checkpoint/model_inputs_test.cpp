#include "checkpoint/model_inputs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/check.h"

namespace molprop {
namespace {

data::Batch batch_with_descriptors(std::vector<float> values, int64_t molecules) {
  data::Batch b;
  b.num_molecules = molecules;
  b.num_descriptors = static_cast<int64_t>(values.size()) / molecules;
  b.descriptors = std::move(values);
  return b;
}

checkpoint::Checkpoint checkpoint_with_scaling(std::vector<double> mean, std::vector<double> std) {
  checkpoint::Checkpoint c;
  c.config.num_descriptors = static_cast<int64_t>(mean.size());
  c.descriptors.names.assign(mean.size(), "d");
  c.descriptors.mean = std::move(mean);
  c.descriptors.std = std::move(std);
  return c;
}

TEST(ScaledDescriptors, ModelWithoutDescriptorsGetsNone) {
  checkpoint::Checkpoint c;
  EXPECT_FALSE(checkpoint::scaled_descriptors(batch_with_descriptors({1, 2}, 1), c).defined());
}

TEST(ScaledDescriptors, RowsAreStandardisedWithTheCheckpointsScaling) {
  const auto c = checkpoint_with_scaling({1.0, 10.0}, {2.0, 5.0});
  const data::Batch b = batch_with_descriptors({3, 10, 1, 20, -1, 0}, 3);
  const torch::Tensor t = checkpoint::scaled_descriptors(b, c);
  ASSERT_EQ(t.sizes(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(t.scalar_type(), torch::kFloat32);
  const std::vector<float> expected{1, 0, 0, 2, -1, -2};
  for (int64_t i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(t.flatten()[i].item<float>(), expected[i]) << i;
  EXPECT_EQ(b.descriptors[0], 3.0f) << "the batch is left as it was";
}

TEST(ScaledDescriptors, MissingBecomesTheMeanAndExtremesAreClipped) {
  const auto c = checkpoint_with_scaling({0.0}, {1.0});
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const torch::Tensor t = checkpoint::scaled_descriptors(batch_with_descriptors({nan, 1e6f, -1e6f}, 3), c);
  EXPECT_EQ(t[0][0].item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(t[1][0].item<float>(), static_cast<float>(checkpoint::kDescriptorClip));
  EXPECT_FLOAT_EQ(t[2][0].item<float>(), -static_cast<float>(checkpoint::kDescriptorClip));
}

TEST(ScaledDescriptors, WrongDescriptorCountNamesBothCounts) {
  const auto c = checkpoint_with_scaling({0.0, 0.0, 0.0}, {1.0, 1.0, 1.0});
  try {
    checkpoint::scaled_descriptors(batch_with_descriptors({1, 2, 3, 4}, 2), c);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("the data has 2 descriptors per molecule, the model expects 3"));
  }
}

}  // namespace
}  // namespace molprop
