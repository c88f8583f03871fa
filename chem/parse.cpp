#include "chem/parse.h"

#include <GraphMol/GraphMol.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/MolStandardize/Charge.h>
#include <GraphMol/MolStandardize/Fragment.h>
#include <GraphMol/MolStandardize/Tautomer.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>

#include <algorithm>
#include <mutex>
#include <streambuf>
#include <stdexcept>
#include <string>

#include "chem/tautomer_enumerator.h"
#include "core/text.h"

namespace molprop::chem {
namespace {

// A streambuf that appends to the calling thread's buffer. RDKit's loggers are process
// globals that write to one std::ostream; pointing that stream at this buffer makes
// each thread see only its own messages, which become the error reason.
thread_local std::string t_log_buffer;

class ThreadLocalBuf : public std::streambuf {
 protected:
  int_type overflow(int_type ch) override {
    if (ch != traits_type::eof()) t_log_buffer.push_back(static_cast<char>(ch));
    return ch;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    t_log_buffer.append(s, static_cast<size_t>(n));
    return n;
  }
};

void install_capture() {
  static std::once_flag once;
  std::call_once(once, [] {
    RDLog::InitLogs();
    // Never destroyed: RDKit's loggers are globals of libRDKitRDGeneral, destroyed after
    // this executable's statics, and flush dp_dest when they are (a function-local static
    // stream here was already gone then: a use after destruction at every exit, found by
    // AddressSanitizer). Reachable through these pointers, so not a leak.
    static ThreadLocalBuf* const buf = new ThreadLocalBuf;
    static std::ostream* const stream = new std::ostream(buf);
    for (auto* log : {&rdErrorLog, &rdWarningLog}) {
      if (*log) {
        (*log)->ClearTee();
        (*log)->dp_dest = stream;
        (*log)->df_owner = false;
      }
    }
    // Info and debug messages carry no failure reason; silence them.
    for (auto* log : {&rdInfoLog, &rdDebugLog}) {
      if (*log) (*log)->df_enabled = false;
    }
  });
}

// "[09:34:03] SMILES Parse Error: syntax error while parsing: C1CC\n..." → one line
// without timestamps.
std::string clean_reason(const std::string& raw) {
  std::string out;
  size_t pos = 0;
  while (pos < raw.size()) {
    size_t end = raw.find('\n', pos);
    if (end == std::string::npos) end = raw.size();
    std::string line = raw.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line[0] == '[') {
      size_t close = line.find("] ");
      if (close != std::string::npos) line = line.substr(close + 2);
    }
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

// Why `smiles` (trimmed, non-empty) must not reach RDKit, or "". RDKit stops reading at
// a NUL byte and at whitespace (the rest is the molecule's name), and at some other bytes
// without saying so ("CC\xC3\xA9O" became ethane), so everything but printable ASCII is
// refused here, where the position can still be named.
std::string check_text(std::string_view smiles, const ParseOptions& options) {
  if (static_cast<int64_t>(smiles.size()) > options.max_smiles_length) {
    return "SMILES has " + std::to_string(smiles.size()) + " characters, more than the limit of " +
           std::to_string(options.max_smiles_length);
  }
  for (size_t i = 0; i < smiles.size(); ++i) {
    const auto c = static_cast<unsigned char>(smiles[i]);
    const std::string at = " at position " + std::to_string(i + 1);
    if (c >= 0x80) return "non-ASCII byte " + core::hex_byte(c) + at + " (a SMILES is ASCII text)";
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      const std::string_view rest = smiles.substr(i + 1);
      return "whitespace" + at + " (RDKit would read " +
             core::quoted(rest.substr(rest.find_first_not_of(" \t\r\n")), 40) +
             " as a name and ignore it; put names in a column of their own)";
    }
    if (c < 0x20 || c == 0x7F) return "control byte " + core::hex_byte(c) + at;
  }
  const int64_t atoms = count_smiles_atoms(smiles);
  if (atoms > options.max_atoms) {
    return "SMILES has " + std::to_string(atoms) + " atoms, more than the limit of " +
           std::to_string(options.max_atoms);
  }
  return "";
}

}  // namespace

int64_t count_smiles_atoms(std::string_view smiles) {
  int64_t atoms = 0;
  bool in_bracket = false;
  for (size_t i = 0; i < smiles.size(); ++i) {
    const char c = smiles[i];
    if (in_bracket) {
      in_bracket = c != ']';
      continue;
    }
    switch (c) {
      case '[':
        in_bracket = true;
        ++atoms;
        break;
      case 'B':
      case 'C':
        // Br and Cl are one atom each; a following 'r' / 'l' is not an atom anyway.
      case 'N':
      case 'O':
      case 'P':
      case 'S':
      case 'F':
      case 'I':
      case 'b':
      case 'c':
      case 'n':
      case 'o':
      case 'p':
      case 's':
      case '*':
        ++atoms;
        break;
      default:
        break;
    }
  }
  return atoms;
}

ParsedMol::ParsedMol() = default;
ParsedMol::ParsedMol(ParsedMol&&) noexcept = default;
ParsedMol& ParsedMol::operator=(ParsedMol&&) noexcept = default;
ParsedMol::~ParsedMol() = default;

void quiet_rdkit_logs() { install_capture(); }

// `mol` written as canonical isomeric SMILES and read back (sanitised, stereo perceived).
static std::unique_ptr<RDKit::RWMol> reparse(const RDKit::ROMol& mol) {
  std::unique_ptr<RDKit::RWMol> out(RDKit::SmilesToMol(RDKit::MolToSmiles(mol)));
  if (!out) throw std::runtime_error("its SMILES could not be read back");
  return out;
}

// The tautomer enumerator of canonical_tautomer and tautomer_forms (this thread's, within the caps).
static const RDKit::MolStandardize::TautomerEnumerator& tautomer_enumerator() {
  return thread_tautomer_enumerator({kMaxTautomersListed, kMaxTautomerTransforms, /*keep_stereo=*/false});
}

// ParseOptions::tautomer_forms: the `count` best-scored tautomers of `mol`, ties by SMILES.
static std::vector<std::unique_ptr<RDKit::ROMol>> most_plausible_tautomers(const RDKit::ROMol& mol, int count) {
  const RDKit::MolStandardize::TautomerEnumeratorResult found = tautomer_enumerator().enumerate(mol);
  std::vector<std::pair<int, std::string>> ranked;  // (-score, SMILES): sorted, best first
  for (const auto& [smiles, tautomer] : found.smilesTautomerMap()) {
    ranked.emplace_back(-RDKit::MolStandardize::TautomerScoringFunctions::scoreTautomer(*tautomer.tautomer), smiles);
  }
  std::sort(ranked.begin(), ranked.end());
  std::vector<std::unique_ptr<RDKit::ROMol>> forms;
  for (const auto& [score, smiles] : ranked) {
    if (static_cast<int>(forms.size()) == count) break;
    // The molecule its SMILES reads back, as for the canonical tautomer above.
    forms.push_back(reparse(*found.smilesTautomerMap().at(smiles).tautomer));
  }
  if (forms.empty()) forms.push_back(reparse(mol));
  return forms;
}

namespace {

// Connected components by union-find over the bonds: MolOps::getMolFrags's count without its
// graph copy (5 % of a parse).
int count_components(const RDKit::ROMol& mol) {
  thread_local std::vector<unsigned> parent;
  const unsigned n = mol.getNumAtoms();
  parent.resize(n);
  for (unsigned i = 0; i < n; ++i) parent[i] = i;
  auto root = [&](unsigned i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  int components = static_cast<int>(n);
  for (const RDKit::Bond* b : mol.bonds()) {
    const unsigned a = root(b->getBeginAtomIdx()), c = root(b->getEndAtomIdx());
    if (a != c) {
      parent[a] = c;
      --components;
    }
  }
  return components;
}

}  // namespace

ParsedMol parse_smiles(std::string_view smiles, const ParseOptions& options) {
  install_capture();
  ParsedMol result;
  // Surrounding whitespace is harmless; inside, RDKit would silently read the rest as a
  // molecule name ("CCO ethanol" → ethanol), which hides a broken input column.
  const size_t first = smiles.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    result.error = "empty SMILES";
    return result;
  }
  smiles = smiles.substr(first, smiles.find_last_not_of(" \t\r\n") - first + 1);
  result.error = check_text(smiles, options);
  if (!result.error.empty()) return result;
  t_log_buffer.clear();
  std::unique_ptr<RDKit::RWMol> mol;
  try {
    // Parse and sanitise in one call: RDKit then perceives stereo (CIP labels, E/Z).
    mol.reset(RDKit::SmilesToMol(std::string(smiles)));
  } catch (const std::exception& e) {
    // Sanitisation problems (valence, kekulisation) arrive as exceptions.
    result.error = core::capped(e.what());
    t_log_buffer.clear();
    return result;
  }
  if (!mol) {
    result.error = core::capped(clean_reason(t_log_buffer));
    if (result.error.empty()) result.error = "RDKit could not parse the SMILES";
    t_log_buffer.clear();
    return result;
  }
  if (mol->getNumAtoms() == 0) {
    result.error = "SMILES has no atoms";
    return result;
  }
  result.components = count_components(*mol);
  // One neutral component is its own standardised parent: skip the work (a third of the
  // prediction time of the default model otherwise).
  bool charged = false;
  for (const RDKit::Atom* a : mol->atoms()) charged |= a->getFormalCharge() != 0;
  if (options.standardize && (result.components > 1 || charged)) {
    try {
      // One chooser and uncharger per thread (the uncharger compiles its SMARTS when built).
      thread_local RDKit::MolStandardize::LargestFragmentChooser chooser;
      thread_local RDKit::MolStandardize::Uncharger uncharger;
      std::unique_ptr<RDKit::ROMol> largest(chooser.choose(*mol));
      std::unique_ptr<RDKit::ROMol> neutral(uncharger.uncharge(*largest));
      // The parent as its canonical SMILES reads back: the molecule a training table of
      // standardised parents holds (`canonicalize --standardize`). The standardiser's own
      // molecule keeps explicit-H counts on the atoms it changed, which some RDKit
      // descriptors see (a carboxylate's parent then differed from the acid).
      mol = reparse(*neutral);
    } catch (const std::exception& e) {
      result.error = core::capped(std::string("standardisation failed: ") + e.what());
      t_log_buffer.clear();
      return result;
    }
  }
  if (options.canonical_tautomer) {
    try {
      std::unique_ptr<RDKit::ROMol> canonical(tautomer_enumerator().canonicalize(*mol));
      mol = reparse(*canonical);  // as above: the molecule its canonical SMILES reads back
    } catch (const std::exception& e) {
      result.error = core::capped(std::string("canonical tautomer failed: ") + e.what());
      t_log_buffer.clear();
      return result;
    }
  }
  if (options.tautomer_forms > 0) {
    if (options.tautomer_forms > kMaxTautomerForms) {
      result.error = "tautomer_forms must be at most " + std::to_string(kMaxTautomerForms) + ", got " +
                     std::to_string(options.tautomer_forms);
      return result;
    }
    try {
      result.forms = most_plausible_tautomers(*mol, options.tautomer_forms);
    } catch (const std::exception& e) {
      result.error = core::capped(std::string("tautomer enumeration failed: ") + e.what());
      t_log_buffer.clear();
      return result;
    }
  }
  t_log_buffer.clear();
  result.mol = std::move(mol);
  return result;
}

std::string canonical_smiles(const RDKit::ROMol& mol) { return RDKit::MolToSmiles(mol); }

}  // namespace molprop::chem
