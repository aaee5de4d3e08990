#include "app/storage_urls.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "app/error_codes.hpp"

namespace vidserve::app {

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool secret_parameter(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  constexpr std::array<std::string_view, 4> kSecret{"pass", "secret", "token", "key"};
  return std::any_of(kSecret.begin(), kSecret.end(),
                     [&](std::string_view word) { return lower.find(word) != std::string::npos; });
}

// "a=1&password=x&b=2" -> "a=1&b=2"
std::string shown_query(std::string_view query) {
  std::string out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty() || secret_parameter(pair.substr(0, pair.find('=')))) continue;
    if (!out.empty()) out += '&';
    out += pair;
  }
  return out;
}

}  // namespace

Result<StoreKind> store_kind(std::string_view store_url) {
  if (starts_with(store_url, "postgresql://") || starts_with(store_url, "postgres://")) {
    return StoreKind::Postgres;
  }
  if (store_url.empty() || store_url == "sqlite:") return StoreKind::Sqlite;
  return Error{errc::kInvalidStore,
               "--store needs postgresql://USER@HOST[:PORT]/DATABASE, or sqlite: (the default, "
               "SQLite in the --data directory); got '" +
                   shown_url(store_url) + "'"};
}

Result<MediaKind> media_kind(std::string_view media_url) {
  if (starts_with(media_url, "s3://")) return MediaKind::S3;
  if (media_url.empty()) return MediaKind::Local;
  return Error{errc::kInvalidMedia,
               "--media needs s3://BUCKET[/PREFIX]?endpoint=URL&region=REGION, or nothing (the "
               "default, media in DATA/media); got '" +
                   shown_url(media_url) + "'"};
}

Result<StorageKinds> storage_kinds(std::string_view store_url, std::string_view media_url) {
  auto store = store_kind(store_url);
  if (!store) return store.error();
  auto media = media_kind(media_url);
  if (!media) return media.error();
  const StorageKinds kinds{*store, *media};
  if (kinds.media == MediaKind::S3 && !kinds.shared()) {
    return Error{errc::kInvalidMedia,
                 "--media s3://... needs a shared store (--store postgresql://...): the media "
                 "index lives in the store, and every process serving the media must read it"};
  }
  return kinds;
}

std::string shown_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {  // "sqlite:", or "host=db password=..." (not a URL)
    const auto cut = url.find_first_of(": =");
    if (cut == std::string_view::npos) return std::string(url);
    const auto kept = url.substr(0, url[cut] == ':' ? cut + 1 : cut);
    return std::string(kept) + (kept.size() < url.size() ? "..." : "");
  }
  const auto authority_start = scheme_end + 3;
  const auto path_start = std::min(url.find_first_of("/?#", authority_start), url.size());
  auto authority = url.substr(authority_start, path_start - authority_start);
  std::string out(url.substr(0, authority_start));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    const auto userinfo = authority.substr(0, at);
    out += std::string(userinfo.substr(0, userinfo.find(':'))) + "@";
    authority.remove_prefix(at + 1);
  }
  out += authority;
  auto rest = url.substr(path_start);
  const auto fragment = rest.find('#');
  if (fragment != std::string_view::npos) rest = rest.substr(0, fragment);
  const auto question = rest.find('?');
  out += rest.substr(0, question);
  if (question != std::string_view::npos) {
    const auto query = shown_query(rest.substr(question + 1));
    if (!query.empty()) out += "?" + query;
  }
  return out;
}

std::string shown_store(std::string_view store_url, const std::string& data_dir) {
  if (starts_with(store_url, "postgres")) return "PostgreSQL (" + shown_url(store_url) + ")";
  return "SQLite (" + data_dir + "/vidserve.db)";
}

std::string shown_media(std::string_view media_url, const std::string& data_dir) {
  if (starts_with(media_url, "s3://")) return "S3 (" + shown_url(media_url) + ")";
  return data_dir + "/media";
}

}  // namespace vidserve::app
