#include "checkpoint/model_settings.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "chem/featurizer.h"
#include "core/atomic_file.h"
#include "core/check.h"

namespace molprop::checkpoint {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kSettingsFormat = "molprop-predict-settings";
constexpr const char* kCalibrationFormat = "molprop-calibration";
constexpr int kFormatVersion = 1;

// The parsed file, or null JSON when it does not exist.
json read_json(const fs::path& path, const char* format) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return json();
  std::ifstream in(path);
  if (!in) throw Error(path.string() + ": cannot open");
  json j;
  try {
    in >> j;
  } catch (const json::exception& e) {
    throw Error(path.string() + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object() || j.value("format", "") != format) {
    throw Error(path.string() + ": not a " + std::string(format) + " file (no \"format\": \"" + format + "\")");
  }
  if (j.value("format_version", 0) > kFormatVersion) {
    throw Error(path.string() + ": written by a newer molprop (format_version " +
                std::to_string(j.value("format_version", 0)) + ")");
  }
  return j;
}

void write_json(const fs::path& path, const json& j) {
  core::write_file_atomically(path.string(), [&](std::ostream& out) { out << j.dump(2) << '\n'; });
}

}  // namespace

PredictSettings load_predict_settings(const std::string& folder) {
  const fs::path path = fs::path(folder) / kPredictSettingsFileName;
  const json j = read_json(path, kSettingsFormat);
  PredictSettings s;
  if (j.is_null()) return s;
  try {
    s.standardize = j.value("standardize", false);
    s.canonical_tautomer = j.value("canonical_tautomer", false);
    s.tautomer_forms = j.value("tautomer_forms", 0);
    if (s.tautomer_forms < 0 || s.tautomer_forms > chem::kMaxTautomerForms) {
      throw Error(path.string() + ": tautomer_forms must be 0 (off) to " + std::to_string(chem::kMaxTautomerForms) +
                  ", got " + std::to_string(s.tautomer_forms));
    }
    s.tautomer_as_written = j.value("tautomer_as_written", std::vector<std::string>{});
    s.default_properties = j.value("default_properties", std::vector<std::string>{});
    for (const auto& symbol : j.value("known_elements", std::vector<std::string>{})) {
      const int z = chem::element_number(symbol);
      if (z == 0) throw Error(path.string() + ": known_elements has \"" + symbol + "\", which is no element");
      s.known_elements.push_back(z);
    }
  } catch (const json::exception& e) {
    throw Error(path.string() + ": " + e.what());
  }
  return s;
}

void save_predict_settings(const std::string& folder, const PredictSettings& settings) {
  std::vector<std::string> elements;
  for (int z : settings.known_elements) elements.push_back(chem::element_symbol(z));
  write_json(fs::path(folder) / kPredictSettingsFileName, {{"format", kSettingsFormat},
                                                           {"format_version", kFormatVersion},
                                                           {"standardize", settings.standardize},
                                                           {"canonical_tautomer", settings.canonical_tautomer},
                                                           {"tautomer_forms", settings.tautomer_forms},
                                                           {"tautomer_as_written", settings.tautomer_as_written},
                                                           {"default_properties", settings.default_properties},
                                                           {"known_elements", elements}});
}

Calibration load_calibration(const std::string& folder) {
  const fs::path path = fs::path(folder) / kCalibrationFileName;
  const json j = read_json(path, kCalibrationFormat);
  Calibration c;
  if (j.is_null()) return c;
  try {
    c.data = j.value("data", "");
    for (const auto& [name, t] : j.at("targets").items()) {
      TargetCalibration tc;
      tc.spread_scale = t.value("spread_scale", 1.0);
      tc.spread_floor = t.value("spread_floor", 0.0);
      tc.domain_threshold = t.value("domain_threshold", -1.0);
      if (!(tc.spread_scale >= 0) || !(tc.spread_floor >= 0) || tc.domain_threshold > 1) {
        throw Error(path.string() + ": target " + name +
                    " needs spread_scale ≥ 0, spread_floor ≥ 0 and domain_threshold ≤ 1");
      }
      tc.validation_json = t.contains("validation") ? t.at("validation").dump() : "{}";
      c.targets[name] = tc;
    }
  } catch (const json::exception& e) {
    throw Error(path.string() + ": " + e.what());
  }
  return c;
}

void save_calibration(const std::string& folder, const Calibration& calibration) {
  json targets = json::object();
  for (const auto& [name, t] : calibration.targets) {
    targets[name] = {{"spread_scale", t.spread_scale},
                     {"spread_floor", t.spread_floor},
                     {"domain_threshold", t.domain_threshold},
                     {"validation", json::parse(t.validation_json.empty() ? "{}" : t.validation_json)}};
  }
  write_json(fs::path(folder) / kCalibrationFileName, {{"format", kCalibrationFormat},
                                                       {"format_version", kFormatVersion},
                                                       {"data", calibration.data},
                                                       {"targets", targets}});
}

}  // namespace molprop::checkpoint
