#include "app/api_client.hpp"

#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string_view>

#include "app/error_codes.hpp"
#include "common/error_codes.hpp"
#include "fetch/curl_handles.hpp"

namespace vidserve::app {

namespace {

size_t append_body(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t write_file(char* data, size_t size, size_t n, void* file) {
  return std::fwrite(data, size, n, static_cast<std::FILE*>(file)) * size;
}

int on_progress(void* callback, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  (*static_cast<const std::function<void(double, double)>*>(callback))(static_cast<double>(now),
                                                                       static_cast<double>(total));
  return 0;
}

struct FileClose {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};

}  // namespace

ApiClient::ApiClient(std::string server, std::string key) : server_(std::move(server)), key_(std::move(key)) {
  while (!server_.empty() && server_.back() == '/') server_.pop_back();
}

Result<HttpReply> ApiClient::post_tasks(const std::string& json_array) const {
  return request("POST", "/v1", json_array);
}

Result<HttpReply> ApiClient::get(const std::string& path) const {
  return request("GET", path, "");
}

Result<HttpReply> ApiClient::remove(const std::string& path) const {
  return request("DELETE", path, "");
}

Result<HttpReply> ApiClient::request(const char* method, const std::string& path,
                                     const std::string& body) const {
  if (!fetch::curl_global_ready())
    return Error{vidserve::errc::kInternal, "libcurl could not start"};
  fetch::CurlEasyPtr curl(curl_easy_init());
  fetch::CurlSlistPtr headers;
  if (!curl || !fetch::slist_append(headers, "Content-Type: application/json") ||
      !fetch::slist_append(headers, "Authorization: Bearer " + key_)) {
    return Error{vidserve::errc::kInternal, "libcurl could not allocate"};
  }
  HttpReply reply;
  const std::string url = server_ + path;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  if (std::string_view(method) == "POST") {
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (std::string_view(method) != "GET") {
    curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method);
  }
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 300L);
  if (const auto rc = curl_easy_perform(curl.get()); rc != CURLE_OK) {
    return Error{errc::kConnectionFailed, url + ": " + curl_easy_strerror(rc)};
  }
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply.status);
  return reply;
}

Status ApiClient::download(const std::string& url, const std::string& path,
                           const std::function<void(double, double)>& progress) const {
  if (!fetch::curl_global_ready())
    return Error{vidserve::errc::kInternal, "libcurl could not start"};
  std::unique_ptr<std::FILE, FileClose> file(std::fopen(path.c_str(), "wb"));
  if (!file) return Error{errc::kWriteFailed, "cannot write " + path};
  fetch::CurlEasyPtr curl(curl_easy_init());
  if (!curl) return Error{vidserve::errc::kInternal, "libcurl could not allocate"};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, write_file);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, file.get());
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &progress);
  if (const auto rc = curl_easy_perform(curl.get()); rc != CURLE_OK) {
    return Error{errc::kDownloadFailed, url + ": " + curl_easy_strerror(rc)};
  }
  return Ok{};
}

void print_reply_errors(const boost::json::value& reply) {
  const auto* errors = reply.is_object() ? reply.get_object().if_contains("errors") : nullptr;
  if (!errors || !errors->is_array()) return;
  auto text = [](const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string("?");
  };
  for (const auto& e : errors->get_array()) {
    if (!e.is_object()) continue;
    const auto& o = e.get_object();
    std::cerr << "error";
    if (const auto* parameter = o.if_contains("parameter"))
      std::cerr << " (" << boost::json::serialize(*parameter) << ")";
    std::cerr << ": " << text(o, "message") << " [" << text(o, "code") << "]\n";
  }
}

}  // namespace vidserve::app
