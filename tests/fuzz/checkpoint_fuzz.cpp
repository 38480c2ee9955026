// Fuzz target: the checkpoint reader of `xbarsim run --resume`: the envelope
// (core/checkpoint_file.cpp: magic, version, lengths, CRC-32, configuration) and the in-situ
// payload behind it (workloads/insitu_checkpoint.cpp: counters, timeline, random streams, the
// update rule's and Adam's state, biases, the chip's cells, the ledger, the epoch records),
// restored into the state of a small in-situ run (16-8-4 network on 16 x 16 tiles of 5-state
// domain-wall synapses, latent-STE rule with Adam).
//
// The first byte picks what the rest is: even, a whole checkpoint file; odd, a payload that the
// target wraps in a valid envelope (right configuration, right CRC), so that mutations reach the
// payload parser instead of stopping at the checksum. Accepted outcomes: a restored state, or
// DataError. Start-up checks that a checkpoint of the fresh state loads (else the target would
// fuzz nothing but refusals) and, with XBARSIM_FUZZ_SEEDS set, writes it there in both forms.
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "arch/chip.hpp"
#include "core/checkpoint_file.hpp"
#include "core/error.hpp"
#include "core/params.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "workloads/insitu_checkpoint.hpp"
#include "workloads/specs.hpp"
#include "workloads/update_rule.hpp"

namespace {

using namespace xbarsim;

const std::vector<int> kWidths = {16, 8, 4};
constexpr int kEpochs = 3;

std::string config_text() {
  return "device: {include: " XBARSIM_SOURCE_DIR
         "/configs/devices/dw_5state.yaml}\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: 16, cols: 16, cell_area_F2: 40}\n"
         "  dac: {impl: bit_serial, bits: 4, signed: false, read_pulse: 10 ns}\n"
         "  backward_dac: {impl: bit_serial, bits: 4, signed: true, read_pulse: 10 ns}\n"
         "  accumulator: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  adc: {impl: sar, bits: 6, mux_ratio: 8, signed: true}\n"
         "  shift_add: {impl: digital, bits: 24}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
         "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  calibration_images: 16\n"
         "training:\n"
         "  epochs: 3\n"
         "  batch_size: 4\n"
         "  optimizer: {impl: adam, learning_rate: 0.01}\n"
         "  update: {impl: latent_ste, margin: 0.1, on_miss: retry, max_attempts: 3, scale: fixed}\n";
}

// The run's state, built once (SystemC elaborates a chip once per process).
struct RunState {
  explicit RunState(const std::filesystem::path& config_file)
      : root(Params::from_file(config_file)),
        spec(arch::ChipSpec::from_params(root.child("arch"), root.child("device"), kWidths)),
        chip(spec, ledger, 1),
        training(workloads::TrainingSpec::from_params(root.child("training"), 32)),
        insitu(workloads::InsituTrainingSpec::from_params(root.child("training"))),
        rule(workloads::UpdateRuleRegistry::instance().create(insitu.update, spec, training.optimizer)),
        bias_optimizer(training.make_optimizer()),
        view{shuffle_rng, rule_rng, *rule, *bias_optimizer, biases, chip, ledger} {
    chip.declare_area();
    chip.declare_phases({arch::Phase::kProgramming, arch::Phase::kForward, arch::Phase::kBackward, arch::Phase::kUpdate,
                         arch::Phase::kInference});
    std::vector<float> scales(kWidths.size() - 1, 1.0F);
    for (std::size_t l = 0; l + 1 < kWidths.size(); ++l) biases.push_back(Eigen::VectorXf::Zero(kWidths[l + 1]));
    Rng init(1, 0);
    std::vector<Eigen::MatrixXf> w;
    rule->initialize(kWidths, init, w);
    rule->update_scales(scales);
    chip.set_scales_and_biases(scales, biases);
    chip.write_weights(w, arch::Phase::kProgramming, false, devices::ProgramOptions{});
  }
  Params root;
  arch::ChipSpec spec;
  Ledger ledger;
  arch::Chip chip;
  workloads::TrainingSpec training;
  workloads::InsituTrainingSpec insitu;
  std::unique_ptr<workloads::UpdateRule> rule;
  std::unique_ptr<workloads::Optimizer> bias_optimizer;
  std::vector<Eigen::VectorXf> biases;
  Rng shuffle_rng{1, 1};
  Rng rule_rng{1, 2};
  workloads::InsituState view;
};

std::filesystem::path config_file() { return fuzz::scratch_dir() / "config.resolved.yaml"; }

RunState& run_state() {
  static RunState* state = [] {
    const std::string text = config_text();
    fuzz::write_bytes(config_file(), reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
    return new RunState(config_file());  // lives to the end of the process (SystemC owns modules)
  }();
  return *state;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  RunState& s = run_state();
  workloads::InsituProgress progress;
  progress.epoch = 1;
  progress.epochs.push_back({{"epoch", 1}, {"test_accuracy", 0.5}});
  const std::filesystem::path file = fuzz::scratch_dir() / "seed.bin";
  workloads::save_insitu_checkpoint(file, progress, s.view, config_text());
  const workloads::InsituProgress loaded =
      workloads::load_insitu_checkpoint(file, s.view, config_text(), config_file(), kEpochs);
  if (loaded.epoch != 1 || loaded.epochs != progress.epochs) std::abort();
  if (const auto dir = fuzz::seed_dir(); !dir.empty()) {
    std::string whole;
    {
      std::ifstream in(file, std::ios::binary);
      whole.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::string payload = read_checkpoint_file(file, config_text(), config_file());
    std::ofstream(dir / "seed_file.bin", std::ios::binary) << '\0' << whole;
    std::ofstream(dir / "seed_payload.bin", std::ios::binary) << '\1' << payload;
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  RunState& s = run_state();
  const std::filesystem::path file = fuzz::scratch_dir() / "checkpoint.bin";
  if (data[0] % 2 == 0) {
    fuzz::write_bytes(file, data + 1, size - 1);
  } else {
    write_checkpoint_file(file, config_text(), std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  }
  (void)fuzz::as_the_cli_would(
      [&] { (void)workloads::load_insitu_checkpoint(file, s.view, config_text(), config_file(), kEpochs); });
  return 0;
}
