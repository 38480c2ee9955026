#include "core/ledger.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "core/checkpoint_file.hpp"

namespace xbarsim {

bool component_under(std::string_view component, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (component.size() < prefix.size() || component.substr(0, prefix.size()) != prefix) {
    return false;
  }
  return component.size() == prefix.size() || component[prefix.size()] == '/';
}

Ledger::Counter Ledger::declare(std::string component, std::string action, double energy_per_action_J,
                                std::string source) {
  if (!(energy_per_action_J >= 0.0)) {
    throw std::invalid_argument(fmt::format("ledger: {} {}: negative or NaN energy per action", component, action));
  }
  for (Counter c = 0; c < actions_.size(); ++c) {
    if (actions_[c].component == component && actions_[c].action == action) {
      if (actions_[c].energy_per_action_J != energy_per_action_J) {
        throw std::logic_error(fmt::format("ledger: {} {} declared twice with different energies", component, action));
      }
      return c;
    }
  }
  actions_.push_back({std::move(component), std::move(action), energy_per_action_J, std::move(source)});
  counts_.push_back(0);
  return static_cast<Counter>(actions_.size() - 1);
}

void Ledger::declare_area(std::string component, double area_each_m2, std::uint64_t instances, std::string source) {
  if (!(area_each_m2 >= 0.0)) {
    throw std::invalid_argument(fmt::format("ledger: {}: negative or NaN area", component));
  }
  areas_.push_back({std::move(component), area_each_m2, instances, std::move(source)});
}

std::vector<Ledger::EnergyRow> Ledger::energy_rows() const {
  std::vector<EnergyRow> rows;
  rows.reserve(actions_.size());
  for (Counter c = 0; c < actions_.size(); ++c) rows.push_back({&actions_[c], counts_[c]});
  return rows;
}

std::string Ledger::saturated() const {
  for (Counter c = 0; c < actions_.size(); ++c) {
    if (counts_[c] == kSaturated) return actions_[c].component + " " + actions_[c].action;
  }
  return {};
}

double Ledger::energy_J(std::string_view prefix) const {
  double sum = 0.0;
  for (Counter c = 0; c < actions_.size(); ++c) {
    if (component_under(actions_[c].component, prefix)) {
      sum += static_cast<double>(counts_[c]) * actions_[c].energy_per_action_J;
    }
  }
  return sum;
}

std::uint64_t Ledger::count_of(std::string_view action, std::string_view prefix) const {
  std::uint64_t sum = 0;
  for (Counter c = 0; c < actions_.size(); ++c) {
    if (actions_[c].action == action && component_under(actions_[c].component, prefix)) {
      sum += counts_[c];
    }
  }
  return sum;
}

double Ledger::area_m2(std::string_view prefix) const {
  double sum = 0.0;
  for (const auto& a : areas_) {
    if (component_under(a.component, prefix)) sum += a.area_m2();
  }
  return sum;
}

namespace {
void put_string(std::ostream& out, const std::string& s) {
  const std::uint64_t n = s.size();
  out.write(reinterpret_cast<const char*>(&n), sizeof n);
  out.write(s.data(), static_cast<std::streamsize>(n));
}
std::string get_string(std::istream& in) {
  std::uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  if (!in || n > bytes_left(in)) {  // a length longer than what is left: damaged, fail the stream
    in.setstate(std::ios::failbit);
    return {};
  }
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  return s;
}
}  // namespace

void Ledger::save(std::ostream& out) const {
  const std::uint64_t n = actions_.size();
  out.write(reinterpret_cast<const char*>(&n), sizeof n);
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    put_string(out, actions_[i].component);
    put_string(out, actions_[i].action);
    put_string(out, actions_[i].source);
    out.write(reinterpret_cast<const char*>(&actions_[i].energy_per_action_J), sizeof(double));
    out.write(reinterpret_cast<const char*>(&counts_[i]), sizeof(std::uint64_t));
  }
}

bool Ledger::load(std::istream& in) {
  std::uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  // Each action takes at least three string lengths, its energy and its count.
  constexpr std::uint64_t kMinActionBytes = 3 * sizeof(std::uint64_t) + sizeof(double) + sizeof(std::uint64_t);
  if (!in || n < actions_.size() || n > bytes_left(in) / kMinActionBytes) return false;
  std::vector<std::uint64_t> counts(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    Action a;
    a.component = get_string(in);
    a.action = get_string(in);
    a.source = get_string(in);
    in.read(reinterpret_cast<char*>(&a.energy_per_action_J), sizeof(double));
    in.read(reinterpret_cast<char*>(&counts[i]), sizeof(std::uint64_t));
    if (!in || !std::isfinite(a.energy_per_action_J) || a.energy_per_action_J < 0.0) return false;
    if (i < actions_.size()) {
      const Action& have = actions_[i];
      if (have.component != a.component || have.action != a.action ||
          have.energy_per_action_J != a.energy_per_action_J) {
        return false;
      }
    } else {
      // An action declared during the run; one declared twice would misalign the counts.
      for (const Action& have : actions_) {
        if (have.component == a.component && have.action == a.action) return false;
      }
      declare(a.component, a.action, a.energy_per_action_J, a.source);
    }
  }
  counts_ = counts;
  return true;
}

void Ledger::reset_counts() {
  for (auto& c : counts_) c = 0;
}

namespace {

// Returns the node for `component` in `tree`, creating the path ("children" at every level).
nlohmann::json& node_for(nlohmann::json& tree, std::string_view component) {
  nlohmann::json* node = &tree;
  std::size_t start = 0;
  while (start <= component.size() && !component.empty()) {
    const std::size_t slash = component.find('/', start);
    const std::string part(component.substr(start, slash - start));
    node = &(*node)["children"][part];
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return *node;
}

// Fills `key` of every node with its own value plus its children's totals (post-order).
double roll_up(nlohmann::json& node, const char* key) {
  double total = node.value(key, 0.0);
  if (node.contains("children")) {
    for (auto& [name, child] : node["children"].items()) total += roll_up(child, key);
  }
  node[key] = total;
  return total;
}

}  // namespace

nlohmann::json Ledger::energy_tree() const {
  nlohmann::json tree = nlohmann::json::object();
  for (Counter c = 0; c < actions_.size(); ++c) {
    const Action& a = actions_[c];
    nlohmann::json& node = node_for(tree, a.component);
    const double energy_pJ = static_cast<double>(counts_[c]) * a.energy_per_action_J * 1e12;
    node["actions"][a.action] = {{"count", counts_[c]},
                                 {"energy_per_action_pJ", a.energy_per_action_J * 1e12},
                                 {"energy_pJ", energy_pJ},
                                 {"source", a.source}};
    node["energy_pJ"] = node.value("energy_pJ", 0.0) + energy_pJ;
  }
  roll_up(tree, "energy_pJ");
  return tree;
}

nlohmann::json Ledger::area_tree() const {
  nlohmann::json tree = nlohmann::json::object();
  for (const auto& a : areas_) {
    nlohmann::json& node = node_for(tree, a.component);
    node["parts"].push_back({{"area_each_um2", a.area_each_m2 * 1e12},
                             {"instances", a.instances},
                             {"area_um2", a.area_m2() * 1e12},
                             {"source", a.source}});
    node["area_um2"] = node.value("area_um2", 0.0) + a.area_m2() * 1e12;
  }
  roll_up(tree, "area_um2");
  return tree;
}

}  // namespace xbarsim
