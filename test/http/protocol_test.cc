// HTTP protocol behaviour: content negotiation, body limits, methods, routes, Binary, the
// CapabilityStatement, and bodies on keep-alive connections (pipelined, chunked).
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <sstream>
#include <thread>

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

namespace beast = boost::beast;
namespace bhttp = beast::http;

// Sends `wire` (one or more requests, as bytes) on one connection, written while the answers are
// read so that neither side waits on the other's full buffers; the first `count` answers, as
// (status, body).
std::vector<std::pair<int, std::string>> Exchange(int port, const std::string& wire, int count) {
  boost::asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
  // Written through the descriptor itself: an asio socket is not to be used by two threads.
  int fd = stream.socket().native_handle();
  std::thread writer([fd, &wire] {
    for (size_t at = 0; at < wire.size();) {
      ssize_t n = ::send(fd, wire.data() + at, wire.size() - at, MSG_NOSIGNAL);
      if (n <= 0) return;  // the server closed the connection (after a 413)
      at += static_cast<size_t>(n);
    }
  });
  std::vector<std::pair<int, std::string>> answers;
  beast::flat_buffer buffer;
  for (int i = 0; i < count; ++i) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1 << 20);
    beast::error_code ec;
    bhttp::read(stream, buffer, parser, ec);
    if (ec) break;
    answers.emplace_back(parser.get().result_int(), parser.get().body());
  }
  writer.join();
  return answers;
}

std::string RequestBytes(bhttp::verb method, const std::string& target, const std::string& body) {
  bhttp::request<bhttp::string_body> req{method, "/fhir/" + target, 11};
  req.set(bhttp::field::host, "localhost");
  if (method == bhttp::verb::put) req.set(bhttp::field::content_type, "text/plain");
  if (method == bhttp::verb::get) req.set(bhttp::field::accept, "text/plain");
  req.body() = body;
  req.prepare_payload();
  std::ostringstream out;
  out << req;
  return out.str();
}

// A PUT of `body` as Binary/<id> in chunked transfer coding, in pieces of `piece` bytes.
std::string ChunkedPut(const std::string& id, const std::string& body, size_t piece) {
  std::ostringstream out;
  out << "PUT /fhir/Binary/" << id << " HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\n"
      << "Transfer-Encoding: chunked\r\n\r\n";
  for (size_t at = 0; at < body.size(); at += piece) {
    std::string part = body.substr(at, piece);
    out << std::hex << part.size() << "\r\n" << part << "\r\n";
  }
  out << "0\r\n\r\n";
  return out.str();
}

// Large bodies are read in large pieces, and the buffer is given back after each request: neither
// may lose the bytes of the next request that a client sent on the same connection behind it.
TEST(KeepAliveTest, LargeBodiesAndThePipelinedRequestsBehindThem) {
  TestServer server;
  std::string first(300 * 1024, 'a'), second(200 * 1024 + 7, 'b');
  for (size_t i = 0; i < first.size(); i += 1000) first[i] = static_cast<char>('0' + i % 10);
  std::string wire = RequestBytes(bhttp::verb::put, "Binary/big1", first) +
                     RequestBytes(bhttp::verb::get, "Binary/big1", "") +
                     RequestBytes(bhttp::verb::put, "Binary/big2", second) +
                     RequestBytes(bhttp::verb::get, "Binary/big2", "") +
                     RequestBytes(bhttp::verb::get, "Binary/big1", "");
  auto answers = Exchange(server.port(), wire, 5);  // all five at once, one connection
  ASSERT_EQ(answers.size(), 5u);
  EXPECT_EQ(answers[0].first, 201);
  EXPECT_EQ(answers[1], std::make_pair(200, first));
  EXPECT_EQ(answers[2].first, 201);
  EXPECT_EQ(answers[3], std::make_pair(200, second));
  EXPECT_EQ(answers[4], std::make_pair(200, first));
}

// A body in chunked transfer coding (no Content-Length) is read whole, small chunks and large,
// and one over the limit is refused with a 413 OperationOutcome.
TEST(KeepAliveTest, ChunkedBodies) {
  TestServer server;
  std::string body(150 * 1024 + 3, 'c');
  for (size_t i = 0; i < body.size(); i += 777) body[i] = static_cast<char>('a' + i % 26);
  auto answers =
      Exchange(server.port(),
               ChunkedPut("ch1", body, 100) + RequestBytes(bhttp::verb::get, "Binary/ch1", "") +
                   ChunkedPut("ch2", body, 70000) + RequestBytes(bhttp::verb::get, "Binary/ch2", ""),
               4);
  ASSERT_EQ(answers.size(), 4u);
  EXPECT_EQ(answers[0].first, 201) << answers[0].second;
  EXPECT_EQ(answers[1], std::make_pair(200, body));
  EXPECT_EQ(answers[2].first, 201) << answers[2].second;
  EXPECT_EQ(answers[3], std::make_pair(200, body));

  TestServer limited{ServerOptionsForTest{.max_body_bytes = 4096}};
  auto refused = Exchange(limited.port(), ChunkedPut("big", std::string(5000, 'x'), 1000), 1);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].first, 413);
  EXPECT_NE(refused[0].second.find("too-long"), std::string::npos) << refused[0].second;
  EXPECT_EQ(limited.Get("Binary/big").status, 404);
}

}  // namespace
}  // namespace kiln::testing
