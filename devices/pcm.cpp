// Statistical PCM model; equations from Joshi et al. 2020 and Nandakumar et al. 2020 as fitted
// in IBM aihwkit (see header).
#include "devices/pcm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "devices/program_loop.hpp"

namespace xbarsim::devices {

using units::Dimension;

namespace {

constexpr double kProgNoiseReference_S = 25e-6;  // the fit's g_max (Joshi et al., aihwkit)
constexpr double kMinRelative = 1e-7;            // aihwkit's _ZERO_CLIP for ln(u_T)

// A list of plain numbers with a default. (Params cannot record a list default in the resolved
// configuration; the documented defaults apply when the key is absent.)
std::vector<double> list_of(const Params& p, std::string_view key, std::vector<double> dflt, std::size_t min_n,
                            std::size_t max_n) {
  std::vector<double> v = p.has(key) ? p.real_list(key) : std::move(dflt);
  if (v.size() < min_n || v.size() > max_n) {
    p.fail(key, min_n == max_n ? fmt::format("a list of {} numbers", min_n)
                               : fmt::format("a list of {} to {} numbers", min_n, max_n));
  }
  return v;
}

}  // namespace

PcmDevice::PcmDevice(const Params& p) {
  g_max_ = p.quantity_or("g_max", Dimension::kConductance, "25 uS", 1e-15);
  devices_per_weight_ = static_cast<int>(p.integer_or("devices_per_weight", 2, 1, 2));
  prog_coeff_ = list_of(p, "prog_coeff", {0.26348, 1.9650, -1.1731}, 1, 8);
  prog_noise_scale_ = p.real_or("prog_noise_scale", 1.0, 0.0);
  const auto mu = list_of(p, "drift_mu", {-0.0155, 0.0244, 0.049, 0.1}, 4, 4);
  const auto sg = list_of(p, "drift_sigma", {-0.0125, -0.0059, 0.008, 0.045}, 4, 4);
  const auto q = list_of(p, "read_noise_q", {0.0088, 0.65, 0.2}, 3, 3);
  std::copy(mu.begin(), mu.end(), drift_mu_.begin());
  std::copy(sg.begin(), sg.end(), drift_sigma_.begin());
  std::copy(q.begin(), q.end(), q_.begin());
  if (drift_mu_[2] > drift_mu_[3]) p.fail("drift_mu", "[slope, intercept, min, max] with min <= max");
  if (drift_sigma_[2] < 0.0 || drift_sigma_[2] > drift_sigma_[3]) {
    p.fail("drift_sigma", "[slope, intercept, min, max] with 0 <= min <= max");
  }
  if (q_[2] < 0.0) p.fail("read_noise_q", "[coefficient, exponent, max] with max >= 0");
  drift_scale_ = p.real_or("drift_scale", 1.0, 0.0);
  read_noise_scale_ = p.real_or("read_noise_scale", 1.0, 0.0);
  t0_s_ = p.quantity_or("t0", Dimension::kTime, "20 s", 1e-12);
  t_read_s_ = p.quantity_or("t_read", Dimension::kTime, "250 ns", 1e-15);
  energy_per_pulse_J_ = p.quantity_or("energy_per_pulse", Dimension::kEnergy, "10 pJ", 0.0);
  pulses_per_program_ = static_cast<std::uint32_t>(p.integer_or("pulses_per_program", 1, 1, 1000));
  pulse_width_s_ = p.quantity_or("pulse_width", Dimension::kTime, "100 ns", 0.0);
  read_voltage_V_ = p.quantity_or("read_voltage", Dimension::kVoltage, "0.2 V", 0.0);
  read_pulse_width_s_ = p.quantity_or("read_pulse_width", Dimension::kTime, "10 ns", 0.0);
  verify_read_energy_J_ = read_voltage_V_ * read_voltage_V_ * 0.5 * g_max_ * read_pulse_width_s_;

  const Params s = p.child_or_empty("set_model");
  set_step_ = s.real_or("step", 0.005, 0.0, 1.0);
  set_a_ = s.real_or("exp_a", -1.0);
  set_b_ = s.real_or("exp_b", 0.0);
  set_A_ = s.real_or("exp_A", -27.235);
  set_gamma_ = s.real_or("exp_gamma", 2.5);
  c2c_std_ = s.real_or("c2c_std", 0.6, 0.0);
  c2c_add_ = s.real_or("c2c_add", 0.021, 0.0);
  c2c_slope_ = s.real_or("c2c_slope", 0.108, 0.0);
  reset_u_ = s.real_or("reset", 0.005, 0.0, 1.0);
  reset_std_u_ = s.real_or("reset_std", 0.0, 0.0);
  refresh_upper_ = s.real_or("refresh_upper", 0.75, 0.0, 1.0);
  refresh_lower_ = s.real_or("refresh_lower", 0.25, 0.0, 1.0);
  refresh_max_pulses_ = static_cast<int>(s.integer_or("refresh_max_pulses", 100, 1, 100000));
}

double PcmDevice::programming_sigma_S(double g_target_S) const {
  const double u = g_target_S / g_max_;
  double poly = 0.0;
  double m = 1.0;
  for (double c : prog_coeff_) {
    poly += c * m;
    m *= u;
  }
  return std::max(poly, 0.0) * 1e-6 * (g_max_ / kProgNoiseReference_S) * prog_noise_scale_;
}

double PcmDevice::drift_mu(double g_target_S) const {
  const double lu = std::log(std::max(g_target_S / g_max_, kMinRelative));
  return std::clamp(drift_mu_[0] * lu + drift_mu_[1], drift_mu_[2], drift_mu_[3]);
}

double PcmDevice::drift_sigma(double g_target_S) const {
  const double lu = std::log(std::max(g_target_S / g_max_, kMinRelative));
  return std::clamp(drift_sigma_[0] * lu + drift_sigma_[1], drift_sigma_[2], drift_sigma_[3]);
}

// aihwkit evaluates Q from |G_prog| (its u^0.65 clamped at 1e-3, which q_max = 0.2 makes moot).
double PcmDevice::read_noise_q(double g_S) const {
  const double u = std::max(std::abs(g_S) / g_max_, kMinRelative);
  return std::min(q_[0] / std::pow(u, q_[1]), q_[2]);
}

// aihwkit (apply_drift_noise_to_conductance): t = t_inference + t0 in the 1/f term too. The
// logarithm is positive unless t0 < t_read; aihwkit would take the root of a negative number
// there, xbarsim reads without noise.
double PcmDevice::read_noise_time_factor(double time_s) const {
  const double l = std::log((time_s + t0_s_ + t_read_s_) / (2.0 * t_read_s_));
  return l > 0.0 ? std::sqrt(l) : 0.0;
}

void PcmDevice::initialize(std::span<CellState> cells, Rng& /*rng*/) const {
  std::fill(cells.begin(), cells.end(), CellState{});
}

void PcmDevice::conductance(std::span<const CellState> cells, std::span<float> g_out, double time_s) const {
  const std::size_t n = cells.size();
  const CellState* c = cells.data();
  float* out = g_out.data();
  // aihwkit: G_prog ((t + t0) / t0)^(-nu), t counted from the end of programming.
  if (time_s <= 0.0) {
    for (std::size_t i = 0; i < n; ++i) out[i] = c[i].g;
    return;
  }
  const auto lt = static_cast<float>(std::log((time_s + t0_s_) / t0_s_));
  for (std::size_t i = 0; i < n; ++i) out[i] = c[i].g * std::exp(-c[i].u * lt);
}

void PcmDevice::read(std::span<const CellState> cells, std::span<float> g_out, double time_s, Rng& rng) const {
  conductance(cells, g_out, time_s);
  const double f = read_noise_scale_ * read_noise_time_factor(time_s);
  if (f <= 0.0) return;
  const std::size_t n = cells.size();
  const CellState* c = cells.data();
  float* out = g_out.data();
  for (std::size_t i = 0; i < n; ++i) {
    const double g = out[i];
    const double v = g + std::abs(g) * f * c[i].q * rng.normal();
    out[i] = static_cast<float>(v > 0.0 ? v : 0.0);
  }
}

ProgramTally PcmDevice::do_program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                                   std::span<const float> target_S, const ProgramOptions& opts, Rng& rng,
                                   std::span<std::uint16_t> attempts) const {
  const detail::AttemptCost cost{energy_per_pulse_J_, pulses_per_program_, pulse_width_s_, verify_read_energy_J_,
                                 read_pulse_width_s_};
  struct Goal {
    double g;      // target, S
    double sigma;  // programming noise, S
    double mu;     // drift exponent mean
    double sd;     // drift exponent std
  };
  return detail::program_loop(
      cells, cell_index, target_S, opts, attempts, opts.tolerance * g_max_, cost,
      [this](float target) {
        const double g = std::clamp(static_cast<double>(target), 0.0, g_max_);
        return Goal{g, programming_sigma_S(g), drift_mu(g), drift_sigma(g)};
      },
      [&](CellState& c, const Goal& goal) {
        const double g = goal.g + goal.sigma * rng.normal();
        c.g = static_cast<float>(g > 0.0 ? g : 0.0);
        c.u = static_cast<float>(std::abs(goal.mu + goal.sd * rng.normal()) * drift_scale_);
        c.q = static_cast<float>(read_noise_q(c.g));  // from G_prog, as aihwkit
        c.level = 0;
      },
      [](const CellState& c, const Goal& goal) { return std::abs(static_cast<double>(c.g) - goal.g); });
}

double PcmDevice::mean_step_S(double g_S) const {
  const double u = g_S / g_max_;
  const double y = 1.0 - set_A_ * std::exp(set_gamma_ * (2.0 * set_a_ * u + set_b_));
  return set_step_ * std::max(y, 0.0) * g_max_;
}

double PcmDevice::step_std_S(double g_S) const {
  const double u = g_S / g_max_;
  const double du = mean_step_S(g_S) / g_max_;
  return c2c_std_ * (du + c2c_add_ + c2c_slope_ * std::abs(u)) * g_max_;
}

void PcmDevice::set_pulse(CellState& c, Rng& rng) const {
  const double u = c.g / g_max_;
  const double y = 1.0 - set_A_ * std::exp(set_gamma_ * (2.0 * set_a_ * u + set_b_));
  const double du = set_step_ * std::max(y, 0.0);
  const double sd = c2c_std_ * (du + c2c_add_ + c2c_slope_ * std::abs(u));
  const double un = std::clamp(u + du + sd * rng.normal(), 0.0, 1.0);
  c.g = static_cast<float>(un * g_max_);
  c.u = 0.0F;
  c.q = static_cast<float>(read_noise_q(un * g_max_));
}

void PcmDevice::reset(CellState& c, Rng& rng) const {
  double u = reset_u_;
  if (reset_std_u_ > 0.0) u = std::clamp(u + reset_std_u_ * rng.normal(), 0.0, 1.0);
  c.g = static_cast<float>(u * g_max_);
  c.u = 0.0F;
  c.q = static_cast<float>(read_noise_q(u * g_max_));
}

ProgramTally PcmDevice::apply_pulses(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                                     std::span<const std::uint16_t> n_pulses, Rng& rng) const {
  ProgramTally t;
  t.program_events = cell_index.size();
  std::uint64_t pulses = 0;
  for (std::size_t i = 0; i < cell_index.size(); ++i) {
    CellState& c = cells[cell_index[i]];
    for (std::uint16_t k = 0; k < n_pulses[i]; ++k) set_pulse(c, rng);
    pulses += n_pulses[i];
  }
  t.attempts = t.program_events;
  t.pulses = pulses;
  t.energy_J = static_cast<double>(pulses) * energy_per_pulse_J_;
  t.time_s = static_cast<double>(pulses) * pulse_width_s_;
  return t;
}

ProgramTally PcmDevice::refresh(std::span<CellState> plus, std::span<CellState> minus,
                                std::span<const std::uint32_t> pair_index, Rng& rng) const {
  ProgramTally t;
  const double upper = refresh_upper_ * g_max_;
  const double lower = refresh_lower_ * g_max_;
  for (std::uint32_t i : pair_index) {
    CellState& a = plus[i];
    CellState& b = minus[i];
    const double hi = std::max(a.g, b.g);
    const double lo = std::min(a.g, b.g);
    if (!(hi > upper && lo > lower)) continue;
    ++t.program_events;
    t.verify_reads += 2;  // read both devices
    const double diff = static_cast<double>(a.g) - static_cast<double>(b.g);
    reset(a, rng);
    reset(b, rng);
    t.pulses += 2;
    CellState& side = diff >= 0.0 ? a : b;
    CellState& other = diff >= 0.0 ? b : a;
    const double goal = std::abs(diff) + other.g;  // the other device sits at the RESET level
    for (int k = 0; k < refresh_max_pulses_ && side.g < goal - 0.5 * mean_step_S(side.g); ++k) {
      set_pulse(side, rng);
      ++t.pulses;
      ++t.verify_reads;
    }
    ++t.attempts;
  }
  t.energy_J =
      static_cast<double>(t.pulses) * energy_per_pulse_J_ + static_cast<double>(t.verify_reads) * verify_read_energy_J_;
  t.time_s = static_cast<double>(t.pulses) * pulse_width_s_ + static_cast<double>(t.verify_reads) * read_pulse_width_s_;
  return t;
}

XBARSIM_REGISTER(DeviceRegistry, "pcm", PcmDevice)

}  // namespace xbarsim::devices
