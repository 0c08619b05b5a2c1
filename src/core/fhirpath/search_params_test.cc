// Every R4 SearchParameter expression (the SearchParameter-*.json files of the official examples
// package) must compile, and must evaluate without error on every official example of each of
// its base types (Patient-*.json for base Patient; one example per type for Resource and
// DomainResource), since search indexing evaluates them on each write.
#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <map>

#include "core/fhirpath/fhirpath.h"
#include "core/fhirpath/fhirpath_testing.h"

namespace kiln::fhirpath::testing {
namespace {

struct Param {
  std::string file;
  std::string expression;
  std::vector<std::string> bases;
};

TEST(SearchParamsTest, EveryR4ExpressionCompilesAndEvaluates) {
  std::string dir = DirFromEnv("KILN_R4_EXAMPLES", KILN_DEFAULT_R4_EXAMPLES);
  if (dir.empty() || !std::filesystem::exists(dir)) {
    GTEST_SKIP()
        << "\n*** KILN_R4_EXAMPLES is not set, so the R4 SearchParameter expressions were NOT checked. ***\n"
        << "*** Unpack npm package hl7.fhir.r4.examples@4.0.1 and set KILN_R4_EXAMPLES=<dir>/package ***";
  }
  std::vector<Param> params;
  std::map<std::string, std::vector<std::string>> examples;  // resource type -> example files
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    size_t dash = name.find('-');
    if (entry.path().extension() != ".json" || dash == std::string::npos) continue;
    examples[name.substr(0, dash)].push_back(entry.path().string());
    if (!name.starts_with("SearchParameter-")) continue;
    auto doc = json::Parse(ReadFile(entry.path().string()));
    ASSERT_TRUE(doc.has_value()) << name;
    std::string_view expression = json::GetString(*doc, "expression");
    if (expression.empty()) continue;
    Param p{name, std::string(expression), {}};
    if (const json::Value* bases = json::Find(*doc, "base"); bases != nullptr && bases->IsArray()) {
      for (const auto& b : bases->GetArray()) p.bases.emplace_back(b.GetString());
    }
    params.push_back(std::move(p));
  }
  for (auto& [type, files] : examples) std::sort(files.begin(), files.end());
  ASSERT_GT(params.size(), 1000u);

  std::map<std::string, json::Document> parsed;
  auto load = [&](const std::string& file) -> const json::Document& {
    auto it = parsed.find(file);
    if (it == parsed.end()) it = parsed.emplace(file, json::Parse(ReadFile(file)).value()).first;
    return it->second;
  };
  size_t compiled = 0, evaluations = 0, non_empty = 0, failures = 0, skippable = 0;
  for (const Param& p : params) {
    auto e = Compile(p.expression);
    EXPECT_TRUE(e.has_value()) << p.file << ": " << p.expression << "\n  "
                               << (e ? "" : e.error().diagnostics);
    if (!e) continue;
    ++compiled;
    for (const std::string& base : p.bases) {
      std::vector<std::string> files;
      if (base == "Resource" || base == "DomainResource") {
        for (const std::string& type : R4().ResourceTypeNames()) {
          if (examples.count(type) != 0) files.push_back(examples[type].front());
        }
      } else if (examples.count(base) != 0) {
        files = examples[base];
      }
      for (const std::string& file : files) {
        const json::Document& resource = load(file);
        auto r = Evaluate(*e, resource, R4());
        ++evaluations;
        // Indexing skips an expression when the resource has none of the members it reads:
        // that must never skip a node (the expression as the registry holds it, rooted at the type).
        std::string type(json::GetString(resource, "resourceType"));
        std::string rooted = p.expression;
        for (std::string_view generic : {"DomainResource.", "Resource."}) {
          for (size_t at = rooted.find(generic); at != std::string::npos; at = rooted.find(generic, at))
            rooted.replace(at, generic.size() - 1, type);
        }
        auto as_indexed = Compile(rooted);
        auto reads = as_indexed ? MembersRead(*as_indexed, type) : std::nullopt;
        if (r && reads && !HasAnyMember(resource, *reads)) {
          ++skippable;
          for (const Item& item : *r) {
            EXPECT_EQ(item.node(), nullptr) << p.file << " on " << file << ": " << p.expression
                                            << " yields a node, but reads only members the resource lacks";
          }
        }
        if (r) {
          non_empty += !r->empty();
        } else if (++failures <= 20) {
          ADD_FAILURE() << p.file << " on " << file << ": " << p.expression << "\n  "
                        << r.error().diagnostics;
        }
      }
    }
  }
  std::cout << "[ fhirpath ] R4 search parameters: " << compiled << "/" << params.size()
            << " expressions compile; " << evaluations << " evaluations on " << parsed.size() << " examples, "
            << failures << " errors, " << non_empty << " with a non-empty result, " << skippable
            << " that indexing skips (the resource lacks every member the expression reads)\n";
  EXPECT_EQ(failures, 0u);
  EXPECT_EQ(compiled, params.size());
}

}  // namespace
}  // namespace kiln::fhirpath::testing
