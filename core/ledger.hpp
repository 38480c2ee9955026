// The one ledger of a run: integer action counts per (component, action) in the hot path, and
// beside them the energy-per-action and area tables. Energies exist only at report time, as
// count x energy per action (Accelergy style); every total is the sum of its rows.
#pragma once

#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace xbarsim {

class Ledger {
 public:
  using Counter = std::uint32_t;

  // One (component, action) with its cost. `component` is a '/'-separated path from the chip
  // root, e.g. "chip/layer0/tile3/adc"; the parents of a path are its roll-up groups.
  struct Action {
    std::string component;
    std::string action;
    double energy_per_action_J = 0.0;
    std::string source;  // where the energy figure comes from (paper, formula, YAML override)
  };

  struct EnergyRow {
    const Action* action;
    std::uint64_t count;
    double energy_J() const { return static_cast<double>(count) * action->energy_per_action_J; }
  };

  struct AreaRow {
    std::string component;
    double area_each_m2;
    std::uint64_t instances;
    std::string source;
    double area_m2() const { return area_each_m2 * static_cast<double>(instances); }
  };

  // Set-up time: declares an action and returns its counter. Declaring the same (component,
  // action) twice returns the same counter; a different energy then is a programming error.
  Counter declare(std::string component, std::string action, double energy_per_action_J, std::string source);

  // Hot path: no lookup, no allocation.
  // Saturates at 2^64 - 1 instead of wrapping (a wrapped count would lower the energy);
  // saturated() names such a counter before any report is written.
  void add(Counter c, std::uint64_t n = 1) noexcept {
    if (__builtin_add_overflow(counts_[c], n, &counts_[c])) counts_[c] = kSaturated;
  }
  static constexpr std::uint64_t kSaturated = ~std::uint64_t{0};
  // "component action" of the first counter that reached kSaturated, or empty.
  std::string saturated() const;
  std::uint64_t count(Counter c) const { return counts_[c]; }
  const Action& action(Counter c) const { return actions_[c]; }
  std::size_t size() const { return actions_.size(); }

  // Area of `instances` copies of a component of `area_each_m2` each.
  void declare_area(std::string component, double area_each_m2, std::uint64_t instances, std::string source);

  std::vector<EnergyRow> energy_rows() const;
  const std::vector<AreaRow>& area_rows() const { return areas_; }

  // Sum of the energy rows whose component is `prefix` or lies under it ("" = everything).
  double energy_J(std::string_view prefix = "") const;
  // Sum of the counts of `action` over components at or under `prefix`.
  std::uint64_t count_of(std::string_view action, std::string_view prefix = "") const;
  double area_m2(std::string_view prefix = "") const;

  // Counts as a vector (for per-epoch deltas) and back.
  std::vector<std::uint64_t> snapshot() const { return counts_; }
  // Checkpoint of the actions and their counts (binary). load() expects the actions this
  // ledger already has to be the checkpoint's first ones, in order (a resumed run declares the
  // same actions the same way), declares the rest, and restores every count; false on mismatch.
  void save(std::ostream& out) const;
  bool load(std::istream& in);
  void reset_counts();

  // Component tree: {"energy_pJ": total, "actions": {name: {count, energy_per_action_pJ,
  // energy_pJ, source}}, "children": {name: subtree}}; every node's total is the sum of its own
  // actions and its children's totals.
  nlohmann::json energy_tree() const;
  nlohmann::json area_tree() const;

 private:
  std::vector<Action> actions_;
  std::vector<std::uint64_t> counts_;
  std::vector<AreaRow> areas_;
};

// True when `component` equals `prefix` or lies under it in the '/' hierarchy.
bool component_under(std::string_view component, std::string_view prefix);

}  // namespace xbarsim
