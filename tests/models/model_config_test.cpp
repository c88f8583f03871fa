#include "models/model_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/check.h"

namespace molprop {
namespace {

using ::testing::HasSubstr;

models::ModelConfig non_default_config() {
  models::ModelConfig c;
  c.encoder.name = "gine";
  c.encoder.hidden = 17;
  c.encoder.depth = 5;
  c.encoder.dropout = 0.25;
  c.encoder.norm = "layer";
  c.encoder.residual = true;
  c.encoder.jk = "concat";
  c.encoder.atom_cardinalities = {3, 1, 7};
  c.encoder.bond_cardinalities = {2, 9};
  c.readout.name = "attention";
  c.head.hidden = 11;
  c.head.layers = 3;
  c.head.dropout = 0.125;
  c.head.num_tasks = 4;
  c.num_descriptors = 6;
  c.featurizer_version = 42;
  return c;
}

void expect_equal(const models::ModelConfig& a, const models::ModelConfig& b) {
  EXPECT_EQ(a.encoder.name, b.encoder.name);
  EXPECT_EQ(a.encoder.hidden, b.encoder.hidden);
  EXPECT_EQ(a.encoder.depth, b.encoder.depth);
  EXPECT_EQ(a.encoder.dropout, b.encoder.dropout);
  EXPECT_EQ(a.encoder.norm, b.encoder.norm);
  EXPECT_EQ(a.encoder.residual, b.encoder.residual);
  EXPECT_EQ(a.encoder.jk, b.encoder.jk);
  EXPECT_EQ(a.encoder.virtual_node, b.encoder.virtual_node);
  EXPECT_EQ(a.encoder.atom_cardinalities, b.encoder.atom_cardinalities);
  EXPECT_EQ(a.encoder.bond_cardinalities, b.encoder.bond_cardinalities);
  EXPECT_EQ(a.readout.name, b.readout.name);
  EXPECT_EQ(a.head.hidden, b.head.hidden);
  EXPECT_EQ(a.head.layers, b.head.layers);
  EXPECT_EQ(a.head.dropout, b.head.dropout);
  EXPECT_EQ(a.head.num_tasks, b.head.num_tasks);
  EXPECT_EQ(a.num_descriptors, b.num_descriptors);
  EXPECT_EQ(a.featurizer_version, b.featurizer_version);
}

TEST(ModelConfigJson, TheVirtualNodeIsWrittenOnlyWhenOn) {
  models::ModelConfig c = non_default_config();
  EXPECT_EQ(models::to_json(c).find("virtual_node"), std::string::npos);  // older readers see what they know
  EXPECT_FALSE(models::model_config_from_json(models::to_json(c)).encoder.virtual_node);
  c.encoder.name = "dmpnn";
  c.encoder.virtual_node = true;
  EXPECT_NE(models::to_json(c).find("\"virtual_node\":true"), std::string::npos);
  EXPECT_TRUE(models::model_config_from_json(models::to_json(c)).encoder.virtual_node);
}

TEST(ModelConfigJson, RoundTripReproducesEveryField) {
  const models::ModelConfig c = non_default_config();
  const std::string json = models::to_json(c);
  const models::ModelConfig back = models::model_config_from_json(json);
  expect_equal(back, c);
  EXPECT_EQ(models::to_json(back), json);
}

TEST(ModelConfigJson, DefaultsRoundTrip) {
  const models::ModelConfig c;
  expect_equal(models::model_config_from_json(models::to_json(c)), c);
}

TEST(ModelConfigJson, MissingFieldIsAnErrorNamingIt) {
  for (const char* field : {"hidden", "jk", "bond_cardinalities"}) {
    auto j = nlohmann::json::parse(models::to_json(non_default_config()));
    j["encoder"].erase(field);
    try {
      models::model_config_from_json(j.dump());
      ADD_FAILURE() << "no error without encoder." << field;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("model configuration is invalid"));
      EXPECT_THAT(e.what(), HasSubstr(field));
    }
  }
  auto j = nlohmann::json::parse(models::to_json(non_default_config()));
  j.erase("head");
  EXPECT_THROW(models::model_config_from_json(j.dump()), Error);
}

TEST(ModelConfigJson, WrongTypeAndMalformedTextAreErrors) {
  auto j = nlohmann::json::parse(models::to_json(non_default_config()));
  j["head"]["num_tasks"] = "four";
  EXPECT_THROW(models::model_config_from_json(j.dump()), Error);
  EXPECT_THROW(models::model_config_from_json("{\"encoder\": "), Error);
  EXPECT_THROW(models::model_config_from_json(""), Error);
}

}  // namespace
}  // namespace molprop
