// HTTP protocol behaviour: content negotiation, body limits, methods, routes, Binary, and the
// CapabilityStatement.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "support/test_server.h"

namespace kiln::testing {
namespace {

class ProtocolTest : public ::testing::Test {
 protected:
  TestServer server{ServerOptionsForTest{.max_body_bytes = 4096}};
};

TEST_F(ProtocolTest, BodyOverTheLimitIs413) {
  std::string big = R"({"resourceType":"Patient","name":[{"family":")" + std::string(5000, 'x') + "\"}]}";
  HttpResponse res = server.Post("Patient", big);
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(IssueCodes(res.Json()), std::vector<std::string>{"too-long"});
}

TEST_F(ProtocolTest, WrongContentTypeIs415) {
  HttpResponse res =
      server.Post("Patient", R"({"resourceType":"Patient"})", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(res.status, 415);
  EXPECT_EQ(json::GetString(res.Json(), "resourceType"), "OperationOutcome");
  EXPECT_EQ(server.Post("Patient", "<Patient/>", {{"Content-Type", "application/fhir+xml"}}).status, 415);
  EXPECT_EQ(
      server.Post("Patient", R"({"resourceType":"Patient"})", {{"Content-Type", "application/json"}}).status,
      201);
}

TEST_F(ProtocolTest, UnsupportedMethodIs405WithAllow) {
  HttpResponse res = server.Request("PATCH", "Patient/_history");
  EXPECT_EQ(res.status, 405);
  EXPECT_FALSE(res.Header("Allow").empty());
  EXPECT_EQ(json::GetString(res.Json(), "resourceType"), "OperationOutcome");
  EXPECT_EQ(server.Request("POST", "metadata", "{}").status, 405);
}

TEST_F(ProtocolTest, UnknownRoutesAre404) {
  EXPECT_EQ(server.Get("Patient/1/foo").status, 404);
  EXPECT_EQ(server.Get("nothing-here").status, 404);
  HttpResponse outside = Send(server.port(), "GET", "/elsewhere");
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(json::GetString(outside.Json(), "resourceType"), "OperationOutcome");
}

TEST_F(ProtocolTest, FormatNegotiation) {
  std::string id = server.Create("Patient", R"({"resourceType":"Patient"})");
  EXPECT_EQ(server.Get("Patient/" + id + "?_format=xml").status, 406);
  EXPECT_EQ(server.Get("Patient/" + id, {{"Accept", "application/fhir+xml"}}).status, 406);
  HttpResponse json = server.Get("Patient/" + id + "?_format=json");
  EXPECT_EQ(json.status, 200);
  HttpResponse plain = server.Get("Patient/" + id, {{"Accept", "application/json"}});
  EXPECT_EQ(plain.Header("Content-Type"), "application/json; charset=utf-8");
  HttpResponse fhir = server.Get("Patient/" + id, {{"Accept", "application/fhir+json;q=0.9, */*;q=0.1"}});
  EXPECT_EQ(fhir.Header("Content-Type"), "application/fhir+json; charset=utf-8");
  HttpResponse pretty = server.Get("Patient/" + id + "?_pretty=true");
  EXPECT_NE(pretty.body.find("\n  \"id\": "), std::string::npos) << pretty.body;
  EXPECT_EQ(server.Get("Patient/" + id).body.find('\n'), std::string::npos);
}

TEST_F(ProtocolTest, CapabilityStatementListsEveryResourceType) {
  HttpResponse res = server.Get("metadata");
  ASSERT_EQ(res.status, 200);
  auto doc = res.Json();
  EXPECT_EQ(json::GetString(doc, "resourceType"), "CapabilityStatement");
  EXPECT_EQ(json::GetString(doc, "fhirVersion"), "4.0.1");
  const json::Value& rest = (*json::Find(doc, "rest"))[0];
  const json::Value& resources = *json::Find(rest, "resource");
  EXPECT_EQ(resources.Size(), 146u);
  bool has_patient = false;
  for (const auto& r : resources.GetArray()) {
    if (json::GetString(r, "type") == "Patient") {
      has_patient = true;
      EXPECT_EQ(json::GetString(r, "versioning"), "versioned");
      EXPECT_GE((*json::Find(r, "interaction")).Size(), 8u);
    }
  }
  EXPECT_TRUE(has_patient);
}

TEST_F(ProtocolTest, RawBinaryRoundTrip) {
  std::string bytes("\x89PNG\r\n\x1a\n\0\x01\x02", 11);
  HttpResponse created = server.Post("Binary", bytes, {{"Content-Type", "image/png"}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto doc = created.Json();
  EXPECT_EQ(json::GetString(doc, "contentType"), "image/png");
  std::string id(json::GetString(doc, "id"));
  HttpResponse raw = server.Get("Binary/" + id, {{"Accept", "image/png"}});
  EXPECT_EQ(raw.status, 200);
  EXPECT_EQ(raw.Header("Content-Type"), "image/png");
  EXPECT_EQ(raw.body, bytes);
  HttpResponse as_fhir = server.Get("Binary/" + id, {{"Accept", "application/fhir+json"}});
  EXPECT_EQ(json::GetString(as_fhir.Json(), "resourceType"), "Binary");
  EXPECT_EQ(server.Put("Binary/b1", "hello", {{"Content-Type", "text/plain"}}).status, 201);
  EXPECT_EQ(server.Get("Binary/b1", {{"Accept", "text/plain"}}).body, "hello");
}

TEST_F(ProtocolTest, RequestIdIsEchoed) {
  HttpResponse res = server.Get("metadata", {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(res.Header("X-Request-Id"), "abc-123");
  EXPECT_FALSE(server.Get("metadata").Header("X-Request-Id").empty());
}

// Large bodies are read in large pieces, and the buffer is given back after each request: neither
// may lose the bytes of the next request that a client sent on the same connection behind it.
TEST(KeepAliveTest, LargeBodiesAndThePipelinedRequestsBehindThem) {
  namespace beast = boost::beast;
  namespace bhttp = beast::http;
  TestServer server;
  std::string first(300 * 1024, 'a'), second(200 * 1024 + 7, 'b');
  for (size_t i = 0; i < first.size(); i += 1000) first[i] = static_cast<char>('0' + i % 10);
  std::string wire;
  auto add = [&](bhttp::verb method, const std::string& target, const std::string& body) {
    bhttp::request<bhttp::string_body> req{method, "/fhir/" + target, 11};
    req.set(bhttp::field::host, "localhost");
    if (method == bhttp::verb::put) req.set(bhttp::field::content_type, "text/plain");
    if (method == bhttp::verb::get) req.set(bhttp::field::accept, "text/plain");
    req.body() = body;
    req.prepare_payload();
    std::ostringstream out;
    out << req;
    wire += out.str();
  };
  add(bhttp::verb::put, "Binary/big1", first);
  add(bhttp::verb::get, "Binary/big1", "");
  add(bhttp::verb::put, "Binary/big2", second);
  add(bhttp::verb::get, "Binary/big2", "");
  add(bhttp::verb::get, "Binary/big1", "");

  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(server.port())});
  boost::asio::write(stream, boost::asio::buffer(wire));  // all five at once, one connection
  beast::flat_buffer buffer;
  std::vector<std::pair<int, std::string>> answers;
  for (int i = 0; i < 5; ++i) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1 << 20);
    bhttp::read(stream, buffer, parser);
    answers.emplace_back(parser.get().result_int(), parser.get().body());
  }
  EXPECT_EQ(answers[0].first, 201);
  EXPECT_EQ(answers[1], std::make_pair(200, first));
  EXPECT_EQ(answers[2].first, 201);
  EXPECT_EQ(answers[3], std::make_pair(200, second));
  EXPECT_EQ(answers[4], std::make_pair(200, first));
}

}  // namespace
}  // namespace kiln::testing
