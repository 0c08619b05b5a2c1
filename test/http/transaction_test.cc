// Batch and transaction over HTTP (hl7.org/fhir/R4/http.html#transaction): atomicity, the R4
// processing order, urn:uuid and conditional reference resolution, conditional writes inside a
// Bundle, the response Bundle, and where errors are reported.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "support/test_server.h"

namespace kiln::testing {
namespace {

constexpr const char* kSys = "http://kiln.test/id";

std::string Entry(const std::string& method, const std::string& url, const std::string& resource = "",
                  const std::string& full_url = "", const std::string& extra_request = "") {
  std::string e = "{";
  if (!full_url.empty()) e += R"("fullUrl":")" + full_url + "\",";
  if (!resource.empty()) e += R"("resource":)" + resource + ",";
  e += R"("request":{"method":")" + method + R"(","url":")" + url + "\"" + extra_request + "}}";
  return e;
}

std::string Bundle(const std::string& type, const std::vector<std::string>& entries) {
  std::string b = R"({"resourceType":"Bundle","type":")" + type + R"(","entry":[)";
  for (size_t i = 0; i < entries.size(); ++i) b += (i ? "," : "") + entries[i];
  return b + "]}";
}

std::string PatientWith(const std::string& value, const std::string& id = "") {
  std::string p = R"({"resourceType":"Patient",)";
  if (!id.empty()) p += R"("id":")" + id + "\",";
  return p + R"("identifier":[{"system":")" + kSys + R"(","value":")" + value + R"("}]})";
}

std::string ObservationAbout(const std::string& reference, const std::string& text = "t") {
  return R"({"resourceType":"Observation","status":"final","code":{"text":")" + text +
         R"("},"subject":{"reference":")" + reference + R"("}})";
}

class TransactionTest : public ::testing::Test {
 protected:
  HttpResponse PostBundle(const std::string& body, const Headers& headers = {}) const {
    return server.Post("", body, headers);
  }
  // The response entries of a 200 batch/transaction response.
  static std::vector<const json::Value*> Entries(json::Document&&) = delete;  // would dangle
  static std::vector<const json::Value*> Entries(const json::Document& doc) {
    std::vector<const json::Value*> out;
    if (const json::Value* e = json::Find(doc, "entry"); e && e->IsArray()) {
      for (const auto& v : e->GetArray()) out.push_back(&v);
    }
    return out;
  }
  static std::string Status(const json::Value& entry) {
    return std::string(json::GetString(*json::Find(entry, "response"), "status"));
  }
  static std::string Location(const json::Value& entry) {
    return std::string(json::GetString(*json::Find(entry, "response"), "location"));
  }
  // "Patient/abc" from "Patient/abc/_history/1".
  static std::string TypeAndId(const json::Value& entry) {
    std::string loc = Location(entry);
    return loc.substr(0, loc.find("/_history"));
  }
  int Count(const std::string& search) const {
    auto doc =
        server.Get(search + (search.find('?') == std::string::npos ? "?" : "&") + "_summary=count").Json();
    const json::Value* total = json::Find(doc, "total");
    EXPECT_NE(total, nullptr) << search;
    return total == nullptr ? -1 : total->GetInt();
  }
  int HistoryTotal() const { return (*json::Find(server.Get("_history").Json(), "total")).GetInt(); }
  static bool Names(const json::Document& outcome, const std::string& expression) {
    auto all = IssueExpressions(outcome);
    return std::find(all.begin(), all.end(), expression) != all.end();
  }

  TestServer server;
};

TEST_F(TransactionTest, DocumentBinaryAndDocumentReferenceReferToEachOtherByUrnUuid) {
  const std::string binary_urn = "urn:uuid:0c3d0a9e-9d3b-4c39-9bb6-1f1c8f0e0001";
  const std::string docref_urn = "urn:uuid:0c3d0a9e-9d3b-4c39-9bb6-1f1c8f0e0002";
  std::string binary = R"({"resourceType":"Binary","contentType":"text/plain","data":"aGVsbG8=",)"
                       R"("securityContext":{"reference":")" +
                       docref_urn + R"("}})";
  std::string docref =
      R"({"resourceType":"DocumentReference","masterIdentifier":{"system":"urn:ietf:rfc:3986","value":")" +
      docref_urn +
      R"("},"status":"current",)"
      R"("text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\"><a href=\")" +
      binary_urn + R"(\">the document</a><img src=')" + binary_urn +
      R"('/></div>"},"content":[{"attachment":{"contentType":"text/plain","url":")" + binary_urn + R"("}}]})";
  HttpResponse res =
      PostBundle(Bundle("transaction", {Entry("POST", "Binary", binary, binary_urn),
                                        Entry("POST", "DocumentReference", docref, docref_urn)}));
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = res.Json();
  EXPECT_EQ(json::GetString(doc, "type"), "transaction-response");
  auto entries = Entries(doc);
  ASSERT_EQ(entries.size(), 2u);
  for (const json::Value* e : entries) {
    EXPECT_EQ(Status(*e), "201 Created");
    EXPECT_TRUE(std::regex_match(Location(*e), std::regex("[A-Za-z]+/[0-9a-f-]{36}/_history/1")))
        << Location(*e);
    EXPECT_EQ(json::GetString(*json::Find(*e, "response"), "etag"), "W/\"1\"");
    EXPECT_FALSE(json::GetString(*json::Find(*e, "response"), "lastModified").empty());
  }
  std::string binary_ref = TypeAndId(*entries[0]), docref_ref = TypeAndId(*entries[1]);
  ASSERT_TRUE(binary_ref.starts_with("Binary/"));
  ASSERT_TRUE(docref_ref.starts_with("DocumentReference/"));

  auto stored_doc = server.Get(docref_ref).Json();
  const json::Value& attachment = *json::Find((*json::Find(stored_doc, "content"))[0], "attachment");
  EXPECT_EQ(json::GetString(attachment, "url"), binary_ref);
  std::string div(json::GetString(*json::Find(stored_doc, "text"), "div"));
  EXPECT_NE(div.find("href=\"" + binary_ref + "\""), std::string::npos) << div;
  EXPECT_NE(div.find("src='" + binary_ref + "'"), std::string::npos) << div;
  EXPECT_EQ(div.find("urn:uuid"), std::string::npos) << div;
  // An identifier is a string, not a reference: it keeps the urn.
  EXPECT_EQ(json::GetString(*json::Find(stored_doc, "masterIdentifier"), "value"), docref_urn);
  auto stored_binary = server.Get(binary_ref, {{"Accept", "application/fhir+json"}}).Json();
  EXPECT_EQ(json::GetString(*json::Find(stored_binary, "securityContext"), "reference"), docref_ref);
  // The rewritten reference is indexed: the DocumentReference is found through its Binary.
  EXPECT_EQ(Count("DocumentReference?_id=" + docref_ref.substr(18)), 1);
}

TEST_F(TransactionTest, UrnOidFullUrlsAreRewrittenToo) {
  const std::string oid = "urn:oid:1.2.3.4.5";
  HttpResponse res = PostBundle(Bundle("transaction", {Entry("POST", "Observation", ObservationAbout(oid)),
                                                       Entry("POST", "Patient", PatientWith("oid"), oid)}));
  ASSERT_EQ(res.status, 200) << res.body;
  auto entries_doc = res.Json();
  auto entries = Entries(entries_doc);
  std::string obs = TypeAndId(*entries[0]), patient = TypeAndId(*entries[1]);
  EXPECT_EQ(json::GetString(*json::Find(server.Get(obs).Json(), "subject"), "reference"), patient);
  EXPECT_EQ(Count("Observation?subject=" + patient), 1);
}

TEST_F(TransactionTest, UpdatesAListAndItsMedicationRequests) {
  auto med_request = [](const std::string& id, const std::string& status, const std::string& drug) {
    std::string r = R"({"resourceType":"MedicationRequest",)";
    if (!id.empty()) r += R"("id":")" + id + "\",";
    return r + R"("status":")" + status + R"(","intent":"order","medicationCodeableConcept":{"text":")" +
           drug + R"("},"subject":{"reference":"Patient/p1"}})";
  };
  ASSERT_EQ(server.Put("MedicationRequest/mr1", med_request("mr1", "active", "aspirin")).status, 201);
  ASSERT_EQ(server.Put("MedicationRequest/mr2", med_request("mr2", "active", "statin")).status, 201);
  std::string list_v1 =
      R"({"resourceType":"List","id":"meds","status":"current","mode":"working","entry":[)"
      R"({"item":{"reference":"MedicationRequest/mr1"}},{"item":{"reference":"MedicationRequest/mr2"}}]})";
  ASSERT_EQ(server.Put("List/meds", list_v1).status, 201);

  const std::string new_urn = "urn:uuid:5b6e2d1c-2f0a-4a55-8f0e-7d6c5b4a0003";
  std::string list_v2 =
      R"({"resourceType":"List","id":"meds","status":"current","mode":"working","entry":[)"
      R"({"item":{"reference":"MedicationRequest/mr1"}},{"item":{"reference":"MedicationRequest/mr2"}},)"
      R"({"item":{"reference":")" +
      new_urn + R"("}}]})";
  HttpResponse res = PostBundle(Bundle(
      "transaction", {Entry("PUT", "List/meds", list_v2, "", R"(,"ifMatch":"W/\"1\"")"),
                      Entry("PUT", "MedicationRequest/mr1", med_request("mr1", "stopped", "aspirin")),
                      Entry("PUT", "MedicationRequest/mr2", med_request("mr2", "active", "statin 20mg")),
                      Entry("POST", "MedicationRequest", med_request("", "active", "metformin"), new_urn)}));
  ASSERT_EQ(res.status, 200) << res.body;
  auto entries_doc = res.Json();
  auto entries = Entries(entries_doc);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(Status(*entries[0]), "200 OK");
  EXPECT_EQ(Location(*entries[0]), "");  // only creates have a Location, as for single updates
  EXPECT_EQ(json::GetString(*json::Find(*entries[0], "response"), "etag"), "W/\"2\"");
  EXPECT_EQ(Status(*entries[1]), "200 OK");
  EXPECT_EQ(Status(*entries[2]), "200 OK");
  EXPECT_EQ(Status(*entries[3]), "201 Created");
  std::string created = TypeAndId(*entries[3]);

  auto list = server.Get("List/meds").Json();
  EXPECT_EQ(json::GetString(*json::Find(list, "meta"), "versionId"), "2");
  const json::Value& items = *json::Find(list, "entry");
  ASSERT_EQ(items.Size(), 3u);
  EXPECT_EQ(json::GetString(*json::Find(items[2], "item"), "reference"), created);
  EXPECT_EQ(json::GetString(server.Get("MedicationRequest/mr1").Json(), "status"), "stopped");
  EXPECT_EQ(server.Get("MedicationRequest/mr2").Header("ETag"), "W/\"2\"");
  EXPECT_EQ(Count("MedicationRequest?status=active"), 2);
}

TEST_F(TransactionTest, ProcessesDeletesThenCreatesThenUpdatesThenReads) {
  std::string old_id = server.Create("Patient", PatientWith("old"));
  // Written in the reverse of the R4 order: the read first, the delete last.
  HttpResponse res = PostBundle(
      Bundle("transaction", {Entry("GET", std::string("Patient?identifier=") + kSys + "|old"),
                             Entry("PUT", "Patient/put-one", PatientWith("put", "put-one")),
                             Entry("POST", "Patient", PatientWith("old"), "",
                                   std::string(R"(,"ifNoneExist":"identifier=)") + kSys + "|old\""),
                             Entry("DELETE", std::string("Patient?identifier=") + kSys + "|old")}));
  ASSERT_EQ(res.status, 200) << res.body;
  auto entries_doc = res.Json();
  auto entries = Entries(entries_doc);
  ASSERT_EQ(entries.size(), 4u);
  // The delete ran before the conditional create, so the create found nothing and created.
  EXPECT_EQ(Status(*entries[3]), "204 No Content");
  EXPECT_EQ(Status(*entries[2]), "201 Created");
  EXPECT_EQ(Status(*entries[1]), "201 Created");
  std::string new_id = TypeAndId(*entries[2]).substr(8);
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ(server.Get("Patient/" + old_id).status, 410);
  // The read ran last: it sees the new Patient, not the deleted one.
  EXPECT_EQ(Status(*entries[0]), "200 OK");
  const json::Value& searchset = *json::Find(*entries[0], "resource");
  EXPECT_EQ(json::GetString(searchset, "type"), "searchset");
  ASSERT_EQ((*json::Find(searchset, "total")).GetInt(), 1);
  EXPECT_EQ(json::GetString(*json::Find((*json::Find(searchset, "entry"))[0], "resource"), "id"), new_id);
}

TEST_F(TransactionTest, ConditionalCreateUpdateAndDeleteInABundle) {
  std::string a = server.Create("Patient", PatientWith("a"));
  std::string b = server.Create("Patient", PatientWith("b"));
  std::string c = server.Create("Patient", PatientWith("c"));
  const std::string urn = "urn:uuid:9e8d7c6b-5a49-4382-9170-6f5e4d3c0004";
  std::string if_none_exist = std::string(R"(,"ifNoneExist":"Patient?identifier=)") + kSys + "|a\"";
  std::string updated_b =
      std::string(R"({"resourceType":"Patient","active":false,"identifier":[{"system":")") + kSys +
      R"(","value":"b"}]})";
  HttpResponse res = PostBundle(
      Bundle("transaction",
             {Entry("POST", "Patient", PatientWith("a"), urn, if_none_exist),
              Entry("PUT", std::string("Patient?identifier=") + kSys + "|b", updated_b),
              Entry("DELETE", std::string("Patient?identifier=") + kSys + "|c"),
              Entry("DELETE", std::string("Patient?identifier=") + kSys + "|nobody"),
              Entry("PUT", std::string("Patient?identifier=") + kSys + "|fresh", PatientWith("fresh")),
              Entry("POST", "Observation", ObservationAbout(urn))}));
  ASSERT_EQ(res.status, 200) << res.body;
  auto entries_doc = res.Json();
  auto entries = Entries(entries_doc);
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(Status(*entries[0]), "200 OK");  // found, not created
  EXPECT_EQ(json::GetString(*json::Find(*entries[0], "resource"), "id"), a);
  EXPECT_EQ(Status(*entries[1]), "200 OK");
  EXPECT_EQ(Status(*entries[2]), "204 No Content");
  EXPECT_EQ(Status(*entries[3]), "204 No Content");
  EXPECT_EQ(Status(*entries[4]), "201 Created");
  EXPECT_EQ(Status(*entries[5]), "201 Created");
  EXPECT_EQ(Count("Patient?identifier=" + std::string(kSys) + "|a"), 1);
  auto stored_b = server.Get("Patient/" + b);
  EXPECT_EQ(stored_b.Header("ETag"), "W/\"2\"");
  EXPECT_FALSE((*json::Find(stored_b.Json(), "active")).GetBool());
  EXPECT_EQ(server.Get("Patient/" + c).status, 410);
  EXPECT_EQ(Count("Patient?identifier=" + std::string(kSys) + "|fresh"), 1);
  // The urn of the conditional create that matched names the existing Patient.
  auto obs = server.Get(TypeAndId(*entries[5])).Json();
  EXPECT_EQ(json::GetString(*json::Find(obs, "subject"), "reference"), "Patient/" + a);
}

TEST_F(TransactionTest, ConditionalReferenceResolvesToItsOneMatch) {
  std::string id = server.Create("Patient", PatientWith("one"));
  HttpResponse res = PostBundle(Bundle(
      "transaction",
      {Entry("POST", "Observation", ObservationAbout(std::string("Patient?identifier=") + kSys + "|one"))}));
  ASSERT_EQ(res.status, 200) << res.body;
  auto res_doc = res.Json();
  auto obs = server.Get(TypeAndId(*Entries(res_doc)[0])).Json();
  EXPECT_EQ(json::GetString(*json::Find(obs, "subject"), "reference"), "Patient/" + id);
  EXPECT_EQ(Count("Observation?subject=Patient/" + id), 1);
}

TEST_F(TransactionTest, ConditionalReferenceWithNoOrSeveralMatchesFailsTheWholeTransaction) {
  server.Create("Patient", PatientWith("twin"));
  server.Create("Patient", PatientWith("twin"));
  int before = HistoryTotal();
  for (const auto& [value, status] :
       std::vector<std::pair<std::string, int>>{{"nobody", 404}, {"twin", 412}}) {
    HttpResponse res = PostBundle(Bundle(
        "transaction", {Entry("POST", "Observation", ObservationAbout("Patient/whoever")),
                        Entry("POST", "Observation",
                              ObservationAbout(std::string("Patient?identifier=") + kSys + "|" + value))}));
    EXPECT_EQ(res.status, status) << value << ": " << res.body;
    EXPECT_TRUE(Names(res.Json(), "Bundle.entry[1]")) << res.body;
  }
  EXPECT_EQ(HistoryTotal(), before);
  EXPECT_EQ(Count("Observation"), 0);
}

TEST_F(TransactionTest, TwoEntriesForTheSameResourceAreRejected) {
  std::string existing = server.Create("Patient", PatientWith("dup"));
  std::vector<std::vector<std::string>> bundles = {
      {Entry("PUT", "Patient/twice", PatientWith("x", "twice")),
       Entry("PUT", "Patient/twice", PatientWith("y", "twice"))},
      {Entry("PUT", "Patient/" + existing, PatientWith("dup", existing)),
       Entry("DELETE", "Patient/" + existing)},
      // A conditional delete resolving to the resource another entry updates.
      {Entry("PUT", "Patient/" + existing, PatientWith("dup", existing)),
       Entry("DELETE", std::string("Patient?identifier=") + kSys + "|dup")}};
  for (const auto& entries : bundles) {
    HttpResponse res = PostBundle(Bundle("transaction", entries));
    EXPECT_EQ(res.status, 400) << res.body;
    auto doc = res.Json();
    EXPECT_TRUE(Names(doc, "Bundle.entry[0].request") || Names(doc, "Bundle.entry[1].request")) << res.body;
  }
  EXPECT_EQ(server.Get("Patient/twice").status, 404);
  EXPECT_EQ(server.Get("Patient/" + existing).Header("ETag"), "W/\"1\"");
}

TEST_F(TransactionTest, IfMatchMismatchIs412AndStoresNothing) {
  std::string id = server.Create("Patient", PatientWith("pinned"));
  int before = HistoryTotal();
  HttpResponse res = PostBundle(
      Bundle("transaction",
             {Entry("POST", "Observation", ObservationAbout("Patient/" + id)),
              Entry("PUT", "Patient/" + id, PatientWith("changed", id), "", R"(,"ifMatch":"W/\"2\"")")}));
  EXPECT_EQ(res.status, 412) << res.body;
  EXPECT_TRUE(Names(res.Json(), "Bundle.entry[1]")) << res.body;
  EXPECT_EQ(HistoryTotal(), before);
  EXPECT_EQ(Count("Observation"), 0);
  EXPECT_EQ(server.Get("Patient/" + id).Header("ETag"), "W/\"1\"");
  // The same with the current version goes through.
  res = PostBundle(Bundle("transaction", {Entry("PUT", "Patient/" + id, PatientWith("changed", id), "",
                                                R"(,"ifMatch":"W/\"1\"")")}));
  EXPECT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(server.Get("Patient/" + id).Header("ETag"), "W/\"2\"");
}

// The entries' current versions are read ahead in one store call: a deleted resource, an
// existing one and a new one each get the right next version, and If-Match is checked against them.
TEST_F(TransactionTest, EntriesBuildOnTheCurrentVersionsOfExistingDeletedAndNewResources) {
  ASSERT_EQ(server.Put("Patient/kept", PatientWith("kept", "kept")).status, 201);
  ASSERT_EQ(server.Put("Patient/kept", PatientWith("kept-2", "kept")).status, 200);
  ASSERT_EQ(server.Put("Patient/gone", PatientWith("gone", "gone")).status, 201);
  ASSERT_EQ(server.Delete("Patient/gone").status, 204);  // version 2, a deletion
  ASSERT_EQ(server.Put("Patient/dropped", PatientWith("dropped", "dropped")).status, 201);
  HttpResponse res = PostBundle(Bundle(
      "transaction",
      {Entry("PUT", "Patient/kept", PatientWith("kept-3", "kept"), "", R"(,"ifMatch":"W/\"2\"")"),
       Entry("PUT", "Patient/gone", PatientWith("back", "gone")),
       Entry("PUT", "Patient/fresh", PatientWith("fresh", "fresh")), Entry("DELETE", "Patient/dropped")}));
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = res.Json();
  auto entries = Entries(doc);
  ASSERT_EQ(entries.size(), 4u);
  auto status = [&](size_t i) {
    return std::string(json::GetString(*json::Find(*entries[i], "response"), "status"));
  };
  auto etag = [&](size_t i) {
    return std::string(json::GetString(*json::Find(*entries[i], "response"), "etag"));
  };
  EXPECT_EQ(status(0).substr(0, 3), "200");
  EXPECT_EQ(etag(0), "W/\"3\"");
  EXPECT_EQ(status(1).substr(0, 3), "201");  // back from the deletion: created again
  EXPECT_EQ(etag(1), "W/\"3\"");
  EXPECT_EQ(status(2).substr(0, 3), "201");
  EXPECT_EQ(etag(2), "W/\"1\"");
  EXPECT_EQ(status(3).substr(0, 3), "204");
  EXPECT_EQ(server.Get("Patient/kept").Header("ETag"), "W/\"3\"");
  EXPECT_EQ(server.Get("Patient/gone").Header("ETag"), "W/\"3\"");
  EXPECT_EQ(server.Get("Patient/dropped").status, 410);
  // A stale If-Match among several entries fails all of them.
  res = PostBundle(Bundle("transaction", {Entry("PUT", "Patient/kept", PatientWith("kept-4", "kept"), "",
                                                R"(,"ifMatch":"W/\"2\"")"),
                                          Entry("PUT", "Patient/fresh", PatientWith("fresh-2", "fresh"))}));
  EXPECT_EQ(res.status, 412) << res.body;
  EXPECT_EQ(server.Get("Patient/fresh").Header("ETag"), "W/\"1\"");
}

TEST_F(TransactionTest, AFailureInTheMiddleLeavesTheStoreAsItWas) {
  std::string keep = server.Create("Patient", PatientWith("keep"));
  std::string doomed = server.Create("Patient", PatientWith("doomed"));
  int history_before = HistoryTotal();
  int patients_before = Count("Patient");
  const std::string urn = "urn:uuid:1a2b3c4d-0000-4000-8000-000000000005";
  std::vector<std::string> entries = {
      Entry("DELETE", "Patient/" + doomed),
      Entry("POST", "Patient", PatientWith("new"), urn),
      Entry("PUT", "Patient/" + keep, PatientWith("renamed", keep)),
      Entry("POST", "Patient", R"({"resourceType":"Patient","birthDate":"not-a-date"})"),
      Entry("POST", "Observation", ObservationAbout(urn)),
      Entry("PUT", "Observation/later",
            R"({"resourceType":"Observation","id":"later","status":"final","code":{"text":"x"}})")};
  HttpResponse res = PostBundle(Bundle("transaction", entries));
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_TRUE(Names(res.Json(), "Bundle.entry[3].resource.birthDate")) << res.body;

  EXPECT_EQ(HistoryTotal(), history_before);
  EXPECT_EQ(Count("Patient"), patients_before);
  EXPECT_EQ(Count("Observation"), 0);
  EXPECT_EQ(server.Get("Patient/" + doomed).status, 200);
  EXPECT_EQ(server.Get("Patient/" + keep).Header("ETag"), "W/\"1\"");
  EXPECT_EQ(Count("Patient?identifier=" + std::string(kSys) + "|new"), 0);
  EXPECT_EQ(server.Get("Observation/later").status, 404);
  EXPECT_EQ((*json::Find(server.Get("Patient/" + keep + "/_history").Json(), "total")).GetInt(), 1);
}

TEST_F(TransactionTest, BatchEntriesSucceedOrFailOnTheirOwn) {
  std::string id = server.Create("Patient", PatientWith("batch"));
  HttpResponse res = PostBundle(
      Bundle("batch",
             {Entry("POST", "Patient", PatientWith("b1")),
              Entry("POST", "Patient", R"({"resourceType":"Patient","birthDate":"never"})"),
              Entry("PUT", "Patient/b3", PatientWith("b3", "b3")), Entry("GET", "Patient/does-not-exist"),
              Entry("POST", "Observation", ObservationAbout("urn:uuid:7f000000-0000-4000-8000-000000000006")),
              Entry("PUT", "Patient/" + id, PatientWith("batch", id), "", R"(,"ifMatch":"W/\"9\"")"),
              Entry("GET", "Patient/b3"), Entry("DELETE", "Patient/" + id)}));
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = res.Json();
  EXPECT_EQ(json::GetString(doc, "type"), "batch-response");
  auto entries = Entries(doc);
  ASSERT_EQ(entries.size(), 8u);
  EXPECT_EQ(Status(*entries[0]), "201 Created");
  EXPECT_EQ(Status(*entries[1]), "400 Bad Request");
  const json::Value& outcome = *json::Find(*json::Find(*entries[1], "response"), "outcome");
  EXPECT_EQ(json::GetString(outcome, "resourceType"), "OperationOutcome");
  EXPECT_EQ(Status(*entries[2]), "201 Created");
  EXPECT_EQ(Status(*entries[3]), "404 Not Found");
  EXPECT_EQ(Status(*entries[4]), "400 Bad Request");  // batch entries cannot refer to each other
  EXPECT_EQ(Status(*entries[5]), "412 Precondition Failed");
  EXPECT_EQ(Status(*entries[6]), "200 OK");
  EXPECT_EQ(json::GetString(*json::Find(*entries[6], "resource"), "id"), "b3");
  EXPECT_EQ(Status(*entries[7]), "204 No Content");

  EXPECT_EQ(Count("Patient?identifier=" + std::string(kSys) + "|b1"), 1);
  EXPECT_EQ(server.Get("Patient/b3").status, 200);
  EXPECT_EQ(server.Get("Patient/" + id).status, 410);
  EXPECT_EQ(Count("Observation"), 0);
  EXPECT_EQ(Count("Patient"), 2);  // b1 and b3: the invalid one was not stored, `id` was deleted
}

TEST_F(TransactionTest, MalformedBundlesAreRejectedNamingTheEntry) {
  struct Case {
    std::string body;
    int status;
    std::string expression;
  };
  std::vector<Case> cases = {
      {R"({"resourceType":"Patient"})", 400, "Bundle"},
      {R"({"resourceType":"Bundle","type":"collection","entry":[]})", 400, "Bundle.type"},
      {Bundle("transaction",
              {Entry("POST", "Patient", PatientWith("x")), R"({"resource":{"resourceType":"Patient"}})"}),
       400, "Bundle.entry[1].request"},
      {Bundle("batch", {Entry("POST", "Patient", PatientWith("x")), Entry("FETCH", "Patient")}), 400,
       "Bundle.entry[1].request.method"},
      {Bundle("transaction", {Entry("POST", "Observation", PatientWith("x"))}), 400,
       "Bundle.entry[0].request.url"},
      {Bundle("transaction",
              {Entry("POST", "Patient", PatientWith("x")), Entry("PUT", "Patient/a", PatientWith("x", "b"))}),
       400, "Bundle.entry[1].resource.id"},
      {Bundle("transaction", {Entry("PUT", "Patient", PatientWith("x"))}), 400,
       "Bundle.entry[0].request.url"},
      {Bundle("transaction", {Entry("POST", "Nonsense", R"({"resourceType":"Nonsense"})")}), 400,
       "Bundle.entry[0].request.url"},
      {Bundle("transaction", {Entry("POST", "Observation",
                                    ObservationAbout("urn:uuid:00000000-0000-4000-8000-00000000dead"))}),
       400, "Bundle.entry[0].resource"},
      {Bundle("transaction", {Entry("PATCH", "Patient/a", "")}), 400, "Bundle.entry[0].resource"},
      {Bundle("transaction", {Entry("PATCH", "Patient/a", PatientWith("x"))}), 400,
       "Bundle.entry[0].resource"},
      {Bundle("transaction", {Entry("PUT", "Patient?_count=1", PatientWith("x"))}), 400,
       "Bundle.entry[0].request"},
      {Bundle("transaction", {Entry("POST", "Patient")}), 400, "Bundle.entry[0].resource"},
      {Bundle("transaction", {Entry("PUT", "Patient/a", PatientWith("x", "a"), "", R"(,"ifMatch":"three")")}),
       400, "Bundle.entry[0].request.ifMatch"},
  };
  for (const Case& c : cases) {
    HttpResponse res = PostBundle(c.body);
    EXPECT_EQ(res.status, c.status) << c.body << " -> " << res.body;
    auto doc = res.Json();
    EXPECT_EQ(json::GetString(doc, "resourceType"), "OperationOutcome") << res.body;
    EXPECT_TRUE(Names(doc, c.expression))
        << "expected " << c.expression << " for " << c.body << " -> " << res.body;
  }
  EXPECT_EQ(HistoryTotal(), 0);
  EXPECT_EQ(server.Post("", "not json").status, 400);
}

TEST_F(TransactionTest, PreferReturnShapesTheResponseEntriesAsForSingleInteractions) {
  std::string bundle = Bundle("transaction", {Entry("POST", "Patient", PatientWith("pref"))});
  auto entry_of = [&](const std::string& prefer) {
    HttpResponse res = PostBundle(bundle, {{"Prefer", prefer}});
    EXPECT_EQ(res.status, 200) << res.body;
    json::Document doc = res.Json();
    json::Document copy;
    copy.CopyFrom((*json::Find(doc, "entry"))[0], copy.GetAllocator());
    return copy;
  };
  auto minimal = entry_of("return=minimal");
  EXPECT_EQ(json::Find(minimal, "resource"), nullptr);
  EXPECT_FALSE(json::GetString(*json::Find(minimal, "response"), "location").empty());
  auto representation = entry_of("return=representation");
  EXPECT_EQ(json::GetString(*json::Find(representation, "resource"), "resourceType"), "Patient");
  auto outcome = entry_of("return=OperationOutcome");
  EXPECT_EQ(json::Find(outcome, "resource"), nullptr);
  EXPECT_EQ(json::GetString(*json::Find(*json::Find(outcome, "response"), "outcome"), "resourceType"),
            "OperationOutcome");
}

TEST_F(TransactionTest, ConcurrentTransactionsOnOneResourceAreAllOrNothing) {
  ASSERT_EQ(server.Put("Patient/shared", PatientWith("shared", "shared")).status, 201);
  std::atomic<int> committed{0}, conflicts{0}, other{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        std::string tag = std::to_string(t) + "-" + std::to_string(i);
        HttpResponse res = PostBundle(
            Bundle("transaction", {Entry("PUT", "Patient/shared", PatientWith("shared-" + tag, "shared")),
                                   Entry("POST", "Observation", ObservationAbout("Patient/shared", tag))}));
        ++(res.status == 200 ? committed : res.status == 409 ? conflicts : other);
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(committed.load(), 0);
  // Every committed transaction wrote both its entries; a transaction given up on wrote neither.
  EXPECT_EQ(server.Get("Patient/shared").Header("ETag"),
            "W/\"" + std::to_string(1 + committed.load()) + "\"");
  EXPECT_EQ(Count("Observation"), committed.load());
}

TEST_F(TransactionTest, HeadAndConditionalReadEntries) {
  std::string id = server.Create("Patient", PatientWith("head"));
  HttpResponse res =
      PostBundle(Bundle("batch", {Entry("HEAD", "Patient/" + id),
                                  Entry("GET", "Patient/" + id, "", "", R"(,"ifNoneMatch":"W/\"1\"")"),
                                  Entry("GET", "Patient/" + id, "", "", R"(,"ifNoneMatch":"W/\"0\"")")}));
  ASSERT_EQ(res.status, 200) << res.body;
  auto entries_doc = res.Json();
  auto entries = Entries(entries_doc);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(Status(*entries[0]), "200 OK");
  EXPECT_EQ(json::Find(*entries[0], "resource"), nullptr);
  EXPECT_EQ(json::GetString(*json::Find(*entries[0], "response"), "etag"), "W/\"1\"");
  EXPECT_EQ(Status(*entries[1]), "304 Not Modified");
  EXPECT_EQ(Status(*entries[2]), "200 OK");
  EXPECT_EQ(json::GetString(*json::Find(*entries[2], "resource"), "id"), id);
}

TEST_F(TransactionTest, CapabilityStatementDeclaresBatchAndTransaction) {
  auto doc = server.Get("metadata").Json();
  std::set<std::string> codes;
  for (const auto& i : (*json::Find((*json::Find(doc, "rest"))[0], "interaction")).GetArray()) {
    codes.insert(std::string(json::GetString(i, "code")));
  }
  EXPECT_TRUE(codes.contains("transaction"));
  EXPECT_TRUE(codes.contains("batch"));
}

// ../shared/data/synthea/bundles, found from the working directory upwards.
std::filesystem::path SyntheaBundles() {
  if (const char* dir = std::getenv("KILN_SHARED_DIR"); dir != nullptr && *dir != '\0') {
    return std::filesystem::path(dir) / "data/synthea/bundles";
  }
  for (auto p = std::filesystem::current_path(); !p.empty(); p = p.parent_path()) {
    if (std::filesystem::is_directory(p / "shared/data/synthea/bundles"))
      return p / "shared/data/synthea/bundles";
    if (p == p.parent_path()) break;
  }
  return {};
}

TEST_F(TransactionTest, SyntheaPatientBundleAsATransaction) {
  std::filesystem::path dir = SyntheaBundles();
  if (dir.empty()) {
    GTEST_SKIP() << "SKIPPED: shared/data/synthea/bundles not found (set KILN_SHARED_DIR); the Synthea "
                    "transaction test did not run";
  }
  std::filesystem::path file;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    std::string name = f.path().filename().string();
    if (name.find("Information") == std::string::npos && (file.empty() || name < file.filename().string())) {
      file = f.path();
    }
  }
  ASSERT_FALSE(file.empty());
  std::stringstream buf;
  buf << std::ifstream(file).rdbuf();
  std::string text = buf.str();
  auto source = json::Parse(text);
  ASSERT_TRUE(source) << file;
  std::map<std::string, int> expected;
  size_t entry_count = (*json::Find(*source, "entry")).Size();
  for (const auto& e : (*json::Find(*source, "entry")).GetArray()) {
    ++expected[std::string(json::GetString(*json::Find(e, "resource"), "resourceType"))];
  }
  size_t type_at = text.find("\"type\": \"batch\"");
  ASSERT_NE(type_at, std::string::npos);
  text.replace(type_at, 15, "\"type\": \"transaction\"");

  HttpResponse res = PostBundle(text, {{"Prefer", "return=minimal"}});
  ASSERT_EQ(res.status, 200) << res.body.substr(0, 2000);
  auto entries_doc = res.Json();
  auto entries = Entries(entries_doc);
  ASSERT_EQ(entries.size(), entry_count);
  std::string patient;
  for (const json::Value* e : entries) {
    EXPECT_EQ(Status(*e), "201 Created");
    if (TypeAndId(*e).starts_with("Patient/")) patient = TypeAndId(*e);
  }
  ASSERT_FALSE(patient.empty());
  for (const auto& [type, n] : expected) EXPECT_EQ(Count(type), n) << type;
  // Everything about the patient points at the stored Patient, not at its urn:uuid.
  ASSERT_GT(expected["Encounter"], 0);
  EXPECT_EQ(Count("Encounter?subject=" + patient), expected["Encounter"]);
  HttpResponse encounters = server.Get("Encounter?_count=1000");
  EXPECT_EQ(encounters.body.find(R"("reference":"urn:uuid:)"), std::string::npos);
}

// PATCH entries (hl7.org/fhir/R4/http.html#transaction): a FHIRPath Patch as a Parameters
// resource, a JSON Patch as a Binary; processed with the updates, and all or nothing.
TEST_F(TransactionTest, PatchEntriesApplyFhirPathAndJsonPatches) {
  std::string a = server.Create("Patient", PatientWith("pa"));
  std::string b = server.Create("Patient", PatientWith("pb"));
  std::string fhirpath_patch =
      R"({"resourceType":"Parameters","parameter":[{"name":"operation","part":[)"
      R"({"name":"type","valueCode":"add"},{"name":"path","valueString":"Patient"},)"
      R"({"name":"name","valueString":"birthDate"},{"name":"value","valueDate":"1980-02-03"}]}]})";
  // [{"op":"add","path":"/gender","value":"female"}]
  std::string json_patch = R"({"resourceType":"Binary","contentType":"application/json-patch+json",)"
                           R"("data":"W3sib3AiOiJhZGQiLCJwYXRoIjoiL2dlbmRlciIsInZhbHVlIjoiZmVtYWxlIn1d"})";
  HttpResponse res = PostBundle(
      Bundle("transaction", {Entry("PATCH", "Patient/" + a, fhirpath_patch, "", R"(,"ifMatch":"W/\"1\"")"),
                             Entry("PATCH", "Patient?identifier=" + std::string(kSys) + "|pb", json_patch)}));
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = res.Json();
  auto entries = Entries(doc);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(Status(*entries[0]), "200 OK");
  EXPECT_EQ(json::GetString(*json::Find(*entries[0], "response"), "etag"), "W/\"2\"");
  EXPECT_EQ(json::GetString(*json::Find(*entries[1], "response"), "etag"), "W/\"2\"");
  EXPECT_EQ(json::GetString(server.Get("Patient/" + a).Json(), "birthDate"), "1980-02-03");
  EXPECT_EQ(json::GetString(server.Get("Patient/" + b).Json(), "gender"), "female");
  EXPECT_EQ(Count("Patient?gender=female"), 1) << "the patched version is indexed";
  auto history = server.Get("Patient/" + a + "/_history").Json();
  EXPECT_EQ(json::GetString(*json::Find((*json::Find(history, "entry"))[0], "request"), "method"), "PATCH");
}

TEST_F(TransactionTest, AFailingPatchEntryFailsTheTransactionAndABatchEntryAlone) {
  std::string a = server.Create("Patient", PatientWith("pa"));
  // [{"op":"test","path":"/gender","value":"male"}]: there is no gender, so the test fails (422).
  std::string failing = R"({"resourceType":"Binary","contentType":"application/json-patch+json",)"
                        R"("data":"W3sib3AiOiJ0ZXN0IiwicGF0aCI6Ii9nZW5kZXIiLCJ2YWx1ZSI6Im1hbGUifV0="})";
  int before = Count("Patient");
  HttpResponse tx = PostBundle(Bundle("transaction", {Entry("POST", "Patient", PatientWith("new")),
                                                      Entry("PATCH", "Patient/" + a, failing)}));
  EXPECT_EQ(tx.status, 422) << tx.body;
  EXPECT_EQ(Count("Patient"), before) << "nothing of the transaction is stored";
  EXPECT_EQ(json::GetString(*json::Find(server.Get("Patient/" + a).Json(), "meta"), "versionId"), "1");

  HttpResponse batch = PostBundle(
      Bundle("batch", {Entry("POST", "Patient", PatientWith("new")), Entry("PATCH", "Patient/" + a, failing),
                       Entry("PATCH", "Patient/does-not-exist", failing)}));
  ASSERT_EQ(batch.status, 200) << batch.body;
  auto doc = batch.Json();
  auto entries = Entries(doc);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(Status(*entries[0]), "201 Created");
  EXPECT_EQ(Status(*entries[1]).substr(0, 3), "422");
  EXPECT_EQ(Status(*entries[2]).substr(0, 3), "404");
  EXPECT_EQ(Count("Patient"), before + 1);
}

}  // namespace
}  // namespace kiln::testing
