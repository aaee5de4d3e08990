// The stores of a shared deployment (server_parts.hpp): PostgreSQL for tasks, the webhook outbox,
// keys, spend and the media index; media in an S3-compatible object store (or this process's
// media directory); task events and queue wakes over LISTEN/NOTIFY. This build has none of them
// yet: both functions refuse with app::errc::kSharedStoreUnavailable.
#include "app/error_codes.hpp"
#include "app/server_parts.hpp"
#include "app/storage_urls.hpp"

namespace vidserve::app {

namespace {

Error unavailable(const std::string& store_url) {
  return Error{errc::kSharedStoreUnavailable,
               "this build of vidserve has no PostgreSQL store yet (--store " +
                   shown_url(store_url) + "); use the SQLite default"};
}

}  // namespace

Result<std::unique_ptr<Storage>> open_shared_storage(const ServeOptions& options, const Clock&) {
  return unavailable(options.store_url);
}

Result<KeyStorage> open_shared_key_storage(const std::string& store_url, const Clock&) {
  return unavailable(store_url);
}

}  // namespace vidserve::app
