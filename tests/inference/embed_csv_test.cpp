#include "inference/embed_csv.h"

#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/check.h"
#include "data/collate.h"
#include "data/h5_util.h"
#include "finetune/trainer.h"
#include "inference/predictor.h"
#include "tests/util/scratch_dir.h"
#include "tests/util/test_data.h"

using namespace molprop;
namespace fs = std::filesystem;
namespace h5 = data::h5;

namespace {

// A briefly trained model saved next to its dataset (with descriptors when asked).
std::string trained_model(const std::string& name, bool descriptors = false) {
  const std::string h5 = testing_util::small_dataset(name, descriptors);
  data::GraphDataset ds(h5);
  finetune::Subset train{&ds, {}};
  for (int64_t i = 0; i < ds.size(); ++i) train.indices.push_back(i);
  torch::manual_seed(0);
  auto config = testing_util::small_config(2, 32);
  config.encoder.norm = "batch";  // running statistics must behave in eval mode
  config.num_descriptors = descriptors ? static_cast<int64_t>(ds.info().descriptor_names.size()) : 0;
  models::PropertyModel model(config);
  checkpoint::Checkpoint ckpt;
  ckpt.config = config;
  finetune::TrainOptions o;
  o.epochs = 2;
  o.batch_size = 10;
  o.quiet = true;
  finetune::train_model(model, ckpt, train, finetune::Subset{}, o);
  const std::string path = fs::path(h5).parent_path() / "model.h5";
  checkpoint::save_checkpoint(path, ckpt, model);
  return path;
}

// Everything an embeddings file holds, read back with the plain HDF5 API.
struct EmbeddingsFile {
  std::string format, model, source;
  int64_t version = 0, dim = 0, num_rows = 0, num_failed = 0;
  int64_t rows = 0, cols = 0;
  std::vector<float> embeddings;
  std::vector<std::string> smiles, error;
  std::vector<int64_t> row;
  std::vector<int8_t> status;
  H5T_class_t status_class = H5T_NO_CLASS;
  size_t status_size = 0;
  bool status_signed = false;
};

EmbeddingsFile read_embeddings(const std::string& path) {
  EmbeddingsFile e;
  H5::H5File file(path, H5F_ACC_RDONLY);
  H5::Group root = file.openGroup("/");
  e.format = h5::read_string_attr(root, "format");
  e.version = h5::read_int_attr(root, "format_version");
  e.model = h5::read_string_attr(root, "model");
  e.source = h5::read_string_attr(root, "source_file");
  e.dim = h5::read_int_attr(root, "embedding_dim");
  e.num_rows = h5::read_int_attr(root, "num_rows");
  e.num_failed = h5::read_int_attr(root, "num_failed");
  H5::DataSet emb = file.openDataSet("embeddings");
  std::tie(e.rows, e.cols) = h5::shape(emb);
  h5::read_rows(emb, 0, e.rows, e.embeddings);
  h5::read_strings(file.openDataSet("smiles"), 0, h5::shape(file.openDataSet("smiles")).first, e.smiles);
  h5::read_strings(file.openDataSet("error"), 0, h5::shape(file.openDataSet("error")).first, e.error);
  H5::DataSet row = file.openDataSet("row");
  h5::read_rows(row, 0, h5::shape(row).first, e.row);
  H5::DataSet status = file.openDataSet("status");
  e.status.resize(h5::shape(status).first);
  if (!e.status.empty()) status.read(e.status.data(), H5::PredType::NATIVE_INT8);
  H5::DataType type = status.getDataType();
  e.status_class = type.getClass();
  e.status_size = type.getSize();
  e.status_signed = status.getIntType().getSign() == H5T_SGN_2;
  return e;
}

std::vector<float> embed_directly(inference::Predictor& p, const std::string& smiles) {
  chem::FeaturizeOptions fo = p.featurize_options();
  const chem::FeaturizedMol mol = chem::featurize_smiles(smiles, fo);
  EXPECT_TRUE(mol.ok()) << smiles << ": " << mol.error;
  data::Batch batch;
  batch.num_descriptors = p.num_descriptors();
  data::append_graph(mol.graph, mol.descriptors.data(), batch);
  return p.embed(batch);
}

std::string temp_dir(const std::string& name) { return molprop::testing_util::fresh_dir("embed_" + name); }

const std::vector<std::string> kMolecules = {"CC(=O)Oc1ccccc1C(=O)O",
                                             "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
                                             "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
                                             "C[C@@H](C(=O)O)c1ccc2cc(OC)ccc2c1",
                                             "OC[C@H]1OC(O)[C@H](O)[C@@H](O)[C@@H]1O",
                                             "ClC(Cl)Cl",
                                             "c1ccc2c(c1)[nH]c1ccccc12",
                                             "C/C=C/C(=O)OCC",
                                             "O=[N+]([O-])c1ccc(Cl)cc1",
                                             "CS(=O)(=O)Nc1ccccc1",
                                             "CCO",
                                             "[Na+].[Cl-]"};

}  // namespace

TEST(EmbedCsv, KeepsEveryRowInOrderWithNaNForFailedRows) {
  const std::string model = trained_model("rows");
  inference::Predictor p(model);
  const std::string dir = temp_dir("rows");
  {
    std::ofstream in(dir + "/in.csv");
    in << "id,smiles\r\n1,CCO\r\n2,C1CC\r\n\r\n3,\"c1ccccc1\"\r\n4,\r\n5,C(C)(C)(C)(C)C\r\n6,CC(=O)O\r\n7,[Na+].[Cl-]"
          "\r\n";
  }
  const std::vector<std::string> smiles = {"CCO", "C1CC", "c1ccccc1", "", "C(C)(C)(C)(C)C", "CC(=O)O", "[Na+].[Cl-]"};
  const std::vector<int8_t> expected_status = {0, 1, 0, 1, 1, 0, 0};
  inference::EmbedCsvOptions o;
  o.input = dir + "/in.csv";
  o.output = dir + "/out.h5";
  o.quiet = true;
  o.batch_size = 2;  // several chunks, so ordering across chunks is exercised
  for (int threads : {1, 3}) {
    o.threads = threads;
    const auto s = inference::embed_csv(p, o);
    EXPECT_EQ(s.rows, 7);
    EXPECT_EQ(s.embedded, 4);
    EXPECT_EQ(s.failed, 3);
    const EmbeddingsFile e = read_embeddings(o.output);
    EXPECT_EQ(e.format, "molprop-embeddings");
    EXPECT_EQ(e.version, 1);
    EXPECT_EQ(nlohmann::json::parse(e.model), nlohmann::json(std::vector<std::string>{model}));
    EXPECT_EQ(e.source, o.input);
    EXPECT_EQ(e.dim, p.embedding_dim());
    EXPECT_EQ(e.num_rows, 7);
    EXPECT_EQ(e.num_failed, 3);
    EXPECT_EQ(e.rows, 7);
    EXPECT_EQ(e.cols, p.embedding_dim());
    EXPECT_EQ(e.smiles, smiles);
    EXPECT_EQ(e.row, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(e.status, expected_status);
    EXPECT_EQ(e.status_class, H5T_INTEGER);
    EXPECT_EQ(e.status_size, 1u);
    EXPECT_TRUE(e.status_signed);
    for (size_t i = 0; i < smiles.size(); ++i) {
      const float* v = e.embeddings.data() + i * e.dim;
      if (expected_status[i] == 0) {
        EXPECT_EQ(e.error[i], "") << i;
        const std::vector<float> direct = embed_directly(p, smiles[i]);
        ASSERT_EQ(static_cast<int64_t>(direct.size()), e.dim);
        for (int64_t k = 0; k < e.dim; ++k) EXPECT_NEAR(v[k], direct[k], 1e-5) << smiles[i] << " dim " << k;
      } else {
        EXPECT_NE(e.error[i], "") << i;
        for (int64_t k = 0; k < e.dim; ++k) EXPECT_TRUE(std::isnan(v[k])) << i << " dim " << k;
      }
    }
    EXPECT_FALSE(fs::exists(o.output + ".tmp." + std::to_string(::getpid())));
  }
}

// The readout comes before descriptors are joined: embed_csv skips computing them, and
// its embeddings must still equal Predictor::embed given the real descriptors.
TEST(EmbedCsv, DescriptorModelEmbeddingsEqualPredictorEmbed) {
  inference::Predictor p(trained_model("descriptors", /*descriptors=*/true));
  ASSERT_GT(p.num_descriptors(), 0);
  const std::string dir = temp_dir("descriptors");
  {
    std::ofstream in(dir + "/in.smi");
    for (const auto& s : kMolecules) in << s << " name\n";
  }
  inference::EmbedCsvOptions o;
  o.input = dir + "/in.smi";
  o.output = dir + "/out.h5";
  o.quiet = true;
  o.batch_size = 5;
  inference::embed_csv(p, o);
  const EmbeddingsFile e = read_embeddings(o.output);
  ASSERT_EQ(e.rows, static_cast<int64_t>(kMolecules.size()));
  EXPECT_EQ(e.smiles, kMolecules);
  for (size_t i = 0; i < kMolecules.size(); ++i) {
    const std::vector<float> direct = embed_directly(p, kMolecules[i]);
    for (int64_t k = 0; k < e.dim; ++k) EXPECT_NEAR(e.embeddings[i * e.dim + k], direct[k], 1e-5) << kMolecules[i];
  }
}

TEST(EmbedCsv, EmbeddingsDoNotDependOnHowSmilesIsWritten) {
  inference::Predictor p(trained_model("spelling"));
  const std::string dir = temp_dir("spelling");
  {
    std::ofstream canonical(dir + "/canonical.smi"), randomised(dir + "/random.smi");
    for (const auto& s : kMolecules) {
      std::unique_ptr<RDKit::RWMol> mol(RDKit::SmilesToMol(s));
      ASSERT_TRUE(mol) << s;
      canonical << RDKit::MolToSmiles(*mol) << "\n";
      randomised << RDKit::MolToSmiles(*mol, true, false, -1, /*canonical=*/false, false, false, /*doRandom=*/true)
                 << "\n";
    }
  }
  inference::EmbedCsvOptions o;
  o.quiet = true;
  o.batch_size = 4;
  o.input = dir + "/canonical.smi";
  o.output = dir + "/canonical.h5";
  inference::embed_csv(p, o);
  o.input = dir + "/random.smi";
  o.output = dir + "/random.h5";
  inference::embed_csv(p, o);
  const EmbeddingsFile a = read_embeddings(dir + "/canonical.h5"), b = read_embeddings(dir + "/random.h5");
  ASSERT_EQ(a.embeddings.size(), b.embeddings.size());
  ASSERT_EQ(a.num_failed, 0);
  ASSERT_EQ(b.num_failed, 0);
  for (size_t i = 0; i < a.embeddings.size(); ++i) {
    EXPECT_NEAR(a.embeddings[i], b.embeddings[i], 1e-5) << a.smiles[i / a.dim] << " vs " << b.smiles[i / a.dim];
  }
}

TEST(EmbedCsv, EmptyInputGivesAnEmptyButValidFile) {
  inference::Predictor p(trained_model("empty"));
  const std::string dir = temp_dir("empty");
  {
    std::ofstream in(dir + "/in.csv");
    in << "smiles\n";
  }
  inference::EmbedCsvOptions o;
  o.input = dir + "/in.csv";
  o.output = dir + "/out.h5";
  o.quiet = true;
  const auto s = inference::embed_csv(p, o);
  EXPECT_EQ(s.rows, 0);
  const EmbeddingsFile e = read_embeddings(o.output);
  EXPECT_EQ(e.num_rows, 0);
  EXPECT_EQ(e.rows, 0);
  EXPECT_EQ(e.cols, p.embedding_dim());
}

TEST(EmbedCsv, ErrorsNameTheFileAndLeaveNothingBehind) {
  inference::Predictor p(trained_model("errors"));
  const std::string dir = temp_dir("errors");
  {
    std::ofstream in(dir + "/in.csv");
    in << "id,smi\n1,CCO\n";
  }
  inference::EmbedCsvOptions o;
  o.input = dir + "/in.csv";
  o.output = dir + "/out.h5";
  o.quiet = true;
  try {
    inference::embed_csv(p, o);
    FAIL() << "expected an error for the missing column";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("smiles"), std::string::npos) << e.what();
  }
  o.smiles_column = "smi";
  o.output = dir + "/no_such_folder/out.h5";
  try {
    inference::embed_csv(p, o);
    FAIL() << "expected an error for the unwritable output";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(o.output), std::string::npos) << e.what();
  }
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.path().filename() != "in.csv";
  EXPECT_EQ(files, 0);
}
