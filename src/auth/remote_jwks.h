// The JWKS of clients that publish their keys at a URL (SMART Backend Services' jwks_url) instead
// of registering them: fetched over HTTP(S) when an assertion needs them, and kept for as long as
// the response's Cache-Control max-age says (between one minute and a day; five minutes without
// one). An assertion naming a kid the kept set lacks fetches the set again, at most once per
// `refetch_interval`, so that a client that rotates its key is taken at once while a stream of
// assertions with a bogus kid cannot make Kiln hammer the client's server. Private to src/auth/.
//
// Thread-safety: shared by all request threads. Each URL is fetched by one thread at a time;
// fetches of different URLs run at once.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/jose.h"
#include "core/result.h"
#include "core/time.h"

namespace kiln::auth {

// Whether `uri` may be a client's jwks_uri: https, or http to a loopback host (development and
// tests). kInvalid otherwise.
Result<Ok> CheckJwksUri(const std::string& uri);

class RemoteJwks {
 public:
  RemoteJwks(const Clock& clock, Micros refetch_interval);
  ~RemoteJwks();
  RemoteJwks(const RemoteJwks&) = delete;
  RemoteJwks& operator=(const RemoteJwks&) = delete;

  // The key `kid` of the set at `uri`. kNotFound when the set has no such key; kUnavailable when
  // the set cannot be fetched or is no JWKS.
  Result<Jwk> Find(const std::string& uri, const std::string& kid);

 private:
  struct Entry;
  std::shared_ptr<Entry> EntryFor(const std::string& uri);

  const Clock& clock_;
  const Micros refetch_interval_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;  // GUARDED_BY(mu_)
};

}  // namespace kiln::auth
