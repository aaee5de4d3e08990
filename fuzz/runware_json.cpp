// Fuzz target: a Runware POST /v1 body, through the service the REST route calls
// (runware::Service::handle_async: JSON parse, task dispatch, validation, durable submission,
// the reply envelope), and through check_document, the `vidserve validate` path.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/runware/document_check.hpp"
#include "catalog/catalog.hpp"
#include "fuzz_world.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace vidserve;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto& world = fuzz::world();
  const auto reply = fuzz::wait_for_reply([&](api::runware::Service::ReplyCallback done) {
    world.runware().handle_async(body, fuzz::kBearer, done);
  });
  fuzz::check_reply(reply);
  (void)api::runware::check_document(body, catalog::Catalog::builtin());
  return 0;
}
