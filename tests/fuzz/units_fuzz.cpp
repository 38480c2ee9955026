// Fuzz target: the unit parser (core/units.cpp). The first byte picks the expected dimension,
// the rest is the text. Accepted outcomes: a finite SI value, or ParseError (which Params turns
// into a ConfigError naming the key).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/units.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr int kDimensions = static_cast<int>(xbarsim::units::Dimension::kArea) + 1;
  const auto dim = static_cast<xbarsim::units::Dimension>(data[0] % kDimensions);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    const double v = xbarsim::units::parse(text, dim);
    if (!std::isfinite(v)) std::abort();  // parse promises a finite value or an error
    (void)xbarsim::units::format(v, dim);
  } catch (const xbarsim::units::ParseError&) {
  }
  return 0;
}
