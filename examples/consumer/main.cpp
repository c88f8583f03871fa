// Predicts properties of the SMILES given as arguments with molprop's default model.
// Exit status 1 when a SMILES could not be predicted.
#include <molprop/predictor.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> smiles(argv + 1, argv + argc);
  if (smiles.empty()) smiles = {"CCO"};
  try {
    molprop::Predictor predictor = molprop::Predictor::load_default();
    std::printf("molprop %s, model %s (%zu members)\n", molprop::version().c_str(), predictor.model_path().c_str(),
                predictor.ensemble_size());
    const std::vector<molprop::Prediction> results = predictor.predict(smiles);
    int failed = 0;
    for (size_t i = 0; i < smiles.size(); ++i) {
      const molprop::Prediction& r = results[i];
      if (!r.ok()) {
        std::printf("%s: error: %s\n", smiles[i].c_str(), r.error.c_str());
        ++failed;
        continue;
      }
      std::printf("%s:", smiles[i].c_str());
      for (size_t t = 0; t < predictor.targets().size(); ++t) {
        std::printf(" %s = %.2f ± %.2f %s;", predictor.targets()[t].c_str(), r.values[t], r.uncertainties[t],
                    predictor.units()[t].c_str());
      }
      std::printf(" similarity to training set %.2f (%s)\n", r.train_similarity,
                  r.in_domain ? "in domain" : "out of domain");
    }
    return failed ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 2;
  }
}
