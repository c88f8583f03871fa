#include "core/text.h"

#include <gtest/gtest.h>

#include <string>

namespace molprop::core {
namespace {

using namespace std::string_literals;

TEST(Quoted, PrintableAsciiIsKeptInQuotes) { EXPECT_EQ(core::quoted("smiles"), "'smiles'"); }

// Issue 14: a trailing \r in a column name printed invisibly ("no column 'x'; columns are: x").
TEST(Quoted, InvisibleTrailingCarriageReturnIsShown) { EXPECT_EQ(core::quoted("x\r"), "'x\\r'"); }

// Issue 14: a NUL byte or a newline inside a cell cut or split the one-line error.
TEST(Quoted, NulAndNewlineAreEscaped) {
  const std::string q = core::quoted("a\0b\nc"s);
  EXPECT_EQ(q, "'a\\x00b\\nc'");
  EXPECT_EQ(q.find('\n'), std::string::npos);
  EXPECT_EQ(q.find('\0'), std::string::npos);
}

TEST(Quoted, NonAsciiBytesAreEscapedInHex) { EXPECT_EQ(core::quoted("CC\xC3\xA9O"), "'CC\\xC3\\xA9O'"); }

TEST(Quoted, QuoteAndBackslashAreEscaped) { EXPECT_EQ(core::quoted("it's a\\b"), "'it\\'s a\\\\b'"); }

// Issue 14: a 1 MB garbage SMILES became a 4 MB error cell.
TEST(Quoted, MegabyteCellIsCappedWithItsLength) {
  const std::string q = core::quoted(std::string(1000000, '\x01'));
  EXPECT_LT(q.size(), 120u);
  EXPECT_NE(q.find("…(1000000 bytes)"), std::string::npos) << q;
  // Never cut inside an escape: what is kept is whole \x01 escapes.
  const std::string kept = q.substr(1, q.find("…") - 1);
  EXPECT_EQ(kept.size() % 4, 0u) << kept;
}

TEST(Quoted, TextAtTheLimitIsNotCut) {
  const std::string text(kQuoteMaxLength, 'C');
  EXPECT_EQ(core::quoted(text), "'" + text + "'");
  EXPECT_NE(core::quoted(text + "C").find("…(81 bytes)"), std::string::npos);
}

TEST(Capped, ShortMessageUnchangedLongMessageCutAtCharacterBoundary) {
  EXPECT_EQ(core::capped("short", 10), "short");
  // "é" is two bytes; a cut after 5 bytes would split the third é.
  const std::string s = "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";
  const std::string c = core::capped(s, 5);
  EXPECT_EQ(c, "\xC3\xA9\xC3\xA9…(8 bytes)");
  EXPECT_FALSE(core::invalid_utf8_at(c).has_value());
}

TEST(InvalidUtf8At, ValidTextHasNone) {
  EXPECT_FALSE(core::invalid_utf8_at("").has_value());
  EXPECT_FALSE(core::invalid_utf8_at("CCO").has_value());
  EXPECT_FALSE(core::invalid_utf8_at("CC\xC3\xA9O").has_value());       // é
  EXPECT_FALSE(core::invalid_utf8_at("\xE2\x80\xA6").has_value());      // …
  EXPECT_FALSE(core::invalid_utf8_at("\xF0\x9F\x98\x80").has_value());  // U+1F600
}

TEST(InvalidUtf8At, FindsTheFirstBadByte) {
  EXPECT_EQ(core::invalid_utf8_at("CC\xE9O"), 2u);            // Latin-1 é
  EXPECT_EQ(core::invalid_utf8_at("ab\xC3"), 2u);             // truncated sequence
  EXPECT_EQ(core::invalid_utf8_at("\xC0\xAF"), 0u);           // overlong '/'
  EXPECT_EQ(core::invalid_utf8_at("x\xED\xA0\x80"), 1u);      // surrogate
  EXPECT_EQ(core::invalid_utf8_at("\xF4\x90\x80\x80"), 0u);   // past U+10FFFF
  EXPECT_EQ(core::invalid_utf8_at("\x89HDF\r\n\x1a\n"), 0u);  // the HDF5 signature
}

TEST(HexByte, TwoUpperCaseDigits) { EXPECT_EQ(core::hex_byte(0xC3), "0xC3"); }

}  // namespace
}  // namespace molprop::core
