#include "core/json_schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace xbarsim {
namespace {

using nlohmann::json;

// Keywords that only annotate: accepted anywhere, never checked.
const std::set<std::string>& annotations() {
  static const std::set<std::string> k = {"$schema",     "$id",     "$comment", "title",
                                          "description", "default", "examples", "$defs"};
  return k;
}

// Keywords this validator checks.
const std::set<std::string>& assertions() {
  static const std::set<std::string> k = {"type",
                                          "enum",
                                          "const",
                                          "minimum",
                                          "maximum",
                                          "exclusiveMinimum",
                                          "exclusiveMaximum",
                                          "pattern",
                                          "minLength",
                                          "properties",
                                          "required",
                                          "additionalProperties",
                                          "items",
                                          "minItems",
                                          "$ref",
                                          "allOf",
                                          "anyOf",
                                          "oneOf",
                                          "not",
                                          "if",
                                          "then",
                                          "else"};
  return k;
}

const std::set<std::string>& type_names() {
  static const std::set<std::string> k = {"object", "array", "string", "integer", "number", "boolean", "null"};
  return k;
}

std::string escape_token(const std::string& t) {
  std::string out;
  for (char c : t) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string type_of(const json& v) {
  if (v.is_object()) return "object";
  if (v.is_array()) return "array";
  if (v.is_string()) return "string";
  if (v.is_boolean()) return "boolean";
  if (v.is_null()) return "null";
  if (v.is_number_integer()) return "integer";
  return "number";
}

bool has_type(const json& v, const std::string& t) {
  if (t == "integer") {
    return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
  }
  if (t == "number") return v.is_number();
  return type_of(v) == t;
}

// Code points of a UTF-8 string (JSON Schema counts characters, not bytes).
std::size_t length_utf8(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// A value in a message: short JSON text.
std::string shown(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

std::string location(std::vector<std::string>& path) {
  const std::string p = JsonSchema::pointer(path);
  return p.empty() ? "(root)" : p;
}

[[noreturn]] void bad_schema(const std::string& at, const std::string& what) {
  throw SchemaError(fmt::format("schema {}: {}", at.empty() ? "(root)" : at, what));
}

}  // namespace

std::string JsonSchema::pointer(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) {
    out += '/';  // (not "/" + token: GCC 12 -O3 warns -Wrestrict on that, a known false positive)
    out += escape_token(t);
  }
  return out;
}

JsonSchema::JsonSchema(nlohmann::json schema) : schema_(std::move(schema)) { check_schema(schema_, ""); }

const nlohmann::json& JsonSchema::resolve(const std::string& ref, const std::string& at) const {
  if (ref == "#") return schema_;
  if (ref.rfind("#/$defs/", 0) != 0)
    bad_schema(at, fmt::format("$ref '{}': only '#' and '#/$defs/NAME' are supported", ref));
  try {
    return schema_.at(json::json_pointer(ref.substr(1)));
  } catch (const json::exception&) {
    bad_schema(at, fmt::format("$ref '{}' does not resolve", ref));
  }
}

void JsonSchema::check_schema(const nlohmann::json& s, const std::string& at) {
  if (s.is_boolean()) return;
  if (!s.is_object()) bad_schema(at, "a schema must be an object or a boolean");
  for (const auto& [key, value] : s.items()) {
    const std::string here = at + "/" + escape_token(key);
    if (annotations().count(key) == 0 && assertions().count(key) == 0) {
      bad_schema(here, fmt::format("keyword '{}' is not implemented by this validator", key));
    }
    if (key == "$defs" || key == "properties") {
      if (!value.is_object()) bad_schema(here, "expected an object of schemas");
      for (const auto& [name, sub] : value.items()) check_schema(sub, here + "/" + escape_token(name));
    } else if (key == "items" || key == "additionalProperties" || key == "not" || key == "if" || key == "then" ||
               key == "else") {
      check_schema(value, here);
    } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
      if (!value.is_array() || value.empty()) bad_schema(here, "expected a non-empty array of schemas");
      for (std::size_t i = 0; i < value.size(); ++i) check_schema(value[i], fmt::format("{}/{}", here, i));
    } else if (key == "type") {
      const json list = value.is_array() ? value : json::array({value});
      for (const auto& t : list) {
        if (!t.is_string() || type_names().count(t.get<std::string>()) == 0) {
          bad_schema(here, fmt::format("unknown type {}", t.dump()));
        }
      }
    } else if (key == "enum") {
      if (!value.is_array() || value.empty()) bad_schema(here, "expected a non-empty array");
    } else if (key == "minimum" || key == "maximum" || key == "exclusiveMinimum" || key == "exclusiveMaximum") {
      if (!value.is_number()) bad_schema(here, "expected a number");
    } else if (key == "minItems" || key == "minLength") {
      if (!value.is_number_unsigned()) bad_schema(here, "expected a non-negative integer");
    } else if (key == "required") {
      if (!value.is_array() || !std::all_of(value.begin(), value.end(), [](const json& r) { return r.is_string(); })) {
        bad_schema(here, "expected an array of property names");
      }
    } else if (key == "pattern") {
      if (!value.is_string()) bad_schema(here, "expected a string");
      try {
        patterns_.emplace(&value, std::regex(value.get<std::string>(), std::regex::ECMAScript));
      } catch (const std::regex_error& e) {
        bad_schema(here, fmt::format("pattern does not compile: {}", e.what()));
      }
    } else if (key == "$ref") {
      if (!value.is_string()) bad_schema(here, "expected a string");
      (void)resolve(value.get<std::string>(), here);
    }
  }
}

std::vector<std::string> JsonSchema::validate(const nlohmann::json& instance) const {
  std::vector<std::string> errors;
  std::vector<std::string> path;
  check(schema_, instance, path, errors, 0);
  return errors;
}

void JsonSchema::check(const nlohmann::json& s, const nlohmann::json& v, std::vector<std::string>& path,
                       std::vector<std::string>& errors, int depth) const {
  const auto fail = [&](const std::string& what) { errors.push_back(fmt::format("{}: {}", location(path), what)); };
  if (depth > 64) {
    fail("schema nesting deeper than 64 ($ref loop?)");
    return;
  }
  if (s.is_boolean()) {
    if (!s.get<bool>()) fail("no value is allowed here");
    return;
  }
  // Validates `v` against a subschema; returns its errors without recording them.
  const auto sub_errors = [&](const json& sub) {
    std::vector<std::string> e;
    check(sub, v, path, e, depth + 1);
    return e;
  };

  if (const auto it = s.find("$ref"); it != s.end())
    check(resolve(it->get<std::string>(), ""), v, path, errors, depth + 1);
  if (const auto it = s.find("type"); it != s.end()) {
    const json list = it->is_array() ? *it : json::array({*it});
    const bool ok =
        std::any_of(list.begin(), list.end(), [&](const json& t) { return has_type(v, t.get<std::string>()); });
    if (!ok) {
      fail(fmt::format("expected type {}, got {} {}", it->is_array() ? it->dump() : it->get<std::string>(), type_of(v),
                       shown(v)));
      return;  // the other keywords would only repeat the mismatch
    }
  }
  if (const auto it = s.find("enum"); it != s.end()) {
    if (std::none_of(it->begin(), it->end(), [&](const json& e) { return e == v; })) {
      fail(fmt::format("expected one of {}, got {}", shown(*it), shown(v)));
    }
  }
  if (const auto it = s.find("const"); it != s.end() && *it != v) {
    fail(fmt::format("expected {}, got {}", shown(*it), shown(v)));
  }
  if (v.is_number()) {
    const double x = v.get<double>();
    if (const auto it = s.find("minimum"); it != s.end() && x < it->get<double>()) {
      fail(fmt::format("{} is less than the minimum {}", shown(v), it->dump()));
    }
    if (const auto it = s.find("maximum"); it != s.end() && x > it->get<double>()) {
      fail(fmt::format("{} is greater than the maximum {}", shown(v), it->dump()));
    }
    if (const auto it = s.find("exclusiveMinimum"); it != s.end() && x <= it->get<double>()) {
      fail(fmt::format("{} is not greater than {}", shown(v), it->dump()));
    }
    if (const auto it = s.find("exclusiveMaximum"); it != s.end() && x >= it->get<double>()) {
      fail(fmt::format("{} is not less than {}", shown(v), it->dump()));
    }
  }
  if (v.is_string()) {
    const auto& text = v.get_ref<const std::string&>();
    if (const auto it = s.find("pattern"); it != s.end() && !std::regex_search(text, patterns_.at(&*it))) {
      fail(fmt::format("{} does not match the pattern {}", shown(v), it->get<std::string>()));
    }
    if (const auto it = s.find("minLength"); it != s.end() && length_utf8(text) < it->get<std::size_t>()) {
      fail(fmt::format("{} is shorter than {} characters", shown(v), it->get<std::size_t>()));
    }
  }
  if (v.is_object()) {
    if (const auto it = s.find("required"); it != s.end()) {
      for (const auto& r : *it) {
        if (!v.contains(r.get<std::string>()))
          fail(fmt::format("missing required property '{}'", r.get<std::string>()));
      }
    }
    const auto props = s.find("properties");
    const auto extra = s.find("additionalProperties");
    for (const auto& [key, value] : v.items()) {
      path.push_back(key);
      if (props != s.end() && props->contains(key)) {
        check((*props)[key], value, path, errors, depth + 1);
      } else if (extra != s.end()) {
        if (extra->is_boolean() && !extra->get<bool>()) {
          std::string allowed;
          if (props != s.end()) {
            for (const auto& [name, unused] : props->items()) allowed += (allowed.empty() ? "" : ", ") + name;
          }
          fail(fmt::format("unknown property '{}' (allowed: {})", key, allowed.empty() ? "none" : allowed));
        } else {
          check(*extra, value, path, errors, depth + 1);
        }
      }
      path.pop_back();
    }
  }
  if (v.is_array()) {
    if (const auto it = s.find("minItems"); it != s.end() && v.size() < it->get<std::size_t>()) {
      fail(fmt::format("{} items, expected at least {}", v.size(), it->get<std::size_t>()));
    }
    if (const auto it = s.find("items"); it != s.end()) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        path.push_back(std::to_string(i));
        check(*it, v[i], path, errors, depth + 1);
        path.pop_back();
      }
    }
  }
  if (const auto it = s.find("allOf"); it != s.end()) {
    for (const auto& sub : *it) check(sub, v, path, errors, depth + 1);
  }
  if (const auto it = s.find("anyOf"); it != s.end()) {
    std::string why;
    bool any = false;
    for (std::size_t i = 0; i < it->size() && !any; ++i) {
      const auto e = sub_errors((*it)[i]);
      any = e.empty();
      if (!any) why += fmt::format("{}[{}] {}", why.empty() ? "" : "; ", i, e.front());
    }
    if (!any) fail(fmt::format("matches none of the anyOf alternatives: {}", why));
  }
  if (const auto it = s.find("oneOf"); it != s.end()) {
    std::string why;
    std::vector<std::size_t> matched;
    for (std::size_t i = 0; i < it->size(); ++i) {
      const auto e = sub_errors((*it)[i]);
      if (e.empty()) {
        matched.push_back(i);
      } else {
        why += fmt::format("{}[{}] {}", why.empty() ? "" : "; ", i, e.front());
      }
    }
    if (matched.empty()) fail(fmt::format("matches none of the oneOf alternatives: {}", why));
    if (matched.size() > 1) {
      fail(fmt::format("matches {} of the oneOf alternatives ({} and {}), expected exactly one", matched.size(),
                       matched[0], matched[1]));
    }
  }
  if (const auto it = s.find("not"); it != s.end() && sub_errors(*it).empty()) {
    fail("matches a schema it must not match (not)");
  }
  if (const auto it = s.find("if"); it != s.end()) {
    const bool holds = sub_errors(*it).empty();
    const auto branch = s.find(holds ? "then" : "else");
    if (branch != s.end()) check(*branch, v, path, errors, depth + 1);
  }
}

}  // namespace xbarsim
