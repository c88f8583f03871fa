// The applicability-domain search, as ratios taken in one run on one machine:
//   the AND-popcount kernel (chem::and_popcounts), portable vs AVX-512 VPOPCNTDQ, on full
//   scans of ECFP4 fingerprints (rows/s and GB/s read), and
//   the default model's per-target domain search (ApplicabilityDomain::all_similarities,
//   what `predict` runs for every molecule) in ms per molecule.
// Usage: bench_domain [zinc250k.csv.gz] [queries=2000] [rows=30000] [domain.h5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "checkpoint/default_model.h"
#include "checkpoint/domain.h"
#include "chem/fingerprint.h"
#include "chem/parse.h"
#include "data/csv_reader.h"

namespace {

double seconds_of(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  namespace chem = molprop::chem;
  const std::string input = argc > 1 ? argv[1] : std::string(MOLPROP_SHARED_DATA_DIR) + "/zinc250k.csv.gz";
  const size_t num_queries = argc > 2 ? std::stoul(argv[2]) : 2000;
  const size_t num_rows = argc > 3 ? std::stoul(argv[3]) : 30000;
  std::string domain_path = argc > 4 ? argv[4] : "";
  chem::quiet_rdkit_logs();

  std::vector<chem::PackedFingerprint> fps;
  {
    molprop::data::CsvReader reader(input);
    const int col = reader.column_index("smiles");
    molprop::data::CsvRecord rec;
    while (fps.size() < num_queries + num_rows && reader.next(rec)) {
      const chem::ParsedMol parsed = chem::parse_smiles(rec.fields[static_cast<size_t>(col)]);
      if (parsed.ok()) fps.push_back(chem::packed_morgan_fingerprint(*parsed.mol));
    }
  }
  if (fps.size() <= num_queries) {
    std::fprintf(stderr, "bench_domain: only %zu molecules in %s\n", fps.size(), input.c_str());
    return 1;
  }
  const size_t words = fps[0].size(), rows = fps.size() - num_queries;
  std::vector<uint64_t> table;
  table.reserve(rows * words);
  for (size_t i = num_queries; i < fps.size(); ++i) table.insert(table.end(), fps[i].begin(), fps[i].end());
  std::printf("bench_domain: %zu queries against %zu rows of %zu bits from %s; AVX-512 VPOPCNTDQ: %s\n",
              num_queries, rows, words * 64, input.c_str(), chem::avx512_popcount_available() ? "yes" : "no");

  // Full scans, the kernels alternating, best of 3 (the machine is shared).
  std::vector<int32_t> out(rows);
  int64_t checksum[2] = {0, 0};
  auto scan_all = [&](const char* kernel, int64_t& sum) {
    for (size_t q = 0; q < num_queries; ++q) {
      chem::and_popcounts_with(kernel, fps[q].data(), table.data(), words, rows, out.data());
      sum += out[q % rows];
    }
  };
  std::vector<std::string> kernels = {"portable"};
  if (chem::avx512_popcount_available()) kernels.push_back("avx512");
  std::vector<double> best(kernels.size(), 1e30);
  for (int rep = 0; rep < 3; ++rep) {
    for (size_t k = 0; k < kernels.size(); ++k) {
      int64_t sum = 0;
      best[k] = std::min(best[k], seconds_of([&] { scan_all(kernels[k].c_str(), sum); }));
      checksum[k] = sum;
    }
  }
  const double pairs = static_cast<double>(num_queries) * static_cast<double>(rows);
  for (size_t k = 0; k < kernels.size(); ++k) {
    std::printf("  kernel %-8s  %8.1f M rows/s  %6.1f GB/s  (%.3f s)\n", kernels[k].c_str(), pairs / best[k] / 1e6,
                pairs * static_cast<double>(words) * 8 / best[k] / 1e9, best[k]);
  }
  if (kernels.size() == 2) {
    std::printf("  avx512 / portable: %.2fx (checksums %s)\n", best[0] / best[1],
                checksum[0] == checksum[1] ? "equal" : "DIFFER");
  }

  // The default model's domain search, as predict runs it (dispatched kernel, pruned).
  if (domain_path.empty()) {
    domain_path = molprop::checkpoint::default_model_dir() + "/" + molprop::checkpoint::kDomainFileName;
  }
  {
    const auto domain = molprop::checkpoint::ApplicabilityDomain::load(domain_path);
    double total = 0;
    double search = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
      search = std::min(search, seconds_of([&] {
                          for (size_t q = 0; q < num_queries; ++q) total += domain.all_similarities(fps[q])[0];
                        }));
    }
    std::printf("  %s (%zu molecules, %zu targets): all_similarities %.3f ms/molecule, mean overall similarity %.3f\n",
                domain_path.c_str(), domain.size(), domain.num_targets(), search / num_queries * 1e3,
                total / 3 / num_queries);
  }
  return 0;
}
