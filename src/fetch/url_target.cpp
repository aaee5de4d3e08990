#include "fetch/url_target.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cstring>
#include <memory>

#include "fetch/error_codes.hpp"

namespace vidserve::fetch {
namespace {

namespace ip = boost::asio::ip;
namespace urls = boost::urls;

Error invalid_url(std::string message) {
  return Error{errc::kInvalidUrl, std::move(message)};
}

struct AddrinfoFree {
  void operator()(addrinfo* list) const noexcept { freeaddrinfo(list); }
};

Result<std::vector<IpAddress>> lookup(const std::string& host, const std::string& display) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &raw);
  std::unique_ptr<addrinfo, AddrinfoFree> list(raw);
  if (rc != 0) {
    return Error{errc::kFetchFailed,
                 "could not resolve the host of " + display + ": " + gai_strerror(rc) + "."};
  }
  std::vector<IpAddress> out;
  for (const addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    IpAddress address;
    if (ai->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      ip::address_v4::bytes_type b{};
      std::memcpy(b.data(), &sin->sin_addr, b.size());
      address = ip::address_v4(b);
    } else if (ai->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      ip::address_v6::bytes_type b{};
      std::memcpy(b.data(), &sin6->sin6_addr, b.size());
      address = ip::address_v6(b, sin6->sin6_scope_id);
    } else {
      continue;
    }
    if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(address);
  }
  if (out.empty())
    return Error{errc::kFetchFailed, "the host of " + display + " has no IP address."};
  return out;
}

}  // namespace

Result<UrlTarget> parse_url_target(std::string_view text) {
  const auto parsed = urls::parse_uri(urls::string_view(text.data(), text.size()));
  if (!parsed) {
    return invalid_url("'" + std::string(text.substr(0, 200)) + "' is not a valid absolute URL.");
  }
  urls::url u(*parsed);
  const auto scheme = u.scheme_id();
  if (scheme != urls::scheme::http && scheme != urls::scheme::https) {
    return invalid_url("only http and https URLs are fetched; got scheme '" +
                       std::string(u.scheme()) + "'.");
  }
  UrlTarget t;
  switch (u.host_type()) {
    case urls::host_type::ipv4: {
      const auto b = u.host_ipv4_address().to_bytes();
      t.addresses.push_back(ip::address_v4(ip::address_v4::bytes_type{b[0], b[1], b[2], b[3]}));
      t.host = t.addresses.front().to_string();
      t.host_is_literal = true;
      break;
    }
    case urls::host_type::ipv6: {
      const auto b = u.host_ipv6_address().to_bytes();
      ip::address_v6::bytes_type bytes{};
      std::copy(b.begin(), b.end(), bytes.begin());
      t.addresses.push_back(ip::address_v6(bytes));
      t.host = t.addresses.front().to_string();
      t.host_is_literal = true;
      break;
    }
    case urls::host_type::name: {
      const std::string_view host(u.encoded_host().data(), u.encoded_host().size());
      if (host.find('%') != std::string_view::npos) {
        return invalid_url("the host name '" + std::string(host) +
                           "' is percent-encoded; write it plainly (IDNs in punycode).");
      }
      t.host.reserve(host.size());
      for (const char c : host)
        t.host.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
      break;
    }
    default:
      break;
  }
  if (t.host.empty())
    return invalid_url("the URL '" + std::string(text.substr(0, 200)) + "' has no host.");

  t.port = scheme == urls::scheme::https ? 443 : 80;
  if (u.has_port() && !u.port().empty()) {
    // Parsed here: Boost.URL's port_number() does not report every out-of-range port.
    const std::string_view port(u.port().data(), u.port().size());
    unsigned long value = 0;
    for (const char c : port)
      value = port.size() > 5 ? 0 : value * 10 + static_cast<unsigned long>(c - '0');
    if (value == 0 || value > 65535)
      return invalid_url("the port '" + std::string(port) + "' is not 1-65535.");
    t.port = static_cast<std::uint16_t>(value);
  }
  u.remove_fragment();
  t.url = std::string(u.buffer());
  t.display = std::string(u.scheme()) + "://" + std::string(u.encoded_host_and_port()) +
              std::string(u.encoded_path().empty() ? "/" : std::string_view(u.encoded_path()));
  return t;
}

Result<UrlTarget> resolve_url_target(std::string_view url, const AddressGuard& guard) {
  auto target = parse_url_target(url);
  if (!target) return target;
  if (!target->host_is_literal) {
    auto addresses = lookup(target->host, target->display);
    if (!addresses) return addresses.error();
    target->addresses = std::move(addresses).value();
  }
  // Every address must pass: libcurl may connect to any of them.
  for (const auto& address : target->addresses) {
    if (auto status = guard.check(address); !status) {
      return Error{status.error().code, target->display + ": " + status.error().message};
    }
  }
  return target;
}

std::string url_host(std::string_view url) {
  auto target = parse_url_target(url);
  return target ? target->host : std::string();
}

std::string curl_resolve_entry(const UrlTarget& target) {
  std::string entry = target.host + ":" + std::to_string(target.port) + ":";
  for (std::size_t i = 0; i < target.addresses.size(); ++i) {
    if (i > 0) entry += ",";
    const auto& a = target.addresses[i];
    entry += a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
  }
  return entry;
}

}  // namespace vidserve::fetch
