#pragma once
// Turns a URL into a checked connection target: parses it (Boost.URL), allows only http and
// https, resolves the host name itself and checks every address with the AddressGuard, so the
// caller can pin libcurl to exactly those addresses (CURLOPT_RESOLVE).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "fetch/address_guard.hpp"

namespace vidserve::fetch {

struct UrlTarget {
  std::string url;      // normalized, without fragment; what libcurl is given
  std::string display;  // scheme://host[:port]/path — no user info or query, safe for messages
  std::string host;     // lower case; IPv6 literals without brackets
  bool host_is_literal = false;
  std::uint16_t port = 0;
  std::vector<IpAddress> addresses;  // every one passed the guard
};

// Errors: "invalidUrl" (unparseable, not http/https, no host), "fetchFailed" (the name does
// not resolve), "addressRefused" (some address is refused by the guard).
Result<UrlTarget> resolve_url_target(std::string_view url, const AddressGuard& guard);

// Parse and scheme checks only, no DNS (for messages and redirects).
Result<UrlTarget> parse_url_target(std::string_view url);

// The lower-case host of an http(s) URL, without DNS; "" when it does not parse.
std::string url_host(std::string_view url);

// "host:port:addr1,[v6addr2]" for CURLOPT_RESOLVE.
std::string curl_resolve_entry(const UrlTarget& target);

}  // namespace vidserve::fetch
