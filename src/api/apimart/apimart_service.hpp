#pragma once
// The APIMart-style API for Kling (the API apimart.ai offers for Kling 2.6):
// POST /v1/videos/generations creates a task and GET /v1/tasks/{task_id} reads it
// (pending|processing|completed|failed|cancelled, progress); POST /v1/tasks/{task_id}/cancel
// cancels a pending or processing task and answers its task view. A body is mapped onto Kling's
// native text2video/image2video body (apimart_request.hpp) and from there into a Runware task, so
// all three APIs share validation, store and engines. Bearer vidserve keys.
#include <string_view>

#include "api/tasks/context.hpp"
#include "api/wire/reply.hpp"

namespace vidserve::api::apimart {

class ApimartService {
 public:
  explicit ApimartService(const tasks::Context& context) : context_(context) {}

  static bool owns(std::string_view method, std::string_view path);
  void handle(std::string_view method, std::string_view path, std::string_view body, std::string_view authorization,
              wire::ReplyCallback done) const;

 private:
  void create(std::string_view body, const std::string& owner, wire::ReplyCallback done) const;
  wire::Reply read(const std::string& task_id, const std::string& owner) const;
  void cancel(const std::string& task_id, const std::string& owner, wire::ReplyCallback done) const;

  const tasks::Context& context_;
};

}  // namespace vidserve::api::apimart
