#include "core/units.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace xbarsim::units {
namespace {

struct BaseUnit {
  std::string_view symbol;
  Dimension dimension;
};

// Base symbols; "ohm" spellings and the Greek letters are accepted as aliases.
constexpr std::array<BaseUnit, 15> kBaseUnits{{
    {"J", Dimension::kEnergy},
    {"s", Dimension::kTime},
    {"Hz", Dimension::kFrequency},
    {"S", Dimension::kConductance},
    {"Ohm", Dimension::kResistance},
    {"ohm", Dimension::kResistance},
    {"Ω", Dimension::kResistance},
    {"V", Dimension::kVoltage},
    {"A", Dimension::kCurrent},
    {"F", Dimension::kCapacitance},
    {"W", Dimension::kPower},
    {"m", Dimension::kLength},
    {"m^2", Dimension::kArea},
    {"m2", Dimension::kArea},
    {"㎡", Dimension::kArea},
}};

struct Prefix {
  std::string_view symbol;
  double factor;
};

constexpr std::array<Prefix, 12> kPrefixes{{
    {"a", 1e-18},
    {"f", 1e-15},
    {"p", 1e-12},
    {"n", 1e-9},
    {"u", 1e-6},
    {"µ", 1e-6},
    {"μ", 1e-6},
    {"m", 1e-3},
    {"k", 1e3},
    {"M", 1e6},
    {"G", 1e9},
    {"T", 1e12},
}};

const BaseUnit* find_base(std::string_view s) {
  for (const auto& b : kBaseUnits) {
    if (b.symbol == s) return &b;
  }
  return nullptr;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

[[noreturn]] void fail(std::string_view text, Dimension expected, std::string_view why) {
  throw ParseError(fmt::format("expected {}, got '{}' ({})", describe(expected), text, why), std::string(why));
}

}  // namespace

std::string describe(Dimension d) {
  switch (d) {
    case Dimension::kDimensionless:
      return "a plain number";
    case Dimension::kEnergy:
      return "an energy (e.g. '0.5 pJ', '3 fJ')";
    case Dimension::kTime:
      return "a time (e.g. '10 ns')";
    case Dimension::kFrequency:
      return "a frequency (e.g. '1 GHz')";
    case Dimension::kConductance:
      return "a conductance (e.g. '25 uS')";
    case Dimension::kResistance:
      return "a resistance (e.g. '6 kOhm')";
    case Dimension::kVoltage:
      return "a voltage (e.g. '0.5 V')";
    case Dimension::kCurrent:
      return "a current (e.g. '50 uA')";
    case Dimension::kCapacitance:
      return "a capacitance (e.g. '0.2 fF')";
    case Dimension::kPower:
      return "a power (e.g. '1 mW')";
    case Dimension::kLength:
      return "a length (e.g. '22 nm')";
    case Dimension::kArea:
      return "an area (e.g. '1.2 um^2')";
  }
  return "a value";
}

std::string_view si_symbol(Dimension d) {
  switch (d) {
    case Dimension::kDimensionless:
      return "";
    case Dimension::kEnergy:
      return "J";
    case Dimension::kTime:
      return "s";
    case Dimension::kFrequency:
      return "Hz";
    case Dimension::kConductance:
      return "S";
    case Dimension::kResistance:
      return "Ohm";
    case Dimension::kVoltage:
      return "V";
    case Dimension::kCurrent:
      return "A";
    case Dimension::kCapacitance:
      return "F";
    case Dimension::kPower:
      return "W";
    case Dimension::kLength:
      return "m";
    case Dimension::kArea:
      return "m^2";
  }
  return "";
}

double parse(std::string_view text, Dimension expected) {
  const std::string_view s = trim(text);
  double value = 0.0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  // from_chars rejects a leading '+', which YAML users do write.
  if (begin != end && *begin == '+') ++begin;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin) fail(text, expected, "not a number");
  if (!std::isfinite(value)) fail(text, expected, "not a finite number");
  const std::string_view unit = trim(std::string_view(ptr, static_cast<size_t>(end - ptr)));

  if (expected == Dimension::kDimensionless) {
    if (!unit.empty()) fail(text, expected, fmt::format("unexpected unit '{}'", unit));
    return value;
  }
  if (unit.empty()) fail(text, expected, "missing unit");

  // The whole string as a base unit first ("m" is metre, not milli), then prefix + base.
  double factor = 1.0;
  const BaseUnit* base = find_base(unit);
  if (base == nullptr) {
    for (const auto& p : kPrefixes) {
      if (unit.size() > p.symbol.size() && unit.substr(0, p.symbol.size()) == p.symbol) {
        if (const BaseUnit* b = find_base(unit.substr(p.symbol.size()))) {
          base = b;
          factor = p.factor;
          break;
        }
      }
    }
  }
  if (base == nullptr) fail(text, expected, fmt::format("unknown unit '{}'", unit));
  if (base->dimension != expected) {
    fail(text, expected, fmt::format("'{}' is not a unit of that kind", unit));
  }
  if (base->dimension == Dimension::kArea) factor *= factor;  // um^2 = (1e-6 m)^2
  const double si = value * factor;
  // A finite number times a prefix can leave the double range ("1e307 km"), or underflow to 0.
  if (!std::isfinite(si)) fail(text, expected, "out of the range of a double once scaled to SI");
  if (si == 0.0 && value != 0.0) fail(text, expected, "too small once scaled to SI (it rounds to 0)");
  return si;
}

std::string format(double value_si, Dimension d, int significant_digits) {
  const std::string_view sym = si_symbol(d);
  if (d == Dimension::kDimensionless) return fmt::format("{:.{}g}", value_si, significant_digits);
  if (value_si == 0.0 || !std::isfinite(value_si)) return fmt::format("{} {}", value_si, sym);
  static constexpr std::array<Prefix, 10> kDisplay{{{"T", 1e12},
                                                    {"G", 1e9},
                                                    {"M", 1e6},
                                                    {"k", 1e3},
                                                    {"", 1.0},
                                                    {"m", 1e-3},
                                                    {"u", 1e-6},
                                                    {"n", 1e-9},
                                                    {"p", 1e-12},
                                                    {"f", 1e-15}}};
  // Areas display in um^2 (the unit every report uses) to avoid squared-prefix confusion.
  if (d == Dimension::kArea) {
    return fmt::format("{:.{}g} um^2", value_si * 1e12, significant_digits);
  }
  const double mag = std::fabs(value_si);
  for (const auto& p : kDisplay) {
    if (mag >= p.factor * 0.9999999) {
      return fmt::format("{:.{}g} {}{}", value_si / p.factor, significant_digits, p.symbol, sym);
    }
  }
  return fmt::format("{:.{}g} a{}", value_si / 1e-18, significant_digits, sym);
}

}  // namespace xbarsim::units
