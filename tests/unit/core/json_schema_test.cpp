// The JSON Schema subset validator (core/json_schema.hpp): every keyword it implements accepts a
// conforming instance and rejects a violating one, each error names the JSON pointer of the
// offending value, and a schema using a keyword it does not implement is refused on load.
#include "core/json_schema.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace xbarsim {
namespace {

using nlohmann::json;

std::vector<std::string> errors_of(const char* schema, const char* instance) {
  return JsonSchema(json::parse(schema)).validate(json::parse(instance));
}

// The single error of validating `instance`, or a failure when there is not exactly one.
std::string one_error(const char* schema, const char* instance) {
  const auto e = errors_of(schema, instance);
  EXPECT_EQ(e.size(), 1U) << instance;
  return e.empty() ? std::string() : e.front();
}

bool valid(const char* schema, const char* instance) { return errors_of(schema, instance).empty(); }

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(JsonSchema, Type) {
  const char* s = R"({"type": "object", "properties": {"n": {"type": "number"}, "i": {"type": "integer"},
                      "s": {"type": "string"}, "b": {"type": "boolean"}, "a": {"type": "array"},
                      "z": {"type": "null"}, "u": {"type": ["string", "integer"]}}})";
  EXPECT_TRUE(valid(s, R"({"n": 1.5, "i": 3, "s": "x", "b": true, "a": [], "z": null, "u": 2})"));
  EXPECT_TRUE(valid(s, R"({"n": 7, "i": 3.0, "u": "two"})"));  // 3.0 is an integer (JSON Schema)
  EXPECT_EQ(one_error(s, R"({"i": 2.5})"), "/i: expected type integer, got number 2.5");
  EXPECT_EQ(one_error(s, R"({"n": "1"})"), "/n: expected type number, got string \"1\"");
  EXPECT_TRUE(starts_with(one_error(s, R"({"b": 0})"), "/b: expected type boolean"));
  EXPECT_TRUE(starts_with(one_error(s, R"({"z": false})"), "/z: expected type null"));
  EXPECT_TRUE(starts_with(one_error(s, R"({"u": 1.5})"), "/u: expected type [\"string\",\"integer\"]"));
  EXPECT_TRUE(starts_with(one_error(s, "[1]"), "(root): expected type object, got array"));
}

TEST(JsonSchema, EnumAndConst) {
  const char* s = R"({"properties": {"e": {"enum": ["a", 2]}, "c": {"const": 1}}})";
  EXPECT_TRUE(valid(s, R"({"e": "a", "c": 1})"));
  EXPECT_TRUE(valid(s, R"({"e": 2})"));
  EXPECT_EQ(one_error(s, R"({"e": "b"})"), R"(/e: expected one of ["a",2], got "b")");
  EXPECT_EQ(one_error(s, R"({"c": 2})"), "/c: expected 1, got 2");
  EXPECT_EQ(one_error(s, R"({"c": "1"})"), "/c: expected 1, got \"1\"");
}

TEST(JsonSchema, NumericBounds) {
  const char* s = R"({"properties": {"a": {"minimum": 0, "maximum": 100}, "b": {"exclusiveMinimum": 0},
                      "c": {"exclusiveMaximum": 1}}})";
  EXPECT_TRUE(valid(s, R"({"a": 0, "b": 1e-9, "c": 0.999})"));
  EXPECT_TRUE(valid(s, R"({"a": 100})"));
  EXPECT_EQ(one_error(s, R"({"a": -1})"), "/a: -1 is less than the minimum 0");
  EXPECT_EQ(one_error(s, R"({"a": 100.5})"), "/a: 100.5 is greater than the maximum 100");
  EXPECT_EQ(one_error(s, R"({"b": 0})"), "/b: 0 is not greater than 0");
  EXPECT_EQ(one_error(s, R"({"c": 1})"), "/c: 1 is not less than 1");
  EXPECT_TRUE(valid(s, R"({"a": "not a number: bounds do not apply"})"));
}

TEST(JsonSchema, PatternIsUnanchoredLikeJsonSchema) {
  const char* s = R"({"properties": {"q": {"pattern": "^[0-9.]+ ?(n|u)s$"}, "p": {"pattern": "ab"},
                      "m": {"minLength": 2}}})";
  EXPECT_TRUE(valid(s, R"({"q": "10 ns", "p": "xaby", "m": "µs"})"));
  EXPECT_EQ(one_error(s, R"({"q": "10 ms"})"), "/q: \"10 ms\" does not match the pattern ^[0-9.]+ ?(n|u)s$");
  EXPECT_TRUE(starts_with(one_error(s, R"({"p": "ba"})"), "/p: \"ba\" does not match"));
  // "µ" is two bytes but one character.
  EXPECT_EQ(one_error(s, R"({"m": "µ"})"), "/m: \"µ\" is shorter than 2 characters");
}

TEST(JsonSchema, PropertiesRequiredAdditionalProperties) {
  const char* s = R"({"type": "object", "required": ["a"], "additionalProperties": false,
                      "properties": {"a": {"type": "object", "additionalProperties": {"type": "number"}}, "b": {}}})";
  EXPECT_TRUE(valid(s, R"({"a": {"x": 1, "y": 2.5}, "b": "anything"})"));
  EXPECT_EQ(one_error(s, R"({"b": 1})"), "(root): missing required property 'a'");
  EXPECT_EQ(one_error(s, R"({"a": {}, "c": 1})"), "/c: unknown property 'c' (allowed: a, b)");
  EXPECT_EQ(one_error(s, R"({"a": {"x": "1"}})"), "/a/x: expected type number, got string \"1\"");
}

TEST(JsonSchema, ItemsAndMinItems) {
  const char* s = R"({"type": "array", "minItems": 2, "items": {"type": "integer", "minimum": 1}})";
  EXPECT_TRUE(valid(s, "[1, 2, 3]"));
  EXPECT_EQ(one_error(s, "[5]"), "(root): 1 items, expected at least 2");
  EXPECT_EQ(one_error(s, "[1, 0, 3]"), "/1: 0 is less than the minimum 1");
  const auto e = errors_of(s, R"([1, "x", 0.5])");
  ASSERT_EQ(e.size(), 2U);
  EXPECT_TRUE(starts_with(e[0], "/1: expected type integer"));
  EXPECT_TRUE(starts_with(e[1], "/2: expected type integer"));
}

TEST(JsonSchema, RefToDefs) {
  const char* s = R"({"$defs": {"pos": {"type": "number", "exclusiveMinimum": 0}, "node": {
                        "type": "object", "properties": {"v": {"$ref": "#/$defs/pos"}, "kids": {
                        "type": "array", "items": {"$ref": "#/$defs/node"}}}}},
                      "$ref": "#/$defs/node"})";
  EXPECT_TRUE(valid(s, R"({"v": 1, "kids": [{"v": 2, "kids": []}, {"v": 3}]})"));
  EXPECT_EQ(one_error(s, R"({"v": 1, "kids": [{"v": 2}, {"kids": [{"v": -1}]}]})"),
            "/kids/1/kids/0/v: -1 is not greater than 0");
}

TEST(JsonSchema, PointerEscapesTildeAndSlash) {
  const char* s = R"({"additionalProperties": {"type": "integer"}})";
  EXPECT_EQ(one_error(s, R"({"a/b~c": "x"})"), "/a~1b~0c: expected type integer, got string \"x\"");
  EXPECT_EQ(JsonSchema::pointer({"x", "0", "a/b"}), "/x/0/a~1b");
}

TEST(JsonSchema, AllOfAnyOfOneOf) {
  const char* all = R"({"allOf": [{"type": "integer"}, {"minimum": 3}]})";
  EXPECT_TRUE(valid(all, "4"));
  EXPECT_EQ(one_error(all, "2"), "(root): 2 is less than the minimum 3");

  const char* any = R"({"anyOf": [{"type": "string"}, {"minimum": 3}]})";
  EXPECT_TRUE(valid(any, "\"x\""));
  EXPECT_TRUE(valid(any, "5"));
  EXPECT_TRUE(starts_with(one_error(any, "2"), "(root): matches none of the anyOf alternatives: [0] (root): expected"));

  const char* one = R"({"properties": {"x": {"oneOf": [{"type": "integer"}, {"minimum": 10}]}}})";
  EXPECT_TRUE(valid(one, R"({"x": 3})"));
  EXPECT_TRUE(valid(one, R"({"x": 10.5})"));
  EXPECT_EQ(one_error(one, R"({"x": 12})"), "/x: matches 2 of the oneOf alternatives (0 and 1), expected exactly one");
  EXPECT_TRUE(starts_with(one_error(one, R"({"x": 2.5})"), "/x: matches none of the oneOf alternatives: [0] /x:"));
}

TEST(JsonSchema, NotAndIfThenElse) {
  const char* n = R"({"not": {"type": "string"}})";
  EXPECT_TRUE(valid(n, "1"));
  EXPECT_EQ(one_error(n, "\"s\""), "(root): matches a schema it must not match (not)");

  const char* s = R"({"type": "object", "if": {"properties": {"impl": {"const": "sar"}}, "required": ["impl"]},
                      "then": {"required": ["bits"]}, "else": {"properties": {"bits": false}}})";
  EXPECT_TRUE(valid(s, R"({"impl": "sar", "bits": 8})"));
  EXPECT_TRUE(valid(s, R"({"impl": "flash"})"));
  EXPECT_EQ(one_error(s, R"({"impl": "sar"})"), "(root): missing required property 'bits'");
  EXPECT_EQ(one_error(s, R"({"impl": "flash", "bits": 8})"), "/bits: no value is allowed here");
}

TEST(JsonSchema, EveryViolationIsReported) {
  const char* s = R"({"properties": {"a": {"type": "string"}, "b": {"minimum": 0}}, "required": ["c"]})";
  EXPECT_EQ(errors_of(s, R"({"a": 1, "b": -1})").size(), 3U);
}

TEST(JsonSchema, RefusesKeywordsItDoesNotImplement) {
  for (const char* s : {R"({"uniqueItems": true})", R"({"properties": {"x": {"format": "email"}}})",
                        R"({"$defs": {"d": {"patternProperties": {}}}})", R"({"items": {"maxItems": 3}})",
                        R"({"oneOf": [{"dependentRequired": {}}]})", R"({"prefixItems": []})"}) {
    EXPECT_THROW(JsonSchema(json::parse(s)), SchemaError) << s;
  }
  try {
    const JsonSchema refused(json::parse(R"({"properties": {"x": {"format": "email"}}})"));
    FAIL() << "accepted an unimplemented keyword";
  } catch (const SchemaError& e) {
    EXPECT_STREQ(e.what(), "schema /properties/x/format: keyword 'format' is not implemented by this validator");
  }
  // Annotations are accepted and change nothing.
  EXPECT_TRUE(valid(R"({"title": "t", "description": "d", "$comment": "c", "default": 1, "examples": [1]})", "\"x\""));
}

TEST(JsonSchema, RefusesMalformedSchemas) {
  EXPECT_THROW(JsonSchema(json::parse(R"({"$ref": "#/$defs/missing"})")), SchemaError);
  EXPECT_THROW(JsonSchema(json::parse(R"({"$ref": "other.json#/x"})")), SchemaError);
  EXPECT_THROW(JsonSchema(json::parse(R"({"type": "float"})")), SchemaError);
  EXPECT_THROW(JsonSchema(json::parse(R"({"pattern": "(unclosed"})")), SchemaError);
  EXPECT_THROW(JsonSchema(json::parse(R"({"required": "a"})")), SchemaError);
  EXPECT_THROW(JsonSchema(json::parse(R"({"minItems": -1})")), SchemaError);
  EXPECT_THROW(JsonSchema(json::parse(R"({"oneOf": []})")), SchemaError);
  EXPECT_THROW(JsonSchema(json::parse("3")), SchemaError);
}

TEST(JsonSchema, BooleanSchemas) {
  EXPECT_TRUE(valid("true", R"({"anything": [1]})"));
  EXPECT_EQ(one_error("false", "1"), "(root): no value is allowed here");
}

}  // namespace
}  // namespace xbarsim
