#pragma once
// libav* libraries print codec statistics at "info" level to stderr. Processes that render
// media (server, worker, tests) call this once to keep only errors.
extern "C" {
#include <libavutil/log.h>
}

namespace vidserve::media {

inline void quiet_libav_logs() {
  av_log_set_level(AV_LOG_ERROR);
}

}  // namespace vidserve::media
