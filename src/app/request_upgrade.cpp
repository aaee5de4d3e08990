#include "app/request_upgrade.hpp"

#include "api/runware/legacy_request.hpp"
#include "core/task_spec.hpp"

namespace vidserve::app {

namespace {

constexpr int kBatch = 256;

}  // namespace

Result<std::int64_t> upgrade_stored_requests(store::TaskStore& tasks) {
  std::int64_t converted = 0;
  for (;;) {
    auto batch = tasks.older_requests(static_cast<int>(core::kTaskSpecVersion), kBatch);
    if (!batch) return batch.error();
    if (batch->empty()) return converted;
    std::vector<store::TaskStore::RequestRewrite> rewrites;
    for (auto& task : *batch) {
      auto spec = api::runware::spec_from_legacy_request(task.request);
      rewrites.push_back({task.key, spec ? core::encode_task_spec(*spec) : std::move(task.request),
                          static_cast<int>(core::kTaskSpecVersion)});
    }
    if (auto ok = tasks.rewrite_requests(rewrites); !ok) return ok.error();
    converted += static_cast<std::int64_t>(rewrites.size());
  }
}

}  // namespace vidserve::app
