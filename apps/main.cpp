// The xbarsim command line: run, validate, sweep, merge, compare, fit-device, --help, --version.
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "apps/commands.hpp"
#include "core/error.hpp"
#include "workloads/portable_blocking.hpp"

namespace {

constexpr const char* kUsage = R"(xbarsim - cycle-approximate simulator for in-memory computing

usage:
  xbarsim run EXPERIMENT.yaml [--set key.path=value]... [--out DIR] [--seed N] [--quiet]
              [--trace FILE.vcd] [--stop-after-epoch N]
  xbarsim run --resume RUN_DIR [--stop-after-epoch N]
      Run an experiment, or continue an interrupted training run from its last checkpoint; results go to a fresh run folder (report.json, energy.csv,
      area.csv, epochs.csv, config.resolved.yaml, wallclock.json).
  xbarsim validate FILE.yaml... [--set key.path=value]...
      Check experiment files and device/periphery cards without running anything.
  xbarsim sweep SWEEP.yaml [-j N] [--out DIR] [--shard K/N] [--quiet]
      Run every point of a sweep (axes over any key, product or zip), each its own run,
      resumable; sweep.csv and PNG/SVG plots in the sweep folder (default sweeps/NAME).
  xbarsim merge SWEEP_DIR... --out DIR
      Combine the folders of sweep shards (--shard K/N) into one sweep.csv.
  xbarsim compare COMPARE.yaml [-j N] [--out DIR] [--quiet]
      One experiment with several device cards side by side (compare.md, compare.csv).
  xbarsim fit-device --data FILE.csv --out CARD.yaml
      Fit the measured_response model to measured LTP/LTD pulse responses and write a device
      card (the residual and the fitted values' errors on stdout and in the card).
  xbarsim --help | --version

Exit codes: 0 success, 1 bad input (config, data, command line), 3 stopped after a
checkpoint as asked (--stop-after-epoch; continue with --resume), 70 internal error.
)";

// The last message of a failed run: plain stdio, which cannot throw (an unwritable stderr
// loses the line, never the exit code).
void say(const char* prefix, const char* what) noexcept {
  std::fputs(prefix, stderr);
  std::fputs(what, stderr);
  std::fputc('\n', stderr);
}

}  // namespace

int main(int argc, char** argv) {
  xbarsim::workloads::use_portable_blocking();
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty()) {
      std::fputs(kUsage, stderr);
      return 1;
    }
    const std::string& cmd = args[0];
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (cmd == "--version") {
      fmt::print("xbarsim {}\n", XBARSIM_VERSION);
      return 0;
    }
    if (cmd == "run") return xbarsim::apps::run_command(rest);
    if (cmd == "validate") return xbarsim::apps::validate_command(rest);
    if (cmd == "sweep") return xbarsim::apps::sweep_command(rest);
    if (cmd == "merge") return xbarsim::apps::merge_command(rest);
    if (cmd == "compare") return xbarsim::apps::compare_command(rest);
    if (cmd == "fit-device") return xbarsim::apps::fit_device_command(rest);
    throw xbarsim::UsageError(fmt::format(
        "unknown command '{}' (expected run, validate, sweep, merge, compare or fit-device; see xbarsim --help)", cmd));
  } catch (const xbarsim::UserError& e) {
    say("xbarsim: error: ", e.what());
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // The environment, not the input: a path that cannot be made, read or replaced.
    say("xbarsim: error: ", (e.path1().string() + ": " + e.code().message()).c_str());
    return 1;
  } catch (const std::exception& e) {
    say("xbarsim: internal error (please report): ", e.what());
    return 70;
  }
}
