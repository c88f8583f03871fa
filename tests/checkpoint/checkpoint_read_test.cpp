// load_checkpoint / read_checkpoint_info / load_weights_with_prefix: refusals that name the file
// and the reason, and prefix loading for fine-tuning.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "checkpoint/checkpoint_layout.h"
#include "data/h5_util.h"
#include "tests/util/checkpoint_fixture.h"

namespace molprop::checkpoint {
namespace {

using namespace fixture;  // NOLINT: the shared models and file helpers
namespace fs = std::filesystem;
using testing::HasSubstr;

TEST(Checkpoint, RefusesFilesThatAreNotCheckpoints) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string text = dir + "/notes.h5";
  std::ofstream(text) << "not an HDF5 file\n";
  EXPECT_THAT(load_error(text), HasSubstr(text + ": not a molprop checkpoint"));
  EXPECT_THAT(error_of([&] { read_checkpoint_info(text); }), HasSubstr("not a molprop checkpoint"));

  const std::string bare = dir + "/bare.h5";
  { H5::H5File file(bare, H5F_ACC_TRUNC); }
  EXPECT_THAT(load_error(bare), HasSubstr(bare + ": not a molprop checkpoint"));

  const std::string dataset = dir + "/dataset.h5";
  {
    H5::H5File file(dataset, H5F_ACC_TRUNC);
    H5::Group root = file.openGroup("/");
    H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
    root.createAttribute("format", t, H5::DataSpace(H5S_SCALAR)).write(t, std::string("molprop-dataset"));
  }
  EXPECT_THAT(load_error(dataset), HasSubstr("not a molprop checkpoint (its format is 'molprop-dataset')"));

  const std::string missing = dir + "/missing.h5";
  EXPECT_THAT(load_error(missing), HasSubstr(missing));
}

TEST(Checkpoint, RefusesAnotherFeatureVocabulary) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = saved_checkpoint(dir);
  const int64_t other = chem::kFeaturizerVersion + 1;
  rewrite_int_attr(path, "featurizer_version", other);
  const std::string message = load_error(path);
  EXPECT_THAT(message, HasSubstr(path + ": model was trained with feature vocabulary v" + std::to_string(other) +
                                 ", this build uses v" + std::to_string(chem::kFeaturizerVersion)));
  EXPECT_THAT(message, HasSubstr("retrain"));
  torch::manual_seed(5);
  models::PropertyModel model(small_config("dmpnn"));
  EXPECT_THAT(error_of([&] { load_weights_with_prefix(path, "encoder.", model); }), HasSubstr("feature vocabulary"));
  // The description stays readable, for listing and for the caller's own check.
  EXPECT_EQ(read_checkpoint_info(path).config.encoder.name, "dmpnn");
}

TEST(Checkpoint, RefusesANewerFormat) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = saved_checkpoint(dir);
  rewrite_int_attr(path, "format_version", 99);
  EXPECT_THAT(load_error(path), HasSubstr(path + ": written by a newer molprop (checkpoint format version 99; "
                                                 "this build reads up to 1)"));
  EXPECT_THAT(error_of([&] { read_checkpoint_info(path); }), HasSubstr("newer"));
}

TEST(Checkpoint, RefusesWeightsThatDoNotMatchTheConfiguration) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = saved_checkpoint(dir);
  const std::string copy = dir + "/copy.h5";

  fs::copy_file(path, copy);
  rewrite_weight(copy, "readout.gate.weight", {2, 16});
  const std::string shape = load_error(copy);
  EXPECT_THAT(shape, HasSubstr(copy + ": weight 'readout.gate.weight' has shape [2, 16]"));
  EXPECT_THAT(shape, HasSubstr("expects [1, 16]"));

  fs::remove(copy);
  fs::copy_file(path, copy);
  rewrite_weight(copy, "encoder.w_h.weight", {});
  EXPECT_THAT(load_error(copy), HasSubstr(copy + ": weight 'encoder.w_h.weight' (shape [16, 16]) is missing"));

  fs::remove(copy);
  fs::copy_file(path, copy);
  rewrite_weight(copy, "encoder.extra.weight", {3});
  EXPECT_THAT(load_error(copy), HasSubstr(copy + ": checkpoint has weight 'encoder.extra.weight' (shape [3])"));

  fs::remove(copy);
  fs::copy_file(path, copy);
  { H5::H5File(copy, H5F_ACC_RDWR).unlink("weights"); }
  EXPECT_THAT(load_error(copy), HasSubstr(copy + ": checkpoint has no 'weights' group"));

  fs::remove(copy);
  fs::copy_file(path, copy);
  {
    // An int64 buffer stored as float: the element type must match too.
    H5::H5File file(copy, H5F_ACC_RDWR);
    H5::Group weights = file.openGroup("weights");
    weights.unlink("encoder.atom_in.offsets");
    const hsize_t dims[2] = {1, chem::kNumAtomFeatures};
    std::vector<float> zeros(chem::kNumAtomFeatures, 0.0f);
    weights.createDataSet("encoder.atom_in.offsets", H5::PredType::IEEE_F32LE, H5::DataSpace(2, dims))
        .write(zeros.data(), H5::PredType::NATIVE_FLOAT);
  }
  EXPECT_THAT(load_error(copy),
              HasSubstr("'encoder.atom_in.offsets' holds floats in the checkpoint, but the model's tensor is int64"));
}

TEST(Checkpoint, TruncatedFileIsAnErrorNamingIt) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = saved_checkpoint(dir);
  const auto size = fs::file_size(path);
  for (const auto keep : {size / 2, size - 64, uintmax_t{600}}) {
    const std::string cut = dir + "/cut_" + std::to_string(keep) + ".h5";
    fs::copy_file(path, cut);
    fs::resize_file(cut, keep);
    EXPECT_THAT(load_error(cut), HasSubstr(cut + ": cannot open checkpoint; the file is truncated or damaged"))
        << "kept " << keep << " of " << size << " bytes";
  }
}

TEST(Checkpoint, PrefixLoadingCopiesTheEncoderOnly) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const models::GraphTensors g = graph_inputs();
  const models::ModelConfig pre_config = small_config("gine", /*num_tasks=*/1);
  models::PropertyModel pretrained = warmed_model(pre_config, 11, g);
  const std::string path = dir + "/pretrained.h5";
  save_checkpoint(path, make_checkpoint(pre_config), pretrained);

  torch::manual_seed(12);
  models::PropertyModel model(small_config("gine", /*num_tasks=*/2));
  model->eval();
  std::map<std::string, torch::Tensor> head_before;
  for (const auto& p : model->head()->named_parameters()) head_before[p.key()] = p.value().clone();
  torch::NoGradGuard no_grad;
  ASSERT_FALSE(torch::equal(model->encoder().forward(g), pretrained->encoder().forward(g)));

  int64_t encoder_tensors = 0;
  for (const auto& [name, t] : named_tensors(pretrained)) encoder_tensors += name.rfind("encoder.", 0) == 0;
  EXPECT_EQ(load_weights_with_prefix(path, "encoder.", model), encoder_tensors);
  EXPECT_TRUE(torch::equal(model->encoder().forward(g), pretrained->encoder().forward(g)));

  // The attention readout has its own weights; with them the embeddings agree too.
  EXPECT_EQ(load_weights_with_prefix(path, "readout.", model), 2);
  EXPECT_TRUE(torch::equal(model->embed(g), pretrained->embed(g)));
  for (const auto& p : model->head()->named_parameters()) {
    EXPECT_TRUE(torch::equal(p.value(), head_before.at(p.key()))) << p.key();
  }
  EXPECT_EQ(model->forward(g).size(1), 2);
}

TEST(Checkpoint, PrefixLoadingRefusesMismatches) {
  const ScratchDir scratch;
  const std::string& dir = scratch.path;
  const std::string path = saved_checkpoint(dir, "dmpnn");

  models::ModelConfig wider = small_config("dmpnn");
  wider.encoder.hidden = 8;
  torch::manual_seed(5);
  models::PropertyModel narrow(wider);
  EXPECT_THAT(error_of([&] { load_weights_with_prefix(path, "encoder.", narrow); }), HasSubstr("weight 'encoder."));

  models::ModelConfig deeper = small_config("dmpnn");
  deeper.encoder.depth = 4;
  models::PropertyModel deep(deeper);
  EXPECT_THAT(error_of([&] { load_weights_with_prefix(path, "encoder.", deep); }),
              HasSubstr("'encoder.norm2.bias' (shape [16]) is missing from the checkpoint"));

  models::PropertyModel gine(small_config("gine"));
  EXPECT_THAT(error_of([&] { load_weights_with_prefix(path, "encoder.", gine); }),
              HasSubstr("has no counterpart in the model"));

  models::PropertyModel same(small_config("dmpnn"));
  EXPECT_THAT(error_of([&] { load_weights_with_prefix(path, "decoder.", same); }),
              HasSubstr(path + ": no weights whose names start with 'decoder.'"));
}

}  // namespace
}  // namespace molprop::checkpoint

namespace molprop::checkpoint {
namespace {

using namespace fixture;  // NOLINT: the shared models and file helpers
using testing::HasSubstr;

// Sets element 0 of weights/<name> (float32 or int64) to `value`, keeping the rest.
void poke_weight(const std::string& path, const std::string& name, double value) {
  H5::Exception::dontPrint();
  H5::H5File file(path, H5F_ACC_RDWR);
  H5::DataSet ds = file.openGroup("weights").openDataSet(name);
  H5::DataSpace space = ds.getSpace();
  std::vector<hsize_t> dims(static_cast<size_t>(space.getSimpleExtentNdims()));
  space.getSimpleExtentDims(dims.data());
  size_t n = 1;
  for (hsize_t d : dims) n *= d;
  if (ds.getTypeClass() == H5T_INTEGER) {
    std::vector<int64_t> v(n);
    ds.read(v.data(), H5::PredType::NATIVE_INT64);
    v[0] = static_cast<int64_t>(value);
    ds.write(v.data(), H5::PredType::NATIVE_INT64);
  } else {
    std::vector<float> v(n);
    ds.read(v.data(), H5::PredType::NATIVE_FLOAT);
    v[0] = static_cast<float>(value);
    ds.write(v.data(), H5::PredType::NATIVE_FLOAT);
  }
}

// Replaces the root's `config` attribute, after `edit` changes its JSON text.
void edit_config(const std::string& path, const std::string& from, const std::string& to) {
  H5::Exception::dontPrint();
  H5::H5File file(path, H5F_ACC_RDWR);
  H5::Group root = file.openGroup("/");
  std::string text = data::h5::read_string_attr(root, layout::kAttrConfig);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, from.size(), to);
  data::h5::write_attr(root, layout::kAttrConfig, text);
}

// Issue 14 case 8: a NaN weight was loaded; predict wrote empty values with no error,
// embed NaN embeddings, and `train --from` trained on a NaN loss.
TEST(Reliability, NonFiniteWeightIsRefusedAtLoad) {
  const ScratchDir scratch;
  for (const double bad : {std::nan(""), HUGE_VAL}) {
    const std::string path = saved_checkpoint(scratch.path);
    poke_weight(path, "encoder.atom_in.table.weight", bad);
    const std::string message = load_error(path);
    EXPECT_THAT(message, HasSubstr(path + ": weight 'encoder.atom_in.table.weight' holds 1 non-finite values"));
    EXPECT_EQ(message.find('\n'), std::string::npos);
    // train --from copies the encoder with load_weights_with_prefix: refused the same way.
    models::PropertyModel model(small_config("dmpnn"));
    EXPECT_THAT(error_of([&] { load_weights_with_prefix(path, "encoder.", model); }),
                HasSubstr("'encoder.atom_in.table.weight' holds 1 non-finite values"));
  }
}

// Issue 14: a tampered width made the model constructor try to allocate 596 GB (a
// 32-line LibTorch trace); it must fail before allocating, naming the file.
TEST(Reliability, TamperedWidthIsRefusedBeforeAllocating) {
  const ScratchDir scratch;
  const std::string path = saved_checkpoint(scratch.path);
  edit_config(path, "\"hidden\":16,", "\"hidden\":100000,");  // the encoder's: 100000² weights
  std::string message = load_error(path);
  EXPECT_THAT(message, HasSubstr(path + ": configuration says encoder width 100000"));
  EXPECT_EQ(message.find('\n'), std::string::npos);
  const std::string huge = saved_checkpoint(scratch.path);
  edit_config(huge, "\"hidden\":16,", "\"hidden\":1000000000000,");
  message = load_error(huge);
  EXPECT_THAT(message, HasSubstr(huge + ": EncoderOptions::hidden must be in"));
}

// Issue 14: offsets out of the embedding table gave a 35-line trace at the first batch.
TEST(Reliability, TamperedEmbeddingOffsetsAreRefusedAtLoad) {
  const ScratchDir scratch;
  const std::string path = saved_checkpoint(scratch.path);
  poke_weight(path, "encoder.atom_in.offsets", 1000000);
  const std::string message = load_error(path);
  EXPECT_THAT(message, HasSubstr(path + ": weight 'encoder.atom_in.offsets' does not hold the offsets"));
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace molprop::checkpoint
