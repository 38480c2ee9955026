// YAML read strictly: a configuration that YAML would accept but that almost surely hides a
// mistake is refused with its file and line. yaml-cpp keeps the first of two equal keys and
// drops the second silently, reads only the first of several documents, and has no merge keys;
// here a duplicate key (in any map, at any depth), a second document and a merge key (`<<`)
// are each one ConfigError. Syntax errors keep yaml-cpp's message, with the line.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace xbarsim {

// Parses `text` (read from `origin`, named in messages) into one YAML node.
YAML::Node load_strict_yaml(const std::string& text, const std::string& origin);

}  // namespace xbarsim
