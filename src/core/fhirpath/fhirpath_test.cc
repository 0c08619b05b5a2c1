#include "core/fhirpath/fhirpath.h"

#include <gtest/gtest.h>

#include "core/fhirpath/fhirpath_testing.h"

namespace kiln::fhirpath {
namespace {

using testing::R4;

json::Document Doc(const char* text) {
  json::Document d;
  d.Parse(text);
  return d;
}

const char* const kObservation = R"({
  "resourceType": "Observation", "id": "o1", "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
  "subject": {"reference": "Patient/p1"},
  "performer": [{"reference": "http://example.org/fhir/Practitioner/x/_history/2"}, {"reference": "#org"},
                {"display": "nobody"}],
  "contained": [{"resourceType": "Organization", "id": "org", "name": "Acme"}],
  "valueQuantity": {"value": 185, "unit": "lbs", "system": "http://unitsofmeasure.org", "code": "[lb_av]"},
  "component": [{"code": {"text": "a"}, "valueQuantity": {"value": 1.5, "unit": "mg"}},
                {"code": {"text": "b"}, "valueString": "x"}],
  "extension": [{"url": "http://example.org/a", "valueString": "A"}]
})";

const char* const kPatient = R"({
  "resourceType": "Patient", "id": "p1", "active": true, "birthDate": "1974-12-25",
  "_birthDate": {"extension": [{"url": "http://example.org/time", "valueDateTime": "1974-12-25T14:35:45-05:00"}]},
  "deceasedBoolean": false,
  "name": [{"family": "Chalmers", "given": ["Peter", null], "_given": [null, {"id": "g2"}]},
           {"family": "Windsor", "use": "maiden"}],
  "telecom": [{"system": "phone", "value": "1"}, {"system": "email", "value": "a@b"}]
})";

// Evaluates `expr` on `resource` and returns the items' texts (node strings or computed values).
std::vector<std::string> Texts(const char* resource, std::string_view expr, EvalOptions options = {}) {
  json::Document doc = Doc(resource);
  auto e = Compile(expr);
  EXPECT_TRUE(e.has_value()) << expr << ": " << (e ? "" : e.error().diagnostics);
  if (!e) return {};
  auto r = Evaluate(*e, doc, R4(), options);
  EXPECT_TRUE(r.has_value()) << expr << ": " << (r ? "" : r.error().diagnostics);
  if (!r) return {};
  std::vector<std::string> out;
  for (const Item& i : *r) {
    if (i.node() != nullptr && i.node()->IsString()) {
      out.emplace_back(i.node()->GetString());
    } else if (i.kind() == ValueKind::kBoolean) {
      out.emplace_back(i.boolean() ? "true" : "false");
    } else if (i.kind() == ValueKind::kInteger) {
      out.push_back(std::to_string(i.integer()));
    } else if (!i.text().empty()) {
      out.emplace_back(i.text());
    } else {
      out.emplace_back(i.type_name());
    }
  }
  return out;
}

using Strings = std::vector<std::string>;

TEST(FhirPathTest, CompileErrors) {
  EXPECT_EQ(Compile("Patient.name.").error().issue, Issue::kInvalid);
  EXPECT_EQ(Compile("'unterminated").error().issue, Issue::kInvalid);
  EXPECT_EQ(Compile("name.frobnicate()").error().issue, Issue::kInvalid);
  EXPECT_EQ(Compile("name.where()").error().issue, Issue::kInvalid);
  auto member_of = Compile("code.memberOf('http://x')");
  EXPECT_EQ(member_of.error().issue, Issue::kNotSupported);
  EXPECT_NE(member_of.error().diagnostics.find("memberOf"), std::string::npos);
  // Hostile nesting is refused before evaluation could recurse too deep.
  EXPECT_EQ(Compile(std::string(1000, '(') + "1" + std::string(1000, ')')).error().issue, Issue::kInvalid);
  std::string sum = "1", path = "a", calls = "a";
  for (int i = 0; i < 1000; ++i) {
    sum += "+1";
    path += ".a";
    calls += ".first()";
  }
  EXPECT_FALSE(Compile(sum).has_value());
  EXPECT_FALSE(Compile(path).has_value());
  EXPECT_FALSE(Compile(calls).has_value());
  EXPECT_TRUE(Compile("1+1+1+1+1+1+1+1 | a.b.c.d.e.f.g.h.first().last()").has_value());
}

TEST(FhirPathTest, ChoiceTypesAndTypeOperators) {
  EXPECT_EQ(Texts(kObservation, "Observation.value.unit"), Strings{"lbs"});
  EXPECT_EQ(Texts(kObservation, "Observation.value.type().name"), Strings{"Quantity"});
  EXPECT_EQ(Texts(kObservation, "(Observation.value as Quantity).code"), Strings{"[lb_av]"});
  EXPECT_EQ(Texts(kObservation, "Observation.value.ofType(Period)"), Strings{});
  EXPECT_EQ(Texts(kObservation, "Observation.value is Quantity"), Strings{"true"});
  EXPECT_EQ(Texts(kObservation, "Observation.valueQuantity"), Strings{});  // not FHIRPath: use value
  // R4 search parameters apply `as` to collections: filtering by default, an error when strict.
  EXPECT_EQ(Texts(kObservation, "(Observation.component.value as Quantity).unit"), Strings{"mg"});
  auto e = Compile("Observation.component.value as Quantity");
  json::Document doc = Doc(kObservation);
  EXPECT_FALSE(Evaluate(*e, doc, R4(), EvalOptions{.strict = true}).has_value());
}

TEST(FhirPathTest, TypeNameStartsAPath) {
  EXPECT_EQ(Texts(kPatient, "Patient.name.family"), (Strings{"Chalmers", "Windsor"}));
  EXPECT_EQ(Texts(kPatient, "Observation.code | Patient.id"), Strings{"p1"});
  EXPECT_EQ(Texts(kPatient, "Resource.id"), Strings{"p1"});
  EXPECT_EQ(Texts(kPatient, "name.family"), (Strings{"Chalmers", "Windsor"}));
}

TEST(FhirPathTest, Resolve) {
  EXPECT_EQ(Texts(kObservation, "Observation.subject.where(resolve() is Patient).reference"),
            Strings{"Patient/p1"});
  EXPECT_EQ(Texts(kObservation, "Observation.performer.where(resolve() is Practitioner).reference"),
            Strings{"http://example.org/fhir/Practitioner/x/_history/2"});
  EXPECT_EQ(Texts(kObservation, "Observation.performer.resolve().name"), Strings{"Acme"});
  EXPECT_EQ(Texts(kObservation, "Observation.performer.resolve().type().name"),
            (Strings{"Practitioner", "Organization"}));
  EXPECT_EQ(Texts(kObservation, "Observation.subject.reference.startsWith('Patient/')"), Strings{"true"});
}

TEST(FhirPathTest, PrimitivesWithExtensions) {
  EXPECT_EQ(Texts(kPatient, "Patient.birthDate.extension('http://example.org/time').value"),
            Strings{"1974-12-25T14:35:45-05:00"});
  EXPECT_EQ(Texts(kPatient, "Patient.name.given.count()"), Strings{"2"});
  EXPECT_EQ(Texts(kPatient, "Patient.name.given.select(hasValue())"), (Strings{"true", "false"}));
  EXPECT_EQ(Texts(kPatient, "Patient.name.given.id"), Strings{"g2"});
  EXPECT_EQ(Texts(kObservation, "Observation.extension('http://example.org/a').value"), Strings{"A"});
  EXPECT_EQ(Texts(kObservation, "Observation.hasExtension('http://example.org/a')"), Strings{"true"});
}

TEST(FhirPathTest, SearchParameterShapes) {
  EXPECT_EQ(Texts(kPatient, "Patient.deceased.exists() and Patient.deceased != false"), Strings{"false"});
  EXPECT_EQ(Texts(kPatient, "Patient.telecom.where(system='email').value"), Strings{"a@b"});
  EXPECT_EQ(
      Texts(kPatient, "Patient.telecom.where(system='phone') | Person.telecom.where(system='phone')").size(),
      1u);
  EXPECT_EQ(Texts(kPatient, "iif(Patient.active, 'yes', 'no')"), Strings{"yes"});
  EXPECT_EQ(Texts(kPatient, "%resource.id"), Strings{"p1"});
}

TEST(FhirPathTest, ItemsKeepTheirFhirTypes) {
  json::Document doc = Doc(kObservation);
  auto r = Evaluate(*Compile("Observation.code.coding | Observation.value | Observation.status"), doc, R4());
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].type_name(), "Coding");
  EXPECT_EQ((*r)[1].type_name(), "Quantity");
  EXPECT_EQ((*r)[2].type_name(), "code");
  EXPECT_EQ((*r)[2].node(), &doc["status"]);
}

TEST(FhirPathTest, ExactDecimalsAndDates) {
  EXPECT_EQ(Texts(kPatient, "(1.2 * 1.8 = 2.16) and (1.8 - 1.2 = 0.6) and (2.2 mod 1.8 = 0.4)"),
            Strings{"true"});
  EXPECT_EQ(Texts(kPatient, "(1.2 / 1.8).toString()"), Strings{"0.66666667"});
  EXPECT_EQ(Texts(kPatient, "Patient.birthDate < @1975 and Patient.birthDate > @1974-12-24"),
            Strings{"true"});
  EXPECT_EQ(Texts(kPatient, "Patient.birthDate = @1974-12-25T10:00"), Strings{});  // precision differs
  EXPECT_EQ(Texts(kPatient, "(@2019-01-31 + 1 month).toString()"), Strings{"2019-02-28"});
  EXPECT_EQ(Texts(kObservation, "Observation.value > 80 'kg'"), Strings{"true"});
}

TEST(FhirPathTest, NowUsesTheGivenClock) {
  struct Fixed final : Clock {
    Micros Now() const override { return 0; }
  } clock;
  EXPECT_EQ(Texts(kPatient, "now().toString()", EvalOptions{.clock = &clock}),
            Strings{"1970-01-01T00:00:00.000Z"});
  EXPECT_EQ(Texts(kPatient, "today().toString()", EvalOptions{.clock = &clock}), Strings{"1970-01-01"});
}

TEST(FhirPathTest, RunawayExpressionsEndInAnError) {
  json::Document doc = Doc(kPatient);
  EXPECT_FALSE(Evaluate(*Compile("1.repeat($this + 1)"), doc, R4()).has_value());
  EXPECT_FALSE(Evaluate(*Compile("'ab'.repeat($this + $this)"), doc, R4()).has_value());
  EXPECT_EQ(Texts(kPatient, "1.power(1000000000000) | (-1).power(1000000000001)"), (Strings{"1", "-1"}));
  EXPECT_EQ(Texts(kPatient, "(@2014 + 1000000000000 years) | (@2014-01-01T10:00 + 9000000000000000000 'ms')"),
            Strings{});
  EXPECT_EQ(Texts(kPatient, "'abc'.substring(1, 9223372036854775807)"), Strings{"bc"});
}

TEST(FhirPathTest, RejectsNonResources) {
  json::Document doc = Doc(R"({"resourceType": "HumanName"})");
  EXPECT_FALSE(Evaluate(*Compile("family"), doc, R4()).has_value());
}

std::optional<Strings> Reads(std::string_view expression, std::string_view type = "Observation") {
  return MembersRead(*Compile(expression), type);
}

TEST(FhirPathTest, MembersReadNamesTheTopLevelMembersAnExpressionCanReach) {
  EXPECT_EQ(Reads("Observation.code"), Strings{"code"});
  EXPECT_EQ(Reads("Observation.code | Observation.component.code"), (Strings{"code", "component"}));
  EXPECT_EQ(Reads("(Observation.value as Quantity) | (Observation.value as SampledData)"), Strings{"value"});
  EXPECT_EQ(Reads("Observation.subject.where(resolve() is Patient)"), Strings{"subject"});
  EXPECT_EQ(Reads("Observation.extension('http://example.org/x').value"), Strings{"extension"});
  EXPECT_EQ(Reads("Observation.meta.tag"), Strings{"meta"});
  EXPECT_EQ(Reads("identifier"), Strings{"identifier"});
  // What it cannot tell from the tree alone, it does not claim.
  EXPECT_EQ(Reads("Observation"), std::nullopt) << "the resource itself";
  EXPECT_EQ(Reads("Patient.name"), std::nullopt) << "another type's branch";
  EXPECT_EQ(Reads("Observation.code.where(%resource.status = 'final')"), std::nullopt);
  EXPECT_EQ(Reads("Observation.code.union(Observation.category)"), std::nullopt);
  EXPECT_EQ(Reads("Observation.code = Observation.category"), std::nullopt);
  EXPECT_EQ(Reads("iif(status.exists(), code, category)"), std::nullopt);

  json::Document obs = Doc(R"({"resourceType":"Observation","status":"final","_issued":{"extension":[]},
      "valueQuantity":{"value":1},"codeableConceptish":1})");
  EXPECT_TRUE(HasAnyMember(obs, {"value"})) << "a choice type's member";
  EXPECT_TRUE(HasAnyMember(obs, {"issued"})) << "a primitive with only extensions";
  EXPECT_TRUE(HasAnyMember(obs, {"code", "status"}));
  EXPECT_FALSE(HasAnyMember(obs, {"code"})) << "'codeableConceptish' is not 'code' with a type suffix";
  EXPECT_FALSE(HasAnyMember(obs, {"subject", "val"}));
}

}  // namespace
}  // namespace kiln::fhirpath
