// The official patch test cases (FHIR/fhir-test-cases), from the shared data directory
// ($KILN_SHARED_DIR, else KILN_DEFAULT_SHARED_DIR, ../shared next to the source tree):
// data/patch/fhir-patch-tests.xml (FHIRPath Patch, FHIR XML) and data/patch/json-patch-tests.json
// (JSON Patch). Every case runs; a case that fails must be listed below with the reason, and a
// listed case that passes fails the test too, so the list stays true.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "core/fhir_xml_testing.h"
#include "core/fhirpath/fhirpath_testing.h"
#include "core/patch.h"

#ifndef KILN_DEFAULT_SHARED_DIR
#define KILN_DEFAULT_SHARED_DIR ""
#endif

namespace kiln::core {
namespace {

using fhirpath::testing::DirFromEnv;
using fhirpath::testing::R4;
using fhirpath::testing::ReadFile;

// Cases Kiln does not pass, by name, with the reason. Empty: every case passes.
const std::map<std::string, std::string> kKnownFailures = {};

std::filesystem::path PatchDir() {
  std::string shared = DirFromEnv("KILN_SHARED_DIR", KILN_DEFAULT_SHARED_DIR);
  return shared.empty() ? std::filesystem::path() : std::filesystem::path(shared) / "data" / "patch";
}

// XHTML narrative compares as XML, not as text: the expected side is the XML of the case file,
// the patched side the string the patch put there; both are written by pugixml.
std::string CanonicalXhtml(std::string_view text) {
  pugi::xml_document doc;
  if (!doc.load_buffer(text.data(), text.size(), pugi::parse_default | pugi::parse_ws_pcdata)) {
    return std::string(text);
  }
  return testing::XmlText(doc.document_element());
}

// Puts every "div" (XHTML narrative) in canonical form, so that narrative compares as XML.
void CanonicalizeXhtml(json::Value& v, json::Document::AllocatorType& alloc) {
  if (v.IsArray()) {
    for (json::Value& e : v.GetArray()) CanonicalizeXhtml(e, alloc);
  }
  if (!v.IsObject()) return;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    if (std::string_view(it->name.GetString()) == "div" && it->value.IsString()) {
      it->value.SetString(CanonicalXhtml(it->value.GetString()).c_str(), alloc);
    } else {
      CanonicalizeXhtml(it->value, alloc);
    }
  }
}

bool SameResource(json::Document& got, json::Document& expected) {
  CanonicalizeXhtml(got, got.GetAllocator());
  CanonicalizeXhtml(expected, expected.GetAllocator());
  return json::Equal(got, expected);
}

// Tallies one suite's results and checks them against kKnownFailures.
class Tally {
 public:
  explicit Tally(std::string suite) : suite_(std::move(suite)) {}

  void Record(const std::string& name, bool passed, const std::string& detail) {
    ++total_;
    bool known = kKnownFailures.contains(name);
    if (passed) ++passed_;
    if (passed && known) ADD_FAILURE() << suite_ << " '" << name << "' passes: remove it from kKnownFailures";
    if (!passed && !known) ADD_FAILURE() << suite_ << " '" << name << "' fails: " << detail;
  }
  ~Tally() { std::cout << "[ SUITE    ] " << suite_ << ": " << passed_ << "/" << total_ << " cases pass\n"; }

  size_t total() const { return total_; }

 private:
  std::string suite_;
  size_t passed_ = 0, total_ = 0;
};

pugi::xml_node FirstElement(const pugi::xml_node& node) {
  return node.find_child([](const pugi::xml_node& n) { return n.type() == pugi::node_element; });
}

TEST(PatchSuite, FhirPathPatch) {
  std::filesystem::path file = PatchDir() / "fhir-patch-tests.xml";
  if (PatchDir().empty() || !std::filesystem::exists(file)) {
    GTEST_SKIP() << "\n*** The FHIRPath Patch test suite was NOT run: " << file << " is missing. ***\n"
                 << "*** Set KILN_SHARED_DIR to the directory that holds data/patch/. ***";
  }
  std::string text = ReadFile(file.string());
  pugi::xml_document xml;
  // Whitespace text is kept so that XHTML narrative keeps its exact text.
  auto loaded = xml.load_buffer(text.data(), text.size(), pugi::parse_default | pugi::parse_ws_pcdata);
  ASSERT_TRUE(loaded) << loaded.description();

  Tally tally("FHIRPath Patch (fhir-patch-tests.xml)");
  for (const pugi::xml_node& c : xml.child("tests").children("case")) {
    std::string name = c.attribute("name").value();
    auto input = testing::FhirXmlToJson(R4(), FirstElement(c.child("input")));
    auto diff = testing::FhirXmlToJson(R4(), FirstElement(c.child("diff")));
    ASSERT_TRUE(input && diff) << name << ": the case cannot be read: "
                               << (input ? diff.error() : input.error()).diagnostics;
    json::Document resource = std::move(input).value();
    auto applied = ApplyFhirPathPatch(R4(), *diff, resource);
    if (pugi::xml_node error = c.child("error")) {
      tally.Record(name, !applied,
                   "expected the error '" + std::string(error.attribute("msg").value()) + "', got " +
                       json::Write(resource));
      continue;
    }
    auto expected = testing::FhirXmlToJson(R4(), FirstElement(c.child("output")));
    ASSERT_TRUE(expected) << name << ": " << expected.error().diagnostics;
    if (!applied) {
      tally.Record(name, false, "the patch failed: " + applied.error().diagnostics);
      continue;
    }
    tally.Record(name, SameResource(resource, *expected),
                 "got " + json::Write(resource) + "\nexpected " + json::Write(*expected));
  }
  EXPECT_EQ(tally.total(), 33u);
}

TEST(PatchSuite, JsonPatch) {
  std::filesystem::path file = PatchDir() / "json-patch-tests.json";
  if (PatchDir().empty() || !std::filesystem::exists(file)) {
    GTEST_SKIP() << "\n*** The JSON Patch test suite was NOT run: " << file << " is missing. ***\n"
                 << "*** Set KILN_SHARED_DIR to the directory that holds data/patch/. ***";
  }
  auto cases = json::Parse(ReadFile(file.string()));
  ASSERT_TRUE(cases && cases->IsArray());
  Tally tally("JSON Patch (json-patch-tests.json)");
  for (const json::Value& c : cases->GetArray()) {
    std::string name(json::GetString(c, "comment"));
    json::Document doc;
    doc.CopyFrom(*json::Find(c, "doc"), doc.GetAllocator());
    auto applied = ApplyJsonPatch(*json::Find(c, "patch"), doc);
    if (const json::Value* expected = json::Find(c, "expected")) {
      tally.Record(name, applied && json::Equal(doc, *expected),
                   applied ? "got " + json::Write(doc) : "the patch failed: " + applied.error().diagnostics);
    } else {
      tally.Record(name, !applied, "expected the error '" + std::string(json::GetString(c, "error")) + "'");
    }
  }
  EXPECT_EQ(tally.total(), 16u);
}

}  // namespace
}  // namespace kiln::core
