#include "sweep/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include "core/report.hpp"

namespace xbarsim::sweep {
namespace {

// Metric columns: everything after `point` and the axis columns.
std::vector<std::string> metric_columns(const Table& t, const std::string& label_column) {
  std::vector<std::string> out;
  bool after = false;
  for (const auto& c : t.columns) {
    if (after) out.push_back(c);
    if (c == label_column) after = true;
  }
  return out;
}

std::string pretty(const std::string& cell) {
  double v = 0.0;
  char* end = nullptr;
  if (cell.empty()) return "-";
  v = std::strtod(cell.c_str(), &end);
  if (end != cell.c_str() + cell.size()) return cell;
  return fmt::format("{:.6g}", v);
}

std::string identity_cell(const std::vector<IdentityCheck>& checks, const std::string& label,
                          const std::string& field) {
  for (const auto& c : checks) {
    if (c.row_label != label || c.field != field) continue;
    if (c.holds) return fmt::format("holds ({} components)", c.components);
    return fmt::format("VIOLATED: sum {:.12g} != total {:.12g}", c.sum, c.total);
  }
  return "-";
}

std::vector<std::string> identity_fields(const std::vector<IdentityCheck>& checks) {
  std::vector<std::string> fields;
  for (const auto& c : checks) {
    if (std::find(fields.begin(), fields.end(), c.field) == fields.end()) fields.push_back(c.field);
  }
  return fields;
}

}  // namespace

std::vector<IdentityCheck> check_identities(const Table& t, const std::string& label_column) {
  std::vector<IdentityCheck> out;
  std::vector<std::string> fields;
  for (const auto& c : t.columns) {
    const auto pos = c.rfind(".total");
    if (pos != std::string::npos && pos + 6 == c.size()) fields.push_back(c.substr(0, pos));
  }
  const auto lc = t.column(label_column);
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    for (const auto& f : fields) {
      const auto total = t.number(r, f + ".total");
      if (!total) continue;
      // Two partitions of the same total: by component (f.X) and by layer (f.by_layer.X).
      for (const std::string& group : {f, f + ".by_layer"}) {
        IdentityCheck chk;
        chk.row_label = lc ? t.rows[r][*lc] : t.rows[r][0];
        chk.field = group;
        chk.total = *total;
        for (const auto& c : t.columns) {
          if (!is_part_column(c, group)) continue;
          if (const auto v = t.number(r, c)) {
            chk.sum += *v;
            ++chk.components;
          }
        }
        if (chk.components == 0) continue;
        chk.holds = std::abs(chk.sum - chk.total) <= 1e-9 * std::abs(chk.total);
        out.push_back(chk);
      }
    }
  }
  return out;
}

std::string compare_markdown(const Table& t, const std::string& label_column, const std::vector<IdentityCheck>& checks,
                             const std::string& title) {
  const auto lc = t.column(label_column);
  std::string out = fmt::format("# {}\n\n| metric |", title);
  for (const auto& r : t.rows) out += fmt::format(" {} |", r[*lc]);
  out += "\n|---|";
  for (std::size_t i = 0; i < t.rows.size(); ++i) out += "---:|";
  out += "\n";
  for (const auto& m : metric_columns(t, label_column)) {
    out += fmt::format("| {} |", m);
    for (const auto& r : t.rows) out += fmt::format(" {} |", pretty(r[*t.column(m)]));
    out += "\n";
  }
  for (const auto& f : identity_fields(checks)) {
    out += fmt::format("| identity: sum of {} components = total |", f);
    for (const auto& r : t.rows) out += fmt::format(" {} |", identity_cell(checks, r[*lc], f));
    out += "\n";
  }
  return out;
}

std::string compare_csv(const Table& t, const std::string& label_column) {
  const auto is_number = [](const std::string& cell) {
    char* end = nullptr;
    (void)std::strtod(cell.c_str(), &end);
    return !cell.empty() && end == cell.c_str() + cell.size();
  };
  std::vector<std::size_t> numeric;
  std::string out = csv_field(label_column);
  for (const auto& m : metric_columns(t, label_column)) {
    const std::size_t c = *t.column(m);
    if (std::all_of(t.rows.begin(), t.rows.end(),
                    [&](const std::vector<std::string>& r) { return r[c].empty() || is_number(r[c]); })) {
      numeric.push_back(c);
      out += ',';  // (not "," + field: GCC 12 -O3 warns -Wrestrict on that, a known false positive)
      out += csv_field(m);
    }
  }
  out += ',';
  out += kSchemaVersionColumn;
  out += "\n";
  const std::size_t lc = *t.column(label_column);
  for (const auto& r : t.rows) {
    out += csv_field(r[lc]);
    for (const std::size_t c : numeric) {
      out += ',';
      out += r[c];
    }
    out += ',';
    out += std::to_string(kCompareCsvSchemaVersion);
    out += "\n";
  }
  return out;
}

}  // namespace xbarsim::sweep
