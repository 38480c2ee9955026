// Domain-wall synapse model; equations from Al Misba et al., arXiv:2111.07284 (see header).
#include "devices/domain_wall.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "devices/program_loop.hpp"

namespace xbarsim::devices {

using units::Dimension;

DomainWallDevice::DomainWallDevice(const Params& p) {
  const auto n = static_cast<std::size_t>(p.integer("states", 2, 1024));
  track_length_m_ = p.quantity_or("track_length", Dimension::kLength, "100 nm", 1e-12);
  const double r_p = p.quantity_or("r_p", Dimension::kResistance, "100 kOhm", 1e-3);
  const double tmr = p.real_or("tmr", 1.0, 1e-6);
  const double sigma_m = p.quantity_or("sigma", Dimension::kLength, "5 nm", 0.0);
  stuck_probability_ = p.real_or("stuck_probability", 0.0, 0.0, 1.0);
  energy_per_event_J_ = p.quantity_or("energy_per_event", Dimension::kEnergy, "3 fJ", 0.0);
  pulse_width_s_ = p.quantity_or("pulse_width", Dimension::kTime, "1 ns", 0.0);
  read_voltage_V_ = p.quantity_or("read_voltage", Dimension::kVoltage, "0.1 V", 0.0);
  read_pulse_width_s_ = p.quantity_or("read_pulse_width", Dimension::kTime, "10 ns", 0.0);
  devices_per_weight_ = static_cast<int>(p.integer_or("devices_per_weight", 1, 1, 2));

  const double g_max = 1.0 / r_p;
  const double g_min = 1.0 / (r_p * (1.0 + tmr));
  site_u_.resize(n);
  site_sigma_u_.assign(n, sigma_m / track_length_m_);
  site_g_.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    site_u_[k] = static_cast<double>(k) / static_cast<double>(n - 1);
    site_g_[k] = g_min + (g_max - g_min) * site_u_[k];
  }

  // Optional per-state overrides: sigma (length) and conductance (all states or none).
  if (p.has("per_state")) {
    const std::vector<Params> rows = p.child_list("per_state");
    if (rows.size() != n) {
      p.fail("per_state", fmt::format("a list of exactly {} maps (one per state)", n));
    }
    const bool table = rows.front().has("conductance");
    for (std::size_t k = 0; k < n; ++k) {
      const Params& r = rows[k];
      if (r.has("sigma")) {
        site_sigma_u_[k] = r.quantity("sigma", Dimension::kLength, 0.0) / track_length_m_;
      }
      if (r.has("conductance") != table) {
        r.fail("conductance", "a conductance in every per_state entry or in none");
      }
      if (table) {
        const double lo = k == 0 ? 0.0 : site_g_[k - 1];
        site_g_[k] = r.quantity("conductance", Dimension::kConductance, 0.0);
        if (k > 0 && site_g_[k] <= lo) {
          r.fail("conductance", fmt::format("a conductance greater than that of state {} ({:g} S): G_min < G_max "
                                            "and the table increases with the wall position",
                                            k - 1, lo));
        }
      }
    }
  }
  slope_.resize(n - 1);
  for (std::size_t k = 0; k + 1 < n; ++k) {
    slope_[k] = (site_g_[k + 1] - site_g_[k]) / (site_u_[k + 1] - site_u_[k]);
  }
  // Verify read: V^2 G t at the middle of the conductance range.
  verify_read_energy_J_ =
      read_voltage_V_ * read_voltage_V_ * 0.5 * (site_g_.front() + site_g_.back()) * read_pulse_width_s_;
}

int DomainWallDevice::nearest_site(double g_S) const {
  const auto it = std::lower_bound(site_g_.begin(), site_g_.end(), g_S);
  if (it == site_g_.begin()) return 0;
  if (it == site_g_.end()) return static_cast<int>(site_g_.size()) - 1;
  const auto k = static_cast<int>(it - site_g_.begin());
  return (*it - g_S) < (g_S - *(it - 1)) ? k : k - 1;
}

double DomainWallDevice::conductance_at(double u) const {
  u = std::clamp(u, 0.0, 1.0);
  const std::size_t segs = slope_.size();
  auto s = static_cast<std::size_t>(u * static_cast<double>(segs));
  if (s >= segs) s = segs - 1;
  return site_g_[s] + slope_[s] * (u - site_u_[s]);
}

void DomainWallDevice::initialize(std::span<CellState> cells, Rng& /*rng*/) const {
  const CellState fresh{static_cast<float>(site_g_.front()), 0.0F, 0.0F, 0U};
  std::fill(cells.begin(), cells.end(), fresh);
}

void DomainWallDevice::conductance(std::span<const CellState> cells, std::span<float> g_out, double /*time_s*/) const {
  const std::size_t n = cells.size();
  const CellState* c = cells.data();
  float* out = g_out.data();
  for (std::size_t i = 0; i < n; ++i) out[i] = c[i].g;
}

void DomainWallDevice::read(std::span<const CellState> cells, std::span<float> g_out, double time_s,
                            Rng& /*rng*/) const {
  conductance(cells, g_out, time_s);
}

ProgramTally DomainWallDevice::do_program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                                          std::span<const float> target_S, const ProgramOptions& opts, Rng& rng,
                                          std::span<std::uint16_t> attempts) const {
  const detail::AttemptCost cost{energy_per_event_J_, 1, pulse_width_s_, verify_read_energy_J_, read_pulse_width_s_};
  const double tol_S = opts.tolerance * (site_g_.back() - site_g_.front());
  const bool can_stick = stuck_probability_ > 0.0;
  return detail::program_loop(
      cells, cell_index, target_S, opts, attempts, tol_S, cost, [this](float target) { return nearest_site(target); },
      [&](CellState& c, int k) {
        if (can_stick && rng.bernoulli(stuck_probability_)) return;  // the wall did not move
        const auto ks = static_cast<std::size_t>(k);
        const double u = std::clamp(site_u_[ks] + site_sigma_u_[ks] * rng.normal(), 0.0, 1.0);
        c.u = static_cast<float>(u);
        c.g = static_cast<float>(conductance_at(u));
        c.level = static_cast<std::uint32_t>(k);
      },
      [this](const CellState& c, int k) {
        return std::abs(static_cast<double>(c.g) - site_g_[static_cast<std::size_t>(k)]);
      });
}

XBARSIM_REGISTER(DeviceRegistry, "domain_wall", DomainWallDevice)

}  // namespace xbarsim::devices
