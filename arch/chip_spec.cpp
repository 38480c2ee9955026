#include "arch/chip_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arch/weight_encoding.hpp"
#include "periphery/cost.hpp"

namespace xbarsim::arch {
namespace {

// A part card included into a chip may carry the `tech:` it was checked with on its own; it
// must then be the chip's node.
void check_tech(const Params& part, const periphery::TechNode& tech) {
  if (part.has("tech") && part.string("tech") != tech.name) {
    part.fail("tech", fmt::format("the chip's node '{}' (or no tech key)", tech.name));
  }
}

void check_clock(const Params& part, std::string_view key, double part_clock, double clock) {
  if (std::abs(part_clock - clock) > 1e-9 * clock) {
    part.fail(key, fmt::format("the chip clock ({:g} Hz): every part runs on arch.clock", clock));
  }
}

// arch.array.ir_drop. The wire resistance per cell is the key's, or with none the node's wire
// over one pitch of a square cell (wire_resistance_per_cell), which needs room for the wire: a
// cell pitch of at least the metal pitch, twice the wire width.
void read_ir_drop(const Params& array, double cell_area_F2, ChipSpec& s) {
  const Params ir = array.child_or_empty("ir_drop");
  IrDropSpec& spec = s.ir_drop;
  spec.enabled = ir.boolean_or("enabled", false);
  spec.method =
      ir.choice_or("method", {"fast", "exact"}, "fast") == "exact" ? IrDropMethod::kExact : IrDropMethod::kFast;
  if (ir.has("wire_resistance_per_cell")) {
    spec.wire_resistance_per_cell = ir.quantity("wire_resistance_per_cell", units::Dimension::kResistance, 0.0, 1e6);
  } else if (spec.enabled) {
    const double pitch_F = std::sqrt(cell_area_F2);
    const double metal_pitch_F = 2.0 * s.tech.wire_width / s.tech.feature_size;
    if (pitch_F < metal_pitch_F) {
      array.fail(
          "cell_area_F2",
          fmt::format("at least {:.4g} with arch.array.ir_drop: a cell pitch sqrt(cell_area_F2) F of at least the "
                      "metal pitch, 2 x the {}'s wire width {:g} nm (or set "
                      "arch.array.ir_drop.wire_resistance_per_cell)",
                      metal_pitch_F * metal_pitch_F, s.tech.name, s.tech.wire_width * 1e9));
    }
    spec.wire_resistance_per_cell = wire_resistance_per_cell(s.tech, cell_area_F2);
  }
}

}  // namespace

double ChipSpec::settling_time() const {
  int bits = adc ? adc->bits() : 0;
  if (backward_adc) bits = std::max(bits, backward_adc->bits());
  if (bits <= 0) return 0.0;
  // Elmore delay of a uniform distributed RC line of total R and C: RC / 2 (Rubinstein, Penfield
  // and Horowitz, IEEE TCAD 1983); a single-pole response settles within 2^-(b+1) of its final
  // value after tau ln(2^(b+1)).
  const int longest = std::max(geometry.rows, geometry.cols);
  const double r = line_resistance_per_cell * longest;
  const double c = line_capacitance_per_cell * longest;
  return 0.5 * r * c * std::log(std::ldexp(1.0, bits + 1));
}

long long ChipSpec::read_cycles() const { return periphery::cycles_of(read_time(), clock); }

long long ChipSpec::adders(int partials, int outputs) const {
  const long long tree = static_cast<long long>(std::max(partials - 1, 0)) * outputs;
  return adders_per_layer > 0 ? std::min<long long>(adders_per_layer, tree) : tree;
}

long long ChipSpec::reduce_cycles(int partials, int outputs) const {
  const long long adds = static_cast<long long>(std::max(partials - 1, 0)) * outputs;
  if (adds == 0) return 1;  // one tile's sums: bias and activation only
  const auto depth = static_cast<long long>(std::ceil(std::log2(partials)));
  const long long a = adders(partials, outputs);
  return std::max(depth, (adds + a - 1) / a) + 1;
}

long long ChipSpec::link_cycles(std::uint64_t bits) const {
  if (!interconnect.modelled || bits == 0) return 0;
  const auto w = static_cast<std::uint64_t>(interconnect.link_bits);
  return static_cast<long long>((bits + w - 1) / w) + interconnect.latency_cycles;
}

double ChipSpec::unit_conductance() const { return WeightEncoder(*device, geometry.encoding).unit_conductance(); }

ChipSpec ChipSpec::from_params(const Params& arch, const Params& device_section, const std::vector<int>& widths) {
  return from_params(arch, device_section, Topology::mlp(widths));
}

ChipSpec ChipSpec::from_params(const Params& arch, const Params& device_section, const Topology& topology) {
  using units::Dimension;
  ChipSpec s;
  s.topology = topology;
  s.clock = arch.quantity_or("clock", Dimension::kFrequency, "1 GHz", 1e6, 1e11);
  s.tech = periphery::TechNode::from_params(arch.child("tech"));
  s.device = devices::DeviceRegistry::instance().create(device_section);
  s.defects = CellDefects::from_params(device_section);

  const Params array = arch.child("array");
  s.geometry.rows = static_cast<int>(array.integer("rows", 1, 4096));
  s.geometry.cols = static_cast<int>(array.integer("cols", 2, 4096));
  s.geometry.encoding = s.device->devices_per_weight() == 2 ? WeightEncoding::kDifferential : WeightEncoding::kOffset;
  // 1T1R cell footprint: an assumption (no figure in the seed papers); set it from your layout.
  const double cell_area_F2 = array.real_or("cell_area_F2", 40.0, 1.0, 1e6);
  s.cell_area = cell_area_F2 * s.tech.f2();
  s.line_capacitance_per_cell =
      array.quantity_or("line_capacitance_per_cell", Dimension::kCapacitance, "0.2 fF", 0.0, 1e-9);
  // Wire resistance per cell: an assumption of the order crossbar IR-drop studies use; set it
  // from your process (effective resistivity x cell pitch / wire cross-section).
  s.line_resistance_per_cell =
      array.quantity_or("line_resistance_per_cell", Dimension::kResistance, "2.5 ohm", 0.0, 1e6);
  read_ir_drop(array, cell_area_F2, s);

  const Params dac = arch.child("dac");
  check_tech(dac, s.tech);
  // The DACs drive the rows at the cells' read voltage (the device card's).
  const periphery::DacContext dac_ctx{.read_voltage = s.device->read_voltage_V()};
  s.dac = periphery::DacRegistry::instance().create(dac, s.tech, dac_ctx);
  check_clock(dac, "clock", s.dac->clock(), s.clock);
  s.read_voltage = s.dac->read_voltage();
  s.read_pulse = s.dac->latency().value;

  // What the ADC may know of its columns: the tiles report every read's activated column
  // conductance (per_read_column), and the largest possible differential current (every row
  // driven at a weight of +1).
  const double g_unit = s.unit_conductance();
  periphery::AdcContext adc_ctx;
  adc_ctx.full_scale_current = s.geometry.rows * g_unit * s.read_voltage;
  adc_ctx.read_voltage = s.read_voltage;
  adc_ctx.per_read_column = true;
  const Params adc = arch.child("adc");
  check_tech(adc, s.tech);
  s.adc = periphery::AdcRegistry::instance().create(adc, s.tech, adc_ctx);
  check_clock(adc, "clock", s.adc->clock(), s.clock);
  s.geometry.mux_ratio = s.adc->mux_ratio();
  if (s.geometry.weight_cols() < 1) {
    array.fail("cols", "at least 2 columns (one weight column and its pair or reference)");
  }

  if (const auto bdac = arch.child_if("backward_dac")) {
    check_tech(*bdac, s.tech);
    s.backward_dac = periphery::DacRegistry::instance().create(*bdac, s.tech, dac_ctx);
    check_clock(*bdac, "clock", s.backward_dac->clock(), s.clock);
    if (!s.backward_dac->is_signed()) bdac->fail("signed", "true (errors are signed)");
    if (!s.adc->is_signed()) adc.fail("signed", "true for training (transposed reads of signed errors)");
    // The transposed reads convert rows; their activated conductances come per read too. Their
    // converters are the `adc` card unless arch.backward_adc names another (same mux ratio: the
    // tiles share one column/row multiplexing geometry).
    if (const auto badc = arch.child_if("backward_adc")) {
      check_tech(*badc, s.tech);
      s.backward_adc = periphery::AdcRegistry::instance().create(*badc, s.tech, adc_ctx);
      check_clock(*badc, "clock", s.backward_adc->clock(), s.clock);
      if (!s.backward_adc->is_signed()) badc->fail("signed", "true (transposed reads of signed errors)");
      if (s.backward_adc->mux_ratio() != s.adc->mux_ratio()) {
        badc->fail("mux_ratio", fmt::format("arch.adc's mux_ratio ({}): the tiles have one multiplexing geometry",
                                            s.adc->mux_ratio()));
      }
    } else {
      s.backward_adc = periphery::AdcRegistry::instance().create(adc, s.tech, adc_ctx);
    }
    s.range_headroom = arch.real_or("range_headroom", 1.1, 1.0, 10.0);
    s.range_quantile = arch.real_or("range_quantile", 1.0, 0.5, 1.0);
    s.error_scale_per_image = arch.choice_or("error_scale", {"per_image", "per_batch"}, "per_image") == "per_image";
    const Params acc = arch.child("accumulator");
    check_tech(acc, s.tech);
    s.accumulator = periphery::SramRegistry::instance().create(acc, s.tech);
  }

  const Params sa = arch.child("shift_add");
  check_tech(sa, s.tech);
  s.shift_add = periphery::ShiftAddRegistry::instance().create(sa, s.tech);

  periphery::WriteDriverContext wd_ctx;
  wd_ctx.pulse_width = s.device->pulse_width_s(devices::ProgramOptions{});
  wd_ctx.line_capacitance = s.row_line_capacitance();
  const Params wd = arch.child("write_driver");
  check_tech(wd, s.tech);
  s.write_driver = periphery::WriteDriverRegistry::instance().create(wd, s.tech, wd_ctx);

  const Params buffer = arch.child("buffer");
  check_tech(buffer, s.tech);
  s.buffer = periphery::SramRegistry::instance().create(buffer, s.tech);

  s.adc_range_calibrated = arch.choice_or("adc_range", {"calibrated", "full_scale"}, "calibrated") == "calibrated";
  s.calibration_images = static_cast<int>(arch.integer_or("calibration_images", 256, 1, 60000));
  s.control_energy_per_op =
      arch.child_or_empty("control").quantity_or("energy_per_tile_op", Dimension::kEnergy, "0 pJ", 0.0, 1e-6);
  s.time_since_programming = arch.quantity_or("read_time_after_programming", Dimension::kTime, "1 s", 0.0, 1e10);
  s.reference_read_time = arch.quantity_or("reference_read_time", Dimension::kTime, "1 s", 0.0, 1e10);
  s.calibrate_at_programming =
      arch.choice_or("calibrate_at", {"inference", "programming"}, "inference") == "programming";
  const std::string gdc = arch.choice_or("drift_compensation", {"none", "global", "global_per_layer"}, "none");
  // Checked only where it is used (a read time below the 1 s default stays valid otherwise).
  if ((s.calibrate_at_programming || gdc != "none") && s.reference_read_time > s.time_since_programming) {
    arch.fail("reference_read_time", fmt::format("at most read_time_after_programming ({:g} s) with calibrate_at: "
                                                 "programming or a drift_compensation",
                                                 s.time_since_programming));
  }
  if (gdc != "none") {
    if (s.trainable()) {
      arch.fail("drift_compensation",
                "none on a training chip (arch.backward_dac): the compensation "
                "is an inference procedure");
    }
    s.drift_compensation = gdc == "global" ? DriftCompensation::kPerTile : DriftCompensation::kPerLayer;
    // The readouts drive one row at the DAC's full code: a weight of +-1 gives +-V_read G_unit,
    // the ADC's range for them (the same converter with its reference set for this read).
    s.drift_adc = s.adc->clone();
    const double one_row = s.read_voltage * g_unit;
    s.drift_adc->set_range(s.drift_adc->is_signed() ? -one_row : 0.0, one_row);
    // A b x b array multiplier is b rows of b-bit adders: b operations of the shift-add card.
    s.drift_scale_energy = s.drift_compensation == DriftCompensation::kPerTile
                               ? s.shift_add->bits() * s.shift_add->energy_per_op().value
                               : 0.0;
  }

  s.read_noise_per_image = arch.choice_or("read_noise", {"per_operation", "per_image"}, "per_operation") == "per_image";
  s.fused_reads = arch.boolean_or("fused_reads", true);
  if (s.ir_drop.enabled) {
    const Params ir = arch.child("array").child("ir_drop");
    if (s.trainable()) {
      ir.fail("enabled",
              "false on a training chip (arch.backward_dac): the transposed reads' wire network is not modelled "
              "(docs/arch/ir_drop.md)");
    }
    if (s.dac->encoding() == periphery::Dac::Encoding::kPulseWidth) {
      ir.fail("enabled",
              "false with a pulse_width DAC: the wire energy of rows driven for different times is not modelled "
              "(docs/arch/ir_drop.md)");
    }
  }

  const Params prog = arch.child_or_empty("programming");
  s.program_options.verify = prog.boolean_or("verify", false);
  s.program_options.tolerance = prog.real_or("tolerance", 0.0, 0.0, 1.0);
  s.program_options.max_attempts = static_cast<int>(prog.integer_or("max_attempts", 1, 1, 1000));

  if (const auto ic = arch.child_if("interconnect")) {
    ic->choice("impl", {"bus"});
    s.interconnect.modelled = true;
    s.interconnect.link_bits = static_cast<int>(ic->integer("link_bits", 1, 1 << 20));
    s.interconnect.latency_cycles = static_cast<int>(ic->integer_or("latency_cycles", 1, 0, 1 << 20));
  }
  s.adders_per_layer = static_cast<int>(arch.child_or_empty("digital").integer_or("adders_per_layer", 0, 0, 1 << 24));

  // Copies of each convolution's weights (docs/arch/conv.md): the windows of an image are dealt
  // out over them; never more copies than windows.
  const auto duplication = static_cast<int>(arch.integer_or("weight_duplication", 1, 1, 4096));
  for (const LayerShape& l : topology.layers) {
    s.layers.push_back(map_layer(l.weight_inputs(), l.weight_outputs(), s.geometry));
    s.copies.push_back(l.is_conv() ? std::min(duplication, l.windows()) : 1);
  }
  return s;
}

}  // namespace xbarsim::arch
