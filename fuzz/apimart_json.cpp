// Fuzz target: an APIMart POST /v1/videos/generations body, through the service that route calls
// (apimart::ApimartService::handle: JSON parse, translation to Kling's native body and then to a
// Runware task, validation, submission, the reply in APIMart's shape).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_world.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vidserve;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto& world = fuzz::world();
  const auto reply = fuzz::wait_for_reply([&](api::runware::Service::ReplyCallback done) {
    world.apimart().handle("POST", "/v1/videos/generations", body, fuzz::kBearer, done);
  });
  fuzz::check_reply(reply);
  return 0;
}
