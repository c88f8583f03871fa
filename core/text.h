#pragma once
// User text inside messages: quoting, escaping, length caps and UTF-8 validity.
//
// Every message that repeats what a user gave (a cell, a SMILES, a column name, a file's
// first bytes) goes through quoted(), so that a NUL byte, a newline or a megabyte of
// garbage cannot cut, split or bloat a "one-line" error, and an invisible trailing '\r'
// is seen.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace molprop::core {

// Longest text quoted() keeps before cutting (in output characters, escapes included).
constexpr size_t kQuoteMaxLength = 80;

// `text` with every byte that is not printable ASCII escaped: \n, \r, \t, \\ and \' by
// name, every other control or non-ASCII byte as \xNN (so "CCéO" in UTF-8 is
// "CC\xC3\xA9O"). Longer than `max_len` characters: cut there (never inside an escape)
// and followed by "…(N bytes)", N the byte length of the whole text.
std::string escaped(std::string_view text, size_t max_len = kQuoteMaxLength);
// escaped(text) in single quotes: 'x\r', 'CC\xC3\xA9O'.
std::string quoted(std::string_view text, size_t max_len = kQuoteMaxLength);

// A message capped at `max_len` bytes: cut at a UTF-8 character boundary and followed
// by "…(N bytes)". For reasons written by others (RDKit) that may repeat a long input.
std::string capped(std::string_view message, size_t max_len = 300);

// The byte offset (0-based) of the first byte that does not belong to a well-formed
// UTF-8 sequence (overlong forms, surrogates and code points past U+10FFFF are
// ill-formed), or nullopt for valid UTF-8.
std::optional<size_t> invalid_utf8_at(std::string_view text);

// "0xC3": one byte in hex, as messages print it.
std::string hex_byte(unsigned char byte);

}  // namespace molprop::core
