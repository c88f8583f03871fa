#include "data/h5_util.h"

#include "core/check.h"

namespace molprop::data::h5 {

void silence_errors() { H5::Exception::dontPrint(); }

H5::StrType vlen_string_type() {
  H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  t.setCset(H5T_CSET_UTF8);
  return t;
}

void write_attr(H5::H5Object& obj, const std::string& name, const std::string& value) {
  H5::StrType t = vlen_string_type();
  if (obj.attrExists(name)) obj.removeAttr(name);
  H5::Attribute a = obj.createAttribute(name, t, H5::DataSpace(H5S_SCALAR));
  a.write(t, value);
}

void write_attr(H5::H5Object& obj, const std::string& name, int64_t value) {
  if (obj.attrExists(name)) obj.removeAttr(name);
  H5::Attribute a = obj.createAttribute(name, H5::PredType::STD_I64LE, H5::DataSpace(H5S_SCALAR));
  a.write(H5::PredType::NATIVE_INT64, &value);
}

void write_attr(H5::H5Object& obj, const std::string& name, double value) {
  if (obj.attrExists(name)) obj.removeAttr(name);
  H5::Attribute a = obj.createAttribute(name, H5::PredType::IEEE_F64LE, H5::DataSpace(H5S_SCALAR));
  a.write(H5::PredType::NATIVE_DOUBLE, &value);
}

bool has_attr(const H5::H5Object& obj, const std::string& name) { return obj.attrExists(name); }

namespace {

// The object's HDF5 name ("/", "/regressor"), for messages; "?" when it has none.
std::string object_name(const H5::H5Object& obj) {
  try {
    return obj.getObjName();
  } catch (const H5::Exception&) {
    return "?";
  }
}

// Opens and reads attribute `name` of `obj` with `read`; every failure (missing, wrong
// type, damaged) becomes one molprop::Error naming the attribute and the object
// ("attribute 'x' is not an integer (in '/')"). The caller adds the file's path.
template <typename F>
void read_attr(const H5::H5Object& obj, const std::string& name, const char* expected, F&& read) {
  const auto refuse = [&](const std::string& why) -> Error {
    return Error("attribute '" + name + "' " + why + " (in '" + object_name(obj) + "')");
  };
  try {
    if (!obj.attrExists(name)) throw refuse("does not exist");
    H5::Attribute a = obj.openAttribute(name);
    if (!read(a)) throw refuse(std::string("is not ") + expected);
    return;
  } catch (const H5::Exception& e) {
    throw refuse("cannot be read (HDF5 " + e.getFuncName() + ": " + e.getDetailMsg() + ")");
  }
}

}  // namespace

std::string read_string_attr(const H5::H5Object& obj, const std::string& name) {
  std::string value;
  read_attr(obj, name, "a string", [&](H5::Attribute& a) {
    if (a.getDataType().getClass() != H5T_STRING) return false;
    a.read(a.getStrType(), value);
    return true;
  });
  return value;
}

double read_double_attr(const H5::H5Object& obj, const std::string& name) {
  double value = 0;
  read_attr(obj, name, "a number", [&](H5::Attribute& a) {
    const H5T_class_t c = a.getDataType().getClass();
    if (c != H5T_FLOAT && c != H5T_INTEGER) return false;
    a.read(H5::PredType::NATIVE_DOUBLE, &value);
    return true;
  });
  return value;
}

int64_t read_int_attr(const H5::H5Object& obj, const std::string& name) {
  int64_t value = 0;
  read_attr(obj, name, "an integer", [&](H5::Attribute& a) {
    if (a.getDataType().getClass() != H5T_INTEGER) return false;
    a.read(H5::PredType::NATIVE_INT64, &value);
    return true;
  });
  return value;
}

namespace {

H5::DSetCreatPropList chunked(int rank, const hsize_t* chunk, int level, bool shuffle) {
  H5::DSetCreatPropList props;
  props.setChunk(rank, chunk);
  if (level > 0) {
    if (shuffle) props.setShuffle();
    props.setDeflate(level);
  }
  return props;
}

}  // namespace

template <typename T>
Appender<T>::Appender(H5::Group& parent, const std::string& name, hsize_t cols, hsize_t chunk_rows,
                      int compression_level)
    : cols_(cols) {
  const bool one_d = cols == 0;
  if (one_d) cols_ = 1;
  hsize_t dims[2] = {0, cols_};
  hsize_t maxdims[2] = {H5S_UNLIMITED, cols_};
  hsize_t chunk[2] = {chunk_rows, cols_};
  const int rank = one_d ? 1 : 2;
  H5::DataSpace space(rank, dims, maxdims);
  // The file stores the same little-endian type as memory on every platform we build.
  dataset_ = parent.createDataSet(name, mem_type<T>(), space, chunked(rank, chunk, compression_level, sizeof(T) > 1));
  buffer_.reserve(chunk_rows * cols_);
}

template <typename T>
void Appender<T>::append(const T* values, size_t rows) {
  buffer_.insert(buffer_.end(), values, values + rows * cols_);
}

template <typename T>
void Appender<T>::flush() {
  if (buffer_.empty()) return;
  const hsize_t rows = buffer_.size() / cols_;
  const int rank = dataset_.getSpace().getSimpleExtentNdims();
  hsize_t new_dims[2] = {written_ + rows, cols_};
  dataset_.extend(new_dims);
  H5::DataSpace file_space = dataset_.getSpace();
  hsize_t start[2] = {written_, 0};
  hsize_t count[2] = {rows, cols_};
  file_space.selectHyperslab(H5S_SELECT_SET, count, start);
  H5::DataSpace mem_space(rank, count);
  dataset_.write(buffer_.data(), mem_type<T>(), mem_space, file_space);
  written_ += rows;
  buffer_.clear();
}

template class Appender<uint8_t>;
template class Appender<int32_t>;
template class Appender<int64_t>;
template class Appender<float>;

StringAppender::StringAppender(H5::Group& parent, const std::string& name, hsize_t chunk_rows, int compression_level) {
  hsize_t dims[1] = {0};
  hsize_t maxdims[1] = {H5S_UNLIMITED};
  hsize_t chunk[1] = {chunk_rows};
  H5::DataSpace space(1, dims, maxdims);
  dataset_ = parent.createDataSet(name, vlen_string_type(), space, chunked(1, chunk, compression_level, false));
}

void StringAppender::flush() {
  if (buffer_.empty()) return;
  std::vector<const char*> ptrs;
  ptrs.reserve(buffer_.size());
  for (const auto& s : buffer_) ptrs.push_back(s.c_str());
  const hsize_t rows = buffer_.size();
  hsize_t new_dims[1] = {written_ + rows};
  dataset_.extend(new_dims);
  H5::DataSpace file_space = dataset_.getSpace();
  hsize_t start[1] = {written_};
  hsize_t count[1] = {rows};
  file_space.selectHyperslab(H5S_SELECT_SET, count, start);
  H5::DataSpace mem_space(1, count);
  dataset_.write(ptrs.data(), vlen_string_type(), mem_space, file_space);
  written_ += rows;
  buffer_.clear();
}

std::pair<hsize_t, hsize_t> shape(const H5::DataSet& ds) {
  H5::DataSpace space = ds.getSpace();
  const int rank = space.getSimpleExtentNdims();
  MOLPROP_CHECK(rank == 1 || rank == 2, "dataset has rank " << rank << ", expected 1 or 2");
  hsize_t dims[2] = {0, 1};
  space.getSimpleExtentDims(dims);
  return {dims[0], rank == 2 ? dims[1] : 1};
}

template <typename T>
void read_rows(const H5::DataSet& ds, hsize_t first, hsize_t count, std::vector<T>& out) {
  H5::DataSpace file_space = ds.getSpace();
  const int rank = file_space.getSimpleExtentNdims();
  const auto [rows, cols] = shape(ds);
  MOLPROP_CHECK(first + count <= rows,
                "read of rows [" << first << ", " << first + count << ") past the end (" << rows << ")");
  out.resize(count * cols);
  if (count == 0) return;
  hsize_t start[2] = {first, 0};
  hsize_t cnt[2] = {count, cols};
  file_space.selectHyperslab(H5S_SELECT_SET, cnt, start);
  H5::DataSpace mem_space(rank, cnt);
  ds.read(out.data(), mem_type<T>(), mem_space, file_space);
}

template void read_rows<uint8_t>(const H5::DataSet&, hsize_t, hsize_t, std::vector<uint8_t>&);
template void read_rows<int32_t>(const H5::DataSet&, hsize_t, hsize_t, std::vector<int32_t>&);
template void read_rows<int64_t>(const H5::DataSet&, hsize_t, hsize_t, std::vector<int64_t>&);
template void read_rows<float>(const H5::DataSet&, hsize_t, hsize_t, std::vector<float>&);

void read_strings(const H5::DataSet& ds, hsize_t first, hsize_t count, std::vector<std::string>& out) {
  out.clear();
  if (count == 0) return;
  H5::DataSpace file_space = ds.getSpace();
  hsize_t start[1] = {first};
  hsize_t cnt[1] = {count};
  file_space.selectHyperslab(H5S_SELECT_SET, cnt, start);
  H5::DataSpace mem_space(1, cnt);
  std::vector<char*> ptrs(count, nullptr);
  H5::StrType type = vlen_string_type();
  ds.read(ptrs.data(), type, mem_space, file_space);
  out.reserve(count);
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  H5::DataSet::vlenReclaim(ptrs.data(), type, mem_space);
}

}  // namespace molprop::data::h5
