#include "app/input_fetcher.hpp"

namespace vidserve::app {

namespace {

worker::InputFetcher resolving_with(const fetch::InputResolver* resolver) {
  return [resolver](const std::string& ref, const std::string& owner) { return resolver->resolve(ref, owner); };
}

}  // namespace

Result<std::unique_ptr<InputFetcher>> InputFetcher::create(delivery::MediaStore& media,
                                                           const FetchSettings& settings) {
  auto guard = fetch::AddressGuard::from_env();
  if (!guard) return guard.error();
  auto lookup = [&media](std::string_view uuid, std::string_view owner) -> std::optional<fetch::Blob> {
    auto record = media.find(std::string(uuid));
    if (!record || record->owner != owner) return std::nullopt;
    auto bytes = media.read(record->media_uuid);
    if (!bytes) return std::nullopt;
    return fetch::Blob{std::move(bytes).value(), record->content_type};
  };
  std::unique_ptr<InputFetcher> fetcher(new InputFetcher());
  fetcher->pool_ = std::make_unique<fetch::FetchPool>(settings.pool);
  const fetch::HttpClient http(std::move(guard).value());
  fetch::ResolverLimits limits;
  limits.url.cancel = &fetcher->pool_->stopping();  // stop() ends every transfer, pooled or not
  limits.url.timeout = settings.input_timeout;
  limits.spool_dir = settings.spool_dir;
  limits.spool_over_bytes = settings.spool_over_bytes;
  fetcher->inputs_ = std::make_unique<fetch::InputResolver>(lookup, http, limits);
  limits.url.timeout = settings.upload_timeout;
  limits.spool_dir.clear();  // imageUpload stores what it fetched: images, in memory
  fetcher->uploads_ = std::make_unique<fetch::InputResolver>(lookup, http, limits);
  fetcher->http_ = std::make_unique<fetch::HttpClient>(http);
  fetcher->result_upload_limits_.timeout = settings.result_upload_timeout;
  fetcher->result_upload_limits_.cancel = &fetcher->pool_->stopping();
  return fetcher;
}

delivery::PutStream InputFetcher::for_result_uploads() const {
  return [http = http_.get(), limits = result_upload_limits_](const std::string& url, const fetch::StreamedBody& body) {
    return http->put_stream(url, body, limits);
  };
}

worker::InputFetcher InputFetcher::as_function() const { return resolving_with(inputs_.get()); }

worker::InputFetcher InputFetcher::for_uploads() const { return resolving_with(uploads_.get()); }

worker::AsyncInputFetcher InputFetcher::as_async_function() const {
  return [resolve = resolving_with(inputs_.get()), pool = pool_.get()](
             const std::string& ref, const std::string& owner, worker::InputDone done) {
    auto host = fetch::url_input_host(ref);
    if (!host) return done(resolve(ref, owner));  // an upload's UUID or inline data: no network
    auto shared = std::make_shared<worker::InputDone>(std::move(done));
    auto queued = pool->submit(*host, [resolve, ref, owner, shared] { (*shared)(resolve(ref, owner)); });
    if (queued) return;
    // A full pool holds this worker for one fetch (bounded by its deadline) rather than fail the task.
    if (queued.error().code == fetch::errc::kFetchBusy) return (*shared)(resolve(ref, owner));
    (*shared)(queued.error());
  };
}

}  // namespace vidserve::app
