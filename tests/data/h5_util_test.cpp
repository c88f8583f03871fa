#include "data/h5_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>

#include "core/check.h"
#include "tests/util/scratch_dir.h"

namespace molprop {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace h5 = data::h5;

std::string scratch_file(const std::string& name) { return testing_util::fresh_dir(name) + "/f.h5"; }

TEST(H5Attributes, StringIntAndDoubleRoundTripAndOverwrite) {
  h5::silence_errors();
  const std::string path = scratch_file("h5_attrs");
  {
    H5::H5File file(path, H5F_ACC_TRUNC);
    H5::Group root = file.openGroup("/");
    h5::write_attr(root, "name", std::string("molprop ✓"));
    h5::write_attr(root, "count", int64_t{-42});
    h5::write_attr(root, "ratio", 0.125);
    h5::write_attr(root, "count", int64_t{7});  // rewriting replaces the attribute
  }
  H5::H5File file(path, H5F_ACC_RDONLY);
  H5::Group root = file.openGroup("/");
  EXPECT_TRUE(h5::has_attr(root, "name"));
  EXPECT_FALSE(h5::has_attr(root, "absent"));
  EXPECT_EQ(h5::read_string_attr(root, "name"), "molprop ✓");
  EXPECT_EQ(h5::read_int_attr(root, "count"), 7);
  EXPECT_EQ(h5::read_double_attr(root, "ratio"), 0.125);
  EXPECT_EQ(h5::read_double_attr(root, "count"), 7.0);  // an integer reads as a number
}

TEST(H5Attributes, WrongTypeIsAnErrorNamingTheAttribute) {
  h5::silence_errors();
  const std::string path = scratch_file("h5_attr_types");
  H5::H5File file(path, H5F_ACC_TRUNC);
  H5::Group root = file.openGroup("/");
  h5::write_attr(root, "text", std::string("1"));
  h5::write_attr(root, "ratio", 0.5);
  EXPECT_THAT([&] { h5::read_int_attr(root, "text"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("attribute 'text' is not an integer")));
  EXPECT_THAT([&] { h5::read_int_attr(root, "ratio"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("attribute 'ratio' is not an integer")));
  EXPECT_THAT([&] { h5::read_double_attr(root, "text"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("attribute 'text' is not a number")));
  EXPECT_THAT([&] { h5::read_string_attr(root, "ratio"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("attribute 'ratio' is not a string")));
}

TEST(H5Appender, RowsWrittenAcrossChunksAndFlushesReadBackExactly) {
  h5::silence_errors();
  const std::string path = scratch_file("h5_appender");
  std::vector<int32_t> values(3 * 25);
  std::iota(values.begin(), values.end(), -10);
  {
    H5::H5File file(path, H5F_ACC_TRUNC);
    H5::Group root = file.openGroup("/");
    h5::Appender<int32_t> table(root, "table", /*cols=*/3, /*chunk_rows=*/4, /*compression_level=*/4);
    h5::Appender<float> column(root, "column", /*cols=*/0, /*chunk_rows=*/8, /*compression_level=*/0);
    for (int r = 0; r < 25; ++r) {
      table.append(values.data() + 3 * r, 1);
      const float v = static_cast<float>(r) / 4;
      column.append(&v, 1);
      if (r % 10 == 9) table.flush();  // flushes in the middle must not lose or repeat rows
    }
    EXPECT_EQ(table.rows(), 25u);
    table.flush();
    column.flush();
    table.flush();  // nothing left: a no-op
    EXPECT_EQ(table.rows(), 25u);
  }
  H5::H5File file(path, H5F_ACC_RDONLY);
  const H5::DataSet table = file.openDataSet("table");
  EXPECT_EQ(h5::shape(table), (std::pair<hsize_t, hsize_t>{25, 3}));
  std::vector<int32_t> back;
  h5::read_rows(table, 0, 25, back);
  EXPECT_EQ(back, values);
  h5::read_rows(table, 24, 1, back);
  EXPECT_THAT(back, ElementsAre(62, 63, 64));
  h5::read_rows(table, 25, 0, back);
  EXPECT_TRUE(back.empty());
  EXPECT_THROW(h5::read_rows(table, 20, 6, back), Error);

  const H5::DataSet column = file.openDataSet("column");
  EXPECT_EQ(h5::shape(column), (std::pair<hsize_t, hsize_t>{25, 1}));
  std::vector<float> col;
  h5::read_rows(column, 4, 2, col);
  EXPECT_THAT(col, ElementsAre(1.0f, 1.25f));
}

TEST(H5StringAppender, Utf8AndEmptyStringsRoundTrip) {
  h5::silence_errors();
  const std::string path = scratch_file("h5_strings");
  const std::vector<std::string> strings{"CCO", "", "c1ccccc1", "résumé ✓", std::string(300, 'C')};
  {
    H5::H5File file(path, H5F_ACC_TRUNC);
    H5::Group root = file.openGroup("/");
    h5::StringAppender s(root, "smiles", /*chunk_rows=*/2, /*compression_level=*/4);
    for (const auto& x : strings) s.append(x);
    EXPECT_EQ(s.rows(), strings.size());
    s.flush();
  }
  H5::H5File file(path, H5F_ACC_RDONLY);
  std::vector<std::string> back;
  h5::read_strings(file.openDataSet("smiles"), 0, strings.size(), back);
  EXPECT_EQ(back, strings);
  h5::read_strings(file.openDataSet("smiles"), 3, 1, back);
  EXPECT_THAT(back, ElementsAre("résumé ✓"));
}

}  // namespace
}  // namespace molprop

namespace molprop {
namespace {

// Issue 14: "cannot read (H5Aopen failed)" did not name the attribute.
TEST(Reliability, MissingAttributeErrorNamesTheAttributeAndObject) {
  h5::silence_errors();
  const std::string path = testing_util::fresh_dir("h5_attr_missing") + "/f.h5";
  H5::H5File file(path, H5F_ACC_TRUNC);
  H5::Group group = file.createGroup("regressor");
  EXPECT_THAT([&] { h5::read_string_attr(group, "kind"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("attribute 'kind' does not exist (in '/regressor')")));
  EXPECT_THAT([&] { h5::read_int_attr(group, "num_rows"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("attribute 'num_rows' does not exist (in '/regressor')")));
  EXPECT_THAT([&] { h5::read_double_attr(group, "threshold"); },
              ::testing::ThrowsMessage<Error>(HasSubstr("attribute 'threshold'")));
}

}  // namespace
}  // namespace molprop
