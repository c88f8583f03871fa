#pragma once
// Errors and precondition checks shared by every molprop library.
//
// Inside the libraries we throw; `main` converts an escaped exception into one line on
// stderr and a non-zero exit code. A bad molecule is *data*, not an exception: see
// chem::ParsedMol. Never `assert` on input or I/O.
#include <sstream>
#include <stdexcept>
#include <string>

namespace molprop {

// A user-facing error: the message alone must tell the user what went wrong and where
// (file, row, column, flag), because it is printed as is.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail_check(const char* expr, const char* file, int line, const std::string& msg);

}  // namespace molprop

// MOLPROP_CHECK(cond, "message " << value): throws molprop::Error carrying the message,
// the failed expression and its source location. For invariants and preconditions.
#define MOLPROP_CHECK(cond, msg)                                                 \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::ostringstream molprop_check_os_;                                      \
      molprop_check_os_ << msg;                                                  \
      ::molprop::fail_check(#cond, __FILE__, __LINE__, molprop_check_os_.str()); \
    }                                                                            \
  } while (0)
