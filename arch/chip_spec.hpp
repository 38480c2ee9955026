// Everything the `arch:` and `device:` sections describe, read and checked at configuration
// time (no SystemC yet): array geometry, device model, converters, digital parts, buffer and
// their cost figures. A Chip is elaborated from it when the run starts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "arch/defects.hpp"
#include "arch/ir_drop.hpp"
#include "arch/mapping.hpp"
#include "arch/topology.hpp"
#include "core/params.hpp"
#include "devices/device.hpp"
#include "periphery/adc.hpp"
#include "periphery/dac.hpp"
#include "periphery/shift_add.hpp"
#include "periphery/sram.hpp"
#include "periphery/tech_node.hpp"
#include "periphery/write_driver.hpp"

namespace xbarsim::arch {

struct ChipSpec {
  double clock = 1e9;  // Hz, shared by every part (a part with another clock is an error)
  periphery::TechNode tech;
  ArrayGeometry geometry;
  double cell_area = 0.0;                      // m^2 per device cell (1T1R footprint)
  double line_capacitance_per_cell = 0.2e-15;  // F of row or column line per cell it passes
  double line_resistance_per_cell = 2.5;       // Ohm of row or column wire per cell it passes
  // The arrays' wire resistance in the reads (arch.array.ir_drop; docs/arch/ir_drop.md): off by
  // default; its wire_resistance_per_cell is the key's, or the node's wire over one cell pitch.
  IrDropSpec ir_drop;
  double read_voltage = 0.5;         // V, the device's (the DACs drive the rows at it)
  double read_pulse = 10e-9;         // s, one array read (the DAC's read cycle)
  bool adc_range_calibrated = true;  // ADC range from a calibration batch, else the full scale
  int calibration_images = 256;
  double control_energy_per_op = 0.0;   // J per tile operation issued by the controller
  double time_since_programming = 0.0;  // s, when inference reads the arrays (drift)
  // Reads made "right after programming" happen at reference_read_time (s, <=
  // time_since_programming): the drift-compensation reference and, with calibrate_at:
  // programming, the converter calibration (else calibration reads at time_since_programming).
  double reference_read_time = 1.0;
  bool calibrate_at_programming = false;
  // Global drift compensation (Joshi et al. 2020; docs/devices/pcm.md): kPerTile gives every
  // tile its own scale (one digital multiply per tile output, drift_scale_energy each);
  // kPerLayer one scale per layer from the sum of its tiles' readouts, folded into the layer's
  // digital scale (no extra operation).
  enum class DriftCompensation { kNone, kPerTile, kPerLayer };
  DriftCompensation drift_compensation = DriftCompensation::kNone;
  std::unique_ptr<periphery::Adc> drift_adc;  // `adc` with its range at +-V_read x G_unit (one row)
  double drift_scale_energy = 0.0;            // J per multiply of a tile output by its scale
  devices::ProgramOptions program_options;
  // Fabrication defects of every cell, whatever the device (device.defects; docs/devices/defects.md).
  CellDefects defects;
  // arch.read_noise: per_image draws the device's read noise once per image of a tile operation,
  // per_operation (the default) once per operation (a batch of simulation.batch_images images).
  bool read_noise_per_image = false;
  // Bit-serial reads run fused (arch.fused_reads, Tile::reads_fused): each tile makes its own
  // bit planes from the DAC codes and shift-adds them block by block, in cache; false
  // materializes every plane first. The same numbers either way; fused is faster.
  bool fused_reads = true;

  std::unique_ptr<devices::Device> device;
  std::unique_ptr<periphery::Dac> dac;
  // The ADC card as configured (cost face and initial range). Read-only: a chip converts through
  // its own instances (Chip's LayerHardware::adc), whose ranges it calibrates at run time.
  std::unique_ptr<periphery::Adc> adc;
  // Training only (arch.backward_dac present): the signed DAC that drives errors into the
  // columns, and the ADC card of the transposed reads (arch.backward_adc, else the `adc` card;
  // each layer of a chip has its own instance).
  std::unique_ptr<periphery::Dac> backward_dac;
  std::unique_ptr<periphery::Adc> backward_adc;
  std::unique_ptr<periphery::Sram> accumulator;  // training: latent weights and gradients
  double range_headroom = 1.0;  // training: ADC range = headroom x the previous batch's largest current
  // Training: below 1, the "largest current" of range tracking is the range_quantile-quantile of
  // the batch's nonzero |currents| (per tile, the largest over the layer's tiles): the rare
  // larger currents clip (arch.range_quantile; 1 = the largest current).
  double range_quantile = 1.0;
  // Training: the error DAC's full scale is each image's own max |e| (per_image, a block
  // floating-point exponent per error vector) or one for the whole batch (per_batch).
  bool error_scale_per_image = true;
  std::unique_ptr<periphery::ShiftAdd> shift_add;
  std::unique_ptr<periphery::WriteDriver> write_driver;
  std::unique_ptr<periphery::Sram> buffer;
  std::vector<LayerMapping> layers;  // per weighted layer of `topology`
  Topology topology;
  // Per layer: copies of its weights (arch.weight_duplication, convolutions only; 1 otherwise).
  std::vector<int> copies;
  // The link between the activation buffer and the tiles (arch.interconnect; docs/arch/timing.md):
  // one bus shared by every layer, `link_bits` per cycle plus `latency_cycles` per transfer.
  // Absent from the card: an ideal link (no time, no contention).
  struct Interconnect {
    bool modelled = false;
    int link_bits = 0;
    int latency_cycles = 0;
  };
  Interconnect interconnect;
  // Adders of each layer's reduction unit (arch.digital.adders_per_layer); 0 = one adder per
  // partial-sum add, (row tiles - 1) x outputs, a full tree.
  int adders_per_layer = 0;

  // Reads `arch` (clock, tech, array, dac, adc, shift_add, write_driver, buffer, adc_range,
  // calibration_images, control, programming, weight_duplication) and `device`, for `topology`.
  static ChipSpec from_params(const Params& arch, const Params& device, const Topology& topology);
  // The same for the MLP of `widths` (Topology::mlp).
  static ChipSpec from_params(const Params& arch, const Params& device, const std::vector<int>& widths);

  // Activation bits moved per value between layers (the DAC's input bits).
  int activation_bits() const { return dac->bits(); }
  // Input bit planes per image (bit-serial: magnitude bits; multi-bit: 1).
  int planes() const { return dac->read_cycles(); }
  int backward_planes() const { return backward_dac ? backward_dac->read_cycles() : 0; }
  bool trainable() const { return backward_dac != nullptr; }
  // One clock cycle, s (every part runs on `clock`).
  double clock_period_s() const { return 1.0 / clock; }
  // Time for a driven line to settle within half an LSB of the finest ADC (docs/arch/timing.md):
  // the Elmore delay of the longer of a row and a column line, a uniform distributed RC line,
  // tau = (N r)(N c) / 2, times ln(2^(b + 1)); 0 with ideal ADCs (no LSB to settle to). s.
  double settling_time() const;
  // One array read, s: the DAC's read pulse, stretched to the settling time when the lines settle
  // slower (the read is sampled only once they have settled).
  double read_time() const { return read_pulse > settling_time() ? read_pulse : settling_time(); }
  // Whole cycles of one array read (read_time() at `clock`).
  long long read_cycles() const;
  // Capacitance of one row line (across every physical column) and of one column line (across
  // every row), F.
  double row_line_capacitance() const { return line_capacitance_per_cell * geometry.cols; }
  double col_line_capacitance() const { return line_capacitance_per_cell * geometry.rows; }
  // Adders of a layer's reduction unit for `partials` partial vectors of `outputs` values:
  // (partials - 1) x outputs (a full tree), or at most arch.digital.adders_per_layer.
  long long adders(int partials, int outputs) const;
  // Cycles to reduce `partials` partial vectors of `outputs` values with adders(partials,
  // outputs) adders, then one cycle of bias and activation: max(ceil(log2 partials),
  // ceil((partials - 1) x outputs / adders)) + 1.
  long long reduce_cycles(int partials, int outputs) const;
  // Interconnect cycles to carry `bits`: ceil(bits / link_bits) + latency_cycles (0 unmodelled).
  long long link_cycles(std::uint64_t bits) const;
  // Conductance of a weight of 1, S: G_max - G_min (differential) or half of it (offset), as the
  // arrays' WeightEncoder holds it. Precondition: device set.
  double unit_conductance() const;
};

}  // namespace xbarsim::arch
