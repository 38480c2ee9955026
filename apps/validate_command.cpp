// `xbarsim validate FILE.yaml...`: builds every model a file describes, without running
// anything, and reports the first bad or unknown key of each file in one line. Experiments,
// cards, and sweep or compare files (every point's configuration, as `xbarsim sweep` checks
// before it runs anything).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

#include "apps/commands.hpp"
#include "core/cards.hpp"
#include "core/error.hpp"
#include "core/params.hpp"
#include "sweep/runner.hpp"
#include "sweep/spec.hpp"
#include "workloads/run.hpp"

namespace xbarsim::apps {

namespace {

// Validates one file; returns what it described.
std::string validate_file(const std::string& file) {
  const Params root = Params::from_file(file);
  std::string what;
  if (root.has("sweep") || root.has("compare")) {
    const bool is_sweep = root.has("sweep");
    const sweep::SweepSpec spec = is_sweep ? sweep::parse_sweep(file) : sweep::parse_compare(file);
    const std::vector<sweep::Point> points = spec.points();
    sweep::validate_points(spec, points);
    return fmt::format("{} of {} points", is_sweep ? "sweep" : "comparison", points.size());
  }
  if (root.has("experiment")) {
    what = fmt::format("experiment {}", workloads::prepare_experiment(root).impl);
  } else {
    std::vector<std::string> kinds = CardKinds::instance().keys();
    kinds.insert(kinds.begin(), "experiment");
    for (const auto& key : root.keys()) {
      const CardKinds::Validator* v = CardKinds::instance().find(key);
      if (v == nullptr) {
        root.fail(key, fmt::format("a known card section ({})", fmt::join(kinds, ", ")));
      }
      (*v)(root.child(key));
      what += (what.empty() ? "" : ", ") + key + " card";
    }
  }
  root.check_all_read();
  return what;
}

}  // namespace

int validate_command(const std::vector<std::string>& args) {
  if (args.empty()) throw UsageError("usage: xbarsim validate FILE.yaml...");
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << "usage: xbarsim validate FILE.yaml...\n"
                   "Checks experiment files, device/periphery cards and sweep/compare files (every\n"
                   "point) without running them.\n";
      return 0;
    }
  }
  for (const auto& file : args) {
    const std::string what = validate_file(file);
    fmt::print("{}: ok ({})\n", file, what);
  }
  return 0;
}

}  // namespace xbarsim::apps
