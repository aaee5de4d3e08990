#pragma once
// A front-ends' tasks::Context over in-memory stores and a scratch media directory (removed at
// the end), with the built-in catalog and the API key "key".
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "api/tasks/context.hpp"
#include "delivery/local_media_store.hpp"
#include "store/memory_media_index.hpp"
#include "store/memory_task_store.hpp"

namespace vidserve::api::tasks {

class ContextTest : public testing::Test {
 protected:
  ContextTest()
      : dir_(std::filesystem::temp_directory_path() /
             ("vidserve-frontends-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))),
        tasks_(clock_),
        index_(clock_),
        media_(dir_, index_, clock_),
        auth_({"key"}, nullptr),
        context_(catalog::Catalog::builtin(), tasks_, media_, auth_) {}
  ~ContextTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  static inline std::atomic<int> counter_{0};
  std::filesystem::path dir_;
  FakeClock clock_;
  store::MemoryTaskStore tasks_;
  store::MemoryMediaIndex index_;
  delivery::LocalMediaStore media_;
  Authenticator auth_;
  Context context_;
};

}  // namespace vidserve::api::tasks
