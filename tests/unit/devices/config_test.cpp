// Device cards: registry, bad values (one clear line naming file:line and key path), the shipped
// configs/devices cards, and reproducibility (same seed -> identical cell states).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <map>

#include "core/cards.hpp"
#include "core/error.hpp"
#include "devices/device.hpp"
#include "test_support.hpp"

namespace xbarsim::devices {
namespace {

using testing::make_device;

// Bit-for-bit equality of two arrays of cells, member by member (what memcmp compared: CellState
// has no padding, and its floats compare by their bits, so 0 against -0 or two NaNs with different
// payloads count as different).
bool same_bits(const std::vector<CellState>& a, const std::vector<CellState>& b) {
  const auto bits = [](const CellState& c) {
    return std::array<std::uint32_t, 4>{std::bit_cast<std::uint32_t>(c.g), std::bit_cast<std::uint32_t>(c.u),
                                        std::bit_cast<std::uint32_t>(c.q), c.level};
  };
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [&](const CellState& x, const CellState& y) { return bits(x) == bits(y); });
}

// Expects make_device(yaml) to throw a ConfigError whose one-line message contains each of
// `parts` (typically "card.yaml:LINE" and the key path).
void expect_config_error(const std::string& yaml, std::initializer_list<std::string> parts) {
  try {
    make_device(yaml);
    FAIL() << "no ConfigError for:\n" << yaml;
  } catch (const ConfigError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << msg << " lacks " << p;
  }
}

TEST(DeviceCards, EveryModelIsRegistered) {
  const auto names = DeviceRegistry::instance().names();
  for (const char* n : {"domain_wall", "ideal", "mtj", "pcm", "measured_response"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  EXPECT_NE(CardKinds::instance().find("device"), nullptr);
}

TEST(DeviceCards, FewerThanTwoStatesIsAnError) {
  expect_config_error("device:\n  impl: domain_wall\n  states: 1\n",
                      {"card.yaml:3", "device.states", "in [2, 1024]", "'1'"});
}

TEST(DeviceCards, NegativeSigmaIsAnError) {
  expect_config_error("device:\n  impl: domain_wall\n  states: 3\n  sigma: -2 nm\n",
                      {"card.yaml:4", "device.sigma", ">= 0"});
  expect_config_error(
      "device:\n  impl: domain_wall\n  states: 2\n  per_state:\n    - {sigma: 1 nm}\n"
      "    - {sigma: -1 nm}\n",
      {"card.yaml:6", "device.per_state[1].sigma"});
}

TEST(DeviceCards, GminNotBelowGmaxIsAnError) {
  expect_config_error("device:\n  impl: ideal\n  g_min: 10 uS\n  g_max: 5 uS\n",
                      {"card.yaml:4", "device.g_max", "greater than g_min"});
  expect_config_error(
      "device:\n  impl: domain_wall\n  states: 2\n  per_state:\n    - {conductance: 5 uS}\n"
      "    - {conductance: 5 uS}\n",
      {"card.yaml:6", "device.per_state[1].conductance", "greater than"});
}

TEST(DeviceCards, UnknownKeyIsAnError) {
  expect_config_error("device:\n  impl: mtj\n  delta: 40\n  sigmaa: 3 nm\n",
                      {"card.yaml:4", "device.sigmaa", "unknown key"});
}

TEST(DeviceCards, MissingUnitIsAnError) {
  expect_config_error("device:\n  impl: domain_wall\n  states: 5\n  sigma: 5\n",
                      {"card.yaml:4", "device.sigma", "length"});
  expect_config_error("device:\n  impl: pcm\n  g_max: 25\n", {"card.yaml:3", "device.g_max"});
}

TEST(DeviceCards, UnknownImplListsTheRegisteredOnes) {
  expect_config_error("device:\n  impl: memristor\n", {"card.yaml:2", "device.impl", "domain_wall", "pcm"});
}

TEST(DeviceCards, ShippedCardsLoadAndReadEveryKey) {
  // Every card in configs/devices/ with its level count (0: continuous); a new card must be
  // added here.
  const std::map<std::string, int> levels_of = {
      {"dw_2state.yaml", 2},      {"dw_3state.yaml", 3},  {"dw_5state.yaml", 5}, {"dw_5state_differential.yaml", 5},
      {"mtj_ternary.yaml", 2},    {"pcm.yaml", 0},        {"ideal.yaml", 0},     {"rram_agsi.yaml", 0},
      {"rram_alox_hfo2.yaml", 0}, {"ideal_pulse.yaml", 0}};
  const auto dir = std::filesystem::path(XBARSIM_SOURCE_DIR) / "configs/devices";
  std::size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string file = entry.path().filename().string();
    const auto it = levels_of.find(file);
    ASSERT_NE(it, levels_of.end()) << file << " is not listed in this test";
    ++seen;
    const Params root = Params::from_file(entry.path());
    const auto dev = DeviceRegistry::instance().create(root.child("device"));
    EXPECT_NO_THROW(root.check_all_read()) << file;
    EXPECT_EQ(dev->levels(), it->second) << file;
    EXPECT_LT(dev->g_min(), dev->g_max()) << file;
  }
  EXPECT_EQ(seen, levels_of.size());
}

// Same seed -> bit-identical cell states and tallies, for every model; another seed differs for
// the stochastic ones.
TEST(DeviceDeterminism, SameSeedGivesIdenticalCellStates) {
  const char* cards[] = {"device: {impl: domain_wall, states: 5, stuck_probability: 0.1}",
                         "device: {impl: mtj, write_pulse_width: 3 ns}", "device: {impl: pcm}",
                         "device: {impl: ideal, levels: 9}",
                         "device: {impl: measured_response, g_min: 3 nS, g_max: 38 nS, pulses_ltp: 97, "
                         "nonlinearity_ltp: 2.4, nonlinearity_ltd: -4.88, cycle_to_cycle: 0.035, read_noise: 0.01, "
                         "energy_per_pulse: 64 pJ, pulse_width: 300 us, read_voltage: 0.5 V, read_pulse_width: 5 ns}"};
  constexpr std::size_t n = 10000;
  for (const char* card : cards) {
    auto dev = make_device(card);
    auto run = [&](std::uint64_t seed) {
      Rng rng(seed, 4);
      std::vector<CellState> cells(n);
      dev->initialize(cells, rng);
      std::vector<float> target(n);
      for (std::size_t i = 0; i < n; ++i) {
        target[i] = static_cast<float>(dev->g_min() + (dev->g_max() - dev->g_min()) * rng.uniform());
      }
      ProgramOptions opts;
      opts.verify = true;
      opts.tolerance = 0.02;
      opts.max_attempts = 3;
      const auto t = dev->program(cells, testing::iota_index(n), target, opts, rng);
      std::vector<float> g(n);
      dev->read(cells, g, 3600.0, rng);
      return std::tuple{cells, t.attempts, t.energy_J, g};
    };
    const auto a = run(42);
    const auto b = run(42);
    const auto c = run(43);
    const auto& ca = std::get<0>(a);
    const auto& cb = std::get<0>(b);
    EXPECT_TRUE(same_bits(ca, cb)) << card;
    EXPECT_EQ(std::get<1>(a), std::get<1>(b)) << card;
    EXPECT_EQ(std::get<2>(a), std::get<2>(b)) << card;
    EXPECT_EQ(std::get<3>(a), std::get<3>(b)) << card;
    const auto& cc = std::get<0>(c);
    EXPECT_FALSE(same_bits(ca, cc)) << card;
  }
}

TEST(IdealDevice, ProgramsExactlyAndQuantizesWhenAsked) {
  auto cont = make_device("device: {impl: ideal, g_min: 1 uS, g_max: 11 uS}");
  auto quant = make_device("device: {impl: ideal, g_min: 1 uS, g_max: 11 uS, levels: 6}");
  Rng rng(1, 0);
  std::vector<CellState> cells(3);
  const std::uint32_t idx[3] = {0, 1, 2};
  const float target[3] = {3.3e-6F, 20e-6F, 0.0F};
  cont->initialize(cells, rng);
  const auto t = cont->program(cells, idx, target, {}, rng);
  EXPECT_EQ(cells[0].g, 3.3e-6F);
  EXPECT_EQ(cells[1].g, 11e-6F);  // clipped to g_max
  EXPECT_EQ(cells[2].g, 1e-6F);   // clipped to g_min
  EXPECT_EQ(t.attempts, 3U);
  // 6 levels: 1, 3, 5, 7, 9, 11 uS; 3.3 uS -> level 1 (3 uS).
  quant->program(cells, idx, target, {}, rng);
  EXPECT_FLOAT_EQ(cells[0].g, 3e-6F);
  EXPECT_EQ(cells[0].level, 1U);
  EXPECT_EQ(quant->nearest_level(8.1e-6), 4);
}

}  // namespace
}  // namespace xbarsim::devices
