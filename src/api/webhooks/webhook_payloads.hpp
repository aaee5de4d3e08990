#pragma once
// What a finished task's webhook carries, in the shape of the API that created the task, so a
// receiver written for Runware, Kling or APIMart reads it unchanged:
// - Runware (api "runware", or "" on older tasks): one POST per result item, each
//   {"data":[<the item getResponse returns>]}; a failed task sends {"errors":[<the error>]}
//   (Runware documents that "each completed item triggers a separate webhook call").
// - Kling native ("kling:<product>"): the bare task object of GET /v1/videos/<product>/{id},
//   without the {code,message,data} envelope (Kling callback protocol).
// - APIMart ("apimart"): the task object of GET /v1/tasks/{id} (its `data`).
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "api/tasks/context.hpp"
#include "common/result.hpp"
#include "store/task_store.hpp"
#include "store/webhook_outbox.hpp"

namespace vidserve::api::webhooks {

// The http(s) URL the task's result goes to: its stored request's webhookURL (Kling's
// callback_url is stored under that name too); "" when it has none or the request is unreadable.
std::string webhook_url(const store::TaskRecord& record);

// The APIMart task object. The APIMart front-end keeps its view to itself, so whoever wires the
// notifier passes it in; without one, APIMart tasks get no webhook (error "noWebhookShape").
using TaskView = std::function<boost::json::object(const store::TaskRecord&)>;

// The outbox events (store::OutboxMessage::event).
inline constexpr std::string_view kEventSubmitted = "submitted";
inline constexpr std::string_view kEventProcessing = "processing";
inline constexpr std::string_view kEventFinal = "final";

// The bodies to POST for one event of a task, in order (one per call). Media URLs use the
// context's public base URL, exactly as the polling endpoints show them. Kling-native tasks
// render "submitted" and "processing" as the task object in that state; the other APIs have only
// "final" (a cancelled task reads as cancelled in each API's shape).
Result<std::vector<std::string>> webhook_bodies(const tasks::Context& context, const store::TaskRecord& record,
                                                std::string_view event, const TaskView& apimart_view = nullptr);

}  // namespace vidserve::api::webhooks
