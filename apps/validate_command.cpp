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
std::string validate_file(const std::string& file, const std::vector<std::string>& sets) {
  Params root = Params::from_file(file);
  for (const std::string& s : sets) root.apply_override(s);
  std::string what;
  if (root.has("sweep") || root.has("compare")) {
    if (!sets.empty()) {
      throw UsageError(
          fmt::format("xbarsim validate: --set applies to experiment and card files, not to the sweep or "
                      "comparison {} (its points set their own keys)",
                      file));
    }
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
  constexpr const char* kUsage = "usage: xbarsim validate FILE.yaml... [--set key.path=value]...";
  if (args.empty()) throw UsageError(kUsage);
  std::vector<std::string> files;
  std::vector<std::string> sets;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << kUsage
                << "\nChecks experiment files, device/periphery cards and sweep/compare files (every\n"
                   "point) without running them; --set overrides a key of every experiment or card file\n"
                   "as `xbarsim run` does.\n";
      return 0;
    }
    if (a == "--set" || a.starts_with("--set=")) {
      if (a == "--set" && i + 1 == args.size()) throw UsageError("xbarsim validate: --set needs key.path=value");
      sets.push_back(a == "--set" ? args[++i] : a.substr(6));
    } else if (a.starts_with("-")) {
      throw UsageError(fmt::format("xbarsim validate: unknown option '{}' ({})", a, kUsage));
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) throw UsageError(kUsage);
  for (const auto& file : files) {
    const std::string what = validate_file(file, sets);
    fmt::print("{}: ok ({})\n", file, what);
  }
  return 0;
}

}  // namespace xbarsim::apps
