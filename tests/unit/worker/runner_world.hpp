#pragma once
// What the task runner and scheduler tests share: a media store in a temporary directory (removed
// afterwards) and an engine router that sends every model to one fake engine of type E.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "delivery/local_media_store.hpp"
#include "engine/engine.hpp"
#include "media/image_codec.hpp"
#include "store/memory_media_index.hpp"
#include "store/task_events.hpp"

namespace vidserve::worker::test_support {

// A complete PNG of this size (inputs are checked to be real images before rendering).
inline std::string png(int width, int height) {
  media::RgbImage image;
  image.width = width;
  image.height = height;
  image.rgb.assign(static_cast<std::size_t>(width) * height * 3, 120);
  auto bytes = media::encode_image(image, media::ImageFormat::Png, 90);
  return bytes ? *bytes : std::string();
}

inline std::filesystem::path fresh_media_dir() {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             ("vidserve-runner-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::create_directories(dir);
  return dir;
}

// What the runner publishes, kept in `published` (single-threaded tests read it) and handed to
// the test's callbacks (on the publishing thread).
struct CallbackEvents final : store::TaskEvents {
  std::function<void(const store::TaskEvent&)> on_progress, on_finished;
  std::vector<store::TaskEvent> published;
  void publish(const store::TaskEvent& event) override {
    {
      const std::lock_guard lock(mutex);
      published.push_back(event);
    }
    const auto& call = event.kind == store::TaskEvent::Kind::Progress ? on_progress : on_finished;
    if (call) call(event);
  }
  void listen(store::TaskEventListener&) override {}
  std::mutex mutex;
};

template <class E>
struct RunnerWorld {
  explicit RunnerWorld(const Clock& clock)
      : dir(fresh_media_dir()), index(clock), media(dir, index, clock) {
    auto owned = std::make_unique<E>();
    engine = owned.get();
    engines.add(std::move(owned));
    EXPECT_TRUE(engines.route("*", "fake"));
  }
  ~RunnerWorld() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  RunnerWorld(const RunnerWorld&) = delete;
  RunnerWorld& operator=(const RunnerWorld&) = delete;

  std::filesystem::path dir;
  store::MemoryMediaIndex index;
  delivery::LocalMediaStore media;
  engine::EngineRouter engines;
  E* engine = nullptr;
};

}  // namespace vidserve::worker::test_support
