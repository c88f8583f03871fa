#include "models/encoder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/check.h"
#include "tests/util/tiny_graphs.h"

namespace molprop {
namespace {

using ::testing::HasSubstr;
using testing_util::tiny_encoder_options;

std::string error_of(const models::EncoderOptions& o) {
  try {
    models::make_encoder(o);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(EncoderRegistry, EveryNameBuildsAnEncoderThatRuns) {
  const auto g = testing_util::tiny_tensors(testing_util::tiny_mols());
  for (const char* name : {"dmpnn", "gine"}) {
    SCOPED_TRACE(name);
    auto encoder = models::make_encoder(tiny_encoder_options(name));
    ASSERT_NE(encoder, nullptr);
    EXPECT_EQ(encoder->forward(g).sizes(), (std::vector<int64_t>{g.num_atoms, encoder->out_dim()}));
  }
}

TEST(EncoderRegistry, UnknownNameFailsNamingTheKnownOnes) {
  const std::string e = error_of(tiny_encoder_options("transformer"));
  EXPECT_THAT(e, HasSubstr("unknown encoder 'transformer'; known encoders: dmpnn, gine"));
}

TEST(EncoderOptionsCheck, EachInvalidFieldIsNamed) {
  auto o = tiny_encoder_options("dmpnn");
  o.hidden = 0;
  EXPECT_THAT(error_of(o), HasSubstr("EncoderOptions::hidden must be in [1, 100000], got 0"));
  o = tiny_encoder_options("gine");
  o.depth = 0;
  EXPECT_THAT(error_of(o), HasSubstr("EncoderOptions::depth must be in [1, 100], got 0"));
  o = tiny_encoder_options("dmpnn");
  o.dropout = 1.0;
  EXPECT_THAT(error_of(o), HasSubstr("EncoderOptions::dropout must be in [0, 0.99], got 1"));
  o = tiny_encoder_options("dmpnn");
  o.norm = "group";
  EXPECT_THAT(error_of(o), HasSubstr("EncoderOptions::norm must be one of none, batch, layer; got 'group'"));
  o = tiny_encoder_options("gine");
  o.jk = "max";
  EXPECT_THAT(error_of(o), HasSubstr("EncoderOptions::jk must be one of last, sum, concat; got 'max'"));
  o = tiny_encoder_options("dmpnn");
  o.bond_cardinalities.clear();
  EXPECT_THAT(error_of(o), HasSubstr("cardinalities"));
  // check_encoder_options itself, as the encoders' callers use it.
  EXPECT_NO_THROW(models::check_encoder_options(tiny_encoder_options("gine")));
  o = tiny_encoder_options("gine");
  o.hidden = -3;
  EXPECT_THROW(models::check_encoder_options(o), Error);
}

TEST(EncoderOptions, EveryNormJkAndResidualCombinationGivesAtomStatesOfTheReportedWidth) {
  const auto g = testing_util::tiny_tensors(testing_util::tiny_mols());
  for (const char* name : {"dmpnn", "gine"}) {
    for (const char* norm : {"none", "batch", "layer"}) {
      for (const char* jk : {"last", "sum", "concat"}) {
        for (bool residual : {false, true}) {
          SCOPED_TRACE(std::string(name) + " " + norm + " " + jk + (residual ? " residual" : ""));
          auto o = tiny_encoder_options(name);
          o.norm = norm;
          o.jk = jk;
          o.residual = residual;
          auto encoder = models::make_encoder(o);
          encoder->eval();
          const auto h = encoder->forward(g);
          EXPECT_EQ(h.sizes(), (std::vector<int64_t>{g.num_atoms, encoder->out_dim()}));
          EXPECT_TRUE(torch::isfinite(h).all().item<bool>());
          for (const auto& s : encoder->layer_states(g)) EXPECT_EQ(s.size(0), g.num_atoms);
        }
      }
    }
  }
}

TEST(CategoricalEmbedding, EqualsTheSumOfOneRowPerFeature) {
  torch::manual_seed(3);
  models::CategoricalEmbedding emb(std::vector<int64_t>{4, 2}, 5);
  const auto table = emb->named_parameters()["table.weight"];
  ASSERT_EQ(table.sizes(), (std::vector<int64_t>{(4 + 1) + (2 + 1), 5}));  // one [MASK] row per feature
  const auto categories = torch::tensor({{0, 0}, {3, 1}, {4, 2}}, torch::kLong);
  const auto out = emb(categories);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{3, 5}));
  for (int64_t r = 0; r < 3; ++r) {
    const auto expected = table[categories[r][0].item<int64_t>()] + table[5 + categories[r][1].item<int64_t>()];
    EXPECT_TRUE(torch::allclose(out[r], expected, 1e-6, 1e-6)) << "row " << r;
  }
  EXPECT_EQ(emb->mask_index(0), 4);
  EXPECT_EQ(emb->mask_index(1), 2);
}

TEST(CategoricalEmbedding, ValuesAndGradientsAreEmbeddingBagsWithoutItsSort) {
  torch::manual_seed(4);
  const std::vector<int64_t> cardinalities{7, 3, 5};
  models::CategoricalEmbedding emb(cardinalities, 33);
  const auto table = emb->named_parameters()["table.weight"];
  // 200 rows with repeated categories (the case EmbeddingBag's backward sorts for).
  const auto categories =
      torch::stack({torch::randint(0, 8, {200}), torch::randint(0, 4, {200}), torch::randint(0, 6, {200})}, 1)
          .to(torch::kLong);
  const auto upstream = torch::randn({200, 33});
  const auto out = emb(categories);
  (out * upstream).sum().backward();
  const auto grad = table.grad().clone();

  const auto reference_table = table.detach().clone().requires_grad_(true);
  const auto offsets = torch::tensor({0L, 8L, 12L}).unsqueeze(0);
  namespace F = torch::nn::functional;
  const auto reference =
      F::embedding_bag(categories + offsets, reference_table, F::EmbeddingBagFuncOptions().mode(torch::kSum));
  (reference * upstream).sum().backward();
  EXPECT_TRUE(torch::equal(out, reference));  // the values are EmbeddingBag's, bit for bit
  EXPECT_TRUE(torch::allclose(grad, reference_table.grad(), 1e-5, 1e-5));
  EXPECT_GT(grad.abs().sum().item<double>(), 1.0);
}

TEST(CategoricalEmbedding, DistinctRowsAreNumberedInOrderOfFirstAppearanceAndSumLikeForward) {
  torch::manual_seed(5);
  models::CategoricalEmbedding emb(std::vector<int64_t>{4, 2, 3}, 19);
  const auto categories = torch::tensor({{1, 0, 2}, {3, 2, 0}, {1, 0, 2}, {0, 0, 0}, {3, 2, 0}, {4, 1, 3}}, torch::kLong);
  const models::DistinctRows d = emb->distinct(categories);
  EXPECT_EQ(d.ids, (std::vector<int64_t>{0, 1, 0, 2, 1, 3}));
  EXPECT_EQ(d.first, (std::vector<int64_t>{0, 1, 3, 5}));
  const auto sums = emb->distinct_sums(categories, d);
  const auto rows = emb(categories);
  for (int64_t r = 0; r < 6; ++r) EXPECT_TRUE(torch::equal(sums[d.ids[r]], rows[r])) << "row " << r;
}

TEST(CategoricalEmbedding, ACategoryOutsideItsTableIsAnErrorNamingRowAndFeature) {
  models::CategoricalEmbedding emb(std::vector<int64_t>{4, 2}, 5);
  for (const auto& [bad, message] : std::vector<std::pair<torch::Tensor, std::string>>{
           {torch::tensor({{0, 0}, {1, 3}}, torch::kLong), "row 1, feature 1: category 3 outside [0, 3)"},
           {torch::tensor({{-1, 0}}, torch::kLong), "row 0, feature 0: category -1 outside [0, 5)"}}) {
    try {
      emb(bad);
      ADD_FAILURE() << "no error for " << message;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(message));
    }
  }
}

TEST(CategoricalEmbedding, ZeroRowsAndWrongFeatureCounts) {
  models::CategoricalEmbedding emb(std::vector<int64_t>{4, 2}, 5);
  EXPECT_EQ(emb(torch::zeros({0, 2}, torch::kLong)).sizes(), (std::vector<int64_t>{0, 5}));
  try {
    emb(torch::zeros({3, 3}, torch::kLong));
    ADD_FAILURE() << "no error for 3 features";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("categorical input has 3 features, the embedding expects 2"));
  }
  EXPECT_THROW(emb(torch::zeros({3}, torch::kLong)), Error);
}

TEST(MakeNorm, NamesGiveTheirLayers) {
  torch::manual_seed(0);
  const auto x = torch::randn({6, 4}) * 3 + 1;
  auto none = models::make_norm("none", 4);
  EXPECT_TRUE(torch::equal(none.forward(x), x));
  auto layer = models::make_norm("layer", 4);
  EXPECT_TRUE(torch::allclose(layer.forward(x).mean(1), torch::zeros({6}), 1e-5, 1e-5));
  auto batch = models::make_norm("batch", 4);
  batch.ptr()->train();
  EXPECT_TRUE(torch::allclose(batch.forward(x).mean(0), torch::zeros({4}), 1e-5, 1e-5));
}

TEST(JumpingKnowledge, LastSumAndConcat) {
  const auto a = torch::ones({3, 2}), b = torch::full({3, 2}, 2.0), c = torch::full({3, 2}, 4.0);
  EXPECT_TRUE(torch::equal(models::jumping_knowledge({a, b, c}, "last"), c));
  EXPECT_TRUE(torch::equal(models::jumping_knowledge({a, b, c}, "sum"), torch::full({3, 2}, 7.0)));
  const auto cat = models::jumping_knowledge({a, b, c}, "concat");
  EXPECT_EQ(cat.sizes(), (std::vector<int64_t>{3, 6}));
  EXPECT_TRUE(torch::equal(cat.narrow(1, 2, 2), b));
}

}  // namespace
}  // namespace molprop
