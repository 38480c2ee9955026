// Kinds of configuration card that `xbarsim validate` can check on their own, each recognized by
// its top-level key (a device card has `device:`, an ADC card `adc:` ...).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "core/registry.hpp"

namespace xbarsim {

class CardKinds {
 public:
  // Builds the model(s) of one card section; throws ConfigError on a bad value. Must read every
  // key it accepts (the caller checks that nothing is left unread).
  using Validator = std::function<void(const Params& section)>;

  static CardKinds& instance() {
    static CardKinds kinds;
    return kinds;
  }
  bool add(const std::string& top_level_key, Validator v) {
    validators_[top_level_key] = std::move(v);
    return true;
  }
  const Validator* find(const std::string& key) const {
    const auto it = validators_.find(key);
    return it == validators_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : validators_) out.push_back(k);
    return out;
  }

 private:
  std::map<std::string, Validator> validators_;
};

}  // namespace xbarsim

// XBARSIM_REGISTER_CARD("device", [](const xbarsim::Params& p) { ... }); at namespace scope.
#define XBARSIM_REGISTER_CARD(key, validator)                                                                     \
  namespace {                                                                                                     \
  [[maybe_unused]] const bool XBARSIM_CONCAT(card_registered_,                                                    \
                                             __COUNTER__) = ::xbarsim::CardKinds::instance().add(key, validator); \
  }
