#pragma once
// The public URLs of media, <base>/media/<uuid>.<ext>: built here and nowhere else. The base URL
// is set once, when the HTTP server has bound its port (it may be chosen by the OS); URLs built
// before that start with "". Safe to use from any thread.
#include <atomic>
#include <string>
#include <string_view>

namespace vidserve::delivery {

// The path under which the HTTP server serves media (GET/HEAD /media/<uuid>.<ext>).
inline constexpr std::string_view kMediaPathPrefix = "/media/";

class MediaUrls {
 public:
  // The first call sets the base ("http://127.0.0.1:8080", no trailing slash); later calls
  // change nothing.
  void set_base(std::string base);
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  // "<base>/media/<uuid>.<ext of content_type>".
  std::string url(std::string_view uuid, std::string_view content_type) const;

 private:
  std::atomic<bool> claimed_{false};
  std::atomic<bool> ready_{false};
  std::string base_;  // written once, before ready_
};

}  // namespace vidserve::delivery
