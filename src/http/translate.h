// Between Beast's HTTP messages and rest::Request / rest::Response. Private to src/http/.
#pragma once

#include <boost/beast/http.hpp>

#include <optional>
#include <string>

#include "http/server.h"
#include "rest/rest.h"

namespace kiln::http {

// nullopt when the target is not below options.base_path. `seq` numbers the request for its id
// when the client did not send X-Request-Id.
std::optional<rest::Request> ToRestRequest(
    const boost::beast::http::request<boost::beast::http::string_body>& raw, const ServerOptions& options,
    uint64_t seq);

// auth: a request outside the FHIR base, relative to the server root ("auth/token"), with the
// root's URL as its base_url (--base-url without the FHIR base path, or http://{Host}).
std::optional<rest::Request> ToRootRequest(
    const boost::beast::http::request<boost::beast::http::string_body>& raw, const ServerOptions& options,
    uint64_t seq);

boost::beast::http::response<boost::beast::http::string_body> ToBeastResponse(rest::Response res,
                                                                              unsigned version,
                                                                              bool keep_alive, bool head,
                                                                              const std::string& request_id);

}  // namespace kiln::http
