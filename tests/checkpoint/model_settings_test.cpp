// predict.json and calibration.json of a model folder (checkpoint/model_settings.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "checkpoint/model_settings.h"
#include "core/check.h"
#include "tests/util/scratch_dir.h"

namespace {

using namespace molprop::checkpoint;
using ::testing::HasSubstr;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const molprop::Error& e) {
    return e.what();
  }
  return "";
}

TEST(ModelSettings, AFolderWithoutTheFilesHasTheDefaults) {
  const std::string dir = molprop::testing_util::fresh_dir("settings_none");
  const PredictSettings s = load_predict_settings(dir);
  EXPECT_FALSE(s.standardize);
  EXPECT_TRUE(s.default_properties.empty());
  EXPECT_TRUE(s.known_elements.empty());
  EXPECT_TRUE(s.tautomer_as_written.empty());
  EXPECT_TRUE(load_calibration(dir).empty());
}

TEST(ModelSettings, SettingsAndCalibrationRoundTrip) {
  const std::string dir = molprop::testing_util::fresh_dir("settings_round_trip");
  PredictSettings s;
  s.standardize = true;
  s.default_properties = {"logP", "logS"};
  s.known_elements = {1, 6, 7, 8, 17};
  s.tautomer_forms = 4;
  s.tautomer_as_written = {"pKa_acidic", "pKa_basic"};
  save_predict_settings(dir, s);
  const PredictSettings back = load_predict_settings(dir);
  EXPECT_TRUE(back.standardize);
  EXPECT_EQ(back.tautomer_forms, 4);
  EXPECT_EQ(back.tautomer_as_written, s.tautomer_as_written);
  EXPECT_EQ(back.default_properties, s.default_properties);
  EXPECT_EQ(back.known_elements, s.known_elements);
  std::ifstream in(dir + "/" + kPredictSettingsFileName);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("\"Cl\""));  // elements are written as symbols

  Calibration c;
  c.data = "val.csv";
  c.targets["logP"] = {1.7, 0.2, 0.4, R"({"molecules":10})"};
  c.targets["logS"] = {1.0, 0.5, -1, "{}"};
  save_calibration(dir, c);
  const Calibration cb = load_calibration(dir);
  EXPECT_EQ(cb.data, "val.csv");
  ASSERT_EQ(cb.targets.size(), 2u);
  EXPECT_DOUBLE_EQ(cb.targets.at("logP").spread_scale, 1.7);
  EXPECT_DOUBLE_EQ(cb.targets.at("logP").spread_floor, 0.2);
  EXPECT_DOUBLE_EQ(cb.targets.at("logP").domain_threshold, 0.4);
  EXPECT_EQ(cb.targets.at("logP").validation_json, R"({"molecules":10})");
  EXPECT_DOUBLE_EQ(cb.targets.at("logS").domain_threshold, -1);
}

TEST(ModelSettings, BadFilesAreClearErrorsNamingTheFile) {
  const std::string dir = molprop::testing_util::fresh_dir("settings_bad");
  const std::string settings = dir + "/" + kPredictSettingsFileName;
  const std::string calibration = dir + "/" + kCalibrationFileName;
  std::ofstream(settings) << "{not json";
  EXPECT_THAT(error_of([&] { load_predict_settings(dir); }), HasSubstr(settings + ": not valid JSON"));
  std::ofstream(settings) << R"({"format": "something-else"})";
  EXPECT_THAT(error_of([&] { load_predict_settings(dir); }), HasSubstr("not a molprop-predict-settings file"));
  std::ofstream(settings) << R"({"format": "molprop-predict-settings", "format_version": 99})";
  EXPECT_THAT(error_of([&] { load_predict_settings(dir); }), HasSubstr("newer molprop"));
  std::ofstream(settings) << R"({"format": "molprop-predict-settings", "known_elements": ["C", "Xx"]})";
  EXPECT_THAT(error_of([&] { load_predict_settings(dir); }), HasSubstr("\"Xx\", which is no element"));
  std::ofstream(settings) << R"({"format": "molprop-predict-settings", "tautomer_forms": 65})";
  EXPECT_THAT(error_of([&] { load_predict_settings(dir); }), HasSubstr("tautomer_forms must be 0 (off) to 64, got 65"));
  std::ofstream(settings) << R"({"format": "molprop-predict-settings", "tautomer_as_written": "pKa"})";
  EXPECT_THAT(error_of([&] { load_predict_settings(dir); }), HasSubstr(settings + ": "));  // a list is needed
  std::ofstream(calibration) << R"({"format": "molprop-calibration", "targets": {"a": {"spread_scale": -1}}})";
  EXPECT_THAT(error_of([&] { load_calibration(dir); }), HasSubstr("target a needs spread_scale ≥ 0"));
  std::ofstream(calibration) << R"({"format": "molprop-calibration"})";
  EXPECT_THAT(error_of([&] { load_calibration(dir); }), HasSubstr(calibration));
}

}  // namespace
