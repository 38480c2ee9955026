// `xbarsim fit-device --data FILE.csv --out CARD.yaml`: fits the nonlinearity model of a
// measured-response device (Chen et al., IEEE TCAD 37, 3067 (2018), eqs. (8)-(10); NeuroSim's
// labels) to measured conductance-against-pulse points and writes a device card
// (devices/measured_response.hpp, docs/devices/measured_response.md).
#include <fmt/format.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "apps/commands.hpp"
#include "core/error.hpp"
#include "core/report.hpp"
#include "core/units.hpp"
#include "devices/measured_response.hpp"

namespace po = boost::program_options;

namespace xbarsim::apps {

namespace {

std::string siemens(double v) { return units::format(v, units::Dimension::kConductance, 6); }

// "+- x" or "n/a" for an undetermined error.
std::string plus_minus(double se, const std::string& text) {
  return std::isfinite(se) ? "+- " + text : std::string("+- n/a (the points do not determine it)");
}

}  // namespace

int fit_device_command(const std::vector<std::string>& args) {
  constexpr const char* kUsage = "usage: xbarsim fit-device --data FILE.csv --out CARD.yaml";
  po::options_description opts("fit-device options");
  opts.add_options()("help,h", "show this help")(
      "data", po::value<std::string>(),
      "measured pulse responses: header direction,pulse,conductance_<unit>, rows ltp|ltd,PULSE,G")(
      "out", po::value<std::string>(), "device card to write (must not exist)");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(opts).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("xbarsim fit-device: {} (see xbarsim fit-device --help)", e.what()));
  }
  if (vm.count("help") != 0) {
    std::cout << kUsage << "\n\n"
              << "Fits G(P) = g_min + B (1 - exp(-P / A)) per direction (NeuroSim's nonlinearity labels) to\n"
                 "measured LTP and LTD sweeps and writes a measured_response device card; the residual and\n"
                 "the fitted values' standard errors go to stdout and into the card as comments\n"
                 "(docs/devices/measured_response.md).\n\n"
              << opts;
    return 0;
  }
  if (vm.count("data") == 0)
    throw UsageError(fmt::format("xbarsim fit-device: --data FILE.csv is required ({})", kUsage));
  if (vm.count("out") == 0)
    throw UsageError(fmt::format("xbarsim fit-device: --out CARD.yaml is required ({})", kUsage));
  const std::string data_file = vm["data"].as<std::string>();
  const std::filesystem::path out = vm["out"].as<std::string>();
  std::error_code ec;
  if (std::filesystem::exists(out, ec)) {
    throw UsageError(
        fmt::format("xbarsim fit-device: {} exists (the card is not overwritten; choose another --out)", out.string()));
  }

  const devices::PulseResponseData data = devices::read_pulse_response_csv(data_file);
  const devices::PulseResponseFit f = devices::fit_pulse_response(data);
  const double range = f.g_max_S - f.g_min_S;

  const auto se_siemens = [](double v) { return units::format(v, units::Dimension::kConductance, 2); };
  const std::string se_min = plus_minus(f.se_g_min_S, se_siemens(f.se_g_min_S));
  const std::string se_max = plus_minus(f.se_g_max_S, se_siemens(f.se_g_max_S));
  const std::string se_ltp = plus_minus(f.se_nonlinearity_ltp, fmt::format("{:.2g}", f.se_nonlinearity_ltp));
  const std::string se_ltd = plus_minus(f.se_nonlinearity_ltd, fmt::format("{:.2g}", f.se_nonlinearity_ltd));
  const std::string c2c_note =
      f.steps > 0 ? fmt::format("from {} one-pulse steps", f.steps)
                  : std::string("no two points of a sweep follow each other: not estimated, set it yourself");
  const std::string residual =
      fmt::format("residual RMS {} = {:.2f} % of the range", siemens(f.rms_S), 100.0 * f.rms_fraction);

  std::string card;
  card += fmt::format("# Fitted by `xbarsim fit-device --data {}` (xbarsim {}): the nonlinearity model of\n", data_file,
                      XBARSIM_VERSION);
  card += "# Chen, Peng, Yu, IEEE TCAD 37, 3067 (2018), eqs. (8)-(10), with NeuroSim's nonlinearity labels\n";
  card += "# (docs/devices/measured_response.md).\n";
  card += fmt::format("# {} ltp and {} ltd points; {}.\n", f.points_ltp, f.points_ltd, residual);
  card += "# Standard errors: first order, for sweeps whose noise is the model's per-pulse noise.\n";
  card += "device:\n";
  card += "  impl: measured_response\n";
  card += fmt::format("  g_min: {}    # {}\n", siemens(f.g_min_S), se_min);
  card += fmt::format("  g_max: {}    # {}\n", siemens(f.g_max_S), se_max);
  card += fmt::format("  pulses_ltp: {}    # the last ltp pulse number of the data\n", f.pulses_ltp);
  card += fmt::format("  pulses_ltd: {}    # the last ltd pulse number of the data\n", f.pulses_ltd);
  card += fmt::format("  nonlinearity_ltp: {:.3f}    # {}\n", f.nonlinearity_ltp, se_ltp);
  card += fmt::format("  nonlinearity_ltd: {:.3f}    # {}\n", f.nonlinearity_ltd, se_ltd);
  card +=
      fmt::format("  cycle_to_cycle: {:.4f}    # fraction of the range per pulse, {}\n", f.cycle_to_cycle, c2c_note);
  card += "  # Not in the pulse data: your device's figures (required), e.g.\n";
  card += "  # energy_per_pulse: 60 pJ\n";
  card += "  # pulse_width: 300 us\n";
  card += "  # read_voltage: 0.5 V\n";
  card += "  # read_pulse_width: 5 ns\n";
  write_file_atomic(out, card);

  fmt::print("fit-device: {}: {} ltp and {} ltd points\n", data_file, f.points_ltp, f.points_ltd);
  fmt::print("  g_min             {}  ({})\n", siemens(f.g_min_S), se_min);
  fmt::print("  g_max             {}  ({})\n", siemens(f.g_max_S), se_max);
  fmt::print("  pulses_ltp        {}\n", f.pulses_ltp);
  fmt::print("  pulses_ltd        {}\n", f.pulses_ltd);
  fmt::print("  nonlinearity_ltp  {:.3f}  ({})\n", f.nonlinearity_ltp, se_ltp);
  fmt::print("  nonlinearity_ltd  {:.3f}  ({})\n", f.nonlinearity_ltd, se_ltd);
  fmt::print("  cycle_to_cycle    {:.4f}  ({})\n", f.cycle_to_cycle, c2c_note);
  fmt::print("  {} (range {})\n", residual, siemens(range));
  fmt::print("wrote {} (add energy_per_pulse, pulse_width, read_voltage and read_pulse_width)\n", out.string());
  return 0;
}

}  // namespace xbarsim::apps
