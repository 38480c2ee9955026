// sweep.csv from synthetic report.json files: flattening of `summary` (by_component dropped,
// units kept in the names), canonical column order whatever subset the points hold, shortest
// round-trip numbers, empty cells for fields a point lacks, and the fp32 accuracy fallback.
#include "sweep/table.hpp"

#include <gtest/gtest.h>

namespace xbarsim::sweep {
namespace {

using json = nlohmann::ordered_json;

json inference_report(double adc, double array) {
  json r = json::parse(R"({"xbarsim_version": "0.1.0", "summary": {
    "area_um2": {"total": 300.5, "by_component": {"array": 100.25, "adc": 200.25}},
    "test_accuracy_pct": 97.5,
    "latency_per_inference_cycles": 1200,
    "latency_per_inference_ns": 1200.0
  }})");
  r["summary"]["energy_per_inference_pJ"] = {{"total", adc + array},
                                             {"by_component", {{"adc", adc}, {"array", array}}}};
  return r;
}

TEST(FlattenSummary, DropsByComponentAndKeepsUnits) {
  const auto flat = flatten_summary(inference_report(1.5, 2.25));
  std::vector<std::string> names;
  names.reserve(flat.size());
  for (const auto& [k, v] : flat) names.push_back(k);
  const std::vector<std::string> want = {"area_um2.total",
                                         "area_um2.array",
                                         "area_um2.adc",
                                         "test_accuracy_pct",
                                         "latency_per_inference_cycles",
                                         "latency_per_inference_ns",
                                         "energy_per_inference_pJ.total",
                                         "energy_per_inference_pJ.adc",
                                         "energy_per_inference_pJ.array"};
  EXPECT_EQ(names, want);
}

TEST(FlattenSummary, FallsBackToFinalAccuracyWithoutSummary) {
  const json fp32 = json::parse(R"({"results": {"final": {"test_accuracy_pct": 91.25}}})");
  const auto flat = flatten_summary(fp32);
  ASSERT_EQ(flat.size(), 1U);
  EXPECT_EQ(flat[0].first, "test_accuracy_pct");
  EXPECT_EQ(flat[0].second.get<double>(), 91.25);
  EXPECT_TRUE(flatten_summary(json::parse(R"({"results": {}})")).empty());
}

TEST(ColumnOrder, ContractOrderThenComponentsThenUnknownAlphabetically) {
  std::vector<std::string> cols = {"zeta_extra",
                                   "area_um2.adc",
                                   "energy_per_inference_pJ.leakage",
                                   "area_um2.total",
                                   "tops_per_w",
                                   "energy_per_inference_pJ.total",
                                   "test_accuracy_pct",
                                   "alpha_extra",
                                   "energy_per_inference_pJ.adc",
                                   "energy_per_inference_pJ.zzz",
                                   "latency_per_inference_ns"};
  std::sort(cols.begin(), cols.end(), column_before);
  const std::vector<std::string> want = {"test_accuracy_pct",
                                         "latency_per_inference_ns",
                                         "energy_per_inference_pJ.total",
                                         "energy_per_inference_pJ.adc",
                                         "energy_per_inference_pJ.leakage",
                                         "energy_per_inference_pJ.zzz",
                                         "area_um2.total",
                                         "area_um2.adc",
                                         "tops_per_w",
                                         "alpha_extra",
                                         "zeta_extra"};
  EXPECT_EQ(cols, want);
}

TEST(FormatValue, ShortestRoundTrip) {
  EXPECT_EQ(format_value(json(0.1)), "0.1");
  EXPECT_EQ(format_value(json(1200)), "1200");
  EXPECT_EQ(format_value(json(1.0 / 3.0)), "0.3333333333333333");
  EXPECT_EQ(std::stod(format_value(json(2.0 / 3.0))), 2.0 / 3.0);
  EXPECT_EQ(format_value(json(nullptr)), "");
}

TEST(BuildTable, RowsInPointOrderUnionOfColumnsEmptyCellsForMissingFields) {
  std::vector<PointResult> pts = {
      {"rows=64_device=dw", {"64", "dw"}, inference_report(1.0, 2.0)},
      {"rows=64_device=pcm", {"64", "pcm"}, json()},  // not finished: no row
      {"rows=128_device=dw",
       {"128", "dw"},
       json::parse(R"({"summary": {"test_accuracy_pct": 90, "tops_per_w": 12.5}})")},
  };
  const Table t = build_table({"rows", "device"}, pts);
  ASSERT_EQ(t.rows.size(), 2U);
  EXPECT_EQ(t.columns.front(), "point");
  EXPECT_EQ(t.columns[1], "rows");
  EXPECT_EQ(t.columns[2], "device");
  EXPECT_EQ(t.columns[3], "test_accuracy_pct");
  EXPECT_EQ(t.columns.back(), "tops_per_w");
  EXPECT_EQ(t.rows[0][0], "rows=64_device=dw");
  EXPECT_EQ(t.rows[1][0], "rows=128_device=dw");
  EXPECT_EQ(t.number(0, "energy_per_inference_pJ.total"), 3.0);
  EXPECT_EQ(t.number(1, "energy_per_inference_pJ.total"), std::nullopt);  // empty cell
  EXPECT_EQ(t.number(1, "tops_per_w"), 12.5);
  const std::string csv = t.csv();
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "point,rows,device,test_accuracy_pct,latency_per_inference_cycles,latency_per_inference_ns,"
            "energy_per_inference_pJ.total,energy_per_inference_pJ.array,energy_per_inference_pJ.adc,"
            "area_um2.total,area_um2.array,area_um2.adc,tops_per_w,schema_version");
  // The contract version ends every row (the table itself has no such column).
  EXPECT_EQ(csv.substr(csv.find('\n') + 1, csv.find('\n', csv.find('\n') + 1) - csv.find('\n') - 1),
            "rows=64_device=dw,64,dw,97.5,1200,1200,3,2,1,300.5,100.25,200.25,,1");
  EXPECT_EQ(std::count(t.columns.begin(), t.columns.end(), "schema_version"), 0);
}

TEST(BuildTable, SameRowsWhicheverOrderPointsFinished) {
  // Column order never depends on which points happen to be present (shards, merges).
  const std::vector<PointResult> a = {{"a", {"1"}, json::parse(R"({"summary": {"tops_per_w": 1}})")},
                                      {"b", {"2"}, json::parse(R"({"summary": {"test_accuracy_pct": 2}})")}};
  const std::vector<PointResult> b = {{"a", {"1"}, json::parse(R"({"summary": {"tops_per_w": 1}})")}};
  EXPECT_EQ(build_table({"x"}, a).columns, (std::vector<std::string>{"point", "x", "test_accuracy_pct", "tops_per_w"}));
  EXPECT_EQ(build_table({"x"}, b).columns, (std::vector<std::string>{"point", "x", "tops_per_w"}));
}

}  // namespace
}  // namespace xbarsim::sweep
