#include "delivery/s3_location.hpp"

#include <algorithm>
#include <optional>

#include "delivery/media_store.hpp"

namespace vidserve::delivery {

namespace {

constexpr std::string_view kScheme = "s3://";
constexpr std::size_t kMaxPrefix = 512;

Error invalid(const std::string& why) {
  return Error{errc::kInvalidS3Url,
               "invalid S3 media URL: " + why +
                   " (expected s3://BUCKET[/PREFIX]?endpoint=http://HOST:PORT&region=REGION)"};
}

bool lower_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool valid_bucket(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  if (!lower_or_digit(name.front()) || !lower_or_digit(name.back())) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return lower_or_digit(c) || c == '.' || c == '-'; });
}

bool valid_prefix_segment(std::string_view segment) {
  if (segment.empty() || segment == "." || segment == "..") return false;
  return std::all_of(segment.begin(), segment.end(), [](char c) {
    return lower_or_digit(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-';
  });
}

Result<std::string> parse_prefix(std::string_view path) {
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.size() > kMaxPrefix) return invalid("the prefix is longer than 512 characters");
  for (std::size_t start = 0; !path.empty();) {
    const auto end = std::min(path.find('/', start), path.size());
    if (!valid_prefix_segment(path.substr(start, end - start))) {
      return invalid("the prefix '" + std::string(path) +
                     "' has an empty, '.' or '..' segment, or a character other than "
                     "A-Z a-z 0-9 . _ -");
    }
    if (end == path.size()) break;
    start = end + 1;
  }
  return std::string(path);
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = hex(text[i + 1]);
    const int lo = hex(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

bool valid_port(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const int value = std::stoi(std::string(port));
  return value >= 1 && value <= 65535;
}

// "http://host:port" with the default port dropped, or the error.
Result<std::string> parse_endpoint(std::string_view endpoint) {
  std::string_view scheme;
  if (endpoint.starts_with("http://")) {
    scheme = "http";
  } else if (endpoint.starts_with("https://")) {
    scheme = "https";
  } else {
    return invalid("the endpoint must start with http:// or https://");
  }
  std::string_view authority = endpoint.substr(scheme.size() + 3);
  if (authority.ends_with("/")) authority.remove_suffix(1);
  if (authority.find('@') != std::string_view::npos) {
    return invalid(
        "the endpoint carries credentials; set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY instead");
  }
  if (authority.empty() || authority.find_first_of("/?# ") != std::string_view::npos) {
    return invalid("the endpoint must be scheme://host[:port] without a path");
  }
  const auto host_end = authority.front() == '[' ? authority.find(']') + 1 : authority.rfind(':');
  if (host_end == 0) return invalid("the endpoint's IPv6 address is not closed with ']'");
  std::string_view host = authority.substr(0, std::min(host_end, authority.size()));
  std::string_view port = host_end < authority.size() ? authority.substr(host_end) : "";
  if (!port.empty() && (port.front() != ':' || !valid_port(port.substr(1)))) {
    return invalid("the endpoint's port is not a number from 1 to 65535");
  }
  if (host.empty()) return invalid("the endpoint has no host");
  if ((scheme == "http" && port == ":80") || (scheme == "https" && port == ":443")) port = "";
  return std::string(scheme) + "://" + std::string(host) + std::string(port);
}

bool valid_region(std::string_view region) {
  return !region.empty() && region.size() <= 64 &&
         std::all_of(region.begin(), region.end(),
                     [](char c) { return lower_or_digit(c) || c == '-'; });
}

// endpoint= and region= of the query into `location`.
Status parse_query(std::string_view query, S3Location& location) {
  std::optional<std::string> endpoint;
  std::optional<std::string> region;
  while (!query.empty()) {
    const auto amp = std::min(query.find('&'), query.size());
    const auto pair = query.substr(0, amp);
    query = amp < query.size() ? query.substr(amp + 1) : std::string_view();
    const auto eq = pair.find('=');
    const auto name = pair.substr(0, eq);
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!value) return invalid("the value of '" + std::string(name) + "' is badly percent-encoded");
    if (name != "endpoint" && name != "region") {
      return invalid("unknown parameter '" + std::string(name) + "'; known: endpoint, region");
    }
    auto& slot = name == "endpoint" ? endpoint : region;
    if (slot) return invalid("'" + std::string(name) + "' is given twice");
    slot = std::move(*value);
  }
  location.bucket.region = region.value_or("us-east-1");
  if (!valid_region(location.bucket.region)) {
    return invalid("the region '" + location.bucket.region + "' is not a-z 0-9 -");
  }
  auto parsed =
      parse_endpoint(endpoint.value_or("https://s3." + location.bucket.region + ".amazonaws.com"));
  if (!parsed) return parsed.error();
  location.bucket.endpoint = std::move(*parsed);
  return Ok{};
}

}  // namespace

std::string S3Location::describe() const {
  return "s3://" + bucket.name + (prefix.empty() ? "" : "/" + prefix) + " at " + bucket.endpoint;
}

Result<S3Location> parse_s3_url(std::string_view url) {
  if (!url.starts_with(kScheme)) return invalid("it does not start with s3://");
  if (url.find('#') != std::string_view::npos) return invalid("it has a fragment ('#')");
  url.remove_prefix(kScheme.size());
  const auto query_at = std::min(url.find('?'), url.size());
  const auto path = url.substr(0, query_at);
  const auto slash = std::min(path.find('/'), path.size());
  const auto bucket = path.substr(0, slash);
  if (bucket.find('@') != std::string_view::npos) {
    return invalid(
        "credentials never go in the URL; set AWS_ACCESS_KEY_ID and "
        "AWS_SECRET_ACCESS_KEY");
  }
  if (!valid_bucket(bucket)) {
    return invalid("the bucket name '" + std::string(bucket) +
                   "' is not 3 to 63 of a-z 0-9 . - starting and ending with a letter or digit");
  }
  S3Location location;
  location.bucket.name = std::string(bucket);
  auto prefix = parse_prefix(slash < path.size() ? path.substr(slash + 1) : "");
  if (!prefix) return prefix.error();
  location.prefix = std::move(*prefix);
  if (auto query = parse_query(query_at < url.size() ? url.substr(query_at + 1) : "", location);
      !query) {
    return query.error();
  }
  return location;
}

}  // namespace vidserve::delivery
