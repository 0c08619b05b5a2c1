// Search over HTTP (hl7.org/fhir/R4/search.html): each parameter kind with its modifiers and
// prefixes, OR and AND, chains and reverse chains, driven by the official SearchParameters.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "support/test_server.h"

namespace kiln::testing {
namespace {

class SearchTest : public ::testing::Test {
 protected:
  explicit SearchTest(ServerOptionsForTest options = {}) : server(options) {}
  void SetUp() override {
    smith = server.Create("Patient", R"({"resourceType":"Patient",
      "identifier":[{"system":"http://hospital.example/mrn","value":"MRN-1",
                     "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"MR"}]}}],
      "name":[{"family":"Smith","given":["John","Q"]}],"gender":"male","birthDate":"1974-12-25",
      "address":[{"city":"Zürich","postalCode":"8001"}],"active":true})");
    mueller = server.Create("Patient", R"({"resourceType":"Patient",
      "identifier":[{"system":"http://hospital.example/mrn","value":"MRN-2"}],
      "name":[{"family":"Müller","given":["Élodie"]}],"gender":"female","birthDate":"1990-03",
      "telecom":[{"system":"email","value":"elodie@example.org"}]})");
    smythe = server.Create("Patient", R"({"resourceType":"Patient",
      "name":[{"family":"Smythe"}],"gender":"other","birthDate":"2001-06-01"})");
  }

  // The ids a search returns (all pages), sorted.
  std::vector<std::string> Ids(const std::string& query, const Headers& headers = {}) {
    HttpResponse res = server.Get(query, headers);
    EXPECT_EQ(res.status, 200) << query << " -> " << res.body;
    std::vector<std::string> ids;
    auto doc = res.Json();
    const json::Value* entries = json::Find(doc, "entry");
    if (entries != nullptr) {
      for (const auto& e : entries->GetArray()) {
        const json::Value* r = json::Find(e, "resource");
        if (r && json::GetString(*r, "resourceType") != "OperationOutcome")
          ids.emplace_back(json::GetString(*r, "id"));
      }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  std::string Observation(const std::string& patient, const std::string& code, const std::string& value,
                          const std::string& when) {
    return server.Create("Observation",
                         R"({"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":")" +
                             code + R"(","display":"Body weight"}],"text":"Weight"},
      "subject":{"reference":"Patient/)" +
                             patient + R"("},"effectiveDateTime":")" + when + R"(",
      "valueQuantity":{"value":)" +
                             value + R"(,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}})");
  }

  TestServer server;
  std::string smith, mueller, smythe;
};

TEST_F(SearchTest, StringIsCaseAndAccentInsensitivePrefix) {
  EXPECT_EQ(Ids("Patient?name=smi"), std::vector<std::string>{smith});
  EXPECT_EQ(Ids("Patient?name=SM"), Sorted({smith, smythe}));
  EXPECT_EQ(Ids("Patient?name=muller"), std::vector<std::string>{mueller});
  EXPECT_EQ(Ids("Patient?given=elo"), std::vector<std::string>{mueller});
  EXPECT_EQ(Ids("Patient?family=Smith"), std::vector<std::string>{smith});
  EXPECT_EQ(Ids("Patient?address-city=zurich"), std::vector<std::string>{smith});
}

// _text searches the narrative's words, _content every string of the resource; words are
// matched case- and accent-insensitively as prefixes, all of a value's words must occur, and
// commas are alternatives.
class TextSearchTest : public SearchTest {
 protected:
  TextSearchTest() : SearchTest(ServerOptionsForTest{.text_search = true}) {}
};

TEST_F(SearchTest, TextAndContentNeedTextSearchOn) {
  EXPECT_EQ(server.Get("Condition?_content=asthma", {{"Prefer", "handling=strict"}}).status, 400);
  std::string caps = server.Get("metadata").body;
  EXPECT_EQ(caps.find(R"("name":"_content")"), std::string::npos);
}

TEST_F(TextSearchTest, TextAndContentSearchWords) {
  EXPECT_NE(server.Get("metadata").body.find(R"("name":"_content")"), std::string::npos);
  std::string noted = server.Create("Condition", R"({"resourceType":"Condition",
      "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Chronic <b>asthma</b>, mild &amp; well controlled (caf&#233;)</p></div>"},
      "code":{"text":"Asthma"},"subject":{"reference":"Patient/)" +
                                                     smith + R"("},
      "note":[{"text":"Patient reports wheezing at night"}]})");
  std::string plain = server.Create("Condition", R"({"resourceType":"Condition",
      "code":{"text":"Hypertension"},"subject":{"reference":"Patient/)" +
                                                     smith + R"("}})");
  EXPECT_EQ(Ids("Condition?_text=asthma"), std::vector<std::string>{noted});
  EXPECT_EQ(Ids("Condition?_text=CHRON"), std::vector<std::string>{noted}) << "prefix, any case";
  EXPECT_EQ(Ids("Condition?_text=cafe"), std::vector<std::string>{noted})
      << "entities decoded, accents folded";
  EXPECT_EQ(Ids("Condition?_text=mild%20controlled"), std::vector<std::string>{noted});
  EXPECT_TRUE(Ids("Condition?_text=mild%20hypertension").empty()) << "every word must occur";
  EXPECT_TRUE(Ids("Condition?_text=wheezing").empty()) << "a note is not narrative";
  EXPECT_TRUE(Ids("Condition?_text=xmlns").empty()) << "markup is not text";
  EXPECT_EQ(Ids("Condition?_content=wheez"), std::vector<std::string>{noted});
  EXPECT_EQ(Ids("Condition?_content=hypertension"), std::vector<std::string>{plain});
  EXPECT_EQ(Ids("Condition?_content=hypertension,wheezing"), Sorted({noted, plain}));
  EXPECT_EQ(Ids("Condition?_content=hypertension&_content=wheezing"), std::vector<std::string>{});
  EXPECT_EQ(Ids("Condition?_content=asthma&subject=Patient/" + smith), std::vector<std::string>{noted});
  EXPECT_EQ(Ids("Patient?_content=zurich"), std::vector<std::string>{smith});

  // An update replaces the words; a deletion removes them.
  ASSERT_EQ(
      server
          .Put("Condition/" + plain, R"({"resourceType":"Condition","id":")" + plain +
                                         R"(","code":{"text":"Diabetes"},"subject":{"reference":"Patient/)" +
                                         smith + R"("}})")
          .status,
      200);
  EXPECT_TRUE(Ids("Condition?_content=hypertension").empty());
  EXPECT_EQ(Ids("Condition?_content=diabetes"), std::vector<std::string>{plain});
  ASSERT_EQ(server.Delete("Condition/" + noted).status, 204);
  EXPECT_TRUE(Ids("Condition?_text=asthma").empty());

  EXPECT_EQ(server.Get("Condition?_text:exact=asthma", {{"Prefer", "handling=strict"}}).status, 400);
  EXPECT_EQ(server.Get("Condition?_content=%20", {{"Prefer", "handling=strict"}}).status, 400);
}

TEST_F(SearchTest, StringExactAndContains) {
  EXPECT_EQ(Ids("Patient?family:exact=Smith"), std::vector<std::string>{smith});
  EXPECT_TRUE(Ids("Patient?family:exact=smith").empty());
  EXPECT_EQ(Ids("Patient?family:contains=yth"), std::vector<std::string>{smythe});
  EXPECT_EQ(Ids("Patient?name:contains=LLE"), std::vector<std::string>{mueller});
}

TEST_F(SearchTest, TokenForms) {
  EXPECT_EQ(Ids("Patient?identifier=http://hospital.example/mrn|MRN-1"), std::vector<std::string>{smith});
  EXPECT_EQ(Ids("Patient?identifier=MRN-2"), std::vector<std::string>{mueller});
  EXPECT_EQ(Ids("Patient?identifier=http://hospital.example/mrn|"), Sorted({smith, mueller}));
  EXPECT_TRUE(Ids("Patient?identifier=|MRN-1").empty()) << "|code means: no system";
  EXPECT_EQ(Ids("Patient?gender=male,female"), Sorted({smith, mueller}));
  EXPECT_EQ(Ids("Patient?gender:not=male"), Sorted({mueller, smythe}));
  EXPECT_EQ(Ids("Patient?active=true"), std::vector<std::string>{smith});
  EXPECT_EQ(Ids("Patient?email=elodie@example.org"), std::vector<std::string>{mueller});
  EXPECT_EQ(Ids("Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-1"),
            std::vector<std::string>{smith});
}

TEST_F(SearchTest, TokenTextAndCodeableConcepts) {
  std::string obs = Observation(smith, "29463-7", "72.5", "2020-05-01");
  EXPECT_EQ(Ids("Observation?code=http://loinc.org|29463-7"), std::vector<std::string>{obs});
  EXPECT_EQ(Ids("Observation?code=29463-7"), std::vector<std::string>{obs});
  EXPECT_TRUE(Ids("Observation?code=http://snomed.info/sct|29463-7").empty());
  EXPECT_EQ(Ids("Observation?code:text=weig"), std::vector<std::string>{obs});
}

TEST_F(SearchTest, DatePrefixesOnPartialDates) {
  EXPECT_EQ(Ids("Patient?birthdate=1974-12-25"), std::vector<std::string>{smith});
  EXPECT_EQ(Ids("Patient?birthdate=1974"), std::vector<std::string>{smith});
  EXPECT_EQ(Ids("Patient?birthdate=ge1990"), Sorted({mueller, smythe}));
  EXPECT_EQ(Ids("Patient?birthdate=lt1990-03-15"), Sorted({smith, mueller}))
      << "March 1990 starts before the 15th";
  EXPECT_EQ(Ids("Patient?birthdate=gt1990-03-15"), Sorted({mueller, smythe})) << "and ends after it";
  EXPECT_EQ(Ids("Patient?birthdate=eb1990"), std::vector<std::string>{smith});
  EXPECT_EQ(Ids("Patient?birthdate=sa1990"), std::vector<std::string>{smythe});
  EXPECT_EQ(Ids("Patient?birthdate=ne1974-12-25"), Sorted({mueller, smythe}));
  EXPECT_EQ(Ids("Patient?birthdate=ge1970&birthdate=lt1991"), Sorted({smith, mueller}));
  EXPECT_EQ(Ids("Patient?birthdate=ap1974-12-24"), std::vector<std::string>{smith});
  EXPECT_EQ(server.Get("Patient?birthdate=ge19700").status, 400);
}

TEST_F(SearchTest, PeriodsAndDateTimes) {
  std::string enc = server.Create("Encounter", R"({"resourceType":"Encounter","status":"finished",
      "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},
      "subject":{"reference":"Patient/)" + smith + R"("},
      "period":{"start":"2013-03-11T10:00:00Z","end":"2013-03-11T11:00:00Z"}})");
  EXPECT_EQ(Ids("Encounter?date=2013-03-11"), std::vector<std::string>{enc});
  EXPECT_EQ(Ids("Encounter?date=ge2013-03-11T10:30:00Z"), std::vector<std::string>{enc});
  EXPECT_TRUE(Ids("Encounter?date=gt2013-03-12").empty());
  EXPECT_TRUE(Ids("Encounter?date=2013-03-11T10:00:00Z").empty()) << "eq needs the period inside the second";
}

TEST_F(SearchTest, QuantityAndNumber) {
  std::string a = Observation(smith, "29463-7", "72.5", "2020-05-01");
  std::string b = Observation(mueller, "29463-7", "80", "2020-05-02");
  EXPECT_EQ(Ids("Observation?value-quantity=72.5"), std::vector<std::string>{a});
  EXPECT_EQ(Ids("Observation?value-quantity=72.5|http://unitsofmeasure.org|kg"), std::vector<std::string>{a});
  EXPECT_TRUE(Ids("Observation?value-quantity=72.5|http://unitsofmeasure.org|g").empty());
  EXPECT_EQ(Ids("Observation?value-quantity=gt75"), std::vector<std::string>{b});
  EXPECT_EQ(Ids("Observation?value-quantity=le80||kg"), Sorted({a, b}));
  EXPECT_EQ(Ids("Observation?value-quantity=80.0"), std::vector<std::string>{b});
  EXPECT_EQ(Ids("Observation?value-quantity=ap85"), std::vector<std::string>{b});
  std::string r = server.Create("RiskAssessment", R"({"resourceType":"RiskAssessment","status":"final",
      "subject":{"reference":"Patient/)" + smith + R"("},"prediction":[{"probabilityDecimal":0.25}]})");
  EXPECT_EQ(Ids("RiskAssessment?probability=0.25"), std::vector<std::string>{r});
  EXPECT_EQ(Ids("RiskAssessment?probability=gt0.2"), std::vector<std::string>{r});
  EXPECT_TRUE(Ids("RiskAssessment?probability=lt0.2").empty());
}

TEST_F(SearchTest, ReferenceForms) {
  std::string obs = Observation(smith, "29463-7", "72.5", "2020-05-01");
  Observation(mueller, "29463-7", "80", "2020-05-02");
  EXPECT_EQ(Ids("Observation?subject=Patient/" + smith), std::vector<std::string>{obs});
  EXPECT_EQ(Ids("Observation?subject=" + smith), std::vector<std::string>{obs});
  EXPECT_EQ(Ids("Observation?patient=" + smith), std::vector<std::string>{obs});
  EXPECT_EQ(Ids("Observation?subject:Patient=" + smith), std::vector<std::string>{obs});
  EXPECT_EQ(Ids("Observation?subject=" + server.base_url() + "/Patient/" + smith),
            std::vector<std::string>{obs});
  EXPECT_TRUE(Ids("Observation?subject:Group=" + smith).empty());
}

TEST_F(SearchTest, ReferenceByIdentifierAndAbsoluteUrl) {
  std::string doc =
      server.Create("DocumentReference", R"({"resourceType":"DocumentReference","status":"current",
      "subject":{"identifier":{"system":"urn:oid:1.2.3","value":"P-77"}},
      "content":[{"attachment":{"url":"http://elsewhere.example/doc.pdf"}}],
      "author":[{"reference":"http://other.example/fhir/Practitioner/9"}]})");
  EXPECT_EQ(Ids("DocumentReference?subject:identifier=urn:oid:1.2.3|P-77"), std::vector<std::string>{doc});
  EXPECT_EQ(Ids("DocumentReference?author=http://other.example/fhir/Practitioner/9"),
            std::vector<std::string>{doc});
}

TEST_F(SearchTest, ChainedParameters) {
  std::string obs = Observation(smith, "29463-7", "72.5", "2020-05-01");
  Observation(mueller, "29463-7", "80", "2020-05-02");
  EXPECT_EQ(Ids("Observation?subject:Patient.name=smith"), std::vector<std::string>{obs});
  EXPECT_EQ(Ids("Observation?patient.identifier=http://hospital.example/mrn|MRN-1"),
            std::vector<std::string>{obs});
  EXPECT_EQ(Ids("Observation?subject.birthdate=lt1980"), std::vector<std::string>{obs});
  EXPECT_EQ(server.Get("Observation?subject.nosuch=1", {{"Prefer", "handling=strict"}}).status, 400);
}

TEST_F(SearchTest, ReverseChainHas) {
  Observation(smith, "29463-7", "72.5", "2020-05-01");
  Observation(mueller, "8302-2", "170", "2020-05-02");
  EXPECT_EQ(Ids("Patient?_has:Observation:patient:code=29463-7"), std::vector<std::string>{smith});
  EXPECT_EQ(Ids("Patient?_has:Observation:subject:code=8302-2"), std::vector<std::string>{mueller});
  EXPECT_TRUE(Ids("Patient?_has:Observation:patient:code=nothing").empty());
}

TEST_F(SearchTest, Missing) {
  EXPECT_EQ(Ids("Patient?address-city:missing=false"), std::vector<std::string>{smith});
  EXPECT_EQ(Ids("Patient?address-city:missing=true"), Sorted({mueller, smythe}));
}

TEST_F(SearchTest, UriBelowAndAbove) {
  std::string vs = server.Create("ValueSet", R"({"resourceType":"ValueSet","status":"active",
      "url":"http://example.org/fhir/ValueSet/colours"})");
  EXPECT_EQ(Ids("ValueSet?url=http://example.org/fhir/ValueSet/colours"), std::vector<std::string>{vs});
  EXPECT_EQ(Ids("ValueSet?url:below=http://example.org/fhir"), std::vector<std::string>{vs});
  EXPECT_EQ(Ids("ValueSet?url:above=http://example.org/fhir/ValueSet/colours/v2"),
            std::vector<std::string>{vs});
  EXPECT_TRUE(Ids("ValueSet?url=http://example.org/fhir").empty());
}

TEST_F(SearchTest, UpdatesAndDeletesKeepTheIndexCurrent) {
  server.Put("Patient/" + smith,
             R"({"resourceType":"Patient","id":")" + smith + R"(","name":[{"family":"Jones"}]})");
  EXPECT_TRUE(Ids("Patient?name=smith").empty());
  EXPECT_EQ(Ids("Patient?name=jones"), std::vector<std::string>{smith});
  server.Delete("Patient/" + smith);
  EXPECT_TRUE(Ids("Patient?name=jones").empty());
}

TEST_F(SearchTest, ConditionalCreateUsesSearchParameters) {
  HttpResponse again = server.Post("Patient", R"({"resourceType":"Patient"})",
                                   {{"If-None-Exist", "identifier=http://hospital.example/mrn|MRN-1"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(json::GetString(again.Json(), "id"), smith);
}

TEST_F(SearchTest, TagsAndProfilesAreSearchable) {
  std::string tagged = server.Create("Patient", R"({"resourceType":"Patient","meta":{
      "tag":[{"system":"http://example.org/tags","code":"vip"}],
      "profile":["http://example.org/StructureDefinition/my-patient"]}})");
  EXPECT_EQ(Ids("Patient?_tag=http://example.org/tags|vip"), std::vector<std::string>{tagged});
  EXPECT_EQ(Ids("Patient?_profile=http://example.org/StructureDefinition/my-patient"),
            std::vector<std::string>{tagged});
}

// The entries of a searchset with their search.mode, as "mode:Type/id", sorted.
std::vector<std::string> Modes(const HttpResponse& res) {
  std::vector<std::string> out;
  auto doc = res.Json();
  const json::Value* entries = json::Find(doc, "entry");
  if (entries == nullptr) return out;
  for (const auto& e : entries->GetArray()) {
    const json::Value* r = json::Find(e, "resource");
    out.push_back(std::string(json::GetString(*json::Find(e, "search"), "mode")) + ":" +
                  std::string(json::GetString(*r, "resourceType")) + "/" +
                  std::string(json::GetString(*r, "id")));
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(SearchTest, IncludeAndRevinclude) {
  std::string obs = Observation(smith, "29463-7", "72.5", "2020-05-01");
  std::string obs2 = Observation(smith, "8302-2", "180", "2020-05-01");
  HttpResponse inc = server.Get("Observation?code=29463-7&_include=Observation:subject");
  EXPECT_EQ(Modes(inc), Sorted({"include:Patient/" + smith, "match:Observation/" + obs}));
  EXPECT_EQ((*json::Find(inc.Json(), "total")).GetInt(), 1) << "total counts matches only";
  HttpResponse typed = server.Get("Observation?code=29463-7&_include=Observation:subject:Group");
  EXPECT_EQ(Modes(typed), std::vector<std::string>{"match:Observation/" + obs});
  HttpResponse rev = server.Get("Patient?_id=" + smith + "&_revinclude=Observation:subject");
  EXPECT_EQ(Modes(rev),
            Sorted({"match:Patient/" + smith, "include:Observation/" + obs, "include:Observation/" + obs2}));
  HttpResponse star = server.Get("Observation?_id=" + obs + "&_include=Observation:*");
  EXPECT_EQ(Modes(star), Sorted({"include:Patient/" + smith, "match:Observation/" + obs}));
  EXPECT_EQ(server.Get("Observation?_include=Observation:code").status, 400) << "code is no reference";
}

TEST_F(SearchTest, IncludeIterate) {
  std::string org = server.Create("Organization", R"({"resourceType":"Organization","name":"Acme"})");
  std::string pat = server.Create(
      "Patient",
      R"({"resourceType":"Patient","managingOrganization":{"reference":"Organization/)" + org + R"("}})");
  std::string enc = server.Create("Encounter", R"({"resourceType":"Encounter","status":"finished",
      "class":{"code":"AMB"},"subject":{"reference":"Patient/)" +
                                                   pat + R"("}})");
  HttpResponse once =
      server.Get("Encounter?_id=" + enc + "&_include=Encounter:subject&_include=Patient:organization");
  EXPECT_EQ(Modes(once), Sorted({"match:Encounter/" + enc, "include:Patient/" + pat}));
  HttpResponse iter = server.Get("Encounter?_id=" + enc +
                                 "&_include=Encounter:subject&_include:iterate=Patient:organization");
  EXPECT_EQ(Modes(iter),
            Sorted({"match:Encounter/" + enc, "include:Patient/" + pat, "include:Organization/" + org}));
}

TEST_F(SearchTest, CompartmentSearch) {
  std::string obs = Observation(smith, "29463-7", "72.5", "2020-05-01");
  Observation(mueller, "29463-7", "80", "2020-05-02");
  std::string list = server.Create("List", R"({"resourceType":"List","status":"current","mode":"working",
      "code":{"coding":[{"system":"http://loinc.org","code":"10160-0"}]},"subject":{"reference":"Patient/)" +
                                               smith + R"("}})");
  server.Create("List", R"({"resourceType":"List","status":"current","mode":"working",
      "code":{"coding":[{"system":"http://loinc.org","code":"10160-0"}]},"subject":{"reference":"Patient/)" +
                            mueller + R"("}})");
  EXPECT_EQ(Ids("Patient/" + smith + "/Observation"), std::vector<std::string>{obs});
  EXPECT_EQ(Ids("Patient/" + smith + "/List?code=10160-0"), std::vector<std::string>{list});
  HttpResponse self = server.Get("Patient/" + smith + "/List?code=10160-0");
  EXPECT_NE(self.body.find("/Patient/" + smith + "/List?code=10160-0"), std::string::npos);
  EXPECT_EQ(server.Get("Patient/" + smith + "/ValueSet").status, 404) << "not in the Patient compartment";
}

TEST_F(SearchTest, SummaryAndElements) {
  auto first = [&](const std::string& q) {
    auto doc = server.Get(q).Json();
    return json::Write((*json::Find((*json::Find(doc, "entry"))[0], "resource")));
  };
  std::string elements = first("Patient?_id=" + smith + "&_elements=birthDate");
  EXPECT_NE(elements.find("birthDate"), std::string::npos);
  EXPECT_EQ(elements.find("\"name\""), std::string::npos);
  EXPECT_NE(elements.find("SUBSETTED"), std::string::npos);
  std::string summary = first("Patient?_id=" + smith + "&_summary=true");
  EXPECT_NE(summary.find("\"name\""), std::string::npos) << "name is a summary element";
  EXPECT_NE(summary.find("SUBSETTED"), std::string::npos);
  std::string obs = Observation(smith, "29463-7", "72.5", "2020-05-01");
  std::string text = first("Observation?_id=" + obs + "&_summary=text");
  EXPECT_NE(text.find("\"status\""), std::string::npos) << "mandatory elements stay";
  EXPECT_EQ(text.find("valueQuantity"), std::string::npos);
  std::string data = first("Observation?_id=" + obs + "&_summary=data");
  EXPECT_NE(data.find("valueQuantity"), std::string::npos);
  EXPECT_EQ(server.Get("Patient?_summary=maybe").status, 400);
}

TEST_F(SearchTest, SortWithKeysetPaging) {
  EXPECT_EQ(AllPages(server, "Patient?_sort=birthdate&_count=1"),
            (std::vector<std::string>{smith, mueller, smythe}));
  EXPECT_EQ(AllPages(server, "Patient?_sort=-birthdate&_count=2"),
            (std::vector<std::string>{smythe, mueller, smith}));
  EXPECT_EQ(AllPages(server, "Patient?_sort=family&_count=2"),
            (std::vector<std::string>{mueller, smith, smythe}));
  std::string nameless = server.Create("Patient", R"({"resourceType":"Patient","gender":"male"})");
  EXPECT_EQ(AllPages(server, "Patient?_sort=gender,-birthdate&_count=1"),
            (std::vector<std::string>{mueller, smith, nameless, smythe}))
      << "by gender (female, male, other), then newest birth first, missing last";
  EXPECT_EQ(AllPages(server, "Patient?_sort=-family&_count=3").back(), nameless)
      << "missing values sort last";
}

TEST_F(SearchTest, CustomSearchParameterAndReindex) {
  std::string enc = server.Create("Encounter", R"({"resourceType":"Encounter","status":"finished",
      "class":{"code":"AMB"},"subject":{"reference":"Patient/)" +
                                                   smith + R"("},
      "location":[{"location":{"reference":"Location/ward-1"},"period":{"start":"2020-01-01T08:00:00Z","end":"2020-01-03T08:00:00Z"}}]})");
  EXPECT_EQ(server.Get("Encounter?location-stay=ge2020-01-02", {{"Prefer", "handling=strict"}}).status, 400)
      << "not a parameter yet";
  HttpResponse bad =
      server.Post("SearchParameter", R"({"resourceType":"SearchParameter","url":"http://example.org/sp/bad",
      "name":"bad","status":"active","description":"x","code":"bad","base":["Encounter"],"type":"date",
      "expression":"Encounter.location.period.where("})");
  EXPECT_EQ(bad.status, 400) << "an expression that does not compile is refused";
  HttpResponse sp = server.Post("SearchParameter", R"({"resourceType":"SearchParameter",
      "url":"http://example.org/sp/location-stay","name":"location-stay","status":"active",
      "description":"When the patient was at a location","code":"location-stay","base":["Encounter"],
      "type":"date","expression":"Encounter.location.period"})");
  ASSERT_EQ(sp.status, 201) << sp.body;
  EXPECT_TRUE(Ids("Encounter?location-stay=ge2020-01-02", {{"Prefer", "handling=strict"}}).empty())
      << "existing resources are not indexed until $reindex";
  std::string later = server.Create("Encounter", R"({"resourceType":"Encounter","status":"finished",
      "class":{"code":"AMB"},"location":[{"location":{"reference":"Location/ward-2"},
      "period":{"start":"2020-01-02T00:00:00Z","end":"2020-01-02T09:00:00Z"}}]})");
  EXPECT_EQ(Ids("Encounter?location-stay=ge2020-01-02"), std::vector<std::string>{later})
      << "new writes are indexed";
  HttpResponse reindex = server.Post("Encounter/$reindex", "");
  ASSERT_EQ(reindex.status, 200) << reindex.body;
  EXPECT_NE(reindex.body.find(R"("valueInteger":2)"), std::string::npos) << reindex.body;
  EXPECT_EQ(Ids("Encounter?location-stay=ge2020-01-02"), Sorted({enc, later}));
  EXPECT_EQ(Ids("Encounter?location-stay=gt2020-01-02T10:00:00Z"), std::vector<std::string>{enc});
  // Deleting the SearchParameter takes it away again.
  server.Delete("SearchParameter/" + std::string(json::GetString(sp.Json(), "id")));
  EXPECT_EQ(server.Get("Encounter?location-stay=ge2020-01-02", {{"Prefer", "handling=strict"}}).status, 400);
  EXPECT_EQ(server.Post("$reindex", "").status, 200);
}

// A composite SearchParameter POSTed at runtime, over one of the specification's parameters and
// a custom one: components match within one Observation.component, as for R4's composites.
TEST_F(SearchTest, CustomCompositeSearchParameter) {
  auto obs = [&](const std::string& systolic_interp, const std::string& diastolic_interp) {
    auto component = [](const std::string& code, const std::string& interp) {
      return R"({"code":{"coding":[{"system":"http://loinc.org","code":")" + code +
             R"("}]},"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":")" +
             interp + R"("}]}]})";
    };
    return server.Create("Observation", R"({"resourceType":"Observation","status":"final",
        "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"component":[)" +
                                            component("8480-6", systolic_interp) + "," +
                                            component("8462-4", diastolic_interp) + "]}");
  };
  auto composite = [](const std::string& second_definition, const std::string& code) {
    return R"({"resourceType":"SearchParameter","url":"http://example.org/sp/)" + code +
           R"(","name":"x","status":"active","description":"x","code":")" + code +
           R"(","base":["Observation"],"type":"composite","expression":"Observation.component",
        "component":[{"definition":"http://hl7.org/fhir/SearchParameter/Observation-component-code","expression":"code"},
                     {"definition":")" +
           second_definition + R"(","expression":"interpretation"}]})";
  };
  EXPECT_EQ(server.Post("SearchParameter", composite("http://example.org/sp/component-interp", "code-interp"))
                .status,
            400)
      << "a component whose definition is not known yet is refused";
  HttpResponse interp = server.Post("SearchParameter", R"({"resourceType":"SearchParameter",
      "url":"http://example.org/sp/component-interp","name":"component-interp","status":"active",
      "description":"x","code":"component-interp","base":["Observation"],"type":"token",
      "expression":"Observation.component.interpretation"})");
  ASSERT_EQ(interp.status, 201) << interp.body;
  HttpResponse one = server.Post("SearchParameter", R"({"resourceType":"SearchParameter",
      "url":"http://example.org/sp/lonely","name":"x","status":"active","description":"x","code":"lonely",
      "base":["Observation"],"type":"composite","expression":"Observation.component",
      "component":[{"definition":"http://example.org/sp/component-interp","expression":"interpretation"}]})");
  EXPECT_EQ(one.status, 400) << "a composite has at least two components";
  HttpResponse sp =
      server.Post("SearchParameter", composite("http://example.org/sp/component-interp", "code-interp"));
  ASSERT_EQ(sp.status, 201) << sp.body;

  std::string high_systolic = obs("H", "N");
  std::string high_diastolic = obs("N", "H");
  Headers strict{{"Prefer", "handling=strict"}};
  EXPECT_EQ(Ids("Observation?code-interp=8480-6$H", strict), std::vector<std::string>{high_systolic});
  EXPECT_EQ(Ids("Observation?code-interp=http://loinc.org|8462-4$H", strict),
            std::vector<std::string>{high_diastolic})
      << "the code and the interpretation of one component, not of two";
  EXPECT_EQ(Ids("Observation?code-interp=8480-6$H,8462-4$H", strict),
            Sorted({high_systolic, high_diastolic}));
  EXPECT_TRUE(Ids("Observation?code-interp=8480-6$L", strict).empty());
  EXPECT_EQ(server.Get("Observation?code-interp=8480-6", strict).status, 400) << "one component of two";

  server.Delete("SearchParameter/" + std::string(json::GetString(sp.Json(), "id")));
  EXPECT_EQ(server.Get("Observation?code-interp=8480-6$H", strict).status, 400);
  server.Delete("SearchParameter/" + std::string(json::GetString(interp.Json(), "id")));
}

TEST_F(SearchTest, SystemSearchWithType) {
  std::string obs = Observation(smith, "29463-7", "72.5", "2020-05-01");
  std::string tagged = server.Create("Observation", R"({"resourceType":"Observation","status":"final",
      "code":{"text":"x"},"meta":{"tag":[{"system":"http://example.org/tags","code":"vip"}]}})");
  std::string tagged_patient = server.Create(
      "Patient",
      R"({"resourceType":"Patient","meta":{"tag":[{"system":"http://example.org/tags","code":"vip"}]}})");
  EXPECT_EQ(Ids("?_type=Patient,Observation&_tag=vip"), Sorted({tagged, tagged_patient}));
  EXPECT_EQ(Ids("?_tag=vip"), Sorted({tagged, tagged_patient}));
  EXPECT_EQ(Ids("?_type=Observation"), Sorted({obs, tagged}));
  auto all = server.Get("?_type=Patient,Observation").Json();
  EXPECT_EQ((*json::Find(all, "total")).GetInt(), 6);
  std::vector<std::string> paged = AllPages(server, "?_type=Patient,Observation&_count=4");
  EXPECT_EQ(paged.size(), 6u);
  EXPECT_EQ(std::set<std::string>(paged.begin(), paged.end()).size(), 6u);
  EXPECT_EQ(Ids("?_type=Patient,Observation&name=smith"), std::vector<std::string>{smith})
      << "Observations have no name parameter, so none match";
  EXPECT_EQ(server.Get("?_type=Nope").status, 400);
}

TEST_F(SearchTest, CompositeParameters) {
  std::string weight = Observation(smith, "29463-7", "72.5", "2020-05-01");
  std::string bp = server.Create("Observation", R"({"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
      "subject":{"reference":"Patient/)" + smith + R"("},
      "component":[
        {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},
         "valueQuantity":{"value":120,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
        {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},
         "valueQuantity":{"value":80,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]})");
  EXPECT_EQ(Ids("Observation?code-value-quantity=http://loinc.org|29463-7$gt70"),
            std::vector<std::string>{weight});
  EXPECT_TRUE(Ids("Observation?code-value-quantity=http://loinc.org|29463-7$gt80").empty());
  EXPECT_EQ(Ids("Observation?component-code-value-quantity=http://loinc.org|8480-6$gt100"),
            std::vector<std::string>{bp});
  EXPECT_TRUE(Ids("Observation?component-code-value-quantity=http://loinc.org|8462-4$gt100").empty())
      << "the diastolic value is 80: components must match within one component, not across";
  EXPECT_EQ(Ids("Observation?combo-code-value-quantity=8462-4$lt90,29463-7$gt70"), Sorted({bp, weight}));
  EXPECT_EQ(server.Get("Observation?code-value-quantity=29463-7").status, 400);
}

// R4's Observation code-value-* composites are over the Observation itself (expression
// "Observation"), so they are answered from the code and value-* parameters' rows: a match needs
// both, anywhere in the resource, but never a component's code with the Observation's value.
TEST_F(SearchTest, RootCompositesMatchTheObservationsOwnCodeAndValue) {
  std::string weight = Observation(smith, "29463-7", "72.5", "2020-05-01");
  std::string coded = server.Create("Observation", R"({"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"72166-2"},{"system":"http://snomed.info/sct","code":"229819007"}]},
      "valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"8517006"}]}})");
  std::string text = server.Create("Observation", R"({"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"valueString":"tall enough"})");
  std::string dated = server.Create("Observation", R"({"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"21112-8"}]},"valueDateTime":"1990-04-02"})");
  std::string bp = server.Create("Observation", R"({"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
      "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},
         "valueQuantity":{"value":120,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]})");
  EXPECT_EQ(Ids("Observation?code-value-quantity=29463-7$72.5|http://unitsofmeasure.org|kg"),
            std::vector<std::string>{weight});
  EXPECT_TRUE(Ids("Observation?code-value-quantity=29463-7$lt70").empty());
  EXPECT_TRUE(Ids("Observation?code-value-quantity=85354-9$gt100").empty())
      << "the panel's own code with its component's value is no match";
  EXPECT_TRUE(Ids("Observation?code-value-quantity=8480-6$gt100").empty())
      << "components are the component- parameters' business";
  EXPECT_EQ(Ids("Observation?code-value-concept=http://snomed.info/sct|229819007$8517006"),
            std::vector<std::string>{coded})
      << "any of the codings goes with the value";
  EXPECT_TRUE(Ids("Observation?code-value-concept=72166-2$29463-7").empty());
  EXPECT_EQ(Ids("Observation?code-value-string=8302-2$tall"), std::vector<std::string>{text});
  EXPECT_EQ(Ids("Observation?code-value-date=21112-8$lt2000"), std::vector<std::string>{dated});
  EXPECT_EQ(Ids("Observation?code-value-quantity=29463-7$gt70,8302-2$gt0"), std::vector<std::string>{weight});
  EXPECT_EQ(Ids("Observation?code-value-quantity=29463-7$gt70&code-value-string=8302-2$tall"),
            std::vector<std::string>{});
  // Redefining a component's parameter takes the composite away rather than answering wrongly.
  HttpResponse sp = server.Post("SearchParameter", R"({"resourceType":"SearchParameter",
      "url":"http://example.org/sp/obs-code","name":"code","status":"active","description":"x",
      "code":"code","base":["Observation"],"type":"token","expression":"Observation.category"})");
  ASSERT_EQ(sp.status, 201) << sp.body;
  HttpResponse gone =
      server.Get("Observation?code-value-quantity=29463-7$gt70", {{"Prefer", "handling=strict"}});
  EXPECT_EQ(gone.status, 400) << gone.body;
  EXPECT_NE(gone.body.find("redefined by a custom SearchParameter"), std::string::npos) << gone.body;
  server.Delete("SearchParameter/" + std::string(json::GetString(sp.Json(), "id")));
}

// R4's Observation combo-* parameters are unions of the plain and the component- parameters
// (combo-code = code | component.code): every form of search sees both.
TEST_F(SearchTest, ComboParametersSearchTheObservationAndItsComponents) {
  std::string weight = Observation(smith, "29463-7", "72.5", "2020-05-01");
  std::string bp = server.Create("Observation", R"({"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
      "component":[
        {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},
         "valueQuantity":{"value":120,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
        {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},
         "valueQuantity":{"value":80,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]})");
  std::string pending = server.Create("Observation", R"({"resourceType":"Observation","status":"registered",
      "code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]}})");
  EXPECT_EQ(Ids("Observation?combo-code=8480-6"), std::vector<std::string>{bp});
  EXPECT_EQ(Ids("Observation?combo-code=http://loinc.org|85354-9"), std::vector<std::string>{bp});
  EXPECT_EQ(Ids("Observation?combo-code=29463-7,8462-4"), Sorted({weight, bp}));
  EXPECT_EQ(Ids("Observation?combo-code:not=8480-6"), Sorted({weight, pending}));
  EXPECT_EQ(Ids("Observation?combo-value-quantity=gt100"), std::vector<std::string>{bp});
  EXPECT_EQ(Ids("Observation?combo-value-quantity=72.5|http://unitsofmeasure.org|kg"),
            std::vector<std::string>{weight});
  EXPECT_EQ(Ids("Observation?combo-value-quantity=80||mmHg"), std::vector<std::string>{bp});
  EXPECT_EQ(Ids("Observation?combo-value-quantity:missing=true"), std::vector<std::string>{pending});
  EXPECT_EQ(Ids("Observation?combo-value-quantity:missing=false"), Sorted({weight, bp}));
  EXPECT_EQ(Ids("Observation?combo-code=8480-6&combo-value-quantity=lt100"), std::vector<std::string>{bp})
      << "unlike combo-code-value-quantity, the two need not be in one component";
  EXPECT_TRUE(Ids("Observation?combo-code-value-quantity=8480-6$lt100").empty());
  // Ascending by the smallest value ("2339-0" < "29463-7" < "8462-4"), descending by the largest.
  auto order = [&](const std::string& query) {
    std::vector<std::string> ids;
    auto doc = server.Get(query).Json();
    for (const auto& e : (*json::Find(doc, "entry")).GetArray())
      ids.emplace_back(json::GetString(*json::Find(e, "resource"), "id"));
    return ids;
  };
  EXPECT_EQ(order("Observation?_sort=combo-code"), (std::vector<std::string>{pending, weight, bp}));
  EXPECT_EQ(order("Observation?_sort=-combo-code"), (std::vector<std::string>{bp, weight, pending}));
}

TEST_F(SearchTest, UnknownAndUnsupportedParameters) {
  HttpResponse lenient = server.Get("Patient?name=smith&nosuch=1");
  EXPECT_EQ(lenient.status, 200);
  EXPECT_NE(lenient.body.find("nosuch"), std::string::npos);
  EXPECT_EQ(server.Get("Patient?nosuch=1", {{"Prefer", "handling=strict"}}).status, 400);
  EXPECT_EQ(server.Get("Patient?name:foo=x", {{"Prefer", "handling=strict"}}).status, 400);
  EXPECT_EQ(server.Get("Patient?gender:missing=maybe").status, 400);
}

}  // namespace
}  // namespace kiln::testing
