#include "http/server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/log.h"
#include "core/thread.h"
#include "http/translate.h"

namespace kiln::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

struct Server::Impl {
  ServerOptions options;
  Handler handler;
  Handler admin;  // may be empty: then nothing is served at options.admin_path
  Handler root;   // auth: may be empty; then nothing is served outside the FHIR base and admin API
  // Before the io_context: a session it destroys with a request still in flight counts it down.
  std::atomic<int> in_flight{0};
  asio::io_context ioc;
  // The I/O threads run until StopNow stops them, not until the io_context runs out of work:
  // once the acceptor is closed, a write on a worker thread is no work of the io_context, and
  // its response would never be sent.
  asio::executor_work_guard<asio::io_context::executor_type> keep_running{ioc.get_executor()};
  asio::thread_pool workers;
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc};
  std::vector<std::thread> threads;
  std::atomic<bool> draining{false};
  std::atomic<uint64_t> next_request{0};
  std::mutex stop_mu;
  std::condition_variable stopped_cv;
  bool stopping = false;  // GUARDED_BY(stop_mu)
  bool stopped = false;   // GUARDED_BY(stop_mu)
  bool started = false;

  Impl(ServerOptions o, Handler h, Handler a)
      : options(std::move(o)),
        handler(std::move(h)),
        admin(std::move(a)),
        workers(static_cast<size_t>(std::max(1, options.worker_threads))) {}

  void Accept();
  void StopNow();
};

namespace {

constexpr size_t kBodyReadBytes = 64 * 1024;  // Beast's own largest read
constexpr size_t kIdleBufferBytes = 8 * 1024;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl& server) : stream_(std::move(socket)), server_(server) {}

  void Start() { ReadRequest(); }
  ~Session() { Answered(); }

 private:
  // The header first: from then on the request is in flight, and a graceful stop waits for it
  // (a stop that came while its body was still arriving used to drop it).
  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(std::chrono::seconds(60));
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::OnHeader, shared_from_this()));
  }

  void OnHeader(beast::error_code ec, size_t) {
    if (ec == bhttp::error::body_limit) {  // a Content-Length over the limit
      TooLarge();
      return;
    }
    if (ec) {
      Close();
      return;
    }
    in_flight_ = true;
    ++server_.in_flight;
    // Beast reads a body in pieces of the buffer's free capacity (at least 512 bytes), and the
    // parser empties the buffer into the body after each piece, so a buffer sized for the header
    // read a 400 KB Bundle in ~800 system calls and as many wake-ups. Reserve room for 64 KiB
    // reads while a large (or chunked) body is coming; OnRead gives it back.
    if (!parser_->is_done()) {
      auto length = parser_->content_length();  // none when chunked
      if (!length || *length > kIdleBufferBytes) buffer_.reserve(kBodyReadBytes);
    }
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  // The request being answered (or given up) is no longer in flight.
  void Answered() {
    if (in_flight_) --server_.in_flight;
    in_flight_ = false;
  }

  void TooLarge() {
    keep_alive_ = false;
    Send(rest::ErrorResponseFor(Error::Make(Issue::kTooLong,
                                            "The request body is larger than the limit of " +
                                                std::to_string(server_.options.max_body_bytes) + " bytes",
                                            413)),
         11, false, "-", std::chrono::steady_clock::now());
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == bhttp::error::body_limit) {  // a chunked body over the limit
      TooLarge();
      return;
    }
    if (ec) {
      Answered();
      Close();
      return;
    }
    auto started = std::chrono::steady_clock::now();
    // An idle keep-alive connection holds no more than the bytes already read past this request.
    if (buffer_.capacity() > kIdleBufferBytes) buffer_.shrink_to_fit();
    bhttp::request<bhttp::string_body> raw = parser_->release();
    keep_alive_ = raw.keep_alive() && !server_.draining.load();
    unsigned version = raw.version();
    bool head = raw.method() == bhttp::verb::head;
    std::optional<RoutedRequest> translated = ToRestRequest(raw, server_.options, server_.next_request++);
    const Handler* handler = nullptr;
    if (translated) handler = translated->endpoint == Endpoint::kAdmin ? &server_.admin : &server_.handler;
    if (!translated && server_.root) {  // auth: the root handler serves the rest
      translated = ToRootRequest(raw, server_.options, server_.next_request++);
      handler = &server_.root;
    }
    if (handler == nullptr || !*handler) {
      Send(rest::ErrorResponseFor(
               Error::Make(Issue::kNotFound, "Nothing is served at " + std::string(raw.target()) +
                                                 "; the FHIR API is at " + server_.options.base_path)),
           version, head, "-", started);
      return;
    }
    rest::Request req = std::move(translated->request);
    if (raw.method() == bhttp::verb::get || head) {
      rest::Response res = Dispatch(*handler, req);
      Send(std::move(res), version, head, req.request_id, started, &req);
      return;
    }
    // Writes may wait on a durable commit: run them off the I/O threads.
    asio::post(server_.workers,
               [self = shared_from_this(), handler, req = std::move(req), version, started]() mutable {
                 static thread_local bool named = (SetThreadName("kiln-worker"), true);
                 (void)named;
                 rest::Response res = self->Dispatch(*handler, req);
                 asio::post(self->stream_.get_executor(),
                            [self, res = std::move(res), req = std::move(req), version, started]() mutable {
                              self->Send(std::move(res), version, false, req.request_id, started, &req);
                            });
               });
  }

  rest::Response Dispatch(const Handler& handler, const rest::Request& req) {
    try {
      return handler(req);
    } catch (const std::exception& e) {
      log::Err("handler threw", {{"rid", req.request_id}, {"what", e.what()}});
      return rest::ErrorResponseFor(Error::Make(Issue::kException, "Internal error"));
    }
  }

  void Send(rest::Response res, unsigned version, bool head, const std::string& rid,
            std::chrono::steady_clock::time_point started, const rest::Request* req = nullptr) {
    std::optional<bhttp::response<FileBody>> file;
    if (!res.body_file.empty() && !head) {
      auto opened = ToBeastFileResponse(std::move(res), version, keep_alive_, rid);
      if (opened) {
        file = std::move(opened).value();
      } else {
        res = rest::ErrorResponseFor(opened.error());
      }
    }
    if (req != nullptr) {
      double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      if (log::Enabled(log::Level::kInfo)) {
        log::Info("request", {{"rid", rid},
                              {"tenant", req->tenant.value},
                              {"method", req->method},
                              {"path", req->path},
                              {"status", file ? static_cast<int>(file->result_int()) : res.status},
                              {"ms", ms}});
      }
    }
    Answered();
    if (file) {
      // A large download: allow a slow client about 256 KiB/s, beyond the usual minute.
      uint64_t size = file->body().size();
      stream_.expires_after(std::chrono::seconds(60 + static_cast<int64_t>(size >> 18)));
      Write(std::move(*file));
      return;
    }
    Write(ToBeastResponse(std::move(res), version, keep_alive_, head, rid));
  }

  template <class Body>
  void Write(bhttp::response<Body> message) {
    auto held = std::make_shared<bhttp::response<Body>>(std::move(message));
    response_ = held;
    bhttp::async_write(stream_, *held, beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    response_.reset();
    if (ec || !keep_alive_) {
      Close();
      return;
    }
    ReadRequest();
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  Server::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<void> response_;  // the message being written (string or file body)
  bool keep_alive_ = true;
  bool in_flight_ = false;  // counted in server_.in_flight: from its header to its response
};

}  // namespace

void Server::Impl::Accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      log::Warn("accept failed", {{"error", ec.message()}});
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), *this)->Start();
    }
    Accept();
  });
}

void Server::Impl::StopNow() {
  draining = true;
  asio::post(ioc, [this] {
    beast::error_code ec;
    acceptor.close(ec);
  });
  // Let in-flight requests finish and their responses go out.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.drain_seconds);
  while (in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (int left = in_flight.load(); left > 0) {
    log::Warn("stopping: requests still in flight after the drain time", {{"requests", left}});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the last writes
  ioc.stop();
  workers.join();
}

Server::Server(ServerOptions options, Handler handler, Handler admin)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(admin))) {}

void Server::SetRootHandler(Handler root) { impl_->root = std::move(root); }

Server::~Server() {
  if (impl_->started) {
    Stop();
    Wait();
  }
}

Result<uint16_t> Server::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.bind, ec);
  if (ec) return Error::Make(Issue::kInvalid, "Invalid bind address '" + impl_->options.bind + "'");
  tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error::Make(Issue::kTransient, "Cannot listen on " + impl_->options.bind + ":" +
                                              std::to_string(impl_->options.port) + ": " + ec.message());
  }
  uint16_t port = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  impl_->started = true;
  for (int i = 0; i < std::max(1, impl_->options.io_threads); ++i) {
    impl_->threads.emplace_back([this] {
      SetThreadName("kiln-io");
      impl_->ioc.run();
    });
  }
  return port;
}

void Server::StopOnSignals() {
  impl_->signals.add(SIGTERM);
  impl_->signals.add(SIGINT);
  impl_->signals.async_wait([this](beast::error_code ec, int signal) {
    if (ec) return;
    log::Info("stopping: draining in-flight requests", {{"signal", signal}});
    std::thread([this] { Stop(); }).detach();
  });
}

void Server::Stop() {
  {
    std::lock_guard lock(impl_->stop_mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->StopNow();
  {
    std::lock_guard lock(impl_->stop_mu);
    impl_->stopped = true;
  }
  impl_->stopped_cv.notify_all();
}

void Server::Wait() {
  {
    std::unique_lock lock(impl_->stop_mu);
    impl_->stopped_cv.wait(lock, [this] { return impl_->stopped; });
  }
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

}  // namespace kiln::http
