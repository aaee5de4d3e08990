#pragma once
// FileSliceBody: an HTTP body that streams bytes [offset, offset + length) of an open file in
// 64 KiB pieces, so large media is never copied into memory. Beast's file_body always starts at
// offset 0, which does not serve Range requests.
#include <algorithm>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>
#include <cstdint>
#include <utility>

namespace vidserve::api::http {

struct FileSliceBody {
  struct value_type {
    boost::beast::file file;  // open for reading
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };

  static std::uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(boost::beast::http::header<isRequest, Fields>&, value_type& body)
        : body_(body), remain_(body.length) {}

    void init(boost::beast::error_code& ec) { body_.file.seek(body_.offset, ec); }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      const auto amount = static_cast<std::size_t>(std::min<std::uint64_t>(remain_, sizeof buf_));
      if (amount == 0) {
        ec = {};
        return boost::none;
      }
      const std::size_t n = body_.file.read(buf_, amount, ec);
      if (ec) return boost::none;
      if (n == 0) {  // the file shrank after its size was taken
        ec = boost::beast::http::error::short_read;
        return boost::none;
      }
      remain_ -= n;
      return std::make_pair(const_buffers_type(buf_, n), remain_ > 0);
    }

   private:
    value_type& body_;
    std::uint64_t remain_;
    char buf_[64 * 1024];
  };
};

}  // namespace vidserve::api::http
