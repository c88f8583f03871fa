#pragma once
#include <string>

namespace molprop::core {

// Hex SHA-256 of a file's bytes, streamed in fixed-size blocks. Throws molprop::Error
// naming the file when it cannot be read. Recorded in datasets to tie them to a source.
std::string sha256_file(const std::string& path);

// Hex SHA-256 of a byte string (for tests and small inputs).
std::string sha256_bytes(const std::string& bytes);

}  // namespace molprop::core
