#include "api/http/header_scan.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vidserve::api::http {
namespace {

HeaderScan scan_whole(std::string_view bytes) {
  HeaderScanState state;
  return scan_header(bytes, state);
}

// Feeds the bytes one at a time, as a slow client would send them.
HeaderScan scan_bytewise(std::string_view bytes) {
  HeaderScanState state;
  HeaderScan last = HeaderScan::Incomplete;
  for (std::size_t n = 1; n <= bytes.size(); ++n) {
    last = scan_header(bytes.substr(0, n), state);
    if (last != HeaderScan::Incomplete) return last;
  }
  return last;
}

TEST(HeaderScan, CompleteHeaderEndsAtTheEmptyLine) {
  for (const auto& request : {std::string("GET / HTTP/1.1\r\nHost: t\r\n\r\n"),
                              std::string("GET / HTTP/1.1\r\nHost: t\r\n\r\nbody\n with space"),
                              std::string("\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n"),
                              std::string("GET / HTTP/1.1\nHost: t\n\n")}) {
    EXPECT_EQ(scan_whole(request), HeaderScan::Complete) << request;
    EXPECT_EQ(scan_bytewise(request), HeaderScan::Complete) << request;
  }
}

TEST(HeaderScan, UnfinishedHeaderIsIncomplete) {
  for (const auto& request :
       {std::string("GET / HTTP/1.1\r\nHost: t\r\n"),
        std::string("GET / HTTP/1.1\r\nHost: t\r\n\r"), std::string("\r\n\r\n"), std::string("")}) {
    EXPECT_EQ(scan_whole(request), HeaderScan::Incomplete) << request;
  }
}

TEST(HeaderScan, FoldedLinesAreFound) {
  for (const auto& request : {std::string("GET / HTTP/1.1\r\nHost: t\r\nX-A: one\r\n two\r\n\r\n"),
                              std::string("GET / HTTP/1.1\r\nX-A: one\r\n\ttwo\r\n\r\n"),
                              std::string("GET / HTTP/1.1\r\n Host: t\r\n\r\n"),
                              std::string("GET / HTTP/1.1\nX-A: one\n two\n\n")}) {
    EXPECT_EQ(scan_whole(request), HeaderScan::ObsFold) << request;
    EXPECT_EQ(scan_bytewise(request), HeaderScan::ObsFold) << request;
  }
}

TEST(HeaderScan, AFoldAfterTheHeaderIsBodyNotAFold) {
  EXPECT_EQ(scan_bytewise("POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\n\r\n abc"),
            HeaderScan::Complete);
}

}  // namespace
}  // namespace vidserve::api::http
