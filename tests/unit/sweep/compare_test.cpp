// The technology comparison at equal footing: each technology's own experiment and flow, seeds
// averaged, an fp32 reference run once per seed, extra axes; the statistics, the accuracy
// warnings and the iso-accuracy choice, each against values computed by hand.
#include "sweep/compare.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "core/error.hpp"
#include "sweep/spec.hpp"

namespace xbarsim::sweep {
namespace {

namespace fs = std::filesystem;

class CompareSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           (std::string("xbarsim_compare_test_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "experiments");
    fs::create_directories(dir_ / "devices");
    write("experiments/fp32.yaml", "experiment: {name: f, impl: fp32_training}\n");
    write("experiments/exsitu.yaml", "experiment: {name: e, impl: tiled_inference}\n");
    write("experiments/insitu.yaml", "experiment: {name: i, impl: insitu_training}\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  std::string error_of(const std::string& text) {
    try {
      (void)parse_compare(write("bad.yaml", text)).points();
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  }
  fs::path dir_;
};

TEST_F(CompareSpecTest, ReferenceFirstThenTechnologyAxesSeedsWithOwnExperiments) {
  const auto f = write("c.yaml",
                       "compare:\n  seeds: [1, 2]\n  set: {data.test_limit: 10}\n"
                       "  reference: {base: experiments/fp32.yaml, set: {training.epochs: 1}}\n"
                       "  axes:\n    - {name: bits, key: arch.adc.bits, values: [4, 8]}\n"
                       "  technologies:\n"
                       "    - {name: DW, flow: ex situ, base: experiments/exsitu.yaml}\n"
                       "    - {name: MTJ, flow: in situ, base: experiments/insitu.yaml, set: {arch.adc.bits: 6}}\n");
  const SweepSpec s = parse_compare(f);
  ASSERT_EQ(s.axes.size(), 3U);  // technology, bits, seed
  EXPECT_EQ(s.seed_axis(), std::optional<std::size_t>(2));
  const auto pts = s.points();
  // 2 reference points (one per seed), then 2 technologies x 2 bits x 2 seeds, seed fastest.
  ASSERT_EQ(pts.size(), 2U + 8U);
  EXPECT_TRUE(pts[0].reference);
  EXPECT_EQ(pts[0].name, "technology=fp32_seed=1");
  EXPECT_EQ(pts[1].name, "technology=fp32_seed=2");
  EXPECT_EQ(pts[0].labels, (std::vector<std::string>{"fp32", "", "1"}));
  EXPECT_EQ(pts[0].base, fs::absolute(dir_ / "experiments/fp32.yaml").lexically_normal());
  // The reference takes its own `set`, not compare.set (its experiment need not have those keys).
  EXPECT_EQ(pts[1].overrides, (std::vector<std::string>{"training.epochs=1", "experiment.seed=2"}));
  EXPECT_FALSE(pts[2].reference);
  EXPECT_EQ(pts[2].index, 2U);
  EXPECT_EQ(pts[2].name, "technology=DW_bits=4_seed=1");
  EXPECT_EQ(pts[2].base, fs::absolute(dir_ / "experiments/exsitu.yaml").lexically_normal());
  EXPECT_EQ(pts[3].labels, (std::vector<std::string>{"DW", "4", "2"}));
  EXPECT_EQ(pts[9].name, "technology=MTJ_bits=8_seed=2");
  EXPECT_EQ(pts[9].base, fs::absolute(dir_ / "experiments/insitu.yaml").lexically_normal());
  // compare.set, the technology's set, then each axis in order: the axis value wins over both.
  EXPECT_EQ(pts[9].overrides, (std::vector<std::string>{"data.test_limit=10", "arch.adc.bits=6", "arch.adc.bits=8",
                                                        "experiment.seed=2"}));
  // Without compare.base the first technology's experiment stands for it.
  EXPECT_EQ(s.base, pts[2].base);

  const auto m = manifest(s, pts);
  EXPECT_EQ(m["reference"]["label"], "fp32");
  EXPECT_EQ(m["axes"][0]["flows"], nlohmann::ordered_json::array({"ex situ", "in situ"}));
  EXPECT_EQ(m["axes"][2]["keys"], nlohmann::ordered_json::array({"experiment.seed"}));
  EXPECT_EQ(m["points"][0]["reference"], true);
  EXPECT_FALSE(m["points"][2].contains("reference"));
  EXPECT_EQ(m["points"][9]["base"], pts[9].base.string());
  EXPECT_EQ(m["accuracy_margin_pct"], 1.5);
  const CompareLayout l = compare_layout(m);
  EXPECT_EQ(l.axes, (std::vector<std::string>{"technology", "bits", "seed"}));
  EXPECT_EQ(l.seed, std::optional<std::size_t>(2));
  EXPECT_EQ(l.reference, std::optional<std::string>("fp32"));
  EXPECT_EQ(l.flows.at("MTJ"), "in situ");
}

TEST_F(CompareSpecTest, MistakesNameTheirKey) {
  const std::string techs = "  technologies:\n    - {name: DW, base: experiments/exsitu.yaml}\n";
  EXPECT_NE(error_of("compare:\n  axes:\n    - {key: experiment.seed, values: [1, 2]}\n" + techs)
                .find("give the seeds as compare.seeds"),
            std::string::npos);
  EXPECT_NE(error_of("compare:\n  reference: {base: experiments/fp32.yaml, name: DW}\n" + techs)
                .find("'DW' is the reference's name"),
            std::string::npos);
  EXPECT_NE(error_of("compare:\n  technologies:\n    - {name: DW, base: experiments/exsitu.yaml}\n"
                     "    - {name: X, set: {a.b: 1}}\n")
                .find("technology 'X' has no 'base'"),
            std::string::npos);
  EXPECT_NE(error_of("compare:\n  reference: {base: experiments/none.yaml}\n" + techs).find("none.yaml"),
            std::string::npos);
  EXPECT_NE(error_of("compare:\n  accuracy_margin_pct: -1\n" + techs).find("accuracy_margin_pct"), std::string::npos);
  EXPECT_NE(error_of("compare:\n  seeds: []\n" + techs).find("seeds"), std::string::npos);
  EXPECT_EQ(error_of("compare:\n  seeds: [3]\n" + techs), "no error");
}

// A compare's sweep.csv: the reference (2 seeds) and two technologies at two ADC resolutions,
// 2 seeds each.
Table two_seed_table() {
  Table t;
  t.columns = {"point",
               "technology",
               "bits",
               "seed",
               "test_accuracy_pct",
               "energy_per_inference_pJ.total",
               "energy_per_inference_pJ.adc",
               "energy_per_inference_pJ.array",
               "note"};
  t.rows = {
      {"r1", "fp32", "", "1", "98.4", "", "", "", "x"},      {"r2", "fp32", "", "2", "98.2", "", "", "", "x"},
      {"a1", "DW", "4", "1", "96.0", "10", "4", "6", "x"},   {"a2", "DW", "4", "2", "95.0", "12", "5", "7", "x"},
      {"b1", "DW", "8", "1", "97.9", "30", "20", "10", "x"}, {"b2", "DW", "8", "2", "97.5", "32", "22", "10", "x"},
      {"c1", "MTJ", "4", "1", "90.0", "5", "1", "4", "x"},   {"c2", "MTJ", "4", "2", "91.0", "5", "1", "4", "x"},
      {"d1", "MTJ", "8", "1", "96.5", "8", "3", "5", "x"},   {"d2", "MTJ", "8", "2", "96.9", "8", "3", "5.5", "x"},
  };
  return t;
}

CompareLayout two_seed_layout() {
  CompareLayout l;
  l.axes = {"technology", "bits", "seed"};
  l.seed = 2;
  l.reference = "fp32";
  l.flows = {{"DW", "ex situ"}, {"MTJ", "in situ"}};
  l.accuracy_margin_pct = 1.5;
  l.target_below_reference_pct = 1.0;
  return l;
}

TEST(Comparison, SeedsAveragedWarningsAndIdentityPerPoint) {
  const Comparison c = compare(two_seed_table(), two_seed_layout());
  EXPECT_EQ(c.keys, (std::vector<std::string>{"technology", "bits"}));
  // "note" holds text: not a metric.
  EXPECT_EQ(c.metrics, (std::vector<std::string>{"test_accuracy_pct", "energy_per_inference_pJ.total",
                                                 "energy_per_inference_pJ.adc", "energy_per_inference_pJ.array"}));
  ASSERT_EQ(c.configurations.size(), 5U);
  EXPECT_TRUE(c.configurations[0].reference);
  EXPECT_EQ(c.title(0), "fp32");
  EXPECT_EQ(c.title(1), "DW, bits=4");
  // Reference: mean (98.4 + 98.2) / 2 = 98.3; sample std |98.4 - 98.2| / sqrt(2) = 0.141421...
  ASSERT_TRUE(c.reference_accuracy);
  EXPECT_NEAR(c.reference_accuracy->mean, 98.3, 1e-12);
  EXPECT_NEAR(c.reference_accuracy->std, 0.2 / std::sqrt(2.0), 1e-12);
  // DW, 4 bits: energy mean 11, std |12 - 10| / sqrt(2).
  const auto e = c.stat(1, "energy_per_inference_pJ.total");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->n, 2U);
  EXPECT_NEAR(e->mean, 11.0, 1e-12);
  EXPECT_NEAR(e->std, 2.0 / std::sqrt(2.0), 1e-12);
  EXPECT_FALSE(c.stat(0, "energy_per_inference_pJ.total"));  // the reference has no hardware
  // Margin 1.5 below 98.3 = 96.8: DW 4 bits (95.5) and MTJ 4 bits (90.5) are flagged, MTJ 8 bits
  // (96.7, 1.6 below) too; DW 8 bits (97.7) is not.
  ASSERT_EQ(c.warnings.size(), 3U);
  EXPECT_NE(c.warnings[0].find("DW, bits=4: test accuracy 95.50 % is 2.80 points below the fp32 reference (98.30 %)"),
            std::string::npos);
  EXPECT_NE(c.warnings[1].find("MTJ, bits=4"), std::string::npos);
  EXPECT_NE(c.warnings[2].find("MTJ, bits=8: test accuracy 96.70 % is 1.60 points below"), std::string::npos);
  // Identity per point: d2's components 3 + 5.5 != 8.
  std::size_t violated = 0;
  for (const auto& chk : c.checks) violated += chk.holds ? 0 : 1;
  EXPECT_EQ(violated, 1U);

  const std::string md = compare_markdown(c, "t");
  EXPECT_NE(md.find("| metric | fp32 | DW, bits=4 | DW, bits=8 | MTJ, bits=4 | MTJ, bits=8 |"), std::string::npos);
  EXPECT_NE(md.find("| flow | reference | ex situ | ex situ | in situ | in situ |"), std::string::npos);
  EXPECT_NE(md.find("| test accuracy − fp32 (points) | +0.00 | -2.80 | -0.60 | -7.80 | -1.60 |"), std::string::npos);
  EXPECT_NE(md.find("| energy_per_inference_pJ.total | - | 11 ± 1.4 | 31 ± 1.4 | 5 ± 0 | 8 ± 0 |"), std::string::npos);
  EXPECT_NE(md.find("holds (2 components) | VIOLATED"), std::string::npos);
  EXPECT_NE(md.find("## Warnings"), std::string::npos);

  // compare.csv: a row per configuration, mean and std per metric, every digit.
  const std::string csv = compare_csv(c);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "technology,bits,seeds,test_accuracy_pct.mean,test_accuracy_pct.std,energy_per_inference_pJ.total.mean,"
            "energy_per_inference_pJ.total.std,energy_per_inference_pJ.adc.mean,energy_per_inference_pJ.adc.std,"
            "energy_per_inference_pJ.array.mean,energy_per_inference_pJ.array.std,schema_version");
  EXPECT_NE(csv.find("\nfp32,,2,98.30000000000001,0.1414213562373"), std::string::npos);
  EXPECT_NE(csv.find("\nDW,4,2,95.5,0.7071067811865476,11,1.4142135623730951,4.5,"), std::string::npos);
}

TEST(Comparison, IsoAccuracyPicksTheCheapestThatReachesTheTarget) {
  // Target: 98.3 - 1.0 = 97.3. DW: only 8 bits reaches it (97.7 %, 31 pJ), chosen although 4 bits
  // costs less. MTJ: reaches it nowhere; its best is 8 bits (96.7 %).
  const Comparison c = compare(two_seed_table(), two_seed_layout());
  const std::string md = iso_accuracy_markdown(c);
  EXPECT_NE(md.find("test accuracy >= 97.30 %"), std::string::npos);
  EXPECT_NE(md.find("| DW | ex situ | bits=8 | 97.7 ± 0.28 | 31 ± 1.4 |"), std::string::npos);
  EXPECT_NE(md.find("| MTJ | in situ | **target not reached**: best 96.70 % (MTJ, bits=8) | - |"), std::string::npos);
  const std::string csv = iso_accuracy_csv(c);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "technology,reached,target_accuracy_pct,bits,best_accuracy_pct,test_accuracy_pct.mean,"
            "energy_per_inference_pJ.total.mean,latency_per_inference_ns.mean,area_um2.total.mean,tops_per_w.mean,"
            "energy_per_training_image_pJ.total.mean,schema_version");
  EXPECT_NE(csv.find("\nDW,1,97.30000000000001,8,97.7,97.7,31,,,,,1\n"), std::string::npos);
  EXPECT_NE(csv.find("\nMTJ,0,97.30000000000001,,96.7,,,,,,,1\n"), std::string::npos);

  // A lower target (2 points below): DW's cheaper 4-bit point still misses (95.5 < 96.3), MTJ's
  // 8-bit point (96.7) now reaches it.
  CompareLayout l = two_seed_layout();
  l.target_below_reference_pct = 2.0;
  const std::string md2 = iso_accuracy_markdown(compare(two_seed_table(), l));
  EXPECT_NE(md2.find("| DW | ex situ | bits=8 |"), std::string::npos);
  EXPECT_NE(md2.find("| MTJ | in situ | bits=8 | 96.7 ± 0.28 | 8 ± 0 |"), std::string::npos);

  // Without a reference there is no target: no view.
  CompareLayout none = two_seed_layout();
  none.reference.reset();
  EXPECT_EQ(iso_accuracy_markdown(compare(two_seed_table(), none)), "");
}

}  // namespace
}  // namespace xbarsim::sweep

namespace xbarsim::sweep {
namespace {

TEST(Comparison, EqualValuesHaveNoSpreadEvenWhenTheirMeanIsOffInTheLastBit) {
  // (0.1 + 0.1 + 0.1) / 3 = 0.10000000000000002 in doubles: the two-pass spread would be ~1e-17,
  // shown as "± 1.7e-17"; three equal values have none.
  Table t;
  t.columns = {"point", "technology", "seed", "test_accuracy_pct"};
  t.rows = {{"a", "DW", "1", "0.1"}, {"b", "DW", "2", "0.1"}, {"c", "DW", "3", "0.1"}};
  CompareLayout l;
  l.axes = {"technology", "seed"};
  l.seed = 1;
  const auto s = compare(t, l).stat(0, "test_accuracy_pct");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->std, 0.0);
  EXPECT_EQ(s->n, 3U);
}

}  // namespace
}  // namespace xbarsim::sweep
