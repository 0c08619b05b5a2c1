#include "auth/remote_jwks.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/log.h"

namespace kiln::auth {

namespace {

constexpr Micros kSecond = 1'000'000;
constexpr Micros kDefaultLifetime = 300 * kSecond;
constexpr Micros kMinLifetime = 60 * kSecond;
constexpr Micros kMaxLifetime = 86'400 * kSecond;
constexpr size_t kMaxBody = 256 * 1024;  // a JWKS is a few keys: anything bigger is not one
constexpr long kTimeoutMs = 5000;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

struct Fetched {
  long status = 0;
  std::string body;
  std::string cache_control;
  bool too_big = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* f = static_cast<Fetched*>(user);
  size_t n = size * count;
  if (f->body.size() + n > kMaxBody) {
    f->too_big = true;
    return 0;  // aborts the transfer
  }
  f->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* f = static_cast<Fetched*>(user);
  std::string_view line(data, size * count);
  if (size_t colon = line.find(':'); colon != line.npos && Lower(line.substr(0, colon)) == "cache-control")
    f->cache_control = Lower(line.substr(colon + 1));
  return size * count;
}

// How long a fetched set is kept: its max-age, within [kMinLifetime, kMaxLifetime].
Micros Lifetime(const std::string& cache_control) {
  if (cache_control.find("no-store") != std::string::npos ||
      cache_control.find("no-cache") != std::string::npos)
    return kMinLifetime;
  size_t at = cache_control.find("max-age=");
  if (at == std::string::npos) return kDefaultLifetime;
  const char* begin = cache_control.data() + at + 8;
  long long seconds = 0;
  auto [end, ec] = std::from_chars(begin, cache_control.data() + cache_control.size(), seconds);
  if (ec != std::errc() || end == begin) return kDefaultLifetime;
  return std::clamp<Micros>(seconds * kSecond, kMinLifetime, kMaxLifetime);
}

Error Unavailable(const std::string& uri, const std::string& why) {
  return Error::Make(Issue::kTransient, "The JWKS at " + uri + " could not be had: " + why);
}

Result<Fetched> Get(const std::string& uri) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Unavailable(uri, "no HTTP client");
  Fetched f;
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, uri.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // the registered URL, not wherever it points
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, kTimeoutMs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &f);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "Kiln");
  struct curl_slist* headers =
      curl_slist_append(nullptr, "Accept: application/json, application/jwk-set+json");
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  CURLcode code = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (f.too_big) return Unavailable(uri, "larger than " + std::to_string(kMaxBody / 1024) + " KiB");
  if (code != CURLE_OK) return Unavailable(uri, curl_easy_strerror(code));
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f.status);
  if (f.status != 200) return Unavailable(uri, "HTTP status " + std::to_string(f.status));
  return f;
}

bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "[::1]" || host.starts_with("127.");
}

}  // namespace

Result<Ok> CheckJwksUri(const std::string& uri) {
  auto bad = [&](const std::string& why) {
    return Error::Make(Issue::kInvalid, "'" + uri + "' cannot be a JWKS URL: " + why);
  };
  bool https = uri.starts_with("https://");
  if (!https && !uri.starts_with("http://")) return bad("it is not an https URL");
  std::string_view rest = std::string_view(uri).substr(https ? 8 : 7);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != authority.npos)
    return bad("it names no host (or has user info)");
  if (uri.find('#') != std::string::npos) return bad("it has a fragment");
  if (uri.size() > 2000 || std::any_of(uri.begin(), uri.end(), [](char c) {
        return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f;
      })) {
    return bad("it is too long or has spaces or control characters");
  }
  std::string_view host = authority;
  if (host.starts_with("[")) {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  if (!https && !IsLoopbackHost(host)) return bad("plain http is taken for loopback hosts only");
  return Ok{};
}

struct RemoteJwks::Entry {
  std::mutex mu;  // held while fetching: one fetch of a URL at a time
  std::vector<Jwk> keys;
  bool have = false;
  Micros expires = 0;       // when `keys` are no longer used
  Micros last_attempt = 0;  // the last fetch, successful or not
  std::optional<Error> last_error;
};

RemoteJwks::RemoteJwks(const Clock& clock, Micros refetch_interval)
    : clock_(clock), refetch_interval_(refetch_interval) {}

RemoteJwks::~RemoteJwks() = default;

std::shared_ptr<RemoteJwks::Entry> RemoteJwks::EntryFor(const std::string& uri) {
  std::lock_guard lock(mu_);
  std::shared_ptr<Entry>& e = entries_[uri];
  if (!e) e = std::make_shared<Entry>();
  return e;
}

Result<Jwk> RemoteJwks::Find(const std::string& uri, const std::string& kid) {
  std::shared_ptr<Entry> e = EntryFor(uri);
  std::lock_guard lock(e->mu);
  auto not_found = [&] {
    return Error::Make(Issue::kNotFound, "The JWKS at " + uri + " has no key '" + kid + "'");
  };
  auto lookup = [&]() -> Result<Jwk> {
    for (const Jwk& k : e->keys) {
      if (k.kid == kid) return k;
    }
    return not_found();
  };
  Micros now = clock_.Now();
  if (e->have && now < e->expires) {
    if (auto k = lookup()) return k;
  }
  // Fetched (or tried) too recently to ask again: the answer stands (never an expired set).
  if (e->last_attempt != 0 && now - e->last_attempt < refetch_interval_) {
    if (e->last_error) return *e->last_error;
    return not_found();
  }
  e->last_attempt = now;
  auto fetched = Get(uri);
  Result<std::vector<Jwk>> keys =
      fetched ? ParseJwks(fetched->body) : Result<std::vector<Jwk>>(std::move(fetched).error());
  if (!keys) {
    Error why = fetched ? Unavailable(uri, keys.error().diagnostics) : std::move(keys).error();
    log::Warn("client JWKS fetch failed", {{"uri", uri}, {"error", why.diagnostics}});
    e->last_error = why;
    e->have = false;  // an expired or broken set is not used
    e->keys.clear();
    return why;
  }
  e->keys = std::move(keys).value();
  e->have = true;
  e->expires = now + Lifetime(fetched->cache_control);
  e->last_error.reset();
  return lookup();
}

}  // namespace kiln::auth
