// Accounting of every experiment kind, checked on the golden regression outputs
// (tests/regression/golden/CASE/: report.json, energy.csv, area.csv). The regression tests keep
// those files byte-identical to what the current build writes, so these checks hold for what
// every kind of run reports:
// - the energy identity: every ledger row is count x energy per action, every node of the
//   component tree is the sum of its actions and children, energy.csv adds up to the tree's
//   total; the same for the area tree and area.csv;
// - every part that charges energy has an area row, or a reason stated here for not having one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace xbarsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kGolden = fs::path(XBARSIM_SOURCE_DIR) / "tests" / "regression" / "golden";

// Cases whose folder has a run's report.json (not the sweep and compare cases).
std::vector<std::string> run_cases() {
  std::vector<std::string> cases;
  for (const auto& entry : fs::directory_iterator(kGolden)) {
    if (fs::exists(entry.path() / "report.json") && fs::exists(entry.path() / "energy.csv")) {
      cases.push_back(entry.path().filename().string());
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

// One CSV record split into fields (double quotes around fields that hold commas).
std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

std::vector<std::vector<std::string>> read_csv(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) rows.push_back(csv_fields(line));
  return rows;
}

bool near(double a, double b, double rel) {
  return std::abs(a - b) <= rel * std::max({std::abs(a), std::abs(b), 1e-30});
}

// Checks the tree identity of an energy (key "energy_pJ") or area ("area_um2") node; returns
// the number of nodes checked.
int check_tree(const json& node, const std::string& key, const std::string& where) {
  double sum = 0.0;
  int nodes = 1;
  if (node.contains("actions")) {
    for (const auto& [name, a] : node["actions"].items()) {
      const double expect = a["count"].get<double>() * a["energy_per_action_pJ"].get<double>();
      EXPECT_TRUE(near(a["energy_pJ"].get<double>(), expect, 1e-12)) << where << " action " << name;
      sum += a["energy_pJ"].get<double>();
    }
  }
  if (node.contains("parts")) {
    for (const auto& part : node["parts"]) {
      const double expect = part["area_each_um2"].get<double>() * part["instances"].get<double>();
      EXPECT_TRUE(near(part[key].get<double>(), expect, 1e-12)) << where;
      sum += part[key].get<double>();
    }
  }
  if (node.contains("children")) {
    for (const auto& [name, child] : node["children"].items()) {
      nodes += check_tree(child, key, where + "/" + name);
      sum += child[key].get<double>();
    }
  }
  EXPECT_TRUE(near(node[key].get<double>(), sum, 1e-9)) << where << ": " << node[key] << " vs sum of parts " << sum;
  return nodes;
}

TEST(GoldenReports, EveryRunKindIsCovered) {
  const auto cases = run_cases();
  // fp32, tiled inference (5 devices), ex-situ, in-situ (3 rules): a new kind adds a case.
  EXPECT_GE(cases.size(), 11u);
}

TEST(GoldenReports, EnergyIdentity) {
  for (const std::string& c : run_cases()) {
    SCOPED_TRACE(c);
    std::ifstream in(kGolden / c / "report.json");
    const json report = json::parse(in);
    const auto rows = read_csv(kGolden / c / "energy.csv");
    if (c == "fp32") {
      EXPECT_TRUE(rows.empty());  // no chip, no ledger
      continue;
    }
    ASSERT_FALSE(rows.empty());
    // path,action,count,energy_per_action_pJ,energy_pJ,source,schema_version
    double csv_total = 0.0;
    for (const auto& r : rows) {
      ASSERT_EQ(r.size(), 7u);
      const double count = std::stod(r[2]);
      const double per_action = std::stod(r[3]);
      const double energy = std::stod(r[4]);
      EXPECT_TRUE(near(energy, count * per_action, 2e-8)) << r[0] << " " << r[1];  // 9 printed digits
      EXPECT_FALSE(r[5].empty()) << r[0] << " " << r[1] << ": no source";
      csv_total += energy;
    }
    const json& tree = report["energy"];
    EXPECT_GT(check_tree(tree, "energy_pJ", "energy"), 1);
    EXPECT_TRUE(near(csv_total, tree["energy_pJ"].get<double>(), 1e-7));
    // The programming split: the ex-situ write's four parts are the whole programming phase; the
    // in-situ programming energy is the devices' pulses and verify reads and the line charging.
    const json& summary = report["summary"];
    ASSERT_TRUE(summary.contains("programming_energy_split_pJ"));
    const json& split = summary["programming_energy_split_pJ"];
    const double parts = split["device_pulses"].get<double>() + split["verify_reads_device"].get<double>() +
                         split["write_driver_line_charge"].get<double>();
    if (report["experiment"]["impl"] == "tiled_inference") {
      EXPECT_TRUE(near(parts + split["verify_reads_periphery"].get<double>(),
                       summary["programming_energy_pJ"].get<double>(), 1e-9));
    } else {
      EXPECT_TRUE(near(parts, summary["programming_energy_pJ"].get<double>(), 1e-9));
    }
    for (const char* key : {"throughput_inferences_per_s", "tops_per_w", "tops_per_mm2"}) {
      ASSERT_TRUE(summary.contains(key)) << key;
      EXPECT_GT(summary[key].get<double>(), 0.0) << key;
    }
    // Summaries: every breakdown adds up to its total.
    for (const char* key : {"energy_per_inference_pJ", "energy_per_training_image_pJ"}) {
      if (!report["summary"].contains(key)) continue;
      const json& s = report["summary"][key];
      for (const char* by : {"by_component", "by_layer"}) {
        double sum = 0.0;
        for (const auto& [name, v] : s[by].items()) sum += v.get<double>();
        EXPECT_TRUE(near(sum, s["total"].get<double>(), 1e-9)) << key << " " << by;
      }
    }
  }
}

TEST(GoldenReports, AreaIdentity) {
  for (const std::string& c : run_cases()) {
    if (c == "fp32") continue;
    SCOPED_TRACE(c);
    std::ifstream in(kGolden / c / "report.json");
    const json report = json::parse(in);
    double csv_total = 0.0;
    for (const auto& r : read_csv(kGolden / c / "area.csv")) {
      ASSERT_EQ(r.size(), 6u);  // path,area_each_um2,instances,area_um2,source,schema_version
      EXPECT_TRUE(near(std::stod(r[3]), std::stod(r[1]) * std::stod(r[2]), 2e-8)) << r[0];
      EXPECT_FALSE(r[4].empty()) << r[0] << ": no source";
      csv_total += std::stod(r[3]);
    }
    check_tree(report["area"], "area_um2", "area");
    EXPECT_TRUE(near(csv_total, report["area"]["area_um2"].get<double>(), 1e-7));
    double by_component = 0.0;
    for (const auto& [name, v] : report["summary"]["area_um2"]["by_component"].items()) by_component += v.get<double>();
    EXPECT_TRUE(near(by_component, report["summary"]["area_um2"]["total"].get<double>(), 1e-9));
  }
}

// The area row that holds the hardware an energy row charges, or "" with the reason in
// `reason` when it has none.
std::string area_part_of(const std::string& path, const std::string& action, std::string& reason) {
  // PHASE/rest
  const std::string phase = path.substr(0, path.find('/'));
  const std::string rest = path.substr(path.find('/') + 1);
  const std::string leaf = rest.substr(rest.rfind('/') + 1);
  if (rest == "buffer" || rest == "accumulator") return "chip/" + rest;
  if (rest == "leakage") {
    reason = "leakage of the buffer and the accumulator, whose area rows exist";
    return "";
  }
  if (leaf == "control") {
    reason = "no controller model (energy 0 unless arch.control.energy_per_tile_op is set)";
    return "";
  }
  if (leaf == "digital") {
    if (action == "partial_sum_add" || action == "bias_activation") return "chip/" + rest;
    reason =
        "digital gradient and update arithmetic of in-situ training: an energy per operation "
        "(training.digital), the number of units is not modelled";
    return "";
  }
  // PHASE/layerN/tileR_C/part
  if (leaf == "cells") return "chip/tiles/array";  // the devices are the array's area
  if (phase == "backward" && (leaf == "dac" || leaf == "adc")) return "chip/tiles/backward_" + leaf;
  return "chip/tiles/" + leaf;
}

TEST(GoldenReports, EveryPartWithEnergyHasArea) {
  for (const std::string& c : run_cases()) {
    if (c == "fp32") continue;
    SCOPED_TRACE(c);
    std::map<std::string, double> areas;
    for (const auto& r : read_csv(kGolden / c / "area.csv")) areas[r[0]] = std::stod(r[3]);
    for (const auto& r : read_csv(kGolden / c / "energy.csv")) {
      std::string reason;
      const std::string part = area_part_of(r[0], r[1], reason);
      if (part.empty()) {
        EXPECT_FALSE(reason.empty());
        if (r[0].ends_with("/control")) {
          EXPECT_EQ(std::stod(r[4]), 0.0) << r[0] << ": control energy without a model";
        }
        continue;
      }
      const auto it = areas.find(part);
      ASSERT_NE(it, areas.end()) << r[0] << " " << r[1] << " charges energy; no area row " << part;
      EXPECT_GT(it->second, 0.0) << part;
    }
  }
}

}  // namespace
}  // namespace xbarsim
