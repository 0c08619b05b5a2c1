// Between Beast's HTTP messages and rest::Request / rest::Response. Private to src/http/.
#pragma once

#include <boost/beast/http.hpp>

#include <optional>
#include <string>

#include "http/file_body.h"
#include "http/server.h"
#include "rest/rest.h"

namespace kiln::http {

// Which of the server's APIs a request addresses.
enum class Endpoint { kFhir, kAdmin };

struct RoutedRequest {
  Endpoint endpoint = Endpoint::kFhir;
  rest::Request request;  // with its tenant, and that tenant's base URL
};

// Finds the API and tenant a request addresses (docs/tenants.md): "{base_path}/..." is the
// default tenant, or tenant T on host "T.{domain}"; "/t/T{base_path}/..." is tenant T;
// "{admin_path}/..." is the admin API. nullopt for any other target, and for a tenant's host
// with anything but its FHIR base. `seq` numbers the request for its id when the client did not
// send X-Request-Id.
std::optional<RoutedRequest> ToRestRequest(
    const boost::beast::http::request<boost::beast::http::string_body>& raw, const ServerOptions& options,
    uint64_t seq);

// auth: a request outside the FHIR base, relative to the server root ("auth/token"), with the
// root's URL as its base_url (--base-url without the FHIR base path, or http://{Host}).
std::optional<RoutedRequest> ToRootRequest(
    const boost::beast::http::request<boost::beast::http::string_body>& raw, const ServerOptions& options,
    uint64_t seq);

// A response with its body in memory. For HEAD, only the length of the body (or of body_file).
boost::beast::http::response<boost::beast::http::string_body> ToBeastResponse(rest::Response res,
                                                                              unsigned version,
                                                                              bool keep_alive, bool head,
                                                                              const std::string& request_id);
// A response whose body is `res.body_file`, read from disk while it is sent; kNotFound when the
// file cannot be opened (it was removed since the handler answered).
Result<boost::beast::http::response<FileBody>> ToBeastFileResponse(rest::Response res, unsigned version,
                                                                   bool keep_alive,
                                                                   const std::string& request_id);

}  // namespace kiln::http
