#include "http/translate.h"

#include "core/text.h"

#include <cctype>
#include <cstdio>
#include <filesystem>

namespace kiln::http {

namespace bhttp = boost::beast::http;

namespace {

// Tenants addressed by path live below "/t/{tenant}".
constexpr std::string_view kTenantPrefix = "/t";

// What follows `prefix` in `path` ("" for the prefix itself, else starting with '/'), or nullopt
// when `path` is neither `prefix` nor below it.
std::optional<std::string_view> Below(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return std::nullopt;
  path.remove_prefix(prefix.size());
  if (!path.empty() && path[0] != '/') return std::nullopt;
  return path;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The tenant that a Host header names below `domain` ("jane" for "Jane.example.org:8443" under
// "example.org"), or nullopt for any other host.
std::optional<std::string> HostTenant(std::string_view host, std::string_view domain) {
  if (domain.empty()) return std::nullopt;
  if (size_t colon = host.rfind(':');
      colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos)
    host = host.substr(0, colon);
  std::string name = Lower(host);
  std::string suffix = "." + Lower(domain);
  if (name.size() <= suffix.size() || !name.ends_with(suffix)) return std::nullopt;
  name.resize(name.size() - suffix.size());
  return name;
}

// The base of the API a request addresses: every absolute URL the server writes (fullUrl,
// Location, paging links, the CapabilityStatement's implementation.url) starts with it.
//   default tenant   {origin}{base_path}, or --base-url as given
//   tenant by path   {origin}/t/{tenant}{base_path}
//   tenant by host   {scheme}://{Host}{base_path}
//   admin API        {origin}{admin_path}
// {origin} is --base-url without its base_path, or http://{Host}; {scheme} that of --base-url.
std::string BaseUrl(std::string_view host, const ServerOptions& o, Endpoint endpoint, bool by_host,
                    std::string_view tenant_path) {
  std::string_view pub = o.public_base_url;
  if (host.empty()) host = "localhost";
  if (by_host) {
    size_t scheme = pub.find("://");
    return std::string(scheme == std::string_view::npos ? "http" : pub.substr(0, scheme)) + "://" +
           std::string(host) + o.base_path;
  }
  if (endpoint == Endpoint::kFhir && tenant_path.empty() && !pub.empty()) return std::string(pub);
  std::string origin;
  if (pub.empty()) {
    origin = "http://" + std::string(host);
  } else {
    origin = pub.ends_with(o.base_path) ? pub.substr(0, pub.size() - o.base_path.size()) : pub;
  }
  return origin + std::string(tenant_path) + (endpoint == Endpoint::kAdmin ? o.admin_path : o.base_path);
}

}  // namespace

std::optional<RoutedRequest> ToRestRequest(const bhttp::request<bhttp::string_body>& raw,
                                           const ServerOptions& options, uint64_t seq) {
  std::string_view target = raw.target();
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view host = raw[bhttp::field::host];
  std::optional<std::string> host_tenant = HostTenant(host, options.domain);
  // The default tenant is served at the base alone, never under a name of its own.
  auto is_default = [](std::string_view name) { return name == store::DefaultTenant().value; };
  if (host_tenant && is_default(*host_tenant)) return std::nullopt;

  RoutedRequest routed;
  rest::Request& req = routed.request;
  std::string tenant_path;  // "/t/{tenant}" when the path names the tenant
  std::optional<std::string_view> below;
  if ((below = Below(path, options.base_path))) {
    if (host_tenant) req.tenant = store::TenantId{*host_tenant};
  } else if (auto t = Below(path, kTenantPrefix); t && !host_tenant && t->size() > 1) {
    std::string_view name = t->substr(1, t->find('/', 1) - 1);
    below = Below(t->substr(1 + name.size()), options.base_path);
    std::string decoded = UrlDecode(name, false);
    if (!below || decoded.empty() || is_default(decoded)) return std::nullopt;
    req.tenant = store::TenantId{std::move(decoded)};
    tenant_path = std::string(kTenantPrefix) + "/" + std::string(name);
  } else if (!options.admin_path.empty() && !host_tenant && (below = Below(path, options.admin_path))) {
    routed.endpoint = Endpoint::kAdmin;
  } else {
    return std::nullopt;
  }

  req.method = std::string(raw.method_string());
  req.path = UrlDecode(below->substr(std::min<size_t>(below->size(), 1)), false);
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
  req.base_url = BaseUrl(host, options, routed.endpoint, host_tenant.has_value(), tenant_path);
  std::string_view rid = req.Header("X-Request-Id");
  if (!rid.empty() && rid.size() <= 128) {
    req.request_id = std::string(rid);
  } else {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(seq));
    req.request_id = buf;
  }
  return routed;
}

std::optional<RoutedRequest> ToRootRequest(const bhttp::request<bhttp::string_body>& raw,
                                           const ServerOptions& options, uint64_t seq) {
  // The same translation, with the root as the base.
  ServerOptions root = options;
  root.base_path.clear();
  if (std::string_view pub = options.public_base_url; pub.ends_with(options.base_path)) {
    root.public_base_url = std::string(pub.substr(0, pub.size() - options.base_path.size()));
  }
  return ToRestRequest(raw, root, seq);
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
