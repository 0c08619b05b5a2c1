#include "core/model.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace kiln::core {
namespace {

// Loaded once: the table is immutable and parsing it takes milliseconds.
const Model& R4() {
  static const Model* model = Model::LoadEmbedded().value().release();
  return *model;
}

const ElementDef& Element(std::string_view type, const std::string& path) {
  const TypeDef* def = R4().FindType(type);
  EXPECT_NE(def, nullptr) << type;
  return def->elements.at(path);
}

std::vector<std::string> Names(const std::vector<const ElementDef*>& children) {
  std::vector<std::string> names;
  for (const ElementDef* e : children) names.push_back(e->name);
  return names;
}

TEST(ModelTest, LoadsEveryConcreteR4ResourceType) {
  const std::vector<std::string>& names = R4().ResourceTypeNames();
  EXPECT_EQ(names.size(), 146u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(names.front(), "Account");
  EXPECT_EQ(names.back(), "VisionPrescription");
  for (const std::string& name : names) {
    Result<ResourceType> type = R4().FindResourceType(name);
    ASSERT_TRUE(type.has_value()) << name;
    EXPECT_EQ(type->name(), name);
  }
  EXPECT_NE(R4().source().find("4.0.1"), std::string::npos);
}

TEST(ModelTest, FindsResourceTypesByExactName) {
  for (std::string_view name : {"Patient", "Observation", "Bundle", "Binary", "Parameters"}) {
    Result<ResourceType> type = R4().FindResourceType(name);
    ASSERT_TRUE(type.has_value()) << name;
    EXPECT_EQ(type->name(), name);
    EXPECT_EQ(type->def().kind, TypeKind::kResource);
  }
  EXPECT_TRUE(R4().FindResourceType("Patient").value() == R4().FindResourceType("Patient").value());
  EXPECT_FALSE(R4().FindResourceType("Patient").value() == R4().FindResourceType("Bundle").value());
}

TEST(ModelTest, RejectsAbstractUnknownAndNonResourceNames) {
  for (std::string_view name : {"Resource", "DomainResource", "Foo", "patient", "", "HumanName", "string"}) {
    Result<ResourceType> type = R4().FindResourceType(name);
    ASSERT_FALSE(type.has_value()) << name;
    EXPECT_EQ(type.error().issue, Issue::kNotFound);
    EXPECT_EQ(type.error().diagnostics, "Unknown resource type '" + std::string(name) + "'");
  }
}

TEST(ModelTest, FindsAllKindsOfTypes) {
  ASSERT_NE(R4().FindType("HumanName"), nullptr);
  EXPECT_EQ(R4().FindType("HumanName")->kind, TypeKind::kComplex);
  EXPECT_EQ(R4().FindType("HumanName")->base, "Element");
  EXPECT_EQ(R4().FindType("date")->kind, TypeKind::kPrimitive);
  EXPECT_EQ(R4().FindType("code")->base, "string");
  EXPECT_TRUE(R4().FindType("Element")->is_abstract);
  EXPECT_TRUE(R4().FindType("BackboneElement")->is_abstract);
  EXPECT_TRUE(R4().FindType("Resource")->is_abstract);
  EXPECT_EQ(R4().FindType("Patient")->base, "DomainResource");
  EXPECT_EQ(R4().FindType("Age")->base, "Quantity");
  EXPECT_EQ(R4().FindType("Nope"), nullptr);
  EXPECT_EQ(R4().FindType("MetadataResource"), nullptr);  // a logical model, not JSON
  EXPECT_EQ(R4().FindType("SimpleQuantity"), nullptr);    // a profile, not a base type
}

TEST(ModelTest, ChoiceElementsDropTheSuffix) {
  const ElementDef& value = Element("Observation", "Observation.value[x]");
  EXPECT_EQ(value.name, "value");
  EXPECT_TRUE(value.choice);
  EXPECT_EQ(value.min, 0);
  EXPECT_EQ(value.max, 1);
  EXPECT_NE(std::find(value.types.begin(), value.types.end(), "Quantity"), value.types.end());
  EXPECT_NE(std::find(value.types.begin(), value.types.end(), "dateTime"), value.types.end());
  ASSERT_EQ(value.type_defs.size(), value.types.size());
  for (size_t i = 0; i < value.types.size(); ++i) EXPECT_EQ(value.type_defs[i]->name, value.types[i]);
  EXPECT_FALSE(Element("Observation", "Observation.status").choice);
}

TEST(ModelTest, CardinalitiesComeFromTheSnapshot) {
  EXPECT_EQ(Element("Observation", "Observation.status").min, 1);
  EXPECT_EQ(Element("Observation", "Observation.code").min, 1);
  const ElementDef& name = Element("Patient", "Patient.name");
  EXPECT_EQ(name.max, -1);
  EXPECT_TRUE(name.is_array());
  EXPECT_FALSE(Element("Patient", "Patient.birthDate").is_array());
  EXPECT_EQ(Element("Patient", "Patient.birthDate").types, std::vector<std::string>{"date"});
  EXPECT_EQ(Element("xhtml", "xhtml.extension").max, 0);
}

TEST(ModelTest, SystemTypesBecomeFhirPrimitives) {
  EXPECT_EQ(Element("Patient", "Patient.id").types, std::vector<std::string>{"id"});
  EXPECT_EQ(Element("Resource", "Resource.id").types, std::vector<std::string>{"id"});
  EXPECT_EQ(Element("Element", "Element.id").types, std::vector<std::string>{"string"});
  EXPECT_EQ(Element("Extension", "Extension.url").types, std::vector<std::string>{"uri"});
  EXPECT_EQ(Element("Patient", "Patient.contact.id").types, std::vector<std::string>{"string"});
}

TEST(ModelTest, ChildrenFollowDefinitionOrder) {
  const TypeDef& patient = *R4().FindType("Patient");
  std::vector<std::string> root = Names(patient.children.at("Patient"));
  ASSERT_GE(root.size(), 8u);
  EXPECT_EQ(std::vector<std::string>(root.begin(), root.begin() + 8),
            (std::vector<std::string>{"id", "meta", "implicitRules", "language", "text", "contained",
                                      "extension", "modifierExtension"}));
  EXPECT_EQ(patient.root_children, &patient.children.at("Patient"));
  const ElementDef& contact = Element("Patient", "Patient.contact");
  ASSERT_NE(contact.own_children, nullptr);
  EXPECT_EQ(contact.own_children, &patient.children.at("Patient.contact"));
  EXPECT_EQ(Element("Patient", "Patient.name").own_children, nullptr);  // children come from HumanName
}

TEST(ModelTest, PrimitivesListNoValueElement) {
  const TypeDef& date = *R4().FindType("date");
  EXPECT_EQ(Names(*date.root_children), (std::vector<std::string>{"id", "extension"}));
  EXPECT_EQ(date.elements.count("date.value"), 0u);
}

TEST(ModelTest, ContentReferencesShareTheirTargetsChildren) {
  const TypeDef& questionnaire = *R4().FindType("Questionnaire");
  const ElementDef& nested = Element("Questionnaire", "Questionnaire.item.item");
  EXPECT_EQ(nested.content_reference, "Questionnaire.item");
  EXPECT_TRUE(nested.types.empty());
  EXPECT_EQ(nested.own_children, &questionnaire.children.at("Questionnaire.item"));
  EXPECT_EQ(Element("Bundle", "Bundle.entry.link").content_reference, "Bundle.link");
}

TEST(ModelTest, LoadsASmallTable) {
  Result<std::unique_ptr<Model>> model = Model::LoadFromJson(R"({"source": "test", "types": {
    "string": {"kind": "primitive", "abstract": false, "base": "", "elements": []},
    "Thing": {"kind": "resource", "abstract": false, "base": "", "elements": [
      ["Thing.part", 0, -1, [], ""], ["Thing.part.label", 1, 1, ["string"], ""],
      ["Thing.part.part", 0, -1, [], "Thing.part"]]}}})");
  ASSERT_TRUE(model.has_value()) << model.error().diagnostics;
  EXPECT_EQ((*model)->source(), "test");
  EXPECT_EQ((*model)->ResourceTypeNames(), std::vector<std::string>{"Thing"});
  const TypeDef& thing = *(*model)->FindType("Thing");
  EXPECT_EQ(thing.elements.at("Thing.part.part").own_children, &thing.children.at("Thing.part"));
}

TEST(ModelTest, RejectsBrokenTables) {
  for (
      std::string_view text : {
          R"(not json)",
          R"({"types": []})",
          R"({"types": {"A": {"kind": "odd", "abstract": false, "elements": []}}})",
          R"({"types": {"A": {"kind": "complex", "abstract": false, "elements": [["A.b", 0, 1, ["Nope"], ""]]}}})",
          R"({"types": {"A": {"kind": "complex", "abstract": false, "elements": [["A.b", 0, 1, [], "A.c"]]}}})",
          R"({"types": {"A": {"kind": "complex", "abstract": false, "elements": [["A.b", 0]]}}})",
      }) {
    EXPECT_FALSE(Model::LoadFromJson(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace kiln::core
