#pragma once
// Owning handles for libcurl: an easy handle and a header list each live in a unique_ptr whose
// deleter frees them, so no early return can leak one.
#include <curl/curl.h>

#include <memory>
#include <string>

namespace vidserve::fetch {

struct CurlEasyCleanup {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};

struct CurlSlistFree {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};

using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyCleanup>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistFree>;

// Appends a copy of `item`; returns false (list unchanged) when curl cannot allocate.
inline bool slist_append(CurlSlistPtr& list, const std::string& item) {
  curl_slist* grown = curl_slist_append(list.get(), item.c_str());
  if (grown == nullptr) return false;
  list.release();  // `grown` is the same list with one more node
  list.reset(grown);
  return true;
}

// The HTTP status of the handle's last answer (0 before one).
inline long response_code(CURL* handle) {
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

inline bool http_success(long status) { return status >= 200 && status < 300; }

// curl_global_init, once per process, thread-safe. Returns false if it failed.
bool curl_global_ready();

}  // namespace vidserve::fetch
