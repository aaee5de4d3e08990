#pragma once
// The server's input fetching: fetch::InputResolver with uploads and earlier results looked up
// in the media store (only the owner's own), http(s) inputs through the SSRF guard
// (VIDSERVE_FETCH_ALLOW lists CIDRs let through despite being loopback or private).
#include <memory>

#include "core/scheduler/task_runner.hpp"
#include "delivery/media_store.hpp"
#include "fetch/input_resolver.hpp"

namespace vidserve::app {

class InputFetcher {
 public:
  static Result<std::unique_ptr<InputFetcher>> create(delivery::MediaStore& media);
  core::InputFetcher as_function() const;

 private:
  explicit InputFetcher(std::unique_ptr<fetch::InputResolver> resolver) : resolver_(std::move(resolver)) {}
  std::unique_ptr<fetch::InputResolver> resolver_;
};

}  // namespace vidserve::app
