// AuditEvents through HTTP (docs/audit.md): every read, search, write and operation on patient
// data is recorded, denied and failed ones too, with the client as agent and the patient as an
// entity; AuditEvents are searchable, append-only, recorded in their tenant, stored on shutdown,
// and a patient-context token lists who accessed its patient's record.
#include <gtest/gtest.h>

#include <rapidjson/pointer.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "auth/auth.h"
#include "core/base64.h"
#include "support/test_server.h"

namespace kiln::testing {
namespace {

const json::Value* At(const json::Value& v, const char* pointer) {
  return rapidjson::Pointer(pointer).Get(const_cast<json::Value&>(v));
}

std::string Str(const json::Value& v, const char* pointer) {
  const json::Value* s = At(v, pointer);
  return s != nullptr && s->IsString() ? std::string(s->GetString(), s->GetStringLength()) : std::string();
}

// One AuditEvent, as the assertions look at it.
struct Event {
  std::string subtype, action, outcome, description;
  std::vector<std::string> agents;    // agent.name
  std::vector<std::string> entities;  // entity.what.reference
  std::vector<std::string> patients;  // those with role 1 (Patient)
  std::string query;                  // the query entity's, decoded
  std::string request_id;             // the urn:kiln:request-id extension's
};

std::vector<Event> EventsIn(const HttpResponse& res) {
  EXPECT_EQ(res.status, 200) << res.body;
  std::vector<Event> out;
  auto doc = res.Json();
  const json::Value* entries = At(doc, "/entry");
  if (entries == nullptr) return out;
  for (const auto& e : entries->GetArray()) {
    const json::Value* r = json::Find(e, "resource");
    if (r == nullptr || json::GetString(*r, "resourceType") != "AuditEvent") continue;
    Event ev;
    ev.subtype = Str(*r, "/subtype/0/code");
    ev.action = Str(*r, "/action");
    ev.outcome = Str(*r, "/outcome");
    ev.description = Str(*r, "/outcomeDesc");
    ev.request_id = Str(*r, "/extension/0/valueString");
    EXPECT_EQ(Str(*r, "/type/code"), "rest");
    EXPECT_FALSE(Str(*r, "/recorded").empty());
    EXPECT_EQ(Str(*r, "/source/observer/display"), "Kiln FHIR server");
    if (const json::Value* agents = At(*r, "/agent")) {
      for (const auto& a : agents->GetArray()) {
        ev.agents.emplace_back(json::GetString(a, "name"));
        EXPECT_TRUE(At(a, "/requestor") && At(a, "/requestor")->IsTrue());
      }
    }
    if (const json::Value* entities = At(*r, "/entity")) {
      for (const auto& en : entities->GetArray()) {
        std::string what = Str(en, "/what/reference");
        if (!what.empty()) ev.entities.push_back(what);
        if (Str(en, "/role/code") == "1") ev.patients.push_back(what);
        if (Str(en, "/role/code") == "24") ev.query = Base64Decode(Str(en, "/query")).value_or("");
      }
    }
    out.push_back(std::move(ev));
  }
  return out;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class AuditTest : public ::testing::Test {
 protected:
  std::string Root() const { return "http://localhost:" + std::to_string(server.port()); }
  // A token of `client` (registered before its first token: a token is of a client registered
  // when it was issued).
  Headers TokenFor(const std::string& client, const std::string& scope,
                   std::optional<std::string> patient = std::nullopt) const {
    if (registered.insert(client).second) {
      auth::ClientSpec spec;
      spec.id = client;
      spec.secret = std::string(40, 's');
      spec.scope = "system/*.cruds";
      server.RegisterClient(spec);
    }
    auto token = server.auth_server().IssueAccessToken(
        auth::TokenGrant{client, store::DefaultTenant(), scope, std::move(patient)}, Root());
    EXPECT_TRUE(token.has_value());
    return {{"Authorization", "Bearer " + (token ? *token : std::string())}};
  }
  std::string CreatePatient() const {
    HttpResponse res =
        server.Post("Patient", R"({"resourceType":"Patient","name":[{"family":"Audit"}]})", admin);
    EXPECT_EQ(res.status, 201) << res.body;
    return Str(res.Json(), "/id");
  }
  std::string CreateObservation(const std::string& patient) const {
    HttpResponse res = server.Post("Observation",
                                   R"({"resourceType":"Observation","status":"final","code":{"text":"hr"},)"
                                   R"("subject":{"reference":"Patient/)" +
                                       patient + R"("}})",
                                   admin);
    EXPECT_EQ(res.status, 201) << res.body;
    return Str(res.Json(), "/id");
  }
  // The AuditEvents a search finds, once everything answered so far is stored.
  std::vector<Event> Audit(const std::string& query) const {
    server.FlushAudit();
    return EventsIn(server.Get("AuditEvent?" + query + "&_count=1000", admin));
  }

  TestServer server{ServerOptionsForTest{.auth = true, .audit = true}};
  mutable std::set<std::string> registered;
  Headers admin = TokenFor("admin", "system/*.cruds");
};

TEST_F(AuditTest, ReadsSearchesAndWritesOfPatientDataAreRecorded) {
  std::string p = CreatePatient();
  std::string o = CreateObservation(p);
  Headers reader = TokenFor("reader", "system/*.rs");
  EXPECT_EQ(server.Get("Observation/" + o, reader).status, 200);
  EXPECT_EQ(server.Get("Observation?subject=Patient/" + p, reader).status, 200);
  EXPECT_EQ(server.Get("Patient/" + p + "/_history/1", reader).status, 200);
  EXPECT_EQ(
      server
          .Request("PATCH", "Observation/" + o, R"([{"op":"replace","path":"/status","value":"amended"}])",
                   {{"Content-Type", "application/json-patch+json"}, admin[0]})
          .status,
      200);
  EXPECT_EQ(server.Delete("Observation/" + o, admin).status, 204);

  std::vector<Event> events = Audit("patient=" + p);
  auto find = [&](const std::string& subtype) {
    auto it =
        std::find_if(events.begin(), events.end(), [&](const Event& e) { return e.subtype == subtype; });
    EXPECT_NE(it, events.end()) << "no " << subtype << " event";
    return it == events.end() ? Event{} : *it;
  };
  Event created = find("create");
  EXPECT_EQ(created.action, "C");
  EXPECT_EQ(created.outcome, "0");
  EXPECT_EQ(created.agents, std::vector<std::string>{"admin"});
  Event read = find("read");
  EXPECT_EQ(read.action, "R");
  EXPECT_EQ(read.agents, std::vector<std::string>{"reader"});
  EXPECT_TRUE(Has(read.entities, "Observation/" + o + "/_history/1"));
  EXPECT_EQ(read.patients, std::vector<std::string>{"Patient/" + p});
  Event search = find("search-type");
  EXPECT_EQ(search.action, "E");
  EXPECT_EQ(search.query, "subject=Patient/" + p);
  EXPECT_EQ(find("vread").patients, std::vector<std::string>{"Patient/" + p + "/_history/1"});
  EXPECT_EQ(find("patch").action, "U");
  // After the deletion the resource has no references left: the event names the resource.
  EXPECT_EQ(Audit("entity=Observation/" + o + "&action=D").size(), 1u);
}

TEST_F(AuditTest, DeniedAndFailedAttemptsAreRecorded) {
  std::string p = CreatePatient();
  std::string o = CreateObservation(p);
  Headers patients_only = TokenFor("narrow", "system/Patient.rs");
  EXPECT_EQ(server.Get("Observation/" + o, patients_only).status, 403);
  EXPECT_EQ(server.Get("Patient/" + p).status, 401);
  EXPECT_EQ(server.Get("Patient/" + p, {{"Authorization", "Bearer not-a-token"}}).status, 401);
  EXPECT_EQ(server.Get("Patient/missing", patients_only).status, 404);

  std::vector<Event> failed = Audit("outcome=4");
  auto with = [&](const std::string& agent, const std::string& status) {
    return std::count_if(failed.begin(), failed.end(), [&](const Event& e) {
      return Has(e.agents, agent) && e.description.starts_with("HTTP " + status);
    });
  };
  EXPECT_EQ(with("narrow", "403"), 1);
  EXPECT_EQ(with("unauthenticated", "401"), 2);
  EXPECT_EQ(with("narrow", "404"), 1);
  for (const Event& e : failed) EXPECT_EQ(e.action, "R");
  // The 401s name the patient the request asked for, the denied read that of the Observation.
  EXPECT_EQ(Audit("outcome=4&patient=" + p).size(), 3u);
}

TEST_F(AuditTest, SearchParametersFindEvents) {
  std::string p = CreatePatient();
  std::string o = CreateObservation(p);
  EXPECT_EQ(server.Get("Observation/" + o, TokenFor("reader", "system/*.rs")).status, 200);
  server.FlushAudit();
  EXPECT_EQ(Audit("agent-name=reader").size(), 1u);
  EXPECT_EQ(Audit("agent:identifier=urn:kiln:oauth-client|reader").size(), 1u);
  EXPECT_EQ(Audit("agent:identifier=urn:kiln:oauth-client|nobody").size(), 0u);
  EXPECT_EQ(Audit("entity=Observation/" + o + "&action=R").size(), 1u);
  EXPECT_EQ(Audit("action=C&patient=" + p).size(), 2u);
  EXPECT_EQ(Audit("subtype=http://hl7.org/fhir/restful-interaction|read&patient=" + p).size(), 1u);
  EXPECT_EQ(Audit("date=gt2000-01-01&patient=" + p).size(), 3u);
  EXPECT_EQ(Audit("date=lt2000-01-01").size(), 0u);
  EXPECT_EQ(Audit("outcome=0&patient=" + p).size(), 3u);
}

TEST_F(AuditTest, AuditEventsAreAppendOnly) {
  std::string p = CreatePatient();
  std::vector<Event> events = Audit("patient=" + p);
  ASSERT_EQ(events.size(), 1u);
  server.FlushAudit();
  HttpResponse list = server.Get("AuditEvent?patient=" + p, admin);
  std::string id = Str(list.Json(), "/entry/0/resource/id");
  ASSERT_FALSE(id.empty());
  std::string body = R"({"resourceType":"AuditEvent","id":")" + id + R"("})";
  for (const HttpResponse& res :
       {server.Post("AuditEvent", body, admin), server.Put("AuditEvent/" + id, body, admin),
        server.Delete("AuditEvent/" + id, admin), server.Delete("AuditEvent?patient=" + p, admin),
        server.Request("PATCH", "AuditEvent/" + id, "[]",
                       {{"Content-Type", "application/json-patch+json"}, admin[0]})}) {
    EXPECT_EQ(res.status, 405) << res.body;
    EXPECT_EQ(res.Header("allow"), "GET, HEAD");
    EXPECT_EQ(Str(res.Json(), "/resourceType"), "OperationOutcome");
  }
  // Nor inside a batch.
  HttpResponse batch = server.Post(
      "",
      R"({"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"DELETE","url":"AuditEvent/)" +
          id + R"("}}]})",
      admin);
  EXPECT_EQ(batch.status, 200) << batch.body;
  EXPECT_EQ(Str(batch.Json(), "/entry/0/response/status").substr(0, 3), "405");
  EXPECT_EQ(server.Get("AuditEvent/" + id, admin).status, 200);
  // The CapabilityStatement says so.
  HttpResponse metadata = server.Get("metadata");
  auto doc = metadata.Json();
  std::set<std::string> interactions;
  for (const auto& r : json::Find(*json::Find(doc, "rest")->Begin(), "resource")->GetArray()) {
    if (json::GetString(r, "type") != "AuditEvent") continue;
    for (const auto& i : json::Find(r, "interaction")->GetArray())
      interactions.emplace(json::GetString(i, "code"));
  }
  EXPECT_EQ(interactions,
            (std::set<std::string>{"read", "vread", "history-instance", "history-type", "search-type"}));
}

TEST_F(AuditTest, APatientListsWhoAccessedTheirRecord) {
  std::string p1 = CreatePatient();
  std::string p2 = CreatePatient();
  std::string o1 = CreateObservation(p1);
  EXPECT_EQ(server.Get("Observation/" + o1, TokenFor("clinic-app", "system/*.rs")).status, 200);
  EXPECT_EQ(server.Get("Patient/" + p2, TokenFor("clinic-app", "system/*.rs")).status, 200);
  server.FlushAudit();

  Headers as_p1 = TokenFor("phr-app", "patient/AuditEvent.rs", p1);
  HttpResponse mine = server.Get("AuditEvent?patient=" + p1, as_p1);
  std::vector<Event> events = EventsIn(mine);
  std::set<std::string> who;
  for (const Event& e : events) who.insert(e.agents.begin(), e.agents.end());
  EXPECT_EQ(who, (std::set<std::string>{"admin", "clinic-app"}));
  // Not another patient's, and reading the trail names no patient, so it does not add to it.
  EXPECT_TRUE(EventsIn(server.Get("AuditEvent?patient=" + p2, as_p1)).empty());
  server.FlushAudit();
  EXPECT_EQ(EventsIn(server.Get("AuditEvent?patient=" + p1, as_p1)).size(), events.size());
  // But the reads of the trail are recorded, by who read it.
  EXPECT_EQ(Audit("agent-name=phr-app").size(), 3u);
}

TEST_F(AuditTest, EachEntryOfABatchIsAuditedOnItsOwn) {
  std::string p = CreatePatient();
  std::string bundle =
      R"({"resourceType":"Bundle","type":"batch","entry":[)"
      R"({"request":{"method":"GET","url":"Patient/)" +
      p +
      R"("}},)"
      R"({"request":{"method":"POST","url":"Observation"},"resource":{"resourceType":"Observation",)"
      R"("status":"final","code":{"text":"bp"},"subject":{"reference":"Patient/)" +
      p +
      R"("}}},)"
      R"({"request":{"method":"GET","url":"Observation/no-such-id"}},)"
      R"({"request":{"method":"PUT","url":"Observation/bad"},"resource":{"resourceType":"Observation",)"
      R"("id":"bad","status":"final","code":{"text":"bp"},"notAnElement":true}},)"
      R"({"request":{"method":"GET","url":"Organization?name=x"}}]})";
  HttpResponse res = server.Post("", bundle, {admin[0], {"X-Request-Id", "batch-1"}});
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = res.Json();
  ASSERT_EQ(Str(doc, "/entry/0/response/status").substr(0, 3), "200");
  ASSERT_EQ(Str(doc, "/entry/1/response/status").substr(0, 3), "201");
  ASSERT_EQ(Str(doc, "/entry/2/response/status").substr(0, 3), "404");
  ASSERT_EQ(Str(doc, "/entry/3/response/status").substr(0, 3), "400");
  std::string created = Str(doc, "/entry/1/response/location");  // Observation/{id}/_history/1
  ASSERT_TRUE(created.starts_with("Observation/")) << created;

  std::vector<Event> events = Audit("action=R,C,U,E");
  std::vector<Event> of_batch;
  std::copy_if(events.begin(), events.end(), std::back_inserter(of_batch),
               [](const Event& e) { return e.request_id == "batch-1"; });
  // By outcome too: the batch has a read that succeeds and one that fails, and the
  // search returns events of one request in no particular order.
  auto find = [&](const std::string& subtype) {
    auto it = std::find_if(of_batch.begin(), of_batch.end(),
                           [&](const Event& e) { return e.subtype == subtype && e.outcome == "0"; });
    EXPECT_NE(it, of_batch.end()) << "no successful " << subtype << " event";
    return it == of_batch.end() ? Event{} : *it;
  };
  // The Bundle, and each entry on patient data (not the Organization search): five events.
  EXPECT_EQ(of_batch.size(), 5u);
  EXPECT_EQ(find("batch").action, "E");
  EXPECT_EQ(find("batch").outcome, "0");
  Event read = find("read");
  EXPECT_EQ(read.action, "R");
  EXPECT_EQ(read.outcome, "0");
  EXPECT_EQ(read.patients, std::vector<std::string>{"Patient/" + p + "/_history/1"});
  EXPECT_EQ(read.agents, std::vector<std::string>{"admin"});
  Event create = find("create");
  EXPECT_EQ(create.action, "C");
  EXPECT_EQ(create.outcome, "0");
  EXPECT_TRUE(Has(create.entities, created)) << created;
  EXPECT_EQ(create.patients, std::vector<std::string>{"Patient/" + p});
  // The failing entries, each with its own outcome.
  std::vector<Event> failed;
  std::copy_if(of_batch.begin(), of_batch.end(), std::back_inserter(failed),
               [](const Event& e) { return e.outcome == "4"; });
  ASSERT_EQ(failed.size(), 2u);
  for (const Event& e : failed) {
    if (e.subtype == "read") {
      EXPECT_EQ(e.action, "R");
      EXPECT_TRUE(Has(e.entities, "Observation/no-such-id"));
      EXPECT_TRUE(e.description.starts_with("HTTP 404")) << e.description;
    } else {
      EXPECT_EQ(e.subtype, "update");
      EXPECT_EQ(e.action, "U");
      EXPECT_TRUE(Has(e.entities, "Observation/bad"));
      EXPECT_TRUE(e.description.starts_with("HTTP 400")) << e.description;
    }
  }
  // The patient's record lists the read and the create of the batch.
  std::vector<Event> mine = Audit("patient=" + p);
  EXPECT_EQ(std::count_if(mine.begin(), mine.end(), [](const Event& e) { return e.request_id == "batch-1"; }),
            2);
}

TEST_F(AuditTest, EachEntryOfATransactionIsAuditedAndAFailedOnesAsAttempted) {
  std::string p = CreatePatient();
  std::string entries =
      R"({"fullUrl":"urn:uuid:0c6e8a4e-5c1f-4bd0-9f5d-2b3c4d5e6f70","request":{"method":"POST","url":"Observation"},)"
      R"("resource":{"resourceType":"Observation","status":"final","code":{"text":"t"},)"
      R"("subject":{"reference":"Patient/)" +
      p + R"("}}},{"request":{"method":"GET","url":"Observation?subject=Patient/)" + p + R"("}})";
  HttpResponse ok =
      server.Post("", R"({"resourceType":"Bundle","type":"transaction","entry":[)" + entries + "]}",
                  {admin[0], {"X-Request-Id", "tx-ok"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  // The same with an entry outside the token's scope: refused as a whole, nothing runs.
  Headers observations_only = TokenFor("obs-app", "system/Observation.cruds");
  HttpResponse refused = server.Post("",
                                     R"({"resourceType":"Bundle","type":"transaction","entry":[)" + entries +
                                         R"(,{"request":{"method":"GET","url":"Patient/)" + p + R"("}}]})",
                                     {observations_only[0], {"X-Request-Id", "tx-refused"}});
  ASSERT_EQ(refused.status, 403) << refused.body;

  std::vector<Event> events = Audit("action=C,E");
  std::map<std::string, std::multiset<std::string>> subtypes;  // request id -> subtypes
  for (const Event& e : events) subtypes[e.request_id].insert(e.subtype + " " + e.outcome);
  EXPECT_EQ(subtypes["tx-ok"], (std::multiset<std::string>{"transaction 0", "create 0", "search-type 0"}));
  // The refused one ran nothing, and each of its entries is recorded as attempted and failed,
  // with the transaction's outcome, in the record of the patient it would have touched.
  EXPECT_EQ(subtypes["tx-refused"],
            (std::multiset<std::string>{"transaction 4", "create 4", "search-type 4"}));
  std::vector<Event> mine = Audit("patient=" + p);
  std::multiset<std::string> refused_in_mine;
  for (const Event& e : mine) {
    if (e.request_id != "tx-refused") continue;
    refused_in_mine.insert(e.subtype + " " + e.outcome);
    EXPECT_NE(e.description.find("Bundle.entry[2]"), std::string::npos) << e.description;
  }
  EXPECT_EQ(refused_in_mine, (std::multiset<std::string>{"create 4", "search-type 4", "read 4"}));
}

// A failed or denied write is in the record of the patients the resource it sent names, and a
// denied read in that of the patients of the resource it named.
TEST_F(AuditTest, FailedAndDeniedAttemptsAreInTheRecordOfThePatientsTheyConcern) {
  std::string p = CreatePatient();
  std::string other = CreatePatient();
  std::string obs = R"({"resourceType":"Observation","status":"final","code":{"text":"t"},)"
                    R"("subject":{"reference":"Patient/)" +
                    p + R"("}})";
  std::string stored = CreateObservation(p);
  Headers patients_only = TokenFor("patients-only", "system/Patient.cruds");
  EXPECT_EQ(server.Post("Observation", obs, {patients_only[0], {"X-Request-Id", "denied-create"}}).status,
            403);
  EXPECT_EQ(server.Get("Observation/" + stored, {patients_only[0], {"X-Request-Id", "denied-read"}}).status,
            403);
  std::string invalid = obs;
  invalid.insert(invalid.size() - 1, R"(,"id":"x1","notAnElement":true)");
  EXPECT_EQ(server.Put("Observation/x1", invalid, {admin[0], {"X-Request-Id", "invalid-update"}}).status,
            400);
  std::set<std::string> attempts;
  for (const Event& e : Audit("patient=" + p + "&outcome=4")) attempts.insert(e.request_id + " " + e.subtype);
  EXPECT_EQ(attempts,
            (std::set<std::string>{"denied-create create", "denied-read read", "invalid-update update"}));
  EXPECT_TRUE(Audit("patient=" + other + "&outcome=4").empty());
}

TEST_F(AuditTest, DataOutsideEveryPatientsRecordIsNotAudited) {
  HttpResponse org = server.Post("Organization", R"({"resourceType":"Organization","name":"Acme"})", admin);
  ASSERT_EQ(org.status, 201);
  EXPECT_EQ(server.Get("Organization/" + Str(org.Json(), "/id"), admin).status, 200);
  EXPECT_EQ(server.Get("metadata").status, 200);
  EXPECT_TRUE(Audit("entity=Organization/" + Str(org.Json(), "/id")).empty());
  EXPECT_TRUE(Audit("action=C").empty());
}

TEST(AuditStorageTest, EventsGoToTheirTenantAndSurviveAGracefulStop) {
  TestServer server(ServerOptionsForTest{.audit = true});
  FhirClient jane = server.CreateTenant("jane");
  std::string p = jane.Create("Patient", R"({"resourceType":"Patient"})");
  for (int i = 0; i < 50; ++i) EXPECT_EQ(jane.Get("Patient/" + p).status, 200);
  // No flush: stopping stores what is queued.
  server.Restart();
  auto count = [](const HttpResponse& res) {
    EXPECT_EQ(res.status, 200) << res.body;
    json::Document doc = res.Json();
    const json::Value* total = At(doc, "/total");
    return total != nullptr ? total->GetInt64() : -1;
  };
  EXPECT_EQ(count(jane.Get("AuditEvent?patient=" + p + "&_summary=count")), 51);
  EXPECT_EQ(count(server.Get("AuditEvent?patient=" + p + "&_summary=count")), 0);
  // Under --no-auth the agent says nobody is known.
  server.FlushAudit();
  HttpResponse one = jane.Get("AuditEvent?patient=" + p + "&action=C");
  EXPECT_EQ(Str(one.Json(), "/entry/0/resource/agent/0/name"), "anonymous (authorization off)");
}

// Reads of one resource by one client make events that differ only in their id and time: each
// is found by its own.
TEST_F(AuditTest, EventsOfOneShapeAreEachFoundByTheirOwnIdAndTime) {
  std::string p = CreatePatient();
  Headers reader = TokenFor("same-shape", "system/*.rs");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(server.Get("Patient/" + p, reader).status, 200);
  server.FlushAudit();
  HttpResponse all = server.Get("AuditEvent?agent-name=same-shape&subtype=read&patient=" + p, admin);
  ASSERT_EQ(all.status, 200) << all.body;
  auto doc = all.Json();
  const json::Value* entries = At(doc, "/entry");
  ASSERT_NE(entries, nullptr);
  ASSERT_EQ(entries->Size(), 3u);
  std::set<std::string> ids;
  for (const auto& e : entries->GetArray()) {
    std::string id = Str(e, "/resource/id");
    std::string recorded = Str(e, "/resource/recorded");
    ids.insert(id);
    HttpResponse by_id = server.Get("AuditEvent?_id=" + id + "&patient=" + p, admin);
    EXPECT_EQ(EventsIn(by_id).size(), 1u) << id;
    // `date` is the recorded instant: the event is on it, and not before it.
    std::string at = "AuditEvent?agent-name=same-shape&date=eq" + recorded;
    auto on = server.Get(at, admin).Json();
    const json::Value* found = At(on, "/entry");
    ASSERT_NE(found, nullptr) << recorded;
    bool has = false;
    for (const auto& f : found->GetArray()) has = has || Str(f, "/resource/id") == id;
    EXPECT_TRUE(has) << recorded;
    EXPECT_EQ(EventsIn(server.Get("AuditEvent?_id=" + id + "&date=lt" + recorded, admin)).size(), 0u);
  }
  EXPECT_EQ(ids.size(), 3u);
}

}  // namespace
}  // namespace kiln::testing
