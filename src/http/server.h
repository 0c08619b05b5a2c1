// Kiln's HTTP/1.1 server on Boost.Beast: asynchronous I/O on a few threads, keep-alive, a body
// size limit (413), request ids, one JSON log line per request, and a graceful stop that lets
// in-flight requests finish. It maps "{base_path}/..." to a handler and knows nothing of FHIR:
// the same for a tenant's "/t/{tenant}{base_path}/..." and "{tenant}.{domain}{base_path}/..."
// (docs/tenants.md), and "{admin_path}/..." to the admin handler.
//
// Reads (GET/HEAD) are handled on the I/O threads, as they never wait long; other methods run on
// a pool of worker threads, because a durable commit waits for an fsync and must not stall the
// connections behind it.
//
// Thread-safety: Start/Stop/Wait from one controlling thread; the handler is called concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "rest/rest.h"

namespace kiln::http {

struct ServerOptions {
  std::string bind = "0.0.0.0";
  uint16_t port = 8080;  // 0 picks a free port (tests)
  int io_threads = 2;
  int worker_threads = 32;
  size_t max_body_bytes = 16 << 20;
  std::string base_path = "/fhir";    // where the FHIR API lives
  std::string public_base_url;        // e.g. "https://fhir.example.org/fhir"; empty: from the Host header
  std::string domain;                 // tenants by host too: "{tenant}.{domain}"; empty: by path only
  std::string admin_path = "/admin";  // where the admin API lives (when there is an admin handler)
  int drain_seconds = 30;             // how long a graceful stop waits for in-flight requests
};

using Handler = std::function<rest::Response(const rest::Request&)>;

class Server {
 public:
  // `handler` serves the FHIR API of every tenant; `admin`, if given, the admin API.
  Server(ServerOptions options, Handler handler, Handler admin = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // auth: serves what is not below the FHIR base (the authorization server's /auth/... and
  // /.well-known/...), with paths relative to the server root. Call before Start.
  void SetRootHandler(Handler root);

  // Binds, listens and starts the threads. Returns the bound port.
  Result<uint16_t> Start();
  // Stops on SIGTERM or SIGINT (graceful, as Stop()).
  void StopOnSignals();
  // Blocks until the server has stopped.
  void Wait();
  // Stops accepting, waits up to drain_seconds for in-flight requests, then stops.
  void Stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kiln::http
