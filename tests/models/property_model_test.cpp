#include "models/property_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/check.h"
#include "models/dmpnn.h"
#include "models/gine.h"
#include "tests/util/tiny_graphs.h"

namespace molprop {
namespace {

using ::testing::HasSubstr;
using testing_util::tiny_model_config;
using testing_util::tiny_mols;
using testing_util::tiny_tensors;

models::PropertyModel seeded_model(const models::ModelConfig& c, uint64_t seed = 0) {
  torch::manual_seed(seed);
  models::PropertyModel m(c);
  m->eval();
  return m;
}

TEST(PropertyModel, OutputsOneRowPerMoleculeForEveryEncoderAndReadout) {
  const auto g = tiny_tensors(tiny_mols());
  for (const char* encoder : {"dmpnn", "gine"}) {
    for (const char* readout : {"sum", "mean", "attention", "mean_sum", "mean_sum_norm"}) {
      SCOPED_TRACE(std::string(encoder) + " + " + readout);
      auto c = tiny_model_config(encoder, readout, /*tasks=*/3);
      c.encoder.jk = "concat";  // GINE's concat changes the encoder width
      auto m = seeded_model(c);
      EXPECT_EQ(m->forward(g).sizes(), (std::vector<int64_t>{g.num_molecules, 3}));
      EXPECT_EQ(m->embed(g).sizes(), (std::vector<int64_t>{g.num_molecules, m->embedding_dim()}));
      const int64_t readouts = std::string(readout).rfind("mean_sum", 0) == 0 ? 2 : 1;  // mean and sum side by side
      EXPECT_EQ(m->embedding_dim(), readouts * m->encoder().out_dim());
      EXPECT_EQ(m->head()->in_dim(), m->embedding_dim());
      EXPECT_EQ(m->head()->out_dim(), 3);
    }
  }
}

TEST(PropertyModel, ABatchEqualsEachMoleculeAlone) {
  for (const char* encoder : {"dmpnn", "gine"}) {
    SCOPED_TRACE(encoder);
    auto c = tiny_model_config(encoder, "attention");
    c.encoder.dropout = 0.2;
    c.head.dropout = 0.2;
    auto m = seeded_model(c, 1);
    torch::NoGradGuard no_grad;
    EXPECT_LT(testing_util::batch_vs_alone_difference(
                  tiny_mols(), [&](const models::GraphTensors& g) { return m->forward(g); }, /*per_atom=*/false),
              1e-5);
  }
}

TEST(PropertyModel, SameSeedGivesTheSameModel) {
  const auto g = tiny_tensors(tiny_mols());
  torch::NoGradGuard no_grad;
  for (const char* encoder : {"dmpnn", "gine"}) {
    const auto c = tiny_model_config(encoder);
    EXPECT_TRUE(torch::equal(seeded_model(c, 4)->forward(g), seeded_model(c, 4)->forward(g))) << encoder;
    EXPECT_FALSE(torch::allclose(seeded_model(c, 4)->forward(g), seeded_model(c, 5)->forward(g))) << encoder;
  }
}

TEST(PropertyModel, DescriptorsJoinTheReadoutBeforeTheHead) {
  auto c = tiny_model_config();
  c.num_descriptors = 3;
  auto m = seeded_model(c);
  EXPECT_EQ(m->head()->in_dim(), m->embedding_dim() + 3);
  auto g = tiny_tensors(tiny_mols());
  try {
    m->forward(g);
    ADD_FAILURE() << "no error without descriptors";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("model expects 3 descriptor features per molecule, got none"));
  }
  g.descriptors = torch::zeros({g.num_molecules, 2});
  EXPECT_THROW(m->forward(g), Error);
  g.descriptors = torch::zeros({g.num_molecules, 3});
  const auto zero = m->forward(g);
  EXPECT_EQ(zero.sizes(), (std::vector<int64_t>{g.num_molecules, 2}));
  g.descriptors = torch::ones({g.num_molecules, 3});
  EXPECT_FALSE(torch::allclose(m->forward(g), zero));

  c.num_descriptors = -1;
  EXPECT_THROW(models::PropertyModel{c}, Error);
}

TEST(PropertyModel, InvalidPartsFailAtConstruction) {
  auto c = tiny_model_config();
  c.readout.name = "max";
  EXPECT_THROW(models::PropertyModel{c}, Error);
  c = tiny_model_config();
  c.encoder.name = "transformer";
  EXPECT_THROW(models::PropertyModel{c}, Error);
  c = tiny_model_config();
  c.head.num_tasks = 0;
  EXPECT_THROW(models::PropertyModel{c}, Error);
}

std::string width_error(const models::Encoder& e, const models::Readout& r, const models::MlpHeadImpl& h,
                        int64_t descriptors) {
  try {
    models::check_part_widths(e, r, h, descriptors);
  } catch (const Error& err) {
    return err.what();
  }
  return "(no error)";
}

TEST(PartWidths, ConsistentPartsPass) {
  models::DmpnnEncoder encoder(testing_util::tiny_encoder_options("dmpnn", /*hidden=*/8));
  models::MeanReadout readout(8);
  models::HeadOptions head;
  EXPECT_NO_THROW(models::check_part_widths(encoder, readout, models::MlpHeadImpl(head, 8), 0));
  EXPECT_NO_THROW(models::check_part_widths(encoder, readout, models::MlpHeadImpl(head, 11), 3));
}

TEST(PartWidths, ReadoutWiderThanTheEncoderFailsNamingBothWidths) {
  models::DmpnnEncoder encoder(testing_util::tiny_encoder_options("dmpnn", /*hidden=*/8));
  models::SumReadout readout(16);
  const std::string e = width_error(encoder, readout, models::MlpHeadImpl(models::HeadOptions{}, 16), 0);
  EXPECT_THAT(e, HasSubstr("readout input width is 16, expected 8 (the encoder's output width)"));
}

TEST(PartWidths, GineConcatWidthIsWhatTheReadoutMustTake) {
  auto o = testing_util::tiny_encoder_options("gine", /*hidden=*/8, /*depth=*/3);
  o.jk = "concat";
  models::GineEncoder encoder(o);
  models::AttentionReadout narrow(8);
  EXPECT_THAT(width_error(encoder, narrow, models::MlpHeadImpl(models::HeadOptions{}, 8), 0),
              HasSubstr("readout input width is 8, expected 24"));
  models::AttentionReadout wide(24);
  EXPECT_NO_THROW(models::check_part_widths(encoder, wide, models::MlpHeadImpl(models::HeadOptions{}, 24), 0));
}

TEST(PartWidths, HeadThatForgetsTheDescriptorsFailsNamingWhatItExpected) {
  models::DmpnnEncoder encoder(testing_util::tiny_encoder_options("dmpnn", /*hidden=*/8));
  models::MeanReadout readout(8);
  const std::string e = width_error(encoder, readout, models::MlpHeadImpl(models::HeadOptions{}, 8), 3);
  EXPECT_THAT(e, HasSubstr("head input width is 8, expected 11 (readout output width 8 + descriptors 3)"));
  EXPECT_THAT(width_error(encoder, readout, models::MlpHeadImpl(models::HeadOptions{}, 12), 3),
              HasSubstr("head input width is 12, expected 11"));
}

TEST(MlpHead, LayersAndOptionsAreChecked) {
  models::HeadOptions o;
  o.hidden = 5;
  o.num_tasks = 2;
  for (int64_t layers : {1, 2, 4}) {
    o.layers = layers;
    models::MlpHead head(o, 7);
    EXPECT_EQ(head->parameters().size(), static_cast<size_t>(2 * layers)) << layers;  // weight + bias per Linear
    EXPECT_EQ(head(torch::zeros({3, 7})).sizes(), (std::vector<int64_t>{3, 2}));
  }
  models::MlpHead head(o, 7);
  try {
    head(torch::zeros({3, 6}));
    ADD_FAILURE() << "no error for a 6-wide input";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("head input has width 6, expected 7"));
  }
  o.layers = 0;
  EXPECT_THROW(models::MlpHead(o, 7), Error);
  o.layers = 2;
  o.num_tasks = 0;
  EXPECT_THROW(models::MlpHead(o, 7), Error);
  o.num_tasks = 1;
  o.dropout = 1.0;
  EXPECT_THROW(models::MlpHead(o, 7), Error);
}

}  // namespace
}  // namespace molprop
