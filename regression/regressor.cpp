#include "regression/regressor.h"

#include <functional>

#include "core/check.h"
#include "core/registry.h"
#include "regression/gp.h"
#include "regression/ridge.h"

namespace molprop::regression {
namespace {

struct RegressorFactory {
  std::function<std::unique_ptr<EmbeddingRegressor>(const RegressorOptions&)> make;
  std::function<std::unique_ptr<EmbeddingRegressor>(const std::string&, const std::vector<NamedArray>&)> load;
};

// The one name → factory table for regressor heads (sorted by name, as error messages
// list them).
const core::Registry<RegressorFactory>& registry() {
  static const core::Registry<RegressorFactory> table{
      "head",
      "known",
      {
          {"gp",
           {[](const RegressorOptions& o) { return std::make_unique<GaussianProcessRegressor>(o); },
            [](const std::string& p, const std::vector<NamedArray>& a) {
              return GaussianProcessRegressor::load(p, a);
            }}},
          {"ridge",
           {[](const RegressorOptions& o) { return std::make_unique<RidgeRegressor>(o); },
            [](const std::string& p, const std::vector<NamedArray>& a) { return RidgeRegressor::load(p, a); }}},
      }};
  return table;
}

const RegressorFactory& lookup(const std::string& kind) { return registry().at(kind); }

}  // namespace

std::vector<std::string> regressor_names() { return registry().names(); }

std::unique_ptr<EmbeddingRegressor> make_regressor(const std::string& kind, const RegressorOptions& options) {
  return lookup(kind).make(options);
}

std::unique_ptr<EmbeddingRegressor> load_regressor(const std::string& kind, const std::string& params_json,
                                                   const std::vector<NamedArray>& arrays) {
  return lookup(kind).load(params_json, arrays);
}

}  // namespace molprop::regression
