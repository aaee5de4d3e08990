#pragma once
// A resolved media input: the bytes and their MIME type ("image/png"; no parameters).
#include <string>

namespace vidserve::fetch {

struct Blob {
  std::string bytes;
  std::string content_type;  // lower case; "application/octet-stream" when nothing better is known
};

}  // namespace vidserve::fetch
