#include "http/translate.h"

#include "core/text.h"

#include <cstdio>
#include <filesystem>

namespace kiln::http {

namespace bhttp = boost::beast::http;

std::optional<rest::Request> ToRestRequest(const bhttp::request<bhttp::string_body>& raw,
                                           const ServerOptions& options, uint64_t seq) {
  std::string_view target = raw.target();
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view base = options.base_path;
  if (!path.starts_with(base) || (path.size() > base.size() && path[base.size()] != '/')) return std::nullopt;

  rest::Request req;
  req.method = std::string(raw.method_string());
  req.path = UrlDecode(path.substr(std::min(path.size(), base.size() + 1)), false);
  while (!req.path.empty() && req.path.back() == '/') req.path.pop_back();
  if (q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
      size_t amp = query.find('&');
      std::string_view part = query.substr(0, amp);
      if (!part.empty()) {
        size_t eq = part.find('=');
        req.query.emplace_back(
            UrlDecode(part.substr(0, eq), true),
            eq == std::string_view::npos ? std::string() : UrlDecode(part.substr(eq + 1), true));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  for (const auto& field : raw) {
    req.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  req.body = raw.body();
  if (!options.public_base_url.empty()) {
    req.base_url = options.public_base_url;
  } else {
    std::string_view host = raw[bhttp::field::host];
    req.base_url = "http://" + std::string(host.empty() ? "localhost" : host) + std::string(base);
  }
  std::string_view rid = req.Header("X-Request-Id");
  if (!rid.empty() && rid.size() <= 128) {
    req.request_id = std::string(rid);
  } else {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(seq));
    req.request_id = buf;
  }
  return req;
}

namespace {

template <class Body>
bhttp::response<Body> WithFields(const rest::Response& res, unsigned version, bool keep_alive,
                                 const std::string& request_id) {
  bhttp::response<Body> out{static_cast<bhttp::status>(res.status), version};
  out.set(bhttp::field::server, "Kiln");
  out.set("X-Request-Id", request_id);
  for (const auto& h : res.headers) out.set(h.name, h.value);
  if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
  out.keep_alive(keep_alive);
  return out;
}

}  // namespace

bhttp::response<bhttp::string_body> ToBeastResponse(rest::Response res, unsigned version, bool keep_alive,
                                                    bool head, const std::string& request_id) {
  auto out = WithFields<bhttp::string_body>(res, version, keep_alive, request_id);
  size_t length = res.body.size();
  if (!res.body_file.empty()) {
    std::error_code ec;
    length = static_cast<size_t>(std::filesystem::file_size(res.body_file, ec));
    if (ec) length = 0;
  }
  if (!head) out.body() = std::move(res.body);
  out.prepare_payload();
  if (head) out.content_length(length);
  return out;
}

Result<bhttp::response<FileBody>> ToBeastFileResponse(rest::Response res, unsigned version, bool keep_alive,
                                                      const std::string& request_id) {
  auto out = WithFields<FileBody>(res, version, keep_alive, request_id);
  boost::beast::error_code ec;
  out.body().open(res.body_file.c_str(), ec);
  if (ec) return Error::Make(Issue::kNotFound, "The file is no longer available");
  out.prepare_payload();
  return out;
}

}  // namespace kiln::http
