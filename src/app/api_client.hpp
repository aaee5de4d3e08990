#pragma once
// A small client for a vidserve (or Runware) server, used by `vidserve generate`: POST tasks to
// /v1 and download result files. libcurl, http and https.
#include <functional>
#include <string>

#include "common/result.hpp"

namespace vidserve::app {

struct HttpReply {
  long status = 0;
  std::string body;
};

class ApiClient {
 public:
  ApiClient(std::string server, std::string key);
  // POST <server>/v1 with a JSON array body.
  Result<HttpReply> post_tasks(const std::string& json_array) const;
  // GET url into a file; `progress(received, total)` is called as bytes arrive.
  Status download(const std::string& url, const std::string& path,
                  const std::function<void(double, double)>& progress) const;

 private:
  std::string server_, key_;
};

}  // namespace vidserve::app
