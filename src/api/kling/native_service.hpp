#pragma once
// Kling's native video API (/v1/videos/<product>, also under /kling): create a task, read one,
// list them, cancel one (POST /v1/videos/<product>/<id>/cancel, vidserve's own: Kling has no
// cancel), in Kling's {code, message, request_id, data} envelope. Requests are translated into
// Runware tasks and share validation, store and engines with the other APIs; a task created here
// is read back here in Kling's shape. Transport-free like the other front-ends.
#include <string_view>

#include "api/kling/native_auth.hpp"
#include "api/tasks/context.hpp"
#include "api/wire/reply.hpp"

namespace vidserve::api::kling {

struct NativeCall {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // without the query
  std::string_view query;   // after '?', may be empty
  std::string_view body;
  std::string_view authorization;
};

class NativeService {
 public:
  NativeService(const tasks::Context& context, const NativeAuth& auth) : context_(context), auth_(auth) {}

  // True for the paths this service answers (everything under /v1/videos/ except APIMart's
  // /v1/videos/generations, and the same under /kling).
  static bool owns(std::string_view path);
  void handle(const NativeCall& call, wire::ReplyCallback done) const;

 private:
  void create(const std::string& product, std::string_view body, const std::string& owner,
              const std::string& request_id, wire::ReplyCallback done) const;
  wire::Reply read_one(const std::string& product, const std::string& id, const std::string& owner,
                          const std::string& request_id) const;
  void cancel(const std::string& product, const std::string& id, const std::string& owner,
              const std::string& request_id, wire::ReplyCallback done) const;
  wire::Reply list(const std::string& product, std::string_view query, const std::string& owner,
                      const std::string& request_id) const;

  const tasks::Context& context_;
  const NativeAuth& auth_;
};

}  // namespace vidserve::api::kling
