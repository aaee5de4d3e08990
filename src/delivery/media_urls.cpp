#include "delivery/media_urls.hpp"

#include "delivery/media_types.hpp"

namespace vidserve::delivery {

void MediaUrls::set_base(std::string base) {
  if (claimed_.exchange(true)) return;
  base_ = std::move(base);
  ready_.store(true, std::memory_order_release);
}

std::string MediaUrls::url(std::string_view uuid, std::string_view content_type) const {
  std::string out = ready() ? base_ : std::string();
  out.append(kMediaPathPrefix);
  out.append(uuid);
  out.append(".");
  out.append(extension_for(content_type));
  return out;
}

}  // namespace vidserve::delivery
