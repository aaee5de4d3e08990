#pragma once
// SSRF guard: decides whether an IP address may be contacted for an outbound fetch, upload or
// webhook. Loopback, private, link-local (cloud metadata), CGNAT, unspecified, multicast,
// broadcast, reserved and documentation ranges are refused — in IPv4, IPv6 and the IPv6 forms
// that embed an IPv4 address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, NAT64, 6to4) — unless
// the address lies in the allow-list given at construction (tests allow 127.0.0.0/8).
#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace vidserve::fetch {

using IpAddress = boost::asio::ip::address;

struct Cidr {
  IpAddress network;  // host bits cleared
  unsigned prefix = 0;

  bool contains(const IpAddress& address) const;  // same family only
  std::string to_string() const;                  // "10.0.0.0/8"
};

// "10.0.0.0/8", "::1/128", or a bare address (= /32 or /128). Host bits are cleared.
// Error "invalidAllowList" says what is wrong.
Result<Cidr> parse_cidr(std::string_view text);

// Comma- or whitespace-separated list; empty entries are ignored, so "" is an empty list.
Result<std::vector<Cidr>> parse_cidr_list(std::string_view text);

class AddressGuard {
 public:
  static constexpr const char* kAllowVariable = "VIDSERVE_FETCH_ALLOW";

  AddressGuard() = default;  // no exceptions: every special-purpose range is refused
  explicit AddressGuard(std::vector<Cidr> allow) : allow_(std::move(allow)) {}

  // From a list such as "127.0.0.0/8,::1/128".
  static Result<AddressGuard> with_allow_list(std::string_view list);
  // From VIDSERVE_FETCH_ALLOW (unset or empty: nothing extra allowed).
  static Result<AddressGuard> from_env();

  bool allowed(const IpAddress& address) const;
  // Ok, or Error "addressRefused" naming the address and the range it falls in.
  Status check(const IpAddress& address) const;

  const std::vector<Cidr>& allow_list() const { return allow_; }

  // The special-purpose range an address falls in, e.g. "loopback (127.0.0.0/8)";
  // nullopt for an ordinary public address. Ignores the allow-list.
  static std::optional<std::string> special_range(const IpAddress& address);

 private:
  bool in_allow_list(const IpAddress& address) const;

  std::vector<Cidr> allow_;
};

}  // namespace vidserve::fetch
