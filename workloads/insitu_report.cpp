#include "workloads/insitu_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "arch/phase.hpp"
#include "workloads/energy_summary.hpp"

namespace xbarsim::workloads {

double training_energy_pJ(const Ledger& ledger) {
  return (ledger.energy_J(arch::name(arch::Phase::kForward)) + ledger.energy_J(arch::name(arch::Phase::kBackward)) +
          ledger.energy_J(arch::name(arch::Phase::kUpdate))) *
         1e12;
}

double update_programming_pJ(const Ledger& ledger) {
  EnergyBreakdown b = breakdown(ledger, arch::name(arch::Phase::kUpdate));
  return b.by_component_pJ["cells"] + b.by_component_pJ["write_driver"];
}

std::vector<std::string> insitu_epoch_columns() {
  return {"epoch",
          "learning_rate",
          "train_loss",
          "train_accuracy_pct",
          "test_accuracy_pct",
          "program_events",
          "pulses",
          "programming_energy_pJ",
          "training_energy_pJ",
          "simulated_time_s",
          "wall_time_s"};
}

std::vector<std::string> insitu_epoch_row(const nlohmann::json& e) {
  return {std::to_string(e["epoch"].get<int>()),
          fmt::format("{:.6g}", e["learning_rate"].get<double>()),
          fmt::format("{:.6f}", e["train_loss"].get<double>()),
          fmt::format("{:.3f}", e["train_accuracy_pct"].get<double>()),
          fmt::format("{:.3f}", e["test_accuracy_pct"].get<double>()),
          std::to_string(e["program_events"].get<std::uint64_t>()),
          std::to_string(e["pulses"].get<std::uint64_t>()),
          fmt::format("{:.6g}", e["programming_energy_pJ"].get<double>()),
          fmt::format("{:.6g}", e["training_energy_pJ"].get<double>()),
          fmt::format("{:.6g}", e["simulated_time_s"].get<double>()),
          fmt::format("{:.3f}", e.value("wall_time_s", 0.0))};
}

namespace {

// Busy fraction of every resource over the run's simulated time (docs/arch/timing.md): the
// timeline's resources from their busy server-cycles in the forward and backward jobs, the
// accumulator port from its traffic, the write drivers from the programming (initial write,
// pulses, verify reads); and per layer the busiest of its tiles, its adders and the shared ones.
nlohmann::json utilisation_json(const TrainingTime& t, double clock_hz) {
  const double run_s = t.total();
  auto fraction = [run_s](double busy_s, int servers) { return run_s > 0.0 ? busy_s / (servers * run_s) : 0.0; };
  std::vector<arch::ResourceUse> shared;  // used by every layer (busy in seconds)
  std::vector<std::vector<arch::ResourceUse>> own;
  for (const arch::ResourceUse& u : t.busy) {
    arch::ResourceUse s = u;
    s.busy = u.busy / clock_hz;
    if (u.layer < 0) {
      shared.push_back(s);
    } else {
      own.resize(std::max(own.size(), static_cast<std::size_t>(u.layer) + 1));
      own[static_cast<std::size_t>(u.layer)].push_back(s);
    }
  }
  shared.push_back({"accumulator", 1, -1, t.accumulator_s});
  shared.push_back({"write_drivers", 1, -1, t.initial_write_s + t.programming_s + t.verify_s});
  nlohmann::json util = nlohmann::json::object();
  for (const auto& list : own) {
    for (const arch::ResourceUse& u : list) util[u.name] = fraction(u.busy, u.servers);
  }
  for (const arch::ResourceUse& u : shared) util[u.name] = fraction(u.busy, u.servers);
  nlohmann::json bottleneck = nlohmann::json::array();
  for (const auto& list : own) {
    const arch::ResourceUse* best = nullptr;
    for (const std::vector<arch::ResourceUse>* group : {&list, &std::as_const(shared)}) {
      for (const arch::ResourceUse& u : *group) {
        if (best == nullptr || fraction(u.busy, u.servers) > fraction(best->busy, best->servers)) best = &u;
      }
    }
    bottleneck.push_back(best->name);
  }
  return {{"utilisation", util}, {"bottleneck", bottleneck}};
}

}  // namespace

nlohmann::json insitu_results(const InsituOutcome& o, const Ledger& ledger) {
  const double images_trained = static_cast<double>(o.train_images) * o.epochs;
  const double inferences = static_cast<double>(o.test_images) * o.epochs;
  EnergyBreakdown per_train;
  for (const arch::Phase phase : {arch::Phase::kForward, arch::Phase::kBackward, arch::Phase::kUpdate}) {
    const EnergyBreakdown b = breakdown(ledger, arch::name(phase));
    per_train.total_pJ += b.total_pJ;
    for (const auto& [k, v] : b.by_component_pJ) per_train.by_component_pJ[k] += v;
    for (const auto& [k, v] : b.by_layer_pJ) per_train.by_layer_pJ[k] += v;
  }
  const EnergyBreakdown upd = breakdown(ledger, arch::name(arch::Phase::kUpdate));
  const double programming_pJ = upd.by_component_pJ.count("cells") ? upd.by_component_pJ.at("cells") : 0.0;
  const double driver_pJ = upd.by_component_pJ.count("write_driver") ? upd.by_component_pJ.at("write_driver") : 0.0;
  const EnergyBreakdown inf = breakdown(ledger, arch::name(arch::Phase::kInference));
  // The update phase's device rows, straight from the ledger: pulses of every width (GXNOR
  // chooses widths, so there may be several pulse actions) and verify reads.
  const ProgrammingSplit upd_split = programming_split(ledger, arch::name(arch::Phase::kUpdate));
  const std::uint64_t ledger_pulses = upd_split.pulses;
  const std::uint64_t verify_reads = upd_split.verify_reads;
  const double pulse_pJ = upd_split.device_pulses_pJ;
  const double verify_pJ = upd_split.verify_reads_device_pJ;
  nlohmann::json area_by = nlohmann::json::object();
  for (const auto& a : ledger.area_rows()) {
    const std::string k = a.component.substr(a.component.rfind('/') + 1);
    area_by[k] = area_by.value(k, 0.0) + a.area_m2() * 1e12;
  }
  // Programming in the update phase, split: device pulses, verify reads (the device's read and
  // the DAC drive, ADC conversion and array current that perform it), write-driver line charging.
  nlohmann::json split = programming_split_json(upd_split, arch::name(arch::Phase::kUpdate));
  split["definition"] = split["definition"].get<std::string>() +
                        "; programming_energy_pJ = device_pulses + verify_reads_device + write_driver_line_charge";
  const double e_inf_J = inferences > 0.0 ? inf.total_pJ / inferences * 1e-12 : 0.0;
  const double area_mm2 = ledger.area_m2() * 1e6;
  // Simulated time per training image by what spends it (the initial write is the run's, not an
  // image's: it is in the total only).
  const TrainingTime& t = o.time;
  const nlohmann::json util = utilisation_json(t, o.clock_hz);
  const double per_image_s = (t.total() - t.initial_write_s) / images_trained;
  const nlohmann::json time_per_image = {
      {"total", per_image_s},
      {"forward", t.forward_s / images_trained},
      {"backward", t.backward_s / images_trained},
      {"accumulator", t.accumulator_s / images_trained},
      {"programming", t.programming_s / images_trained},
      {"verify", t.verify_s / images_trained},
      {"definition",
       "simulated s per training image: forward and backward jobs (the chip's timeline), the accumulator's reads and "
       "write-backs of latent weights and optimizer state (one port), the update's programming time (the slowest "
       "tile's) split into device pulses and verify reads by their serial device time; total = the sum"}};
  nlohmann::json summary = {
      {"test_accuracy_pct", o.test_accuracy_pct},
      {"software_same_weights_accuracy_pct", o.held_accuracy_pct},
      {"latency_per_inference_cycles", o.inference_latency_cycles},
      {"latency_per_inference_ns", static_cast<double>(o.inference_latency_cycles) / o.clock_hz * 1e9},
      {"energy_per_inference_pJ", breakdown_json(inf, inferences)},
      {"energy_per_training_image_pJ", breakdown_json(per_train, images_trained)},
      {"programming_energy_pJ", programming_pJ + driver_pJ},
      {"programming_energy_split_pJ", split},
      {"time_per_training_image_s", time_per_image},
      {"throughput_inferences_per_s", o.throughput_inferences_per_s},
      {"tops_per_w", e_inf_J > 0.0 ? 2.0 * o.macs_per_inference / e_inf_J / 1e12 : 0.0},
      {"tops_per_mm2",
       area_mm2 > 0.0 ? 2.0 * o.macs_per_inference * o.throughput_inferences_per_s / 1e12 / area_mm2 : 0.0},
      {"area_um2", {{"total", ledger.area_m2() * 1e12}, {"by_component", area_by}}}};
  nlohmann::json programming = {
      {"program_events", o.program_events},
      {"pulses", o.pulses},
      {"device_energy_pJ", programming_pJ},
      {"pulse_energy_pJ", pulse_pJ},
      {"mean_energy_per_pulse_pJ", ledger_pulses > 0 ? pulse_pJ / static_cast<double>(ledger_pulses) : 0.0},
      {"verify_reads", verify_reads},
      {"verify_energy_pJ", verify_pJ},
      {"write_driver_energy_pJ", driver_pJ},
      {"per_training_image_pJ", (programming_pJ + driver_pJ) / images_trained},
      {"per_test_inference_pJ", (programming_pJ + driver_pJ) / static_cast<double>(o.test_images)},
      {"derivation",
       fmt::format("{} pulses x {:.6g} pJ (mean per pulse) = {:.6g} pJ, + {} verify reads = {:.6g} pJ, + write-driver "
                   "line charging {:.6g} pJ = {:.6g} pJ; per training image: / ({} images x {} epochs); per "
                   "inference: / {} test images",
                   ledger_pulses, ledger_pulses > 0 ? pulse_pJ / static_cast<double>(ledger_pulses) : 0.0, pulse_pJ,
                   verify_reads, verify_pJ, driver_pJ, programming_pJ + driver_pJ, o.train_images, o.epochs,
                   o.test_images)},
      {"initial_write_pJ", breakdown(ledger, arch::name(arch::Phase::kProgramming)).total_pJ}};
  return {{"summary", summary},
          {"epochs", o.epoch_records},
          {"programming", programming},
          {"energy_per_training_image_pJ", breakdown_json(per_train, images_trained)},
          {"energy_by_phase_pJ",
           {{"programming", breakdown(ledger, arch::name(arch::Phase::kProgramming)).total_pJ},
            {"forward", breakdown(ledger, arch::name(arch::Phase::kForward)).total_pJ},
            {"backward", breakdown(ledger, arch::name(arch::Phase::kBackward)).total_pJ},
            {"update", upd.total_pJ},
            {"inference", inf.total_pJ}}},
          {"timing",
           {{"clock_hz", o.clock_hz},
            {"simulated_training_time_s", t.total()},
            {"simulated_time_split_s",
             {{"initial_write", t.initial_write_s},
              {"forward", t.forward_s},
              {"backward", t.backward_s},
              {"accumulator", t.accumulator_s},
              {"programming", t.programming_s},
              {"verify", t.verify_s}}},
            {"utilisation", util["utilisation"]},
            {"bottleneck", util["bottleneck"]}}},
          {"chip", {{"tiles", o.tiles}, {"adcs", o.adcs}, {"device", o.device}}}};
}

void print_insitu_summary(std::FILE* out, const InsituOutcome& o, const nlohmann::json& r) {
  const nlohmann::json& p = r["programming"];
  fmt::print(out, "\nin-situ {} on {} tiles: test accuracy {:.2f} % (software on the held weights {:.2f} %)\n",
             o.device, o.tiles, o.test_accuracy_pct, o.held_accuracy_pct);
  fmt::print(
      out,
      "programming: {} events, {} pulses, {:.6g} pJ ({:.4g} pJ per training image, {:.4g} pJ per test inference)\n",
      o.program_events, o.pulses, r["summary"]["programming_energy_pJ"].get<double>(),
      p["per_training_image_pJ"].get<double>(), p["per_test_inference_pJ"].get<double>());
  fmt::print(out, "energy per training image {:.6g} pJ; per inference {:.6g} pJ\n",
             r["energy_per_training_image_pJ"]["total"].get<double>(),
             r["summary"]["energy_per_inference_pJ"]["total"].get<double>());
}

}  // namespace xbarsim::workloads
