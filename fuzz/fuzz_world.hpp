#pragma once
// What the service-level fuzz targets share: the Runware, Kling-native and APIMart services over
// in-memory stores, wired as `vidserve serve` wires them (app/server_app.cpp) but without
// workers, webhooks or network fetches. One API key and one Kling key pair are valid, so that
// inputs get past authentication into parsing and validation; the clock is fixed.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api/apimart/apimart_service.hpp"
#include "api/kling/native_service.hpp"
#include "api/runware/service.hpp"

namespace vidserve::fuzz {

inline constexpr std::string_view kApiKey = "fuzz-api-key";
inline constexpr std::string_view kBearer = "Bearer fuzz-api-key";
inline constexpr std::string_view kKlingAccessKey = "fuzz-access-key";
inline constexpr std::string_view kKlingSecretKey = "fuzz-secret-key";
inline constexpr std::int64_t kNowMs = 1'700'000'000'000;  // the FakeClock's time

class World {
 public:
  World();
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  const api::runware::Service& runware() const;
  const api::kling::NativeService& kling() const;
  const api::apimart::ApimartService& apimart() const;
  delivery::MediaStore& media();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

// The shared world. It is rebuilt every few thousand calls, so that the tasks and media that valid
// inputs store stay bounded; nothing may hold on to it between two inputs.
World& world();

// Calls `handler` with a callback and waits for the reply it sends (possibly from the committer
// thread), like runware::Service::handle.
api::runware::Reply wait_for_reply(
    const std::function<void(api::runware::Service::ReplyCallback)>& handler);

// Traps (a crash libFuzzer reports) unless the reply is a JSON document with a status other
// than 500: malformed input must get a client error, never an internal one.
void check_reply(const api::runware::Reply& reply);

}  // namespace vidserve::fuzz
