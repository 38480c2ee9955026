// Name -> factory registry: one line registers an implementation under the name that a
// configuration selects with `impl:` (Ramulator 2.0 style).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/params.hpp"

namespace xbarsim {

// Registry of the implementations of `Interface`, each built from its configuration section
// (plus `Args`). One registry per (Interface, Args) pair, created on first use.
template <class Interface, class... Args>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<Interface>(const Params&, Args...)>;

  static Registry& instance() {
    static Registry registry;
    return registry;
  }

  // Returns true so that it can initialize a namespace-scope constant (see XBARSIM_REGISTER).
  bool add(const std::string& name, Factory factory) {
    factories_[name] = std::move(factory);
    return true;
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, f] : factories_) out.push_back(name);
    return out;
  }

  // Reads `impl` from `section` (an error lists the registered names) and builds it.
  std::unique_ptr<Interface> create(const Params& section, Args... args) const {
    return build(section.choice("impl", names()), section, std::forward<Args>(args)...);
  }

  // Builds the implementation `name` (one of names(), read by the caller) from `section`.
  std::unique_ptr<Interface> build(const std::string& name, const Params& section, Args... args) const {
    return factories_.at(name)(section, std::forward<Args>(args)...);
  }

 private:
  Registry() = default;
  std::map<std::string, Factory> factories_;
};

}  // namespace xbarsim

#define XBARSIM_CONCAT_INNER(a, b) a##b
#define XBARSIM_CONCAT(a, b) XBARSIM_CONCAT_INNER(a, b)

// XBARSIM_REGISTER(RegistryType, "name", Implementation): registers Implementation, whose
// constructor takes (const Params&, Args...), under "name". Use at namespace scope in the .cpp
// of the implementation; the library must be linked whole (xbarsim_link_whole in CMake).
#define XBARSIM_REGISTER(RegistryType, name, Implementation)                               \
  namespace {                                                                              \
  [[maybe_unused]] const bool XBARSIM_CONCAT(registered_, __COUNTER__) =                   \
      RegistryType::instance().add(name, [](const ::xbarsim::Params& p, auto&&... args) {  \
        return std::make_unique<Implementation>(p, std::forward<decltype(args)>(args)...); \
      });                                                                                  \
  }
