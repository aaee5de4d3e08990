// VIDSERVE_ENGINE_ROUTES and VIDSERVE_KLING_* -> engines and routes, with clear start-up errors.
#include "app/engine_config.hpp"

#include <gtest/gtest.h>

#include <map>

namespace vidserve::app {
namespace {

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

const std::map<std::string, std::string> kKeys{{"VIDSERVE_KLING_ACCESS_KEY", "ak"},
                                               {"VIDSERVE_KLING_SECRET_KEY", "sk"}};

std::map<std::string, std::string> with_keys(std::map<std::string, std::string> extra) {
  auto all = kKeys;
  all.insert(extra.begin(), extra.end());
  return all;
}

TEST(EngineRoutes, ParsesRulesInOrder) {
  auto routes = parse_engine_routes(" klingai:3@1=kling , klingai:*=preview,*=preview ");
  ASSERT_TRUE(routes) << routes.error().message;
  ASSERT_EQ(routes->size(), 3u);
  EXPECT_EQ((*routes)[0].pattern, "klingai:3@1");
  EXPECT_EQ((*routes)[0].engine, "kling");
  EXPECT_EQ((*routes)[1].pattern, "klingai:*");
  EXPECT_EQ((*routes)[2].pattern, "*");
  for (const char* bad : {"klingai:*", "=kling", "klingai:*=", "kling*ai=kling", ",,"}) {
    auto r = parse_engine_routes(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "invalidEngineRoutes");
  }
}

TEST(EngineConfig, DefaultIsPreviewForEverything) {
  engine::EngineRouter router;
  std::string summary;
  ASSERT_TRUE(configure_engines(router, {}, env_of({}), &summary));
  ASSERT_NE(router.engine_for("klingai:3@1"), nullptr);
  EXPECT_EQ(router.engine_for("klingai:3@1")->name(), "preview");
  EXPECT_EQ(summary, "engines: *=preview");
}

TEST(EngineConfig, KlingServesTheRoutedModels) {
  engine::EngineRouter router;
  std::string summary;
  auto ok =
      configure_engines(router, {},
                        env_of(with_keys({{"VIDSERVE_ENGINE_ROUTES", "klingai:3@1=kling,*=preview"},
                                          {"VIDSERVE_KLING_BASE_URL", "http://127.0.0.1:9"}})),
                        &summary);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(router.engine_for("klingai:3@1")->name(), "kling");
  EXPECT_EQ(router.engine_for("klingai:3@2")->name(), "preview");
  EXPECT_EQ(summary, "engines: klingai:3@1=kling, *=preview; kling relays to http://127.0.0.1:9");
}

TEST(EngineConfig, KlingConfigFromEnvironment) {
  auto none = kling_config_from_env(env_of({}));
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  auto config = kling_config_from_env(env_of(with_keys({{"VIDSERVE_KLING_POLL_MS", "200"},
                                                        {"VIDSERVE_KLING_TIMEOUT_S", "60"},
                                                        {"VIDSERVE_KLING_CONCURRENCY", "20"}})));
  ASSERT_TRUE(config && *config);
  const auto& c = **config;
  EXPECT_EQ(c.base_url, "https://api-singapore.klingai.com");
  EXPECT_EQ(c.access_key, "ak");
  EXPECT_EQ(c.secret_key, "sk");
  EXPECT_EQ(c.poll_initial.count(), 200);
  EXPECT_EQ(c.poll_max.count(), 10000);
  EXPECT_EQ(c.task_timeout.count(), 60);
  EXPECT_EQ(c.max_concurrency, 20);
}

TEST(EngineConfig, ClearErrors) {
  engine::EngineRouter router;
  auto unknown = configure_engines(
      router, {}, env_of({{"VIDSERVE_ENGINE_ROUTES", "klingai:*=comfy,*=runway"}}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "unknownEngine");
  EXPECT_NE(unknown.error().message.find("'comfy', 'runway'"), std::string::npos)
      << unknown.error().message;

  auto no_keys =
      configure_engines(router, {}, env_of({{"VIDSERVE_ENGINE_ROUTES", "klingai:*=kling"}}));
  ASSERT_FALSE(no_keys);
  EXPECT_EQ(no_keys.error().code, "engineNotConfigured");
  EXPECT_NE(no_keys.error().message.find("VIDSERVE_KLING_ACCESS_KEY"), std::string::npos);

  auto half = kling_config_from_env(env_of({{"VIDSERVE_KLING_ACCESS_KEY", "ak"}}));
  ASSERT_FALSE(half);
  EXPECT_NE(half.error().message.find("VIDSERVE_KLING_SECRET_KEY is not set"), std::string::npos);

  auto bad_number = kling_config_from_env(env_of(with_keys({{"VIDSERVE_KLING_POLL_MS", "fast"}})));
  ASSERT_FALSE(bad_number);
  EXPECT_NE(bad_number.error().message.find("VIDSERVE_KLING_POLL_MS"), std::string::npos);

  auto bad_url =
      kling_config_from_env(env_of(with_keys({{"VIDSERVE_KLING_BASE_URL", "ftp://kling"}})));
  ASSERT_FALSE(bad_url);
  EXPECT_NE(bad_url.error().message.find("VIDSERVE_KLING_BASE_URL"), std::string::npos);
}

}  // namespace
}  // namespace vidserve::app
