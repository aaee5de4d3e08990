#include "fetch/address_guard.hpp"

#include <array>
#include <cstdint>
#include <cstdlib>

#include "fetch/error_codes.hpp"

namespace vidserve::fetch {
namespace {

namespace ip = boost::asio::ip;

// What to do with an address in a range: refuse it, or look at the IPv4 address it embeds.
enum class Kind { refuse, embedded_v4_low32, embedded_v4_6to4 };

struct Range {
  const char* cidr;
  const char* name;
  Kind kind = Kind::refuse;
};

// Order matters only for the name reported: the first match wins.
constexpr Range kV4Ranges[] = {
    {"0.0.0.0/8", "unspecified / \"this network\""},
    {"10.0.0.0/8", "private"},
    {"100.64.0.0/10", "carrier-grade NAT"},
    {"127.0.0.0/8", "loopback"},
    {"169.254.169.254/32", "cloud metadata"},
    {"169.254.0.0/16", "link-local"},
    {"172.16.0.0/12", "private"},
    {"192.0.0.0/24", "IETF protocol assignment"},
    {"192.0.2.0/24", "documentation"},
    {"192.168.0.0/16", "private"},
    {"198.18.0.0/15", "benchmarking"},
    {"198.51.100.0/24", "documentation"},
    {"203.0.113.0/24", "documentation"},
    {"224.0.0.0/4", "multicast"},
    {"255.255.255.255/32", "broadcast"},
    {"240.0.0.0/4", "reserved"},
};

constexpr Range kV6Ranges[] = {
    {"::/128", "unspecified"},
    {"::1/128", "loopback"},
    {"::ffff:0:0/96", "IPv4-mapped", Kind::embedded_v4_low32},
    {"::/96", "IPv4-compatible", Kind::embedded_v4_low32},
    {"64:ff9b::/96", "NAT64", Kind::embedded_v4_low32},
    {"64:ff9b:1::/48", "local-use NAT64"},
    {"100::/64", "discard-only"},
    {"2001::/32", "Teredo"},
    {"2001:db8::/32", "documentation"},
    {"2002::/16", "6to4", Kind::embedded_v4_6to4},
    {"fc00::/7", "unique local (private)"},
    {"fe80::/10", "link-local"},
    {"fec0::/10", "site-local"},
    {"ff00::/8", "multicast"},
};

struct ParsedRange {
  Cidr cidr;
  const Range* range;
};

template <std::size_t N>
std::vector<ParsedRange> parse_table(const Range (&table)[N]) {
  std::vector<ParsedRange> out;
  for (const auto& r : table) out.push_back({parse_cidr(r.cidr).value(), &r});
  return out;
}

const std::vector<ParsedRange>& v4_ranges() {
  static const auto table = parse_table(kV4Ranges);
  return table;
}

const std::vector<ParsedRange>& v6_ranges() {
  static const auto table = parse_table(kV6Ranges);
  return table;
}

std::vector<std::uint8_t> bytes_of(const IpAddress& a) {
  if (a.is_v4()) {
    const auto b = a.to_v4().to_bytes();
    return {b.begin(), b.end()};
  }
  const auto b = a.to_v6().to_bytes();
  return {b.begin(), b.end()};
}

IpAddress from_bytes(const std::vector<std::uint8_t>& bytes, unsigned long scope = 0) {
  if (bytes.size() == 4) {
    ip::address_v4::bytes_type b{};
    std::copy(bytes.begin(), bytes.end(), b.begin());
    return ip::address_v4(b);
  }
  ip::address_v6::bytes_type b{};
  std::copy(bytes.begin(), bytes.end(), b.begin());
  return ip::address_v6(b, scope);
}

void clear_host_bits(std::vector<std::uint8_t>& bytes, unsigned prefix) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const unsigned first_bit = static_cast<unsigned>(i) * 8;
    if (first_bit >= prefix) {
      bytes[i] = 0;
    } else if (prefix - first_bit < 8) {
      bytes[i] &= static_cast<std::uint8_t>(0xFF << (8 - (prefix - first_bit)));
    }
  }
}

// The IPv4 address embedded in an IPv6 one, for the embedding kinds.
ip::address_v4 embedded_v4(const ip::address_v6& a, Kind kind) {
  const auto b = a.to_bytes();
  const std::size_t at = kind == Kind::embedded_v4_6to4 ? 2 : 12;
  return ip::address_v4(ip::address_v4::bytes_type{b[at], b[at + 1], b[at + 2], b[at + 3]});
}

Error bad_cidr(std::string_view text, std::string_view why) {
  return Error{errc::kInvalidAllowList,
               "'" + std::string(text) + "' is not a CIDR range (" + std::string(why) +
                   "); write e.g. 127.0.0.0/8 or ::1/128, separated by commas."};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool Cidr::contains(const IpAddress& address) const {
  if (address.is_v4() != network.is_v4()) return false;
  auto bytes = bytes_of(address);
  clear_host_bits(bytes, prefix);
  return bytes == bytes_of(network);
}

std::string Cidr::to_string() const {
  return network.to_string() + "/" + std::to_string(prefix);
}

Result<Cidr> parse_cidr(std::string_view text) {
  text = trim(text);
  const auto slash = text.find('/');
  const std::string addr_text(text.substr(0, slash));
  boost::system::error_code ec;
  const auto address = ip::make_address(addr_text, ec);
  if (ec) return bad_cidr(text, "'" + addr_text + "' is not an IP address");
  const unsigned max_prefix = address.is_v4() ? 32 : 128;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 3)
      return bad_cidr(text, "the prefix length is missing or too long");
    prefix = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9') return bad_cidr(text, "the prefix length is not a number");
      prefix = prefix * 10 + static_cast<unsigned>(c - '0');
    }
    if (prefix > max_prefix) {
      return bad_cidr(text, "the prefix length is above " + std::to_string(max_prefix));
    }
  }
  auto bytes = bytes_of(address);
  clear_host_bits(bytes, prefix);
  return Cidr{from_bytes(bytes), prefix};
}

Result<std::vector<Cidr>> parse_cidr_list(std::string_view text) {
  std::vector<Cidr> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const auto end = text.find_first_of(", \t\n", pos);
    const auto item =
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (!item.empty()) {
      auto cidr = parse_cidr(item);
      if (!cidr) return cidr.error();
      out.push_back(*cidr);
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return out;
}

Result<AddressGuard> AddressGuard::with_allow_list(std::string_view list) {
  auto cidrs = parse_cidr_list(list);
  if (!cidrs) return cidrs.error();
  return AddressGuard(std::move(cidrs).value());
}

Result<AddressGuard> AddressGuard::from_env() {
  const char* value = std::getenv(kAllowVariable);
  if (value == nullptr) return AddressGuard();
  auto guard = with_allow_list(value);
  if (!guard)
    return Error{guard.error().code, std::string(kAllowVariable) + ": " + guard.error().message};
  return guard;
}

std::optional<std::string> AddressGuard::special_range(const IpAddress& address) {
  if (address.is_v4()) {
    for (const auto& r : v4_ranges()) {
      if (r.cidr.contains(address)) return std::string(r.range->name) + " (" + r.range->cidr + ")";
    }
    return std::nullopt;
  }
  const auto v6 = address.to_v6();
  for (const auto& r : v6_ranges()) {
    if (!r.cidr.contains(address)) continue;
    if (r.range->kind == Kind::refuse)
      return std::string(r.range->name) + " (" + r.range->cidr + ")";
    const auto v4 = embedded_v4(v6, r.range->kind);
    if (auto inner = special_range(v4)) {
      return std::string(r.range->name) + " form of " + v4.to_string() + ", " + *inner;
    }
    return std::nullopt;
  }
  return std::nullopt;
}

bool AddressGuard::in_allow_list(const IpAddress& address) const {
  for (const auto& cidr : allow_) {
    if (cidr.contains(address)) return true;
  }
  // An IPv4-mapped address is the IPv4 address as far as the allow-list is concerned.
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return in_allow_list(ip::make_address_v4(ip::v4_mapped, address.to_v6()));
  }
  return false;
}

bool AddressGuard::allowed(const IpAddress& address) const {
  return !special_range(address) || in_allow_list(address);
}

Status AddressGuard::check(const IpAddress& address) const {
  const auto range = special_range(address);
  if (!range || in_allow_list(address)) return Ok{};
  return Error{errc::kAddressRefused,
               address.to_string() + " is in a special-purpose range: " + *range +
                   "; vidserve does not fetch from or deliver to loopback, private, "
                   "link-local, metadata or other special-purpose addresses (an operator can allow "
                   "a range with " +
                   kAllowVariable + ")."};
}

}  // namespace vidserve::fetch
