// data/dataset_file: opening and validating a dataset file; every refusal names the file and the reason.
#include <H5Cpp.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <string>
#include <vector>

#include "data/h5_util.h"
#include "tests/util/dataset_fixture.h"

namespace molprop::data {
namespace {

using namespace fixture;  // NOLINT: the shared dataset and its checks
namespace fs = std::filesystem;
using testing::HasSubstr;

// ---------------------------------------------------------------- open errors

std::string open_error(const std::string& path) {
  try {
    GraphDataset ds(path);
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("(not a molprop::Error) ") + e.what();
  }
  return "(no exception)";
}

// Shows the message in the test log, so a reviewer can judge its wording.
std::string logged_open_error(const std::string& path) {
  const std::string msg = open_error(path);
  std::cout << "  message: " << msg << "\n";
  return msg;
}

void copy_file(const std::string& from, const std::string& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void set_int_attr(const std::string& path, const char* name, int64_t value) {
  H5::Exception::dontPrint();
  H5::H5File file(path, H5F_ACC_RDWR);
  H5::Group root = file.openGroup("/");
  if (root.attrExists(name)) root.removeAttr(name);
  H5::Attribute a = root.createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR));
  a.write(H5::PredType::NATIVE_INT64, &value);
}

TEST(GraphDatasetOpen, NonexistentPath) {
  const std::string path = temp_dir() + "/does_not_exist.h5";
  EXPECT_THROW(GraphDataset ds(path), Error);
  EXPECT_THAT(logged_open_error(path), HasSubstr(path));
}

TEST(GraphDatasetOpen, RandomBytesAreNotHdf5) {
  const std::string path = temp_dir() + "/random.h5";
  std::mt19937 gen(7);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = static_cast<char>(gen() & 0xff);
  write_bytes(path, bytes);
  EXPECT_THROW(GraphDataset ds(path), Error);
  const std::string msg = logged_open_error(path);
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("not an HDF5"));
}

TEST(GraphDatasetOpen, EmptyFile) {
  const std::string path = temp_dir() + "/empty.h5";
  write_bytes(path, "");
  EXPECT_THROW(GraphDataset ds(path), Error);
  EXPECT_THAT(logged_open_error(path), HasSubstr(path));
}

TEST(GraphDatasetOpen, TruncatedDataset) {
  const std::string dir = temp_dir();
  const std::string good = write_dataset(dir + "/good.h5");
  const std::string bytes = read_bytes(good);
  ASSERT_GT(bytes.size(), 1000u);
  const std::string path = dir + "/truncated.h5";
  write_bytes(path, bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(GraphDataset ds(path), Error);
  EXPECT_THAT(logged_open_error(path), HasSubstr(path));
  // Any cut, not just the half, in either mode.
  for (int percent : {1, 10, 25, 75, 90, 99}) {
    write_bytes(path, bytes.substr(0, bytes.size() * percent / 100));
    EXPECT_THAT(open_error(path), HasSubstr(path)) << percent << "%";
    try {
      GraphDataset ds(path, streaming_options());
      ADD_FAILURE() << "opened a file cut at " << percent << "%";
    } catch (const Error& e) {
      EXPECT_THAT(std::string(e.what()), HasSubstr(path)) << percent << "%";
    }
  }
}

TEST(GraphDatasetOpen, ForeignHdf5FileIsNotAMolpropDataset) {
  const std::string path = temp_dir() + "/foreign.h5";
  {
    H5::Exception::dontPrint();
    H5::H5File file(path, H5F_ACC_TRUNC);
    hsize_t dims[1] = {4};
    H5::DataSet ds = file.createDataSet("values", H5::PredType::NATIVE_INT32, H5::DataSpace(1, dims));
    const int32_t values[4] = {1, 2, 3, 4};
    ds.write(values, H5::PredType::NATIVE_INT32);
  }
  EXPECT_THROW(GraphDataset ds(path), Error);
  const std::string msg = logged_open_error(path);
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("not a molprop dataset"));
}

TEST(GraphDatasetOpen, NewerFormatVersionIsRefused) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/newer.h5";
  copy_file(write_dataset(dir + "/good.h5"), path);
  set_int_attr(path, format::kAttrFormatVersion, 99);
  EXPECT_THROW(GraphDataset ds(path), Error);
  const std::string msg = logged_open_error(path);
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("newer"));
  EXPECT_THAT(msg, HasSubstr("99"));
  EXPECT_NO_THROW(GraphDataset ok(dir + "/good.h5"));  // the original is untouched
}

TEST(GraphDatasetOpen, OtherFeaturizerVersionIsRefused) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/other_vocabulary.h5";
  copy_file(write_dataset(dir + "/good.h5"), path);
  set_int_attr(path, format::kAttrFeaturizerVersion, chem::kFeaturizerVersion + 98);
  EXPECT_THROW(GraphDataset ds(path), Error);
  const std::string msg = logged_open_error(path);
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("vocabulary"));
  EXPECT_THAT(msg, HasSubstr("featurize"));  // tells the user what to run
}

// The header promises that a foreign or corrupted file throws molprop::Error *naming the
// file*. An attribute of the wrong type is such a file.
// Currently fails: h5::read_int_attr / read_string_attr (data/h5_util.cpp) throw a
// MOLPROP_CHECK Error without the path, and GraphDataset::Impl::open
// (data/graph_dataset.cpp) lets it through; only H5::Exception gets the path added.
TEST(GraphDatasetOpen, AttributeOfWrongTypeNamesTheFile) {
  const std::string dir = temp_dir();
  const std::string path = dir + "/string_version.h5";
  copy_file(write_dataset(dir + "/good.h5"), path);
  {
    H5::Exception::dontPrint();
    H5::H5File file(path, H5F_ACC_RDWR);
    H5::Group root = file.openGroup("/");
    root.removeAttr(format::kAttrFormatVersion);
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    H5::Attribute a = root.createAttribute(format::kAttrFormatVersion, type, H5::DataSpace(H5S_SCALAR));
    a.write(type, std::string("1"));
  }
  EXPECT_THROW(GraphDataset ds(path), Error);
  EXPECT_THAT(logged_open_error(path), HasSubstr(path));
}

// ---------------------------------------------------------------- format 1.1 additions

void remove_root_attr(const std::string& path, const char* name) {
  H5::Exception::dontPrint();
  H5::H5File file(path, H5F_ACC_RDWR);
  H5::Group root = file.openGroup("/");
  if (root.attrExists(name)) root.removeAttr(name);
}

// A file from before format_minor_version, descriptor_set and atom_targets existed loads:
// its descriptor set is recognised from the stored names, and it has no atom targets.
TEST(GraphDatasetOpen, FileWithoutMinorVersionAdditionsLoads) {
  const std::string path = write_dataset(temp_dir() + "/old.h5");
  remove_root_attr(path, format::kAttrFormatMinorVersion);
  remove_root_attr(path, format::kAttrDescriptorSet);
  GraphDataset ds(path);
  EXPECT_EQ(ds.info().format_minor_version, 0);
  EXPECT_EQ(ds.info().descriptor_set, "rdkit2d-v1");
  EXPECT_TRUE(ds.info().atom_target_names.empty());
  EXPECT_EQ(ds.size(), kN);
}

// atom_target_names promises an atom_targets dataset: a file that lacks it is refused.
TEST(GraphDatasetOpen, AtomTargetNamesWithoutTheDatasetIsAnError) {
  const std::string path = write_dataset(temp_dir() + "/no_atom_targets.h5");
  {
    H5::Exception::dontPrint();
    H5::H5File file(path, H5F_ACC_RDWR);
    H5::Group root = file.openGroup("/");
    h5::write_attr(root, format::kAttrAtomTargetNames, std::string("[\"crippen_logp\"]"));
  }
  const std::string msg = logged_open_error(path);
  EXPECT_THAT(msg, HasSubstr(path));
  EXPECT_THAT(msg, HasSubstr("missing dataset 'atom_targets'"));
}

}  // namespace
}  // namespace molprop::data
