#pragma once
// Which engines `vidserve serve` runs and which models each serves, from the environment:
//
//   VIDSERVE_ENGINE_ROUTES      comma-separated pattern=engine rules, first match wins; a pattern
//   is
//                               an exact AIR, a prefix ending in '*', or '*'. Default "*=preview".
//                               e.g. "klingai:*=kling" or "klingai:3@1=kling,*=preview".
//   VIDSERVE_KLING_ACCESS_KEY,  Kling API keys; with both set the "kling" engine is added.
//   VIDSERVE_KLING_SECRET_KEY
//   VIDSERVE_KLING_BASE_URL     default https://api-singapore.klingai.com
//   VIDSERVE_KLING_POLL_MS      first poll / retry delay, doubling up to VIDSERVE_KLING_POLL_MAX_MS
//                               (defaults 1000 and 10000)
//   VIDSERVE_KLING_TIMEOUT_S    per Kling task, retries included (default 1800)
//   VIDSERVE_KLING_CONCURRENCY  Kling tasks in flight at once (default 5, a trial pack's limit)
//   VIDSERVE_KLING_CONNECTIONS  kept-alive connections per host: Kling's API, its result host (default 8)
//   VIDSERVE_KLING_THREADS      the engine's pool for result probes, provider-state saves and DNS
//                               (default 2); its calls to Kling run on one more thread
//
// The "preview" engine is always present. Unknown engine names, malformed rules or numbers, and a
// route to kling without its keys are start-up errors that name what is wrong.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "engine/engine.hpp"
#include "engine/kling/kling_engine.hpp"
#include "fetch/address_guard.hpp"

namespace vidserve::app {

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();  // std::getenv; unset and empty both read as nullopt

struct EngineRoute {
  std::string pattern;
  std::string engine;
};

// "klingai:*=kling, *=preview" -> rules in order. Error "invalidEngineRoutes" names the bad rule.
Result<std::vector<EngineRoute>> parse_engine_routes(std::string_view text);

// nullopt when neither key is set; an error when only one is, or a number/URL is malformed.
Result<std::optional<engine::KlingConfig>> kling_config_from_env(const EnvLookup& env);

// Adds the engines and the routes to `router`. `summary`, when given, receives one line saying
// what serves what (for the start-up log).
Status configure_engines(engine::EngineRouter& router, fetch::AddressGuard guard,
                         const EnvLookup& env, std::string* summary = nullptr);

// The process environment, the SSRF guard from VIDSERVE_FETCH_ALLOW; logs the summary and
// returns it ("engines: *=preview").
Result<std::string> configure_engines(engine::EngineRouter& router);

}  // namespace vidserve::app
