// Row DAC models (docs/periphery/dac.md):
//   energy  isaac: E_1 = 4 mW / (1024 DACs x 10 M drives/s) = 0.390625 pJ per 1-bit drive
//                  (ISAAC, Shafiee et al. ISCA 2016, 32 nm; basis in isaac_table.hpp);
//                  an m-bit DAC as m binary-weighted 1-bit drivers, E = m E_1 (xbarsim
//                  assumption); both scaled by (F/32nm)(Vdd/0.9V)^2.
//           cv2:   E = C_load V_read^2 per conversion (full-swing charge of the driven load).
//   area    A_1 = 0.00017 mm^2 / 1024 = 0.166 um^2 (ISAAC) x (1 or m) x (F/32nm)^2.
//   latency bit-serial and amplitude: one read cycle (read_pulse); pulse width: (2^m - 1)
//           unit pulses.
//   levels  code / (2^m - 1) plus an end-point INL bow or S-curve of peak inl_lsb (multi-bit
//           encodings only; converter_inl.hpp, Razavi 1995 ch. 2).
#include "periphery/dac.hpp"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <cstdlib>

#include "core/cards.hpp"
#include "core/parallel.hpp"
#include "periphery/isaac_table.hpp"

namespace xbarsim::periphery {

using units::Dimension;

namespace {
const char* encoding_name(Dac::Encoding e) {
  switch (e) {
    case Dac::Encoding::kBitSerial:
      return "bit-serial";
    case Dac::Encoding::kAmplitude:
      return "amplitude";
    case Dac::Encoding::kPulseWidth:
      return "pulse-width";
  }
  return "?";
}
}  // namespace

Dac::Dac(const Params& p, const TechNode& tech, const DacContext& ctx, Encoding encoding) : encoding_(encoding) {
  bits_ = static_cast<int>(p.integer("bits", 1, 16));
  signed_ = p.boolean_or("signed", false);
  if (signed_ && bits_ < 2) p.fail("bits", "at least 2 bits for a signed DAC (sign + magnitude)");
  magnitude_bits_ = bits_ - (signed_ ? 1 : 0);
  max_code_ = (std::int32_t{1} << magnitude_bits_) - 1;
  if (ctx.read_voltage > 0.0) {
    read_voltage_ = ctx.read_voltage;
    if (p.has("read_voltage") &&
        std::abs(p.quantity("read_voltage", Dimension::kVoltage, 1e-3, 10.0) - read_voltage_) > 1e-9 * read_voltage_) {
      p.fail("read_voltage", fmt::format("the cells' read voltage {:g} V (device.read_voltage), or no key: the DAC "
                                         "drives the rows at the device's read voltage",
                                         read_voltage_));
    }
  } else {
    read_voltage_ = p.quantity_or("read_voltage", Dimension::kVoltage, "0.5 V", 1e-3, 10.0);
  }
  // Nonlinearity of the analog levels, peak in LSB of the drive (1 / max_code of the full drive).
  inl_lsb_ = p.real_or("inl_lsb", 0.0, -0.25 * max_code_, 0.25 * max_code_);
  if (encoding_ == Encoding::kBitSerial) {
    if (inl_lsb_ != 0.0) {
      p.fail("inl_lsb",
             "0 for a bit-serial DAC (its drive has two levels, 0 and the read voltage: linear by "
             "construction; INL applies to amplitude and pulse_width)");
    }
  } else {
    inl_shape_ = p.choice_or("inl_shape", {"bow", "s_curve"}, "bow") == "bow" ? InlShape::kBow : InlShape::kSCurve;
    if (inl_lsb_ != 0.0) {
      inl_levels_.resize(static_cast<std::size_t>(max_code_) + 1);
      const double full = static_cast<double>(max_code_);
      for (std::int32_t c = 0; c <= max_code_; ++c) {
        const double s = static_cast<double>(c) / full;
        inl_levels_[static_cast<std::size_t>(c)] =
            static_cast<float>((static_cast<double>(c) + inl_lsb_ * inl_profile(inl_shape_, s)) / full);
      }
    }
  }
  clock_ = p.quantity_or("clock", Dimension::kFrequency, "1 GHz", 1e3, 1e12);
  const int m = magnitude_bits_;
  const bool multi = encoding_ != Encoding::kBitSerial;

  const std::string model = p.choice_or("energy_model", {"isaac", "cv2"}, "isaac");
  Figure energy;
  if (model == "isaac") {
    const double s = energy_scale(tech.feature_size, tech.vdd, isaac::kFeature, isaac::kVdd);
    const int units_count = multi ? m : 1;
    energy.value = units_count * isaac::kDacEnergy1bit * s;
    energy.source = fmt::format(
        "ISAAC 1-bit DAC 4 mW / (1024 x 10 M drives/s) = 0.390625 pJ (ISCA 2016) x {} bit driver(s) x node scale "
        "{:.6g} "
        "[(F/32nm)(Vdd/0.9V)^2, {}], {}",
        units_count, s, tech.name, encoding_name(encoding_));
  } else {
    const double c = p.quantity("load_capacitance", Dimension::kCapacitance, 0.0);
    energy.value = c * read_voltage_ * read_voltage_;
    energy.source = fmt::format("C V^2: C_load={:.6g} F, V_read={} V, {}", c, read_voltage_, encoding_name(encoding_));
  }
  energy_ = override_or(p, "energy_per_conversion", Dimension::kEnergy, energy);

  const double as = area_scale(tech.feature_size, isaac::kFeature);
  const int area_units = multi ? m : 1;
  area_ =
      override_or(p, "area", Dimension::kArea,
                  Figure{area_units * isaac::kDacArea1bit * as,
                         fmt::format("ISAAC 1-bit DAC 0.00017 mm^2 / 1024 = 0.166 um^2 x {} x (F/32nm)^2 = {:.6g} ({})",
                                     area_units, as, tech.name)});

  Figure latency;
  if (encoding_ == Encoding::kPulseWidth) {
    const double unit = p.quantity_or("unit_pulse", Dimension::kTime, "1 ns", 1e-15, 1.0);
    latency.value = static_cast<double>(max_code_) * unit;
    latency.source = fmt::format("pulse width: (2^m - 1) unit pulses = {} x {:.6g} s", max_code_, unit);
  } else {
    const double read_pulse = p.quantity_or("read_pulse", Dimension::kTime, "10 ns", 1e-15, 1.0);
    latency.value = read_pulse;
    latency.source = fmt::format("one read cycle (read_pulse) = {:.6g} s, {}", read_pulse, encoding_name(encoding_));
  }
  latency_ = override_or(p, "latency", Dimension::kTime, latency);
  latency_cycles_ = cycles_of(latency_.value, clock_);
}

std::size_t Dac::quantize(std::span<const float> x, float full_scale, std::span<std::int32_t> codes) const {
  assert(full_scale > 0.0F && codes.size() == x.size());
  const double scale = static_cast<double>(max_code_) / static_cast<double>(full_scale);
  std::size_t clipped = 0;
  const std::size_t n = x.size();
  const bool is_signed = signed_;
  const double fs = full_scale;
  // code = floor(|v| scale + 1/2), at most max_code (NaN: 0). u = |v| scale + 1/2 >= 1/2, so
  // below max_code + 1 the floor is the truncation; without branches or floor() (a libm call
  // on baseline x86-64), so that the compiler vectorizes the loop.
  const double limit = static_cast<double>(max_code_) + 1.0;
  const std::int32_t max_code = max_code_;
  XBARSIM_PRAGMA(omp parallel for reduction(+ : clipped) if (n >= kParallelMinElements))
  for (std::size_t i = 0; i < n; ++i) {
    const double v = static_cast<double>(x[i]);
    const bool negative = v < 0.0;
    const bool cut = negative && !is_signed;  // an unsigned DAC drives a negative value as 0
    const double mag = std::fabs(v);
    const double u = mag * scale + 0.5;
    const bool in_range = u < limit;
    const auto t = static_cast<std::int32_t>(in_range ? u : 0.0);
    const std::int32_t beyond = u != u ? 0 : max_code;
    const std::int32_t ci = cut ? 0 : (in_range ? t : beyond);
    codes[i] = negative ? -ci : ci;
    clipped += (cut || mag > fs) ? 1 : 0;
  }
  return clipped;
}

void Dac::bit_plane(std::span<const std::int32_t> codes, int b, std::span<float> plane) const {
  assert(b >= 0 && b < magnitude_bits_ && plane.size() == codes.size());
  const std::size_t n = codes.size();
  for (std::size_t i = 0; i < n; ++i) {
    // Branch-free, so that the compiler vectorizes it: s = -1 for a negative code, else 0;
    // |c| = (c ^ s) - s, and the bit takes the code's sign the same way.
    const std::int32_t c = codes[i];
    const std::int32_t s = c >> 31;
    const std::int32_t bit = (((c ^ s) - s) >> b) & 1;
    plane[i] = static_cast<float>((bit ^ s) - s);
  }
}

void Dac::levels(std::span<const std::int32_t> codes, std::span<float> out) const {
  assert(out.size() == codes.size());
  const std::size_t n = codes.size();
  if (!inl_levels_.empty()) {
    const float* level = inl_levels_.data();
    for (std::size_t i = 0; i < n; ++i) {
      const std::int32_t c = codes[i];
      const float v = level[c < 0 ? -c : c];
      out[i] = c < 0 ? -v : v;
    }
    return;
  }
  const double inv = 1.0 / static_cast<double>(max_code_);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(codes[i] * inv);
}

namespace {
struct BitSerialDac : Dac {
  BitSerialDac(const Params& p, const TechNode& t, const DacContext& c) : Dac(p, t, c, Encoding::kBitSerial) {}
};
struct AmplitudeDac : Dac {
  AmplitudeDac(const Params& p, const TechNode& t, const DacContext& c) : Dac(p, t, c, Encoding::kAmplitude) {}
};
struct PulseWidthDac : Dac {
  PulseWidthDac(const Params& p, const TechNode& t, const DacContext& c) : Dac(p, t, c, Encoding::kPulseWidth) {}
};
}  // namespace

}  // namespace xbarsim::periphery

XBARSIM_REGISTER(xbarsim::periphery::DacRegistry, "bit_serial", xbarsim::periphery::BitSerialDac)
XBARSIM_REGISTER(xbarsim::periphery::DacRegistry, "amplitude", xbarsim::periphery::AmplitudeDac)
XBARSIM_REGISTER(xbarsim::periphery::DacRegistry, "pulse_width", xbarsim::periphery::PulseWidthDac)

XBARSIM_REGISTER_CARD("dac", [](const xbarsim::Params& p) {
  const auto tech = xbarsim::periphery::TechNode::for_card(p);
  (void)xbarsim::periphery::DacRegistry::instance().create(p, tech, xbarsim::periphery::DacContext{});
})
