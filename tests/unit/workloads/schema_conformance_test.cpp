// The shipped files against the schemas of docs/schemas/ (core/json_schema.hpp validates):
// - every YAML under configs/ and the sweep and compare files of tests/regression/ as written,
//   and every shipped experiment as the loader resolves it (includes expanded, every default
//   filled in: so every key the code reads has a place in config.schema.json);
// - every report.json of the golden regression outputs (tests/regression/golden/) against
//   report.schema.json, and every golden CSV ends with a `schema_version` column holding 1 on
//   every row. The regression tests keep those files byte-identical to what the current build
//   writes, so this holds for what every kind of run, sweep and compare writes.
// And the checks can fail: a broken configuration and a broken report are refused, by pointer.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/json_schema.hpp"
#include "core/params.hpp"
#include "core/report.hpp"
#include "core/strict_yaml.hpp"
#include "workloads/run.hpp"

namespace xbarsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kSource(XBARSIM_SOURCE_DIR);

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

JsonSchema load_schema(const std::string& name) {
  return JsonSchema(json::parse(slurp(kSource / "docs/schemas" / name)));
}

// YAML as the schemas see it: a plain scalar that reads as a number is a number (an integer when
// it has no fraction or exponent), true/false are booleans, ~/null/empty are null, anything else
// (quoted scalars included) is a string.
json to_json(const YAML::Node& n) {
  static const std::regex integer(R"([-+]?[0-9]+)");
  static const std::regex real(R"([-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?)");
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      json o = json::object();
      for (auto it = n.begin(); it != n.end(); ++it) o[it->first.Scalar()] = to_json(it->second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json a = json::array();
      for (const auto& item : n) a.push_back(to_json(item));
      return a;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (std::regex_match(s, integer)) return std::stoll(s);
      if (std::regex_match(s, real)) return std::stod(s);
      if (s == "true" || s == "True" || s == "TRUE") return true;
      if (s == "false" || s == "False" || s == "FALSE") return false;
      if (s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
      return s;
    }
    default:
      return nullptr;
  }
}

json yaml_file_as_json(const fs::path& file) { return to_json(load_strict_yaml(slurp(file), file.string())); }

std::string lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "\n  " + x;
  return s;
}

std::vector<fs::path> files_under(const fs::path& dir, const std::string& extension) {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == extension) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SchemaConformance, SchemasLoadWithEveryKeywordImplemented) {
  EXPECT_NO_THROW(load_schema("config.schema.json"));
  EXPECT_NO_THROW(load_schema("report.schema.json"));
}

TEST(SchemaConformance, EveryShippedConfigurationFile) {
  const JsonSchema schema = load_schema("config.schema.json");
  std::vector<fs::path> files = files_under(kSource / "configs", ".yaml");
  ASSERT_GE(files.size(), 40U);
  for (const auto& f : files_under(kSource / "tests/regression", ".yaml")) files.push_back(f);
  for (const auto& file : files) {
    const auto errors = schema.validate(yaml_file_as_json(file));
    EXPECT_TRUE(errors.empty()) << fs::relative(file, kSource).string() << ":" << lines(errors);
  }
}

TEST(SchemaConformance, EveryShippedExperimentAsResolved) {
  const JsonSchema schema = load_schema("config.schema.json");
  const auto files = files_under(kSource / "configs/experiments", ".yaml");
  ASSERT_GE(files.size(), 10U);
  for (const auto& file : files) {
    const Params root = Params::from_file(file);
    (void)workloads::prepare_experiment(root);  // reads every key, fills in every default
    const json resolved = to_json(YAML::Load(root.resolved_yaml()));
    ASSERT_TRUE(resolved.contains("arch") || resolved["experiment"]["impl"] == "fp32_training") << file;
    const auto errors = schema.validate(resolved);
    EXPECT_TRUE(errors.empty()) << fs::relative(file, kSource).string() << " (resolved):" << lines(errors);
  }
}

TEST(SchemaConformance, BrokenConfigurationsAreRefusedByPointer) {
  const JsonSchema schema = load_schema("config.schema.json");
  json c = yaml_file_as_json(kSource / "configs/experiments/mnist_infer_dw5.yaml");
  ASSERT_TRUE(schema.validate(c).empty());
  c["device"]["sigma"] = "5";               // a length without its unit
  c["arch"]["adc_range"] = "calibrate";     // not one of the choices
  c["simulation"]["batch_image"] = 250;     // a misspelt key
  c["training"]["optimizer"]["beta1"] = 2;  // out of range
  const auto errors = schema.validate(c);
  const std::string all = lines(errors);
  EXPECT_EQ(errors.size(), 4U) << all;
  for (const char* pointer : {"/device/sigma: ", "/arch/adc_range: ", "/simulation/batch_image: unknown property",
                              "/training/optimizer/beta1: "}) {
    EXPECT_NE(all.find(pointer), std::string::npos) << pointer << " not in" << all;
  }

  // A key of another device model: refused once the section names its impl.
  json card = yaml_file_as_json(kSource / "configs/devices/mtj_ternary.yaml");
  ASSERT_TRUE(schema.validate(card).empty());
  card["device"]["states"] = 5;  // a domain-wall key
  const auto card_errors = schema.validate(card);
  ASSERT_EQ(card_errors.size(), 1U) << lines(card_errors);
  EXPECT_EQ(card_errors[0].rfind("/device/states: unknown property 'states'", 0), 0U) << card_errors[0];

  // The same for a periphery card: a SAR key on a flash ADC.
  json adc = yaml_file_as_json(kSource / "configs/periphery/adc_flash.yaml");
  ASSERT_TRUE(schema.validate(adc).empty());
  adc["adc"]["column_resistance"] = "10 kOhm";
  const auto adc_errors = schema.validate(adc);
  ASSERT_EQ(adc_errors.size(), 1U) << lines(adc_errors);
  EXPECT_EQ(adc_errors[0].rfind("/adc/column_resistance: unknown property", 0), 0U) << adc_errors[0];

  json sweep = yaml_file_as_json(kSource / "tests/regression/sweep_adc.yaml");
  ASSERT_TRUE(schema.validate(sweep).empty());
  sweep["sweep"]["axes"][0].erase("key");
  EXPECT_NE(lines(schema.validate(sweep)).find("/sweep/axes/0: matches none of the oneOf"), std::string::npos);
  sweep["experiment"] = json::object();  // a sweep file holds only its sweep
  EXPECT_NE(lines(schema.validate(sweep)).find("/experiment: unknown property"), std::string::npos);
}

std::vector<fs::path> golden_reports() {
  std::vector<fs::path> out = files_under(kSource / "tests/regression/golden", ".json");
  out.erase(std::remove_if(out.begin(), out.end(), [](const fs::path& p) { return p.filename() != "report.json"; }),
            out.end());
  return out;
}

TEST(SchemaConformance, EveryGoldenReport) {
  const JsonSchema schema = load_schema("report.schema.json");
  const auto reports = golden_reports();
  ASSERT_GE(reports.size(), 11U);
  for (const auto& file : reports) {
    const json report = json::parse(slurp(file));
    const auto errors = schema.validate(report);
    EXPECT_TRUE(errors.empty()) << fs::relative(file, kSource).string() << ":" << lines(errors);
    // The version comes first, so a reader finds it before anything else.
    const std::string text = slurp(file);
    EXPECT_EQ(text.rfind("{\n  \"schema_version\": 1,\n", 0), 0U) << file;
    EXPECT_EQ(report["schema_version"], kReportJsonSchemaVersion);
  }
}

TEST(SchemaConformance, BrokenReportsAreRefusedByPointer) {
  const JsonSchema schema = load_schema("report.schema.json");
  json r = json::parse(slurp(kSource / "tests/regression/golden/insitu_dw5/report.json"));
  ASSERT_TRUE(schema.validate(r).empty());
  r["summary"]["energy_per_inference_pJ"].erase("total");
  r["summary"]["test_accuracy_pct"] = 101.0;
  r["summary"].erase("time_per_training_image_s");
  r["energy"]["children"]["inference"]["energy_pJ"] = "12 pJ";
  r["schema_version"] = 2;
  const auto errors = schema.validate(r);
  const std::string all = lines(errors);
  EXPECT_EQ(errors.size(), 5U) << all;
  for (const char* pointer :
       {"/summary/energy_per_inference_pJ: missing required property 'total'", "/summary/test_accuracy_pct: 101",
        "/summary: missing required property 'time_per_training_image_s'",
        "/energy/children/inference/energy_pJ: ", "/schema_version: expected 1, got 2"}) {
    EXPECT_NE(all.find(pointer), std::string::npos) << pointer << " not in" << all;
  }
  json fp32 = json::parse(slurp(kSource / "tests/regression/golden/fp32/report.json"));
  fp32.erase("schema_version");
  fp32["summary"]["accuracy"] = 1.0;
  const std::string fp32_errors = lines(schema.validate(fp32));
  EXPECT_NE(fp32_errors.find("(root): missing required property 'schema_version'"), std::string::npos) << fp32_errors;
  EXPECT_NE(fp32_errors.find("/summary/accuracy: unknown property"), std::string::npos) << fp32_errors;
}

// results.network.layers: the widths of an MLP, or one line per layer of a network with a
// convolution (NetworkSpec::layers_record); nothing else.
TEST(SchemaConformance, NetworkLayersAreWidthsOrLayerLines) {
  const JsonSchema schema = load_schema("report.schema.json");
  json fp32 = json::parse(slurp(kSource / "tests/regression/golden/fp32/report.json"));
  ASSERT_TRUE(fp32["results"]["network"]["layers"].is_array());
  fp32["results"]["network"]["layers"] = {"conv 6x1x5x5 s1 p2 relu maxpool2", "dense 1176->10"};
  EXPECT_TRUE(schema.validate(fp32).empty()) << lines(schema.validate(fp32));
  for (const json& bad : {json::array({784, "dense 784->10"}), json::array({"relu"}), json::array({784})}) {
    fp32["results"]["network"]["layers"] = bad;
    const std::string errors = lines(schema.validate(fp32));
    EXPECT_NE(errors.find("/results/network/layers"), std::string::npos) << bad << ": " << errors;
  }
}

TEST(SchemaConformance, EveryGoldenCsvEndsWithItsSchemaVersion) {
  const auto csvs = files_under(kSource / "tests/regression/golden", ".csv");
  ASSERT_GE(csvs.size(), 24U);  // energy.csv and area.csv of 11 runs, sweep.csv, compare.csv
  int rows = 0;
  for (const auto& file : csvs) {
    std::ifstream in(file);
    std::string line;
    ASSERT_TRUE(std::getline(in, line)) << file;
    EXPECT_TRUE(line.ends_with(std::string(",") + kSchemaVersionColumn)) << file << ": " << line;
    while (std::getline(in, line)) {
      EXPECT_TRUE(line.ends_with(",1")) << file << ": " << line;
      ++rows;
    }
  }
  EXPECT_GT(rows, 1000);  // (the fp32 run has no ledger: its energy.csv and area.csv are a header)
}

}  // namespace
}  // namespace xbarsim
