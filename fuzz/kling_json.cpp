// Fuzz target: a Kling-native create call, through the service the /v1/videos/<product> route
// calls (kling::NativeService::handle: authentication, JSON parse, translation to a Runware task,
// validation, submission, the reply in Kling's shape). The input's first line is the product
// ("text2video", "omni-video", ..., or anything else), the rest is the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_world.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vidserve;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const auto product = input.substr(0, newline);
  const auto body =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  const std::string path = "/v1/videos/" + std::string(product);
  auto& world = fuzz::world();
  const auto reply = fuzz::wait_for_reply([&](api::runware::Service::ReplyCallback done) {
    world.kling().handle({"POST", path, "", body, fuzz::kBearer}, done);
  });
  fuzz::check_reply(reply);
  return 0;
}
