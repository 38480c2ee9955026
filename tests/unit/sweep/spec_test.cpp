// Sweep and compare specs: strict parsing (unknown keys, values of any YAML type), point order in
// product and zip mode, point names, card axes, shards; the energy identity check of compare.
#include "sweep/spec.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/error.hpp"
#include "sweep/compare.hpp"

namespace xbarsim::sweep {
namespace {

namespace fs = std::filesystem;

class SpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           (std::string("xbarsim_spec_test_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "experiments");
    fs::create_directories(dir_ / "devices");
    write("experiments/base.yaml", "experiment: {name: x, impl: fp32_training}\n");
    write("devices/pcm.yaml", "device:\n  impl: pcm\n  g_max: 25 uS\n");
    write("devices/dw_5state.yaml", "device:\n  impl: domain_wall\n  states: 5\n");
    write("devices/mtj_ternary.yaml", "device:\n  impl: mtj\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  fs::path dir_;
};

TEST_F(SpecTest, ProductOrderLastAxisFastestAndOverrides) {
  const auto f = write("s.yaml",
                       "sweep:\n  base: experiments/base.yaml\n  set: {data.test_limit: 100}\n  axes:\n"
                       "    - {key: arch.array.rows, values: [64, 128]}\n"
                       "    - {key: network.layers, name: net, values: [[784, 10], [784, 32, 10]], labels: [a, b]}\n");
  const SweepSpec s = parse_sweep(f);
  EXPECT_EQ(s.name, "s");
  EXPECT_EQ(s.base, fs::absolute(dir_ / "experiments/base.yaml").lexically_normal());
  const auto pts = s.points();
  ASSERT_EQ(pts.size(), 4U);
  EXPECT_EQ(pts[0].name, "rows=64_net=a");
  EXPECT_EQ(pts[1].name, "rows=64_net=b");
  EXPECT_EQ(pts[2].name, "rows=128_net=a");
  EXPECT_EQ(pts[1].overrides,
            (std::vector<std::string>{"data.test_limit=100", "arch.array.rows=64", "network.layers=[784, 32, 10]"}));
  EXPECT_EQ(pts[3].labels, (std::vector<std::string>{"128", "b"}));
}

TEST_F(SpecTest, ZipAndMultiKeyAxes) {
  const auto f = write("z.yaml",
                       "sweep:\n  base: experiments/base.yaml\n  mode: zip\n  axes:\n"
                       "    - {keys: [arch.array.rows, arch.array.cols], name: size, values: [64, [128, 256]]}\n"
                       "    - {key: arch.adc.bits, values: [4, 6]}\n");
  const auto pts = parse_sweep(f).points();
  ASSERT_EQ(pts.size(), 2U);
  EXPECT_EQ(pts[0].overrides,
            (std::vector<std::string>{"arch.array.rows=64", "arch.array.cols=64", "arch.adc.bits=4"}));
  EXPECT_EQ(pts[1].name, "size=128x256_bits=6");
  EXPECT_EQ(pts[1].overrides,
            (std::vector<std::string>{"arch.array.rows=128", "arch.array.cols=256", "arch.adc.bits=6"}));
}

TEST_F(SpecTest, CardAxisReplacesTheSection) {
  const auto f = write("c.yaml",
                       "sweep:\n  base: experiments/base.yaml\n  axes:\n"
                       "    - {key: device.include, values: [devices/pcm.yaml, devices/dw_5state.yaml]}\n");
  const auto pts = parse_sweep(f).points();
  ASSERT_EQ(pts.size(), 2U);
  EXPECT_EQ(pts[0].name, "include=pcm");
  EXPECT_EQ(pts[0].overrides, (std::vector<std::string>{"device={impl: pcm, g_max: 25 uS}"}));
  EXPECT_EQ(pts[1].labels, (std::vector<std::string>{"dw_5state"}));
}

TEST_F(SpecTest, StrictAboutKeysAndShapes) {
  auto error_of = [&](const std::string& text) -> std::string {
    try {
      parse_sweep(write("e.yaml", text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "no error";
  };
  const std::string head = "sweep:\n  base: experiments/base.yaml\n";
  EXPECT_NE(error_of(head + "  axes:\n    - {key: a.b, values: [1], colour: red}\n")
                .find("e.yaml:4: sweep.axes[0].colour: unknown key"),
            std::string::npos);
  EXPECT_NE(error_of(head + "  axes:\n    - {key: a.b}\n").find("sweep.axes[0].values"), std::string::npos);
  EXPECT_NE(error_of(head + "  axes:\n    - {key: a.b, keys: [c, d], values: [1]}\n").find("exactly one of 'key'"),
            std::string::npos);
  EXPECT_NE(error_of(head + "  axes:\n    - {key: a.b, values: [1, 2], labels: [x]}\n").find("a list of 2 labels"),
            std::string::npos);
  EXPECT_NE(error_of(head + "  axes:\n    - {key: a.b, values: [1, 1]}\n").find("appears twice"), std::string::npos);
  EXPECT_NE(error_of(head + "  mode: diagonal\n  axes:\n    - {key: a.b, values: [1]}\n").find("sweep.mode"),
            std::string::npos);
  EXPECT_NE(error_of(head + "  axes:\n    - {key: device.include, values: [devices/none.yaml]}\n").find("none.yaml"),
            std::string::npos);
  // Maps under `set:` are read whole (nothing inside them is reported as unknown).
  EXPECT_EQ(error_of(head + "  set: {training.optimizer: {impl: adam, learning_rate: 0.001}}\n  axes:\n"
                            "    - {key: a.b, values: [x, {k: 1}]}\n"),
            "no error");
}

TEST_F(SpecTest, CompareDefaultsToDwMtjPcmBesideTheBase) {
  const auto f = write("cmp.yaml", "compare:\n  base: experiments/base.yaml\n");
  const SweepSpec s = parse_compare(f);
  ASSERT_EQ(s.axes.size(), 1U);
  EXPECT_EQ(s.axes[0].name, "technology");
  const auto pts = s.points();
  ASSERT_EQ(pts.size(), 3U);
  EXPECT_EQ(pts[0].labels[0], "DW 5-state");
  EXPECT_EQ(pts[1].labels[0], "MTJ ternary");
  EXPECT_EQ(pts[2].labels[0], "PCM");
  EXPECT_EQ(pts[2].overrides, (std::vector<std::string>{"device={impl: pcm, g_max: 25 uS}"}));
  EXPECT_EQ(pts[0].name, "technology=DW-5-state");
}

TEST_F(SpecTest, CompareTechnologiesWithCardsAndOverrides) {
  const auto f = write("cmp2.yaml",
                       "compare:\n  base: experiments/base.yaml\n  set: {data.test_limit: 10}\n  technologies:\n"
                       "    - {name: PCM, device: devices/pcm.yaml, set: {arch.adc.bits: 6}}\n"
                       "    - {name: ideal, set: {device: {impl: ideal}}}\n");
  const auto pts = parse_compare(f).points();
  ASSERT_EQ(pts.size(), 2U);
  EXPECT_EQ(pts[0].overrides,
            (std::vector<std::string>{"data.test_limit=10", "device={impl: pcm, g_max: 25 uS}", "arch.adc.bits=6"}));
  EXPECT_EQ(pts[1].overrides, (std::vector<std::string>{"data.test_limit=10", "device={impl: ideal}"}));
}

TEST(Shard, Parse) {
  EXPECT_EQ(parse_shard("1/2"), std::make_pair(1, 2));
  EXPECT_EQ(parse_shard("8/8"), std::make_pair(8, 8));
  for (const char* bad : {"0/2", "3/2", "1", "1/", "/2", "a/b", "1/2x", "-1/2"}) {
    EXPECT_THROW(parse_shard(bad), UsageError) << bad;
  }
}

TEST(PointName, SanitizedShortUniqueAndBounded) {
  EXPECT_EQ(point_name({"arch.adc.bits", "arch.dac.bits"}, {"4", "2"}), "arch.adc.bits=4_arch.dac.bits=2");
  EXPECT_EQ(point_name({"technology"}, {"DW 5-state/x"}), "technology=DW-5-state-x");
  const std::string long_label(300, 'a');
  const std::string n = point_name({"x"}, {long_label});
  EXPECT_LE(n.size(), 100U);
  EXPECT_NE(n, point_name({"x"}, {long_label + "b"}));
}

TEST(EnergyIdentity, HoldsWithinRelativeToleranceAndFlagsViolations) {
  Table t;
  t.columns = {"point",
               "technology",
               "energy_per_inference_pJ.total",
               "energy_per_inference_pJ.adc",
               "energy_per_inference_pJ.array",
               "area_um2.total",
               "area_um2.array"};
  t.rows = {{"p0", "DW", "0.30000000000000004", "0.1", "0.2", "5", "5"},
            {"p1", "PCM", "3.0000001", "1", "2", "5", "5"},
            {"p2", "MTJ", "1e6", "500000.0000001", "500000", "", ""}};
  const auto checks = check_identities(t, "technology");
  ASSERT_EQ(checks.size(), 5U);  // p2 has no area
  EXPECT_TRUE(checks[0].holds);
  EXPECT_EQ(checks[0].components, 2U);
  EXPECT_TRUE(checks[1].holds);   // area of DW
  EXPECT_FALSE(checks[2].holds);  // PCM energy: off by 3e-8 relative
  EXPECT_EQ(checks[2].row_label, "PCM");
  EXPECT_TRUE(checks[4].holds);  // MTJ: off by 1e-13 relative
  CompareLayout layout;
  layout.axes = {"technology"};
  const Comparison cmp = compare(t, layout);
  const std::string md = compare_markdown(cmp, "title");
  EXPECT_NE(md.find("| metric | DW | PCM | MTJ |"), std::string::npos);
  EXPECT_NE(md.find("VIOLATED"), std::string::npos);
  EXPECT_NE(md.find("| identity: sum of energy_per_inference_pJ components = total | holds (2 components) | VIOLATED"),
            std::string::npos);
  // compare.csv: a row per technology, numbers only, every digit, an empty cell where absent,
  // the contract version last.
  EXPECT_EQ(compare_csv(cmp),
            "technology,energy_per_inference_pJ.total,energy_per_inference_pJ.adc,energy_per_inference_pJ.array,"
            "area_um2.total,area_um2.array,schema_version\n"
            "DW,0.30000000000000004,0.1,0.2,5,5,1\n"
            "PCM,3.0000001,1,2,5,5,1\n"
            "MTJ,1e6,500000.0000001,500000,,,1\n");
}

TEST(EnergyIdentity, ComponentsAndLayersAreSeparatePartitionsOfTheTotal) {
  // 10 pJ = adc 4 + array 6 (by component) = layer0 7 + shared 3 (by layer). Counting the layer
  // columns as components would sum to 20 and flag a false violation.
  Table t;
  t.columns = {"point",
               "technology",
               "energy_per_inference_pJ.total",
               "energy_per_inference_pJ.adc",
               "energy_per_inference_pJ.array",
               "energy_per_inference_pJ.by_layer.layer0",
               "energy_per_inference_pJ.by_layer.shared"};
  t.rows = {{"p0", "DW", "10", "4", "6", "7", "3"}, {"p1", "PCM", "10", "4", "6", "7", "2"}};
  const auto checks = check_identities(t, "technology");
  ASSERT_EQ(checks.size(), 4U);
  EXPECT_TRUE(checks[0].holds);
  EXPECT_EQ(checks[0].components, 2U);
  EXPECT_EQ(checks[1].field, "energy_per_inference_pJ.by_layer");
  EXPECT_TRUE(checks[1].holds);
  EXPECT_TRUE(checks[2].holds);
  EXPECT_FALSE(checks[3].holds);  // PCM's layers sum to 9
  EXPECT_TRUE(is_part_column("energy_per_inference_pJ.adc", "energy_per_inference_pJ"));
  EXPECT_FALSE(is_part_column("energy_per_inference_pJ.total", "energy_per_inference_pJ"));
  EXPECT_FALSE(is_part_column("energy_per_inference_pJ.by_layer.layer0", "energy_per_inference_pJ"));
  EXPECT_FALSE(is_part_column("energy_per_inference_pJx.adc", "energy_per_inference_pJ"));
}

}  // namespace
}  // namespace xbarsim::sweep
