// Measured-response synapse; the nonlinearity model of Chen et al., IEEE TCAD 37, 3067 (2018),
// eqs. (8)-(10), with NeuroSim's labels, noise and measured tables (see header); its CSV reader
// and least-squares fit.
#include "devices/measured_response.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <numbers>

#include "core/error.hpp"

namespace xbarsim::devices {

using units::Dimension;

namespace {

// The label's scale: NeuroSim's table of normalized A (labels 0.01 .. 9) is reproduced to its six
// printed digits by max_x [phi_a(x) - x] = 0.07 sqrt(2) |NL| (tests/unit/devices/
// measured_response_test.cpp checks twelve of its entries).
constexpr double kLabelDeviation = 0.07 * std::numbers::sqrt2;
constexpr double kMaxLabel = 9.0;  // NeuroSim's table ends at 9

// max_x [phi_a(x) - x] for a > 0: at x* = -a ln(a (1 - e^(-1/a))), phi_a(x*) = 1 / (1 - e^(-1/a)) - a.
double max_deviation(double a) {
  const double e = -std::expm1(-1.0 / a);
  return 1.0 / e - a + a * std::log(a * e);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_csv(std::string_view s) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto comma = s.find(',');
    out.push_back(trim(s.substr(0, comma)));
    if (comma == std::string_view::npos) return out;
    s.remove_prefix(comma + 1);
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The pulse map of the exponential curve of one direction: G' = alpha G + beta.
struct AffineMap {
  double alpha = 1.0;
  double beta = 0.0;
};

// LTP: P -> P + 1 along G(P) = g_min + B (1 - e^(-P/A)); LTD: P -> P - 1 along its own curve.
// G(P +/- 1) = G_inf + (G - G_inf) e^(-/+1/A), G_inf = g_min + B; the line for label 0.
AffineMap exponential_map(double g_min, double g_max, double nl, int pulses, bool ltp) {
  const double range = g_max - g_min;
  const double a = neurosim_normalized_a(nl);
  if (!std::isfinite(a)) return {1.0, (ltp ? 1.0 : -1.0) * range / pulses};
  const double big_a = a * pulses;
  const double b = range / -std::expm1(-pulses / big_a);
  const double s = ltp ? -1.0 / big_a : 1.0 / big_a;
  return {std::exp(s), -std::expm1(s) * (g_min + b)};
}

// The mean after g pulses of the map from G, and the sum_{j < g} alpha^(2j) that scales the
// variance of g pulses' noise.
double map_power(const AffineMap& m, double g_S, int pulses) {
  if (m.alpha == 1.0) return g_S + pulses * m.beta;
  const double g_inf = m.beta / (1.0 - m.alpha);
  return g_inf + (g_S - g_inf) * std::pow(m.alpha, pulses);
}
double noise_weight(const AffineMap& m, int pulses) {
  if (m.alpha == 1.0) return pulses;
  const double a2 = m.alpha * m.alpha;
  return (1.0 - std::pow(a2, pulses)) / (1.0 - a2);
}

}  // namespace

double neurosim_normalized_a(double nl) {
  const double t = std::abs(nl);
  if (t == 0.0) return std::numeric_limits<double>::infinity();
  const double target = kLabelDeviation * t;
  double a = 0.0;
  if (t < 1e-3) {
    a = 1.0 / (8.0 * target);  // max deviation = 1 / (8 a) + O(a^-3) for large a
  } else {
    double lo = std::log(1e-4);  // deviation 0.9991 > 0.07 sqrt(2) 9
    double hi = std::log(1e5);   // deviation 1.25e-6 < 0.07 sqrt(2) 1e-3
    for (int i = 0; i < 100; ++i) {
      const double mid = 0.5 * (lo + hi);
      (max_deviation(std::exp(mid)) > target ? lo : hi) = mid;  // the deviation falls as a grows
    }
    a = std::exp(0.5 * (lo + hi));
  }
  return nl > 0.0 ? a : -a;
}

double normalized_curve(double x, double a) {
  if (!std::isfinite(a)) return x;
  return std::expm1(-x / a) / std::expm1(-1.0 / a);
}

// ---------------------------------------------------------------------------------------------
// Data

PulseResponseData read_pulse_response_csv(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw DataError(fmt::format("{}: cannot read the pulse-response data: {}", name,
                                std::filesystem::exists(file, ec) ? "not a regular file" : "no such file"));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(fmt::format("{}: cannot open the pulse-response data", name));
  PulseResponseData d;
  d.file = name;
  std::string line;
  std::string g_column;
  double scale = 0.0;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (no == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a spreadsheet's UTF-8 mark
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string_view s = trim(line);
    if (s.empty() || s.front() == '#') continue;
    const std::vector<std::string_view> f = split_csv(s);
    if (g_column.empty()) {
      if (f.size() != 3 || f[0] != "direction" || f[1] != "pulse" || !f[2].starts_with("conductance_")) {
        throw DataError(
            fmt::format("{}:{}: header: expected 'direction,pulse,conductance_<unit>' (unit S, mS, uS, "
                        "nS or pS), got '{}'",
                        name, no, s));
      }
      const std::string unit(f[2].substr(std::string_view("conductance_").size()));
      try {
        scale = units::parse("1 " + unit, Dimension::kConductance);
      } catch (const units::ParseError&) {
        throw DataError(
            fmt::format("{}:{}: column 3 ({}): expected a conductance unit after 'conductance_' (S, mS, "
                        "uS, nS or pS), got '{}'",
                        name, no, f[2], unit));
      }
      g_column = std::string(f[2]);
      continue;
    }
    if (f.size() != 3) {
      throw DataError(
          fmt::format("{}:{}: expected 3 columns (direction,pulse,{}), got {}: '{}'", name, no, g_column, f.size(), s));
    }
    PulsePoint pt;
    pt.line = no;
    if (iequals(f[0], "ltp")) {
      pt.ltp = true;
    } else if (iequals(f[0], "ltd")) {
      pt.ltp = false;
    } else {
      throw DataError(fmt::format("{}:{}: column 1 (direction): expected ltp or ltd, got '{}'", name, no, f[0]));
    }
    const auto pr = std::from_chars(f[1].data(), f[1].data() + f[1].size(), pt.pulse);
    if (f[1].empty() || pr.ec != std::errc() || pr.ptr != f[1].data() + f[1].size() || pt.pulse < 0 ||
        pt.pulse > 1000000) {
      throw DataError(
          fmt::format("{}:{}: column 2 (pulse): expected an integer in [0, 1000000] (the pulse number "
                      "within its sweep), got '{}'",
                      name, no, f[1]));
    }
    double g = 0.0;
    const auto gr = std::from_chars(f[2].data(), f[2].data() + f[2].size(), g);
    if (f[2].empty() || gr.ec != std::errc() || gr.ptr != f[2].data() + f[2].size() || !std::isfinite(g) || g < 0.0 ||
        !std::isfinite(g * scale)) {
      throw DataError(
          fmt::format("{}:{}: column 3 ({}): expected a conductance >= 0 (a plain number in the header's "
                      "unit), got '{}'",
                      name, no, g_column, f[2]));
    }
    pt.g_S = g * scale;
    d.points.push_back(pt);
  }
  if (in.bad()) throw DataError(fmt::format("{}: read error after line {}", name, no));
  if (g_column.empty()) {
    throw DataError(fmt::format("{}: no header line (expected 'direction,pulse,conductance_<unit>')", name));
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// Fit

namespace {

// The points of one fit, positions normalized: x = P / P_max on the direction's curve.
struct FitPoints {
  std::vector<double> x;
  std::vector<double> y;  // G / y_scale
  std::vector<char> ltp;
};

struct Sums {
  double n = 0.0, f = 0.0, ff = 0.0, y = 0.0, fy = 0.0;
  Sums& operator+=(const Sums& o) {
    n += o.n;
    f += o.f;
    ff += o.ff;
    y += o.y;
    fy += o.fy;
    return *this;
  }
};

// The closed-form least squares of y = g0 + dg phi over the sums: g0, dg and the residual sum.
struct Linear {
  double g0 = 0.0, dg = 0.0, rss = 0.0;
};
Linear solve(const Sums& s, double syy) {
  Linear l;
  const double den = s.n * s.ff - s.f * s.f;
  if (!(den > 0.0)) return {0.0, 0.0, std::numeric_limits<double>::infinity()};
  l.dg = (s.n * s.fy - s.f * s.y) / den;
  l.g0 = (s.y - l.dg * s.f) / s.n;
  l.rss = std::max(syy - l.g0 * s.y - l.dg * s.fy, 0.0);
  return l;
}

Sums sums(const FitPoints& p, bool ltp, double nl) {
  const double a = neurosim_normalized_a(nl);
  Sums s;
  for (std::size_t i = 0; i < p.x.size(); ++i) {
    if ((p.ltp[i] != 0) != ltp) continue;
    const double f = normalized_curve(p.x[i], a);
    s.n += 1.0;
    s.f += f;
    s.ff += f * f;
    s.y += p.y[i];
    s.fy += f * p.y[i];
  }
  return s;
}

// Minimum of a function on [lo, hi] by golden-section search (smooth and unimodal near the grid
// minimum it starts from).
template <class F>
double golden_section(F&& f, double lo, double hi) {
  const double r = (std::sqrt(5.0) - 1.0) / 2.0;
  double c = hi - r * (hi - lo);
  double d = lo + r * (hi - lo);
  double fc = f(c);
  double fd = f(d);
  for (int i = 0; i < 80 && hi - lo > 1e-9; ++i) {
    if (fc < fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - r * (hi - lo);
      fc = f(c);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + r * (hi - lo);
      fd = f(d);
    }
  }
  return 0.5 * (lo + hi);
}

}  // namespace

PulseResponseFit fit_pulse_response(const PulseResponseData& data) {
  PulseResponseFit fit;
  int lo[2] = {std::numeric_limits<int>::max(), std::numeric_limits<int>::max()};
  int hi[2] = {-1, -1};  // [0] LTP, [1] LTD
  double y_scale = 0.0;
  for (const PulsePoint& p : data.points) {
    const int k = p.ltp ? 0 : 1;
    lo[k] = std::min(lo[k], p.pulse);
    hi[k] = std::max(hi[k], p.pulse);
    y_scale = std::max(y_scale, p.g_S);
    (p.ltp ? fit.points_ltp : fit.points_ltd) += 1;
  }
  for (int k = 0; k < 2; ++k) {
    if (hi[k] < 0 || lo[k] == hi[k]) {
      throw DataError(
          fmt::format("{}: {} {}: a fit needs each direction's sweep over at least two pulse numbers (ltp rows from "
                      "g_min, ltd rows "
                      "from g_max)",
                      data.file, k == 0 ? "ltp" : "ltd",
                      hi[k] < 0 ? std::string("has no rows") : fmt::format("rows all have pulse number {}", hi[k])));
    }
  }
  if (!(y_scale > 0.0)) throw DataError(fmt::format("{}: every conductance is 0", data.file));
  fit.pulses_ltp = hi[0];
  fit.pulses_ltd = hi[1];

  FitPoints pts;
  double syy = 0.0;
  for (const PulsePoint& p : data.points) {
    pts.x.push_back(p.ltp ? static_cast<double>(p.pulse) / hi[0] : static_cast<double>(hi[1] - p.pulse) / hi[1]);
    pts.y.push_back(p.g_S / y_scale);
    pts.ltp.push_back(p.ltp ? 1 : 0);
    syy += pts.y.back() * pts.y.back();
  }

  // Grid over the labels (step 0.1), each direction's sums kept per label: O(grid^2) pairs.
  constexpr int kGrid = 181;
  const auto label = [](int k) { return -kMaxLabel + 0.1 * k; };
  std::vector<Sums> s_ltp(kGrid), s_ltd(kGrid);
  for (int k = 0; k < kGrid; ++k) {
    s_ltp[k] = sums(pts, true, label(k));
    s_ltd[k] = sums(pts, false, label(k));
  }
  int best_p = 0, best_d = 0;
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < kGrid; ++i) {
    for (int j = 0; j < kGrid; ++j) {
      Sums s = s_ltp[i];
      s += s_ltd[j];
      const Linear l = solve(s, syy);
      if (l.dg > 0.0 && l.rss < best) {
        best = l.rss;
        best_p = i;
        best_d = j;
      }
    }
  }
  if (!std::isfinite(best)) {
    throw DataError(
        fmt::format("{}: no fit with g_max > g_min: the conductance must rise with ltp pulses and fall "
                    "with ltd pulses",
                    data.file));
  }
  // Refine each label around its grid node, in turn, until neither moves.
  double nl_p = label(best_p);
  double nl_d = label(best_d);
  const auto rss = [&](double p, double d) {
    Sums s = sums(pts, true, p);
    s += sums(pts, false, d);
    const Linear l = solve(s, syy);
    return l.dg > 0.0 ? l.rss : std::numeric_limits<double>::infinity();
  };
  for (int round = 0; round < 20; ++round) {
    const double p0 = nl_p, d0 = nl_d;
    nl_p = golden_section([&](double v) { return rss(v, nl_d); }, std::max(nl_p - 0.1, -kMaxLabel),
                          std::min(nl_p + 0.1, kMaxLabel));
    nl_d = golden_section([&](double v) { return rss(nl_p, v); }, std::max(nl_d - 0.1, -kMaxLabel),
                          std::min(nl_d + 0.1, kMaxLabel));
    if (std::abs(nl_p - p0) < 1e-8 && std::abs(nl_d - d0) < 1e-8) break;
  }
  Sums s = sums(pts, true, nl_p);
  s += sums(pts, false, nl_d);
  const Linear l = solve(s, syy);
  fit.nonlinearity_ltp = nl_p;
  fit.nonlinearity_ltd = nl_d;
  fit.g_min_S = l.g0 * y_scale;
  fit.g_max_S = (l.g0 + l.dg) * y_scale;
  const double range = fit.g_max_S - fit.g_min_S;
  const double n_points = static_cast<double>(data.points.size());
  fit.rms_S = std::sqrt(l.rss / n_points) * y_scale;
  fit.rms_fraction = fit.rms_S / range;

  // Cycle-to-cycle noise from one-step residuals: a point following another of its sweep by
  // g pulses sits at T^g(G_prev) + noise of variance (sigma R)^2 sum_{j<g} alpha^(2j).
  const AffineMap maps[2] = {exponential_map(fit.g_min_S, fit.g_max_S, nl_p, fit.pulses_ltp, true),
                             exponential_map(fit.g_min_S, fit.g_max_S, nl_d, fit.pulses_ltd, false)};
  double z2 = 0.0;
  for (int k = 0; k < 2; ++k) {
    const PulsePoint* prev = nullptr;
    for (const PulsePoint& p : data.points) {
      if (p.ltp != (k == 0)) continue;
      if (prev != nullptr && p.pulse > prev->pulse) {
        const int g = p.pulse - prev->pulse;
        const double r = p.g_S - map_power(maps[k], prev->g_S, g);
        z2 += r * r / noise_weight(maps[k], g);
        ++fit.steps;
      }
      prev = &p;
    }
  }
  fit.cycle_to_cycle = fit.steps > 0 ? std::sqrt(z2 / static_cast<double>(fit.steps)) / range : 0.0;

  // First-order errors, theta = (g_min / R, g_max / R, NL_LTP, NL_LTD) (conductances in units of
  // the range, so that every column of J is of order 1): theta_hat - theta = M^-1 J^T e with
  // M = J^T J and e the residuals / R, which along a sweep follow e_m = alpha^g e_(m-1) + s_m z_m
  // (s_m^2 = sigma^2 sum_{j<g} alpha^(2j); sigma^2 at a sweep's first point); so
  // Cov = M^-1 (sum_m s_m^2 c_m c_m^T) M^-1 with c_m = sum_(k >= m in the sweep) alpha^(P_k - P_m) J_k.
  const double sigma = fit.cycle_to_cycle;
  const auto jacobian_row = [&](const PulsePoint& p, double x) {
    Eigen::Vector4d j = Eigen::Vector4d::Zero();
    const double nl = p.ltp ? nl_p : nl_d;
    const double phi = normalized_curve(x, neurosim_normalized_a(nl));
    j(0) = 1.0 - phi;
    j(1) = phi;
    const double h = 1e-4;
    const double up = std::min(nl + h, kMaxLabel);
    const double dn = std::max(nl - h, -kMaxLabel);
    j(p.ltp ? 2 : 3) =
        (normalized_curve(x, neurosim_normalized_a(up)) - normalized_curve(x, neurosim_normalized_a(dn))) / (up - dn);
    return j;
  };
  Eigen::Matrix4d m = Eigen::Matrix4d::Zero();
  Eigen::Matrix4d meat = Eigen::Matrix4d::Zero();
  for (std::size_t i = 0; i < data.points.size(); ++i) {
    const Eigen::Vector4d j = jacobian_row(data.points[i], pts.x[i]);
    m += j * j.transpose();
  }
  for (int k = 0; k < 2; ++k) {
    // Each sweep (a run of points whose pulse numbers rise) walked backwards.
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < data.points.size(); ++i)
      if (data.points[i].ltp == (k == 0)) idx.push_back(i);
    Eigen::Vector4d acc = Eigen::Vector4d::Zero();
    for (std::size_t r = idx.size(); r-- > 0;) {
      const PulsePoint& p = data.points[idx[r]];
      const bool sweep_end = r + 1 == idx.size() || data.points[idx[r + 1]].pulse <= p.pulse;
      if (sweep_end) {
        acc.setZero();
      } else {
        acc *= std::pow(maps[k].alpha, data.points[idx[r + 1]].pulse - p.pulse);
      }
      acc += jacobian_row(p, pts.x[idx[r]]);
      const bool sweep_start = r == 0 || data.points[idx[r - 1]].pulse >= p.pulse;
      const double w = sweep_start ? 1.0 : noise_weight(maps[k], p.pulse - data.points[idx[r - 1]].pulse);
      meat += (sigma * sigma * w) * (acc * acc.transpose());
    }
  }
  const Eigen::FullPivLU<Eigen::Matrix4d> lu(m);
  if (lu.isInvertible()) {
    const Eigen::Matrix4d mi = lu.inverse();
    const Eigen::Matrix4d cov = mi * meat * mi;
    fit.se_g_min_S = range * std::sqrt(std::max(cov(0, 0), 0.0));
    fit.se_g_max_S = range * std::sqrt(std::max(cov(1, 1), 0.0));
    fit.se_nonlinearity_ltp = std::sqrt(std::max(cov(2, 2), 0.0));
    fit.se_nonlinearity_ltd = std::sqrt(std::max(cov(3, 3), 0.0));
  } else {
    const double inf = std::numeric_limits<double>::infinity();
    fit.se_g_min_S = fit.se_g_max_S = fit.se_nonlinearity_ltp = fit.se_nonlinearity_ltd = inf;
  }
  return fit;
}

// ---------------------------------------------------------------------------------------------
// Device

double MeasuredResponseDevice::Curve::value(double x) const {
  const auto n = static_cast<double>(table.size() - 1);
  if (x <= 0.0) return table[0] + x * (table[1] - table[0]);
  if (x >= n) return table.back() + (x - n) * (table.back() - table[table.size() - 2]);
  const auto k = static_cast<std::size_t>(x);
  return table[k] + (x - static_cast<double>(k)) * (table[k + 1] - table[k]);
}

double MeasuredResponseDevice::Curve::position(double g) const {
  if (g <= table[0]) return (g - table[0]) / (table[1] - table[0]);
  if (g >= table.back()) {
    return static_cast<double>(table.size() - 1) + (g - table.back()) / (table.back() - table[table.size() - 2]);
  }
  const auto it = std::upper_bound(table.begin(), table.end(), g);  // table[k] <= g < table[k + 1]
  const auto k = static_cast<std::size_t>(it - table.begin()) - 1;
  return static_cast<double>(k) + (g - table[k]) / (table[k + 1] - table[k]);
}

double MeasuredResponseDevice::Curve::next(double g) const {
  if (table.empty()) return alpha * g + beta;
  return value(position(g) + step);
}

MeasuredResponseDevice::MeasuredResponseDevice(const Params& p) {
  if (p.has("table")) {
    read_table(p);
  } else {
    g_min_ = p.quantity("g_min", Dimension::kConductance, 0.0);
    g_max_ = p.quantity("g_max", Dimension::kConductance, 0.0);
    if (!(g_max_ > g_min_)) p.fail("g_max", fmt::format("a conductance greater than g_min ({:g} S)", g_min_));
    pulses_ltp_ = static_cast<int>(p.integer("pulses_ltp", 1, 10000));
    pulses_ltd_ = static_cast<int>(p.integer_or("pulses_ltd", pulses_ltp_, 1, 10000));
    const double nl_ltp = p.real_or("nonlinearity_ltp", 0.0, -kMaxLabel, kMaxLabel);
    const double nl_ltd = p.real_or("nonlinearity_ltd", 0.0, -kMaxLabel, kMaxLabel);
    const AffineMap up = exponential_map(g_min_, g_max_, nl_ltp, pulses_ltp_, true);
    const AffineMap down = exponential_map(g_min_, g_max_, nl_ltd, pulses_ltd_, false);
    ltp_ = Curve{up.alpha, up.beta, {}, 1};
    ltd_ = Curve{down.alpha, down.beta, {}, -1};
  }
  sigma_S_ = p.real_or("cycle_to_cycle", 0.0, 0.0, 1.0) * (g_max_ - g_min_);
  read_sigma_ = p.real_or("read_noise", 0.0, 0.0, 1.0);
  devices_per_weight_ = static_cast<int>(p.integer_or("devices_per_weight", 2, 1, 2));
  energy_per_pulse_J_ = p.quantity("energy_per_pulse", Dimension::kEnergy, 0.0);
  pulse_width_s_ = p.quantity("pulse_width", Dimension::kTime, 0.0);
  read_voltage_V_ = p.quantity("read_voltage", Dimension::kVoltage, 0.0);
  read_pulse_width_s_ = p.quantity("read_pulse_width", Dimension::kTime, 0.0);
  // Default: a read of V_read^2 G t_read at mid range, as the other cards' verify reads.
  const double read_J = read_voltage_V_ * read_voltage_V_ * 0.5 * (g_min_ + g_max_) * read_pulse_width_s_;
  energy_per_read_J_ =
      p.quantity_or("energy_per_read", Dimension::kEnergy, units::format(read_J, Dimension::kEnergy, 6), 0.0);
  refresh_upper_ = p.real_or("refresh_upper", 0.75, 0.0, 1.0);
  refresh_lower_ = p.real_or("refresh_lower", 0.25, 0.0, 1.0);
  refresh_max_pulses_ = static_cast<int>(p.integer_or("refresh_max_pulses", 1000, 1, 65535));
}

void MeasuredResponseDevice::read_table(const Params& p) {
  for (const char* key : {"g_min", "g_max", "pulses_ltp", "pulses_ltd", "nonlinearity_ltp", "nonlinearity_ltd"}) {
    if (p.has(key)) {
      p.fail(key, fmt::format("no {} beside table (the measured points set the range, the pulse counts and the "
                              "curves)",
                              key));
    }
  }
  const PulseResponseData d = read_pulse_response_csv(p.file_path("table", /*relative_to_file=*/true));
  // Each direction: the mean conductance at every pulse number 0 .. N (repeated sweeps averaged).
  const auto build = [&](bool ltp) {
    const char* dir = ltp ? "ltp" : "ltd";
    int n = -1;
    for (const PulsePoint& pt : d.points)
      if (pt.ltp == ltp) n = std::max(n, pt.pulse);
    if (n < 1) {
      throw DataError(fmt::format("{}: {} needs points at pulse numbers 0 .. N with N >= 1 for a table device, got {}",
                                  d.file, dir, n < 0 ? "none" : "pulse 0 only"));
    }
    std::vector<double> sum(static_cast<std::size_t>(n) + 1, 0.0);
    std::vector<int> count(sum.size(), 0), first_line(sum.size(), 0);
    for (const PulsePoint& pt : d.points) {
      if (pt.ltp != ltp) continue;
      const auto k = static_cast<std::size_t>(pt.pulse);
      sum[k] += pt.g_S;
      if (count[k]++ == 0) first_line[k] = pt.line;
    }
    for (std::size_t k = 0; k < sum.size(); ++k) {
      if (count[k] == 0) {
        throw DataError(
            fmt::format("{}: {} pulse {} has no point (a table device needs every pulse number from 0 to "
                        "{}; or fit the model: xbarsim fit-device)",
                        d.file, dir, k, n));
      }
      sum[k] /= count[k];
      if (k > 0 && (ltp ? !(sum[k] > sum[k - 1]) : !(sum[k] < sum[k - 1]))) {
        throw DataError(
            fmt::format("{}:{}: {} conductance must {} with the pulse number: pulse {} has {:g} S against "
                        "{:g} S at pulse {} (a table device needs a monotonic sweep; or fit the model: "
                        "xbarsim fit-device)",
                        d.file, first_line[k], dir, ltp ? "rise" : "fall", k, sum[k], sum[k - 1], k - 1));
      }
    }
    return sum;
  };
  ltp_.table = build(true);
  std::vector<double> down = build(false);
  std::reverse(down.begin(), down.end());  // P = N - d: increasing in P
  ltd_.table = std::move(down);
  ltp_.step = 1;
  ltd_.step = -1;
  pulses_ltp_ = static_cast<int>(ltp_.table.size()) - 1;
  pulses_ltd_ = static_cast<int>(ltd_.table.size()) - 1;
  g_min_ = std::max(ltp_.table.front(), ltd_.table.front());
  g_max_ = std::min(ltp_.table.back(), ltd_.table.back());
  if (!(g_max_ > g_min_)) {
    throw DataError(fmt::format("{}: the ltp sweep ({:g} .. {:g} S) and the ltd sweep ({:g} .. {:g} S) share no range",
                                d.file, ltp_.table.front(), ltp_.table.back(), ltd_.table.front(), ltd_.table.back()));
  }
}

void MeasuredResponseDevice::initialize(std::span<CellState> cells, Rng& /*rng*/) const {
  const CellState fresh{static_cast<float>(g_min_), 0.0F, 0.0F, 0U};
  std::fill(cells.begin(), cells.end(), fresh);
}

void MeasuredResponseDevice::conductance(std::span<const CellState> cells, std::span<float> g_out,
                                         double /*time_s*/) const {
  const std::size_t n = cells.size();
  const CellState* c = cells.data();
  float* out = g_out.data();
  for (std::size_t i = 0; i < n; ++i) out[i] = c[i].g;
}

void MeasuredResponseDevice::read(std::span<const CellState> cells, std::span<float> g_out, double time_s,
                                  Rng& rng) const {
  conductance(cells, g_out, time_s);
  if (read_sigma_ <= 0.0) return;
  float* out = g_out.data();
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const double v = out[i] * (1.0 + read_sigma_ * rng.normal());
    out[i] = static_cast<float>(v > 0.0 ? v : 0.0);
  }
}

double MeasuredResponseDevice::pulse(const Curve& c, double g, Rng& rng) const {
  double x = c.next(g);
  if (sigma_S_ > 0.0) x += sigma_S_ * rng.normal();
  return std::clamp(x, g_min_, g_max_);
}

int MeasuredResponseDevice::pulses_toward(double g, double target, bool& ltp) const {
  if (target == g) return 0;
  ltp = target > g;
  const Curve& c = ltp ? ltp_ : ltd_;
  const int cap = 4 * (pulses_ltp_ + pulses_ltd_) + 16;
  int n = 0;
  while (n < cap) {
    const double next = std::clamp(c.next(g), g_min_, g_max_);
    if (!(std::abs(next - target) < std::abs(g - target))) break;
    g = next;
    ++n;
  }
  return n;
}

ProgramTally MeasuredResponseDevice::pulse_cells(const Curve& c, std::span<CellState> cells,
                                                 std::span<const std::uint32_t> cell_index,
                                                 std::span<const std::uint16_t> n_pulses, Rng& rng) const {
  ProgramTally t;
  t.program_events = cell_index.size();
  t.attempts = t.program_events;
  std::uint64_t pulses = 0;
  for (std::size_t i = 0; i < cell_index.size(); ++i) {
    CellState& cell = cells[cell_index[i]];
    double g = cell.g;
    for (std::uint16_t k = 0; k < n_pulses[i]; ++k) g = pulse(c, g, rng);
    cell.g = static_cast<float>(g);
    pulses += n_pulses[i];
  }
  t.pulses = pulses;
  t.energy_J = static_cast<double>(pulses) * energy_per_pulse_J_;
  t.time_s = static_cast<double>(pulses) * pulse_width_s_;
  return t;
}

ProgramTally MeasuredResponseDevice::apply_pulses(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                                                  std::span<const std::uint16_t> n_pulses, Rng& rng) const {
  return pulse_cells(ltp_, cells, cell_index, n_pulses, rng);
}

ProgramTally MeasuredResponseDevice::apply_depression_pulses(std::span<CellState> cells,
                                                             std::span<const std::uint32_t> cell_index,
                                                             std::span<const std::uint16_t> n_pulses, Rng& rng) const {
  return pulse_cells(ltd_, cells, cell_index, n_pulses, rng);
}

double MeasuredResponseDevice::mean_step_S(double g_S) const {
  const double g = std::clamp(g_S, g_min_, g_max_);
  return ltp_.next(g) - g;
}

double MeasuredResponseDevice::step_std_S(double /*g_S*/) const { return sigma_S_; }

double MeasuredResponseDevice::mean_depression_step_S(double g_S) const {
  const double g = std::clamp(g_S, g_min_, g_max_);
  return g - ltd_.next(g);
}

ProgramTally MeasuredResponseDevice::do_program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                                                std::span<const float> target_S, const ProgramOptions& opts, Rng& rng,
                                                std::span<std::uint16_t> attempts) const {
  ProgramTally t;
  t.program_events = cell_index.size();
  const double tolerance_S = opts.tolerance * (g_max_ - g_min_);
  const int max_attempts = opts.verify ? std::max(opts.max_attempts, 1) : 1;
  for (std::size_t i = 0; i < cell_index.size(); ++i) {
    CellState& c = cells[cell_index[i]];
    const double target = std::clamp(static_cast<double>(target_S[i]), g_min_, g_max_);
    int a = 0;
    for (;;) {
      bool ltp = true;
      const int n = pulses_toward(c.g, target, ltp);
      const Curve& curve = ltp ? ltp_ : ltd_;
      double g = c.g;
      for (int k = 0; k < n; ++k) g = pulse(curve, g, rng);
      c.g = static_cast<float>(g);
      ++a;
      t.pulses += static_cast<std::uint64_t>(n);
      if (!opts.verify) break;
      ++t.verify_reads;
      if (std::abs(static_cast<double>(c.g) - target) <= tolerance_S) break;
      if (a >= max_attempts || n == 0) {
        ++t.unconverged;
        break;
      }
    }
    t.attempts += static_cast<std::uint64_t>(a);
    if (!attempts.empty()) attempts[i] = static_cast<std::uint16_t>(std::min(a, 65535));
  }
  t.energy_J =
      static_cast<double>(t.pulses) * energy_per_pulse_J_ + static_cast<double>(t.verify_reads) * energy_per_read_J_;
  t.time_s = static_cast<double>(t.pulses) * pulse_width_s_ + static_cast<double>(t.verify_reads) * read_pulse_width_s_;
  return t;
}

ProgramTally MeasuredResponseDevice::refresh(std::span<CellState> plus, std::span<CellState> minus,
                                             std::span<const std::uint32_t> pair_index, Rng& rng) const {
  ProgramTally t;
  const double range = g_max_ - g_min_;
  const double upper = g_min_ + refresh_upper_ * range;
  const double lower = g_min_ + refresh_lower_ * range;
  for (const std::uint32_t i : pair_index) {
    CellState& a = plus[i];
    CellState& b = minus[i];
    const double hi = std::max(a.g, b.g);
    const double lo = std::min(a.g, b.g);
    if (!(hi > upper && lo > lower)) continue;
    ++t.program_events;
    t.verify_reads += 2;  // both devices read
    const double diff = static_cast<double>(a.g) - static_cast<double>(b.g);
    for (CellState* c : {&a, &b}) {  // both depressed to g_min, open loop from the value read
      bool ltp = false;
      const int n = pulses_toward(c->g, g_min_, ltp);
      double g = c->g;
      for (int k = 0; k < n; ++k) g = pulse(ltd_, g, rng);
      c->g = static_cast<float>(g);
      t.pulses += static_cast<std::uint64_t>(n);
    }
    CellState& side = diff >= 0.0 ? a : b;
    const CellState& other = diff >= 0.0 ? b : a;
    ++t.verify_reads;  // the depressed reference device
    const double goal = std::abs(diff) + other.g;
    double g = side.g;
    for (int k = 0; k < refresh_max_pulses_ && g < goal - 0.5 * mean_step_S(g); ++k) {
      g = pulse(ltp_, g, rng);
      ++t.pulses;
      ++t.verify_reads;  // read after each pulse
    }
    side.g = static_cast<float>(g);
    ++t.attempts;
  }
  t.energy_J =
      static_cast<double>(t.pulses) * energy_per_pulse_J_ + static_cast<double>(t.verify_reads) * energy_per_read_J_;
  t.time_s = static_cast<double>(t.pulses) * pulse_width_s_ + static_cast<double>(t.verify_reads) * read_pulse_width_s_;
  return t;
}

XBARSIM_REGISTER(DeviceRegistry, "measured_response", MeasuredResponseDevice)

}  // namespace xbarsim::devices
