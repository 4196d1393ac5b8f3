// A Beast body that sends part of a file as it goes (FileSlice: offset and length), so
// a large recording is never held in memory and a Range request reads only its bytes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/file.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

namespace podium::api {

struct FileSliceBody {
  struct value_type {
    boost::beast::file file;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
  };

  static std::uint64_t size(const value_type& body) { return body.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(boost::beast::error_code& ec) {
      remaining_ = body_.length;
      body_.file.seek(body_.offset, ec);
    }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (remaining_ == 0) return boost::none;
      auto wanted = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof buffer_, remaining_));
      std::size_t read = body_.file.read(buffer_, wanted, ec);
      if (ec) return boost::none;
      if (read == 0) {  // the file shrank under us
        ec = boost::beast::http::error::short_read;
        return boost::none;
      }
      remaining_ -= read;
      return std::make_pair(const_buffers_type(buffer_, read), remaining_ > 0);
    }

   private:
    value_type& body_;
    std::uint64_t remaining_ = 0;
    char buffer_[64 * 1024];
  };
};

}  // namespace podium::api
