// Every key of every shipped experiment is read by exactly one reader: one line of code, the
// accessor call that claims it (Params::readers_of). Two readers of one key would be two places
// that must agree on its default, bounds and meaning; this test finds them. The keys are those of
// the document as the loader resolves it (includes expanded, defaults filled in).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/params.hpp"
#include "workloads/run.hpp"

namespace xbarsim::workloads {
namespace {

// Key paths of the scalars and scalar lists of `node` ("a.b", "a.list", "a.maps[0].c").
void leaf_paths(const YAML::Node& node, const std::string& path, std::vector<std::string>& out) {
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string key = it->first.Scalar();
      leaf_paths(it->second, path.empty() ? key : path + "." + key, out);
    }
  } else if (node.IsSequence() && node.size() > 0 && node[0].IsMap()) {
    for (std::size_t i = 0; i < node.size(); ++i) leaf_paths(node[i], path + "[" + std::to_string(i) + "]", out);
  } else {
    out.push_back(path);
  }
}

std::vector<std::filesystem::path> shipped_experiments() {
  std::vector<std::filesystem::path> files;
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(XBARSIM_SOURCE_DIR) / "configs/experiments")) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

TEST(KeyClaims, EveryKeyOfEveryShippedExperimentHasExactlyOneReader) {
  const auto files = shipped_experiments();
  ASSERT_GE(files.size(), 10U);
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    const Params root = Params::from_file(file);
    (void)prepare_experiment(root);  // builds the experiment; every key read (check_all_read)
    std::vector<std::string> keys;
    leaf_paths(YAML::Load(root.resolved_yaml()), "", keys);
    ASSERT_GT(keys.size(), 10U);
    for (const auto& key : keys) {
      const std::vector<std::string> readers = root.readers_of(key);
      EXPECT_EQ(readers.size(), 1U) << key << " is read by: " << join(readers);
    }
  }
}

// The record can fail: a key read from two lines has two readers; one line reading it again
// (a loop, or a card built once per layer) stays one reader.
TEST(KeyClaims, TwoReadersOfOneKeyAreDetected) {
  const Params root = Params::from_string("section: {a: 1, b: 2, c: 3}\n", "claims.yaml");
  const Params s = root.child("section");
  (void)s.integer("a");
  (void)s.integer_or("a", 0);  // a second reader, with its own default
  for (int i = 0; i < 3; ++i) (void)s.integer("b");
  EXPECT_EQ(root.readers_of("section.a").size(), 2U);
  EXPECT_EQ(root.readers_of("section.b").size(), 1U);
  EXPECT_TRUE(root.readers_of("section.c").empty());
  EXPECT_NE(root.readers_of("section.a")[0], root.readers_of("section.a")[1]);
  EXPECT_NE(root.readers_of("section.b")[0].find("key_claims_test.cpp:"), std::string::npos);
}

}  // namespace
}  // namespace xbarsim::workloads
