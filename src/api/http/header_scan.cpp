#include "api/http/header_scan.hpp"

namespace vidserve::api::http {

HeaderScan scan_header(std::string_view bytes, HeaderScanState& state) {
  // Empty lines before the request line are allowed (RFC 9112 §2.2) and are not the end.
  std::size_t start = 0;
  while (start < bytes.size() && (bytes[start] == '\r' || bytes[start] == '\n')) ++start;
  // A line feed is judged by the byte after it (and the one after that for CR LF), so resume
  // two bytes back to see the pairs that straddled the previous call's end.
  std::size_t i = state.scanned > start + 2 ? state.scanned - 2 : start;
  for (; i < bytes.size(); ++i) {
    if (bytes[i] != '\n') continue;
    if (i + 1 >= bytes.size()) break;
    const char next = bytes[i + 1];
    if (next == ' ' || next == '\t') return HeaderScan::ObsFold;
    if (next == '\n') return HeaderScan::Complete;
    if (next == '\r') {
      if (i + 2 >= bytes.size()) break;
      if (bytes[i + 2] == '\n') return HeaderScan::Complete;
    }
  }
  state.scanned = bytes.size();
  return HeaderScan::Incomplete;
}

}  // namespace vidserve::api::http
