#include "app/input_fetcher.hpp"

namespace vidserve::app {

Result<std::unique_ptr<InputFetcher>> InputFetcher::create(delivery::MediaStore& media) {
  auto guard = fetch::AddressGuard::from_env();
  if (!guard) return guard.error();
  auto lookup = [&media](std::string_view uuid, std::string_view owner) -> std::optional<fetch::Blob> {
    auto record = media.find(std::string(uuid));
    if (!record || record->owner != owner) return std::nullopt;
    auto bytes = media.read(record->media_uuid);
    if (!bytes) return std::nullopt;
    return fetch::Blob{std::move(bytes).value(), record->content_type};
  };
  auto resolver = std::make_unique<fetch::InputResolver>(lookup, fetch::HttpClient(std::move(guard).value()));
  return std::unique_ptr<InputFetcher>(new InputFetcher(std::move(resolver)));
}

core::InputFetcher InputFetcher::as_function() const {
  return [resolver = resolver_.get()](const std::string& ref, const std::string& owner) -> Result<core::FetchedInput> {
    auto blob = resolver->resolve(ref, owner);
    if (!blob) return blob.error();
    return core::FetchedInput{std::move(blob->bytes), std::move(blob->content_type)};
  };
}

}  // namespace vidserve::app
