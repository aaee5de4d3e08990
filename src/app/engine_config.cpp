#include "app/engine_config.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <memory>

#include "app/error_codes.hpp"
#include "common/log.hpp"
#include "engine/error_codes.hpp"
#include "engine/preview/preview_engine.hpp"
#include "fetch/http_client.hpp"
#include "fetch/url_target.hpp"

namespace vidserve::app {

namespace {

constexpr const char* kRoutes = "VIDSERVE_ENGINE_ROUTES";
constexpr const char* kDefaultRoutes = "*=preview";
const std::vector<std::string> kEngines{"preview", "kling"};

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

// A whole number in [min, max] from the variable, or its default.
Result<long long> number(const EnvLookup& env, const std::string& name, long long fallback,
                         long long min, long long max) {
  const auto text = env(name);
  if (!text) return fallback;
  const auto value_text = trim(*text);
  long long value = 0;
  const auto [end, ec] =
      std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
  if (ec != std::errc() || end != value_text.data() + value_text.size() || value < min ||
      value > max) {
    return Error{errc::kInvalidEngineConfig,
                 name + " must be a whole number from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got '" + value_text.substr(0, 40) + "'."};
  }
  return value;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

Result<std::vector<EngineRoute>> parse_engine_routes(std::string_view text) {
  std::vector<EngineRoute> routes;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = std::min(text.find(',', start), text.size());
    const auto rule = trim(text.substr(start, comma - start));
    start = comma + 1;
    if (rule.empty()) continue;
    const auto eq = rule.find('=');
    const auto pattern =
        eq == std::string::npos ? std::string() : trim(std::string_view(rule).substr(0, eq));
    const auto engine =
        eq == std::string::npos ? std::string() : trim(std::string_view(rule).substr(eq + 1));
    if (pattern.empty() || engine.empty()) {
      return Error{errc::kInvalidEngineRoutes,
                   std::string(kRoutes) + ": rule '" + rule +
                       "' is not pattern=engine (e.g. klingai:*=kling)."};
    }
    if (pattern.find('*') != std::string::npos && pattern.find('*') != pattern.size() - 1) {
      return Error{errc::kInvalidEngineRoutes,
                   std::string(kRoutes) + ": pattern '" + pattern +
                       "' may only end in '*' (an exact AIR, a prefix*, or *)."};
    }
    routes.push_back({pattern, engine});
  }
  if (routes.empty())
    return Error{errc::kInvalidEngineRoutes, std::string(kRoutes) + " has no pattern=engine rule."};
  return routes;
}

Result<std::optional<engine::KlingConfig>> kling_config_from_env(const EnvLookup& env) {
  const auto access = env("VIDSERVE_KLING_ACCESS_KEY");
  const auto secret = env("VIDSERVE_KLING_SECRET_KEY");
  if (!access && !secret) return std::optional<engine::KlingConfig>{};
  if (!access || !secret) {
    return Error{errc::kInvalidEngineConfig,
                 std::string("the kling engine needs both VIDSERVE_KLING_ACCESS_KEY and "
                             "VIDSERVE_KLING_SECRET_KEY; ") +
                     (access ? "VIDSERVE_KLING_SECRET_KEY" : "VIDSERVE_KLING_ACCESS_KEY") +
                     " is not set."};
  }
  engine::KlingConfig config;
  config.access_key = trim(*access);
  config.secret_key = trim(*secret);
  if (const auto base = env("VIDSERVE_KLING_BASE_URL")) config.base_url = trim(*base);
  if (auto target = fetch::parse_url_target(config.base_url); !target) {
    return Error{errc::kInvalidEngineConfig, "VIDSERVE_KLING_BASE_URL: " + target.error().message};
  }
  auto poll = number(env, "VIDSERVE_KLING_POLL_MS", 1000, 1, 600'000);
  if (!poll) return poll.error();
  auto poll_max =
      number(env, "VIDSERVE_KLING_POLL_MAX_MS", std::max(10'000LL, *poll), 1, 3'600'000);
  if (!poll_max) return poll_max.error();
  auto timeout = number(env, "VIDSERVE_KLING_TIMEOUT_S", 1800, 1, 7 * 24 * 3600);
  if (!timeout) return timeout.error();
  auto concurrency = number(env, "VIDSERVE_KLING_CONCURRENCY", 5, 1, 1000);
  if (!concurrency) return concurrency.error();
  config.poll_initial = std::chrono::milliseconds(*poll);
  config.poll_max = std::chrono::milliseconds(std::max(*poll, *poll_max));
  config.task_timeout = std::chrono::seconds(*timeout);
  config.max_concurrency = static_cast<int>(*concurrency);
  auto connections = number(env, "VIDSERVE_KLING_CONNECTIONS", 8, 1, 256);
  if (!connections) return connections.error();
  auto threads = number(env, "VIDSERVE_KLING_THREADS", 2, 1, 64);
  if (!threads) return threads.error();
  config.max_connections = static_cast<long>(*connections);
  config.blocking_threads = static_cast<int>(*threads);
  return std::optional<engine::KlingConfig>(std::move(config));
}

Status configure_engines(engine::EngineRouter& router, fetch::AddressGuard guard,
                         const EnvLookup& env, std::string* summary) {
  const auto routes_text = env(kRoutes);
  auto routes = parse_engine_routes(routes_text ? *routes_text : kDefaultRoutes);
  if (!routes) return routes.error();
  std::vector<std::string> unknown;
  bool wants_kling = false;
  for (const auto& r : *routes) {
    if (std::find(kEngines.begin(), kEngines.end(), r.engine) == kEngines.end()) {
      if (std::find(unknown.begin(), unknown.end(), "'" + r.engine + "'") == unknown.end()) {
        unknown.push_back("'" + r.engine + "'");
      }
    }
    wants_kling = wants_kling || r.engine == "kling";
  }
  if (!unknown.empty()) {
    return Error{engine::errc::kUnknownEngine, std::string(kRoutes) + " names unknown engine" +
                                                   (unknown.size() > 1 ? "s " : " ") +
                                                   join(unknown) + "; the engines are " +
                                                   join(kEngines) + "."};
  }
  auto kling = kling_config_from_env(env);
  if (!kling) return kling.error();
  if (wants_kling && !*kling) {
    return Error{errc::kEngineNotConfigured,
                 std::string(kRoutes) +
                     " routes models to the kling engine, but VIDSERVE_KLING_ACCESS_KEY and "
                     "VIDSERVE_KLING_SECRET_KEY are not set."};
  }
  router.add(std::make_unique<engine::PreviewEngine>());
  std::string base_url;
  if (*kling) {
    base_url = (*kling)->base_url;
    router.add(std::make_unique<engine::KlingEngine>(std::move(**kling),
                                                     fetch::HttpClient(std::move(guard))));
  }
  std::vector<std::string> rules;
  for (const auto& r : *routes) {
    if (auto routed = router.route(r.pattern, r.engine); !routed) return routed.error();
    rules.push_back(r.pattern + "=" + r.engine);
  }
  if (summary) {
    *summary = "engines: " + join(rules);
    if (!base_url.empty()) *summary += "; kling relays to " + base_url;
    if (!base_url.empty() && !wants_kling)
      *summary += " (no route uses it: set " + std::string(kRoutes) + ")";
  }
  return Ok{};
}

Result<std::string> configure_engines(engine::EngineRouter& router) {
  auto guard = fetch::AddressGuard::from_env();
  if (!guard) return guard.error();
  std::string summary;
  if (auto configured = configure_engines(router, std::move(*guard), process_env(), &summary);
      !configured) {
    return configured.error();
  }
  log::get().info("{}", summary);
  return summary;
}

}  // namespace vidserve::app
