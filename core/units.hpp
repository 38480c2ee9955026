// Parses physical quantities written with units ("0.5 pJ", "10 ns", "25 uS") into SI values.
// This is the one place where unit strings are understood; every model works in SI inside.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace xbarsim::units {

enum class Dimension {
  kDimensionless,  // a plain number, no unit allowed
  kEnergy,         // J
  kTime,           // s
  kFrequency,      // Hz
  kConductance,    // S
  kResistance,     // Ohm
  kVoltage,        // V
  kCurrent,        // A
  kCapacitance,    // F
  kPower,          // W
  kLength,         // m
  kArea,           // m^2
};

// Human name of a dimension with an example, e.g. "an energy (e.g. '0.5 pJ')".
std::string describe(Dimension d);

// SI base unit symbol of a dimension ("J", "m^2", "" for dimensionless).
std::string_view si_symbol(Dimension d);

// Parses "<number> <prefix><unit>" (space optional) and returns the value in SI units.
// Prefixes: a f p n u (or µ) m k M G T. Units: J s Hz S Ohm (or ohm, Ω) V A F W m m^2 (the
// prefix of an area applies to the length: 1 um^2 = 1e-12 m^2).
// Throws ParseError with a message saying what was expected when the number is malformed, the
// unit is missing or unknown, it belongs to another dimension, or the value leaves the double
// range once scaled.
double parse(std::string_view text, Dimension expected);

// What parse() throws: the whole message, and why() alone ("unknown unit 'fQ'").
class ParseError : public std::invalid_argument {
 public:
  ParseError(const std::string& message, std::string why) : std::invalid_argument(message), why_(std::move(why)) {}
  const std::string& why() const { return why_; }

 private:
  std::string why_;
};

// Formats an SI value with an engineering prefix for display, e.g. 5e-13 J -> "0.5 pJ".
std::string format(double value_si, Dimension d, int significant_digits = 4);

}  // namespace xbarsim::units
