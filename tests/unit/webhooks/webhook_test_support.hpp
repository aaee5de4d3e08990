#pragma once
// What the webhook tests share: a tasks::Context over in-memory stores and a FakeClock, and
// finished task records in the shape each front-end stores them.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "api/auth.hpp"
#include "api/tasks/context.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "common/uuid.hpp"
#include "core/result_payload.hpp"
#include "core/task_spec.hpp"
#include "delivery/local_media_store.hpp"
#include "store/memory_media_index.hpp"
#include "store/memory_task_store.hpp"
#include "store/webhook_outbox.hpp"

namespace vidserve::api::webhooks::testing {

inline constexpr const char* kOwner = "owner-a";
inline constexpr const char* kBase = "http://media.example:8080";

struct World {
  FakeClock clock;
  catalog::Catalog catalog = catalog::Catalog::load_default().value();
  store::MemoryTaskStore tasks{clock};
  store::MemoryMediaIndex media_index{clock};
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / ("vidserve-webhooks-" + uuid::generate_v4());
  std::unique_ptr<delivery::MediaStore> media;
  Authenticator auth{{}, nullptr};
  std::unique_ptr<tasks::Context> context;  // media URLs under kBase

  World() {
    std::filesystem::create_directories(dir);
    media = std::make_unique<delivery::LocalMediaStore>(dir, media_index, clock);
    media->set_public_base_url(kBase);
    context = std::make_unique<tasks::Context>(catalog, tasks, *media, auth);
  }
  ~World() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  // Stores a task as its front-end would and runs it to the end: `results` successful videos, or
  // a failure when `results` is 0.
  store::TaskRecord finished(const std::string& api, const std::string& request, int results,
                             const std::string& external_id = "") {
    store::TaskRecord t;
    t.task_uuid = uuid::generate_v4();
    t.owner = kOwner;
    t.task_type = "videoInference";
    t.model = "klingai:3@1";
    t.api = api;
    t.external_id = external_id;
    t.request = request;
    for (int i = 0; i < std::max(results, 1); ++i) {
      t.results.push_back({i, uuid::generate_v4(), "processing", ""});
    }
    EXPECT_TRUE(tasks.enqueue(t));
    EXPECT_TRUE(tasks.claim_next("w1", 60000));
    const auto claim = store::claim_of(tasks.get(kOwner, t.task_uuid).value());
    if (results == 0) {
      EXPECT_TRUE(tasks.fail(claim, "inferenceError", "the engine gave up"));
    } else {
      for (int i = 0; i < results; ++i) {
        core::ResultPayload p;
        p.content_type = "video/mp4";
        p.seed = 42 + static_cast<std::uint64_t>(i);
        p.duration_s = 5;
        p.engine = "preview";
        EXPECT_TRUE(tasks.put_result(claim, {i, t.results[static_cast<std::size_t>(i)].media_uuid, "success",
                                                   core::encode(p)}));
      }
      EXPECT_TRUE(tasks.complete(claim));
    }
    return tasks.get(kOwner, t.task_uuid).value();
  }
};

// A JSON string's text (anything else serialised), comparable with std::string in EXPECT_EQ.
inline std::string text(const boost::json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : boost::json::serialize(v);
}

// A stored request (a task spec) as the front-ends write one, with this webhook ("" for none).
inline std::string runware_request(const std::string& webhook = "https://hooks.example/runware") {
  core::VideoRequest r;
  r.task_type = "videoInference";
  r.model = "klingai:3@1";
  r.positive_prompt = "a fox";
  if (!webhook.empty()) r.options.webhook_url = webhook;
  return core::encode_task_spec(core::TaskSpec{r, {}});
}

// A new task as a front-end would enqueue it with this webhook: the final state as its event, and
// Kling's submitted and processing too for a "kling:" api.
inline store::TaskRecord hooked_task(const std::string& api, const std::string& url,
                                     const std::string& owner = kOwner) {
  store::TaskRecord t;
  t.task_uuid = uuid::generate_v4();
  t.owner = owner;
  t.task_type = "videoInference";
  t.model = "klingai:3@1";
  t.api = api;
  t.request = runware_request(url);
  t.webhook_url = url;
  t.webhook_events = store::kWebhookFinal;
  if (api.rfind("kling:", 0) == 0) t.webhook_events |= store::kWebhookSubmitted | store::kWebhookProcessing;
  return t;
}

}  // namespace vidserve::api::webhooks::testing
