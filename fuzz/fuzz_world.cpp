#include "fuzz_world.hpp"

#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <future>

#include "api/auth.hpp"
#include "api/kling/native_auth.hpp"
#include "api/runware/completion_waiter.hpp"
#include "api/tasks/context.hpp"
#include "api/tasks/submitter.hpp"
#include "catalog/catalog.hpp"
#include "common/clock.hpp"
#include "delivery/local_media_store.hpp"
#include "fetch/data_uri.hpp"
#include "store/memory_media_index.hpp"
#include "store/memory_task_store.hpp"

namespace vidserve::fuzz {

namespace fs = std::filesystem;

namespace {

// Tasks and media that valid inputs stored are dropped with the world after this many calls.
constexpr int kCallsPerWorld = 2000;

fs::path scratch_dir() {
  static int generation = 0;
  const fs::path base =
      fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  return base /
         ("vidserve-fuzz-" + std::to_string(::getpid()) + "-" + std::to_string(generation++));
}

// imageUpload and URL inputs: data URIs only, never the network.
Result<fetch::Blob> fetch_data_uri(const std::string& ref, const std::string&) {
  if (!fetch::is_data_uri(ref))
    return Error{"invalidInput", "the fuzz world resolves data URIs only"};
  return fetch::decode_data_uri(ref);
}

}  // namespace

struct World::Parts {
  FakeClock clock{kNowMs};
  const catalog::Catalog& catalog = catalog::Catalog::builtin();
  store::MemoryTaskStore tasks{clock};
  store::MemoryMediaIndex media_index{clock};
  fs::path dir = scratch_dir();
  std::unique_ptr<delivery::MediaStore> media;
  api::Authenticator auth{{std::string(kApiKey)}, nullptr};
  std::unique_ptr<api::kling::NativeAuth> kling_auth;
  api::tasks::Submitter submitter{tasks};
  // Never started: a synchronous imageInference gets its 504 at once instead of waiting.
  api::runware::CompletionWaiter waiter{tasks};
  std::unique_ptr<api::tasks::Context> context;
  std::unique_ptr<api::runware::Service> runware;
  std::unique_ptr<api::kling::NativeService> kling;
  std::unique_ptr<api::apimart::ApimartService> apimart;

  Parts() {
    fs::create_directories(dir);
    media = std::make_unique<delivery::LocalMediaStore>(dir, media_index, clock);
    media->set_public_base_url("http://127.0.0.1:8080");
    api::kling::NativeAuth::KeyPairs pairs{
        {std::string(kKlingAccessKey), std::string(kKlingSecretKey)}};
    kling_auth = std::make_unique<api::kling::NativeAuth>(std::move(pairs), auth, clock);
    submitter.start();
    context = std::make_unique<api::tasks::Context>(catalog, tasks, *media, auth);
    context->submitter = &submitter;
    context->clock = &clock;
    api::runware::Services services{*context, fetch_data_uri};
    services.waiter = &waiter;
    runware = std::make_unique<api::runware::Service>(std::move(services));
    kling = std::make_unique<api::kling::NativeService>(*context, *kling_auth);
    apimart = std::make_unique<api::apimart::ApimartService>(*context);
  }
  ~Parts() {
    submitter.stop();
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

World::World() : parts_(std::make_unique<Parts>()) {}
World::~World() = default;

const api::runware::Service& World::runware() const {
  return *parts_->runware;
}
const api::kling::NativeService& World::kling() const {
  return *parts_->kling;
}
const api::apimart::ApimartService& World::apimart() const {
  return *parts_->apimart;
}
delivery::MediaStore& World::media() {
  return *parts_->media;
}

World& world() {
  static std::unique_ptr<World> current;
  static int calls = 0;
  if (!current || ++calls % kCallsPerWorld == 0) {
    current.reset();
    current = std::make_unique<World>();
  }
  return *current;
}

api::runware::Reply wait_for_reply(
    const std::function<void(api::runware::Service::ReplyCallback)>& handler) {
  std::promise<api::runware::Reply> promise;
  auto future = promise.get_future();
  handler([&promise](api::runware::Reply reply) { promise.set_value(std::move(reply)); });
  return future.get();
}

void check_reply(const api::runware::Reply& reply) {
  boost::system::error_code ec;
  (void)boost::json::parse(reply.body, ec);
  if (ec || reply.status == 500 || reply.status < 200 || reply.status > 599) __builtin_trap();
}

}  // namespace vidserve::fuzz
