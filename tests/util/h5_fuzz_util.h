#pragma once
// Raw HDF5 helpers the two HDF5 fuzz harnesses (tests/fuzz/h5_dataset_fuzz_test.cpp,
// tests/fuzz/checkpoint_fuzz_test.cpp) mutate files with. C API on purpose: a mutation must
// be able to write what molprop's own writers never would. Each helper ignores HDF5 errors
// (the harnesses turn HDF5's error printing off): a mutation that does not apply changes
// nothing.
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace molprop::testing_util {

// Shape of dataset `ds` (up to 4 dimensions; empty when not a simple dataspace).
inline std::vector<hsize_t> dims_of(hid_t ds) {
  const hid_t space = H5Dget_space(ds);
  std::vector<hsize_t> dims;
  const int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
  if (rank > 0 && rank <= 4) {
    dims.resize(static_cast<size_t>(rank));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  }
  if (space >= 0) H5Sclose(space);
  return dims;
}

// A new scalar attribute `name` of `type` holding *value (nothing if `name` already exists).
inline void write_scalar_attr(hid_t obj, const char* name, hid_t type, const void* value) {
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (a >= 0) {
    H5Awrite(a, type, value);
    H5Aclose(a);
  }
  H5Sclose(space);
}

inline void write_int_attr(hid_t obj, const char* name, int64_t value) {
  write_scalar_attr(obj, name, H5T_NATIVE_INT64, &value);
}

inline void write_double_attr(hid_t obj, const char* name, double value) {
  write_scalar_attr(obj, name, H5T_NATIVE_DOUBLE, &value);
}

// Attribute `name` (replaced if present) as a variable- or fixed-length string.
inline void write_string_attr(hid_t obj, const char* name, const std::string& value, bool variable) {
  H5Adelete(obj, name);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, variable ? H5T_VARIABLE : std::max<size_t>(1, value.size()));
  const hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (a >= 0) {
    const char* p = value.c_str();
    H5Awrite(a, type, variable ? static_cast<const void*>(&p) : static_cast<const void*>(p));
    H5Aclose(a);
  }
  H5Tclose(type);
  H5Sclose(space);
}

}  // namespace molprop::testing_util
