// Tenants over HTTP (docs/tenants.md): the same ids in two tenants hold different resources, and
// no read, search, chain, include, history, transaction, conditional write, $everything or custom
// SearchParameter crosses from one tenant into another; addressing by path and by host; every
// URL the server writes uses the tenant's base; the admin API.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "support/test_server.h"

namespace kiln::testing {
namespace {

constexpr const char* kSys = "http://kiln.test/mrn";

std::string PatientJson(const std::string& id, const std::string& family, const std::string& mrn = "",
                        const std::string& given = "") {
  std::string p = R"({"resourceType":"Patient",)";
  if (!id.empty()) p += R"("id":")" + id + "\",";
  if (!mrn.empty())
    p += R"("identifier":[{"system":")" + std::string(kSys) + R"(","value":")" + mrn + "\"}],";
  p += R"("name":[{"family":")" + family + "\"";
  if (!given.empty()) p += R"(,"given":[")" + given + "\"]";
  return p + "}]}";
}

std::string ObservationJson(const std::string& id, const std::string& subject, const std::string& text) {
  std::string o = R"({"resourceType":"Observation",)";
  if (!id.empty()) o += R"("id":")" + id + "\",";
  return o + R"("status":"final","code":{"text":")" + text + R"("},"subject":{"reference":")" + subject +
         "\"}}";
}

// What a test needs of one resource: Patient.name[0].family or Observation.code.text.
std::string LabelOf(const json::Value& r) {
  if (const json::Value* names = json::Find(r, "name"); names && names->IsArray() && !names->Empty())
    return std::string(json::GetString((*names)[0], "family"));
  if (const json::Value* code = json::Find(r, "code")) return std::string(json::GetString(*code, "text"));
  return "";
}

// One Bundle entry, copied out of its response.
struct Entry {
  std::string full_url, ref, mode, label, location;
};

std::vector<Entry> Entries(const HttpResponse& res) {
  std::vector<Entry> out;
  json::Document doc = res.Json();
  const json::Value* entries = json::Find(doc, "entry");
  if (entries == nullptr || !entries->IsArray()) return out;
  for (const auto& e : entries->GetArray()) {
    Entry x;
    x.full_url = std::string(json::GetString(e, "fullUrl"));
    if (const json::Value* r = json::Find(e, "resource")) {
      x.ref = std::string(json::GetString(*r, "resourceType")) + "/" + std::string(json::GetString(*r, "id"));
      x.label = LabelOf(*r);
    }
    if (const json::Value* s = json::Find(e, "search")) x.mode = std::string(json::GetString(*s, "mode"));
    if (const json::Value* s = json::Find(e, "response"))
      x.location = std::string(json::GetString(*s, "location"));
    out.push_back(std::move(x));
  }
  return out;
}

// "mode Type/id label" per entry, sorted: what a searchset holds, in one comparable value.
std::vector<std::string> Found(const HttpResponse& res) {
  EXPECT_EQ(res.status, 200) << res.body;
  std::vector<std::string> out;
  for (const Entry& e : Entries(res)) out.push_back(e.mode + " " + e.ref + " " + e.label);
  std::sort(out.begin(), out.end());
  return out;
}

int Total(const HttpResponse& res) {
  EXPECT_EQ(res.status, 200) << res.body;
  json::Document doc = res.Json();
  const json::Value* total = json::Find(doc, "total");
  return total != nullptr && total->IsInt() ? total->GetInt() : -1;
}

std::map<std::string, std::string> Links(const HttpResponse& res) {
  std::map<std::string, std::string> out;
  json::Document doc = res.Json();
  if (const json::Value* links = json::Find(doc, "link"); links && links->IsArray()) {
    for (const auto& l : links->GetArray())
      out[std::string(json::GetString(l, "relation"))] = std::string(json::GetString(l, "url"));
  }
  return out;
}

std::string Label(const HttpResponse& res) {
  EXPECT_EQ(res.status, 200) << res.body;
  return LabelOf(res.Json());
}

std::string Diagnostics(const HttpResponse& res) {
  json::Document doc = res.Json();
  std::string out;
  if (const json::Value* issues = json::Find(doc, "issue"); issues && issues->IsArray()) {
    for (const auto& i : issues->GetArray()) out += std::string(json::GetString(i, "diagnostics")) + ";";
  }
  return out;
}

// Two tenants and the default one, each with Patient/p1 and Observation/o1 about it, told apart
// by their content: family Alpha, Beta, Default and code text alpha, beta, default.
class TenantTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto [client, label] :
         {std::pair{&a, "Alpha"}, std::pair{&b, "Beta"}, std::pair{&dflt, "Default"}}) {
      std::string lower(label);
      lower[0] = static_cast<char>(std::tolower(lower[0]));
      ASSERT_EQ(client->Put("Patient/p1", PatientJson("p1", label, "mrn-" + lower, "Al")).status, 201);
      ASSERT_EQ(client->Put("Observation/o1", ObservationJson("o1", "Patient/p1", lower)).status, 201);
    }
  }

  TestServer server;
  FhirClient a = server.CreateTenant("clinic-a", "organization");
  FhirClient b = server.CreateTenant("jane", "person");
  FhirClient dflt{server.port(), "/fhir"};  // the default tenant
};

TEST_F(TenantTest, ReadVreadAndHistoryStayInTheirTenant) {
  EXPECT_EQ(Label(a.Get("Patient/p1")), "Alpha");
  EXPECT_EQ(Label(b.Get("Patient/p1")), "Beta");
  EXPECT_EQ(Label(dflt.Get("Patient/p1")), "Default");
  ASSERT_EQ(a.Put("Patient/p1", PatientJson("p1", "Alpha2")).status, 200);
  EXPECT_EQ(Label(a.Get("Patient/p1/_history/1")), "Alpha");
  EXPECT_EQ(Label(a.Get("Patient/p1/_history/2")), "Alpha2");
  EXPECT_EQ(b.Get("Patient/p1/_history/2").status, 404) << "tenant b never had a version 2";
  EXPECT_EQ(b.Get("Patient/p1").Header("ETag"), "W/\"1\"");

  EXPECT_EQ(Found(a.Get("Patient/p1/_history")),
            (std::vector<std::string>{" Patient/p1 Alpha", " Patient/p1 Alpha2"}));
  EXPECT_EQ(Found(b.Get("Patient/p1/_history")), (std::vector<std::string>{" Patient/p1 Beta"}));
  EXPECT_EQ(Total(a.Get("Patient/_history")), 2);
  EXPECT_EQ(Total(b.Get("Patient/_history")), 1);
  EXPECT_EQ(Found(b.Get("_history")), (std::vector<std::string>{" Observation/o1 beta", " Patient/p1 Beta"}));
  EXPECT_EQ(Total(a.Get("_history")), 3);
  EXPECT_EQ(Total(dflt.Get("_history")), 2);

  ASSERT_EQ(a.Delete("Patient/p1").status, 204);
  EXPECT_EQ(a.Get("Patient/p1").status, 410);
  EXPECT_EQ(Label(b.Get("Patient/p1")), "Beta") << "a deletion in one tenant leaves the others alone";
  EXPECT_EQ(Label(dflt.Get("Patient/p1")), "Default");
}

TEST_F(TenantTest, SearchesChainsAndIncludesStayInTheirTenant) {
  EXPECT_EQ(Found(a.Get("Patient?family=Beta")), std::vector<std::string>{});
  EXPECT_EQ(Found(b.Get("Patient?family=Beta")), (std::vector<std::string>{"match Patient/p1 Beta"}));
  EXPECT_EQ(Found(a.Get("Patient?name=Al")), (std::vector<std::string>{"match Patient/p1 Alpha"}));
  EXPECT_EQ(Found(a.Get("Observation?subject=Patient/p1")),
            (std::vector<std::string>{"match Observation/o1 alpha"}));

  EXPECT_EQ(Found(a.Get("Observation?subject.family=Alpha")),
            (std::vector<std::string>{"match Observation/o1 alpha"}));
  EXPECT_EQ(Found(a.Get("Observation?subject.family=Beta")), std::vector<std::string>{});
  EXPECT_EQ(Found(b.Get("Observation?subject:Patient.family=Alpha")), std::vector<std::string>{});

  EXPECT_EQ(Found(a.Get("Observation?_id=o1&_include=Observation:subject")),
            (std::vector<std::string>{"include Patient/p1 Alpha", "match Observation/o1 alpha"}));
  EXPECT_EQ(Found(b.Get("Patient?_id=p1&_revinclude=Observation:subject")),
            (std::vector<std::string>{"include Observation/o1 beta", "match Patient/p1 Beta"}));

  // A reference to a resource that exists only in another tenant leads nowhere.
  ASSERT_EQ(a.Put("Patient/only-a", PatientJson("only-a", "OnlyA")).status, 201);
  ASSERT_EQ(b.Put("Observation/o2", ObservationJson("o2", "Patient/only-a", "dangling")).status, 201);
  EXPECT_EQ(Found(b.Get("Observation?subject.family=OnlyA")), std::vector<std::string>{});
  EXPECT_EQ(Found(b.Get("Observation?_id=o2&_include=Observation:subject")),
            (std::vector<std::string>{"match Observation/o2 dangling"}));
  EXPECT_EQ(Found(a.Get("Patient?_id=only-a&_revinclude=Observation:subject")),
            (std::vector<std::string>{"match Patient/only-a OnlyA"}));
  EXPECT_EQ(Total(a.Get("Observation")), 1);
  EXPECT_EQ(Total(b.Get("Observation")), 2);
  EXPECT_EQ(Found(b.Get("?_type=Patient")), (std::vector<std::string>{"match Patient/p1 Beta"}));
}

TEST_F(TenantTest, ConditionalWritesMatchOnlyInTheirTenant) {
  // If-None-Exist: jane's mrn-beta is no match in clinic-a, so clinic-a creates.
  HttpResponse made = a.Post("Patient", PatientJson("", "Copy", "mrn-beta"),
                             {{"If-None-Exist", std::string("identifier=") + kSys + "|mrn-beta"}});
  EXPECT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(b.Post("Patient", PatientJson("", "Again", "mrn-beta"),
                   {{"If-None-Exist", std::string("identifier=") + kSys + "|mrn-beta"}})
                .status,
            200)
      << "in its own tenant it matches";
  // Conditional update: no match in clinic-a creates there; jane's patient is untouched.
  HttpResponse updated = a.Put(std::string("Patient?identifier=") + kSys + "|mrn-beta-2",
                               PatientJson("", "Created", "mrn-beta-2"));
  EXPECT_EQ(updated.status, 201) << updated.body;
  ASSERT_EQ(b.Put("Patient/p2", PatientJson("p2", "Kept", "mrn-beta-3")).status, 201);
  EXPECT_EQ(
      a.Put(std::string("Patient?identifier=") + kSys + "|mrn-beta-3", PatientJson("", "New", "mrn-beta-3"))
          .status,
      201);
  EXPECT_EQ(Label(b.Get("Patient/p2")), "Kept");
  EXPECT_EQ(b.Get("Patient/p2").Header("ETag"), "W/\"1\"");
  // Conditional delete: matches nothing in clinic-a, so jane's patient stays.
  HttpResponse deleted = a.Delete(std::string("Patient?identifier=") + kSys + "|mrn-beta");
  EXPECT_LT(deleted.status, 300) << deleted.body;
  EXPECT_EQ(a.Get("Patient?identifier=" + std::string(kSys) + "|mrn-beta").status, 200);
  EXPECT_EQ(Total(a.Get(std::string("Patient?identifier=") + kSys + "|mrn-beta")), 0)
      << "clinic-a's own copy was deleted";
  EXPECT_EQ(Label(b.Get("Patient/p1")), "Beta");
  EXPECT_EQ(Total(b.Get(std::string("Patient?identifier=") + kSys + "|mrn-beta")), 1);
}

TEST_F(TenantTest, TransactionsStayInTheirTenant) {
  std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:0b7e1f6a-0000-4000-8000-000000000001","resource":)" +
                       PatientJson("", "Tx", "mrn-beta") + R"(,
     "request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=)" +
                       kSys + R"(|mrn-beta"}},
    {"resource":)" + ObservationJson("", "urn:uuid:0b7e1f6a-0000-4000-8000-000000000001", "tx") +
                       R"(,"request":{"method":"POST","url":"Observation"}},
    {"resource":)" + PatientJson("p1", "AlphaTx", "mrn-alpha") +
                       R"(,"request":{"method":"PUT","url":"Patient/p1"}}]})";
  HttpResponse res = a.Post("", bundle);
  ASSERT_EQ(res.status, 200) << res.body;
  std::vector<Entry> entries = Entries(res);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_TRUE(entries[0].location.starts_with("Patient/")) << entries[0].location;
  std::string patient = entries[0].location.substr(0, entries[0].location.find("/_history"));
  std::string observation = entries[1].location.substr(0, entries[1].location.find("/_history"));
  EXPECT_EQ(Label(a.Get(patient)), "Tx") << "ifNoneExist matched nothing in this tenant";
  EXPECT_EQ(b.Get(patient).status, 404);
  EXPECT_EQ(b.Get(observation).status, 404);
  EXPECT_EQ(Found(a.Get("Observation?subject=" + patient)),
            (std::vector<std::string>{"match " + observation + " tx"}));
  EXPECT_EQ(Label(a.Get("Patient/p1")), "AlphaTx");
  EXPECT_EQ(Label(b.Get("Patient/p1")), "Beta");
  EXPECT_EQ(b.Get("Patient/p1").Header("ETag"), "W/\"1\"");

  // A conditional reference that only another tenant could resolve fails, and stores nothing.
  std::string other = R"({"resourceType":"Bundle","type":"transaction","entry":[{"resource":)" +
                      ObservationJson("", "Patient?identifier=" + std::string(kSys) + "|mrn-alpha", "x") +
                      R"(,"request":{"method":"POST","url":"Observation"}}]})";
  EXPECT_EQ(b.Post("", other).status, 404);
  EXPECT_EQ(Total(b.Get("Observation")), 1);
  EXPECT_EQ(a.Post("", other).status, 200) << "it resolves in its own tenant";
}

TEST_F(TenantTest, EverythingStaysInItsTenant) {
  ASSERT_EQ(b.Put("Observation/o3", ObservationJson("o3", "Patient/p1", "beta-2")).status, 201);
  EXPECT_EQ(Found(a.Get("Patient/p1/$everything")),
            (std::vector<std::string>{"match Observation/o1 alpha", "match Patient/p1 Alpha"}));
  EXPECT_EQ(Found(b.Get("Patient/p1/$everything")),
            (std::vector<std::string>{"match Observation/o1 beta", "match Observation/o3 beta-2",
                                      "match Patient/p1 Beta"}));
  EXPECT_EQ(Found(dflt.Get("Patient/p1/$everything")),
            (std::vector<std::string>{"match Observation/o1 default", "match Patient/p1 Default"}));
}

TEST_F(TenantTest, UnknownTenantsAre404) {
  for (const char* target :
       {"/t/nobody/fhir/Patient/p1", "/t/nobody/fhir/metadata", "/t/nobody/fhir",
        "/t/default/fhir/Patient/p1", "/t/jane/fhirx/Patient/p1", "/t/jane", "/t//fhir/Patient/p1"}) {
    HttpResponse res = Send(server.port(), "GET", target);
    EXPECT_EQ(res.status, 404) << target;
    json::Document doc = res.Json();
    EXPECT_EQ(json::GetString(doc, "resourceType"), "OperationOutcome") << target;
  }
  HttpResponse write = Send(server.port(), "PUT", "/t/nobody/fhir/Patient/p1", PatientJson("p1", "X"));
  EXPECT_EQ(write.status, 404);
  EXPECT_NE(Diagnostics(write).find("Unknown tenant 'nobody'"), std::string::npos) << write.body;
  EXPECT_EQ(server.Admin("GET", "tenants/nobody").status, 404) << "a request does not make a tenant";
}

TEST_F(TenantTest, EveryUrlUsesTheTenantsBase) {
  const std::string base = server.TenantBaseUrl("clinic-a");
  HttpResponse created = a.Post("Patient", PatientJson("", "Second"));
  ASSERT_EQ(created.status, 201);
  EXPECT_TRUE(created.Header("Location").starts_with(base + "/Patient/")) << created.Header("Location");

  HttpResponse page = a.Get("Patient?_count=1");
  std::vector<Entry> first = Entries(page);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].full_url, base + "/" + first[0].ref);
  std::map<std::string, std::string> links = Links(page);
  EXPECT_TRUE(links["self"].starts_with(base + "/Patient?")) << links["self"];
  ASSERT_TRUE(links["next"].starts_with(base + "/Patient?")) << links["next"];
  HttpResponse next = a.Get(links["next"].substr(base.size() + 1));
  std::vector<Entry> second = Entries(next);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].full_url, base + "/" + second[0].ref);
  EXPECT_NE(second[0].ref, first[0].ref);

  for (const char* path : {"Patient/p1/_history", "_history", "Patient/p1/$everything", "?_type=Patient"}) {
    HttpResponse res = a.Get(path);
    for (const Entry& e : Entries(res))
      EXPECT_TRUE(e.full_url.starts_with(base + "/")) << path << ": " << e.full_url;
    EXPECT_TRUE(Links(res)["self"].starts_with(base)) << path << ": " << res.body;
  }
  json::Document metadata = a.Get("metadata").Json();
  EXPECT_EQ(json::GetString(*json::Find(metadata, "implementation"), "url"), base);
  json::Document default_metadata = dflt.Get("metadata").Json();
  EXPECT_EQ(json::GetString(*json::Find(default_metadata, "implementation"), "url"), server.base_url());

  // Absolute references to the tenant's own base are local references of that tenant.
  ASSERT_EQ(a.Put("Observation/abs", ObservationJson("abs", base + "/Patient/p1", "absolute")).status, 201);
  EXPECT_EQ(Found(a.Get("Observation?subject=Patient/p1&_id=abs")),
            (std::vector<std::string>{"match Observation/abs absolute"}));
}

// Parameters of type `code` in the CapabilityStatement's Patient entry.
bool Advertises(const FhirClient& client, const std::string& code) {
  json::Document doc = client.Get("metadata").Json();
  for (const auto& rest : (*json::Find(doc, "rest")).GetArray()) {
    for (const auto& r : (*json::Find(rest, "resource")).GetArray()) {
      if (json::GetString(r, "type") != "Patient") continue;
      for (const auto& p : (*json::Find(r, "searchParam")).GetArray()) {
        if (json::GetString(p, "name") == code) return true;
      }
    }
  }
  return false;
}

std::string NicknameParameter(const std::string& expression) {
  return R"({"resourceType":"SearchParameter","url":"http://kiln.test/sp/nickname","name":"nickname",
    "status":"active","description":"x","code":"nickname","base":["Patient"],"type":"string",
    "expression":")" +
         expression + "\"}";
}

int ReindexCount(const FhirClient& client) {
  HttpResponse res = client.Post("$reindex", "");
  EXPECT_EQ(res.status, 200) << res.body;
  json::Document doc = res.Json();
  const json::Value* params = json::Find(doc, "parameter");
  return params != nullptr && params->IsArray() && !params->Empty()
             ? json::Find((*params)[0], "valueInteger")->GetInt()
             : -1;
}

TEST_F(TenantTest, CustomSearchParametersBelongToTheirTenant) {
  const Headers strict = {{"Prefer", "handling=strict"}};
  ASSERT_EQ(a.Post("SearchParameter", NicknameParameter("Patient.name.given")).status, 201);
  EXPECT_EQ(Found(a.Get("Patient?nickname=Al", strict)), std::vector<std::string>{}) << "not reindexed yet";
  ASSERT_EQ(a.Put("Patient/p3", PatientJson("p3", "Gamma", "", "Alfred")).status, 201);
  EXPECT_EQ(Found(a.Get("Patient?nickname=Al", strict)),
            (std::vector<std::string>{"match Patient/p3 Gamma"}));
  EXPECT_TRUE(Advertises(a, "nickname"));

  // Unknown in the other tenants: not searchable, not indexed, not advertised.
  for (const FhirClient* other : {&b, &dflt}) {
    EXPECT_EQ(other->Put("Patient/p3", PatientJson("p3", "Other", "", "Alfred")).status, 201);
    HttpResponse res = other->Get("Patient?nickname=Al", strict);
    EXPECT_EQ(res.status, 400) << res.body;
    EXPECT_FALSE(Advertises(*other, "nickname"));
  }

  // $reindex works through its own tenant's resources, with its own parameters.
  ASSERT_EQ(b.Put("Patient/p4", PatientJson("p4", "Delta")).status, 201);
  EXPECT_EQ(ReindexCount(a), 4) << "Patient/p1, p3, Observation/o1, the SearchParameter";
  EXPECT_EQ(Found(a.Get("Patient?nickname=Al", strict)),
            (std::vector<std::string>{"match Patient/p1 Alpha", "match Patient/p3 Gamma"}));
  EXPECT_EQ(ReindexCount(b), 4) << "Patient/p1, p3, p4, Observation/o1";
  EXPECT_EQ(b.Get("Patient?nickname=Al", strict).status, 400);

  // The same code with another expression in another tenant: each tenant uses its own.
  ASSERT_EQ(b.Post("SearchParameter", NicknameParameter("Patient.name.family")).status, 201);
  EXPECT_EQ(ReindexCount(b), 5);
  EXPECT_EQ(Found(b.Get("Patient?nickname=Delta", strict)),
            (std::vector<std::string>{"match Patient/p4 Delta"}));
  EXPECT_EQ(Found(b.Get("Patient?nickname=Al", strict)), std::vector<std::string>{});
  EXPECT_EQ(Found(a.Get("Patient?nickname=Delta", strict)), std::vector<std::string>{});
  EXPECT_EQ(Found(a.Get("Patient?nickname=Al", strict)).size(), 2u);
}

TEST_F(TenantTest, DeletedTenantsAreGoneWithTheirData) {
  FhirClient tmp = server.CreateTenant("tmp-1");
  ASSERT_EQ(tmp.Put("Patient/p1", PatientJson("p1", "Temp")).status, 201);
  ASSERT_EQ(tmp.Post("SearchParameter", NicknameParameter("Patient.name.family")).status, 201);
  HttpResponse deleted = server.Admin("DELETE", "tenants/tmp-1");
  EXPECT_EQ(deleted.status, 204) << deleted.body;
  HttpResponse gone = tmp.Get("Patient/p1");
  EXPECT_EQ(gone.status, 404);
  EXPECT_NE(Diagnostics(gone).find("Unknown tenant"), std::string::npos) << gone.body;
  EXPECT_EQ(server.Admin("GET", "tenants/tmp-1").status, 404);
  EXPECT_EQ(server.Admin("DELETE", "tenants/tmp-1").status, 404);

  server.CreateTenant("tmp-1");
  EXPECT_EQ(tmp.Get("Patient/p1").status, 404) << "a tenant made anew has none of the old one's data";
  EXPECT_EQ(Total(tmp.Get("_history")), 0);
  EXPECT_EQ(tmp.Get("Patient?nickname=Temp", {{"Prefer", "handling=strict"}}).status, 400)
      << "nor its search parameters";
  EXPECT_EQ(Label(a.Get("Patient/p1")), "Alpha");
  EXPECT_EQ(Label(b.Get("Patient/p1")), "Beta");
}

TEST_F(TenantTest, AdminApiChecksNamesAndKinds) {
  auto create = [&](const std::string& body) { return server.Admin("POST", "tenants", body); };
  auto named = [&](const std::string& name) {
    return create(R"({"name":")" + name + R"(","kind":"person"})");
  };
  for (const std::string& bad :
       {std::string("Jane"), std::string("-jane"), std::string("jane-"), std::string(""),
        std::string("ja_ne"), std::string("ja.ne"), std::string(64, 'x')}) {
    HttpResponse res = named(bad);
    EXPECT_EQ(res.status, 400) << "'" << bad << "': " << res.body;
    json::Document doc = res.Json();
    EXPECT_EQ(json::GetString(doc, "resourceType"), "OperationOutcome");
  }
  for (const char* reserved :
       {"www", "api", "admin", "auth", "fhir", "t", "default", "login", "static", "portal", "mail"}) {
    HttpResponse res = named(reserved);
    EXPECT_EQ(res.status, 400) << reserved;
    EXPECT_NE(Diagnostics(res).find("reserved"), std::string::npos) << res.body;
  }
  EXPECT_EQ(named(std::string(63, 'x')).status, 201) << "63 characters are allowed";
  EXPECT_EQ(named("x-1").status, 201);
  EXPECT_EQ(named("jane").status, 409) << "taken";
  EXPECT_EQ(create(R"({"name":"robo","kind":"robot"})").status, 400);
  EXPECT_EQ(create(R"({"name":"robo"})").status, 400);
  EXPECT_EQ(create("not json").status, 400);
  EXPECT_EQ(server.Admin("GET", "tenants/robo").status, 404) << "nothing was made of the bad requests";

  json::Document one = server.Admin("GET", "tenants/jane").Json();
  EXPECT_EQ(json::GetString(one, "name"), "jane");
  EXPECT_EQ(json::GetString(one, "kind"), "person");
  EXPECT_EQ(json::GetString(one, "status"), "active");
  json::Document all = server.Admin("GET", "tenants").Json();
  std::vector<std::string> names;
  for (const auto& t : (*json::Find(all, "tenants")).GetArray())
    names.push_back(std::string(json::GetString(t, "name")) + ":" + std::string(json::GetString(t, "kind")));
  EXPECT_EQ(names, (std::vector<std::string>{"clinic-a:organization", "default:organization", "jane:person",
                                             "x-1:person", std::string(63, 'x') + ":person"}));
  HttpResponse made = named("later");
  EXPECT_EQ(made.Header("Location"),
            "http://localhost:" + std::to_string(server.port()) + "/admin/tenants/later");
  EXPECT_EQ(server.Admin("DELETE", "tenants/default").status, 400);
  EXPECT_EQ(server.Admin("PUT", "tenants/jane").status, 405);
  EXPECT_EQ(server.Admin("GET", "keys").status, 404);
  EXPECT_EQ(Label(b.Get("Patient/p1")), "Beta");
}

// Tenants by host: `kiln serve --domain kiln.test` serves tenant T at http://T.kiln.test/fhir.
class TenantHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server.CreateTenant("jane");
    ASSERT_EQ(server.Tenant("jane").Put("Patient/p1", PatientJson("p1", "Jane")).status, 201);
    ASSERT_EQ(server.Put("Patient/p1", PatientJson("p1", "Default")).status, 201);
  }
  FhirClient AtHost(const std::string& host) const {
    return FhirClient(server.port(), "/fhir", {{"Host", host}});
  }

  TestServer server{ServerOptionsForTest{.domain = "kiln.test"}};
};

TEST_F(TenantHostTest, TheHostNamesTheTenant) {
  FhirClient jane = AtHost("jane.kiln.test");
  EXPECT_EQ(Label(jane.Get("Patient/p1")), "Jane");
  EXPECT_EQ(Label(AtHost("JANE.Kiln.Test:8443").Get("Patient/p1")), "Jane")
      << "host names ignore case and port";
  EXPECT_EQ(Label(AtHost("kiln.test").Get("Patient/p1")), "Default");
  EXPECT_EQ(Label(AtHost("localhost").Get("Patient/p1")), "Default");
  EXPECT_EQ(AtHost("nobody.kiln.test").Get("Patient/p1").status, 404);
  EXPECT_EQ(AtHost("default.kiln.test").Get("Patient/p1").status, 404);

  HttpResponse created = jane.Post("Patient", PatientJson("", "Second"));
  ASSERT_EQ(created.status, 201);
  EXPECT_TRUE(created.Header("Location").starts_with("http://jane.kiln.test/fhir/Patient/"))
      << created.Header("Location");
  std::vector<Entry> entries = Entries(jane.Get("Patient?family=Jane"));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].full_url, "http://jane.kiln.test/fhir/Patient/p1");
  json::Document metadata = jane.Get("metadata").Json();
  EXPECT_EQ(json::GetString(*json::Find(metadata, "implementation"), "url"), "http://jane.kiln.test/fhir");

  // A tenant's host serves its FHIR base and nothing else.
  EXPECT_EQ(Send(server.port(), "GET", "/t/jane/fhir/Patient/p1", "", {{"Host", "jane.kiln.test"}}).status,
            404);
  EXPECT_EQ(Send(server.port(), "GET", "/admin/tenants", "", {{"Host", "jane.kiln.test"}}).status, 404);
  EXPECT_EQ(Label(server.Tenant("jane").Get("Patient/p1")), "Jane") << "and by path it is the same tenant";
}

TEST(TenantBaseUrlTest, FollowsTheConfiguredBaseUrl) {
  TestServer server{
      ServerOptionsForTest{.domain = "kiln.test", .public_base_url = "https://fhir.kiln.test/fhir"}};
  HttpResponse made = server.Admin("POST", "tenants", R"({"name":"jane","kind":"person"})");
  EXPECT_EQ(made.Header("Location"), "https://fhir.kiln.test/admin/tenants/jane");
  const std::string patient = PatientJson("", "X");
  for (const auto& [client, base] : std::vector<std::pair<FhirClient, std::string>>{
           {FhirClient(server.port(), "/fhir"), "https://fhir.kiln.test/fhir"},
           {server.Tenant("jane"), "https://fhir.kiln.test/t/jane/fhir"},
           {FhirClient(server.port(), "/fhir", {{"Host", "jane.kiln.test"}}),
            "https://jane.kiln.test/fhir"}}) {
    HttpResponse res = client.Post("Patient", patient);
    ASSERT_EQ(res.status, 201) << res.body;
    EXPECT_TRUE(res.Header("Location").starts_with(base + "/Patient/")) << res.Header("Location");
    json::Document metadata = client.Get("metadata").Json();
    EXPECT_EQ(json::GetString(*json::Find(metadata, "implementation"), "url"), base);
  }
  EXPECT_EQ(Total(server.Tenant("jane").Get("Patient")), 2) << "by path and by host: one tenant";
}

}  // namespace
}  // namespace kiln::testing
