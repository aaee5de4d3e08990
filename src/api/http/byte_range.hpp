#pragma once
// Interpretation of a Range request header (RFC 9110 §14) for one representation. Only single
// byte ranges are served; other forms are ignored and the full representation is sent.
#include <cstdint>
#include <string_view>

namespace vidserve::api::http {

struct ByteRange {
  std::uint64_t first = 0;   // offset of the first byte
  std::uint64_t length = 0;  // number of bytes, > 0
  std::uint64_t last() const { return first + length - 1; }
};

struct RangeRequest {
  enum class Kind {
    none,           // absent, malformed, not "bytes" or several ranges: send everything (200)
    satisfiable,    // send `range` (206)
    unsatisfiable,  // 416 with Content-Range: bytes */size
  };
  Kind kind = Kind::none;
  ByteRange range;
};

// `header` is the Range field value ("bytes=0-99", "bytes=100-", "bytes=-500"); `size` is the
// representation's length in bytes.
RangeRequest parse_range(std::string_view header, std::uint64_t size);

}  // namespace vidserve::api::http
