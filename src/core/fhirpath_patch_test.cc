#include <gtest/gtest.h>

#include "core/patch.h"

namespace kiln::core {
namespace {

const Model& R4() {
  static const Model* model = Model::LoadEmbedded().value().release();
  return *model;
}

// A Parameters resource from operations given as their parts' JSON, e.g.
// Op({R"({"name":"type","valueCode":"delete"})", ...}).
std::string Params(std::initializer_list<std::string> ops) {
  std::string out = R"({"resourceType":"Parameters","parameter":[)";
  bool first = true;
  for (const std::string& op : ops) {
    if (!first) out += ",";
    first = false;
    out += R"({"name":"operation","part":[)" + op + "]}";
  }
  return out + "]}";
}

std::string Part(std::string_view name, std::string_view value_member) {
  return R"({"name":")" + std::string(name) + R"(",)" + std::string(value_member) + "}";
}
std::string Type(std::string_view t) { return Part("type", R"("valueCode":")" + std::string(t) + "\""); }
std::string Path(std::string_view p) { return Part("path", R"("valueString":")" + std::string(p) + "\""); }

// Applies the patch and returns the resource as compact JSON, or "error <status>: ...".
std::string Apply(std::string_view resource, const std::string& params) {
  auto r = json::Parse(resource);
  auto p = json::Parse(params);
  EXPECT_TRUE(r && p) << params;
  json::Document doc = std::move(r).value();
  auto done = ApplyFhirPathPatch(R4(), *p, doc);
  if (!done) return "error " + std::to_string(done.error().http_status) + ": " + done.error().diagnostics;
  return json::Write(doc);
}

bool IsError(const std::string& s, int status) {
  return s.starts_with("error " + std::to_string(status) + ":");
}

constexpr const char* kPatient =
    R"({"resourceType":"Patient","identifier":[{"value":"a"},{"value":"b"},{"value":"c"}],"birthDate":"1970-01-01"})";

TEST(FhirPathPatch, AddPrimitiveComplexAndRepeating) {
  EXPECT_EQ(Apply(R"({"resourceType":"Patient"})", Params({Type("add") + "," + Path("Patient") + "," +
                                                           Part("name", R"("valueString":"gender")") + "," +
                                                           Part("value", R"("valueCode":"male")")})),
            R"({"resourceType":"Patient","gender":"male"})");
  // A repeating element becomes (or grows) an array.
  EXPECT_EQ(
      Apply(R"({"resourceType":"Patient"})",
            Params({Type("add") + "," + Path("Patient") + "," + Part("name", R"("valueString":"name")") +
                    "," + Part("value", R"("valueHumanName":{"family":"X"})")})),
      R"({"resourceType":"Patient","name":[{"family":"X"}]})");
  // A choice element takes its type from value[x].
  EXPECT_EQ(Apply(R"({"resourceType":"Patient"})", Params({Type("add") + "," + Path("Patient") + "," +
                                                           Part("name", R"("valueString":"deceased")") + "," +
                                                           Part("value", R"("valueBoolean":true)")})),
            R"({"resourceType":"Patient","deceasedBoolean":true})");
  // A backbone element given part by part.
  EXPECT_EQ(Apply(R"({"resourceType":"Patient"})",
                  Params({Type("add") + "," + Path("Patient") + "," +
                          Part("name", R"("valueString":"contact")") + "," +
                          Part("value", R"("part":[{"name":"gender","valueCode":"female"},)"
                                        R"({"name":"telecom","valueContactPoint":{"value":"1"}}])")})),
            R"({"resourceType":"Patient","contact":[{"gender":"female","telecom":[{"value":"1"}]}]})");
}

TEST(FhirPathPatch, AddRefusesWhatCannotBeAdded) {
  std::string add_birth = Type("add") + "," + Path("Patient") + "," +
                          Part("name", R"("valueString":"birthDate")") + "," +
                          Part("value", R"("valueDate":"2000-01-01")");
  EXPECT_TRUE(IsError(Apply(kPatient, Params({add_birth})), 422));  // single element already there
  std::string unknown = Type("add") + "," + Path("Patient") + "," +
                        Part("name", R"("valueString":"colour")") + "," +
                        Part("value", R"("valueString":"red")");
  EXPECT_TRUE(IsError(Apply(kPatient, Params({unknown})), 422));
  std::string nowhere = Type("add") + "," + Path("Patient.contact") + "," +
                        Part("name", R"("valueString":"gender")") + "," +
                        Part("value", R"("valueCode":"male")");
  EXPECT_TRUE(IsError(Apply(kPatient, Params({nowhere})), 422));
}

TEST(FhirPathPatch, Insert) {
  std::string op = Type("insert") + "," + Path("Patient.identifier") + "," +
                   Part("index", R"("valueInteger":1)") + "," +
                   Part("value", R"("valueIdentifier":{"value":"new"})");
  EXPECT_EQ(
      Apply(kPatient, Params({op})),
      R"({"resourceType":"Patient","identifier":[{"value":"a"},{"value":"new"},{"value":"b"},{"value":"c"}],)"
      R"("birthDate":"1970-01-01"})");
  // Into a list that does not exist yet.
  std::string first = Type("insert") + "," + Path("Patient.name") + "," +
                      Part("index", R"("valueInteger":0)") + "," +
                      Part("value", R"("valueHumanName":{"text":"n"})");
  EXPECT_EQ(Apply(R"({"resourceType":"Patient"})", Params({first})),
            R"({"resourceType":"Patient","name":[{"text":"n"}]})");
  std::string far = Type("insert") + "," + Path("Patient.identifier") + "," +
                    Part("index", R"("valueInteger":4)") + "," +
                    Part("value", R"("valueIdentifier":{"value":"x"})");
  EXPECT_TRUE(IsError(Apply(kPatient, Params({far})), 422));
  std::string single = Type("insert") + "," + Path("Patient.birthDate") + "," +
                       Part("index", R"("valueInteger":0)") + "," + Part("value", R"("valueDate":"2000")");
  EXPECT_TRUE(IsError(Apply(kPatient, Params({single})), 422));
}

TEST(FhirPathPatch, Delete) {
  EXPECT_EQ(
      Apply(kPatient, Params({Type("delete") + "," + Path("Patient.identifier[1]")})),
      R"({"resourceType":"Patient","identifier":[{"value":"a"},{"value":"c"}],"birthDate":"1970-01-01"})");
  EXPECT_EQ(Apply(kPatient, Params({Type("delete") + "," + Path("Patient.birthDate")})),
            R"({"resourceType":"Patient","identifier":[{"value":"a"},{"value":"b"},{"value":"c"}]})");
  // Deleting nothing is not an error; deleting several at once is.
  EXPECT_EQ(Apply(kPatient, Params({Type("delete") + "," + Path("Patient.gender")})),
            json::Write(*json::Parse(kPatient)));
  EXPECT_TRUE(IsError(Apply(kPatient, Params({Type("delete") + "," + Path("Patient.identifier")})), 422));
  // The last entry of a list takes the list with it, and "_x" extensions follow their values.
  EXPECT_EQ(Apply(R"({"resourceType":"Patient","name":[{"given":["a","b"],"_given":[null,{"id":"x"}]}]})",
                  Params({Type("delete") + "," + Path("Patient.name.given[0]")})),
            R"({"resourceType":"Patient","name":[{"given":["b"],"_given":[{"id":"x"}]}]})");
  EXPECT_EQ(Apply(R"({"resourceType":"Patient","name":[{"text":"t"}]})",
                  Params({Type("delete") + "," + Path("Patient.name[0]")})),
            R"({"resourceType":"Patient"})");
  // An element emptied by a delete goes too, as FHIR JSON has no empty objects.
  EXPECT_EQ(Apply(R"({"resourceType":"Patient","contact":[{"name":{"text":"t"},"gender":"male"}]})",
                  Params({Type("delete") + "," + Path("Patient.contact.name.text")})),
            R"({"resourceType":"Patient","contact":[{"gender":"male"}]})");
  EXPECT_EQ(Apply(R"({"resourceType":"Patient","contact":[{"name":{"text":"t"}}],"active":true})",
                  Params({Type("delete") + "," + Path("Patient.contact.name.text")})),
            R"({"resourceType":"Patient","active":true})");
}

TEST(FhirPathPatch, Replace) {
  EXPECT_EQ(
      Apply(kPatient, Params({Type("replace") + "," + Path("Patient.identifier.where(value='b').value") +
                              "," + Part("value", R"("valueString":"B")")})),
      R"({"resourceType":"Patient","identifier":[{"value":"a"},{"value":"B"},{"value":"c"}],)"
      R"("birthDate":"1970-01-01"})");
  // A choice element changes its name with its type.
  EXPECT_EQ(
      Apply(R"({"resourceType":"Observation","status":"final","code":{"text":"c"},"valueString":"x"})",
            Params({Type("replace") + "," + Path("Observation.value") + "," +
                    Part("value", R"("valueQuantity":{"value":1})")})),
      R"({"resourceType":"Observation","status":"final","code":{"text":"c"},"valueQuantity":{"value":1}})");
  EXPECT_TRUE(IsError(Apply(kPatient, Params({Type("replace") + "," + Path("Patient.gender") + "," +
                                              Part("value", R"("valueCode":"male")")})),
                      422));
  EXPECT_TRUE(IsError(Apply(kPatient, Params({Type("replace") + "," + Path("Patient.identifier.value") + "," +
                                              Part("value", R"("valueString":"z")")})),
                      422));
}

TEST(FhirPathPatch, PrimitiveExtensionsStayWithTheirValues) {
  constexpr const char* kExt = R"({"extension":[{"url":"u","valueString":"e"}]})";
  // Replacing a value keeps its extension unless the new value brings one.
  EXPECT_EQ(Apply(R"({"resourceType":"Patient","birthDate":"1970","_birthDate":)" + std::string(kExt) + "}",
                  Params({Type("replace") + "," + Path("Patient.birthDate") + "," +
                          Part("value", R"("valueDate":"1980")")})),
            R"({"resourceType":"Patient","birthDate":"1980","_birthDate":)" + std::string(kExt) + "}");
  // An entry that has only an extension gets its value in place.
  EXPECT_EQ(
      Apply(R"({"resourceType":"Patient","name":[{"given":["a",null],"_given":[null,)" + std::string(kExt) +
                "]}]}",
            Params({Type("replace") + "," + Path("Patient.name.given[1]") + "," +
                    Part("value", R"("valueString":"b")")})),
      R"({"resourceType":"Patient","name":[{"given":["a","b"],"_given":[null,)" + std::string(kExt) + "]}]}");
  // Inserting into a list with extensions keeps "_given" parallel to "given".
  EXPECT_EQ(
      Apply(R"({"resourceType":"Patient","name":[{"given":["a","c"],"_given":[null,)" + std::string(kExt) +
                "]}]}",
            Params({Type("insert") + "," + Path("Patient.name.given") + "," +
                    Part("index", R"("valueInteger":1)") + "," + Part("value", R"("valueString":"b")")})),
      R"({"resourceType":"Patient","name":[{"given":["a","b","c"],"_given":[null,null,)" + std::string(kExt) +
          "]}]}");
  // A value added with "_value[x]" brings its extension along.
  EXPECT_EQ(
      Apply(R"({"resourceType":"Patient"})",
            Params({Type("add") + "," + Path("Patient") + "," + Part("name", R"("valueString":"gender")") +
                    "," + Part("value", R"("valueCode":"male","_valueCode":)" + std::string(kExt))})),
      R"({"resourceType":"Patient","gender":"male","_gender":)" + std::string(kExt) + "}");
}

TEST(FhirPathPatch, Move) {
  std::string op = Type("move") + "," + Path("Patient.identifier") + "," +
                   Part("source", R"("valueInteger":0)") + "," + Part("destination", R"("valueInteger":2)");
  EXPECT_EQ(Apply(kPatient, Params({op})),
            R"({"resourceType":"Patient","identifier":[{"value":"b"},{"value":"c"},{"value":"a"}],)"
            R"("birthDate":"1970-01-01"})");
  std::string out = Type("move") + "," + Path("Patient.identifier") + "," +
                    Part("source", R"("valueInteger":3)") + "," + Part("destination", R"("valueInteger":0)");
  EXPECT_TRUE(IsError(Apply(kPatient, Params({out})), 422));
}

TEST(FhirPathPatch, MalformedPatchesAre400) {
  for (const std::string& bad :
       {std::string(R"({"resourceType":"Patient"})"), Params({Type("frob") + "," + Path("Patient")}),
        Params({Type("delete")}), Params({Type("add") + "," + Path("Patient")}),
        Params({Type("replace") + "," + Path("Patient.birthDate")}),
        Params({Type("insert") + "," + Path("Patient.name") + "," + Part("value", R"("valueHumanName":{})")}),
        Params({Type("move") + "," + Path("Patient.name")}),
        Params({Type("delete") + "," + Path("Patient..x")}),
        Params({Type("delete") + "," + Path("Patient.gender") + "," +
                Part("colour", R"("valueString":"red")")})}) {
    std::string got = Apply(kPatient, bad);
    EXPECT_TRUE(IsError(got, 0)) << bad << " -> " << got;
  }
}

}  // namespace
}  // namespace kiln::core
