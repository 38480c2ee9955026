// Inference of an MLP on the simulated chip: fp32 weights (trained here or loaded from a
// weights.bin) are mapped ex situ onto the device arrays, converter ranges are calibrated on
// training images, and the test set runs through the SystemC tiles. Reports accuracy next to
// the fp32 network and to a software evaluation of the very weights the devices hold, with
// latency, throughput, area and energy per inference by component and layer.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>

#include "arch/chip.hpp"
#include "core/report.hpp"
#include "core/rng.hpp"
#include "workloads/dataset.hpp"
#include "workloads/device_aware_trainer.hpp"
#include "workloads/energy_summary.hpp"
#include "workloads/experiment.hpp"
#include "workloads/fp32_trainer.hpp"
#include "workloads/network_spec.hpp"
#include "workloads/specs.hpp"

namespace xbarsim::workloads {
namespace {

// {resource: busy fraction of the inference job} (docs/arch/timing.md).
nlohmann::json utilisation_json(const arch::InferenceReport& inf) {
  nlohmann::json u = nlohmann::json::object();
  for (const auto& [name, fraction] : inf.utilisation) u[name] = fraction;
  return u;
}

class TiledInference final : public Experiment {
 public:
  TiledInference(const Params& /*experiment*/, const ExperimentSpec& spec, const Params& root)
      : seed_(spec.seed),
        data_(DataSpec::from_params(root.child("data"))),
        network_(NetworkSpec::from_params(root.child("network"), NetworkSpec::kMayGiveWeights)),
        spec_(arch::ChipSpec::from_params(root.child("arch"), root.child("device"), network_.topology)),
        // The training section is read (and checked) even when network.weights makes it unused,
        // so that one file serves both ways.
        training_(TrainingSpec::from_params(root.child("training"), kMaxFp32BatchSize)),
        device_aware_spec_(DeviceAwareSpec::from_params(root.child("training"))),
        simulation_(SimulationSpec::from_params(root)) {
    data_.check_input_dac(root.child("data"), spec_.dac->is_signed());
    trainer_ = std::make_unique<Fp32Trainer>(training_);
    // Ex situ, device aware (docs/training/exsitu.md): training.device_aware.enabled.
    if (device_aware_spec_.enabled) {
      device_aware_ = std::make_unique<DeviceAwareTrainer>(training_, device_aware_spec_, *spec_.device,
                                                           spec_.geometry.encoding, spec_.program_options);
    }
  }

  bool has_systemc_model() const override { return true; }
  void check_inputs() const override {
    data_.check_files(static_cast<std::size_t>(network_.topology.features()));
    if (network_.has_trained_weights()) {
      Network probe(network_.topology);
      network_.load_trained(probe);
    }
  }

  nlohmann::json run(RunContext& ctx) override {
    const auto t0 = std::chrono::steady_clock::now();
    const Dataset train = data_.load("train");
    const Dataset test = data_.load("t10k");
    network_.check_matches(train);
    network_.check_matches(test);
    ctx.data = data_.record(train, test);

    // 1. The fp32 network whose weights are mapped.
    Network net(network_.topology);
    nlohmann::json device_aware_json;
    if (device_aware_ != nullptr) {
      // Device-aware training, from network.weights or network.onnx when given (fine-tuning),
      // else from He init.
      Rng init_rng(seed_, 0);
      Rng shuffle_rng(seed_, 1);
      if (network_.has_trained_weights()) {
        network_.load_trained(net);
      } else {
        net.init_he(init_rng);
      }
      device_aware_->train(net, train, test, seed_, shuffle_rng, ctx, [&](const EpochResult& r) {
        if (ctx.log != nullptr) {
          fmt::print(ctx.log, "device-aware epoch {:>3}/{}: quantized test accuracy {:.2f} %\n", r.epoch,
                     device_aware_->epochs(), r.test_accuracy_pct);
        }
      });
      device_aware_json = {{"software_quantized_accuracy_pct", evaluate_accuracy(net, test)},
                           {"latent_fp32_accuracy_pct", device_aware_->latent_accuracy_pct()},
                           {"levels", device_aware_->levels().values()},
                           {"layer_scales", device_aware_->scales()},
                           {"noise_scale", device_aware_->noise_scale()},
                           {"epochs", device_aware_->epochs()}};
    } else if (network_.has_trained_weights()) {
      network_.load_trained(net);
    } else {
      Rng init_rng(seed_, 0);
      Rng shuffle_rng(seed_, 1);
      net.init_he(init_rng);
      trainer_->train(net, train, test, shuffle_rng, ctx, [&](const EpochResult& r) {
        if (ctx.log != nullptr) {
          fmt::print(ctx.log, "fp32 epoch {:>3}/{}: test accuracy {:.2f} %\n", r.epoch, trainer_->epochs(),
                     r.test_accuracy_pct);
        }
      });
    }
    const double fp32_accuracy =
        device_aware_ != nullptr ? device_aware_->latent_accuracy_pct() : evaluate_accuracy(net, test);
    const auto t_fp32 = std::chrono::steady_clock::now();

    // 2. The chip: program, calibrate, infer.
    arch::Chip chip(spec_, ctx.ledger, seed_);
    if (!ctx.trace_file.empty()) chip.trace_to(ctx.trace_file.string());
    chip.declare_area();
    const arch::ProgramReport prog = chip.program(net.weights(), net.biases());
    const auto n_cal = std::min<std::size_t>(static_cast<std::size_t>(spec_.calibration_images), train.count);
    const Eigen::MatrixXf cal = Eigen::Map<const Eigen::MatrixXf>(
        train.image(0), static_cast<Eigen::Index>(train.features), static_cast<Eigen::Index>(n_cal));
    // Right after programming (reference_read_time): the converter calibration with
    // calibrate_at: programming, and the drift-compensation reference; at inference time
    // (read_time_after_programming): the compensation readout, then the calibration with
    // calibrate_at: inference (which then sees compensated activations).
    const bool gdc = spec_.drift_compensation != arch::ChipSpec::DriftCompensation::kNone;
    if (spec_.calibrate_at_programming) chip.calibrate(cal, simulation_.batch_images);
    if (gdc) {
      chip.read_drift_reference();
      chip.compensate_drift();
    }
    if (!spec_.calibrate_at_programming) chip.calibrate(cal, simulation_.batch_images);
    const Eigen::MatrixXf images = Eigen::Map<const Eigen::MatrixXf>(
        test.image(0), static_cast<Eigen::Index>(test.features), static_cast<Eigen::Index>(test.count));
    const auto t_setup = std::chrono::steady_clock::now();
    ctx.progress->start("inference", test.count);
    const arch::InferenceReport inf = chip.infer(images, simulation_.batch_images, ctx.progress);
    ctx.progress->finish();
    const auto t_inf = std::chrono::steady_clock::now();
    const double hw_accuracy = accuracy_of(inf.logits, test);

    // Software evaluation of the weights the devices hold (same quantization and noise).
    Network held(network_.topology);
    held.weights() = chip.held_weights();
    held.biases() = net.biases();
    const double held_accuracy = evaluate_accuracy(held, test);

    // 3. Leakage of the buffer over the simulated inference time.
    const double seconds = static_cast<double>(inf.total_cycles) / spec_.clock;
    const auto leak = ctx.ledger.declare("inference/leakage", "buffer_leakage_ns", spec_.buffer->leakage_power() * 1e-9,
                                         spec_.buffer->leakage_per_bit().source + " x capacity x 1 ns");
    ctx.ledger.add(leak, static_cast<std::uint64_t>(std::llround(seconds * 1e9)));

    // 4. Report.
    const double n = static_cast<double>(test.count);
    const EnergyBreakdown e_inf = breakdown(ctx.ledger, arch::name(arch::Phase::kInference));
    const EnergyBreakdown e_prog = breakdown(ctx.ledger, arch::name(arch::Phase::kProgramming));
    // The ex-situ write: its split adds up to the programming phase's total (every row of the
    // phase is a device pulse, a verify read's device, DAC, ADC or array energy, or line charging).
    const std::string phase_programming(arch::name(arch::Phase::kProgramming));
    const ProgrammingSplit split = programming_split(ctx.ledger, phase_programming);
    const EnergyBreakdown e_cal = breakdown(ctx.ledger, arch::name(arch::Phase::kCalibration));
    const double macs = network_.topology.macs();
    const double e_per_inf_J = e_inf.total_pJ / n * 1e-12;
    const double throughput = n / seconds;
    const double area_mm2 = ctx.ledger.area_m2() * 1e6;
    nlohmann::json area_by = nlohmann::json::object();
    for (const auto& a : ctx.ledger.area_rows()) {
      area_by[a.component.substr(a.component.rfind('/') + 1)] =
          area_by.value(a.component.substr(a.component.rfind('/') + 1), 0.0) + a.area_m2() * 1e12;
    }
    nlohmann::json summary = {{"test_accuracy_pct", hw_accuracy},
                              {"latency_per_inference_cycles", inf.latency_cycles},
                              {"latency_per_inference_ns", static_cast<double>(inf.latency_cycles) / spec_.clock * 1e9},
                              {"throughput_inferences_per_s", throughput},
                              {"energy_per_inference_pJ", breakdown_json(e_inf, n)},
                              {"programming_energy_pJ", e_prog.total_pJ},
                              {"programming_energy_split_pJ", programming_split_json(split, phase_programming)},
                              {"area_um2", {{"total", ctx.ledger.area_m2() * 1e12}, {"by_component", area_by}}},
                              {"tops_per_w", 2.0 * macs / e_per_inf_J / 1e12},
                              {"tops_per_mm2", 2.0 * macs * throughput / 1e12 / area_mm2}};
    nlohmann::json layers = nlohmann::json::array();
    for (std::size_t l = 0; l < chip.layers().size(); ++l) {
      const auto& lh = chip.layers()[l];
      layers.push_back({{"inputs", lh.mapping.inputs},
                        {"outputs", lh.mapping.outputs},
                        {"row_tiles", lh.mapping.row_tiles},
                        {"col_tiles", lh.mapping.col_tiles},
                        {"stage_cycles_per_image", inf.stage_cycles[l]},
                        {"bottleneck", inf.bottleneck[l]},
                        {"adc_range_A", lh.adc->input_max()},
                        {"input_full_scale", lh.input_full_scale},
                        {"weight_scale", lh.weight_scale}});
      // Convolutional networks: what each layer is, its windows per image, its weight copies and
      // its buffer reads per image with window reuse (docs/arch/conv.md).
      if (network_.topology.has_conv()) {
        layers.back()["layer"] = lh.shape.describe();
        layers.back()["windows"] = lh.shape.windows();
        layers.back()["copies"] = lh.copies;
        layers.back()["buffer_reads_per_image"] = lh.shape.buffer_reads();
      }
    }
    nlohmann::json result = {
        {"summary", summary},
        {"accuracy_pct",
         {{"hardware", hw_accuracy}, {"software_same_weights", held_accuracy}, {"fp32", fp32_accuracy}}},
        {"chip",
         {{"tiles", chip.tile_count()},
          {"adcs", chip.adc_count()},
          {"array",
           {{"rows", spec_.geometry.rows},
            {"cols", spec_.geometry.cols},
            {"encoding", spec_.geometry.encoding == arch::WeightEncoding::kDifferential ? "differential" : "offset"},
            {"mux_ratio", spec_.geometry.mux_ratio}}},
          {"device", std::string(spec_.device->name())},
          {"adc_energy_source", spec_.adc->energy_per_conversion().source},
          {"layers", layers}}},
        {"timing",
         {{"clock_hz", spec_.clock},
          {"images", test.count},
          {"total_cycles", inf.total_cycles},
          {"simulated_time_s", seconds},
          {"latency_per_inference_cycles", inf.latency_cycles},
          {"array_read",
           {{"read_pulse_ns", spec_.read_pulse * 1e9},
            {"settling_ns", spec_.settling_time() * 1e9},
            {"read_ns", spec_.read_time() * 1e9},
            {"read_cycles", spec_.read_cycles()}}},
          {"utilisation", utilisation_json(inf)}}},
        {"programming",
         {{"program_events", prog.tally.program_events},
          {"pulses", prog.tally.pulses},
          {"verify_reads", prog.tally.verify_reads},
          {"unconverged", prog.tally.unconverged},
          {"energy_pJ", e_prog.total_pJ},
          {"time_s", prog.time_s},
          {"energy_by_component_pJ", breakdown_json(e_prog, 1.0)["by_component"]}}},
        {"calibration", {{"images", n_cal}, {"energy_pJ", e_cal.total_pJ}}},
        {"energy_per_inference_pJ", breakdown_json(e_inf, n)}};
    ctx.wallclock["fp32_s"] = std::chrono::duration<double>(t_fp32 - t0).count();
    ctx.wallclock["program_and_calibrate_s"] = std::chrono::duration<double>(t_setup - t_fp32).count();
    ctx.wallclock["inference_s"] = std::chrono::duration<double>(t_inf - t_setup).count();
    // The imported model (network.onnx); absent otherwise, so other reports keep their bytes.
    if (const nlohmann::json source = network_.record(); !source.is_null()) result["network"] = source;
    if (gdc || spec_.calibrate_at_programming) result["drift_compensation"] = drift_json(chip, ctx.ledger, n);
    if (device_aware_ != nullptr) {
      // The fp32 entry is then the latent (unquantized) weights of device-aware training.
      result["device_aware"] = device_aware_json;
      result["accuracy_pct"]["device_aware_software"] = device_aware_json["software_quantized_accuracy_pct"];
      if (ctx.log != nullptr) {
        fmt::print(ctx.log, "device-aware software accuracy (quantized, before programming): {:.2f} %\n",
                   device_aware_json["software_quantized_accuracy_pct"].get<double>());
      }
    }
    if (ctx.log != nullptr) print_summary(ctx.log, result, e_inf, n);
    return result;
  }

 private:
  // Drift compensation and calibration timing: mode, times, the readouts' energy (their own
  // phases) and time, the scales per layer and tile, and the per-inference energy of the
  // per-tile scale multiplies (inside the inference phase's "drift_scale" component).
  nlohmann::json drift_json(const arch::Chip& chip, const Ledger& ledger, double images) const {
    using Mode = arch::ChipSpec::DriftCompensation;
    const Mode mode = spec_.drift_compensation;
    nlohmann::json j = {{"mode", mode == Mode::kNone      ? "none"
                                 : mode == Mode::kPerTile ? "global"
                                                          : "global_per_layer"},
                        {"reference_read_time_s", spec_.reference_read_time},
                        {"read_time_s", spec_.time_since_programming},
                        {"calibrate_at", spec_.calibrate_at_programming ? "programming" : "inference"}};
    if (mode == Mode::kNone) return j;
    const arch::DriftReport& d = chip.drift_report();
    nlohmann::json per_layer = nlohmann::json::array();
    double lo = 1e300, hi = 0.0, sum = 0.0, ref = 0.0, now = 0.0;
    for (std::size_t l = 0; l < chip.layers().size(); ++l) {
      nlohmann::json tiles = nlohmann::json::array();
      for (std::size_t k = 0; k < chip.layers()[l].tiles.size(); ++k) {
        const std::size_t i = chip.tile_index(l, k);
        tiles.push_back(d.scale[i]);
        lo = std::min(lo, d.scale[i]);
        hi = std::max(hi, d.scale[i]);
        sum += d.scale[i];
        ref += d.reference[i];
        now += d.now[i];
      }
      per_layer.push_back(tiles);
    }
    const auto tiles = static_cast<double>(d.scale.size());
    double multiply_pJ = 0.0;
    for (const auto& r : ledger.energy_rows()) {
      if (component_under(r.action->component, arch::name(arch::Phase::kInference)) &&
          r.action->component.ends_with("/drift_scale")) {
        multiply_pJ += r.energy_J() * 1e12;
      }
    }
    j["scale"] = {{"per_layer_tiles", per_layer},
                  {"min", lo},
                  {"max", hi},
                  {"mean", sum / tiles},
                  {"chip_readout_ratio", now > 0.0 ? ref / now : 1.0}};
    j["readout"] = {{"adc_range_A", spec_.drift_adc->input_max()},
                    {"reference_energy_pJ", breakdown(ledger, arch::name(arch::Phase::kDriftReference)).total_pJ},
                    {"compensation_energy_pJ", breakdown(ledger, arch::name(arch::Phase::kDriftCompensation)).total_pJ},
                    {"reference_time_s", d.reference_time_s},
                    {"compensation_time_s", d.now_time_s},
                    {"reference_energy_by_component_pJ",
                     breakdown_json(breakdown(ledger, arch::name(arch::Phase::kDriftReference)), 1.0)["by_component"]}};
    j["scale_multiply_energy_per_inference_pJ"] = multiply_pJ / images;
    return j;
  }

  void print_summary(std::FILE* out, const nlohmann::json& r, const EnergyBreakdown& e, double n) const {
    const auto& s = r["summary"];
    fmt::print(out, "\naccuracy: hardware {:.2f} %, software on the held weights {:.2f} %, fp32 {:.2f} %\n",
               r["accuracy_pct"]["hardware"].get<double>(), r["accuracy_pct"]["software_same_weights"].get<double>(),
               r["accuracy_pct"]["fp32"].get<double>());
    fmt::print(out, "chip: {} tiles of {}x{} ({}), {} ADCs, area {:.4g} um^2\n", r["chip"]["tiles"].get<int>(),
               spec_.geometry.rows, spec_.geometry.cols, r["chip"]["array"]["encoding"].get<std::string>(),
               r["chip"]["adcs"].get<int>(), s["area_um2"]["total"].get<double>());
    fmt::print(out, "latency {} cycles ({:.1f} ns) per inference; throughput {:.4g} inferences/s\n",
               s["latency_per_inference_cycles"].get<long long>(), s["latency_per_inference_ns"].get<double>(),
               s["throughput_inferences_per_s"].get<double>());
    fmt::print(out, "energy per inference: {:.4g} pJ ({:.3g} TOPS/W)\n", e.total_pJ / n, s["tops_per_w"].get<double>());
    fmt::print(out, "  {:<12} {:>14} {:>7}\n", "component", "pJ/inference", "share");
    for (const auto& [k, v] : e.by_component_pJ) {
      fmt::print(out, "  {:<12} {:>14.4g} {:>6.1f}%\n", k, v / n, e.total_pJ > 0 ? 100.0 * v / e.total_pJ : 0.0);
    }
    fmt::print(
        out, "programming (ex situ): {} events, {} pulses, {} verify reads, {} unconverged, {:.4g} pJ, {:.4g} s\n",
        r["programming"]["program_events"].get<std::uint64_t>(), r["programming"]["pulses"].get<std::uint64_t>(),
        r["programming"]["verify_reads"].get<std::uint64_t>(), r["programming"]["unconverged"].get<std::uint64_t>(),
        r["programming"]["energy_pJ"].get<double>(), r["programming"]["time_s"].get<double>());
    if (r.contains("drift_compensation")) {
      const auto& d = r["drift_compensation"];
      fmt::print(out, "read at {:g} s after programming; calibration at {}; drift compensation {}",
                 d["read_time_s"].get<double>(), d["calibrate_at"].get<std::string>(), d["mode"].get<std::string>());
      if (d.contains("scale")) {
        fmt::print(out,
                   ": scales {:.4f}..{:.4f} (mean {:.4f}), readouts {:.4g} pJ (reference at {:g} s) + {:.4g} pJ, "
                   "scale multiplies {:.4g} pJ/inference",
                   d["scale"]["min"].get<double>(), d["scale"]["max"].get<double>(), d["scale"]["mean"].get<double>(),
                   d["readout"]["reference_energy_pJ"].get<double>(), d["reference_read_time_s"].get<double>(),
                   d["readout"]["compensation_energy_pJ"].get<double>(),
                   d["scale_multiply_energy_per_inference_pJ"].get<double>());
      }
      fmt::print(out, "\n");
    }
  }

  std::uint64_t seed_;
  DataSpec data_;
  NetworkSpec network_;
  arch::ChipSpec spec_;
  TrainingSpec training_;
  DeviceAwareSpec device_aware_spec_;
  SimulationSpec simulation_;
  std::unique_ptr<Fp32Trainer> trainer_;
  std::unique_ptr<DeviceAwareTrainer> device_aware_;
};

}  // namespace

XBARSIM_REGISTER(ExperimentRegistry, "tiled_inference", TiledInference)

}  // namespace xbarsim::workloads
