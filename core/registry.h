#pragma once
// A name → factory table for interchangeable parts (encoders, readouts, regressor heads,
// pretraining objectives): one lookup rule and one "unknown name" message for all of
// them. Built once (a function-local static in the part's .cpp), read-only afterwards,
// so lookups are safe from any thread.
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/check.h"

namespace molprop::core {

// Factory: any copyable callable, usually a std::function returning an owning handle.
template <typename Factory>
class Registry {
 public:
  // kind: what one entry is, as errors name it ("encoder"); known: how the list of names
  // is introduced ("known encoders"). Names are kept sorted.
  Registry(std::string kind, std::string known, std::initializer_list<std::pair<const std::string, Factory>> entries)
      : kind_(std::move(kind)), known_(std::move(known)), entries_(entries) {}

  // The factory registered under `name`; throws molprop::Error naming it and listing the
  // known names: "unknown encoder 'x'; known encoders: dmpnn, gine".
  const Factory& at(const std::string& name) const {
    const auto it = entries_.find(name);
    if (it == entries_.end()) throw Error("unknown " + kind_ + " '" + name + "'; " + known_ + ": " + joined_names());
    return it->second;
  }

  bool contains(const std::string& name) const { return entries_.count(name) > 0; }

  // Registered names, sorted (for CLI choices and messages).
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& entry : entries_) out.push_back(entry.first);
    return out;
  }

  // "a, b, c"
  std::string joined_names(const std::string& separator = ", ") const {
    std::string out;
    for (const auto& entry : entries_) out += (out.empty() ? "" : separator) + entry.first;
    return out;
  }

 private:
  std::string kind_, known_;
  std::map<std::string, Factory> entries_;
};

}  // namespace molprop::core
