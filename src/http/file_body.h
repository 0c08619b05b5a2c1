// A Beast body type for responses read from a file (rest::Response::body_file): bulk export
// downloads of hundreds of megabytes. Beast's own file_body reads 4 KiB at a time, which makes
// each 4 KiB a separate write to the socket; this one reads 1 MiB. Private to src/http/.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>

namespace kiln::http {

struct FileBody {
  class value_type {
   public:
    // Opens `path` for reading and takes its size. Not thread-safe: one response uses it.
    void open(const char* path, boost::beast::error_code& ec) {
      file_.open(path, boost::beast::file_mode::scan, ec);
      if (!ec) size_ = file_.size(ec);
    }
    uint64_t size() const { return size_; }
    boost::beast::file& file() { return file_; }

   private:
    boost::beast::file file_;
    uint64_t size_ = 0;
  };

  static uint64_t size(const value_type& body) { return body.size(); }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(boost::beast::http::header<isRequest, Fields>&, value_type& body)
        : body_(body), remaining_(body.size()) {}

    void init(boost::beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, remaining_));
      if (want == 0) {
        ec = {};
        return boost::none;
      }
      if (!buffer_) buffer_ = std::make_unique<char[]>(kChunk);
      size_t got = body_.file().read(buffer_.get(), want, ec);
      if (ec) return boost::none;
      if (got == 0) {  // the file shrank after it was opened
        ec = boost::beast::http::error::short_read;
        return boost::none;
      }
      remaining_ -= got;
      return std::make_pair(const_buffers_type(buffer_.get(), got), remaining_ > 0);
    }

   private:
    static constexpr size_t kChunk = 1 << 20;
    value_type& body_;
    uint64_t remaining_;
    std::unique_ptr<char[]> buffer_;
  };
};

}  // namespace kiln::http
