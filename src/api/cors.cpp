#include "api/cors.hpp"

#include <algorithm>
#include <boost/beast/http/empty_body.hpp>
#include <cctype>

#include "api/http/responses.hpp"

namespace vidserve::api {

namespace bhttp = http::bhttp;

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view view(boost::beast::string_view s) { return {s.data(), s.size()}; }

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// scheme://host[:port] with scheme http or https, a host of letters, digits, '.', '-' (or an
// IPv6 literal in brackets), and a port of digits.
bool valid_origin(std::string_view origin) {
  std::string_view rest;
  if (starts_with(origin, "http://")) rest = origin.substr(7);
  else if (starts_with(origin, "https://")) rest = origin.substr(8);
  else return false;
  if (rest.empty()) return false;
  std::size_t host_end = 0;
  if (rest.front() == '[') {
    host_end = rest.find(']');
    if (host_end == std::string_view::npos) return false;
    ++host_end;
  } else {
    host_end = std::min(rest.find(':'), rest.size());
    const auto host = rest.substr(0, host_end);
    if (host.empty() || !std::all_of(host.begin(), host.end(), [](unsigned char c) {
          return std::isalnum(c) || c == '.' || c == '-';
        })) {
      return false;
    }
  }
  const auto port = rest.substr(host_end);
  if (port.empty()) return true;
  return port.size() >= 2 && port.size() <= 6 && port.front() == ':' &&
         std::all_of(port.begin() + 1, port.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

Result<CorsPolicy> CorsPolicy::parse(const std::vector<std::string>& origins) {
  CorsPolicy policy;
  for (const auto& given : origins) {
    const auto first = given.find_first_not_of(" \t");
    const auto last = given.find_last_not_of(" \t");
    std::string origin = first == std::string::npos ? std::string() : lower(given.substr(first, last - first + 1));
    if (!origin.empty() && origin.back() == '/') origin.pop_back();
    if (origin.empty()) continue;
    if (origin == "*") {
      policy.any_ = true;
      continue;
    }
    if (!valid_origin(origin)) {
      return Error{cors_errc::kInvalidCorsOrigin, "--cors-origin needs * or scheme://host[:port] "
                                                  "(e.g. https://app.example.com), got '" + given.substr(0, 80) + "'"};
    }
    policy.origins_.push_back(std::move(origin));
  }
  return policy;
}

std::optional<std::string_view> CorsPolicy::route_methods(std::string_view path) {
  if (path == "/v1" || path == "/v1/" || path == "/") return "POST";
  if (starts_with(path, "/v1/tasks/")) return "GET, POST, DELETE";
  if (starts_with(path, "/v1/videos/") || starts_with(path, "/kling/v1/videos/")) return "GET, POST";
  if (starts_with(path, "/media/")) return "GET, HEAD";
  if (path == "/health" || path == "/healthz" || path == "/readyz" || path == "/metrics") return "GET";
  return std::nullopt;
}

std::string CorsPolicy::allow_origin(std::string_view origin) const {
  if (origin.empty()) return {};
  if (any_) return "*";
  const std::string wanted = lower(origin);
  return std::find(origins_.begin(), origins_.end(), wanted) != origins_.end() ? std::string(origin) : std::string();
}

http::HeaderList CorsPolicy::headers_for(const http::Request& req) const {
  const auto allowed = allow_origin(view(req[bhttp::field::origin]));
  if (allowed.empty()) return {};
  http::HeaderList headers{{"Access-Control-Allow-Origin", allowed},
                           {"Access-Control-Expose-Headers", std::string(kExposeHeaders)}};
  if (allowed != "*") headers.emplace_back("Vary", "Origin");
  return headers;
}

std::optional<bhttp::message_generator> CorsPolicy::answer_options(const http::Request& req, std::string_view path,
                                                                    http::Answered* answered) const {
  const auto methods = route_methods(path);
  if (!methods) return std::nullopt;
  http::Answered ignored;
  auto& note = answered ? *answered : ignored;
  note = {204, 0};
  const auto origin = view(req[bhttp::field::origin]);
  bhttp::response<bhttp::empty_body> res{bhttp::status::no_content, req.version()};
  res.set(bhttp::field::server, http::kServerName);
  res.keep_alive(req.keep_alive());
  if (origin.empty() || req[bhttp::field::access_control_request_method].empty()) {
    res.set(bhttp::field::allow, std::string(*methods) + ", OPTIONS");
    return res;
  }
  const auto allowed = allow_origin(origin);
  if (allowed.empty()) {
    auto body = http::error_json(cors_errc::kOriginNotAllowed,
                                 enabled() ? "the origin '" + std::string(origin.substr(0, 200)) +
                                                 "' is not allowed (serve --cors-origin)"
                                           : std::string("CORS is off: start the server with --cors-origin ORIGIN"));
    note = {403, body.size()};
    return http::json_response(req, bhttp::status::forbidden, std::move(body));
  }
  res.set(bhttp::field::access_control_allow_origin, allowed);
  res.set(bhttp::field::access_control_allow_methods, *methods);
  res.set(bhttp::field::access_control_allow_headers, kAllowHeaders);
  res.set(bhttp::field::access_control_max_age, std::to_string(kMaxAgeSeconds));
  if (allowed != "*") res.set(bhttp::field::vary, "Origin");
  return res;
}

}  // namespace vidserve::api
