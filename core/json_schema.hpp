// A JSON Schema (draft 2020-12) validator for the subset of keywords that xbarsim's own schemas
// use (docs/schemas/): the schemas of report.json and of the configuration files. Not a general
// validator: a schema that uses any other keyword is refused when it is loaded, so no keyword can
// be written into a schema and then silently go unchecked.
//
// Assertions: type, enum, const, minimum, maximum, exclusiveMinimum, exclusiveMaximum, pattern
// (ECMAScript std::regex, unanchored as in JSON Schema), minLength, properties, required,
// additionalProperties, items, minItems, $ref (only "#" and "#/$defs/NAME" within the schema),
// allOf, anyOf, oneOf, not, if/then/else. Annotations (ignored): $schema, $id, $comment, title,
// description, default, examples, $defs (a container of subschemas).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace xbarsim {

// A schema the validator cannot check: an unknown keyword, a malformed keyword value, a $ref
// that does not resolve, a pattern std::regex does not compile. what() names the schema
// location as a JSON pointer ("/$defs/quantity/pattern").
class SchemaError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class JsonSchema {
 public:
  // Checks every keyword of `schema` and its subschemas; throws SchemaError on the first one
  // it does not implement or cannot use.
  explicit JsonSchema(nlohmann::json schema);
  // Not copyable: the compiled patterns are keyed by the address of their keyword in schema_
  // (a move keeps the addresses: the JSON object's storage moves as a whole).
  JsonSchema(const JsonSchema&) = delete;
  JsonSchema& operator=(const JsonSchema&) = delete;
  JsonSchema(JsonSchema&&) = default;
  JsonSchema& operator=(JsonSchema&&) = default;

  // Every violation of `instance`, one line each: "POINTER: what is wrong", POINTER being the
  // JSON pointer of the offending value ("/summary/area_um2"; "" for the whole document is
  // written "(root)"). Empty when the instance is valid.
  std::vector<std::string> validate(const nlohmann::json& instance) const;

  // JSON pointer text of a path of keys and indices ("/a/0/b"; "~" and "/" escaped, RFC 6901).
  static std::string pointer(const std::vector<std::string>& tokens);

 private:
  void check_schema(const nlohmann::json& s, const std::string& at);
  void check(const nlohmann::json& s, const nlohmann::json& v, std::vector<std::string>& path,
             std::vector<std::string>& errors, int depth) const;
  const nlohmann::json& resolve(const std::string& ref, const std::string& at) const;

  nlohmann::json schema_;
  std::map<const nlohmann::json*, std::regex> patterns_;  // compiled once per `pattern`
};

}  // namespace xbarsim
