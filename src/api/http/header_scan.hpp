#pragma once
// A look at the raw bytes of a request header before Beast parses it, for what Beast's parser
// accepts but RFC 9112 says a server must refuse: obsolete line folding (§5.2), i.e. a header
// line that starts with a space or a tab. Beast joins such a line to the previous field's value,
// so the check has to see the bytes themselves.
#include <cstddef>
#include <string_view>

namespace vidserve::api::http {

enum class HeaderScan {
  Incomplete,  // the header section has not ended yet in these bytes
  Complete,    // it ended (an empty line), with no folded line
  ObsFold,     // a line of the header starts with SP or HTAB: refuse with 400
};

struct HeaderScanState {
  std::size_t scanned = 0;  // bytes already looked at; pass the same state with more bytes
};

// `bytes` holds the request from its first byte (leading empty lines allowed) and grows between
// calls. Looks only at bytes not seen before, so the cost over a whole header is linear.
HeaderScan scan_header(std::string_view bytes, HeaderScanState& state);

}  // namespace vidserve::api::http
