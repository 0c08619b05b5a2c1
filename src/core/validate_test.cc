#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "core/model.h"

namespace kiln::core {
namespace {

// Loaded once: the table is immutable and parsing it takes milliseconds.
const Model& R4() {
  static const Model* model = Model::LoadEmbedded().value().release();
  return *model;
}

Errors Check(std::string_view text) {
  Result<json::Document> doc = json::Parse(text);
  if (!doc) {
    ADD_FAILURE() << doc.error().diagnostics << "\n" << text;
    return {};
  }
  Result<ResourceType> type = R4().FindResourceType(json::GetString(*doc, "resourceType"));
  if (!type) {
    ADD_FAILURE() << type.error().diagnostics;
    return {};
  }
  return Validate(R4(), *type, *doc);
}

std::string Describe(const Errors& errors) {
  std::string out;
  for (const Error& e : errors.items) {
    out += "  " + (e.expression.empty() ? std::string("?") : e.expression[0]) + ": " + e.diagnostics + "\n";
  }
  return out.empty() ? "  (no errors)\n" : out;
}

void ExpectValid(std::string_view text) {
  Errors errors = Check(text);
  EXPECT_TRUE(errors.items.empty()) << Describe(errors) << text;
}

// Expects exactly one error, of that issue and at that expression.
void ExpectError(std::string_view text, Issue issue, std::string_view expression) {
  Errors errors = Check(text);
  ASSERT_EQ(errors.items.size(), 1u) << Describe(errors) << text;
  const Error& e = errors.items[0];
  EXPECT_EQ(e.issue, issue) << Describe(errors);
  ASSERT_EQ(e.expression.size(), 1u);
  EXPECT_EQ(e.expression[0], expression) << Describe(errors);
  EXPECT_FALSE(e.diagnostics.empty());
}

TEST(ValidateTest, AcceptsAFullPatient) {
  ExpectValid(R"({"resourceType": "Patient", "id": "pat-1",
    "meta": {"versionId": "1", "lastUpdated": "2024-01-02T03:04:05.678Z", "profile": ["http://x.org/p"]},
    "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">Jim</div>"},
    "extension": [{"url": "http://x.org/a", "valueString": "a"},
                  {"url": "http://x.org/b", "extension": [{"url": "part", "valueCode": "c"}]}],
    "identifier": [{"use": "official", "system": "urn:oid:1.2.3", "value": "123",
                    "period": {"start": "2001"}, "assigner": {"display": "Acme"}}],
    "active": true,
    "name": [{"use": "official", "family": "Chalmers", "given": ["Peter", "James"],
              "_given": [null, {"extension": [{"url": "http://x.org/nick", "valueBoolean": true}]}]}],
    "telecom": [{"system": "phone", "value": "(03) 5555 6473", "rank": 1}],
    "gender": "male",
    "birthDate": "1974-12-25",
    "_birthDate": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                  "valueDateTime": "1974-12-25T14:35:45-05:00"}]},
    "deceasedBoolean": false,
    "address": [{"line": ["534 Erewhon St"], "city": "PleasantVille", "postalCode": "3999"}],
    "maritalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus",
                                  "code": "M"}], "text": "Married"},
    "multipleBirthInteger": 2,
    "photo": [{"contentType": "image/png", "data": "aGVsbG8="}],
    "contact": [{"relationship": [{"text": "Mother"}], "name": {"family": "Chalmers"},
                 "period": {"start": "2012", "end": "2013-06"}}],
    "communication": [{"language": {"text": "Dutch"}, "preferred": true}],
    "managingOrganization": {"reference": "#org"},
    "contained": [{"resourceType": "Organization", "id": "org", "name": "Acme"}],
    "link": [{"other": {"reference": "Patient/2"}, "type": "seealso"}]})");
}

TEST(ValidateTest, AcceptsObservationsWithChoicesAndComponents) {
  ExpectValid(R"({"resourceType": "Observation", "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
    "subject": {"reference": "Patient/1"},
    "effectiveDateTime": "2024-05-01T10:00:00+02:00", "issued": "2024-05-01T10:05:00Z",
    "component": [{"code": {"text": "systolic"}, "valueQuantity": {"value": 107, "unit": "mmHg"}},
                  {"code": {"text": "note"}, "valueString": "ok"},
                  {"code": {"text": "range"}, "valueRange": {"low": {"value": 1.5}}}],
    "referenceRange": [{"low": {"value": 3.1}, "high": {"value": 6.2}, "text": "normal"}]})");
  ExpectValid(R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
    "effectivePeriod": {"start": "2024"}, "valueSampledData": {"origin": {"value": 0}, "period": 10,
    "dimensions": 1, "data": "1 2 3"}})");
}

TEST(ValidateTest, AcceptsBundlesParametersAndNestedContentReferences) {
  ExpectValid(R"({"resourceType": "Bundle", "type": "transaction", "entry": [
    {"fullUrl": "urn:uuid:c757873d-ec9a-4326-a141-556f43239520",
     "resource": {"resourceType": "Patient", "gender": "female"},
     "request": {"method": "POST", "url": "Patient"}},
    {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}},
     "request": {"method": "PUT", "url": "Observation/1"}, "link": [{"relation": "self", "url": "x"}]}]})");
  ExpectValid(R"({"resourceType": "Parameters", "parameter": [
    {"name": "a", "valueString": "x"},
    {"name": "b", "resource": {"resourceType": "Patient", "active": true}},
    {"name": "c", "part": [{"name": "d", "valueInteger": 3}, {"name": "e", "part": [{"name": "f"}]}]}]})");
  ExpectValid(R"({"resourceType": "Questionnaire", "status": "draft", "item": [
    {"linkId": "1", "type": "group", "item": [{"linkId": "1.1", "type": "string",
     "enableWhen": [{"question": "1", "operator": "exists", "answerBoolean": true}],
     "item": [{"linkId": "1.1.1", "type": "display", "text": "deep"}]}]}]})");
  ExpectValid(R"({"resourceType": "Binary", "contentType": "text/plain", "data": "aGVsbG8="})");
}

TEST(ValidateTest, ReportsUnknownElements) {
  ExpectError(R"({"resourceType": "Patient", "foo": 1})", Issue::kStructure, "Patient.foo");
  ExpectError(R"({"resourceType": "Patient", "name": [{"family": "x"}, {"nickname": "y"}]})",
              Issue::kStructure, "Patient.name[1].nickname");
  ExpectError(R"({"resourceType": "Patient", "contact": [{"name": {"family": "x"}, "bogus": true}]})",
              Issue::kStructure, "Patient.contact[0].bogus");
  ExpectError(R"({"resourceType": "Patient", "meta": {"resourceType": "Patient"}})", Issue::kStructure,
              "Patient.meta.resourceType");
  ExpectError(R"({"resourceType": "Patient", "_": 1})", Issue::kStructure, "Patient._");
  Errors errors = Check(R"({"resourceType": "Patient", "foo": 1})");
  EXPECT_EQ(errors.items.at(0).diagnostics, "Unknown element 'foo'");
}

TEST(ValidateTest, ReportsBadPrimitiveFormats) {
  ExpectError(R"({"resourceType": "Patient", "birthDate": "1970-13-01"})", Issue::kValue,
              "Patient.birthDate");
  ExpectError(R"({"resourceType": "Patient", "birthDate": "1970-02-30"})", Issue::kValue,
              "Patient.birthDate");
  ExpectError(R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
    "effectiveDateTime": "2020-01-01T10:00:00"})",
              Issue::kValue, "Observation.effectiveDateTime");
  ExpectError(R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
    "issued": "2020-01-01"})",
              Issue::kValue, "Observation.issued");
  ExpectError(R"({"resourceType": "Patient", "active": "true"})", Issue::kValue, "Patient.active");
  ExpectError(R"({"resourceType": "Patient", "multipleBirthInteger": 1.5})", Issue::kValue,
              "Patient.multipleBirthInteger");
  ExpectError(R"({"resourceType": "Patient", "multipleBirthInteger": 3000000000})", Issue::kValue,
              "Patient.multipleBirthInteger");
  ExpectError(R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
    "valueQuantity": {"value": "6.3"}})",
              Issue::kValue, "Observation.valueQuantity.value");
  ExpectError(R"({"resourceType": "Patient", "gender": "male "})", Issue::kValue, "Patient.gender");
  ExpectError(R"({"resourceType": "Patient", "identifier": [{"system": "http://a b"}]})", Issue::kValue,
              "Patient.identifier[0].system");
  ExpectError(R"({"resourceType": "Patient", "id": "bad_id"})", Issue::kValue, "Patient.id");
  ExpectError(R"({"resourceType": "Patient", "name": [{"given": ["a", ""]}]})", Issue::kValue,
              "Patient.name[0].given[1]");
  ExpectError(R"({"resourceType": "Patient", "text": {"status": "generated", "div": "<p>x</p>"}})",
              Issue::kValue, "Patient.text.div");
  Errors errors = Check(R"({"resourceType": "Patient", "birthDate": "1970-13-01"})");
  EXPECT_EQ(
      errors.items.at(0).diagnostics,
      "Invalid value for element 'birthDate': '1970-13-01' is not a valid date: month must be 01 to 12");
}

TEST(ValidateTest, ReportsMissingRequiredElements) {
  Errors errors = Check(R"({"resourceType": "Observation", "subject": {"reference": "Patient/1"}})");
  ASSERT_EQ(errors.items.size(), 2u) << Describe(errors);
  EXPECT_EQ(errors.items[0].issue, Issue::kRequired);
  EXPECT_EQ(errors.items[0].expression[0], "Observation.status");
  EXPECT_EQ(errors.items[0].diagnostics, "Missing required element 'status'");
  EXPECT_EQ(errors.items[1].issue, Issue::kRequired);
  EXPECT_EQ(errors.items[1].expression[0], "Observation.code");
  ExpectError(R"({"resourceType": "Patient", "communication": [{"preferred": true}]})", Issue::kRequired,
              "Patient.communication[0].language");
  ExpectError(R"({"resourceType": "Patient", "extension": [{"valueString": "x"}]})", Issue::kRequired,
              "Patient.extension[0].url");
  ExpectError(
      R"({"resourceType": "Questionnaire", "status": "draft", "item": [{"linkId": "1", "type": "group",
    "item": [{"type": "string"}]}]})",
      Issue::kRequired, "Questionnaire.item[0].item[0].linkId");
  // Only present parents are checked: no contact, so no missing contact parts.
  ExpectValid(R"({"resourceType": "Patient"})");
  // A primitive that carries only extensions is present (json.html#primitive).
  ExpectValid(R"({"resourceType": "Observation", "_status": {"extension": [{"url": "http://x.org/absent",
    "valueCode": "unknown"}]}, "code": {"text": "x"}})");
}

TEST(ValidateTest, ReportsArraysWhereSingleValuesBelongAndViceVersa) {
  ExpectError(R"({"resourceType": "Patient", "gender": ["male"]})", Issue::kStructure, "Patient.gender");
  ExpectError(R"({"resourceType": "Patient", "maritalStatus": [{"text": "M"}]})", Issue::kStructure,
              "Patient.maritalStatus");
  ExpectError(R"({"resourceType": "Patient", "name": {"family": "x"}})", Issue::kStructure, "Patient.name");
  ExpectError(R"({"resourceType": "Patient", "name": [{"given": "Jim"}]})", Issue::kStructure,
              "Patient.name[0].given");
  ExpectError(R"({"resourceType": "Patient", "name": []})", Issue::kStructure, "Patient.name");
  ExpectError(R"({"resourceType": "Patient", "name": [{"given": ["a", null]}]})", Issue::kStructure,
              "Patient.name[0].given[1]");
  ExpectError(R"({"resourceType": "Patient", "gender": null})", Issue::kStructure, "Patient.gender");
  ExpectError(R"({"resourceType": "Patient", "maritalStatus": {}})", Issue::kStructure,
              "Patient.maritalStatus");
  ExpectError(R"({"resourceType": "Patient", "maritalStatus": "M"})", Issue::kStructure,
              "Patient.maritalStatus");
}

TEST(ValidateTest, ReportsBadChoiceSuffixes) {
  ExpectError(R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueFoo": 1})",
              Issue::kStructure, "Observation.valueFoo");
  // date is not among Observation.value[x]'s types (dateTime is).
  ExpectError(
      R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueDate": "2020"})",
      Issue::kStructure, "Observation.valueDate");
  // The suffix is the type name with its first letter capitalised, and nothing else.
  ExpectError(
      R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valuestring": "a"})",
      Issue::kStructure, "Observation.valuestring");
  ExpectError(R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "value": "a"})",
              Issue::kStructure, "Observation.value");
  ExpectError(R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"},
    "valueString": "a", "valueBoolean": true})",
              Issue::kStructure, "Observation.valueBoolean");
  Errors errors =
      Check(R"({"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueFoo": 1})");
  EXPECT_NE(errors.items.at(0).diagnostics.find("valueQuantity"), std::string::npos) << Describe(errors);
}

TEST(ValidateTest, ChecksPrimitiveExtensions) {
  ExpectValid(R"({"resourceType": "Patient", "_birthDate": {"id": "b1", "extension": [
    {"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode": "unknown"}]}})");
  ExpectError(R"({"resourceType": "Patient", "birthDate": "1970", "_birthDate": [{"id": "x"}]})",
              Issue::kStructure, "Patient.birthDate");
  ExpectError(R"({"resourceType": "Patient", "_birthDate": {"extension": [{"valueCode": "x"}]}})",
              Issue::kRequired, "Patient.birthDate.extension[0].url");
  ExpectError(R"({"resourceType": "Patient", "_birthDate": {"value": "1970"}})", Issue::kStructure,
              "Patient.birthDate.value");
  ExpectError(R"({"resourceType": "Patient", "_maritalStatus": {"id": "x"}})", Issue::kStructure,
              "Patient.maritalStatus");
  ExpectError(R"({"resourceType": "Patient", "name": [{"given": ["a", "b"], "_given": [null]}]})",
              Issue::kStructure, "Patient.name[0].given");
  ExpectError(
      R"({"resourceType": "Patient", "name": [{"given": [null, "b"], "_given": [null, {"id": "x"}]}]})",
      Issue::kStructure, "Patient.name[0].given[0]");
  ExpectValid(R"({"resourceType": "Patient", "name": [{"_given": [{"id": "x"}, {"id": "y"}]}]})");
  ExpectError(R"({"resourceType": "Patient", "name": [{"_given": [{"id": "x"}, null]}]})", Issue::kStructure,
              "Patient.name[0].given[1]");
}

TEST(ValidateTest, ValidatesContainedAndNestedResources) {
  ExpectError(
      R"({"resourceType": "Patient", "contained": [{"resourceType": "Organization", "id": "o", "foo": 1}]})",
      Issue::kStructure, "Patient.contained[0].foo");
  ExpectError(R"({"resourceType": "Patient", "contained": [{"resourceType": "Organization", "id": "o"},
    {"resourceType": "Observation", "code": {"text": "x"}}]})",
              Issue::kRequired, "Patient.contained[1].status");
  ExpectError(R"({"resourceType": "Patient", "contained": [{"resourceType": "Foo"}]})", Issue::kStructure,
              "Patient.contained[0]");
  ExpectError(R"({"resourceType": "Patient", "contained": [{"resourceType": "DomainResource"}]})",
              Issue::kStructure, "Patient.contained[0]");
  ExpectError(R"({"resourceType": "Patient", "contained": [{"id": "x"}]})", Issue::kRequired,
              "Patient.contained[0]");
  ExpectError(R"({"resourceType": "Bundle", "type": "collection", "entry": [
    {"resource": {"resourceType": "Patient", "birthDate": "1970-1-1"}}]})",
              Issue::kValue, "Bundle.entry[0].resource.birthDate");
  ExpectError(R"({"resourceType": "Parameters", "parameter": [
    {"name": "p", "resource": {"resourceType": "Patient", "gender": ["x"]}}]})",
              Issue::kStructure, "Parameters.parameter[0].resource.gender");
}

TEST(ValidateTest, ReportsDuplicateMembers) {
  ExpectError(R"({"resourceType": "Patient", "gender": "male", "gender": "female"})", Issue::kStructure,
              "Patient.gender");
  Errors errors = Check(R"({"resourceType": "Patient", "gender": "male", "gender": "female"})");
  EXPECT_EQ(errors.items.at(0).diagnostics, "Duplicate JSON member 'gender'");
}

TEST(ValidateTest, ExtensionsHoldOneValue) {
  ExpectError(R"({"resourceType": "Patient", "modifierExtension": [{"url": "http://x.org/a",
    "valueString": "a", "valueCode": "b"}]})",
              Issue::kStructure, "Patient.modifierExtension[0].valueCode");
  ExpectError(R"({"resourceType": "Patient", "extension": [{"url": "http://x.org/a", "valueFoo": "a"}]})",
              Issue::kStructure, "Patient.extension[0].valueFoo");
  ExpectError(
      R"({"resourceType": "Patient", "extension": [{"url": "http://x.org/a", "valueDate": "2020-02-30"}]})",
      Issue::kValue, "Patient.extension[0].valueDate");
}

TEST(ValidateTest, CollectsEveryErrorUpToACap) {
  Errors few = Check(R"({"resourceType": "Patient", "a": 1, "gender": 2, "birthDate": "x", "name": {}})");
  EXPECT_EQ(few.items.size(), 4u) << Describe(few);
  std::string many = R"({"resourceType": "Patient")";
  for (int i = 0; i < 300; ++i) many += ", \"x" + std::to_string(i) + "\": 1";
  many += "}";
  EXPECT_EQ(Check(many).items.size(), 100u);
}

TEST(ValidateTest, RejectsABodyOfAnotherType) {
  Result<json::Document> doc = json::Parse(R"({"resourceType": "Observation"})");
  Errors errors = Validate(R4(), R4().FindResourceType("Patient").value(), *doc);
  ASSERT_EQ(errors.items.size(), 1u);
  EXPECT_EQ(errors.items[0].issue, Issue::kInvalid);
}

// Official examples that break the base specification itself. Each name says why; Kiln is right to
// reject them, and the test checks that it still does.
const std::map<std::string, std::string> kInvalidExamples = {
    {"ig-r4.json", "ImplementationGuide.name and .status (both 1..1) are missing"},
    {"ImplementationGuide-fhir.json", "ImplementationGuide.name and .status (both 1..1) are missing"},
    {"Questionnaire-qs1.json", "nested items lack Questionnaire.item.linkId (1..1)"},
    {"SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json",
     "its id has 67 characters; ids have at most 64"},
    {"SearchParameter-codesystem-extensions-CodeSystem-author.json",
     "SearchParameter.base (1..*) is missing"},
    {"SearchParameter-codesystem-extensions-CodeSystem-effective.json",
     "SearchParameter.base (1..*) is missing"},
    {"SearchParameter-codesystem-extensions-CodeSystem-end.json", "SearchParameter.base (1..*) is missing"},
    {"SearchParameter-codesystem-extensions-CodeSystem-keyword.json",
     "SearchParameter.base (1..*) is missing"},
    {"SearchParameter-codesystem-extensions-CodeSystem-workflow.json",
     "SearchParameter.base (1..*) is missing"},
    {"SearchParameter-valueset-extensions-ValueSet-author.json", "SearchParameter.base (1..*) is missing"},
    {"SearchParameter-valueset-extensions-ValueSet-effective.json", "SearchParameter.base (1..*) is missing"},
    {"SearchParameter-valueset-extensions-ValueSet-end.json", "SearchParameter.base (1..*) is missing"},
    {"SearchParameter-valueset-extensions-ValueSet-keyword.json", "SearchParameter.base (1..*) is missing"},
    {"SearchParameter-valueset-extensions-ValueSet-workflow.json", "SearchParameter.base (1..*) is missing"},
};

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every resource of the official R4 examples package (hl7.fhir.r4.examples@4.0.1) must validate.
TEST(ValidateTest, AcceptsTheOfficialExamples) {
  const char* dir = std::getenv("KILN_R4_EXAMPLES");
  if (dir == nullptr || *dir == '\0') dir = KILN_DEFAULT_R4_EXAMPLES;  // set by CMake, may be empty
  if (dir == nullptr || *dir == '\0') {
    GTEST_SKIP()
        << "\n*** KILN_R4_EXAMPLES is not set, so the official R4 examples were NOT validated. ***\n"
        << "*** Unpack npm package hl7.fhir.r4.examples@4.0.1 and set KILN_R4_EXAMPLES=<dir>/package ***";
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".json" && entry.path().filename() != "package.json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  size_t checked = 0, rejected_as_expected = 0;
  std::vector<std::string> not_resources;
  for (const auto& path : files) {
    std::string name = path.filename().string();
    Result<json::Document> doc = json::Parse(ReadFile(path));
    ASSERT_TRUE(doc.has_value()) << name << ": " << doc.error().diagnostics;
    Result<ResourceType> type = R4().FindResourceType(json::GetString(*doc, "resourceType"));
    if (!type) {
      not_resources.push_back(name);
      continue;
    }
    ++checked;
    Errors errors = Validate(R4(), *type, *doc);
    auto known = kInvalidExamples.find(name);
    if (known != kInvalidExamples.end()) {
      EXPECT_FALSE(errors.items.empty()) << name << " is listed as invalid (" << known->second
                                         << ") but now validates; remove it from the list";
      rejected_as_expected += !errors.items.empty();
      continue;
    }
    EXPECT_TRUE(errors.items.empty()) << name << ":\n" << Describe(errors);
  }
  std::cout << "[ examples ] validated " << checked << " official R4 examples from " << dir << "; "
            << rejected_as_expected << " known-invalid ones rejected as expected; " << not_resources.size()
            << " files skipped as not a concrete resource\n";
  EXPECT_TRUE(not_resources.empty()) << not_resources.front();
  EXPECT_GT(checked, 5000u);
}

}  // namespace
}  // namespace kiln::core
