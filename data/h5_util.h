#pragma once
// Small helpers over the HDF5 C++ API shared by the dataset writer and reader (and the
// checkpoint code later). Private to data/: public headers never include HDF5.
#include <H5Cpp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace molprop::data::h5 {

// HDF5 prints an error stack to stderr by default; we report errors ourselves.
void silence_errors();

H5::StrType vlen_string_type();

// Lets go of a handle of a file that failed (a full disk) without closing it: closing
// flushes, which fails again, prints from the handle's destructor, and HDF5 1.10 leaves a
// file whose H5Fclose failed half torn down (a second close crashed on it). One more
// reference to the id keeps the handle's destructor from closing it. HDF5's own clean-up
// at exit still closes such a file and crashes, so the executable ends without it after
// an error (cli/main.cpp). Never throws.
template <typename Handle>
void abandon(Handle& handle) noexcept {
  const hid_t id = handle.getId();
  if (H5Iis_valid(id) > 0) H5Iinc_ref(id);
}

void write_attr(H5::H5Object& obj, const std::string& name, const std::string& value);
void write_attr(H5::H5Object& obj, const std::string& name, int64_t value);
void write_attr(H5::H5Object& obj, const std::string& name, double value);
bool has_attr(const H5::H5Object& obj, const std::string& name);
// Readers: a missing attribute, one of another type or a damaged one throws
// molprop::Error "attribute '<name>' <is not an integer | does not exist | cannot be
// read (HDF5 ...)> (in '<object>')", never an H5::Exception; callers put the file's path
// in front.
std::string read_string_attr(const H5::H5Object& obj, const std::string& name);
int64_t read_int_attr(const H5::H5Object& obj, const std::string& name);
double read_double_attr(const H5::H5Object& obj, const std::string& name);

template <typename T>
H5::PredType mem_type();
template <>
inline H5::PredType mem_type<uint8_t>() {
  return H5::PredType::NATIVE_UINT8;
}
template <>
inline H5::PredType mem_type<int32_t>() {
  return H5::PredType::NATIVE_INT32;
}
template <>
inline H5::PredType mem_type<int64_t>() {
  return H5::PredType::NATIVE_INT64;
}
template <>
inline H5::PredType mem_type<float>() {
  return H5::PredType::NATIVE_FLOAT;
}

// A rows × cols dataset that grows along rows, written in buffered blocks.
template <typename T>
class Appender {
 public:
  Appender(H5::Group& parent, const std::string& name, hsize_t cols, hsize_t chunk_rows, int compression_level);
  void append(const T* values, size_t rows);
  void flush();
  hsize_t rows() const { return written_ + buffer_.size() / cols_; }
  void close() { dataset_.close(); }                  // without flushing: flush() first
  void abandon() noexcept { h5::abandon(dataset_); }  // see h5::abandon

 private:
  H5::DataSet dataset_;
  hsize_t cols_;
  hsize_t written_ = 0;
  std::vector<T> buffer_;
};

// A 1-D growing dataset of variable-length UTF-8 strings.
class StringAppender {
 public:
  StringAppender(H5::Group& parent, const std::string& name, hsize_t chunk_rows, int compression_level);
  void append(const std::string& value) { buffer_.push_back(value); }
  void flush();
  hsize_t rows() const { return written_ + buffer_.size(); }
  void close() { dataset_.close(); }                  // without flushing: flush() first
  void abandon() noexcept { h5::abandon(dataset_); }  // see h5::abandon

 private:
  H5::DataSet dataset_;
  hsize_t written_ = 0;
  std::vector<std::string> buffer_;
};

// For writers that hold their HDF5 objects and appenders as std::optional: abandons the
// handle (an HDF5 object through h5::abandon, an appender through its dataset) and resets
// it. Never throws.
template <typename Handle>
void abandon_and_reset(std::optional<Handle>& handle) noexcept {
  if (!handle) return;
  if constexpr (std::is_base_of_v<H5::IdComponent, Handle>) {
    abandon(*handle);
  } else {
    handle->abandon();
  }
  handle.reset();
}

// Reads rows [first, first+count) of a rows × cols (or 1-D) dataset into out.
template <typename T>
void read_rows(const H5::DataSet& ds, hsize_t first, hsize_t count, std::vector<T>& out);
void read_strings(const H5::DataSet& ds, hsize_t first, hsize_t count, std::vector<std::string>& out);

// Shape of a dataset as (rows, cols); cols is 1 for 1-D datasets.
std::pair<hsize_t, hsize_t> shape(const H5::DataSet& ds);

}  // namespace molprop::data::h5
