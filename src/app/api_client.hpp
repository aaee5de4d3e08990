#pragma once
// A small client for a vidserve (or Runware) server, used by `vidserve generate` and `vidserve
// tasks`: POST tasks to /v1, the REST task routes, and downloads of result files. libcurl, http and
// https.
#include <boost/json/fwd.hpp>
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
  // GET or DELETE <server><path> (path and query, e.g. "/v1/tasks?limit=5").
  Result<HttpReply> get(const std::string& path) const;
  Result<HttpReply> remove(const std::string& path) const;
  // GET url into a file; `progress(received, total)` is called as bytes arrive.
  Status download(const std::string& url, const std::string& path,
                  const std::function<void(double, double)>& progress) const;

 private:
  // `method` "POST" sends `body`; others send none.
  Result<HttpReply> request(const char* method, const std::string& path,
                            const std::string& body) const;

  std::string server_, key_;
};

// Prints each item of a reply's "errors" array on stderr: "error (parameter): message [code]".
void print_reply_errors(const boost::json::value& reply);

}  // namespace vidserve::app
