// Write-bound programming (docs/arch/timing.md, "Programming"): an in-situ pulse update of a
// known set of pulses through write drivers shared by columns takes the time of its steps, each
// as long as its slowest cell, derived here by hand; with one cell at a time it is the serial sum.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "arch/chip.hpp"
#include "core/params.hpp"
#include "sim_support.hpp"

namespace xbarsim {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace write_bound_sim {
namespace {

// One layer 128 -> 64 on one 128 x 128 tile of PCM pairs (100 ns SET pulses, 10 ns verify
// reads), its write drivers `parallel_rows` rows by `parallel_columns` column drivers.
std::string chip_yaml(int parallel_rows, int parallel_columns) {
  return "device: {impl: pcm, pulse_width: 100 ns, read_pulse_width: 10 ns}\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: 128, cols: 128, cell_area_F2: 40}\n"
         "  dac: {impl: bit_serial, bits: 4, signed: false, read_pulse: 10 ns}\n"
         "  backward_dac: {impl: bit_serial, bits: 4, signed: true, read_pulse: 10 ns}\n"
         "  accumulator: {impl: sram, word_bits: 16, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  adc: {impl: sar, bits: 6, mux_ratio: 8, signed: true}\n"
         "  shift_add: {impl: digital, bits: 24}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V, parallel_rows: " +
         std::to_string(parallel_rows) + ", parallel_columns: " + std::to_string(parallel_columns) +
         "}\n"
         "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n";
}

struct PulseChip {
  PulseChip(int parallel_rows, int parallel_columns, const char* name)
      : root(Params::from_string(chip_yaml(parallel_rows, parallel_columns), std::string(name) + ".yaml")),
        spec(arch::ChipSpec::from_params(root.child("arch"), root.child("device"), simtest::kTrainWidths)),
        chip(spec, ledger, 5, name) {
    chip.declare_phases({arch::Phase::kProgramming, arch::Phase::kUpdate});
  }
  Params root;
  arch::ChipSpec spec;
  Ledger ledger;
  arch::Chip chip;
};

// The update: in rows 0..7, device columns 0, 32, 64 and 96 (column d x 32) get (r + 1)(d + 1)
// pulses; device column 1 of row 0 gets 3; the rule read 5 cells back. Cells are addressed
// column-major, index = column x 128 + row.
arch::CellBatch known_pulses() {
  arch::CellBatch b;
  for (int r = 0; r < 8; ++r) {
    for (int d = 0; d < 4; ++d) {
      b.index.push_back(static_cast<std::uint32_t>(d * 32 * 128 + r));
      b.pulses.push_back(static_cast<std::uint16_t>((r + 1) * (d + 1)));
    }
  }
  b.index.push_back(128);  // column 1, row 0
  b.pulses.push_back(3);
  b.verify_reads = 5;
  return b;
}

TEST(WriteBound, SharedColumnDriversTakeTheirStepsOneAfterAnother) {
  // Every chip of the process is built before the first simulation.
  PulseChip shared(1, 4, "shared");
  PulseChip serial(1, 1, "serial");
  const std::vector<arch::CellBatch> update = {known_pulses()};

  // Pulses in all: sum over r, d of (r + 1)(d + 1) + 3 = 36 x 10 + 3 = 363.
  // Four column drivers of k = 128 / 4 = 32 columns each, one row per step: columns 0, 32, 64
  // and 96 sit at mux position 0 of drivers 0..3, so each row r is one step of
  // max_d (r + 1)(d + 1) = 4 (r + 1) pulses: 4 x 36 = 144; column 1 of row 0 is its own step
  // (mux position 1): 3. 147 pulse slots x 100 ns = 14.7 us, plus the 5 read-backs one after
  // another, 50 ns: 14.75 us = 14750 cycles at 1 GHz.
  const arch::ProgramReport s = shared.chip.pulse_cells(update, arch::Phase::kUpdate);
  EXPECT_EQ(s.tally.pulses, 363u);
  EXPECT_NEAR(s.time_s, 14.75e-6, 1e-15);
  EXPECT_EQ(static_cast<long long>(s.time_s * 1e9 + 0.5), 14750);

  // One cell at a time: the serial sum, 363 x 100 ns + 50 ns = 36.35 us.
  const arch::ProgramReport o = serial.chip.pulse_cells(update, arch::Phase::kUpdate);
  EXPECT_EQ(o.tally.pulses, 363u);
  EXPECT_NEAR(o.time_s, 36.35e-6, 1e-15);
  simtest::expect_energy_identity(shared.ledger, "update");
}

}  // namespace
}  // namespace write_bound_sim
}  // namespace xbarsim
