#pragma once
// Two optional JSON files of a model folder that tell `predict` how to use the models
// (docs/checkpoint-format.md, "Prediction settings and calibration"):
//
//   predict.json      written by whoever ships the model (scripts/train-default-model.sh):
//     {"format": "molprop-predict-settings", "format_version": 1,
//      "standardize": true,                       // largest fragment + neutralise first
//      "canonical_tautomer": false,               // then RDKit's canonical tautomer
//      "tautomer_forms": 4,                       // average over the 4 most plausible tautomers (0: off)
//      "tautomer_as_written": ["pKa_acidic"],     // with tautomer_forms: these targets from the molecule as written
//      "default_properties": ["logS", "logP"],    // columns shown without --properties
//      "known_elements": ["H", "C", "N", "O"]}    // other elements: out of domain
//
//   calibration.json  written by `molprop calibrate` from held-out labelled molecules:
//     {"format": "molprop-calibration", "format_version": 1, "data": "val.csv",
//      "targets": {"logS": {"spread_scale": 1.9, "spread_floor": 0.21,
//                           "domain_threshold": 0.35, "validation": {...}}, ...}}
//   The reported standard deviation is sqrt((spread_scale · ensemble spread)² + spread_floor²);
//   a molecule is in a target's domain when its similarity to that target's labelled
//   training molecules reaches domain_threshold.
//
// Both are optional: a folder without them predicts as before (every target shown, raw
// spread, the domain file's one threshold).
#include <map>
#include <string>
#include <vector>

namespace molprop::checkpoint {

inline constexpr const char* kPredictSettingsFileName = "predict.json";
inline constexpr const char* kCalibrationFileName = "calibration.json";

struct PredictSettings {
  bool standardize = false;
  bool canonical_tautomer = false;              // then RDKit's canonical tautomer
  int tautomer_forms = 0;                       // average over this many tautomers (chem::ParseOptions)
  // With tautomer_forms > 0: targets predicted from the molecule as written instead (a label that
  // belongs to the site as drawn, such as a pKa); the others average over the forms.
  std::vector<std::string> tautomer_as_written;
  std::vector<std::string> default_properties;  // empty: every target
  std::vector<int> known_elements;              // atomic numbers; empty: no element check
};

struct TargetCalibration {
  double spread_scale = 1.0;
  double spread_floor = 0.0;
  double domain_threshold = -1.0;  // < 0: the domain file's threshold
  std::string validation_json;     // what calibrate measured ("{}" when unknown), kept verbatim
};

struct Calibration {
  std::string data;  // the labelled file it was computed on
  std::map<std::string, TargetCalibration> targets;
  bool empty() const { return targets.empty(); }
};

// `folder`/predict.json, or defaults when there is none. Throws molprop::Error naming the
// file when it is not valid JSON of this format, or names an unknown element.
PredictSettings load_predict_settings(const std::string& folder);
void save_predict_settings(const std::string& folder, const PredictSettings& settings);

// `folder`/calibration.json, or an empty Calibration when there is none; errors as above.
Calibration load_calibration(const std::string& folder);
// Written atomically.
void save_calibration(const std::string& folder, const Calibration& calibration);

}  // namespace molprop::checkpoint
