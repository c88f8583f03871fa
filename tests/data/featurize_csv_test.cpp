// featurize_csv: every input row becomes a molecule or a failure record, in input order,
// whatever the thread count.
#include "data/featurize_csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "chem/descriptors.h"
#include "chem/featurizer.h"
#include "core/check.h"
#include "core/text.h"
#include "data/graph_dataset.h"

namespace molprop::data {
namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;

std::string temp_dir() {
  const auto* test = testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::path(testing::TempDir()) / (std::string("molprop_feat_") + test->test_suite_name() + "_" +
                                                       test->name() + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  return path;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("(not a molprop::Error) ") + e.what();
  }
  return "(no exception)";
}

FeaturizeCsvOptions options_for(const std::string& input, const std::string& output) {
  FeaturizeCsvOptions o;
  o.input = input;
  o.output = output;
  o.quiet = true;
  return o;
}

// Every input row is accounted for exactly once: the molecule rows and the failure rows
// are each increasing and together are 1..rows.
void expect_rows_accounted_for(GraphDataset& ds, int64_t rows) {
  std::vector<int64_t> molecule_rows, failure_rows;
  for (int64_t i = 0; i < ds.size(); ++i) molecule_rows.push_back(ds.row(i));
  for (const auto& f : ds.failures()) {
    failure_rows.push_back(f.row);
    EXPECT_FALSE(f.reason.empty()) << "row " << f.row;
  }
  EXPECT_TRUE(std::is_sorted(molecule_rows.begin(), molecule_rows.end()));
  EXPECT_TRUE(std::is_sorted(failure_rows.begin(), failure_rows.end()));
  std::vector<int64_t> all = molecule_rows;
  all.insert(all.end(), failure_rows.begin(), failure_rows.end());
  std::sort(all.begin(), all.end());
  std::vector<int64_t> want(static_cast<size_t>(rows));
  std::iota(want.begin(), want.end(), int64_t{1});
  EXPECT_EQ(all, want);
}

void expect_same_graph(const chem::MolGraph& a, const chem::MolGraph& b, const std::string& what) {
  EXPECT_EQ(a.num_atoms, b.num_atoms) << what;
  EXPECT_EQ(a.atom_features, b.atom_features) << what;
  EXPECT_EQ(a.edge_index, b.edge_index) << what;
  EXPECT_EQ(a.bond_features, b.bond_features) << what;
}

// CRLF endings, a blank line, a quoted SMILES, a syntax error, a valence error, an empty
// target (→ NaN, still a molecule), a non-numeric target and a row with too few fields.
const char* kMixedCsv =
    "smiles,logS,other\r\n"
    "CCO,-0.77,1.0\r\n"        // row 1: molecule
    "\r\n"                     // blank: not a row
    "\"c1ccccc1\",-2.1,2\r\n"  // row 2: molecule, quotes removed
    "C1CC,1.0,2\r\n"           // row 3: unclosed ring
    "C(C)(C)(C)(C)C,1,2\r\n"   // row 4: pentavalent carbon
    "CCN,,3\r\n"               // row 5: molecule, logS missing
    "CCC,abc,4\r\n"            // row 6: logS not a number
    "CCCl\r\n"                 // row 7: too few fields
    "c1ccncc1,0.5,0.25\r\n";   // row 8: molecule

TEST(FeaturizeCsv, EveryRowIsAMoleculeOrAFailure) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/mixed.csv", kMixedCsv);
  FeaturizeCsvOptions options = options_for(input, dir + "/mixed.h5");
  options.featurize.descriptors = true;
  options.featurize.scaffold = true;
  const FeaturizeSummary summary = featurize_csv(options);
  EXPECT_EQ(summary.rows, 8);
  EXPECT_EQ(summary.molecules + summary.failed, summary.rows);
  EXPECT_EQ(summary.molecules, 4);
  EXPECT_EQ(summary.failed, 4);
  EXPECT_EQ(summary.target_names, (std::vector<std::string>{"logS", "other"}));
  int64_t kinds = 0;
  for (const auto& [kind, count] : summary.failure_kinds) kinds += count;
  EXPECT_EQ(kinds, summary.failed);
  EXPECT_EQ(summary.first_failures.size(), 4u);

  GraphDataset ds(options.output);
  const DatasetInfo& info = ds.info();
  EXPECT_EQ(info.num_rows, summary.rows);
  EXPECT_EQ(info.num_molecules, summary.molecules);
  EXPECT_EQ(info.num_failed, summary.failed);
  EXPECT_EQ(info.target_names, summary.target_names);
  EXPECT_EQ(info.descriptor_names, chem::descriptor_names());
  EXPECT_TRUE(info.has_scaffolds);
  EXPECT_EQ(info.source_file, input);
  EXPECT_EQ(info.source_sha256.size(), 64u);
  expect_rows_accounted_for(ds, summary.rows);

  ASSERT_EQ(ds.size(), 4);
  const std::vector<std::string> want_smiles = {"CCO", "c1ccccc1", "CCN", "c1ccncc1"};
  const std::vector<int64_t> want_rows = {1, 2, 5, 8};
  for (int64_t i = 0; i < ds.size(); ++i) {
    EXPECT_EQ(ds.smiles(i), want_smiles[i]);
    EXPECT_EQ(ds.row(i), want_rows[i]);
    expect_same_graph(ds.graph(i), chem::featurize_smiles(want_smiles[i]).graph, want_smiles[i]);
  }
  const std::vector<float> t0 = ds.targets(0);
  ASSERT_EQ(t0.size(), 2u);
  EXPECT_FLOAT_EQ(t0[0], -0.77f);
  EXPECT_FLOAT_EQ(t0[1], 1.0f);
  const std::vector<float> t2 = ds.targets(2);  // "CCN,,3"
  ASSERT_EQ(t2.size(), 2u);
  EXPECT_TRUE(std::isnan(t2[0]));
  EXPECT_FLOAT_EQ(t2[1], 3.0f);

  const std::vector<FailureRecord> failures = ds.failures();
  ASSERT_EQ(failures.size(), 4u);
  EXPECT_EQ(failures[0].row, 3);
  EXPECT_EQ(failures[0].smiles, "C1CC");
  EXPECT_EQ(failures[1].row, 4);
  EXPECT_EQ(failures[1].smiles, "C(C)(C)(C)(C)C");
  EXPECT_EQ(failures[2].row, 6);
  EXPECT_EQ(failures[2].smiles, "CCC");
  EXPECT_THAT(failures[2].reason, HasSubstr("row 6"));
  EXPECT_THAT(failures[2].reason, HasSubstr("'logS'"));
  EXPECT_THAT(failures[2].reason, HasSubstr("abc"));
  EXPECT_EQ(failures[3].row, 7);
  EXPECT_THAT(failures[3].reason, HasSubstr("row 7"));
  for (const auto& f : failures) EXPECT_FALSE(f.reason.empty()) << "row " << f.row;
  EXPECT_EQ(entries(dir), (std::vector<std::string>{"mixed.csv", "mixed.h5"}));
}

// Issue 14 case 5: "CCéO" was stored as ethane, and bytes that are not UTF-8 reached the
// UTF-8 smiles strings, so h5py's .asstr() raised UnicodeDecodeError. The row is a failure
// and every stored string is valid UTF-8 (a Latin-1 SMILES is stored \xNN-escaped).
TEST(FeaturizeCsv, NonAsciiSmilesIsAFailureAndStoredStringsAreUtf8) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/in.csv", "smiles,y\nCC\xE9O,1\nCC\xC3\xA9O,2\nCCO,3\n");
  const FeaturizeSummary summary = featurize_csv(options_for(input, dir + "/out.h5"));
  EXPECT_EQ(summary.molecules, 1);
  EXPECT_EQ(summary.failed, 2);
  GraphDataset ds(dir + "/out.h5");
  ASSERT_EQ(ds.size(), 1);
  EXPECT_EQ(ds.smiles(0), "CCO");
  const std::vector<FailureRecord> failures = ds.failures();
  ASSERT_EQ(failures.size(), 2u);
  EXPECT_EQ(failures[0].smiles, "CC\\xE9O");
  EXPECT_THAT(failures[0].reason, HasSubstr("non-ASCII byte 0xE9 at position 3"));
  EXPECT_EQ(failures[1].smiles, "CC\xC3\xA9O");
  EXPECT_THAT(failures[1].reason, HasSubstr("non-ASCII byte 0xC3 at position 3"));
  for (const auto& f : failures) {
    EXPECT_FALSE(core::invalid_utf8_at(f.smiles).has_value()) << f.smiles;
    EXPECT_FALSE(core::invalid_utf8_at(f.reason).has_value()) << f.reason;
  }
}

// Issue 14 case 7: a row with more fields than the header was featurised as if it fit.
TEST(FeaturizeCsv, RowWithMoreFieldsThanTheHeaderIsAFailure) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/in.csv", "smiles,y\nCCO,1\nCC,2,3\n");
  const FeaturizeSummary summary = featurize_csv(options_for(input, dir + "/out.h5"));
  EXPECT_EQ(summary.rows, 2);
  EXPECT_EQ(summary.failed, 1);
  GraphDataset ds(dir + "/out.h5");
  ASSERT_EQ(ds.failures().size(), 1u);
  EXPECT_EQ(ds.failures()[0].row, 2);
  EXPECT_EQ(ds.failures()[0].reason, input + ": row 2 (line 3) has 3 fields, but the header has 2 columns");
}

// Issue 14 case 6: a target cell "0x10" was read as 16.
TEST(FeaturizeCsv, HexTargetIsAFailure) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/in.csv", "smiles,y\nCCO,0x10\nCC,16\n");
  const FeaturizeSummary summary = featurize_csv(options_for(input, dir + "/out.h5"));
  EXPECT_EQ(summary.molecules, 1);
  GraphDataset ds(dir + "/out.h5");
  ASSERT_EQ(ds.failures().size(), 1u);
  EXPECT_EQ(ds.failures()[0].reason, input + ": row 1, column 'y': cannot parse '0x10' as a decimal number");
}

// Issue 14: duplicate column names ("y,y") were accepted.
TEST(FeaturizeCsv, DuplicateTargetColumnIsRefused) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/in.csv", "smiles,y,y\nCCO,1,2\n");
  EXPECT_THAT(error_of([&] { featurize_csv(options_for(input, dir + "/out.h5")); }),
              HasSubstr("column 'y' appears twice (columns 2 and 3)"));
  EXPECT_FALSE(fs::exists(dir + "/out.h5"));
}

TEST(FeaturizeCsv, StdinIsRefusedPlainly) {
  const std::string dir = temp_dir();
  EXPECT_THAT(error_of([&] { featurize_csv(options_for("-", dir + "/out.h5")); }),
              HasSubstr("featurize cannot read stdin"));
}

TEST(FeaturizeCsv, MissingSmilesColumnListsTheColumns) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/mixed.csv", kMixedCsv);
  FeaturizeCsvOptions options = options_for(input, dir + "/out.h5");
  options.smiles_column = "SMILES";
  EXPECT_THROW(featurize_csv(options), Error);
  const std::string msg = error_of([&] { featurize_csv(options); });
  EXPECT_THAT(msg, HasSubstr(input));
  EXPECT_THAT(msg, HasSubstr("'SMILES'"));
  EXPECT_THAT(msg, HasSubstr("'smiles', 'logS', 'other'"));
  EXPECT_FALSE(fs::exists(dir + "/out.h5"));
}

TEST(FeaturizeCsv, UnknownTargetColumnIsAnError) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/mixed.csv", kMixedCsv);
  FeaturizeCsvOptions options = options_for(input, dir + "/out.h5");
  options.targets = {"logS", "pKa"};
  EXPECT_THROW(featurize_csv(options), Error);
  const std::string msg = error_of([&] { featurize_csv(options); });
  EXPECT_THAT(msg, HasSubstr("'pKa'"));
  EXPECT_THAT(msg, HasSubstr(input));
  EXPECT_EQ(entries(dir), std::vector<std::string>{"mixed.csv"});
}

TEST(FeaturizeCsv, SelectedTargetsOnly) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/mixed.csv", kMixedCsv);
  FeaturizeCsvOptions options = options_for(input, dir + "/out.h5");
  options.targets = {"other"};
  const FeaturizeSummary summary = featurize_csv(options);
  EXPECT_EQ(summary.target_names, std::vector<std::string>{"other"});
  // logS is no longer read, so "abc" is not an error; the short row still is.
  EXPECT_EQ(summary.rows, 8);
  EXPECT_EQ(summary.failed, 3);
  GraphDataset ds(options.output);
  EXPECT_EQ(ds.info().target_names, std::vector<std::string>{"other"});
  expect_rows_accounted_for(ds, summary.rows);
}

TEST(FeaturizeCsv, NoReadableMoleculeThrowsAndWritesNothing) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/bad.csv", "smiles,y\nC1CC,1\nnot_a_smiles,2\nC(C)(C)(C)(C)C,3\n");
  FeaturizeCsvOptions options = options_for(input, dir + "/out.h5");
  EXPECT_THROW(featurize_csv(options), Error);
  const std::string msg = error_of([&] { featurize_csv(options); });
  EXPECT_THAT(msg, HasSubstr("no molecule could be read"));
  EXPECT_THAT(msg, HasSubstr(input));
  EXPECT_EQ(entries(dir), std::vector<std::string>{"bad.csv"});  // no output, no .tmp.*
}

TEST(FeaturizeCsv, NoReadableMoleculeKeepsAnExistingOutput) {
  const std::string dir = temp_dir();
  const std::string good = write_file(dir + "/good.csv", "smiles,y\nCCO,1\nCCN,2\n");
  const std::string bad = write_file(dir + "/bad.csv", "smiles,y\nC1CC,1\n");
  featurize_csv(options_for(good, dir + "/out.h5"));
  EXPECT_THROW(featurize_csv(options_for(bad, dir + "/out.h5")), Error);
  GraphDataset ds(dir + "/out.h5");
  EXPECT_EQ(ds.size(), 2);
  EXPECT_EQ(entries(dir), (std::vector<std::string>{"bad.csv", "good.csv", "out.h5"}));
}

// A read error part-way through (here an unterminated quote after many good rows) aborts
// the run without leaving a partial dataset or a temporary file.
TEST(FeaturizeCsv, ReadErrorMidwayLeavesNoOutput) {
  for (int threads : {1, 3}) {
    const std::string dir = temp_dir();
    std::string csv = "smiles,y\n";
    for (int i = 0; i < 500; ++i) csv += "CCO," + std::to_string(i) + "\n";
    csv += "\"CCN,1\n";  // the quote never closes
    const std::string input = write_file(dir + "/broken.csv", csv);
    FeaturizeCsvOptions options = options_for(input, dir + "/out.h5");
    options.threads = threads;
    options.chunk_rows = 16;
    const std::string msg = error_of([&] { featurize_csv(options); });
    EXPECT_THAT(msg, HasSubstr(input)) << "threads=" << threads;
    EXPECT_THAT(msg, HasSubstr("unterminated")) << "threads=" << threads;
    EXPECT_EQ(entries(dir), std::vector<std::string>{"broken.csv"}) << "threads=" << threads;
  }
}

TEST(FeaturizeCsv, UnlabeledWhenOtherColumnsAreNotTargets) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/mixed.csv", kMixedCsv);
  FeaturizeCsvOptions options = options_for(input, dir + "/out.h5");
  options.all_other_columns_are_targets = false;
  const FeaturizeSummary summary = featurize_csv(options);
  EXPECT_TRUE(summary.target_names.empty());
  EXPECT_EQ(summary.rows, 8);
  EXPECT_EQ(summary.molecules + summary.failed, summary.rows);
  GraphDataset ds(options.output);
  EXPECT_TRUE(ds.info().target_names.empty());
  EXPECT_TRUE(ds.targets(0).empty());
  EXPECT_TRUE(ds.all_targets().empty());
  expect_rows_accounted_for(ds, summary.rows);
}

TEST(FeaturizeCsv, SmiFileWithoutHeader) {
  const std::string dir = temp_dir();
  const std::string input =
      write_file(dir + "/mols.smi", "CCO ethanol\nc1ccccc1\tbenzene\n\nC1CC broken\nCC(=O)O  acetic acid\nCCN\n");
  FeaturizeCsvOptions options = options_for(input, dir + "/mols.h5");
  options.smiles_column = "ignored for .smi";
  const FeaturizeSummary summary = featurize_csv(options);
  EXPECT_EQ(summary.rows, 5);
  EXPECT_EQ(summary.molecules, 4);
  EXPECT_EQ(summary.failed, 1);
  EXPECT_TRUE(summary.target_names.empty());
  GraphDataset ds(options.output);
  expect_rows_accounted_for(ds, summary.rows);
  const std::vector<std::string> want = {"CCO", "c1ccccc1", "CC(=O)O", "CCN"};
  ASSERT_EQ(ds.size(), 4);
  for (int64_t i = 0; i < ds.size(); ++i) {
    EXPECT_EQ(ds.smiles(i), want[i]);
    expect_same_graph(ds.graph(i), chem::featurize_smiles(want[i]).graph, want[i]);
  }
  ASSERT_EQ(ds.failures().size(), 1u);
  EXPECT_EQ(ds.failures()[0].row, 3);  // the blank line is not a row
  EXPECT_EQ(ds.failures()[0].smiles, "C1CC");
}

// ≥ 2000 SMILES: the first 2000 data lines of zinc250k when it is there, else generated
// chains and rings.
std::vector<std::string> many_smiles() {
  std::vector<std::string> out;
  const std::string zinc = std::string(MOLPROP_SHARED_DATA_DIR) + "/zinc250k.csv.gz";
  if (fs::exists(zinc)) {
    gzFile gz = gzopen(zinc.c_str(), "rb");
    if (gz != nullptr) {
      char line[4096];
      bool header = true;
      while (out.size() < 2000 && gzgets(gz, line, sizeof line) != nullptr) {
        std::string s(line);
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        if (header) {
          header = false;
          continue;
        }
        if (!s.empty()) out.push_back(s);
      }
      gzclose(gz);
    }
  }
  for (int k = 0; out.size() < 2000; ++k) {
    const int n = 1 + k % 40;
    switch (k % 4) {
      case 0:
        out.push_back(std::string(static_cast<size_t>(n), 'C'));
        break;
      case 1:
        out.push_back("C1" + std::string(static_cast<size_t>(2 + n % 6), 'C') + "1");
        break;
      case 2:
        out.push_back("c1ccccc1" + std::string(static_cast<size_t>(n % 9), 'C'));
        break;
      default:
        out.push_back("OC1CC(" + std::string(static_cast<size_t>(n % 5 + 1), 'C') + ")CC1");
        break;
    }
  }
  return out;
}

TEST(FeaturizeCsv, ThreadsDoNotChangeTheOutput) {
  const std::string dir = temp_dir();
  // Failures scattered through the input check that they, too, keep their place.
  std::string csv = "smiles,y,z\n";
  int64_t rows = 0;
  const std::vector<std::string> smiles = many_smiles();
  for (size_t i = 0; i < smiles.size(); ++i) {
    csv += smiles[i] + "," + (i % 17 == 0 ? std::string() : std::to_string(0.01 * i)) + "," + std::to_string(i) + "\n";
    ++rows;
    if (i % 150 == 149) {
      csv += "C1CC,1,2\n";
      ++rows;
    }
    if (i % 211 == 0) {
      csv += "CCO,abc,2\n";
      ++rows;
    }
    if (i % 333 == 5) {
      csv += "CCO\n";
      ++rows;
    }
  }
  const std::string input = write_file(dir + "/many.csv", csv);
  FeaturizeCsvOptions one = options_for(input, dir + "/one.h5");
  one.threads = 1;
  one.chunk_rows = 7;
  one.featurize.scaffold = true;
  FeaturizeCsvOptions three = one;
  three.output = dir + "/three.h5";
  three.threads = 3;
  const FeaturizeSummary s1 = featurize_csv(one);
  const FeaturizeSummary s3 = featurize_csv(three);
  EXPECT_EQ(s1.rows, rows);
  EXPECT_EQ(s3.rows, rows);
  EXPECT_EQ(s1.molecules, s3.molecules);
  EXPECT_EQ(s1.failed, s3.failed);
  EXPECT_GE(s1.failed, 13 + 10 + 6);
  EXPECT_EQ(s1.failure_kinds, s3.failure_kinds);

  GraphDataset a(one.output);
  GraphDataset b(three.output);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GE(a.size(), 1900);
  expect_rows_accounted_for(a, rows);
  expect_rows_accounted_for(b, rows);
  for (int64_t i = 0; i < a.size(); ++i) {
    const std::string si = a.smiles(i);
    ASSERT_EQ(si, b.smiles(i)) << "molecule " << i;
    ASSERT_EQ(a.row(i), b.row(i)) << "molecule " << i;
    expect_same_graph(a.graph(i), b.graph(i), "molecule " + std::to_string(i) + " " + si);
    const std::vector<float> ta = a.targets(i), tb = b.targets(i);
    ASSERT_EQ(ta.size(), tb.size());
    EXPECT_EQ(0, std::memcmp(ta.data(), tb.data(), ta.size() * sizeof(float))) << i;
  }
  EXPECT_EQ(a.scaffold_ids(), b.scaffold_ids());
  const std::vector<FailureRecord> fa = a.failures(), fb = b.failures();
  ASSERT_EQ(fa.size(), fb.size());
  for (size_t k = 0; k < fa.size(); ++k) {
    EXPECT_EQ(fa[k].row, fb[k].row);
    EXPECT_EQ(fa[k].smiles, fb[k].smiles);
    EXPECT_EQ(fa[k].reason, fb[k].reason);
  }
}

// ---------------------------------------------------------------- descriptor sets, atom targets

// featurize with rdkit2d-v2 and atom targets, read back: names, shapes and values equal
// what chem/ computes for each stored SMILES, in memory and streaming; failed rows are kept.
TEST(FeaturizeCsv, DescriptorSetV2AndAtomTargetsRoundTrip) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/mixed.csv", kMixedCsv);
  FeaturizeCsvOptions options = options_for(input, dir + "/out.h5");
  options.featurize.descriptors = true;
  options.featurize.descriptor_set = chem::kDescriptorSetV2;
  options.featurize.atom_targets = true;
  options.chunk_rows = 2;
  options.threads = 2;
  const FeaturizeSummary summary = featurize_csv(options);
  const chem::DescriptorSet& v2 = chem::descriptor_set("rdkit2d-v2");
  for (auto mode : {GraphDatasetOptions::Mode::kInMemory, GraphDatasetOptions::Mode::kStreaming}) {
    GraphDatasetOptions dopts;
    dopts.mode = mode;
    dopts.block_size = 2;
    GraphDataset ds(options.output, dopts);
    EXPECT_EQ(ds.info().descriptor_names, v2.names);
    EXPECT_EQ(ds.info().descriptor_set, "rdkit2d-v2");
    EXPECT_EQ(ds.info().atom_target_names, chem::atom_target_names());
    EXPECT_EQ(ds.info().format_minor_version, 1);
    expect_rows_accounted_for(ds, summary.rows);
    ASSERT_EQ(ds.size(), 4);
    std::vector<int64_t> all(static_cast<size_t>(ds.size()));
    std::iota(all.begin(), all.end(), int64_t{0});
    std::reverse(all.begin(), all.end());  // collated out of order: each row must follow its molecule
    Batch batch;
    ds.collate(all, batch);
    ASSERT_EQ(batch.num_atom_targets, chem::kNumAtomTargets);
    ASSERT_EQ(batch.atom_targets.size(), static_cast<size_t>(batch.num_atoms * chem::kNumAtomTargets));
    ASSERT_EQ(batch.descriptors.size(), static_cast<size_t>(batch.num_molecules) * v2.names.size());
    for (int64_t m = 0; m < batch.num_molecules; ++m) {
      const std::string smiles = ds.smiles(all[m]);
      chem::FeaturizeOptions fo;
      fo.descriptors = true;
      fo.descriptor_set = chem::kDescriptorSetV2;
      fo.atom_targets = true;
      const chem::FeaturizedMol want = chem::featurize_smiles(smiles, fo);
      ASSERT_TRUE(want.ok()) << smiles;
      const float* got_atoms = batch.atom_targets.data() + batch.atom_ptr[m] * chem::kNumAtomTargets;
      ASSERT_EQ(want.atom_targets.size(),
                static_cast<size_t>((batch.atom_ptr[m + 1] - batch.atom_ptr[m]) * chem::kNumAtomTargets));
      for (size_t k = 0; k < want.atom_targets.size(); ++k) {
        EXPECT_TRUE(std::memcmp(&got_atoms[k], &want.atom_targets[k], sizeof(float)) == 0) << smiles << " " << k;
      }
      const float* got_desc = batch.descriptors.data() + m * v2.names.size();
      for (size_t k = 0; k < v2.names.size(); ++k) {
        EXPECT_TRUE(std::memcmp(&got_desc[k], &want.descriptors[k], sizeof(float)) == 0)
            << smiles << " " << v2.names[k];
      }
    }
  }
}

// --descriptors alone keeps meaning the 43-value set older files and checkpoints hold.
TEST(FeaturizeCsv, DescriptorsAloneKeepTheV1Set) {
  const std::string dir = temp_dir();
  const std::string input = write_file(dir + "/mixed.csv", kMixedCsv);
  FeaturizeCsvOptions options = options_for(input, dir + "/out.h5");
  options.featurize.descriptors = true;
  featurize_csv(options);
  GraphDataset ds(options.output);
  EXPECT_EQ(ds.info().descriptor_names, chem::descriptor_names());
  EXPECT_EQ(ds.info().descriptor_set, "rdkit2d-v1");
  EXPECT_TRUE(ds.info().atom_target_names.empty());
  Batch batch;
  ds.collate({0, 1}, batch);
  EXPECT_EQ(batch.num_atom_targets, 0);
  EXPECT_TRUE(batch.atom_targets.empty());
}

TEST(FeaturizeCsv, UnknownDescriptorSetNamesTheField) {
  const std::string dir = temp_dir();
  FeaturizeCsvOptions options = options_for(write_file(dir + "/mixed.csv", kMixedCsv), dir + "/out.h5");
  options.featurize.descriptors = true;
  options.featurize.descriptor_set = "mordred";
  const std::string what = error_of([&] { featurize_csv(options); });
  EXPECT_THAT(what, HasSubstr("FeaturizeOptions::descriptor_set must be one of rdkit2d-v1, rdkit2d-v2; got 'mordred'"));
  EXPECT_FALSE(fs::exists(options.output));
}

// ---------------------------------------------------------------- shared data

TEST(FeaturizeCsvIntegration, Esol) {
  const std::string input = std::string(MOLPROP_SHARED_DATA_DIR) + "/esol.csv";
  if (!fs::exists(input)) GTEST_SKIP() << input << " is absent";
  const std::string dir = temp_dir();
  FeaturizeCsvOptions options = options_for(input, dir + "/esol.h5");
  options.threads = 2;
  const FeaturizeSummary summary = featurize_csv(options);
  EXPECT_EQ(summary.rows, 1128);
  EXPECT_EQ(summary.molecules, 1128);
  EXPECT_EQ(summary.failed, 0);
  EXPECT_EQ(summary.target_names, std::vector<std::string>{"logS"});
  GraphDataset ds(options.output);
  EXPECT_EQ(ds.size(), 1128);
  EXPECT_EQ(ds.info().num_failed, 0);
  EXPECT_EQ(ds.info().target_names, std::vector<std::string>{"logS"});
  EXPECT_EQ(ds.info().source_sha256, "329cba2f67de162d7f16ed67ff981e0383325d6de42bb89958811e04f2aa1cd2");
  expect_rows_accounted_for(ds, 1128);
  for (float t : ds.all_targets()) EXPECT_TRUE(std::isfinite(t));
}

}  // namespace
}  // namespace molprop::data
